// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading a family on the kernel it finds: in the build the kernel supports,
 * with the programs its plan wants; when the kernel refuses the object, each
 * program is loaded alone to find the ones it refuses, which are left out
 * (their fallbacks and variants take over) before trying again.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "lib/btf_query.h"
#include "lib/errnames.h"
#include "lib/log.h"
#include "lib/session_impl.h"

/* The map @name in the first loaded family, before @upto, that has it. */
struct bpf_map *ns_session_find_map(const struct ns_session *s, const struct loaded_family *upto,
				    const char *name)
{
	for (const struct loaded_family *lf = s->fams; lf < upto; lf++) {
		struct bpf_map *map = lf->obj ? bpf_object__find_map_by_name(lf->obj, name) : NULL;

		if (map)
			return map;
	}
	return NULL;
}

struct bpf_map *ns_session__map(const struct ns_session *s, const char *name)
{
	return ns_session_find_map(s, s->fams + s->nfams, name);
}

/*
 * Points the shared maps of @obj (of family @lf) at those created by earlier
 * families, and sizes the ones it will create; @probe: a throw-away load.
 */
/*
 * Shared maps that only run with one configuration flag (the latency
 * family's, --container, the agent's connection counts): every object that includes their header declares
 * them, and without that flag they are made with one entry, so commands
 * that never use them do not hold their memory.
 */
static const struct {
	const char *name;
	__u32 flag; /* enum ns_config_flag */
} conditional_maps[] = {
	{ "ns_lat_hists", NS_CFG_LATENCY },
	{ "ns_lat_groups", NS_CFG_LATENCY },
	{ "ns_conn_counts", NS_CFG_CONN_COUNTS },
	{ "ns_filter_cgroups", NS_CFG_CONTAINER_FILTER },
};

/* The size of new shared map @name: its own, or 1 if its configuration is off. */
static int size_shared_map(const struct ns_session *s, struct bpf_map *map, const char *name)
{
	for (size_t i = 0; i < sizeof(conditional_maps) / sizeof(conditional_maps[0]); i++)
		if (!strcmp(name, conditional_maps[i].name) &&
		    !(s->opts.cfg.flags & conditional_maps[i].flag))
			return bpf_map__set_max_entries(map, 1);
	return 0;
}

static int share_maps(struct ns_session *s, struct loaded_family *lf, struct bpf_object *obj,
		      bool probe)
{
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		struct bpf_map *existing;

		if (strncmp(name, NS_SHARED_PREFIX, strlen(NS_SHARED_PREFIX)))
			continue;
		existing = ns_session_find_map(s, lf, name);
		if (existing)
			err = bpf_map__reuse_fd(map, bpf_map__fd(existing));
		else if (!strcmp(name, "ns_events"))
			err = bpf_map__set_max_entries(map, probe ? NS_PROBE_RINGBUF :
								    s->opts.ringbuf_size);
		else
			err = size_shared_map(s, map, name);
		if (err) {
			ns_session_set_subject(s, "shared map '%s'", name);
			return err;
		}
	}
	return 0;
}

/* Opens and configures a fresh copy of @lf's object in its flavour. */
static int open_object(struct ns_session *s, struct loaded_family *lf, bool probe, void **skel)
{
	const struct ns_skel_ops *ops = lf->fam->skel[lf->flavour];
	int err;

	*skel = ops->open();
	if (!*skel)
		return errno ? -errno : -ENOMEM;
	ops->configure(*skel, &s->opts.cfg);
	err = share_maps(s, lf, ops->object(*skel), probe);
	if (!err && lf->fam->opened)
		err = lf->fam->opened(ops->object(*skel));
	if (err) {
		ops->destroy(*skel);
		*skel = NULL;
	}
	return err;
}

static int init_plan(struct loaded_family *lf, struct bpf_object *obj)
{
	const char *names[NS_PLAN_MAX_PROGS], *hooks[NS_PLAN_MAX_PROGS];
	bool autoload[NS_PLAN_MAX_PROGS];
	struct bpf_program *prog;
	size_t n = 0;

	bpf_object__for_each_program(prog, obj) {
		if (n == NS_PLAN_MAX_PROGS)
			return -E2BIG;
		names[n] = bpf_program__name(prog);
		hooks[n] = bpf_program__section_name(prog);
		autoload[n++] = bpf_program__autoload(prog);
	}
	return ns_progplan_init(&lf->plan, lf->fam, n, names, hooks, autoload);
}

/* Loads the programs the plan wants, or only program @only (>= 0). */
static void set_autoload(struct bpf_object *obj, const struct ns_progplan *p, int only)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		int i = ns_progplan_find(p, bpf_program__name(prog));

		bpf_program__set_autoload(prog,
					  only >= 0 ? i == only : i >= 0 && p->progs[i].wanted);
	}
}

