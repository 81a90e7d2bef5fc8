// SPDX-License-Identifier: GPL-2.0-only
/*
 * The flow family (bpf/flow.bpf.c): attaches to the interfaces asked for
 * (lib/devices.h) and turns each reading period's rows into one record per
 * flow.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <netsight/flow.h>

#include "flow.compat.skel.h"
#include "flow.skel.h"
#include "lib/keytable.h"
#include "lib/log.h"
#include "lib/periods.h"
#include "lib/session.h"
#include "lib/snapshot.h"
#include "lib/units.h"
#include "probes/flow.h"
#include "probes/registry.h"

NS_FAMILY_SKELETONS(flow)

/* Readings a flow's total is kept without traffic. */
#define FLOW_SEEN_READINGS 60

/* A flow in one reading (key.epoch 0). */
struct flow_row {
	struct ns_flow_key key;
	__u64 packets, bytes, first_ns, last_ns, tcp_flags, flags;
	struct ns_owner owner;
};

/* A flow across readings, for its total and its first packet. */
struct flow_seen {
	struct ns_flow_key key;
	__u64 first_ns, bytes, reading;
};

static struct {
	struct ns_flow_opts o;
	struct ns_devices devices;
	struct ns_periods periods;
	struct ns_keytable reading; /* struct flow_row */
	struct ns_keytable pending[2]; /* overflow packets, by period */
	struct ns_keytable seen; /* struct flow_seen */
	__u64 readings, last_read_ns;
	struct bpf_object *obj;
} fl;

void ns_flow_configure(const struct ns_flow_opts *opts)
{
	fl.o = *opts;
}

static __u32 max_flows(void)
{
	return fl.o.max_flows ? fl.o.max_flows : NS_FLOW_TABLE_DEFAULT;
}

static int flow_opened(struct bpf_object *obj)
{
	struct bpf_map *table = bpf_object__find_map_by_name(obj, "flow_table");

	/* Two periods' rows, and room for the LRU's per-CPU caches. */
	return bpf_map__set_max_entries(table, 2 * max_flows() + 256 * libbpf_num_possible_cpus());
}

static int state_fd(void)
{
	return bpf_map__fd(bpf_object__find_map_by_name(fl.obj, "flow_state"));
}

static int flow_prepare(struct ns_session *s, struct bpf_object *obj)
{
	__u32 index = NS_FLOW_LIMIT, limit = max_flows();

	(void)s;
	fl.obj = obj;
	ns_periods_init(&fl.periods, sizeof(struct ns_flow_key));
	ns_keytable_init(&fl.reading, sizeof(struct flow_row), sizeof(struct ns_flow_key));
	ns_keytable_init(&fl.pending[0], sizeof(struct flow_row), sizeof(struct ns_flow_key));
	ns_keytable_init(&fl.pending[1], sizeof(struct flow_row), sizeof(struct ns_flow_key));
	ns_keytable_init(&fl.seen, sizeof(struct flow_seen), sizeof(struct ns_flow_key));
	fl.last_read_ns = ns_boot_now();
	return bpf_map_update_elem(state_fd(), &index, &limit, BPF_ANY) ? -errno : 0;
}

static int prog_fd(const char *name)
{
	return bpf_program__fd(bpf_object__find_program_by_name(fl.obj, name));
}

static int flow_started(struct ns_session *s, struct bpf_object *obj)
{
	struct ns_device_progs progs = {
		.tc_ingress = prog_fd("flow_tc_ingress"),
		.tc_egress = prog_fd("flow_tc_egress"),
		.xdp = prog_fd("flow_xdp"),
		.prefix = "flow_",
		.what = "counting flows",
	};

	(void)s;
	(void)obj;
	return ns_devices_start(&fl.devices, &fl.o.dev, &progs);
}

static int flow_tick(struct ns_session *s, struct bpf_object *obj)
{
	(void)s;
	(void)obj;
	ns_devices_tick(&fl.devices);
	return 0;
}

