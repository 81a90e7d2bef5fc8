// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading, attaching and reading families. Invariants: families are loaded in
 * the order added; a shared map ("ns_" prefix) is created by the first family
 * that declares it and reused by the rest; every link and object is released
 * by ns_session__free(), whatever state the session is in.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/iter.h"
#include "lib/log.h"
#include "lib/netns.h"
#include "lib/session.h"
#include "lib/snapshot.h"
#include "lib/system.h"
#include "lib/units.h"

#define NS_MAX_FAMILIES 8
#define NS_MAX_LINKS 64
#define NS_SHARED_PREFIX "ns_"

struct loaded_family {
	const struct ns_family *fam;
	void *skel;
	struct bpf_object *obj;
};

struct ns_session {
	struct ns_session_opts opts;
	struct loaded_family fams[NS_MAX_FAMILIES];
	size_t nfams;
	struct bpf_link *links[NS_MAX_LINKS];
	size_t nlinks;
	struct ring_buffer *rb;
	struct ns_decode_ctx dctx;
	uint64_t records;
	uint64_t malformed;
	char subject[128];
};

static void set_subject(struct ns_session *s, const char *what)
{
	snprintf(s->subject, sizeof(s->subject), "%s", what);
}

struct ns_session *ns_session__new(const struct ns_session_opts *opts)
{
	struct ns_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->opts = *opts;
	s->dctx.boot_to_epoch_ns = ns_boot_to_epoch_offset();
	return s;
}

void ns_session__free(struct ns_session *s)
{
	if (!s)
		return;
	ring_buffer__free(s->rb);
	for (size_t i = 0; i < s->nlinks; i++)
		bpf_link__destroy(s->links[i]);
	for (size_t i = s->nfams; i > 0; i--)
		s->fams[i - 1].fam->destroy(s->fams[i - 1].skel);
	free(s);
}

/* The map @name in the first of the first @nfams families that has it. */
static struct bpf_map *find_map(const struct ns_session *s, size_t nfams, const char *name)
{
	for (size_t i = 0; i < nfams; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(s->fams[i].obj, name);

		if (map)
			return map;
	}
	return NULL;
}

struct bpf_map *ns_session__map(const struct ns_session *s, const char *name)
{
	return find_map(s, s->nfams, name);
}

/*
 * Points the shared maps of the family being added (the last one) at those
 * created by earlier families, and sizes the ones it will create.
 */
static int share_maps(struct ns_session *s, struct bpf_object *obj)
{
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		struct bpf_map *existing;

		if (strncmp(name, NS_SHARED_PREFIX, strlen(NS_SHARED_PREFIX)))
			continue;
		existing = find_map(s, s->nfams - 1, name);
		if (existing) {
			err = bpf_map__reuse_fd(map, bpf_map__fd(existing));
		} else if (!strcmp(name, "ns_events")) {
			err = bpf_map__set_max_entries(map, s->opts.ringbuf_size);
		} else {
			continue;
		}
		if (err) {
			set_subject(s, name);
			return err;
		}
	}
	return 0;
}

int ns_session__add(struct ns_session *s, const struct ns_family *fam)
{
	struct loaded_family *lf;
	int err;

	set_subject(s, fam->name);
	if (s->nfams == NS_MAX_FAMILIES)
		return -E2BIG;
	lf = &s->fams[s->nfams];
	lf->fam = fam;
	lf->skel = fam->open();
	if (!lf->skel)
		return errno ? -errno : -ENOMEM;
	lf->obj = fam->object(lf->skel);
	s->nfams++;
	fam->configure(lf->skel, &s->opts.cfg);
	err = share_maps(s, lf->obj);
	if (err)
		return err;
	err = bpf_object__load(lf->obj);
	if (!err && fam->prepare)
		err = fam->prepare(s, lf->skel);
	if (err) {
		set_subject(s, fam->name);
		return err;
	}
	return 0;
}

static const struct ns_optional_prog *find_optional(const struct ns_family *fam, const char *prog)
{
	for (const struct ns_optional_prog *o = fam->optional; o && o->name; o++)
		if (!strcmp(o->name, prog))
			return o;
	return NULL;
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

static int attach_family(struct ns_session *s, struct loaded_family *lf)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, lf->obj) {
		const char *name = bpf_program__name(prog);
		const struct ns_optional_prog *opt;
		struct bpf_link *link;
		int err;

		if (!bpf_program__autoload(prog) ||
		    !strncmp(bpf_program__section_name(prog), "iter/", 5))
			continue; /* not loaded, or run on demand */
		if (s->nlinks == NS_MAX_LINKS) {
			set_subject(s, name);
			return -E2BIG;
		}
		link = attach_program(prog);
		if (link) {
			s->links[s->nlinks++] = link;
			continue;
		}
		err = -errno;
		opt = find_optional(lf->fam, name);
		if (!opt) {
			set_subject(s, name);
			return err;
		}
		ns_log(NS_LOG_WARN, "could not attach '%s' (%s): %s", name, strerror(-err),
		       opt->impact);
	}
	return 0;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct ns_session *s = ctx;
	const struct ns_event_hdr *hdr = data;
	struct ns_record rec;

	if (size < sizeof(*hdr)) {
		s->malformed++;
		return 0;
	}
	for (size_t i = 0; i < s->nfams; i++) {
		const struct ns_family *fam = s->fams[i].fam;

		if (!fam->decode || fam->event_type != hdr->type)
			continue;
		if (size < fam->event_size || fam->decode(data, size, &s->dctx, &rec)) {
			s->malformed++;
			return 0;
		}
		s->records++;
		s->opts.on_record(&rec, fam, s->opts.ctx);
		return 0;
	}
	s->malformed++;
	return 0;
}

