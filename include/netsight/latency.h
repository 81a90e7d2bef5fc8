/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The latency family's contract: log2 histograms of connect time, RTT and
 * response time, aggregated in the kernel per group (--by).
 */
#ifndef NETSIGHT_LATENCY_H
#define NETSIGHT_LATENCY_H

#include "event.h"

#define NS_LATENCY_METRICS(X) \
	X(CONNECT, "connect") \
	X(RTT, "rtt")         \
	X(RESPONSE, "response")

enum ns_latency_metric {
#define NS_X(id, name) NS_LAT_##id,
	NS_LATENCY_METRICS(NS_X)
#undef NS_X
		NS_LAT_METRIC_MAX,
};

/* What rows are grouped by (--by): bits of ns_config.latency_by. */
enum ns_latency_by {
	NS_LAT_BY_PROCESS = 1U << 0, /* the socket's user (pid) */
	NS_LAT_BY_CGROUP = 1U << 1, /* the user's cgroup */
	/* The user's container: cgroups grouped by user space (lib/cgroup_path.h). */
	NS_LAT_BY_CONTAINER = 1U << 2,
	NS_LAT_BY_DESTINATION = 1U << 3, /* the responder's address (and network namespace) */
	NS_LAT_BY_PORT = 1U << 4, /* the responder's port (and network namespace) */
};

#define NS_LAT_BY_DEFAULT NS_LAT_BY_PROCESS

/*
 * Bucket k counts the samples of at most 2^k microseconds and more than
 * 2^(k-1) (bucket 0: at most 1 us); the last also takes everything longer.
 */
#define NS_LAT_SLOTS 32

/* Groups each reading may hold; the samples of more go to "other" rows. */
#define NS_LAT_GROUPS_MAX 4096
/* Directions a row can have (enum ns_latency_direction). */
#define NS_LAT_DIRECTIONS 3
/*
 * Rows: every metric and direction of every group in two reading periods,
 * and their other rows.
 */
#define NS_LAT_ROWS_MAX (2 * (NS_LAT_GROUPS_MAX + 1) * NS_LAT_METRIC_MAX * NS_LAT_DIRECTIONS)

/* Indexes of the map ns_lat_state. */
enum ns_latency_state {
	NS_LAT_EPOCH, /* the reading period samples go to: 0 or 1 */
	NS_LAT_GROUPS, /* and NS_LAT_GROUPS + 1: groups in each period's rows */
	NS_LAT_GROUPS_LIMIT = NS_LAT_GROUPS + 2, /* the most groups a period takes */
	NS_LAT_STATE_MAX,
};

/*
 * One group of one metric in one reading period (epoch, flipped by user
 * space each time it reads). Fields the grouping leaves out are zero.
 */
struct ns_latency_key {
	__u8 daddr[NS_ADDR_LEN];
	__u64 cgroup_id;
	__u32 pid;
	__u32 netns;
	__u16 dport;
	__u16 family;
	__u8 metric; /* enum ns_latency_metric */
	__u8 other; /* the row of samples whose group found no room */
	__u8 epoch;
	__u8 direction; /* enum ns_latency_direction */
};

/* Which end of its connections a row's sockets are: rows never mix the two. */
enum ns_latency_direction {
	NS_LAT_DIR_UNKNOWN,
	NS_LAT_DIR_ACTIVE, /* this host opened them: it is the client */
	NS_LAT_DIR_PASSIVE, /* this host accepted them: it is the server */
};

/* One row. Times in nanoseconds. */
struct ns_latency_hist {
	__u64 count;
	__u64 sum_ns;
	__u64 min_ns;
	__u64 max_ns;
	__u32 slots[NS_LAT_SLOTS];
	char comm[NS_COMM_LEN]; /* the process, with NS_LAT_BY_PROCESS */
};

/* The bucket of a sample of @us microseconds: the smallest k with us <= 2^k. */
static inline __u32 ns_latency_slot(__u64 us)
{
	__u32 k = 0;

	if (us <= 1)
		return 0;
	us -= 1; /* now: the position of the highest bit, plus one */
	if (us >> 32) {
		k += 32;
		us >>= 32;
	}
	if (us >> 16) {
		k += 16;
		us >>= 16;
	}
	if (us >> 8) {
		k += 8;
		us >>= 8;
	}
	if (us >> 4) {
		k += 4;
		us >>= 4;
	}
	if (us >> 2) {
		k += 2;
		us >>= 2;
	}
	if (us >> 1) {
		k += 1;
		us >>= 1;
	}
	k += us;
	return k < NS_LAT_SLOTS ? k : NS_LAT_SLOTS - 1;
}

_Static_assert(sizeof(struct ns_latency_key) == 40, "ns_latency_key layout");
_Static_assert(sizeof(struct ns_latency_hist) == 32 + 4 * NS_LAT_SLOTS + NS_COMM_LEN,
	       "ns_latency_hist layout");

#endif /* NETSIGHT_LATENCY_H */
