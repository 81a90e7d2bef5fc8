/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Socket ownership: which process a socket belongs to, recorded when that is
 * knowable in process context and read by every family from any context.
 *
 * A socket has two processes: its opener, the caller of connect() or
 * accept(), and its user, the process that most recently sent or received
 * data on it. They differ when a socket is handed on (accept-then-fork
 * servers, connection pools, SCM_RIGHTS, socket activation); events after
 * connect and accept name the user (owner_io() in bpf/owner.bpf.c).
 *
 * ns_owners is socket-local storage, so the kernel frees an entry with its
 * socket and nothing can leak. BPF_F_CLONE copies a listener's entry into each
 * child it creates: an accepted socket starts out owned by the listener's
 * process, marked provisional, until a process claims it (ns_owner_claim):
 * the caller of accept() where it asks for the peer's address (the
 * getpeername hooks), otherwise the first process that sends or receives on
 * it or closes it. No per-syscall tracepoint is involved: enabling one puts
 * every thread of the host on the slow system call path.
 *
 * Sockets open before start-up get their owner from the start-up walk
 * (owner_iter_tcp). Where the kernel refuses that iterator, user space finds
 * them through sock_diag instead and leaves their owners in ns_owner_seed,
 * keyed by socket cookie (NS_FB_OWNER_SEED); the first lookup moves an entry
 * into the socket's storage.
 *
 * A process that exec()s (or renames itself) keeps its pid and its sockets
 * but changes its name: ns_renamed has the latest name of each process
 * renamed since start-up, and every lookup takes it from there. Its sockets
 * can outlive it (closed by exit(), or lingering in FIN_WAIT), so the entry
 * stays when the process exits, marked, until its pid names a new owner.
 */
#ifndef NETSIGHT_OWNER_BPF_H
#define NETSIGHT_OWNER_BPF_H

#include "common.bpf.h"
#include "filter.bpf.h"
#include "sock.bpf.h"
#include <netsight/conn.h>

#define NS_OWNER_SEED_MAX 65536
/* Preallocated (LRU): about 100 bytes each. */
#define NS_RENAMED_MAX 4096

/*
 * What netsight keeps on each socket: its owner, for the latency family
 * where its connect and its requests stand (lib/latency.bpf.h), and the
 * connection family's state. One entry, so the programs that run on every
 * send, receive and state change look up one, and a socket costs one
 * allocation.
 */
/* The connection family's part (bpf/conn.bpf.c): zero until that family starts on it. */
struct ns_conn_state {
	__u64 start_ns;
	__u64 close_ns;
	struct ns_tuple tuple;
	struct ns_conn_stats stats;
	__s32 error;
	/* While connecting: the error the application read with getsockopt(SO_ERROR). */
	__s32 app_error;
	__u16 flags; /* bpf/conn.bpf.c's enum conn_state_flag */
	__u8 oldstate; /* state left for TCP_CLOSE */
	__u8 pad[5];
};

struct ns_sock_state {
	struct ns_owner owner; /* first: a state is also its owner */
	__u64 user_css; /* the user's css_set when last seen (owner_io()) */
	__u64 lat_syn_ns; /* SYN sent */
	__u64 lat_sent_ns; /* last send() with no data received since; 0: none */
	__u64 lat_next_ns; /* no fast response is timed before this */
	__u64 lat_fast_ns; /* the last fast response not timed */
	__u64 lat_rtt_next_ns; /* no RTT sample before this */
	__u32 lat_untimed; /* fast responses since the last timed one, not timed */
	__u32 lat_flags; /* enum ns_lat_sock_flag */
	struct ns_conn_state conn;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct ns_sock_state);
} ns_owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NS_OWNER_SEED_MAX);
	__type(key, __u64); /* socket cookie */
	__type(value, struct ns_owner);
} ns_owner_seed SEC(".maps");

struct ns_name {
	char comm[NS_COMM_LEN];
	__u32 exited; /* the process is gone; its pid may be given out again */
};

/* pid -> its name since it was last renamed. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NS_RENAMED_MAX);
	__type(key, __u32);
	__type(value, struct ns_name);
} ns_renamed SEC(".maps");

/* [0]: non-zero once any process was renamed, so lookups skip ns_renamed until then. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} ns_exec_seen SEC(".maps");

/* The current process, as a socket owner. pid is the thread group id. */
/* Forgets the name of the exited process whose pid the current one now has. */
static __always_inline void ns_renamed_reused(__u32 pid)
{
	__u32 zero = 0, *seen = bpf_map_lookup_elem(&ns_exec_seen, &zero);
	struct ns_name *old;

	if (!seen || !*seen)
		return;
	old = bpf_map_lookup_elem(&ns_renamed, &pid);
	if (old && old->exited)
		bpf_map_delete_elem(&ns_renamed, &pid);
}

