/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Names of kernel enums, read from the running kernel's BTF at start-up: drop
 * reasons, TCP states and the like have numbers that differ between kernels,
 * so netsight never keeps its own copy of them.
 */
#ifndef NETSIGHT_BTF_ENUM_H
#define NETSIGHT_BTF_ENUM_H

#include <stddef.h>
#include <linux/types.h>

struct btf;

struct ns_enum_entry {
	__s64 value;
	const char *name; /* with the prefix removed */
};

struct ns_enum_names {
	struct ns_enum_entry *entries; /* sorted by value */
	size_t count;
	char *strings;
};

/*
 * Loads the enum named @type_name, or when @type_name is NULL the first enum
 * that has a member called @member (for anonymous enums such as TCP states).
 * Each prefix in the NULL-terminated @strip is removed from names that start
 * with it, the first match only. -ENOENT if no such enum exists.
 */
int ns_enum_names_load(const struct btf *btf, const char *type_name, const char *member,
		       const char *const *strip, struct ns_enum_names *out);
void ns_enum_names_release(struct ns_enum_names *names);

/* The name of @value, or NULL. */
const char *ns_enum_names_get(const struct ns_enum_names *names, __s64 value);
/* The value named @name (after prefix removal): 0 and *value set, or -ENOENT. */
int ns_enum_names_find(const struct ns_enum_names *names, const char *name, __s64 *value);

#endif /* NETSIGHT_BTF_ENUM_H */
