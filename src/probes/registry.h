/* SPDX-License-Identifier: GPL-2.0-only */
/* Every probe family netsight has. The owner family is loaded first, always. */
#ifndef NETSIGHT_REGISTRY_H
#define NETSIGHT_REGISTRY_H

#include "lib/family.h"

extern const struct ns_family ns_owner_family;
extern const struct ns_family ns_conn_family;
extern const struct ns_family ns_drop_family;
extern const struct ns_family ns_tcp_family;
extern const struct ns_family ns_latency_family;
extern const struct ns_family ns_flow_family;
extern const struct ns_family ns_dns_family;

#define NS_FAMILY_COUNT 7

/* Every family, the owner family first; NULL-terminated. */
extern const struct ns_family *const ns_families[NS_FAMILY_COUNT + 1];

#endif /* NETSIGHT_REGISTRY_H */
