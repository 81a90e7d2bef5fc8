// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "lib/parse.h"
#include "lib/procscan.h"
#include "lib/system.h"

int ns_parse_socket_link(const char *link, __u64 *inode)
{
	char num[24];
	size_t len = strlen(link);
	uint64_t v;

	if (len < 10 || strncmp(link, "socket:[", 8) || link[len - 1] != ']' ||
	    len - 9 >= sizeof(num))
		return -EINVAL;
	memcpy(num, link + 8, len - 9);
	num[len - 9] = '\0';
	if (ns_parse_u64(num, 1, UINT64_MAX, &v))
		return -EINVAL;
	*inode = v;
	return 0;
}

static int read_small_file(int dirfd, const char *name, char *buf, size_t len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* The cgroup v2 path of a process, relative to the cgroup2 root ("/a/b"). */
static int read_cgroup_path(int piddir, char *buf, size_t len)
{
	char text[4096];
	char *line;
	int err;

	err = read_small_file(piddir, "cgroup", text, sizeof(text));
	if (err)
		return err;
	for (line = text; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, "0::", 3))
			continue;
		line += 3;
		snprintf(buf, len, "%.*s", (int)strcspn(line, "\n"), line);
		return 0;
	}
	return -ENOENT;
}

static __u64 cgroup_id_of(const char *root, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	return stat(path, &st) ? 0 : st.st_ino;
}

/* Whether @rel's ancestor at @level (0 = root) is the cgroup @id. */
static bool in_cgroup(const char *root, const char *rel, __u32 level, __u64 id)
{
	char prefix[PATH_MAX];
	const char *p = rel;

	for (__u32 i = 0; i < level; i++) {
		p = strchr(p + 1, '/');
		if (!p) {
			p = rel + strlen(rel);
			if (i + 1 < level)
				return false;
			break;
		}
	}
	snprintf(prefix, sizeof(prefix), "%.*s", (int)(p - rel), rel);
	return cgroup_id_of(root, prefix) == id;
}

static void load_owner(int piddir, __u32 pid, const char *cg_root, const struct ns_config *cfg,
		       struct ns_owner *o)
{
	char comm[NS_COMM_LEN + 2] = "";
	char cg[PATH_MAX];

	memset(o, 0, sizeof(*o));
	o->pid = pid;
	if (!read_small_file(piddir, "comm", comm, sizeof(comm)))
		comm[strcspn(comm, "\n")] = '\0';
	memcpy(o->comm, comm, strnlen(comm, NS_COMM_LEN - 1));
	if (!cg_root[0] || read_cgroup_path(piddir, cg, sizeof(cg)))
		return;
	o->cgroup_id = cgroup_id_of(cg_root, cg);
	for (__u32 i = 0; i < cfg->ncgroups && i < NS_MAX_CGROUPS; i++)
		if (in_cgroup(cg_root, cg, cfg->cgroup_levels[i], cfg->cgroup_ids[i]))
			o->flags |= NS_OWNER_IN_CGROUP;
}

static int scan_process(int piddir, __u32 pid, const char *cg_root, const struct ns_config *cfg,
			ns_socket_owner_fn fn, void *ctx)
{
	struct ns_owner owner;
	bool loaded = false;
	struct dirent *de;
	int fdfd, err = 0;
	DIR *fds;

	fdfd = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fdfd < 0)
		return 0;
	fds = fdopendir(fdfd);
	if (!fds) {
		close(fdfd);
		return 0;
	}
	while (!err && (de = readdir(fds))) {
		char link[64];
		ssize_t n;
		__u64 ino;

		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(fds), de->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (ns_parse_socket_link(link, &ino))
			continue;
		if (!loaded) {
			load_owner(piddir, pid, cg_root, cfg, &owner);
			loaded = true;
		}
		err = fn(ino, &owner, ctx);
	}
	closedir(fds);
	return err;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* Numeric entries of /proc, ascending. */
static int list_pids(DIR *proc, __u32 **out, size_t *count)
{
	__u32 *pids = NULL, *grown;
	size_t n = 0, cap = 0;
	struct dirent *de;
	uint64_t pid;

	while ((de = readdir(proc))) {
		if (ns_parse_u64(de->d_name, 1, UINT32_MAX, &pid))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 512;
			grown = realloc(pids, cap * sizeof(*pids));
			if (!grown) {
				free(pids);
				return -ENOMEM;
			}
			pids = grown;
		}
		pids[n++] = pid;
	}
	qsort(pids, n, sizeof(*pids), cmp_u32);
	*out = pids;
	*count = n;
	return 0;
}

int ns_proc_socket_owners(const struct ns_config *cfg, ns_socket_owner_fn fn, void *ctx)
{
	char cg_root[PATH_MAX] = "";
	__u32 *pids = NULL;
	size_t npids = 0;
	DIR *proc;
	int err;

	if (ns_cgroup2_root(cg_root, sizeof(cg_root)))
		cg_root[0] = '\0';
	proc = opendir("/proc");
	if (!proc)
		return -errno;
	err = list_pids(proc, &pids, &npids);
	/* Ascending pids: a socket shared after fork reaches its oldest holder first. */
	for (size_t i = 0; !err && i < npids; i++) {
		char name[16];
		int piddir;

		snprintf(name, sizeof(name), "%u", pids[i]);
		piddir = openat(dirfd(proc), name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (piddir < 0)
			continue; /* exited meanwhile */
		err = scan_process(piddir, pids[i], cg_root, cfg, fn, ctx);
		close(piddir);
	}
	free(pids);
	closedir(proc);
	return err;
}
