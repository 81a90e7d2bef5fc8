// SPDX-License-Identifier: GPL-2.0-only
/* The loader's plan: which programs load, and what happens when one cannot. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "lib/progplan.h"

static const struct ns_prog_spec specs[] = {
	{ .name = "drop_kfree_skb",
	  .fallback = "attributed through skb->sk",
	  .alternative = "drop_kfree_skb_norx",
	  .tracepoint = "kfree_skb",
	  .tracepoint_args = 4 },
	{ .name = "iter_pending",
	  .fallback = "read from a map",
	  .fallback_flags = 1U << 1,
	  .iter_map = "states" },
	{ .name = "iter_start", .fallback = "sock_diag", .fallback_flags = 1U << 3 },
	{ .name = "poller", .fallback = "checked at close", .backs = "iter_pending" },
	{ NULL },
};

static const struct ns_family fam = { .name = "test", .programs = specs };

static const char *const names[] = { "core",	     "drop_kfree_skb", "drop_kfree_skb_norx",
				     "iter_pending", "iter_start",     "poller" };
static const char *const hooks[] = {
	"tp_btf/inet_sock_set_state", "tp_btf/kfree_skb", "tp_btf/kfree_skb",
	"iter/bpf_sk_storage_map",    "iter/tcp",	  "raw_tp"
};
static const bool autoload[] = { true, true, false, true, true, true };

static struct ns_progplan plan(void)
{
	struct ns_progplan p;

	assert_int_equal(ns_progplan_init(&p, &fam, 6, names, hooks, autoload), 0);
	return p;
}

static int kfree_args;

static int tp_args(const char *tp, void *ctx)
{
	(void)ctx;
	return !strcmp(tp, "kfree_skb") ? kfree_args : -ENOENT;
}

static void starts_with_defaults(void **state)
{
	struct ns_progplan p = plan();

	(void)state;
	assert_true(ns_progplan_wanted(&p, "core"));
	assert_true(ns_progplan_wanted(&p, "drop_kfree_skb"));
	assert_false(ns_progplan_wanted(&p, "drop_kfree_skb_norx")); /* SEC("?...") */
	assert_true(p.progs[2].standby);
	assert_null(p.progs[0].spec); /* not listed: required */
	assert_int_equal(p.failed, -1);
	assert_int_equal(ns_progplan_fallbacks(&p), 0);
	assert_false(ns_progplan_degraded(&p));
}

static void short_tracepoint_switches_to_the_alternative(void **state)
{
	struct ns_progplan p = plan();

	(void)state;
	kfree_args = 3;
	assert_int_equal(ns_progplan_resolve(&p, NULL, tp_args, NULL), 0);
	assert_false(ns_progplan_wanted(&p, "drop_kfree_skb"));
	assert_true(ns_progplan_wanted(&p, "drop_kfree_skb_norx"));
	assert_int_equal(p.progs[1].status, NS_PROG_FALLBACK);
	assert_int_equal(p.progs[1].error, EINVAL);
	assert_non_null(strstr(p.progs[1].detail, "has 3 arguments, not 4"));
	assert_int_equal(p.progs[2].status, NS_PROG_OK);
	assert_true(ns_progplan_degraded(&p));
}

static void long_enough_tracepoint_keeps_the_primary(void **state)
{
	struct ns_progplan p = plan();

	(void)state;
	kfree_args = 4;
	assert_int_equal(ns_progplan_resolve(&p, NULL, tp_args, NULL), 0);
	assert_true(ns_progplan_wanted(&p, "drop_kfree_skb"));
	assert_false(ns_progplan_wanted(&p, "drop_kfree_skb_norx"));
	assert_false(ns_progplan_degraded(&p));
}

static void refusing_a_hook_refuses_the_alternative_too(void **state)
{
	struct ns_progplan p = plan();
	struct ns_refusals r;

	(void)state;
	assert_int_equal(ns_refusals_parse("tp_btf/kfree_skb", &r), 0);
	/* The alternative is on the same hook, and is required once switched on. */
	assert_int_equal(ns_progplan_resolve(&p, &r, NULL, NULL), -ENOTSUP);
	assert_int_equal(p.failed, 2);
	assert_int_equal(p.progs[2].status, NS_PROG_UNAVAILABLE);
	assert_true(p.progs[1].refused && p.progs[2].refused);
}

static void refusing_by_name_keeps_the_alternative(void **state)
{
	struct ns_progplan p = plan();
	struct ns_refusals r;

	(void)state;
	assert_int_equal(ns_refusals_parse("drop_kfree_skb", &r), 0);
	assert_int_equal(ns_progplan_resolve(&p, &r, NULL, NULL), 0);
	assert_true(ns_progplan_wanted(&p, "drop_kfree_skb_norx"));
	assert_int_equal(p.progs[1].error, EPERM);
}

