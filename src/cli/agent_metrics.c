// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <netsight/latency.h>

#include "cli/agent_metrics.h"
#include "lib/addr.h"
#include "lib/cgroups.h"
#include "lib/errnames.h"
#include "lib/histogram.h"
#include "lib/ksyms.h"
#include "lib/losses.h"
#include "lib/progplan.h"
#include "probes/latency.h"

/* Label sets; F(i): label i is folded into "other" when its metric is full. */
#define F(i) (1U << (i))

static const char *const conn_labels[] = { "direction", "process",	    "container",
					   "service",	"destination_port", NULL };
static const char *const failure_labels[] = { "error", "process", "container", "destination",
					      NULL };
static const char *const direction_labels[] = { "direction", NULL };
static const char *const flow_labels[] = { "direction", "process", "container", NULL };
static const char *const overflow_labels[] = { "listen_port", "process", "container", NULL };
static const char *const drop_labels[] = { "reason", "location", "process", "container", NULL };
static const char *const owner_labels[] = { "process", "container", NULL };
static const char *const source_labels[] = { "source", NULL };
static const char *const map_labels[] = { "map", NULL };
static const char *const probe_labels[] = { "family", "program", NULL };
static const char *const metric_labels[] = { "metric", NULL };
static const char *const program_labels[] = { "program", NULL };
static const char *const dns_query_labels[] = { "type", "process", "container", "server", NULL };
static const char *const dns_answer_labels[] = { "response_code", "process", "container", NULL };
static const char *const dns_timeout_labels[] = { "server", "process", "container", NULL };
static const char *const iface_flow_labels[] = { "interface", "direction",   "protocol",
						 "source",    "destination", "destination_port",
						 NULL };

/* Powers of two from 4 us to 33.5 s, in seconds: the kernel's buckets 2 to 25. */
#define LAT_FIRST_SLOT 2
#define LAT_BOUNDS 24
static double lat_bounds[LAT_BOUNDS];

/* The exposition bucket of kernel slot @k: 0 to LAT_BOUNDS (+Inf). */
static int lat_bucket(int k)
{
	int b = k <= LAT_FIRST_SLOT ? 0 : k - LAT_FIRST_SLOT;

	return b < LAT_BOUNDS ? b : LAT_BOUNDS;
}

#define DESC(var, n, h, t, l, f)                                            \
	static const struct ns_metric_desc var = {                          \
		.name = n, .help = h, .type = t, .labels = l, .foldable = f \
	}
#define HIST(var, n, h)                                                         \
	static const struct ns_metric_desc var = { .name = n,                   \
						   .help = h,                   \
						   .type = NS_METRIC_HISTOGRAM, \
						   .labels = owner_labels,      \
						   .foldable = F(0) | F(1),     \
						   .bounds = lat_bounds,        \
						   .nbounds = LAT_BOUNDS }

DESC(opened_desc, "netsight_tcp_connections_opened_total",
     "TCP connections established: egress opened by this host, ingress accepted by it.",
     NS_METRIC_COUNTER, conn_labels, F(1) | F(2) | F(3) | F(4));
DESC(failures_desc, "netsight_tcp_connect_failures_total",
     "TCP connection attempts that failed after their SYN went out, by error.", NS_METRIC_COUNTER,
     failure_labels, F(1) | F(2) | F(3));
DESC(active_desc, "netsight_tcp_connections_active",
     "TCP connections opened since the agent started and not closed yet.", NS_METRIC_GAUGE,
     direction_labels, 0);
DESC(sent_desc, "netsight_tcp_sent_bytes_total",
     "Payload bytes this host sent on TCP connections, counted when they close.", NS_METRIC_COUNTER,
     flow_labels, F(1) | F(2));
DESC(received_desc, "netsight_tcp_received_bytes_total",
     "Payload bytes this host received on TCP connections, counted when they close.",
     NS_METRIC_COUNTER, flow_labels, F(1) | F(2));
DESC(retransmits_desc, "netsight_tcp_retransmitted_segments_total",
     "TCP segments sent again (TcpRetransSegs).", NS_METRIC_COUNTER, flow_labels, F(1) | F(2));
