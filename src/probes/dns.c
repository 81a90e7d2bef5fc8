// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DNS family (bpf/dns.bpf.c): each query and answer a process of this
 * host sends or receives, decoded here (lib/dnsmsg.h); an answer is matched
 * to its query by id, transport and both ends, for its latency, and a query
 * with no answer within the timeout is reported as such. With --summary,
 * counts per process and question name instead. With --by client, the
 * queries a DNS server here receives, counted in the kernel per client and
 * question type on the interfaces given (lib/devices.h).
 */
#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include <netsight/dns.h>

#include "dns.compat.skel.h"
#include "dns.skel.h"
#include "lib/dnsmsg.h"
#include "lib/histogram.h"
#include "lib/keytable.h"
#include "lib/log.h"
#include "lib/objvar.h"
#include "lib/periods.h"
#include "lib/session.h"
#include "lib/units.h"
#include "probes/dns.h"
#include "probes/registry.h"

NS_FAMILY_SKELETONS(dns)

#define DNS_PENDING_MAX 65536
#define DNS_SUMMARY_MAX 4096
#define DNS_RCODES 16

/* A query: by its id, transport and ends (client first). */
struct query_key {
	__u8 client[NS_ADDR_LEN], server[NS_ADDR_LEN];
	__u16 client_port, server_port;
	__u16 id, family;
	__u8 protocol, pad[3];
};

struct pending {
	struct query_key key;
	__u64 sent_ns; /* CLOCK_BOOTTIME; 0: answered or timed out */
	__u64 epoch_ns;
	struct ns_owner owner;
	__u16 qtype;
	char qname[NS_DNS_NAME_LEN];
};

/* --summary: per process and question name. */
struct summary_key {
	__u32 pid;
	char comm[NS_COMM_LEN];
	char qname[NS_DNS_NAME_LEN];
};

struct dns_counts {
	__u64 queries, answers, timeouts, errors;
	__u64 rcodes[DNS_RCODES];
	struct ns_histogram latency;
	char rcodes_text[DNS_RCODES * 24]; /* "NOERROR=3,NXDOMAIN=1", for the record */
};

struct summary_row {
	struct summary_key key;
	__u64 cgroup_id;
	/* Since the last reading, since the start, and the last reading's (as shown). */
	struct dns_counts counts[3];
};

/* --by client: one client and question type, since the start. */
struct client_row {
	struct ns_dns_client_key key; /* epoch 0 */
	__u64 reading, total;
	char qtype[16]; /* its name, for the records */
};

static struct {
	struct ns_dns_opts o;
	struct ns_devices devices;
	struct ns_periods periods;
	struct ns_keytable clients; /* struct client_row */
	struct bpf_object *obj;
	struct ns_keytable pending; /* struct pending */
	size_t live; /* pending queries not answered or timed out */
	struct ns_keytable summary; /* struct summary_row */
	bool summarizing;
	char qtype_buf[16], rcode_buf[16];
	struct ns_histogram one; /* the latency of the answer being recorded */
} dns;

void ns_dns_configure(const struct ns_dns_opts *opts)
{
	dns.o = *opts;
}

static __u64 timeout_ns(void)
{
	return (dns.o.timeout_ms ? dns.o.timeout_ms : NS_DNS_TIMEOUT_DEFAULT_MS) * 1000000ULL;
}

static int dns_prepare(struct ns_session *s, struct bpf_object *obj)
{
	(void)s;
	__u16 ports[NS_DNS_PORTS_MAX] = { 53 };

	if (dns.o.nports) {
		memset(ports, 0, sizeof(ports));
		memcpy(ports, dns.o.ports, dns.o.nports * sizeof(ports[0]));
	}
	ns_keytable_init(&dns.pending, sizeof(struct pending), sizeof(struct query_key));
	ns_keytable_init(&dns.summary, sizeof(struct summary_row), sizeof(struct summary_key));
	ns_keytable_init(&dns.clients, sizeof(struct client_row), sizeof(struct ns_dns_client_key));
	ns_periods_init(&dns.periods, sizeof(struct ns_dns_client_key));
	dns.obj = obj;
	if (dns.o.by_client &&
	    ns_object_var_set(obj, "dns_by_client", &(__u32){ 1 }, sizeof(__u32)))
		return -ENOENT;
	dns.live = 0;
	dns.summarizing = dns.o.summary;
	return ns_object_var_set(obj, "dns_ports", ports, sizeof(ports));
}

