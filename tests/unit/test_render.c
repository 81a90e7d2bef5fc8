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
	ns_render_text_header(columns, &sb);
	assert_string_equal(sb.buf,
			    "TIME         EVENT  PID   COMM     LOCAL          TX    END    "
			    "NOTE\n");
	ns_strbuf_reset(&sb);
	ns_record_u64(&rec, NS_F_BYTES_SENT, 2048);
	ns_record_str(&rec, NS_F_ERROR, "ETIMEDOUT");
	ns_record_bool(&rec, NS_F_PREEXISTING, true);
	ns_render_text(&rec, columns, &sb);
	/* Control bytes become '?'; a long value pushes the line right. */
	assert_string_equal(sb.buf, "01:02:03.007 close  31    a?b?[2J  10.1.2.3:8080  2.0K  "
				    "ETIMEDOUT pre-existing\n");
	ns_strbuf_release(&sb);
}

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
	ns_record_str(&rec, NS_F_ERROR, "ETIMEDOUT"); /* the first field wins */
	ns_render_text(&rec, columns, &sb);
	assert_string_equal(sb.buf,
			    "01:02:03.007 close  ?     ?        10.1.2.3:8080        fin\n");
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
		cmocka_unit_test(record_values),
		cmocka_unit_test(field_table_keys_are_unique),
	};

	return cmocka_run_group_tests_name("render", tests, NULL, NULL);
}
