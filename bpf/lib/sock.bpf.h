/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading sockets: the endpoint tuple, and the socket behind a file
 * descriptor of the current task. Everything reads through ns_view(), so the
 * same code serves typed tp_btf pointers and the plain addresses that classic
 * tracepoints provide.
 */
#ifndef NETSIGHT_SOCK_BPF_H
#define NETSIGHT_SOCK_BPF_H

#include "common.bpf.h"

#define NS_AF_INET 2
#define NS_AF_INET6 10
#define NS_IPPROTO_TCP 6
#define NS_SOCK_STREAM 1

static __always_inline bool ns_ipv6_is_v4mapped(const __u8 *a)
{
	const __u32 *w = (const __u32 *)a;

	return w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0x0000ffff);
}

/* The endpoints in @c, with @lport (host order) as the local port. */
static __always_inline void ns_skc_tuple(const struct sock_common *c, __u16 lport,
					 struct ns_tuple *t)
{
	__builtin_memset(t, 0, sizeof(*t));
	t->lport = lport;
	t->rport = bpf_ntohs(c->skc_dport);
	if (c->skc_family == NS_AF_INET6) {
		__builtin_memcpy(t->raddr, c->skc_v6_daddr.in6_u.u6_addr8, NS_ADDR_LEN);
		if (!ns_ipv6_is_v4mapped(t->raddr)) {
			__builtin_memcpy(t->laddr, c->skc_v6_rcv_saddr.in6_u.u6_addr8, NS_ADDR_LEN);
			t->family = NS_AF_INET6;
			return;
		}
		/* An IPv4 peer of a dual-stack socket: the kernel keeps the IPv4 pair too. */
		__builtin_memset(t->raddr, 0, sizeof(t->raddr));
	}
	t->family = NS_AF_INET;
	*(__u32 *)t->laddr = c->skc_rcv_saddr;
	*(__u32 *)t->raddr = c->skc_daddr;
}

/*
 * A full socket's endpoints. The local port comes from inet_sport: skc_num is
 * already zero when inet_sock_set_state reports TCP_CLOSE (inet_put_port runs
 * before the state store in tcp_set_state).
 */
static __always_inline void ns_sock_tuple(const void *sk, struct ns_tuple *t)
{
	const struct inet_sock *inet = ns_view(struct inet_sock, sk);

	ns_skc_tuple(&inet->sk.__sk_common, bpf_ntohs(inet->inet_sport), t);
	t->protocol = inet->sk.sk_protocol;
}

/* A request (SYN_RECV) socket's endpoints: it has no inet_sport, only skc_num. */
static __always_inline void ns_reqsk_tuple(const void *req, struct ns_tuple *t)
{
	const struct request_sock *r = ns_view(struct request_sock, req);

	ns_skc_tuple(&r->__req_common, r->__req_common.skc_num, t);
	t->protocol = NS_IPPROTO_TCP;
}

static __always_inline bool ns_sock_is_tcp(const void *ptr)
{
	const struct sock *sk = ns_view(struct sock, ptr);
	__u16 family = sk->__sk_common.skc_family;

	return sk->sk_protocol == NS_IPPROTO_TCP && sk->sk_type == NS_SOCK_STREAM &&
	       (family == NS_AF_INET || family == NS_AF_INET6);
}

/* The socket behind @fd in the current task's file table, or NULL. */
static __always_inline struct sock *ns_sock_from_fd(long fd)
{
	const struct task_struct *task = ns_view(struct task_struct, bpf_get_current_task());
	const struct fdtable *fdt = task->files->fdt;
	struct file *file = NULL;
	const struct socket *sock;

	if (fd < 0 || fd >= fdt->max_fds)
		return NULL;
	/* fd is an array of pointers, which a typed view cannot index. */
	if (bpf_probe_read_kernel(&file, sizeof(file), &fdt->fd[fd]) || !file)
		return NULL;
	sock = ns_view(struct socket, ns_view(struct file, file)->private_data);
	return sock ? sock->sk : NULL;
}

#endif /* NETSIGHT_SOCK_BPF_H */
