// SPDX-License-Identifier: GPL-2.0-only
/*
 * A section of globals is a one-element array map; its value is the whole
 * section. It is rewritten through the map (read, change, write back) rather
 * than through libbpf's memory mapping of it, which libbpf makes shared with
 * the kernel only when an object is loaded through its skeleton.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "lib/objvar.h"

/* The offset of variable @name in datasec @sec of @btf, -ENOENT or -EINVAL (size). */
static long var_offset(const struct btf *btf, const char *sec, const char *name, size_t size)
{
	int id = btf__find_by_name_kind(btf, sec, BTF_KIND_DATASEC);
	const struct btf_var_secinfo *vi;
	const struct btf_type *t;

	if (id < 0)
		return -ENOENT;
	t = btf__type_by_id(btf, id);
	vi = btf_var_secinfos(t);
	for (int i = 0; i < btf_vlen(t); i++, vi++) {
		const struct btf_type *var = btf__type_by_id(btf, vi->type);

		if (strcmp(btf__name_by_offset(btf, var->name_off), name))
			continue;
		return vi->size == size ? (long)vi->offset : -EINVAL;
	}
	return -ENOENT;
}

static int set_in(struct bpf_map *map, size_t off, const void *value, size_t size)
{
	size_t len = bpf_map__value_size(map);
	__u32 key = 0;
	char *sec;
	int err = 0;

	if (off + size > len)
		return -EINVAL;
	sec = malloc(len);
	if (!sec)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(map), &key, sec))
		err = -errno;
	if (!err) {
		memcpy(sec + off, value, size);
		if (bpf_map_update_elem(bpf_map__fd(map), &key, sec, 0))
			err = -errno;
	}
	free(sec);
	return err;
}

int ns_object_var_set(struct bpf_object *obj, const char *name, const void *value, size_t size)
{
	static const char *const sections[] = { ".bss", ".data" };
	const struct btf *btf = bpf_object__btf(obj);

	for (size_t i = 0; btf && i < sizeof(sections) / sizeof(sections[0]); i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, sections[i]);
		long off = var_offset(btf, sections[i], name, size);

		if (off == -ENOENT)
			continue;
		if (off < 0 || !map)
			return -EINVAL;
		return set_in(map, off, value, size);
	}
	return -ENOENT;
}
