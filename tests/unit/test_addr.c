// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "lib/addr.h"

static void ipv4(void **state)
{
	__u8 a[16] = { 10, 0, 0, 1 };
	char buf[NS_ENDPOINT_STRLEN];

	(void)state;
	assert_int_equal(ns_addr_format(AF_INET, a, buf, sizeof(buf)), AF_INET);
	assert_string_equal(buf, "10.0.0.1");
	assert_int_equal(ns_endpoint_format(AF_INET, a, 80, buf, sizeof(buf)), AF_INET);
	assert_string_equal(buf, "10.0.0.1:80");
}

static void ipv4_octet_widths(void **state)
{
	static const struct {
		__u8 addr[4];
		const char *text;
	} cases[] = {
		{ { 0, 0, 0, 0 }, "0.0.0.0" },
		{ { 255, 255, 255, 255 }, "255.255.255.255" },
		{ { 1, 20, 100, 9 }, "1.20.100.9" },
		{ { 127, 0, 0, 1 }, "127.0.0.1" },
	};
	char buf[NS_ENDPOINT_STRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(ns_addr_format(AF_INET, cases[i].addr, buf, sizeof(buf)), AF_INET);
		assert_string_equal(buf, cases[i].text);
	}
	assert_int_equal(ns_addr_format(AF_INET, cases[1].addr, buf, 8), -ENOSPC);
}

static void ipv6_is_bracketed(void **state)
{
	__u8 a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	char buf[NS_ENDPOINT_STRLEN];

	(void)state;
	assert_int_equal(ns_endpoint_format(AF_INET6, a, 443, buf, sizeof(buf)), AF_INET6);
	assert_string_equal(buf, "[2001:db8::1]:443");
}

static void v4_mapped_prints_as_ipv4(void **state)
{
	__u8 a[16] = { [10] = 0xff, [11] = 0xff, 192, 168, 1, 20 };
	char buf[NS_ENDPOINT_STRLEN];

	(void)state;
	assert_int_equal(ns_addr_format(AF_INET6, a, buf, sizeof(buf)), AF_INET);
	assert_string_equal(buf, "192.168.1.20");
	assert_int_equal(ns_endpoint_format(AF_INET6, a, 8080, buf, sizeof(buf)), AF_INET);
	assert_string_equal(buf, "192.168.1.20:8080");
}

static void v4_compatible_is_not_mapped(void **state)
{
	/* ::ffff:0:1.2.3.4 style prefixes other than ::ffff:a.b.c.d stay IPv6. */
	__u8 a[16] = { [9] = 0xff, [11] = 0xff, 1, 2, 3, 4 };
	char buf[NS_ENDPOINT_STRLEN];

	(void)state;
	assert_int_equal(ns_addr_format(AF_INET6, a, buf, sizeof(buf)), AF_INET6);
}

static void unknown_family(void **state)
{
	__u8 a[16] = { 0 };
	char buf[NS_ENDPOINT_STRLEN];

	(void)state;
	assert_int_equal(ns_addr_format(AF_UNIX, a, buf, sizeof(buf)), -EAFNOSUPPORT);
	assert_int_equal(ns_endpoint_format(0, a, 1, buf, sizeof(buf)), -EAFNOSUPPORT);
}

static void protocol_names(void **state)
{
	(void)state;
	assert_string_equal(ns_ip_proto_name(6), "tcp");
	assert_string_equal(ns_ip_proto_name(17), "udp");
	assert_string_equal(ns_ip_proto_name(1), "icmp");
	assert_string_equal(ns_ip_proto_name(58), "ipv6-icmp");
	assert_null(ns_ip_proto_name(253));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4),
		cmocka_unit_test(ipv4_octet_widths),
		cmocka_unit_test(ipv6_is_bracketed),
		cmocka_unit_test(v4_mapped_prints_as_ipv4),
		cmocka_unit_test(v4_compatible_is_not_mapped),
		cmocka_unit_test(unknown_family),
		cmocka_unit_test(protocol_names),
	};

	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
