/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a tracing command reports besides its events: the summary tables, what
 * it could not report as soon as it notices (a record in the JSON stream, a
 * rate-limited warning for text), and the account on stderr at exit.
 */
#ifndef NETSIGHT_CLI_REPORT_H
#define NETSIGHT_CLI_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/options.h"
#include "lib/losses.h"
#include "lib/output.h"

struct ns_session;

struct ns_report {
	struct ns_output *out;
	struct ns_losses losses;
	const char *command;
	/* Text output: what each source lost since the last warning, and when that was. */
	uint64_t unwarned[NS_LOSS_SOURCES];
	uint64_t last_warning_ns;
	uint64_t kernel_events_lost; /* whole events lost in the kernel, all run */
	/* --count: the time (CLOCK_REALTIME ns) of the last event wanted, 0 before. */
	uint64_t count_reached_epoch_ns;
	/* Text summary tables: at most this many rows (--top); 0: all. */
	uint64_t top;
	/* What a table's total counts ("bytes"), NULL for events. */
	const char *unit;
};

void ns_report_init(struct ns_report *r, struct ns_output *out, const char *command);
/*
 * Reports what the kernel side and the output lost since the last call: a
 * record in JSON output, a warning at most once a second for text (@final:
 * now, whatever the last one). 0 or -errno.
 */
int ns_report_losses(struct ns_report *r, struct ns_session *s, bool final);
/*
 * One summary table: the counts of the last interval, or since the start
 * (@since_start). Text gets a title line and column headers. 0 or -errno.
 */
int ns_report_summary(struct ns_report *r, struct ns_session *s, const char *what, uint64_t seconds,
		      bool since_start);
/*
 * The account on stderr: events delivered, lost in the kernel and not
 * delivered, by cause. Returns whether anything was lost (kernel or output,
 * except records a reader refused by closing the pipe).
 */
bool ns_report_account(struct ns_report *r, struct ns_session *s, bool summary_mode);

#endif /* NETSIGHT_CLI_REPORT_H */
