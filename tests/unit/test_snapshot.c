// SPDX-License-Identifier: GPL-2.0-only
/* Readings of an in-kernel aggregate turned into counts per interval. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/snapshot.h"

struct key {
	__u32 a, b;
};

static void read_once(struct ns_counts *c, const struct key *keys, const __u64 (*vals)[2], size_t n,
		      bool since_start)
{
	ns_counts_begin(c, sizeof(struct key), 2);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ns_snapshot_add(&c->current, &keys[i], vals[i]), 0);
	ns_counts_end(c, since_start);
}

static void intervals_compare_with_the_previous_reading(void **state)
{
	static const struct key keys[] = { { 3, 1 }, { 1, 9 }, { 2, 2 } };
	static const __u64 first[][2] = { { 10, 1 }, { 5, 0 }, { 7, 7 } };
	static const __u64 second[][2] = { { 12, 1 }, { 5, 4 }, { 7, 7 } };
	struct ns_counts c = { 0 };

	(void)state;
	read_once(&c, keys, first, 3, false);
	/* The reading just ended is now the previous one, sorted for lookups. */
	assert_int_equal(ns_snapshot_get(&c.previous, &keys[0], 0), 10);
	assert_int_equal(ns_snapshot_get(&c.previous, &keys[1], 0), 5);
	assert_int_equal(ns_snapshot_get(&c.previous, &keys[2], 1), 7);
	assert_int_equal(ns_snapshot_get(&c.previous, &(struct key){ 4, 4 }, 0), 0);
	assert_int_equal(ns_snapshot_get(&c.previous, &keys[0], 2), 0); /* no such count */
	read_once(&c, keys, second, 3, false);
	assert_int_equal(ns_snapshot_get(&c.previous, &keys[0], 0), 12);
	assert_int_equal(ns_snapshot_get(&c.previous, &keys[1], 1), 4);
	ns_counts_release(&c);
}

static void totals_leave_the_previous_reading_alone(void **state)
{
	static const struct key keys[] = { { 1, 1 } };
	static const __u64 first[][2] = { { 3, 3 } };
	static const __u64 total[][2] = { { 8, 8 } };
	struct ns_counts c = { 0 };

	(void)state;
	read_once(&c, keys, first, 1, false);
	read_once(&c, keys, total, 1, true);
	assert_int_equal(ns_snapshot_get(&c.previous, &keys[0], 0), 3);
	ns_counts_release(&c);
}

static void many_keys_grow_the_reading(void **state)
{
	struct ns_counts c = { 0 };

	(void)state;
	ns_counts_begin(&c, sizeof(struct key), 2);
	for (__u32 i = 0; i < 5000; i++) {
		struct key k = { 5000 - i, i };
		__u64 v[2] = { i, 2 * i };

		assert_int_equal(ns_snapshot_add(&c.current, &k, v), 0);
	}
	ns_counts_end(&c, false);
	assert_int_equal(ns_snapshot_get(&c.previous, &(struct key){ 1, 4999 }, 1), 9998);
	assert_int_equal(ns_snapshot_get(&c.previous, &(struct key){ 5000, 0 }, 0), 0);
	ns_counts_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(intervals_compare_with_the_previous_reading),
		cmocka_unit_test(totals_leave_the_previous_reading_alone),
		cmocka_unit_test(many_keys_grow_the_reading),
	};

	return cmocka_run_group_tests_name("snapshot", tests, NULL, NULL);
}
