/* SPDX-License-Identifier: GPL-2.0-only */
/* Printing addresses and endpoints the way operators read them. */
#ifndef NETSIGHT_ADDR_H
#define NETSIGHT_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* INET6_ADDRSTRLEN plus brackets, colon and port. */
#define NS_ENDPOINT_STRLEN 56

/*
 * Formats @addr (4 bytes for AF_INET, 16 for AF_INET6) into @buf. An
 * IPv4-mapped IPv6 address is printed as IPv4. Returns the family printed
 * (AF_INET or AF_INET6) or -EAFNOSUPPORT.
 */
int ns_addr_format(int family, const __u8 *addr, char *buf, size_t len);

/* "10.0.0.1:80", "[2001:db8::1]:443". Returns as ns_addr_format(). */
int ns_endpoint_format(int family, const __u8 *addr, __u16 port, char *buf, size_t len);

/*
 * The IANA keyword for an IP protocol number as ECS network.transport uses it
 * ("tcp", "udp", "icmp", "ipv6-icmp"), or NULL when netsight has no name.
 */
const char *ns_ip_proto_name(unsigned int proto);

/* Whether packets of IP protocol @proto carry ports (TCP, UDP, SCTP, UDP-Lite). */
bool ns_ip_proto_has_ports(unsigned int proto);

#endif /* NETSIGHT_ADDR_H */