int ns_session__attach(struct ns_session *s)
{
	struct bpf_map *events;
	int err;

	for (size_t i = 0; i < s->nfams; i++) {
		err = attach_family(s, &s->fams[i]);
		if (err)
			return err;
	}
	s->dctx.start_boot_ns = ns_boot_now();
	if (!s->opts.on_record)
		return 0;
	events = ns_session__map(s, "ns_events");
	if (!events) {
		set_subject(s, "ns_events");
		return -ENOENT;
	}
	s->rb = ring_buffer__new(bpf_map__fd(events), handle_event, s, NULL);
	if (!s->rb) {
		set_subject(s, "ns_events");
		return -errno;
	}
	return 0;
}

struct walk {
	struct bpf_link *links[NS_MAX_FAMILIES];
	size_t nlinks;
};

/* Runs every start-up iterator in the current network namespace. */
static int walk_netns(__u64 netns_ino, void *ctx)
{
	struct walk *w = ctx;
	int err = 0;

	for (size_t i = 0; !err && i < w->nlinks; i++) {
		err = ns_iter_run(w->links[i]);
		if (err)
			ns_log(NS_LOG_WARN, "reading sockets of network namespace %llu: %s",
			       (unsigned long long)netns_ino, strerror(-err));
	}
	return err;
}

/* Socket iterators: the start-up walk runs them in every network namespace. */
static bool is_startup_iterator(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);

	return bpf_program__autoload(prog) &&
	       (!strcmp(sec, "iter/tcp") || !strcmp(sec, "iter/udp"));
}

/* Each family's socket iterators, run once in every network namespace. */
static int startup_walk(struct ns_session *s)
{
	struct walk w = { .nlinks = 0 };
	int err = 0;

	for (size_t i = 0; !err && i < s->nfams; i++) {
		struct bpf_program *prog;

		bpf_object__for_each_program(prog, s->fams[i].obj) {
			if (!is_startup_iterator(prog))
				continue;
			w.links[w.nlinks] = bpf_program__attach_iter(prog, NULL);
			if (!w.links[w.nlinks]) {
				err = -errno;
				set_subject(s, bpf_program__name(prog));
				break;
			}
			if (++w.nlinks == NS_MAX_FAMILIES)
				break;
		}
	}
	if (!err && w.nlinks) {
		err = ns_for_each_netns(walk_netns, &w);
		if (err)
			set_subject(s, "start-up socket walk");
	}
	for (size_t i = 0; i < w.nlinks; i++)
		bpf_link__destroy(w.links[i]);
	return err;
}

typedef int (*hook_fn)(struct ns_session *s, void *skel);

/*
 * Calls the hook at @offset in each family that has one. Stops at the first
 * error, or with @all calls every hook and returns the first error.
 */
static int run_hooks(struct ns_session *s, size_t offset, bool all)
{
	int err = 0;

	for (size_t i = 0; i < s->nfams; i++) {
		const struct ns_family *fam = s->fams[i].fam;
		hook_fn fn = *(const hook_fn *)((const char *)fam + offset);
		int ret;

		if (!fn)
			continue;
		ret = fn(s, s->fams[i].skel);
		if (ret && !err) {
			set_subject(s, fam->name);
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

	return err ? err : startup_walk(s);
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
	for (size_t i = 0; i < s->nfams; i++) {
		const struct ns_family *fam = s->fams[i].fam;
		int err;

		if (!fam->summarize)
			continue;
		err = fam->summarize(s, s->fams[i].skel, since_start, emit, ctx);
		if (err) {
			set_subject(s, fam->name);
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

struct bpf_object *ns_session__object(const struct ns_session *s, const char *family)
{
	for (size_t i = 0; i < s->nfams; i++)
		if (!strcmp(s->fams[i].fam->name, family))
			return s->fams[i].obj;
	return NULL;
}

const char *ns_session__subject(const struct ns_session *s)
{
	return s->subject;
}
