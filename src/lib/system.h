/* SPDX-License-Identifier: GPL-2.0-only */
/* What netsight needs from the running system, checked and prepared. */
#ifndef NETSIGHT_SYSTEM_H
#define NETSIGHT_SYSTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define NS_VMLINUX_BTF "/sys/kernel/btf/vmlinux"

/* 0 if the kernel describes itself with BTF, else -ENOENT. */
int ns_system_btf(void);
/* 0 if this process may load and attach tracing programs, else -EPERM. */
int ns_system_privileged(void);
/*
 * Where a file system of type @fstype ("bpf", "cgroup2") is
 * mounted, the first such mount in this mount namespace; -ENOENT if none.
 */
int ns_mount_point(const char *fstype, char *buf, size_t len);
/* Where cgroup v2 is mounted ("/sys/fs/cgroup" or, on hybrid hosts, ".../unified"). */
int ns_cgroup2_root(char *buf, size_t len);
/*
 * The id and depth (0 = root) of the cgroup v2 directory @path.
 * -ENOENT: no such path; -ENOTDIR: not a directory; -EXDEV: not on cgroup v2;
 * -ENOTSUP: cgroup v2 is mounted from below its root (a subtree, or inside a
 * cgroup namespace), so depths cannot be known.
 */
int ns_cgroup_resolve(const char *path, __u64 *id, __u32 *level);

#endif /* NETSIGHT_SYSTEM_H */
