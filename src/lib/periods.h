/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading periods of an in-kernel table: programs add to the rows of the
 * current period (a key field, 0 or 1, taken from a state map user space
 * flips); user space flips it, waits for programs still adding to the old
 * period to finish, then takes the old period's rows and deletes them. No
 * row is read twice or lost between readings, and the table only holds
 * what happened since the last one.
 */
#ifndef NETSIGHT_PERIODS_H
#define NETSIGHT_PERIODS_H

#include <stddef.h>
#include <stdint.h>

/* Long enough for a program that read the old period to have finished with it. */
#define NS_PERIOD_GRACE_NS (2 * 1000 * 1000)

/* A row read: its key and value. Nonzero stops the reading and is returned. */
typedef int (*ns_period_row_fn)(const void *key, const void *value, void *ctx);

struct ns_periods {
	uint32_t current; /* the period programs count in */
	void *keys; /* the old period's keys, to read and delete */
	size_t nkeys, cap, key_size;
};

/* @key_size: the table's key size. */
void ns_periods_init(struct ns_periods *p, size_t key_size);
void ns_periods_release(struct ns_periods *p);

/*
 * Makes the programs count in the other period: writes it at @index of
 * array @state_fd (__u32 values) and waits NS_PERIOD_GRACE_NS. Returns the
 * period left, or negative errno.
 */
int ns_periods_flip(struct ns_periods *p, int state_fd, uint32_t index);

/*
 * Takes the rows of hash @fd in period @period (the byte at @epoch_offset of
 * their keys): calls @fn on each (NULL: none) and deletes them. 0, -ENOMEM,
 * or what @fn returned.
 */
int ns_periods_take(struct ns_periods *p, int fd, size_t epoch_offset, uint32_t period,
		    size_t value_size, ns_period_row_fn fn, void *ctx);

#endif /* NETSIGHT_PERIODS_H */
