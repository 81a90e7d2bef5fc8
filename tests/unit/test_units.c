// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lib/units.h"

static void rfc3339_is_utc_with_microseconds(void **state)
{
	char buf[40];

	(void)state;
	/* 2026-11-22T01:02:03Z is 1795309323 seconds after the epoch. */
	ns_format_rfc3339(1795309323ULL * NS_NSEC_PER_SEC + 456789123, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-22T01:02:03.456789Z");
	ns_format_rfc3339(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00.000000Z");
}

static void timestamps_follow_second_changes(void **state)
{
	char buf[40];

	(void)state;
	/* Same second twice, then the next one and back: the cache must follow. */
	ns_format_rfc3339(1795309323ULL * NS_NSEC_PER_SEC + 1000, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-22T01:02:03.000001Z");
	ns_format_rfc3339(1795309323ULL * NS_NSEC_PER_SEC + 999999999, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-22T01:02:03.999999Z");
	ns_format_rfc3339(1795309324ULL * NS_NSEC_PER_SEC, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-22T01:02:04.000000Z");
	ns_format_rfc3339(1795309323ULL * NS_NSEC_PER_SEC, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-22T01:02:03.000000Z");
}

static void local_clock(void **state)
{
	char buf[40];

	(void)state;
	setenv("TZ", "UTC", 1);
	ns_format_clock(1795309323ULL * NS_NSEC_PER_SEC + 45000000, buf, sizeof(buf));
	assert_string_equal(buf, "01:02:03.045");
}

static void bytes(void **state)
{
	static const struct {
		uint64_t in;
		const char *out;
	} cases[] = {
		{ 0, "0B" },	  { 1023, "1023B" },	  { 1024, "1.0K" },
		{ 1536, "1.5K" }, { 10240, "10K" },	  { 1048576, "1.0M" },
		{ 54321, "53K" }, { 3ULL << 30, "3.0G" }, { 10238, "10K" },
	};
	char buf[16];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ns_format_bytes(cases[i].in, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].out);
	}
}

static void durations(void **state)
{
	static const struct {
		uint64_t in;
		const char *out;
	} cases[] = {
		{ 850, "850ns" },
		{ 12345, "12us" },
		{ 1250000, "1.25ms" },
		{ 99990000, "99.99ms" },
		{ 100000000, "0.10s" },
		{ 3400000000ULL, "3.40s" },
		{ 303000000000ULL, "5m03s" },
		{ 7380000000000ULL, "2h03m" },
	};
	char buf[16];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ns_format_duration(cases[i].in, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].out);
	}
}

static void boot_offset_is_consistent(void **state)
{
	int64_t a = ns_boot_to_epoch_offset(), b = ns_boot_to_epoch_offset();

	(void)state;
	assert_true(a > 0);
	assert_true(llabs(a - b) < 1000000); /* within a millisecond */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc3339_is_utc_with_microseconds),
		cmocka_unit_test(timestamps_follow_second_changes),
		cmocka_unit_test(local_clock),
		cmocka_unit_test(bytes),
		cmocka_unit_test(durations),
		cmocka_unit_test(boot_offset_is_consistent),
	};

	return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