DESC(resets_desc, "netsight_tcp_resets_total",
     "TCP resets this host sent or received (direction: sent, received).", NS_METRIC_COUNTER,
     flow_labels, F(1) | F(2));
DESC(overflows_desc, "netsight_tcp_listen_overflows_total",
     "Connection attempts dropped because a listener's queue was full "
     "(TcpExtListenOverflows).",
     NS_METRIC_COUNTER, overflow_labels, F(0) | F(1) | F(2));
DESC(drops_desc, "netsight_drops_total",
     "Packets the kernel dropped, by its drop reason and the function that dropped them.",
     NS_METRIC_COUNTER, drop_labels, F(1) | F(2) | F(3));
HIST(connect_desc, "netsight_tcp_connect_duration_seconds",
     "Time from SYN sent to established, for connections this host opens.");
HIST(rtt_desc, "netsight_tcp_rtt_seconds", "The kernel's smoothed TCP round-trip time.");
HIST(response_desc, "netsight_tcp_response_duration_seconds",
     "Time from the last send() on a socket to the first recv() returning data after it.");
DESC(flow_packets_desc, "netsight_flow_packets_total",
     "Packets of IP flows crossing the interfaces given with --iface, as TC or XDP sees them.",
     NS_METRIC_COUNTER, iface_flow_labels, F(3) | F(4) | F(5));
DESC(flow_bytes_desc, "netsight_flow_bytes_total",
     "Bytes of the IP packets (headers included) of flows crossing the --iface interfaces.",
     NS_METRIC_COUNTER, iface_flow_labels, F(3) | F(4) | F(5));
DESC(dns_queries_desc, "netsight_dns_queries_total",
     "DNS queries this host's processes sent, by question type.", NS_METRIC_COUNTER,
     dns_query_labels, F(1) | F(2) | F(3));
DESC(dns_answers_desc, "netsight_dns_responses_total",
     "DNS answers this host's processes received, by response code.", NS_METRIC_COUNTER,
     dns_answer_labels, F(1) | F(2));
DESC(dns_timeouts_desc, "netsight_dns_timeouts_total", "DNS queries left unanswered for 5 seconds.",
     NS_METRIC_COUNTER, dns_timeout_labels, F(0) | F(1) | F(2));
HIST(dns_latency_desc, "netsight_dns_latency_seconds",
     "Time from a DNS query to its answer, as the process saw it on its socket.");
DESC(lost_desc, "netsight_events_lost_total", "Events the kernel side could not deliver, by cause.",
     NS_METRIC_COUNTER, source_labels, 0);
DESC(map_full_desc, "netsight_map_full_total",
     "Updates that found a BPF map or socket storage full, by what was full.", NS_METRIC_COUNTER,
     map_labels, 0);
DESC(probe_up_desc, "netsight_probe_up",
     "1 if the BPF program runs; 0 if it does not (the kernel refused it, or its family "
     "cannot run), its fallback doing what it can.",
     NS_METRIC_GAUGE, probe_labels, 0);
DESC(folded_desc, "netsight_series_folded_total",
     "Label sets counted under 'other' because their metric had --max-series series.",
     NS_METRIC_COUNTER, metric_labels, 0);
DESC(cpu_desc, "process_cpu_seconds_total", "CPU time of the agent process (user and system).",
     NS_METRIC_COUNTER, NULL, 0);
DESC(rss_desc, "process_resident_memory_bytes", "Resident memory of the agent process.",
     NS_METRIC_GAUGE, NULL, 0);
DESC(bpf_runs_desc, "netsight_bpf_program_runs_total",
     "Runs of each BPF program (kernel.bpf_stats_enabled, else absent).", NS_METRIC_COUNTER,
     program_labels, 0);
DESC(bpf_seconds_desc, "netsight_bpf_program_run_seconds_total",
     "Time each BPF program ran (kernel.bpf_stats_enabled, else absent).", NS_METRIC_COUNTER,
     program_labels, 0);

