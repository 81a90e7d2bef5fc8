// SPDX-License-Identifier: GPL-2.0-only
/* netsight dns: DNS queries and answers, with latency and process. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/run.h"
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

static int run_dns(const struct ns_cli_opts *o)
{
	struct ns_dns_opts opts = o->dns;

	opts.summary = o->summary;
	ns_dns_configure(&opts);
	return ns_run(o, "DNS queries and answers", dns_families);
}

static const struct ns_option dns_options[] = {
	{ "dns-port", 0, "PORT", "a port DNS servers answer on (repeatable, up to 8; default 53)",
	  parse_dns_port },
	{ "timeout", 0, "TIME",
	  "a query with no answer after TIME is reported as dns_timeout (default 5s)",
	  parse_timeout },
	{ NULL },
};

static const struct ns_option_group dns_groups[] = {
	{ "DNS", dns_options },
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
		"code, timeouts and latency percentiles, at exit and every --interval.",
	.groups = dns_groups,
	.examples = "  netsight dns                        every query and answer\n"
		    "  netsight dns -c curl -o json        those of curl, as JSON\n"
		    "  netsight dns --summary --interval 10\n"
		    "  netsight dns --dns-port 53 --dns-port 5353 --timeout 2s\n",
	.run = run_dns,
};