static void query_key_of(const struct ns_dns_event *e, __u16 id, struct query_key *k)
{
	const struct ns_tuple *t = &e->tuple;
	bool query = e->direction == NS_DNS_QUERY;

	memset(k, 0, sizeof(*k));
	memcpy(k->client, query ? t->laddr : t->raddr, NS_ADDR_LEN);
	memcpy(k->server, query ? t->raddr : t->laddr, NS_ADDR_LEN);
	k->client_port = query ? t->lport : t->rport;
	k->server_port = query ? t->rport : t->lport;
	k->id = id;
	k->family = t->family;
	k->protocol = t->protocol;
}

static struct summary_row *summary_row(const struct ns_owner *owner, const char *qname)
{
	struct summary_key k;

	memset(&k, 0, sizeof(k));
	k.pid = owner->pid;
	memcpy(k.comm, owner->comm, NS_COMM_LEN);
	snprintf(k.qname, sizeof(k.qname), "%s", qname);
	return ns_keytable_get(&dns.summary, &k, DNS_SUMMARY_MAX);
}

/* Starts a record about @p's query: its process, ends and question. */
static void query_record(struct ns_record *rec, const struct pending *p, const char *action,
			 __u64 epoch_ns)
{
	struct ns_tuple *t = &rec->tuple;

	ns_record_init(rec, epoch_ns, action);
	rec->ecs_types = NS_ECS_PROTOCOL;
	rec->owner = p->owner;
	/* This host's end (the client) is local, the server remote. */
	rec->direction = NS_DIR_EGRESS;
	t->family = p->key.family;
	t->protocol = p->key.protocol;
	memcpy(t->laddr, p->key.client, NS_ADDR_LEN);
	memcpy(t->raddr, p->key.server, NS_ADDR_LEN);
	t->lport = p->key.client_port;
	t->rport = p->key.server_port;
	ns_record_u64(rec, NS_F_DNS_ID, p->key.id);
	ns_record_str(rec, NS_F_DNS_QNAME, p->qname);
	ns_record_str(rec, NS_F_DNS_QTYPE,
		      ns_dns_type_name(p->qtype, dns.qtype_buf, sizeof(dns.qtype_buf)));
}

static int on_query(const struct ns_dns_event *e, const struct ns_dns_msg *m,
		    const struct ns_decode_ctx *ctx, struct ns_record *rec)
{
	struct query_key k;
	struct pending *p;
	struct summary_row *row;

	query_key_of(e, m->id, &k);
	p = ns_keytable_get(&dns.pending, &k, DNS_PENDING_MAX);
	if (p) {
		if (!p->sent_ns)
			dns.live++;
		p->sent_ns = e->hdr.ts_ns;
		p->epoch_ns = e->hdr.ts_ns + ctx->boot_to_epoch_ns;
		p->owner = e->owner;
		p->qtype = m->qtype;
		snprintf(p->qname, sizeof(p->qname), "%s", m->qname);
	}
	if (dns.summarizing) {
		row = summary_row(&e->owner, m->qname);
		for (int i = 0; row && i < 2; i++) {
			row->counts[i].queries++;
			row->cgroup_id = e->owner.cgroup_id;
		}
		return NS_DECODE_KEPT;
	}
	if (!p)
		return NS_DECODE_KEPT; /* the table is full: counted as malformed would lie */
	query_record(rec, p, "dns_query", p->epoch_ns);
	ns_record_str(rec, NS_F_DNS_TYPE, "query");
	return 0;
}

