/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading DNS messages (RFC 1035 4.1) as the kernel side copies them: maybe
 * cut short, maybe malformed or hostile. Nothing is read outside the bytes
 * given; compression pointers must point back, and a name takes at most
 * NS_DNS_JUMPS_MAX of them and 255 bytes, so no message loops or overflows.
 */
#ifndef NETSIGHT_DNSMSG_H
#define NETSIGHT_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A name in presentation format: 255 bytes on the wire, each escaped to at most 4. */
#define NS_DNS_NAME_LEN 1024
#define NS_DNS_JUMPS_MAX 16

struct ns_dns_msg {
	uint16_t id;
	bool response; /* QR */
	uint8_t opcode;
	uint8_t rcode; /* the header's 4 bits */
	uint16_t qdcount, ancount, nscount, arcount;
	bool has_question; /* the first question was read whole */
	char qname[NS_DNS_NAME_LEN]; /* "www.example.com", "." for the root */
	uint16_t qtype, qclass;
};

/*
 * Reads the header and the first question of the message in @msg (@len
 * bytes). 0; -EBADMSG if the header is cut short or the question is
 * malformed (then has_question is false, the header fields are set).
 */
int ns_dns_parse(const uint8_t *msg, size_t len, struct ns_dns_msg *out);

/*
 * The name at *@off in @msg, in presentation format ('.' and '\' in labels
 * escaped, other bytes outside printable ASCII as \DDD), into @buf; *@off
 * moves past it (past its first pointer, if any). 0 or -EBADMSG.
 */
int ns_dns_read_name(const uint8_t *msg, size_t len, size_t *off, char *buf, size_t buflen);

/* "A", "AAAA", ..., or "TYPE65280" (written into @buf). */
const char *ns_dns_type_name(uint16_t type, char *buf, size_t len);
/* "NOERROR", "NXDOMAIN", ..., or "RCODE12" (written into @buf). */
const char *ns_dns_rcode_name(unsigned int rcode, char *buf, size_t len);

#endif /* NETSIGHT_DNSMSG_H */
