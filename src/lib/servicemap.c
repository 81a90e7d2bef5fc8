// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <json-c/json.h>

#include "lib/addr.h"
#include "lib/cgroups.h"
#include "lib/histogram.h"
#include "lib/servicemap.h"

#define DEFAULT_MAX_EDGES 4096
#define MAX_SERVERS 4096
#define MAX_LOCAL_ADDRS 1024

/* One end of an edge: a local process, or a remote address. */
struct party {
	char process[NS_COMM_LEN + 1];
	char container[13];
	char service[64];
	__u8 addr[NS_ADDR_LEN];
	__u16 family;
	__u16 port;
	__u8 local;
	__u8 pad[7];
};

struct endpoint {
	__u8 addr[NS_ADDR_LEN];
	__u16 family;
	__u16 port;
};

struct edge_key {
	struct party src;
	struct endpoint dst;
};

struct edge {
	struct edge_key key;
	uint64_t connections, failures, sent, received;
	struct ns_histogram connect;
};

struct server {
	struct endpoint at;
	struct party who;
};

/* Open addressing over fixed-size keys at the start of fixed-size items. */
struct table {
	char *items;
	size_t item_size, key_size, n, cap;
	size_t *index; /* item + 1; 0 empty */
	size_t slots;
};

struct ns_service_map {
	struct table edges, servers, locals;
	size_t max_edges;
	uint64_t folded;
};

static uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

static void *item(const struct table *t, size_t i)
{
	return t->items + i * t->item_size;
}

static void *table_find(const struct table *t, const void *key)
{
	if (!t->slots)
		return NULL;
	for (size_t i = hash_bytes(key, t->key_size) & (t->slots - 1); t->index[i];
	     i = (i + 1) & (t->slots - 1))
		if (!memcmp(item(t, t->index[i] - 1), key, t->key_size))
			return item(t, t->index[i] - 1);
	return NULL;
}

/* The item for @key, added zeroed if missing and there is room below @max. */
static void *table_get(struct table *t, const void *key, size_t max)
{
	void *it = table_find(t, key);
	size_t i;

	if (it || t->n >= max)
		return it;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char *grown = realloc(t->items, cap * t->item_size);

		if (!grown)
			return NULL;
		t->items = grown;
		t->cap = cap;
	}
	if ((t->n + 1) * 2 > t->slots) {
		size_t slots = t->slots ? t->slots * 2 : 128;
		size_t *index = calloc(slots, sizeof(*index));

		if (!index)
			return NULL;
		free(t->index);
		t->index = index;
		t->slots = slots;
		for (size_t r = 0; r < t->n; r++) {
			for (i = hash_bytes(item(t, r), t->key_size) & (slots - 1); index[i];
			     i = (i + 1) & (slots - 1))
				;
			index[i] = r + 1;
		}
	}
	it = item(t, t->n);
	memset(it, 0, t->item_size);
	memcpy(it, key, t->key_size);
	for (i = hash_bytes(key, t->key_size) & (t->slots - 1); t->index[i];
	     i = (i + 1) & (t->slots - 1))
		;
	t->index[i] = ++t->n;
	return it;
}

static void table_release(struct table *t)
{
	free(t->items);
	free(t->index);
}

struct ns_service_map *ns_service_map__new(size_t max_edges)
{
	struct ns_service_map *map = calloc(1, sizeof(*map));

	if (!map)
		return NULL;
	map->max_edges = max_edges ? max_edges : DEFAULT_MAX_EDGES;
	map->edges = (struct table){ .item_size = sizeof(struct edge),
				     .key_size = sizeof(struct edge_key) };
	map->servers = (struct table){ .item_size = sizeof(struct server),
				       .key_size = sizeof(struct endpoint) };
	map->locals = (struct table){ .item_size = sizeof(struct endpoint),
				      .key_size = sizeof(struct endpoint) };
	return map;
}

void ns_service_map__free(struct ns_service_map *map)
{
	if (!map)
		return;
	table_release(&map->edges);
	table_release(&map->servers);
	table_release(&map->locals);
	free(map);
}

