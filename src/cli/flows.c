// SPDX-License-Identifier: GPL-2.0-only
/* netsight flows: packets and bytes per flow on network interfaces. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/run.h"
#include "lib/parse.h"
#include "probes/flow.h"
#include "probes/registry.h"

#define FLOWS_DEFAULT_TOP 20

static const struct ns_family *const flows_families[] = { &ns_flow_family, NULL };

/* --iface: repeatable, and comma-separated. */
static int parse_iface(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	struct ns_device_opts *f = &o->devices;
	const char *p = arg;

	if (!*arg) {
		snprintf(err, errlen, "invalid --iface '': give an interface name, or all");
		return -EINVAL;
	}
	while (*p) {
		size_t len = strcspn(p, ",");

		if (!len || len >= NS_DEVICE_NAME_LEN) {
			snprintf(err, errlen,
				 "invalid --iface '%.40s': interface names are 1 to 15 characters, "
				 "comma-separated",
				 arg);
			return -EINVAL;
		}
		if (f->nifaces == NS_DEVICES_MAX) {
			snprintf(err, errlen, "too many --iface: at most %d", NS_DEVICES_MAX);
			return -E2BIG;
		}
		memcpy(f->ifaces[f->nifaces], p, len);
		f->ifaces[f->nifaces++][len] = '\0';
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int parse_xdp(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	(void)arg;
	(void)err;
	(void)errlen;
	o->devices.xdp = true;
	return 0;
}

static int parse_max_flows(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	uint64_t n;

	if (ns_parse_u64(arg, 16, NS_FLOW_TABLE_MAX, &n)) {
		snprintf(err, errlen, "invalid --max-flows '%s': expected 16 to %u", arg,
			 NS_FLOW_TABLE_MAX);
		return -EINVAL;
	}
	o->max_flows = (__u32)n;
	return 0;
}

static int parse_netns(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	if (!*arg) {
		snprintf(err, errlen, "invalid --netns '': give a path (/run/netns/NAME) or a pid");
		return -EINVAL;
	}
	o->devices.netns = arg;
	return 0;
}

static int parse_top(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	if (ns_parse_u64(arg, 1, 1000000, &o->top)) {
		snprintf(err, errlen, "invalid --top '%s': expected 1 to 1000000", arg);
		return -EINVAL;
	}
	return 0;
}

static int run_flows(const struct ns_cli_opts *given)
{
	struct ns_cli_opts o = *given;
	char err[NS_CLI_ERR_LEN];

	if (!o.devices.nifaces) {
		fprintf(stderr,
			"netsight flows: which interface? Give --iface IF (repeatable), or --iface "
			"all\nTry 'netsight flows --help'.\n");
		return NS_EXIT_USAGE;
	}
	if (ns_devices_check(&o.devices, err, sizeof(err))) {
		fprintf(stderr, "netsight flows: %s\n", err);
		return NS_EXIT_USAGE;
	}
	if (!o.interval_s)
		o.interval_s = 1;
	if (!o.top && o.format == NS_FORMAT_TEXT)
		o.top = FLOWS_DEFAULT_TOP;
	ns_flow_configure(&(struct ns_flow_opts){ .dev = o.devices, .max_flows = o.max_flows });
	return ns_run(&o, "flows", flows_families);
}

const struct ns_option ns_device_options[] = {
	{ "iface", 'i', "IF",
	  "count on interface IF (repeatable, or comma-separated); 'all' for every interface "
	  "of the network namespace, and those that appear later",
	  parse_iface },
	{ "xdp", 0, NULL,
	  "count at XDP instead of TC: native where the driver has it, generic otherwise; "
	  "received packets only",
	  parse_xdp },
	{ "netns", 0, "PATH|PID",
	  "attach to interfaces of this network namespace (/run/netns/NAME, or a process's)",
	  parse_netns },
	{ NULL },
};

static const struct ns_option flows_table_options[] = {
	{ "max-flows", 0, "N",
	  "flows the kernel holds per interval (default 16384); packets of more are sent "
	  "to user space one by one, and counted",
	  parse_max_flows },
	{ "top", 0, "N", "text: the N flows with the most bytes each interval (default 20)",
	  parse_top },
	{ NULL },
};

static const struct ns_option_group flows_groups[] = {
	{ "Interfaces", ns_device_options },
	{ "Tables", ns_interval_options },
	{ "Tables of flows", flows_table_options },
	{ "Output", ns_table_output_options },
	{ "Kernel", ns_kernel_options },
	{ NULL, NULL },
};

const struct ns_command ns_cmd_flows = {
	.name = "flows",
	.families = flows_families,
	.summary = "packets and bytes per flow on network interfaces, at TC or XDP",
	.description =
		"Count every packet crossing the interfaces given with --iface, in the kernel,\n"
		"per flow: protocol, source and destination address and port, direction and\n"
		"interface (ICMP: type and code). Every --interval (default 1s) print the\n"
		"flows with the most bytes: packets and bytes in the interval, the rate, the\n"
		"flow's total since netsight first saw it, and the TCP flags seen. With -o\n"
		"json, one object per flow and interval (ECS source.*/destination.*,\n"
		"source.packets, source.bytes, network.community_id, flow.start, flow.end).\n"
		"\n"
		"Bytes are the IP packets' (headers included). Packets are counted as the hook\n"
		"sees them: at TC, with GSO/GRO on, an aggregate counts once; native XDP sees\n"
		"frames as they arrive. Packets leaving this host carry their socket's process.\n"
		"VLAN tags are skipped; fragments after the first, and packets whose headers are\n"
		"cut short, are counted without ports and marked so.\n"
		"\n"
		"TC attaches with TCX links (Linux 6.6+), which go away with the process even\n"
		"after SIGKILL, and lets the programs after it run; older kernels get a clsact\n"
		"filter, removed at exit (one a killed run left is removed at the next start).\n"
		"An XDP program already on an interface is reported, never replaced.",
	.groups = flows_groups,
	.examples = "  netsight flows --iface eth0                 top flows every second\n"
		    "  netsight flows -i eth0,eth1 --interval 10 --top 50\n"
		    "  netsight flows --iface all -o json          every interface, as JSON\n"
		    "  netsight flows --iface eth0 --xdp           received packets, at XDP\n"
		    "  netsight flows --netns /run/netns/blue --iface veth0\n",
	.aggregates = true,
	.run = run_flows,
};
