// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/devices.h"
#include "lib/log.h"
#include "lib/units.h"

/* TCX attach types (Linux 6.6), missing from older uapi headers. */
#define TCX_INGRESS 46
#define TCX_EGRESS 47
/* netsight's clsact filters: handle and priority "ns". */
#define TC_HANDLE 0x6e73
#define TC_PRIORITY 0x6e73
#define RESCAN_NS NS_NSEC_PER_SEC

enum { DIR_IN, DIR_OUT };

/* Enters --netns (@enter) or comes back; 0 or -errno. */
static int switch_netns(struct ns_devices *d, bool enter)
{
	char path[64];
	const char *p = d->o.netns;

	if (!p)
		return 0;
	if (d->own_netns < 0) {
		d->own_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (p[strspn(p, "0123456789")] == '\0') {
			snprintf(path, sizeof(path), "/proc/%s/ns/net", p);
			p = path;
		}
		d->netns = open(p, O_RDONLY | O_CLOEXEC);
		if (d->own_netns < 0 || d->netns < 0)
			return -errno;
	}
	return setns(enter ? d->netns : d->own_netns, CLONE_NEWNET) ? -errno : 0;
}

int ns_devices_check(const struct ns_device_opts *o, char *err, size_t errlen)
{
	struct ns_devices d = { .o = *o, .own_netns = -1, .netns = -1 };
	int e = switch_netns(&d, true);

	if (e) {
		snprintf(err, errlen,
			 "--netns '%s': %s (give a network namespace's path, e.g. "
			 "/run/netns/NAME, or a process id)",
			 o->netns, strerror(-e));
	}
	for (size_t i = 0; !e && i < o->nifaces; i++)
		if (strcmp(o->ifaces[i], "all") && !if_nametoindex(o->ifaces[i])) {
			e = -errno;
			snprintf(err, errlen,
				 "--iface '%s': no such interface%s ('ip link' lists them)",
				 o->ifaces[i], o->netns ? " in that network namespace" : "");
		}
	switch_netns(&d, false);
	if (d.own_netns >= 0)
		close(d.own_netns);
	if (d.netns >= 0)
		close(d.netns);
	return e;
}

static void prog_name(__u32 id, char *name, size_t len)
{
	struct bpf_prog_info info = { 0 };
	__u32 size = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	snprintf(name, len, "?");
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &size))
		snprintf(name, len, "%s", info.name);
	close(fd);
}

/* A clsact filter of @prog_fd in direction @dir, where TCX is missing. */
static int attach_clsact(struct ns_devices *d, struct ns_device *a, int prog_fd, int dir)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
		    .attach_point = dir == DIR_IN ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIORITY);
	char name[BPF_OBJ_NAME_LEN];
	int err = bpf_tc_hook_create(&hook);

	if (!err)
		a->made_clsact = true;
	else if (err != -EEXIST)
		return err;
	if (!bpf_tc_query(&hook, &opts)) {
		prog_name(opts.prog_id, name, sizeof(name));
		if (strncmp(name, d->p.prefix, strlen(d->p.prefix))) {
			ns_log(NS_LOG_WARN,
			       "%s: the clsact filter handle %#x priority %#x is taken by program "
			       "%u (%s); not touching it",
			       a->name, TC_HANDLE, TC_PRIORITY, opts.prog_id, name);
			return -EEXIST;
		}
		opts.prog_id = 0;
		opts.prog_fd = 0;
		opts.flags = 0;
		if (!bpf_tc_detach(&hook, &opts))
			ns_log(NS_LOG_WARN,
			       "%s: removed a netsight filter (%s, %s) left by a run that did not "
			       "stop cleanly",
			       a->name, name, dir == DIR_IN ? "ingress" : "egress");
	}
	opts.prog_fd = prog_fd;
	opts.prog_id = 0;
	opts.flags = 0;
	err = bpf_tc_attach(&hook, &opts);
	if (!err)
		a->filters[dir] = true;
	return err;
}

static int attach_tc(struct ns_devices *d, struct ns_device *a)
{
	const int progs[2] = { d->p.tc_ingress, d->p.tc_egress };
	static const int types[2] = { TCX_INGRESS, TCX_EGRESS };
	bool legacy = false;
	int err;

	for (int dir = DIR_IN; dir <= DIR_OUT; dir++) {
		if (progs[dir] < 0)
			continue;
		a->links[dir] = bpf_link_create(progs[dir], a->ifindex, types[dir], NULL);
		if (a->links[dir] >= 0)
			continue;
		/* A kernel without TCX (before 6.6) knows no such attach type. */
		if (errno != EINVAL && errno != EOPNOTSUPP && errno != 524 /* ENOTSUPP */)
			return -errno;
		err = attach_clsact(d, a, progs[dir], dir);
		if (err == -ENOENT || err == -EOPNOTSUPP)
			ns_log(NS_LOG_ERROR,
			       "%s: this kernel has neither TCX nor a clsact qdisc with BPF "
			       "filters (modules sch_ingress and cls_bpf)",
			       a->name);
		if (err)
			return err;
		legacy = true;
	}
	ns_log(NS_LOG_INFO, "%s: %s at TC %s (%s)", a->name, d->p.what,
	       d->p.tc_egress >= 0 ? "ingress and egress" : "ingress",
	       legacy ? "clsact filters: this kernel has no TCX" : "TCX");
	return 0;
}

