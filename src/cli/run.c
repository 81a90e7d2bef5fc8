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

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
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
	bool mounted;
	int err;

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
	err = ns_tracefs_ensure(&mounted);
	if (err)
		ns_log(NS_LOG_WARN,
		       "tracefs is not mounted at %s and mounting it failed (%s); "
		       "syscall tracepoints will be unavailable",
		       NS_TRACEFS, strerror(-err));
	else if (mounted)
		ns_log(NS_LOG_INFO, "mounted tracefs at %s (syscall tracepoints need it)",
		       NS_TRACEFS);
	return 0;
}

static void on_record(const struct ns_record *rec, const struct ns_family *fam, void *ctx)
{
	(void)fam;
	ns_output_record(ctx, rec);
}

/* Summary rows of one reading, to be sorted by count before printing. */
struct rows {
	struct ns_record *v;
	size_t n, cap;
	int err;
};

static void collect_row(const struct ns_record *rec, const struct ns_family *fam, void *ctx)
{
	struct rows *rows = ctx;
	struct ns_record *grown;

	(void)fam;
	if (rows->n == rows->cap) {
		rows->cap = rows->cap ? rows->cap * 2 : 64;
		grown = realloc(rows->v, rows->cap * sizeof(*grown));
		if (!grown) {
			rows->err = -ENOMEM;
			return;
		}
		rows->v = grown;
	}
	rows->v[rows->n++] = *rec;
}

static __u64 row_count(const struct ns_record *rec)
{
	const struct ns_value *v = ns_record_find(rec, NS_F_COUNT);

	return v ? v->u64 : 0;
}

