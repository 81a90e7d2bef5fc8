// SPDX-License-Identifier: GPL-2.0-only
#define _XOPEN_SOURCE 700
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include "lib/textsafe.h"
#include "lib/utf8.h"

void ns_text_init(void)
{
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "C");
}

static bool is_bidi_control(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* Columns taken by @cp on a terminal, or -1 if it must be escaped. */
static int columns(uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || is_bidi_control(cp))
		return -1;
	if (cp < 0x7f)
		return 1;
	return wcwidth((wchar_t)cp);
}

static void add_hex(struct ns_strbuf *out, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char esc[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

	ns_strbuf_add(out, esc, sizeof(esc));
}

size_t ns_text_escape(struct ns_strbuf *out, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strnlen(s, max), width = 0, i = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = ns_utf8_decode(p + i, n - i, &cp);
		int cols = len ? columns(cp) : -1;

		if (len == 1 && cp == '\\') {
			ns_strbuf_add(out, "\\\\", 2);
			width += 2;
		} else if (cols >= 0) {
			ns_strbuf_add(out, (const char *)p + i, len);
			width += cols;
		} else {
			/* Each byte of the sequence, or the one invalid byte. */
			for (size_t k = 0; k < (len ? len : 1); k++)
				add_hex(out, p[i + k]);
			width += 4 * (len ? len : 1);
		}
		i += len ? len : 1;
	}
	return width;
}

size_t ns_text_width(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t width = 0, i = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = ns_utf8_decode(p + i, n - i, &cp);
		int cols = len ? columns(cp) : -1;

		width += cols >= 0 ? (size_t)cols : 1;
		i += len ? len : 1;
	}
	return width;
}
