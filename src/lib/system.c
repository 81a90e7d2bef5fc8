// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "lib/parse.h"
#include "lib/system.h"

/* Capability bits from linux/capability.h; CAP_BPF/CAP_PERFMON need 5.8 headers. */
#define NS_CAP_SYS_ADMIN 21
#define NS_CAP_PERFMON 38
#define NS_CAP_BPF 39

int ns_system_btf(void)
{
	return access(NS_VMLINUX_BTF, R_OK) ? -ENOENT : 0;
}

int ns_system_privileged(void)
{
	uint64_t caps = 0;
	char line[256];
	FILE *f;

	f = fopen("/proc/self/status", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "CapEff:", 7))
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (ns_parse_hex_u64(line + 7 + strspn(line + 7, " \t"), &caps))
			caps = 0;
		break;
	}
	fclose(f);
	if (!(caps & (1ULL << NS_CAP_SYS_ADMIN)) || !(caps & (1ULL << NS_CAP_PERFMON)) ||
	    !(caps & (1ULL << NS_CAP_BPF)))
		return -EPERM;
	return 0;
}

static bool is_fs(const char *path, long magic)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == magic;
}

int ns_mount_point(const char *fstype, char *buf, size_t len)
{
	size_t typelen = strlen(fstype);
	char line[4096];
	int err = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* id parent major:minor root mountpoint options... - fstype source ... */
		char *sep = strstr(line, " - ");
		char mnt[PATH_MAX];

		if (!sep || strncmp(sep + 3, fstype, typelen) || sep[3 + typelen] != ' ')
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		if ((size_t)snprintf(buf, len, "%s", mnt) >= len) {
			err = -ENAMETOOLONG;
			break;
		}
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

int ns_cgroup2_root(char *buf, size_t len)
{
	return ns_mount_point("cgroup2", buf, len);
}

int ns_cgroup_resolve(const char *path, __u64 *id, __u32 *level)
{
	char real[PATH_MAX], root[PATH_MAX];
	struct stat st;
	size_t rootlen;
	__u32 depth = 0;

	if (!realpath(path, real))
		return -errno;
	if (stat(real, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (!is_fs(real, CGROUP2_SUPER_MAGIC) || ns_cgroup2_root(root, sizeof(root)))
		return -EXDEV;
	rootlen = strlen(root);
	if (strncmp(real, root, rootlen) || (real[rootlen] && real[rootlen] != '/'))
		return -EXDEV;
	/*
	 * Depths are counted from the hierarchy's root (cgroup id 1). A mount of
	 * a subtree, or one seen from inside a cgroup namespace, starts deeper.
	 */
	if (stat(root, &st))
		return -errno;
	if (st.st_ino != 1)
		return -ENOTSUP;
	if (stat(real, &st))
		return -errno;
	for (const char *p = real + rootlen; *p; p++)
		if (*p == '/' && p[1])
			depth++;
	*id = st.st_ino;
	*level = depth;
	return 0;
}
