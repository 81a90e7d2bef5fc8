// SPDX-License-Identifier: GPL-2.0-only
/*
 * Summary tables, losses as they happen, and the account at exit. Text goes
 * to the output (tables) or stderr (warnings, the account); JSON losses are
 * records in the stream, so a pipeline sees the gap where it is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/report.h"
#include "lib/histogram.h"
#include "lib/session.h"
#include "lib/units.h"

#define NS_WARN_INTERVAL_NS NS_NSEC_PER_SEC

void ns_report_init(struct ns_report *r, struct ns_output *out, const char *command)
{
	memset(r, 0, sizeof(*r));
	r->out = out;
	r->command = command;
}

struct loss_ctx {
	struct ns_report *r;
	struct ns_session *s;
	const struct ns_session_stats *st; /* the counters the losses come from */
};

/*
 * Whether the ring buffer's losses all came after the last event the run
 * wanted (--count): events nobody asked for, not a gap.
 */
static bool lost_after_count(const struct ns_report *r, const struct ns_session_stats *st)
{
	return r->count_reached_epoch_ns &&
	       st->first_ring_loss_epoch_ns > r->count_reached_epoch_ns;
}

static void on_loss(int source, uint64_t count, void *ctx)
{
	struct loss_ctx *lc = ctx;
	struct ns_report *r = lc->r;
	bool events = ns_loss_is_events(source);
	struct ns_record rec;

	if (source == NS_ERR_RINGBUF_FULL && lost_after_count(r, lc->st))
		return;
	if (events && source != NS_LOSS_OUTPUT_BACKLOG)
		r->kernel_events_lost += count;
	if (r->out->format != NS_FORMAT_JSON) {
		r->unwarned[source] += count;
		return;
	}
	ns_record_init(&rec, ns_session__now_epoch(lc->s), events ? "events_lost" : "detail_lost");
	rec.kind = NS_RECORD_METRIC;
	ns_record_u64(&rec, NS_F_COUNT, count);
	ns_record_str(&rec, NS_F_LOSS_SOURCE, ns_loss_name(source));
	ns_record_str(&rec, NS_F_MESSAGE, ns_loss_description(source));
	ns_output_notice(r->out, &rec);
}

/* One stderr line per source that lost something since the last warning. */
static void warn_losses(struct ns_report *r)
{
	for (int i = 0; i < NS_LOSS_SOURCES; i++) {
		const char *remedy = ns_loss_remedy(i);

		if (!r->unwarned[i])
			continue;
		fprintf(stderr, "netsight: warning: %llu %s%s%s%s\n",
			(unsigned long long)r->unwarned[i], ns_loss_description(i),
			remedy ? " (" : "", remedy ? remedy : "", remedy ? ")" : "");
		r->unwarned[i] = 0;
	}
}

