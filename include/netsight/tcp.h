/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The TCP health family's contract: retransmissions, resets and listen-queue
 * overflows, attributed to the owner of the socket concerned.
 */
#ifndef NETSIGHT_TCP_H
#define NETSIGHT_TCP_H

#include "event.h"

#define NS_TCP_ACTIONS(X)                         \
	X(RETRANSMIT, "retransmit")               \
	X(RETRANSMIT_FAILED, "retransmit_failed") \
	X(SYNACK_RETRANSMIT, "synack_retransmit") \
	X(RESET_SENT, "reset_sent")               \
	X(RESET_RECEIVED, "reset_received")       \
	X(LISTEN_OVERFLOW, "listen_overflow")

enum ns_tcp_action {
	NS_TCP_NONE = 0,
#define NS_X(id, name) NS_TCP_##id,
	NS_TCP_ACTIONS(NS_X)
#undef NS_X
		NS_TCP_ACTION_MAX,
};

/* struct ns_tcp_event.flags */
enum ns_tcp_flag {
	NS_TCP_HAS_STATE = 1U << 0, /* state is meaningful (a socket was involved) */
	NS_TCP_HAS_RST_REASON = 1U << 1,
};

/*
 * One event. The tuple is from this host's point of view: for a reset sent in
 * answer to a segment that matched no socket, local is that segment's
 * destination.
 */
struct ns_tcp_event {
	struct ns_event_hdr hdr;
	struct ns_owner owner;
	struct ns_tuple tuple;
	/*
	 * retransmit: segments the kernel counted in TcpRetransSegs;
	 * retransmit_failed: segments of the attempt; listen_overflow: overflows
	 * since the last event.
	 */
	__u32 count;
	/* retransmit(_failed): the attempt's error (positive errno), 0 if it went out */
	__s32 error;
	__u32 backlog; /* listen_overflow: the listener's accept queue limit */
	__u32 queue; /* listen_overflow: its accept queue length */
	__u32 rst_reason; /* enum sk_rst_reason, with NS_TCP_HAS_RST_REASON */
	__u8 action; /* enum ns_tcp_action */
	__u8 state; /* TCP state, with NS_TCP_HAS_STATE */
	__u8 flags;
	__u8 pad;
};

/* --summary: one entry per remote endpoint and owning process. */
struct ns_tcp_key {
	__u8 raddr[NS_ADDR_LEN];
	__u16 rport;
	__u16 family;
	__u32 pid;
};

/* What the summary counts per key; output names live in the record field table. */
enum ns_tcp_counter {
	NS_TCPC_RETRANSMITS,
	NS_TCPC_RETRANSMITS_FAILED,
	NS_TCPC_SYNACK_RETRANSMITS,
	NS_TCPC_RESETS_RECEIVED,
	NS_TCPC_RESETS_SENT,
	NS_TCPC_CONNECTS_FAILED,
	NS_TCPC_LISTEN_OVERFLOWS,
	NS_TCPC_MAX,
};

struct ns_tcp_counts {
	__u64 counters[NS_TCPC_MAX];
	struct ns_owner owner;
};

_Static_assert(sizeof(struct ns_tcp_event) == 120, "ns_tcp_event layout");
_Static_assert(sizeof(struct ns_tcp_key) == 24, "ns_tcp_key layout");
_Static_assert(sizeof(struct ns_tcp_counts) == 8 * NS_TCPC_MAX + 32, "ns_tcp_counts layout");

#endif /* NETSIGHT_TCP_H */
