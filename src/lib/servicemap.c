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
#include "lib/keytable.h"
#include "lib/servicemap.h"
#include "lib/textsafe.h"
#include "lib/utf8.h"

#define DEFAULT_MAX_EDGES 4096
#define MAX_SERVERS 4096
#define MAX_LOCAL_ADDRS 1024

/* One end of an edge: a local process, or a remote address. */
struct party {
	char process[3 * NS_COMM_LEN + 1]; /* each byte may become U+FFFD */
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

struct ns_service_map {
	struct ns_keytable edges, servers, locals;
	size_t max_edges;
	uint64_t folded;
};

struct ns_service_map *ns_service_map__new(size_t max_edges)
{
	struct ns_service_map *map = calloc(1, sizeof(*map));

	if (!map)
		return NULL;
	map->max_edges = max_edges ? max_edges : DEFAULT_MAX_EDGES;
	ns_keytable_init(&map->edges, sizeof(struct edge), sizeof(struct edge_key));
	ns_keytable_init(&map->servers, sizeof(struct server), sizeof(struct endpoint));
	ns_keytable_init(&map->locals, sizeof(struct endpoint), sizeof(struct endpoint));
	return map;
}

void ns_service_map__free(struct ns_service_map *map)
{
	if (!map)
		return;
	ns_keytable_release(&map->edges);
	ns_keytable_release(&map->servers);
	ns_keytable_release(&map->locals);
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
	/* Names are any bytes a process chose: kept as valid UTF-8, for JSON. */
	ns_utf8_clean(p->process, sizeof(p->process), rec->owner.comm, NS_COMM_LEN);
	if (id) {
		ns_utf8_clean(p->container, sizeof(p->container), id->container_id,
			      sizeof(p->container) - 1);
		ns_utf8_clean(p->service, sizeof(p->service), id->service_name,
			      sizeof(id->service_name));
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
	struct edge *e = ns_keytable_get(&map->edges, key, map->max_edges);

	if (!e)
		map->folded++;
	return e;
}

static bool is_conn_action(const char *action)
{
	return !strcmp(action, "connect") || !strcmp(action, "accept") ||
	       !strcmp(action, "connect_failed") || !strcmp(action, "close");
}

void ns_service_map__add(struct ns_service_map *map, const struct ns_record *rec)
{
	const struct ns_value *v = ns_record_find(rec, NS_F_COUNT);
	uint64_t n = v ? v->u64 : 1;
	struct edge_key key = { 0 };
	struct endpoint local;
	struct server *srv;
	struct edge *e;

	if (!rec->tuple.family || !is_conn_action(rec->action))
		return;
	endpoint_of(&rec->tuple, true, &local);
	local.port = 0;
	ns_keytable_get(&map->locals, &local, MAX_LOCAL_ADDRS);
	if (rec->direction == NS_DIR_INGRESS) {
		if (strcmp(rec->action, "accept"))
			return;
		/* Who serves this address, and an edge in from a peer that is not local. */
		endpoint_of(&rec->tuple, true, &key.dst);
		srv = ns_keytable_get(&map->servers, &key.dst, MAX_SERVERS);
		if (srv)
			process_party(rec, &srv->who);
		endpoint_of(&rec->tuple, false, &local);
		local.port = 0;
		if (ns_keytable_find(&map->locals, &local))
			return;
		memcpy(key.src.addr, rec->tuple.raddr, NS_ADDR_LEN);
		key.src.family = rec->tuple.family;
		e = edge_for(map, &key);
		if (e)
			e->connections += n;
		return;
	}
	process_party(rec, &key.src);
	endpoint_of(&rec->tuple, false, &key.dst);
	e = edge_for(map, &key);
	if (!e)
		return;
	if (!strcmp(rec->action, "connect")) {
		e->connections += n;
		v = ns_record_find(rec, NS_F_HISTOGRAM);
		if (v)
			ns_histogram_merge(&e->connect, v->hist);
		v = ns_record_find(rec, NS_F_CONNECT_LATENCY);
		if (v)
			ns_histogram_add(&e->connect, v->u64);
	} else if (!strcmp(rec->action, "connect_failed")) {
		e->failures += n;
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
	struct server *srv = ns_keytable_find(&map->servers, &k->dst);
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
/* @s inside a DOT string: '"' and '\\' escaped, control characters as \\xNN. */
static void dot_text(struct ns_strbuf *out, const char *s)
{
	struct ns_strbuf safe;

	ns_strbuf_init(&safe);
	ns_text_escape(&safe, s, strlen(s));
	for (const char *c = safe.buf ? safe.buf : ""; *c; c++) {
		if (*c == '"' || *c == '\\')
			ns_strbuf_addc(out, '\\');
		ns_strbuf_addc(out, *c);
	}
	ns_strbuf_release(&safe);
}

static void dot_node(struct ns_strbuf *out, const struct party *p, const struct endpoint *at,
		     bool with_port)
{
	char ip[NS_ENDPOINT_STRLEN] = "?";

	ns_strbuf_addc(out, '"');
	if (p && p->local) {
		dot_text(out, p->process);
		if (p->container[0]) {
			ns_strbuf_adds(out, " [");
			dot_text(out, p->container);
			ns_strbuf_addc(out, ']');
		}
		if (p->service[0]) {
			ns_strbuf_adds(out, " (");
			dot_text(out, p->service);
			ns_strbuf_addc(out, ')');
		}
	}
	if (at) {
		if (with_port && at->port)
			ns_endpoint_format(at->family, at->addr, at->port, ip, sizeof(ip));
		else
			ns_addr_format(at->family, at->addr, ip, sizeof(ip));
		ns_strbuf_addf(out, "%s%s", p && p->local ? "\\n" : "", ip);
	}
	ns_strbuf_addc(out, '"');
}

/*
 * An edge in from an address that turned out to be this host's: its
 * process's own edge out counts those connections. (Counted rows come in no
 * particular order, so an accept may come before the connect that shows its
 * peer is local.)
 */
static bool from_this_host(const struct ns_service_map *map, const struct edge *e)
{
	struct endpoint src = { .family = e->key.src.family };

	if (e->key.src.local)
		return false;
	memcpy(src.addr, e->key.src.addr, NS_ADDR_LEN);
	return ns_keytable_find(&map->locals, &src) != NULL;
}

int ns_service_map__render(const struct ns_service_map *map, bool dot, struct ns_strbuf *out)
{
	json_object *doc, *edges;

	if (dot) {
		ns_strbuf_adds(out, "digraph netsight {\n\trankdir=LR;\n\tnode [shape=box];\n");
		for (size_t i = 0; i < map->edges.n; i++) {
			const struct edge *e = ns_keytable_at(&map->edges, i);
			struct server *srv = ns_keytable_find(&map->servers, &e->key.dst);
			struct endpoint src = { .family = e->key.src.family };

			if (from_this_host(map, e))
				continue;
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
		if (!from_this_host(map, ns_keytable_at(&map->edges, i)))
			json_object_array_add(edges,
					      edge_json(map, ns_keytable_at(&map->edges, i)));
	json_object_object_add(doc, "edges", edges);
	json_object_object_add(doc, "edges_folded", json_object_new_uint64(map->folded));
	ns_strbuf_adds(out, json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
	ns_strbuf_addc(out, '\n');
	json_object_put(doc);
	return ns_strbuf_error(out);
}
