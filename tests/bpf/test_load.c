// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every BPF object passes the verifier on the running kernel and attaches,
 * through the same session code the command line uses, in both builds (typed
 * views and probe reads) and with every program variant; what the kernel
 * refuses must be optional, with a fallback. Prints the capability report.
 * Needs root: without it the group is skipped with the reason, unless
 * CI=true, where that fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>

#include <netsight/event.h>

#include "lib/errnames.h"
#include "lib/periods.h"
#include "lib/session.h"
#include "lib/system.h"
#include "probes/drop.h"
#include "probes/registry.h"
#include "refused.compat.skel.h"
#include "refused.skel.h"

/* tests/bpf/refused.bpf.c: programs every verifier refuses, beside good ones. */
NS_FAMILY_SKELETONS(refused)

static const struct ns_prog_spec refused_degrading[] = {
	{ .name = "refused_optional", .fallback = "nothing replaces it" },
	{ .name = "refused_primary", .fallback = "its variant", .alternative = "refused_variant" },
	{ NULL },
};

static const struct ns_family refused_family = {
	.name = "refused",
	NS_FAMILY_SKELETON_OPS(refused),
	.programs = refused_degrading,
};

/* The same object, where nothing is optional. */
static const struct ns_family required_family = {
	.name = "required",
	NS_FAMILY_SKELETON_OPS(refused),
};

static const struct ns_family *const families[] = { &ns_owner_family, &ns_conn_family,
						    &ns_tcp_family, &ns_drop_family };
#define NFAMILIES (sizeof(families) / sizeof(families[0]))

/* Primaries that have a program variant: refusing them by name loads the variant. */
#define VARIANT_PRIMARIES "drop_kfree_skb,tcp_retransmit_skb,tcp_send_reset"

/* Skips (outside CI) or fails (CI=true) when this process cannot trace. */
static void require_privileges(void)
{
	if (!ns_system_privileged() && !ns_system_btf())
		return;
	if (getenv("CI") && !strcmp(getenv("CI"), "true"))
		fail_msg("CI=true but the BPF tests cannot run: they need root and BTF");
	fprintf(stderr, "skipping: BPF tests need root and a kernel with BTF\n");
	skip();
}

static struct ns_session *open_session(const char *refuse)
{
	struct ns_session_opts opts = { .ringbuf_size = 1 << 20, .refuse = refuse, .quiet = true };
	struct ns_session *s;

	require_privileges();
	assert_int_equal(ns_drop_reasons_load(), 0);
	s = ns_session__new(&opts);
	assert_non_null(s);
	return s;
}

struct report_ctx {
	const char *label;
	unsigned int programs, fallbacks;
};

/* Prints one family's programs; fails on any that is unavailable. */
static int report(const struct ns_family_report *r, void *ctx)
{
	struct report_ctx *rc = ctx;

	printf("# %s: %s with %s\n", rc->label, r->name,
	       r->flavour == NS_FLAVOUR_VIEWS ? "typed views" : "probe reads");
	if (!r->loaded)
		fail_msg("family '%s' did not load (%s)", r->name, ns_errno_name(r->error));
	for (size_t i = 0; i < r->plan->n; i++) {
		const struct ns_prog_state *st = &r->plan->progs[i];

		if (st->standby)
			continue;
		rc->programs++;
		printf("#   %-26s %-38s %s%s%s\n", st->name, st->hook,
		       st->status == NS_PROG_OK ? "ok" : "fallback: ",
		       st->status == NS_PROG_OK ? "" : ns_errno_name(st->error),
		       st->refused ? " (on request)" : "");
		if (st->status == NS_PROG_UNAVAILABLE)
			fail_msg("'%s' (%s) was refused and has no fallback", st->name, st->hook);
		if (st->status == NS_PROG_FALLBACK) {
			assert_non_null(st->spec);
			assert_non_null(st->spec->fallback);
			rc->fallbacks++;
		}
	}
	return 0;
}

/* Loads, attaches and starts every family with @refuse, and checks the report. */
static struct report_ctx load_all(const char *label, const char *refuse)
{
	struct ns_session *s = open_session(refuse);
	struct report_ctx rc = { .label = label };

	for (size_t i = 0; i < NFAMILIES; i++) {
		int err = ns_session__add(s, families[i]);

		if (err)
			fail_msg("%s: loading '%s': %s", label, ns_session__subject(s),
				 strerror(-err));
	}
	assert_int_equal(ns_session__attach(s), 0);
	assert_int_equal(ns_session__start(s), 0);
	ns_session__stop(s);
	assert_int_equal(ns_session__finish(s), 0);
	ns_session__for_each_family(s, report, &rc);
	assert_true(rc.programs > 20);
	ns_session__free(s);
	return rc;
}

