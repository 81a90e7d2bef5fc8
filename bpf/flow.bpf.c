// SPDX-License-Identifier: GPL-2.0-only
/*
 * Flows: packets and bytes per (protocol, addresses, ports, direction,
 * interface), counted where packets cross an interface: at TC (TCX, or a
 * clsact filter on kernels without it), ingress and egress, or at XDP
 * (ingress only). See include/netsight/flow.h for the reading periods and
 * what happens when a period's table is full.
 *
 * Per packet: a bounded header walk (VLAN tags, IPv6 extension headers), a
 * hash lookup and a few atomic adds. A flow's first packet in a period
 * also takes a coarse clock read and, leaving this host, the owner of the
 * sending socket (lib/owner.bpf.h), so nothing is looked up per packet that
 * can be once per flow.
 *
 * Every program lets the packet go on: TCX_NEXT (-1, TC_ACT_UNSPEC for a
 * clsact filter) hands it to the next program, XDP_PASS to the stack.
 */
#include "lib/common.bpf.h"
#include "lib/owner.bpf.h"
#include <netsight/flow.h>

#define NS_ETH_P_IP 0x0800
#define NS_ETH_P_IPV6 0x86DD
#define NS_ETH_P_8021Q 0x8100
#define NS_ETH_P_8021AD 0x88A8
#define NS_AF_INET 2
#define NS_AF_INET6 10
#define NS_IPPROTO_ICMP 1
#define NS_IPPROTO_ICMPV6 58
#define NS_IP_MF 0x2000
#define NS_IP_OFFSET 0x1FFF
#define NS_TC_NEXT (-1)
#define NS_XDP_PASS 2
/* VLAN tags skipped before the network header (802.1ad and 802.1Q). */
#define FLOW_VLAN_MAX 2
/* IPv6 extension headers walked before giving up on the ports. */
#define FLOW_EXT_MAX 6

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2 * NS_FLOW_TABLE_DEFAULT); /* the loader sets 2 x --max-flows */
	__type(key, struct ns_flow_key);
	__type(value, struct ns_flow_counts);
} flow_table SEC(".maps");

/* enum ns_flow_state_index */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NS_FLOW_STATE_MAX);
	__type(key, __u32);
	__type(value, __u32);
} flow_state SEC(".maps");

/*
 * Per reading period, per CPU: [2 * period] packets and [2 * period + 1]
 * bytes counted, rows and events together. A period's rows and events must
 * add up to these; what does not was evicted from the table.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} flow_totals SEC(".maps");

/* What the header walk found in one packet. */
struct flow_packet {
	struct ns_flow_key key;
	__u64 bytes;
	__u32 tcp_flags;
	__u32 flags;
};

struct vlan_hdr_ns {
	__be16 tci;
	__be16 proto;
};

static __always_inline __u32 *flow_state_at(__u32 index)
{
	return bpf_map_lookup_elem(&flow_state, &index);
}

/* The ports (or ICMP type and code) and TCP flags at @l4 for @proto. */
static __always_inline void flow_ports(struct flow_packet *p, void *l4, void *end)
{
	__u8 proto = p->key.protocol;

	if (proto == NS_IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > end)
			goto truncated;
		p->key.sport = bpf_ntohs(th->source);
		p->key.dport = bpf_ntohs(th->dest);
		p->tcp_flags = ((__u8 *)th)[13];
	} else if (proto == NS_IPPROTO_UDP) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > end)
			goto truncated;
		p->key.sport = bpf_ntohs(uh->source);
		p->key.dport = bpf_ntohs(uh->dest);
	} else if (proto == NS_IPPROTO_ICMP || proto == NS_IPPROTO_ICMPV6) {
		__u8 *icmp = l4;

		if ((void *)(icmp + 2) > end)
			goto truncated;
		p->key.sport = icmp[0];
		p->key.dport = icmp[1];
	}
	return;
truncated:
	p->flags |= NS_FLOW_TRUNCATED;
}

