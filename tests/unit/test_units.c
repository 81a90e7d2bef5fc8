// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

static void time_formats(void **state)
{
	/* A second no other test formats: the per-second caches start cold. */
	uint64_t t = 1795309383ULL * NS_NSEC_PER_SEC + 45000000;
	char buf[NS_TIME_STRLEN];

	(void)state;
	setenv("TZ", "EST5", 1);
	tzset();
	ns_format_time(NS_TIME_LOCAL, t, buf, sizeof(buf));
	assert_string_equal(buf, "20:03:03.045");
	assert_int_equal(strlen(buf), ns_time_width(NS_TIME_LOCAL));
	ns_format_time(NS_TIME_UTC, t, buf, sizeof(buf));
	assert_string_equal(buf, "01:03:03.045Z");
	assert_int_equal(strlen(buf), ns_time_width(NS_TIME_UTC));
	ns_format_time(NS_TIME_ISO, t, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-22T01:03:03.045Z");
	assert_int_equal(strlen(buf), ns_time_width(NS_TIME_ISO));
	/* The day is the one the time of day belongs to. */
	assert_int_equal(ns_format_day(NS_TIME_LOCAL, t, buf, sizeof(buf)), 20261121);
	assert_string_equal(buf, "2026-11-21");
	assert_int_equal(ns_format_day(NS_TIME_UTC, t, NULL, 0), 20261122);
	setenv("TZ", "UTC", 1);
	tzset();
}

static void bytes(void **state)
{
	static const struct {
		uint64_t in;
		const char *out;
	} cases[] = {
		{ 0, "0B" },
		{ 999, "999B" },
		{ 1000, "1.0kB" },
		{ 1024, "1.0kB" },
		{ 1500, "1.5kB" },
		{ 9949, "9.9kB" },
		{ 9950, "10kB" },
		{ 54321, "54kB" },
		{ 999499, "999kB" },
		{ 999500, "1.0MB" }, /* never "1000kB" */
		{ 3000000000ULL, "3.0GB" },
		{ UINT64_MAX, "18EB" },
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
		{ 1000, "1.00us" },
		{ 12345, "12.3us" },
		{ 999499, "999us" },
		{ 999500, "1.00ms" },
		{ 1250000, "1.25ms" },
		{ 99990000, "100ms" },
		{ 100000000, "100ms" },
		{ 3400000000ULL, "3.40s" },
		{ 45600000000ULL, "45.6s" },
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
		cmocka_unit_test(time_formats),
		cmocka_unit_test(bytes),
		cmocka_unit_test(durations),
		cmocka_unit_test(boot_offset_is_consistent),
	};

	return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
