// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/progplan.h"

int ns_refusals_parse(const char *text, struct ns_refusals *r)
{
	const char *p = text;

	memset(r, 0, sizeof(*r));
	while (p && *p) {
		size_t len;

		p += strspn(p, ", \t");
		len = strcspn(p, ", \t");
		if (!len)
			break;
		if (r->n == NS_REFUSE_MAX)
			return -E2BIG;
		if (len >= NS_PLAN_NAME_LEN)
			return -ENAMETOOLONG;
		memcpy(r->prefixes[r->n], p, len);
		r->prefixes[r->n++][len] = '\0';
		p += len;
	}
	return 0;
}

bool ns_refused(const struct ns_refusals *r, const char *hook)
{
	for (size_t i = 0; r && i < r->n; i++)
		if (!strncmp(hook, r->prefixes[i], strlen(r->prefixes[i])))
			return true;
	return false;
}

bool ns_refused_program(const struct ns_refusals *r, const char *name, const char *hook)
{
	for (size_t i = 0; r && i < r->n; i++)
		if (!strcmp(name, r->prefixes[i]))
			return true;
	return ns_refused(r, hook);
}

static const struct ns_prog_spec *find_spec(const struct ns_family *fam, const char *name)
{
	for (const struct ns_prog_spec *sp = fam->programs; sp && sp->name; sp++)
		if (!strcmp(sp->name, name))
			return sp;
	return NULL;
}

int ns_progplan_init(struct ns_progplan *p, const struct ns_family *fam, size_t n,
		     const char *const *names, const char *const *hooks, const bool *autoload)
{
	memset(p, 0, sizeof(*p));
	p->fam = fam;
	p->failed = -1;
	if (n > NS_PLAN_MAX_PROGS)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		struct ns_prog_state *st = &p->progs[i];

		snprintf(st->name, sizeof(st->name), "%s", names[i]);
		/* libbpf reports "?tp_btf/x" as "tp_btf/x" already; be sure. */
		snprintf(st->hook, sizeof(st->hook), "%s", hooks[i] + (hooks[i][0] == '?'));
		st->spec = find_spec(fam, names[i]);
		st->wanted = autoload[i];
		st->standby = !autoload[i];
		st->status = NS_PROG_OK;
	}
	p->n = n;
	return 0;
}

void ns_progplan_leave_out(struct ns_progplan *p, size_t i)
{
	p->progs[i].wanted = false;
	p->progs[i].standby = false;
}

int ns_progplan_find(const struct ns_progplan *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->progs[i].name, name))
			return i;
	return -1;
}

int ns_progplan_reject(struct ns_progplan *p, size_t i, int error, bool refused, const char *detail)
{
	struct ns_prog_state *st = &p->progs[i];
	const struct ns_prog_spec *sp = st->spec;
	int alt;

	st->wanted = false;
	st->standby = false;
	st->error = error;
	st->refused = refused;
	snprintf(st->detail, sizeof(st->detail), "%s", detail ? detail : "");
	if (!sp || !sp->fallback) {
		st->status = NS_PROG_UNAVAILABLE;
		if (p->failed < 0)
			p->failed = i;
		return -ENOTSUP;
	}
	st->status = NS_PROG_FALLBACK;
	alt = sp->alternative ? ns_progplan_find(p, sp->alternative) : -1;
	if (alt >= 0 && p->progs[alt].standby) {
		p->progs[alt].wanted = true;
		p->progs[alt].standby = false;
	}
	return 0;
}

/* Why program @st must not be loaded, or 0: refused on request, or a short tracepoint. */
static int precheck(const struct ns_prog_state *st, const struct ns_refusals *r,
		    ns_tp_args_fn tp_args, void *ctx, bool *refused, char *detail, size_t len)
{
	const struct ns_prog_spec *sp = st->spec;
	int have;

	*refused = false;
	if (ns_refused_program(r, st->name, st->hook)) {
		*refused = true;
		snprintf(detail, len, "on request (NETSIGHT_REFUSE)");
		return EPERM;
	}
	if (!sp || !sp->tracepoint || !sp->tracepoint_args || !tp_args)
		return 0;
	have = tp_args(sp->tracepoint, ctx);
	if (have >= 0 && (unsigned int)have < sp->tracepoint_args) {
		snprintf(detail, len, "this kernel's tracepoint '%s' has %d arguments, not %u",
			 sp->tracepoint, have, sp->tracepoint_args);
		return EINVAL;
	}
	return 0;
}

int ns_progplan_resolve(struct ns_progplan *p, const struct ns_refusals *r, ns_tp_args_fn tp_args,
			void *ctx)
{
	bool changed = true;
	int err = 0;

	/* Each pass rejects at least one program or ends: at most n passes. */
	for (size_t pass = 0; changed && pass <= p->n; pass++) {
		changed = false;
		for (size_t i = 0; i < p->n; i++) {
			char detail[NS_PLAN_DETAIL_LEN];
			bool refused;
			int why;

			if (!p->progs[i].wanted)
				continue;
			why = precheck(&p->progs[i], r, tp_args, ctx, &refused, detail,
				       sizeof(detail));
			if (!why)
				continue;
			changed = true;
			if (ns_progplan_reject(p, i, why, refused, detail) && !err)
				err = -ENOTSUP;
		}
	}
	return err;
}

__u32 ns_progplan_fallbacks(const struct ns_progplan *p)
{
	__u32 flags = 0;

	for (size_t i = 0; i < p->n; i++)
		if (p->progs[i].status == NS_PROG_FALLBACK)
			flags |= p->progs[i].spec->fallback_flags;
	return flags;
}

bool ns_progplan_wanted(const struct ns_progplan *p, const char *name)
{
	int i = ns_progplan_find(p, name);

	return i >= 0 && p->progs[i].wanted;
}

bool ns_progplan_needed(const struct ns_progplan *p, size_t i)
{
	const struct ns_prog_spec *sp = p->progs[i].spec;
	int backed = sp && sp->backs ? ns_progplan_find(p, sp->backs) : -1;

	return backed < 0 || !p->progs[backed].wanted || p->progs[backed].status != NS_PROG_OK;
}

bool ns_progplan_degraded(const struct ns_progplan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->progs[i].status == NS_PROG_FALLBACK && ns_progplan_needed(p, i))
			return true;
	return false;
}

/* Whether refusal entry @e names program @name on @hook. */
static bool entry_matches(const char *e, const char *name, const char *hook)
{
	return !strcmp(e, name) || !strncmp(hook + (hook[0] == '?'), e, strlen(e));
}

const char *ns_refusals_unmatched(const struct ns_refusals *r, size_t n, const char *const *names,
				  const char *const *hooks, const char *const *extra_hooks)
{
	for (size_t i = 0; i < r->n; i++) {
		const char *e = r->prefixes[i];
		bool found = false;

		for (size_t j = 0; !found && j < n; j++)
			found = entry_matches(e, names[j], hooks[j]);
		for (size_t j = 0; !found && extra_hooks && extra_hooks[j]; j++)
			found = entry_matches(e, "", extra_hooks[j]);
		if (!found)
			return e;
	}
	return NULL;
}
