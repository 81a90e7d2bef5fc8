// SPDX-License-Identifier: GPL-2.0-only
/* The record model and the text renderer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "lib/render.h"
#include "lib/textsafe.h"

static const struct ns_text_style plain = { .time = NS_TIME_LOCAL };

static const struct ns_column columns[] = {
	{ .header = "TIME", .width = 12, .kind = NS_COL_TIME },
	{ .header = "EVENT", .width = 6, .kind = NS_COL_ACTION },
	{ .header = "PID", .width = 5, .kind = NS_COL_PID },
	{ .header = "COMM", .width = 8, .kind = NS_COL_COMM },
	{ .header = "LOCAL", .width = 14, .kind = NS_COL_LOCAL },
	{ .header = "TX", .width = 5, .field = NS_F_BYTES_SENT },
	{ .header = "END", .width = 6, .field = NS_F_CLOSE_REASON, .alt = NS_F_ERROR },
	{ .header = "NOTE", .field = NS_F_PREEXISTING },
	{ .header = NULL },
};

static struct ns_record sample(void)
{
	struct ns_record rec;

	ns_record_init(&rec, 1795309323ULL * 1000000000 + 7000000, "close");
	rec.owner.pid = 31;
	memcpy(rec.owner.comm, "a\tb\x1b[2J", 8); /* control bytes from a hostile name */
	rec.tuple.family = AF_INET;
	rec.tuple.protocol = 6;
	memcpy(rec.tuple.laddr, (unsigned char[]){ 10, 1, 2, 3 }, 4);
	rec.tuple.lport = 8080;
	return rec;
}

static void header_and_line(void **state)
{
	struct ns_record rec = sample();
	struct ns_strbuf sb;

	(void)state;
	setenv("TZ", "UTC", 1);
	ns_strbuf_init(&sb);
	ns_render_text_header(columns, &plain, &sb);
	assert_string_equal(sb.buf,
			    "TIME         EVENT  PID   COMM     LOCAL          TX    END    "
			    "NOTE\n");
	ns_strbuf_reset(&sb);
	ns_record_u64(&rec, NS_F_BYTES_SENT, 2048);
	ns_record_u64(&rec, NS_F_ERROR, 110);
	ns_record_bool(&rec, NS_F_PREEXISTING, true);
	ns_render_text(&rec, columns, &plain, &sb);
	/* Control bytes are escaped; a long value pushes the line right. */
	assert_string_equal(sb.buf,
			    "01:02:03.007 close  31    a\\x09b\\x1b[2J 10.1.2.3:8080  2.0kB "
			    "ETIMEDOUT pre-existing\n");
	ns_strbuf_release(&sb);
}

/* Fields that are not known or do not apply are "-", but for the last column. */
static void unknown_owner_and_trailing_blanks(void **state)
{
	struct ns_record rec = sample();
	struct ns_strbuf sb;

	(void)state;
	setenv("TZ", "UTC", 1);
	ns_strbuf_init(&sb);
	rec.owner.pid = 0;
	rec.owner.comm[0] = '\0';
	ns_record_str(&rec, NS_F_CLOSE_REASON, "fin");
	ns_record_u64(&rec, NS_F_ERROR, 110); /* the first field wins */
	ns_render_text(&rec, columns, &plain, &sb);
	assert_string_equal(sb.buf,
			    "01:02:03.007 close  ?     ?        10.1.2.3:8080  -     fin\n");
	ns_strbuf_release(&sb);
}

static const struct ns_column endpoints[] = {
	{ .header = "COMM", .width = 6, .kind = NS_COL_COMM },
	{ .header = "LOCAL", .width = 14, .kind = NS_COL_LOCAL },
	{ .header = "REMOTE", .width = 14, .kind = NS_COL_REMOTE },
	{ .header = "FLOW", .kind = NS_COL_FLOW },
	{ .header = NULL },
};

