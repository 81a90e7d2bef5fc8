/* SPDX-License-Identifier: GPL-2.0-only */
/* Times, durations and sizes as text. All write a NUL-terminated string. */
#ifndef NETSIGHT_UNITS_H
#define NETSIGHT_UNITS_H

#include <stddef.h>
#include <stdint.h>

#define NS_NSEC_PER_SEC 1000000000ULL

/* How text output shows the time of an event (--timestamp). */
enum ns_time_format {
	NS_TIME_LOCAL, /* "03:04:05.123", local time of day */
	NS_TIME_UTC, /* "03:04:05.123Z", UTC time of day */
	NS_TIME_ISO, /* "2026-11-22T03:04:05.123Z", UTC date and time */
};

/* Room for any of the above. */
#define NS_TIME_STRLEN 40

/* "2026-11-22T03:04:05.123456Z" for nanoseconds since the epoch. */
void ns_format_rfc3339(uint64_t epoch_ns, char *buf, size_t len);
/* Local wall-clock "03:04:05.123". */
void ns_format_clock(uint64_t epoch_ns, char *buf, size_t len);
/* @epoch_ns in format @fmt. */
void ns_format_time(enum ns_time_format fmt, uint64_t epoch_ns, char *buf, size_t len);
/* The width of ns_format_time()'s text for @fmt. */
size_t ns_time_width(enum ns_time_format fmt);
/*
 * The calendar day of @epoch_ns as @fmt shows times (local or UTC), as
 * YYYYMMDD, and in @buf (may be NULL) as "2026-11-22".
 */
int ns_format_day(enum ns_time_format fmt, uint64_t epoch_ns, char *buf, size_t len);
/* "512B", "1.5kB", "12MB", "3.0GB": decimal units (1 kB = 1000 bytes), as ls --si. */
void ns_format_bytes(uint64_t bytes, char *buf, size_t len);
/* "850ns", "12.3us", "1.25ms", "3.40s", "5m03s", "2h03m": three significant digits. */
void ns_format_duration(uint64_t ns, char *buf, size_t len);

/* Offset that turns CLOCK_BOOTTIME nanoseconds into epoch nanoseconds. */
int64_t ns_boot_to_epoch_offset(void);
/* Current CLOCK_BOOTTIME in nanoseconds. */
uint64_t ns_boot_now(void);

#endif /* NETSIGHT_UNITS_H */
