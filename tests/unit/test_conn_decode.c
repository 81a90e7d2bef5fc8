// SPDX-License-Identifier: GPL-2.0-only
/* Connection events, as the kernel writes them, to records and JSON lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <json-c/json.h>

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

/* The JSON line of @e, parsed. */
static struct json_object *json_of(const struct ns_conn_event *e)
{
	static const struct ns_json_run run = { .host = "testhost", .dataset = "netsight.conns" };
	struct ns_record rec;
	struct ns_strbuf sb;
	struct json_object *obj;
	size_t len;

	assert_int_equal(ns_conn_decode(e, sizeof(*e), &ctx, &rec), 0);
	ns_strbuf_init(&sb);
	ns_render_json(&rec, &run, &sb);
	len = strlen(sb.buf);
	assert_true(len > 2 && sb.buf[len - 1] == '\n' && !memchr(sb.buf, '\n', len - 1));
	obj = json_tokener_parse(sb.buf);
	assert_non_null(obj);
	ns_strbuf_release(&sb);
	return obj;
}

/* The value at @key, which must be of @type. */
static struct json_object *value_at(struct json_object *obj, const char *key, json_type type)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		fail_msg("no key %s", key);
	assert_true(json_object_is_type(v, type));
	return v;
}

static const char *str_at(struct json_object *obj, const char *key)
{
	return json_object_get_string(value_at(obj, key, json_type_string));
}

static int64_t int_at(struct json_object *obj, const char *key)
{
	return json_object_get_int64(value_at(obj, key, json_type_int));
}

static bool has(struct json_object *obj, const char *key)
{
	return json_object_object_get_ex(obj, key, NULL);
}

/* The array at @key joined with commas. */
static const char *array_at(struct json_object *obj, const char *key, char *buf, size_t len)
{
	struct json_object *v = value_at(obj, key, json_type_array);

	buf[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(v); i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? "," : "",
			 json_object_get_string(json_object_array_get_idx(v, i)));
	return buf;
}

static void close_of_accepted_connection(void **state)
{
	struct ns_conn_event e = accepted_close();
	struct json_object *j = json_of(&e);
	char buf[128];

	(void)state;
	assert_string_equal(str_at(j, "@timestamp"), "2026-11-22T01:02:03.500000Z");
	assert_string_equal(str_at(j, "ecs.version"), NS_ECS_VERSION);
	assert_string_equal(str_at(j, "event.kind"), "event");
	assert_string_equal(array_at(j, "event.category", buf, sizeof(buf)), "network");
	assert_string_equal(array_at(j, "event.type", buf, sizeof(buf)), "connection,end,error");
	assert_string_equal(str_at(j, "event.action"), "close");
	assert_string_equal(str_at(j, "event.dataset"), "netsight.conns");
	assert_string_equal(str_at(j, "host.name"), "testhost");
	assert_int_equal(int_at(j, "process.pid"), 4242);
	assert_string_equal(str_at(j, "process.name"), "srv\"x");
	assert_int_equal(int_at(j, "cgroup.id"), 77);
	assert_string_equal(str_at(j, "network.transport"), "tcp");
	assert_string_equal(str_at(j, "network.iana_number"), "6");
	assert_string_equal(str_at(j, "network.type"), "ipv4");
	/* Accepted: the remote side initiated, so it is the ECS source. */
	assert_string_equal(str_at(j, "network.direction"), "ingress");
	assert_string_equal(str_at(j, "source.ip"), "10.0.0.1");
	assert_int_equal(int_at(j, "source.port"), 40000);
	assert_string_equal(str_at(j, "destination.ip"), "10.0.0.2");
	assert_int_equal(int_at(j, "destination.port"), 80);
	assert_int_equal(int_at(j, "destination.bytes"), 300);
	assert_int_equal(int_at(j, "source.bytes"), 100);
	assert_int_equal(int_at(j, "event.duration"), 2500000000);
	assert_string_equal(str_at(j, "error.code"), "ECONNRESET");
	assert_string_equal(str_at(j, "error.message"), "Connection reset by peer");
	assert_string_equal(str_at(j, "tcp.close_reason"), "rst_received");
	/* Either direction of the flow has the same Community ID. */
	assert_string_equal(str_at(j, "network.community_id"), "1:3k1SoWXs/FltHw2aBCgUTgbDQF4=");
	assert_false(has(j, "error"));
	json_object_put(j);
}

static void unknown_owner_is_left_out(void **state)
{
	struct ns_conn_event e = accepted_close();
	struct json_object *j;

	(void)state;
	memset(&e.owner, 0, sizeof(e.owner));
	j = json_of(&e);
	assert_false(has(j, "process.pid"));
	assert_false(has(j, "process.name"));
	assert_false(has(j, "cgroup.id"));
	/* Without an owner flagged passive, the connection counts as this host's. */
	assert_string_equal(str_at(j, "network.direction"), "egress");
	assert_string_equal(str_at(j, "source.ip"), "10.0.0.2");
	assert_int_equal(int_at(j, "source.bytes"), 300);
	json_object_put(j);
}

static void connect_over_ipv6(void **state)
{
	struct ns_conn_event e = accepted_close();
	struct json_object *j;
	char buf[128];

	(void)state;
	e.action = NS_CONN_CONNECT;
	e.owner.flags = 0;
	e.connect_latency_ns = 250000;
	e.tuple.family = AF_INET6;
	inet_pton(AF_INET6, "fd00::1", e.tuple.laddr);
	inet_pton(AF_INET6, "fd00::2", e.tuple.raddr);
	e.tuple.lport = 50000;
	e.tuple.rport = 443;
	j = json_of(&e);
	assert_string_equal(array_at(j, "event.type", buf, sizeof(buf)), "connection,start");
	assert_string_equal(str_at(j, "network.type"), "ipv6");
	assert_string_equal(str_at(j, "network.direction"), "egress");
	assert_string_equal(str_at(j, "source.ip"), "fd00::1");
	assert_int_equal(int_at(j, "source.port"), 50000);
	assert_string_equal(str_at(j, "destination.ip"), "fd00::2");
	assert_int_equal(int_at(j, "destination.port"), 443);
	assert_false(has(j, "event.duration"));
	assert_false(has(j, "error.code"));
	json_object_put(j);
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
	assert_int_equal(v->u64, ECONNREFUSED);
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
		cmocka_unit_test(unknown_owner_is_left_out),
		cmocka_unit_test(connect_over_ipv6),
		cmocka_unit_test(connect_failed_names_the_errno),
		cmocka_unit_test(preexisting_duration_counts_from_start),
		cmocka_unit_test(rejects_malformed_events),
		cmocka_unit_test(every_name_table_is_complete),
	};

	return cmocka_run_group_tests_name("conn_decode", tests, NULL, NULL);
}
