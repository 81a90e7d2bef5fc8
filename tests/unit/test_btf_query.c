// SPDX-License-Identifier: GPL-2.0-only
/* Tracepoint argument counts and kfuncs, from a synthetic BTF blob. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <bpf/btf.h>
#include <cmocka.h>

#include "lib/btf_query.h"

/* typedef void (*btf_trace_<name>)(void *, <nargs> x int *); as the kernel declares them. */
static void add_tracepoint(struct btf *btf, const char *name, int nargs, int int_id)
{
	char typedef_name[64];
	int proto, ptr;

	proto = btf__add_func_proto(btf, 0);
	assert_true(proto > 0);
	assert_int_equal(btf__add_func_param(btf, "__data", int_id), 0);
	for (int i = 0; i < nargs; i++)
		assert_int_equal(btf__add_func_param(btf, "arg", int_id), 0);
	ptr = btf__add_ptr(btf, proto);
	assert_true(ptr > 0);
	snprintf(typedef_name, sizeof(typedef_name), "btf_trace_%s", name);
	assert_true(btf__add_typedef(btf, typedef_name, ptr) > 0);
}

static struct btf *synthetic(void)
{
	struct btf *btf = btf__new_empty();
	int int_id, proto;

	assert_non_null(btf);
	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	add_tracepoint(btf, "kfree_skb", 4, int_id);
	add_tracepoint(btf, "tcp_retransmit_skb", 2, int_id);
	/* Not a pointer to a function: not a tracepoint typedef. */
	assert_true(btf__add_typedef(btf, "btf_trace_odd", int_id) > 0);
	proto = btf__add_func_proto(btf, int_id);
	assert_true(btf__add_func(btf, "bpf_rdonly_cast", BTF_FUNC_GLOBAL, proto) > 0);
	return btf;
}

static void tracepoint_arguments(void **state)
{
	struct btf *btf = synthetic();

	(void)state;
	assert_int_equal(ns_btf_tracepoint_args(btf, "kfree_skb"), 4);
	assert_int_equal(ns_btf_tracepoint_args(btf, "tcp_retransmit_skb"), 2);
	assert_int_equal(ns_btf_tracepoint_args(btf, "tcp_send_reset"), -ENOENT);
	assert_int_equal(ns_btf_tracepoint_args(btf, "odd"), -EINVAL);
	btf__free(btf);
}

static void kfuncs(void **state)
{
	struct btf *btf = synthetic();

	(void)state;
	assert_true(ns_btf_has_func(btf, "bpf_rdonly_cast"));
	assert_false(ns_btf_has_func(btf, "bpf_cast_to_kern_ctx"));
	/* A typedef of that name is not a function. */
	assert_false(ns_btf_has_func(btf, "btf_trace_kfree_skb"));
	btf__free(btf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tracepoint_arguments),
		cmocka_unit_test(kfuncs),
	};

	return cmocka_run_group_tests_name("btf_query", tests, NULL, NULL);
}
