/* SPDX-License-Identifier: GPL-2.0-only */
/* The one place numbers from users and from /proc are parsed. */
#ifndef NETSIGHT_PARSE_H
#define NETSIGHT_PARSE_H

#include <stdint.h>

/*
 * Parses all of @s as a decimal unsigned integer in [min, max].
 * Returns 0, -EINVAL (not a number) or -ERANGE.
 */
int ns_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* All of @s as hexadecimal digits (no prefix), as the kernel prints them. */
int ns_parse_hex_u64(const char *s, uint64_t *out);

/* Like ns_parse_u64, with an optional K, M or G suffix (powers of 1024). */
int ns_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/*
 * A time: "5", "5s", "1.5s", "1500ms" (seconds without a unit), in whole
 * milliseconds. 0 or -EINVAL.
 */
int ns_parse_duration_ms(const char *s, uint64_t *ms);

struct ns_cidr;

/*
 * Parses an address range: "10.0.0.0/8", "2001:db8::/32", or one address
 * ("10.1.2.3", "::1"). IPv4-mapped IPv6 ranges (::ffff:10.0.0.0/104) become
 * IPv4 ones, as the kernel side reports those sockets. Returns 0, -EINVAL
 * (not an address or prefix), -ERANGE (prefix too long) or -ENOTUNIQ (host
 * bits set past the prefix; the network is then in @out).
 */
int ns_parse_cidr(const char *s, struct ns_cidr *out);

#endif /* NETSIGHT_PARSE_H */
