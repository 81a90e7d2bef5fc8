/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Renderers: a record in, one line out. The text layout is data (a column
 * table per family); JSON needs nothing but the record, the host name and
 * the dataset.
 */
#ifndef NETSIGHT_RENDER_H
#define NETSIGHT_RENDER_H

#include "lib/record.h"
#include "lib/strbuf.h"
#include "lib/units.h"

enum ns_column_kind {
	NS_COL_FIELD = 0,
	NS_COL_TIME,
	NS_COL_ACTION,
	NS_COL_PID,
	NS_COL_COMM,
	NS_COL_LOCAL, /* tuple.laddr:lport */
	NS_COL_REMOTE, /* tuple.raddr:rport */
	NS_COL_FLOW, /* "tcp laddr:lport -> raddr:rport" */
	NS_COL_DIRECTION, /* "egress", "ingress" */
};

struct ns_column {
	const char *header; /* NULL ends a table */
	unsigned int width;
	enum ns_column_kind kind;
	enum ns_field field; /* NS_COL_FIELD: shown if present... */
	enum ns_field alt; /* ...else this one */
};

/* Endpoint columns with -w/--wide: "[ffff:...:ffff]:65535". */
#define NS_WIDE_ENDPOINT 47

/* How text output looks beyond its columns (the command line decides). */
struct ns_text_style {
	enum ns_time_format time;
	bool wide; /* endpoint columns sized for any IPv6 endpoint */
	/*
	 * A NETNS column after COMM; without it, records from a network
	 * namespace other than @own_netns end with "netns=N".
	 */
	bool netns_column;
	uint64_t own_netns;
};

void ns_render_text_header(const struct ns_column *cols, const struct ns_text_style *st,
			   struct ns_strbuf *out);
void ns_render_text(const struct ns_record *rec, const struct ns_column *cols,
		    const struct ns_text_style *st, struct ns_strbuf *out);
/* The version of the Elastic Common Schema whose field definitions JSON output follows. */
#define NS_ECS_VERSION "8.17.0"

/* What every JSON record says about the run that produced it. */
struct ns_json_run {
	const char *host; /* host.name */
	const char *dataset; /* event.dataset, "netsight.<command>" */
	/* ECS labels.KEY: key, value pairs, NULL-terminated; or NULL. */
	const char *const *labels;
};

void ns_render_json(const struct ns_record *rec, const struct ns_json_run *run,
		    struct ns_strbuf *out);

#endif /* NETSIGHT_RENDER_H */