static int flow_finish(struct ns_session *s, struct bpf_object *obj)
{
	(void)s;
	(void)obj;
	ns_devices_stop(&fl.devices);
	return 0;
}

static void add_to_row(struct ns_keytable *t, const struct ns_flow_key *key, __u64 packets,
		       __u64 bytes, __u64 first, __u64 last, __u64 tcp_flags, __u64 flags,
		       const struct ns_owner *owner)
{
	struct ns_flow_key k = *key;
	struct flow_row *r;

	k.epoch = 0;
	r = ns_keytable_get(t, &k, 0);
	if (!r)
		return;
	if (!r->first_ns || (first && first < r->first_ns))
		r->first_ns = first;
	if (last > r->last_ns)
		r->last_ns = last;
	r->packets += packets;
	r->bytes += bytes;
	r->tcp_flags |= tcp_flags;
	r->flags |= flags;
	if (owner && owner->pid && !r->owner.pid)
		r->owner = *owner;
}

/* A packet that found the period's table full: kept for its period's reading. */
static int flow_decode(const void *data, size_t size, const struct ns_decode_ctx *ctx,
		       struct ns_record *rec)
{
	const struct ns_flow_event *e = data;
	struct timespec mono;

	(void)ctx;
	(void)rec;
	if (size < sizeof(*e))
		return -EINVAL;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	add_to_row(&fl.pending[e->key.epoch & 1], &e->key, 1, e->bytes,
		   mono.tv_sec * NS_NSEC_PER_SEC + mono.tv_nsec,
		   mono.tv_sec * NS_NSEC_PER_SEC + mono.tv_nsec, e->tcp_flags, e->flags, NULL);
	return NS_DECODE_KEPT;
}

static int read_row(const void *key, const void *value, void *ctx)
{
	const struct ns_flow_counts *c = value;
	__u64 *sums = ctx;

	sums[0] += c->packets;
	sums[1] += c->bytes;
	add_to_row(&fl.reading, key, c->packets, c->bytes, c->first_ns, c->last_ns, c->tcp_flags,
		   c->flags, &c->owner);
	return 0;
}

/* CLOCK_MONOTONIC ns to CLOCK_REALTIME ns. */
static __u64 mono_to_epoch(__u64 mono)
{
	struct timespec real, now;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &now);
	return mono + (real.tv_sec - now.tv_sec) * NS_NSEC_PER_SEC + real.tv_nsec - now.tv_nsec;
}

static void row_record(const struct flow_row *r, const struct flow_seen *seen, __u64 now,
		       double seconds, struct ns_record *rec)
{
	const struct ns_flow_key *k = &r->key;
	bool in = k->direction == NS_FLOW_INGRESS;
	struct ns_tuple *t = &rec->tuple;
	const char *ifname = ns_devices_name(&fl.devices, (int)k->ifindex);

	ns_record_init(rec, now, "flow");
	rec->kind = NS_RECORD_METRIC;
	rec->ecs_types = NS_ECS_CONNECTION;
	rec->owner = r->owner;
	rec->direction = in ? NS_DIR_INGRESS : NS_DIR_EGRESS;
	/* The tuple is the packets': source first, as JSON and text show it. */
	rec->packet = true;
	t->family = k->family;
	t->protocol = k->protocol;
	memcpy(t->laddr, k->saddr, NS_ADDR_LEN);
	memcpy(t->raddr, k->daddr, NS_ADDR_LEN);
	t->lport = k->sport;
	t->rport = k->dport;
	if (r->flags & (NS_FLOW_FRAGMENT | NS_FLOW_TRUNCATED))
		rec->unknown = NS_PART_LPORT | NS_PART_RPORT;
	if (ifname)
		ns_record_str(rec, in ? NS_F_INGRESS_IFNAME : NS_F_EGRESS_IFNAME, ifname);
	ns_record_u64(rec, in ? NS_F_INGRESS_IFINDEX : NS_F_EGRESS_IFINDEX, k->ifindex);
	ns_record_u64(rec, NS_F_FLOW_PACKETS, r->packets);
	/* The packets' source sent them: JSON source.bytes. */
	ns_record_u64(rec, NS_F_BYTES_SENT, r->bytes);
	if (seconds > 0)
		ns_record_double(rec, NS_F_FLOW_RATE, r->bytes / seconds);
	ns_record_u64(rec, NS_F_FLOW_TOTAL_BYTES, seen ? seen->bytes : r->bytes);
	ns_record_u64(rec, NS_F_FLOW_START,
		      mono_to_epoch(seen && seen->first_ns ? seen->first_ns : r->first_ns));
	ns_record_u64(rec, NS_F_FLOW_END, mono_to_epoch(r->last_ns));
	if (k->protocol == IPPROTO_TCP)
		ns_record_u64(rec, NS_F_TCP_FLAGS, r->tcp_flags);
	if ((k->protocol == IPPROTO_ICMP || k->protocol == IPPROTO_ICMPV6) &&
	    !(r->flags & (NS_FLOW_FRAGMENT | NS_FLOW_TRUNCATED))) {
		ns_record_u64(rec, NS_F_ICMP_TYPE, k->sport);
		ns_record_u64(rec, NS_F_ICMP_CODE, k->dport);
	}
	if (r->flags & NS_FLOW_FRAGMENT)
		ns_record_bool(rec, NS_F_FLOW_FRAGMENTS, true);
	if (r->flags & NS_FLOW_TRUNCATED)
		ns_record_bool(rec, NS_F_FLOW_TRUNCATED, true);
}

