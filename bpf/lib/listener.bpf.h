/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The listen-overflow ledger of each listening socket.
 *
 * A SYN dropped because a listener's accept queue is full is freed without a
 * drop reason and fires no tracepoint; what it leaves is the listener's drop
 * count (sk_drops, via tcp_listendrop() in tcp_conn_request() and
 * tcp_v4_syn_recv_sock()). That count also rises for segments that are no
 * overflow: tcp_v4_rcv()/tcp_v6_rcv() add every segment they discard for the
 * listener, such as a retransmitted SYN for a pending request
 * (discard_and_relse, net/ipv4/tcp_ipv4.c), and those are the drops that
 * kfree_skb reports with the listener as rx_sk from those two functions. So
 * per listener: overflows = growth of sk_drops - those paired drops.
 *
 * The ledger lives in socket storage (tcp_listeners), polled by an iterator
 * over that map. Where the kernel refuses map iterators it lives in
 * tcp_listen_list, keyed by the socket's address (NS_FB_LISTEN_LIST), which
 * an on-demand program walks; an entry is removed when its listener stops
 * listening, before the socket can be freed, and is checked against the
 * socket's cookie and state before use.
 */
#ifndef NETSIGHT_LISTENER_BPF_H
#define NETSIGHT_LISTENER_BPF_H

#include "common.bpf.h"
#include "owner.bpf.h"

#define NS_LISTENERS_MAX 16384

struct ns_listener {
	__u64 cookie;
	__u32 drops; /* sk_drops when last checked */
	__u32 paired; /* drops since then that were no overflow */
	struct ns_owner owner; /* when it started listening */
};

/* Not BPF_F_CLONE: children of a listener are not listeners. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ns_listener);
} tcp_listeners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NS_LISTENERS_MAX);
	__type(key, __u64); /* struct sock address */
	__type(value, struct ns_listener);
} tcp_listen_list SEC(".maps");

/*
 * Listeners open before start-up, where iter/tcp is refused: their drop
 * count at start, from sock_diag, by cookie (NS_FB_LISTEN_SEED).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NS_LISTENERS_MAX);
	__type(key, __u64);
	__type(value, __u32);
} tcp_listen_seed SEC(".maps");

/*
 * Linux 6.18 can keep a socket's drop count in per-NUMA-node counters
 * (sk->sk_drop_counters; include/net/sock.h, sk_drops_read()). Declared here
 * as CO-RE flavours so that this builds against any kernel's vmlinux.h.
 */
struct numa_drop_counters___ns {
	atomic_t drops0;
	atomic_t drops1;
} __attribute__((preserve_access_index));

struct sock___ns {
	struct numa_drop_counters___ns *sk_drop_counters;
} __attribute__((preserve_access_index));

/* A socket's drop count (sk_drops_read() in the kernel), from a view of any address. */
static __always_inline __u32 ns_sock_drops(const void *sk)
{
	const struct sock___ns *s6 = ns_view(struct sock___ns, sk);
	const struct numa_drop_counters___ns *per_node;

	if (bpf_core_field_exists(s6->sk_drop_counters)) {
		per_node = ns_view(struct numa_drop_counters___ns, NS_RD(s6, sk_drop_counters));
		if (per_node)
			return NS_RD(per_node, drops0.counter) + NS_RD(per_node, drops1.counter);
	}
	return NS_RD(ns_view(struct sock, sk), sk_drops.counter);
}

/* The ledger of listener @sk (a BTF pointer), or NULL. */
static __always_inline struct ns_listener *ns_listener_get(const struct sock *sk)
{
	__u64 key = (__u64)sk;

	if (ns_fallbacks & NS_FB_LISTEN_LIST)
		return bpf_map_lookup_elem(&tcp_listen_list, &key);
	return bpf_sk_storage_get(&tcp_listeners, (struct sock *)sk, 0, 0);
}

/*
 * The ledger of listener @sk, started if missing: from its drop count at
 * start-up when known, else from now; owned by @owner (NULL: the socket's).
 */
static __always_inline struct ns_listener *ns_listener_start(const struct sock *sk,
							     const struct ns_owner *owner)
{
	struct ns_listener init = {}, *l = ns_listener_get(sk);
	__u64 key = (__u64)sk;
	__u32 *seed;

	if (l)
		return l;
	init.cookie = bpf_get_socket_cookie((struct sock *)sk);
	seed = (ns_fallbacks & NS_FB_LISTEN_SEED) ?
		       bpf_map_lookup_elem(&tcp_listen_seed, &init.cookie) :
		       NULL;
	init.drops = seed ? *seed : ns_sock_drops(sk);
	if (!owner)
		owner = ns_owner_get(sk);
	if (owner)
		init.owner = *owner;
	if (ns_fallbacks & NS_FB_LISTEN_LIST) {
		bpf_map_update_elem(&tcp_listen_list, &key, &init, BPF_NOEXIST);
		l = bpf_map_lookup_elem(&tcp_listen_list, &key);
	} else {
		l = bpf_sk_storage_get(&tcp_listeners, (struct sock *)sk, &init,
				       BPF_SK_STORAGE_GET_F_CREATE);
	}
	if (!l)
		ns_count_error(NS_ERR_LISTENER_STORAGE);
	return l;
}

/* Forgets listener @sk (it stopped listening). */
static __always_inline void ns_listener_forget(const struct sock *sk)
{
	__u64 key = (__u64)sk;

	if (ns_fallbacks & NS_FB_LISTEN_LIST)
		bpf_map_delete_elem(&tcp_listen_list, &key);
}

/*
 * Overflows of the listener at @sk (any address) since its last check, which
 * this moves forward. Paired drops the poll has not seen yet in sk_drops stay
 * for the next check.
 */
static __always_inline __u32 ns_listener_overflows(const void *sk, struct ns_listener *l)
{
	__u32 drops = ns_sock_drops(sk), grown = drops - l->drops, paired = l->paired;

	if (paired > grown)
		paired = grown;
	__sync_fetch_and_add(&l->paired, -paired);
	l->drops = drops;
	return grown - paired;
}

#endif /* NETSIGHT_LISTENER_BPF_H */
