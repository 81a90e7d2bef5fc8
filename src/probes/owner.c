// SPDX-License-Identifier: GPL-2.0-only
/*
 * The owner family (bpf/owner.bpf.c): socket ownership for every other
 * family. At start-up it names the owners of sockets that already exist: the
 * /proc walk gives socket inode -> process, the map owner_inodes hands that to
 * the kernel, and owner_iter_tcp, run by the session's start-up walk in every
 * network namespace, stores it on each socket.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <netsight/event.h>

#include "lib/log.h"
#include "lib/procscan.h"
#include "lib/session.h"
#include "owner.skel.h"
#include "probes/registry.h"

NS_FAMILY_SKELETON(owner)

#define ACCEPT_IMPACT                                                                    \
	"sockets accepted by another process than the listener's are attributed to the " \
	"listener's process"

static const struct ns_optional_prog owner_optional[] = {
	{ "owner_sys_exit_accept4", ACCEPT_IMPACT },
	{ "owner_sys_exit_accept", ACCEPT_IMPACT },
	{ "owner_sock_create",
	  "sockets that never connect or listen (UDP) have no owner; their drops are attributed "
	  "to the process they happen in" },
	{ NULL, NULL },
};

struct inode_fill {
	int map_fd;
	unsigned long long added;
	unsigned long long full;
};

static int add_inode_owner(__u64 inode, const struct ns_owner *owner, void *ctx)
{
	struct inode_fill *fill = ctx;

	/* BPF_NOEXIST: the first (lowest pid) holder of a shared socket wins. */
	if (!bpf_map_update_elem(fill->map_fd, &inode, owner, BPF_NOEXIST))
		fill->added++;
	else if (errno != EEXIST)
		fill->full++;
	return 0;
}

static int owner_started(struct ns_session *s, void *skel_ptr)
{
	struct owner_bpf *skel = skel_ptr;
	struct inode_fill fill = { .map_fd = bpf_map__fd(skel->maps.owner_inodes) };
	int err;

	err = ns_proc_socket_owners(ns_session__config(s), add_inode_owner, &fill);
	if (err)
		return err;
	if (fill.full)
		ns_log(NS_LOG_WARN, "%llu open sockets left without an owner: too many to record",
		       fill.full);
	ns_log(NS_LOG_DEBUG, "found the owners of %llu open sockets", fill.added);
	return 0;
}

const struct ns_family ns_owner_family = {
	.name = "owner",
	NS_FAMILY_SKELETON_OPS(owner),
	.optional = owner_optional,
	.started = owner_started,
};
