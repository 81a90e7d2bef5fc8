/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A streaming writer for flat JSON objects (values: strings, numbers,
 * booleans and arrays of strings), one per line. String values are
 * escaped per RFC 8259 and invalid UTF-8 (process names are arbitrary bytes)
 * is replaced by U+FFFD, so every line is valid JSON whatever the input. Keys
 * must be plain ASCII without quotes or backslashes: they are written as is.
 */
#ifndef NETSIGHT_JSON_H
#define NETSIGHT_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/strbuf.h"

struct ns_json {
	struct ns_strbuf *out;
	bool empty;
};

void ns_json_begin(struct ns_json *j, struct ns_strbuf *out);
/* Closes the object and ends the line. */
void ns_json_end(struct ns_json *j);

/* Escaped string of at most @max bytes (stops early at a NUL). */
void ns_json_escape(struct ns_strbuf *out, const char *s, size_t max);

void ns_json_str(struct ns_json *j, const char *key, const char *val);
void ns_json_strn(struct ns_json *j, const char *key, const char *val, size_t max);
void ns_json_u64(struct ns_json *j, const char *key, uint64_t val);
void ns_json_i64(struct ns_json *j, const char *key, int64_t val);
/* Nanoseconds as milliseconds with three decimals (rounded to the microsecond). */
void ns_json_millis(struct ns_json *j, const char *key, uint64_t ns);
/* A number with @decimals digits after the point. */
void ns_json_fixed(struct ns_json *j, const char *key, double val, int decimals);
void ns_json_bool(struct ns_json *j, const char *key, bool val);
/* An array of @n strings. */
/* "k":[{"ka":a[0],"kb":b[0]},...]: @n objects of two integers each. */
void ns_json_pair_array(struct ns_json *j, const char *k, const char *ka, const uint64_t *a,
			const char *kb, const uint64_t *b, size_t n);
void ns_json_str_array(struct ns_json *j, const char *key, const char *const *vals, size_t n);

#endif /* NETSIGHT_JSON_H */
