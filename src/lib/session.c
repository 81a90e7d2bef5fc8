// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading, attaching and reading families. Invariants: families are loaded in
 * the order added; a shared map ("ns_" prefix) is created by the first family
 * that declares it and reused by the rest; a family's programs are those its
 * plan wants, and every program not loaded or not attached is accounted for
 * in the plan; every link and object is released by ns_session__free(),
 * whatever state the session is in.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "lib/btf_query.h"
#include "lib/errnames.h"
#include "lib/iter.h"
#include "lib/log.h"
#include "lib/netns.h"
#include "lib/objvar.h"
#include "lib/session.h"
#include "lib/snapshot.h"
#include "lib/system.h"
#include "lib/units.h"

#define NS_MAX_FAMILIES 8
#define NS_MAX_LINKS 64
#define NS_SHARED_PREFIX "ns_"
/* The smallest ring buffer: a page. Used where an object is loaded only to test it. */
#define NS_PROBE_RINGBUF 4096

struct loaded_family {
	const struct ns_family *fam;
	enum ns_flavour flavour;
	bool views_refused;
	int views_error;
	char views_detail[NS_PLAN_DETAIL_LEN];
	void *skel; /* NULL if the family could not be loaded */
	struct bpf_object *obj;
	int error; /* positive errno when not loaded */
	struct ns_progplan plan;
	/* Iterators, by plan index: created at attach, run on demand. */
	struct bpf_link *iters[NS_PLAN_MAX_PROGS];
};

struct ns_session {
	struct ns_session_opts opts;
	struct ns_refusals refusals;
	struct btf *btf;
	struct loaded_family fams[NS_MAX_FAMILIES];
	size_t nfams;
	struct bpf_link *links[NS_MAX_LINKS];
	const struct loaded_family *link_owner[NS_MAX_LINKS];
	size_t nlinks;
	__u32 fallbacks;
	struct ring_buffer *rb;
	struct ns_decode_ctx dctx;
	uint64_t records;
	uint64_t malformed;
	bool warned_views;
	bool refused_on_request; /* the last failure was a refusal on request */
	char subject[256];
};

static void set_subject(struct ns_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_subject(struct ns_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->subject, sizeof(s->subject), fmt, ap);
	va_end(ap);
}

struct ns_session *ns_session__new(const struct ns_session_opts *opts)
{
	struct ns_session *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return NULL;
	s->opts = *opts;
	err = ns_refusals_parse(opts->refuse, &s->refusals);
	if (err) {
		free(s);
		errno = -err;
		return NULL;
	}
	s->dctx.boot_to_epoch_ns = ns_boot_to_epoch_offset();
	return s;
}

static void family_unload(struct loaded_family *lf)
{
	for (size_t i = 0; i < NS_PLAN_MAX_PROGS; i++) {
		bpf_link__destroy(lf->iters[i]);
		lf->iters[i] = NULL;
	}
	if (lf->skel)
		lf->fam->skel[lf->flavour]->destroy(lf->skel);
	lf->skel = NULL;
	lf->obj = NULL;
}

void ns_session__free(struct ns_session *s)
{
	if (!s)
		return;
	ring_buffer__free(s->rb);
	for (size_t i = 0; i < s->nlinks; i++)
		bpf_link__destroy(s->links[i]);
	for (size_t i = s->nfams; i > 0; i--) {
		family_unload(&s->fams[i - 1]);
		if (s->fams[i - 1].fam->release)
			s->fams[i - 1].fam->release();
	}
	btf__free(s->btf);
	free(s);
}

const struct btf *ns_session__btf(struct ns_session *s)
{
	if (!s->btf)
		s->btf = btf__load_vmlinux_btf();
	return s->btf;
}

#define for_each_loaded(s, lf)                                                        \
	for (struct loaded_family *lf = (s)->fams; lf < (s)->fams + (s)->nfams; lf++) \
		if (lf->obj)

/* The map @name in the first loaded family, before @upto, that has it. */
static struct bpf_map *find_map(const struct ns_session *s, const struct loaded_family *upto,
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
	return find_map(s, s->fams + s->nfams, name);
}

