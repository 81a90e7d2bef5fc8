// SPDX-License-Identifier: GPL-2.0-only
#include <math.h>
#include <string.h>

#include "lib/json.h"
#include "lib/utf8.h"

void ns_json_begin(struct ns_json *j, struct ns_strbuf *out)
{
	j->out = out;
	j->empty = true;
	ns_strbuf_addc(out, '{');
}

void ns_json_end(struct ns_json *j)
{
	ns_strbuf_add(j->out, "}\n", 2);
}

/* Bytes that go out as they are: printable ASCII but the quote and backslash. */
static bool plain(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\' && c < 0x80;
}

void ns_json_escape(struct ns_strbuf *out, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strnlen(s, max);
	size_t i = 0;

	ns_strbuf_addc(out, '"');
	while (i < n) {
		size_t run = i, seq;
		unsigned char c;
		uint32_t cp;

		while (run < n && plain(p[run]))
			run++;
		ns_strbuf_add(out, (const char *)p + i, run - i);
		if (run == n)
			break;
		i = run;
		c = p[i];
		switch (c) {
		case '"':
			ns_strbuf_add(out, "\\\"", 2);
			break;
		case '\\':
			ns_strbuf_add(out, "\\\\", 2);
			break;
		case '\n':
			ns_strbuf_add(out, "\\n", 2);
			break;
		case '\r':
			ns_strbuf_add(out, "\\r", 2);
			break;
		case '\t':
			ns_strbuf_add(out, "\\t", 2);
			break;
		default:
			if (c < 0x20) {
				char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

				ns_strbuf_add(out, esc, sizeof(esc));
				break;
			}
			seq = ns_utf8_decode(p + i, n - i, &cp);
			if (!seq) {
				ns_strbuf_add(out, "\\ufffd", 6);
				break;
			}
			ns_strbuf_add(out, (const char *)p + i, seq);
			i += seq;
			continue;
		}
		i++;
	}
	ns_strbuf_addc(out, '"');
}

/* Keys come from netsight's own tables: plain ASCII, written as they are. */
static void key(struct ns_json *j, const char *k)
{
	if (j->empty)
		ns_strbuf_add(j->out, "\"", 1);
	else
		ns_strbuf_add(j->out, ",\"", 2);
	j->empty = false;
	ns_strbuf_add(j->out, k, strlen(k));
	ns_strbuf_add(j->out, "\":", 2);
}

void ns_json_str(struct ns_json *j, const char *k, const char *val)
{
	key(j, k);
	ns_json_escape(j->out, val, strlen(val));
}

void ns_json_strn(struct ns_json *j, const char *k, const char *val, size_t max)
{
	key(j, k);
	ns_json_escape(j->out, val, max);
}

void ns_json_u64(struct ns_json *j, const char *k, uint64_t val)
{
	key(j, k);
	ns_strbuf_add_u64(j->out, val);
}

void ns_json_i64(struct ns_json *j, const char *k, int64_t val)
{
	key(j, k);
	if (val < 0)
		ns_strbuf_addc(j->out, '-');
	ns_strbuf_add_u64(j->out, val < 0 ? -(uint64_t)val : (uint64_t)val);
}

void ns_json_millis(struct ns_json *j, const char *k, uint64_t ns)
{
	uint64_t us = ns / 1000 + (ns % 1000 >= 500);

	key(j, k);
	ns_strbuf_add_u64(j->out, us / 1000);
	ns_strbuf_addc(j->out, '.');
	ns_strbuf_add_padded(j->out, us % 1000, 3);
}

void ns_json_fixed(struct ns_json *j, const char *k, double val, int decimals)
{
	key(j, k);
	if (!isfinite(val))
		ns_strbuf_add(j->out, "null", 4);
	else
		ns_strbuf_addf(j->out, "%.*f", decimals, val);
}

void ns_json_bool(struct ns_json *j, const char *k, bool val)
{
	key(j, k);
	ns_strbuf_adds(j->out, val ? "true" : "false");
}

void ns_json_str_array(struct ns_json *j, const char *k, const char *const *vals, size_t n)
{
	key(j, k);
	ns_strbuf_addc(j->out, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			ns_strbuf_addc(j->out, ',');
		ns_json_escape(j->out, vals[i], strlen(vals[i]));
	}
	ns_strbuf_addc(j->out, ']');
}

void ns_json_pair_array(struct ns_json *j, const char *k, const char *ka, const uint64_t *a,
			const char *kb, const uint64_t *b, size_t n)
{
	key(j, k);
	ns_strbuf_addc(j->out, '[');
	for (size_t i = 0; i < n; i++) {
		struct ns_json item = { .out = j->out, .empty = true };

		if (i)
			ns_strbuf_addc(j->out, ',');
		ns_strbuf_addc(j->out, '{');
		ns_json_u64(&item, ka, a[i]);
		ns_json_u64(&item, kb, b[i]);
		ns_strbuf_addc(j->out, '}');
	}
	ns_strbuf_addc(j->out, ']');
}