/*
 * The current process becomes @o's user: pid, name, cgroup and the cgroup
 * filter's verdict. The other flags and the opener stay.
 */
static __always_inline void ns_owner_set_user(struct ns_owner *o)
{
	const struct task_struct *task = ns_view(struct task_struct, bpf_get_current_task());

	o->pid = bpf_get_current_pid_tgid() >> 32;
	ns_renamed_reused(o->pid);
	o->cgroup_id = bpf_get_current_cgroup_id();
	o->flags &= ~NS_OWNER_IN_CGROUP;
	/* The process's name, as ps shows it: the thread group leader's. */
	NS_RD_INTO(&o->comm, task, group_leader, comm);
	if (ns_current_in_cgroups())
		o->flags |= NS_OWNER_IN_CGROUP;
}

/* The current process opens a socket: it is @o's user and its opener. */
static __always_inline void ns_owner_from_current(struct ns_owner *o)
{
	o->flags = 0;
	ns_owner_set_user(o);
	o->opener_pid = o->pid;
	o->pad = 0;
	__builtin_memcpy(o->opener_comm, o->comm, NS_COMM_LEN);
}

static __always_inline struct ns_owner *ns_owner_storage(const struct sock *sk, __u64 flags)
{
	struct ns_owner *o = bpf_sk_storage_get(&ns_owners, (struct sock *)sk, 0, flags);

	if (!o && flags)
		ns_count_error(NS_ERR_OWNER_STORAGE);
	return o;
}

/* The names of the owner's user and opener, as they are now if renamed since. */
static __always_inline void ns_owner_rename(struct ns_owner *o)
{
	__u32 zero = 0, *seen = bpf_map_lookup_elem(&ns_exec_seen, &zero);
	struct ns_name *name;

	if (!seen || !*seen || !o->pid)
		return;
	name = bpf_map_lookup_elem(&ns_renamed, &o->pid);
	if (name)
		__builtin_memcpy(o->comm, name->comm, NS_COMM_LEN);
	if (!o->opener_pid || o->opener_pid == o->pid)
		return;
	name = bpf_map_lookup_elem(&ns_renamed, &o->opener_pid);
	if (name)
		__builtin_memcpy(o->opener_comm, name->comm, NS_COMM_LEN);
}

static __always_inline struct ns_owner *ns_owner_find(const struct sock *sk)
{
	struct ns_owner *o = ns_owner_storage(sk, 0), *seed;
	__u64 cookie;

	if (o || !(ns_fallbacks & NS_FB_OWNER_SEED))
		return o;
	/*
	 * sock_diag gave every seeded socket its cookie; read it, for the helper
	 * takes no RCU pointer (skb->sk in kfree_skb).
	 */
	cookie = NS_RD(ns_view(struct sock, sk), __sk_common.skc_cookie.counter);
	seed = bpf_map_lookup_elem(&ns_owner_seed, &cookie);
	if (!seed)
		return NULL;
	o = ns_owner_storage(sk, BPF_SK_STORAGE_GET_F_CREATE);
	if (o)
		*o = *seed;
	bpf_map_delete_elem(&ns_owner_seed, &cookie);
	return o;
}

/*
 * The owner of @sk, or NULL if unknown, with its current name. Moves a
 * seeded owner into the socket's storage, so the hash lookup happens once.
 */
static __always_inline struct ns_owner *ns_owner_get(const struct sock *sk)
{
	struct ns_owner *o = ns_owner_find(sk);

	if (o)
		ns_owner_rename(o);
	return o;
}

/*
 * Called in process context by a user of TCP socket @sk (sending, receiving,
 * closing, asking for the peer's address): a provisional owner becomes the
 * current process. Returns the owner if this call claimed it, else NULL (the
 * owner was known, or nothing is recorded). An accepted socket's first user
 * is the caller of accept() unless the socket was handed on before any use.
 */
static __always_inline struct ns_owner *ns_owner_claim(const struct sock *sk)
{
	struct ns_owner *o = ns_owner_find(sk);
	__u32 passive;

	if (!o || !(o->flags & NS_OWNER_PROVISIONAL))
		return NULL;
	passive = o->flags & NS_OWNER_PASSIVE;
	ns_owner_from_current(o);
	o->flags |= passive;
	return o;
}

/*
 * Whether the current task holds @sk's lock (lock_sock()): then a state
 * change runs in the process that uses the socket, not in softirq on behalf
 * of whoever was interrupted. A softirq that finds the lock taken only queues
 * the packet on the backlog, which release_sock() processes in that process.
 */
static __always_inline bool ns_sock_owned_by_user(const struct sock *sk)
{
	return NS_RD(ns_view(struct sock, sk), sk_lock.owned) != 0;
}

#endif /* NETSIGHT_OWNER_BPF_H */
