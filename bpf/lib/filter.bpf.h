/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The common filters (--pid, --comm, --cgroup, --container, --port,
 * --local-port, --remote-port, --addr, -4/-6, --event), applied before an event is
 * reserved so filtered events cost no ring buffer space. The configuration
 * is read-only data, so the verifier sees the counts as constants and a
 * filter that is off costs nothing.
 */
#ifndef NETSIGHT_FILTER_BPF_H
#define NETSIGHT_FILTER_BPF_H

#include "common.bpf.h"

/*
 * --container: the cgroups of the containers asked for, kept current by user
 * space as containers come and go (cgroup id -> 1).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NS_FILTER_CGROUPS_MAX);
	__type(key, __u64);
	__type(value, __u8);
} ns_filter_cgroups SEC(".maps");

static __always_inline bool ns_filter_pid(__u32 pid)
{
	if (!ns_cfg.npids)
		return true;
	for (__u32 i = 0; i < NS_MAX_PIDS; i++) {
		if (i >= ns_cfg.npids)
			break;
		if (ns_cfg.pids[i] == pid)
			return true;
	}
	return false;
}

static __always_inline bool ns_comm_equal(const char *comm, const volatile char *want)
{
	for (int i = 0; i < NS_COMM_LEN; i++) {
		if (comm[i] != want[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

static __always_inline bool ns_filter_comm(const char *comm)
{
	if (!ns_cfg.ncomms)
		return true;
	for (__u32 i = 0; i < NS_MAX_COMMS; i++) {
		if (i >= ns_cfg.ncomms)
			break;
		if (ns_comm_equal(comm, ns_cfg.comms[i]))
			return true;
	}
	return false;
}

/*
 * --port, --local-port and --remote-port are three filters: the ports given
 * to one are alternatives, and each one given must match.
 * @reversed: the tuple is a packet's that came in, so its destination is local.
 */
static __always_inline bool ns_filter_ports(const struct ns_tuple *t, bool reversed)
{
	__u16 local = reversed ? t->rport : t->lport, remote = reversed ? t->lport : t->rport;
	__u32 wanted = 0, matched = 0;

	if (!ns_cfg.nports)
		return true;
	for (__u32 i = 0; i < NS_MAX_PORTS; i++) {
		__u16 port = ns_cfg.ports[i];
		__u8 side = ns_cfg.port_sides[i];
		bool hit;

		if (i >= ns_cfg.nports)
			break;
		if (side == NS_PORT_LOCAL)
			hit = local == port;
		else if (side == NS_PORT_REMOTE)
			hit = remote == port;
		else
			hit = local == port || remote == port;
		wanted |= 1U << (side & 3);
		if (hit)
			matched |= 1U << (side & 3);
	}
	return wanted == matched;
}

static __always_inline bool ns_cidr_contains(const volatile struct ns_cidr *c, const __u8 *addr)
{
	for (__u32 b = 0; b < NS_ADDR_LEN; b++) {
		__u32 bits = c->prefix > 8 * b ? c->prefix - 8 * b : 0;
		__u8 diff = c->addr[b] ^ addr[b];

		if (!bits)
			return true;
		if (bits < 8)
			return !(diff & (__u8)(0xff << (8 - bits)));
		if (diff)
			return false;
	}
	return true;
}

/* Either end of @t in one of the --addr ranges. */
static __always_inline bool ns_filter_addr(const struct ns_tuple *t)
{
	if (!ns_cfg.ncidrs)
		return true;
	for (__u32 i = 0; i < NS_MAX_CIDRS; i++) {
		const volatile struct ns_cidr *c = &ns_cfg.cidrs[i];

		if (i >= ns_cfg.ncidrs)
			break;
		if (c->family == t->family &&
		    (ns_cidr_contains(c, t->laddr) || ns_cidr_contains(c, t->raddr)))
			return true;
	}
	return false;
}

static __always_inline bool ns_filter_tuple(const struct ns_tuple *t, bool reversed)
{
	if (ns_cfg.family && t->family != ns_cfg.family)
		return false;
	return ns_filter_ports(t, reversed) && ns_filter_addr(t);
}

/* @o may be NULL (owner unknown): it then fails every owner filter. */
static __always_inline bool ns_filter_owner(const struct ns_owner *o)
{
	if (!ns_cfg.npids && !ns_cfg.ncomms && !ns_cfg.ncgroups &&
	    !(ns_cfg.flags & NS_CFG_CONTAINER_FILTER))
		return true;
	if (!o)
		return false;
	if (ns_cfg.ncgroups && !(o->flags & NS_OWNER_IN_CGROUP))
		return false;
	if ((ns_cfg.flags & NS_CFG_CONTAINER_FILTER) &&
	    !bpf_map_lookup_elem(&ns_filter_cgroups, &o->cgroup_id))
		return false;
	return ns_filter_pid(o->pid) && ns_filter_comm(o->comm);
}

/* A socket's event: @t is local/remote. */
static __always_inline bool ns_filter_pass(const struct ns_owner *o, const struct ns_tuple *t)
{
	return ns_filter_tuple(t, false) && ns_filter_owner(o);
}

/* A packet's event: @t is source/destination; @ingress: the packet came in. */
static __always_inline bool ns_filter_pass_packet(const struct ns_owner *o,
						  const struct ns_tuple *t, bool ingress)
{
	return ns_filter_tuple(t, ingress) && ns_filter_owner(o);
}

/* Whether --event keeps @action of events of @type. */
static __always_inline bool ns_filter_event(enum ns_event_type type, __u32 action)
{
	__u32 mask = ns_cfg.events[type < NS_EVENT_TYPE_MAX ? type : 0];

	return !mask || (action < 32 && (mask & (1U << action)));
}

/* Whether the owner is in one of the --cgroup subtrees (process context only). */
static __always_inline bool ns_current_in_cgroups(void)
{
	for (__u32 i = 0; i < NS_MAX_CGROUPS; i++) {
		if (i >= ns_cfg.ncgroups)
			break;
		if (bpf_get_current_ancestor_cgroup_id(ns_cfg.cgroup_levels[i]) ==
		    ns_cfg.cgroup_ids[i])
			return true;
	}
	return false;
}

#endif /* NETSIGHT_FILTER_BPF_H */
