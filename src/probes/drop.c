// SPDX-License-Identifier: GPL-2.0-only
/*
 * The drop family (bpf/drop.bpf.c): drop events and their in-kernel summary.
 * Reason names come from the running kernel's enum skb_drop_reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <netsight/drop.h>

#include "drop.compat.skel.h"
#include "drop.skel.h"
#include "lib/btf_enum.h"
#include "lib/session.h"
#include "lib/snapshot.h"
#include "probes/drop.h"
#include "probes/registry.h"

NS_FAMILY_SKELETONS(drop)

static const char *const attribution_names[NS_ATTR_MAX] = {
#define NS_X(id, name) [NS_ATTR_##id] = name,
	NS_ATTRIBUTIONS(NS_X)
#undef NS_X
};

static struct {
	struct ns_enum_names reasons;
	struct ns_enum_names subsystems;
	bool loaded;
	__u8 wanted[NS_DROP_REASON_SLOTS];
	struct ns_counts counts; /* summary readings */
	__u64 previous_totals[NS_DROP_REASON_SLOTS];
} drop;

int ns_drop_reasons_load(void)
{
	static const char *const reason_prefixes[] = { "SKB_DROP_REASON_", "SKB_", NULL };
	static const char *const subsys_prefixes[] = { "SKB_DROP_REASON_SUBSYS_", NULL };
	struct btf *btf;
	int err;

	if (drop.loaded)
		return 0;
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return -errno;
	err = ns_enum_names_load(btf, "skb_drop_reason", NULL, reason_prefixes, &drop.reasons);
	/* Older kernels have no subsystems; their reasons are all core ones. */
	if (!err && ns_enum_names_load(btf, "skb_drop_reason_subsys", NULL, subsys_prefixes,
				       &drop.subsystems) == -ENOMEM)
		err = -ENOMEM;
	btf__free(btf);
	if (err) {
		ns_enum_names_release(&drop.reasons);
		return err;
	}
	drop.loaded = true;
	return 0;
}

const struct ns_enum_names *ns_drop_reason_names(void)
{
	return drop.loaded ? &drop.reasons : NULL;
}

const char *ns_drop_reason_name(__u32 reason, char *buf, size_t len)
{
	const char *name = ns_enum_names_get(&drop.reasons, reason);
	const char *subsys;

	if (name)
		return name;
	/* SKB_DROP_REASON_SUBSYS_SHIFT: the subsystem is in the high 16 bits. */
	subsys = reason >> 16 ? ns_enum_names_get(&drop.subsystems, reason >> 16) : NULL;
	if (subsys)
		snprintf(buf, len, "%s/%u", subsys, reason & 0xffff);
	else
		snprintf(buf, len, "REASON_%u", reason);
	return buf;
}

__u32 ns_drop_reason_slot(__u32 reason)
{
	return reason < NS_DROP_REASON_SLOTS ? reason : NS_DROP_REASON_SLOTS - 1;
}

void ns_drop_select(const __u8 wanted[NS_DROP_REASON_SLOTS])
{
	memcpy(drop.wanted, wanted, sizeof(drop.wanted));
}

void ns_drop_all_reasons(__u8 wanted[NS_DROP_REASON_SLOTS])
{
	static const char *const not_drops[] = { "NOT_DROPPED_YET", "CONSUMED" };
	__s64 reason;

	memset(wanted, 1, NS_DROP_REASON_SLOTS);
	for (size_t i = 0; i < sizeof(not_drops) / sizeof(not_drops[0]); i++)
		if (!ns_enum_names_find(&drop.reasons, not_drops[i], &reason))
			wanted[ns_drop_reason_slot(reason)] = 0;
}

static int drop_prepare(struct ns_session *s, struct bpf_object *obj)
{
	int fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "drop_wanted"));

	(void)s;
	for (__u32 slot = 0; slot < NS_DROP_REASON_SLOTS; slot++)
		if (drop.wanted[slot] && bpf_map_update_elem(fd, &slot, &drop.wanted[slot], 0))
			return -errno;
	return 0;
}

/*
 * A packet that came in has the device it arrived on (skb_iif): nothing
 * received lacks it past the driver, where the device is set. One this host
 * sends has none, only the device it leaves by, once routed. A packet that
 * came in and was on its way out again (forwarded) has both.
 */
