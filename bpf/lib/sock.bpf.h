/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading sockets: the endpoint tuple, and the socket behind a file
 * descriptor of the current task. Everything reads through views (NS_RD), so
 * the same code serves typed tp_btf pointers and the plain addresses that
 * classic tracepoints and maps provide, on every kernel.
 */
#ifndef NETSIGHT_SOCK_BPF_H
#define NETSIGHT_SOCK_BPF_H

#include "common.bpf.h"

#define NS_AF_INET 2
#define NS_AF_INET6 10
#define NS_IPPROTO_TCP 6
#define NS_IPPROTO_UDP 17
#define NS_SOCK_STREAM 1
#define NS_SOCK_DGRAM 2

static __always_inline bool ns_ipv6_is_v4mapped(const __u8 *a)
{
	const __u32 *w = (const __u32 *)a;

	return w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0x0000ffff);
}

/* The endpoints in @c (a view), with @lport (host order) as the local port. */
static __always_inline void ns_skc_tuple(const struct sock_common *c, __u16 lport,
					 struct ns_tuple *t)
{
	__builtin_memset(t, 0, sizeof(*t));
	t->lport = lport;
	t->rport = bpf_ntohs(NS_RD(c, skc_dport));
	if (NS_RD(c, skc_family) == NS_AF_INET6) {
		NS_RD_INTO(&t->raddr, c, skc_v6_daddr);
		if (!ns_ipv6_is_v4mapped(t->raddr)) {
			NS_RD_INTO(&t->laddr, c, skc_v6_rcv_saddr);
			t->family = NS_AF_INET6;
			return;
		}
		/* An IPv4 peer of a dual-stack socket: the kernel keeps the IPv4 pair too. */
		__builtin_memset(t->raddr, 0, sizeof(t->raddr));
	}
	t->family = NS_AF_INET;
	*(__u32 *)t->laddr = NS_RD(c, skc_rcv_saddr);
	*(__u32 *)t->raddr = NS_RD(c, skc_daddr);
}

/*
 * A full socket's endpoints. The local port comes from inet_sport: skc_num is
 * already zero when inet_sock_set_state reports TCP_CLOSE (inet_put_port runs
 * before the state store in tcp_set_state).
 */
static __always_inline void ns_sock_tuple(const void *sk, struct ns_tuple *t)
{
	const struct inet_sock *inet = ns_view(struct inet_sock, sk);

	ns_skc_tuple(&inet->sk.__sk_common, bpf_ntohs(NS_RD(inet, inet_sport)), t);
	t->protocol = NS_RD(inet, sk.sk_protocol);
}

/* A request (SYN_RECV) socket's endpoints: it has no inet_sport, only skc_num. */
static __always_inline void ns_reqsk_tuple(const void *req, struct ns_tuple *t)
{
	const struct request_sock *r = ns_view(struct request_sock, req);

	ns_skc_tuple(&r->__req_common, NS_RD(r, __req_common.skc_num), t);
	t->protocol = NS_IPPROTO_TCP;
}

/* The network namespace (its inode) a socket at any address lives in; 0 for NULL. */
static __always_inline __u32 ns_sock_netns(const void *sk)
{
	return sk ? NS_RD(ns_view(struct sock, sk), __sk_common.skc_net.net, ns.inum) : 0;
}

static __always_inline bool ns_sock_is_tcp(const void *ptr)
{
	const struct sock *sk = ns_view(struct sock, ptr);
	__u16 family = NS_RD(sk, __sk_common.skc_family);

	return NS_RD(sk, sk_protocol) == NS_IPPROTO_TCP && NS_RD(sk, sk_type) == NS_SOCK_STREAM &&
	       (family == NS_AF_INET || family == NS_AF_INET6);
}

/* The socket behind @fd in the current task's file table, or NULL. */
static __always_inline struct sock *ns_sock_from_fd(long fd)
{
	const struct task_struct *task = ns_view(struct task_struct, bpf_get_current_task());
	const struct fdtable *fdt = ns_view(struct fdtable, NS_RD(task, files, fdt));
	struct file *const *fds = NS_RD(fdt, fd);
	struct file *file = NULL;
	const struct socket *sock;

	if (fd < 0 || fd >= NS_RD(fdt, max_fds))
		return NULL;
	/* fd is an array of pointers, which a typed view cannot index. */
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return NULL;
	sock = ns_view(struct socket, NS_RD(ns_view(struct file, file), private_data));
	return sock ? NS_RD(sock, sk) : NULL;
}

#endif /* NETSIGHT_SOCK_BPF_H */
