/* SPDX-License-Identifier: GPL-2.0-only */
/* The DNS family's user-space side: which ports, and how long to wait for answers. */
#ifndef NETSIGHT_PROBES_DNS_H
#define NETSIGHT_PROBES_DNS_H

#include <stddef.h>
#include <linux/types.h>

#include <netsight/dns.h>

#include "lib/devices.h"
#include "lib/family.h"

#define NS_DNS_TIMEOUT_DEFAULT_MS 5000

struct ns_dns_opts {
	__u16 ports[NS_DNS_PORTS_MAX]; /* DNS ports; none given: 53 */
	size_t nports;
	__u64 timeout_ms; /* a query unanswered this long is a timeout; 0: the default */
	bool summary; /* count per process and name instead of reporting each message */
	/* --by client: count the queries coming in on these interfaces instead. */
	bool by_client;
	struct ns_device_opts dev;
};

/* What the next load of the DNS family watches (copied). */
void ns_dns_configure(const struct ns_dns_opts *opts);

#endif /* NETSIGHT_PROBES_DNS_H */