static void every_family_loads_with_typed_views(void **state)
{
	(void)state;
	load_all("typed views", NULL);
}

static void every_family_loads_with_probe_reads(void **state)
{
	(void)state;
	load_all("probe reads", NS_HOOK_VIEWS);
}

static void every_variant_loads(void **state)
{
	struct report_ctx views, compat;

	(void)state;
	views = load_all("variants, typed views", VARIANT_PRIMARIES);
	compat = load_all("variants, probe reads", VARIANT_PRIMARIES "," NS_HOOK_VIEWS);
	assert_true(views.fallbacks >= 3 && compat.fallbacks >= 3);
}

static void fallbacks_switch_on_flags(void **state)
{
	struct ns_session *s = open_session("iter/");

	(void)state;
	for (size_t i = 0; i < NFAMILIES; i++)
		assert_int_equal(ns_session__add(s, families[i]), 0);
	assert_int_equal(ns_session__attach(s), 0);
	assert_int_equal(ns_session__fallbacks(s), NS_FB_OWNER_SEED | NS_FB_CONN_HELD |
							   NS_FB_LISTEN_LIST | NS_FB_LISTEN_SEED);
	assert_false(ns_session__usable(s, "tcp_iter_listeners"));
	assert_true(ns_session__usable(s, "tcp_poll_listeners"));
	assert_int_equal(ns_session__run_iter(s, "tcp_iter_listeners"), -ENOENT);
	assert_int_equal(ns_session__run_prog(s, "tcp_poll_listeners"), 0);
	assert_int_equal(ns_session__start(s), 0);
	ns_session__free(s);
}

static void a_refused_required_program_fails_cleanly(void **state)
{
	struct ns_session *s = open_session("tp_btf/inet_sock_set_state");
	__u32 id = 0, links_before = 0, links_after = 0;

	(void)state;
	while (!bpf_link_get_next_id(id, &id))
		links_before++;
	assert_int_equal(ns_session__add(s, &ns_owner_family), -EPERM);
	assert_non_null(strstr(ns_session__subject(s), "owner_inet_sock_set_state"));
	assert_non_null(strstr(ns_session__subject(s), "tp_btf/inet_sock_set_state"));
	assert_null(ns_session__object(s, "owner"));
	ns_session__free(s);
	for (id = 0; !bpf_link_get_next_id(id, &id);)
		links_after++;
	assert_int_equal(links_after, links_before);
}

static const struct ns_prog_state *prog_state(const struct ns_progplan *p, const char *name)
{
	int i = ns_progplan_find(p, name);

	assert_true(i >= 0);
	return &p->progs[i];
}

static int check_refused(const struct ns_family_report *r, void *ctx)
{
	const struct ns_prog_state *st;

	(void)ctx;
	if (strcmp(r->name, "refused"))
		return 0;
	assert_true(r->loaded);
	/* Refused by the kernel's verifier (not on request), with its errno. */
	st = prog_state(r->plan, "refused_optional");
	assert_int_equal(st->status, NS_PROG_FALLBACK);
	assert_false(st->refused);
	assert_true(st->error == EACCES || st->error == EINVAL);
	st = prog_state(r->plan, "refused_primary");
	assert_int_equal(st->status, NS_PROG_FALLBACK);
	assert_true(prog_state(r->plan, "refused_variant")->wanted);
	assert_true(prog_state(r->plan, "refused_fine")->wanted);
	assert_true(prog_state(r->plan, "refused_required")->standby);
	return 0;
}

static void the_kernels_refusals_degrade_a_family(void **state)
{
	struct ns_session *s = open_session(NULL);

	(void)state;
	assert_int_equal(ns_session__add(s, &ns_owner_family), 0);
	assert_int_equal(ns_session__add(s, &refused_family), 0);
	ns_session__for_each_family(s, check_refused, NULL);
	assert_int_equal(ns_session__attach(s), 0);
	assert_true(ns_session__usable(s, "refused_variant"));
	assert_false(ns_session__usable(s, "refused_primary"));
	ns_session__free(s);
}

static void a_required_program_the_kernel_refuses_fails_the_family(void **state)
{
	struct ns_session *s = open_session(NULL);
	int err;

	(void)state;
	assert_int_equal(ns_session__add(s, &ns_owner_family), 0);
	err = ns_session__add(s, &required_family);
	assert_true(err == -EACCES || err == -EINVAL);
	assert_non_null(strstr(ns_session__subject(s), "'refused_optional'"));
	assert_null(ns_session__object(s, "required"));
	/* The family that failed does not hold back the ones that did not. */
	assert_int_equal(ns_session__add(s, &ns_conn_family), 0);
	assert_int_equal(ns_session__attach(s), 0);
	ns_session__free(s);
}

