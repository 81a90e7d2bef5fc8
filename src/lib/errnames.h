/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef NETSIGHT_ERRNAMES_H
#define NETSIGHT_ERRNAMES_H

/*
 * The symbolic name of a positive errno ("ECONNREFUSED"), or "errno N" for a
 * number this libc does not know (in a static buffer, valid until next call).
 */
const char *ns_errno_name(int err);

#endif /* NETSIGHT_ERRNAMES_H */
