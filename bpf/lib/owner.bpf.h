/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Socket ownership: which process a socket belongs to, recorded when that is
 * knowable in process context and read by every family from any context.
 *
 * ns_owners is socket-local storage, so the kernel frees an entry with its
 * socket and nothing can leak. BPF_F_CLONE copies a listener's entry into each
 * child it creates: an accepted socket starts out owned by the listener's
 * process (marked provisional). accept() runs in the owner's context but only
 * a classic syscall tracepoint sees it, where the socket is a plain address
 * that socket storage cannot take; so the caller is parked in ns_accepted,
 * keyed by that address, and folded into the storage by the next lookup.
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

/*
 * An accepted socket's entry usually lives until its next event, often its
 * close, so it must hold every open accepted connection: a plain hash, not
 * LRU, so that a full map is counted instead of evicting silently, allocated
 * as entries come.
 */
#define NS_ACCEPTED_MAX (1 << 20)
#define NS_OWNER_SEED_MAX 65536
#define NS_RENAMED_MAX 16384

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct ns_owner);
} ns_owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NS_ACCEPTED_MAX);
	__type(key, __u64); /* struct sock address */
	__type(value, struct ns_owner);
} ns_accepted SEC(".maps");

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

static __always_inline void ns_owner_from_current(struct ns_owner *o)
{
	const struct task_struct *task = ns_view(struct task_struct, bpf_get_current_task());

	o->pid = bpf_get_current_pid_tgid() >> 32;
	ns_renamed_reused(o->pid);
	o->cgroup_id = bpf_get_current_cgroup_id();
	o->flags = 0;
	/* The process's name, as ps shows it: the thread group leader's. */
	NS_RD_INTO(&o->comm, task, group_leader, comm);
	if (ns_current_in_cgroups())
		o->flags |= NS_OWNER_IN_CGROUP;
}

static __always_inline struct ns_owner *ns_owner_storage(const struct sock *sk, __u64 flags)
{
	struct ns_owner *o = bpf_sk_storage_get(&ns_owners, (struct sock *)sk, 0, flags);

	if (!o && flags)
		ns_count_error(NS_ERR_OWNER_STORAGE);
	return o;
}

/* The owner's name, as it is now if its process was renamed since. */
static __always_inline void ns_owner_rename(struct ns_owner *o)
{
	__u32 zero = 0, *seen = bpf_map_lookup_elem(&ns_exec_seen, &zero);
	struct ns_name *name;

	if (!seen || !*seen || !o->pid)
		return;
	name = bpf_map_lookup_elem(&ns_renamed, &o->pid);
	if (name)
		__builtin_memcpy(o->comm, name->comm, NS_COMM_LEN);
}

static __always_inline struct ns_owner *ns_owner_find(const struct sock *sk)
{
	struct ns_owner *o = ns_owner_storage(sk, 0);
	struct ns_owner *accepted, *seed;
	__u64 key = (__u64)sk, cookie;

	if (!o && (ns_fallbacks & NS_FB_OWNER_SEED)) {
		/*
		 * sock_diag gave every seeded socket its cookie; read it, for the
		 * helper takes no RCU pointer (skb->sk in kfree_skb).
		 */
		cookie = NS_RD(ns_view(struct sock, sk), __sk_common.skc_cookie.counter);
		seed = bpf_map_lookup_elem(&ns_owner_seed, &cookie);
		if (seed) {
			o = ns_owner_storage(sk, BPF_SK_STORAGE_GET_F_CREATE);
			if (o)
				*o = *seed;
			bpf_map_delete_elem(&ns_owner_seed, &cookie);
		}
	}
	if (o && !(o->flags & NS_OWNER_PROVISIONAL))
		return o;
	accepted = bpf_map_lookup_elem(&ns_accepted, &key);
	if (!accepted)
		return o;
	if (!o)
		o = ns_owner_storage(sk, BPF_SK_STORAGE_GET_F_CREATE);
	if (o) {
		*o = *accepted;
		o->flags |= NS_OWNER_PASSIVE;
	}
	bpf_map_delete_elem(&ns_accepted, &key);
	return o;
}

/*
 * The owner of @sk, or NULL if unknown. Folds a pending accept() into the
 * socket's storage, so the hash lookup happens only until it is resolved.
 */
static __always_inline struct ns_owner *ns_owner_get(const struct sock *sk)
{
	struct ns_owner *o = ns_owner_find(sk);

	if (o)
		ns_owner_rename(o);
	return o;
}

/*
 * For a classic accept()/accept4() exit: the TCP socket behind the returned
 * descriptor, with its caller filled in as owner. NULL for errors and other
 * socket types.
 */
static __always_inline struct sock *ns_accepted_sock(long fd, struct ns_owner *owner)
{
	struct sock *sk;

	if (fd < 0)
		return NULL;
	sk = ns_sock_from_fd(fd);
	if (!sk || !ns_sock_is_tcp(sk))
		return NULL;
	ns_owner_from_current(owner);
	owner->flags |= NS_OWNER_PASSIVE;
	return sk;
}

/*
 * Defines <prefix>_sys_exit_accept4 and <prefix>_sys_exit_accept, the places
 * accept() returns a socket, each calling @handler(long fd). Only classic
 * tracepoints exist for single syscalls.
 */
#define NS_ON_ACCEPT(prefix, handler)                                       \
	SEC("tracepoint/syscalls/sys_exit_accept4")                         \
	int prefix##_sys_exit_accept4(struct trace_event_raw_sys_exit *ctx) \
	{                                                                   \
		return handler(ctx->ret);                                   \
	}                                                                   \
	SEC("tracepoint/syscalls/sys_exit_accept")                          \
	int prefix##_sys_exit_accept(struct trace_event_raw_sys_exit *ctx)  \
	{                                                                   \
		return handler(ctx->ret);                                   \
	}

#endif /* NETSIGHT_OWNER_BPF_H */