static __u32 map_id(struct ns_session *s, const char *family, const char *map)
{
	struct bpf_object *obj = ns_session__object(s, family);
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	assert_non_null(obj);
	assert_int_equal(bpf_obj_get_info_by_fd(bpf_map__fd(bpf_object__find_map_by_name(obj, map)),
						&info, &len),
			 0);
	return info.id;
}

static void shared_maps_are_created_once(void **state)
{
	struct ns_session *s = open_session(NULL);
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	(void)state;
	assert_int_equal(ns_session__add(s, &ns_owner_family), 0);
	assert_int_equal(ns_session__add(s, &ns_conn_family), 0);
	/* Both objects declare the ns_ maps; after loading, both use one copy. */
	for (const char **m = (const char *[]){ "ns_owners", "ns_events", "ns_errors",
						"ns_owner_seed", "ns_conn_counts", NULL };
	     *m; m++)
		assert_int_equal(map_id(s, "owner", *m), map_id(s, "conn", *m));
	/* Family maps are their own. */
	assert_null(bpf_object__find_map_by_name(ns_session__object(s, "owner"), "conn_held"));
	assert_int_equal(bpf_obj_get_info_by_fd(bpf_map__fd(ns_session__map(s, "ns_events")), &info,
						&len),
			 0);
	assert_int_equal(info.max_entries, 1 << 20);
	ns_session__free(s);
}

struct period_key {
	__u32 id;
	__u8 epoch;
	__u8 pad[3];
};

static int sum_rows(const void *key, const void *value, void *ctx)
{
	const struct period_key *k = key;

	assert_int_equal(k->epoch, 0);
	*(__u64 *)ctx += *(const __u64 *)value;
	return 0;
}

/* A reading takes the period the programs left, whole, and leaves the new one alone. */
static void a_reading_takes_and_deletes_the_old_period(void **state)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "test_rows", sizeof(struct period_key),
				sizeof(__u64), 64, NULL);
	int state_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "test_period", sizeof(__u32),
				      sizeof(__u32), 1, NULL);
	struct ns_periods p;
	__u32 zero = 0, current = 99;
	__u64 sum = 0, v, count = 0;
	struct period_key k = { 0 }, next, *prev = NULL;

	(void)state;
	assert_true(fd >= 0 && state_fd >= 0);
	for (__u32 i = 0; i < 40; i++) {
		k.id = i;
		k.epoch = i % 4 == 0; /* 10 rows already in the next period */
		v = i;
		assert_int_equal(bpf_map_update_elem(fd, &k, &v, BPF_ANY), 0);
	}
	ns_periods_init(&p, sizeof(struct period_key));
	assert_int_equal(ns_periods_flip(&p, state_fd, 0), 0);
	assert_int_equal(bpf_map_lookup_elem(state_fd, &zero, &current), 0);
	assert_int_equal(current, 1);
	assert_int_equal(ns_periods_take(&p, fd, offsetof(struct period_key, epoch), 0,
					 sizeof(__u64), sum_rows, &sum),
			 0);
	/* 0..39 less the multiples of 4 (0+4+...+36 = 180). */
	assert_int_equal(sum, 780 - 180);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		assert_int_equal(next.epoch, 1);
		k = next;
		prev = &k;
		count++;
	}
	assert_int_equal(count, 10);
	/* And back: the next reading takes period 1. */
	assert_int_equal(ns_periods_flip(&p, state_fd, 0), 1);
	assert_int_equal(ns_periods_take(&p, fd, offsetof(struct period_key, epoch), 1,
					 sizeof(__u64), NULL, NULL),
			 0);
	assert_int_not_equal(bpf_map_get_next_key(fd, NULL, &next), 0);
	ns_periods_release(&p);
	close(fd);
	close(state_fd);
}

/* libbpf's own log only with NETSIGHT_TEST_VERBOSE: refusals here are on purpose. */
static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_DEBUG || !getenv("NETSIGHT_TEST_VERBOSE") ?
		       0 :
		       vfprintf(stderr, fmt, ap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_family_loads_with_typed_views),
		cmocka_unit_test(every_family_loads_with_probe_reads),
		cmocka_unit_test(every_variant_loads),
		cmocka_unit_test(fallbacks_switch_on_flags),
		cmocka_unit_test(a_refused_required_program_fails_cleanly),
		cmocka_unit_test(the_kernels_refusals_degrade_a_family),
		cmocka_unit_test(a_required_program_the_kernel_refuses_fails_the_family),
		cmocka_unit_test(shared_maps_are_created_once),
		cmocka_unit_test(a_reading_takes_and_deletes_the_old_period),
	};

	libbpf_set_print(libbpf_quiet);
	return cmocka_run_group_tests_name("bpf_load", tests, NULL, NULL);
}
