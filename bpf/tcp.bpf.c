// SPDX-License-Identifier: GPL-2.0-only
/*
 * TCP health: retransmissions, resets and listen-queue overflows, attributed
 * to the owner of the socket concerned.
 *
 * Retransmissions are counted as the kernel counts TcpRetransSegs: in
 * __tcp_retransmit_skb() (net/ipv4/tcp_output.c) the kernel adds a
 * retransmission's segments to TcpRetransSegs and to the socket's
 * total_retrans at the same place, before handing it to IP. Since Linux 6.17
 * the tcp_retransmit_skb tracepoint also fires, with an error, for attempts
 * abandoned before that place (no route, the segment still queued below,
 * outside the peer's window, no memory); before, it fired only for
 * retransmissions that went out. So a retransmit event counts the growth of
 * total_retrans since the socket's previous one (tcp_rtx), and an attempt
 * that added nothing is a retransmit_failed event. EBUSY ("still in the host
 * queue, try later") is neither: the kernel does not count it as a failure.
 *
 * Listen overflows: see lib/listener.bpf.h. tcp_iter_listeners (run by user
 * space about every 100 ms), or where the kernel refuses map iterators
 * tcp_poll_listeners, and the listener's close report what each listener
 * dropped by overflow since its last check.
 *
 * With NS_CFG_SUMMARY, everything is counted in tcp_summary per remote
 * endpoint (for overflows: the listening endpoint) and owning process.
 */
#include "lib/common.bpf.h"
#include "lib/owner.bpf.h"
#include "lib/listener.bpf.h"
#include "lib/packet.bpf.h"
#include "lib/filter.bpf.h"
#include <netsight/tcp.h>

#define TCP_SUMMARY_MAX 16384
#define NS_EBUSY 16
#define NS_EAGAIN 11
#define NS_ENOMEM 12
#define NS_EINVAL 22
#define NS_EHOSTUNREACH 113
#define NS_ENOBUFS 105

/* Where tcp_v4_rcv() and tcp_v6_rcv() are ([start, end) pairs), from kallsyms. */
#define TCP_RCV_RANGES 4
__u64 tcp_rcv_ranges[TCP_RCV_RANGES][2] = {};

/* A socket's retransmissions counted so far (its total_retrans at the last event). */
struct tcp_rtx {
	__u32 counted;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tcp_rtx);
} tcp_rtx SEC(".maps");

/*
 * The owners of connections closed while the peer may still send: the kernel
 * goes on in a time-wait socket, which answers late data with a RST of its
 * own. By cookie, which the time-wait socket keeps (inet_twsk_alloc()).
 */
#define TCP_TW_OWNERS_MAX 16384
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TCP_TW_OWNERS_MAX);
	__type(key, __u64);
	__type(value, struct ns_owner);
} tcp_tw_owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	/* Rows are allocated as they come: nothing is held without --summary. */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, TCP_SUMMARY_MAX);
	__type(key, struct ns_tcp_key);
	__type(value, struct ns_tcp_counts);
} tcp_summary SEC(".maps");

/*
 * Counts @n under the --summary group of tuple @t in network namespace
 * @netns, of a connection opened in direction @dir.
 */
static __always_inline void tcp_count(const struct ns_tuple *t, __u32 netns, __u8 dir,
				      const struct ns_owner *owner, enum ns_tcp_counter counter,
				      __u64 n)
{
	struct ns_tcp_key key = { .family = t->family, .direction = dir, .netns = netns };
	struct ns_tcp_counts first = { .owner = *owner };
	__u32 by = ns_cfg.summary_by;
	struct ns_tcp_counts *c;

	if (counter >= NS_TCPC_MAX)
		return;
	if (by & NS_TCP_BY_REMOTE)
		__builtin_memcpy(key.raddr, t->raddr, NS_ADDR_LEN);
	if ((by & NS_TCP_BY_REMOTE_PORT) || ((by & NS_TCP_BY_SERVICE) && dir != NS_TCP_DIR_PASSIVE))
		key.rport = t->rport;
	if ((by & NS_TCP_BY_LOCAL_PORT) || ((by & NS_TCP_BY_SERVICE) && dir == NS_TCP_DIR_PASSIVE))
		key.lport = t->lport;
	if (by & NS_TCP_BY_PROCESS)
		key.pid = owner->pid;
	c = ns_map_lookup_or_init(&tcp_summary, &key, &first);
	if (c)
		c->counters[counter] += n;
}

