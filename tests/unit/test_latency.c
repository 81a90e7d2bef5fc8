// SPDX-License-Identifier: GPL-2.0-only
/* Latency histograms: buckets, quantiles, groups, and how rows and identities render. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "lib/cgroups.h"
#include "lib/histogram.h"
#include "lib/render.h"
#include "probes/latency.h"

#define DOCKER_ID "3f2a9c7be1d04f6a8b5c2d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c"
#define POD_ID "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
#define POD_UID "5e1d8a42-9c3b-4f7e-a1d2-0b9c8e7f6a54"

/* Fake cgroups: 100 and 101 are one Docker container, 102 a service, 103 a pod's. */
static int fake_paths(uint64_t id, char *buf, size_t len)
{
	static const char *const paths[] = {
		"/system.slice/docker-" DOCKER_ID ".scope",
		"/system.slice/docker-" DOCKER_ID ".scope/init.scope",
		"/system.slice/nginx.service",
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
		"5e1d8a42_9c3b_4f7e_a1d2_0b9c8e7f6a54.slice/cri-containerd-" POD_ID ".scope",
	};

	if (id < 100 || id >= 100 + sizeof(paths) / sizeof(paths[0]))
		return -ENOENT;
	snprintf(buf, len, "%s", paths[id - 100]);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	ns_cgroups_set_resolver(fake_paths);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ns_cgroups_set_resolver(NULL);
	ns_cgroups_release();
	return 0;
}

