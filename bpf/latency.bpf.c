// SPDX-License-Identifier: GPL-2.0-only
/*
 * Latency histograms, aggregated here so that no per-packet event reaches
 * user space (include/netsight/latency.h):
 *
 *  - connect: SYN sent to established, per connection this host opens
 *    (inet_sock_set_state, both ends of the handshake);
 *  - rtt: the kernel's smoothed RTT as each segment arrives (tcp_probe, at
 *    the top of tcp_rcv_established()), sampled at most once per RTT and per
 *    LAT_RTT_MIN_GAP_NS on each socket, so a busy connection costs a storage
 *    lookup and a compare per segment; a connection closed before its first
 *    sample gives its smoothed RTT at close;
 *  - response: from the last send() on a socket to the first recv() that
 *    returns data after it, both where the process gets control back
 *    (sock_send_length / sock_recv_length, Linux 6.3+): for a client the
 *    server's response time as the application sees it, for a server the
 *    client's think time.
 *
 * Samples go to the group of the socket's user (lib/owner.bpf.h) and of the
 * responder's address and port: the remote end for connections this host
 * opened, this end for those it accepted. Client and server ends of
 * connections are never in one row. Each reading period (lat_state,
 * flipped by user space) has its own rows; a group that finds no room adds
 * to its metric's "other" row.
 */
#include "lib/common.bpf.h"
#include "lib/owner.bpf.h"
#include "lib/sock.bpf.h"
#include "lib/filter.bpf.h"
#include <netsight/latency.h>

#define LAT_RTT_MIN_GAP_NS (10ULL * 1000 * 1000)

/* enum lat_sock_flag */
#define LAT_AWAITING 1U /* sent, no data received since */
#define LAT_RTT_SAMPLED 2U

struct lat_sock {
	__u64 syn_ns; /* SYN sent (connect) */
	__u64 sent_ns; /* last send() */
	__u64 next_rtt_ns; /* no RTT sample before this */
	__u32 flags;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lat_sock);
} lat_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	/* Two reading periods, and their other rows. */
	__uint(max_entries, 2 * NS_LAT_GROUPS_MAX + 2 * NS_LAT_METRIC_MAX);
	__type(key, struct ns_latency_key);
	__type(value, struct ns_latency_hist);
} lat_hists SEC(".maps");

/*
 * [LAT_EPOCH]: the reading period samples go to (0 or 1), flipped by user
 * space; [LAT_GROUPS + e]: groups in period e's rows, reset by user space
 * when it has read them; [LAT_GROUPS_MAX]: the most groups a period takes.
 */
enum lat_state_index { LAT_EPOCH, LAT_GROUPS, LAT_GROUPS_MAX = LAT_GROUPS + 2, LAT_STATE_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LAT_STATE_MAX);
	__type(key, __u32);
	__type(value, __u32);
} lat_state SEC(".maps");

static __always_inline __u32 *lat_state_at(__u32 index)
{
	return bpf_map_lookup_elem(&lat_state, &index);
}

static const struct ns_latency_hist lat_zero;

static __always_inline bool lat_tcp(const struct sock *sk)
{
	return sk && sk->sk_protocol == NS_IPPROTO_TCP && sk->sk_type == NS_SOCK_STREAM;
}

/* The row for @key, made if there is room; NULL if there is none. */
static __always_inline struct ns_latency_hist *lat_row(const struct ns_latency_key *key)
{
	struct ns_latency_hist *h = bpf_map_lookup_elem(&lat_hists, key);
	__u32 *groups = lat_state_at(LAT_GROUPS + (key->epoch & 1));
	__u32 *max = lat_state_at(LAT_GROUPS_MAX);

	if (h)
		return h;
	if (groups && max && *groups < *max &&
	    !bpf_map_update_elem(&lat_hists, key, &lat_zero, BPF_NOEXIST)) {
		__sync_fetch_and_add(groups, 1);
		h = bpf_map_lookup_elem(&lat_hists, key);
		if (h)
			return h;
	}
	ns_count_error(NS_ERR_SUMMARY_FULL);
	return NULL;
}