static const char *line_of(struct ns_strbuf *sb, const struct ns_record *rec,
			   const struct ns_text_style *st)
{
	ns_strbuf_reset(sb);
	ns_render_text(rec, endpoints, st, sb);
	return sb->buf;
}

/* Names are padded by the columns they take on screen, not by their bytes. */
static void pads_by_display_width(void **state)
{
	struct ns_record rec = sample();
	struct ns_strbuf sb;

	(void)state;
	ns_strbuf_init(&sb);
	memcpy(rec.owner.comm, "\xc3\xa9t\xc3\xa9", 6); /* "été": 5 bytes, 3 columns */
	rec.owner.comm[5] = '\0';
	assert_string_equal(
		line_of(&sb, &rec, &plain),
		"\xc3\xa9t\xc3\xa9    10.1.2.3:8080  -              tcp 10.1.2.3:8080 -> -\n");
	memcpy(rec.owner.comm, "\xe6\x97\xa5\xe6\x9c\xac", 7); /* two double-width characters */
	assert_string_equal(
		line_of(&sb, &rec, &plain),
		"\xe6\x97\xa5\xe6\x9c\xac   10.1.2.3:8080  -              tcp 10.1.2.3:8080 -> -\n");
	ns_strbuf_release(&sb);
}

/* Bidi overrides, C1 controls, DEL and invalid UTF-8 cannot reach the terminal. */
static void escapes_what_moves_the_terminal(void **state)
{
	static const struct {
		const char *in, *out;
		size_t width;
	} cases[] = {
		{ "ok", "ok", 2 },
		{ "a\xe2\x80\xae"
		  "b",
		  "a\\xe2\\x80\\xaeb", 14 }, /* U+202E right-to-left override */
		{ "\xe2\x81\xa6"
		  "x",
		  "\\xe2\\x81\\xa6x", 13 }, /* U+2066 left-to-right isolate */
		{ "\xc2\x9b"
		  "2J",
		  "\\xc2\\x9b2J", 10 }, /* C1 CSI */
		{ "\x7f", "\\x7f", 4 },
		{ "\xff\xfe", "\\xff\\xfe", 8 }, /* not UTF-8 */
		{ "\xc3", "\\xc3", 4 }, /* truncated */
		{ "\xe0\x80\x80", "\\xe0\\x80\\x80", 12 }, /* overlong */
		{ "a\\b", "a\\\\b", 4 }, /* a backslash stays unambiguous */
		{ "\xe4\xb8\xad", "\xe4\xb8\xad", 2 }, /* double width */
	};
	struct ns_strbuf sb;

	(void)state;
	ns_strbuf_init(&sb);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ns_strbuf_reset(&sb);
		assert_int_equal(ns_text_escape(&sb, cases[i].in, strlen(cases[i].in)),
				 cases[i].width);
		assert_string_equal(sb.buf, cases[i].out);
		assert_int_equal(ns_text_width(sb.buf, sb.len), cases[i].width);
	}
	ns_strbuf_release(&sb);
}

static void endpoints_say_what_is_known(void **state)
{
	struct ns_record rec = sample();
	struct ns_text_style wide = { .wide = true };
	struct ns_strbuf sb;

	(void)state;
	ns_strbuf_init(&sb);
	rec.owner.comm[0] = 'x';
	rec.owner.comm[1] = '\0';
	/* A port-less protocol: no made-up ports. */
	rec.tuple.protocol = 1;
	memcpy(rec.tuple.raddr, (unsigned char[]){ 10, 1, 2, 4 }, 4);
	rec.tuple.lport = 8; /* ICMP type and code, not ports */
	assert_string_equal(line_of(&sb, &rec, &plain),
			    "x      10.1.2.3       10.1.2.4       icmp 10.1.2.3 -> 10.1.2.4\n");
	/* A summary row keeps the remote address and the local port only. */
	rec.tuple.protocol = 6;
	rec.tuple.lport = 80;
	rec.unknown = NS_PART_LADDR | NS_PART_RPORT;
	assert_string_equal(line_of(&sb, &rec, &plain),
			    "x      *:80           10.1.2.4       tcp *:80 -> 10.1.2.4\n");
	/* IPv6: -w gives every endpoint room. */
	rec.unknown = 0;
	rec.tuple.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", rec.tuple.laddr);
	inet_pton(AF_INET6, "2001:db8::2", rec.tuple.raddr);
	rec.tuple.rport = 443;
	assert_string_equal(line_of(&sb, &rec, &wide),
			    "x      [2001:db8::1]:80                                "
			    "[2001:db8::2]:443                               "
			    "tcp [2001:db8::1]:80 -> [2001:db8::2]:443\n");
	ns_strbuf_release(&sb);
}

