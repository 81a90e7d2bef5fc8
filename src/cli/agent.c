// SPDX-License-Identifier: GPL-2.0-only
/*
 * netsight agent: every family this kernel supports in one session, all
 * of them aggregating in the kernel (NS_CFG_SUMMARY, NS_CFG_CONN_COUNTS), served as
 * Prometheus metrics (lib/metrics.h) over HTTP (lib/http.h), with every
 * family's events as a JSON log if asked for (NS_CFG_EVENTS). One per host: a lock file
 * keeps a second one from attaching everything twice.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <bpf/bpf.h>

#include <netsight/latency.h>
#include <netsight/tcp.h>

#include "cli/agent_metrics.h"
#include "cli/commands.h"
#include "cli/run.h"
#include "lib/http.h"
#include "lib/ksyms.h"
#include "lib/log.h"
#include "lib/losses.h"
#include "lib/output.h"
#include "lib/parse.h"
#include "lib/servicemap.h"
#include "lib/session.h"
#include "lib/units.h"
#include "probes/dns.h"
#include "probes/drop.h"
#include "probes/flow.h"
#include "probes/registry.h"

#define AGENT_LOCK_DIR "/run/netsight"
#define AGENT_LOCK AGENT_LOCK_DIR "/agent.lock"
#define AGENT_DEFAULT_LISTEN "127.0.0.1:9464"
#define AGENT_DEFAULT_MAX_SERIES 2000
#define AGENT_DEFAULT_TTL_S 600
/* How often the in-kernel tables are read into the metrics. */
#define AGENT_READ_NS NS_NSEC_PER_SEC
#define AGENT_POLL_MS 100

static const struct ns_family *const agent_families[] = {
	&ns_conn_family, &ns_tcp_family, &ns_drop_family, &ns_latency_family, NULL,
};

static volatile sig_atomic_t agent_stop, agent_reopen;

static void on_stop(int sig)
{
	(void)sig;
	agent_stop = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	agent_reopen = 1;
}

struct agent {
	const struct ns_cli_opts *o;
	struct ns_agent_metrics am;
	struct ns_service_map *map;
	pthread_mutex_t lock; /* the metrics, between the loop and the server's thread */
	struct ns_output log;
	bool logging;
	uint64_t now; /* CLOCK_BOOTTIME ns, for series ages */
};

/* --label KEY=VALUE: a Prometheus label name, and any value. */
static int parse_label(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	size_t n = o->nlabels, keylen = eq ? (size_t)(eq - arg) : 0;
	char *buf;

	if (!eq || !keylen || (!isalpha((unsigned char)arg[0]) && arg[0] != '_') ||
	    strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") <
		    keylen ||
	    (keylen >= 2 && arg[0] == '_' && arg[1] == '_')) {
		snprintf(err, errlen,
			 "invalid --label '%.60s': expected KEY=VALUE, KEY a Prometheus label name "
			 "([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)",
			 arg);
		return -EINVAL;
	}
	if (n == NS_MAX_LABELS) {
		snprintf(err, errlen, "too many --label options: at most %d", NS_MAX_LABELS);
		return -E2BIG;
	}
	if (strlen(arg) >= NS_LABEL_LEN) {
		snprintf(err, errlen, "invalid --label '%.40s...': at most %d characters", arg,
			 NS_LABEL_LEN - 1);
		return -EINVAL;
	}
	buf = o->label_buf[n];
	memcpy(buf, arg, strlen(arg) + 1);
	buf[keylen] = '\0';
	for (size_t i = 0; i < 2 * n; i += 2)
		if (!strcmp(o->labels[i], buf)) {
			snprintf(err, errlen, "invalid --label: '%s' is given twice", buf);
			return -EINVAL;
		}
	if (ns_agent_metrics_label_taken(buf)) {
		snprintf(err, errlen,
			 "invalid --label: '%s' is a label of netsight's own metrics; choose "
			 "another name",
			 buf);
		return -EINVAL;
	}
	o->labels[2 * n] = buf;
	o->labels[2 * n + 1] = buf + keylen + 1;
	o->labels[2 * n + 2] = NULL;
	o->nlabels = n + 1;
	return 0;
}

static int parse_listen(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	char addr[128];
	size_t len = sizeof(addr);

	if (ns_http_parse_listen(arg, addr, &len)) {
		snprintf(err, errlen,
			 "invalid --listen '%.60s': expected ADDR:PORT, e.g. 127.0.0.1:9464 or "
			 "[::1]:9464 (0.0.0.0:9464 for every address)",
			 arg);
		return -EINVAL;
	}
	o->listen = arg;
	return 0;
}