static int on_answer(const struct ns_dns_event *e, const struct ns_dns_msg *m,
		     const struct ns_decode_ctx *ctx, struct ns_record *rec)
{
	struct pending *p, unmatched;
	struct summary_row *row;
	struct query_key k;
	__u64 took = 0;

	query_key_of(e, m->id, &k);
	p = ns_keytable_find(&dns.pending, &k);
	if (p && p->sent_ns) {
		took = e->hdr.ts_ns > p->sent_ns ? e->hdr.ts_ns - p->sent_ns : 1;
		p->sent_ns = 0;
		dns.live--;
	} else {
		/* An answer to a query sent before start-up, or already timed out. */
		memset(&unmatched, 0, sizeof(unmatched));
		unmatched.key = k;
		unmatched.owner = e->owner;
		unmatched.qtype = m->qtype;
		snprintf(unmatched.qname, sizeof(unmatched.qname), "%s", m->qname);
		p = &unmatched;
	}
	if (dns.summarizing) {
		row = summary_row(&e->owner, p->qname);
		for (int i = 0; row && i < 2; i++) {
			struct dns_counts *c = &row->counts[i];

			c->answers++;
			c->rcodes[m->rcode & (DNS_RCODES - 1)]++;
			c->errors += m->rcode != 0;
			if (took)
				ns_histogram_add(&c->latency, took);
		}
		return NS_DECODE_KEPT;
	}
	query_record(rec, p, "dns_answer", e->hdr.ts_ns + ctx->boot_to_epoch_ns);
	rec->owner = e->owner;
	/* It came in: JSON's source is the server, the remote end. */
	rec->direction = NS_DIR_INGRESS;
	ns_record_str(rec, NS_F_DNS_TYPE, "answer");
	ns_record_str(rec, NS_F_DNS_RCODE,
		      ns_dns_rcode_name(m->rcode, dns.rcode_buf, sizeof(dns.rcode_buf)));
	ns_record_u64(rec, NS_F_DNS_ANSWERS, m->ancount);
	if (took)
		ns_record_u64(rec, NS_F_DNS_LATENCY, took);
	ns_record_str(rec, NS_F_OUTCOME, m->rcode ? "failure" : "success");
	return 0;
}

static int dns_decode(const void *data, size_t size, const struct ns_decode_ctx *ctx,
		      struct ns_record *rec)
{
	const struct ns_dns_event *e = data;
	struct ns_dns_msg m;

	if (size < sizeof(*e) || e->copied > NS_DNS_MSG_MAX)
		return -EINVAL;
	/* A message whose question cannot be read is not DNS: not reported. */
	if (ns_dns_parse(e->msg, e->copied, &m) || !m.has_question)
		return NS_DECODE_KEPT;
	if (e->direction == NS_DNS_QUERY && !m.response)
		return on_query(e, &m, ctx, rec);
	if (e->direction == NS_DNS_ANSWER && m.response)
		return on_answer(e, &m, ctx, rec);
	return NS_DECODE_KEPT;
}

static int prog_fd(const char *name)
{
	return bpf_program__fd(bpf_object__find_program_by_name(dns.obj, name));
}

static int dns_started(struct ns_session *s, struct bpf_object *obj)
{
	struct ns_device_progs progs = {
		.tc_ingress = prog_fd("dns_tc_clients"),
		.tc_egress = -1,
		.xdp = prog_fd("dns_xdp_clients"),
		.prefix = "dns_",
		.what = "counting DNS queries per client",
	};

	(void)s;
	(void)obj;
	return dns.o.by_client ? ns_devices_start(&dns.devices, &dns.o.dev, &progs) : 0;
}

static bool still_pending(const void *item, void *ctx)
{
	(void)ctx;
	return ((const struct pending *)item)->sent_ns != 0;
}

/* Queries past the timeout: reported, and forgotten. */
static int dns_tick(struct ns_session *s, struct bpf_object *obj)
{
	__u64 now = ns_boot_now(), limit = timeout_ns();

	(void)obj;
	ns_devices_tick(&dns.devices);
	for (size_t i = 0; dns.live && i < dns.pending.n; i++) {
		struct pending *p = ns_keytable_at(&dns.pending, i);
		struct summary_row *row;
		struct ns_record rec;

		if (!p->sent_ns || now - p->sent_ns < limit)
			continue;
		p->sent_ns = 0;
		dns.live--;
		if (dns.summarizing) {
			row = summary_row(&p->owner, p->qname);
			for (int i = 0; row && i < 2; i++)
				row->counts[i].timeouts++;
			continue;
		}
		query_record(&rec, p, "dns_timeout", p->epoch_ns + limit);
		ns_record_str(&rec, NS_F_DNS_TYPE, "query");
		ns_record_u64(&rec, NS_F_DNS_LATENCY, limit);
		ns_record_str(&rec, NS_F_OUTCOME, "failure");
		ns_session__emit(s, &rec, &ns_dns_family);
	}
	/* Forget answered queries once they are most of the table. */
	if (dns.pending.n > 1024 && dns.live < dns.pending.n / 4)
		ns_keytable_keep(&dns.pending, still_pending, NULL);
	return 0;
}

