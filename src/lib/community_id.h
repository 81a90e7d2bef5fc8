/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Community ID of a flow, version 1 (github.com/corelight/community-id-spec,
 * ECS network.community_id): the same string for both directions of a flow,
 * whichever tool computes it, so events of netsight, Zeek and Suricata join.
 */
#ifndef NETSIGHT_COMMUNITY_ID_H
#define NETSIGHT_COMMUNITY_ID_H

#include <stddef.h>
#include <linux/types.h>

/* "1:" and 28 base64 characters, and the terminating NUL. */
#define NS_COMMUNITY_ID_LEN 31

/*
 * The ID of the flow from @saddr:@sport to @daddr:@dport (addresses of
 * @family, ports in host order) over IP protocol @proto, with @seed (0 by
 * default). For ICMP and ICMPv6, @sport is the type and @dport the code.
 * 0, or -EAFNOSUPPORT, -ENOSPC (@len too small), -EIO (no SHA-1).
 */
int ns_community_id(int family, const __u8 *saddr, const __u8 *daddr, __u8 proto, __u16 sport,
		    __u16 dport, __u16 seed, char *buf, size_t len);

#endif /* NETSIGHT_COMMUNITY_ID_H */