/* Loads program @i alone in a throw-away copy of the object: 0 or the kernel's -errno. */
static int probe_alone(struct ns_session *s, struct loaded_family *lf, size_t i)
{
	const struct ns_skel_ops *ops = lf->fam->skel[lf->flavour];
	void *skel;
	int err = open_object(s, lf, true, &skel);

	if (err)
		return err;
	set_autoload(ops->object(skel), &lf->plan, i);
	err = bpf_object__load(ops->object(skel));
	ops->destroy(skel);
	return err;
}

/*
 * After a failed load: loads each wanted program alone and rejects those the
 * kernel refuses. The number rejected, or -ENOTSUP if one was required.
 */
static int reject_refused(struct ns_session *s, struct loaded_family *lf)
{
	bool wanted[NS_PLAN_MAX_PROGS];
	int rejected = 0, required = 0;

	for (size_t i = 0; i < lf->plan.n; i++)
		wanted[i] = lf->plan.progs[i].wanted;
	for (size_t i = 0; i < lf->plan.n; i++) {
		int err;

		if (!wanted[i])
			continue;
		err = probe_alone(s, lf, i);
		if (!err)
			continue;
		rejected++;
		if (ns_progplan_reject(&lf->plan, i, -err, false, NULL))
			required = -ENOTSUP;
	}
	return required ? required : rejected;
}

static int tp_args(const char *tracepoint, void *ctx)
{
	const struct btf *btf = ns_session__btf(ctx);

	return btf ? ns_btf_tracepoint_args(btf, tracepoint) : -ENOENT;
}

/* Names the required program that stops @lf, for the caller's message. */
int ns_session_required_failed(struct ns_session *s, struct loaded_family *lf)
{
	const struct ns_prog_state *st = &lf->plan.progs[lf->plan.failed];

	lf->error = st->error;
	s->refused_on_request = st->refused;
	if (st->refused)
		ns_session_set_subject(s, "'%s' (%s), which '%s' needs,", st->name, st->hook,
				       lf->fam->name);
	else
		ns_session_set_subject(s, "'%s' (%s), which '%s' needs%s%s", st->name, st->hook,
				       lf->fam->name, st->detail[0] ? ": " : "", st->detail);
	return -st->error;
}

/*
 * Loads @lf in its flavour: the programs the plan wants; when the kernel
 * refuses the object, finds which programs it refuses, leaves them out and
 * tries again. Each round rejects at least one program.
 */
static int load_family(struct ns_session *s, struct loaded_family *lf)
{
	const struct ns_skel_ops *ops = lf->fam->skel[lf->flavour];
	void *skel;
	int err;

	err = open_object(s, lf, false, &skel);
	if (!err)
		err = init_plan(lf, ops->object(skel));
	for (size_t i = 0; !err && s->opts.without_accept_owners && i < lf->plan.n; i++)
		if (lf->plan.progs[i].spec && lf->plan.progs[i].spec->accept_owner)
			ns_progplan_leave_out(&lf->plan, i);
	if (!err && ns_progplan_resolve(&lf->plan, &s->refusals, tp_args, s))
		err = ns_session_required_failed(s, lf);
	for (size_t round = 0; !err && round <= lf->plan.n; round++) {
		int rejected;

		set_autoload(ops->object(skel), &lf->plan, -1);
		err = bpf_object__load(ops->object(skel));
		if (!err) {
			lf->skel = skel;
			lf->obj = ops->object(skel);
			return 0;
		}
		ops->destroy(skel);
		skel = NULL;
		rejected = reject_refused(s, lf);
		if (rejected == -ENOTSUP)
			return ns_session_required_failed(s, lf);
		if (rejected <= 0) { /* the object itself, not a program */
			ns_session_set_subject(s, "BPF object '%s'", lf->fam->name);
			lf->error = -err;
			return err;
		}
		err = open_object(s, lf, false, &skel);
	}
	if (skel)
		ops->destroy(skel);
	if (!err)
		err = -ELOOP;
	lf->error = -err;
	return err;
}

/* Typed views need the kfunc bpf_rdonly_cast (Linux 6.2+, kernel/bpf/helpers.c). */
static enum ns_flavour choose_flavour(struct ns_session *s, struct loaded_family *lf)
{
	const struct btf *btf = ns_session__btf(s);

