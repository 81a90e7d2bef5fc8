/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BPF programs on network interfaces, for the families that count packets
 * there (flows, DNS clients). Attaching never disturbs what is already on an
 * interface, and leaves nothing behind:
 *  - TC: a TCX link per direction (Linux 6.6+), which the kernel removes
 *    when this process dies; programs return TCX_NEXT so the ones after
 *    them run. Where TCX is missing, a clsact filter with netsight's own
 *    handle and priority; one left by a run that was killed is found by its
 *    program's name and removed at the next start, which says so.
 *  - XDP: an XDP link, native where the driver has it, generic otherwise;
 *    ingress only. An XDP program already on the device is reported, not
 *    replaced.
 * Interfaces are named, or "all": every interface of the network namespace,
 * and those that appear later (looked for again at each tick).
 */
#ifndef NETSIGHT_DEVICES_H
#define NETSIGHT_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NS_DEVICES_MAX 64
/* IFNAMSIZ: names are at most 15 characters. */
#define NS_DEVICE_NAME_LEN 16

/* Which interfaces, and how (the command line's --iface, --xdp, --netns). */
struct ns_device_opts {
	char ifaces[NS_DEVICES_MAX][NS_DEVICE_NAME_LEN]; /* names, or "all" */
	size_t nifaces;
	bool xdp; /* XDP (ingress only) instead of TC */
	const char *netns; /* a namespace's path, or a pid's; NULL: this one */
};

/* The programs to attach: descriptors, -1 for none (no egress, say). */
struct ns_device_progs {
	int tc_ingress, tc_egress, xdp;
	/* Their names start so: how a stale clsact filter of netsight's is known. */
	const char *prefix;
	const char *what; /* "counting flows": what the log lines say */
};

struct ns_device {
	char name[NS_DEVICE_NAME_LEN];
	int ifindex;
	int links[2]; /* TCX or XDP links, ingress and egress; -1: none */
	bool filters[2]; /* clsact filters */
	bool made_clsact; /* the clsact qdisc is netsight's */
	bool gone; /* the interface went away */
};

struct ns_devices {
	bool started;
	struct ns_device_opts o;
	struct ns_device_progs p;
	bool all;
	struct ns_device at[NS_DEVICES_MAX];
	size_t n;
	uint64_t next_rescan_ns;
	int own_netns, netns; /* descriptors, -1 until needed */
};

/*
 * Checks @o before anything loads: the namespace opens and every named
 * interface exists in it. 0, or -errno with a message for the user in @err.
 */
int ns_devices_check(const struct ns_device_opts *o, char *err, size_t errlen);

/* Attaches @p to the interfaces @o names. 0, or the first error (said on stderr). */
int ns_devices_start(struct ns_devices *d, const struct ns_device_opts *o,
		     const struct ns_device_progs *p);
/* For "all": attaches to interfaces that appeared since (at most once a second). */
void ns_devices_tick(struct ns_devices *d);
/* Detaches everything (the names stay known); safe to call twice. */
void ns_devices_stop(struct ns_devices *d);
/* The name of interface @ifindex as it was attached, or NULL. */
const char *ns_devices_name(const struct ns_devices *d, int ifindex);

#endif /* NETSIGHT_DEVICES_H */
