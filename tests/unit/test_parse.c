// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <netsight/event.h>

#include "lib/parse.h"
#include "lib/procscan.h"

static void u64(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(ns_parse_u64("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(ns_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(ns_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(ns_parse_u64("101", 0, 100, &v), -ERANGE);
	assert_int_equal(ns_parse_u64("0", 1, 100, &v), -ERANGE);
	for (const char **bad =
		     (const char *[]){ "", "-1", "+1", " 1", "1 ", "1x", "0x10", "abc", NULL };
	     *bad; bad++)
		assert_int_equal(ns_parse_u64(*bad, 0, 100, &v), -EINVAL);
	assert_int_equal(ns_parse_u64(NULL, 0, 100, &v), -EINVAL);
}

static void sizes(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(ns_parse_size("4096", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(ns_parse_size("16M", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 16 << 20);
	assert_int_equal(ns_parse_size("2k", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 2048);
	assert_int_equal(ns_parse_size("1G", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 1 << 30);
	assert_int_equal(ns_parse_size("2G", 0, 1 << 30, &v), -ERANGE);
	assert_int_equal(ns_parse_size("17179869184G", 0, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(ns_parse_size("16MB", 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(ns_parse_size("M", 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(ns_parse_size("1T", 0, UINT64_MAX, &v), -EINVAL);
}

static void hex(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(ns_parse_hex_u64("ffffffff81200000", &v), 0);
	assert_true(v == 0xffffffff81200000ULL);
	assert_int_equal(ns_parse_hex_u64("000001fffeffffff", &v), 0);
	assert_true(v == 0x1fffeffffffULL);
	assert_int_equal(ns_parse_hex_u64("1ffffffffffffffff", &v), -ERANGE);
	for (const char **bad = (const char *[]){ "", "0x10", "12g", " 1", "-1", NULL }; *bad;
	     bad++)
		assert_int_equal(ns_parse_hex_u64(*bad, &v), -EINVAL);
}

static void cidrs(void **state)
{
	static const struct {
		const char *in;
		int ret, family, prefix;
		const char *net;
	} cases[] = {
		{ "10.0.0.0/8", 0, AF_INET, 8, "10.0.0.0" },
		{ "192.0.2.7", 0, AF_INET, 32, "192.0.2.7" },
		{ "0.0.0.0/0", 0, AF_INET, 0, "0.0.0.0" },
		{ "10.1.2.3/8", -ENOTUNIQ, AF_INET, 8, "10.0.0.0" },
		{ "10.0.0.128/25", 0, AF_INET, 25, "10.0.0.128" },
		{ "10.0.0.129/25", -ENOTUNIQ, AF_INET, 25, "10.0.0.128" },
		{ "2001:db8::/32", 0, AF_INET6, 32, "2001:db8::" },
		{ "::1", 0, AF_INET6, 128, "::1" },
		/* IPv4-mapped: reported as IPv4 by the kernel side, so filtered as IPv4. */
		{ "::ffff:10.0.0.0/104", 0, AF_INET, 8, "10.0.0.0" },
		{ "10.0.0.0/33", -ERANGE, 0, 0, NULL },
		{ "2001:db8::/129", -ERANGE, 0, 0, NULL },
		{ "10.0.0.0/", -EINVAL, 0, 0, NULL },
		{ "10.0.0.0/x", -EINVAL, 0, 0, NULL },
		{ "10.0.0.0/-1", -EINVAL, 0, 0, NULL },
		{ "host.example", -EINVAL, 0, 0, NULL },
		{ "", -EINVAL, 0, 0, NULL },
		{ "/8", -EINVAL, 0, 0, NULL },
	};
	struct ns_cidr c;
	char net[INET6_ADDRSTRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = ns_parse_cidr(cases[i].in, &c);

		if (ret != cases[i].ret)
			fail_msg("%s: %d, want %d", cases[i].in, ret, cases[i].ret);
		if (!cases[i].net)
			continue;
		assert_int_equal(c.family, cases[i].family);
		assert_int_equal(c.prefix, cases[i].prefix);
		assert_non_null(inet_ntop(c.family, c.addr, net, sizeof(net)));
		assert_string_equal(net, cases[i].net);
	}
}

static void socket_links(void **state)
{
	__u64 ino = 0;

	(void)state;
	assert_int_equal(ns_parse_socket_link("socket:[12345]", &ino), 0);
	assert_int_equal(ino, 12345);
	for (const char **bad =
		     (const char *[]){ "socket:[]", "socket:[12", "pipe:[5]", "/dev/null",
				       "socket:[1a]", "socket:[0]", "anon_inode:[eventfd]", NULL };
	     *bad; bad++)
		assert_int_equal(ns_parse_socket_link(*bad, &ino), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(u64),	 cmocka_unit_test(sizes),	 cmocka_unit_test(hex),
		cmocka_unit_test(cidrs), cmocka_unit_test(socket_links),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
