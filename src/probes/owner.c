// SPDX-License-Identifier: GPL-2.0-only
/*
 * The owner family (bpf/owner.bpf.c): socket ownership for every other
 * family. At start-up it names the owners of sockets that already exist: the
 * /proc walk gives socket inode -> process, the map owner_inodes hands that to
 * the kernel, and owner_iter_tcp/udp, run by the session's start-up walk in
 * every network namespace, store it on each socket. Where the kernel refuses
 * those iterators, the walk asks sock_diag for each namespace's sockets
 * instead and leaves their owners in ns_owner_seed, by socket cookie.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <netsight/event.h>

#include "lib/cgroups.h"
#include "lib/containers.h"
#include "lib/log.h"
#include "lib/procscan.h"
#include "lib/session.h"
#include "lib/sockdiag.h"
#include "owner.compat.skel.h"
#include "owner.skel.h"
#include "probes/registry.h"

NS_FAMILY_SKELETONS(owner)

#define USER_IMPACT(what)                                                                     \
	"an accepted socket " what " gets its process (and its accept event) only when that " \
	"process receives or closes on it"
#define ITER_IMPACT "owners of sockets open before start-up come from sock_diag and /proc"

static const struct ns_prog_spec owner_programs[] = {
	{ .name = "owner_getpeername4",
	  .fallback = USER_IMPACT("whose accept() asks no address"),
	  .accept_owner = true },
	{ .name = "owner_getpeername6",
	  .fallback = USER_IMPACT("whose accept() asks no address"),
	  .accept_owner = true },
	{ .name = "owner_sock_send_length",
	  .fallback = USER_IMPACT("that is only written to") "; latency takes no response times",
	  .accept_owner = true },
	{ .name = "owner_sock_recv_length",
	  .fallback = "an accepted socket's first reader is found where received data is copied",
	  .alternative = "owner_tcp_rcv_space_adjust",
	  .tracepoint = "sock_recv_length",
	  .tracepoint_args = 3,
	  .accept_owner = true },
	{ .name = "owner_tcp_rcv_space_adjust",
	  .fallback = USER_IMPACT("that is only read from"),
	  .accept_owner = true },
	{ .name = "owner_sock_create",
	  .fallback = "sockets that never connect or listen (UDP) have no owner; their drops are "
		      "attributed to the process they happen in" },
	{ .name = "owner_iter_tcp", .fallback = ITER_IMPACT, .fallback_flags = NS_FB_OWNER_SEED },
	{ .name = "owner_task_rename",
	  .fallback = "events of a process that exec()ed keep the name it had before" },
	{ .name = "owner_sched_process_exit",
	  .fallback = "events of a process that exec()ed keep the name it had before" },
	{ .name = "owner_iter_udp", .fallback = ITER_IMPACT, .fallback_flags = NS_FB_OWNER_SEED },
	{ NULL },
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

static int owner_started(struct ns_session *s, struct bpf_object *obj)
{
	struct inode_fill fill = {
		.map_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "owner_inodes")),
	};
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

#define SEED_MAX_LISTENERS 4096

/* One network namespace's sockets, seen through sock_diag. */
struct seed_walk {
	int inodes_fd;
	int seed_fd;
	int listeners_fd;
	__u32 netns;
	__u16 listening[SEED_MAX_LISTENERS]; /* local ports of TCP listeners */
	size_t nlistening;
	unsigned long long seeded;
	unsigned long long full;
};

static int note_listener(const struct ns_diag_sock *sk, void *ctx)
{
	struct seed_walk *w = ctx;

	if (w->nlistening < SEED_MAX_LISTENERS)
		w->listening[w->nlistening++] = sk->lport;
	return 0;
}

static bool is_listening(const struct seed_walk *w, __u16 port)
{
	for (size_t i = 0; i < w->nlistening; i++)
		if (w->listening[i] == port)
			return true;
	return false;
}

/*
 * The socket's owner as the start-up iterator would record it: the process
 * that holds it, if any; a TCP socket nobody holds may still be accept()ed, so
 * its owner stays provisional; one on a listening port was accepted here.
 */
static int seed_socket(const struct ns_diag_sock *sk, void *ctx)
{
	struct seed_walk *w = ctx;
	struct ns_owner owner = { 0 };
	bool tcp = sk->protocol == IPPROTO_TCP;

	if (!sk->inode || bpf_map_lookup_elem(w->inodes_fd, &sk->inode, &owner)) {
		memset(&owner, 0, sizeof(owner));
		if (tcp)
			owner.flags = NS_OWNER_PROVISIONAL;
	}
	if (tcp && sk->state != TCP_LISTEN && is_listening(w, sk->lport))
		owner.flags |= NS_OWNER_PASSIVE;
	/* For its children, born before anything folds the seed into its storage. */
	if (tcp && sk->state == TCP_LISTEN) {
		struct ns_listen_key key = { .netns = w->netns, .port = sk->lport };

		bpf_map_update_elem(w->listeners_fd, &key, &owner, BPF_ANY);
	}
	if (!bpf_map_update_elem(w->seed_fd, &sk->cookie, &owner, BPF_NOEXIST))
		w->seeded++;
	else if (errno != EEXIST)
		w->full++;
	return 0;
}

