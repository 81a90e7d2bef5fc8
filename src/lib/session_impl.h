/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The session's insides, shared by its three files: session.c (life, events,
 * hooks), session_load.c (loading and degrading families) and
 * session_attach.c (attaching, iterators, on-demand programs). Nothing
 * outside lib/session*.c includes this.
 */
#ifndef NETSIGHT_SESSION_IMPL_H
#define NETSIGHT_SESSION_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/progplan.h"
#include "lib/session.h"

struct bpf_link;
struct bpf_map;
struct bpf_program;
struct ring_buffer;

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
	size_t netns_walked; /* network namespaces the start-up walk visited */
	bool warned_views;
	bool refused_on_request; /* the last failure was a refusal on request */
	char subject[256];
};

#define for_each_loaded(s, lf)                                                        \
	for (struct loaded_family *lf = (s)->fams; lf < (s)->fams + (s)->nfams; lf++) \
		if (lf->obj)

void ns_session_set_subject(struct ns_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Destroys a family's iterators and object; its report stays. */
void ns_session_unload(struct loaded_family *lf);
/* The map @name in the first loaded family, before @upto, that has it. */
struct bpf_map *ns_session_find_map(const struct ns_session *s, const struct loaded_family *upto,
				    const char *name);
/* Names the required program that stops @lf (the subject); returns its -errno. */
int ns_session_required_failed(struct ns_session *s, struct loaded_family *lf);
/* Program kinds by section: run on demand (SEC("raw_tp")), or iterators. */
bool ns_session_is_on_demand(const char *sec);
/* A program of a network device (tc, xdp): its family attaches it. */
bool ns_session_is_device(const char *sec);
bool ns_session_is_iterator(const char *sec);
/* Runs @prog once with BPF_PROG_TEST_RUN: 0 or -errno. */
int ns_session_test_run(struct bpf_program *prog);
/* The start-up walk: iter/tcp, iter/udp and netns() hooks in every network namespace. */
int ns_session_startup_walk(struct ns_session *s);

#endif /* NETSIGHT_SESSION_IMPL_H */