static void slots_are_powers_of_two_inclusive(void **state)
{
	static const struct {
		__u64 us;
		__u32 slot;
	} cases[] = {
		{ 0, 0 },	 { 1, 0 },
		{ 2, 1 },	 { 3, 2 },
		{ 4, 2 },	 { 5, 3 },
		{ 16384, 14 },	 { 16385, 15 },
		{ 20000, 15 },	 { 32768, 15 },
		{ 80000, 17 },	 { 1048576, 20 },
		{ 1048577, 21 }, { ~0ULL, NS_LAT_SLOTS - 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		__u32 slot = ns_latency_slot(cases[i].us);

		assert_int_equal(slot, cases[i].slot);
		if (cases[i].us && slot < NS_LAT_SLOTS - 1) {
			assert_true(cases[i].us <= ns_histogram_le_us(slot));
			assert_true(!slot || cases[i].us > ns_histogram_le_us(slot - 1));
		}
	}
}

static void add(struct ns_histogram *h, __u64 ns, unsigned int n)
{
	struct ns_latency_hist row = { .count = n, .sum_ns = ns * n, .min_ns = ns, .max_ns = ns };

	row.slots[ns_latency_slot(ns_histogram_us_up(ns))] = n;
	ns_histogram_add_row(h, &row);
}

static void quantiles_interpolate_within_the_bucket(void **state)
{
	struct ns_histogram h = { 0 };
	double p50;

	(void)state;
	assert_true(ns_histogram_quantile_us(&h, 0.5) == 0);
	/* 90 fast samples (10 us), 10 slow ones (700 us). */
	add(&h, 10000, 90);
	add(&h, 700000, 10);
	assert_int_equal(h.count, 100);
	assert_int_equal(h.min_ns, 10000);
	assert_int_equal(h.max_ns, 700000);
	p50 = ns_histogram_quantile_us(&h, 0.5);
	/* Rank 50 of the 90 in (8, 16]: 8 + 8 * 50 / 90, then at least the minimum. */
	assert_true(p50 >= 10 && p50 <= 16);
	assert_true(ns_histogram_quantile_us(&h, 0.99) > 512);
	assert_true(ns_histogram_quantile_us(&h, 0.99) <= 700);
	assert_true(ns_histogram_quantile_us(&h, 1.0) == 700);
}

static void quantiles_stay_in_the_delay_bucket(void **state)
{
	struct ns_histogram h = { 0 };

	(void)state;
	add(&h, 20100000, 7);
	add(&h, 20300000, 3);
	for (double q = 0.5; q <= 1.0; q += 0.2) {
		double v = ns_histogram_quantile_us(&h, q);

		assert_true(v >= 20100 && v <= 20300);
	}
}

static void rows_of_one_container_merge(void **state)
{
	struct ns_latency_key a = { .metric = NS_LAT_RESPONSE, .cgroup_id = 100 };
	struct ns_latency_key b = { .metric = NS_LAT_RESPONSE, .cgroup_id = 101 };
	struct ns_latency_key c = { .metric = NS_LAT_RESPONSE, .cgroup_id = 102 };
	struct ns_latency_group ga, gb, gc;

	(void)state;
	ns_latency_group_key(&a, NULL, NS_LAT_BY_CONTAINER, &ga);
	ns_latency_group_key(&b, NULL, NS_LAT_BY_CONTAINER, &gb);
	ns_latency_group_key(&c, NULL, NS_LAT_BY_CONTAINER, &gc);
	assert_memory_equal(&ga, &gb, sizeof(ga));
	assert_string_equal(ga.container_id, DOCKER_ID);
	assert_string_equal(gc.container_id, "");
	assert_int_equal(ga.cgroup_id, 0);
	/* By cgroup they stay apart. */
	ns_latency_group_key(&a, NULL, NS_LAT_BY_CGROUP, &ga);
	ns_latency_group_key(&b, NULL, NS_LAT_BY_CGROUP, &gb);
	assert_memory_not_equal(&ga, &gb, sizeof(ga));
}

static char *render_json(const struct ns_record *rec)
{
	struct ns_strbuf sb;

	ns_strbuf_init(&sb);
	ns_render_json(rec, &(struct ns_json_run){ .host = "h", .dataset = "netsight.latency" },
		       &sb);
	return sb.buf;
}

static void a_row_in_json(void **state)
{
	struct ns_latency_row row = { 0 };
	struct ns_latency_key key = { .metric = NS_LAT_RESPONSE,
				      .cgroup_id = 100,
				      .family = AF_INET,
				      .dport = 8080,
				      .direction = NS_LAT_DIR_PASSIVE };
	struct ns_record rec;
	char *json;

	(void)state;
	memcpy(key.daddr, (unsigned char[]){ 10, 0, 0, 2 }, 4);
	ns_latency_group_key(&key, NULL,
			     NS_LAT_BY_CONTAINER | NS_LAT_BY_DESTINATION | NS_LAT_BY_PORT,
			     &row.group);
	row.identity = *ns_cgroup_identity_of(100);
	add(&row.hist, 20100000, 3);
	add(&row.hist, 900, 1);
	ns_latency_row_record(&row, 1000000000ULL, &rec);
	json = render_json(&rec);
	assert_non_null(strstr(json, "\"event.action\":\"latency\""));
	assert_non_null(strstr(json, "\"event.kind\":\"metric\""));
	assert_non_null(strstr(json, "\"latency.metric\":\"response\""));
	/* The server end is the destination, here this host's. */
	assert_non_null(strstr(json, "\"destination.ip\":\"10.0.0.2\",\"destination.port\":8080"));
	assert_null(strstr(json, "source.ip"));
	assert_non_null(strstr(json, "\"network.direction\":\"ingress\""));
	assert_non_null(strstr(json, "\"container.id\":\"" DOCKER_ID "\""));
	assert_non_null(strstr(json, "\"container.runtime\":\"docker\""));
	assert_null(strstr(json, "cgroup.id"));
	assert_non_null(strstr(json, "\"histogram.buckets\":[{\"le_us\":1,\"count\":1},"
				     "{\"le_us\":2,\"count\":0}"));
	assert_non_null(strstr(json, "{\"le_us\":32768,\"count\":3}]"));
	assert_non_null(strstr(json, "\"histogram.count\":4"));
	assert_non_null(strstr(json, "\"histogram.sum_us\":60301"));
	assert_non_null(strstr(json, "\"latency.min_us\":1,\"latency.max_us\":20100"));
	/*
	 * Rank 2 of 4 is the first of the 3 samples in (16384, 32768], narrowed
	 * to (16384, 20100] by the maximum: 16384 + 3716 / 3, rounded up.
	 */
	assert_non_null(strstr(json, "\"latency.p50_us\":17623"));
	assert_non_null(strstr(json, "\"latency.p99_us\":20051"));
	free(json);
}

static void the_other_row(void **state)
{
	struct ns_latency_row row = { 0 };
	struct ns_latency_key key = { .metric = NS_LAT_CONNECT, .other = 1 };
	struct ns_strbuf sb;
	struct ns_record rec;
	char *json;

	(void)state;
	ns_latency_group_key(&key, NULL, NS_LAT_BY_PROCESS, &row.group);
	add(&row.hist, 2000000, 2);
	ns_latency_row_record(&row, 0, &rec);
	json = render_json(&rec);
	assert_non_null(strstr(json, "\"netsight.group\":\"other\""));
	assert_null(strstr(json, "process.pid"));
	free(json);
	ns_strbuf_init(&sb);
	ns_render_text(&rec, NULL, &(struct ns_text_style){ 0 }, &sb);
	assert_non_null(strstr(sb.buf, "connect of other groups: 2 samples, min 2.00ms"));
	assert_non_null(strstr(sb.buf, "            2048 : 2          |*****"));
	ns_strbuf_release(&sb);
}

static void events_carry_opener_and_identity(void **state)
{
	struct ns_record rec;
	char *json;

	(void)state;
	ns_record_init(&rec, 0, "close");
	rec.owner.pid = 20;
	memcpy(rec.owner.comm, "backend", 8);
	rec.owner.opener_pid = 10;
	memcpy(rec.owner.opener_comm, "postmaster", 11);
	rec.owner.cgroup_id = 103;
	json = render_json(&rec);
	assert_non_null(strstr(json,
			       "\"process.pid\":20,\"process.name\":\"backend\","
			       "\"process.opener.pid\":10,\"process.opener.name\":\"postmaster\""));
	assert_non_null(strstr(json, "\"cgroup.id\":103,\"container.id\":\"" POD_ID "\","
				     "\"container.runtime\":\"containerd\","
				     "\"orchestrator.type\":\"kubernetes\","
				     "\"kubernetes.pod.uid\":\"" POD_UID "\""));
	free(json);
	/* The same process as user and opener: no opener keys. */
	rec.owner.opener_pid = 20;
	rec.owner.cgroup_id = 102;
	json = render_json(&rec);
	assert_null(strstr(json, "process.opener"));
	assert_non_null(strstr(json, "\"service.name\":\"nginx\""));
	assert_null(strstr(json, "container.id"));
	free(json);
	/* A cgroup that cannot be found says nothing. */
	rec.owner.cgroup_id = 999;
	json = render_json(&rec);
	assert_non_null(strstr(json, "\"cgroup.id\":999"));
	assert_null(strstr(json, "service.name"));
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(slots_are_powers_of_two_inclusive),
		cmocka_unit_test(quantiles_interpolate_within_the_bucket),
		cmocka_unit_test(quantiles_stay_in_the_delay_bucket),
		cmocka_unit_test(rows_of_one_container_merge),
		cmocka_unit_test(a_row_in_json),
		cmocka_unit_test(the_other_row),
		cmocka_unit_test(events_carry_opener_and_identity),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
