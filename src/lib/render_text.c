// SPDX-License-Identifier: GPL-2.0-only
/*
 * Aligned, human-readable lines. Columns are padded by display width; a
 * value wider than its column pushes the rest of the line right rather than
 * being cut. Strings that come from the kernel or other processes are
 * escaped (lib/textsafe.h), so a crafted process name cannot drive the
 * terminal. What is not known or does not apply shows as "-" ("?" for an
 * unknown process), so every line has the same number of fields before the
 * last column, which is free text and may be empty.
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "lib/addr.h"
#include "lib/errnames.h"
#include "lib/ksyms.h"
#include "lib/render.h"
#include "lib/textsafe.h"
#include "lib/units.h"

#define NETNS_WIDTH 10

static const __u8 unspecified[NS_ADDR_LEN];

static void add_value(struct ns_strbuf *out, const struct ns_value *v)
{
	const struct ns_field_info *info = ns_field_info(v->id);
	char buf[128];

	switch (info->kind) {
	case NS_KIND_U64:
		ns_strbuf_add_u64(out, v->u64);
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
		ns_text_escape(out, v->str, strlen(v->str));
		break;
	case NS_KIND_BOOL:
		if (v->b && info->flag_text)
			ns_strbuf_adds(out, info->flag_text);
		break;
	case NS_KIND_KADDR:
		ns_ksyms__format(ns_ksyms_default(), v->u64, buf, sizeof(buf));
		ns_text_escape(out, buf, sizeof(buf));
		break;
	case NS_KIND_KEYWORD:
		ns_strbuf_add_u64(out, v->u64);
		break;
	case NS_KIND_ERRNO:
		ns_strbuf_adds(out, ns_errno_name((int)v->u64));
		break;
	}
}

/*
 * One end as far as it is known: "10.0.0.1:80", "[2001:db8::1]:443", the
 * address alone for protocols without ports or when the port is not known,
 * "*:80" for a port without address, "-" for nothing.
 */
static void add_endpoint(struct ns_strbuf *out, const struct ns_record *rec, bool local)
{
	const struct ns_tuple *t = &rec->tuple;
	const __u8 *addr = local ? t->laddr : t->raddr;
	__u16 port = local ? t->lport : t->rport;
	bool addr_known = !(rec->unknown & (local ? NS_PART_LADDR : NS_PART_RADDR));
	bool port_known = !(rec->unknown & (local ? NS_PART_LPORT : NS_PART_RPORT)) &&
			  ns_ip_proto_has_ports(t->protocol);
	char buf[NS_ENDPOINT_STRLEN];

	if (!port && !memcmp(addr, unspecified, t->family == AF_INET ? 4 : NS_ADDR_LEN))
		addr_known = port_known = false;
	if (addr_known && port_known &&
	    ns_endpoint_format(t->family, addr, port, buf, sizeof(buf)) > 0)
		ns_strbuf_adds(out, buf);
	else if (addr_known && ns_addr_format(t->family, addr, buf, sizeof(buf)) > 0)
		ns_strbuf_adds(out, buf);
	else if (port_known)
		ns_strbuf_addf(out, "*:%u", port);
	else
		ns_strbuf_addc(out, '-');
}

/* "tcp 10.0.0.1:5000 -> 10.0.0.2:80", "icmp 10.0.0.1 -> 10.0.0.2". */
static void add_flow(struct ns_strbuf *out, const struct ns_record *rec)
{
	const char *proto = ns_ip_proto_name(rec->tuple.protocol);

	if (!rec->tuple.family) {
		ns_strbuf_addc(out, '-');
		return;
	}
	if (proto)
		ns_strbuf_adds(out, proto);
	else
		ns_strbuf_addf(out, "proto-%u", rec->tuple.protocol);
	ns_strbuf_addc(out, ' ');
	add_endpoint(out, rec, true);
	ns_strbuf_adds(out, " -> ");
	add_endpoint(out, rec, false);
}

