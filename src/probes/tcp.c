// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TCP health family (bpf/tcp.bpf.c): events, listener polling and the
 * per-destination summary. TCP state and reset reason names come from the
 * running kernel's BTF.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <netsight/tcp.h>

#include "lib/btf_enum.h"
#include "lib/errnames.h"
#include "lib/ksyms.h"
#include "lib/log.h"
#include "lib/objvar.h"
#include "lib/session.h"
#include "lib/snapshot.h"
#include "lib/sockdiag.h"
#include "probes/registry.h"
#include "probes/tcp.h"
#include "tcp.compat.skel.h"
#include "tcp.skel.h"

NS_FAMILY_SKELETONS(tcp)

static const char *const action_names[NS_TCP_ACTION_MAX] = {
#define NS_X(id, name) [NS_TCP_##id] = name,
	NS_TCP_ACTIONS(NS_X)
#undef NS_X
};

/* Where each summary counter goes in output. */
static const enum ns_field counter_fields[NS_TCPC_MAX] = {
	[NS_TCPC_RETRANSMITS] = NS_F_RETRANSMITS,
	[NS_TCPC_RETRANSMITS_FAILED] = NS_F_RETRANSMITS_FAILED,
	[NS_TCPC_SYNACK_RETRANSMITS] = NS_F_SYNACK_RETRANSMITS,
	[NS_TCPC_RESETS_RECEIVED] = NS_F_RESETS_RECEIVED,
	[NS_TCPC_RESETS_SENT] = NS_F_RESETS_SENT,
	[NS_TCPC_CONNECTS_FAILED] = NS_F_CONNECTS_FAILED,
	[NS_TCPC_LISTEN_OVERFLOWS] = NS_F_LISTEN_OVERFLOWS,
};

static struct {
	struct ns_enum_names states;
	struct ns_enum_names rst_reasons;
	struct ns_counts counts; /* summary readings */
} tcp;

const char *ns_tcp_action_name(unsigned int action)
{
	return action < NS_TCP_ACTION_MAX ? action_names[action] : NULL;
}

/*
 * Where tcp_v4_rcv() and tcp_v6_rcv() are, for telling the drops they count
 * on a listener apart from overflows (bpf/lib/listener.bpf.h). Without
 * kallsyms the ranges stay empty and every listener drop counts.
 */
static int set_rcv_ranges(struct bpf_object *obj)
{
	static const char *const funcs[] = { "tcp_v4_rcv", "tcp_v4_rcv.cold", "tcp_v6_rcv",
					     "tcp_v6_rcv.cold" };
	const struct ns_ksyms *ks = ns_ksyms_default();
	__u64 ranges[4][2] = { { 0 } };
	size_t n = 0;

	for (size_t i = 0; ks && i < sizeof(funcs) / sizeof(funcs[0]); i++)
		if (!ns_ksyms__range(ks, funcs[i], &ranges[n][0], &ranges[n][1]))
			n++;
	if (!n)
		ns_log(NS_LOG_DEBUG, "tcp_v4_rcv is not in kallsyms: listen_overflow counts "
				     "every listener drop");
	/* Loaded again on demand by whoever needs it later (drop locations). */
	ns_ksyms_default_release();
	return ns_object_var_set(obj, "tcp_rcv_ranges", ranges, sizeof(ranges));
}

static int tcp_prepare(struct ns_session *s, struct bpf_object *obj)
{
	static const char *const state_prefix[] = { "TCP_", NULL };
	static const char *const rst_prefix[] = { "SK_RST_REASON_", NULL };
	const struct btf *btf = ns_session__btf(s);
	int err;

	if (!btf)
		return -errno;
	err = set_rcv_ranges(obj);
	if (!err)
		err = ns_enum_names_load(btf, NULL, "TCP_ESTABLISHED", state_prefix, &tcp.states);
	/* Reset reasons came with Linux 6.10; without them events carry none. */
	if (!err &&
	    ns_enum_names_load(btf, "sk_rst_reason", NULL, rst_prefix, &tcp.rst_reasons) == -ENOMEM)
		err = -ENOMEM;
	return err;
}

