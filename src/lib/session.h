/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tracing session: the families of one command, loaded into the kernel in
 * order (the first to declare a shared "ns_" map creates it, the others reuse
 * it), attached, and read through one ring buffer. Functions return 0 or a
 * negative errno; ns_session__subject() then names what failed.
 */
#ifndef NETSIGHT_SESSION_H
#define NETSIGHT_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netsight/event.h>

#include "lib/family.h"

typedef void (*ns_record_fn)(const struct ns_record *rec, const struct ns_family *fam, void *ctx);

struct ns_session_opts {
	struct ns_config cfg;
	size_t ringbuf_size; /* bytes, a power of two */
	ns_record_fn on_record; /* NULL: no events wanted (summary mode) */
	void *ctx;
};

struct ns_session_stats {
	uint64_t records; /* events decoded and handed on */
	uint64_t malformed; /* events too short or of no known family */
	__u64 kernel[NS_ERR_MAX]; /* summed per-CPU error counters */
};

struct ns_session *ns_session__new(const struct ns_session_opts *opts);
void ns_session__free(struct ns_session *s);

/* Opens, configures and loads @fam; the owner family must come first. */
int ns_session__add(struct ns_session *s, const struct ns_family *fam);
/*
 * Attaches every family's programs (not iterators). An optional program that
 * fails is skipped and reported through ns_log(NS_LOG_WARN).
 */
int ns_session__attach(struct ns_session *s);
/*
 * Runs each family's started() hook, then every family's iter/tcp and
 * iter/udp programs in every network namespace.
 */
int ns_session__start(struct ns_session *s);
/* Runs each family's finish() hook, when tracing stops. */
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

int ns_session__stats(struct ns_session *s, struct ns_session_stats *out);
const struct ns_config *ns_session__config(const struct ns_session *s);
/* The map named @name in the first family that has it, or NULL. */
struct bpf_map *ns_session__map(const struct ns_session *s, const char *name);
/* The loaded object of the family named @family, or NULL. */
struct bpf_object *ns_session__object(const struct ns_session *s, const char *family);
/* What the last failing call was about (a program, map or family name). */
const char *ns_session__subject(const struct ns_session *s);

#endif /* NETSIGHT_SESSION_H */