int ns_report_losses(struct ns_report *r, struct ns_session *s, bool final)
{
	struct ns_session_stats st;
	struct loss_ctx lc = { .r = r, .s = s, .st = &st };
	uint64_t now = ns_boot_now();
	int err = ns_session__stats(s, &st);
	bool pending = false;

	if (!err)
		ns_losses_check(&r->losses, &st, r->out, on_loss, &lc);

	for (int i = 0; i < NS_LOSS_SOURCES; i++)
		pending |= r->unwarned[i] != 0;
	if (err || !pending || (!final && now - r->last_warning_ns < NS_WARN_INTERVAL_NS))
		return err;
	warn_losses(r);
	r->last_warning_ns = now;
	return 0;
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

/* What a row counts: its count, a flow's bytes, or its histogram's samples. */
static __u64 row_count(const struct ns_record *rec)
{
	const struct ns_value *v = ns_record_find(rec, NS_F_COUNT);

	if (v)
		return v->u64;
	/* A flow's bytes. */
	if (ns_record_find(rec, NS_F_FLOW_PACKETS)) {
		v = ns_record_find(rec, NS_F_BYTES_SENT);
		return v ? v->u64 : 0;
	}
	v = ns_record_find(rec, NS_F_HISTOGRAM);
	return v ? v->hist->count : 0;
}

/* By rank, then the largest count first. */
static int by_rank_and_count(const void *a, const void *b)
{
	const struct ns_record *ra = a, *rb = b;
	__u64 x = row_count(a), y = row_count(b);

	if (ra->rank != rb->rank)
		return ra->rank < rb->rank ? -1 : 1;
	return x < y ? 1 : x > y ? -1 : 0;
}

int ns_report_summary(struct ns_report *r, struct ns_session *s, const char *what, uint64_t seconds,
		      bool since_start)
{
	struct ns_output *out = r->out;
	struct rows rows = { 0 };
	char clock[NS_TIME_STRLEN], title[256];
	__u64 total = 0;
	int err;

	err = ns_session__summarize(s, since_start, collect_row, &rows);
	if (!err)
		err = rows.err;
	if (err) {
		free(rows.v);
		return err;
	}
	qsort(rows.v, rows.n, sizeof(*rows.v), by_rank_and_count);
	for (size_t i = 0; i < rows.n; i++)
		total += row_count(&rows.v[i]);
	if (out->format == NS_FORMAT_TEXT) {
		ns_format_time(out->style.time, ns_session__now_epoch(s), clock, sizeof(clock));
		snprintf(title, sizeof(title), "%s%s %s %s %llus: %llu%s%s in total\n",
			 out->bytes_out || out->backlog.len ? "\n" : "", clock, what,
			 since_start ? "since start," : "in the last", (unsigned long long)seconds,
			 (unsigned long long)total, r->unit ? " " : "", r->unit ? r->unit : "");
		ns_output_line(out, title);
		ns_output_header(out);
	}
	for (size_t i = 0; i < rows.n; i++) {
		if (out->format == NS_FORMAT_TEXT && r->top && i == r->top) {
			snprintf(title, sizeof(title), "(%zu more)\n", rows.n - i);
			ns_output_line(out, title);
			break;
		}
		rows.v[i].kind = NS_RECORD_METRIC;
		ns_output_record(out, &rows.v[i]);
	}
	free(rows.v);
	return 0;
}

bool ns_report_account(struct ns_report *r, struct ns_session *s, bool summary_mode)
{
	static const char *const causes[NS_UNDELIVERED_MAX] = {
		[NS_UNDELIVERED_BACKLOG] = "not written: the reader fell behind",
		[NS_UNDELIVERED_CLOSED] = "not written: the reader closed the output",
		[NS_UNDELIVERED_STALLED] = "not written: the reader took nothing for 5 s at exit",
		[NS_UNDELIVERED_ABORTED] = "not written: stopped by a second signal",
		[NS_UNDELIVERED_ERROR] = "not written: writing failed",
	};
	const struct ns_output *out = r->out;
	struct ns_session_stats st;
	uint64_t kernel_lost = 0, undelivered = ns_output_undelivered(out);

	if (ns_session__stats(s, &st)) {
		fprintf(stderr, "netsight: could not read the kernel's loss counters\n");
		return true;
	}
	if (lost_after_count(r, &st)) {
		fprintf(stderr,
			"netsight: %llu events after the last one wanted (--count) found the ring "
			"buffer full; not counted as lost\n",
			(unsigned long long)st.kernel[NS_ERR_RINGBUF_FULL]);
		st.kernel[NS_ERR_RINGBUF_FULL] = 0;
	}
	kernel_lost = ns_losses_events_lost(&st);
	if (summary_mode)
		fprintf(stderr, "netsight: counted in the kernel, %llu events lost\n",
			(unsigned long long)kernel_lost);
	else
		fprintf(stderr,
			"netsight: %llu event%s delivered, %llu lost in the kernel, %llu not "
			"delivered\n",
			(unsigned long long)out->delivered, out->delivered == 1 ? "" : "s",
			(unsigned long long)kernel_lost, (unsigned long long)undelivered);
	for (int i = 0; i < NS_ERR_MAX; i++)
		if (st.kernel[i])
			fprintf(stderr, "netsight:   %llu %s%s%s%s\n",
				(unsigned long long)st.kernel[i], ns_loss_description(i),
				i == NS_ERR_NESTED_EVENTS && st.nested_prog[0] ? " (mostly " : "",
				i == NS_ERR_NESTED_EVENTS ? st.nested_prog : "",
				i == NS_ERR_NESTED_EVENTS && st.nested_prog[0] ? ")" : "");
	if (st.kernel[NS_ERR_RINGBUF_FULL])
		fprintf(stderr, "netsight:   %s\n", ns_loss_remedy(NS_ERR_RINGBUF_FULL));
	for (int i = 0; i < NS_UNDELIVERED_MAX; i++)
		if (out->undelivered[i])
			fprintf(stderr, "netsight:   %llu %s\n",
				(unsigned long long)out->undelivered[i], causes[i]);
	if (st.malformed)
		fprintf(stderr, "netsight:   %llu events could not be decoded\n",
			(unsigned long long)st.malformed);
	return kernel_lost || st.malformed || undelivered > out->undelivered[NS_UNDELIVERED_CLOSED];
}
