/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Building connection events (include/netsight/conn.h): shared by the
 * connection family and by the owner family, which reports accept events
 * because it is where an accepted socket's process becomes known. With
 * NS_CFG_CONN_COUNTS they are counted in ns_conn_counts, and sent only with
 * NS_CFG_EVENTS: a connection storm then costs a few atomic adds per
 * connection instead of four events. Both objects declare these maps; the
 * loader shares them.
 */
#ifndef NETSIGHT_CONN_EVENT_BPF_H
#define NETSIGHT_CONN_EVENT_BPF_H

#include "common.bpf.h"
#include "filter.bpf.h"
#include "hist.bpf.h"
#include "sock.bpf.h"
#include <netsight/conn.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NS_CONN_COUNTS_MAX);
	__type(key, struct ns_conn_key);
	__type(value, struct ns_conn_counts);
} ns_conn_counts SEC(".maps");

/* [0]: the reading period rows are counted in (0 or 1), flipped by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} ns_conn_period SEC(".maps");

static const struct ns_conn_counts ns_conn_counts_zero;

/* Whether connection events are counted (NS_CFG_CONN_COUNTS), and whether they are sent. */
static __always_inline bool conn_counting(void)
{
	return ns_cfg.flags & NS_CFG_CONN_COUNTS;
}

static __always_inline bool conn_sending(void)
{
	return ns_sending(NS_CFG_CONN_COUNTS);
}

/*
 * The row for event @action about socket @sk with @owner and tuple @t
 * (@error: connect_failed's) in the current reading period, made if new;
 * NULL if a filter rejects the event or the table is full (counted).
 */
static __always_inline struct ns_conn_counts *
conn_count_row(const void *sk, const struct ns_owner *owner, const struct ns_tuple *t,
	       enum ns_conn_action action, __s32 error)
{
	struct ns_conn_key key = {};
	struct ns_conn_counts *c;
	__u32 zero = 0, *period;

	if (!ns_filter_event(NS_EVENT_CONN, action) || !ns_filter_pass(owner, t))
		return NULL;
	period = bpf_map_lookup_elem(&ns_conn_period, &zero);
	key.epoch = period ? *period & 1 : 0;
	key.action = action;
	key.error = error;
	key.netns = ns_sock_netns(sk);
	key.tuple.family = t->family;
	key.tuple.protocol = t->protocol;
	__builtin_memcpy(key.tuple.laddr, t->laddr, NS_ADDR_LEN);
	__builtin_memcpy(key.tuple.raddr, t->raddr, NS_ADDR_LEN);
	if (owner) {
		key.passive = !!(owner->flags & NS_OWNER_PASSIVE);
		key.cgroup_id = owner->cgroup_id;
		__builtin_memcpy(key.comm, owner->comm, NS_COMM_LEN);
	}
	if (key.passive)
		key.tuple.lport = t->lport;
	else
		key.tuple.rport = t->rport;
	c = ns_map_lookup_or_init(&ns_conn_counts, &key, &ns_conn_counts_zero);
	if (!c)
		return NULL;
	if (owner)
		c->owner = *owner;
	__sync_fetch_and_add(&c->count, 1);
	return c;
}

/* Fills every field of @e but the header's time and type. */
static __always_inline void conn_event_init(struct ns_conn_event *e, const struct ns_owner *owner,
					    const struct ns_tuple *t, enum ns_conn_action action)
{
	if (owner)
		e->owner = *owner;
	else
		__builtin_memset(&e->owner, 0, sizeof(e->owner));
	e->tuple = *t;
	__builtin_memset(&e->stats, 0, sizeof(e->stats));
	e->start_ns = 0;
	e->connect_latency_ns = 0;
	e->error = 0;
	e->action = action;
	e->close_reason = NS_CLOSE_UNKNOWN;
	e->flags = 0;
	e->pad = 0;
}

/* Reserves an event about socket @sk for @owner and @t unless a filter rejects it. */
static __always_inline struct ns_conn_event *conn_event_new(const void *sk,
							    const struct ns_owner *owner,
							    const struct ns_tuple *t, __u64 cookie,
							    enum ns_conn_action action)
{
	struct ns_conn_event *e;

	if (!ns_filter_event(NS_EVENT_CONN, action) || !ns_filter_pass(owner, t))
		return NULL;
	e = ns_event_reserve(sizeof(*e), NS_EVENT_CONN, cookie);
	if (!e)
		return NULL;
	e->hdr.netns = ns_sock_netns(sk);
	conn_event_init(e, owner, t, action);
	return e;
}

#endif /* NETSIGHT_CONN_EVENT_BPF_H */
