// SPDX-License-Identifier: GPL-2.0-only
/* netsight dns: DNS queries and answers, with latency and process. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/run.h"
#include "lib/devices.h"
#include "lib/parse.h"
#include "probes/dns.h"
#include "probes/registry.h"

static const struct ns_family *const dns_families[] = { &ns_dns_family, NULL };

static int parse_dns_port(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	uint64_t port;

	if (ns_parse_u64(arg, 1, 65535, &port)) {
		snprintf(err, errlen, "invalid --dns-port '%s': expected 1 to 65535", arg);
		return -EINVAL;
	}
	if (o->dns.nports == NS_DNS_PORTS_MAX) {
		snprintf(err, errlen, "too many --dns-port: at most %d", NS_DNS_PORTS_MAX);
		return -E2BIG;
	}
	o->dns.ports[o->dns.nports++] = (__u16)port;
	return 0;
}

static int parse_timeout(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	uint64_t ms;

	if (ns_parse_duration_ms(arg, &ms) || !ms || ms > 3600 * 1000) {
		snprintf(err, errlen,
			 "invalid --timeout '%s': expected a time up to 1h, e.g. 5s or 1500ms",
			 arg);
		return -EINVAL;
	}
	o->dns.timeout_ms = ms;
	return 0;
}

static int parse_by(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	if (strcmp(arg, "client")) {
		snprintf(err, errlen,
			 "invalid --by '%.40s': expected client (the queries a DNS server here "
			 "receives, per client)",
			 arg);
		return -EINVAL;
	}
	o->dns.by_client = true;
	o->summary = true; /* counted in the kernel: tables only */
	return 0;
}

static int run_dns(const struct ns_cli_opts *given)
{
	struct ns_cli_opts o = *given;
	struct ns_dns_opts opts = o.dns;
	char err[NS_CLI_ERR_LEN];

	if (opts.by_client && !o.devices.nifaces) {
		fprintf(stderr,
			"netsight dns: --by client counts the queries coming in on "
			"interfaces: give --iface IF (or all)\nTry 'netsight dns --help'.\n");
		return NS_EXIT_USAGE;
	}
	if (!opts.by_client && (o.devices.nifaces || o.devices.xdp || o.devices.netns)) {
		fprintf(stderr, "netsight dns: --iface, --xdp and --netns go with --by client\n"
				"Try 'netsight dns --help'.\n");
		return NS_EXIT_USAGE;
	}
	if (opts.by_client && ns_devices_check(&o.devices, err, sizeof(err))) {
		fprintf(stderr, "netsight dns: %s\n", err);
		return NS_EXIT_USAGE;
	}
	/* Counted in the kernel: tables only. */
	if (opts.by_client)
		o.summary = true;
	opts.summary = o.summary;
	opts.dev = o.devices;
	ns_dns_configure(&opts);
	return ns_run(&o, opts.by_client ? "DNS queries per client" : "DNS queries and answers",
		      dns_families);
}

static const struct ns_option dns_options[] = {
	{ "dns-port", 0, "PORT", "a port DNS servers answer on (repeatable, up to 8; default 53)",
	  parse_dns_port },
	{ "by", 0, "client",
	  "as a DNS server: count the queries coming in on the --iface interfaces per client "
	  "address and question type, in the kernel (at TC, or XDP with --xdp); tables only",
	  parse_by },
	{ "timeout", 0, "TIME",
	  "a query with no answer after TIME is reported as dns_timeout (default 5s)",
	  parse_timeout },
	{ NULL },
};

static const struct ns_option_group dns_groups[] = {
	{ "DNS", dns_options },
	{ "Interfaces (--by client)", ns_device_options },
	{ "Filters", ns_filter_options },
	{ "Summary", ns_summary_options },
	{ "Output", ns_output_options },
	{ "Kernel", ns_kernel_options },
	{ NULL, NULL },
};

const struct ns_command ns_cmd_dns = {
	.name = "dns",
	.families = dns_families,
	.summary = "DNS queries and answers, with latency, response code and process",
	.description =
		"Report the DNS queries this host's processes send, over UDP and TCP, IPv4 and\n"
		"IPv6, and the answers they get:\n"
		"  dns_query    a query: its name, type, id and server, with the process that\n"
		"               sent it (the owner of its socket) and its container\n"
		"  dns_answer   its answer: response code (NOERROR, NXDOMAIN, SERVFAIL...),\n"
		"               number of answers, and the time since the query\n"
		"  dns_timeout  a query with no answer after --timeout\n"
		"\n"
		"Answers are matched to queries by id, transport and both ends. The kernel copies\n"
		"the first 512 bytes of each message; netsight decodes them, and leaves out\n"
		"messages that are not DNS. A DNS server on this host is not reported for the\n"
		"queries it receives: its clients are.\n"
		"\n"
		"With --summary: per process and question name, the queries, errors by response\n"
		"code, timeouts and latency percentiles, at exit and every --interval.\n"
		"\n"
		"On a DNS server, --by client --iface IF counts the queries that come in on IF\n"
		"per client address and question type, in the kernel, at TC or with --xdp at\n"
		"XDP (native where the driver has it), copying no packet to user space.",
	.groups = dns_groups,
	.examples = "  netsight dns                        every query and answer\n"
		    "  netsight dns -c curl -o json        those of curl, as JSON\n"
		    "  netsight dns --summary --interval 10\n"
		    "  netsight dns --dns-port 53 --dns-port 5353 --timeout 2s\n"
		    "  netsight dns --by client --iface eth0 --xdp --interval 10\n",
	.run = run_dns,
};
