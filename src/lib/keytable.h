/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A table of fixed-size items found by a fixed-size key at their start
 * (open addressing over the key's bytes), kept in the order they were added.
 * Keys are compared as bytes: zero them, padding included, before filling.
 */
#ifndef NETSIGHT_KEYTABLE_H
#define NETSIGHT_KEYTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ns_keytable {
	char *items;
	size_t item_size, key_size;
	size_t n, cap;
	size_t *index; /* item number + 1; 0: empty */
	size_t slots;
};

/* FNV-1a over @n bytes. */
uint64_t ns_hash_bytes(const void *p, size_t n);

void ns_keytable_init(struct ns_keytable *t, size_t item_size, size_t key_size);
void ns_keytable_release(struct ns_keytable *t);
/* Forgets every item, keeping the memory. */
void ns_keytable_clear(struct ns_keytable *t);

/* Item @i (0 to t->n - 1), in the order added. */
static inline void *ns_keytable_at(const struct ns_keytable *t, size_t i)
{
	return t->items + i * t->item_size;
}

/* The item whose key is @key, or NULL. */
void *ns_keytable_find(const struct ns_keytable *t, const void *key);

/*
 * The item whose key is @key, added (zeroed, then the key) if missing and
 * the table holds fewer than @max items (0: no limit). NULL when full or
 * without memory.
 */
void *ns_keytable_get(struct ns_keytable *t, const void *key, size_t max);

/*
 * Keeps only the items @keep says to (in their order), and gives the memory
 * of the others back. 0, or -ENOMEM with @t as it was.
 */
int ns_keytable_keep(struct ns_keytable *t, bool (*keep)(const void *item, void *ctx), void *ctx);

#endif /* NETSIGHT_KEYTABLE_H */
