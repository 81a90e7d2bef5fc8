// SPDX-License-Identifier: GPL-2.0-only
/*
 * The service map from connection records: events count one each, rows of
 * in-kernel counts their count and histogram; other families' rows are not
 * connections.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <json-c/json.h>
#include <cmocka.h>

#include "lib/histogram.h"
#include "lib/record.h"
#include "lib/servicemap.h"

static void egress(struct ns_record *rec, const char *action, const char *comm, const char *to,
		   __u16 port)
{
	ns_record_init(rec, 0, action);
	rec->direction = NS_DIR_EGRESS;
	snprintf(rec->owner.comm, sizeof(rec->owner.comm), "%s", comm);
	rec->tuple.family = AF_INET;
	inet_pton(AF_INET, "10.0.0.1", rec->tuple.laddr);
	inet_pton(AF_INET, to, rec->tuple.raddr);
	rec->tuple.rport = port;
}

static json_object *render(struct ns_service_map *map)
{
	struct ns_strbuf out = { 0 };
	json_object *doc;

	assert_int_equal(ns_service_map__render(map, false, &out), 0);
	doc = json_tokener_parse(out.buf);
	assert_non_null(doc);
	ns_strbuf_release(&out);
	return doc;
}

static int64_t edge_int(json_object *edge, const char *key)
{
	json_object *v;

	assert_true(json_object_object_get_ex(edge, key, &v));
	return json_object_get_int64(v);
}

static void counted_rows_add_up_like_events(void **state)
{
	struct ns_service_map *map = ns_service_map__new(0);
	struct ns_histogram connect = { 0 };
	json_object *doc, *edges, *edge, *lat;
	struct ns_record rec;

	(void)state;
	/* Three connects in one row, with their connect times... */
	connect.count = 3;
	connect.sum_ns = 3000000;
	connect.min_ns = connect.max_ns = 1000000;
	connect.slots[ns_latency_slot(1000)] = 3;
	egress(&rec, "connect", "curl", "10.0.0.2", 443);
	rec.kind = NS_RECORD_METRIC;
	ns_record_u64(&rec, NS_F_COUNT, 3);
	ns_record_hist(&rec, NS_F_HISTOGRAM, &connect);
	ns_service_map__add(map, &rec);
	/* ...one more as an event, two failures and their closes' bytes. */
	egress(&rec, "connect", "curl", "10.0.0.2", 443);
	ns_record_u64(&rec, NS_F_CONNECT_LATENCY, 1000000);
	ns_service_map__add(map, &rec);
	egress(&rec, "connect_failed", "curl", "10.0.0.2", 443);
	ns_record_u64(&rec, NS_F_COUNT, 2);
	ns_service_map__add(map, &rec);
	egress(&rec, "close", "curl", "10.0.0.2", 443);
	ns_record_u64(&rec, NS_F_COUNT, 4);
	ns_record_u64(&rec, NS_F_BYTES_SENT, 400);
	ns_record_u64(&rec, NS_F_BYTES_RECEIVED, 4000);
	ns_service_map__add(map, &rec);
	/* Not a connection: a tcp summary row about the same destination. */
	egress(&rec, "tcp_summary", "curl", "0.0.0.0", 443);
	ns_record_u64(&rec, NS_F_RETRANSMITS, 9);
	ns_service_map__add(map, &rec);
	assert_int_equal(ns_service_map__edges(map), 1);

	doc = render(map);
	assert_true(json_object_object_get_ex(doc, "edges", &edges));
	assert_int_equal(json_object_array_length(edges), 1);
	edge = json_object_array_get_idx(edges, 0);
	assert_int_equal(edge_int(edge, "connections"), 4);
	assert_int_equal(edge_int(edge, "failures"), 2);
	assert_int_equal(edge_int(edge, "bytes_sent"), 400);
	assert_int_equal(edge_int(edge, "bytes_received"), 4000);
	assert_true(json_object_object_get_ex(edge, "connect_latency", &lat));
	assert_int_equal(edge_int(lat, "count"), 4);
	json_object_put(doc);
	ns_service_map__free(map);
}

/* Rows come in any order: an accept before the connect that shows its peer is this host. */
static void a_local_peer_seen_late_makes_no_edge_in(void **state)
{
	struct ns_service_map *map = ns_service_map__new(0);
	json_object *doc, *edges, *edge, *v;
	struct ns_record rec;

	(void)state;
	/* The server's accept of 10.0.0.1's connection to 10.0.0.2:80... */
	ns_record_init(&rec, 0, "accept");
	rec.kind = NS_RECORD_METRIC;
	rec.direction = NS_DIR_INGRESS;
	snprintf(rec.owner.comm, sizeof(rec.owner.comm), "nginx");
	rec.tuple.family = AF_INET;
	inet_pton(AF_INET, "10.0.0.2", rec.tuple.laddr);
	inet_pton(AF_INET, "10.0.0.1", rec.tuple.raddr);
	rec.tuple.lport = 80;
	ns_record_u64(&rec, NS_F_COUNT, 2);
	ns_service_map__add(map, &rec);
	/* ...then the client's connect, from this host. */
	egress(&rec, "connect", "curl", "10.0.0.2", 80);
	ns_record_u64(&rec, NS_F_COUNT, 2);
	ns_service_map__add(map, &rec);

	doc = render(map);
	assert_true(json_object_object_get_ex(doc, "edges", &edges));
	assert_int_equal(json_object_array_length(edges), 1);
	edge = json_object_array_get_idx(edges, 0);
	assert_int_equal(edge_int(edge, "connections"), 2);
	assert_true(json_object_object_get_ex(edge, "source", &v));
	assert_true(json_object_object_get_ex(v, "process", &v));
	assert_string_equal(json_object_get_string(v), "curl");
	json_object_put(doc);
	ns_service_map__free(map);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counted_rows_add_up_like_events),
		cmocka_unit_test(a_local_peer_seen_late_makes_no_edge_in),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
