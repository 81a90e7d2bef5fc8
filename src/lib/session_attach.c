// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attaching a session's families: iterators are created and kept, on-demand
 * programs test-run once, then tracing programs attached; what the kernel
 * refuses here degrades like a refused load. Also the start-up walk and the
 * running of iterators and on-demand programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/errnames.h"
#include "lib/iter.h"
#include "lib/log.h"
#include "lib/netns.h"
#include "lib/objvar.h"
#include "lib/session_impl.h"
#include "lib/system.h"
#include "lib/units.h"

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
			ns_session_set_subject(s, "variable 'ns_fallbacks' of '%s'", lf->fam->name);
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
		return ns_session_required_failed(s, lf);
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

	if (strncmp(bpf_program__section_name(prog), "cgroup/", 7) &&
	    strncmp(bpf_program__section_name(prog), "cgroup_skb/", 11))
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

bool ns_session_is_on_demand(const char *sec)
{
	return !strcmp(sec, "raw_tp") || !strcmp(sec, "raw_tracepoint");
}

bool ns_session_is_device(const char *sec)
{
	return !strcmp(sec, "tc") || !strncmp(sec, "tc/", 3) || !strcmp(sec, "xdp") ||
	       !strncmp(sec, "xdp/", 4);
}

bool ns_session_is_iterator(const char *sec)
{
	return !strncmp(sec, "iter/", 5) || !strncmp(sec, "iter.s/", 7);
}

int ns_session_test_run(struct bpf_program *prog)
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

		if (!st->wanted ||
		    (!ns_session_is_iterator(st->hook) && !ns_session_is_on_demand(st->hook)))
			continue;
		prog = bpf_object__find_program_by_name(lf->obj, st->name);
		if (ns_session_is_on_demand(st->hook)) {
			err = ns_session_test_run(prog);
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

		/* Programs of a device are attached by their family, to the devices asked for. */
		if (!st->wanted || ns_session_is_iterator(st->hook) ||
		    ns_session_is_on_demand(st->hook) || ns_session_is_device(st->hook))
			continue;
		if (s->nlinks == NS_MAX_LINKS) {
			ns_session_set_subject(s, "'%s'", st->name);
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
	ns_session_unload(lf);
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
		ns_session_set_subject(s, "map 'ns_events'");
		return -ENOENT;
	}
	s->rb = ring_buffer__new(bpf_map__fd(events), handle_event, s, NULL);
	if (!s->rb) {
		ns_session_set_subject(s, "map 'ns_events'");
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

	s->netns_walked++;
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

	if (!lf || !ns_session_is_on_demand(lf->plan.progs[i].hook))
		return -ENOENT;
	return ns_session_test_run(bpf_object__find_program_by_name(lf->obj, prog));
}

size_t ns_session__netns_count(const struct ns_session *s)
{
	return s->netns_walked;
}

int ns_session_startup_walk(struct ns_session *s)
{
	int err = 0;

	if (walk_needed(s)) {
		err = ns_for_each_netns(walk_netns, s);
		if (err)
			ns_session_set_subject(s, "start-up socket walk");
	}
	drop_startup_iterators(s);
	return err;
}
