// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cgroups.h"
#include "lib/system.h"

/* A power of two; the cache starts over when it is three quarters full. */
#define CACHE_SLOTS 8192
/* kernfs's file handle type (include/linux/exportfs.h FILEID_KERNFS). */
#define NS_FILEID_KERNFS 0xfe

struct entry {
	uint64_t id;
	bool named; /* the path says something: identity is worth returning */
	char *path; /* NULL: not found */
	struct ns_cgroup_identity identity;
};

static struct {
	struct entry *slots[CACHE_SLOTS];
	size_t used;
	ns_cgroup_path_fn resolve;
	char root[PATH_MAX]; /* "" until looked up, "-" if there is none */
} cache;

static const char *cgroup2_root(void)
{
	if (!cache.root[0] && ns_cgroup2_root(cache.root, sizeof(cache.root)))
		strcpy(cache.root, "-");
	return strcmp(cache.root, "-") ? cache.root : NULL;
}

static int resolve_by_handle(uint64_t id, char *buf, size_t len)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = NS_FILEID_KERNFS } };
	const char *root = cgroup2_root();
	char link[64], target[PATH_MAX];
	size_t rootlen;
	int mfd, fd, err = 0;
	ssize_t n;

	if (!root)
		return -ENOENT;
	memcpy(h.fh.f_handle, &id, sizeof(id));
	mfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return -errno;
	fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		err = -errno;
	close(mfd);
	if (err)
		return err;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		err = -errno;
	close(fd);
	if (err)
		return err;
	target[n] = '\0';
	rootlen = strlen(root);
	if (strncmp(target, root, rootlen) || (target[rootlen] && target[rootlen] != '/'))
		return -EXDEV;
	if ((size_t)snprintf(buf, len, "%s", target[rootlen] ? target + rootlen : "/") >= len)
		return -ENAMETOOLONG;
	return 0;
}

void ns_cgroups_release(void)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		if (cache.slots[i])
			free(cache.slots[i]->path);
		free(cache.slots[i]);
		cache.slots[i] = NULL;
	}
	cache.used = 0;
}

void ns_cgroups_set_resolver(ns_cgroup_path_fn fn)
{
	ns_cgroups_release();
	cache.resolve = fn;
}

static size_t slot_of(uint64_t id)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 40) & (CACHE_SLOTS - 1);
}

static struct entry *lookup(uint64_t id)
{
	ns_cgroup_path_fn resolve = cache.resolve ? cache.resolve : resolve_by_handle;
	const struct ns_cgroup_identity *ident;
	char path[PATH_MAX];
	struct entry *e;
	size_t i;

	for (i = slot_of(id); cache.slots[i]; i = (i + 1) & (CACHE_SLOTS - 1))
		if (cache.slots[i]->id == id)
			return cache.slots[i];
	if (cache.used >= CACHE_SLOTS / 4 * 3) {
		ns_cgroups_release();
		i = slot_of(id);
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->id = id;
	if (!resolve(id, path, sizeof(path))) {
		e->path = strdup(path);
		ns_cgroup_identity_parse(path, &e->identity);
		ident = &e->identity;
		e->named = ident->container_id[0] || ident->pod_uid[0] || ident->service_name[0];
	}
	cache.slots[i] = e;
	cache.used++;
	return e;
}

const struct ns_cgroup_identity *ns_cgroup_identity_of(uint64_t id)
{
	struct entry *e = id ? lookup(id) : NULL;

	return e && e->named ? &e->identity : NULL;
}

const char *ns_cgroup_path_of(uint64_t id)
{
	struct entry *e = id ? lookup(id) : NULL;

	return e ? e->path : NULL;
}

/* @path holds @len bytes of the relative path of directory @dfd; @dfd is closed. */
static int walk_dir(int dfd, char *path, size_t len,
		    int (*fn)(uint64_t id, const char *path, void *ctx), void *ctx)
{
	struct dirent *de;
	struct stat st;
	int err = 0;
	DIR *dir;

	if (fstat(dfd, &st)) {
		close(dfd);
		return 0;
	}
	err = fn(st.st_ino, len ? path : "/", ctx);
	dir = err ? NULL : fdopendir(dfd);
	if (!dir) {
		close(dfd);
		return err;
	}
	while (!err && (de = readdir(dir))) {
		size_t n = strlen(de->d_name);
		int sub;

		if (de->d_type != DT_DIR || de->d_name[0] == '.' || len + n + 2 > PATH_MAX)
			continue;
		sub = openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0)
			continue; /* removed meanwhile */
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, n + 1);
		err = walk_dir(sub, path, len + n + 1, fn, ctx);
		path[len] = '\0';
	}
	closedir(dir);
	return err;
}

int ns_cgroups_walk(int (*fn)(uint64_t id, const char *path, void *ctx), void *ctx)
{
	const char *root = cgroup2_root();
	char path[PATH_MAX] = "";
	int fd;

	if (!root)
		return -ENOENT;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return walk_dir(fd, path, 0, fn, ctx);
}
