// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "lib/utf8.h"

size_t ns_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c;

	if (!n)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

size_t ns_utf8_clean(char *dst, size_t len, const char *src, size_t n)
{
	static const char replacement[] = "\xef\xbf\xbd";
	const unsigned char *s = (const unsigned char *)src;
	size_t used = 0, i = 0;

	if (!len)
		return 0;
	while (i < n && s[i]) {
		uint32_t cp;
		size_t k = ns_utf8_decode(s + i, strnlen(src + i, n - i), &cp);
		const char *from = k ? src + i : replacement;
		size_t m = k ? k : 3;

		if (used + m >= len)
			break;
		memcpy(dst + used, from, m);
		used += m;
		i += k ? k : 1;
	}
	dst[used] = '\0';
	return used;
}