/*
 * Points the shared maps of @obj (of family @lf) at those created by earlier
 * families, and sizes the ones it will create; @probe: a throw-away load.
 */
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
		existing = find_map(s, lf, name);
		if (existing)
			err = bpf_map__reuse_fd(map, bpf_map__fd(existing));
		else if (!strcmp(name, "ns_events"))
			err = bpf_map__set_max_entries(map, probe ? NS_PROBE_RINGBUF :
								    s->opts.ringbuf_size);
		else
			continue;
		if (err) {
			set_subject(s, "shared map '%s'", name);
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
static int required_failed(struct ns_session *s, struct loaded_family *lf)
{
	const struct ns_prog_state *st = &lf->plan.progs[lf->plan.failed];

	lf->error = st->error;
	s->refused_on_request = st->refused;
	if (st->refused)
		set_subject(s, "'%s' (%s), which '%s' needs,", st->name, st->hook, lf->fam->name);
	else
		set_subject(s, "'%s' (%s), which '%s' needs%s%s", st->name, st->hook, lf->fam->name,
			    st->detail[0] ? ": " : "", st->detail);
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
	if (!err && ns_progplan_resolve(&lf->plan, &s->refusals, tp_args, s))
		err = required_failed(s, lf);
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
			return required_failed(s, lf);
		if (rejected <= 0) { /* the object itself, not a program */
			set_subject(s, "BPF object '%s'", lf->fam->name);
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

	set_subject(s, "BPF object '%s'", fam->name);
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
			set_subject(s, "BPF object '%s'", fam->name);
			lf->error = -err;
			family_unload(lf);
			return err;
		}
	}
	warn_fallbacks(s, lf);
	return 0;
}

/* Writes the fallbacks in effect into every loaded object. */
static int apply_fallbacks(struct ns_session *s)
{
	s->fallbacks = 0;
	for_each_loaded(s, lf) s->fallbacks |= ns_progplan_fallbacks(&lf->plan);
	for_each_loaded(s, lf)
	{
		int err = ns_object_var_set(lf->obj, "ns_fallbacks", &s->fallbacks,
					    sizeof(s->fallbacks));

		if (err) {
			set_subject(s, "variable 'ns_fallbacks' of '%s'", lf->fam->name);
			return err;
		}
	}
	return 0;
}

/* Program @i of @lf failed to attach (or to run) with -@err: degrade or fail. */
static int attach_failed(struct ns_session *s, struct loaded_family *lf, size_t i, int err)
{
	struct ns_prog_state *st = &lf->plan.progs[i];

	if (ns_progplan_reject(&lf->plan, i, -err, false, "at attach"))
		return required_failed(s, lf);
	if (!s->opts.quiet && ns_progplan_needed(&lf->plan, i))
		ns_log(NS_LOG_WARN, "the kernel refused to attach '%s' (%s, %s): %s", st->name,
		       st->hook, ns_errno_name(-err), st->spec->fallback);
	return 0;
}

/* cgroup programs go on the cgroup v2 root, so they see every process. */
static struct bpf_link *attach_program(struct bpf_program *prog)
{
	char root[PATH_MAX];
	struct bpf_link *link;
	int fd, err;

	if (strncmp(bpf_program__section_name(prog), "cgroup/", 7))
		return bpf_program__attach(prog);
	err = ns_cgroup2_root(root, sizeof(root));
	if (err) {
		errno = -err;
		return NULL;
	}
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	link = bpf_program__attach_cgroup(prog, fd);
	err = errno;
	close(fd);
	errno = err;
	return link;
}

static bool is_on_demand(const char *sec)
{
	return !strcmp(sec, "raw_tp") || !strcmp(sec, "raw_tracepoint");
}

static bool is_iterator(const char *sec)
{
	return !strncmp(sec, "iter/", 5) || !strncmp(sec, "iter.s/", 7);
}

static int test_run(struct bpf_program *prog)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	return bpf_prog_test_run_opts(bpf_program__fd(prog), &opts) ? -errno : 0;
}

