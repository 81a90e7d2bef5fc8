// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <netsight/event.h>

#include "lib/parse.h"

/*
 * Digits in @base (10 or 16) from the start of @s; *end is set past them.
 * strtoull() would also take leading blanks, a sign and a "0x" prefix.
 */
static int parse_digits(const char *s, int base, char **end, uint64_t *out)
{
	unsigned long long v;

	if (!s || !(base == 16 ? isxdigit((unsigned char)*s) : isdigit((unsigned char)*s)) ||
	    (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, end, base);
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

/* All of @s as a number in @base. */
static int parse_whole(const char *s, int base, uint64_t *out)
{
	uint64_t v;
	char *end;
	int err = parse_digits(s, base, &end, &v);

	if (err)
		return err;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int ns_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	int err = parse_whole(s, 10, &v);

	if (err)
		return err;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int ns_parse_hex_u64(const char *s, uint64_t *out)
{
	return parse_whole(s, 16, out);
}

int ns_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned int shift = 0;
	uint64_t v;
	char *end;
	int err;

	err = parse_digits(s, 10, &end, &v);
	if (err)
		return err;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1])
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	v <<= shift;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int ns_parse_cidr(const char *s, struct ns_cidr *out)
{
	static const __u8 v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	uint64_t prefix, max;
	bool host_bits = false;

	memset(out, 0, sizeof(*out));
	if (!len || len >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, out->addr) == 1)
		out->family = AF_INET6;
	else
		return -EINVAL;
	max = out->family == AF_INET ? 32 : 128;
	prefix = max;
	if (slash) {
		int err = ns_parse_u64(slash + 1, 0, UINT64_MAX, &prefix);

		if (err)
			return -EINVAL;
		if (prefix > max)
			return -ERANGE;
	}
	if (out->family == AF_INET6 && prefix >= 96 && !memcmp(out->addr, v4mapped, 12)) {
		memmove(out->addr, out->addr + 12, 4);
		memset(out->addr + 4, 0, NS_ADDR_LEN - 4);
		out->family = AF_INET;
		prefix -= 96;
	}
	out->prefix = prefix;
	for (unsigned int bit = prefix; bit < NS_ADDR_LEN * 8; bit++) {
		__u8 mask = 0x80 >> (bit % 8);

		if (out->addr[bit / 8] & mask) {
			host_bits = true;
			out->addr[bit / 8] &= ~mask;
		}
	}
	return host_bits ? -ENOTUNIQ : 0;
}

int ns_parse_duration_ms(const char *s, uint64_t *ms)
{
	char *end;
	double v;

	if (!*s || *s == '-' || *s == '+' || (*s < '0' || *s > '9'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || v < 0)
		return -EINVAL;
	if (!strcmp(end, "ms"))
		v /= 1000;
	else if (*end && strcmp(end, "s"))
		return -EINVAL;
	if (v > 30 * 86400.0)
		return -EINVAL;
	*ms = (uint64_t)(v * 1000 + 0.5);
	return 0;
}
