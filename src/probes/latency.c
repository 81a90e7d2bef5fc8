// SPDX-License-Identifier: GPL-2.0-only
/*
 * The latency family (bpf/latency.bpf.c): reads the kernel's histograms once
 * per --interval and at exit, never per sample. The kernel keeps two reading
 * periods; a reading switches samples to the other one, waits for programs
 * already running to finish, then takes and deletes the rows of the period
 * it left, so nothing is counted twice or lost between readings. Rows of
 * one container (--by container) are merged here, from their cgroups.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <netsight/latency.h>

#include "lib/cgroups.h"
#include "lib/histogram.h"
#include "lib/keytable.h"
#include "lib/periods.h"
#include "lib/session.h"
#include "latency.compat.skel.h"
#include "latency.skel.h"
#include "probes/latency.h"
#include "probes/registry.h"

NS_FAMILY_SKELETONS(latency)

/* Response times and RTT samples come from the owner family's I/O programs. */
static const struct ns_prog_spec latency_programs[] = {
	{ NULL },
};

static const char *const metric_names[NS_LAT_METRIC_MAX] = {
#define NS_X(id, name) [NS_LAT_##id] = name,
	NS_LATENCY_METRICS(NS_X)
#undef NS_X
};

const char *ns_latency_metric_name(unsigned int metric)
{
	return metric < NS_LAT_METRIC_MAX ? metric_names[metric] : NULL;
}

void ns_latency_group_key(const struct ns_latency_key *kkey, const char *comm, __u32 by,
			  struct ns_latency_group *g)
{
	const struct ns_cgroup_identity *id;

	memset(g, 0, sizeof(*g));
	g->metric = kkey->metric;
	g->other = kkey->other;
	g->direction = kkey->direction;
	g->pid = kkey->pid;
	if (kkey->pid && comm)
		memcpy(g->comm, comm, sizeof(g->comm));
	memcpy(g->daddr, kkey->daddr, sizeof(g->daddr));
	g->family = kkey->family;
	g->dport = kkey->dport;
	g->netns = kkey->netns;
	if (by & NS_LAT_BY_CGROUP)
		g->cgroup_id = kkey->cgroup_id;
	if ((by & NS_LAT_BY_CONTAINER) && !kkey->other) {
		g->by_container = 1;
		id = kkey->cgroup_id ? ns_cgroup_identity_of(kkey->cgroup_id) : NULL;
		if (id && id->container_id[0])
			memcpy(g->container_id, id->container_id, sizeof(g->container_id));
	}
}

static struct {
	/* struct ns_latency_row, by their group */
	struct ns_keytable reading; /* the period just read */
	struct ns_keytable total; /* since the start */
	struct ns_periods periods;
} lat;

static int lat_state_set(struct bpf_object *obj, __u32 index, __u32 value)
{
	int fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "ns_lat_state"));

	return bpf_map_update_elem(fd, &index, &value, BPF_ANY) ? -errno : 0;
}

static int latency_prepare(struct ns_session *s, struct bpf_object *obj)
{
	__u32 max = ns_session__config(s)->max_groups;

	ns_keytable_init(&lat.reading, sizeof(struct ns_latency_row),
			 sizeof(struct ns_latency_group));
	ns_keytable_init(&lat.total, sizeof(struct ns_latency_row),
			 sizeof(struct ns_latency_group));
	ns_periods_init(&lat.periods, sizeof(struct ns_latency_key));
	return lat_state_set(obj, NS_LAT_GROUPS_LIMIT,
			     max && max < NS_LAT_GROUPS_MAX ? max : NS_LAT_GROUPS_MAX);
}

/* One kernel row into lat.reading; @ctx: the session's latency_by. */
static int read_row(const void *key_ptr, const void *value, void *ctx)
{
	const struct ns_latency_key *key = key_ptr;
	const struct ns_latency_hist *v = value;
	__u32 by = *(const __u32 *)ctx;
	struct ns_latency_group g;
	struct ns_latency_row *row;

	ns_latency_group_key(key, v->count && v->comm[0] ? v->comm : NULL, by, &g);
	row = ns_keytable_get(&lat.reading, &g, 0);
	if (!row)
		return -ENOMEM;
	if (g.by_container && !row->identity_set) {
		const struct ns_cgroup_identity *id =
			key->cgroup_id ? ns_cgroup_identity_of(key->cgroup_id) : NULL;

		if (id && id->container_id[0])
			row->identity = *id;
		row->identity_set = true;
	}
	ns_histogram_add_row(&row->hist, v);
	return 0;
}

