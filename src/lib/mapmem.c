// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/mapmem.h"

/* The value of "@key:\t..." in @text, or NULL. */
static const char *field(const char *text, const char *key)
{
	size_t len = strlen(key);
	const char *line = text;

	while (line && *line) {
		if (!strncmp(line, key, len) && line[len] == ':')
			return line + len + 1;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return NULL;
}

int ns_fdinfo_map_memlock(const char *text, __u32 *id, __u64 *bytes)
{
	const char *type = field(text, "map_type"), *mem = field(text, "memlock");
	const char *map_id = field(text, "map_id");

	if (!type || !mem || !map_id)
		return -ENOENT;
	*bytes = strtoull(mem, NULL, 10);
	*id = strtoul(map_id, NULL, 10);
	return 0;
}

int ns_map_memlock(int fd, __u32 *id, __u64 *bytes)
{
	char path[64], text[1024];
	ssize_t n;
	int info;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	info = open(path, O_RDONLY | O_CLOEXEC);
	if (info < 0)
		return -errno;
	n = read(info, text, sizeof(text) - 1);
	close(info);
	if (n < 0)
		return -errno;
	text[n] = '\0';
	return ns_fdinfo_map_memlock(text, id, bytes);
}

int ns_map_memory_add(struct ns_map_memory *m, int fd)
{
	__u64 bytes;
	__u32 id;
	int err = ns_map_memlock(fd, &id, &bytes);

	if (err)
		return err;
	for (size_t i = 0; i < m->maps && i < sizeof(m->ids) / sizeof(m->ids[0]); i++)
		if (m->ids[i] == id)
			return 0;
	if (m->maps < sizeof(m->ids) / sizeof(m->ids[0]))
		m->ids[m->maps] = id;
	m->maps++;
	m->bytes += bytes;
	return 0;
}
