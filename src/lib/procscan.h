/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Socket owners from /proc: for every socket a process holds open, its inode
 * and the process (pid, name, cgroup). Used once at start-up to name the
 * owners of connections that were open before netsight started.
 */
#ifndef NETSIGHT_PROCSCAN_H
#define NETSIGHT_PROCSCAN_H

#include <linux/types.h>

#include <netsight/event.h>

typedef int (*ns_socket_owner_fn)(__u64 inode, const struct ns_owner *owner, void *ctx);

/*
 * Calls @fn for each socket descriptor of each process, in pid order; a
 * socket shared by several processes is reported once per holder. Processes
 * that vanish during the walk are skipped. @cfg sets NS_OWNER_IN_CGROUP.
 * Stops at the first non-zero return of @fn and returns it.
 */
int ns_proc_socket_owners(const struct ns_config *cfg, ns_socket_owner_fn fn, void *ctx);

/* "socket:[1234]" -> 1234. -EINVAL for any other link text. */
int ns_parse_socket_link(const char *link, __u64 *inode);

#endif /* NETSIGHT_PROCSCAN_H */
