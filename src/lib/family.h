/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A probe family: one BPF object (skeleton) plus the small amount of user
 * space that knows its events. Families are data; the session does the
 * loading, attaching and event dispatch for all of them.
 */
#ifndef NETSIGHT_FAMILY_H
#define NETSIGHT_FAMILY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netsight/event.h>

#include "lib/record.h"
#include "lib/render.h"

struct bpf_object;
struct ns_session;
struct ns_family;

typedef void (*ns_record_fn)(const struct ns_record *rec, const struct ns_family *fam, void *ctx);

/* What a decoder needs besides the event. */
struct ns_decode_ctx {
	int64_t boot_to_epoch_ns; /* CLOCK_BOOTTIME + this = epoch */
	uint64_t start_boot_ns; /* when tracing started */
};

/* A program that may fail to attach, and what is lost if it does. */
struct ns_optional_prog {
	const char *name;
	const char *impact;
};

struct ns_family {
	const char *name;

	/* Skeleton glue: NS_FAMILY_SKELETON_OPS(). */
	void *(*open)(void);
	void (*destroy)(void *skel);
	struct bpf_object *(*object)(void *skel);
	void (*configure)(void *skel, const struct ns_config *cfg);

	/* NULL-terminated; programs not listed must attach. */
	const struct ns_optional_prog *optional;
	/* After loading, before attaching: fill maps (may be NULL). */
	int (*prepare)(struct ns_session *s, void *skel);
	/*
	 * Once every family is attached, before the start-up walk that runs each
	 * family's iter/tcp and iter/udp programs in every network namespace
	 * (may be NULL).
	 */
	int (*started)(struct ns_session *s, void *skel);
	/* Called about every 100 ms while tracing (may be NULL). */
	int (*tick)(struct ns_session *s, void *skel);
	/* When tracing stops, before the last events are read (may be NULL). */
	int (*finish)(struct ns_session *s, void *skel);
	/*
	 * With NS_CFG_SUMMARY: one record per row of the family's in-kernel
	 * aggregate, counted since the previous call, or since the start when
	 * @since_start (may be NULL).
	 */
	int (*summarize)(struct ns_session *s, void *skel, bool since_start, ns_record_fn emit,
			 void *ctx);
	const struct ns_column *summary_columns;

	/* Events of this type go to decode(); 0 if the family emits none. */
	enum ns_event_type event_type;
	size_t event_size;
	int (*decode)(const void *data, size_t size, const struct ns_decode_ctx *ctx,
		      struct ns_record *rec);
	const struct ns_column *columns;
};

/* Defines the skeleton glue for bpf/<name>.bpf.c in a family's file. */
#define NS_FAMILY_SKELETON(name)                                                   \
	static void *name##_skel_open(void)                                        \
	{                                                                          \
		return name##_bpf__open();                                         \
	}                                                                          \
	static void name##_skel_destroy(void *skel)                                \
	{                                                                          \
		name##_bpf__destroy(skel);                                         \
	}                                                                          \
	static struct bpf_object *name##_skel_object(void *skel)                   \
	{                                                                          \
		return ((struct name##_bpf *)skel)->obj;                           \
	}                                                                          \
	static void name##_skel_configure(void *skel, const struct ns_config *cfg) \
	{                                                                          \
		((struct name##_bpf *)skel)->rodata->ns_cfg = *cfg;                \
	}

#define NS_FAMILY_SKELETON_OPS(name)                                                            \
	.open = name##_skel_open, .destroy = name##_skel_destroy, .object = name##_skel_object, \
	.configure = name##_skel_configure

#endif /* NETSIGHT_FAMILY_H */
