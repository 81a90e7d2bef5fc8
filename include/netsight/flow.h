/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The flow family's contract: packets and bytes per flow (protocol, source
 * and destination address and port, direction, interface), counted in the
 * kernel at TC or XDP. Rows live in ns_flow_table per reading period
 * (ns_flow_state[NS_FLOW_PERIOD], flipped by user space, which takes and
 * deletes the other period's rows); a period takes at most
 * ns_flow_state[NS_FLOW_LIMIT] flows, and a packet of a flow beyond that is
 * sent as an event (struct ns_flow_event) instead, so nothing is lost while
 * the ring has room.
 */
#ifndef NETSIGHT_FLOW_H
#define NETSIGHT_FLOW_H

#include "event.h"

/* Default and largest number of flows a reading period holds (--max-flows). */
#define NS_FLOW_TABLE_DEFAULT 16384
#define NS_FLOW_TABLE_MAX (1U << 20)

enum ns_flow_direction {
	NS_FLOW_INGRESS = 0, /* received on the interface */
	NS_FLOW_EGRESS = 1, /* sent through it */
};

/* ns_flow_state indexes. */
enum ns_flow_state_index {
	NS_FLOW_PERIOD = 0, /* the reading period packets are counted in (0 or 1) */
	NS_FLOW_ROWS = 1, /* [1 + period]: flows that period holds, reset by user space */
	NS_FLOW_LIMIT = 3, /* the most a period holds */
	NS_FLOW_STATE_MAX,
};

/* What a packet's headers left unknown (struct ns_flow_counts.flags). */
enum ns_flow_flag {
	NS_FLOW_FRAGMENT = 1U << 0, /* IP fragments after the first: no ports */
	NS_FLOW_TRUNCATED = 1U << 1, /* headers beyond what the hook could read */
};

/*
 * A flow as the packet has it: source and destination are the packet's.
 * ICMP: sport is the type, dport the code. Protocols without ports, and
 * fragments after the first, have ports 0.
 */
struct ns_flow_key {
	__u8 saddr[NS_ADDR_LEN]; /* IPv4 in the first four bytes */
	__u8 daddr[NS_ADDR_LEN];
	__u16 sport;
	__u16 dport;
	__u32 ifindex;
	__u16 family; /* AF_INET, AF_INET6; 0: not IP (ethertype in sport) */
	__u8 protocol; /* IP protocol number */
	__u8 direction; /* enum ns_flow_direction */
	__u8 epoch; /* reading period */
	__u8 pad[3];
};

struct ns_flow_counts {
	__u64 packets; /* as the hook sees them: with GSO/GRO, one per aggregate */
	__u64 bytes; /* of the IP packets, headers included */
	__u64 first_ns; /* CLOCK_MONOTONIC, coarse (a few ms) */
	__u64 last_ns;
	__u64 tcp_flags; /* TCP header flags seen (FIN 0x01 ... CWR 0x80) */
	__u64 flags; /* enum ns_flow_flag */
	struct ns_owner owner; /* egress: the sending socket's, where it is known */
};

/* A packet of a flow the period's table had no room for. */
struct ns_flow_event {
	struct ns_event_hdr hdr;
	struct ns_flow_key key;
	__u64 bytes;
	__u32 tcp_flags;
	__u32 flags;
};

_Static_assert(sizeof(struct ns_flow_key) == 48, "ns_flow_key layout");
_Static_assert(sizeof(struct ns_flow_counts) == 104, "ns_flow_counts layout");
_Static_assert(sizeof(struct ns_flow_event) == 88, "ns_flow_event layout");

#endif /* NETSIGHT_FLOW_H */
