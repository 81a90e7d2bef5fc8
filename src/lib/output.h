/* SPDX-License-Identifier: GPL-2.0-only */
/* Records to a stream, as text lines or JSON lines. */
#ifndef NETSIGHT_OUTPUT_H
#define NETSIGHT_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/render.h"
#include "lib/strbuf.h"

enum ns_format {
	NS_FORMAT_TEXT,
	NS_FORMAT_JSON,
};

struct ns_output {
	FILE *fp;
	enum ns_format format;
	const struct ns_column *columns;
	char host[256];
	struct ns_strbuf line;
	uint64_t records;
	int err; /* first write error, sticky */
};

int ns_output_init(struct ns_output *out, FILE *fp, enum ns_format format,
		   const struct ns_column *columns);
/* Writes the column headers (text output only). */
void ns_output_header(struct ns_output *out);
void ns_output_release(struct ns_output *out);
void ns_output_record(struct ns_output *out, const struct ns_record *rec);
int ns_output_flush(struct ns_output *out);

#endif /* NETSIGHT_OUTPUT_H */
