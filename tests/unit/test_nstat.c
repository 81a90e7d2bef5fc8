// SPDX-License-Identifier: GPL-2.0-only
/* Kernel counters as nstat names them, from /proc/net/snmp and netstat text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <cmocka.h>

#include "lib/nstat.h"

static const char snmp[] = "Ip: Forwarding DefaultTTL InReceives\n"
			   "Ip: 1 64 120\n"
			   "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens\n"
			   "Tcp: 1 200 120000 -1 5 7\n"
			   "Udp: InDatagrams NoPorts\n"
			   "Udp: 3 4\n";

static const char netstat[] = "TcpExt: SyncookiesSent ListenOverflows ListenDrops\n"
			      "TcpExt: 0 16 18\n";

static void parses_snmp_and_netstat(void **state)
{
	struct ns_nstat st = { 0 };

	(void)state;
	assert_int_equal(ns_nstat_parse(&st, snmp), 0);
	assert_int_equal(ns_nstat_parse(&st, netstat), 0);
	assert_int_equal(ns_nstat_get(&st, "TcpActiveOpens"), 5);
	assert_int_equal(ns_nstat_get(&st, "TcpPassiveOpens"), 7);
	assert_int_equal(ns_nstat_get(&st, "UdpNoPorts"), 4);
	assert_int_equal(ns_nstat_get(&st, "IpInReceives"), 120);
	assert_int_equal(ns_nstat_get(&st, "TcpExtListenOverflows"), 16);
	assert_int_equal(ns_nstat_get(&st, "TcpExtListenDrops"), 18);
	/* Not a counter (negative), and unknown names: 0. */
	assert_int_equal(ns_nstat_get(&st, "TcpMaxConn"), 0);
	assert_int_equal(ns_nstat_get(&st, "TcpNoSuchThing"), 0);
	ns_nstat_release(&st);
}

static void mismatched_lines_are_refused(void **state)
{
	struct ns_nstat st = { 0 };

	(void)state;
	assert_int_equal(ns_nstat_parse(&st, "Tcp: A B\nUdp: 1 2\n"), -EINVAL);
	assert_int_equal(ns_nstat_parse(&st, "Tcp: A B\nTcp: 1\n"), -EINVAL);
	assert_int_equal(ns_nstat_parse(&st, "Tcp: A B\n"), -EINVAL);
	ns_nstat_release(&st);
}

static void reads_this_namespace(void **state)
{
	struct ns_nstat st;

	(void)state;
	/* /proc/self/net is readable without privileges. */
	assert_int_equal(ns_nstat_read(&st, 0), 0);
	assert_true(st.count > 50);
	ns_nstat_release(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_snmp_and_netstat),
		cmocka_unit_test(mismatched_lines_are_refused),
		cmocka_unit_test(reads_this_namespace),
	};

	return cmocka_run_group_tests_name("nstat", tests, NULL, NULL);
}
