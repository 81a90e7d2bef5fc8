/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A registry of Prometheus metrics: counters, gauges and histograms with
 * labels, rendered in the Prometheus text format (0.0.4) or OpenMetrics
 * 1.0. Bounded: each metric holds at most max_series label sets; further
 * ones are folded into one series whose foldable labels say "other", and
 * counted. Series not updated for ttl_ns are dropped, so label values of
 * processes and containers that went away do not accumulate.
 *
 * Not thread-safe: the caller serializes updates and rendering.
 */
#ifndef NETSIGHT_METRICS_H
#define NETSIGHT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strbuf.h"

enum ns_metric_type {
	NS_METRIC_COUNTER,
	NS_METRIC_GAUGE,
	NS_METRIC_HISTOGRAM,
};

#define NS_METRIC_MAX_LABELS 8
#define NS_METRIC_MAX_BUCKETS 32
/* The value a folded label takes. */
#define NS_METRIC_OTHER "other"

struct ns_metric_desc {
	/* snake_case, netsight_ prefix, base units; counters end in _total. */
	const char *name;
	const char *help;
	enum ns_metric_type type;
	/* Label names, NULL-terminated, at most NS_METRIC_MAX_LABELS. */
	const char *const *labels;
	/* Bit i set: label i takes "other" when the metric is full (high cardinality). */
	unsigned int foldable;
	/* Histograms: ascending upper bounds (in the metric's unit), without +Inf. */
	const double *bounds;
	size_t nbounds;
};

struct ns_metrics_opts {
	size_t max_series; /* per metric; 0: unbounded */
	uint64_t ttl_ns; /* series idle this long are dropped; 0: never */
	/* Labels added to every series ("environment", "prod"), NULL-terminated pairs. */
	const char *const *const_labels;
};

struct ns_metrics;

/* NULL with errno set. */
struct ns_metrics *ns_metrics__new(const struct ns_metrics_opts *opts);
void ns_metrics__free(struct ns_metrics *m);

/* Registers @desc (kept by reference); its index, or -EINVAL / -ENOMEM. */
int ns_metrics__add(struct ns_metrics *m, const struct ns_metric_desc *desc);

/*
 * Updates the series of metric @idx with label @values (one per label of
 * its desc, in order; NULL counts as ""), at time @now_ns. 0, -EINVAL
 * (wrong kind of metric), -ENOMEM. Setting a counter mirrors a monotonic
 * count kept elsewhere.
 */
int ns_metrics__inc(struct ns_metrics *m, int idx, const char *const *values, double by,
		    uint64_t now_ns);
int ns_metrics__set(struct ns_metrics *m, int idx, const char *const *values, double v,
		    uint64_t now_ns);
/*
 * Adds to a histogram: @counts[i] new samples at most bounds[i] (and above
 * bounds[i - 1]), @counts[nbounds] above the last bound; @sum their total.
 */
int ns_metrics__observe(struct ns_metrics *m, int idx, const char *const *values,
			const uint64_t *counts, double sum, uint64_t now_ns);

/* Drops series idle for longer than the ttl. Returns how many. */
size_t ns_metrics__expire(struct ns_metrics *m, uint64_t now_ns);

/* Metrics registered, and the name of metric @idx (NULL outside). */
size_t ns_metrics__count(const struct ns_metrics *m);
const char *ns_metrics__name(const struct ns_metrics *m, int idx);

/* Series in all metrics, and label sets folded into "other" so far. */
size_t ns_metrics__series(const struct ns_metrics *m);
uint64_t ns_metrics__folded(const struct ns_metrics *m, int idx);

/* Appends every metric to @out; @openmetrics: OpenMetrics 1.0, with "# EOF". */
void ns_metrics__render(const struct ns_metrics *m, bool openmetrics, struct ns_strbuf *out);

#endif /* NETSIGHT_METRICS_H */