size_t ns_service_map__edges(const struct ns_service_map *map)
{
	return map->edges.n;
}

static void process_party(const struct ns_record *rec, struct party *p)
{
	const struct ns_cgroup_identity *id = ns_record_identity(rec);

	memset(p, 0, sizeof(*p));
	p->local = 1;
	memcpy(p->process, rec->owner.comm, NS_COMM_LEN);
	if (id) {
		memcpy(p->container, id->container_id, sizeof(p->container) - 1);
		snprintf(p->service, sizeof(p->service), "%.63s", id->service_name);
	}
}

static void endpoint_of(const struct ns_tuple *t, bool local, struct endpoint *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->addr, local ? t->laddr : t->raddr, NS_ADDR_LEN);
	e->family = t->family;
	e->port = local ? t->lport : t->rport;
}

static struct edge *edge_for(struct ns_service_map *map, const struct edge_key *key)
{
	struct edge *e = table_get(&map->edges, key, map->max_edges);

	if (!e)
		map->folded++;
	return e;
}

void ns_service_map__add(struct ns_service_map *map, const struct ns_record *rec)
{
	const struct ns_value *v;
	struct edge_key key = { 0 };
	struct endpoint local;
	struct server *srv;
	struct edge *e;

	if (!rec->tuple.family)
		return;
	endpoint_of(&rec->tuple, true, &local);
	local.port = 0;
	table_get(&map->locals, &local, MAX_LOCAL_ADDRS);
	if (rec->direction == NS_DIR_INGRESS) {
		if (strcmp(rec->action, "accept"))
			return;
		/* Who serves this address, and an edge in from a peer that is not local. */
		endpoint_of(&rec->tuple, true, &key.dst);
		srv = table_get(&map->servers, &key.dst, MAX_SERVERS);
		if (srv)
			process_party(rec, &srv->who);
		endpoint_of(&rec->tuple, false, &local);
		local.port = 0;
		if (table_find(&map->locals, &local))
			return;
		memcpy(key.src.addr, rec->tuple.raddr, NS_ADDR_LEN);
		key.src.family = rec->tuple.family;
		e = edge_for(map, &key);
		if (e)
			e->connections++;
		return;
	}
	process_party(rec, &key.src);
	endpoint_of(&rec->tuple, false, &key.dst);
	e = edge_for(map, &key);
	if (!e)
		return;
	if (!strcmp(rec->action, "connect")) {
		e->connections++;
		v = ns_record_find(rec, NS_F_CONNECT_LATENCY);
		if (v) {
			struct ns_histogram one = {
				.count = 1, .sum_ns = v->u64, .min_ns = v->u64, .max_ns = v->u64
			};

			one.slots[ns_latency_slot(ns_histogram_us_up(v->u64))] = 1;
			ns_histogram_merge(&e->connect, &one);
		}
	} else if (!strcmp(rec->action, "connect_failed")) {
		e->failures++;
	} else if (!strcmp(rec->action, "close")) {
		v = ns_record_find(rec, NS_F_BYTES_SENT);
		e->sent += v ? v->u64 : 0;
		v = ns_record_find(rec, NS_F_BYTES_RECEIVED);
		e->received += v ? v->u64 : 0;
	}
}

static json_object *party_json(const struct party *p, const struct endpoint *at)
{
	json_object *o = json_object_new_object();
	char ip[INET6_ADDRSTRLEN];

	if (p && p->local) {
		json_object_object_add(o, "process", json_object_new_string(p->process));
		if (p->container[0])
			json_object_object_add(o, "container",
					       json_object_new_string(p->container));
		if (p->service[0])
			json_object_object_add(o, "service", json_object_new_string(p->service));
	}
	if (at && ns_addr_format(at->family, at->addr, ip, sizeof(ip)) > 0)
		json_object_object_add(o, "ip", json_object_new_string(ip));
	if (at && at->port)
		json_object_object_add(o, "port", json_object_new_int(at->port));
	return o;
}

