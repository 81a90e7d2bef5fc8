/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A growable byte buffer for building output lines. Allocation failure is
 * sticky: later appends do nothing and ns_strbuf_error() reports -ENOMEM.
 */
#ifndef NETSIGHT_STRBUF_H
#define NETSIGHT_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ns_strbuf {
	char *buf;
	size_t len;
	size_t cap;
	bool failed;
};

void ns_strbuf_init(struct ns_strbuf *sb);
void ns_strbuf_release(struct ns_strbuf *sb);
void ns_strbuf_reset(struct ns_strbuf *sb);
/* Grows the buffer and appends; the slow path of ns_strbuf_add(). */
void ns_strbuf_add_slow(struct ns_strbuf *sb, const char *data, size_t len);

static inline void ns_strbuf_add(struct ns_strbuf *sb, const char *data, size_t len)
{
	if (sb->len + len + 1 > sb->cap) {
		ns_strbuf_add_slow(sb, data, len);
		return;
	}
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void ns_strbuf_addc(struct ns_strbuf *sb, char c);
void ns_strbuf_adds(struct ns_strbuf *sb, const char *s);
void ns_strbuf_addf(struct ns_strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Decimal digits of @v. */
void ns_strbuf_add_u64(struct ns_strbuf *sb, uint64_t v);
/* Decimal digits of @v, zero-padded to at least @width digits. */
void ns_strbuf_add_padded(struct ns_strbuf *sb, uint64_t v, size_t width);
/* Pads with spaces up to column @width counted from @start. */
void ns_strbuf_pad(struct ns_strbuf *sb, size_t start, size_t width);
int ns_strbuf_error(const struct ns_strbuf *sb);

#endif /* NETSIGHT_STRBUF_H */
