// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/iter.h"

struct bpf_link *ns_iter_attach_map(struct bpf_program *prog, struct bpf_map *map)
{
	union bpf_iter_link_info info = { .map.map_fd = bpf_map__fd(map) };
	DECLARE_LIBBPF_OPTS(bpf_iter_attach_opts, opts, .link_info = &info,
			    .link_info_len = sizeof(info));

	return bpf_program__attach_iter(prog, &opts);
}

int ns_iter_run(struct bpf_link *link)
{
	char buf[256];
	ssize_t n;
	int fd, err = 0;

	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
	}
	close(fd);
	return err;
}