/* Overflows since the last tick become events or counts. */
static int tcp_tick(struct ns_session *s, struct bpf_object *obj)
{
	(void)obj;
	if (ns_session__usable(s, "tcp_iter_listeners"))
		return ns_session__run_iter(s, "tcp_iter_listeners");
	if ((ns_session__fallbacks(s) & NS_FB_LISTEN_LIST) &&
	    ns_session__usable(s, "tcp_poll_listeners"))
		return ns_session__run_prog(s, "tcp_poll_listeners");
	return 0;
}

static int seed_listener(const struct ns_diag_sock *sk, void *ctx)
{
	int fd = *(int *)ctx;

	if (sk->has_drops)
		bpf_map_update_elem(fd, &sk->cookie, &sk->drops, BPF_NOEXIST);
	return 0;
}

/*
 * Where iter/tcp is refused: each listener's drop count at start, so that
 * what it drops later, once netsight meets it, is told apart.
 */
static int tcp_netns(struct ns_session *s, struct bpf_object *obj, __u64 netns_ino)
{
	int fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "tcp_listen_seed"));
	int err;

	if (!(ns_session__fallbacks(s) & NS_FB_LISTEN_SEED))
		return 0;
	err = ns_sockdiag_dump(IPPROTO_TCP, NS_DIAG_LISTEN, true, seed_listener, &fd);
	if (err)
		ns_log(NS_LOG_WARN, "reading listeners of network namespace %llu: %s",
		       (unsigned long long)netns_ino, strerror(-err));
	return 0;
}

static enum ns_direction record_direction(__u8 dir)
{
	return dir == NS_TCP_DIR_ACTIVE	 ? NS_DIR_EGRESS :
	       dir == NS_TCP_DIR_PASSIVE ? NS_DIR_INGRESS :
					   NS_DIR_NONE;
}

/* ECS event.type: resets refusing a connection attempt deny it, others end one. */
static unsigned int ecs_types(const struct ns_tcp_event *e)
{
	bool attempt = !(e->flags & NS_TCP_HAS_STATE) || e->state == NS_TCP_LISTEN ||
		       e->state == NS_TCP_NEW_SYN_RECV || e->state == NS_TCP_SYN_SENT ||
		       e->state == NS_TCP_SYN_RECV;

	switch (e->action) {
	case NS_TCP_RETRANSMIT_FAILED:
		return NS_ECS_CONNECTION | NS_ECS_ERROR;
	case NS_TCP_RESET_SENT:
	case NS_TCP_RESET_RECEIVED:
		return NS_ECS_CONNECTION | (attempt ? NS_ECS_DENIED : NS_ECS_END);
	case NS_TCP_LISTEN_OVERFLOW:
		return NS_ECS_CONNECTION | NS_ECS_DENIED;
	default:
		return NS_ECS_CONNECTION | NS_ECS_INFO;
	}
}

int ns_tcp_decode(const void *data, size_t size, const struct ns_decode_ctx *ctx,
		  struct ns_record *rec)
{
	const struct ns_tcp_event *e = data;
	const char *action = ns_tcp_action_name(e->action);
	const char *name;

	if (size < sizeof(*e) || !action)
		return -EINVAL;
	ns_record_from_event(rec, &e->hdr, ctx, action);
	rec->owner = e->owner;
	rec->tuple = e->tuple;
	rec->direction = record_direction(ns_tcp_direction(e));
	rec->ecs_types = ecs_types(e);
	if ((e->flags & NS_TCP_HAS_STATE) && (name = ns_enum_names_get(&tcp.states, e->state)))
		ns_record_str(rec, NS_F_TCP_STATE, name);
	if (e->action == NS_TCP_RETRANSMIT || e->action == NS_TCP_RETRANSMIT_FAILED ||
	    e->action == NS_TCP_LISTEN_OVERFLOW)
		ns_record_u64(rec, NS_F_COUNT, e->count);
	if (e->error)
		ns_record_u64(rec, NS_F_ERROR, e->error);
	if ((e->flags & NS_TCP_HAS_RST_REASON) &&
	    (name = ns_enum_names_get(&tcp.rst_reasons, e->rst_reason)))
		ns_record_str(rec, NS_F_RESET_REASON, name);
	if (e->action == NS_TCP_LISTEN_OVERFLOW) {
		/* The listening endpoint; its peers are many and none in particular. */
		rec->unknown = NS_PART_RADDR | NS_PART_RPORT;
		ns_record_u64(rec, NS_F_LISTEN_QUEUE, e->queue);
		ns_record_u64(rec, NS_F_LISTEN_BACKLOG, e->backlog);
	}
	return 0;
}

