// SPDX-License-Identifier: GPL-2.0-only
#include <stddef.h>

#include "lib/losses.h"
#include "lib/session.h"

static const struct {
	const char *name;
	bool events;
	const char *description;
} sources[NS_LOSS_SOURCES] = {
#define NS_X(id, name, lost, desc) [NS_ERR_##id] = { name, lost, desc },
	NS_ERRORS(NS_X)
#undef NS_X
		[NS_LOSS_OUTPUT_BACKLOG] = { "output_backlog", true,
					     "events not written because the reader fell behind" },
};

static bool valid(int source)
{
	return source >= 0 && source < NS_LOSS_SOURCES;
}

bool ns_loss_is_events(int source)
{
	return valid(source) && sources[source].events;
}

const char *ns_loss_name(int source)
{
	return valid(source) ? sources[source].name : "unknown";
}

const char *ns_loss_description(int source)
{
	return valid(source) ? sources[source].description : "unknown losses";
}

const char *ns_loss_remedy(int source)
{
	switch (source) {
	case NS_ERR_RINGBUF_FULL:
		return "a larger --ringbuf-size absorbs longer bursts";
	case NS_LOSS_OUTPUT_BACKLOG:
		return "write to a file, or read the output faster";
	default:
		return NULL;
	}
}

uint64_t ns_losses_events_lost(const struct ns_session_stats *st)
{
	uint64_t lost = 0;

	for (int i = 0; i < NS_ERR_MAX; i++)
		if (ns_loss_is_events(i))
			lost += st->kernel[i];
	return lost;
}

void ns_losses_check(struct ns_losses *l, const struct ns_session_stats *st,
		     const struct ns_output *out, ns_loss_fn fn, void *ctx)
{
	for (int i = 0; i < NS_ERR_MAX; i++) {
		if (st->kernel[i] <= l->kernel[i])
			continue;
		fn(i, st->kernel[i] - l->kernel[i], ctx);
		l->kernel[i] = st->kernel[i];
	}
	if (out && out->undelivered[NS_UNDELIVERED_BACKLOG] > l->backlog) {
		fn(NS_LOSS_OUTPUT_BACKLOG, out->undelivered[NS_UNDELIVERED_BACKLOG] - l->backlog,
		   ctx);
		l->backlog = out->undelivered[NS_UNDELIVERED_BACKLOG];
	}
}