/* Not time-wait or request sockets (TCP state numbers are the kernel's uapi): no owner storage. */
#define SEED_TCP_STATES (NS_DIAG_ALL_STATES & ~(1U << TCP_SYN_RECV) & ~(1U << TCP_TIME_WAIT))

static int owner_netns(struct ns_session *s, struct bpf_object *obj, __u64 netns_ino)
{
	struct seed_walk *w;
	int err;

	if (!(ns_session__fallbacks(s) & NS_FB_OWNER_SEED))
		return 0;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->inodes_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "owner_inodes"));
	w->seed_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "ns_owner_seed"));
	w->listeners_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "owner_listeners"));
	w->netns = netns_ino;
	err = ns_sockdiag_dump(IPPROTO_TCP, NS_DIAG_LISTEN, false, note_listener, w);
	if (!err)
		err = ns_sockdiag_dump(IPPROTO_TCP, SEED_TCP_STATES, false, seed_socket, w);
	if (!err)
		err = ns_sockdiag_dump(IPPROTO_UDP, NS_DIAG_ALL_STATES, false, seed_socket, w);
	if (err)
		ns_log(NS_LOG_WARN, "reading sockets of network namespace %llu: %s",
		       (unsigned long long)netns_ino, strerror(-err));
	else if (w->full)
		ns_log(NS_LOG_WARN, "%llu open sockets left without an owner: too many to record",
		       w->full);
	ns_log(NS_LOG_DEBUG, "network namespace %llu: %llu open sockets from sock_diag",
	       (unsigned long long)netns_ino, w->seeded);
	free(w);
	/* A namespace that cannot be read is not worth stopping for. */
	return 0;
}

/* How often the cgroups of --container's containers are looked for again. */
#define CONTAINER_RESCAN_NS (1000ULL * 1000 * 1000)

static struct {
	uint64_t scanned_ns;
	/* What each --container prefix stands for, once a container matched it. */
	char ids[NS_MAX_CONTAINERS][NS_CONTAINER_ARG_LEN];
	size_t nids;
	bool pinned[NS_MAX_CONTAINERS];
} containers;

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * Pins each --container prefix to the container it names, the first time
 * one does, as docker does with an id prefix: a container that starts later
 * with the same prefix is not followed.
 */
static void pin_containers(const struct ns_config *cfg)
{
	struct ns_container_matches m;

	for (__u32 i = 0; i < cfg->ncontainers && i < NS_MAX_CONTAINERS; i++) {
		if (containers.pinned[i] || ns_containers_find(cfg->containers[i], &m) || !m.n)
			continue;
		containers.pinned[i] = true;
		memcpy(containers.ids[containers.nids++], m.ids[0], sizeof(m.ids[0]));
		if (m.n > 1)
			ns_log(NS_LOG_WARN,
			       "--container %s: %zu containers appeared with that prefix; following "
			       "%.12s only",
			       cfg->containers[i], m.n, m.ids[0]);
		else
			ns_log(NS_LOG_INFO, "--container %s: following container %.12s",
			       cfg->containers[i], m.ids[0]);
	}
}

/* --container: the cgroups of its containers into ns_filter_cgroups. */
static int scan_containers(struct ns_session *s, struct bpf_object *obj, bool first)
{
	const struct ns_config *cfg = ns_session__config(s);
	int fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "ns_filter_cgroups"));
	size_t added = 0, matched = 0;
	int err;

	if (!(cfg->flags & NS_CFG_CONTAINER_FILTER))
		return 0;
	containers.scanned_ns = monotonic_ns();
	if (containers.nids < cfg->ncontainers)
		pin_containers(cfg);
	for (__u32 i = 0; first && i < cfg->ncontainers && i < NS_MAX_CONTAINERS; i++)
		if (!containers.pinned[i])
			ns_log(NS_LOG_WARN,
			       "--container %s: no container has that id yet; watching for one to "
			       "start",
			       cfg->containers[i]);
	if (!containers.nids)
		return 0;
	err = ns_containers_fill(containers.ids, containers.nids, fd, &added, &matched);
	if (err == -ENOSPC)
		ns_log(NS_LOG_WARN,
		       "--container: more than %d cgroups match; the rest are left out",
		       NS_FILTER_CGROUPS_MAX);
	else if (err && first)
		return err;
	if (added)
		ns_log(NS_LOG_DEBUG, "--container: %zu new cgroups of the containers", added);
	return 0;
}

static int owner_prepare(struct ns_session *s, struct bpf_object *obj)
{
	return scan_containers(s, obj, true);
}

static int owner_tick(struct ns_session *s, struct bpf_object *obj)
{
	if (monotonic_ns() - containers.scanned_ns >= CONTAINER_RESCAN_NS)
		return scan_containers(s, obj, false);
	return 0;
}

static void owner_release(void)
{
	ns_cgroups_release();
	memset(&containers, 0, sizeof(containers));
}

const struct ns_family ns_owner_family = {
	.name = "owner",
	NS_FAMILY_SKELETON_OPS(owner),
	.programs = owner_programs,
	.prepare = owner_prepare,
	.started = owner_started,
	.tick = owner_tick,
	.release = owner_release,
	.netns = owner_netns,
};
