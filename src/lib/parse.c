// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

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
