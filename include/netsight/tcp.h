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

/* TCP states netsight tells apart (include/net/tcp_states.h). */
enum ns_tcp_state {
	NS_TCP_SYN_SENT = 2,
	NS_TCP_SYN_RECV = 3,
	NS_TCP_LISTEN = 10,
	NS_TCP_NEW_SYN_RECV = 12,
};

/* Which end opened the connection an event belongs to. */
enum ns_tcp_dir {
	NS_TCP_DIR_UNKNOWN,
	NS_TCP_DIR_ACTIVE, /* this host (connect()) */
	NS_TCP_DIR_PASSIVE, /* the peer: a listener's connection, or no socket at all */
};

/*
 * The direction of the connection @e is about: passive for what reaches a
 * listener or a socket it made, and for resets answering segments that
 * matched no socket; active for sockets this host connected; unknown when
 * the owner of an established socket is unknown.
 */
static inline __u8 ns_tcp_direction(const struct ns_tcp_event *e)
{
	if (e->action == NS_TCP_LISTEN_OVERFLOW || e->action == NS_TCP_SYNACK_RETRANSMIT ||
	    !(e->flags & NS_TCP_HAS_STATE))
		return NS_TCP_DIR_PASSIVE;
	if (e->state == NS_TCP_LISTEN || e->state == NS_TCP_NEW_SYN_RECV ||
	    e->state == NS_TCP_SYN_RECV || (e->owner.flags & NS_OWNER_PASSIVE))
		return NS_TCP_DIR_PASSIVE;
	if (e->state == NS_TCP_SYN_SENT || e->owner.pid || e->owner.flags)
		return NS_TCP_DIR_ACTIVE;
	return NS_TCP_DIR_UNKNOWN;
}

/* What --summary groups by (--by): bits of ns_config.summary_by. */
enum ns_tcp_by {
	NS_TCP_BY_REMOTE = 1U << 0, /* the remote address */
	/* The server's port: local for passive connections, remote for active ones. */
	NS_TCP_BY_SERVICE = 1U << 1,
	NS_TCP_BY_REMOTE_PORT = 1U << 2,
	NS_TCP_BY_LOCAL_PORT = 1U << 3,
	NS_TCP_BY_PROCESS = 1U << 4,
};

#define NS_TCP_BY_DEFAULT (NS_TCP_BY_REMOTE | NS_TCP_BY_SERVICE)

/*
 * --summary: one entry per group, always split by direction and network
 * namespace; what --by leaves out is zero.
 */
struct ns_tcp_key {
	__u8 raddr[NS_ADDR_LEN];
	__u16 rport;
	__u16 lport;
	__u32 pid;
	__u32 netns; /* network namespace inode: the same address in two is two rows */
	__u8 family;
	__u8 direction; /* enum ns_tcp_dir */
	__u16 pad;
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

_Static_assert(sizeof(struct ns_tcp_event) == 144, "ns_tcp_event layout");
_Static_assert(sizeof(struct ns_tcp_key) == 32, "ns_tcp_key layout");
_Static_assert(sizeof(struct ns_tcp_counts) == 8 * NS_TCPC_MAX + 56, "ns_tcp_counts layout");

#endif /* NETSIGHT_TCP_H */