/* Keeps the totals of flows seen in the last FLOW_SEEN_READINGS readings. */
static struct flow_seen *note_seen(const struct flow_row *r)
{
	struct flow_seen *seen = ns_keytable_get(&fl.seen, &r->key, 2 * max_flows());

	if (!seen)
		return NULL;
	if (!seen->first_ns)
		seen->first_ns = r->first_ns;
	seen->bytes += r->bytes;
	seen->reading = fl.readings;
	return seen;
}

static bool seen_lately(const void *item, void *ctx)
{
	(void)ctx;
	return ((const struct flow_seen *)item)->reading + FLOW_SEEN_READINGS >= fl.readings;
}

static void forget_old_flows(void)
{
	if (fl.seen.n >= max_flows())
		ns_keytable_keep(&fl.seen, seen_lately, NULL);
}

/* Packets and bytes counted in @period on every CPU, then zeroed. */
static void take_totals(__u32 period, __u64 *packets, __u64 *bytes)
{
	int fd = bpf_map__fd(bpf_object__find_map_by_name(fl.obj, "flow_totals"));
	int ncpus = libbpf_num_possible_cpus();
	__u64 *zero = ncpus > 0 ? calloc(ncpus, sizeof(*zero)) : NULL;
	__u32 key = 2 * period;

	*packets = *bytes = 0;
	ns_map_percpu_sum(fd, &key, packets);
	if (zero)
		bpf_map_update_elem(fd, &key, zero, BPF_ANY);
	key++;
	ns_map_percpu_sum(fd, &key, bytes);
	if (zero)
		bpf_map_update_elem(fd, &key, zero, BPF_ANY);
	free(zero);
}

/*
 * One reading: the kernel counts in the other period from now; the old
 * period's rows, and its packets that found no room, are one record per
 * flow. What the period counted beyond those was evicted from the table:
 * said, not lost silently.
 */