/* Switches the kernel to the other period and moves the one it left into lat.reading. */
static int take_reading(struct ns_session *s, struct bpf_object *obj)
{
	__u32 by = ns_session__config(s)->latency_by;
	int fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "ns_lat_hists"));
	int groups_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "ns_lat_groups"));
	int state_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "ns_lat_state"));
	size_t epoch_at = offsetof(struct ns_latency_key, epoch);
	int old, err;

	old = ns_periods_flip(&lat.periods, state_fd, NS_LAT_EPOCH);
	if (old < 0)
		return old;
	ns_keytable_clear(&lat.reading);
	err = ns_periods_take(&lat.periods, fd, epoch_at, old, sizeof(struct ns_latency_hist),
			      read_row, &by);
	ns_periods_take(&lat.periods, groups_fd, epoch_at, old, sizeof(__u8), NULL, NULL);
	if (!err)
		err = lat_state_set(obj, NS_LAT_GROUPS + old, 0);
	for (size_t i = 0; !err && i < lat.reading.n; i++) {
		const struct ns_latency_row *src = ns_keytable_at(&lat.reading, i);
		struct ns_latency_row *dst = ns_keytable_get(&lat.total, &src->group, 0);

		if (!dst)
			return -ENOMEM;
		ns_histogram_merge(&dst->hist, &src->hist);
		if (!dst->identity_set) {
			dst->identity = src->identity;
			dst->identity_set = src->identity_set;
		}
	}
	return err;
}

static uint64_t quantile_us_up(const struct ns_histogram *h, double q)
{
	return ns_histogram_us_up((uint64_t)(ns_histogram_quantile_us(h, q) * 1000 + 0.5));
}

void ns_latency_row_record(const struct ns_latency_row *row, __u64 epoch_ns, struct ns_record *rec)
{
	const struct ns_latency_group *g = &row->group;
	const struct ns_histogram *h = &row->hist;

	ns_record_init(rec, epoch_ns, "latency");
	rec->kind = NS_RECORD_METRIC;
	rec->rank = g->metric;
	rec->owner.pid = g->pid;
	memcpy(rec->owner.comm, g->comm, sizeof(rec->owner.comm));
	rec->owner.cgroup_id = g->cgroup_id;
	if (g->by_container)
		rec->identity = &row->identity;
	rec->direction = g->direction == NS_LAT_DIR_ACTIVE  ? NS_DIR_EGRESS :
			 g->direction == NS_LAT_DIR_PASSIVE ? NS_DIR_INGRESS :
							      NS_DIR_NONE;
	if (g->family) {
		/* The server end is the destination: this host's for accepted connections. */
		bool local = ns_record_remote_is_source(rec);

		rec->tuple.family = g->family;
		rec->tuple.protocol = IPPROTO_TCP;
		memcpy(local ? rec->tuple.laddr : rec->tuple.raddr, g->daddr, NS_ADDR_LEN);
		if (local)
			rec->tuple.lport = g->dport;
		else
			rec->tuple.rport = g->dport;
		rec->unknown = local ? NS_PART_RADDR | NS_PART_RPORT :
				       NS_PART_LADDR | NS_PART_LPORT;
		if (!memcmp(g->daddr, (const __u8[NS_ADDR_LEN]){ 0 }, NS_ADDR_LEN))
			rec->unknown |= local ? NS_PART_LADDR : NS_PART_RADDR;
		if (!g->dport)
			rec->unknown |= local ? NS_PART_LPORT : NS_PART_RPORT;
	}
	if (g->netns)
		ns_record_u64(rec, NS_F_NETNS, g->netns);
	ns_record_str(rec, NS_F_LATENCY_METRIC, ns_latency_metric_name(g->metric));
	if (g->other)
		ns_record_str(rec, NS_F_GROUP, "other");
	ns_record_hist(rec, NS_F_HISTOGRAM, h);
	/* Whole microseconds rounded up, as the buckets count them. */
	ns_record_u64(rec, NS_F_LATENCY_MIN, ns_histogram_us_up(h->min_ns));
	ns_record_u64(rec, NS_F_LATENCY_MAX, ns_histogram_us_up(h->max_ns));
	ns_record_u64(rec, NS_F_LATENCY_P50, quantile_us_up(h, 0.50));
	ns_record_u64(rec, NS_F_LATENCY_P90, quantile_us_up(h, 0.90));
	ns_record_u64(rec, NS_F_LATENCY_P99, quantile_us_up(h, 0.99));
}

static int latency_summarize(struct ns_session *s, struct bpf_object *obj, bool since_start,
			     ns_record_fn emit, void *ctx)
{
	const struct ns_keytable *t = since_start ? &lat.total : &lat.reading;
	__u64 now = ns_session__now_epoch(s);
	int err = take_reading(s, obj);

	for (size_t i = 0; !err && i < t->n; i++) {
		const struct ns_latency_row *row = ns_keytable_at(t, i);
		struct ns_record rec;

		if (!row->hist.count)
			continue;
		ns_latency_row_record(row, now, &rec);
		ns_record_str(&rec, NS_F_SUMMARY_SCOPE, since_start ? "total" : "interval");
		emit(&rec, &ns_latency_family, ctx);
	}
	return err;
}

static void latency_release(void)
{
	ns_keytable_release(&lat.reading);
	ns_keytable_release(&lat.total);
	ns_periods_release(&lat.periods);
	memset(&lat, 0, sizeof(lat));
}

const struct ns_family ns_latency_family = {
	.name = "latency",
	NS_FAMILY_SKELETON_OPS(latency),
	.programs = latency_programs,
	.config_flags = NS_CFG_LATENCY,
	.prepare = latency_prepare,
	.summarize = latency_summarize,
	.release = latency_release,
};
