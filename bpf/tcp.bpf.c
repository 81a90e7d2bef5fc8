// SPDX-License-Identifier: GPL-2.0-only
/*
 * TCP health: retransmissions, resets and listen-queue overflows, attributed
 * to the owner of the socket concerned.
 *
 * Listen overflows: a SYN dropped because the accept queue is full is freed
 * without a drop reason and fires no tracepoint, but every listen drop
 * (SYN or ACK stage) increments the listener's sk_drops, exactly as the
 * namespace's ListenDrops counter. tcp_listeners keeps, per listener, the
 * value last reported; tcp_iter_listeners (run by user space about every
 * 100 ms) and the listener's close report what has been added since.
 *
 * With NS_CFG_SUMMARY, everything is counted in tcp_summary per remote
 * endpoint (for overflows: the listening endpoint) and owning process.
 */
#include "lib/common.bpf.h"
#include "lib/owner.bpf.h"
#include "lib/packet.bpf.h"
#include "lib/filter.bpf.h"
#include <netsight/tcp.h>

#define TCP_SUMMARY_MAX 16384

struct tcp_listener {
	__u32 drops; /* sk_drops when last reported */
	__u32 pad;
};

/* Not BPF_F_CLONE: children of a listener are not listeners. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tcp_listener);
} tcp_listeners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, TCP_SUMMARY_MAX);
	__type(key, struct ns_tcp_key);
	__type(value, struct ns_tcp_counts);
} tcp_summary SEC(".maps");

static __always_inline void tcp_count(const __u8 *addr, __u16 port, __u16 family,
				      const struct ns_owner *owner, enum ns_tcp_counter counter,
				      __u64 n)
{
	struct ns_tcp_key key = { .rport = port, .family = family, .pid = owner->pid };
	struct ns_tcp_counts first = { .owner = *owner };
	struct ns_tcp_counts *c;

	if (counter >= NS_TCPC_MAX)
		return;
	__builtin_memcpy(key.raddr, addr, NS_ADDR_LEN);
	c = ns_map_lookup_or_init(&tcp_summary, &key, &first);
	if (c)
		c->counters[counter] += n;
}

/*
 * Sends @ev (all but its header filled), or in summary mode counts it under
 * its remote endpoint, or its local one when @by_local (a listener).
 */
static __always_inline void tcp_report(const struct ns_tcp_event *ev, enum ns_tcp_counter counter,
				       bool by_local, __u64 cookie)
{
	const struct ns_tuple *t = &ev->tuple;
	struct ns_tcp_event *e;

	if (!ns_filter_pass(&ev->owner, t))
		return;
	if (ns_cfg.flags & NS_CFG_SUMMARY) {
		tcp_count(by_local ? t->laddr : t->raddr, by_local ? t->lport : t->rport, t->family,
			  &ev->owner, counter, ev->count ? ev->count : 1);
		return;
	}
	e = ns_event_reserve(sizeof(*e), NS_EVENT_TCP, cookie);
	if (!e)
		return;
	__builtin_memcpy((void *)e + sizeof(e->hdr), (const void *)ev + sizeof(ev->hdr),
			 sizeof(*e) - sizeof(e->hdr));
	ns_event_submit(e, sizeof(*e));
}

/* An event about @sk with its owner (zero if unknown) and state. */
static __always_inline void tcp_event_init(struct ns_tcp_event *ev, enum ns_tcp_action action,
					   const void *sk)
{
	const struct ns_owner *owner = sk ? ns_owner_get(sk) : NULL;

	__builtin_memset(ev, 0, sizeof(*ev));
	ev->action = action;
	if (owner)
		ev->owner = *owner;
	if (sk) {
		ev->state = ns_view(struct sock, sk)->__sk_common.skc_state;
		ev->flags |= NS_TCP_HAS_STATE;
	}
}

/* Listen drops since the last report: the per-NUMA counters when the socket has them. */
static __always_inline __u32 tcp_listener_drops(const void *sk)
{
	const struct sock *s = ns_view(struct sock, sk);

	if (bpf_core_field_exists(s->sk_drop_counters) && s->sk_drop_counters)
		return s->sk_drop_counters->drops0.counter + s->sk_drop_counters->drops1.counter;
	return s->sk_drops.counter;
}

static __always_inline void tcp_listener_check(const struct sock *sk, struct tcp_listener *l)
{
	const struct sock *s = ns_view(struct sock, sk);
	__u32 drops = tcp_listener_drops(sk);
	struct ns_tcp_event ev;

	if (drops == l->drops)
		return;
	tcp_event_init(&ev, NS_TCP_LISTEN_OVERFLOW, sk);
	ev.count = drops - l->drops;
	l->drops = drops;
	ns_sock_tuple(sk, &ev.tuple);
	ev.backlog = s->sk_max_ack_backlog;
	ev.queue = s->sk_ack_backlog;
	tcp_report(&ev, NS_TCPC_LISTEN_OVERFLOWS, true, 0);
}

