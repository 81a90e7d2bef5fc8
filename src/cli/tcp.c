// SPDX-License-Identifier: GPL-2.0-only
/* netsight tcp: retransmissions, resets and listen overflows. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netsight/tcp.h>

#include "cli/commands.h"
#include "cli/run.h"
#include "probes/registry.h"

static const struct ns_family *const tcp_families[] = { &ns_tcp_family, NULL };

static const struct ns_key_name by_keys[] = {
	{ "remote", NS_TCP_BY_REMOTE },		  { "service", NS_TCP_BY_SERVICE },
	{ "remote-port", NS_TCP_BY_REMOTE_PORT }, { "local-port", NS_TCP_BY_LOCAL_PORT },
	{ "process", NS_TCP_BY_PROCESS },	  { NULL, 0 },
};

static int parse_by(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	return ns_cli_parse_by(o, arg, by_keys, err, errlen);
}

static int run_tcp(const struct ns_cli_opts *o)
{
	return ns_run(o, "TCP retransmissions, resets and listen overflows", tcp_families);
}

static const struct ns_option tcp_summary_options[] = {
	{ "by", 0, "KEYS",
	  "with --summary, group by these (comma-separated or repeated): remote (address), "
	  "service (the server's port), remote-port, local-port, process; default "
	  "remote,service. Rows are always split by direction",
	  parse_by },
	{ NULL },
};

static const struct ns_option_group tcp_groups[] = {
	{ "Filters", ns_filter_options },
	{ "Events", ns_event_options },
	{ "Summary", ns_summary_options },
	{ "Summary grouping", tcp_summary_options },
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
		"  retransmit_failed  an attempt to send again that failed before anything went\n"
		"                     out (with the error); never counted as a retransmit\n"
		"  synack_retransmit  a listener's SYN-ACK sent again\n"
		"  reset_sent         this host sent a RST (with the kernel's reason)\n"
		"  reset_received     this host received a RST\n"
		"  listen_overflow    a listener dropped connection attempts because its queue\n"
		"                     was full (count, with its endpoint and backlog)\n"
		"\n"
		"Each event names the socket's user, the process that last sent or received on\n"
		"it; for a connection not yet accept()ed, the listener's. Resets answering\n"
		"segments for which no socket exists have no owner. Counts agree with the\n"
		"kernel's: retransmit counts add up to TcpRetransSegs (with synack_retransmit),\n"
		"reset_sent events to TcpOutRsts, listen_overflow counts to\n"
		"TcpExtListenOverflows.\n"
		"\n"
		"Directions are the connection's, as in netsight conns: egress when this host\n"
		"opened it, ingress when the peer did (JSON source is the side that opened it).\n"
		"\n"
		"With --summary the kernel counts all of it per remote address and service port\n"
		"(the listener's port for connections to this host, the peer's for connections\n"
		"this host opened), or as --by says, and netsight prints the busiest first, at\n"
		"exit and every --interval.",
	.groups = tcp_groups,
	.examples = "  netsight tcp                            every event, as it happens\n"
		    "  netsight tcp --summary --interval 10    the worst peers every 10s\n"
		    "  netsight tcp --summary --by process     totals per process\n"
		    "  netsight tcp --event reset_sent --event reset_received\n"
		    "  netsight tcp --port 443 -o json         events on port 443, as JSON\n",
	.run = run_tcp,
};