static int parse_log(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	if (!*arg) {
		snprintf(err, errlen, "invalid --log '': give a file, or - for standard output");
		return -EINVAL;
	}
	o->log_path = arg;
	return 0;
}

static int parse_max_series(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	if (ns_parse_u64(arg, 10, 1000000, &o->max_series)) {
		snprintf(err, errlen, "invalid --max-series '%s': expected 10 to 1000000", arg);
		return -EINVAL;
	}
	return 0;
}

static int parse_ttl(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	if (ns_parse_u64(arg, 1, 7 * 86400, &o->series_ttl_s)) {
		snprintf(err, errlen, "invalid --series-ttl '%s': expected 1 to 604800 seconds",
			 arg);
		return -EINVAL;
	}
	return 0;
}

static int parse_dns(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	(void)arg;
	(void)err;
	(void)errlen;
	o->agent_dns = true;
	return 0;
}

static int parse_bpf_stats(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	(void)arg;
	(void)err;
	(void)errlen;
	o->bpf_stats = true;
	return 0;
}

/* One agent per host: the lock is held as long as the process lives. */
static int take_lock(void)
{
	char pid[32] = "";
	int fd;
	ssize_t n;

	mkdir(AGENT_LOCK_DIR, 0755);
	fd = open(AGENT_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "netsight agent: cannot open %s: %s\n", AGENT_LOCK,
			strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		fprintf(stderr,
			"netsight agent: another netsight agent is running on this host (pid %s, "
			"holding %s); one is enough\n",
			pid[0] ? pid : "?", AGENT_LOCK);
		close(fd);
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, n, 0) != n)
		ns_log(NS_LOG_WARN, "could not write the pid into %s", AGENT_LOCK);
	return fd;
}

/* OpenMetrics if the scraper prefers it to the text format (Prometheus asks for both). */
static bool wants_openmetrics(const char *accept)
{
	double om = ns_http_accept_quality(accept, "application/openmetrics-text");

	return om > 0 && om >= ns_http_accept_quality(accept, "text/plain");
}

/* The server's thread: /metrics, /healthz, 404 for the rest. */
static void serve(const char *path, const char *accept, struct ns_http_reply *reply, void *ctx)
{
	struct agent *a = ctx;
	bool om;

	if (!strcmp(path, "/metrics")) {
		om = wants_openmetrics(accept);
		reply->status = 200;
		reply->content_type = om ? "application/openmetrics-text; version=1.0.0; "
					   "charset=utf-8" :
					   "text/plain; version=0.0.4; charset=utf-8";
		pthread_mutex_lock(&a->lock);
		ns_metrics__render(a->am.m, om, &reply->body);
		pthread_mutex_unlock(&a->lock);
	} else if (!strcmp(path, "/api/v1/map") || !strcmp(path, "/api/v1/map.dot")) {
		bool dot = !strcmp(path, "/api/v1/map.dot");

		reply->status = 200;
		reply->content_type = dot ? "text/vnd.graphviz; charset=utf-8" : "application/json";
		pthread_mutex_lock(&a->lock);
		ns_service_map__render(a->map, dot, &reply->body);
		pthread_mutex_unlock(&a->lock);
	} else if (!strcmp(path, "/healthz")) {
		reply->status = 200;
		ns_strbuf_adds(&reply->body, "ok\n");
	} else {
		reply->status = 404;
		ns_strbuf_addf(&reply->body,
			       "not found: netsight agent serves /metrics, /api/v1/map, "
			       "/api/v1/map.dot and /healthz\n");
	}
}

