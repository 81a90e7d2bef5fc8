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
 * reported here: those are its clients' queries.
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

/* The DNS ports (--dns-port), 0-terminated; written by user space once loaded. */
__u16 dns_ports[NS_DNS_PORTS_MAX] = { 53 };

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
	dns_packet(skb, NS_DNS_QUERY);
	return 1;
}

SEC("cgroup_skb/ingress")
int dns_ingress(struct __sk_buff *skb)
{
	dns_packet(skb, NS_DNS_ANSWER);
	return 1;
}