static int dns_finish(struct ns_session *s, struct bpf_object *obj)
{
	(void)s;
	(void)obj;
	ns_devices_stop(&dns.devices);
	if (dns.live)
		ns_log(NS_LOG_INFO,
		       "%zu queries still unanswered at exit, sent less than --timeout ago: not "
		       "reported as timeouts",
		       dns.live);
	return 0;
}

/* Answers by response code, as text kept with the counts. */
static const char *rcodes_text(struct dns_counts *c)
{
	char buf[16];
	size_t at = 0;

	c->rcodes_text[0] = '\0';
	for (int i = 0; i < DNS_RCODES; i++)
		if (c->rcodes[i] && at < sizeof(c->rcodes_text))
			at += snprintf(c->rcodes_text + at, sizeof(c->rcodes_text) - at,
				       "%s%s=%llu", at ? "," : "",
				       ns_dns_rcode_name(i, buf, sizeof(buf)),
				       (unsigned long long)c->rcodes[i]);
	return c->rcodes_text;
}

static int read_client(const void *key, const void *value, void *ctx)
{
	struct ns_dns_client_key k = *(const struct ns_dns_client_key *)key;
	struct client_row *row;

	(void)ctx;
	k.epoch = 0;
	row = ns_keytable_get(&dns.clients, &k, 4 * NS_DNS_CLIENTS_MAX);
	if (row) {
		if (!row->qtype[0])
			snprintf(row->qtype, sizeof(row->qtype), "%s",
				 ns_dns_type_name(k.qtype, row->qtype, sizeof(row->qtype)));
		row->reading += *(const __u64 *)value;
		row->total += *(const __u64 *)value;
	}
	return 0;
}

/* --by client: the kernel's counts of the period it left, one row per client and type. */
static int clients_summarize(struct ns_session *s, struct bpf_object *obj, bool since_start,
			     ns_record_fn emit, void *ctx)
{
	__u64 now = ns_session__now_epoch(s);
	int old, err = 0;

	if (!since_start) {
		for (size_t i = 0; i < dns.clients.n; i++)
			((struct client_row *)ns_keytable_at(&dns.clients, i))->reading = 0;
		old = ns_periods_flip(
			&dns.periods,
			bpf_map__fd(bpf_object__find_map_by_name(obj, "dns_client_period")), 0);
		if (old < 0)
			return old;
		err = ns_periods_take(&dns.periods,
				      bpf_map__fd(bpf_object__find_map_by_name(obj, "dns_clients")),
				      offsetof(struct ns_dns_client_key, epoch), old, sizeof(__u64),
				      read_client, NULL);
	}
	for (size_t i = 0; !err && i < dns.clients.n; i++) {
		struct client_row *row = ns_keytable_at(&dns.clients, i);
		__u64 n = since_start ? row->total : row->reading;
		struct ns_record rec;

		if (!n)
			continue;
		ns_record_init(&rec, now, "dns_clients");
		rec.kind = NS_RECORD_METRIC;
		rec.packet = true;
		rec.direction = NS_DIR_INGRESS;
		rec.tuple.family = row->key.family;
		rec.tuple.protocol = IPPROTO_UDP;
		memcpy(rec.tuple.laddr, row->key.addr, NS_ADDR_LEN);
		rec.unknown = NS_PART_LPORT | NS_PART_RADDR | NS_PART_RPORT;
		ns_record_str(&rec, NS_F_DNS_QTYPE, row->qtype);
		ns_record_u64(&rec, NS_F_COUNT, n);
		ns_record_str(&rec, NS_F_SUMMARY_SCOPE, since_start ? "total" : "interval");
		emit(&rec, &ns_dns_family, ctx);
	}
	return err;
}

