/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading in-kernel aggregates. A snapshot keeps cumulative counts by key
 * from one reading of a map, so the next reading can be turned into counts
 * for the interval in between. Keys are fixed-size byte strings.
 */
#ifndef NETSIGHT_SNAPSHOT_H
#define NETSIGHT_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct ns_snapshot {
	size_t key_size;
	size_t nvalues; /* counts per key */
	size_t count;
	size_t cap;
	unsigned char *entries; /* key, then nvalues __u64; sorted once finished */
};

/* Adds @key with its @s->nvalues counts (between ns_counts_begin and _end). */
int ns_snapshot_add(struct ns_snapshot *s, const void *key, const __u64 *values);
/* Count @i of @key, 0 if absent (in a finished snapshot). */
__u64 ns_snapshot_get(const struct ns_snapshot *s, const void *key, size_t i);

/*
 * Two readings of one in-kernel aggregate, for counts since the previous
 * reading or since the start. Between ns_counts_begin() and ns_counts_end(),
 * add the new reading to @current and compare with @previous.
 */
struct ns_counts {
	struct ns_snapshot previous;
	struct ns_snapshot current;
};

void ns_counts_begin(struct ns_counts *c, size_t key_size, size_t nvalues);
/* Finishes the reading; it becomes @previous unless @since_start. */
void ns_counts_end(struct ns_counts *c, bool since_start);
void ns_counts_release(struct ns_counts *c);

/* The sum over CPUs of the __u64 at @key in the per-CPU map @fd. */
int ns_map_percpu_sum(int fd, const void *key, __u64 *sum);

typedef int (*ns_percpu_fn)(const void *key, const void *values, int ncpus, void *ctx);

/*
 * Calls @fn for every key of the per-CPU map @fd, with its @ncpus values of
 * @value_size bytes each (laid out as the kernel returns them, 8-byte aligned).
 */
int ns_map_for_each_percpu(int fd, size_t key_size, size_t value_size, ns_percpu_fn fn, void *ctx);

#endif /* NETSIGHT_SNAPSHOT_H */