static void network_namespaces(void **state)
{
	struct ns_record rec = sample();
	struct ns_text_style column = { .netns_column = true };
	struct ns_text_style own = { .own_netns = 4026531840ULL };
	struct ns_strbuf sb;

	(void)state;
	ns_strbuf_init(&sb);
	rec.owner.comm[0] = 'x';
	rec.owner.comm[1] = '\0';
	ns_render_text_header(endpoints, &column, &sb);
	assert_string_equal(sb.buf, "COMM   NETNS      LOCAL          REMOTE         FLOW\n");
	ns_record_u64(&rec, NS_F_NETNS, 4026532999ULL);
	assert_string_equal(
		line_of(&sb, &rec, &column),
		"x      4026532999 10.1.2.3:8080  -              tcp 10.1.2.3:8080 -> -\n");
	/* No column: only a record from another namespace than netsight's says which. */
	assert_string_equal(line_of(&sb, &rec, &own),
			    "x      10.1.2.3:8080  -              tcp 10.1.2.3:8080 -> - "
			    "netns=4026532999\n");
	ns_record_u64(&rec, NS_F_NETNS, 4026531840ULL);
	assert_string_equal(line_of(&sb, &rec, &own),
			    "x      10.1.2.3:8080  -              tcp 10.1.2.3:8080 -> -\n");
	ns_strbuf_release(&sb);
}

static void record_values(void **state)
{
	struct ns_record rec = sample();

	(void)state;
	ns_record_u64(&rec, NS_F_RETRANSMITS, 1);
	ns_record_u64(&rec, NS_F_RETRANSMITS, 5); /* set again: replaced, not added */
	assert_int_equal(rec.nvalues, 1);
	assert_int_equal(ns_record_find(&rec, NS_F_RETRANSMITS)->u64, 5);
	ns_record_u64(&rec, NS_F_NONE, 1);
	ns_record_u64(&rec, NS_FIELD_MAX, 1);
	assert_int_equal(rec.nvalues, 1);
	assert_null(ns_record_find(&rec, NS_F_RTT));
}

static void field_table_keys_are_unique(void **state)
{
	(void)state;
	for (int a = NS_F_NONE + 1; a < NS_FIELD_MAX; a++) {
		const struct ns_field_info *fa = ns_field_info(a);

		assert_non_null(fa);
		assert_non_null(fa->key);
		for (int b = a + 1; b < NS_FIELD_MAX; b++)
			assert_string_not_equal(fa->key, ns_field_info(b)->key);
	}
	assert_null(ns_field_info(NS_F_NONE));
	assert_null(ns_field_info(NS_FIELD_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_and_line),
		cmocka_unit_test(unknown_owner_and_trailing_blanks),
		cmocka_unit_test(pads_by_display_width),
		cmocka_unit_test(escapes_what_moves_the_terminal),
		cmocka_unit_test(endpoints_say_what_is_known),
		cmocka_unit_test(network_namespaces),
		cmocka_unit_test(record_values),
		cmocka_unit_test(field_table_keys_are_unique),
	};

	ns_text_init();
	return cmocka_run_group_tests_name("render", tests, NULL, NULL);
}
