/* SPDX-License-Identifier: GPL-2.0-only */
/* The flow family's user-space side: which interfaces, and how to attach. */
#ifndef NETSIGHT_PROBES_FLOW_H
#define NETSIGHT_PROBES_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include <netsight/flow.h>

#include "lib/devices.h"
#include "lib/family.h"

struct ns_flow_opts {
	struct ns_device_opts dev; /* --iface, --xdp, --netns */
	__u32 max_flows; /* flows per reading period; 0: NS_FLOW_TABLE_DEFAULT */
};

/* What the next load of the flow family attaches to (copied). */
void ns_flow_configure(const struct ns_flow_opts *opts);

#endif /* NETSIGHT_PROBES_FLOW_H */
