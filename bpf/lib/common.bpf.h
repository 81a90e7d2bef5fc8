/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every netsight BPF object has: the license, the configuration in
 * rodata, the event ring buffer and the error counters. Maps whose names start
 * with "ns_" are shared: the loader creates them once and hands the same map
 * to every object, so each object declares them identically through this
 * header.
 */
#ifndef NETSIGHT_COMMON_BPF_H
#define NETSIGHT_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include <netsight/event.h>

char LICENSE[] SEC("license") = "GPL";

const volatile struct ns_config ns_cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16); /* the loader sets the real size */
} ns_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NS_ERR_MAX);
	__type(key, __u32);
	__type(value, __u64);
} ns_errors SEC(".maps");

static __always_inline void ns_count_error(enum ns_error err)
{
	__u32 key = err;
	__u64 *count = bpf_map_lookup_elem(&ns_errors, &key);

	if (count)
		*count += 1;
}

/* Reserves an event and fills its header; counts the loss when full. */
static __always_inline void *ns_event_reserve(__u32 size, enum ns_event_type type, __u64 cookie)
{
	struct ns_event_hdr *hdr = bpf_ringbuf_reserve(&ns_events, size, 0);

	if (!hdr) {
		ns_count_error(NS_ERR_RINGBUF_FULL);
		return NULL;
	}
	hdr->ts_ns = bpf_ktime_get_boot_ns();
	hdr->cookie = cookie;
	hdr->type = type;
	hdr->size = size;
	hdr->pad = 0;
	return hdr;
}

#endif /* NETSIGHT_COMMON_BPF_H */