	lf->views_refused = ns_refused(&s->refusals, NS_HOOK_VIEWS);
	if (lf->views_refused) {
		lf->views_error = EPERM;
		snprintf(lf->views_detail, sizeof(lf->views_detail),
			 "on request (NETSIGHT_REFUSE)");
		return NS_FLAVOUR_COMPAT;
	}
	if (!btf || !ns_btf_has_func(btf, "bpf_rdonly_cast")) {
		lf->views_error = ENOENT;
		snprintf(lf->views_detail, sizeof(lf->views_detail),
			 "the kernel's BTF has no kfunc bpf_rdonly_cast (Linux 6.2+)");
		return NS_FLAVOUR_COMPAT;
	}
	return NS_FLAVOUR_VIEWS;
}

static void warn_fallbacks(struct ns_session *s, const struct loaded_family *lf)
{
	if (s->opts.quiet)
		return;
	/* The same for every family: said once. */
	if (lf->flavour == NS_FLAVOUR_COMPAT && !s->warned_views) {
		s->warned_views = true;
		ns_log(NS_LOG_WARN,
		       "typed views (%s) %s%s%s: every field is read with bpf_probe_read_kernel(), "
		       "which is slower",
		       NS_HOOK_VIEWS, lf->views_refused ? "refused on request" : "unavailable",
		       lf->views_refused ? "" : ", ",
		       lf->views_refused ? "" : ns_errno_name(lf->views_error));
	}
	for (size_t i = 0; i < lf->plan.n; i++) {
		const struct ns_prog_state *st = &lf->plan.progs[i];

		if (st->status != NS_PROG_FALLBACK || !ns_progplan_needed(&lf->plan, i))
			continue;
		if (st->refused)
			ns_log(NS_LOG_WARN, "'%s' (%s) refused on request: %s", st->name, st->hook,
			       st->spec->fallback);
		else if (st->detail[0])
			ns_log(NS_LOG_WARN, "'%s' (%s) not loaded, %s: %s", st->name, st->hook,
			       st->detail, st->spec->fallback);
		else
			ns_log(NS_LOG_WARN, "the kernel refused '%s' (%s, %s): %s", st->name,
			       st->hook, ns_errno_name(st->error), st->spec->fallback);
	}
}

int ns_session__add(struct ns_session *s, const struct ns_family *fam)
{
	struct loaded_family *lf;
	int err;

	ns_session_set_subject(s, "BPF object '%s'", fam->name);
	if (s->nfams == NS_MAX_FAMILIES)
		return -E2BIG;
	lf = &s->fams[s->nfams++];
	lf->fam = fam;
	lf->flavour = choose_flavour(s, lf);
	err = load_family(s, lf);
	/* A kernel can have the kfunc and still refuse typed views where we use them. */
	if (err && lf->flavour == NS_FLAVOUR_VIEWS && lf->plan.failed >= 0 &&
	    !lf->plan.progs[lf->plan.failed].refused &&
	    !lf->plan.progs[lf->plan.failed].detail[0]) {
		struct ns_progplan views = lf->plan;
		char subject[sizeof(s->subject)];

		memcpy(subject, s->subject, sizeof(subject));
		lf->views_error = views.progs[views.failed].error;
		snprintf(lf->views_detail, sizeof(lf->views_detail),
			 "the kernel refused '%s' with typed views",
			 views.progs[views.failed].name);
		lf->flavour = NS_FLAVOUR_COMPAT;
		lf->error = 0;
		err = load_family(s, lf);
		if (err) {
			lf->views_error = 0;
			lf->views_detail[0] = '\0';
			lf->flavour = NS_FLAVOUR_VIEWS;
			lf->plan = views;
			memcpy(s->subject, subject, sizeof(subject));
		}
	}
	if (err) {
		lf->error = lf->error ? lf->error : -err;
		return err;
	}
	ns_log(NS_LOG_DEBUG, "loaded '%s' with %s", fam->name,
	       lf->flavour == NS_FLAVOUR_VIEWS ? "typed views" : "probe reads");
	if (fam->prepare) {
		err = fam->prepare(s, lf->obj);
		if (err) {
			ns_session_set_subject(s, "BPF object '%s'", fam->name);
			lf->error = -err;
			ns_session_unload(lf);
			return err;
		}
	}
	warn_fallbacks(s, lf);
	return 0;
}

int ns_family_list_programs(const struct ns_family *fam,
			    void (*fn)(const char *name, const char *hook, void *ctx), void *ctx)
{
	const struct ns_skel_ops *ops = fam->skel[NS_FLAVOUR_VIEWS];
	struct bpf_program *prog;
	void *skel = ops->open();

	if (!skel)
		return errno ? -errno : -ENOMEM;
	bpf_object__for_each_program(prog, ops->object(skel))
		fn(bpf_program__name(prog), bpf_program__section_name(prog), ctx);
	ops->destroy(skel);
	return 0;
}
