// SPDX-License-Identifier: GPL-2.0-only
/*
 * A session's life, its events and its families' hooks; loading is in
 * session_load.c, attaching in session_attach.c. Invariants: families are
 * loaded in the order added; a shared map ("ns_" prefix) is created by the
 * first family that declares it and reused by the rest; a family's programs
 * are those its plan wants, and every program not loaded or not attached is
 * accounted for in the plan; every link and object is released by
 * ns_session__free(), whatever state the session is in.
 */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "lib/log.h"
#include "lib/session_impl.h"
#include "lib/snapshot.h"
#include "lib/units.h"

void ns_session_set_subject(struct ns_session *s, const char *fmt, ...)
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

void ns_session_unload(struct loaded_family *lf)
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
		ns_session_unload(&s->fams[i - 1]);
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

void ns_session__deliver(struct ns_session *s, const void *data, size_t size)
{
	const struct ns_event_hdr *hdr = data;
	struct ns_record rec;
	int err;

	if (size < sizeof(*hdr)) {
		s->malformed++;
		return;
	}
	for_each_loaded(s, lf)
	{
		const struct ns_family *fam = lf->fam;

		if (!fam->decode || fam->event_type != hdr->type)
			continue;
		err = size < fam->event_size ? -EINVAL : fam->decode(data, size, &s->dctx, &rec);
		if (err == NS_DECODE_KEPT)
			return;
		if (err) {
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

void ns_session__emit(struct ns_session *s, const struct ns_record *rec,
		      const struct ns_family *fam)
{
	s->records++;
	if (s->opts.on_record)
		s->opts.on_record(rec, fam, s->opts.ctx);
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
			ns_session_set_subject(s, "'%s'", lf->fam->name);
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

	if (!err)
		err = ns_session_startup_walk(s);
	/*
	 * The kernel's BTF (several MiB) is needed only to load and start; give
	 * that and what loading left free back to the system.
	 */
	btf__free(s->btf);
	s->btf = NULL;
	malloc_trim(0);
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
			ns_session_set_subject(s, "'%s'", lf->fam->name);
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

/*
 * Runs the kernel skipped: a program is not run again on a CPU where it is
 * already running (kernel/trace/bpf_trace.c, __bpf_trace_run(): an interrupt
 * during a run whose softirq hits the same tracepoint), and counts it in the
 * program's recursion_misses (Linux 5.12+).
 */
static void add_nested_runs(const struct ns_session *s, struct ns_session_stats *out)
{
	__u64 most = 0;

	for (size_t i = 0; i < s->nfams; i++) {
		bool owner = !strcmp(s->fams[i].fam->name, "owner");
		struct bpf_program *prog;

		if (!s->fams[i].obj)
			continue;
		bpf_object__for_each_program(prog, s->fams[i].obj) {
			struct bpf_prog_info info;
			__u32 len = sizeof(info);
			int fd = bpf_program__fd(prog);

			memset(&info, 0, sizeof(info));
			if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
				continue;
			out->kernel[owner ? NS_ERR_NESTED_OWNERS : NS_ERR_NESTED_EVENTS] +=
				info.recursion_misses;
			if (!owner && info.recursion_misses > most) {
				most = info.recursion_misses;
				snprintf(out->nested_prog, sizeof(out->nested_prog), "%s",
					 bpf_program__name(prog));
			}
		}
	}
}

int ns_session__stats(struct ns_session *s, struct ns_session_stats *out)
{
	struct bpf_map *errors = ns_session__map(s, "ns_errors");
	struct bpf_map *first = ns_session__map(s, "ns_first_loss");
	__u64 boot_ns = 0;
	__u32 zero = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->records = s->records;
	out->malformed = s->malformed;
	for (__u32 key = 0; errors && !err && key < NS_ERR_MAX; key++)
		err = ns_map_percpu_sum(bpf_map__fd(errors), &key, &out->kernel[key]);
	if (!err && first && !bpf_map_lookup_elem(bpf_map__fd(first), &zero, &boot_ns) && boot_ns)
		out->first_ring_loss_epoch_ns = boot_ns + s->dctx.boot_to_epoch_ns;
	if (!err)
		add_nested_runs(s, out);
	return err;
}

int ns_session__map_memory(const struct ns_session *s, struct ns_map_memory *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < s->nfams; i++) {
		struct bpf_map *map;

		if (!s->fams[i].obj)
			continue;
		bpf_object__for_each_map(map, s->fams[i].obj) {
			int fd = bpf_map__fd(map), err;

			if (fd < 0)
				continue;
			err = ns_map_memory_add(out, fd);
			if (err)
				return err;
		}
	}
	return 0;
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
