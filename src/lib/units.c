// SPDX-License-Identifier: GPL-2.0-only
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "lib/units.h"

/*
 * Events come in bursts within the same second: the calendar part is
 * formatted once per second and kept, per thread.
 */
struct second_cache {
	time_t secs;
	bool valid;
	char text[64]; /* room for any int year, as the format checker wants */
};

static const char *seconds_text(struct second_cache *c, time_t secs, bool utc)
{
	struct tm tm;

	if (c->valid && c->secs == secs)
		return c->text;
	if (utc) {
		gmtime_r(&secs, &tm);
		snprintf(c->text, sizeof(c->text), "%04d-%02d-%02dT%02d:%02d:%02d",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec);
	} else {
		localtime_r(&secs, &tm);
		snprintf(c->text, sizeof(c->text), "%02d:%02d:%02d", tm.tm_hour, tm.tm_min,
			 tm.tm_sec);
	}
	c->secs = secs;
	c->valid = true;
	return c->text;
}

void ns_format_rfc3339(uint64_t epoch_ns, char *buf, size_t len)
{
	static __thread struct second_cache cache;
	unsigned int usec = (epoch_ns % NS_NSEC_PER_SEC) / 1000;

	snprintf(buf, len, "%s.%06uZ", seconds_text(&cache, epoch_ns / NS_NSEC_PER_SEC, true),
		 usec);
}

void ns_format_clock(uint64_t epoch_ns, char *buf, size_t len)
{
	static __thread struct second_cache cache;
	unsigned int msec = (epoch_ns % NS_NSEC_PER_SEC) / 1000000;

	snprintf(buf, len, "%s.%03u", seconds_text(&cache, epoch_ns / NS_NSEC_PER_SEC, false),
		 msec);
}

void ns_format_time(enum ns_time_format fmt, uint64_t epoch_ns, char *buf, size_t len)
{
	static __thread struct second_cache utc_cache;
	unsigned int msec = (epoch_ns % NS_NSEC_PER_SEC) / 1000000;
	const char *secs;

	switch (fmt) {
	case NS_TIME_UTC:
		secs = seconds_text(&utc_cache, epoch_ns / NS_NSEC_PER_SEC, true);
		snprintf(buf, len, "%s.%03uZ", secs + 11, msec); /* past "YYYY-MM-DDT" */
		break;
	case NS_TIME_ISO:
		secs = seconds_text(&utc_cache, epoch_ns / NS_NSEC_PER_SEC, true);
		snprintf(buf, len, "%s.%03uZ", secs, msec);
		break;
	default:
		ns_format_clock(epoch_ns, buf, len);
		break;
	}
}

size_t ns_time_width(enum ns_time_format fmt)
{
	return fmt == NS_TIME_ISO ? 24 : fmt == NS_TIME_UTC ? 13 : 12;
}

int ns_format_day(enum ns_time_format fmt, uint64_t epoch_ns, char *buf, size_t len)
{
	time_t secs = epoch_ns / NS_NSEC_PER_SEC;
	struct tm tm;

	if (fmt == NS_TIME_LOCAL)
		localtime_r(&secs, &tm);
	else
		gmtime_r(&secs, &tm);
	if (buf)
		snprintf(buf, len, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

/*
 * @v in @units[0], stepping up by @base while it shows 1000 or more: two
 * significant digits below 10 ("1.5"), whole numbers above ("12", "999").
 * @units[0] is used without decimals when @v is a whole count.
 */
static void format_scaled(double v, const char *const *units, size_t nunits, double base, char *buf,
			  size_t len)
{
	size_t unit = 0;

	if (v < 999.5) {
		snprintf(buf, len, "%.0f%s", v, units[0]);
		return;
	}
	while (unit + 1 < nunits && v >= 999.5) {
		v /= base;
		unit++;
	}
	if (v < 9.95)
		snprintf(buf, len, "%.1f%s", v, units[unit]);
	else
		snprintf(buf, len, "%.0f%s", v, units[unit]);
}

void ns_format_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };

	format_scaled((double)bytes, units, sizeof(units) / sizeof(units[0]), 1000, buf, len);
}

/* @v (below 1000) with three significant digits and @unit. */
static void three_digits(double v, const char *unit, char *buf, size_t len)
{
	if (v < 9.995)
		snprintf(buf, len, "%.2f%s", v, unit);
	else if (v < 99.95)
		snprintf(buf, len, "%.1f%s", v, unit);
	else
		snprintf(buf, len, "%.0f%s", v, unit);
}

void ns_format_duration(uint64_t ns, char *buf, size_t len)
{
	uint64_t secs = ns / NS_NSEC_PER_SEC;

	if (ns < 1000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 999500)
		three_digits(ns / 1e3, "us", buf, len);
	else if (ns < 999500000)
		three_digits(ns / 1e6, "ms", buf, len);
	else if (ns < 59995000000ULL)
		three_digits(ns / 1e9, "s", buf, len);
	else if (secs < 3600)
		snprintf(buf, len, "%llum%02llus", (unsigned long long)(secs / 60),
			 (unsigned long long)(secs % 60));
	else
		snprintf(buf, len, "%lluh%02llum", (unsigned long long)(secs / 3600),
			 (unsigned long long)(secs / 60 % 60));
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NS_NSEC_PER_SEC + ts.tv_nsec;
}

uint64_t ns_boot_now(void)
{
	return clock_ns(CLOCK_BOOTTIME);
}

int64_t ns_boot_to_epoch_offset(void)
{
	/* Bracket the realtime read between two boottime reads; keep the tightest. */
	uint64_t best_gap = UINT64_MAX;
	int64_t offset = 0;

	for (int i = 0; i < 5; i++) {
		uint64_t before = clock_ns(CLOCK_BOOTTIME);
		uint64_t real = clock_ns(CLOCK_REALTIME);
		uint64_t after = clock_ns(CLOCK_BOOTTIME);

		if (after - before < best_gap) {
			best_gap = after - before;
			offset = (int64_t)(real - (before + (after - before) / 2));
		}
	}
	return offset;
}