bool ns_agent_metrics_label_taken(const char *key)
{
	static const char *const *const lists[] = {
		conn_labels,	  failure_labels,    direction_labels,	 flow_labels,
		overflow_labels,  drop_labels,	     owner_labels,	 source_labels,
		map_labels,	  probe_labels,	     metric_labels,	 program_labels,
		dns_query_labels, dns_answer_labels, dns_timeout_labels, iface_flow_labels,
	};

	/* Histograms' and summaries' own. */
	if (!strcmp(key, "le") || !strcmp(key, "quantile"))
		return true;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		for (const char *const *l = lists[i]; *l; l++)
			if (!strcmp(*l, key))
				return true;
	return false;
}

int ns_agent_metrics_init(struct ns_agent_metrics *am, const struct ns_metrics_opts *opts)
{
	struct {
		int *idx;
		const struct ns_metric_desc *desc;
	} all[] = {
		{ &am->opened, &opened_desc },
		{ &am->failures, &failures_desc },
		{ &am->active, &active_desc },
		{ &am->sent, &sent_desc },
		{ &am->received, &received_desc },
		{ &am->retransmits, &retransmits_desc },
		{ &am->resets, &resets_desc },
		{ &am->overflows, &overflows_desc },
		{ &am->drops, &drops_desc },
		{ &am->latency[NS_LAT_CONNECT], &connect_desc },
		{ &am->latency[NS_LAT_RTT], &rtt_desc },
		{ &am->latency[NS_LAT_RESPONSE], &response_desc },
		{ &am->dns_queries, &dns_queries_desc },
		{ &am->dns_answers, &dns_answers_desc },
		{ &am->dns_timeouts, &dns_timeouts_desc },
		{ &am->dns_latency, &dns_latency_desc },
		{ &am->flow_packets, &flow_packets_desc },
		{ &am->flow_bytes, &flow_bytes_desc },
		{ &am->lost, &lost_desc },
		{ &am->map_full, &map_full_desc },
		{ &am->probe_up, &probe_up_desc },
		{ &am->folded, &folded_desc },
		{ &am->cpu, &cpu_desc },
		{ &am->rss, &rss_desc },
		{ &am->bpf_runs, &bpf_runs_desc },
		{ &am->bpf_seconds, &bpf_seconds_desc },
	};

	memset(am, 0, sizeof(*am));
	for (int i = 0; i < LAT_BOUNDS; i++)
		lat_bounds[i] = (double)(1ULL << (i + LAT_FIRST_SLOT)) / 1e6;
	am->m = ns_metrics__new(opts);
	if (!am->m)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		int idx = ns_metrics__add(am->m, all[i].desc);

		if (idx < 0) {
			ns_metrics__free(am->m);
			am->m = NULL;
			return idx;
		}
		*all[i].idx = idx;
	}
	return 0;
}

void ns_agent_metrics_release(struct ns_agent_metrics *am)
{
	ns_metrics__free(am->m);
	am->m = NULL;
}

/* The labels every row of a process has: its name, its container (short id), its service. */
struct owner_labels {
	char process[NS_COMM_LEN + 1];
	char container[13];
	const char *service;
};

static void owner_labels_of(const struct ns_record *rec, struct owner_labels *ol)
{
	const struct ns_cgroup_identity *id = ns_record_identity(rec);

	snprintf(ol->process, sizeof(ol->process), "%.*s", NS_COMM_LEN, rec->owner.comm);
	snprintf(ol->container, sizeof(ol->container), "%.12s", id ? id->container_id : "");
	ol->service = id && id->service_name[0] ? id->service_name : "";
}

static uint64_t value_of(const struct ns_record *rec, enum ns_field id)
{
	const struct ns_value *v = ns_record_find(rec, id);

	return v ? v->u64 : 0;
}

static const char *direction_name(const struct ns_record *rec)
{
	return rec->direction == NS_DIR_EGRESS	? "egress" :
	       rec->direction == NS_DIR_INGRESS ? "ingress" :
						  "unknown";
}

