/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The drop family's contract: a packet the kernel freed with a drop reason,
 * where, and whose it was. Reason numbers are the running kernel's
 * (enum skb_drop_reason); names come from its BTF at start-up.
 */
#ifndef NETSIGHT_DROP_H
#define NETSIGHT_DROP_H

#include "event.h"

#define NS_IFNAME_LEN 16
/* Per-reason totals and the reason filter are arrays indexed by reason;
 * larger values (subsystem reasons) share the last slot. */
#define NS_DROP_REASON_SLOTS 1024

/* Who a drop is attributed to. */
#define NS_ATTRIBUTIONS(X) \
	X(OWNER, "owner")  \
	X(CONTEXT, "context")

enum ns_attribution {
	NS_ATTR_NONE = 0,
#define NS_X(id, name) NS_ATTR_##id,
	NS_ATTRIBUTIONS(NS_X)
#undef NS_X
		NS_ATTR_MAX,
};

/*
 * A drop. The tuple is the packet's: laddr/lport its source, raddr/rport its
 * destination (family 0 when the headers could not be read). For ICMP, lport
 * carries the type and rport the code.
 */
struct ns_drop_event {
	struct ns_event_hdr hdr;
	struct ns_owner owner;
	struct ns_tuple tuple;
	__u64 location; /* kernel text address that freed the packet */
	__u32 reason; /* enum skb_drop_reason */
	__u32 ifindex; /* the packet's device (ifname), 0 if unknown */
	/* The device it was received on (skb_iif), 0 if this host sent it. */
	__u32 iif;
	__u8 attribution; /* enum ns_attribution */
	__u8 pad[3];
	char ifname[NS_IFNAME_LEN];
};

/*
 * In-kernel aggregation for --summary: one entry per (location, reason,
 * process, network namespace).
 */
struct ns_drop_key {
	__u64 location;
	__u32 reason;
	__u32 pid;
	__u32 netns;
	__u32 pad;
};

struct ns_drop_count {
	__u64 count;
	struct ns_owner owner;
	__u8 attribution;
	__u8 pad[7];
};

_Static_assert(sizeof(struct ns_drop_event) == 160, "ns_drop_event layout");
_Static_assert(sizeof(struct ns_drop_key) == 24, "ns_drop_key layout");
_Static_assert(sizeof(struct ns_drop_count) == 72, "ns_drop_count layout");

#endif /* NETSIGHT_DROP_H */
