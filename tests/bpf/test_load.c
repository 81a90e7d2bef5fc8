// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every BPF object passes the verifier on the running kernel and attaches,
 * through the same session code the command line uses; the owner family's
 * start-up iteration runs in every network namespace. Needs root: without it
 * the group is skipped with the reason, unless CI=true, where that fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>

#include "lib/session.h"
#include "lib/system.h"
#include "probes/registry.h"

static const struct ns_family *const families[] = { &ns_owner_family, &ns_conn_family };

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

static struct ns_session *open_session(void)
{
	struct ns_session_opts opts = { .ringbuf_size = 1 << 20 };
	struct ns_session *s;

	require_privileges();
	s = ns_session__new(&opts);
	assert_non_null(s);
	return s;
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

static void every_family_loads_and_attaches(void **state)
{
	struct ns_session *s = open_session();
	bool mounted;

	(void)state;
	ns_tracefs_ensure(&mounted);
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		int err = ns_session__add(s, families[i]);

		if (err)
			fail_msg("loading '%s': %s", ns_session__subject(s), strerror(-err));
	}
	assert_int_equal(ns_session__attach(s), 0);
	assert_int_equal(ns_session__start(s), 0);
	ns_session__free(s);
}

static void shared_maps_are_created_once(void **state)
{
	struct ns_session *s = open_session();
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	(void)state;
	assert_int_equal(ns_session__add(s, &ns_owner_family), 0);
	assert_int_equal(ns_session__add(s, &ns_conn_family), 0);
	/* Both objects declare the ns_ maps; after loading, both use one copy. */
	for (const char **m =
		     (const char *[]){ "ns_owners", "ns_accepted", "ns_events", "ns_errors", NULL };
	     *m; m++)
		assert_int_equal(map_id(s, "owner", *m), map_id(s, "conn", *m));
	/* Family maps are their own. */
	assert_null(bpf_object__find_map_by_name(ns_session__object(s, "owner"), "conn_states"));
	assert_int_equal(bpf_obj_get_info_by_fd(bpf_map__fd(ns_session__map(s, "ns_events")), &info,
						&len),
			 0);
	assert_int_equal(info.max_entries, 1 << 20);
	ns_session__free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_family_loads_and_attaches),
		cmocka_unit_test(shared_maps_are_created_once),
	};

	return cmocka_run_group_tests_name("bpf_load", tests, NULL, NULL);
}
