/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel memory BPF maps hold: the "memlock" the kernel charges for a
 * map, as /proc/PID/fdinfo/FD shows it for a map's descriptor (bpf_map_show_fdinfo(),
 * kernel/bpf/syscall.c), ring buffers included.
 */
#ifndef NETSIGHT_MAPMEM_H
#define NETSIGHT_MAPMEM_H

#include <stddef.h>
#include <linux/types.h>

/*
 * Reads map id and memlock (bytes) from the fdinfo text of a BPF map's
 * descriptor. -ENOENT if @text is not a map's.
 */
int ns_fdinfo_map_memlock(const char *text, __u32 *id, __u64 *bytes);

/* The same, for descriptor @fd of this process. -errno. */
int ns_map_memlock(int fd, __u32 *id, __u64 *bytes);

/* Sums distinct maps: call ns_map_memory_add() per descriptor. */
struct ns_map_memory {
	__u64 bytes;
	size_t maps;
	__u32 ids[256]; /* the maps counted, to count a map shared by objects once */
};

/* Adds the map behind @fd unless it was added already. 0 or -errno. */
int ns_map_memory_add(struct ns_map_memory *m, int fd);

#endif /* NETSIGHT_MAPMEM_H */
