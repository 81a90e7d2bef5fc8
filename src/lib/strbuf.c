// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"

void ns_strbuf_init(struct ns_strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void ns_strbuf_release(struct ns_strbuf *sb)
{
	free(sb->buf);
	ns_strbuf_init(sb);
}

void ns_strbuf_reset(struct ns_strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

/* Makes room for @extra more bytes plus the terminating NUL. */
static bool reserve(struct ns_strbuf *sb, size_t extra)
{
	size_t cap;
	char *buf;

	if (sb->failed)
		return false;
	if (sb->len + extra + 1 <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 256;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	buf = realloc(sb->buf, cap);
	if (!buf) {
		sb->failed = true;
		return false;
	}
	sb->buf = buf;
	sb->cap = cap;
	return true;
}

void ns_strbuf_add_slow(struct ns_strbuf *sb, const char *data, size_t len)
{
	if (!reserve(sb, len))
		return;
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void ns_strbuf_addc(struct ns_strbuf *sb, char c)
{
	ns_strbuf_add(sb, &c, 1);
}

void ns_strbuf_adds(struct ns_strbuf *sb, const char *s)
{
	ns_strbuf_add(sb, s, strlen(s));
}

void ns_strbuf_addf(struct ns_strbuf *sb, const char *fmt, ...)
{
	size_t room = sb->cap > sb->len ? sb->cap - sb->len : 0;
	va_list ap;
	int n;

	/* One pass when it fits, which is nearly always. */
	va_start(ap, fmt);
	n = vsnprintf(room ? sb->buf + sb->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n < room) {
		sb->len += n < 0 ? 0 : n;
		return;
	}
	if (!reserve(sb, n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, n + 1, fmt, ap);
	va_end(ap);
	sb->len += n;
}

void ns_strbuf_add_u64(struct ns_strbuf *sb, uint64_t v)
{
	char digits[20];
	size_t n = 0;

	do {
		digits[sizeof(digits) - ++n] = '0' + v % 10;
		v /= 10;
	} while (v);
	ns_strbuf_add(sb, digits + sizeof(digits) - n, n);
}

void ns_strbuf_add_padded(struct ns_strbuf *sb, uint64_t v, size_t width)
{
	char digits[20];
	size_t n = 0;

	while (n < sizeof(digits) && (v || n < width)) {
		digits[sizeof(digits) - ++n] = '0' + v % 10;
		v /= 10;
	}
	ns_strbuf_add(sb, digits + sizeof(digits) - n, n);
}

void ns_strbuf_pad(struct ns_strbuf *sb, size_t start, size_t width)
{
	while (sb->len < start + width && !sb->failed)
		ns_strbuf_addc(sb, ' ');
}

int ns_strbuf_error(const struct ns_strbuf *sb)
{
	return sb->failed ? -ENOMEM : 0;
}
