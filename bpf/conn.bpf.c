// SPDX-License-Identifier: GPL-2.0-only
/*
 * Connection lifecycle: connect, accept, connect_failed and close events.
 *
 * A connection's own state (start time, resets seen, the close snapshot) lives
 * in socket storage. A close is reported once its reason is known. When the
 * kernel aborts a connection it moves it to TCP_CLOSE *before* sending the RST
 * (__tcp_close, tcp_disconnect), so a close with no reason yet is snapshotted
 * (tcp_disconnect zeroes the addresses right after) and reported by the
 * following tcp_send_reset, or at tcp_destroy_sock at the latest. An accepted
 * socket whose accept() has not been seen yet is also held until destroy, so
 * it is reported with the process that accepted it. Closes still held when
 * tracing stops are reported by conn_iter_pending; where the kernel refuses
 * that iterator, a held close is also kept, ready to report, in conn_held
 * (NS_FB_CONN_HELD), which user space reads at exit.
 */
#include "lib/common.bpf.h"
#include "lib/owner.bpf.h"
#include "lib/sock.bpf.h"
#include "lib/filter.bpf.h"
#include "lib/conn_event.bpf.h"

#define NS_ECONNREFUSED 111
#define NS_ECONNRESET 104
#define NS_ECONNABORTED 103
#define NS_EADDRNOTAVAIL 99
#define NS_EPIPE 32
#define NS_RCV_SHUTDOWN 1
#define CONN_HELD_MAX 65536

enum conn_state_flag {
	CONN_RST_SENT = 1U << 0,
	CONN_RST_RECEIVED = 1U << 1,
	CONN_CLOSED = 1U << 2, /* snapshot taken */
	CONN_REPORTED = 1U << 3,
	CONN_PREEXISTING = 1U << 4,
	/*
	 * tcp_reset() ran in FIN_WAIT after our shutdown: either the peer's RST,
	 * or data arriving that the kernel answers with a RST of its own (and
	 * reports through the same tracepoint). The next tcp_send_reset decides.
	 */
	CONN_RST_AMBIGUOUS = 1U << 5,
	CONN_RST_FLAGS = CONN_RST_SENT | CONN_RST_RECEIVED | CONN_RST_AMBIGUOUS,
	/* This host opened it (SYN_SENT), whichever way the handshake went on. */
	CONN_ACTIVE = 1U << 6,
	/* The state is this family's (a socket's state may have been made by another). */
	CONN_TRACKED = 1U << 7,
};

/*
 * The connection's state is the conn part of the socket's netsight state
 * (lib/owner.bpf.h): one storage entry per socket for every family.
 */
#define conn_state ns_conn_state

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, CONN_HELD_MAX);
	__type(key, __u64);
	__type(value, struct ns_conn_held);
} conn_held SEC(".maps");

/* @sk's state, made if it has none, with the conn part reset. */
static __always_inline struct conn_state *conn_state_new(const struct sock *sk)
{
	struct ns_sock_state *s = (struct ns_sock_state *)ns_owner_find(sk);

	if (!s)
		s = bpf_sk_storage_get(&ns_owners, (struct sock *)sk, 0,
				       BPF_SK_STORAGE_GET_F_CREATE);
	if (!s) {
		ns_count_error(NS_ERR_CONN_STORAGE);
		return NULL;
	}
	__builtin_memset(&s->conn, 0, sizeof(s->conn));
	s->conn.flags = CONN_TRACKED;
	return &s->conn;
}

/* @sk's connection state, if this family has seen it start or end. */
static __always_inline struct conn_state *conn_state_of(struct ns_sock_state *s)
{
	return s && (s->conn.flags & CONN_TRACKED) ? &s->conn : NULL;
}

static __always_inline struct conn_state *conn_state_get(const struct sock *sk)
{
	return conn_state_of(bpf_sk_storage_get(&ns_owners, (struct sock *)sk, 0, 0));
}

static __always_inline void conn_read_stats(const struct sock *sk, struct ns_conn_stats *s)
{
	const struct tcp_sock *tp = ns_view(struct tcp_sock, sk);
	__u64 done = 1ULL << bpf_core_enum_value(enum sock_flags, SOCK_DONE);

	s->bytes_sent = NS_RD(tp, bytes_sent) - NS_RD(tp, bytes_retrans);
	/* bytes_received counts the peer's FIN; tcp_fin() sets SOCK_DONE with it. */
	s->bytes_received = NS_RD(tp, bytes_received);
	if (s->bytes_received && (sk->__sk_common.skc_flags & done))
		s->bytes_received--;
	s->srtt_us = NS_RD(tp, srtt_us) >> 3;
	s->retransmits = NS_RD(tp, total_retrans);
}

