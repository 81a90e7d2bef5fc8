// SPDX-License-Identifier: GPL-2.0-only
/* netsight latency: connect, RTT and response-time histograms per group. */
#include <errno.h>
#include <stdio.h>

#include <netsight/latency.h>

#include "cli/commands.h"
#include "cli/run.h"
#include "lib/parse.h"
#include "probes/registry.h"

static const struct ns_family *const latency_families[] = { &ns_latency_family, NULL };

static const struct ns_key_name by_keys[] = {
	{ "process", NS_LAT_BY_PROCESS },     { "cgroup", NS_LAT_BY_CGROUP },
	{ "container", NS_LAT_BY_CONTAINER }, { "destination", NS_LAT_BY_DESTINATION },
	{ "port", NS_LAT_BY_PORT },	      { NULL, 0 },
};

static int parse_by(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	return ns_cli_parse_by(o, arg, by_keys, err, errlen);
}

static int parse_max_groups(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	uint64_t n;

	if (ns_parse_u64(arg, 1, NS_LAT_GROUPS_MAX, &n)) {
		snprintf(err, errlen, "invalid --max-groups '%s': expected 1 to %d", arg,
			 NS_LAT_GROUPS_MAX);
		return -EINVAL;
	}
	o->cfg.max_groups = (__u32)n;
	return 0;
}

static int run_latency(const struct ns_cli_opts *o)
{
	struct ns_cli_opts run = *o;

	/* --by fills the summary's grouping; the latency family has its own. */
	run.cfg.latency_by = o->cfg.summary_by;
	run.cfg.summary_by = 0;
	return ns_run(&run, "TCP latency", latency_families);
}

static const struct ns_option latency_options[] = {
	{ "by", 0, "KEYS",
	  "group by these (comma-separated or repeated): process (the socket's user), cgroup, "
	  "container, destination (the server's address), port (the server's port); default "
	  "process",
	  parse_by },
	{ "max-groups", 0, "N",
	  "keep at most N groups per table in the kernel (default and most 4096); samples of "
	  "further groups are counted in an 'other' row",
	  parse_max_groups },
	{ NULL },
};

static const struct ns_option_group latency_groups[] = {
	{ "Filters", ns_filter_options },  { "Grouping", latency_options },
	{ "Tables", ns_interval_options }, { "Output", ns_table_output_options },
	{ "Kernel", ns_kernel_options },   { NULL, NULL },
};

const struct ns_command ns_cmd_latency = {
	.name = "latency",
	.families = latency_families,
	.summary = "TCP connect, RTT and response-time histograms per process, container or peer",
	.description =
		"Measure where time goes on TCP connections, in the kernel, and print a log2\n"
		"histogram per group and metric at exit and every --interval:\n"
		"  connect   SYN sent to established, for each connection this host opens\n"
		"  rtt       the kernel's smoothed RTT, sampled as segments arrive (at most once\n"
		"            per RTT and per 10 ms on a connection), or at close if never sampled\n"
		"  response  from the last send() on a socket to the first recv() that returns\n"
		"            data after it: a client sees the server's response time, a server\n"
		"            its client's think time (Linux 6.3+)\n"
		"\n"
		"Bucket N holds samples above N/2 and up to N microseconds. Percentiles are\n"
		"estimated from the buckets, spreading each bucket's samples evenly between its\n"
		"bounds, and kept within the exact minimum and maximum.\n"
		"\n"
		"Samples belong to the socket's user, the process that last sent or received on\n"
		"it, and to the server end: the peer for connections this host opened, this host\n"
		"for those it accepted. Nothing per packet reaches user space; the kernel keeps at\n"
		"most --max-groups groups per table, and counts the rest in an 'other' row.",
	.groups = latency_groups,
	.examples = "  netsight latency                          per process, at Ctrl-C\n"
		    "  netsight latency --by container --interval 10\n"
		    "  netsight latency --by destination --by port -o json\n"
		    "  netsight latency --container 3f2a --by port\n",
	.aggregates = true,
	.default_by = NS_LAT_BY_DEFAULT,
	.run = run_latency,
};