/* One row per process and name, since the last reading or since the start. */
static int dns_summarize(struct ns_session *s, struct bpf_object *obj, bool since_start,
			 ns_record_fn emit, void *ctx)
{
	__u64 now = ns_session__now_epoch(s);

	if (dns.o.by_client)
		return clients_summarize(s, obj, since_start, emit, ctx);
	for (size_t i = 0; dns.summarizing && i < dns.summary.n; i++) {
		struct summary_row *row = ns_keytable_at(&dns.summary, i);
		struct dns_counts *c = &row->counts[since_start ? 1 : 2];
		struct ns_record rec;

		/* Records point into the reading's copy, which stays until the next reading. */
		if (!since_start) {
			row->counts[2] = row->counts[0];
			memset(&row->counts[0], 0, sizeof(row->counts[0]));
		}
		if (!c->queries && !c->answers && !c->timeouts)
			continue;
		ns_record_init(&rec, now, "dns_summary");
		rec.kind = NS_RECORD_METRIC;
		rec.owner.pid = row->key.pid;
		memcpy(rec.owner.comm, row->key.comm, NS_COMM_LEN);
		rec.owner.cgroup_id = row->cgroup_id;
		ns_record_str(&rec, NS_F_DNS_QNAME, row->key.qname);
		ns_record_u64(&rec, NS_F_COUNT, c->queries);
		ns_record_u64(&rec, NS_F_DNS_ANSWERS, c->answers);
		ns_record_u64(&rec, NS_F_DNS_ERRORS, c->errors);
		ns_record_u64(&rec, NS_F_DNS_TIMEOUTS, c->timeouts);
		ns_record_str(&rec, NS_F_DNS_RCODES, rcodes_text(c));
		if (c->latency.count) {
			ns_record_u64(&rec, NS_F_LATENCY_P50,
				      (__u64)(ns_histogram_quantile_us(&c->latency, 0.5) + 0.5));
			ns_record_u64(&rec, NS_F_LATENCY_P90,
				      (__u64)(ns_histogram_quantile_us(&c->latency, 0.9) + 0.5));
			ns_record_u64(&rec, NS_F_LATENCY_P99,
				      (__u64)(ns_histogram_quantile_us(&c->latency, 0.99) + 0.5));
		}
		ns_record_str(&rec, NS_F_SUMMARY_SCOPE, since_start ? "total" : "interval");
		emit(&rec, &ns_dns_family, ctx);
	}
	return 0;
}

static void dns_release(void)
{
	ns_devices_stop(&dns.devices);
	ns_periods_release(&dns.periods);
	ns_keytable_release(&dns.clients);
	ns_keytable_release(&dns.pending);
	ns_keytable_release(&dns.summary);
}

static const struct ns_column dns_columns[] = {
	{ .header = "TIME", .width = 12, .kind = NS_COL_TIME },
	{ .header = "EVENT", .width = 11, .kind = NS_COL_ACTION },
	{ .header = "PID", .width = 7, .kind = NS_COL_PID },
	{ .header = "COMM", .width = 15, .kind = NS_COL_COMM },
	{ .header = "SERVER", .width = 21, .kind = NS_COL_REMOTE },
	{ .header = "TYPE", .width = 6, .field = NS_F_DNS_QTYPE },
	{ .header = "RCODE", .width = 9, .field = NS_F_DNS_RCODE },
	{ .header = "LAT", .width = 8, .field = NS_F_DNS_LATENCY },
	{ .header = "NAME", .field = NS_F_DNS_QNAME },
	{ .header = NULL },
};

static const struct ns_column dns_summary_columns[] = {
	{ .header = "CLIENT", .width = 16, .kind = NS_COL_LOCAL },
	{ .header = "TYPE", .width = 6, .field = NS_F_DNS_QTYPE },
	{ .header = "PID", .width = 7, .kind = NS_COL_PID },
	{ .header = "COMM", .width = 15, .kind = NS_COL_COMM },
	{ .header = "QUERIES", .width = 8, .field = NS_F_COUNT },
	{ .header = "ERRORS", .width = 7, .field = NS_F_DNS_ERRORS },
	{ .header = "TIMEOUTS", .width = 9, .field = NS_F_DNS_TIMEOUTS },
	{ .header = "P50us", .width = 8, .field = NS_F_LATENCY_P50 },
	{ .header = "P99us", .width = 8, .field = NS_F_LATENCY_P99 },
	{ .header = "RCODES", .width = 24, .field = NS_F_DNS_RCODES },
	{ .header = "NAME", .field = NS_F_DNS_QNAME },
	{ .header = NULL },
};

const struct ns_family ns_dns_family = {
	.name = "dns",
	NS_FAMILY_SKELETON_OPS(dns),
	.prepare = dns_prepare,
	.started = dns_started,
	.tick = dns_tick,
	.finish = dns_finish,
	.summarize = dns_summarize,
	.release = dns_release,
	.columns = dns_columns,
	.summary_columns = dns_summary_columns,
	.summary_events = true,
	.event_type = NS_EVENT_DNS,
	.event_size = sizeof(struct ns_dns_event),
	.decode = dns_decode,
};