/* The command whose events a family's are: "conns" for conn, "drops" for drop. */
static const char *log_dataset(const struct ns_family *fam)
{
	static const char *const names[][2] = {
		{ "conn", "conns" },
		{ "owner", "conns" },
		{ "drop", "drops" },
		{ "flow", "flows" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(fam->name, names[i][0]))
			return names[i][1];
	return fam->name; /* tcp, dns */
}

static void on_record(const struct ns_record *rec, const struct ns_family *fam, void *ctx)
{
	struct agent *a = ctx;

	/*
	 * Events are only logged: the metrics count them in the kernel too; but
	 * DNS messages are decoded here, so their events are what is counted.
	 */
	if (rec->kind == NS_RECORD_EVENT) {
		if (a->logging) {
			/* The dataset of the command that reports this family's events. */
			snprintf(a->log.dataset, sizeof(a->log.dataset), "netsight.%s",
				 log_dataset(fam));
			ns_output_record(&a->log, rec);
		}
		if (fam == &ns_dns_family)
			ns_agent_metrics_record(&a->am, rec, a->now);
		return;
	}
	ns_agent_metrics_record(&a->am, rec, a->now);
	ns_service_map__add(a->map, rec);
}

static int open_log(const char *path)
{
	if (!strcmp(path, "-"))
		return dup(STDOUT_FILENO);
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

/* SIGHUP: the log file again, where logrotate moved the old one away. */
static void reopen_log(struct agent *a)
{
	int fd;

	if (!a->logging || !strcmp(a->o->log_path, "-"))
		return;
	ns_output_write(&a->log, 1000);
	fd = open_log(a->o->log_path);
	if (fd < 0) {
		ns_log(NS_LOG_WARN, "reopening %s: %s; logging on to the old file", a->o->log_path,
		       strerror(errno));
		return;
	}
	dup2(fd, a->log.fd);
	close(fd);
	ns_log(NS_LOG_INFO, "reopened %s", a->o->log_path);
}

static int load(struct ns_session *s, const struct ns_cli_opts *o)
{
	int err;

	/* With --dns: every DNS message, each counted as it comes. */
	ns_dns_configure(&o->dns);
	err = ns_session__add(s, &ns_owner_family);

	if (err) {
		fprintf(stderr, "netsight agent: the kernel refused %s: %s\n",
			ns_session__subject(s), strerror(-err));
		return err;
	}
	/* A family that cannot run is said once; the others go on. */
	for (size_t i = 0; agent_families[i]; i++) {
		err = ns_session__add(s, agent_families[i]);
		if (err && ns_session__refused_on_request(s))
			ns_log(NS_LOG_WARN,
			       "%s metrics are unavailable: %s is refused on request "
			       "(NETSIGHT_REFUSE or --refuse-hook)",
			       agent_families[i]->name, ns_session__subject(s));
		else if (err)
			ns_log(NS_LOG_WARN, "%s metrics are unavailable: the kernel refused %s: %s",
			       agent_families[i]->name, ns_session__subject(s), strerror(-err));
	}
	if (o->agent_dns) {
		err = ns_session__add(s, &ns_dns_family);
		if (err)
			ns_log(NS_LOG_WARN,
			       "DNS metrics are unavailable: the kernel refused %s: %s",
			       ns_session__subject(s), strerror(-err));
	}
	if (o->devices.nifaces) {
		ns_flow_configure(
			&(struct ns_flow_opts){ .dev = o->devices, .max_flows = o->max_flows });
		err = ns_session__add(s, &ns_flow_family);
		if (err)
			ns_log(NS_LOG_WARN,
			       "flow metrics are unavailable: the kernel refused %s: %s",
			       ns_session__subject(s), strerror(-err));
	}
	err = ns_session__attach(s);
	if (err)
		ns_log(NS_LOG_WARN, "some metrics are unavailable: %s: %s", ns_session__subject(s),
		       strerror(-err));
	err = ns_session__start(s);
	if (err)
		fprintf(stderr, "netsight agent: failed to start %s: %s\n", ns_session__subject(s),
			strerror(-err));
	return err;
}

/* Reads the in-kernel tables and the session's own numbers into the metrics. */
static int read_tables(struct agent *a, struct ns_session *s)
{
	int err;

	pthread_mutex_lock(&a->lock);
	a->now = ns_boot_now();
	err = ns_session__summarize(s, false, on_record, a);
	ns_agent_metrics_session(&a->am, s, a->now);
	ns_metrics__expire(a->am.m, a->now);
	pthread_mutex_unlock(&a->lock);
	return err;
}

static int serve_until_stopped(struct agent *a, struct ns_session *s)
{
	uint64_t started = ns_boot_now(), next = started;
	uint64_t deadline = a->o->duration_s ? started + a->o->duration_s * NS_NSEC_PER_SEC : 0;
	int err = 0;

	while (!err && !agent_stop && (!deadline || ns_boot_now() < deadline)) {
		err = ns_session__poll(s, AGENT_POLL_MS);
		if (err == -EINTR)
			err = 0;
		pthread_mutex_lock(&a->lock);
		a->now = ns_boot_now();
		if (!err)
			err = ns_session__drain(s);
		pthread_mutex_unlock(&a->lock);
		if (!err)
			err = ns_session__tick(s);
		if (!err && ns_boot_now() >= next) {
			err = read_tables(a, s);
			next += AGENT_READ_NS;
		}
		if (agent_reopen) {
			agent_reopen = 0;
			reopen_log(a);
		}
		if (a->logging)
			ns_output_write(&a->log, 0);
	}
	return err;
}

/* The account at exit, as the summary commands give it. */
static void report_losses(struct ns_session *s)
{
	struct ns_session_stats st;

	if (!ns_session__stats(s, &st))
		fprintf(stderr, "netsight: counted in the kernel, %llu events lost\n",
			(unsigned long long)ns_losses_events_lost(&st));
}

static int run_agent(const struct ns_cli_opts *o)
{
	struct agent a = { .o = o };
	struct ns_metrics_opts mopts = {
		.max_series = o->max_series ? o->max_series : AGENT_DEFAULT_MAX_SERIES,
		.ttl_ns = (o->series_ttl_s ? o->series_ttl_s : AGENT_DEFAULT_TTL_S) *
			  NS_NSEC_PER_SEC,
		.const_labels = o->nlabels ? o->labels : NULL,
	};
	struct ns_session_opts sopts = {
		.cfg = o->cfg,
		/* Without --log everything is counted in the kernel and no event is sent. */
		.ringbuf_size = o->ringbuf_size ? o->ringbuf_size :
				o->log_path	? NS_DEFAULT_RINGBUF :
						  NS_SUMMARY_RINGBUF,
		.on_record = on_record,
		.ctx = &a,
		.refuse = o->refuse,
		.keep_going = true,
	};
	const char *listen = o->listen ? o->listen : AGENT_DEFAULT_LISTEN;
	struct sigaction stop = { .sa_handler = on_stop }, hup = { .sa_handler = on_hup };
	__u8 wanted[NS_DROP_REASON_SLOTS];
	struct ns_session *s = NULL;
	struct ns_http *http = NULL;
	int lock_fd, stats_fd = -1, code = NS_EXIT_FAILURE, err, log_fd;
	char errbuf[NS_CLI_ERR_LEN];

	if (o->devices.netns && !o->devices.nifaces) {
		fprintf(stderr, "netsight agent: --netns says where the --iface interfaces are; "
				"give --iface too\nTry 'netsight agent --help'.\n");
		return NS_EXIT_USAGE;
	}
	if (o->devices.nifaces && ns_devices_check(&o->devices, errbuf, sizeof(errbuf))) {
		fprintf(stderr, "netsight agent: %s\n", errbuf);
		return NS_EXIT_USAGE;
	}
	lock_fd = take_lock();
	if (lock_fd < 0)
		return NS_EXIT_FAILURE;
	pthread_mutex_init(&a.lock, NULL);
	a.map = ns_service_map__new(0);
	if (!a.map || ns_agent_metrics_init(&a.am, &mopts)) {
		fprintf(stderr, "netsight agent: %s\n", strerror(ENOMEM));
		goto out;
	}
	if (o->log_path) {
		log_fd = open_log(o->log_path);
		if (log_fd < 0) {
			fprintf(stderr, "netsight agent: cannot open --log '%s': %s\n", o->log_path,
				strerror(errno));
			goto out;
		}
		if (ns_output_init(&a.log, log_fd, NS_FORMAT_JSON, NULL, "conns")) {
			close(log_fd);
			goto out;
		}
		a.log.labels = o->nlabels ? o->labels : NULL;
		a.logging = true;
	}
	sigemptyset(&stop.sa_mask);
	sigemptyset(&hup.sa_mask);
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);
	sigaction(SIGHUP, &hup, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!ns_drop_reasons_load()) {
		ns_drop_all_reasons(wanted);
		ns_drop_select(wanted);
	}
	sopts.cfg.flags |= ns_families_config_flags(agent_families) | NS_CFG_SUMMARY |
			   NS_CFG_CONN_COUNTS | (o->log_path ? NS_CFG_EVENTS : 0);
	sopts.cfg.summary_by = NS_TCP_BY_SERVICE | NS_TCP_BY_PROCESS;
	sopts.cfg.latency_by = NS_LAT_BY_PROCESS | NS_LAT_BY_CGROUP;
	sopts.cfg.wakeup_bytes = sopts.ringbuf_size / 4;
	s = ns_session__new(&sopts);
	if (!s) {
		fprintf(stderr, "netsight agent: %s\n", strerror(errno));
		goto out;
	}
	if (load(s, o))
		goto out;
	if (o->bpf_stats) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0)
			ns_log(NS_LOG_WARN, "--bpf-stats: the kernel refused: %s", strerror(errno));
	}
	http = ns_http__start(listen, serve, &a);
	if (!http) {
		fprintf(stderr, "netsight agent: cannot listen on %s: %s\n", listen,
			strerror(errno));
		goto out;
	}
	err = read_tables(&a, s);
	ns_log(NS_LOG_INFO,
	       "tracing every family; serving metrics on http://%s/metrics (SIGTERM or "
	       "Ctrl-C to stop)",
	       listen);
	if (!err)
		err = serve_until_stopped(&a, s);
	if (err)
		fprintf(stderr, "netsight agent: reading the kernel's tables failed: %s\n",
			strerror(-err));
	else
		code = NS_EXIT_OK;
	ns_session__stop(s);
	report_losses(s);
	ns_log(NS_LOG_INFO, "stopped; every BPF program detached");
