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

void ns_format_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	double v = bytes;
	int unit = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%lluB", (unsigned long long)bytes);
		return;
	}
	while (v >= 1024 && unit < (int)sizeof(units) - 2) {
		v /= 1024;
		unit++;
	}
	if (v < 9.95)
		snprintf(buf, len, "%.1f%c", v, units[unit]);
	else
		snprintf(buf, len, "%.0f%c", v, units[unit]);
}

void ns_format_duration(uint64_t ns, char *buf, size_t len)
{
	uint64_t secs = ns / NS_NSEC_PER_SEC;

	if (ns < 1000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%lluus", (unsigned long long)(ns / 1000));
	else if (ns < 100000000)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else if (ns < 60 * NS_NSEC_PER_SEC)
		snprintf(buf, len, "%.2fs", ns / 1e9);
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
