/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netsight doctor --self-test: a small known scenario in a private network
 * namespace, what netsight saw of it, and that namespace's own counters.
 */
#ifndef NETSIGHT_CLI_SELFTEST_H
#define NETSIGHT_CLI_SELFTEST_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/options.h"

#define NS_SELFTEST_MAX_CHECKS 8

/* One comparison: what netsight reported against a kernel counter. */
struct ns_check {
	const char *what; /* "connect events" */
	const char *counter; /* "TcpActiveOpens" */
	uint64_t seen;
	uint64_t kernel;
	bool pass;
	/* Not compared: the kernel refuses what it needs (why); pass stays true. */
	const char *skipped;
};

struct ns_selftest {
	struct ns_check checks[NS_SELFTEST_MAX_CHECKS];
	size_t n;
	int error; /* negative errno if the scenario could not run */
	char message[256]; /* what failed, with error */
};

/*
 * Runs the scenario: connections, refused connects, datagrams to a closed
 * port and a listen overflow, in a network namespace it creates and removes,
 * traced by the conns, tcp and drops families with @o's kernel options.
 * Needs root. 0 when it ran (checks may still fail), else -errno.
 */
int ns_selftest_run(const struct ns_cli_opts *o, struct ns_selftest *out);

/* Whether it ran and every check passed. */
bool ns_selftest_passed(const struct ns_selftest *t);

#endif /* NETSIGHT_CLI_SELFTEST_H */
