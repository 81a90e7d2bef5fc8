// SPDX-License-Identifier: GPL-2.0-only
/* netsight tcp: retransmissions, resets and listen overflows. */
#include "cli/commands.h"
#include "cli/run.h"
#include "probes/registry.h"

static const struct ns_family *const tcp_families[] = { &ns_tcp_family, NULL };

static int run_tcp(const struct ns_cli_opts *o)
{
	return ns_run(o, "TCP retransmissions, resets and listen overflows", tcp_families);
}

static const struct ns_option_group tcp_groups[] = {
	{ "Filters", ns_filter_options },
	{ "Summary", ns_summary_options },
	{ "Output", ns_output_options },
	{ "Kernel", ns_kernel_options },
	{ NULL, NULL },
};

const struct ns_command ns_cmd_tcp = {
	.name = "tcp",
	.families = tcp_families,
	.summary = "TCP retransmissions, resets and listen-queue overflows, per destination",
	.description =
		"Report what goes wrong on TCP connections, in every network namespace:\n"
		"  retransmit         segments sent again (count), with the connection's state\n"
		"  synack_retransmit  a listener's SYN-ACK sent again\n"
		"  reset_sent         this host sent a RST (with the kernel's reason)\n"
		"  reset_received     this host received a RST\n"
		"  listen_overflow    a listener dropped connection attempts because its queue\n"
		"                     was full (count, with its port and backlog)\n"
		"\n"
		"Each event names the process that owns the socket; resets answering segments\n"
		"for which no socket exists have no owner (pid 0). Counts agree with the\n"
		"kernel's: retransmit counts add up to TcpRetransSegs (with synack_retransmit),\n"
		"reset_sent events to TcpOutRsts, listen_overflow counts to ListenDrops.\n"
		"\n"
		"With --summary the kernel counts all of it per remote endpoint (for overflows,\n"
		"the listening endpoint) and owning process, and netsight prints the busiest\n"
		"first, at exit and every --interval.",
	.groups = tcp_groups,
	.examples = "  netsight tcp                            every event, as it happens\n"
		    "  netsight tcp --summary --interval 10    the worst destinations every 10s\n"
		    "  netsight tcp --port 443 -o json         events on port 443, as JSON\n",
	.run = run_tcp,
};
