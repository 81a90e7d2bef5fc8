/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Adding to a latency histogram (struct ns_latency_hist,
 * include/netsight/latency.h) that several CPUs update at once.
 */
#ifndef NETSIGHT_HIST_BPF_H
#define NETSIGHT_HIST_BPF_H

#include "common.bpf.h"
#include <netsight/latency.h>

/* Adds @weight samples of @ns nanoseconds to @h. */
static __always_inline void ns_hist_add(struct ns_latency_hist *h, __u64 ns, __u32 weight)
{
	/* Races between CPUs over min and max can only keep a less extreme value. */
	if (!h->count || ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	__sync_fetch_and_add(&h->count, weight);
	__sync_fetch_and_add(&h->sum_ns, ns * weight);
	/* Microseconds rounded up: bucket k holds (2^(k-1), 2^k] us exactly. */
	__sync_fetch_and_add(&h->slots[ns_latency_slot((ns + 999) / 1000) & (NS_LAT_SLOTS - 1)],
			     weight);
}

#endif /* NETSIGHT_HIST_BPF_H */
