// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "lib/periods.h"

void ns_periods_init(struct ns_periods *p, size_t key_size)
{
	memset(p, 0, sizeof(*p));
	p->key_size = key_size;
}

void ns_periods_release(struct ns_periods *p)
{
	free(p->keys);
	ns_periods_init(p, p->key_size);
}

int ns_periods_flip(struct ns_periods *p, int state_fd, uint32_t index)
{
	struct timespec grace = { 0, NS_PERIOD_GRACE_NS };
	uint32_t old = p->current, next = old ^ 1;

	if (bpf_map_update_elem(state_fd, &index, &next, BPF_ANY))
		return -errno;
	p->current = next;
	nanosleep(&grace, NULL);
	return (int)old;
}

static void *key_at(const struct ns_periods *p, size_t i)
{
	return (char *)p->keys + i * p->key_size;
}

static int add_key(struct ns_periods *p, const void *key)
{
	if (p->nkeys == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		void *grown = realloc(p->keys, cap * p->key_size);

		if (!grown)
			return -ENOMEM;
		p->keys = grown;
		p->cap = cap;
	}
	memcpy(key_at(p, p->nkeys++), key, p->key_size);
	return 0;
}

int ns_periods_take(struct ns_periods *p, int fd, size_t epoch_offset, uint32_t period,
		    size_t value_size, ns_period_row_fn fn, void *ctx)
{
	unsigned char key[256], next[256], value[4096];
	const void *prev = NULL;
	int err = 0;

	if (p->key_size > sizeof(key) || value_size > sizeof(value))
		return -E2BIG;
	p->nkeys = 0;
	while (!err && !bpf_map_get_next_key(fd, prev, next)) {
		if (next[epoch_offset] == period)
			err = add_key(p, next);
		memcpy(key, next, p->key_size);
		prev = key;
	}
	for (size_t i = 0; !err && fn && i < p->nkeys; i++)
		if (!bpf_map_lookup_elem(fd, key_at(p, i), value))
			err = fn(key_at(p, i), value, ctx);
	for (size_t i = 0; i < p->nkeys; i++)
		bpf_map_delete_elem(fd, key_at(p, i));
	return err;
}
