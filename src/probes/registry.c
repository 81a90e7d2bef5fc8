// SPDX-License-Identifier: GPL-2.0-only
#include <stddef.h>

#include "probes/registry.h"

const struct ns_family *const ns_families[NS_FAMILY_COUNT + 1] = {
	&ns_owner_family,   &ns_conn_family, &ns_tcp_family, &ns_drop_family,
	&ns_latency_family, &ns_flow_family, &ns_dns_family, NULL,
};
