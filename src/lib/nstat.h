/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's SNMP and netstat counters of one network namespace, as nstat
 * names them ("TcpActiveOpens", "TcpExtListenOverflows"): the numbers netsight
 * is checked against.
 */
#ifndef NETSIGHT_NSTAT_H
#define NETSIGHT_NSTAT_H

#include <stddef.h>
#include <stdint.h>

#define NS_NSTAT_NAME_LEN 48

struct ns_nstat_entry {
	char name[NS_NSTAT_NAME_LEN];
	uint64_t value;
};

struct ns_nstat {
	struct ns_nstat_entry *entries;
	size_t count;
};

/*
 * Adds the counters of @text, in the format of /proc/net/snmp and
 * /proc/net/netstat (pairs of lines "Tcp: Name ..." / "Tcp: 1 ..."), to @st.
 * -EINVAL if a pair does not match, -ENOMEM.
 */
int ns_nstat_parse(struct ns_nstat *st, const char *text);
/*
 * Reads the counters of the network namespace of process @pid (0: this
 * process) from /proc/<pid>/net/snmp and netstat.
 */
int ns_nstat_read(struct ns_nstat *st, int pid);
/* The value of @name, or 0 if the kernel has no such counter. */
uint64_t ns_nstat_get(const struct ns_nstat *st, const char *name);
void ns_nstat_release(struct ns_nstat *st);

#endif /* NETSIGHT_NSTAT_H */
