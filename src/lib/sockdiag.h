/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The sockets of the caller's network namespace, from the kernel's socket
 * monitoring interface (NETLINK_SOCK_DIAG, the one ss(8) uses): what netsight
 * reads when the kernel refuses its BPF socket iterators. Each socket comes
 * with its cookie, the same number bpf_get_socket_cookie() gives.
 */
#ifndef NETSIGHT_SOCKDIAG_H
#define NETSIGHT_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct nlmsghdr;

struct ns_diag_sock {
	__u64 cookie;
	__u64 inode; /* 0: no process holds it (a child not yet accepted) */
	__u32 drops; /* sk_drops, when asked for (has_drops) */
	__u32 rqueue; /* listeners: accept queue length */
	__u32 wqueue; /* listeners: accept queue limit */
	__u16 family; /* AF_INET, AF_INET6 */
	__u8 protocol; /* IPPROTO_TCP, IPPROTO_UDP */
	__u8 state; /* TCP state numbers (TCP_LISTEN = 10); UDP: 7 unconnected, 1 connected */
	__u16 lport; /* host order */
	__u16 rport;
	__u8 laddr[16]; /* IPv4 in the first 4 bytes */
	__u8 raddr[16];
	bool has_drops;
};

typedef int (*ns_diag_fn)(const struct ns_diag_sock *sk, void *ctx);

/* All TCP states, as a mask for ns_sockdiag_dump(). */
#define NS_DIAG_ALL_STATES 0xfffU
#define NS_DIAG_LISTEN (1U << 10)

/*
 * Calls @fn for each socket of @protocol (IPPROTO_TCP or IPPROTO_UDP), IPv4
 * and IPv6, in a state of @states (bit n: TCP state n), in the caller's
 * network namespace; @drops asks for each socket's drop count. Stops at the
 * first non-zero return of @fn and returns it; -errno if the kernel cannot be
 * asked.
 */
int ns_sockdiag_dump(int protocol, __u32 states, bool drops, ns_diag_fn fn, void *ctx);

/* One SOCK_DIAG_BY_FAMILY answer message into @out: 0, or -EINVAL if malformed. */
int ns_sockdiag_parse(const struct nlmsghdr *nlh, int protocol, struct ns_diag_sock *out);

#endif /* NETSIGHT_SOCKDIAG_H */
