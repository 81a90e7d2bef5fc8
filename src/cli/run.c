// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one event loop. Errors become words here and nowhere else in the
 * library: "netsight: <what failed> '<subject>': <cause>".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "cli/report.h"
#include "cli/run.h"
#include "lib/log.h"
#include "lib/output.h"
#include "lib/session.h"
#include "lib/system.h"
#include "lib/units.h"
#include "probes/registry.h"

/*
 * The kernel side wakes us once a quarter of the ring buffer is pending; in
 * between, events are read every NS_POLL_MS, so none waits longer than that.
 */
#define NS_POLL_MS 100
#define NS_WAKEUP_FRACTION 4

/* While the output has a backlog, come back to it this often. */
#define NS_BACKLOG_POLL_MS 10

/* SIGINT, SIGTERM and SIGHUP stop the run; a second one stops the final flush too. */
static volatile sig_atomic_t stop_signals;
static volatile int abort_writing;

static void on_signal(int sig)
{
	(void)sig;
	if (++stop_signals > 1)
		abort_writing = 1;
}

/* No SA_RESTART: a signal must cut a wait short, and the writer retries EINTR. */
static void handle_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void print_log(enum ns_log_level level, const char *msg)
{
	static const char *const prefix[] = {
		[NS_LOG_ERROR] = "error: ", [NS_LOG_WARN] = "warning: ", [NS_LOG_INFO] = "",
		[NS_LOG_DEBUG] = "",	    [NS_LOG_TRACE] = "",
	};

	fprintf(stderr, "netsight: %s%s\n", prefix[level], msg);
}

void ns_run_setup_log(const struct ns_cli_opts *o)
{
	static const enum ns_log_level levels[] = { NS_LOG_INFO, NS_LOG_DEBUG, NS_LOG_TRACE };
	enum ns_log_level level = levels[o->verbose < 2 ? o->verbose : 2];

	ns_log_set_printer(print_log, level);
	ns_log_capture_libbpf();
}

int ns_run_preflight(const char *cmd)
{
	if (ns_system_privileged()) {
		fprintf(stderr,
			"netsight %s: needs root (CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN) to load "
			"BPF programs; run it as root or with sudo\n",
			cmd);
		return NS_EXIT_FAILURE;
	}
	if (ns_system_btf()) {
		fprintf(stderr,
			"netsight %s: this kernel has no BTF (%s is missing); netsight needs a "
			"kernel built with CONFIG_DEBUG_INFO_BTF=y\n",
			cmd, NS_VMLINUX_BTF);
		return NS_EXIT_FAILURE;
	}
	return 0;
}

/* Where the kernel (or NETSIGHT_REFUSE) leaves a command without a program it needs. */
static void print_refused(const char *cmd, struct ns_session *s, int err)
{
	if (ns_session__refused_on_request(s))
		fprintf(stderr,
			"netsight %s: %s is refused on request (NETSIGHT_REFUSE or "
			"--refuse-hook)\n",
			cmd, ns_session__subject(s));
	else
		fprintf(stderr, "netsight %s: the kernel refused %s: %s\n", cmd,
			ns_session__subject(s), strerror(-err));
	fprintf(stderr, "netsight %s: 'netsight doctor' shows what this kernel gives netsight%s\n",
		cmd, err == -EACCES || err == -EINVAL ? "; -v shows the verifier's log" : "");
}

#define NS_ALL_PROGRAMS 128

struct program_names {
	char names[NS_ALL_PROGRAMS][NS_PLAN_NAME_LEN];
	char hooks[NS_ALL_PROGRAMS][NS_PLAN_NAME_LEN];
	const char *name_ptrs[NS_ALL_PROGRAMS];
	const char *hook_ptrs[NS_ALL_PROGRAMS];
	size_t n;
};

static void note_program(const char *name, const char *hook, void *ctx)
{
	struct program_names *pn = ctx;

	if (pn->n == NS_ALL_PROGRAMS)
		return;
	snprintf(pn->names[pn->n], NS_PLAN_NAME_LEN, "%s", name);
	snprintf(pn->hooks[pn->n], NS_PLAN_NAME_LEN, "%s", hook);
	pn->name_ptrs[pn->n] = pn->names[pn->n];
	pn->hook_ptrs[pn->n] = pn->hooks[pn->n];
	pn->n++;
}

