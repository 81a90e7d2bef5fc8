/* SPDX-License-Identifier: GPL-2.0-only */
/* The latency family's user-space side, exposed for tests. */
#ifndef NETSIGHT_PROBES_LATENCY_H
#define NETSIGHT_PROBES_LATENCY_H

#include <stdbool.h>

#include <netsight/latency.h>

#include "lib/cgroup_path.h"
#include "lib/histogram.h"
#include "lib/record.h"

/* A row's group as output shows it: what --by kept of the kernel's key. */
struct ns_latency_group {
	__u8 daddr[NS_ADDR_LEN];
	__u64 cgroup_id; /* --by cgroup */
	char container_id[NS_CONTAINER_ID_LEN + 1]; /* --by container; "" for none */
	__u8 by_container;
	__u8 metric;
	__u8 other;
	__u8 direction; /* enum ns_latency_direction */
	__u32 pid;
	char comm[NS_COMM_LEN];
	__u32 netns;
	__u16 family;
	__u16 dport;
};

struct ns_latency_row {
	struct ns_latency_group group; /* first: the key the rows are found by (lib/keytable.h) */
	struct ns_histogram hist;
	struct ns_cgroup_identity identity; /* --by container */
	bool identity_set;
};

/* "connect", "rtt", "response"; NULL outside enum ns_latency_metric. */
const char *ns_latency_metric_name(unsigned int metric);

/*
 * The group a kernel row belongs to under @by (enum ns_latency_by): cgroups
 * become their container with NS_LAT_BY_CONTAINER. @comm: the process's
 * name, or NULL.
 */
void ns_latency_group_key(const struct ns_latency_key *kkey, const char *comm, __u32 by,
			  struct ns_latency_group *g);

/* The record of @row at @epoch_ns; it points into @row. */
void ns_latency_row_record(const struct ns_latency_row *row, __u64 epoch_ns, struct ns_record *rec);

#endif /* NETSIGHT_PROBES_LATENCY_H */