out:
	ns_http__stop(http);
	if (stats_fd >= 0)
		close(stats_fd);
	ns_session__free(s);
	if (a.logging) {
		ns_output_finish(&a.log);
		close(a.log.fd);
		ns_output_release(&a.log);
	}
	ns_agent_metrics_release(&a.am);
	ns_ksyms_names_release();
	ns_service_map__free(a.map);
	pthread_mutex_destroy(&a.lock);
	close(lock_fd);
	return code;
}

static const struct ns_option agent_options[] = {
	{ "listen", 0, "ADDR:PORT",
	  "serve /metrics and /healthz here (default " AGENT_DEFAULT_LISTEN
	  "; another address than loopback is an explicit choice)",
	  parse_listen },
	{ "label", 0, "KEY=VALUE",
	  "add this label to every metric and every logged event (repeatable, up to 8)",
	  parse_label },
	{ "log", 0, "FILE",
	  "also write every family's events as JSON lines to FILE (- for standard output), "
	  "the keys the commands use; SIGHUP reopens it, for logrotate",
	  parse_log },
	{ "max-series", 0, "N",
	  "at most N label sets per metric (default 2000); more are counted under 'other' "
	  "(one per value of the labels never folded, such as direction) and in "
	  "netsight_series_folded_total",
	  parse_max_series },
	{ "series-ttl", 0, "SECONDS",
	  "drop series not updated for SECONDS (default 600), so processes and containers that "
	  "went away do not stay",
	  parse_ttl },
	{ "dns", 0, NULL,
	  "also count the DNS queries, answers and timeouts of this host's processes "
	  "(netsight_dns_*; a program then looks at every packet of every local socket)",
	  parse_dns },
	{ "bpf-stats", 0, NULL,
	  "have the kernel time every BPF program while the agent runs "
	  "(kernel.bpf_stats_enabled; costs two clock reads per program run)",
	  parse_bpf_stats },
	{ NULL },
};