static int attach_xdp(struct ns_devices *d, struct ns_device *a)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char name[BPF_OBJ_NAME_LEN];
	__u32 id = 0;
	int err;

	a->links[DIR_IN] = bpf_link_create(d->p.xdp, a->ifindex, BPF_XDP, NULL);
	if (a->links[DIR_IN] < 0) {
		err = -errno;
		if ((err == -EBUSY || err == -EEXIST) && !bpf_xdp_query_id(a->ifindex, 0, &id) &&
		    id) {
			prog_name(id, name, sizeof(name));
			ns_log(NS_LOG_ERROR,
			       "%s already has an XDP program (id %u, %s); netsight does not "
			       "replace it: count at TC instead (without --xdp)",
			       a->name, id, name);
		}
		return err;
	}
	bpf_xdp_query(a->ifindex, 0, &q);
	ns_log(NS_LOG_INFO, "%s: %s at XDP (%s), ingress only: packets sent are not seen", a->name,
	       d->p.what, q.attach_mode == XDP_ATTACHED_DRV ? "native" : "generic");
	return 0;
}

static void detach(struct ns_device *a)
{
	for (int dir = DIR_IN; dir <= DIR_OUT; dir++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
			    .attach_point = dir == DIR_IN ? BPF_TC_INGRESS : BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIORITY);

		if (a->links[dir] >= 0)
			close(a->links[dir]);
		a->links[dir] = -1;
		if (a->filters[dir] && !a->gone)
			bpf_tc_detach(&hook, &opts);
		a->filters[dir] = false;
	}
	if (a->made_clsact && !a->gone) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

		bpf_tc_hook_destroy(&hook);
	}
	a->made_clsact = false;
}

/* Attaches to interface @name, unless already; 0 or -errno. */
static int attach_iface(struct ns_devices *d, const char *name)
{
	struct ns_device *a;
	int ifindex = (int)if_nametoindex(name), err;

	if (!ifindex)
		return -errno;
	for (size_t i = 0; i < d->n; i++)
		if (d->at[i].ifindex == ifindex && !d->at[i].gone)
			return 0;
	if (d->n == NS_DEVICES_MAX) {
		ns_log(NS_LOG_WARN, "%s: left out, already on %d interfaces", name, NS_DEVICES_MAX);
		return -E2BIG;
	}
	a = &d->at[d->n];
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->ifindex = ifindex;
	a->links[DIR_IN] = a->links[DIR_OUT] = -1;
	err = d->o.xdp ? attach_xdp(d, a) : attach_tc(d, a);
	if (err) {
		detach(a);
		return err;
	}
	d->n++;
	return 0;
}

/* Every interface of the namespace: new ones attached, gone ones noted. */
static void scan_all(struct ns_devices *d)
{
	struct if_nameindex *ifs = if_nameindex();

	if (!ifs)
		return;
	for (size_t i = 0; i < d->n; i++) {
		bool present = false;

		for (struct if_nameindex *p = ifs; p->if_index; p++)
			present |= (int)p->if_index == d->at[i].ifindex;
		d->at[i].gone = !present;
	}
	for (struct if_nameindex *p = ifs; p->if_index; p++) {
		int err = attach_iface(d, p->if_name);

		if (err && err != -E2BIG)
			ns_log(NS_LOG_WARN, "%s: left out: %s", p->if_name, strerror(-err));
	}
	if_freenameindex(ifs);
}

int ns_devices_start(struct ns_devices *d, const struct ns_device_opts *o,
		     const struct ns_device_progs *p)
{
	int err;

	memset(d, 0, sizeof(*d));
	d->started = true;
	d->o = *o;
	d->p = *p;
	d->own_netns = d->netns = -1;
	for (size_t i = 0; i < o->nifaces; i++)
		d->all |= !strcmp(o->ifaces[i], "all");
	err = switch_netns(d, true);
	if (err) {
		ns_log(NS_LOG_ERROR, "cannot enter --netns '%s': %s", o->netns, strerror(-err));
		return err;
	}
	for (size_t i = 0; !err && i < o->nifaces; i++) {
		if (!strcmp(o->ifaces[i], "all"))
			continue;
		err = attach_iface(d, o->ifaces[i]);
		if (err)
			ns_log(NS_LOG_ERROR, "cannot attach to %s: %s", o->ifaces[i],
			       strerror(-err));
	}
	if (!err && d->all)
		scan_all(d);
	switch_netns(d, false);
	d->next_rescan_ns = ns_boot_now() + RESCAN_NS;
	return err;
}

void ns_devices_tick(struct ns_devices *d)
{
	if (!d->all || ns_boot_now() < d->next_rescan_ns)
		return;
	d->next_rescan_ns = ns_boot_now() + RESCAN_NS;
	if (switch_netns(d, true))
		return;
	scan_all(d);
	switch_netns(d, false);
}

void ns_devices_stop(struct ns_devices *d)
{
	if (!d->started)
		return;
	d->started = false;
	switch_netns(d, true);
	/* The entries stay: the last reading still names interfaces. */
	for (size_t i = 0; i < d->n; i++)
		detach(&d->at[i]);
	switch_netns(d, false);
	if (d->own_netns >= 0)
		close(d->own_netns);
	if (d->netns >= 0)
		close(d->netns);
	d->own_netns = d->netns = -1;
}

const char *ns_devices_name(const struct ns_devices *d, int ifindex)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->at[i].ifindex == ifindex)
			return d->at[i].name;
	return NULL;
}
