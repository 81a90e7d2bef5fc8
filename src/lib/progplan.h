/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which of a family's BPF programs to load, and what became of each: the
 * loader's bookkeeping for degrading one program at a time. Pure logic: the
 * kernel's answers (a refused load, a tracepoint's argument count) come in
 * as arguments, so every rule here is unit-tested without a kernel.
 *
 * A program the kernel refuses is "unavailable". If its spec has a fallback
 * the family runs on ("fallback" status), switching on the spec's
 * alternative program and fallback flags; if not, the family cannot run.
 */
#ifndef NETSIGHT_PROGPLAN_H
#define NETSIGHT_PROGPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "lib/family.h"

#define NS_PLAN_MAX_PROGS 32
#define NS_PLAN_NAME_LEN 64
#define NS_PLAN_DETAIL_LEN 128

enum ns_prog_status {
	NS_PROG_OK, /* loaded, or not needed (an alternative on standby) */
	NS_PROG_FALLBACK, /* unavailable; its fallback is in use */
	NS_PROG_UNAVAILABLE, /* unavailable and required: the family cannot run */
};

struct ns_prog_state {
	char name[NS_PLAN_NAME_LEN];
	char hook[NS_PLAN_NAME_LEN]; /* section name: tp_btf/kfree_skb */
	const struct ns_prog_spec *spec; /* NULL: not listed, so required */
	bool wanted; /* to be loaded */
	bool standby; /* an alternative not (yet) needed */
	enum ns_prog_status status;
	int error; /* positive errno when not OK */
	bool refused; /* on request (NETSIGHT_REFUSE), not by the kernel */
	char detail[NS_PLAN_DETAIL_LEN]; /* why, where the errno does not say */
};

struct ns_progplan {
	const struct ns_family *fam;
	struct ns_prog_state progs[NS_PLAN_MAX_PROGS];
	size_t n;
	int failed; /* index of the required program that failed, or -1 */
};

/*
 * Programs refused on request, from NETSIGHT_REFUSE: a comma- or
 * space-separated list of hook prefixes ("iter/bpf_sk_storage_map",
 * "kfunc/bpf_rdonly_cast") and program names ("drop_kfree_skb").
 */
#define NS_REFUSE_MAX 16
struct ns_refusals {
	char prefixes[NS_REFUSE_MAX][NS_PLAN_NAME_LEN];
	size_t n;
};

/* Parses @text (NULL or empty: nothing refused). -E2BIG, -ENAMETOOLONG on bad input. */
int ns_refusals_parse(const char *text, struct ns_refusals *r);
/* Whether @hook starts with one of the refused prefixes. */
bool ns_refused(const struct ns_refusals *r, const char *hook);
/* Whether program @name, on @hook, is refused: by its hook or by its name. */
bool ns_refused_program(const struct ns_refusals *r, const char *name, const char *hook);

/*
 * Starts a plan: the object's programs in order, each wanted unless it is
 * declared SEC("?...") (@autoload false), which makes it an alternative on
 * standby. -E2BIG if there are too many.
 */
int ns_progplan_init(struct ns_progplan *p, const struct ns_family *fam, size_t n,
		     const char *const *names, const char *const *hooks, const bool *autoload);
/* Leaves program @i out: not loaded, and not missed (its status stays OK). */
void ns_progplan_leave_out(struct ns_progplan *p, size_t i);
/* The index of program @name, or -1. */
int ns_progplan_find(const struct ns_progplan *p, const char *name);

/*
 * Records that program @i cannot be used (@error a positive errno, @refused
 * when on request) and switches on its alternative. -ENOTSUP if the program is
 * required (p->failed then names it).
 */
int ns_progplan_reject(struct ns_progplan *p, size_t i, int error, bool refused,
		       const char *detail);

/* A tracepoint's argument count from BTF: >= 0, or -ENOENT if unknown. */
typedef int (*ns_tp_args_fn)(const char *tracepoint, void *ctx);

/*
 * Rejects, before anything is loaded, every wanted program that is refused
 * on request or whose tracepoint has fewer arguments than it reads, then the
 * alternatives that switches on, until nothing changes. 0 or -ENOTSUP.
 */
int ns_progplan_resolve(struct ns_progplan *p, const struct ns_refusals *r, ns_tp_args_fn tp_args,
			void *ctx);

/* The NS_FB_* bits of every program in fallback. */
__u32 ns_progplan_fallbacks(const struct ns_progplan *p);
/* Whether program @name is wanted (will be or was loaded). */
bool ns_progplan_wanted(const struct ns_progplan *p, const char *name);
/*
 * Whether losing program @i changes anything: false for a program that only
 * backs up another (spec->backs) while that one works.
 */
bool ns_progplan_needed(const struct ns_progplan *p, size_t i);
/* Whether anything needed is in fallback (the family runs degraded). */
bool ns_progplan_degraded(const struct ns_progplan *p);
/*
 * The first entry of @r that names none of the @n programs (@names, @hooks)
 * nor a hook in @extra_hooks (NULL-terminated), or NULL if every one does.
 */
const char *ns_refusals_unmatched(const struct ns_refusals *r, size_t n, const char *const *names,
				  const char *const *hooks, const char *const *extra_hooks);

#endif /* NETSIGHT_PROGPLAN_H */