static __always_inline bool flow_ipv6_ext(__u8 next)
{
	/* Hop-by-hop, routing, destination options, authentication. */
	return next == 0 || next == 43 || next == 60 || next == 51;
}

/*
 * Walks the headers of the frame in [@data, @end): Ethernet, up to two VLAN
 * tags, IPv4 or IPv6 with its extension headers, then the ports. Returns
 * false for frames that are not IP, which are not counted.
 */
static __always_inline bool flow_parse(void *data, void *end, struct flow_packet *p)
{
	struct ethhdr *eth = data;
	void *l3, *l4;
	__u16 proto;

	if ((void *)(eth + 1) > end)
		return false;
	proto = bpf_ntohs(eth->h_proto);
	l3 = eth + 1;
	for (int i = 0; i < FLOW_VLAN_MAX; i++) {
		struct vlan_hdr_ns *vh = l3;

		if (proto != NS_ETH_P_8021Q && proto != NS_ETH_P_8021AD)
			break;
		if ((void *)(vh + 1) > end)
			return false;
		proto = bpf_ntohs(vh->proto);
		l3 = vh + 1;
	}
	if (proto == NS_ETH_P_IP) {
		struct iphdr *iph = l3;
		__u32 ihl;

		if ((void *)(iph + 1) > end)
			return false;
		ihl = iph->ihl * 4;
		if (ihl < sizeof(*iph))
			return false;
		p->key.family = NS_AF_INET;
		p->key.protocol = iph->protocol;
		__builtin_memcpy(p->key.saddr, &iph->saddr, 4);
		__builtin_memcpy(p->key.daddr, &iph->daddr, 4);
		p->bytes = bpf_ntohs(iph->tot_len);
		if (bpf_ntohs(iph->frag_off) & NS_IP_OFFSET) {
			p->flags |= NS_FLOW_FRAGMENT;
			return true;
		}
		l4 = l3 + ihl;
	} else if (proto == NS_ETH_P_IPV6) {
		struct ipv6hdr *ip6 = l3;
		__u8 next;

		if ((void *)(ip6 + 1) > end)
			return false;
		p->key.family = NS_AF_INET6;
		__builtin_memcpy(p->key.saddr, &ip6->saddr, NS_ADDR_LEN);
		__builtin_memcpy(p->key.daddr, &ip6->daddr, NS_ADDR_LEN);
		p->bytes = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
		next = ip6->nexthdr;
		l4 = ip6 + 1;
		for (int i = 0; i < FLOW_EXT_MAX; i++) {
			__u8 *ext = l4;

			if (next == 44) { /* fragment header */
				__u16 *off = (__u16 *)(ext + 2);

				if ((void *)(ext + 8) > end)
					goto truncated;
				next = ext[0];
				if (bpf_ntohs(*off) & 0xFFF8) {
					p->key.protocol = next;
					p->flags |= NS_FLOW_FRAGMENT;
					return true;
				}
				l4 = ext + 8;
				continue;
			}
			if (!flow_ipv6_ext(next))
				break;
			if ((void *)(ext + 2) > end)
				goto truncated;
			/* AH counts 4-byte words less two, the others 8-byte words less one. */
			l4 = ext + (next == 51 ? (ext[1] + 2) * 4 : (ext[1] + 1) * 8);
			next = ext[0];
		}
		p->key.protocol = next;
		if (flow_ipv6_ext(next) || next == 44)
			goto truncated;
	} else {
		return false;
	}
	flow_ports(p, l4, end);
	return true;
truncated:
	p->flags |= NS_FLOW_TRUNCATED;
	return true;
}

/* Adds @p to the totals of @period. */
static __always_inline void flow_total(__u32 period, const struct flow_packet *p)
{
	__u32 key = 2 * (period & 1);
	__u64 *v = bpf_map_lookup_elem(&flow_totals, &key);

	if (v)
		*v += 1;
	key++;
	v = bpf_map_lookup_elem(&flow_totals, &key);
	if (v)
		*v += p->bytes;
}