static __always_inline bool conn_state_is_fin(__u8 state)
{
	return state == TCP_FIN_WAIT1 || state == TCP_FIN_WAIT2 || state == TCP_CLOSING ||
	       state == TCP_LAST_ACK || state == TCP_TIME_WAIT;
}

/* NS_CLOSE_UNKNOWN: an RST is probably on its way; wait for it (until @final). */
static __always_inline enum ns_close_reason conn_close_reason(const struct conn_state *st,
							      bool final)
{
	if (st->flags & CONN_RST_RECEIVED)
		return NS_CLOSE_RST_RECEIVED;
	if (st->flags & CONN_RST_SENT)
		return NS_CLOSE_RST_SENT;
	if (st->flags & CONN_RST_AMBIGUOUS)
		return final ? NS_CLOSE_RST_RECEIVED : NS_CLOSE_UNKNOWN;
	if (st->error == NS_ECONNRESET || st->error == NS_EPIPE)
		return NS_CLOSE_RST_RECEIVED;
	if (st->error)
		return NS_CLOSE_OTHER;
	/*
	 * Leaving a closing state ends a graceful close, but also starts an
	 * abort: __tcp_close() (unread data) and tcp_disconnect() (SO_LINGER 0)
	 * move the socket to TCP_CLOSE first and send the RST after. It was a
	 * FIN if the socket is destroyed without one.
	 */
	if (conn_state_is_fin(st->oldstate))
		return final ? NS_CLOSE_FIN : NS_CLOSE_UNKNOWN;
	return NS_CLOSE_UNKNOWN;
}

/* The close in @st as an event, for @owner, ended by @reason. */
static __always_inline void conn_close_fill(struct ns_conn_event *e, const struct conn_state *st,
					    enum ns_close_reason reason)
{
	e->hdr.ts_ns = st->close_ns;
	e->stats = st->stats;
	e->start_ns = st->start_ns;
	e->error = st->error;
	e->close_reason = reason == NS_CLOSE_UNKNOWN ? NS_CLOSE_OTHER : reason;
	if (st->flags & CONN_PREEXISTING)
		e->flags |= NS_CONN_PREEXISTING;
}

/*
 * Keeps the close held back in @st in conn_held, as it would be reported
 * now. The filters see the owner known now: a pending accept() that names
 * another process is folded in by user space, unfiltered.
 */
static __always_inline void conn_hold(const struct sock *sk, const struct conn_state *st,
				      const struct ns_owner *owner)
{
	struct ns_conn_held held;
	__u64 key = (__u64)sk;

	if (!conn_sending() || !ns_filter_event(NS_EVENT_CONN, NS_CONN_CLOSE) ||
	    !ns_filter_pass(owner, &st->tuple))
		return;
	conn_event_init(&held.event, owner, &st->tuple, NS_CONN_CLOSE);
	held.event.hdr.cookie = bpf_get_socket_cookie((struct sock *)sk);
	held.event.hdr.type = NS_EVENT_CONN;
	held.event.hdr.size = sizeof(held.event);
	held.event.hdr.netns = ns_sock_netns(sk);
	conn_close_fill(&held.event, st, conn_close_reason(st, true));
	held.sk = key;
	bpf_map_update_elem(&conn_held, &key, &held, BPF_ANY);
}

/* Counts the close snapshotted in @st, of @owner's connection. */
static __always_inline void conn_count_close(const struct sock *sk, const struct ns_owner *owner,
					     const struct conn_state *st)
{
	struct ns_conn_counts *c = conn_count_row(sk, owner, &st->tuple, NS_CONN_CLOSE, 0);

	if (!c)
		return;
	__sync_fetch_and_add(&c->bytes_sent, st->stats.bytes_sent);
	__sync_fetch_and_add(&c->bytes_received, st->stats.bytes_received);
	if (st->flags & CONN_PREEXISTING)
		__sync_fetch_and_add(&c->preexisting, 1);
}

/*
 * Reports the close snapshotted in @st if its reason and owner are known, or
 * unconditionally when @final (the socket is being destroyed).
 */
