// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lib/output.h"

static void write_line(struct ns_output *out)
{
	if (out->err)
		return;
	out->err = ns_strbuf_error(&out->line);
	errno = 0;
	if (!out->err && fwrite(out->line.buf, 1, out->line.len, out->fp) != out->line.len)
		out->err = errno ? -errno : -EIO;
}

int ns_output_init(struct ns_output *out, FILE *fp, enum ns_format format,
		   const struct ns_column *columns)
{
	memset(out, 0, sizeof(*out));
	out->fp = fp;
	out->format = format;
	out->columns = columns;
	ns_strbuf_init(&out->line);
	if (gethostname(out->host, sizeof(out->host) - 1))
		snprintf(out->host, sizeof(out->host), "localhost");
	return 0;
}

void ns_output_header(struct ns_output *out)
{
	if (out->format != NS_FORMAT_TEXT || !out->columns)
		return;
	ns_strbuf_reset(&out->line);
	ns_render_text_header(out->columns, &out->line);
	write_line(out);
	ns_output_flush(out);
}

void ns_output_release(struct ns_output *out)
{
	ns_strbuf_release(&out->line);
}

void ns_output_record(struct ns_output *out, const struct ns_record *rec)
{
	ns_strbuf_reset(&out->line);
	if (out->format == NS_FORMAT_JSON)
		ns_render_json(rec, out->host, &out->line);
	else
		ns_render_text(rec, out->columns, &out->line);
	write_line(out);
	out->records++;
}

int ns_output_flush(struct ns_output *out)
{
	if (!out->err && fflush(out->fp))
		out->err = -errno;
	return out->err;
}
