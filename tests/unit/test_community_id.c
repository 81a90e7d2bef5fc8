// SPDX-License-Identifier: GPL-2.0-only
/*
 * Community ID v1: the spec's published examples (seed 0 and 1), both
 * directions of every flow, and the inputs it refuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "lib/community_id.h"

struct flow {
	int family;
	const char *saddr, *daddr;
	__u8 proto;
	__u16 sport, dport;
};

static void id_of(const struct flow *f, bool reverse, __u16 seed, char *out)
{
	__u8 s[16] = { 0 }, d[16] = { 0 };

	assert_int_equal(inet_pton(f->family, f->saddr, s), 1);
	assert_int_equal(inet_pton(f->family, f->daddr, d), 1);
	if (reverse)
		assert_int_equal(ns_community_id(f->family, d, s, f->proto, f->dport, f->sport,
						 seed, out, NS_COMMUNITY_ID_LEN),
				 0);
	else
		assert_int_equal(ns_community_id(f->family, s, d, f->proto, f->sport, f->dport,
						 seed, out, NS_COMMUNITY_ID_LEN),
				 0);
}

static void published_examples(void **state)
{
	static const struct {
		struct flow f;
		__u16 seed;
		const char *id;
	} cases[] = {
		{ { AF_INET, "1.2.3.4", "5.6.7.8", 6, 1122, 3344 },
		  0,
		  "1:wCb3OG7yAFWelaUydu0D+125CLM=" },
		{ { AF_INET, "1.2.3.4", "5.6.7.8", 17, 1122, 3344 },
		  0,
		  "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=" },
		{ { AF_INET, "1.2.3.4", "5.6.7.8", 1, 8, 0 }, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=" },
		{ { AF_INET6, "fe80:1:203:405:607:809:a0b:c0d",
		    "fe80:1011:1213:1415:1617:1819:1a1b:1c1d", 58, 128, 0 },
		  0,
		  "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=" },
		{ { AF_INET, "1.2.3.4", "5.6.7.8", 6, 1122, 3344 },
		  1,
		  "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=" },
		{ { AF_INET, "1.2.3.4", "5.6.7.8", 17, 1122, 3344 },
		  1,
		  "1:OShq+iKDAMVouh/4bMxB9Sz4amw=" },
		{ { AF_INET, "1.2.3.4", "5.6.7.8", 1, 8, 0 }, 1, "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=" },
		/* A protocol without ports hashes addresses and protocol only. */
		{ { AF_INET, "1.2.3.4", "5.6.7.8", 46, 0, 0 }, 0, "1:ikv3kmf89luf73WPz1jOs49S768=" },
	};
	char id[NS_COMMUNITY_ID_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		id_of(&cases[i].f, false, cases[i].seed, id);
		assert_string_equal(id, cases[i].id);
	}
}

/* Both directions of a flow, ICMP requests and their answers included, share one ID. */
static void directions_agree(void **state)
{
	static const struct flow flows[] = {
		{ AF_INET, "10.0.0.1", "10.0.0.2", 6, 40000, 80 },
		{ AF_INET, "10.0.0.2", "10.0.0.1", 6, 80, 80 },
		{ AF_INET, "127.0.0.1", "127.0.0.1", 6, 5000, 4000 },
		{ AF_INET6, "::1", "2001:db8::1", 17, 53, 53000 },
		{ AF_INET6, "2001:db8::2", "2001:db8::1", 132, 9, 9 },
	};
	char a[NS_COMMUNITY_ID_LEN], b[NS_COMMUNITY_ID_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
		id_of(&flows[i], false, 0, a);
		id_of(&flows[i], true, 0, b);
		assert_string_equal(a, b);
	}
	/* An echo reply (type 0) joins its request (type 8). */
	id_of(&(struct flow){ AF_INET, "5.6.7.8", "1.2.3.4", 1, 0, 0 }, false, 0, a);
	assert_string_equal(a, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
	id_of(&(struct flow){ AF_INET6, "fe80:1011:1213:1415:1617:1819:1a1b:1c1d",
			      "fe80:1:203:405:607:809:a0b:c0d", 58, 129, 0 },
	      false, 0, a);
	assert_string_equal(a, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=");
}

/* Recently computed IDs are reused: thousands of other flows in between change nothing. */
static void reused_ids_stay_right(void **state)
{
	const struct flow f = { AF_INET, "10.0.0.1", "10.0.0.2", 6, 40000, 443 };
	char first[NS_COMMUNITY_ID_LEN], again[NS_COMMUNITY_ID_LEN], other[NS_COMMUNITY_ID_LEN];
	__u8 s[4] = { 10, 0, 0, 1 }, d[4] = { 10, 0, 0, 2 };

	(void)state;
	id_of(&f, false, 0, first);
	for (unsigned int port = 1; port < 5000; port++) {
		assert_int_equal(
			ns_community_id(AF_INET, s, d, 6, port, 443, 0, other, sizeof(other)), 0);
		if (port != 40000)
			assert_string_not_equal(other, first);
	}
	id_of(&f, true, 0, again);
	assert_string_equal(again, first);
	id_of(&f, false, 1, again); /* another seed, another ID */
	assert_string_not_equal(again, first);
}

static void refusals(void **state)
{
	__u8 addr[16] = { 1 };
	char id[NS_COMMUNITY_ID_LEN];

	(void)state;
	assert_int_equal(ns_community_id(AF_UNIX, addr, addr, 6, 1, 2, 0, id, sizeof(id)),
			 -EAFNOSUPPORT);
	assert_int_equal(ns_community_id(AF_INET, addr, addr, 6, 1, 2, 0, id, sizeof(id) - 1),
			 -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(published_examples),
		cmocka_unit_test(directions_agree),
		cmocka_unit_test(reused_ids_stay_right),
		cmocka_unit_test(refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
