/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Latency histograms (include/netsight/latency.h), built where samples
 * happen, in the owner family's programs that already run on every state
 * change, sendmsg() and recvmsg() (owner_inet_sock_set_state, owner_io()):
 * connect times, response times and RTT samples, so that a state change, a
 * send or a receive runs one program, not two. The latency family only reads
 * these maps; the loader shares them.
 *
 *  - response: from the last send() on a socket to the first recv() that
 *    returns data after it, where the process gets control back: for a
 *    client the server's response time as the application sees it, for a
 *    server its client's think time. Every response that takes
 *    NS_LAT_RESPONSE_GAP_NS or longer goes into the histogram; faster ones
 *    at most once per that gap on a socket, counting for the fast ones in
 *    between too (the rest of them, at close), so counts stay exact while a
 *    fast request/response loop costs a clock read and a store per call;
 *  - rtt: the kernel's smoothed RTT, read as the socket is used, at most
 *    once per RTT and per NS_LAT_RTT_GAP_NS on a socket, and at close for a
 *    connection never sampled.
 *
 * Samples go to the group of the socket's user (lib/owner.bpf.h) and of the
 * server end: the remote end for connections this host opened, this end for
 * those it accepted. Client and server ends are never in one row. Each
 * reading period (ns_lat_state, flipped by user space) has its own rows; a
 * group that finds no room adds to its metric's "other" row.
 */
#ifndef NETSIGHT_LATENCY_BPF_H
#define NETSIGHT_LATENCY_BPF_H

#include "common.bpf.h"
#include "hist.bpf.h"
#include "filter.bpf.h"
#include "owner.bpf.h"
#include "sock.bpf.h"
#include <netsight/latency.h>

#define NS_LAT_RESPONSE_GAP_NS (1000ULL * 1000)
#define NS_LAT_RTT_GAP_NS (10ULL * 1000 * 1000)

enum ns_lat_sock_flag {
	NS_LAT_RTT_SAMPLED = 1U << 0,
};

/*
 * The rows: one per group, metric and direction, in each reading period. A
 * plain hash updated with atomic adds, not a per-CPU one: its size must not
 * grow with the number of CPUs, and samples are few (see above).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NS_LAT_ROWS_MAX);
	__type(key, struct ns_latency_key);
	__type(value, struct ns_latency_hist);
} ns_lat_hists SEC(".maps");

/* The groups of each reading period: a row key without metric and direction. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * NS_LAT_GROUPS_MAX);
	__type(key, struct ns_latency_key);
	__type(value, __u8);
} ns_lat_groups SEC(".maps");

/*
 * [NS_LAT_EPOCH]: the reading period samples go to (0 or 1), flipped by
 * user space; [NS_LAT_GROUPS + e]: groups in period e's rows, reset by user
 * space when it has read them; [NS_LAT_GROUPS_LIMIT]: the most a period takes.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NS_LAT_STATE_MAX);
	__type(key, __u32);
	__type(value, __u32);
} ns_lat_state SEC(".maps");

static const struct ns_latency_hist ns_lat_zero;

static __always_inline __u32 *ns_lat_state_at(__u32 index)
{
	return bpf_map_lookup_elem(&ns_lat_state, &index);
}

/*
 * Whether @key's group has a place in its reading period: it has one, or
 * there is room for it (which it then takes).
 */
static __always_inline bool ns_lat_group_admitted(const struct ns_latency_key *key)
{
	struct ns_latency_key group = *key;
	__u32 *count = ns_lat_state_at(NS_LAT_GROUPS + (key->epoch & 1));
	__u32 *limit = ns_lat_state_at(NS_LAT_GROUPS_LIMIT);
	__u8 one = 1;

	group.metric = 0;
	group.direction = 0;
	if (bpf_map_lookup_elem(&ns_lat_groups, &group))
		return true;
	if (!count || !limit || *count >= *limit)
		return false;
	if (bpf_map_update_elem(&ns_lat_groups, &group, &one, BPF_NOEXIST))
		return bpf_map_lookup_elem(&ns_lat_groups, &group) != NULL; /* raced */
	__sync_fetch_and_add(count, 1);
	return true;
}

/* The row for @key, made if its group has a place; else its other row. */
static __always_inline struct ns_latency_hist *ns_lat_row(const struct ns_latency_key *key)
{
	struct ns_latency_hist *h = bpf_map_lookup_elem(&ns_lat_hists, key);
	struct ns_latency_key other = {};

	if (h)
		return h;
	if (ns_lat_group_admitted(key)) {
		bpf_map_update_elem(&ns_lat_hists, key, &ns_lat_zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&ns_lat_hists, key);
		if (h)
			return h;
	}
	/* The metric's other row, for this end of connections; its room is reserved. */
	ns_count_error(NS_ERR_SUMMARY_FULL);
	other.metric = key->metric;
	other.direction = key->direction;
	other.epoch = key->epoch;
	other.other = 1;
	h = bpf_map_lookup_elem(&ns_lat_hists, &other);
	if (h)
		return h;
	bpf_map_update_elem(&ns_lat_hists, &other, &ns_lat_zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&ns_lat_hists, &other);
}

