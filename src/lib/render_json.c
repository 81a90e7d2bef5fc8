// SPDX-License-Identifier: GPL-2.0-only
/*
 * JSON lines with Elastic Common Schema keys, flat and dotted
 * ("process.pid"). ECS source is the side that initiated the connection, or
 * the sender of a packet: for a record of an accepted connection the local
 * endpoint is the destination. What netsight does not know is left out,
 * never filled with zeros.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/cgroups.h"
#include "lib/community_id.h"
#include "lib/errnames.h"
#include "lib/histogram.h"
#include "lib/json.h"
#include "lib/ksyms.h"
#include "lib/render.h"
#include "lib/units.h"

static const __u8 unspecified[NS_ADDR_LEN];

static size_t addr_len(const struct ns_tuple *t)
{
	return t->family == AF_INET ? 4 : NS_ADDR_LEN;
}

/*
 * One end: its address unless @addr_unknown, its port unless @port_unknown
 * or the protocol has none. An end with neither address nor port (a
 * listener's peer) is one netsight does not know.
 */
static void add_endpoint(struct ns_json *j, const char *ip_key, const char *port_key,
			 const struct ns_tuple *t, const __u8 *addr, __u16 port, bool addr_unknown,
			 bool port_unknown)
{
	char ip[INET6_ADDRSTRLEN];

	if (!port && !memcmp(addr, unspecified, addr_len(t)))
		return;
	if (!addr_unknown && ns_addr_format(t->family, addr, ip, sizeof(ip)) > 0)
		ns_json_str(j, ip_key, ip);
	if (!port_unknown && ns_ip_proto_has_ports(t->protocol))
		ns_json_u64(j, port_key, port);
}

/* Whether the tuple is a whole flow, with both addresses (and ports, where it has them). */
static bool whole_flow(const struct ns_record *rec)
{
	const struct ns_tuple *t = &rec->tuple;

	if (rec->unknown || !memcmp(t->laddr, unspecified, addr_len(t)) ||
	    !memcmp(t->raddr, unspecified, addr_len(t)))
		return false;
	return !ns_ip_proto_has_ports(t->protocol) || (t->lport && t->rport);
}

static void add_network(struct ns_json *j, const struct ns_record *rec)
{
	const struct ns_tuple *t = &rec->tuple;
	bool remote_src = ns_record_remote_is_source(rec);
	const char *transport = ns_ip_proto_name(t->protocol);
	char buf[INET6_ADDRSTRLEN];
	char id[NS_COMMUNITY_ID_LEN];
	int family;

	snprintf(buf, sizeof(buf), "%u", t->protocol);
	ns_json_str(j, "network.transport", transport ? transport : buf);
	ns_json_str(j, "network.iana_number", buf);
	family = ns_addr_format(t->family, t->raddr, buf, sizeof(buf));
	if (family > 0)
		ns_json_str(j, "network.type", family == AF_INET ? "ipv4" : "ipv6");
	if (rec->direction != NS_DIR_NONE)
		ns_json_str(j, "network.direction",
			    rec->direction == NS_DIR_EGRESS ? "egress" : "ingress");
	/* The source end first: for ICMP its "port" is the message type. */
	if (whole_flow(rec) &&
	    !(remote_src ? ns_community_id(t->family, t->raddr, t->laddr, t->protocol, t->rport,
					   t->lport, 0, id, sizeof(id)) :
			   ns_community_id(t->family, t->laddr, t->raddr, t->protocol, t->lport,
					   t->rport, 0, id, sizeof(id))))
		ns_json_str(j, "network.community_id", id);
	if (remote_src) {
		add_endpoint(j, "source.ip", "source.port", t, t->raddr, t->rport,
			     rec->unknown & NS_PART_RADDR, rec->unknown & NS_PART_RPORT);
		add_endpoint(j, "destination.ip", "destination.port", t, t->laddr, t->lport,
			     rec->unknown & NS_PART_LADDR, rec->unknown & NS_PART_LPORT);
	} else {
		add_endpoint(j, "source.ip", "source.port", t, t->laddr, t->lport,
			     rec->unknown & NS_PART_LADDR, rec->unknown & NS_PART_LPORT);
		add_endpoint(j, "destination.ip", "destination.port", t, t->raddr, t->rport,
			     rec->unknown & NS_PART_RADDR, rec->unknown & NS_PART_RPORT);
	}
}

/*
 * <key>.buckets: [{"le_us": upper bound, "count": samples in the bucket}]
 * from the first non-empty bucket to the last, <key>.count, <key>.sum_us.
 */
static void add_histogram(struct ns_json *j, const char *key, const struct ns_histogram *h)
{
	uint64_t le[NS_LAT_SLOTS], counts[NS_LAT_SLOTS];
	char name[64];
	int first, last;
	size_t n = 0;

	ns_histogram_range(h, &first, &last);
	for (int i = first; first >= 0 && i <= last; i++, n++) {
		le[n] = ns_histogram_le_us(i);
		counts[n] = h->slots[i];
	}
	snprintf(name, sizeof(name), "%s.buckets", key);
	ns_json_pair_array(j, name, "le_us", le, "count", counts, n);
	snprintf(name, sizeof(name), "%s.count", key);
	ns_json_u64(j, name, h->count);
	snprintf(name, sizeof(name), "%s.sum_us", key);
	ns_json_u64(j, name, (h->sum_ns + 500) / 1000);
}

