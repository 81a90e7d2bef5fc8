/* SPDX-License-Identifier: GPL-2.0-only */
/* The TCP health family's user-space side, exposed for tests. */
#ifndef NETSIGHT_PROBES_TCP_H
#define NETSIGHT_PROBES_TCP_H

#include <stddef.h>

#include "lib/family.h"

/* Names from include/netsight/tcp.h, NULL outside the enum. */
const char *ns_tcp_action_name(unsigned int action);

int ns_tcp_decode(const void *data, size_t size, const struct ns_decode_ctx *ctx,
		  struct ns_record *rec);

#endif /* NETSIGHT_PROBES_TCP_H */
