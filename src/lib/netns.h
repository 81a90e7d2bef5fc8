/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Visiting every network namespace. Some kernel interfaces (iter/tcp among
 * them) only show the namespace of the caller, so the caller moves into each
 * one in turn. Single-threaded callers only: setns() moves the calling thread.
 */
#ifndef NETSIGHT_NETNS_H
#define NETSIGHT_NETNS_H

#include <linux/types.h>

/* Called inside each namespace, with its inode number. */
typedef int (*ns_netns_fn)(__u64 netns_ino, void *ctx);

/*
 * Runs @fn once in every network namespace that a process is in or that is
 * bound under /run/netns, then returns to the caller's namespace. Stops at the
 * first error from @fn. -ENOTRECOVERABLE if the original namespace could not
 * be re-entered.
 */
int ns_for_each_netns(ns_netns_fn fn, void *ctx);

#endif /* NETSIGHT_NETNS_H */
