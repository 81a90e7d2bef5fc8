// SPDX-License-Identifier: GPL-2.0-only
/*
 * The connection family (bpf/conn.bpf.c): turns connection events into
 * records. Durations of connections that were open before start-up are
 * counted from the start of tracing and the record says so.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <netsight/conn.h>

#include "conn.compat.skel.h"
#include "conn.skel.h"
#include "lib/histogram.h"
#include "lib/periods.h"
#include "lib/session.h"
#include "probes/conn.h"
#include "probes/registry.h"

NS_FAMILY_SKELETONS(conn)

static const char *const action_names[NS_CONN_ACTION_MAX] = {
#define NS_X(id, name) [NS_CONN_##id] = name,
	NS_CONN_ACTIONS(NS_X)
#undef NS_X
};

static const char *const close_reason_names[NS_CLOSE_REASON_MAX] = {
#define NS_X(id, name) [NS_CLOSE_##id] = name,
	NS_CLOSE_REASONS(NS_X)
#undef NS_X
};

const char *ns_conn_action_name(unsigned int action)
{
	return action < NS_CONN_ACTION_MAX ? action_names[action] : NULL;
}

const char *ns_close_reason_name(unsigned int reason)
{
	return reason < NS_CLOSE_REASON_MAX ? close_reason_names[reason] : NULL;
}

static void add_close(struct ns_record *rec, const struct ns_conn_event *e,
		      const struct ns_decode_ctx *ctx)
{
	__u64 start = e->start_ns ? e->start_ns : ctx->start_boot_ns;
	const char *reason = ns_close_reason_name(e->close_reason);

	ns_record_u64(rec, NS_F_DURATION, e->hdr.ts_ns > start ? e->hdr.ts_ns - start : 0);
	ns_record_u64(rec, NS_F_BYTES_SENT, e->stats.bytes_sent);
	ns_record_u64(rec, NS_F_BYTES_RECEIVED, e->stats.bytes_received);
	ns_record_u64(rec, NS_F_RTT, (__u64)e->stats.srtt_us * 1000);
	ns_record_u64(rec, NS_F_RETRANSMITS, e->stats.retransmits);
	ns_record_str(rec, NS_F_CLOSE_REASON, reason ? reason : "other");
	if (e->error) {
		ns_record_u64(rec, NS_F_ERROR, e->error);
		rec->ecs_types |= NS_ECS_ERROR;
	}
	ns_record_bool(rec, NS_F_PREEXISTING, e->flags & NS_CONN_PREEXISTING);
}

int ns_conn_decode(const void *data, size_t size, const struct ns_decode_ctx *ctx,
		   struct ns_record *rec)
{
	const struct ns_conn_event *e = data;
	const char *action = ns_conn_action_name(e->action);

	if (size < sizeof(*e) || !action)
		return -EINVAL;
	ns_record_from_event(rec, &e->hdr, ctx, action);
	rec->owner = e->owner;
	rec->tuple = e->tuple;
	rec->direction = e->owner.flags & NS_OWNER_PASSIVE ? NS_DIR_INGRESS : NS_DIR_EGRESS;
	switch (e->action) {
	case NS_CONN_CONNECT:
		rec->ecs_types = NS_ECS_CONNECTION | NS_ECS_START;
		if (e->connect_latency_ns)
			ns_record_u64(rec, NS_F_CONNECT_LATENCY, e->connect_latency_ns);
		break;
	case NS_CONN_ACCEPT:
		rec->ecs_types = NS_ECS_CONNECTION | NS_ECS_START;
		break;
	case NS_CONN_CONNECT_FAILED:
		rec->ecs_types = NS_ECS_CONNECTION | NS_ECS_ERROR;
		ns_record_u64(rec, NS_F_ERROR, e->error);
		break;
	case NS_CONN_CLOSE:
		rec->ecs_types = NS_ECS_CONNECTION | NS_ECS_END;
		add_close(rec, e, ctx);
		break;
	}
	return 0;
}

static const struct ns_column conn_columns[] = {
	{ .header = "TIME", .width = 12, .kind = NS_COL_TIME },
	{ .header = "EVENT", .width = 14, .kind = NS_COL_ACTION },
	{ .header = "PID", .width = 7, .kind = NS_COL_PID },
	{ .header = "COMM", .width = 15, .kind = NS_COL_COMM },
	{ .header = "LOCAL", .width = 21, .kind = NS_COL_LOCAL },
	{ .header = "REMOTE", .width = 21, .kind = NS_COL_REMOTE },
	{ .header = "LAT", .width = 8, .field = NS_F_CONNECT_LATENCY },
	{ .header = "DUR", .width = 8, .field = NS_F_DURATION },
	{ .header = "TX", .width = 6, .field = NS_F_BYTES_SENT },
	{ .header = "RX", .width = 6, .field = NS_F_BYTES_RECEIVED },
	{ .header = "RTT", .width = 8, .field = NS_F_RTT },
	{ .header = "RETR", .width = 4, .field = NS_F_RETRANSMITS },
	{ .header = "END", .width = 12, .field = NS_F_CLOSE_REASON, .alt = NS_F_ERROR },
	{ .header = "NOTE", .field = NS_F_PREEXISTING },
	{ .header = NULL },
};

/* Reports the closes the kernel side still holds back (conn_held). */
static int report_held(struct ns_session *s, struct bpf_object *obj)
{
	int held = bpf_map__fd(bpf_object__find_map_by_name(obj, "conn_held"));
	__u64 key, next, *prev = NULL;
	struct ns_conn_held h;

	while (!bpf_map_get_next_key(held, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(held, &key, &h))
			continue; /* gone meanwhile: reported by the kernel side */
		ns_session__deliver(s, &h.event, sizeof(h.event));
	}
	return errno == ENOENT ? 0 : -errno;
}

