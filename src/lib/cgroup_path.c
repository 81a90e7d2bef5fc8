// SPDX-License-Identifier: GPL-2.0-only
/*
 * Container, pod and service identity from a cgroup v2 path. Works on
 * (pointer, length) views of the caller's string and writes @id only once the
 * whole path has been read, so a rejected path leaves every field empty.
 *
 * The names, as the runtimes and the kubelet create them (<id> is always 64
 * lowercase hex digits, the uid 8-4-4-4-12 lowercase hex):
 *   docker      docker-<id>.scope                 cgroupfs: docker/<id>
 *   containerd  cri-containerd-<id>.scope         cgroupfs: a bare <id>
 *   cri-o       crio-<id>.scope                   cgroupfs: crio-<id>
 *   podman      libpod-<id>.scope                 cgroupfs: libpod_parent/libpod-<id>
 *   kubelet     kubepods[-<qos>]-pod<uid>.slice   cgroupfs: kubepods[/<qos>]/pod<uid>
 * crio-conmon-<id> and libpod-conmon-<id> hold the runtimes' monitor process,
 * not the container, and fail the <id> check by themselves. A bare <id> under
 * any parent but docker is a container of unknown runtime.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "lib/cgroup_path.h"

/* One path component or part of one: not NUL-terminated. */
struct slice {
	const char *s;
	size_t len;
};

static bool slice_eq(struct slice c, const char *word)
{
	return c.len == strlen(word) && !memcmp(c.s, word, c.len);
}

static bool has_prefix(struct slice c, const char *prefix)
{
	size_t n = strlen(prefix);

	return c.len >= n && !memcmp(c.s, prefix, n);
}

static bool has_suffix(struct slice c, const char *suffix)
{
	size_t n = strlen(suffix);

	return c.len >= n && !memcmp(c.s + c.len - n, suffix, n);
}

static struct slice drop_prefix(struct slice c, size_t n)
{
	return (struct slice){ c.s + n, c.len - n };
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Runtimes write ids in lowercase; anything else is not one of theirs. */
static bool is_container_id(struct slice c)
{
	if (c.len != NS_CONTAINER_ID_LEN)
		return false;
	for (size_t i = 0; i < c.len; i++)
		if (!is_lower_hex(c.s[i]))
			return false;
	return true;
}

/* Whether @c is a pod uid in 8-4-4-4-12 form with @sep where the dashes go. */
static bool is_pod_uid(struct slice c, char sep)
{
	if (c.len != NS_POD_UID_LEN)
		return false;
	for (size_t i = 0; i < c.len; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? c.s[i] != sep : !is_lower_hex(c.s[i]))
			return false;
	}
	return true;
}

/* Whether @c names a container; if so sets its 64-digit @ctr_id and @rt. */
static bool container_component(struct slice c, struct slice parent, struct slice *ctr_id,
				enum ns_container_runtime *rt)
{
	static const struct {
		const char *prefix;
		enum ns_container_runtime rt;
	} forms[] = {
		{ "docker-", NS_RUNTIME_DOCKER },
		{ "cri-containerd-", NS_RUNTIME_CONTAINERD },
		{ "crio-", NS_RUNTIME_CRIO },
		{ "libpod-", NS_RUNTIME_PODMAN },
	};

	if (is_container_id(c)) {
		*ctr_id = c;
		*rt = slice_eq(parent, "docker") ? NS_RUNTIME_DOCKER : NS_RUNTIME_NONE;
		return true;
	}
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct slice rest;

		if (!has_prefix(c, forms[i].prefix))
			continue;
		/* systemd drivers make a .scope; cgroupfs drivers use the bare name. */
		rest = drop_prefix(c, strlen(forms[i].prefix));
		if (has_suffix(rest, ".scope"))
			rest.len -= strlen(".scope");
		if (!is_container_id(rest))
			continue;
		*ctr_id = rest;
		*rt = forms[i].rt;
		return true;
	}
	return false;
}

/*
 * "kubepods-burstable-pod<uid>.slice". A systemd slice repeats its parents'
 * names joined by '-', so a kubelet whose cgroup root is kubelet.slice (kind)
 * makes "kubelet-kubepods-...", and the uid spells its dashes as '_'.
 */