int ns_run_check_refusals(const struct ns_cli_opts *o)
{
	static const char *const pseudo[] = { NS_HOOK_VIEWS, NULL };
	struct program_names *pn;
	struct ns_refusals r;
	const char *bad;
	int err = 0;

	if (!o->refuse || ns_refusals_parse(o->refuse, &r))
		return 0;
	pn = calloc(1, sizeof(*pn));
	if (!pn)
		return NS_EXIT_FAILURE;
	for (size_t i = 0; !err && ns_families[i]; i++)
		err = ns_family_list_programs(ns_families[i], note_program, pn);
	bad = err ? NULL : ns_refusals_unmatched(&r, pn->n, pn->name_ptrs, pn->hook_ptrs, pseudo);
	if (bad)
		fprintf(stderr,
			"netsight %s: NETSIGHT_REFUSE or --refuse-hook names '%s', which is no "
			"program or hook of netsight's; 'netsight doctor' lists them\n",
			o->command, bad);
	free(pn);
	return bad ? NS_EXIT_USAGE : 0;
}

static int load(struct ns_session *s, const char *cmd, const struct ns_family *const *families)
{
	int err = ns_session__add(s, &ns_owner_family);

	for (size_t i = 0; !err && families[i]; i++)
		err = ns_session__add(s, families[i]);
	if (err) {
		print_refused(cmd, s, err);
		return err;
	}
	err = ns_session__attach(s);
	if (err) {
		print_refused(cmd, s, err);
		return err;
	}
	err = ns_session__start(s);
	if (err)
		fprintf(stderr, "netsight %s: failed to start %s: %s\n", cmd,
			ns_session__subject(s), strerror(-err));
	return err;
}

/* What the loop needs besides the session. */
struct run {
	const struct ns_cli_opts *o;
	struct ns_output *out;
	struct ns_report report;
	uint64_t events; /* handed to the output */
	bool count_reached;
	bool no_total; /* the families' summaries are per interval only */
};

static void on_record(const struct ns_record *rec, const struct ns_family *fam, void *ctx)
{
	struct run *run = ctx;

	(void)fam;
	/* Past --count: not wanted, so neither delivered nor lost. */
	if (run->o->count && run->events >= run->o->count) {
		run->count_reached = true;
		return;
	}
	run->events++;
	ns_output_record(run->out, rec);
	/* A large drain is written as it goes, so the backlog stays small. */
	if (run->out->backlog.len - run->out->written > NS_OUTPUT_FLUSH_BYTES)
		ns_output_write(run->out, 0);
	if (run->o->count && run->events >= run->o->count) {
		run->count_reached = true;
		run->report.count_reached_epoch_ns = rec->epoch_ns;
	}
}

static bool stopping(const struct run *run, uint64_t deadline)
{
	return stop_signals || run->count_reached || run->out->err ||
	       (deadline && ns_boot_now() >= deadline);
}

/*
 * Until stopped: events are read as they come and written as fast as the
 * reader takes them; what the reader cannot take waits in the output's
 * backlog, so the ring buffer keeps being drained.
 */
static int trace(struct ns_session *s, struct run *run, const char *what)
{
	const struct ns_cli_opts *o = run->o;
	uint64_t started = ns_boot_now();
	uint64_t deadline = o->duration_s ? started + o->duration_s * NS_NSEC_PER_SEC : 0;
	uint64_t interval = o->interval_s * NS_NSEC_PER_SEC, next = started + interval;
	int err = 0;

	while (!err && !stopping(run, deadline)) {
		bool backlog = run->out->written < run->out->backlog.len;

		err = ns_session__poll(s, backlog ? NS_BACKLOG_POLL_MS : NS_POLL_MS);
		if (err == -EINTR)
			err = 0;
		if (!err)
			err = ns_session__drain(s);
		if (!err)
			err = ns_session__tick(s);
		if (!err)
			err = ns_report_losses(&run->report, s, false);
		if (!err && o->summary && interval && ns_boot_now() >= next) {
			err = ns_report_summary(&run->report, s, what, o->interval_s, false);
			next += interval;
		}
		ns_output_write(run->out, 0);
	}
	/* Stop tracing, then report everything already traced. */
	ns_session__stop(s);
	if (!err)
		err = ns_session__tick(s);
	if (!err)
		err = ns_session__finish(s);
	if (!err)
		err = ns_session__drain(s);
	/* The last, partial interval, so that the interval tables add up to the total. */
	if (!err && o->summary && interval)
		err = ns_report_summary(&run->report, s, what,
					(ns_boot_now() - (next - interval) + NS_NSEC_PER_SEC / 2) /
						NS_NSEC_PER_SEC,
					false);
	if (!err && o->summary && !run->no_total)
		err = ns_report_summary(&run->report, s, what,
					(ns_boot_now() - started + NS_NSEC_PER_SEC / 2) /
						NS_NSEC_PER_SEC,
					true);
	if (!err)
		err = ns_report_losses(&run->report, s, true);
	ns_output_finish(run->out);
	return err;
}