static void add_value(struct ns_json *j, const struct ns_record *rec, const struct ns_value *v)
{
	const struct ns_field_info *info = ns_field_info(v->id);
	const char *key = info->key;
	char buf[128];

	if (ns_record_remote_is_source(rec) && info->key_ingress)
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
		ns_ksyms_name(v->u64, buf, sizeof(buf));
		ns_json_str(j, key, buf);
		break;
	case NS_KIND_KEYWORD:
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v->u64);
		ns_json_str(j, key, buf);
		break;
	case NS_KIND_ERRNO:
		ns_json_str(j, key, ns_errno_name((int)v->u64));
		ns_json_str(j, "error.message", strerror((int)v->u64));
		break;
	case NS_KIND_HISTOGRAM:
		add_histogram(j, key, v->hist);
		break;
	case NS_KIND_TIME:
		ns_format_time(NS_TIME_ISO, v->u64, buf, sizeof(buf));
		ns_json_str(j, key, buf);
		break;
	case NS_KIND_TCP_FLAGS: {
		const char *names[NS_TCP_FLAG_NAMES];

		ns_json_str_array(j, key, names, ns_tcp_flag_names(v->u64, names));
		break;
	}
	case NS_KIND_RATE:
		ns_json_fixed(j, key, v->dbl, 1);
		break;
	}
}

/* What the owner's cgroup says: its container, pod and systemd service. */
static void add_identity(struct ns_json *j, const struct ns_record *rec)
{
	const struct ns_cgroup_identity *id = ns_record_identity(rec);
	const char *runtime;

	if (!id)
		return;
	if (id->container_id[0]) {
		ns_json_str(j, "container.id", id->container_id);
		runtime = ns_container_runtime_name(id->runtime);
		if (runtime)
			ns_json_str(j, "container.runtime", runtime);
	}
	if (id->pod_uid[0]) {
		ns_json_str(j, "orchestrator.type", "kubernetes");
		ns_json_str(j, "kubernetes.pod.uid", id->pod_uid);
	}
	if (id->service_name[0])
		ns_json_str(j, "service.name", id->service_name);
}

static void add_event(struct ns_json *j, const struct ns_record *rec, const struct ns_json_run *run)
{
	static const char *const category[] = { "network" };
	const char *types[NS_ECS_TYPE_MAX];
	size_t ntypes = 0;

	for (int bit = 0; bit < NS_ECS_TYPE_MAX; bit++)
		if (rec->ecs_types & (1U << bit))
			types[ntypes++] = ns_ecs_type_name(bit);
	if (!ntypes)
		types[ntypes++] = ns_ecs_type_name(NS_ECS_BIT_INFO);
	ns_json_str(j, "ecs.version", NS_ECS_VERSION);
	ns_json_str(j, "event.kind", rec->kind == NS_RECORD_METRIC ? "metric" : "event");
	ns_json_str_array(j, "event.category", category, 1);
	ns_json_str_array(j, "event.type", types, ntypes);
	ns_json_str(j, "event.action", rec->action);
	ns_json_str(j, "event.module", "netsight");
	ns_json_str(j, "event.dataset", run->dataset);
}

void ns_render_json(const struct ns_record *rec, const struct ns_json_run *run,
		    struct ns_strbuf *out)
{
	char ts[40];
	struct ns_json j;

	ns_format_rfc3339(rec->epoch_ns, ts, sizeof(ts));
	ns_json_begin(&j, out);
	ns_json_str(&j, "@timestamp", ts);
	add_event(&j, rec, run);
	ns_json_str(&j, "host.name", run->host);
	for (size_t i = 0; run->labels && run->labels[i] && run->labels[i + 1]; i += 2) {
		char key[160];

		snprintf(key, sizeof(key), "labels.%s", run->labels[i]);
		ns_json_str(&j, key, run->labels[i + 1]);
	}
	if (ns_record_has_owner(rec))
		ns_json_u64(&j, "process.pid", rec->owner.pid);
	if (rec->owner.comm[0])
		ns_json_strn(&j, "process.name", rec->owner.comm, sizeof(rec->owner.comm));
	if (ns_record_has_opener(rec)) {
		ns_json_u64(&j, "process.opener.pid", rec->owner.opener_pid);
		if (rec->owner.opener_comm[0])
			ns_json_strn(&j, "process.opener.name", rec->owner.opener_comm,
				     sizeof(rec->owner.opener_comm));
	}
	if (rec->owner.cgroup_id)
		ns_json_u64(&j, "cgroup.id", rec->owner.cgroup_id);
	add_identity(&j, rec);
	if (rec->tuple.family)
		add_network(&j, rec);
	else if (rec->direction != NS_DIR_NONE) /* a row of either end's connections */
		ns_json_str(&j, "network.direction",
			    rec->direction == NS_DIR_EGRESS ? "egress" : "ingress");
	for (size_t i = 0; i < rec->nvalues; i++)
		add_value(&j, rec, &rec->values[i]);
	ns_json_end(&j);
}
