// SPDX-License-Identifier: GPL-2.0-only
/*
 * Records who owns each TCP socket (see lib/owner.bpf.h). Loaded for every
 * command, before the families that read ownership.
 *
 *  - connect() and listen(): the state change to SYN_SENT or LISTEN runs in
 *    the caller's context, so the current process is the owner;
 *  - a listener's child: storage cloned from the listener, marked provisional
 *    and passive, until a process claims it (lib/owner.bpf.h): the caller of
 *    accept() asking for the peer's address, or the first process that sends,
 *    receives or closes on it. The claim is also when the accept event is
 *    reported, if the connection family asks for them;
 *  - afterwards, each process that sends or receives data on a socket
 *    becomes its user (owner_io()), the opener staying as it was;
 *  - sockets open before start-up: owner_iter_tcp, fed by user space with the
 *    owner of every socket inode found under /proc.
 */
#include "lib/common.bpf.h"
#include "lib/owner.bpf.h"
#include "lib/conn_event.bpf.h"
#include "lib/latency.bpf.h"

#define NS_INODE_OWNERS_MAX 65536
#define NS_LISTENERS_MAX 16384

/* Filled by user space before the start-up iteration: socket inode -> owner. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NS_INODE_OWNERS_MAX);
	__type(key, __u64);
	__type(value, struct ns_owner);
} owner_inodes SEC(".maps");

/*
 * Listeners open before start-up, by port, with their owners: to tell the
 * sockets they accepted apart, and to give their children an owner where
 * the listener's own is only seeded (NS_FB_OWNER_SEED), not yet in its
 * storage for the child to inherit. Filled by the start-up walk.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NS_LISTENERS_MAX);
	__type(key, struct ns_listen_key);
	__type(value, struct ns_owner);
} owner_listeners SEC(".maps");

/*
 * A process uses TCP socket @sk (process context): claims a provisional
 * owner, and reports the accept of a passive one.
 */
static __always_inline void owner_used(const struct sock *sk)
{
	struct ns_conn_event *e;
	struct ns_owner *o = ns_owner_claim(sk);
	struct ns_tuple t;

	if (!o || !(o->flags & NS_OWNER_PASSIVE) || !(ns_cfg.flags & NS_CFG_ACCEPT_EVENTS))
		return;
	ns_owner_rename(o);
	ns_sock_tuple(sk, &t);
	/* conn_inet_sock_set_state assigned the cookie at SYN_RECV. */
	if (conn_counting())
		conn_count_row(sk, o, &t, NS_CONN_ACCEPT, 0);
	if (!conn_sending())
		return;
	e = conn_event_new(sk, o, &t,
			   NS_RD(ns_view(struct sock, sk), __sk_common.skc_cookie.counter),
			   NS_CONN_ACCEPT);
	if (e)
		ns_event_submit(e, sizeof(*e));
}