/* A packet of a flow that found no room: sent whole to user space. */
static __always_inline void flow_overflow(const struct flow_packet *p)
{
	struct ns_flow_event *e;

	/*
	 * Counted before reserving: between the reservation and its NULL check,
	 * Linux 6.1's verifier would lose that the check was already made.
	 */
	ns_count_error(NS_ERR_SUMMARY_FULL);
	e = ns_event_reserve(sizeof(*e), NS_EVENT_FLOW, 0);
	if (!e)
		return;
	e->key = p->key;
	e->bytes = p->bytes;
	e->tcp_flags = p->tcp_flags;
	e->flags = p->flags;
	ns_event_submit(e, sizeof(*e));
}

/* The owner of the socket sending @skb, if it is one of this host's. */
static __always_inline void flow_owner(struct __sk_buff *skb, struct ns_owner *owner)
{
	struct bpf_sock *sk = skb->sk;
	struct ns_owner *o;

	if (!sk)
		return;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return;
	o = bpf_sk_storage_get(&ns_owners, sk, 0, 0);
	if (o)
		*owner = *o;
}

/* Counts @p; @skb: the packet at TC egress, for its socket's owner (else NULL). */
static __always_inline void flow_count(struct flow_packet *p, struct __sk_buff *skb)
{
	__u32 *period = flow_state_at(NS_FLOW_PERIOD), *rows, *limit;
	struct ns_flow_counts *c, init = {};

	if (!period)
		return;
	p->key.epoch = *period & 1;
	flow_total(p->key.epoch, p);
	c = bpf_map_lookup_elem(&flow_table, &p->key);
	if (!c) {
		rows = flow_state_at(NS_FLOW_ROWS + p->key.epoch);
		limit = flow_state_at(NS_FLOW_LIMIT);
		if (!rows || !limit || *rows >= *limit) {
			flow_overflow(p);
			return;
		}
		init.first_ns = bpf_ktime_get_coarse_ns();
		init.last_ns = init.first_ns;
		if (skb)
			flow_owner(skb, &init.owner);
		if (!bpf_map_update_elem(&flow_table, &p->key, &init, BPF_NOEXIST))
			__sync_fetch_and_add(rows, 1);
		c = bpf_map_lookup_elem(&flow_table, &p->key);
		if (!c) {
			flow_overflow(p);
			return;
		}
	} else {
		/* The coarse clock: a few ms resolution, and no clock read. */
		c->last_ns = bpf_ktime_get_coarse_ns();
	}
	__sync_fetch_and_add(&c->packets, 1);
	__sync_fetch_and_add(&c->bytes, p->bytes);
	if (p->tcp_flags & ~c->tcp_flags)
		__sync_fetch_and_or(&c->tcp_flags, p->tcp_flags);
	if (p->flags & ~c->flags)
		__sync_fetch_and_or(&c->flags, p->flags);
}

static __always_inline int flow_tc(struct __sk_buff *skb, enum ns_flow_direction dir)
{
	struct flow_packet p = {};

	if (!flow_parse((void *)(long)skb->data, (void *)(long)skb->data_end, &p))
		return NS_TC_NEXT;
	p.key.ifindex = skb->ifindex;
	p.key.direction = dir;
	flow_count(&p, dir == NS_FLOW_EGRESS ? skb : NULL);
	return NS_TC_NEXT;
}

SEC("tc")
int flow_tc_ingress(struct __sk_buff *skb)
{
	return flow_tc(skb, NS_FLOW_INGRESS);
}

SEC("tc")
int flow_tc_egress(struct __sk_buff *skb)
{
	return flow_tc(skb, NS_FLOW_EGRESS);
}

SEC("xdp")
int flow_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct flow_packet p = {};

	if (!flow_parse(data, end, &p))
		return NS_XDP_PASS;
	p.key.ifindex = ctx->ingress_ifindex;
	p.key.direction = NS_FLOW_INGRESS;
	flow_count(&p, NULL);
	return NS_XDP_PASS;
}
