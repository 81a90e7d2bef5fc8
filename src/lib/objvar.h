/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Setting a loaded BPF object's global variables (.bss, .data), which its
 * programs read: the loader's run-time switches and tables user space fills.
 */
#ifndef NETSIGHT_OBJVAR_H
#define NETSIGHT_OBJVAR_H

#include <stddef.h>

struct bpf_object;

/*
 * Writes @size bytes from @value into the variable @name of the loaded @obj,
 * which must be that large. 0, -ENOENT (no such variable), -EINVAL (another
 * size), or the error of the map update.
 */
int ns_object_var_set(struct bpf_object *obj, const char *name, const void *value, size_t size);

#endif /* NETSIGHT_OBJVAR_H */
