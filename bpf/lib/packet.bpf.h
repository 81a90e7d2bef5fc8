/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading a packet's addresses and ports from an sk_buff at any point of its
 * life. Header layouts are wire formats, so plain offsets are used, not CO-RE.
 * Bounded: one IP header, no IPv6 extension headers followed.
 */
#ifndef NETSIGHT_PACKET_BPF_H
#define NETSIGHT_PACKET_BPF_H

#include "common.bpf.h"
#include "sock.bpf.h"

#define NS_ETH_P_IP 0x0800
#define NS_ETH_P_IPV6 0x86DD
#define NS_IPPROTO_UDPLITE 136
#define NS_IPPROTO_SCTP 132
#define NS_IPV4_HDR_LEN 20
#define NS_IPV6_HDR_LEN 40

static __always_inline bool ns_proto_has_ports(__u8 proto)
{
	return proto == NS_IPPROTO_TCP || proto == NS_IPPROTO_UDP || proto == NS_IPPROTO_UDPLITE ||
	       proto == NS_IPPROTO_SCTP;
}

/*
 * The packet's source (laddr/lport) and destination (raddr/rport). family
 * stays 0 when there is no readable IP header (not set yet, or not IP).
 */
static __always_inline void ns_skb_tuple(const void *skb_ptr, struct ns_tuple *t)
{
	const struct sk_buff *skb = ns_view(struct sk_buff, skb_ptr);
	const __u8 *head = NS_RD(skb, head), *l4;
	__u16 nh = NS_RD(skb, network_header), proto = NS_RD(skb, protocol);
	__u8 ip[NS_IPV6_HDR_LEN];
	__be16 ports[2];

	__builtin_memset(t, 0, sizeof(*t));
	if (!head || nh == (__u16)~0U)
		return;
	if (proto == bpf_htons(NS_ETH_P_IP)) {
		if (bpf_probe_read_kernel(ip, NS_IPV4_HDR_LEN, head + nh) || ip[0] >> 4 != 4)
			return;
		t->family = NS_AF_INET;
		t->protocol = ip[9];
		__builtin_memcpy(t->laddr, ip + 12, 4);
		__builtin_memcpy(t->raddr, ip + 16, 4);
		if ((ip[6] & 0x1f) || ip[7])
			return; /* a later fragment: no transport header */
		l4 = head + nh + (ip[0] & 0xf) * 4;
	} else if (proto == bpf_htons(NS_ETH_P_IPV6)) {
		if (bpf_probe_read_kernel(ip, NS_IPV6_HDR_LEN, head + nh) || ip[0] >> 4 != 6)
			return;
		t->family = NS_AF_INET6;
		t->protocol = ip[6];
		__builtin_memcpy(t->laddr, ip + 8, NS_ADDR_LEN);
		__builtin_memcpy(t->raddr, ip + 24, NS_ADDR_LEN);
		l4 = head + nh + NS_IPV6_HDR_LEN;
	} else {
		return;
	}
	if (!ns_proto_has_ports(t->protocol) || bpf_probe_read_kernel(ports, sizeof(ports), l4))
		return;
	t->lport = bpf_ntohs(ports[0]);
	t->rport = bpf_ntohs(ports[1]);
}

/* The network namespace of the device an sk_buff is on, or 0 if it has none. */
static __always_inline __u32 ns_skb_netns(const void *skb)
{
	const struct net_device *dev = ns_view(struct net_device,
					       NS_RD(ns_view(struct sk_buff, skb), dev));

	return dev ? NS_RD(dev, nd_net.net, ns.inum) : 0;
}

/* Swaps source and destination. */
static __always_inline void ns_tuple_reverse(struct ns_tuple *t)
{
	__u8 addr[NS_ADDR_LEN];
	__u16 port = t->lport;

	__builtin_memcpy(addr, t->laddr, NS_ADDR_LEN);
	__builtin_memcpy(t->laddr, t->raddr, NS_ADDR_LEN);
	__builtin_memcpy(t->raddr, addr, NS_ADDR_LEN);
	t->lport = t->rport;
	t->rport = port;
}

#endif /* NETSIGHT_PACKET_BPF_H */
