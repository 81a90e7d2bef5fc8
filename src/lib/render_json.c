// SPDX-License-Identifier: GPL-2.0-only
/*
 * JSON lines with Elastic Common Schema style keys, flat and dotted
 * ("process.pid"). In ECS, source is the side that initiated: for a record of
 * an accepted connection the local endpoint is the destination.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/json.h"
#include "lib/ksyms.h"
#include "lib/render.h"
#include "lib/units.h"

static void add_endpoint(struct ns_json *j, const char *ip_key, const char *port_key,
			 const struct ns_tuple *t, const __u8 *addr, __u16 port)
{
	static const __u8 unspecified[NS_ADDR_LEN];
	char ip[INET6_ADDRSTRLEN];

	/* No address and no port: an end netsight does not know (a listener's peer). */
	if (!port && !memcmp(addr, unspecified, t->family == AF_INET ? 4 : NS_ADDR_LEN))
		return;
	if (ns_addr_format(t->family, addr, ip, sizeof(ip)) < 0)
		return;
	ns_json_str(j, ip_key, ip);
	if (ns_ip_proto_has_ports(t->protocol))
		ns_json_u64(j, port_key, port);
}

static void add_network(struct ns_json *j, const struct ns_record *rec)
{
	const struct ns_tuple *t = &rec->tuple;
	bool local_is_source = rec->direction != NS_DIR_INGRESS;
	const char *transport = ns_ip_proto_name(t->protocol);
	char ip[INET6_ADDRSTRLEN];
	int family;

	if (!transport) {
		snprintf(ip, sizeof(ip), "%u", t->protocol);
		transport = ip;
	}
	ns_json_str(j, "network.transport", transport);
	family = ns_addr_format(t->family, t->raddr, ip, sizeof(ip));
	if (family > 0)
		ns_json_str(j, "network.type", family == AF_INET ? "ipv4" : "ipv6");
	if (rec->direction != NS_DIR_NONE)
		ns_json_str(j, "network.direction",
			    rec->direction == NS_DIR_EGRESS ? "egress" : "ingress");
	add_endpoint(j, "source.ip", "source.port", t, local_is_source ? t->laddr : t->raddr,
		     local_is_source ? t->lport : t->rport);
	add_endpoint(j, "destination.ip", "destination.port", t,
		     local_is_source ? t->raddr : t->laddr, local_is_source ? t->rport : t->lport);
}

static void add_value(struct ns_json *j, const struct ns_record *rec, const struct ns_value *v)
{
	const struct ns_field_info *info = ns_field_info(v->id);
	const char *key = info->key;
	char buf[128];

	if (rec->direction == NS_DIR_INGRESS && info->key_ingress)
		key = info->key_ingress;
	switch (info->kind) {
	case NS_KIND_U64:
	case NS_KIND_BYTES:
	case NS_KIND_DURATION:
		ns_json_u64(j, key, v->u64);
		break;
	case NS_KIND_I64:
		ns_json_i64(j, key, v->i64);
		break;
	case NS_KIND_MILLIS:
		ns_json_millis(j, key, v->u64);
		break;
	case NS_KIND_STR:
		ns_json_str(j, key, v->str);
		break;
	case NS_KIND_BOOL:
		ns_json_bool(j, key, v->b);
		break;
	case NS_KIND_KADDR:
		ns_ksyms__format(ns_ksyms_default(), v->u64, buf, sizeof(buf));
		ns_json_str(j, key, buf);
		break;
	case NS_KIND_KEYWORD:
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v->u64);
		ns_json_str(j, key, buf);
		break;
	}
}

void ns_render_json(const struct ns_record *rec, const char *host, struct ns_strbuf *out)
{
	char ts[40];
	struct ns_json j;

	ns_format_rfc3339(rec->epoch_ns, ts, sizeof(ts));
	ns_json_begin(&j, out);
	ns_json_str(&j, "@timestamp", ts);
	ns_json_str(&j, "event.action", rec->action);
	ns_json_str(&j, "host.name", host);
	ns_json_u64(&j, "process.pid", rec->owner.pid);
	ns_json_strn(&j, "process.name", rec->owner.comm, sizeof(rec->owner.comm));
	ns_json_u64(&j, "cgroup.id", rec->owner.cgroup_id);
	if (rec->tuple.family)
		add_network(&j, rec);
	for (size_t i = 0; i < rec->nvalues; i++)
		add_value(&j, rec, &rec->values[i]);
	ns_json_end(&j);
}