static __always_inline void lat_record(const struct sock *sk, enum ns_latency_metric metric,
				       __u64 ns)
{
	struct ns_owner *owner = ns_owner_get(sk);
	struct ns_latency_key key = {};
	__u32 by = ns_cfg.summary_by, *epoch;
	struct ns_latency_hist *h;
	struct ns_tuple t;
	bool passive;

	ns_sock_tuple(sk, &t);
	if (!ns_filter_pass(owner, &t))
		return;
	passive = owner && (owner->flags & NS_OWNER_PASSIVE);
	key.direction = passive ? NS_LAT_DIR_PASSIVE :
			owner	? NS_LAT_DIR_ACTIVE :
				  NS_LAT_DIR_UNKNOWN;
	key.metric = metric;
	epoch = lat_state_at(LAT_EPOCH);
	key.epoch = epoch ? *epoch & 1 : 0;
	if (owner && (by & NS_LAT_BY_PROCESS))
		key.pid = owner->pid;
	if (owner && (by & (NS_LAT_BY_CGROUP | NS_LAT_BY_CONTAINER)))
		key.cgroup_id = owner->cgroup_id;
	if (by & (NS_LAT_BY_DESTINATION | NS_LAT_BY_PORT)) {
		key.netns = ns_sock_netns(sk);
		key.family = t.family;
	}
	if (by & NS_LAT_BY_DESTINATION)
		__builtin_memcpy(key.daddr, passive ? t.laddr : t.raddr, NS_ADDR_LEN);
	if (by & NS_LAT_BY_PORT)
		key.dport = passive ? t.lport : t.rport;
	h = lat_row(&key);
	if (!h) {
		/* This metric's other row: its room is reserved in the map. */
		struct ns_latency_key other = { .metric = metric, .other = 1, .epoch = key.epoch };

		h = ns_map_lookup_or_init(&lat_hists, &other, &lat_zero);
		if (!h)
			return;
	}
	if (!h->count || ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	if (!h->count && owner && (by & NS_LAT_BY_PROCESS))
		__builtin_memcpy(h->comm, owner->comm, NS_COMM_LEN);
	h->count++;
	h->sum_ns += ns;
	h->slots[ns_latency_slot(ns / 1000) & (NS_LAT_SLOTS - 1)]++;
}

static __always_inline struct lat_sock *lat_sock_get(const struct sock *sk, bool create)
{
	return bpf_sk_storage_get(&lat_socks, (struct sock *)sk, 0,
				  create ? BPF_SK_STORAGE_GET_F_CREATE : 0);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(lat_inet_sock_set_state, const struct sock *sk, int oldstate, int newstate)
{
	struct lat_sock *ls;

	if (sk->sk_protocol != NS_IPPROTO_TCP)
		return 0;
	if (newstate == TCP_SYN_SENT) {
		ls = lat_sock_get(sk, true);
		if (ls) {
			__builtin_memset(ls, 0, sizeof(*ls));
			ls->syn_ns = bpf_ktime_get_ns();
		} else {
			ns_count_error(NS_ERR_CONN_STORAGE);
		}
		return 0;
	}
	if (newstate == TCP_ESTABLISHED && oldstate == TCP_SYN_SENT) {
		ls = lat_sock_get(sk, false);
		if (ls && ls->syn_ns)
			lat_record(sk, NS_LAT_CONNECT, bpf_ktime_get_ns() - ls->syn_ns);
		return 0;
	}
	if (newstate == TCP_CLOSE && oldstate != TCP_SYN_SENT && oldstate != TCP_LISTEN) {
		const struct tcp_sock *tp = ns_view(struct tcp_sock, sk);
		__u32 srtt_us = NS_RD(tp, srtt_us) >> 3;

		ls = lat_sock_get(sk, false);
		if (srtt_us && (!ls || !(ls->flags & LAT_RTT_SAMPLED)) &&
		    (ls || oldstate != TCP_SYN_RECV))
			lat_record(sk, NS_LAT_RTT, (__u64)srtt_us * 1000);
	}
	return 0;
}

SEC("tp_btf/tcp_probe")
int BPF_PROG(lat_tcp_probe, struct sock *sk, struct sk_buff *skb)
{
	struct lat_sock *ls = lat_sock_get(sk, true);
	__u64 now, srtt_ns;

	if (!ls)
		return 0;
	now = bpf_ktime_get_ns();
	if (now < ls->next_rtt_ns)
		return 0;
	srtt_ns = (__u64)(NS_RD(ns_view(struct tcp_sock, sk), srtt_us) >> 3) * 1000;
	if (!srtt_ns)
		return 0;
	ls->next_rtt_ns = now + (srtt_ns > LAT_RTT_MIN_GAP_NS ? srtt_ns : LAT_RTT_MIN_GAP_NS);
	ls->flags |= LAT_RTT_SAMPLED;
	lat_record(sk, NS_LAT_RTT, srtt_ns);
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(lat_sock_send_length, struct sock *sk, int ret, int flags)
{
	struct lat_sock *ls;

	if (ret <= 0 || !lat_tcp(sk))
		return 0;
	ls = lat_sock_get(sk, true);
	if (!ls)
		return 0;
	ls->sent_ns = bpf_ktime_get_ns();
	ls->flags |= LAT_AWAITING;
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(lat_sock_recv_length, struct sock *sk, int ret, int flags)
{
	struct lat_sock *ls;

	if (ret <= 0 || !lat_tcp(sk))
		return 0;
	ls = lat_sock_get(sk, false);
	if (!ls || !(ls->flags & LAT_AWAITING))
		return 0;
	ls->flags &= ~LAT_AWAITING;
	lat_record(sk, NS_LAT_RESPONSE, bpf_ktime_get_ns() - ls->sent_ns);
	return 0;
}