static void add_interfaces(struct ns_record *rec, const struct ns_drop_event *e)
{
	bool named = e->ifname[0] && e->ifindex;

	if (e->iif) {
		rec->direction = NS_DIR_INGRESS;
		ns_record_u64(rec, NS_F_INGRESS_IFINDEX, e->iif);
		if (named && e->ifindex == e->iif)
			ns_record_str(rec, NS_F_INGRESS_IFNAME, e->ifname);
		if (!named || e->ifindex == e->iif)
			return;
	} else {
		/* Sent by this host; before routing (nftables output) it has no device yet. */
		rec->direction = NS_DIR_EGRESS;
		if (!named)
			return;
	}
	ns_record_str(rec, NS_F_EGRESS_IFNAME, e->ifname);
	ns_record_u64(rec, NS_F_EGRESS_IFINDEX, e->ifindex);
}

int ns_drop_decode(const void *data, size_t size, const struct ns_decode_ctx *ctx,
		   struct ns_record *rec)
{
	static char reason_buf[48];
	const struct ns_drop_event *e = data;

	if (size < sizeof(*e) || e->attribution >= NS_ATTR_MAX || !e->attribution)
		return -EINVAL;
	ns_record_from_event(rec, &e->hdr, ctx, "drop");
	rec->owner = e->owner;
	rec->tuple = e->tuple;
	rec->packet = true;
	rec->ecs_types = NS_ECS_DENIED;
	ns_record_str(rec, NS_F_DROP_REASON,
		      ns_drop_reason_name(e->reason, reason_buf, sizeof(reason_buf)));
	ns_record_u64(rec, NS_F_DROP_LOCATION, e->location);
	ns_record_str(rec, NS_F_DROP_ATTRIBUTION, attribution_names[e->attribution]);
	add_interfaces(rec, e);
	return 0;
}

struct summary_walk {
	bool since_start;
	__u64 epoch_ns;
	__u64 rows[NS_DROP_REASON_SLOTS]; /* summed per reason slot, since start */
	ns_record_fn emit;
	void *ctx;
	int err;
};

/* A row of @count drops under @key (only its reason, for a row of the totals). */
static void emit_row(struct summary_walk *w, __u64 count, const struct ns_drop_key *key,
		     const struct ns_owner *owner, __u8 attribution)
{
	char reason_buf[48];
	struct ns_record rec;

	ns_record_init(&rec, w->epoch_ns, "drop_summary");
	rec.kind = NS_RECORD_METRIC;
	if (owner)
		rec.owner = *owner;
	ns_record_u64(&rec, NS_F_COUNT, count);
	ns_record_str(&rec, NS_F_DROP_REASON,
		      ns_drop_reason_name(key->reason, reason_buf, sizeof(reason_buf)));
	if (key->location)
		ns_record_u64(&rec, NS_F_DROP_LOCATION, key->location);
	if (key->netns)
		ns_record_u64(&rec, NS_F_NETNS, key->netns);
	if (attribution && attribution < NS_ATTR_MAX)
		ns_record_str(&rec, NS_F_DROP_ATTRIBUTION, attribution_names[attribution]);
	ns_record_str(&rec, NS_F_SUMMARY_SCOPE, w->since_start ? "total" : "interval");
	w->emit(&rec, &ns_drop_family, w->ctx);
}

/* One key of drop_summary: its CPUs' counts summed, the owner from the CPU that added it. */
static int summary_key(const void *key_ptr, const void *values, int ncpus, void *ctx)
{
	const struct ns_drop_key *key = key_ptr;
	const struct ns_drop_count *v = values, *first = NULL;
	struct summary_walk *w = ctx;
	__u64 total = 0, before;

	for (int cpu = 0; cpu < ncpus; cpu++) {
		total += v[cpu].count;
		if (!first && v[cpu].attribution)
			first = &v[cpu];
	}
	if (ns_snapshot_add(&drop.counts.current, key, &total))
		return -ENOMEM;
	w->rows[ns_drop_reason_slot(key->reason)] += total;
	before = w->since_start ? 0 : ns_snapshot_get(&drop.counts.previous, key, 0);
	if (total > before)
		emit_row(w, total - before, key, first ? &first->owner : NULL,
			 first ? first->attribution : NS_ATTR_NONE);
	return 0;
}

/*
 * Drops the summary table could not hold are in the per-reason totals only:
 * shown as one row per reason with no location or process.
 */