static __always_inline void tcp_listener_watch(const struct sock *sk)
{
	struct tcp_listener *l;

	l = bpf_sk_storage_get(&tcp_listeners, (struct sock *)sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (l)
		l->drops = tcp_listener_drops(sk);
	else
		ns_count_error(NS_ERR_LISTENER_STORAGE);
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit_skb, const struct sock *sk, const struct sk_buff *skb, int err)
{
	const struct sk_buff *b = ns_view(struct sk_buff, skb);
	const struct skb_shared_info *shinfo;
	struct ns_tcp_event ev;

	tcp_event_init(&ev, NS_TCP_RETRANSMIT, sk);
	ns_sock_tuple(sk, &ev.tuple);
	/* One skb may carry several segments (TSO); RetransSegs counts segments. */
	shinfo = ns_view(struct skb_shared_info, b->head + b->end);
	ev.count = shinfo->gso_segs ? shinfo->gso_segs : 1;
	ev.error = -err;
	tcp_report(&ev, NS_TCPC_RETRANSMITS, false, bpf_get_socket_cookie((struct sock *)sk));
	return 0;
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(tcp_retransmit_synack, const struct sock *sk, const struct request_sock *req)
{
	struct ns_tcp_event ev;

	tcp_event_init(&ev, NS_TCP_SYNACK_RETRANSMIT, sk);
	ns_reqsk_tuple(req, &ev.tuple);
	ev.state = ns_view(struct request_sock, req)->__req_common.skc_state;
	ev.count = 1;
	tcp_report(&ev, NS_TCPC_SYNACK_RETRANSMITS, false, 0);
	return 0;
}

/*
 * sk is NULL for a reset answering a segment that matched no socket, and may
 * be a time-wait or request socket; skb is NULL for an active reset.
 */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tcp_send_reset, const struct sock *sk, const struct sk_buff *skb, int reason)
{
	struct ns_tcp_event ev;

	tcp_event_init(&ev, NS_TCP_RESET_SENT, sk);
	if (skb) {
		ns_skb_tuple(skb, &ev.tuple);
		ns_tuple_reverse(&ev.tuple); /* the reset goes back where the segment came from */
	} else if (sk) {
		ns_sock_tuple(sk, &ev.tuple);
	}
	ev.rst_reason = reason;
	ev.flags |= NS_TCP_HAS_RST_REASON;
	tcp_report(&ev, NS_TCPC_RESETS_SENT, false, 0);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tcp_receive_reset, struct sock *sk)
{
	struct ns_tcp_event ev;

	tcp_event_init(&ev, NS_TCP_RESET_RECEIVED, sk);
	ns_sock_tuple(sk, &ev.tuple);
	tcp_report(&ev, NS_TCPC_RESETS_RECEIVED, false, bpf_get_socket_cookie(sk));
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcp_inet_sock_set_state, const struct sock *sk, int oldstate, int newstate)
{
	struct tcp_listener *l;
	struct ns_owner *owner;
	struct ns_tuple t;

	if (newstate == TCP_LISTEN) {
		tcp_listener_watch(sk);
		return 0;
	}
	if (oldstate == TCP_LISTEN && newstate == TCP_CLOSE) {
		l = bpf_sk_storage_get(&tcp_listeners, (struct sock *)sk, 0, 0);
		if (l)
			tcp_listener_check(sk, l);
		return 0;
	}
	if (oldstate == TCP_SYN_SENT && newstate == TCP_CLOSE && (ns_cfg.flags & NS_CFG_SUMMARY)) {
		owner = ns_owner_get(sk);
		ns_sock_tuple(sk, &t);
		if (owner && ns_filter_pass(owner, &t))
			tcp_count(t.raddr, t.rport, t.family, owner, NS_TCPC_CONNECTS_FAILED, 1);
	}
	return 0;
}

/* Run by user space: reports what each listener dropped since last time. */
SEC("iter/bpf_sk_storage_map")
int tcp_iter_listeners(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	struct sock *sk = ctx->sk;
	struct tcp_listener *l;

	if (!sk)
		return 0;
	l = bpf_sk_storage_get(&tcp_listeners, sk, 0, 0);
	if (l && sk->__sk_common.skc_state == TCP_LISTEN)
		tcp_listener_check(sk, l);
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
	if (tp && !bpf_sk_storage_get(&tcp_listeners, (struct sock *)tp, 0, 0))
		tcp_listener_watch((struct sock *)tp);
	return 0;
}
