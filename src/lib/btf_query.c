// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <bpf/btf.h>

#include "lib/btf_query.h"

int ns_btf_tracepoint_args(const struct btf *btf, const char *name)
{
	const struct btf_type *t;
	char typedef_name[128];
	int id;

	if ((size_t)snprintf(typedef_name, sizeof(typedef_name), "btf_trace_%s", name) >=
	    sizeof(typedef_name))
		return -ENAMETOOLONG;
	id = btf__find_by_name_kind(btf, typedef_name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return -ENOENT;
	t = btf__type_by_id(btf, id);
	t = t ? btf__type_by_id(btf, t->type) : NULL;
	if (!t || !btf_is_ptr(t))
		return -EINVAL;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < 1)
		return -EINVAL;
	return btf_vlen(t) - 1;
}

bool ns_btf_has_func(const struct btf *btf, const char *name)
{
	return btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;
}
