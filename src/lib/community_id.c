// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sha1.h>

#include "lib/community_id.h"

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58
#define PROTO_SCTP 132

/* ICMP types with a counterpart: a request and its answer are one flow. */
static const __u8 icmp4_pairs[][2] = { { 8, 0 }, { 13, 14 }, { 15, 16 }, { 10, 9 }, { 17, 18 } };
static const __u8 icmp6_pairs[][2] = { { 128, 129 }, { 130, 131 }, { 133, 134 },
				       { 135, 136 }, { 139, 140 }, { 144, 145 } };

/*
 * The port equivalents of an ICMP message: its type and its counterpart's, or
 * for a one-way message its type and code. Returns whether it is one-way.
 */
static bool icmp_ports(bool v6, __u16 *sport, __u16 *dport)
{
	const __u8(*pairs)[2] = v6 ? icmp6_pairs : icmp4_pairs;
	size_t n = v6 ? sizeof(icmp6_pairs) / sizeof(icmp6_pairs[0]) :
			sizeof(icmp4_pairs) / sizeof(icmp4_pairs[0]);

	for (size_t i = 0; i < n; i++) {
		for (int side = 0; side < 2; side++) {
			if (*sport != pairs[i][side])
				continue;
			*dport = pairs[i][!side];
			return false;
		}
	}
	return true;
}

/*
 * A connection's events (connect, accept, both closes) share one flow: the
 * last IDs computed, by hash input, so most events skip the SHA-1.
 */
#define CACHE_SLOTS 256
#define INPUT_MAX (2 + 16 + 16 + 2 + 4)

struct cache_slot {
	unsigned char in[INPUT_MAX];
	size_t n; /* 0: empty */
	char id[NS_COMMUNITY_ID_LEN];
};

static struct cache_slot cache[CACHE_SLOTS];

/* The slot for hash input @in (@n bytes): FNV-1a picks it. */
static struct cache_slot *cached(const unsigned char *in, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ in[i]) * 16777619u;
	return &cache[(h ^ h >> 16) % CACHE_SLOTS];
}

/* RFC 4648 base64 of @n bytes into @out, with padding and a NUL: 4 * ceil(n / 3) + 1 bytes. */
static void base64(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned int v = in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0) |
				 (i + 2 < n ? in[i + 2] : 0);

		*out++ = digits[v >> 18 & 63];
		*out++ = digits[v >> 12 & 63];
		*out++ = i + 1 < n ? digits[v >> 6 & 63] : '=';
		*out++ = i + 2 < n ? digits[v & 63] : '=';
	}
	*out = '\0';
}

int ns_community_id(int family, const __u8 *saddr, const __u8 *daddr, __u8 proto, __u16 sport,
		    __u16 dport, __u16 seed, char *buf, size_t len)
{
	size_t alen = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
	bool ports = proto == PROTO_TCP || proto == PROTO_UDP || proto == PROTO_SCTP ||
		     proto == PROTO_ICMP || proto == PROTO_ICMPV6;
	bool one_way = false, swap;
	unsigned char in[INPUT_MAX], digest[SHA1_DIGEST_LENGTH];
	struct cache_slot *slot;
	SHA1_CTX sha;
	size_t n = 0;
	int cmp;

	if (!alen)
		return -EAFNOSUPPORT;
	if (len < NS_COMMUNITY_ID_LEN)
		return -ENOSPC;
	if (proto == PROTO_ICMP || proto == PROTO_ICMPV6)
		one_way = icmp_ports(proto == PROTO_ICMPV6, &sport, &dport);
	/* Both directions hash alike: the lower endpoint goes first. */
	cmp = memcmp(saddr, daddr, alen);
	swap = !one_way && (cmp > 0 || (cmp == 0 && ports && sport > dport));
	in[n++] = seed >> 8;
	in[n++] = seed & 0xff;
	memcpy(in + n, swap ? daddr : saddr, alen);
	n += alen;
	memcpy(in + n, swap ? saddr : daddr, alen);
	n += alen;
	in[n++] = proto;
	in[n++] = 0;
	if (ports) {
		__u16 first = swap ? dport : sport, second = swap ? sport : dport;

		in[n++] = first >> 8;
		in[n++] = first & 0xff;
		in[n++] = second >> 8;
		in[n++] = second & 0xff;
	}
	slot = cached(in, n);
	if (slot->n != n || memcmp(slot->in, in, n)) {
		SHA1Init(&sha);
		SHA1Update(&sha, in, n);
		SHA1Final(digest, &sha);
		memcpy(slot->id, "1:", 2);
		base64(digest, sizeof(digest), slot->id + 2);
		memcpy(slot->in, in, n);
		slot->n = n;
	}
	memcpy(buf, slot->id, NS_COMMUNITY_ID_LEN);
	return 0;
}
