// SPDX-License-Identifier: GPL-2.0-only
#include "lib/histogram.h"

void ns_histogram_merge(struct ns_histogram *dst, const struct ns_histogram *src)
{
	if (!src->count)
		return;
	if (!dst->count || src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	for (int i = 0; i < NS_LAT_SLOTS; i++)
		dst->slots[i] += src->slots[i];
}

void ns_histogram_add(struct ns_histogram *h, uint64_t ns)
{
	struct ns_histogram one = { .count = 1, .sum_ns = ns, .min_ns = ns, .max_ns = ns };

	one.slots[ns_latency_slot(ns_histogram_us_up(ns))] = 1;
	ns_histogram_merge(h, &one);
}

void ns_histogram_add_row(struct ns_histogram *dst, const struct ns_latency_hist *row)
{
	struct ns_histogram h = {
		.count = row->count,
		.sum_ns = row->sum_ns,
		.min_ns = row->min_ns,
		.max_ns = row->max_ns,
	};

	for (int i = 0; i < NS_LAT_SLOTS; i++)
		h.slots[i] = row->slots[i];
	ns_histogram_merge(dst, &h);
}

double ns_histogram_quantile_us(const struct ns_histogram *h, double q)
{
	double rank = q * (double)h->count, before = 0, lower, upper, v;
	double min_us = h->min_ns / 1000.0, max_us = h->max_ns / 1000.0;
	int slot;

	if (!h->count)
		return 0;
	for (slot = 0; slot < NS_LAT_SLOTS - 1; slot++) {
		if (h->slots[slot] && before + (double)h->slots[slot] >= rank)
			break;
		before += (double)h->slots[slot];
	}
	if (!h->slots[slot])
		return max_us;
	/* The bucket's bounds, narrowed to where samples were seen at all. */
	lower = slot ? (double)ns_histogram_le_us(slot - 1) : 0;
	upper = (double)ns_histogram_le_us(slot);
	if (lower < min_us)
		lower = min_us;
	if (upper > max_us)
		upper = max_us;
	if (upper < lower)
		return lower;
	v = lower + (upper - lower) * (rank - before) / (double)h->slots[slot];
	return v;
}

void ns_histogram_range(const struct ns_histogram *h, int *first, int *last)
{
	*first = *last = -1;
	for (int i = 0; i < NS_LAT_SLOTS; i++) {
		if (!h->slots[i])
			continue;
		if (*first < 0)
			*first = i;
		*last = i;
	}
}