/* Iterators are created and kept; on-demand programs are run once to see that they can be. */
static int prepare_on_demand(struct ns_session *s, struct loaded_family *lf)
{
	for (size_t i = 0; i < lf->plan.n; i++) {
		struct ns_prog_state *st = &lf->plan.progs[i];
		struct bpf_program *prog;
		int err;

		if (!st->wanted || (!is_iterator(st->hook) && !is_on_demand(st->hook)))
			continue;
		prog = bpf_object__find_program_by_name(lf->obj, st->name);
		if (is_on_demand(st->hook)) {
			err = test_run(prog);
		} else if (st->spec && st->spec->iter_map) {
			lf->iters[i] = ns_iter_attach_map(
				prog, bpf_object__find_map_by_name(lf->obj, st->spec->iter_map));
			err = lf->iters[i] ? 0 : -errno;
		} else {
			lf->iters[i] = bpf_program__attach_iter(prog, NULL);
			err = lf->iters[i] ? 0 : -errno;
		}
		if (err && (err = attach_failed(s, lf, i, err)))
			return err;
	}
	return 0;
}

static int attach_tracing(struct ns_session *s, struct loaded_family *lf)
{
	for (size_t i = 0; i < lf->plan.n; i++) {
		struct ns_prog_state *st = &lf->plan.progs[i];
		struct bpf_link *link;
		int err;

		if (!st->wanted || is_iterator(st->hook) || is_on_demand(st->hook))
			continue;
		if (s->nlinks == NS_MAX_LINKS) {
			set_subject(s, "'%s'", st->name);
			return -E2BIG;
		}
		link = attach_program(bpf_object__find_program_by_name(lf->obj, st->name));
		if (link) {
			s->link_owner[s->nlinks] = lf;
			s->links[s->nlinks++] = link;
			continue;
		}
		err = attach_failed(s, lf, i, -errno);
		if (err)
			return err;
	}
	return 0;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	ns_session__deliver(ctx, data, size);
	return 0;
}

void ns_session__deliver(struct ns_session *s, const void *data, size_t size)
{
	const struct ns_event_hdr *hdr = data;
	struct ns_record rec;

	if (size < sizeof(*hdr)) {
		s->malformed++;
		return;
	}
	for_each_loaded(s, lf)
	{
		const struct ns_family *fam = lf->fam;

		if (!fam->decode || fam->event_type != hdr->type)
			continue;
		if (size < fam->event_size || fam->decode(data, size, &s->dctx, &rec)) {
			s->malformed++;
			return;
		}
		s->records++;
		if (s->opts.on_record)
			s->opts.on_record(&rec, fam, s->opts.ctx);
		return;
	}
	s->malformed++;
}

/*
 * With opts.keep_going, a family whose attach failed with @err is unloaded
 * and 0 returned (the first such error kept in @first); else @err.
 */
static int keep_going(struct ns_session *s, struct loaded_family *lf, int err, int *first)
{
	size_t kept = 0;

	if (!err || !s->opts.keep_going)
		return err;
	if (!*first)
		*first = err;
	lf->error = -err;
	for (size_t i = 0; i < s->nlinks; i++) {
		if (s->link_owner[i] == lf) {
			bpf_link__destroy(s->links[i]);
			continue;
		}
		s->link_owner[kept] = s->link_owner[i];
		s->links[kept++] = s->links[i];
	}
	s->nlinks = kept;
	family_unload(lf);
	return 0;
}

/* Runs @phase for every loaded family, then writes the fallbacks it switched on. */
static int attach_phase(struct ns_session *s,
			int (*phase)(struct ns_session *s, struct loaded_family *lf), int *first)
{
	for_each_loaded(s, lf)
	{
		int err = keep_going(s, lf, phase(s, lf), first);

		if (err)
			return err;
	}
	return apply_fallbacks(s);
}

