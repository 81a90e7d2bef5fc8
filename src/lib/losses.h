/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a run failed to report, noticed as it happens: the kernel side's
 * error counters (events the ring buffer had no room for, state it could not
 * keep) and the records the output could not take. Each check reports what
 * every source added since the previous one, so the stream can say so at once.
 */
#ifndef NETSIGHT_LOSSES_H
#define NETSIGHT_LOSSES_H

#include <stdbool.h>
#include <stdint.h>

#include <netsight/event.h>

#include "lib/output.h"

struct ns_session_stats;

/* Loss sources: the kernel's error counters (enum ns_error), then the output's. */
#define NS_LOSS_OUTPUT_BACKLOG NS_ERR_MAX
#define NS_LOSS_SOURCES (NS_ERR_MAX + 1)

struct ns_losses {
	__u64 kernel[NS_ERR_MAX]; /* what was already reported */
	uint64_t backlog;
};

/* Called per source (NS_ERR_* or NS_LOSS_OUTPUT_BACKLOG) with how much it grew. */
typedef void (*ns_loss_fn)(int source, uint64_t count, void *ctx);

/* Reports, through @fn, what each source added since the last call, from @st and @out. */
void ns_losses_check(struct ns_losses *l, const struct ns_session_stats *st,
		     const struct ns_output *out, ns_loss_fn fn, void *ctx);

/* The kernel side's counters of whole events lost, summed. */
uint64_t ns_losses_events_lost(const struct ns_session_stats *st);

/* Whether @source counts whole events lost (else: detail of events that went out). */
bool ns_loss_is_events(int source);
/* The source's name ("ringbuf_full"), as netsight.loss.source shows it. */
const char *ns_loss_name(int source);
/* What it counts, in words ("events dropped because the ring buffer was full"). */
const char *ns_loss_description(int source);
/* What the user can do about it, or NULL. */
const char *ns_loss_remedy(int source);

#endif /* NETSIGHT_LOSSES_H */