struct summary_walk {
	bool since_start;
	__u32 by; /* enum ns_tcp_by */
	__u64 epoch_ns;
	ns_record_fn emit;
	void *ctx;
};

static int summary_key(const void *key_ptr, const void *values, int ncpus, void *ctx)
{
	const struct ns_tcp_key *key = key_ptr;
	const struct ns_tcp_counts *v = values;
	const struct ns_owner *owner = NULL;
	struct summary_walk *w = ctx;
	__u64 totals[NS_TCPC_MAX] = { 0 }, all = 0;
	struct ns_record rec;

	for (int cpu = 0; cpu < ncpus; cpu++) {
		for (int i = 0; i < NS_TCPC_MAX; i++)
			totals[i] += v[cpu].counters[i];
		if (!owner && (v[cpu].owner.pid || v[cpu].owner.comm[0]))
			owner = &v[cpu].owner;
	}
	if (ns_snapshot_add(&tcp.counts.current, key, totals))
		return -ENOMEM;
	ns_record_init(&rec, w->epoch_ns, "tcp_summary");
	rec.kind = NS_RECORD_METRIC;
	if (owner)
		rec.owner = *owner;
	rec.tuple.family = key->family;
	rec.tuple.protocol = IPPROTO_TCP;
	memcpy(rec.tuple.raddr, key->raddr, sizeof(rec.tuple.raddr));
	rec.tuple.rport = key->rport;
	rec.tuple.lport = key->lport;
	rec.direction = record_direction(key->direction);
	if (key->netns)
		ns_record_u64(&rec, NS_F_NETNS, key->netns);
	/* What --by left out of the key. */
	rec.unknown = NS_PART_LADDR | (key->rport ? 0 : NS_PART_RPORT) |
		      (key->lport ? 0 : NS_PART_LPORT) |
		      (w->by & NS_TCP_BY_REMOTE ? 0 : NS_PART_RADDR);
	for (int i = 0; i < NS_TCPC_MAX; i++) {
		__u64 n = totals[i] -
			  (w->since_start ? 0 : ns_snapshot_get(&tcp.counts.previous, key, i));

		ns_record_u64(&rec, counter_fields[i], n);
		all += n;
	}
	if (!all)
		return 0;
	ns_record_u64(&rec, NS_F_COUNT, all);
	ns_record_str(&rec, NS_F_SUMMARY_SCOPE, w->since_start ? "total" : "interval");
	w->emit(&rec, &ns_tcp_family, w->ctx);
	return 0;
}

static int tcp_summarize(struct ns_session *s, struct bpf_object *obj, bool since_start,
			 ns_record_fn emit, void *ctx)
{
	struct summary_walk w = { .since_start = since_start, .emit = emit, .ctx = ctx };
	int err;

	w.epoch_ns = ns_session__now_epoch(s);
	w.by = ns_session__config(s)->summary_by;
	ns_counts_begin(&tcp.counts, sizeof(struct ns_tcp_key), NS_TCPC_MAX);
	err = ns_map_for_each_percpu(bpf_map__fd(bpf_object__find_map_by_name(obj, "tcp_summary")),
				     sizeof(struct ns_tcp_key), sizeof(struct ns_tcp_counts),
				     summary_key, &w);
	if (!err)
		ns_counts_end(&tcp.counts, since_start);
	return err;
}

static void tcp_release(void)
{
	ns_counts_release(&tcp.counts);
	ns_enum_names_release(&tcp.states);
	ns_enum_names_release(&tcp.rst_reasons);
}

