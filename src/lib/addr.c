// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/addr.h"

static const __u8 v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* inet_ntop() goes through sprintf for IPv4; this is on every event's path. */
static int format_ipv4(const __u8 *addr, char *buf, size_t len)
{
	char *p = buf;

	if (len < INET_ADDRSTRLEN)
		return -ENOSPC;
	for (int i = 0; i < 4; i++) {
		unsigned int b = addr[i];

		if (b >= 100)
			*p++ = '0' + b / 100;
		if (b >= 10)
			*p++ = '0' + b / 10 % 10;
		*p++ = '0' + b % 10;
		*p++ = i < 3 ? '.' : '\0';
	}
	return AF_INET;
}

int ns_addr_format(int family, const __u8 *addr, char *buf, size_t len)
{
	if (family == AF_INET6 && !memcmp(addr, v4mapped_prefix, sizeof(v4mapped_prefix))) {
		family = AF_INET;
		addr += sizeof(v4mapped_prefix);
	}
	if (family == AF_INET)
		return format_ipv4(addr, buf, len);
	if (family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!inet_ntop(family, addr, buf, len))
		return -errno;
	return family;
}

int ns_endpoint_format(int family, const __u8 *addr, __u16 port, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	int printed = ns_addr_format(family, addr, ip, sizeof(ip));

	if (printed < 0)
		return printed;
	if (printed == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ip, port);
	else
		snprintf(buf, len, "%s:%u", ip, port);
	return printed;
}

const char *ns_ip_proto_name(unsigned int proto)
{
	/* Only what the probes can report; numbers from the IANA registry. */
	switch (proto) {
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_IGMP:
		return "igmp";
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_GRE:
		return "gre";
	case IPPROTO_ESP:
		return "esp";
	case IPPROTO_ICMPV6:
		return "ipv6-icmp";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_UDPLITE:
		return "udplite";
	default:
		return NULL;
	}
}

bool ns_ip_proto_has_ports(unsigned int proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP ||
	       proto == IPPROTO_UDPLITE;
}