static int by_count_desc(const void *a, const void *b)
{
	__u64 x = row_count(a), y = row_count(b);

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * One summary table: the counts of the last interval, or since the start
 * (@since_start, at exit). Text gets a title line and column headers.
 */
static int print_summary_table(struct ns_session *s, struct ns_output *out, const char *what,
			       uint64_t seconds, bool since_start)
{
	struct rows rows = { 0 };
	char clock[32];
	__u64 total = 0;
	int err;

	err = ns_session__summarize(s, since_start, collect_row, &rows);
	if (!err)
		err = rows.err;
	if (err) {
		free(rows.v);
		return err;
	}
	qsort(rows.v, rows.n, sizeof(*rows.v), by_count_desc);
	for (size_t i = 0; i < rows.n; i++)
		total += row_count(&rows.v[i]);
	if (out->format == NS_FORMAT_TEXT) {
		ns_format_clock(ns_session__now_epoch(s), clock, sizeof(clock));
		fprintf(out->fp, "%s%s %s %s %llus: %llu in total\n", out->records ? "\n" : "",
			clock, what, since_start ? "since start," : "in the last",
			(unsigned long long)seconds, (unsigned long long)total);
		ns_output_header(out);
	}
	for (size_t i = 0; i < rows.n; i++)
		ns_output_record(out, &rows.v[i]);
	free(rows.v);
	return ns_output_flush(out);
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
	static const struct ns_family *const all[] = { &ns_owner_family, &ns_conn_family,
						       &ns_tcp_family, &ns_drop_family };
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
	for (size_t i = 0; !err && i < sizeof(all) / sizeof(all[0]); i++)
		err = ns_family_list_programs(all[i], note_program, pn);
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

static void print_summary(struct ns_session *s, bool summary_mode)
{
	static const char *const descriptions[NS_ERR_MAX] = {
#define NS_X(id, name, lost, desc) [NS_ERR_##id] = desc,
		NS_ERRORS(NS_X)
#undef NS_X
	};
	static const int counts_as_lost[NS_ERR_MAX] = {
#define NS_X(id, name, lost, desc) [NS_ERR_##id] = lost,
		NS_ERRORS(NS_X)
#undef NS_X
	};
	struct ns_session_stats st;
	unsigned long long lost = 0;

	if (ns_session__stats(s, &st)) {
		fprintf(stderr, "netsight: could not read the kernel's loss counters\n");
		return;
	}
	for (int i = 0; i < NS_ERR_MAX; i++)
		if (counts_as_lost[i])
			lost += st.kernel[i];
	if (summary_mode)
		fprintf(stderr, "netsight: counted in the kernel, %llu events lost\n", lost);
	else
		fprintf(stderr, "netsight: %llu events seen, %llu events lost\n",
			(unsigned long long)st.records, lost);
	for (int i = 0; i < NS_ERR_MAX; i++)
		if (st.kernel[i])
			fprintf(stderr, "netsight:   %llu %s\n", (unsigned long long)st.kernel[i],
				descriptions[i]);
	if (st.kernel[NS_ERR_RINGBUF_FULL])
		fprintf(stderr, "netsight:   a larger --ringbuf-size absorbs longer bursts\n");
	if (st.malformed)
		fprintf(stderr, "netsight:   %llu events could not be decoded\n",
			(unsigned long long)st.malformed);
}

static int loop(struct ns_session *s, struct ns_output *out, const struct ns_cli_opts *o,
		const char *what)
{
	uint64_t started = ns_boot_now();
	uint64_t deadline = o->duration_s ? started + o->duration_s * NS_NSEC_PER_SEC : 0;
	uint64_t interval = o->interval_s * NS_NSEC_PER_SEC, next = started + interval;
	int err = 0;

	while (!stop_signal && !out->err) {
		err = ns_session__poll(s, NS_POLL_MS);
		if (err && err != -EINTR)
			break;
		err = ns_session__drain(s);
		if (!err)
			err = ns_session__tick(s);
		if (err)
			break;
		ns_output_flush(out);
		if (o->summary && interval && ns_boot_now() >= next) {
			err = print_summary_table(s, out, what, o->interval_s, false);
			if (err)
				break;
			next += interval;
		}
		if (deadline && ns_boot_now() >= deadline)
			break;
	}
	ns_session__stop(s);
	if (!err)
		err = ns_session__tick(s);
	if (!err)
		err = ns_session__finish(s);
	if (!err)
		err = ns_session__drain(s);
	if (!err && o->summary)
		err = print_summary_table(s, out, what,
					  (ns_boot_now() - started + NS_NSEC_PER_SEC / 2) /
						  NS_NSEC_PER_SEC,
					  true);
	ns_output_flush(out);
	return err;
}

int ns_run(const struct ns_cli_opts *o, const char *what, const struct ns_family *const *families)
{
	struct ns_session_opts sopts = {
		.cfg = o->cfg,
		.ringbuf_size = o->ringbuf_size,
		.on_record = o->summary ? NULL : on_record,
		.refuse = o->refuse,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct ns_session *s;
	struct ns_output out;
	int err, code = NS_EXIT_FAILURE;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (ns_output_init(&out, stdout, o->format,
			   o->summary ? families[0]->summary_columns : families[0]->columns))
		return NS_EXIT_FAILURE;
	sopts.ctx = &out;
	sopts.cfg.wakeup_bytes = o->ringbuf_size / NS_WAKEUP_FRACTION;
	s = ns_session__new(&sopts);
	if (!s) {
		fprintf(stderr, "netsight: %s\n", strerror(errno));
		goto out_release;
	}
	if (load(s, o->command, families))
		goto out_free;
	if (!o->summary)
		ns_output_header(&out);
	if (o->duration_s)
		ns_log(NS_LOG_INFO, "tracing %s for %llus (Ctrl-C to stop)", what,
		       (unsigned long long)o->duration_s);
	else
		ns_log(NS_LOG_INFO, "tracing %s (Ctrl-C to stop)", what);
	err = loop(s, &out, o, what);
	if (err)
		fprintf(stderr, "netsight: reading %s failed: %s\n",
			o->summary ? "kernel counts" : "events", strerror(-err));
	else if (out.err && out.err != -EPIPE)
		fprintf(stderr, "netsight: writing output failed: %s\n", strerror(-out.err));
	else
		code = NS_EXIT_OK;
	print_summary(s, o->summary);
out_free:
	ns_session__free(s);
out_release:
	ns_output_release(&out);
	return code;
}