/* Sends @ev (all but its header filled), or in summary mode counts it. */
static __always_inline void tcp_report(const struct ns_tcp_event *ev, enum ns_tcp_counter counter,
				       __u64 cookie)
{
	const struct ns_tuple *t = &ev->tuple;
	struct ns_tcp_event *e;

	if (!ns_filter_event(NS_EVENT_TCP, ev->action) || !ns_filter_pass(&ev->owner, t))
		return;
	if (ns_cfg.flags & NS_CFG_SUMMARY)
		tcp_count(t, ev->hdr.netns, ns_tcp_direction(ev), &ev->owner, counter,
			  ev->count ? ev->count : 1);
	if (!ns_sending(NS_CFG_SUMMARY))
		return;
	e = ns_event_reserve(sizeof(*e), NS_EVENT_TCP, cookie);
	if (!e)
		return;
	e->hdr.netns = ev->hdr.netns;
	__builtin_memcpy((void *)e + sizeof(e->hdr), (const void *)ev + sizeof(ev->hdr),
			 sizeof(*e) - sizeof(e->hdr));
	ns_event_submit(e, sizeof(*e));
}

/* An event about the socket at @sk (any address), owned by @owner (NULL: unknown). */
static __always_inline void tcp_event_init_as(struct ns_tcp_event *ev, enum ns_tcp_action action,
					      const void *sk, const struct ns_owner *owner)
{
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->action = action;
	if (owner)
		ev->owner = *owner;
	if (sk) {
		ev->hdr.netns = ns_sock_netns(sk);
		ev->state = NS_RD(ns_view(struct sock, sk), __sk_common.skc_state);
		ev->flags |= NS_TCP_HAS_STATE;
	}
}

/* An event about @sk (a BTF pointer or NULL) with its owner and state. */
static __always_inline void tcp_event_init(struct ns_tcp_event *ev, enum ns_tcp_action action,
					   const struct sock *sk)
{
	tcp_event_init_as(ev, action, sk, sk ? ns_owner_get(sk) : NULL);
}

/* Reports @overflows of listener @sk (any address), owned by @owner. */
static __always_inline void tcp_listener_report(const void *sk, const struct ns_listener *l,
						__u32 overflows, const struct ns_owner *owner)
{
	const struct sock *s = ns_view(struct sock, sk);
	struct ns_tcp_event ev;

	tcp_event_init_as(&ev, NS_TCP_LISTEN_OVERFLOW, sk, owner);
	ev.count = overflows;
	ns_sock_tuple(sk, &ev.tuple);
	ev.backlog = NS_RD(s, sk_max_ack_backlog);
	ev.queue = NS_RD(s, sk_ack_backlog);
	tcp_report(&ev, NS_TCPC_LISTEN_OVERFLOWS, l->cookie);
}

/* Whether the kernel counted an attempt that failed with -@err (see the top). */
static __always_inline bool tcp_rtx_early_error(__s32 err)
{
	return err == NS_EHOSTUNREACH || err == NS_EAGAIN || err == NS_ENOMEM || err == NS_EINVAL;
}

/*
 * One tcp_retransmit_skb event; @err is 0 where the tracepoint has no error
 * argument (it then fires only for retransmissions that went out).
 */
