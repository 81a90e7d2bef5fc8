/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Building connection events (include/netsight/conn.h): shared by the
 * connection family and by the owner family, which reports accept events
 * because it is where an accepted socket's process becomes known.
 */
#ifndef NETSIGHT_CONN_EVENT_BPF_H
#define NETSIGHT_CONN_EVENT_BPF_H

#include "common.bpf.h"
#include "filter.bpf.h"
#include "sock.bpf.h"
#include <netsight/conn.h>

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
