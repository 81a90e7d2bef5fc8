// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "lib/btf_enum.h"

static bool has_member(const struct btf *btf, const struct btf_type *t, const char *member)
{
	__u16 n = btf_vlen(t);

	for (__u16 i = 0; i < n; i++) {
		__u32 off = btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;

		if (!strcmp(btf__name_by_offset(btf, off), member))
			return true;
	}
	return false;
}

static const struct btf_type *find_enum(const struct btf *btf, const char *type_name,
					const char *member)
{
	__u32 n = btf__type_cnt(btf);

	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (!btf_is_any_enum(t))
			continue;
		if (type_name ? !strcmp(btf__name_by_offset(btf, t->name_off), type_name) :
				has_member(btf, t, member))
			return t;
	}
	return NULL;
}

static const char *strip_prefix(const char *name, const char *const *strip)
{
	for (; strip && *strip; strip++) {
		size_t len = strlen(*strip);

		if (!strncmp(name, *strip, len) && name[len])
			return name + len;
	}
	return name;
}

static int cmp_entry(const void *a, const void *b)
{
	__s64 x = ((const struct ns_enum_entry *)a)->value;
	__s64 y = ((const struct ns_enum_entry *)b)->value;

	return x < y ? -1 : x > y;
}

int ns_enum_names_load(const struct btf *btf, const char *type_name, const char *member,
		       const char *const *strip, struct ns_enum_names *out)
{
	const struct btf_type *t = find_enum(btf, type_name, member);
	size_t bytes = 0, used = 0;
	__u16 n;

	memset(out, 0, sizeof(*out));
	if (!t)
		return -ENOENT;
	n = btf_vlen(t);
	for (__u16 i = 0; i < n; i++) {
		__u32 off = btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;

		bytes += strlen(strip_prefix(btf__name_by_offset(btf, off), strip)) + 1;
	}
	out->entries = calloc(n ? n : 1, sizeof(*out->entries));
	out->strings = malloc(bytes ? bytes : 1);
	if (!out->entries || !out->strings) {
		ns_enum_names_release(out);
		return -ENOMEM;
	}
	for (__u16 i = 0; i < n; i++) {
		struct ns_enum_entry *e = &out->entries[i];
		const char *name;
		__u32 off;

		if (btf_is_enum(t)) {
			off = btf_enum(t)[i].name_off;
			/* Kernel enums are unsigned unless BTF says otherwise. */
			e->value = btf_kflag(t) ? (__s64)btf_enum(t)[i].val :
						  (__s64)(__u32)btf_enum(t)[i].val;
		} else {
			off = btf_enum64(t)[i].name_off;
			e->value = (__s64)btf_enum64_value(&btf_enum64(t)[i]);
		}
		name = strip_prefix(btf__name_by_offset(btf, off), strip);
		memcpy(out->strings + used, name, strlen(name) + 1);
		e->name = out->strings + used;
		used += strlen(name) + 1;
	}
	out->count = n;
	qsort(out->entries, n, sizeof(*out->entries), cmp_entry);
	return 0;
}

void ns_enum_names_release(struct ns_enum_names *names)
{
	free(names->entries);
	free(names->strings);
	memset(names, 0, sizeof(*names));
}

const char *ns_enum_names_get(const struct ns_enum_names *names, __s64 value)
{
	size_t lo = 0, hi = names->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (names->entries[mid].value == value)
			return names->entries[mid].name;
		if (names->entries[mid].value < value)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int ns_enum_names_find(const struct ns_enum_names *names, const char *name, __s64 *value)
{
	for (size_t i = 0; i < names->count; i++) {
		if (!strcmp(names->entries[i].name, name)) {
			*value = names->entries[i].value;
			return 0;
		}
	}
	return -ENOENT;
}
