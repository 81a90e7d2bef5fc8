/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The connection family's contract: what happened to a TCP connection
 * (established, failed, closed) with the numbers the kernel kept for it.
 */
#ifndef NETSIGHT_CONN_H
#define NETSIGHT_CONN_H

#include "event.h"
#include "latency.h"

#define NS_CONN_ACTIONS(X)                  \
	X(CONNECT, "connect")               \
	X(ACCEPT, "accept")                 \
	X(CONNECT_FAILED, "connect_failed") \
	X(CLOSE, "close")

enum ns_conn_action {
	NS_CONN_NONE = 0,
#define NS_X(id, name) NS_CONN_##id,
	NS_CONN_ACTIONS(NS_X)
#undef NS_X
		NS_CONN_ACTION_MAX,
};

/* How a connection ended, as decided when it reached TCP_CLOSE. */
#define NS_CLOSE_REASONS(X)             \
	X(FIN, "fin")                   \
	X(RST_SENT, "rst_sent")         \
	X(RST_RECEIVED, "rst_received") \
	X(OTHER, "other")

enum ns_close_reason {
	NS_CLOSE_UNKNOWN = 0,
#define NS_X(id, name) NS_CLOSE_##id,
	NS_CLOSE_REASONS(NS_X)
#undef NS_X
		NS_CLOSE_REASON_MAX,
};

/* struct ns_conn_event.flags */
enum ns_conn_flag {
	/* Open before netsight started: start_ns is 0, counters are lifetime totals. */
	NS_CONN_PREEXISTING = 1U << 0,
};

/* Counters read from the tcp_sock when the connection ends. */
struct ns_conn_stats {
	__u64 bytes_sent; /* payload sent by this host, retransmissions counted once */
	__u64 bytes_received; /* payload received by this host */
	__u32 srtt_us;
	__u32 retransmits; /* retransmitted segments */
};

struct ns_conn_event {
	struct ns_event_hdr hdr;
	struct ns_owner owner;
	struct ns_tuple tuple;
	struct ns_conn_stats stats; /* close only */
	__u64 start_ns; /* SYN sent or child created; 0 if before start (close only) */
	__u64 connect_latency_ns; /* connect only */
	__s32 error; /* positive errno: connect_failed, and close on error */
	__u8 action; /* enum ns_conn_action */
	__u8 close_reason; /* enum ns_close_reason */
	__u8 flags; /* enum ns_conn_flag */
	__u8 pad;
};

/*
 * A close held back (reason or owner not known yet), as it would be reported
 * if the socket went now, and the socket's address: the value of conn_held,
 * keyed by that address, where the kernel refuses the iterator that reports
 * held closes at exit.
 */
struct ns_conn_held {
	struct ns_conn_event event;
	__u64 sk;
};

/*
 * With NS_CFG_CONN_COUNTS (the agent) connection events are also, or only,
 * counted in the kernel: rows of ns_conn_counts, one per kind of event,
 * process, cgroup and endpoints, in the reading period of ns_conn_period
 * (flipped by user space, which takes and deletes the rows of the other).
 */
#define NS_CONN_COUNTS_MAX 16384

/*
 * A row's group. tuple: both addresses, and the server's port: the remote
 * one for connections this host opened, the local one for those it
 * accepted (the client's port would make a row per connection).
 */
struct ns_conn_key {
	struct ns_tuple tuple;
	__u64 cgroup_id;
	char comm[NS_COMM_LEN];
	__u32 netns;
	__s32 error; /* connect_failed: positive errno */
	__u8 action; /* enum ns_conn_action */
	__u8 passive; /* accepted by this host */
	__u8 epoch; /* reading period: 0 or 1 */
	__u8 pad[5];
};

struct ns_conn_counts {
	__u64 count;
	__u64 preexisting; /* close: of connections open before start-up */
	__u64 bytes_sent; /* close: payload this host sent */
	__u64 bytes_received;
	struct ns_latency_hist connect; /* connect: SYN sent to established */
	struct ns_owner owner; /* the last one counted */
};

_Static_assert(sizeof(struct ns_conn_key) == 80, "ns_conn_key layout");
_Static_assert(sizeof(struct ns_conn_stats) == 24, "ns_conn_stats layout");
_Static_assert(sizeof(struct ns_conn_event) == 168, "ns_conn_event layout");
_Static_assert(sizeof(struct ns_conn_held) == 176, "ns_conn_held layout");

#endif /* NETSIGHT_CONN_H */
