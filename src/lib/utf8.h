/* SPDX-License-Identifier: GPL-2.0-only */
/* Strict UTF-8 decoding (RFC 3629): what the renderers treat as text. */
#ifndef NETSIGHT_UTF8_H
#define NETSIGHT_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the sequence at @s (at most @n bytes) into *@cp. Returns its length
 * (1 to 4), or 0 if it is not valid UTF-8: a stray continuation byte, a
 * truncated sequence, an overlong form, a surrogate or a code point past
 * U+10FFFF.
 */
size_t ns_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/*
 * Copies at most @n bytes of @src (up to a NUL) into @dst (@len bytes, NUL
 * terminated), each byte that is not valid UTF-8 replaced by U+FFFD, never
 * cutting a character. Returns the bytes written.
 */
size_t ns_utf8_clean(char *dst, size_t len, const char *src, size_t n);

#endif /* NETSIGHT_UTF8_H */