static __always_inline void tcp_on_retransmit(const struct sock *sk, const struct sk_buff *skb,
					      int err)
{
	const struct sk_buff *b = ns_view(struct sk_buff, skb);
	const struct skb_shared_info *shinfo;
	__u32 total = NS_RD(ns_view(struct tcp_sock, sk), total_retrans);
	struct tcp_rtx *rtx;
	struct ns_tcp_event ev;
	__u32 segs, counted;

	/* Never NULL; said for older verifiers, as in tcp_receive_reset. */
	if (!sk || -err == NS_EBUSY)
		return;
	/*
	 * A qdisc's verdict comes through as is (__tcp_transmit_skb() returns
	 * NET_XMIT_DROP, 1): name it as a send() would, ENOBUFS
	 * (net_xmit_errno(), include/linux/netdevice.h).
	 */
	if (err > 0)
		err = -NS_ENOBUFS;
	/* One skb may carry several segments (TSO); RetransSegs counts segments. */
	shinfo = ns_view(struct skb_shared_info, NS_RD(b, head) + NS_RD(b, end));
	segs = NS_RD(shinfo, gso_segs) ?: 1;
	rtx = bpf_sk_storage_get(&tcp_rtx, (struct sock *)sk, 0, 0);
	if (rtx) {
		counted = total - rtx->counted;
	} else {
		/* The first on this socket: what came before netsight is unknown. */
		counted = err && tcp_rtx_early_error(-err) ? 0 : segs;
		rtx = bpf_sk_storage_get(&tcp_rtx, (struct sock *)sk, 0,
					 BPF_SK_STORAGE_GET_F_CREATE);
	}
	if (rtx)
		rtx->counted = total;
	tcp_event_init(&ev, counted ? NS_TCP_RETRANSMIT : NS_TCP_RETRANSMIT_FAILED, sk);
	ns_sock_tuple(sk, &ev.tuple);
	ev.count = counted ?: segs;
	ev.error = -err;
	tcp_report(&ev, counted ? NS_TCPC_RETRANSMITS : NS_TCPC_RETRANSMITS_FAILED,
		   bpf_get_socket_cookie((struct sock *)sk));
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit_skb, const struct sock *sk, const struct sk_buff *skb, int err)
{
	tcp_on_retransmit(sk, skb, err);
	return 0;
}

