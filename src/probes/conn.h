/* SPDX-License-Identifier: GPL-2.0-only */
/* The connection family's user-space side, exposed for tests. */
#ifndef NETSIGHT_PROBES_CONN_H
#define NETSIGHT_PROBES_CONN_H

#include <stddef.h>

#include "lib/family.h"

/* Names from include/netsight/conn.h, NULL outside the enum. */
const char *ns_conn_action_name(unsigned int action);
const char *ns_close_reason_name(unsigned int reason);

int ns_conn_decode(const void *data, size_t size, const struct ns_decode_ctx *ctx,
		   struct ns_record *rec);

#endif /* NETSIGHT_PROBES_CONN_H */
