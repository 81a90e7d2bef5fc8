// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading, attaching and reading families. Invariants: families are loaded in
 * the order added; a shared map ("ns_" prefix) is created by the first family
 * that declares it and reused by the rest; every link and object is released
 * by ns_session__free(), whatever state the session is in.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/log.h"
#include "lib/session.h"
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

static int attach_family(struct ns_session *s, struct loaded_family *lf)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, lf->obj) {
		const char *name = bpf_program__name(prog);
		const struct ns_optional_prog *opt;
		struct bpf_link *link;
		int err;

		if (!strncmp(bpf_program__section_name(prog), "iter/", 5))
			continue; /* run on demand by the family */
		if (s->nlinks == NS_MAX_LINKS) {
			set_subject(s, name);
			return -E2BIG;
		}
		link = bpf_program__attach(prog);
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

int ns_session__start(struct ns_session *s)
{
	for (size_t i = 0; i < s->nfams; i++) {
		const struct ns_family *fam = s->fams[i].fam;
		int err;

		if (!fam->started)
			continue;
		err = fam->started(s, s->fams[i].skel);
		if (err) {
			set_subject(s, fam->name);
			return err;
		}
	}
	return 0;
}

int ns_session__poll(struct ns_session *s, int timeout_ms)
{
	int n = ring_buffer__poll(s->rb, timeout_ms);

	return n < 0 ? n : 0;
}

int ns_session__drain(struct ns_session *s)
{
	int n = ring_buffer__consume(s->rb);

	return n < 0 ? n : 0;
}

int ns_session__stats(struct ns_session *s, struct ns_session_stats *out)
{
	struct bpf_map *errors = ns_session__map(s, "ns_errors");
	int ncpus = libbpf_num_possible_cpus();
	__u64 *percpu;

	memset(out, 0, sizeof(*out));
	out->records = s->records;
	out->malformed = s->malformed;
	if (!errors)
		return 0;
	if (ncpus < 0)
		return ncpus;
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (__u32 key = 0; key < NS_ERR_MAX; key++) {
		if (bpf_map_lookup_elem(bpf_map__fd(errors), &key, percpu))
			continue;
		for (int cpu = 0; cpu < ncpus; cpu++)
			out->kernel[key] += percpu[cpu];
	}
	free(percpu);
	return 0;
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