static __always_inline void conn_report_close(const struct sock *sk, struct conn_state *st,
					      bool final)
{
	enum ns_close_reason reason;
	struct ns_conn_event *e;
	struct ns_owner *owner;
	__u64 key = (__u64)sk;

	if (!(st->flags & CONN_CLOSED) || (st->flags & CONN_REPORTED))
		return;
	reason = conn_close_reason(st, final);
	owner = ns_owner_get(sk);
	if (!final &&
	    (reason == NS_CLOSE_UNKNOWN || !owner || (owner->flags & NS_OWNER_PROVISIONAL))) {
		if (ns_fallbacks & NS_FB_CONN_HELD)
			conn_hold(sk, st, owner);
		return;
	}
	st->flags |= CONN_REPORTED;
	if (ns_fallbacks & NS_FB_CONN_HELD)
		bpf_map_delete_elem(&conn_held, &key);
	if (conn_counting())
		conn_count_close(sk, owner, st);
	if (!conn_sending())
		return;
	e = conn_event_new(sk, owner, &st->tuple, bpf_get_socket_cookie((struct sock *)sk),
			   NS_CONN_CLOSE);
	if (!e)
		return;
	conn_close_fill(e, st, reason);
	ns_event_submit(e, sizeof(*e));
}

static __always_inline void conn_on_connect_failed(const struct sock *sk, struct conn_state *st,
						   __s32 error)
{
	struct ns_conn_event *e;
	struct ns_tuple t;

	st->flags |= CONN_CLOSED | CONN_REPORTED;
	ns_sock_tuple(sk, &t);
	/*
	 * An ICMP error that arrives while connect() holds the socket is kept
	 * as a soft error (tcp_v4_err(), tcp_v6_err()), which
	 * getsockopt(SO_ERROR) returns and clears: the error the application
	 * saw is the soft error, or what it read before closing.
	 */
	if (!error)
		error = NS_RD(ns_view(struct sock, sk), sk_err_soft);
	if (!error)
		error = st->app_error;
	/*
	 * Still none: a RST, no local port to be had (connect() returns
	 * EADDRNOTAVAIL), or closed by its process while connecting.
	 */
	if (!error && (st->flags & CONN_RST_RECEIVED))
		error = NS_ECONNREFUSED;
	else if (!error && !t.lport)
		error = NS_EADDRNOTAVAIL;
	else if (!error)
		error = NS_ECONNABORTED;
	if (conn_counting())
		conn_count_row(sk, ns_owner_get(sk), &t, NS_CONN_CONNECT_FAILED, error);
	if (!conn_sending())
		return;
	e = conn_event_new(sk, ns_owner_get(sk), &t, bpf_get_socket_cookie((struct sock *)sk),
			   NS_CONN_CONNECT_FAILED);
	if (!e)
		return;
	e->start_ns = st->start_ns;
	e->error = error;
	ns_event_submit(e, sizeof(*e));
}

static __always_inline void conn_on_close(const struct sock *sk, int oldstate)
{
	struct conn_state *st = conn_state_get(sk);
	__s32 error = sk->sk_err;

	if (!st) {
		st = conn_state_new(sk);
		if (!st)
			return;
		st->flags |= CONN_PREEXISTING;
	}
	if (st->flags & CONN_CLOSED)
		return;
	/* Simultaneous open (and a connect to itself) goes SYN_SENT, SYN_RECV, ... */
	if (oldstate == TCP_SYN_SENT || (oldstate == TCP_SYN_RECV && (st->flags & CONN_ACTIVE))) {
		conn_on_connect_failed(sk, st, error);
		return;
	}
	st->flags |= CONN_CLOSED;
	if (conn_sending())
		st->close_ns = bpf_ktime_get_boot_ns();
	st->error = error;
	st->oldstate = oldstate;
	ns_sock_tuple(sk, &st->tuple);
	conn_read_stats(sk, &st->stats);
	conn_report_close(sk, st, false);
}

