// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/snapshot.h"

static size_t entry_size(const struct ns_snapshot *s)
{
	return s->key_size + s->nvalues * sizeof(__u64);
}

static void snapshot_init(struct ns_snapshot *s, size_t key_size, size_t nvalues)
{
	memset(s, 0, sizeof(*s));
	s->key_size = key_size;
	s->nvalues = nvalues;
}

static void snapshot_release(struct ns_snapshot *s)
{
	free(s->entries);
	snapshot_init(s, s->key_size, s->nvalues);
}

static void snapshot_reset(struct ns_snapshot *s)
{
	s->count = 0;
}

int ns_snapshot_add(struct ns_snapshot *s, const void *key, const __u64 *values)
{
	unsigned char *e;

	if (s->count == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;

		e = realloc(s->entries, cap * entry_size(s));
		if (!e)
			return -ENOMEM;
		s->entries = e;
		s->cap = cap;
	}
	e = s->entries + s->count++ * entry_size(s);
	memcpy(e, key, s->key_size);
	memcpy(e + s->key_size, values, s->nvalues * sizeof(__u64));
	return 0;
}

/* qsort has no context argument: the key size goes through a file-local. */
static size_t sort_key_size;

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, sort_key_size);
}

static void snapshot_finish(struct ns_snapshot *s)
{
	sort_key_size = s->key_size;
	qsort(s->entries, s->count, entry_size(s), cmp_key);
}

__u64 ns_snapshot_get(const struct ns_snapshot *s, const void *key, size_t i)
{
	size_t lo = 0, hi = s->count;
	__u64 count;

	if (i >= s->nvalues)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const unsigned char *e = s->entries + mid * entry_size(s);
		int c = memcmp(e, key, s->key_size);

		if (!c) {
			memcpy(&count, e + s->key_size + i * sizeof(count), sizeof(count));
			return count;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static void snapshot_swap(struct ns_snapshot *a, struct ns_snapshot *b)
{
	struct ns_snapshot t = *a;

	*a = *b;
	*b = t;
}

int ns_map_for_each_percpu(int fd, size_t key_size, size_t value_size, ns_percpu_fn fn, void *ctx)
{
	int ncpus = libbpf_num_possible_cpus();
	size_t stride = (value_size + 7) & ~(size_t)7;
	unsigned char *key = NULL, *next = NULL, *values = NULL;
	bool first = true;
	int err = 0;

	if (ncpus < 0)
		return ncpus;
	key = calloc(1, key_size);
	next = calloc(1, key_size);
	values = calloc(ncpus, stride);
	if (!key || !next || !values) {
		err = -ENOMEM;
		goto out;
	}
	while (!err) {
		if (bpf_map_get_next_key(fd, first ? NULL : key, next)) {
			if (errno != ENOENT)
				err = -errno;
			break;
		}
		first = false;
		memcpy(key, next, key_size);
		if (bpf_map_lookup_elem(fd, key, values))
			continue; /* deleted meanwhile */
		err = fn(key, values, ncpus, ctx);
	}
out:
	free(key);
	free(next);
	free(values);
	return err;
}

void ns_counts_begin(struct ns_counts *c, size_t key_size, size_t nvalues)
{
	if (!c->previous.key_size) {
		snapshot_init(&c->previous, key_size, nvalues);
		snapshot_init(&c->current, key_size, nvalues);
	}
	snapshot_reset(&c->current);
}

void ns_counts_end(struct ns_counts *c, bool since_start)
{
	snapshot_finish(&c->current);
	if (!since_start)
		snapshot_swap(&c->previous, &c->current);
}

void ns_counts_release(struct ns_counts *c)
{
	snapshot_release(&c->previous);
	snapshot_release(&c->current);
}

int ns_map_percpu_sum(int fd, const void *key, __u64 *sum)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 *values;
	int err = 0;

	*sum = 0;
	if (ncpus < 0)
		return ncpus;
	values = calloc(ncpus, sizeof(*values));
	if (!values)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, key, values))
		err = -errno;
	for (int cpu = 0; !err && cpu < ncpus; cpu++)
		*sum += values[cpu];
	free(values);
	return err;
}
