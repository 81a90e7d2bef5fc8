// SPDX-License-Identifier: GPL-2.0-only
/*
 * Invariants: the backlog holds whole lines only; ends[ends_done..nends) are
 * the end offsets of the records not yet fully written, ascending; once
 * out->err is set nothing more is written, and every record handed in is
 * either delivered or counted in undelivered[].
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "lib/output.h"
#include "lib/units.h"

int ns_output_init(struct ns_output *out, int fd, enum ns_format format,
		   const struct ns_column *columns, const char *command)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	out->fd = fd;
	out->format = format;
	out->columns = columns;
	out->backlog_limit = NS_OUTPUT_BACKLOG_DEFAULT;
	/*
	 * A pipe takes at most PIPE_BUF bytes without blocking once poll() says
	 * it can, a socket or terminal may take part of a write; files and other
	 * devices (/dev/null) take everything.
	 */
	out->chunked = fstat(fd, &st) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || isatty(fd);
	ns_strbuf_init(&out->line);
	ns_strbuf_init(&out->backlog);
	if (gethostname(out->host, sizeof(out->host) - 1))
		snprintf(out->host, sizeof(out->host), "localhost");
	snprintf(out->dataset, sizeof(out->dataset), "netsight.%s", command);
	return 0;
}

void ns_output_release(struct ns_output *out)
{
	ns_strbuf_release(&out->line);
	ns_strbuf_release(&out->backlog);
	free(out->ends);
	out->ends = NULL;
}

static enum ns_undelivered cause_of(int err)
{
	return err == -EPIPE ? NS_UNDELIVERED_CLOSED : NS_UNDELIVERED_ERROR;
}

/* Forgets the queued output, counting its records as not delivered for @why. */
static void drop_backlog(struct ns_output *out, enum ns_undelivered why)
{
	out->undelivered[why] += out->nends - out->ends_done;
	ns_strbuf_reset(&out->backlog);
	out->written = 0;
	out->nends = out->ends_done = 0;
}