/* Older kernels' tracepoint has no error (6.12): it fires for sent segments only. */
SEC("?tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit_skb_sent, const struct sock *sk, const struct sk_buff *skb)
{
	tcp_on_retransmit(sk, skb, 0);
	return 0;
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(tcp_retransmit_synack, const struct sock *sk, const struct request_sock *req)
{
	struct ns_tcp_event ev;

	if (!sk) /* never; for older verifiers, as in tcp_receive_reset */
		return 0;
	/* A listener netsight has not met yet (open before start, iter/tcp refused). */
	if ((ns_fallbacks & NS_FB_LISTEN_SEED) && sk->__sk_common.skc_state == TCP_LISTEN)
		ns_listener_start(sk, NULL);
	tcp_event_init(&ev, NS_TCP_SYNACK_RETRANSMIT, sk);
	ns_reqsk_tuple(req, &ev.tuple);
	ev.state = NS_RD(ns_view(struct request_sock, req), __req_common.skc_state);
	ev.count = 1;
	tcp_report(&ev, NS_TCPC_SYNACK_RETRANSMITS, 0);
	return 0;
}

/*
 * sk is NULL for a reset answering a segment that matched no socket, and may
 * be a time-wait or request socket; skb is NULL for an active reset.
 */
static __always_inline void tcp_on_send_reset(const struct sock *sk, const struct sk_buff *skb,
					      int reason, bool has_reason)
{
	struct ns_tcp_event ev;
	struct ns_owner *owner;
	__u64 cookie;

	tcp_event_init(&ev, NS_TCP_RESET_SENT, sk);
	if (sk && ev.state == TCP_TIME_WAIT) {
		cookie = NS_RD(ns_view(struct sock, sk), __sk_common.skc_cookie.counter);
		owner = bpf_map_lookup_elem(&tcp_tw_owners, &cookie);
		if (owner)
			ev.owner = *owner;
	}
	if (skb) {
		ns_skb_tuple(skb, &ev.tuple);
		ns_tuple_reverse(&ev.tuple); /* the reset goes back where the segment came from */
		if (!ev.hdr.netns)
			ev.hdr.netns = ns_skb_netns(skb);
	} else if (sk) {
		ns_sock_tuple(sk, &ev.tuple);
	}
	if (has_reason) {
		ev.rst_reason = reason;
		ev.flags |= NS_TCP_HAS_RST_REASON;
	}
	tcp_report(&ev, NS_TCPC_RESETS_SENT, 0);
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tcp_send_reset, const struct sock *sk, const struct sk_buff *skb, int reason)
{
	tcp_on_send_reset(sk, skb, reason, true);
	return 0;
}

/*
 * Older kernels' tracepoint has no reason (6.1), and fires only for resets
 * sent by full sockets (6.1: tcp_v4_send_reset(), tcp_send_active_reset()).
 */
SEC("?tp_btf/tcp_send_reset")
int BPF_PROG(tcp_send_reset_noreason, const struct sock *sk, const struct sk_buff *skb)
{
	tcp_on_send_reset(sk, skb, 0, false);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tcp_receive_reset, struct sock *sk)
{
	struct ns_tcp_event ev;

	/*
	 * Never NULL, but tcp_event_init() asks, and older verifiers (6.1) then
	 * follow a NULL sk into bpf_get_socket_cookie() below and refuse it.
	 */
	if (!sk)
		return 0;
	tcp_event_init(&ev, NS_TCP_RESET_RECEIVED, sk);
	ns_sock_tuple(sk, &ev.tuple);
	tcp_report(&ev, NS_TCPC_RESETS_RECEIVED, bpf_get_socket_cookie(sk));
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcp_inet_sock_set_state, const struct sock *sk, int oldstate, int newstate)
{
	struct ns_listener *l;
	struct ns_owner *owner, current;
	struct ns_tuple t;
	__u32 overflows;
	__u64 cookie;

	if (newstate == TCP_LISTEN) {
		/* listen() runs in the owner's context. */
		ns_owner_from_current(&current);
		ns_listener_start(sk, &current);
		return 0;
	}
	/*
	 * The time-wait socket copies the cookie when it is made, before the
	 * full socket closes: give it one while this one is being closed.
	 */
	if (newstate == TCP_FIN_WAIT1) {
		bpf_get_socket_cookie((struct sock *)sk);
		return 0;
	}
	/* Closed before the peer finished (no FIN from it yet): see tcp_tw_owners. */
	if ((oldstate == TCP_FIN_WAIT1 || oldstate == TCP_FIN_WAIT2) && newstate == TCP_CLOSE &&
	    !(sk->__sk_common.skc_flags &
	      (1ULL << bpf_core_enum_value(enum sock_flags, SOCK_DONE)))) {
		owner = ns_owner_get(sk);
		cookie = bpf_get_socket_cookie((struct sock *)sk);
		if (owner)
			bpf_map_update_elem(&tcp_tw_owners, &cookie, owner, BPF_ANY);
		return 0;
	}
	if (oldstate == TCP_LISTEN && newstate == TCP_CLOSE) {
		l = (ns_fallbacks & NS_FB_LISTEN_SEED) ? ns_listener_start(sk, NULL) :
							 ns_listener_get(sk);
		if (l && (overflows = ns_listener_overflows(sk, l)))
			tcp_listener_report(sk, l, overflows, ns_owner_get(sk));
		ns_listener_forget(sk);
		return 0;
	}
	/* A simultaneous open fails from SYN_RECV: on a socket no listener made. */
	if ((oldstate == TCP_SYN_SENT || oldstate == TCP_SYN_RECV) && newstate == TCP_CLOSE &&
	    (ns_cfg.flags & NS_CFG_SUMMARY)) {
		owner = ns_owner_get(sk);
		ns_sock_tuple(sk, &t);
		if (owner && !(owner->flags & NS_OWNER_PASSIVE) && ns_filter_pass(owner, &t) &&
		    !ns_cfg.events[NS_EVENT_TCP])
			tcp_count(&t, ns_sock_netns(sk), NS_TCP_DIR_ACTIVE, owner,
				  NS_TCPC_CONNECTS_FAILED, 1);
	}
	return 0;
}

static __always_inline bool tcp_in_rcv(__u64 location)
{
	for (int i = 0; i < TCP_RCV_RANGES; i++)
		if (location >= tcp_rcv_ranges[i][0] && location < tcp_rcv_ranges[i][1])
			return true;
	return false;
}

/*
 * The drops tcp_v4_rcv()/tcp_v6_rcv() count on a listener that are no
 * overflow (see lib/listener.bpf.h), except checksum errors, which they free
 * without counting.
 */
SEC("tp_btf/kfree_skb")
int BPF_PROG(tcp_kfree_skb, struct sk_buff *skb, void *location, enum skb_drop_reason reason,
	     struct sock *rx_sk)
{
	const struct skb_shared_info *shinfo;
	struct ns_listener *l;

	if (!rx_sk || rx_sk->__sk_common.skc_state != TCP_LISTEN || !tcp_in_rcv((__u64)location) ||
	    reason == bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_TCP_CSUM))
		return 0;
	l = (ns_fallbacks & NS_FB_LISTEN_SEED) ? ns_listener_start(rx_sk, NULL) :
						 ns_listener_get(rx_sk);
	if (!l)
		return 0;
	shinfo = ns_view(struct skb_shared_info, skb->head + skb->end);
	__sync_fetch_and_add(&l->paired, NS_RD(shinfo, gso_segs) ?: 1);
	return 0;
}

/* Run by user space: reports what each listener dropped since last time. */
SEC("iter/bpf_sk_storage_map")
int tcp_iter_listeners(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	struct sock *sk = ctx->sk;
	struct ns_listener *l;
	__u32 overflows;

	if (!sk)
		return 0;
	l = bpf_sk_storage_get(&tcp_listeners, sk, 0, 0);
	if (!l || sk->__sk_common.skc_state != TCP_LISTEN)
		return 0;
	/* Most listeners, most of the time, dropped nothing: look no further. */
	overflows = ns_listener_overflows(sk, l);
	if (overflows)
		tcp_listener_report(sk, l, overflows, ns_owner_get(sk));
	return 0;
}

static long tcp_poll_one(void *map, const __u64 *addr, struct ns_listener *l, void *ctx)
{
	const struct sock *s = ns_view(struct sock, *addr);
	__u32 overflows;

	/* The entry goes before its socket; check anyway that it is still that listener. */
	if (NS_RD(s, __sk_common.skc_state) != TCP_LISTEN ||
	    (__u64)NS_RD(s, __sk_common.skc_cookie.counter) != l->cookie)
		return 0;
	overflows = ns_listener_overflows(s, l);
	if (overflows) {
		ns_owner_rename(&l->owner);
		tcp_listener_report(s, l, overflows, &l->owner);
	}
	return 0;
}

/* The same, run by user space where map iterators are refused (NS_FB_LISTEN_LIST). */
SEC("raw_tp")
int tcp_poll_listeners(void *ctx)
{
	bpf_for_each_map_elem(&tcp_listen_list, tcp_poll_one, NULL, 0);
	return 0;
}

/* Start-up walk: listeners that existed before netsight. */
SEC("iter/tcp")
int tcp_iter_start(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcp_sock *tp;

	if (!skc || skc->skc_state != TCP_LISTEN)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (tp)
		ns_listener_start((struct sock *)tp, NULL);
	return 0;
}
