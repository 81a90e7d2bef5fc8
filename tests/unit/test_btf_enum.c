// SPDX-License-Identifier: GPL-2.0-only
/* Kernel enum names from BTF, checked against a synthetic BTF blob. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <bpf/btf.h>
#include <cmocka.h>

#include "lib/btf_enum.h"

static const char *const drop_prefixes[] = { "SKB_DROP_REASON_", "SKB_", NULL };

static struct btf *synthetic(void)
{
	struct btf *btf = btf__new_empty();

	assert_non_null(btf);
	/* Deliberately not in value order, with a gap, like a real kernel's. */
	assert_true(btf__add_enum(btf, "skb_drop_reason", 4) > 0);
	assert_int_equal(btf__add_enum_value(btf, "SKB_CONSUMED", 1), 0);
	assert_int_equal(btf__add_enum_value(btf, "SKB_DROP_REASON_NOT_SPECIFIED", 2), 0);
	assert_int_equal(btf__add_enum_value(btf, "SKB_DROP_REASON_NETFILTER_DROP", 12), 0);
	assert_int_equal(btf__add_enum_value(btf, "SKB_NOT_DROPPED_YET", 0), 0);
	assert_int_equal(btf__add_enum_value(btf, "SKB_DROP_REASON_TCP_LISTEN_OVERFLOW", 40), 0);
	/* An anonymous enum found by one of its members. */
	assert_true(btf__add_enum(btf, NULL, 4) > 0);
	assert_int_equal(btf__add_enum_value(btf, "TCP_ESTABLISHED", 1), 0);
	assert_int_equal(btf__add_enum_value(btf, "TCP_SYN_SENT", 2), 0);
	assert_int_equal(btf__add_enum_value(btf, "TCP_LISTEN", 10), 0);
	/* A 64-bit enum with a value past 32 bits, and a negative one. */
	assert_true(btf__add_enum64(btf, "wide", 8, true) > 0);
	assert_int_equal(btf__add_enum64_value(btf, "WIDE_BIG", 1ULL << 40), 0);
	assert_int_equal(btf__add_enum64_value(btf, "WIDE_NEG", (__u64)-5LL), 0);
	return btf;
}

static void drop_reasons_by_type_name(void **state)
{
	struct btf *btf = synthetic();
	struct ns_enum_names names;
	__s64 v = 0;

	(void)state;
	assert_int_equal(ns_enum_names_load(btf, "skb_drop_reason", NULL, drop_prefixes, &names),
			 0);
	assert_int_equal(names.count, 5);
	assert_string_equal(ns_enum_names_get(&names, 12), "NETFILTER_DROP");
	assert_string_equal(ns_enum_names_get(&names, 40), "TCP_LISTEN_OVERFLOW");
	assert_string_equal(ns_enum_names_get(&names, 2), "NOT_SPECIFIED");
	assert_string_equal(ns_enum_names_get(&names, 1), "CONSUMED");
	assert_string_equal(ns_enum_names_get(&names, 0), "NOT_DROPPED_YET");
	assert_null(ns_enum_names_get(&names, 3));
	assert_null(ns_enum_names_get(&names, 41));
	assert_int_equal(ns_enum_names_find(&names, "NETFILTER_DROP", &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(ns_enum_names_find(&names, "SKB_DROP_REASON_NETFILTER_DROP", &v), -ENOENT);
	ns_enum_names_release(&names);
	btf__free(btf);
}

static void anonymous_enum_by_member(void **state)
{
	static const char *const tcp_prefix[] = { "TCP_", NULL };
	struct btf *btf = synthetic();
	struct ns_enum_names names;

	(void)state;
	assert_int_equal(ns_enum_names_load(btf, NULL, "TCP_ESTABLISHED", tcp_prefix, &names), 0);
	assert_int_equal(names.count, 3);
	assert_string_equal(ns_enum_names_get(&names, 10), "LISTEN");
	assert_string_equal(ns_enum_names_get(&names, 2), "SYN_SENT");
	ns_enum_names_release(&names);
	btf__free(btf);
}

static void enum64_values(void **state)
{
	struct btf *btf = synthetic();
	struct ns_enum_names names;

	(void)state;
	assert_int_equal(ns_enum_names_load(btf, "wide", NULL, NULL, &names), 0);
	assert_string_equal(ns_enum_names_get(&names, 1LL << 40), "WIDE_BIG");
	assert_string_equal(ns_enum_names_get(&names, -5), "WIDE_NEG");
	ns_enum_names_release(&names);
	btf__free(btf);
}

static void missing_enum(void **state)
{
	struct btf *btf = synthetic();
	struct ns_enum_names names;

	(void)state;
	assert_int_equal(ns_enum_names_load(btf, "no_such_enum", NULL, NULL, &names), -ENOENT);
	assert_int_equal(ns_enum_names_load(btf, NULL, "NO_SUCH_MEMBER", NULL, &names), -ENOENT);
	assert_null(ns_enum_names_get(&names, 0));
	btf__free(btf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(drop_reasons_by_type_name),
		cmocka_unit_test(anonymous_enum_by_member),
		cmocka_unit_test(enum64_values),
		cmocka_unit_test(missing_enum),
	};

	return cmocka_run_group_tests_name("btf_enum", tests, NULL, NULL);
}