static int push_end(struct ns_output *out, size_t end)
{
	if (out->nends == out->ends_cap) {
		size_t cap = out->ends_cap ? out->ends_cap * 2 : 1024;
		size_t *grown = realloc(out->ends, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		out->ends = grown;
		out->ends_cap = cap;
	}
	out->ends[out->nends++] = end;
	return 0;
}

/*
 * Queues the rendered line; @record: it is a record, to be accounted for;
 * @force: even past the backlog's limit.
 */
static void queue(struct ns_output *out, bool record, bool force)
{
	size_t pending = out->backlog.len - out->written;

	if (record)
		out->records++;
	if (out->err) {
		if (record)
			out->undelivered[cause_of(out->err)]++;
		return;
	}
	if (ns_strbuf_error(&out->line) ||
	    (!force && pending + out->line.len > out->backlog_limit)) {
		if (record)
			out->undelivered[NS_UNDELIVERED_BACKLOG]++;
		return;
	}
	ns_strbuf_add(&out->backlog, out->line.buf, out->line.len);
	if (ns_strbuf_error(&out->backlog)) {
		out->err = -ENOMEM;
		drop_backlog(out, NS_UNDELIVERED_ERROR);
		if (record)
			out->undelivered[NS_UNDELIVERED_ERROR]++;
		return;
	}
	if (record && push_end(out, out->backlog.len)) {
		out->err = -ENOMEM;
		drop_backlog(out, NS_UNDELIVERED_ERROR);
		out->undelivered[NS_UNDELIVERED_ERROR]++;
	}
}

void ns_output_header(struct ns_output *out)
{
	if (out->format != NS_FORMAT_TEXT || !out->columns)
		return;
	ns_strbuf_reset(&out->line);
	ns_render_text_header(out->columns, &out->style, &out->line);
	queue(out, false, false);
}

void ns_output_line(struct ns_output *out, const char *text)
{
	ns_strbuf_reset(&out->line);
	ns_strbuf_adds(&out->line, text);
	queue(out, false, false);
}

/*
 * Text shows the time of day: when a record falls on another day than the
 * one before it (a run across midnight), a line gives the new date first.
 */
static void mark_new_day(struct ns_output *out, const struct ns_record *rec)
{
	char date[16];
	int day;

	if (out->style.time == NS_TIME_ISO)
		return;
	day = ns_format_day(out->style.time, rec->epoch_ns, date, sizeof(date));
	if (out->day && day != out->day) {
		ns_strbuf_reset(&out->line);
		ns_strbuf_addf(&out->line, "--- %s ---\n", date);
		queue(out, false, false);
	}
	out->day = day;
}

static void render(struct ns_output *out, const struct ns_record *rec)
{
	if (out->format == NS_FORMAT_TEXT && rec->kind == NS_RECORD_EVENT)
		mark_new_day(out, rec);
	ns_strbuf_reset(&out->line);
	if (out->format == NS_FORMAT_JSON)
		ns_render_json(rec, &(struct ns_json_run){ out->host, out->dataset, out->labels },
			       &out->line);
	else
		ns_render_text(rec, out->columns, &out->style, &out->line);
}

void ns_output_record(struct ns_output *out, const struct ns_record *rec)
{
	render(out, rec);
	/* Events are accounted for; summary rows and loss records are not events. */
	queue(out, rec->kind == NS_RECORD_EVENT, false);
}

void ns_output_notice(struct ns_output *out, const struct ns_record *rec)
{
	render(out, rec);
	queue(out, false, true);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Moves the unwritten part of the backlog to its front. */
static void compact(struct ns_output *out)
{
	size_t keep = out->backlog.len - out->written;

	if (!keep && out->backlog.cap > NS_OUTPUT_KEEP_BYTES) {
		/* A burst is over: give its memory back rather than keep it for the next. */
		ns_strbuf_release(&out->backlog);
		ns_strbuf_init(&out->backlog);
		free(out->ends);
		out->ends = NULL;
		out->ends_cap = 0;
		malloc_trim(0);
	} else if (!keep) {
		ns_strbuf_reset(&out->backlog);
	} else {
		memmove(out->backlog.buf, out->backlog.buf + out->written, keep);
		out->backlog.len = keep;
		out->backlog.buf[keep] = '\0';
	}
	for (size_t i = out->ends_done; i < out->nends; i++)
		out->ends[i - out->ends_done] = out->ends[i] - out->written;
	out->nends -= out->ends_done;
	out->ends_done = 0;
	out->written = 0;
}

/*
 * How much of the @len bytes at @buf to write at once to a pipe: at most
 * PIPE_BUF, which a pipe takes whole or not at all, and ending with a line,
 * so that a reader that stops taking output never holds half a line. A line
 * longer than PIPE_BUF goes in pieces.
 */
static size_t whole_lines(const char *buf, size_t len)
{
	const char *nl;

	if (len <= PIPE_BUF)
		return len;
	nl = memrchr(buf, '\n', PIPE_BUF);
	return nl ? (size_t)(nl - buf) + 1 : PIPE_BUF;
}

int ns_output_write(struct ns_output *out, int budget_ms)
{
	uint64_t deadline = now_ms() + budget_ms;

	while (!out->err && out->written < out->backlog.len) {
		size_t left = out->backlog.len - out->written;
		struct pollfd pfd = { .fd = out->fd, .events = POLLOUT };
		uint64_t now = now_ms();
		ssize_t n;

		if (out->chunked) {
			int wait = now < deadline ? (int)(deadline - now) : 0;
			int ready = poll(&pfd, 1, wait);

			if (ready < 0 && errno == EINTR && !(out->abort && *out->abort))
				continue;
			if (ready <= 0)
				break;
			left = whole_lines(out->backlog.buf + out->written, left);
		}
		n = write(out->fd, out->backlog.buf + out->written, left);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			out->err = -errno;
			drop_backlog(out, cause_of(out->err));
			break;
		}
		out->written += n;
		out->bytes_out += n;
		while (out->ends_done < out->nends && out->ends[out->ends_done] <= out->written) {
			out->ends_done++;
			out->delivered++;
		}
	}
	if (out->written && (out->written == out->backlog.len || out->written > (1U << 20)))
		compact(out);
	return out->err;
}

int ns_output_finish(struct ns_output *out)
{
	uint64_t stalled_at = now_ms() + NS_OUTPUT_STALL_MS;

	while (!out->err && out->written < out->backlog.len) {
		uint64_t before = out->bytes_out;

		if (out->abort && *out->abort) {
			drop_backlog(out, NS_UNDELIVERED_ABORTED);
			break;
		}
		ns_output_write(out, 100);
		if (out->bytes_out != before)
			stalled_at = now_ms() + NS_OUTPUT_STALL_MS;
		else if (now_ms() >= stalled_at) {
			out->err = -ETIMEDOUT;
			drop_backlog(out, NS_UNDELIVERED_STALLED);
		}
	}
	return out->err;
}

uint64_t ns_output_undelivered(const struct ns_output *out)
{
	uint64_t n = 0;

	for (int i = 0; i < NS_UNDELIVERED_MAX; i++)
		n += out->undelivered[i];
	return n;
}
