/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DNS family's contract: the DNS messages this host's processes send to
 * a DNS port (queries) and receive from one (answers), over UDP or TCP, each
 * with the socket's owner and the first NS_DNS_MSG_MAX bytes of the message.
 * Names are decoded in user space (src/lib/dnsmsg.c).
 */
#ifndef NETSIGHT_DNS_H
#define NETSIGHT_DNS_H

#include "event.h"

/* Bytes of a message copied: a question always fits; answers may be cut. */
#define NS_DNS_MSG_MAX 512
/* DNS ports watched (--dns-port); the default is 53. */
#define NS_DNS_PORTS_MAX 8

struct ns_dns_event {
	struct ns_event_hdr hdr;
	struct ns_owner owner;
	struct ns_tuple tuple; /* the packet's: laddr/lport its source */
	__u16 msg_len; /* the message's length (TCP: without its length prefix) */
	__u16 copied; /* bytes of it in msg */
	__u8 direction; /* enum ns_dns_direction */
	__u8 pad[3];
	__u8 msg[NS_DNS_MSG_MAX];
};

enum ns_dns_direction {
	NS_DNS_QUERY = 0, /* sent to a DNS port */
	NS_DNS_ANSWER = 1, /* received from one */
};

/*
 * --by client: the queries a DNS server on this host receives, counted per
 * client address and question type where they come in (TC or XDP), in the
 * rows of dns_clients for the reading period in dns_client_period[0].
 */
#define NS_DNS_CLIENTS_MAX 16384

struct ns_dns_client_key {
	__u8 addr[NS_ADDR_LEN]; /* the client's; IPv4 in the first four bytes */
	__u16 family; /* AF_INET, AF_INET6 */
	__u16 qtype;
	__u8 epoch; /* reading period */
	__u8 pad[3];
};

_Static_assert(sizeof(struct ns_dns_event) == 128 + NS_DNS_MSG_MAX, "ns_dns_event layout");
_Static_assert(sizeof(struct ns_dns_client_key) == 24, "ns_dns_client_key layout");

#endif /* NETSIGHT_DNS_H */
