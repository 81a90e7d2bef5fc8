// SPDX-License-Identifier: GPL-2.0-only
/*
 * The owner family (bpf/owner.bpf.c): socket ownership for every other
 * family. At start-up it names the owners of sockets that already exist: the
 * /proc walk gives socket inode -> process, the map owner_inodes hands that to
 * the kernel, and owner_iter_tcp stores it on each socket, in every network
 * namespace.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <netsight/event.h>

#include "lib/log.h"
#include "lib/netns.h"
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

static int run_iterator(__u64 netns_ino, void *ctx)
{
	struct bpf_link *link = ctx;
	char buf[64];
	int fd, err = 0;

	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err = -errno;
			ns_log(NS_LOG_WARN, "reading sockets of network namespace %llu: %s",
			       (unsigned long long)netns_ino, strerror(errno));
			break;
		}
	}
	close(fd);
	return err;
}

static int owner_started(struct ns_session *s, void *skel_ptr)
{
	struct owner_bpf *skel = skel_ptr;
	struct inode_fill fill = { .map_fd = bpf_map__fd(skel->maps.owner_inodes) };
	struct bpf_link *link;
	int err;

	err = ns_proc_socket_owners(ns_session__config(s), add_inode_owner, &fill);
	if (err)
		return err;
	if (fill.full)
		ns_log(NS_LOG_WARN, "%llu open sockets left without an owner: too many to record",
		       fill.full);
	link = bpf_program__attach_iter(skel->progs.owner_iter_tcp, NULL);
	if (!link)
		return -errno;
	err = ns_for_each_netns(run_iterator, link);
	bpf_link__destroy(link);
	ns_log(NS_LOG_DEBUG, "named the owners of %llu open sockets", fill.added);
	return err;
}

const struct ns_family ns_owner_family = {
	.name = "owner",
	NS_FAMILY_SKELETON_OPS(owner),
	.optional = owner_optional,
	.started = owner_started,
};
