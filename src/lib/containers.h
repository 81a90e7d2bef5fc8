/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The --container filter's cgroups: every cgroup whose path names a container
 * whose id starts with one of the prefixes asked for (lib/cgroup_path.h),
 * found by walking the cgroup v2 hierarchy. A container started, or
 * restarted, after the first walk is found by the next one.
 */
#ifndef NETSIGHT_CONTAINERS_H
#define NETSIGHT_CONTAINERS_H

#include <stddef.h>
#include <stdint.h>

#include <netsight/event.h>

#include "lib/cgroup_path.h"

/* The containers one prefix matches, as many as fit. */
struct ns_container_matches {
	char ids[4][NS_CONTAINER_ID_LEN + 1];
	size_t n; /* distinct containers found, may exceed what fits */
};

/*
 * The distinct containers whose id starts with @prefix, among the cgroups
 * that exist now. 0, or -ENOENT when cgroup v2 is not mounted.
 */
int ns_containers_find(const char *prefix, struct ns_container_matches *m);

/*
 * Makes the BPF hash map @map_fd (cgroup id -> 1) hold exactly the cgroups
 * of the containers whose id starts with one of the @n @prefixes: adds new
 * ones, removes those gone. @added counts the cgroups new to the map,
 * @matched all that match. 0, or a negative errno (-ENOENT: no cgroup v2;
 * -ENOSPC: the map is full, the others were added).
 */
int ns_containers_fill(const char (*prefixes)[NS_CONTAINER_ARG_LEN], size_t n, int map_fd,
		       size_t *added, size_t *matched);

#endif /* NETSIGHT_CONTAINERS_H */
