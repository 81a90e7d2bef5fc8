// SPDX-License-Identifier: GPL-2.0-only
/*
 * DNS: the messages this host's processes send to a DNS port (queries) and
 * receive from one (answers), over UDP and TCP, IPv4 and IPv6. Attached to
 * the cgroup v2 root (cgroup_skb), so every packet comes with its socket,
 * and so with its process, and nothing is seen of traffic that only passes
 * through. The kernel side does the minimum: find the ports, and copy the
 * first NS_DNS_MSG_MAX bytes of the message; user space decodes it.
 *
 * A local DNS server's side of its traffic (queries in, answers out) is not
 * reported here: those are its clients' queries. With --by client, the
 * queries that come in on the interfaces given are counted per client and
 * type instead, at TC or XDP, and nothing is copied to user space.
 */
#include "lib/common.bpf.h"
#include "lib/owner.bpf.h"
#include "lib/filter.bpf.h"
#include <netsight/dns.h>

#define NS_ETH_P_IP 0x0800
#define NS_ETH_P_IPV6 0x86DD
#define NS_AF_INET 2
#define NS_AF_INET6 10
#define NS_IP_OFFSET 0x1FFF
#define DNS_HDR_LEN 12
#define NS_ETH_P_8021Q 0x8100
#define NS_ETH_P_8021AD 0x88A8
#define NS_TC_NEXT (-1)
#define NS_XDP_PASS 2
/* Labels of a question's name walked, at most (a name has 127 at most). */
#define DNS_LABELS_MAX 128

/* The DNS ports (--dns-port), 0-terminated; written by user space once loaded. */
__u16 dns_ports[NS_DNS_PORTS_MAX] = { 53 };

/* --by client: the message programs stand aside (set by user space once loaded). */
__u32 dns_by_client = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NS_DNS_CLIENTS_MAX);
	__type(key, struct ns_dns_client_key);
	__type(value, __u64);
} dns_clients SEC(".maps");

/* [0]: the reading period queries are counted in (0 or 1), flipped by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} dns_client_period SEC(".maps");

static __always_inline bool dns_port(__u16 port)
{
	for (int i = 0; i < NS_DNS_PORTS_MAX; i++) {
		if (!dns_ports[i])
			return false;
		if (dns_ports[i] == port)
			return true;
	}
	return false;
}

/* The packet's tuple, and the offset of its transport header; false if not TCP/UDP. */
static __always_inline bool dns_ip(struct __sk_buff *skb, struct ns_tuple *t, __u32 *l4)
{
	if (skb->protocol == bpf_htons(NS_ETH_P_IP)) {
		struct iphdr iph;

		if (bpf_skb_load_bytes(skb, 0, &iph, sizeof(iph)))
			return false;
		if (bpf_ntohs(iph.frag_off) & NS_IP_OFFSET)
			return false;
		t->family = NS_AF_INET;
		t->protocol = iph.protocol;
		__builtin_memcpy(t->laddr, &iph.saddr, 4);
		__builtin_memcpy(t->raddr, &iph.daddr, 4);
		*l4 = iph.ihl * 4;
	} else if (skb->protocol == bpf_htons(NS_ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)))
			return false;
		t->family = NS_AF_INET6;
		t->protocol = ip6.nexthdr;
		__builtin_memcpy(t->laddr, &ip6.saddr, NS_ADDR_LEN);
		__builtin_memcpy(t->raddr, &ip6.daddr, NS_ADDR_LEN);
		*l4 = sizeof(ip6);
	} else {
		return false;
	}
	return t->protocol == NS_IPPROTO_UDP || t->protocol == NS_IPPROTO_TCP;
}

static __always_inline void dns_packet(struct __sk_buff *skb, enum ns_dns_direction dir)
{
	struct ns_owner *owner = NULL;
	struct ns_dns_event *e;
	struct ns_tuple t = {}, local;
	struct bpf_sock *sk;
	__u32 l4, msg, len;
	__u64 copy;
	__u16 ports[2], prefix;

	if (!dns_ip(skb, &t, &l4) || bpf_skb_load_bytes(skb, l4, ports, sizeof(ports)))
		return;
	t.lport = bpf_ntohs(ports[0]);
	t.rport = bpf_ntohs(ports[1]);
	/* A query goes to a DNS port; an answer comes from one. */
	if (!dns_port(dir == NS_DNS_QUERY ? t.rport : t.lport))
		return;
	if (t.protocol == NS_IPPROTO_UDP) {
		msg = l4 + 8;
		len = skb->len > msg ? skb->len - msg : 0;
	} else {
		__u8 doff;

		if (bpf_skb_load_bytes(skb, l4 + 12, &doff, 1))
			return;
		/* The segment that starts a message carries its length first (RFC 1035 4.2.2). */
		msg = l4 + (doff >> 4) * 4 + 2;
		if (skb->len < msg || bpf_skb_load_bytes(skb, msg - 2, &prefix, 2))
			return;
		len = bpf_ntohs(prefix);
	}
	if (len < DNS_HDR_LEN || skb->len < msg + DNS_HDR_LEN)
		return;
	sk = skb->sk;
	if (sk)
		sk = bpf_sk_fullsock(sk);
	if (sk)
		owner = bpf_sk_storage_get(&ns_owners, sk, 0, 0);
	/* Filters see this host's end as local. */
	local = t;
	if (dir == NS_DNS_ANSWER) {
		__builtin_memcpy(local.laddr, t.raddr, NS_ADDR_LEN);
		__builtin_memcpy(local.raddr, t.laddr, NS_ADDR_LEN);
		local.lport = t.rport;
		local.rport = t.lport;
	}
	if (!ns_filter_pass(owner, &local))
		return;
	e = ns_event_reserve(sizeof(*e), NS_EVENT_DNS, 0);
	if (!e)
		return;
	if (owner)
		e->owner = *owner;
	else
		__builtin_memset(&e->owner, 0, sizeof(e->owner));
	e->tuple = t;
	e->direction = dir;
	e->msg_len = len;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	copy = skb->len - msg;
	if (copy > len)
		copy = len;
	e->copied = 0;
	/*
	 * Each bound checked on the register the helper is given: the verifier
	 * cannot relate a range check the compiler folds into another register.
	 */
	barrier_var(copy);
	if (copy > NS_DNS_MSG_MAX)
		copy = NS_DNS_MSG_MAX;
	barrier_var(copy);
	if (copy >= DNS_HDR_LEN && !bpf_skb_load_bytes(skb, msg, e->msg, copy))
		e->copied = copy;
	ns_event_submit(e, sizeof(*e));
}

