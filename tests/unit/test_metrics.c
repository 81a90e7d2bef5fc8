// SPDX-License-Identifier: GPL-2.0-only
/* The Prometheus registry: exposition, folding into "other", expiry. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/metrics.h"

static const char *const conn_labels[] = { "direction", "process", NULL };
static const struct ns_metric_desc opened = {
	.name = "netsight_tcp_connections_opened_total",
	.help = "TCP connections established.",
	.type = NS_METRIC_COUNTER,
	.labels = conn_labels,
	.foldable = 1U << 1,
};
static const struct ns_metric_desc active = {
	.name = "netsight_tcp_connections_active",
	.help = "Open TCP connections.",
	.type = NS_METRIC_GAUGE,
};
static const double bounds[] = { 0.001, 0.01, 0.1 };
static const char *const rtt_labels[] = { "process", NULL };
static const struct ns_metric_desc rtt = {
	.name = "netsight_tcp_rtt_seconds",
	.help = "Smoothed RTT.",
	.type = NS_METRIC_HISTOGRAM,
	.labels = rtt_labels,
	.bounds = bounds,
	.nbounds = 3,
};

static char *render(struct ns_metrics *m, bool openmetrics)
{
	struct ns_strbuf sb;

	ns_strbuf_init(&sb);
	ns_metrics__render(m, openmetrics, &sb);
	return sb.buf;
}

static void text_format(void **state)
{
	static const char *const env[] = { "environment", "prod", NULL };
	struct ns_metrics *m = ns_metrics__new(&(struct ns_metrics_opts){ .const_labels = env });
	int c = ns_metrics__add(m, &opened), g = ns_metrics__add(m, &active);
	int h = ns_metrics__add(m, &rtt);
	uint64_t counts[4] = { 1, 2, 0, 1 };
	char *text;

	(void)state;
	assert_true(c >= 0 && g >= 0 && h >= 0);
	assert_int_equal(ns_metrics__inc(m, c, (const char *[]){ "egress", "curl" }, 2, 1), 0);
	assert_int_equal(ns_metrics__inc(m, c, (const char *[]){ "egress", "curl" }, 1, 2), 0);
	assert_int_equal(ns_metrics__inc(m, c, (const char *[]){ "ingress", "a\"b\\c\nd" }, 1, 2),
			 0);
	assert_int_equal(ns_metrics__set(m, g, NULL, 7, 3), 0);
	assert_int_equal(ns_metrics__observe(m, h, (const char *[]){ "nginx" }, counts, 0.5, 4), 0);
	/* The wrong kind of update. */
	assert_int_equal(ns_metrics__observe(m, c, (const char *[]){ "x", "y" }, counts, 1, 5),
			 -EINVAL);
	assert_int_equal(ns_metrics__inc(m, h, (const char *[]){ "x" }, 1, 5), -EINVAL);
	text = render(m, false);
	assert_string_equal(
		text,
		"# HELP netsight_tcp_connections_opened_total TCP connections established.\n"
		"# TYPE netsight_tcp_connections_opened_total counter\n"
		"netsight_tcp_connections_opened_total{environment=\"prod\",direction=\"egress\","
		"process=\"curl\"} 3\n"
		"netsight_tcp_connections_opened_total{environment=\"prod\",direction=\"ingress\","
		"process=\"a\\\"b\\\\c\\nd\"} 1\n"
		"# HELP netsight_tcp_connections_active Open TCP connections.\n"
		"# TYPE netsight_tcp_connections_active gauge\n"
		"netsight_tcp_connections_active{environment=\"prod\"} 7\n"
		"# HELP netsight_tcp_rtt_seconds Smoothed RTT.\n"
		"# TYPE netsight_tcp_rtt_seconds histogram\n"
		"netsight_tcp_rtt_seconds_bucket{environment=\"prod\",process=\"nginx\",le=\"0.001\"} 1\n"
		"netsight_tcp_rtt_seconds_bucket{environment=\"prod\",process=\"nginx\",le=\"0.01\"} 3\n"
		"netsight_tcp_rtt_seconds_bucket{environment=\"prod\",process=\"nginx\",le=\"0.1\"} 3\n"
		"netsight_tcp_rtt_seconds_bucket{environment=\"prod\",process=\"nginx\",le=\"+Inf\"} 4\n"
		"netsight_tcp_rtt_seconds_sum{environment=\"prod\",process=\"nginx\"} 0.5\n"
		"netsight_tcp_rtt_seconds_count{environment=\"prod\",process=\"nginx\"} 4\n");
	free(text);
	text = render(m, true);
	assert_non_null(strstr(text, "# TYPE netsight_tcp_connections_opened counter\n"));
	assert_non_null(strstr(text, "\nnetsight_tcp_connections_opened_total{"));
	assert_int_equal(strcmp(text + strlen(text) - 6, "# EOF\n"), 0);
	free(text);
	ns_metrics__free(m);
}

/* Any bytes a process chose as its name: the exposition stays valid UTF-8. */
static void label_values_stay_valid_utf8(void **state)
{
	struct ns_metrics *m = ns_metrics__new(&(struct ns_metrics_opts){ 0 });
	int c = ns_metrics__add(m, &opened);
	char *text;

	(void)state;
	assert_int_equal(
		ns_metrics__inc(m, c, (const char *[]){ "egress", "q\xff\xc3\xa9x" }, 1, 1), 0);
	text = render(m, false);
	assert_non_null(strstr(text, "process=\"q\\\\xff\xc3\xa9x\"} 1\n"));
	free(text);
	ns_metrics__free(m);
}

static void full_metrics_fold_into_other(void **state)
{
	struct ns_metrics *m = ns_metrics__new(&(struct ns_metrics_opts){ .max_series = 3 });
	int c = ns_metrics__add(m, &opened);
	char name[16], *text;

	(void)state;
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		assert_int_equal(ns_metrics__inc(m, c, (const char *[]){ "egress", name }, 1, 1),
				 0);
	}
	/* Two series of their own, the rest in one other (direction kept). */
	assert_int_equal(ns_metrics__series(m), 3);
	assert_int_equal(ns_metrics__folded(m, c), 8);
	text = render(m, false);
	assert_non_null(strstr(text, "{direction=\"egress\",process=\"p0\"} 1\n"));
	assert_non_null(strstr(text, "{direction=\"egress\",process=\"p1\"} 1\n"));
	assert_non_null(strstr(text, "{direction=\"egress\",process=\"other\"} 8\n"));
	free(text);
	ns_metrics__free(m);
}

static void idle_series_expire(void **state)
{
	struct ns_metrics *m = ns_metrics__new(&(struct ns_metrics_opts){ .ttl_ns = 100 });
	int c = ns_metrics__add(m, &opened);

	(void)state;
	ns_metrics__inc(m, c, (const char *[]){ "egress", "old" }, 1, 10);
	ns_metrics__inc(m, c, (const char *[]){ "egress", "new" }, 1, 150);
	assert_int_equal(ns_metrics__expire(m, 200), 1);
	assert_int_equal(ns_metrics__series(m), 1);
	/* The index still finds what is left. */
	ns_metrics__inc(m, c, (const char *[]){ "egress", "new" }, 1, 210);
	assert_int_equal(ns_metrics__series(m), 1);
	ns_metrics__free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_format),
		cmocka_unit_test(label_values_stay_valid_utf8),
		cmocka_unit_test(full_metrics_fold_into_other),
		cmocka_unit_test(idle_series_expire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
