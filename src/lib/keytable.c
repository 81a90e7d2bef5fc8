// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/keytable.h"

uint64_t ns_hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

void ns_keytable_init(struct ns_keytable *t, size_t item_size, size_t key_size)
{
	memset(t, 0, sizeof(*t));
	t->item_size = item_size;
	t->key_size = key_size;
}

void ns_keytable_release(struct ns_keytable *t)
{
	free(t->items);
	free(t->index);
	ns_keytable_init(t, t->item_size, t->key_size);
}

void ns_keytable_clear(struct ns_keytable *t)
{
	t->n = 0;
	if (t->index)
		memset(t->index, 0, t->slots * sizeof(*t->index));
}

static size_t free_slot(const struct ns_keytable *t, const void *key)
{
	size_t i = ns_hash_bytes(key, t->key_size) & (t->slots - 1);

	while (t->index[i])
		i = (i + 1) & (t->slots - 1);
	return i;
}

void *ns_keytable_find(const struct ns_keytable *t, const void *key)
{
	if (!t->slots)
		return NULL;
	for (size_t i = ns_hash_bytes(key, t->key_size) & (t->slots - 1); t->index[i];
	     i = (i + 1) & (t->slots - 1))
		if (!memcmp(ns_keytable_at(t, t->index[i] - 1), key, t->key_size))
			return ns_keytable_at(t, t->index[i] - 1);
	return NULL;
}

/* Room for one more item, and an index at most half full. */
static int grow(struct ns_keytable *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char *items = realloc(t->items, cap * t->item_size);

		if (!items)
			return -1;
		t->items = items;
		t->cap = cap;
	}
	if ((t->n + 1) * 2 > t->slots) {
		size_t slots = t->slots ? t->slots * 2 : 128;
		size_t *index = calloc(slots, sizeof(*index));

		if (!index)
			return -1;
		free(t->index);
		t->index = index;
		t->slots = slots;
		for (size_t r = 0; r < t->n; r++)
			index[free_slot(t, ns_keytable_at(t, r))] = r + 1;
	}
	return 0;
}

void *ns_keytable_get(struct ns_keytable *t, const void *key, size_t max)
{
	void *it = ns_keytable_find(t, key);

	if (it || (max && t->n >= max) || grow(t))
		return it;
	it = ns_keytable_at(t, t->n);
	memset(it, 0, t->item_size);
	memcpy(it, key, t->key_size);
	t->index[free_slot(t, key)] = ++t->n;
	return it;
}

int ns_keytable_keep(struct ns_keytable *t, bool (*keep)(const void *item, void *ctx), void *ctx)
{
	struct ns_keytable kept;

	ns_keytable_init(&kept, t->item_size, t->key_size);
	for (size_t i = 0; i < t->n; i++) {
		const void *item = ns_keytable_at(t, i);
		void *copy;

		if (!keep(item, ctx))
			continue;
		copy = ns_keytable_get(&kept, item, 0);
		if (!copy) {
			ns_keytable_release(&kept);
			return -ENOMEM;
		}
		memcpy(copy, item, t->item_size);
	}
	ns_keytable_release(t);
	*t = kept;
	return 0;
}