/* Whether @sk is a TCP socket whose owner may still be provisional. */
static __always_inline bool owner_unclaimed(const struct sock *sk)
{
	struct ns_owner *o;

	if (!sk || sk->sk_protocol != NS_IPPROTO_TCP || sk->sk_type != NS_SOCK_STREAM)
		return false;
	o = bpf_sk_storage_get(&ns_owners, (struct sock *)sk, 0, 0);
	if (o)
		return o->flags & NS_OWNER_PROVISIONAL;
	return ns_fallbacks & NS_FB_OWNER_SEED;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(owner_inet_sock_set_state, const struct sock *sk, int oldstate, int newstate)
{
	struct ns_owner *o;

	/*
	 * close(), shutdown() and the like on an established connection: the
	 * process using the socket (the only transitions an accepted socket
	 * nobody has claimed yet can take in process context).
	 */
	if ((oldstate == TCP_ESTABLISHED || oldstate == TCP_CLOSE_WAIT) &&
	    ns_sock_owned_by_user(sk) && owner_unclaimed(sk))
		owner_used(sk);
	if (newstate == TCP_SYN_SENT || newstate == TCP_LISTEN) {
		o = ns_owner_storage(sk, BPF_SK_STORAGE_GET_F_CREATE);
		if (o)
			ns_owner_from_current(o);
	}
	if (oldstate == TCP_LISTEN && newstate == TCP_SYN_RECV) {
		/* Softirq context: current is whoever ran, often the peer. */
		o = bpf_sk_storage_get(&ns_owners, (struct sock *)sk, 0, 0);
		if (!o) {
			/* Nothing inherited: the listener's owner, if it was only seeded. */
			struct ns_listen_key lkey = { .netns = ns_sock_netns(sk),
						      .port = sk->__sk_common.skc_num };
			struct ns_owner *seeded = bpf_map_lookup_elem(&owner_listeners, &lkey);

			o = ns_owner_storage(sk, BPF_SK_STORAGE_GET_F_CREATE);
			if (o && seeded)
				*o = *seeded;
		}
		if (o)
			o->flags |= NS_OWNER_PROVISIONAL | NS_OWNER_PASSIVE;
	}
	if ((ns_cfg.flags & NS_CFG_LATENCY) && sk->sk_protocol == NS_IPPROTO_TCP)
		ns_lat_on_state(sk, oldstate, newstate);
	return 0;
}

/*
 * A process sends (@send) or receives data on @sk (process context; @ret:
 * bytes, or negative when unknown): it claims a provisional owner, or
 * becomes the user of an owned one; with the latency family, its response
 * times and RTT are sampled here too (lib/latency.bpf.h). Every sendmsg()
 * and recvmsg() of every socket passes here, so the common case is a
 * protocol check, a storage lookup and a pid and cgroup compare; the owner
 * is written only when the user changes.
 */
static __always_inline void owner_io(const struct sock *sk, bool send, int ret)
{
	__u8 protocol = sk ? sk->sk_protocol : 0;
	struct ns_sock_state *st;
	struct task_struct *task;

	if (protocol != NS_IPPROTO_TCP && protocol != NS_IPPROTO_UDP)
		return;
	if (sk->sk_type != (protocol == NS_IPPROTO_TCP ? NS_SOCK_STREAM : NS_SOCK_DGRAM))
		return;
	st = bpf_sk_storage_get(&ns_owners, (struct sock *)sk, 0, 0);
	if (!st) {
		if (protocol == NS_IPPROTO_TCP && (ns_fallbacks & NS_FB_OWNER_SEED))
			owner_used(sk);
		return;
	}
	/*
	 * Another process, or the same one moved to another cgroup (a
	 * container's): a move gives the task another css_set, so comparing
	 * that pointer spares a cgroup id lookup on every call.
	 */
	task = bpf_get_current_task_btf();
	if (st->owner.flags & NS_OWNER_PROVISIONAL) {
		owner_used(sk);
	} else if (st->owner.pid != (__u32)task->tgid || st->user_css != (__u64)task->cgroups) {
		ns_owner_set_user(&st->owner);
		st->user_css = (__u64)task->cgroups;
	}
	if ((ns_cfg.flags & NS_CFG_LATENCY) && protocol == NS_IPPROTO_TCP)
		ns_lat_on_io(sk, st, send, ret);
}

/* Every sendmsg()/recvmsg() returns through these (net/socket.c, Linux 6.3+). */
SEC("tp_btf/sock_send_length")
int BPF_PROG(owner_sock_send_length, struct sock *sk, int ret, int flags)
{
	owner_io(sk, true, ret);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(owner_sock_recv_length, struct sock *sk, int ret, int flags)
{
	owner_io(sk, false, ret);
	return 0;
}

/*
 * Before Linux 6.3: tcp_rcv_space_adjust() runs each time received data is
 * copied to the process (tcp_recvmsg_locked(), under lock_sock()). Senders
 * that never receive keep the socket's previous user there, and response
 * times cannot be taken.
 */
SEC("?tp_btf/tcp_rcv_space_adjust")
int BPF_PROG(owner_tcp_rcv_space_adjust, struct sock *sk)
{
	if (ns_sock_owned_by_user(sk))
		owner_io(sk, false, -1);
	return 0;
}

/*
 * accept() with an address buffer reads the peer's address through
 * inet_getname(), which runs these hooks in the caller's context
 * (net/socket.c do_accept(), net/ipv4/af_inet.c inet_getname()): the caller
 * of accept() itself, before the socket can be handed on.
 */
static __always_inline int owner_peer_asked(struct bpf_sock_addr *ctx)
{
	struct bpf_sock *bsk = ctx->sk;
	struct tcp_sock *tp;

	if (!bsk || bsk->protocol != NS_IPPROTO_TCP)
		return 1;
	tp = bpf_skc_to_tcp_sock(bsk);
	if (tp && owner_unclaimed((struct sock *)tp))
		owner_used((struct sock *)tp);
	return 1;
}

SEC("cgroup/getpeername4")
int owner_getpeername4(struct bpf_sock_addr *ctx)
{
	return owner_peer_asked(ctx);
}

SEC("cgroup/getpeername6")
int owner_getpeername6(struct bpf_sock_addr *ctx)
{
	return owner_peer_asked(ctx);
}

/*
 * Every non-TCP inet socket gets an owner when it is created, in the
 * creator's context, so sockets that never connect (UDP) are attributed too.
 * A TCP socket carries traffic only once it connects or listens, which
 * records its owner then (or inherits one from its listener): storage
 * allocated here would only be written over. Attached at the cgroup v2 root.
 */
SEC("cgroup/sock_create")
int owner_sock_create(struct bpf_sock *ctx)
{
	struct ns_owner *o;

	if (ctx->protocol == NS_IPPROTO_TCP)
		return 1;
	o = bpf_sk_storage_get(&ns_owners, ctx, 0, BPF_SK_STORAGE_GET_F_CREATE);

	if (o)
		ns_owner_from_current(o);
	else
		ns_count_error(NS_ERR_OWNER_STORAGE);
	return 1;
}

/*
 * A process renamed, by exec() or prctl(PR_SET_NAME), keeps its sockets under
 * its new name (lib/owner.bpf.h). The tracepoint fires in __set_task_comm()
 * before the task's comm changes: the new name is the argument. A process's
 * name is its thread group leader's.
 */
SEC("tp_btf/task_rename")
int BPF_PROG(owner_task_rename, struct task_struct *task, const char *comm)
{
	__u32 pid = task->tgid, zero = 0, one = 1;
	struct ns_name name = {};

	if (task->pid != task->tgid)
		return 0;
	bpf_probe_read_kernel_str(name.comm, NS_COMM_LEN, comm);
	bpf_map_update_elem(&ns_renamed, &pid, &name, BPF_ANY);
	bpf_map_update_elem(&ns_exec_seen, &zero, &one, BPF_ANY);
	return 0;
}

/*
 * The last thread of a process is going: its sockets may still report (the
 * fds close after this tracepoint, orphans linger), so its name stays, marked
 * for the next process that gets the pid.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(owner_sched_process_exit, struct task_struct *p)
{
	__u32 pid = p->tgid;
	struct ns_name *name;

	if (p->signal->live.counter)
		return 0;
	name = bpf_map_lookup_elem(&ns_renamed, &pid);
	if (name)
		name->exited = 1;
	return 0;
}

/*
 * A socket already closed by the peer is destroyed by the close() of the
 * process using it, which claims it last here (tcp_close() under lock_sock()).
 */
SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(owner_tcp_destroy_sock, struct sock *sk)
{
	if (ns_sock_owned_by_user(sk) && owner_unclaimed(sk))
		owner_used(sk);
	return 0;
}

/*
 * The start-up walk runs these once per network namespace (iterators walk
 * the namespace of the process that opens them); TCP listeners come before
 * established sockets. Sockets that already have an owner were seen live and
 * are left alone. A TCP socket no process holds may still be accept()ed, so
 * its owner stays provisional.
 */
static __always_inline void owner_adopt(struct sock *sk, bool tcp)
{
	struct ns_listen_key lkey = {};
	struct ns_owner *known, *o;
	__u64 ino;

	lkey.netns = sk->__sk_common.skc_net.net->ns.inum;
	lkey.port = sk->__sk_common.skc_num;
	if (bpf_sk_storage_get(&ns_owners, sk, 0, 0)) {
		if (tcp && sk->__sk_common.skc_state == TCP_LISTEN)
			bpf_map_update_elem(&owner_listeners, &lkey, &(struct ns_owner){},
					    BPF_NOEXIST);
		return;
	}
	o = ns_owner_storage(sk, BPF_SK_STORAGE_GET_F_CREATE);
	if (!o)
		return;
	ino = sk->sk_socket ? sk->sk_socket->file->f_inode->i_ino : 0;
	known = ino ? bpf_map_lookup_elem(&owner_inodes, &ino) : NULL;
	if (known)
		*o = *known;
	else if (tcp)
		o->flags = NS_OWNER_PROVISIONAL;
	if (tcp && sk->__sk_common.skc_state == TCP_LISTEN)
		bpf_map_update_elem(&owner_listeners, &lkey, o, BPF_ANY);
	if (tcp && sk->__sk_common.skc_state != TCP_LISTEN &&
	    bpf_map_lookup_elem(&owner_listeners, &lkey))
		o->flags |= NS_OWNER_PASSIVE;
}

SEC("iter/tcp")
int owner_iter_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcp_sock *tp;

	if (!skc)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (tp) /* request and time-wait sockets have no owner */
		owner_adopt((struct sock *)tp, true);
	return 0;
}

SEC("iter/udp")
int owner_iter_udp(struct bpf_iter__udp *ctx)
{
	struct udp_sock *up = ctx->udp_sk;

	if (up)
		owner_adopt((struct sock *)up, false);
	return 0;
}