/*
 * Text layout: the network namespace gets a column where the start-up walk
 * found more than one; otherwise only records from another one name it.
 */
static void set_style(struct ns_output *out, const struct ns_cli_opts *o, struct ns_session *s)
{
	struct stat st;

	out->style.time = o->time_format;
	out->style.wide = o->wide || o->cfg.family == AF_INET6;
	out->style.netns_column = ns_session__netns_count(s) != 1;
	if (!stat("/proc/self/ns/net", &st))
		out->style.own_netns = st.st_ino;
	else
		out->style.netns_column = true;
	out->day = ns_format_day(o->time_format, ns_session__now_epoch(s), NULL, 0);
}

/* -v: what the run holds in the kernel. */
static void log_map_memory(const struct ns_session *s, uint64_t ring)
{
	struct ns_map_memory m;

	if (ns_session__map_memory(s, &m))
		return;
	ns_log(NS_LOG_DEBUG,
	       "holding %.1f MiB of kernel memory in %zu BPF maps (event ring %.1f MiB)",
	       m.bytes / 1048576.0, m.maps, ring / 1048576.0);
}

int ns_run(const struct ns_cli_opts *o, const char *what, const struct ns_family *const *families)
{
	struct ns_session_opts sopts = {
		.cfg = o->cfg,
		.ringbuf_size = ns_cli_ringbuf_size(o, families[0]),
		.on_record = o->summary && !families[0]->summary_events ? NULL : on_record,
		.refuse = o->refuse,
	};
	struct ns_session *s;
	struct ns_output out;
	struct run run = { .o = o, .out = &out, .no_total = families[0]->no_total };
	int err, code = NS_EXIT_FAILURE;
	bool lost;

	handle_signals();
	if (ns_output_init(&out, STDOUT_FILENO, o->format,
			   o->summary ? families[0]->summary_columns : families[0]->columns,
			   o->command))
		return NS_EXIT_FAILURE;
	out.abort = &abort_writing;
	ns_report_init(&run.report, &out, o->command);
	run.report.top = o->top;
	run.report.unit = families[0]->summary_unit;
	sopts.ctx = &run;
	sopts.cfg.wakeup_bytes = sopts.ringbuf_size / NS_WAKEUP_FRACTION;
	sopts.cfg.flags |= ns_families_config_flags(families);
	sopts.without_accept_owners = o->summary && families[0]->summary_without_accept_owners;
	s = ns_session__new(&sopts);
	if (!s) {
		fprintf(stderr, "netsight: %s\n", strerror(errno));
		goto out_release;
	}
	if (load(s, o->command, families))
		goto out_free;
	set_style(&out, o, s);
	log_map_memory(s, sopts.ringbuf_size);
	if (!o->summary)
		ns_output_header(&out);
	if (o->duration_s)
		ns_log(NS_LOG_INFO, "tracing %s for %llus (Ctrl-C to stop)", what,
		       (unsigned long long)o->duration_s);
	else
		ns_log(NS_LOG_INFO, "tracing %s (Ctrl-C to stop)", what);
	err = trace(s, &run, what);
	if (err)
		fprintf(stderr, "netsight: reading %s failed: %s\n",
			o->summary ? "kernel counts" : "events", strerror(-err));
	else if (out.err && out.err != -EPIPE && out.err != -ETIMEDOUT)
		fprintf(stderr, "netsight: writing output failed: %s\n", strerror(-out.err));
	lost = ns_report_account(&run.report, s, o->summary);
	if (!err && (!out.err || out.err == -EPIPE || out.err == -ETIMEDOUT))
		code = lost && !o->allow_loss ? NS_EXIT_LOST : NS_EXIT_OK;
out_free:
	ns_session__free(s);
out_release:
	ns_output_release(&out);
	return code;
}