static int summary_overflow(struct summary_walk *w, int totals_fd)
{
	for (__u32 slot = 0; slot < NS_DROP_REASON_SLOTS; slot++) {
		__u64 total, hidden, before;

		if (!drop.wanted[slot] || ns_map_percpu_sum(totals_fd, &slot, &total))
			continue;
		hidden = total > w->rows[slot] ? total - w->rows[slot] : 0;
		before = w->since_start ? 0 : drop.previous_totals[slot];
		if (hidden > before)
			emit_row(w, hidden - before, &(struct ns_drop_key){ .reason = slot }, NULL,
				 NS_ATTR_NONE);
		if (!w->since_start)
			drop.previous_totals[slot] = hidden;
	}
	return 0;
}

static int drop_summarize(struct ns_session *s, struct bpf_object *obj, bool since_start,
			  ns_record_fn emit, void *ctx)
{
	struct summary_walk w = { .since_start = since_start, .emit = emit, .ctx = ctx };
	int err;

	w.epoch_ns = ns_session__now_epoch(s);
	ns_counts_begin(&drop.counts, sizeof(struct ns_drop_key), 1);
	err = ns_map_for_each_percpu(bpf_map__fd(bpf_object__find_map_by_name(obj, "drop_summary")),
				     sizeof(struct ns_drop_key), sizeof(struct ns_drop_count),
				     summary_key, &w);
	if (!err)
		err = summary_overflow(
			&w, bpf_map__fd(bpf_object__find_map_by_name(obj, "drop_totals")));
	if (!err)
		ns_counts_end(&drop.counts, since_start);
	return err;
}

/* Drops have one action. */
static const char *drop_action_name(unsigned int action)
{
	return action == 1 ? "drop" : NULL;
}

static void drop_release(void)
{
	ns_counts_release(&drop.counts);
	ns_enum_names_release(&drop.reasons);
	ns_enum_names_release(&drop.subsystems);
	drop.loaded = false;
}

static const struct ns_column drop_columns[] = {
	{ .header = "TIME", .width = 12, .kind = NS_COL_TIME },
	{ .header = "EVENT", .width = 5, .kind = NS_COL_ACTION },
	{ .header = "PID", .width = 7, .kind = NS_COL_PID },
	{ .header = "COMM", .width = 15, .kind = NS_COL_COMM },
	{ .header = "BY", .width = 7, .field = NS_F_DROP_ATTRIBUTION },
	{ .header = "REASON", .width = 22, .field = NS_F_DROP_REASON },
	{ .header = "LOCATION", .width = 32, .field = NS_F_DROP_LOCATION },
	{ .header = "IFACE", .width = 8, .field = NS_F_INGRESS_IFNAME, .alt = NS_F_EGRESS_IFNAME },
	{ .header = "PACKET", .kind = NS_COL_FLOW },
	{ .header = NULL },
};

static const struct ns_column drop_summary_columns[] = {
	{ .header = "COUNT", .width = 9, .field = NS_F_COUNT },
	{ .header = "REASON", .width = 22, .field = NS_F_DROP_REASON },
	{ .header = "LOCATION", .width = 32, .field = NS_F_DROP_LOCATION },
	{ .header = "PID", .width = 7, .kind = NS_COL_PID },
	{ .header = "COMM", .width = 15, .kind = NS_COL_COMM },
	{ .header = "BY", .field = NS_F_DROP_ATTRIBUTION },
	{ .header = NULL },
};

static const struct ns_prog_spec drop_programs[] = {
	{ .name = "drop_kfree_skb",
	  .fallback = "this kernel's kfree_skb has no receiving socket: drops are attributed "
		      "through the packet's socket only",
	  .alternative = "drop_kfree_skb_norx",
	  .tracepoint = "kfree_skb",
	  .tracepoint_args = 4 },
	{ NULL },
};

const struct ns_family ns_drop_family = {
	.name = "drop",
	NS_FAMILY_SKELETON_OPS(drop),
	.programs = drop_programs,
	.bursty = true,
	/* Counting by reason and location: a connection's process at its close will do. */
	.summary_without_accept_owners = true,
	.prepare = drop_prepare,
	.release = drop_release,
	.summarize = drop_summarize,
	.summary_columns = drop_summary_columns,
	.event_type = NS_EVENT_DROP,
	.action_name = drop_action_name,
	.nactions = 2,
	.event_size = sizeof(struct ns_drop_event),
	.decode = ns_drop_decode,
	.columns = drop_columns,
};
