/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tracing session: the families of one command, loaded into the kernel in
 * order (the first to declare a shared "ns_" map creates it, the others reuse
 * it), attached, and read through one ring buffer.
 *
 * The session runs on the kernel it finds. Each family is loaded in the
 * build the kernel supports (typed views, else probe reads); a program the
 * kernel refuses at load or attach time, or that NETSIGHT_REFUSE names, is
 * left out and its fallback takes over if it has one (see ns_prog_spec); the
 * session keeps what became of every program for `netsight doctor`.
 *
 * Functions return 0 or a negative errno; ns_session__subject() then names
 * what failed.
 */
#ifndef NETSIGHT_SESSION_H
#define NETSIGHT_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netsight/event.h>

#include "lib/family.h"
#include "lib/mapmem.h"
#include "lib/progplan.h"

struct bpf_link;
struct bpf_map;
struct btf;

struct ns_session_opts {
	struct ns_config cfg;
	size_t ringbuf_size; /* bytes, a power of two */
	ns_record_fn on_record; /* NULL: no events wanted (summary mode) */
	void *ctx;
	/* Hooks to treat as refused by the kernel (NETSIGHT_REFUSE syntax), or NULL. */
	const char *refuse;
	/* No warnings about fallbacks (the caller reports them itself). */
	bool quiet;
	/* Leave out the programs that find accepted sockets' processes (accept_owner). */
	bool without_accept_owners;
	/*
	 * A family that cannot attach a required program is unloaded and the
	 * others attached anyway (for reports); ns_session__attach() still
	 * returns the first error.
	 */
	bool keep_going;
};

struct ns_session_stats {
	uint64_t records; /* events decoded and handed on */
	uint64_t malformed; /* events too short or of no known family */
	__u64 kernel[NS_ERR_MAX]; /* summed per-CPU error counters */
	/* When the ring buffer first had no room (CLOCK_REALTIME ns), 0 if never. */
	uint64_t first_ring_loss_epoch_ns;
	/* The program whose runs the kernel skipped most (NS_ERR_NESTED_EVENTS), "" if none. */
	char nested_prog[32];
};

/* The pseudo-hook of the typed-view build, refusable like a section. */
#define NS_HOOK_VIEWS "kfunc/bpf_rdonly_cast"

/* What became of one family, for reports. */
struct ns_family_report {
	const char *name;
	bool loaded;
	int error; /* positive errno when not loaded */
	enum ns_flavour flavour;
	bool views_refused; /* on request */
	int views_error; /* why typed views are not used: positive errno, or 0 */
	const char *views_detail;
	const struct ns_progplan *plan; /* its programs */
};

/* NULL with errno set: bad opts->refuse (-EINVAL, -E2BIG, -ENAMETOOLONG), or no memory. */
struct ns_session *ns_session__new(const struct ns_session_opts *opts);
void ns_session__free(struct ns_session *s);

/*
 * Opens, configures and loads @fam, degrading program by program; the owner
 * family must come first. -ENOTSUP if a required program is unavailable
 * (ns_session__subject() names it), other errors if the object cannot load
 * at all. A family that fails is still reported, and later families can be
 * added.
 */
int ns_session__add(struct ns_session *s, const struct ns_family *fam);
/*
 * Attaches every loaded family's programs: iterators are created and kept,
 * on-demand programs are test-run once, and then tracing programs are
 * attached. An optional program that fails switches on its fallback (one
 * warning through ns_log()); a required one fails the call.
 */
int ns_session__attach(struct ns_session *s);
/*
 * Runs each family's started() hook, then in every network namespace each
 * family's iter/tcp and iter/udp programs and netns() hook.
 */
int ns_session__start(struct ns_session *s);
/*
 * Stops tracing: detaches every tracing program, so nothing more is added;
 * what is already in the ring buffer and the maps stays to be read, and
 * iterators and on-demand programs stay usable.
 */
void ns_session__stop(struct ns_session *s);
/* Runs each family's finish() hook, once tracing has stopped. */
int ns_session__finish(struct ns_session *s);
/* Runs each family's tick() hook. */
int ns_session__tick(struct ns_session *s);
/* Each family's summary rows through @emit (see struct ns_family.summarize). */
int ns_session__summarize(struct ns_session *s, bool since_start, ns_record_fn emit, void *ctx);
/* The current time in nanoseconds since the epoch, on the events' clock. */
__u64 ns_session__now_epoch(const struct ns_session *s);
/* The decoding context: clock offset and start time. */
const struct ns_decode_ctx *ns_session__decode_ctx(const struct ns_session *s);

/*
 * Waits up to @timeout_ms for a wakeup and handles what woke it; events the
 * kernel side did not wake for are handled by ns_session__drain(). -EINTR on
 * a signal.
 */
int ns_session__poll(struct ns_session *s, int timeout_ms);
/* Handles everything already in the ring buffer. */
int ns_session__drain(struct ns_session *s);

/*
 * A record a family makes outside decode() (a DNS query that timed out),
 * handed on like a decoded event's.
 */
void ns_session__emit(struct ns_session *s, const struct ns_record *rec,
		      const struct ns_family *fam);
/* Hands @data, laid out as a kernel event, to the matching family's decoder. */
void ns_session__deliver(struct ns_session *s, const void *data, size_t size);

int ns_session__stats(struct ns_session *s, struct ns_session_stats *out);
/* Kernel memory of every map the loaded families hold, each counted once. 0 or -errno. */
int ns_session__map_memory(const struct ns_session *s, struct ns_map_memory *out);
const struct ns_config *ns_session__config(const struct ns_session *s);
/* Network namespaces the start-up walk found (0: there was no walk). */
size_t ns_session__netns_count(const struct ns_session *s);
/* The NS_FB_* fallbacks in effect. */
__u32 ns_session__fallbacks(const struct ns_session *s);
/* The map named @name in the first loaded family that has it, or NULL. */
struct bpf_map *ns_session__map(const struct ns_session *s, const char *name);
/* The loaded object of the family named @family, or NULL. */
struct bpf_object *ns_session__object(const struct ns_session *s, const char *family);
/* The running kernel's BTF, loaded on first use; NULL and errno if there is none. */
const struct btf *ns_session__btf(struct ns_session *s);

/* Whether program @prog is loaded and usable (attached, or runnable on demand). */
bool ns_session__usable(const struct ns_session *s, const char *prog);
/*
 * Runs the iterator @prog (attached at ns_session__attach()) once to the end,
 * in the caller's network namespace. -ENOENT if it is not usable.
 */
int ns_session__run_iter(struct ns_session *s, const char *prog);
/* Runs the on-demand program @prog (SEC("raw_tp")) once. -ENOENT if not usable. */
int ns_session__run_prog(struct ns_session *s, const char *prog);

/* Calls @fn for each family added, loaded or not, in order. */
int ns_session__for_each_family(const struct ns_session *s,
				int (*fn)(const struct ns_family_report *r, void *ctx), void *ctx);

/* What the last failing call was about (a program, map or family name). */
const char *ns_session__subject(const struct ns_session *s);
/* Whether the last failure was a required program refused on request, not by the kernel. */
bool ns_session__refused_on_request(const struct ns_session *s);

/* Calls @fn for each program of @fam (name and section), without loading it. */
int ns_family_list_programs(const struct ns_family *fam,
			    void (*fn)(const char *name, const char *hook, void *ctx), void *ctx);

#endif /* NETSIGHT_SESSION_H */
