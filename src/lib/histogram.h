/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Latency histograms in user space: the kernel's log2 buckets
 * (include/netsight/latency.h) summed over CPUs and readings, and the
 * quantiles estimated from them.
 */
#ifndef NETSIGHT_HISTOGRAM_H
#define NETSIGHT_HISTOGRAM_H

#include <stdint.h>

#include <netsight/latency.h>

struct ns_histogram {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t min_ns; /* meaningful when count > 0 */
	uint64_t max_ns;
	uint64_t slots[NS_LAT_SLOTS]; /* slot k: samples of at most 2^k us (ns_latency_slot()) */
};

/* Microseconds, rounded up as the kernel side buckets them. */
static inline uint64_t ns_histogram_us_up(uint64_t ns)
{
	return (ns + 999) / 1000;
}

/* The upper bound of bucket @slot, in microseconds (Prometheus "le"). */
static inline uint64_t ns_histogram_le_us(unsigned int slot)
{
	return 1ULL << slot;
}

/* Adds @src's samples to @dst. */
void ns_histogram_merge(struct ns_histogram *dst, const struct ns_histogram *src);

/* Adds one sample of @ns nanoseconds to @h. */
void ns_histogram_add(struct ns_histogram *h, uint64_t ns);

/* Adds one CPU's kernel row to @dst. */
void ns_histogram_add_row(struct ns_histogram *dst, const struct ns_latency_hist *row);

/*
 * The @q quantile (0 < q <= 1) in microseconds, 0 for an empty histogram.
 * The bucket holding the rank is found from the counts; inside it, samples
 * are taken as spread evenly between its bounds (linear interpolation),
 * narrowed to the exact minimum and maximum where those fall inside it.
 */
double ns_histogram_quantile_us(const struct ns_histogram *h, double q);

/* The first and last non-empty buckets; -1 for both when empty. */
void ns_histogram_range(const struct ns_histogram *h, int *first, int *last);

#endif /* NETSIGHT_HISTOGRAM_H */
