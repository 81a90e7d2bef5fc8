/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The common filters (--pid, --comm, --cgroup, --port, -4/-6), applied before
 * an event is reserved so filtered events cost no ring buffer space.
 */
#ifndef NETSIGHT_FILTER_BPF_H
#define NETSIGHT_FILTER_BPF_H

#include "common.bpf.h"

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

static __always_inline bool ns_filter_comm(const char *comm)
{
	if (!ns_cfg.comm[0])
		return true;
	for (int i = 0; i < NS_COMM_LEN; i++) {
		if (comm[i] != ns_cfg.comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/* @o may be NULL (owner unknown): it then fails every owner filter. */
static __always_inline bool ns_filter_pass(const struct ns_owner *o, const struct ns_tuple *t)
{
	if (ns_cfg.family && t->family != ns_cfg.family)
		return false;
	if (ns_cfg.port && t->lport != ns_cfg.port && t->rport != ns_cfg.port)
		return false;
	if (!ns_cfg.npids && !ns_cfg.comm[0] && !ns_cfg.cgroup_id)
		return true;
	if (!o)
		return false;
	if (ns_cfg.cgroup_id && !(o->flags & NS_OWNER_IN_CGROUP))
		return false;
	return ns_filter_pid(o->pid) && ns_filter_comm(o->comm);
}

#endif /* NETSIGHT_FILTER_BPF_H */
