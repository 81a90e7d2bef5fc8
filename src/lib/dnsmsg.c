// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/dnsmsg.h"

#define DNS_HDR_LEN 12
#define DNS_NAME_WIRE_MAX 255
#define DNS_LABEL_MAX 63

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Appends @c to @buf (escaped as presentation format wants); false when full. */
static bool put_char(char *buf, size_t buflen, size_t *at, uint8_t c)
{
	char esc[5];
	size_t n;

	if (c == '.' || c == '\\') {
		esc[0] = '\\';
		esc[1] = (char)c;
		n = 2;
	} else if (c > ' ' && c < 0x7f) {
		esc[0] = (char)c;
		n = 1;
	} else {
		snprintf(esc, sizeof(esc), "\\%03u", c);
		n = 4;
	}
	if (*at + n >= buflen)
		return false;
	memcpy(buf + *at, esc, n);
	*at += n;
	buf[*at] = '\0';
	return true;
}

/* The dot between two labels. */
static bool put_separator(char *buf, size_t buflen, size_t *at)
{
	if (*at + 1 >= buflen)
		return false;
	buf[(*at)++] = '.';
	buf[*at] = '\0';
	return true;
}

int ns_dns_read_name(const uint8_t *msg, size_t len, size_t *off, char *buf, size_t buflen)
{
	size_t pos = *off, at = 0, wire = 1, end = 0;
	int jumps = 0;

	if (!buflen)
		return -EBADMSG;
	buf[0] = '\0';
	for (;;) {
		uint8_t n;

		if (pos >= len)
			return -EBADMSG;
		n = msg[pos];
		if ((n & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len || ++jumps > NS_DNS_JUMPS_MAX)
				return -EBADMSG;
			target = (size_t)(n & 0x3f) << 8 | msg[pos + 1];
			/* Only backwards: a pointer to itself or ahead could loop. */
			if (target >= pos)
				return -EBADMSG;
			if (!end)
				end = pos + 2;
			pos = target;
			continue;
		}
		if (n & 0xc0) /* 0x40 and 0x80: extended label types, obsolete */
			return -EBADMSG;
		if (!n) {
			if (!end)
				end = pos + 1;
			break;
		}
		wire += n + 1;
		if (n > DNS_LABEL_MAX || wire > DNS_NAME_WIRE_MAX || pos + 1 + n > len)
			return -EBADMSG;
		if (at && !put_separator(buf, buflen, &at))
			return -EBADMSG;
		for (size_t i = 0; i < n; i++)
			if (!put_char(buf, buflen, &at, msg[pos + 1 + i]))
				return -EBADMSG;
		pos += 1 + n;
	}
	if (!at) {
		if (buflen < 2)
			return -EBADMSG;
		buf[0] = '.';
		buf[1] = '\0';
	}
	*off = end;
	return 0;
}

int ns_dns_parse(const uint8_t *msg, size_t len, struct ns_dns_msg *out)
{
	size_t off = DNS_HDR_LEN;

	memset(out, 0, sizeof(*out));
	if (len < DNS_HDR_LEN)
		return -EBADMSG;
	out->id = be16(msg);
	out->response = msg[2] & 0x80;
	out->opcode = (msg[2] >> 3) & 0x0f;
	out->rcode = msg[3] & 0x0f;
	out->qdcount = be16(msg + 4);
	out->ancount = be16(msg + 6);
	out->nscount = be16(msg + 8);
	out->arcount = be16(msg + 10);
	if (!out->qdcount)
		return 0;
	if (ns_dns_read_name(msg, len, &off, out->qname, sizeof(out->qname)) || off + 4 > len) {
		out->qname[0] = '\0';
		return -EBADMSG;
	}
	out->qtype = be16(msg + off);
	out->qclass = be16(msg + off + 2);
	out->has_question = true;
	return 0;
}

const char *ns_dns_type_name(uint16_t type, char *buf, size_t len)
{
	static const struct {
		uint16_t type;
		const char *name;
	} types[] = {
		{ 1, "A" },	 { 2, "NS" },	   { 5, "CNAME" },  { 6, "SOA" },   { 12, "PTR" },
		{ 13, "HINFO" }, { 15, "MX" },	   { 16, "TXT" },   { 28, "AAAA" }, { 33, "SRV" },
		{ 35, "NAPTR" }, { 39, "DNAME" },  { 41, "OPT" },   { 43, "DS" },   { 46, "RRSIG" },
		{ 47, "NSEC" },	 { 48, "DNSKEY" }, { 50, "NSEC3" }, { 52, "TLSA" }, { 64, "SVCB" },
		{ 65, "HTTPS" }, { 99, "SPF" },	   { 252, "AXFR" }, { 255, "ANY" }, { 257, "CAA" },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return types[i].name;
	snprintf(buf, len, "TYPE%u", type);
	return buf;
}

const char *ns_dns_rcode_name(unsigned int rcode, char *buf, size_t len)
{
	/* RFC 1035, 2136, 6895. */
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					     "NOTIMP",	"REFUSED", "YXDOMAIN", "YXRRSET",
					     "NXRRSET", "NOTAUTH", "NOTZONE" };

	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	snprintf(buf, len, "RCODE%u", rcode);
	return buf;
}
