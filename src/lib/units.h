/* SPDX-License-Identifier: GPL-2.0-only */
/* Times, durations and sizes as text. All write a NUL-terminated string. */
#ifndef NETSIGHT_UNITS_H
#define NETSIGHT_UNITS_H

#include <stddef.h>
#include <stdint.h>

#define NS_NSEC_PER_SEC 1000000000ULL

/* "2026-11-22T03:04:05.123456Z" for nanoseconds since the epoch. */
void ns_format_rfc3339(uint64_t epoch_ns, char *buf, size_t len);
/* Local wall-clock "03:04:05.123". */
void ns_format_clock(uint64_t epoch_ns, char *buf, size_t len);
/* "512B", "1.5K", "12M", "3.0G" (powers of 1024). */
void ns_format_bytes(uint64_t bytes, char *buf, size_t len);
/* "850ns", "12us", "1.25ms", "3.40s", "5m03s", "2h03m". */
void ns_format_duration(uint64_t ns, char *buf, size_t len);

/* Offset that turns CLOCK_BOOTTIME nanoseconds into epoch nanoseconds. */
int64_t ns_boot_to_epoch_offset(void);
/* Current CLOCK_BOOTTIME in nanoseconds. */
uint64_t ns_boot_now(void);

#endif /* NETSIGHT_UNITS_H */
