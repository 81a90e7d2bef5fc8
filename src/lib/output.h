/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Records to a file descriptor, as text lines or JSON lines, through a
 * bounded in-memory backlog, so that a slow reader never stops the event
 * loop (which must keep draining the kernel's ring buffer). Every record is
 * accounted for: delivered once its whole line is written, or not delivered
 * (the backlog was full, the reader closed the pipe, stalled, or the run was
 * cut short), each counted by cause.
 */
#ifndef NETSIGHT_OUTPUT_H
#define NETSIGHT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/render.h"
#include "lib/strbuf.h"

enum ns_format {
	NS_FORMAT_TEXT,
	NS_FORMAT_JSON,
};

/* Why records were not delivered. */
enum ns_undelivered {
	NS_UNDELIVERED_BACKLOG, /* the backlog was full: the reader fell behind */
	NS_UNDELIVERED_CLOSED, /* the reader closed the pipe (EPIPE) */
	NS_UNDELIVERED_STALLED, /* the reader took no output for the stall limit */
	NS_UNDELIVERED_ABORTED, /* a second signal cut the final flush short */
	NS_UNDELIVERED_ERROR, /* a write failed (ENOSPC, EIO ...) */
	NS_UNDELIVERED_MAX,
};

#define NS_OUTPUT_BACKLOG_DEFAULT (64U << 20)
#define NS_OUTPUT_STALL_MS 5000
/* Pending output past this is written out while events are still being read. */
#define NS_OUTPUT_FLUSH_BYTES (256U << 10)
/* An emptied backlog that grew past this (a slow reader) gives its memory back. */
#define NS_OUTPUT_KEEP_BYTES (4U << 20)

struct ns_output {
	int fd;
	bool chunked; /* a pipe, socket or terminal: write at most PIPE_BUF at a time */
	enum ns_format format;
	const struct ns_column *columns;
	struct ns_text_style style;
	int day; /* text: the calendar day of the last record (YYYYMMDD), 0 before the first */
	char host[256];
	char dataset[64]; /* "netsight.<command>" */
	/* JSON: labels.KEY of every record, as key, value pairs, NULL-terminated; or NULL. */
	const char *const *labels;
	struct ns_strbuf line; /* being rendered */
	struct ns_strbuf backlog; /* rendered, not written yet */
	size_t written; /* bytes of the backlog already written */
	/* End offsets, in backlog, of the records in it (other lines are not records). */
	size_t *ends;
	size_t nends, ends_cap, ends_done;
	size_t backlog_limit;
	uint64_t records; /* handed in */
	uint64_t bytes_out; /* written, in all */
	uint64_t delivered;
	uint64_t undelivered[NS_UNDELIVERED_MAX];
	/* The first write error, sticky; writing stops at it (-EPIPE: the reader left). */
	int err;
	/* Set from a signal handler: stop the final flush at once. */
	volatile int *abort;
};

/*
 * Writes to @fd the records of @command ("conns": JSON event.dataset
 * "netsight.conns"); @columns for text (may be NULL). 0 or -ENOMEM.
 */
int ns_output_init(struct ns_output *out, int fd, enum ns_format format,
		   const struct ns_column *columns, const char *command);
void ns_output_release(struct ns_output *out);
/* Queues the column headers (text output only); not a record. */
void ns_output_header(struct ns_output *out);
/* Queues a line that is not a record (a table's title). */
void ns_output_line(struct ns_output *out, const char *text);
/* Renders @rec and queues it. */
void ns_output_record(struct ns_output *out, const struct ns_record *rec);
/*
 * Renders @rec, a record about the output itself (a loss), and queues it
 * even past the backlog's limit, so that it is not lost to what it reports.
 */
void ns_output_notice(struct ns_output *out, const struct ns_record *rec);
/*
 * Writes as much of the backlog as the reader takes within @budget_ms
 * (0: only what it takes at once), never blocking past it. Returns out->err.
 */
int ns_output_write(struct ns_output *out, int budget_ms);
/*
 * Writes the whole backlog, waiting for a slow reader until it has taken
 * nothing for NS_OUTPUT_STALL_MS, or until *out->abort; what is left is
 * counted as not delivered. Returns out->err (-ETIMEDOUT: stalled).
 */
int ns_output_finish(struct ns_output *out);
/* Records not delivered, all causes. */
uint64_t ns_output_undelivered(const struct ns_output *out);

#endif /* NETSIGHT_OUTPUT_H */
