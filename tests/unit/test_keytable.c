// SPDX-License-Identifier: GPL-2.0-only
/* The keyed table the latency rows and the service map are kept in. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "lib/keytable.h"

struct item {
	unsigned int key[2];
	unsigned long value;
};

static void finds_what_it_added_in_order(void **state)
{
	struct ns_keytable t;
	struct item *it;

	(void)state;
	ns_keytable_init(&t, sizeof(struct item), sizeof(((struct item *)0)->key));
	assert_null(ns_keytable_find(&t, (unsigned int[2]){ 1, 2 }));
	/* Past the first index and item sizes: they grow. */
	for (unsigned int i = 0; i < 1000; i++) {
		it = ns_keytable_get(&t, (unsigned int[2]){ i, i * 7 }, 0);
		assert_non_null(it);
		assert_int_equal(it->value, 0);
		it->value = i + 1;
	}
	assert_int_equal(t.n, 1000);
	for (unsigned int i = 0; i < 1000; i++) {
		it = ns_keytable_find(&t, (unsigned int[2]){ i, i * 7 });
		assert_non_null(it);
		assert_int_equal(it->value, i + 1);
		assert_ptr_equal(ns_keytable_at(&t, i), it);
	}
	/* An existing key is found, not added again. */
	assert_ptr_equal(ns_keytable_get(&t, (unsigned int[2]){ 5, 35 }, 0), ns_keytable_at(&t, 5));
	assert_int_equal(t.n, 1000);
	assert_null(ns_keytable_find(&t, (unsigned int[2]){ 5, 36 }));
	ns_keytable_clear(&t);
	assert_int_equal(t.n, 0);
	assert_null(ns_keytable_find(&t, (unsigned int[2]){ 5, 35 }));
	ns_keytable_release(&t);
}

static bool odd_value(const void *item, void *ctx)
{
	(void)ctx;
	return ((const struct item *)item)->value % 2;
}

static void keeps_what_it_is_told_in_order(void **state)
{
	struct ns_keytable t;
	struct item *it;

	(void)state;
	ns_keytable_init(&t, sizeof(struct item), sizeof(((struct item *)0)->key));
	for (unsigned int i = 0; i < 100; i++)
		((struct item *)ns_keytable_get(&t, (unsigned int[2]){ i, i }, 0))->value = i;
	assert_int_equal(ns_keytable_keep(&t, odd_value, NULL), 0);
	assert_int_equal(t.n, 50);
	for (unsigned int i = 0; i < 100; i++) {
		it = ns_keytable_find(&t, (unsigned int[2]){ i, i });
		if (i % 2) {
			assert_non_null(it);
			assert_ptr_equal(it, ns_keytable_at(&t, i / 2));
			assert_int_equal(it->value, i);
		} else {
			assert_null(it);
		}
	}
	ns_keytable_release(&t);
}

static void stops_at_its_limit(void **state)
{
	struct ns_keytable t;

	(void)state;
	ns_keytable_init(&t, sizeof(struct item), sizeof(((struct item *)0)->key));
	assert_non_null(ns_keytable_get(&t, (unsigned int[2]){ 1, 1 }, 2));
	assert_non_null(ns_keytable_get(&t, (unsigned int[2]){ 2, 2 }, 2));
	assert_null(ns_keytable_get(&t, (unsigned int[2]){ 3, 3 }, 2));
	/* Full, but what is there is still found. */
	assert_non_null(ns_keytable_get(&t, (unsigned int[2]){ 1, 1 }, 2));
	assert_int_equal(t.n, 2);
	ns_keytable_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_what_it_added_in_order),
		cmocka_unit_test(stops_at_its_limit),
		cmocka_unit_test(keeps_what_it_is_told_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
