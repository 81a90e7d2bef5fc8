/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Container, pod and systemd service identity read from a cgroup v2 path, by
 * name alone: no I/O, so it is the same answer for a live process and for a
 * path stored in a record.
 */
#ifndef NETSIGHT_CGROUP_PATH_H
#define NETSIGHT_CGROUP_PATH_H

#include <stdbool.h>

#define NS_CONTAINER_ID_LEN 64 /* hex digits of a full container id */
#define NS_POD_UID_LEN 36 /* 8-4-4-4-12 */
#define NS_SERVICE_NAME_MAX 256 /* systemd's unit name limit, NUL included */

enum ns_container_runtime {
	NS_RUNTIME_NONE,
	NS_RUNTIME_DOCKER,
	NS_RUNTIME_CONTAINERD,
	NS_RUNTIME_CRIO,
	NS_RUNTIME_PODMAN,
};

/* Every string is NUL-terminated; "" means the path does not say. */
struct ns_cgroup_identity {
	char container_id[NS_CONTAINER_ID_LEN + 1]; /* "" when none, lowercase hex */
	enum ns_container_runtime runtime; /* NONE when unknown (even with an id) */
	char pod_uid[NS_POD_UID_LEN + 1]; /* "" when not a Kubernetes pod; dashes restored */
	char service_name[NS_SERVICE_NAME_MAX]; /* "" when not inside a systemd service unit */
};

/* ECS container.runtime value: "docker", "containerd", "cri-o", "podman"; NULL for NONE. */
const char *ns_container_runtime_name(enum ns_container_runtime rt);

/*
 * Fills @id from @path, a cgroup v2 path relative to the cgroup2 mount root
 * ("/system.slice/docker-<id>.scope"; the leading '/' and one trailing '/'
 * are optional). Components are searched, not anchored at the root, and the
 * innermost one of each kind wins, so cgroups nested inside a container still
 * belong to it. A container enclosing the innermost pod (a kind node) is not
 * reported: it is not one of that pod's containers.
 *
 * Never fails on unknown layouts: it leaves fields empty, and an empty
 * component ("//") empties them all. Returns 0, or -EINVAL for NULL args.
 */
int ns_cgroup_identity_parse(const char *path, struct ns_cgroup_identity *id);

/*
 * Whether @id's container_id starts with @prefix (case-insensitive hex, 1..64
 * chars). False for an empty container_id and for an invalid @prefix.
 */
bool ns_container_id_matches(const struct ns_cgroup_identity *id, const char *prefix);

/* Whether @s is a valid --container argument: 1 to 64 hex digits, either case. */
bool ns_container_id_valid(const char *s);

#endif /* NETSIGHT_CGROUP_PATH_H */