static void conn_event(struct ns_agent_metrics *am, const struct ns_record *rec,
		       const struct owner_labels *ol, uint64_t now)
{
	const struct ns_tuple *t = &rec->tuple;
	const char *dir = direction_name(rec);
	const struct ns_value *v = ns_record_find(rec, NS_F_COUNT);
	uint64_t n = v ? v->u64 : 1, closed;
	char port[8], dest[NS_ENDPOINT_STRLEN];

	if (!strcmp(rec->action, "connect") || !strcmp(rec->action, "accept")) {
		snprintf(port, sizeof(port), "%u",
			 rec->direction == NS_DIR_INGRESS ? t->lport : t->rport);
		ns_metrics__inc(am->m, am->opened,
				(const char *[]){ dir, ol->process, ol->container, ol->service,
						  port },
				(double)n, now);
		am->active_now[rec->direction] += (int64_t)n;
	} else if (!strcmp(rec->action, "connect_failed")) {
		v = ns_record_find(rec, NS_F_ERROR);
		if (ns_endpoint_format(t->family, t->raddr, t->rport, dest, sizeof(dest)) <= 0)
			dest[0] = '\0';
		ns_metrics__inc(am->m, am->failures,
				(const char *[]){ v ? ns_errno_name((int)v->u64) : "unknown",
						  ol->process, ol->container, dest },
				(double)n, now);
	} else if (!strcmp(rec->action, "close")) {
		const char *labels[] = { dir, ol->process, ol->container };

		/* A close's bytes are this host's, whichever end opened the connection. */
		ns_metrics__inc(am->m, am->sent, labels, (double)value_of(rec, NS_F_BYTES_SENT),
				now);
		ns_metrics__inc(am->m, am->received, labels,
				(double)value_of(rec, NS_F_BYTES_RECEIVED), now);
		/* Connections open before start-up were never counted as opened. */
		closed = n - value_of(rec, NS_F_PREEXISTING_CLOSES);
		v = ns_record_find(rec, NS_F_PREEXISTING);
		if (v && v->b)
			closed = 0;
		/* A reading may give a close before the open it ends. */
		am->active_now[rec->direction] -= (int64_t)closed;
	}
}

static void tcp_row(struct ns_agent_metrics *am, const struct ns_record *rec,
		    const struct owner_labels *ol, uint64_t now)
{
	const char *dir = direction_name(rec);
	uint64_t n;
	char port[8];

	if ((n = value_of(rec, NS_F_RETRANSMITS)))
		ns_metrics__inc(am->m, am->retransmits,
				(const char *[]){ dir, ol->process, ol->container }, (double)n,
				now);
	if ((n = value_of(rec, NS_F_RESETS_SENT)))
		ns_metrics__inc(am->m, am->resets,
				(const char *[]){ "sent", ol->process, ol->container }, (double)n,
				now);
	if ((n = value_of(rec, NS_F_RESETS_RECEIVED)))
		ns_metrics__inc(am->m, am->resets,
				(const char *[]){ "received", ol->process, ol->container },
				(double)n, now);
	if ((n = value_of(rec, NS_F_LISTEN_OVERFLOWS))) {
		snprintf(port, sizeof(port), "%u", rec->tuple.lport);
		ns_metrics__inc(am->m, am->overflows,
				(const char *[]){ port, ol->process, ol->container }, (double)n,
				now);
	}
}

static void drop_row(struct ns_agent_metrics *am, const struct ns_record *rec,
		     const struct owner_labels *ol, uint64_t now)
{
	const struct ns_value *reason = ns_record_find(rec, NS_F_DROP_REASON);
	const struct ns_value *where = ns_record_find(rec, NS_F_DROP_LOCATION);
	char location[128] = "";

	/* The function, not its offset: one series per function that drops. */
	if (where) {
		ns_ksyms_name(where->u64, location, sizeof(location));
		location[strcspn(location, "+")] = '\0';
	}
	ns_metrics__inc(am->m, am->drops,
			(const char *[]){ reason ? reason->str : "unknown", location, ol->process,
					  ol->container },
			(double)value_of(rec, NS_F_COUNT), now);
}