static const struct ns_column tcp_columns[] = {
	{ .header = "TIME", .width = 12, .kind = NS_COL_TIME },
	{ .header = "EVENT", .width = 17, .kind = NS_COL_ACTION },
	{ .header = "PID", .width = 7, .kind = NS_COL_PID },
	{ .header = "COMM", .width = 15, .kind = NS_COL_COMM },
	{ .header = "STATE", .width = 12, .field = NS_F_TCP_STATE },
	{ .header = "LOCAL", .width = 21, .kind = NS_COL_LOCAL },
	{ .header = "REMOTE", .width = 21, .kind = NS_COL_REMOTE },
	{ .header = "COUNT", .width = 5, .field = NS_F_COUNT },
	{ .header = "DETAIL", .field = NS_F_RESET_REASON, .alt = NS_F_ERROR },
	{ .header = NULL },
};

static const struct ns_column tcp_summary_columns[] = {
	{ .header = "COUNT", .width = 7, .field = NS_F_COUNT },
	{ .header = "DIR", .width = 7, .kind = NS_COL_DIRECTION },
	{ .header = "REMOTE", .width = 21, .kind = NS_COL_REMOTE },
	{ .header = "LOCAL", .width = 8, .kind = NS_COL_LOCAL },
	{ .header = "PID", .width = 7, .kind = NS_COL_PID },
	{ .header = "COMM", .width = 15, .kind = NS_COL_COMM },
	{ .header = "RETRANS", .width = 7, .field = NS_F_RETRANSMITS },
	{ .header = "RTXFAIL", .width = 7, .field = NS_F_RETRANSMITS_FAILED },
	{ .header = "SYNACK", .width = 6, .field = NS_F_SYNACK_RETRANSMITS },
	{ .header = "RST_IN", .width = 6, .field = NS_F_RESETS_RECEIVED },
	{ .header = "RST_OUT", .width = 7, .field = NS_F_RESETS_SENT },
	{ .header = "FAILED", .width = 6, .field = NS_F_CONNECTS_FAILED },
	{ .header = "OVERFLOW", .field = NS_F_LISTEN_OVERFLOWS },
	{ .header = NULL },
};

static const struct ns_prog_spec tcp_programs[] = {
	{ .name = "tcp_retransmit_skb",
	  .fallback = "retransmit_failed events carry no error: this kernel's tracepoint has no "
		      "error argument (and older ones report only retransmissions that went out)",
	  .alternative = "tcp_retransmit_skb_sent",
	  .tracepoint = "tcp_retransmit_skb",
	  .tracepoint_args = 3 },
	{ .name = "tcp_send_reset",
	  .fallback = "reset_sent events carry no reason, and this kernel reports no resets "
		      "for segments that matched no socket",
	  .alternative = "tcp_send_reset_noreason",
	  .tracepoint = "tcp_send_reset",
	  .tracepoint_args = 3 },
	{ .name = "tcp_kfree_skb",
	  .fallback = "listen_overflow also counts segments a listener dropped for pending "
		      "connection requests",
	  .tracepoint = "kfree_skb",
	  .tracepoint_args = 4 },
	{ .name = "tcp_iter_listeners",
	  .fallback = "listeners are kept in a map and polled by an on-demand program",
	  .fallback_flags = NS_FB_LISTEN_LIST,
	  .iter_map = "tcp_listeners" },
	{ .name = "tcp_poll_listeners",
	  .fallback = "without the listener iterator either, SYN-stage listen overflows are "
		      "reported when the listener closes",
	  .backs = "tcp_iter_listeners" },
	{ .name = "tcp_iter_start",
	  .fallback = "listeners open before start-up are watched from when netsight first "
		      "meets them, counted from their drops at start (sock_diag)",
	  .fallback_flags = NS_FB_LISTEN_SEED },
	{ NULL },
};

const struct ns_family ns_tcp_family = {
	.name = "tcp",
	NS_FAMILY_SKELETON_OPS(tcp),
	.programs = tcp_programs,
	.prepare = tcp_prepare,
	.netns = tcp_netns,
	.tick = tcp_tick,
	.release = tcp_release,
	.summarize = tcp_summarize,
	.summary_columns = tcp_summary_columns,
	.event_type = NS_EVENT_TCP,
	.action_name = ns_tcp_action_name,
	.nactions = NS_TCP_ACTION_MAX,
	.event_size = sizeof(struct ns_tcp_event),
	.decode = ns_tcp_decode,
	.columns = tcp_columns,
};