/* Closes still waiting for their reason or owner are reported now, not lost. */
static int conn_finish(struct ns_session *s, struct bpf_object *obj)
{
	if (ns_session__usable(s, "conn_iter_pending"))
		return ns_session__run_iter(s, "conn_iter_pending");
	if (ns_session__fallbacks(s) & NS_FB_CONN_HELD)
		return report_held(s, obj);
	return 0;
}

/* The reading periods of ns_conn_counts (NS_CFG_CONN_COUNTS). */
static struct ns_periods conn_periods;

static int conn_prepare(struct ns_session *s, struct bpf_object *obj)
{
	(void)s;
	(void)obj;
	ns_periods_init(&conn_periods, sizeof(struct ns_conn_key));
	return 0;
}

static void conn_release(void)
{
	ns_periods_release(&conn_periods);
}

struct counts_walk {
	__u64 now;
	ns_record_fn emit;
	void *ctx;
};

/* A row of ns_conn_counts as a record: its event's action, with a count. */
static int count_row(const void *key_ptr, const void *value, void *ctx)
{
	const struct ns_conn_key *k = key_ptr;
	const struct ns_conn_counts *c = value;
	const char *action = ns_conn_action_name(k->action);
	struct counts_walk *w = ctx;
	struct ns_histogram connect = { 0 };
	struct ns_record rec;

	if (!action || !c->count)
		return 0;
	ns_record_init(&rec, w->now, action);
	rec.kind = NS_RECORD_METRIC;
	rec.owner = c->owner;
	rec.owner.cgroup_id = k->cgroup_id;
	memcpy(rec.owner.comm, k->comm, sizeof(rec.owner.comm));
	rec.tuple = k->tuple;
	rec.direction = k->passive ? NS_DIR_INGRESS : NS_DIR_EGRESS;
	rec.unknown = k->passive ? NS_PART_RPORT : NS_PART_LPORT;
	if (k->netns)
		ns_record_u64(&rec, NS_F_NETNS, k->netns);
	ns_record_u64(&rec, NS_F_COUNT, c->count);
	switch (k->action) {
	case NS_CONN_CONNECT:
		if (c->connect.count) {
			ns_histogram_add_row(&connect, &c->connect);
			ns_record_hist(&rec, NS_F_HISTOGRAM, &connect);
		}
		break;
	case NS_CONN_CONNECT_FAILED:
		ns_record_u64(&rec, NS_F_ERROR, k->error);
		break;
	case NS_CONN_CLOSE:
		ns_record_u64(&rec, NS_F_BYTES_SENT, c->bytes_sent);
		ns_record_u64(&rec, NS_F_BYTES_RECEIVED, c->bytes_received);
		ns_record_u64(&rec, NS_F_PREEXISTING_CLOSES, c->preexisting);
		break;
	}
	w->emit(&rec, &ns_conn_family, w->ctx);
	return 0;
}

/*
 * With NS_CFG_CONN_COUNTS: the connection events counted since the last
 * reading, a record per row (action, owner, endpoints, count), whatever
 * @since_start says: only the increases are kept.
 */
static int conn_summarize(struct ns_session *s, struct bpf_object *obj, bool since_start,
			  ns_record_fn emit, void *ctx)
{
	struct counts_walk w = { .now = ns_session__now_epoch(s), .emit = emit, .ctx = ctx };
	int old;

	(void)since_start;
	if (!(ns_session__config(s)->flags & NS_CFG_CONN_COUNTS))
		return 0;
	old = ns_periods_flip(&conn_periods,
			      bpf_map__fd(bpf_object__find_map_by_name(obj, "ns_conn_period")), 0);
	if (old < 0)
		return old;
	return ns_periods_take(&conn_periods,
			       bpf_map__fd(bpf_object__find_map_by_name(obj, "ns_conn_counts")),
			       offsetof(struct ns_conn_key, epoch), old,
			       sizeof(struct ns_conn_counts), count_row, &w);
}

static const struct ns_prog_spec conn_programs[] = {
	{ .name = "conn_getsockopt",
	  .fallback = "a connect refused by an ICMP error that the application read with "
		      "getsockopt(SO_ERROR) is reported as ECONNABORTED" },
	{ .name = "conn_iter_pending",
	  .fallback = "closes still held back when tracing stops are read from a map",
	  .fallback_flags = NS_FB_CONN_HELD,
	  .iter_map = "ns_owners" },
	{ NULL },
};

const struct ns_family ns_conn_family = {
	.name = "conn",
	NS_FAMILY_SKELETON_OPS(conn),
	.programs = conn_programs,
	.config_flags = NS_CFG_ACCEPT_EVENTS,
	.prepare = conn_prepare,
	.finish = conn_finish,
	.summarize = conn_summarize,
	.release = conn_release,
	.event_type = NS_EVENT_CONN,
	.action_name = ns_conn_action_name,
	.nactions = NS_CONN_ACTION_MAX,
	.event_size = sizeof(struct ns_conn_event),
	.decode = ns_conn_decode,
	.columns = conn_columns,
};