static void fallback_flags_add_up(void **state)
{
	struct ns_progplan p = plan();
	struct ns_refusals r;

	(void)state;
	assert_int_equal(ns_refusals_parse(" iter/ ,", &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(ns_progplan_resolve(&p, &r, NULL, NULL), 0);
	assert_int_equal(ns_progplan_fallbacks(&p), (1U << 1) | (1U << 3));
	assert_true(ns_progplan_wanted(&p, "core"));
}

static void a_required_program_fails_the_family(void **state)
{
	struct ns_progplan p = plan();

	(void)state;
	assert_int_equal(ns_progplan_reject(&p, 0, EPERM, false, NULL), -ENOTSUP);
	assert_int_equal(p.failed, 0);
	assert_int_equal(p.progs[0].status, NS_PROG_UNAVAILABLE);
	/* An optional one after it does not hide which one failed first. */
	assert_int_equal(ns_progplan_reject(&p, 3, EPERM, false, "at attach"), 0);
	assert_int_equal(p.failed, 0);
	assert_string_equal(p.progs[3].detail, "at attach");
}

static void refusal_lists_are_bounded(void **state)
{
	char text[2048] = "";
	struct ns_refusals r;

	(void)state;
	for (int i = 0; i < NS_REFUSE_MAX; i++)
		strcat(text, "a,");
	assert_int_equal(ns_refusals_parse(text, &r), 0);
	assert_int_equal(r.n, NS_REFUSE_MAX);
	strcat(text, "b");
	assert_int_equal(ns_refusals_parse(text, &r), -E2BIG);
	memset(text, 'x', NS_PLAN_NAME_LEN);
	text[NS_PLAN_NAME_LEN] = '\0';
	assert_int_equal(ns_refusals_parse(text, &r), -ENAMETOOLONG);
	assert_int_equal(ns_refusals_parse(NULL, &r), 0);
	assert_int_equal(r.n, 0);
	assert_false(ns_refused(&r, "iter/tcp"));
	assert_int_equal(ns_refusals_parse("iter/bpf_sk_storage_map kfunc/", &r), 0);
	assert_true(ns_refused(&r, "iter/bpf_sk_storage_map"));
	assert_true(ns_refused(&r, "kfunc/bpf_rdonly_cast"));
	assert_false(ns_refused(&r, "iter/tcp"));
}

static void a_standby_matters_only_without_its_primary(void **state)
{
	struct ns_progplan p = plan();

	(void)state;
	assert_int_equal(ns_progplan_reject(&p, 5, EPERM, false, NULL), 0);
	assert_false(ns_progplan_needed(&p, 5));
	assert_false(ns_progplan_degraded(&p));
	assert_int_equal(ns_progplan_reject(&p, 3, EPERM, false, NULL), 0);
	assert_true(ns_progplan_needed(&p, 5));
	assert_true(ns_progplan_degraded(&p));
}

static void refusals_must_name_something(void **state)
{
	static const char *const pseudo[] = { "kfunc/bpf_rdonly_cast", NULL };
	struct ns_refusals r;

	(void)state;
	assert_int_equal(ns_refusals_parse("iter/,drop_kfree_skb,tp_btf/kfree,kfunc/", &r), 0);
	assert_null(ns_refusals_unmatched(&r, 6, names, hooks, pseudo));
	assert_int_equal(ns_refusals_parse("iter/tcp,iter/tpc", &r), 0);
	assert_string_equal(ns_refusals_unmatched(&r, 6, names, hooks, pseudo), "iter/tpc");
	/* A program's name is matched whole, not as a prefix. */
	assert_int_equal(ns_refusals_parse("drop_kfree", &r), 0);
	assert_string_equal(ns_refusals_unmatched(&r, 6, names, hooks, pseudo), "drop_kfree");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(starts_with_defaults),
		cmocka_unit_test(short_tracepoint_switches_to_the_alternative),
		cmocka_unit_test(long_enough_tracepoint_keeps_the_primary),
		cmocka_unit_test(refusing_a_hook_refuses_the_alternative_too),
		cmocka_unit_test(refusing_by_name_keeps_the_alternative),
		cmocka_unit_test(fallback_flags_add_up),
		cmocka_unit_test(a_required_program_fails_the_family),
		cmocka_unit_test(refusal_lists_are_bounded),
		cmocka_unit_test(a_standby_matters_only_without_its_primary),
		cmocka_unit_test(refusals_must_name_something),
	};

	return cmocka_run_group_tests_name("progplan", tests, NULL, NULL);
}
