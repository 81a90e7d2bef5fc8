/* SPDX-License-Identifier: GPL-2.0-only */
/* Running BPF iterators: programs whose work happens while they are read. */
#ifndef NETSIGHT_ITER_H
#define NETSIGHT_ITER_H

struct bpf_link;
struct bpf_map;
struct bpf_program;

/* Attaches @prog as an iterator over the elements of @map. NULL and errno on failure. */
struct bpf_link *ns_iter_attach_map(struct bpf_program *prog, struct bpf_map *map);
/* Runs the iterator behind @link once, to the end. 0 or -errno. */
int ns_iter_run(struct bpf_link *link);

#endif /* NETSIGHT_ITER_H */
