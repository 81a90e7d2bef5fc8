/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Questions the loader asks the running kernel's BTF before loading a
 * program: does a kfunc exist, how many arguments does a tracepoint pass.
 * The answer picks a program variant; loading the program stays the test.
 */
#ifndef NETSIGHT_BTF_QUERY_H
#define NETSIGHT_BTF_QUERY_H

#include <stdbool.h>

struct btf;

/*
 * The number of arguments tracepoint @name passes to BPF programs, from its
 * typedef btf_trace_<name> (a pointer to a function whose first parameter is
 * the tracepoint's private data, which programs do not see; see
 * include/trace/bpf_probe.h). -ENOENT if there is no such tracepoint,
 * -EINVAL if the typedef is not of that shape.
 */
int ns_btf_tracepoint_args(const struct btf *btf, const char *name);

/* Whether the kernel has a function (or kfunc) called @name. */
bool ns_btf_has_func(const struct btf *btf, const char *name);

#endif /* NETSIGHT_BTF_QUERY_H */
