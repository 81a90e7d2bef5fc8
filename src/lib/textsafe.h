/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Strings from the kernel and from other processes (process names, interface
 * names) shown on a terminal: nothing in them may move the cursor, change
 * colours, reorder the line (bidi controls) or break the column layout.
 */
#ifndef NETSIGHT_TEXTSAFE_H
#define NETSIGHT_TEXTSAFE_H

#include <stddef.h>

#include "lib/strbuf.h"

/*
 * Appends the first @max bytes of @s (up to a NUL) to @out, as they are
 * where they are printable UTF-8, else byte by byte as \xNN: C0 and C1
 * control characters, DEL, bidi controls (U+061C, U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069), characters the C library cannot print and
 * invalid UTF-8. A backslash becomes \\ so the result is unambiguous.
 * Returns the display width appended, in terminal columns.
 */
size_t ns_text_escape(struct ns_strbuf *out, const char *s, size_t max);

/*
 * Display width of @n bytes at @s, text as ns_text_escape() produces it
 * (double-width characters count 2, combining ones 0).
 */
size_t ns_text_width(const char *s, size_t n);

/*
 * Makes the C library's character classes UTF-8 ones (LC_CTYPE C.UTF-8), so
 * that widths are known; without it every non-ASCII character is escaped.
 */
void ns_text_init(void);

#endif /* NETSIGHT_TEXTSAFE_H */
