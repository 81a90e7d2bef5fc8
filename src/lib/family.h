/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A probe family: one BPF object (built twice, see bpf/lib/common.bpf.h) plus
 * the small amount of user space that knows its events. Families are data;
 * the session does the loading, attaching, degrading and event dispatch for
 * all of them.
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
/* decode() kept the event for the family's next reading: no record. */
#define NS_DECODE_KEPT 1

struct ns_decode_ctx {
	int64_t boot_to_epoch_ns; /* CLOCK_BOOTTIME + this = epoch */
	uint64_t start_boot_ns; /* when tracing started */
};

/* Starts @rec from a kernel event's header: its time and network namespace. */
static inline void ns_record_from_event(struct ns_record *rec, const struct ns_event_hdr *hdr,
					const struct ns_decode_ctx *ctx, const char *action)
{
	ns_record_init(rec, hdr->ts_ns + ctx->boot_to_epoch_ns, action);
	if (hdr->netns)
		ns_record_u64(rec, NS_F_NETNS, hdr->netns);
}

/* The two builds of every family's BPF object. */
enum ns_flavour {
	NS_FLAVOUR_VIEWS, /* typed views through the kfunc bpf_rdonly_cast (Linux 6.2+) */
	NS_FLAVOUR_COMPAT, /* CO-RE probe reads, for kernels without it */
	NS_FLAVOUR_MAX,
};

/* Skeleton glue of one build: NS_FAMILY_SKELETONS(). */
struct ns_skel_ops {
	void *(*open)(void);
	void (*destroy)(void *skel);
	struct bpf_object *(*object)(void *skel);
	/* Writes the configuration into rodata; call before loading. */
	void (*configure)(void *skel, const struct ns_config *cfg);
};

/*
 * How the loader treats one BPF program. A program the kernel refuses (at
 * load or attach, or on request through NETSIGHT_REFUSE) is either required,
 * and its family cannot run, or optional with a fallback.
 */
struct ns_prog_spec {
	const char *name;
	/* NULL: required. Otherwise, what replaces it, as the user sees it. */
	const char *fallback;
	/* NS_FB_* bits the session sets in every object when it is unavailable. */
	__u32 fallback_flags;
	/* A program declared SEC("?...") that is loaded in its place, or NULL. */
	const char *alternative;
	/*
	 * The tracepoint whose arguments it reads, and how many it needs: checked
	 * against the running kernel's BTF before loading (0: no check).
	 */
	const char *tracepoint;
	unsigned int tracepoint_args;
	/* For a map iterator (iter/bpf_sk_storage_map ...): the map it walks. */
	const char *iter_map;
	/*
	 * The program this one stands in for when that one is unavailable: while
	 * that one works, losing this one changes nothing.
	 */
	const char *backs;
	/*
	 * It finds the process of an accepted socket before that socket's close:
	 * left out for runs that say they need no such thing
	 * (ns_session_opts.without_accept_owners).
	 */
	bool accept_owner;
};

struct ns_family {
	const char *name;
	const struct ns_skel_ops *skel[NS_FLAVOUR_MAX];
	/* NULL-terminated; programs not listed are required. */
	const struct ns_prog_spec *programs;
	/* NS_CFG_* bits every object needs when this family runs. */
	__u32 config_flags;
	/* Its events come in floods: a larger event ring by default. */
	bool bursty;
	/* Its --summary needs no accepted socket's process before the socket closes. */
	bool summary_without_accept_owners;
	/* Its summaries need its events too (decode() keeps them for the next reading). */
	bool summary_events;
	/* Its summaries are per interval only: no table since the start. */
	bool no_total;
	/* What its summary rows count, when not events ("bytes"); NULL: events. */
	const char *summary_unit;

	/* After opening, before loading: size its maps (may be NULL). */
	int (*opened)(struct bpf_object *obj);
	/* After loading, before attaching: fill maps (may be NULL). */
	int (*prepare)(struct ns_session *s, struct bpf_object *obj);
	/*
	 * Once every family is attached, before the start-up walk that runs each
	 * family's iter/tcp and iter/udp programs in every network namespace
	 * (may be NULL).
	 */
	int (*started)(struct ns_session *s, struct bpf_object *obj);
	/* During the start-up walk, once in each network namespace (may be NULL). */
	int (*netns)(struct ns_session *s, struct bpf_object *obj, __u64 netns_ino);
	/* Called about every 100 ms while tracing (may be NULL). */
	int (*tick)(struct ns_session *s, struct bpf_object *obj);
	/* When tracing stops, before the last events are read (may be NULL). */
	int (*finish)(struct ns_session *s, struct bpf_object *obj);
	/* Frees what the family keeps besides its object (may be NULL). */
	void (*release)(void);
	/*
	 * With NS_CFG_SUMMARY: one record per row of the family's in-kernel
	 * aggregate, counted since the previous call, or since the start when
	 * @since_start (may be NULL).
	 */
	int (*summarize)(struct ns_session *s, struct bpf_object *obj, bool since_start,
			 ns_record_fn emit, void *ctx);
	const struct ns_column *summary_columns;

	/* Events of this type go to decode(); 0 if the family emits none. */
	enum ns_event_type event_type;
	/*
	 * The name of each action it reports (event.action) for --event: the
	 * actions are 1 to nactions - 1; NULL where there is none.
	 */
	const char *(*action_name)(unsigned int action);
	unsigned int nactions;
	size_t event_size;
	int (*decode)(const void *data, size_t size, const struct ns_decode_ctx *ctx,
		      struct ns_record *rec);
	const struct ns_column *columns;
};

/* The NS_CFG_* bits that the NULL-terminated @families need. */
static inline __u32 ns_families_config_flags(const struct ns_family *const *families)
{
	__u32 flags = 0;

	for (size_t i = 0; families[i]; i++)
		flags |= families[i]->config_flags;
	return flags;
}

#define NS_SKELETON_GLUE(prefix)                                                     \
	static void *prefix##_skel_open(void)                                        \
	{                                                                            \
		return prefix##_bpf__open();                                         \
	}                                                                            \
	static void prefix##_skel_destroy(void *skel)                                \
	{                                                                            \
		prefix##_bpf__destroy(skel);                                         \
	}                                                                            \
	static struct bpf_object *prefix##_skel_object(void *skel)                   \
	{                                                                            \
		return ((struct prefix##_bpf *)skel)->obj;                           \
	}                                                                            \
	static void prefix##_skel_configure(void *skel, const struct ns_config *cfg) \
	{                                                                            \
		((struct prefix##_bpf *)skel)->rodata->ns_cfg = *cfg;                \
	}                                                                            \
	static const struct ns_skel_ops prefix##_skel_ops = {                        \
		.open = prefix##_skel_open,                                          \
		.destroy = prefix##_skel_destroy,                                    \
		.object = prefix##_skel_object,                                      \
		.configure = prefix##_skel_configure,                                \
	};

/*
 * Defines the skeleton glue of both builds of bpf/<name>.bpf.c, after
 * including "<name>.skel.h" and "<name>.compat.skel.h".
 */
#define NS_FAMILY_SKELETONS(name) NS_SKELETON_GLUE(name) NS_SKELETON_GLUE(name##_compat)

#define NS_FAMILY_SKELETON_OPS(name)                                                                 \
	.skel = {                                                                                    \
		[NS_FLAVOUR_VIEWS] = &name##_skel_ops, [NS_FLAVOUR_COMPAT] = &name##_compat_skel_ops \
	}

#endif /* NETSIGHT_FAMILY_H */
