// SPDX-License-Identifier: GPL-2.0-only
/*
 * Aligned, human-readable lines. A value wider than its column pushes the
 * rest of the line right rather than being cut. Strings that come from
 * processes are shown with non-printable bytes replaced, so a crafted process
 * name cannot drive the terminal.
 */
#include <stdio.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/ksyms.h"
#include "lib/render.h"
#include "lib/units.h"

static void add_printable(struct ns_strbuf *out, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		ns_strbuf_addc(out, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
}

static void add_value(struct ns_strbuf *out, const struct ns_value *v)
{
	const struct ns_field_info *info = ns_field_info(v->id);
	char buf[128];

	switch (info->kind) {
	case NS_KIND_U64:
		ns_strbuf_addf(out, "%llu", (unsigned long long)v->u64);
		break;
	case NS_KIND_I64:
		ns_strbuf_addf(out, "%lld", (long long)v->i64);
		break;
	case NS_KIND_BYTES:
		ns_format_bytes(v->u64, buf, sizeof(buf));
		ns_strbuf_adds(out, buf);
		break;
	case NS_KIND_DURATION:
	case NS_KIND_MILLIS:
		ns_format_duration(v->u64, buf, sizeof(buf));
		ns_strbuf_adds(out, buf);
		break;
	case NS_KIND_STR:
		add_printable(out, v->str, strlen(v->str));
		break;
	case NS_KIND_BOOL:
		if (v->b && info->flag_text)
			ns_strbuf_adds(out, info->flag_text);
		break;
	case NS_KIND_KADDR:
		ns_ksyms__format(ns_ksyms_default(), v->u64, buf, sizeof(buf));
		ns_strbuf_adds(out, buf);
		break;
	case NS_KIND_KEYWORD:
		ns_strbuf_add_u64(out, v->u64);
		break;
	}
}

static void add_endpoint(struct ns_strbuf *out, const struct ns_tuple *t, bool local)
{
	char buf[NS_ENDPOINT_STRLEN];

	if (!t->family || ns_endpoint_format(t->family, local ? t->laddr : t->raddr,
					     local ? t->lport : t->rport, buf, sizeof(buf)) < 0)
		return;
	ns_strbuf_adds(out, buf);
}

static void add_cell(struct ns_strbuf *out, const struct ns_record *rec,
		     const struct ns_column *col)
{
	const struct ns_value *v;
	char buf[32];

	switch (col->kind) {
	case NS_COL_TIME:
		ns_format_clock(rec->epoch_ns, buf, sizeof(buf));
		ns_strbuf_adds(out, buf);
		break;
	case NS_COL_ACTION:
		ns_strbuf_adds(out, rec->action);
		break;
	case NS_COL_PID:
		if (rec->owner.pid)
			ns_strbuf_addf(out, "%u", rec->owner.pid);
		else
			ns_strbuf_addc(out, '?');
		break;
	case NS_COL_COMM:
		if (rec->owner.comm[0])
			add_printable(out, rec->owner.comm, sizeof(rec->owner.comm));
		else
			ns_strbuf_addc(out, '?');
		break;
	case NS_COL_LOCAL:
	case NS_COL_REMOTE:
		add_endpoint(out, &rec->tuple, col->kind == NS_COL_LOCAL);
		break;
	case NS_COL_FLOW:
		if (!rec->tuple.family)
			break;
		add_endpoint(out, &rec->tuple, true);
		ns_strbuf_adds(out, " -> ");
		add_endpoint(out, &rec->tuple, false);
		break;
	case NS_COL_FIELD:
		v = ns_record_find(rec, col->field);
		if (!v && col->alt)
			v = ns_record_find(rec, col->alt);
		if (v)
			add_value(out, v);
		break;
	}
}

/* Appends one line: the cells of @rec, or the headers when @rec is NULL. */
static void add_line(struct ns_strbuf *out, const struct ns_record *rec,
		     const struct ns_column *cols)
{
	size_t line_start = out->len;

	for (const struct ns_column *col = cols; col->header; col++) {
		size_t start = out->len;

		if (rec)
			add_cell(out, rec, col);
		else
			ns_strbuf_adds(out, col->header);
		if (col[1].header) {
			ns_strbuf_pad(out, start, col->width);
			ns_strbuf_addc(out, ' ');
		}
	}
	/* Cells left empty at the end of the line leave trailing blanks. */
	while (out->len > line_start && out->buf[out->len - 1] == ' ')
		out->buf[--out->len] = '\0';
	ns_strbuf_addc(out, '\n');
}

void ns_render_text_header(const struct ns_column *cols, struct ns_strbuf *out)
{
	add_line(out, NULL, cols);
}

void ns_render_text(const struct ns_record *rec, const struct ns_column *cols,
		    struct ns_strbuf *out)
{
	add_line(out, rec, cols);
}
