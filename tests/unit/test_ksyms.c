// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/ksyms.h"

static char *write_file(const char *text)
{
	char *path = strdup("/tmp/netsight-ksyms-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void symbolizes_text_addresses(void **state)
{
	/* Unsorted, with data symbols and a module suffix, as the kernel prints them. */
	char *path = write_file("ffffffff81000000 T _stext\n"
				"ffffffff81200000 t tcp_v4_rcv\n"
				"ffffffff81100000 T nf_hook_slow\n"
				"ffffffff82000000 D some_data\n"
				"ffffffff81300000 t udp_rcv\t[udp]\n"
				"ffffffff81400000 W weak_fn\n");
	struct ns_ksyms *ks = ns_ksyms__load(path);
	char buf[64];

	(void)state;
	assert_non_null(ks);
	assert_false(ns_ksyms__restricted(ks));
	assert_int_equal(ns_ksyms__count(ks), 5);
	ns_ksyms__format(ks, 0xffffffff81200091ULL, buf, sizeof(buf));
	assert_string_equal(buf, "tcp_v4_rcv+0x91");
	ns_ksyms__format(ks, 0xffffffff81100000ULL, buf, sizeof(buf));
	assert_string_equal(buf, "nf_hook_slow+0x0");
	ns_ksyms__format(ks, 0xffffffff81300010ULL, buf, sizeof(buf));
	assert_string_equal(buf, "udp_rcv+0x10");
	ns_ksyms__format(ks, 0xffffffff82000010ULL, buf, sizeof(buf));
	assert_string_equal(buf, "weak_fn+0xc00010");
	/* Below the first symbol: the raw address. */
	ns_ksyms__format(ks, 0xffffffff80000000ULL, buf, sizeof(buf));
	assert_string_equal(buf, "0xffffffff80000000");
	ns_ksyms__free(ks);
	unlink(path);
	free(path);
}

/* Single addresses: named like the table names them, from the file once each. */
static void names_one_address_at_a_time(void **state)
{
	char *path = write_file("ffffffff81000000 T _stext\n"
				"ffffffff81200000 t tcp_v4_rcv\n"
				"ffffffff81100000 T nf_hook_slow\n"
				"ffffffff82000000 D some_data\n"
				"ffffffff81300000 t udp_rcv\t[udp]\n"
				"ffffffff81400000 W weak_fn\n");
	char *hidden = write_file("0000000000000000 T _stext\n");
	char buf[64];

	(void)state;
	ns_ksyms_names_source(path);
	ns_ksyms_name(0xffffffff81200091ULL, buf, sizeof(buf));
	assert_string_equal(buf, "tcp_v4_rcv+0x91");
	ns_ksyms_name(0xffffffff81300010ULL, buf, sizeof(buf));
	assert_string_equal(buf, "udp_rcv+0x10");
	ns_ksyms_name(0xffffffff82000010ULL, buf, sizeof(buf));
	assert_string_equal(buf, "weak_fn+0xc00010");
	ns_ksyms_name(0xffffffff80000000ULL, buf, sizeof(buf));
	assert_string_equal(buf, "0xffffffff80000000");
	/* Remembered: the file is not read again for an address it named. */
	unlink(path);
	ns_ksyms_name(0xffffffff81200091ULL, buf, sizeof(buf));
	assert_string_equal(buf, "tcp_v4_rcv+0x91");
	ns_ksyms_name(0xffffffff81100004ULL, buf, sizeof(buf));
	assert_string_equal(buf, "0xffffffff81100004");
	/* Hidden addresses name nothing. */
	ns_ksyms_names_source(hidden);
	ns_ksyms_name(0xffffffff81200091ULL, buf, sizeof(buf));
	assert_string_equal(buf, "0xffffffff81200091");
	ns_ksyms_names_source(NULL);
	ns_ksyms_names_release();
	unlink(hidden);
	free(path);
	free(hidden);
}

static void function_ranges(void **state)
{
	/* An alias at the same address does not end a function. */
	char *path = write_file("ffffffff81200000 t tcp_v4_rcv\n"
				"ffffffff81200000 t tcp_v4_rcv_alias\n"
				"ffffffff81200800 t tcp_v4_do_rcv\n"
				"ffffffff81100000 T first\n");
	struct ns_ksyms *ks = ns_ksyms__load(path);
	__u64 start = 0, end = 0;

	(void)state;
	assert_non_null(ks);
	assert_int_equal(ns_ksyms__range(ks, "tcp_v4_rcv", &start, &end), 0);
	assert_true(start == 0xffffffff81200000ULL && end == 0xffffffff81200800ULL);
	assert_int_equal(ns_ksyms__range(ks, "first", &start, &end), 0);
	assert_true(end == 0xffffffff81200000ULL);
	/* The last symbol has no known end; unknown names have nothing. */
	assert_int_equal(ns_ksyms__range(ks, "tcp_v4_do_rcv", &start, &end), -ENOENT);
	assert_int_equal(ns_ksyms__range(ks, "tcp_v6_rcv", &start, &end), -ENOENT);
	ns_ksyms__free(ks);
	unlink(path);
	free(path);
}

static void hidden_addresses_are_detected(void **state)
{
	char *path = write_file("0000000000000000 T _stext\n0000000000000000 t tcp_v4_rcv\n");
	struct ns_ksyms *ks = ns_ksyms__load(path);
	char buf[64];

	(void)state;
	assert_non_null(ks);
	assert_true(ns_ksyms__restricted(ks));
	ns_ksyms__format(ks, 0xffffffff81200091ULL, buf, sizeof(buf));
	assert_string_equal(buf, "0xffffffff81200091");
	assert_int_equal(ns_ksyms__range(ks, "_stext", &(__u64){ 0 }, &(__u64){ 0 }), -EPERM);
	ns_ksyms__free(ks);
	unlink(path);
	free(path);
}

static void missing_file(void **state)
{
	(void)state;
	assert_null(ns_ksyms__load("/nonexistent/kallsyms"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(symbolizes_text_addresses),
		cmocka_unit_test(names_one_address_at_a_time),
		cmocka_unit_test(function_ranges),
		cmocka_unit_test(hidden_addresses_are_detected),
		cmocka_unit_test(missing_file),
	};

	return cmocka_run_group_tests_name("ksyms", tests, NULL, NULL);
}
