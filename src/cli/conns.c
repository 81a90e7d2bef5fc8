// SPDX-License-Identifier: GPL-2.0-only
/* netsight conns: TCP connection lifecycle events. */
#include "cli/commands.h"
#include "cli/run.h"
#include "probes/registry.h"

static const struct ns_family *const conns_families[] = { &ns_conn_family, NULL };

static int run_conns(const struct ns_cli_opts *o)
{
	return ns_run(o, "TCP connections", conns_families);
}

static const struct ns_option_group conns_groups[] = {
	{ "Filters", ns_filter_options },
	{ "Events", ns_event_options },
	{ "Output", ns_output_options },
	{ "Kernel", ns_kernel_options },
	{ NULL, NULL },
};

const struct ns_command ns_cmd_conns = {
	.name = "conns",
	.families = conns_families,
	.summary = "TCP connections: connect, accept, failures and closes, by owning process",
	.description =
		"Report every TCP connection on this host, in every network namespace, IPv4 and\n"
		"IPv6, as it happens:\n"
		"  connect         this host opened it (with the connect latency)\n"
		"  accept          this host accepted it\n"
		"  connect_failed  it never got established (ECONNREFUSED, ETIMEDOUT, ...)\n"
		"  close           it ended: lifetime, payload bytes each way, smoothed RTT,\n"
		"                  retransmitted segments, and how it ended (fin, rst_sent,\n"
		"                  rst_received, other)\n"
		"\n"
		"connect and accept name the process that called connect() or accept(); later\n"
		"events name the socket's user, the process that last sent or received on it\n"
		"(JSON adds process.opener.* when that is another process), even when the kernel\n"
		"handled the packet while another process ran. -p, -c, --cgroup and --container\n"
		"match the user.\n"
		"Connections open before netsight started are reported when they close, marked\n"
		"pre-existing, with the owner found at start-up and their duration counted from then.\n"
		"\n"
		"JSON output uses Elastic Common Schema keys; source is the side that initiated.\n"
		"On exit netsight prints how many events it saw and how many were lost.",
	.groups = conns_groups,
	.examples = "  netsight conns                          every connection, as a table\n"
		    "  netsight conns -o json | jq .           one JSON object per event\n"
		    "  netsight conns -c nginx --port 443      nginx's connections on port 443\n"
		    "  netsight conns --cgroup /sys/fs/cgroup/system.slice/web.service\n"
		    "  netsight conns --container 3f2a9c7be1d0   one container's connections\n"
		    "  netsight conns --duration 60 -o json > conns.jsonl\n",
	.run = run_conns,
};
