// SPDX-License-Identifier: GPL-2.0-only
/* DNS messages as the kernel copies them: whole, cut short, compressed, hostile. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "lib/dnsmsg.h"

/* A query for www.example.com AAAA, id 0x1234. */
static const uint8_t query[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 3,    'w',  'w',	'w',  7,    'e',  'x',	'a',  'm',  'p',
	'l',  'e',  3,	  'c',	'o',  'm',  0,	  0x00, 0x1c, 0x00, 0x01,
};

static void reads_a_query(void **state)
{
	struct ns_dns_msg m;

	(void)state;
	assert_int_equal(ns_dns_parse(query, sizeof(query), &m), 0);
	assert_int_equal(m.id, 0x1234);
	assert_false(m.response);
	assert_int_equal(m.qdcount, 1);
	assert_true(m.has_question);
	assert_string_equal(m.qname, "www.example.com");
	assert_int_equal(m.qtype, 28);
	assert_int_equal(m.qclass, 1);
}

static void reads_an_answer_header(void **state)
{
	uint8_t answer[sizeof(query)];
	struct ns_dns_msg m;
	char buf[16];

	(void)state;
	memcpy(answer, query, sizeof(query));
	answer[2] = 0x81;
	answer[3] = 0x83; /* NXDOMAIN */
	answer[7] = 2;
	assert_int_equal(ns_dns_parse(answer, sizeof(answer), &m), 0);
	assert_true(m.response);
	assert_int_equal(m.rcode, 3);
	assert_int_equal(m.ancount, 2);
	assert_string_equal(ns_dns_rcode_name(m.rcode, buf, sizeof(buf)), "NXDOMAIN");
	assert_string_equal(ns_dns_rcode_name(12, buf, sizeof(buf)), "RCODE12");
	assert_string_equal(ns_dns_type_name(28, buf, sizeof(buf)), "AAAA");
	assert_string_equal(ns_dns_type_name(65280, buf, sizeof(buf)), "TYPE65280");
}

static void cut_short_is_malformed_never_overread(void **state)
{
	struct ns_dns_msg m;

	(void)state;
	for (size_t n = 0; n < sizeof(query); n++) {
		int err = ns_dns_parse(query, n, &m);

		assert_int_equal(err, -EBADMSG);
		assert_false(m.has_question);
		if (n >= 12)
			assert_int_equal(m.id, 0x1234); /* the header is still read */
	}
}

static void pointers_only_point_back(void **state)
{
	/* A name that is a pointer to itself, then one to a later byte. */
	uint8_t loop[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1 };
	uint8_t ahead[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 0, 0, 1, 0, 1 };
	/* A second question's name points back at the first: fine. */
	uint8_t back[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0xc0, 12 };
	struct ns_dns_msg m;
	size_t off = 15;
	char name[64];

	(void)state;
	assert_int_equal(ns_dns_parse(loop, sizeof(loop), &m), -EBADMSG);
	assert_int_equal(ns_dns_parse(ahead, sizeof(ahead), &m), -EBADMSG);
	assert_int_equal(ns_dns_read_name(back, sizeof(back), &off, name, sizeof(name)), 0);
	assert_string_equal(name, "a");
	assert_int_equal(off, 17);
}

static void names_are_escaped_and_bounded(void **state)
{
	uint8_t odd[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 4, 'a', '.', 'b', ' ', 0, 0, 1, 0, 1 };
	uint8_t root[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1 };
	uint8_t longname[12 + 5 * 64 + 1 + 4] = { 0, 1, 0, 0, 0, 1 };
	struct ns_dns_msg m;

	(void)state;
	assert_int_equal(ns_dns_parse(odd, sizeof(odd), &m), 0);
	assert_string_equal(m.qname, "a\\.b\\032");
	assert_int_equal(ns_dns_parse(root, sizeof(root), &m), 0);
	assert_string_equal(m.qname, ".");
	/* Five labels of 63 bytes: 320 bytes on the wire, more than 255. */
	for (int i = 0; i < 5; i++) {
		longname[12 + i * 64] = 63;
		memset(longname + 13 + i * 64, 'x', 63);
	}
	assert_int_equal(ns_dns_parse(longname, sizeof(longname), &m), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_a_query),
		cmocka_unit_test(reads_an_answer_header),
		cmocka_unit_test(cut_short_is_malformed_never_overread),
		cmocka_unit_test(pointers_only_point_back),
		cmocka_unit_test(names_are_escaped_and_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