static const struct ns_option_group agent_groups[] = {
	{ "Agent", agent_options },	  { "Flows (netsight_flow_* metrics)", ns_device_options },
	{ "Filters", ns_filter_options }, { "Run", ns_run_options },
	{ "Kernel", ns_kernel_options },  { NULL, NULL },
};

const struct ns_command ns_cmd_agent = {
	.name = "agent",
	.families = agent_families,
	.summary = "the per-node daemon: Prometheus metrics of every family, and a JSON log",
	.description =
		"Run every family this kernel supports, aggregating in the kernel, and serve\n"
		"their numbers as Prometheus metrics (text format, or OpenMetrics when the\n"
		"scraper asks for it) on http://127.0.0.1:9464/metrics, with /healthz.\n"
		"Connection counts and failures, bytes, retransmits, resets, listen\n"
		"overflows, drops by reason, connect/RTT/response histograms, by process,\n"
		"container and service; the agent's own losses, probes and resources.\n"
		"\n"
		"One agent per host: a second one is refused. SIGTERM or Ctrl-C stops it and\n"
		"detaches everything; SIGHUP reopens the --log file.",
	.groups = agent_groups,
	.examples = "  netsight agent\n"
		    "  netsight agent --listen 0.0.0.0:9464 --label environment=prod\n"
		    "  netsight agent --log /var/log/netsight/events.jsonl\n",
	.run = run_agent,
};
