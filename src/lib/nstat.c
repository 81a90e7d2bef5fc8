// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/nstat.h"
#include "lib/parse.h"

static int add(struct ns_nstat *st, const char *prefix, size_t plen, const char *name, size_t nlen,
	       uint64_t value)
{
	struct ns_nstat_entry *grown, *e;

	if (plen + nlen >= NS_NSTAT_NAME_LEN)
		return 0; /* no counter we compare with is that long */
	grown = realloc(st->entries, (st->count + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	st->entries = grown;
	e = &st->entries[st->count++];
	memcpy(e->name, prefix, plen);
	memcpy(e->name + plen, name, nlen);
	e->name[plen + nlen] = '\0';
	e->value = value;
	return 0;
}

/* One header line and its values line, both starting with "Prefix:". */
static int parse_pair(struct ns_nstat *st, const char *names, const char *values)
{
	const char *prefix = names;
	size_t plen = strcspn(names, ":");
	char num[32];
	int err = 0;

	if (!names[plen] || strncmp(names, values, plen + 1))
		return -EINVAL;
	names += plen + 1;
	values += plen + 1;
	while (!err) {
		size_t nlen, vlen;
		uint64_t v;

		names += strspn(names, " ");
		values += strspn(values, " ");
		nlen = strcspn(names, " \n");
		vlen = strcspn(values, " \n");
		if (!nlen || !vlen)
			return nlen || vlen ? -EINVAL : 0;
		if (vlen >= sizeof(num))
			return -EINVAL;
		memcpy(num, values, vlen);
		num[vlen] = '\0';
		/* Some SNMP values are negative (Tcp MaxConn -1): not counters. */
		if (!ns_parse_u64(num, 0, UINT64_MAX, &v))
			err = add(st, prefix, plen, names, nlen, v);
		names += nlen;
		values += vlen;
	}
	return err;
}

int ns_nstat_parse(struct ns_nstat *st, const char *text)
{
	const char *line = text;

	while (*line) {
		const char *next = strchr(line, '\n');
		int err;

		if (!next)
			return -EINVAL;
		err = parse_pair(st, line, next + 1);
		if (err)
			return err;
		next = strchr(next + 1, '\n');
		line = next ? next + 1 : "";
	}
	return 0;
}

static int read_file(const char *path, char *buf, size_t len)
{
	size_t used = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf + used, len - 1 - used)) > 0)
		used += n;
	close(fd);
	if (n < 0)
		return -errno;
	if (used == len - 1)
		return -EFBIG;
	buf[used] = '\0';
	return 0;
}

int ns_nstat_read(struct ns_nstat *st, int pid)
{
	static const char *const files[] = { "snmp", "netstat" };
	size_t len = 64 * 1024;
	char path[64], *buf = malloc(len);
	int err = buf ? 0 : -ENOMEM;

	memset(st, 0, sizeof(*st));
	for (size_t i = 0; !err && i < 2; i++) {
		if (pid)
			snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, files[i]);
		else
			snprintf(path, sizeof(path), "/proc/self/net/%s", files[i]);
		err = read_file(path, buf, len);
		if (!err)
			err = ns_nstat_parse(st, buf);
	}
	free(buf);
	if (err)
		ns_nstat_release(st);
	return err;
}

uint64_t ns_nstat_get(const struct ns_nstat *st, const char *name)
{
	for (size_t i = 0; i < st->count; i++)
		if (!strcmp(st->entries[i].name, name))
			return st->entries[i].value;
	return 0;
}

void ns_nstat_release(struct ns_nstat *st)
{
	free(st->entries);
	st->entries = NULL;
	st->count = 0;
}
