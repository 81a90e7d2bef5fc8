/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Renderers: a record in, one line out. The text layout is data (a column
 * table per family); JSON needs nothing but the record and the host name.
 */
#ifndef NETSIGHT_RENDER_H
#define NETSIGHT_RENDER_H

#include "lib/record.h"
#include "lib/strbuf.h"

enum ns_column_kind {
	NS_COL_FIELD = 0,
	NS_COL_TIME,
	NS_COL_ACTION,
	NS_COL_PID,
	NS_COL_COMM,
	NS_COL_LOCAL, /* tuple.laddr:lport */
	NS_COL_REMOTE, /* tuple.raddr:rport */
	NS_COL_FLOW, /* "laddr:lport -> raddr:rport" */
};

struct ns_column {
	const char *header; /* NULL ends a table */
	unsigned int width;
	enum ns_column_kind kind;
	enum ns_field field; /* NS_COL_FIELD: shown if present... */
	enum ns_field alt; /* ...else this one */
};

void ns_render_text_header(const struct ns_column *cols, struct ns_strbuf *out);
void ns_render_text(const struct ns_record *rec, const struct ns_column *cols,
		    struct ns_strbuf *out);
void ns_render_json(const struct ns_record *rec, const char *host, struct ns_strbuf *out);

#endif /* NETSIGHT_RENDER_H */