int ns_session__attach(struct ns_session *s)
{
	struct bpf_map *events;
	int err, first = 0;

	/* Fallbacks must be in place before the first traced event. */
	err = attach_phase(s, prepare_on_demand, &first);
	if (!err)
		err = attach_phase(s, attach_tracing, &first);
	if (err)
		return err;
	s->dctx.start_boot_ns = ns_boot_now();
	if (!s->opts.on_record)
		return first;
	events = ns_session__map(s, "ns_events");
	if (!events) {
		set_subject(s, "map 'ns_events'");
		return -ENOENT;
	}
	s->rb = ring_buffer__new(bpf_map__fd(events), handle_event, s, NULL);
	if (!s->rb) {
		set_subject(s, "map 'ns_events'");
		return -errno;
	}
	return 0;
}

/* Socket iterators: the start-up walk runs them in every network namespace. */
static bool is_startup_iterator(const char *sec)
{
	return !strcmp(sec, "iter/tcp") || !strcmp(sec, "iter/udp");
}

/* Runs every start-up iterator and netns() hook in the current network namespace. */
static int walk_netns(__u64 netns_ino, void *ctx)
{
	struct ns_session *s = ctx;
	int err = 0;

	for_each_loaded(s, lf)
	{
		for (size_t i = 0; !err && i < lf->plan.n; i++) {
			if (!lf->iters[i] || !is_startup_iterator(lf->plan.progs[i].hook))
				continue;
			err = ns_iter_run(lf->iters[i]);
			if (err)
				ns_log(NS_LOG_WARN, "reading sockets of network namespace %llu: %s",
				       (unsigned long long)netns_ino, strerror(-err));
		}
		if (!err && lf->fam->netns)
			err = lf->fam->netns(s, lf->obj, netns_ino);
		if (err)
			break;
	}
	return err;
}

static bool walk_needed(struct ns_session *s)
{
	for_each_loaded(s, lf)
	{
		if (lf->fam->netns)
			return true;
		for (size_t i = 0; i < lf->plan.n; i++)
			if (lf->iters[i] && is_startup_iterator(lf->plan.progs[i].hook))
				return true;
	}
	return false;
}

static void drop_startup_iterators(struct ns_session *s)
{
	for_each_loaded(s, lf)
	{
		for (size_t i = 0; i < lf->plan.n; i++) {
			if (!lf->iters[i] || !is_startup_iterator(lf->plan.progs[i].hook))
				continue;
			bpf_link__destroy(lf->iters[i]);
			lf->iters[i] = NULL;
		}
	}
}

typedef int (*hook_fn)(struct ns_session *s, struct bpf_object *obj);

/*
 * Calls the hook at @offset in each loaded family that has one. Stops at the
 * first error, or with @all calls every hook and returns the first error.
 */
static int run_hooks(struct ns_session *s, size_t offset, bool all)
{
	int err = 0;

	for_each_loaded(s, lf)
	{
		hook_fn fn = *(const hook_fn *)((const char *)lf->fam + offset);
		int ret;

		if (!fn)
			continue;
		ret = fn(s, lf->obj);
		if (ret && !err) {
			set_subject(s, "'%s'", lf->fam->name);
			err = ret;
		}
		if (err && !all)
			break;
	}
	return err;
}

int ns_session__start(struct ns_session *s)
{
	int err = run_hooks(s, offsetof(struct ns_family, started), false);

	if (!err && walk_needed(s)) {
		err = ns_for_each_netns(walk_netns, s);
		if (err)
			set_subject(s, "start-up socket walk");
	}
	drop_startup_iterators(s);
	return err;
}

void ns_session__stop(struct ns_session *s)
{
	for (size_t i = 0; i < s->nlinks; i++)
		bpf_link__destroy(s->links[i]);
	s->nlinks = 0;
}

int ns_session__finish(struct ns_session *s)
{
	return run_hooks(s, offsetof(struct ns_family, finish), true);
}

int ns_session__tick(struct ns_session *s)
{
	return run_hooks(s, offsetof(struct ns_family, tick), false);
}

