// SPDX-License-Identifier: GPL-2.0-only
/* sock_diag answers, built by hand the way the kernel lays them out. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <libmnl/libmnl.h>
#include <cmocka.h>

#include "lib/sockdiag.h"

static char buf[8192];

static struct nlmsghdr *answer(int family, bool meminfo)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_msg *msg = mnl_nlmsg_put_extra_header(nlh, sizeof(*msg));

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg->idiag_family = family;
	msg->idiag_state = 10; /* TCP_LISTEN */
	msg->id.idiag_sport = htons(8080);
	msg->id.idiag_dport = htons(0);
	msg->id.idiag_cookie[0] = 0x89abcdef;
	msg->id.idiag_cookie[1] = 0x01234567;
	msg->idiag_inode = 4242;
	msg->idiag_rqueue = 2;
	msg->idiag_wqueue = 1;
	if (family == AF_INET)
		msg->id.idiag_src[0] = htonl(0x0a000001);
	else
		inet_pton(AF_INET6, "fd00::1", msg->id.idiag_src);
	if (meminfo) {
		__u32 mem[SK_MEMINFO_VARS] = { 0 };

		mem[SK_MEMINFO_DROPS] = 16;
		mnl_attr_put(nlh, INET_DIAG_SKMEMINFO, sizeof(mem), mem);
	}
	return nlh;
}

static void listener_with_drops(void **state)
{
	struct ns_diag_sock sk;

	(void)state;
	assert_int_equal(ns_sockdiag_parse(answer(AF_INET, true), IPPROTO_TCP, &sk), 0);
	assert_int_equal(sk.family, AF_INET);
	assert_int_equal(sk.protocol, IPPROTO_TCP);
	assert_int_equal(sk.state, 10);
	/* The kernel splits the cookie low word first (sock_diag_save_cookie()). */
	assert_true(sk.cookie == 0x0123456789abcdefULL);
	assert_int_equal(sk.inode, 4242);
	assert_int_equal(sk.lport, 8080);
	assert_int_equal(sk.rqueue, 2);
	assert_int_equal(sk.wqueue, 1);
	assert_true(sk.has_drops);
	assert_int_equal(sk.drops, 16);
	static const unsigned char want[] = { 10, 0, 0, 1 };

	assert_memory_equal(sk.laddr, want, 4);
}

static void ipv6_without_meminfo(void **state)
{
	struct in6_addr want;
	struct ns_diag_sock sk;

	(void)state;
	inet_pton(AF_INET6, "fd00::1", &want);
	assert_int_equal(ns_sockdiag_parse(answer(AF_INET6, false), IPPROTO_UDP, &sk), 0);
	assert_int_equal(sk.family, AF_INET6);
	assert_false(sk.has_drops);
	assert_memory_equal(sk.laddr, &want, 16);
}

static void malformed_answers(void **state)
{
	struct nlmsghdr *nlh = answer(AF_INET, false);
	struct ns_diag_sock sk;

	(void)state;
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(struct inet_diag_msg) - 1);
	assert_int_equal(ns_sockdiag_parse(nlh, IPPROTO_TCP, &sk), -EINVAL);
	nlh = answer(AF_UNIX, false);
	assert_int_equal(ns_sockdiag_parse(nlh, IPPROTO_TCP, &sk), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(listener_with_drops),
		cmocka_unit_test(ipv6_without_meminfo),
		cmocka_unit_test(malformed_answers),
	};

	return cmocka_run_group_tests_name("sockdiag", tests, NULL, NULL);
}