static void latency_row(struct ns_agent_metrics *am, const struct ns_record *rec,
			const struct owner_labels *ol, uint64_t now)
{
	const struct ns_value *metric = ns_record_find(rec, NS_F_LATENCY_METRIC);
	const struct ns_value *hist = ns_record_find(rec, NS_F_HISTOGRAM);
	uint64_t counts[LAT_BOUNDS + 1] = { 0 };
	int idx = -1;

	for (int i = 0; metric && i < NS_LAT_METRIC_MAX; i++)
		if (!strcmp(metric->str, ns_latency_metric_name(i)))
			idx = am->latency[i];
	if (idx < 0 || !hist)
		return;
	for (int k = 0; k < NS_LAT_SLOTS; k++)
		counts[lat_bucket(k)] += hist->hist->slots[k];
	ns_metrics__observe(am->m, idx, (const char *[]){ ol->process, ol->container }, counts,
			    (double)hist->hist->sum_ns / 1e9, now);
}

/* A flow's reading: its packets and bytes, by interface and ends (no source port). */
static void flow_row(struct ns_agent_metrics *am, const struct ns_record *rec, uint64_t now)
{
	const struct ns_tuple *t = &rec->tuple;
	const struct ns_value *ifname = ns_record_find(rec, NS_F_INGRESS_IFNAME);
	char proto[8], src[64] = "", dst[64] = "", port[8] = "";
	const char *name = ns_ip_proto_name(t->protocol);

	if (!ifname)
		ifname = ns_record_find(rec, NS_F_EGRESS_IFNAME);
	snprintf(proto, sizeof(proto), "%u", t->protocol);
	/* A flow's tuple is its packets': source first. */
	ns_addr_format(t->family, t->laddr, src, sizeof(src));
	ns_addr_format(t->family, t->raddr, dst, sizeof(dst));
	if (ns_ip_proto_has_ports(t->protocol) && !(rec->unknown & NS_PART_RPORT))
		snprintf(port, sizeof(port), "%u", t->rport);
	{
		const char *labels[] = { ifname ? ifname->str : "",
					 direction_name(rec),
					 name ? name : proto,
					 src,
					 dst,
					 port };

		ns_metrics__inc(am->m, am->flow_packets, labels,
				(double)value_of(rec, NS_F_FLOW_PACKETS), now);
		ns_metrics__inc(am->m, am->flow_bytes, labels,
				(double)value_of(rec, NS_F_BYTES_SENT), now);
	}
}

/* A DNS query, answer or timeout (events: the agent counts them as they come). */
static void dns_event(struct ns_agent_metrics *am, const struct ns_record *rec,
		      const struct owner_labels *ol, uint64_t now)
{
	const struct ns_value *v;
	char server[64] = "";

	ns_addr_format(rec->tuple.family,
		       !strcmp(rec->action, "dns_answer") ? rec->tuple.laddr : rec->tuple.raddr,
		       server, sizeof(server));
	if (!strcmp(rec->action, "dns_query")) {
		v = ns_record_find(rec, NS_F_DNS_QTYPE);
		ns_metrics__inc(am->m, am->dns_queries,
				(const char *[]){ v ? v->str : "", ol->process, ol->container,
						  server },
				1, now);
	} else if (!strcmp(rec->action, "dns_answer")) {
		v = ns_record_find(rec, NS_F_DNS_RCODE);
		ns_metrics__inc(am->m, am->dns_answers,
				(const char *[]){ v ? v->str : "", ol->process, ol->container }, 1,
				now);
		v = ns_record_find(rec, NS_F_DNS_LATENCY);
		if (v) {
			uint64_t counts[LAT_BOUNDS + 1] = { 0 };

			counts[lat_bucket((int)ns_latency_slot(ns_histogram_us_up(v->u64)))] = 1;
			ns_metrics__observe(am->m, am->dns_latency,
					    (const char *[]){ ol->process, ol->container }, counts,
					    (double)v->u64 / 1e9, now);
		}
	} else if (!strcmp(rec->action, "dns_timeout")) {
		ns_metrics__inc(am->m, am->dns_timeouts,
				(const char *[]){ server, ol->process, ol->container }, 1, now);
	}
}

