// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "lib/cgroups.h"
#include "lib/containers.h"

struct find {
	const char *prefix;
	struct ns_container_matches *m;
};

static int find_one(uint64_t id, const char *path, void *ctx)
{
	struct find *f = ctx;
	struct ns_cgroup_identity ident;

	(void)id;
	if (ns_cgroup_identity_parse(path, &ident) || !ns_container_id_matches(&ident, f->prefix))
		return 0;
	for (size_t i = 0; i < f->m->n && i < sizeof(f->m->ids) / sizeof(f->m->ids[0]); i++)
		if (!strcmp(f->m->ids[i], ident.container_id))
			return 0;
	if (f->m->n < sizeof(f->m->ids) / sizeof(f->m->ids[0]))
		memcpy(f->m->ids[f->m->n], ident.container_id, sizeof(ident.container_id));
	f->m->n++;
	return 0;
}

int ns_containers_find(const char *prefix, struct ns_container_matches *m)
{
	struct find f = { .prefix = prefix, .m = m };

	memset(m, 0, sizeof(*m));
	return ns_cgroups_walk(find_one, &f);
}

struct fill {
	const char (*prefixes)[NS_CONTAINER_ARG_LEN];
	size_t n;
	int map_fd;
	size_t added;
	uint64_t seen[NS_FILTER_CGROUPS_MAX];
	size_t matched;
	int err;
};

static int fill_one(uint64_t id, const char *path, void *ctx)
{
	struct fill *f = ctx;
	struct ns_cgroup_identity ident;
	__u8 one = 1;
	bool hit = false;

	if (ns_cgroup_identity_parse(path, &ident) || !ident.container_id[0])
		return 0;
	for (size_t i = 0; i < f->n && !hit; i++)
		hit = ns_container_id_matches(&ident, f->prefixes[i]);
	if (!hit)
		return 0;
	if (f->matched < NS_FILTER_CGROUPS_MAX)
		f->seen[f->matched] = id;
	f->matched++;
	if (!bpf_map_update_elem(f->map_fd, &id, &one, BPF_NOEXIST))
		f->added++;
	else if (errno != EEXIST && !f->err)
		f->err = errno == E2BIG ? -ENOSPC : -errno;
	return 0;
}

static bool was_seen(const struct fill *f, uint64_t id)
{
	for (size_t i = 0; i < f->matched && i < NS_FILTER_CGROUPS_MAX; i++)
		if (f->seen[i] == id)
			return true;
	return false;
}

/* Removes the cgroups that are gone: their ids are never given out again. */
static void forget_removed(const struct fill *f)
{
	uint64_t key, next, gone[64];
	size_t ngone = 0;
	void *prev = NULL;

	while (ngone < sizeof(gone) / sizeof(gone[0]) &&
	       !bpf_map_get_next_key(f->map_fd, prev, &next)) {
		if (!was_seen(f, next))
			gone[ngone++] = next;
		key = next;
		prev = &key;
	}
	for (size_t i = 0; i < ngone; i++)
		bpf_map_delete_elem(f->map_fd, &gone[i]);
}

int ns_containers_fill(const char (*prefixes)[NS_CONTAINER_ARG_LEN], size_t n, int map_fd,
		       size_t *added, size_t *matched)
{
	struct fill *f = calloc(1, sizeof(*f));
	int err;

	if (!f)
		return -ENOMEM;
	f->prefixes = prefixes;
	f->n = n;
	f->map_fd = map_fd;
	err = ns_cgroups_walk(fill_one, f);
	if (!err && f->matched <= NS_FILTER_CGROUPS_MAX)
		forget_removed(f);
	*added = f->added;
	*matched = f->matched;
	err = err ? err : f->err;
	free(f);
	return err;
}