static void add_cell(struct ns_strbuf *out, const struct ns_record *rec,
		     const struct ns_column *col, const struct ns_text_style *st)
{
	const struct ns_value *v;
	char buf[NS_TIME_STRLEN];

	switch (col->kind) {
	case NS_COL_TIME:
		ns_format_time(st->time, rec->epoch_ns, buf, sizeof(buf));
		ns_strbuf_adds(out, buf);
		break;
	case NS_COL_ACTION:
		ns_strbuf_adds(out, rec->action);
		break;
	case NS_COL_PID:
		if (ns_record_has_owner(rec))
			ns_strbuf_add_u64(out, rec->owner.pid);
		else
			ns_strbuf_addc(out, '?');
		break;
	case NS_COL_COMM:
		if (rec->owner.comm[0])
			ns_text_escape(out, rec->owner.comm, sizeof(rec->owner.comm));
		else
			ns_strbuf_addc(out, '?');
		break;
	case NS_COL_LOCAL:
	case NS_COL_REMOTE:
		if (rec->tuple.family)
			add_endpoint(out, rec, col->kind == NS_COL_LOCAL);
		else
			ns_strbuf_addc(out, '-');
		break;
	case NS_COL_FLOW:
		add_flow(out, rec);
		break;
	case NS_COL_DIRECTION:
		ns_strbuf_adds(out, rec->direction == NS_DIR_EGRESS  ? "egress" :
				    rec->direction == NS_DIR_INGRESS ? "ingress" :
								       "-");
		break;
	case NS_COL_FIELD:
		v = ns_record_find(rec, col->field);
		if (!v && col->alt)
			v = ns_record_find(rec, col->alt);
		if (v)
			add_value(out, v);
		else if (col[1].header) /* the last column, free text, may stay empty */
			ns_strbuf_addc(out, '-');
		break;
	}
}

static size_t column_width(const struct ns_column *col, const struct ns_text_style *st)
{
	if (col->kind == NS_COL_TIME)
		return ns_time_width(st->time);
	if (st->wide && (col->kind == NS_COL_LOCAL || col->kind == NS_COL_REMOTE))
		return NS_WIDE_ENDPOINT;
	return col->width;
}

/* Pads the cell that starts at @start to @width display columns, then a separator. */
static void end_cell(struct ns_strbuf *out, size_t start, size_t width)
{
	size_t used = ns_text_width(out->buf + start, out->len - start);

	while (used++ < width)
		ns_strbuf_addc(out, ' ');
	ns_strbuf_addc(out, ' ');
}

static void add_netns(struct ns_strbuf *out, const struct ns_record *rec)
{
	const struct ns_value *v = ns_record_find(rec, NS_F_NETNS);

	if (v)
		ns_strbuf_add_u64(out, v->u64);
	else
		ns_strbuf_addc(out, '-');
}

/* Appends one line: the cells of @rec, or the headers when @rec is NULL. */
static void add_line(struct ns_strbuf *out, const struct ns_record *rec,
		     const struct ns_column *cols, const struct ns_text_style *st)
{
	size_t line_start = out->len;
	const struct ns_value *netns;

	for (const struct ns_column *col = cols; col->header; col++) {
		size_t start = out->len;

		if (rec)
			add_cell(out, rec, col, st);
		else
			ns_strbuf_adds(out, col->header);
		if (col[1].header || col->kind == NS_COL_COMM)
			end_cell(out, start, column_width(col, st));
		if (col->kind == NS_COL_COMM && st->netns_column) {
			start = out->len;
			if (rec)
				add_netns(out, rec);
			else
				ns_strbuf_adds(out, "NETNS");
			if (col[1].header)
				end_cell(out, start, NETNS_WIDTH);
		}
	}
	/* Cells left empty at the end of the line leave trailing blanks. */
	while (out->len > line_start && out->buf[out->len - 1] == ' ')
		out->buf[--out->len] = '\0';
	if (rec && !st->netns_column && (netns = ns_record_find(rec, NS_F_NETNS)) &&
	    netns->u64 != st->own_netns)
		ns_strbuf_addf(out, " netns=%llu", (unsigned long long)netns->u64);
	ns_strbuf_addc(out, '\n');
}

void ns_render_text_header(const struct ns_column *cols, const struct ns_text_style *st,
			   struct ns_strbuf *out)
{
	add_line(out, NULL, cols, st);
}

void ns_render_text(const struct ns_record *rec, const struct ns_column *cols,
		    const struct ns_text_style *st, struct ns_strbuf *out)
{
	add_line(out, rec, cols, st);
}
