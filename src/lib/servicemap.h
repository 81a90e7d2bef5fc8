/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The service map: who talks to whom, from connection records (events, or
 * rows of in-kernel counts, which carry a count and a histogram). An edge goes
 * from a local process (its name, container and service) to a destination
 * address and port, with the process serving it when that is on this host
 * too (learnt from its accepts), or from a remote address to a local
 * service. Each edge counts connections, failures and bytes, and keeps a
 * histogram of connect times. Bounded: edges beyond the limit are counted
 * in one "other" edge.
 */
#ifndef NETSIGHT_SERVICEMAP_H
#define NETSIGHT_SERVICEMAP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/record.h"
#include "lib/strbuf.h"

struct ns_service_map;

/* NULL without memory. @max_edges: 0 for the default (4096). */
struct ns_service_map *ns_service_map__new(size_t max_edges);
void ns_service_map__free(struct ns_service_map *map);

/* A record of the conn family (connect, accept, connect_failed, close); others are ignored. */
void ns_service_map__add(struct ns_service_map *map, const struct ns_record *rec);

/* Edges so far. */
size_t ns_service_map__edges(const struct ns_service_map *map);

/*
 * The map as JSON ({"edges": [...], "edges_folded": N}), or as a Graphviz
 * digraph (@dot). 0 or -ENOMEM.
 */
int ns_service_map__render(const struct ns_service_map *map, bool dot, struct ns_strbuf *out);

#endif /* NETSIGHT_SERVICEMAP_H */
