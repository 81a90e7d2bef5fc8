// SPDX-License-Identifier: GPL-2.0-only
/*
 * Packet drops: every sk_buff the kernel frees with a drop reason.
 *
 * A drop is attributed to the owner of the socket the packet belonged to (the
 * receiving socket, else the one the skb is charged to) when netsight knows
 * it, and otherwise to the process that was running when the packet was
 * dropped, which for softirq drops may be any process.
 *
 * With NS_CFG_SUMMARY the drops are counted in drop_summary (per location,
 * reason and process) and drop_totals (per reason, exact even when the
 * summary table is full) instead of being sent as events.
 */
#include "lib/common.bpf.h"
#include "lib/owner.bpf.h"
#include "lib/packet.bpf.h"
#include "lib/filter.bpf.h"
#include <netsight/drop.h>

#define DROP_SUMMARY_MAX 16384

/* 1 at the slot of each reason to report; filled by user space from names. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NS_DROP_REASON_SLOTS);
	__type(key, __u32);
	__type(value, __u8);
} drop_wanted SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NS_DROP_REASON_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} drop_totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	/* Rows are allocated as they come: nothing is held without --summary. */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, DROP_SUMMARY_MAX);
	__type(key, struct ns_drop_key);
	__type(value, struct ns_drop_count);
} drop_summary SEC(".maps");

static __always_inline __u32 drop_reason_slot(__u32 reason)
{
	return reason < NS_DROP_REASON_SLOTS ? reason : NS_DROP_REASON_SLOTS - 1;
}

/* The packet's network namespace: its device's, else its socket's. */
static __always_inline __u32 drop_netns(const struct sk_buff *skb_ptr, const struct sock *sk)
{
	const struct sk_buff *skb = ns_view(struct sk_buff, skb_ptr);

	return NS_RD(skb, dev) ? ns_skb_netns(skb_ptr) : ns_sock_netns(sk);
}

static __always_inline void drop_count(__u32 slot, __u64 location, __u32 reason,
				       const struct ns_owner *owner, __u8 attribution, __u32 netns)
{
	struct ns_drop_key key = {
		.location = location, .reason = reason, .pid = owner->pid, .netns = netns
	};
	struct ns_drop_count first = { .owner = *owner, .attribution = attribution };
	struct ns_drop_count *c;
	__u64 *total;

	total = bpf_map_lookup_elem(&drop_totals, &slot);
	if (total)
		*total += 1;
	c = ns_map_lookup_or_init(&drop_summary, &key, &first);
	if (c)
		c->count++;
}

/* Interfaces and namespace: from the device, else from the socket. */
static __always_inline void drop_where(struct ns_drop_event *e, const struct sk_buff *skb_ptr,
				       const struct sock *sk)
{
	const struct sk_buff *skb = ns_view(struct sk_buff, skb_ptr);
	const struct net_device *dev = ns_view(struct net_device, NS_RD(skb, dev));

	e->iif = NS_RD(skb, skb_iif);
	e->hdr.netns = drop_netns(skb_ptr, sk);
	if (dev) {
		e->ifindex = NS_RD(dev, ifindex);
		NS_RD_INTO(&e->ifname, dev, name);
		return;
	}
	e->ifindex = 0;
	__builtin_memset(e->ifname, 0, NS_IFNAME_LEN);
}

/* @rx_sk: the receiving socket, where the tracepoint passes it (6.12 does, 6.1 not), or NULL. */
static __always_inline void drop_on_kfree(struct sk_buff *skb, void *location, __u32 reason,
					  struct sock *rx_sk)
{
	__u32 slot = drop_reason_slot(reason);
	struct ns_owner context, *owner = NULL;
	__u8 attribution = NS_ATTR_OWNER;
	struct ns_drop_event *e;
	struct sock *sk;
	struct ns_tuple t;
	__u8 *wanted;

	wanted = bpf_map_lookup_elem(&drop_wanted, &slot);
	if (!wanted || !*wanted)
		return;
	sk = rx_sk ? rx_sk : skb->sk;
	if (sk)
		owner = ns_owner_get(sk);
	if (!owner || !owner->pid) {
		ns_owner_from_current(&context);
		owner = &context;
		attribution = NS_ATTR_CONTEXT;
	}
	/* The summary keeps no addresses: read the headers only to filter on them. */
	if (ns_sending(NS_CFG_SUMMARY) || ns_cfg.nports || ns_cfg.ncidrs || ns_cfg.family)
		ns_skb_tuple(skb, &t);
	else
		__builtin_memset(&t, 0, sizeof(t));
	/* A packet that came in (it has an input device) is for this host's end. */
	if (!ns_filter_pass_packet(owner, &t, NS_RD(ns_view(struct sk_buff, skb), skb_iif)))
		return;
	if (ns_cfg.flags & NS_CFG_SUMMARY)
		drop_count(slot, (__u64)location, reason, owner, attribution, drop_netns(skb, sk));
	if (!ns_sending(NS_CFG_SUMMARY))
		return;
	e = ns_event_reserve(sizeof(*e), NS_EVENT_DROP, 0);
	if (!e)
		return;
	e->owner = *owner;
	e->tuple = t;
	e->location = (__u64)location;
	e->reason = reason;
	e->attribution = attribution;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	drop_where(e, skb, sk);
	ns_event_submit(e, sizeof(*e));
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(drop_kfree_skb, struct sk_buff *skb, void *location, enum skb_drop_reason reason,
	     struct sock *rx_sk)
{
	drop_on_kfree(skb, location, reason, rx_sk);
	return 0;
}

/* Older kernels' tracepoint has no rx_sk (6.1): packets are attributed through skb->sk. */
SEC("?tp_btf/kfree_skb")
int BPF_PROG(drop_kfree_skb_norx, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	drop_on_kfree(skb, location, reason, NULL);
	return 0;
}
