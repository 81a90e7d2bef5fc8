// SPDX-License-Identifier: GPL-2.0-only
/*
 * Latency histograms (lib/latency.bpf.h): connect times, from SYN sent to
 * established, and what is left to count when a connection closes. Response
 * times and RTT samples are taken by the owner family's send and receive
 * programs while this family runs (NS_CFG_LATENCY).
 */
#include "lib/common.bpf.h"
#include "lib/latency.bpf.h"

static __always_inline struct ns_sock_state *lat_state_of(const struct sock *sk, __u64 flags)
{
	return bpf_sk_storage_get(&ns_owners, (struct sock *)sk, 0, flags);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(lat_inet_sock_set_state, const struct sock *sk, int oldstate, int newstate)
{
	struct ns_sock_state *st;
	__u64 srtt;

	if (sk->sk_protocol != NS_IPPROTO_TCP)
		return 0;
	if (newstate == TCP_SYN_SENT) {
		/* The owner program makes the entry first; this one finds it. */
		st = lat_state_of(sk, BPF_SK_STORAGE_GET_F_CREATE);
		if (st)
			st->lat_syn_ns = bpf_ktime_get_ns();
		else
			ns_count_error(NS_ERR_OWNER_STORAGE);
		return 0;
	}
	if (newstate == TCP_ESTABLISHED && oldstate == TCP_SYN_SENT) {
		st = lat_state_of(sk, 0);
		if (st && st->lat_syn_ns)
			ns_lat_record(sk, NS_LAT_CONNECT, bpf_ktime_get_ns() - st->lat_syn_ns, 1);
		return 0;
	}
	if (newstate != TCP_CLOSE || oldstate == TCP_SYN_SENT || oldstate == TCP_LISTEN ||
	    oldstate == TCP_SYN_RECV)
		return 0;
	st = lat_state_of(sk, 0);
	if (st)
		ns_lat_flush_untimed(sk, st);
	srtt = ns_lat_srtt_ns(sk);
	if (srtt && (!st || !(st->lat_flags & NS_LAT_RTT_SAMPLED)))
		ns_lat_record(sk, NS_LAT_RTT, srtt, 1);
	return 0;
}
