/* SPDX-License-Identifier: GPL-2.0-only */
/* The flow family's user-space side: which interfaces, and how to attach. */
#ifndef NETSIGHT_PROBES_FLOW_H
#define NETSIGHT_PROBES_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include <netsight/flow.h>

#include "lib/family.h"

#define NS_FLOW_IFACES_MAX 64
/* IFNAMSIZ: names are at most 15 characters. */
#define NS_FLOW_IFNAME_LEN 16

struct ns_flow_opts {
	/* Interface names; "all" for every interface, and those that appear later. */
	char ifaces[NS_FLOW_IFACES_MAX][NS_FLOW_IFNAME_LEN];
	size_t nifaces;
	bool xdp; /* XDP (ingress only) instead of TC */
	__u32 max_flows; /* flows per reading period; 0: NS_FLOW_TABLE_DEFAULT */
	/* A network namespace (a path, or a pid's) to attach in; NULL: this one. */
	const char *netns;
};

/* What the next load of the flow family attaches to (copied). */
void ns_flow_configure(const struct ns_flow_opts *opts);

/*
 * Checks @opts before anything loads: the namespace opens, and every named
 * interface exists in it. 0, or -errno with a message for the user in @err.
 */
int ns_flow_check(const struct ns_flow_opts *opts, char *err, size_t errlen);

#endif /* NETSIGHT_PROBES_FLOW_H */