void ns_agent_metrics_record(struct ns_agent_metrics *am, const struct ns_record *rec,
			     uint64_t now_ns)
{
	if (!strcmp(rec->action, "flow")) {
		flow_row(am, rec, now_ns);
		return;
	}
	if (!strncmp(rec->action, "dns_", 4)) {
		struct owner_labels ol;

		owner_labels_of(rec, &ol);
		dns_event(am, rec, &ol, now_ns);
		return;
	}
	struct owner_labels ol;

	owner_labels_of(rec, &ol);
	if (!strcmp(rec->action, "tcp_summary"))
		tcp_row(am, rec, &ol, now_ns);
	else if (!strcmp(rec->action, "drop_summary"))
		drop_row(am, rec, &ol, now_ns);
	else if (!strcmp(rec->action, "latency"))
		latency_row(am, rec, &ol, now_ns);
	else
		conn_event(am, rec, &ol, now_ns);
}

struct probe_walk {
	struct ns_agent_metrics *am;
	struct ns_session *s;
	uint64_t now;
};

static int note_probes(const struct ns_family_report *r, void *ctx)
{
	struct probe_walk *w = ctx;
	struct bpf_object *obj = r->loaded ? ns_session__object(w->s, r->name) : NULL;
	const struct ns_progplan *p = r->plan;

	for (size_t i = 0; i < p->n; i++) {
		const struct ns_prog_state *st = &p->progs[i];
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		struct bpf_program *prog;

		if (st->standby)
			continue;
		ns_metrics__set(w->am->m, w->am->probe_up, (const char *[]){ r->name, st->name },
				r->loaded && st->status == NS_PROG_OK, w->now);
		prog = obj ? bpf_object__find_program_by_name(obj, st->name) : NULL;
		if (!prog || bpf_program__fd(prog) < 0 ||
		    bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) || !info.run_cnt)
			continue;
		ns_metrics__set(w->am->m, w->am->bpf_runs, (const char *[]){ st->name },
				(double)info.run_cnt, w->now);
		ns_metrics__set(w->am->m, w->am->bpf_seconds, (const char *[]){ st->name },
				(double)info.run_time_ns / 1e9, w->now);
	}
	return 0;
}

/* CPU seconds and resident bytes of this process, from /proc/self/stat. */
static void process_usage(double *cpu, double *rss)
{
	unsigned long utime = 0, stime = 0;
	long pages = 0;
	char buf[1024], *p;
	FILE *f = fopen("/proc/self/stat", "re");
	size_t n;

	*cpu = *rss = 0;
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p && sscanf(p + 2,
			"%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d "
			"%*d %*d %*d %*u %*u %ld",
			&utime, &stime, &pages) == 3) {
		*cpu = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
		*rss = (double)pages * (double)sysconf(_SC_PAGESIZE);
	}
}

void ns_agent_metrics_session(struct ns_agent_metrics *am, struct ns_session *s, uint64_t now_ns)
{
	struct probe_walk w = { .am = am, .s = s, .now = now_ns };
	struct ns_session_stats st;
	int stats_err = ns_session__stats(s, &st);
	double cpu, rss;

	/* Set at every reading, so that --series-ttl never drops them. */
	for (int i = 0; !stats_err && i < NS_ERR_MAX; i++)
		ns_metrics__set(am->m, ns_loss_is_events(i) ? am->lost : am->map_full,
				(const char *[]){ ns_loss_name(i) }, (double)st.kernel[i], now_ns);
	for (int dir = NS_DIR_EGRESS; dir <= NS_DIR_INGRESS; dir++)
		ns_metrics__set(am->m, am->active,
				(const char *[]){ dir == NS_DIR_EGRESS ? "egress" : "ingress" },
				am->active_now[dir] > 0 ? (double)am->active_now[dir] : 0, now_ns);
	ns_session__for_each_family(s, note_probes, &w);
	for (int i = 0; (size_t)i < ns_metrics__count(am->m); i++)
		if (ns_metrics__folded(am->m, i))
			ns_metrics__set(am->m, am->folded,
					(const char *[]){ ns_metrics__name(am->m, i) },
					(double)ns_metrics__folded(am->m, i), now_ns);
	process_usage(&cpu, &rss);
	ns_metrics__set(am->m, am->cpu, NULL, cpu, now_ns);
	ns_metrics__set(am->m, am->rss, NULL, rss, now_ns);
}
