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
#include "lib/cgroups.h"
#include "lib/errnames.h"
#include "lib/histogram.h"
#include "lib/ksyms.h"
#include "lib/render.h"
#include "lib/textsafe.h"
#include "lib/units.h"

#define NETNS_WIDTH 10

static const __u8 unspecified[NS_ADDR_LEN];

static void add_value(struct ns_strbuf *out, const struct ns_value *v,
		      const struct ns_text_style *style)
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
		ns_ksyms_name(v->u64, buf, sizeof(buf));
		ns_text_escape(out, buf, sizeof(buf));
		break;
	case NS_KIND_KEYWORD:
		ns_strbuf_add_u64(out, v->u64);
		break;
	case NS_KIND_ERRNO:
		ns_strbuf_adds(out, ns_errno_name((int)v->u64));
		break;
	case NS_KIND_HISTOGRAM:
		ns_strbuf_add_u64(out, v->hist->count);
		break;
	case NS_KIND_TIME:
		ns_format_time(style->time, v->u64, buf, sizeof(buf));
		ns_strbuf_adds(out, buf);
		break;
	case NS_KIND_TCP_FLAGS: {
		const char *names[NS_TCP_FLAG_NAMES];
		size_t n = ns_tcp_flag_names(v->u64, names);

		for (size_t i = 0; i < n; i++)
			ns_strbuf_addf(out, "%s%s", i ? "," : "", names[i]);
		break;
	}
	case NS_KIND_RATE:
		ns_format_bytes((uint64_t)(v->dbl + 0.5), buf, sizeof(buf));
		ns_strbuf_addf(out, "%s/s", buf);
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
			add_value(out, v, st);
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

/*
 * What the columns do not show about the owner, at the end of the line:
 * "opener=PID/NAME" for a socket handed on, then its container (short id, as
 * docker ps shows it), pod and systemd service.
 */
static void add_owner_notes(struct ns_strbuf *out, const struct ns_record *rec)
{
	const struct ns_cgroup_identity *id;

	if (ns_record_has_opener(rec)) {
		ns_strbuf_addf(out, " opener=%u/", rec->owner.opener_pid);
		ns_text_escape(out, rec->owner.opener_comm, sizeof(rec->owner.opener_comm));
	}
	id = ns_record_identity(rec);
	if (!id)
		return;
	/* A container's own row names it already. */
	if (id->container_id[0] && !rec->identity)
		ns_strbuf_addf(out, " container=%.12s", id->container_id);
	if (id->pod_uid[0])
		ns_strbuf_addf(out, " pod=%s", id->pod_uid);
	if (id->service_name[0]) {
		ns_strbuf_adds(out, " service=");
		ns_text_escape(out, id->service_name, strlen(id->service_name));
	}
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
	if (rec)
		add_owner_notes(out, rec);
	ns_strbuf_addc(out, '\n');
}

void ns_render_text_header(const struct ns_column *cols, const struct ns_text_style *st,
			   struct ns_strbuf *out)
{
	add_line(out, NULL, cols, st);
}