/* Adds @weight samples of @ns to @sk's group of @metric. */
static __always_inline void ns_lat_record(const struct sock *sk, enum ns_latency_metric metric,
					  __u64 ns, __u32 weight)
{
	struct ns_owner *owner = ns_owner_get(sk);
	struct ns_latency_key key = {};
	__u32 by = ns_cfg.latency_by, *epoch;
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
	epoch = ns_lat_state_at(NS_LAT_EPOCH);
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
	h = ns_lat_row(&key);
	if (!h)
		return;
	if (!h->comm[0] && owner && (by & NS_LAT_BY_PROCESS))
		__builtin_memcpy(h->comm, owner->comm, NS_COMM_LEN);
	ns_hist_add(h, ns, weight);
}

/* The smoothed RTT of TCP socket @sk, in nanoseconds (0: none yet). */
static __always_inline __u64 ns_lat_srtt_ns(const struct sock *sk)
{
	return (__u64)(NS_RD(ns_view(struct tcp_sock, sk), srtt_us) >> 3) * 1000;
}

/* An RTT sample of TCP socket @sk in @st, if one is due. */
static __always_inline void ns_lat_sample_rtt(const struct sock *sk, struct ns_sock_state *st,
					      __u64 now)
{
	__u64 srtt;

	if (now < st->lat_rtt_next_ns)
		return;
	srtt = ns_lat_srtt_ns(sk);
	if (!srtt)
		return;
	st->lat_rtt_next_ns = now + (srtt > NS_LAT_RTT_GAP_NS ? srtt : NS_LAT_RTT_GAP_NS);
	st->lat_flags |= NS_LAT_RTT_SAMPLED;
	ns_lat_record(sk, NS_LAT_RTT, srtt, 1);
}

/* Counts the fast responses of @st not yet in a histogram, with the last one's time. */
static __always_inline void ns_lat_flush_untimed(const struct sock *sk, struct ns_sock_state *st)
{
	if (!st->lat_untimed)
		return;
	ns_lat_record(sk, NS_LAT_RESPONSE, st->lat_fast_ns, st->lat_untimed);
	st->lat_untimed = 0;
}

/*
 * A process sent (@send) or received @ret bytes on TCP socket @sk, whose
 * state is @st (process context). @ret < 0: received, size unknown.
 */
static __always_inline void ns_lat_on_io(const struct sock *sk, struct ns_sock_state *st, bool send,
					 int ret)
{
	__u64 now, took;

	if (!ret || (send && ret < 0))
		return;
	/*
	 * The socket's own clock: TCP reads the time as it sends and receives
	 * (tcp_mstamp_refresh()), so right after either it is the time of the
	 * last segment sent or received, on CLOCK_MONOTONIC like
	 * bpf_ktime_get_ns(), for a field load instead of a clock read.
	 */
	now = NS_RD(ns_view(struct tcp_sock, sk), tcp_clock_cache);
	if (send) {
		st->lat_sent_ns = now;
		return;
	}
	if (ret > 0 && st->lat_sent_ns) {
		took = now - st->lat_sent_ns;
		st->lat_sent_ns = 0;
		if (took >= NS_LAT_RESPONSE_GAP_NS) {
			ns_lat_record(sk, NS_LAT_RESPONSE, took, 1);
		} else if (now >= st->lat_next_ns) {
			/* The fast ones since the last timed one are like this one. */
			ns_lat_record(sk, NS_LAT_RESPONSE, took, st->lat_untimed + 1);
			st->lat_untimed = 0;
			st->lat_next_ns = now + NS_LAT_RESPONSE_GAP_NS;
		} else {
			st->lat_untimed++;
			st->lat_fast_ns = took;
		}
	}
	ns_lat_sample_rtt(sk, st, now);
}

/*
 * TCP socket @sk went from @oldstate to @newstate (the owner family's
 * inet_sock_set_state program, after its own work, so the socket's state
 * exists from SYN_SENT on): connect times, and what is left to count when a
 * connection closes.
 */
static __always_inline void ns_lat_on_state(const struct sock *sk, int oldstate, int newstate)
{
	struct ns_sock_state *st;
	__u64 srtt;

	if (newstate == TCP_SYN_SENT) {
		st = bpf_sk_storage_get(&ns_owners, (struct sock *)sk, 0, 0);
		if (st)
			st->lat_syn_ns = bpf_ktime_get_ns();
		return;
	}
	if (newstate == TCP_ESTABLISHED && oldstate == TCP_SYN_SENT) {
		st = bpf_sk_storage_get(&ns_owners, (struct sock *)sk, 0, 0);
		if (st && st->lat_syn_ns)
			ns_lat_record(sk, NS_LAT_CONNECT, bpf_ktime_get_ns() - st->lat_syn_ns, 1);
		return;
	}
	if (newstate != TCP_CLOSE || oldstate == TCP_SYN_SENT || oldstate == TCP_LISTEN ||
	    oldstate == TCP_SYN_RECV)
		return;
	st = bpf_sk_storage_get(&ns_owners, (struct sock *)sk, 0, 0);
	if (st)
		ns_lat_flush_untimed(sk, st);
	srtt = ns_lat_srtt_ns(sk);
	if (srtt && (!st || !(st->lat_flags & NS_LAT_RTT_SAMPLED)))
		ns_lat_record(sk, NS_LAT_RTT, srtt, 1);
}

#endif /* NETSIGHT_LATENCY_BPF_H */
