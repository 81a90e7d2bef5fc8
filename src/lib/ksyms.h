/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel text addresses to "function+0xoffset", from /proc/kallsyms: a table
 * loaded once and searched by bisection, for load-time lookups; and single
 * addresses named one at a time and remembered, for what runs for long.
 */
#ifndef NETSIGHT_KSYMS_H
#define NETSIGHT_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct ns_ksyms;

/* Loads @path (normally /proc/kallsyms). NULL and errno on failure. */
struct ns_ksyms *ns_ksyms__load(const char *path);
void ns_ksyms__free(struct ns_ksyms *ks);

/*
 * Whether the kernel hid its addresses (kptr_restrict, or not root): every
 * address read as zero, so nothing can be symbolized.
 */
bool ns_ksyms__restricted(const struct ns_ksyms *ks);
size_t ns_ksyms__count(const struct ns_ksyms *ks);

/*
 * Where the function @name lies: [*start, *end), up to the next symbol.
 * -ENOENT if there is no such symbol (or nothing after it), -EPERM if the
 * addresses are hidden.
 */
int ns_ksyms__range(const struct ns_ksyms *ks, const char *name, __u64 *start, __u64 *end);

/* "tcp_v4_rcv+0x91"; "0xffffffff81234567" when no symbol covers @addr. */
void ns_ksyms__format(const struct ns_ksyms *ks, __u64 addr, char *buf, size_t len);

/*
 * The process-wide table from /proc/kallsyms, loaded on first use; NULL (and
 * errno) if it cannot be read.
 */
const struct ns_ksyms *ns_ksyms_default(void);
/* Frees the process-wide table; the next ns_ksyms_default() loads it again. */
void ns_ksyms_default_release(void);

/*
 * @addr as ns_ksyms__format() names it ("tcp_v4_rcv+0x91", or the hex
 * address), without holding the table: from the process-wide table while
 * it is loaded, else from one pass over /proc/kallsyms (about 40 ms), and
 * remembered for the next time (up to 4096 addresses). Drop locations are
 * a few dozen functions: a long-running process keeps those names only.
 */
void ns_ksyms_name(__u64 addr, char *buf, size_t len);
/* Forgets the remembered names. */
void ns_ksyms_names_release(void);
/* Tests: names come from @path (NULL: /proc/kallsyms); forgets the remembered ones. */
void ns_ksyms_names_source(const char *path);

#endif /* NETSIGHT_KSYMS_H */