static int flow_summarize(struct ns_session *s, struct bpf_object *obj, bool since_start,
			  ns_record_fn emit, void *ctx)
{
	int table = bpf_map__fd(bpf_object__find_map_by_name(obj, "flow_table"));
	__u64 now = ns_session__now_epoch(s), boot = ns_boot_now(), sums[2] = { 0 };
	__u64 packets, bytes, rows_index, zero32 = 0;
	double seconds = (boot - fl.last_read_ns) / 1e9;
	int old, err;

	if (since_start)
		return 0; /* every flow was in an interval's reading */
	old = ns_periods_flip(&fl.periods, state_fd(), NS_FLOW_PERIOD);
	if (old < 0)
		return old;
	/* Packets of the old period still in the ring. */
	ns_session__drain(s);
	ns_keytable_clear(&fl.reading);
	err = ns_periods_take(&fl.periods, table, offsetof(struct ns_flow_key, epoch), old,
			      sizeof(struct ns_flow_counts), read_row, sums);
	rows_index = NS_FLOW_ROWS + old;
	bpf_map_update_elem(state_fd(), &(__u32){ (__u32)rows_index }, &zero32, BPF_ANY);
	take_totals(old, &packets, &bytes);
	for (size_t i = 0; i < fl.pending[old].n; i++) {
		const struct flow_row *p = ns_keytable_at(&fl.pending[old], i);

		sums[0] += p->packets;
		sums[1] += p->bytes;
		add_to_row(&fl.reading, &p->key, p->packets, p->bytes, p->first_ns, p->last_ns,
			   p->tcp_flags, p->flags, NULL);
	}
	ns_keytable_clear(&fl.pending[old]);
	if (packets > sums[0])
		ns_log(NS_LOG_WARN,
		       "%llu packets (%llu bytes) of flows evicted from the kernel's table are "
		       "not in this reading: raise --max-flows",
		       (unsigned long long)(packets - sums[0]),
		       (unsigned long long)(bytes > sums[1] ? bytes - sums[1] : 0));
	fl.readings++;
	fl.last_read_ns = boot;
	for (size_t i = 0; !err && i < fl.reading.n; i++) {
		const struct flow_row *r = ns_keytable_at(&fl.reading, i);
		struct ns_record rec;

		row_record(r, note_seen(r), now, seconds, &rec);
		emit(&rec, &ns_flow_family, ctx);
	}
	forget_old_flows();
	return err;
}

static void flow_release(void)
{
	flow_finish(NULL, NULL);
	ns_periods_release(&fl.periods);
	ns_keytable_release(&fl.reading);
	ns_keytable_release(&fl.pending[0]);
	ns_keytable_release(&fl.pending[1]);
	ns_keytable_release(&fl.seen);
}

static const struct ns_prog_spec flow_programs[] = {
	{ .name = "flow_xdp", .fallback = "--xdp is unavailable; flows are counted at TC" },
	{ NULL },
};

static const struct ns_column flow_columns[] = {
	{ .header = "IFACE", .width = 10, .field = NS_F_INGRESS_IFNAME, .alt = NS_F_EGRESS_IFNAME },
	{ .header = "DIR", .width = 7, .kind = NS_COL_DIRECTION },
	{ .header = "FLOW", .width = 52, .kind = NS_COL_FLOW },
	{ .header = "PKTS", .width = 8, .field = NS_F_FLOW_PACKETS },
	{ .header = "BYTES", .width = 8, .field = NS_F_BYTES_SENT },
	{ .header = "RATE", .width = 10, .field = NS_F_FLOW_RATE },
	{ .header = "TOTAL", .width = 8, .field = NS_F_FLOW_TOTAL_BYTES },
	{ .header = "PID", .width = 7, .kind = NS_COL_PID },
	{ .header = "COMM", .width = 15, .kind = NS_COL_COMM },
	{ .header = "FLAGS", .field = NS_F_TCP_FLAGS },
	{ .header = NULL },
};

const struct ns_family ns_flow_family = {
	.name = "flow",
	NS_FAMILY_SKELETON_OPS(flow),
	.programs = flow_programs,
	.opened = flow_opened,
	.prepare = flow_prepare,
	.started = flow_started,
	.tick = flow_tick,
	.finish = flow_finish,
	.summarize = flow_summarize,
	.release = flow_release,
	.summary_columns = flow_columns,
	.summary_events = true,
	.no_total = true,
	.summary_unit = "bytes",
	.event_type = NS_EVENT_FLOW,
	.event_size = sizeof(struct ns_flow_event),
	.decode = flow_decode,
};
