/* SPDX-License-Identifier: GPL-2.0-only */
/* The drop family's user-space side: reason names and selection. */
#ifndef NETSIGHT_PROBES_DROP_H
#define NETSIGHT_PROBES_DROP_H

#include <stddef.h>
#include <linux/types.h>

#include <netsight/drop.h>

#include "lib/btf_enum.h"
#include "lib/family.h"

/* Reads drop reason names from the running kernel's BTF (once). */
int ns_drop_reasons_load(void);
/* The loaded names (prefix removed: "NETFILTER_DROP"), or NULL before loading. */
const struct ns_enum_names *ns_drop_reason_names(void);
/* The name of @reason, or "SUBSYSTEM/code", or "REASON_<n>" (written to @buf). */
const char *ns_drop_reason_name(__u32 reason, char *buf, size_t len);
/* The slot of @reason in the per-reason maps. */
__u32 ns_drop_reason_slot(__u32 reason);
/* Which reason slots to report (1 = report); applied when the family loads. */
void ns_drop_select(const __u8 wanted[NS_DROP_REASON_SLOTS]);
/*
 * The slots of every reason that is a drop, leaving out "not dropped" and
 * "consumed" (which kfree_skb also reports); needs the loaded names.
 */
void ns_drop_all_reasons(__u8 wanted[NS_DROP_REASON_SLOTS]);

int ns_drop_decode(const void *data, size_t size, const struct ns_decode_ctx *ctx,
		   struct ns_record *rec);

#endif /* NETSIGHT_PROBES_DROP_H */