SEC("cgroup_skb/egress")
int dns_egress(struct __sk_buff *skb)
{
	if (!dns_by_client)
		dns_packet(skb, NS_DNS_QUERY);
	return 1;
}

SEC("cgroup_skb/ingress")
int dns_ingress(struct __sk_buff *skb)
{
	if (!dns_by_client)
		dns_packet(skb, NS_DNS_ANSWER);
	return 1;
}

/*
 * A frame in [@data, @end) that is a DNS query to one of the ports: counted
 * for its client and question type. Ethernet, up to two VLAN tags, IPv4 or
 * IPv6 (no extension headers), UDP.
 */
static __always_inline void dns_client_count(void *data, void *end)
{
	struct ns_dns_client_key key = {};
	struct ethhdr *eth = data;
	struct udphdr *uh = NULL;
	__u32 zero = 0, *period;
	__u64 one = 1, *count;
	__u16 proto;
	__u8 *p;
	void *l3;

	if ((void *)(eth + 1) > end)
		return;
	proto = bpf_ntohs(eth->h_proto);
	l3 = eth + 1;
	for (int i = 0; i < 2; i++) {
		__be16 *vlan = l3;

		if (proto != NS_ETH_P_8021Q && proto != NS_ETH_P_8021AD)
			break;
		if ((void *)(vlan + 2) > end)
			return;
		proto = bpf_ntohs(vlan[1]);
		l3 = vlan + 2;
	}
	if (proto == NS_ETH_P_IP) {
		struct iphdr *iph = l3;

		if ((void *)(iph + 1) > end || iph->protocol != NS_IPPROTO_UDP ||
		    (bpf_ntohs(iph->frag_off) & NS_IP_OFFSET) || iph->ihl < 5)
			return;
		key.family = NS_AF_INET;
		__builtin_memcpy(key.addr, &iph->saddr, 4);
		uh = l3 + iph->ihl * 4;
	} else if (proto == NS_ETH_P_IPV6) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > end || ip6->nexthdr != NS_IPPROTO_UDP)
			return;
		key.family = NS_AF_INET6;
		__builtin_memcpy(key.addr, &ip6->saddr, NS_ADDR_LEN);
		uh = (void *)(ip6 + 1);
	} else {
		return;
	}
	if ((void *)(uh + 1) > end || !dns_port(bpf_ntohs(uh->dest)))
		return;
	p = (__u8 *)(uh + 1);
	/* A query (QR 0) with a question. */
	if ((void *)(p + DNS_HDR_LEN) > end || (p[2] & 0x80) || !(p[4] | p[5]))
		return;
	p += DNS_HDR_LEN;
	for (int i = 0; i < DNS_LABELS_MAX; i++) {
		__u8 n;

		if ((void *)(p + 1) > end)
			return;
		n = *p;
		if (!n) {
			p++;
			if ((void *)(p + 2) > end)
				return;
			key.qtype = (__u16)p[0] << 8 | p[1];
			period = bpf_map_lookup_elem(&dns_client_period, &zero);
			key.epoch = period ? *period & 1 : 0;
			count = bpf_map_lookup_elem(&dns_clients, &key);
			if (count) {
				__sync_fetch_and_add(count, 1);
			} else if (bpf_map_update_elem(&dns_clients, &key, &one, BPF_NOEXIST)) {
				count = bpf_map_lookup_elem(&dns_clients, &key);
				if (count)
					__sync_fetch_and_add(count, 1); /* another CPU made it */
				else
					ns_count_error(NS_ERR_SUMMARY_FULL);
			}
			return;
		}
		/* A question's name has no compression pointer to follow. */
		if (n > 63)
			return;
		p += n + 1;
	}
}

SEC("tc")
int dns_tc_clients(struct __sk_buff *skb)
{
	dns_client_count((void *)(long)skb->data, (void *)(long)skb->data_end);
	return NS_TC_NEXT;
}

SEC("xdp")
int dns_xdp_clients(struct xdp_md *ctx)
{
	dns_client_count((void *)(long)ctx->data, (void *)(long)ctx->data_end);
	return NS_XDP_PASS;
}
