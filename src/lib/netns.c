// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "lib/netns.h"
#include "lib/parse.h"

struct visit {
	ns_netns_fn fn;
	void *ctx;
	__u64 *seen;
	size_t nseen;
	size_t cap;
	int err;
};

static bool seen_before(struct visit *v, __u64 ino)
{
	__u64 *grown;

	for (size_t i = 0; i < v->nseen; i++)
		if (v->seen[i] == ino)
			return true;
	if (v->nseen == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		grown = realloc(v->seen, v->cap * sizeof(*grown));
		if (!grown) {
			v->err = -ENOMEM;
			return true;
		}
		v->seen = grown;
	}
	v->seen[v->nseen++] = ino;
	return false;
}

/* Enters the namespace behind @path if it is new, and runs the callback there. */
static void visit_path(struct visit *v, const char *path)
{
	struct stat st;
	int fd;

	if (v->err || stat(path, &st) || seen_before(v, st.st_ino))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return; /* the process exited, or the mount went away */
	if (!setns(fd, CLONE_NEWNET))
		v->err = v->fn(st.st_ino, v->ctx);
	close(fd);
}

static void visit_dir(struct visit *v, const char *dir, bool pids)
{
	struct dirent *de;
	char path[512];
	uint64_t pid;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return;
	while (!v->err && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (pids) {
			if (ns_parse_u64(de->d_name, 1, UINT32_MAX, &pid))
				continue;
			snprintf(path, sizeof(path), "%s/%s/ns/net", dir, de->d_name);
		} else {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		}
		visit_path(v, path);
	}
	closedir(d);
}

int ns_for_each_netns(ns_netns_fn fn, void *ctx)
{
	struct visit v = { .fn = fn, .ctx = ctx };
	int self;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	visit_path(&v, "/proc/self/ns/net");
	visit_dir(&v, "/proc", true);
	visit_dir(&v, "/run/netns", false);
	if (setns(self, CLONE_NEWNET))
		v.err = -ENOTRECOVERABLE;
	close(self);
	free(v.seen);
	return v.err;
}
