// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/json.h"

static char *escaped(struct ns_strbuf *sb, const char *s, size_t max)
{
	ns_strbuf_reset(sb);
	ns_json_escape(sb, s, max);
	return sb->buf;
}

static void escapes_json_syntax(void **state)
{
	struct ns_strbuf sb;

	(void)state;
	ns_strbuf_init(&sb);
	assert_string_equal(escaped(&sb, "plain", 16), "\"plain\"");
	assert_string_equal(escaped(&sb, "a\"b\\c", 16), "\"a\\\"b\\\\c\"");
	assert_string_equal(escaped(&sb, "tab\there\nnl\r", 16), "\"tab\\there\\nnl\\r\"");
	assert_string_equal(escaped(&sb, "\x01\x1f\x7f", 16), "\"\\u0001\\u001f\x7f\"");
	ns_strbuf_release(&sb);
}

static void keeps_valid_utf8(void **state)
{
	struct ns_strbuf sb;

	(void)state;
	ns_strbuf_init(&sb);
	/* é (2 bytes), € (3 bytes), 😀 (4 bytes) */
	assert_string_equal(escaped(&sb, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 32),
			    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	ns_strbuf_release(&sb);
}

static void replaces_invalid_utf8(void **state)
{
	struct ns_strbuf sb;

	(void)state;
	ns_strbuf_init(&sb);
	assert_string_equal(escaped(&sb,
				    "a\xff"
				    "b",
				    16),
			    "\"a\\ufffdb\"");
	/* A lead byte whose sequence is cut short by the end. */
	assert_string_equal(escaped(&sb, "x\xe2\x82", 16), "\"x\\ufffd\\ufffd\"");
	/* Overlong NUL, UTF-16 surrogate, and past U+10FFFF. */
	assert_string_equal(escaped(&sb, "\xc0\x80", 16), "\"\\ufffd\\ufffd\"");
	assert_string_equal(escaped(&sb, "\xed\xa0\x80", 16), "\"\\ufffd\\ufffd\\ufffd\"");
	assert_string_equal(escaped(&sb, "\xf4\x90\x80\x80", 16),
			    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	ns_strbuf_release(&sb);
}

static void stops_at_max_or_nul(void **state)
{
	char comm[16];
	struct ns_strbuf sb;

	(void)state;
	ns_strbuf_init(&sb);
	memset(comm, 'x', sizeof(comm)); /* no terminating NUL, as a kernel comm can be */
	assert_string_equal(escaped(&sb, comm, sizeof(comm)), "\"xxxxxxxxxxxxxxxx\"");
	assert_string_equal(escaped(&sb, "ab\0cd", 5), "\"ab\"");
	ns_strbuf_release(&sb);
}

static void object_with_every_type(void **state)
{
	struct ns_strbuf sb;
	struct ns_json j;

	(void)state;
	ns_strbuf_init(&sb);
	ns_json_begin(&j, &sb);
	ns_json_str(&j, "s", "v");
	ns_json_u64(&j, "u", 18446744073709551615ULL);
	ns_json_i64(&j, "i", -42);
	ns_json_fixed(&j, "f", 1.23456, 3);
	ns_json_fixed(&j, "nan", NAN, 3);
	ns_json_bool(&j, "t", true);
	ns_json_bool(&j, "b", false);
	ns_json_end(&j);
	assert_string_equal(sb.buf, "{\"s\":\"v\",\"u\":18446744073709551615,\"i\":-42,"
				    "\"f\":1.235,\"nan\":null,\"t\":true,\"b\":false}\n");
	ns_strbuf_release(&sb);
}

static void milliseconds_round_to_the_microsecond(void **state)
{
	static const struct {
		uint64_t ns;
		const char *text;
	} cases[] = {
		{ 0, "0.000" },
		{ 1499, "0.001" },
		{ 1500, "0.002" },
		{ 250000, "0.250" },
		{ 1500000, "1.500" },
		{ 999999500, "1000.000" },
		{ 12345678901, "12345.679" },
	};
	struct ns_strbuf sb;
	struct ns_json j;
	char want[64];

	(void)state;
	ns_strbuf_init(&sb);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ns_strbuf_reset(&sb);
		ns_json_begin(&j, &sb);
		ns_json_millis(&j, "ms", cases[i].ns);
		ns_json_end(&j);
		snprintf(want, sizeof(want), "{\"ms\":%s}\n", cases[i].text);
		assert_string_equal(sb.buf, want);
	}
	ns_strbuf_release(&sb);
}

static void integers(void **state)
{
	struct ns_strbuf sb;

	(void)state;
	ns_strbuf_init(&sb);
	ns_strbuf_add_u64(&sb, 0);
	ns_strbuf_addc(&sb, ' ');
	ns_strbuf_add_u64(&sb, UINT64_MAX);
	ns_strbuf_addc(&sb, ' ');
	ns_strbuf_add_padded(&sb, 7, 3);
	ns_strbuf_addc(&sb, ' ');
	ns_strbuf_add_padded(&sb, 12345, 3);
	assert_string_equal(sb.buf, "0 18446744073709551615 007 12345");
	ns_strbuf_release(&sb);
}

static void large_appends_grow_the_buffer(void **state)
{
	char big[5000];
	struct ns_strbuf sb;

	(void)state;
	memset(big, 'b', sizeof(big));
	ns_strbuf_init(&sb);
	for (int i = 0; i < 3; i++)
		ns_strbuf_add(&sb, big, sizeof(big));
	ns_strbuf_addf(&sb, "%s|%d", "tail", 42);
	assert_int_equal(sb.len, 3 * sizeof(big) + 7);
	assert_string_equal(sb.buf + 3 * sizeof(big), "tail|42");
	assert_int_equal(ns_strbuf_error(&sb), 0);
	ns_strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes_json_syntax),
		cmocka_unit_test(keeps_valid_utf8),
		cmocka_unit_test(replaces_invalid_utf8),
		cmocka_unit_test(stops_at_max_or_nul),
		cmocka_unit_test(object_with_every_type),
		cmocka_unit_test(milliseconds_round_to_the_microsecond),
		cmocka_unit_test(integers),
		cmocka_unit_test(large_appends_grow_the_buffer),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
