/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cgroup v2 ids (the kernel's cgroup id, which is the cgroup directory's
 * inode number on cgroup2) turned into paths and identities, cached: records
 * carry only the id, renderers ask here.
 */
#ifndef NETSIGHT_CGROUPS_H
#define NETSIGHT_CGROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/cgroup_path.h"
#include "lib/record.h"

/*
 * The identity of cgroup @id, or NULL when its path names no container, pod
 * or service, or the cgroup cannot be found (removed, or cgroup v2 is not
 * mounted). Resolved once per id: a cgroup id is never reused
 * (kernel/cgroup/cgroup.c, kernfs ids are 64-bit and increase), so a cached
 * answer stays right. The result is valid until the next call.
 */
const struct ns_cgroup_identity *ns_cgroup_identity_of(uint64_t id);

/* The identity a record's owner has: its own (a container's row), or its cgroup's. */
static inline const struct ns_cgroup_identity *ns_record_identity(const struct ns_record *rec)
{
	if (rec->identity)
		return rec->identity->container_id[0] || rec->identity->pod_uid[0] ||
				       rec->identity->service_name[0] ?
			       rec->identity :
			       NULL;
	return rec->owner.cgroup_id ? ns_cgroup_identity_of(rec->owner.cgroup_id) : NULL;
}

/* The path of cgroup @id relative to the cgroup2 mount ("/system.slice/x"), or NULL. */
const char *ns_cgroup_path_of(uint64_t id);

/*
 * How ids become paths: the default opens the cgroup by its file handle
 * (open_by_handle_at(2) with a kernfs handle, fs/kernfs/mount.c) under the
 * cgroup2 mount. Tests install their own; NULL restores the default. Either
 * empties the cache.
 */
typedef int (*ns_cgroup_path_fn)(uint64_t id, char *buf, size_t len);
void ns_cgroups_set_resolver(ns_cgroup_path_fn fn);

/*
 * Calls @fn for every cgroup under the cgroup2 mount, parents first, with its
 * id and its path relative to the mount. Stops at @fn's first non-zero
 * return and returns it; -ENOENT when cgroup v2 is not mounted.
 */
int ns_cgroups_walk(int (*fn)(uint64_t id, const char *path, void *ctx), void *ctx);

/* Frees the cache. */
void ns_cgroups_release(void);

#endif /* NETSIGHT_CGROUPS_H */