static json_object *edge_json(const struct ns_service_map *map, const struct edge *e)
{
	const struct edge_key *k = &e->key;
	struct server *srv = table_find(&map->servers, &k->dst);
	struct endpoint src = { .family = k->src.family };
	json_object *o = json_object_new_object(), *lat;

	memcpy(src.addr, k->src.addr, NS_ADDR_LEN);
	json_object_object_add(o, "source", party_json(&k->src, k->src.local ? NULL : &src));
	json_object_object_add(o, "destination", party_json(srv ? &srv->who : NULL, &k->dst));
	json_object_object_add(o, "connections", json_object_new_uint64(e->connections));
	json_object_object_add(o, "failures", json_object_new_uint64(e->failures));
	json_object_object_add(o, "bytes_sent", json_object_new_uint64(e->sent));
	json_object_object_add(o, "bytes_received", json_object_new_uint64(e->received));
	if (e->connect.count) {
		lat = json_object_new_object();
		json_object_object_add(lat, "count", json_object_new_uint64(e->connect.count));
		json_object_object_add(
			lat, "p50_us",
			json_object_new_uint64(
				(uint64_t)(ns_histogram_quantile_us(&e->connect, 0.5) + 0.999)));
		json_object_object_add(
			lat, "p99_us",
			json_object_new_uint64(
				(uint64_t)(ns_histogram_quantile_us(&e->connect, 0.99) + 0.999)));
		json_object_object_add(o, "connect_latency", lat);
	}
	return o;
}

/* A node's name in DOT: the process (and container), or the address. */
static void dot_node(struct ns_strbuf *out, const struct party *p, const struct endpoint *at,
		     bool with_port)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	ns_strbuf_addc(out, '"');
	if (p && p->local) {
		ns_strbuf_adds(out, p->process);
		if (p->container[0])
			ns_strbuf_addf(out, " [%s]", p->container);
		if (p->service[0])
			ns_strbuf_addf(out, " (%s)", p->service);
	}
	if (at) {
		ns_addr_format(at->family, at->addr, ip, sizeof(ip));
		ns_strbuf_addf(out, "%s%s", p && p->local ? "\\n" : "", ip);
		if (with_port && at->port)
			ns_strbuf_addf(out, ":%u", at->port);
	}
	ns_strbuf_addc(out, '"');
}

int ns_service_map__render(const struct ns_service_map *map, bool dot, struct ns_strbuf *out)
{
	json_object *doc, *edges;

	if (dot) {
		ns_strbuf_adds(out, "digraph netsight {\n\trankdir=LR;\n\tnode [shape=box];\n");
		for (size_t i = 0; i < map->edges.n; i++) {
			const struct edge *e = item(&map->edges, i);
			struct server *srv = table_find(&map->servers, &e->key.dst);
			struct endpoint src = { .family = e->key.src.family };

			memcpy(src.addr, e->key.src.addr, NS_ADDR_LEN);
			ns_strbuf_addc(out, '\t');
			dot_node(out, &e->key.src, e->key.src.local ? NULL : &src, false);
			ns_strbuf_adds(out, " -> ");
			dot_node(out, srv ? &srv->who : NULL, &e->key.dst, true);
			ns_strbuf_addf(out, " [label=\"%llu connections",
				       (unsigned long long)e->connections);
			if (e->failures)
				ns_strbuf_addf(out, ", %llu failed",
					       (unsigned long long)e->failures);
			ns_strbuf_adds(out, "\"];\n");
		}
		ns_strbuf_adds(out, "}\n");
		return ns_strbuf_error(out);
	}
	doc = json_object_new_object();
	edges = json_object_new_array();
	for (size_t i = 0; i < map->edges.n; i++)
		json_object_array_add(edges, edge_json(map, item(&map->edges, i)));
	json_object_object_add(doc, "edges", edges);
	json_object_object_add(doc, "edges_folded", json_object_new_uint64(map->folded));
	ns_strbuf_adds(out, json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
	ns_strbuf_addc(out, '\n');
	json_object_put(doc);
	return ns_strbuf_error(out);
}
