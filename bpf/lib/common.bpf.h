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

/*
 * Typed reads of kernel memory, from one source for two builds:
 *
 *  - the default build casts any kernel address to a read-only typed view
 *    with the kfunc bpf_rdonly_cast (Linux 6.2+): fields then load directly
 *    (a faulting load reads zero), and the verifier turns the cast itself
 *    into a register move;
 *  - the compat build (NS_COMPAT_READS), loaded where the running kernel's
 *    BTF has no bpf_rdonly_cast, reads each field with
 *    bpf_probe_read_kernel() at its CO-RE-relocated offset.
 *
 * So a view is read only through NS_RD(view, field, ...) (view->field->...)
 * and NS_RD_INTO(&dst, view, field, ...) (copies sizeof(dst) bytes). Typed
 * tracepoint arguments are BTF pointers on every kernel and are read directly.
 */
#define ns___nth(_, _1, _2, _3, _4, _5, _6, N, ...) N
#define ns___narg(...) ns___nth(_, ##__VA_ARGS__, 6, 5, 4, 3, 2, 1, 0)
#define ns___cat(a, b) a##b
#define ns___apply(fn, n) ns___cat(fn, n)
#define ns___arrow1(s, a) (s)->a
#define ns___arrow2(s, a, b) ns___arrow1(s, a)->b
#define ns___arrow3(s, a, b, c) ns___arrow2(s, a, b)->c
#define ns___arrow4(s, a, b, c, d) ns___arrow3(s, a, b, c)->d
#define ns___arrow5(s, a, b, c, d, e) ns___arrow4(s, a, b, c, d)->e
#define ns___arrow6(s, a, b, c, d, e, f) ns___arrow5(s, a, b, c, d, e)->f
/* (s)->a->b... for one to six fields. */
#define ns_arrow(s, ...) ns___apply(ns___arrow, ns___narg(__VA_ARGS__))(s, __VA_ARGS__)

#ifdef NS_COMPAT_READS
#define ns_view(type, ptr) ((const type *)(const void *)(ptr))
#define NS_RD(src, ...) BPF_CORE_READ(src, __VA_ARGS__)
#define NS_RD_INTO(dst, src, ...) BPF_CORE_READ_INTO(dst, src, __VA_ARGS__)
#else
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

#define ns_view(type, ptr) \
	((const type *)bpf_rdonly_cast((const void *)(ptr), bpf_core_type_id_kernel(type)))
#define NS_RD(src, ...) (ns_arrow(src, __VA_ARGS__))
#define NS_RD_INTO(dst, src, ...) __builtin_memcpy(dst, &ns_arrow(src, __VA_ARGS__), sizeof(*(dst)))
#endif

const volatile struct ns_config ns_cfg = {};
/* enum ns_fallback bits, written by the loader (this object's .bss). */
__u32 ns_fallbacks = 0;

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

/*
 * [0]: when the ring buffer first had no room (CLOCK_BOOTTIME ns), 0 before:
 * tells a loss before the last event a run wanted (--count) from one after.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ns_first_loss SEC(".maps");

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
		__u32 zero = 0;
		__u64 *first = bpf_map_lookup_elem(&ns_first_loss, &zero);

		ns_count_error(NS_ERR_RINGBUF_FULL);
		if (first && !*first)
			__sync_val_compare_and_swap(first, 0, bpf_ktime_get_boot_ns());
		return NULL;
	}
	hdr->ts_ns = bpf_ktime_get_boot_ns();
	hdr->cookie = cookie;
	hdr->type = type;
	hdr->size = size;
	hdr->netns = 0;
	return hdr;
}

/*
 * The value of @key in the per-CPU (or plain) hash @map, inserted from @init
 * if missing. NULL when the map is full, which is counted.
 */
/*
 * Whether events are sent: always, unless what they say is counted in the
 * kernel instead (@counted_by: NS_CFG_SUMMARY or NS_CFG_CONN_COUNTS) and
 * nobody asked for the events as well (NS_CFG_EVENTS).
 */
static __always_inline bool ns_sending(__u32 counted_by)
{
	return !(ns_cfg.flags & counted_by) || (ns_cfg.flags & NS_CFG_EVENTS);
}

static __always_inline void *ns_map_lookup_or_init(void *map, const void *key, const void *init)
{
	void *value = bpf_map_lookup_elem(map, key);

	if (value)
		return value;
	/* EEXIST: another CPU added it meanwhile; in a per-CPU map this CPU's copy is 0. */
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	value = bpf_map_lookup_elem(map, key);
	if (!value)
		ns_count_error(NS_ERR_SUMMARY_FULL);
	return value;
}

/*
 * Submits a reserved event. The reader is woken only when pending data
 * crosses ns_cfg.wakeup_bytes, not for every event: a wakeup is an irq_work
 * (a self-IPI, a VM exit under virtualisation) that costs more than the rest
 * of the program. The reader also drains on a timer, so nothing waits long.
 */
static __always_inline void ns_event_submit(void *event, __u32 size)
{
	__u64 threshold = ns_cfg.wakeup_bytes, pending, flags = 0;

	if (threshold) {
		/* Pending data includes this record and its 8-byte header. */
		pending = bpf_ringbuf_query(&ns_events, BPF_RB_AVAIL_DATA);
		flags = pending >= threshold && pending < threshold + size + 8 ?
				BPF_RB_FORCE_WAKEUP :
				BPF_RB_NO_WAKEUP;
	}
	bpf_ringbuf_submit(event, flags);
}

#endif /* NETSIGHT_COMMON_BPF_H */
