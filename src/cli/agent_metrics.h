/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's Prometheus metrics: what each family's records add to them.
 * Connection events count as they come; the in-kernel tables of tcp, drops
 * and latency are read about once a second and their increases added.
 */
#ifndef NETSIGHT_CLI_AGENT_METRICS_H
#define NETSIGHT_CLI_AGENT_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/metrics.h"
#include "lib/record.h"
#include "lib/session.h"

struct ns_agent_metrics {
	struct ns_metrics *m;
	int opened, failures, active, sent, received;
	int retransmits, resets, overflows, drops;
	int latency[3]; /* connect, rtt, response: enum ns_latency_metric */
	int flow_packets, flow_bytes;
	int dns_queries, dns_answers, dns_timeouts, dns_latency;
	int lost, map_full, probe_up, folded;
	int cpu, rss, bpf_runs, bpf_seconds;
	int64_t active_now[3]; /* per enum ns_direction: opened since start, still open */
};

/* Whether a metric has a label named @key (le and quantile included): no --label may. */
bool ns_agent_metrics_label_taken(const char *key);

/* 0 or -ENOMEM. @opts: the registry's bounds and constant labels. */
int ns_agent_metrics_init(struct ns_agent_metrics *am, const struct ns_metrics_opts *opts);
void ns_agent_metrics_release(struct ns_agent_metrics *am);

/* A record of any family (an event, or a summary row). */
void ns_agent_metrics_record(struct ns_agent_metrics *am, const struct ns_record *rec,
			     uint64_t now_ns);

/*
 * What the session says about itself: loss counters, each program's state
 * and, where the kernel keeps them (kernel.bpf_stats_enabled), BPF run
 * statistics; and this process's CPU time and memory.
 */
void ns_agent_metrics_session(struct ns_agent_metrics *am, struct ns_session *s, uint64_t now_ns);

#endif /* NETSIGHT_CLI_AGENT_METRICS_H */