int ns_session__summarize(struct ns_session *s, bool since_start, ns_record_fn emit, void *ctx)
{
	for_each_loaded(s, lf)
	{
		int err;

		if (!lf->fam->summarize)
			continue;
		err = lf->fam->summarize(s, lf->obj, since_start, emit, ctx);
		if (err) {
			set_subject(s, "'%s'", lf->fam->name);
			return err;
		}
	}
	return 0;
}

const struct ns_decode_ctx *ns_session__decode_ctx(const struct ns_session *s)
{
	return &s->dctx;
}

int ns_session__poll(struct ns_session *s, int timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };
	int n;

	if (!s->rb) /* no events wanted: just wait */
		return nanosleep(&ts, NULL) ? -errno : 0;
	n = ring_buffer__poll(s->rb, timeout_ms);
	return n < 0 ? n : 0;
}

int ns_session__drain(struct ns_session *s)
{
	int n = s->rb ? ring_buffer__consume(s->rb) : 0;

	return n < 0 ? n : 0;
}

int ns_session__stats(struct ns_session *s, struct ns_session_stats *out)
{
	struct bpf_map *errors = ns_session__map(s, "ns_errors");
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->records = s->records;
	out->malformed = s->malformed;
	for (__u32 key = 0; errors && !err && key < NS_ERR_MAX; key++)
		err = ns_map_percpu_sum(bpf_map__fd(errors), &key, &out->kernel[key]);
	return err;
}

__u64 ns_session__now_epoch(const struct ns_session *s)
{
	return ns_boot_now() + s->dctx.boot_to_epoch_ns;
}

const struct ns_config *ns_session__config(const struct ns_session *s)
{
	return &s->opts.cfg;
}

__u32 ns_session__fallbacks(const struct ns_session *s)
{
	return s->fallbacks;
}

struct bpf_object *ns_session__object(const struct ns_session *s, const char *family)
{
	for (size_t i = 0; i < s->nfams; i++)
		if (!strcmp(s->fams[i].fam->name, family))
			return s->fams[i].obj;
	return NULL;
}

/* The loaded family with program @prog wanted, and its index there. */
static struct loaded_family *find_prog(const struct ns_session *s, const char *prog, int *idx)
{
	for (size_t f = 0; f < s->nfams; f++) {
		struct loaded_family *lf = (struct loaded_family *)&s->fams[f];
		int i;

		if (!lf->obj)
			continue;
		i = ns_progplan_find(&lf->plan, prog);
		if (i >= 0 && lf->plan.progs[i].wanted) {
			*idx = i;
			return lf;
		}
	}
	return NULL;
}

bool ns_session__usable(const struct ns_session *s, const char *prog)
{
	int i;

	return find_prog(s, prog, &i) != NULL;
}

int ns_session__run_iter(struct ns_session *s, const char *prog)
{
	int i;
	struct loaded_family *lf = find_prog(s, prog, &i);

	if (!lf || !lf->iters[i])
		return -ENOENT;
	return ns_iter_run(lf->iters[i]);
}

int ns_session__run_prog(struct ns_session *s, const char *prog)
{
	int i;
	struct loaded_family *lf = find_prog(s, prog, &i);

	if (!lf || !is_on_demand(lf->plan.progs[i].hook))
		return -ENOENT;
	return test_run(bpf_object__find_program_by_name(lf->obj, prog));
}

int ns_session__for_each_family(const struct ns_session *s,
				int (*fn)(const struct ns_family_report *r, void *ctx), void *ctx)
{
	for (size_t i = 0; i < s->nfams; i++) {
		const struct loaded_family *lf = &s->fams[i];
		struct ns_family_report r = {
			.name = lf->fam->name,
			.loaded = lf->obj != NULL,
			.error = lf->error,
			.flavour = lf->flavour,
			.views_refused = lf->views_refused,
			.views_error = lf->views_error,
			.views_detail = lf->views_detail,
			.plan = &lf->plan,
		};
		int err = fn(&r, ctx);

		if (err)
			return err;
	}
	return 0;
}

const char *ns_session__subject(const struct ns_session *s)
{
	return s->subject;
}

bool ns_session__refused_on_request(const struct ns_session *s)
{
	return s->refused_on_request;
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
