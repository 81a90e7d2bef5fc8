/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading sockets: the endpoint tuple, and the socket behind a file
 * descriptor of the current task. Everything goes through CO-RE reads so the
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

/*
 * The local port comes from inet_sport: skc_num is already zero when
 * inet_sock_set_state reports TCP_CLOSE (inet_put_port runs before the state
 * store in tcp_set_state).
 */
static __always_inline void ns_sock_tuple(const struct sock *sk, struct ns_tuple *t)
{
	const struct inet_sock *inet = (const struct inet_sock *)sk;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	__builtin_memset(t, 0, sizeof(*t));
	t->lport = bpf_ntohs(BPF_CORE_READ(inet, inet_sport));
	t->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	t->protocol = BPF_CORE_READ(sk, sk_protocol);
	if (family == NS_AF_INET6) {
		BPF_CORE_READ_INTO(&t->raddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
		if (!ns_ipv6_is_v4mapped(t->raddr)) {
			BPF_CORE_READ_INTO(&t->laddr, sk,
					   __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
			t->family = NS_AF_INET6;
			return;
		}
		/* An IPv4 peer of a dual-stack socket: the kernel keeps the IPv4 pair too. */
		__builtin_memset(t->raddr, 0, sizeof(t->raddr));
	}
	t->family = NS_AF_INET;
	BPF_CORE_READ_INTO((__u32 *)t->laddr, sk, __sk_common.skc_rcv_saddr);
	BPF_CORE_READ_INTO((__u32 *)t->raddr, sk, __sk_common.skc_daddr);
}

static __always_inline bool ns_sock_is_tcp(const struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	return BPF_CORE_READ(sk, sk_protocol) == NS_IPPROTO_TCP &&
	       BPF_CORE_READ(sk, sk_type) == NS_SOCK_STREAM &&
	       (family == NS_AF_INET || family == NS_AF_INET6);
}

/* The socket behind @fd in the current task's file table, or NULL. */
static __always_inline struct sock *ns_sock_from_fd(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **files;
	struct file *file = NULL;
	struct socket *sock;

	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	files = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &files[fd]) || !file)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

#endif /* NETSIGHT_SOCK_BPF_H */