/* "pid 42 (curl), container 0123456789ab, to 10.0.0.2:80": what a histogram row groups. */
static void add_group(struct ns_strbuf *out, const struct ns_record *rec)
{
	const struct ns_value *group = ns_record_find(rec, NS_F_GROUP);
	const struct ns_cgroup_identity *id = ns_record_identity(rec);
	const char *path = rec->owner.cgroup_id ? ns_cgroup_path_of(rec->owner.cgroup_id) : NULL;
	const char *sep = "";

	if (group) {
		ns_text_escape(out, group->str, strlen(group->str));
		ns_strbuf_adds(out, " groups");
		return;
	}
	if (ns_record_has_owner(rec)) {
		ns_strbuf_addf(out, "pid %u (", rec->owner.pid);
		ns_text_escape(out, rec->owner.comm, sizeof(rec->owner.comm));
		ns_strbuf_addc(out, ')');
		sep = ", ";
	}
	if (rec->owner.cgroup_id) {
		ns_strbuf_addf(out, "%scgroup ", sep);
		if (path)
			ns_text_escape(out, path, strlen(path));
		else
			ns_strbuf_add_u64(out, rec->owner.cgroup_id);
		sep = ", ";
	} else if (rec->identity) {
		if (id && id->container_id[0])
			ns_strbuf_addf(out, "%scontainer %.12s", sep, id->container_id);
		else
			ns_strbuf_addf(out, "%sno container", sep);
		sep = ", ";
	}
	if (rec->tuple.family) {
		ns_strbuf_addf(out, "%s%s ", sep,
			       rec->direction == NS_DIR_INGRESS ? "served at" : "to");
		add_endpoint(out, rec, ns_record_remote_is_source(rec));
		sep = ", ";
	} else if (rec->direction != NS_DIR_NONE) {
		ns_strbuf_addf(out, "%s%s", sep,
			       rec->direction == NS_DIR_INGRESS ? "as server" : "as client");
		sep = ", ";
	}
	if (!*sep)
		ns_strbuf_adds(out, "all sockets");
}

static void add_duration(struct ns_strbuf *out, const char *name, double us)
{
	char buf[32];

	ns_format_duration((uint64_t)(us * 1000 + 0.5), buf, sizeof(buf));
	ns_strbuf_addf(out, ", %s %s", name, buf);
}

#define BAR_WIDTH 40

/*
 * A histogram row: a title line with the group, count, minimum, maximum and
 * quantiles, then one line per bucket from the first non-empty one to the
 * last, with a bar scaled to the fullest (as libbpf-tools' tcprtt prints).
 */
static void add_histogram_block(struct ns_strbuf *out, const struct ns_record *rec,
				const struct ns_histogram *h)
{
	const struct ns_value *metric = ns_record_find(rec, NS_F_LATENCY_METRIC);
	uint64_t peak = 0;
	int first, last;

	ns_strbuf_adds(out, metric ? metric->str : rec->action);
	ns_strbuf_adds(out, " of ");
	add_group(out, rec);
	ns_strbuf_addf(out, ": %llu sample%s", (unsigned long long)h->count,
		       h->count == 1 ? "" : "s");
	if (h->count) {
		add_duration(out, "min", h->min_ns / 1000.0);
		add_duration(out, "max", h->max_ns / 1000.0);
		add_duration(out, "p50", ns_histogram_quantile_us(h, 0.50));
		add_duration(out, "p90", ns_histogram_quantile_us(h, 0.90));
		add_duration(out, "p99", ns_histogram_quantile_us(h, 0.99));
	}
	add_owner_notes(out, rec);
	ns_strbuf_adds(out, "\n");
	ns_histogram_range(h, &first, &last);
	if (first < 0)
		return;
	for (int i = first; i <= last; i++)
		peak = h->slots[i] > peak ? h->slots[i] : peak;
	ns_strbuf_addf(out, "%16s : %-10s distribution\n", "usecs <=", "count");
	for (int i = first; i <= last; i++) {
		int stars = (int)((h->slots[i] * BAR_WIDTH + peak - 1) / peak);

		ns_strbuf_addf(out, "%16llu : %-10llu |%.*s%*s|\n",
			       (unsigned long long)ns_histogram_le_us(i),
			       (unsigned long long)h->slots[i], stars,
			       "****************************************", BAR_WIDTH - stars, "");
	}
}

void ns_render_text(const struct ns_record *rec, const struct ns_column *cols,
		    const struct ns_text_style *st, struct ns_strbuf *out)
{
	const struct ns_value *hist = ns_record_find(rec, NS_F_HISTOGRAM);

	if (hist)
		add_histogram_block(out, rec, hist->hist);
	else
		add_line(out, rec, cols, st);
}