static bool systemd_pod(struct slice c, struct slice *uid)
{
	struct slice body, parents;
	size_t dash;

	if (!has_suffix(c, ".slice"))
		return false;
	body = (struct slice){ c.s, c.len - strlen(".slice") };
	for (dash = body.len; dash > 0 && body.s[dash - 1] != '-'; dash--)
		;
	if (!dash)
		return false;
	*uid = drop_prefix(body, dash);
	if (!has_prefix(*uid, "pod"))
		return false;
	*uid = drop_prefix(*uid, strlen("pod"));
	if (!is_pod_uid(*uid, '_'))
		return false;

	/* Guaranteed pods have no QoS level. */
	parents = (struct slice){ body.s, dash - 1 };
	if (has_suffix(parents, "-burstable"))
		parents.len -= strlen("-burstable");
	else if (has_suffix(parents, "-besteffort"))
		parents.len -= strlen("-besteffort");
	if (!has_suffix(parents, "kubepods"))
		return false;
	return parents.len == strlen("kubepods") ||
	       parents.s[parents.len - strlen("kubepods") - 1] == '-';
}

/* "kubepods/burstable/pod<uid>" or, for Guaranteed pods, "kubepods/pod<uid>". */
static bool cgroupfs_pod(struct slice c, struct slice parent, struct slice grandparent,
			 struct slice *uid)
{
	if (!has_prefix(c, "pod"))
		return false;
	*uid = drop_prefix(c, strlen("pod"));
	if (!is_pod_uid(*uid, '-'))
		return false;
	if (slice_eq(parent, "burstable") || slice_eq(parent, "besteffort"))
		parent = grandparent;
	return slice_eq(parent, "kubepods");
}

/* "<name>.service" with a unit name systemd would accept; sets @name. */
static bool service_component(struct slice c, struct slice *name)
{
	if (!has_suffix(c, ".service") || c.len >= NS_SERVICE_NAME_MAX)
		return false;
	*name = (struct slice){ c.s, c.len - strlen(".service") };
	if (!name->len)
		return false;
	for (size_t i = 0; i < name->len; i++) {
		char ch = name->s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr(":_.-@\\", ch)))
			return false;
	}
	return true;
}

const char *ns_container_runtime_name(enum ns_container_runtime rt)
{
	switch (rt) {
	case NS_RUNTIME_DOCKER:
		return "docker";
	case NS_RUNTIME_CONTAINERD:
		return "containerd";
	case NS_RUNTIME_CRIO:
		return "cri-o";
	case NS_RUNTIME_PODMAN:
		return "podman";
	case NS_RUNTIME_NONE:
		break;
	}
	return NULL;
}

int ns_cgroup_identity_parse(const char *path, struct ns_cgroup_identity *id)
{
	struct slice none = { "", 0 }, parent = none, grandparent = none;
	struct slice c, found, ctr = { NULL, 0 }, pod = { NULL, 0 }, svc = { NULL, 0 };
	enum ns_container_runtime rt = NS_RUNTIME_NONE, found_rt;
	size_t depth, ctr_depth = 0, pod_depth = 0;
	const char *p, *end, *slash;

	if (!path || !id)
		return -EINVAL;
	memset(id, 0, sizeof(*id));
	p = path + (*path == '/');
	end = p + strlen(p);
	if (end > p && end[-1] == '/')
		end--;
	if (p == end)
		return 0;

	for (depth = 0;; depth++) {
		slash = memchr(p, '/', end - p);
		c = (struct slice){ p, (slash ? slash : end) - p };
		/* The kernel never prints one: the path was mangled on the way. */
		if (!c.len)
			return 0;
		if (container_component(c, parent, &found, &found_rt)) {
			ctr = found;
			rt = found_rt;
			ctr_depth = depth;
		} else if (systemd_pod(c, &found) || cgroupfs_pod(c, parent, grandparent, &found)) {
			pod = found;
			pod_depth = depth;
		} else if (service_component(c, &found)) {
			svc = found;
		}
		if (!slash)
			break;
		grandparent = parent;
		parent = c;
		p = slash + 1;
	}

	/* A container above the pod (the kind node) is not one of the pod's. */
	if (ctr.s && (!pod.s || ctr_depth > pod_depth)) {
		memcpy(id->container_id, ctr.s, NS_CONTAINER_ID_LEN);
		id->runtime = rt;
	}
	if (pod.s)
		for (size_t i = 0; i < NS_POD_UID_LEN; i++)
			id->pod_uid[i] = pod.s[i] == '_' ? '-' : pod.s[i];
	if (svc.s)
		memcpy(id->service_name, svc.s, svc.len);
	return 0;
}

bool ns_container_id_valid(const char *s)
{
	size_t n;

	if (!s)
		return false;
	for (n = 0; s[n]; n++)
		if (n == NS_CONTAINER_ID_LEN || !is_lower_hex(lower(s[n])))
			return false;
	return n > 0;
}

bool ns_container_id_matches(const struct ns_cgroup_identity *id, const char *prefix)
{
	if (!id || !ns_container_id_valid(prefix))
		return false;
	/* An empty id stops at its NUL, which no hex digit equals. */
	for (size_t i = 0; prefix[i]; i++)
		if (id->container_id[i] != lower(prefix[i]))
			return false;
	return true;
}
