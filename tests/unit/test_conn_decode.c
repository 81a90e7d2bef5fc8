// SPDX-License-Identifier: GPL-2.0-only
/* Connection events, as the kernel writes them, to records and JSON lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <netsight/conn.h>

#include "lib/render.h"
#include "probes/conn.h"

/* Epoch second 1795309320 is 2026-11-22T01:02:00Z. */
static const struct ns_decode_ctx ctx = {
	.boot_to_epoch_ns = 1795309320LL * 1000000000,
	.start_boot_ns = 2000000000,
};

static struct ns_conn_event accepted_close(void)
{
	struct ns_conn_event e = {
		.hdr = { .ts_ns = 3500000000ULL, .type = NS_EVENT_CONN, .size = sizeof(e) },
		.owner = { .pid = 4242,
			   .cgroup_id = 77,
			   .comm = "srv\"x",
			   .flags = NS_OWNER_PASSIVE },
		.tuple = { .laddr = { 10, 0, 0, 2 },
			   .raddr = { 10, 0, 0, 1 },
			   .lport = 80,
			   .rport = 40000,
			   .family = AF_INET,
			   .protocol = 6 },
		.stats = { .bytes_sent = 300,
			   .bytes_received = 100,
			   .srtt_us = 1500,
			   .retransmits = 2 },
		.start_ns = 1000000000ULL,
		.error = ECONNRESET,
		.action = NS_CONN_CLOSE,
		.close_reason = NS_CLOSE_RST_RECEIVED,
	};
	return e;
}

static char *json_of(const struct ns_conn_event *e, struct ns_strbuf *sb)
{
	struct ns_record rec;

	assert_int_equal(ns_conn_decode(e, sizeof(*e), &ctx, &rec), 0);
	ns_strbuf_reset(sb);
	ns_render_json(&rec, "testhost", sb);
	return sb->buf;
}

static void close_of_accepted_connection(void **state)
{
	struct ns_conn_event e = accepted_close();
	struct ns_strbuf sb;

	(void)state;
	ns_strbuf_init(&sb);
	/* Accepted: the remote side initiated, so it is the ECS source. */
	assert_string_equal(json_of(&e, &sb),
			    "{\"@timestamp\":\"2026-11-22T01:02:03.500000Z\","
			    "\"event.action\":\"close\",\"host.name\":\"testhost\","
			    "\"process.pid\":4242,\"process.name\":\"srv\\\"x\",\"cgroup.id\":77,"
			    "\"network.transport\":\"tcp\",\"network.type\":\"ipv4\","
			    "\"network.direction\":\"ingress\","
			    "\"source.ip\":\"10.0.0.1\",\"source.port\":40000,"
			    "\"destination.ip\":\"10.0.0.2\",\"destination.port\":80,"
			    "\"event.duration\":2500000000,"
			    "\"destination.bytes\":300,\"source.bytes\":100,"
			    "\"tcp.rtt_ms\":1.500,\"tcp.retransmits\":2,"
			    "\"tcp.close_reason\":\"rst_received\",\"error\":\"ECONNRESET\","
			    "\"tcp.preexisting\":false}\n");
	ns_strbuf_release(&sb);
}

static void connect_over_ipv6(void **state)
{
	struct ns_conn_event e = accepted_close();
	struct ns_strbuf sb;

	(void)state;
	ns_strbuf_init(&sb);
	e.action = NS_CONN_CONNECT;
	e.owner.flags = 0;
	e.connect_latency_ns = 250000;
	e.tuple.family = AF_INET6;
	inet_pton(AF_INET6, "fd00::1", e.tuple.laddr);
	inet_pton(AF_INET6, "fd00::2", e.tuple.raddr);
	e.tuple.lport = 50000;
	e.tuple.rport = 443;
	assert_string_equal(json_of(&e, &sb),
			    "{\"@timestamp\":\"2026-11-22T01:02:03.500000Z\","
			    "\"event.action\":\"connect\",\"host.name\":\"testhost\","
			    "\"process.pid\":4242,\"process.name\":\"srv\\\"x\",\"cgroup.id\":77,"
			    "\"network.transport\":\"tcp\",\"network.type\":\"ipv6\","
			    "\"network.direction\":\"egress\","
			    "\"source.ip\":\"fd00::1\",\"source.port\":50000,"
			    "\"destination.ip\":\"fd00::2\",\"destination.port\":443,"
			    "\"tcp.connect_latency_ms\":0.250}\n");
	ns_strbuf_release(&sb);
}

static void connect_failed_names_the_errno(void **state)
{
	struct ns_conn_event e = accepted_close();
	struct ns_record rec;
	const struct ns_value *v;

	(void)state;
	e.action = NS_CONN_CONNECT_FAILED;
	e.owner.flags = 0;
	e.error = ECONNREFUSED;
	assert_int_equal(ns_conn_decode(&e, sizeof(e), &ctx, &rec), 0);
	assert_string_equal(rec.action, "connect_failed");
	assert_int_equal(rec.direction, NS_DIR_EGRESS);
	v = ns_record_find(&rec, NS_F_ERROR);
	assert_non_null(v);
	assert_string_equal(v->str, "ECONNREFUSED");
	assert_null(ns_record_find(&rec, NS_F_DURATION));
}

static void preexisting_duration_counts_from_start(void **state)
{
	struct ns_conn_event e = accepted_close();
	struct ns_record rec;

	(void)state;
	e.start_ns = 0;
	e.flags = NS_CONN_PREEXISTING;
	assert_int_equal(ns_conn_decode(&e, sizeof(e), &ctx, &rec), 0);
	assert_int_equal(ns_record_find(&rec, NS_F_DURATION)->u64, 1500000000);
	assert_true(ns_record_find(&rec, NS_F_PREEXISTING)->b);
}

static void rejects_malformed_events(void **state)
{
	struct ns_conn_event e = accepted_close();
	struct ns_record rec;

	(void)state;
	assert_int_equal(ns_conn_decode(&e, sizeof(e) - 1, &ctx, &rec), -EINVAL);
	e.action = NS_CONN_ACTION_MAX;
	assert_int_equal(ns_conn_decode(&e, sizeof(e), &ctx, &rec), -EINVAL);
	e.action = NS_CONN_NONE;
	assert_int_equal(ns_conn_decode(&e, sizeof(e), &ctx, &rec), -EINVAL);
}

static void every_name_table_is_complete(void **state)
{
	(void)state;
	for (unsigned int a = NS_CONN_NONE + 1; a < NS_CONN_ACTION_MAX; a++)
		assert_non_null(ns_conn_action_name(a));
	assert_null(ns_conn_action_name(NS_CONN_ACTION_MAX));
	for (unsigned int r = NS_CLOSE_UNKNOWN + 1; r < NS_CLOSE_REASON_MAX; r++)
		assert_non_null(ns_close_reason_name(r));
	assert_string_equal(ns_conn_action_name(NS_CONN_CONNECT_FAILED), "connect_failed");
	assert_string_equal(ns_close_reason_name(NS_CLOSE_RST_SENT), "rst_sent");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(close_of_accepted_connection),
		cmocka_unit_test(connect_over_ipv6),
		cmocka_unit_test(connect_failed_names_the_errno),
		cmocka_unit_test(preexisting_duration_counts_from_start),
		cmocka_unit_test(rejects_malformed_events),
		cmocka_unit_test(every_name_table_is_complete),
	};

	return cmocka_run_group_tests_name("conn_decode", tests, NULL, NULL);
}