/* @st: the connection's state, NULL if it started before netsight. */
static __always_inline void conn_on_connected(const struct sock *sk, const struct conn_state *st)
{
	struct ns_conn_counts *c;
	struct ns_conn_event *e;
	struct ns_tuple t;

	ns_sock_tuple(sk, &t);
	if (conn_counting()) {
		c = conn_count_row(sk, ns_owner_get(sk), &t, NS_CONN_CONNECT, 0);
		if (c && st)
			ns_hist_add(&c->connect, bpf_ktime_get_boot_ns() - st->start_ns, 1);
	}
	if (!conn_sending())
		return;
	e = conn_event_new(sk, ns_owner_get(sk), &t, bpf_get_socket_cookie((struct sock *)sk),
			   NS_CONN_CONNECT);
	if (!e)
		return;
	if (st) {
		e->start_ns = st->start_ns;
		e->connect_latency_ns = e->hdr.ts_ns - st->start_ns;
	}
	ns_event_submit(e, sizeof(*e));
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(conn_inet_sock_set_state, const struct sock *sk, int oldstate, int newstate)
{
	struct conn_state *st;

	if (sk->sk_protocol != NS_IPPROTO_TCP)
		return 0;
	switch (newstate) {
	case TCP_SYN_SENT:
		st = conn_state_new(sk);
		if (st) {
			st->start_ns = bpf_ktime_get_boot_ns();
			st->flags |= CONN_ACTIVE;
		}
		break;
	case TCP_SYN_RECV:
		if (oldstate != TCP_LISTEN)
			break;
		st = conn_state_new(sk);
		/* Counted only: nothing needs the start of an accepted connection, or its cookie. */
		if (!conn_sending())
			break;
		if (st)
			st->start_ns = bpf_ktime_get_boot_ns();
		/* Assign the cookie now: accept() can only read it, not create it. */
		bpf_get_socket_cookie((struct sock *)sk);
		break;
	case TCP_ESTABLISHED:
		/* Resets during the handshake (a bad SYN-ACK) do not end the connection. */
		st = conn_state_get(sk);
		if (st)
			st->flags &= ~CONN_RST_FLAGS;
		if (oldstate == TCP_SYN_SENT ||
		    (oldstate == TCP_SYN_RECV && st && (st->flags & CONN_ACTIVE)))
			conn_on_connected(sk, st);
		break;
	case TCP_CLOSE:
		if (oldstate != TCP_LISTEN)
			conn_on_close(sk, oldstate);
		break;
	}
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(conn_tcp_receive_reset, struct sock *sk)
{
	struct conn_state *st = conn_state_get(sk);
	__u8 state = sk->__sk_common.skc_state;

	if (!st)
		return 0;
	if ((state == TCP_FIN_WAIT1 || state == TCP_FIN_WAIT2) &&
	    (sk->sk_shutdown & NS_RCV_SHUTDOWN))
		st->flags |= CONN_RST_AMBIGUOUS;
	else
		st->flags |= CONN_RST_RECEIVED;
	return 0;
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(conn_tcp_send_reset, const struct sock *sk, const struct sk_buff *skb)
{
	struct conn_state *st;

	if (!sk)
		return 0; /* reset for a packet that matched no socket */
	st = conn_state_get(sk);
	if (!st)
		return 0;
	st->flags |= CONN_RST_SENT;
	conn_report_close(sk, st, false);
	return 0;
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(conn_tcp_destroy_sock, struct sock *sk)
{
	struct conn_state *st = conn_state_get(sk);

	if (st)
		conn_report_close(sk, st, true);
	return 0;
}

/* Run when tracing stops: reports the closes still waiting for a reason or an owner. */
SEC("iter/bpf_sk_storage_map")
int conn_iter_pending(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	struct sock *sk = ctx->sk;
	struct conn_state *st;

	if (!sk)
		return 0;
	st = conn_state_of(ctx->value);
	if (st)
		conn_report_close(sk, st, true);
	return 0;
}

#define NS_SOL_SOCKET 1
#define NS_SO_ERROR 4

/*
 * The error a connecting application reads with getsockopt(SO_ERROR), as
 * non-blocking connects do (Go, curl, Python with a timeout): it may be a
 * soft error the read clears, so the close that follows shows none.
 */
SEC("cgroup/getsockopt")
int conn_getsockopt(struct bpf_sockopt *ctx)
{
	struct bpf_sock *sk = ctx->sk;
	int *val = ctx->optval;
	struct conn_state *st;

	if (ctx->level != NS_SOL_SOCKET || ctx->optname != NS_SO_ERROR || !sk ||
	    (void *)(val + 1) > ctx->optval_end || *val <= 0)
		return 1;
	if (sk->protocol != NS_IPPROTO_TCP || sk->state != BPF_TCP_SYN_SENT)
		return 1;
	st = conn_state_of(bpf_sk_storage_get(&ns_owners, sk, 0, 0));
	if (st)
		st->app_error = *val;
	return 1;
}
