// SPDX-License-Identifier: GPL-2.0-only
/*
 * Programs every kernel's verifier refuses, next to programs it takes: the
 * BPF load test uses them to drive the loader's real refusal paths (find the
 * refused program, leave it out, load its variant, fail cleanly when it was
 * required) on any kernel.
 */
#include "lib/common.bpf.h"

/* Reads past the end of the tracepoint's arguments: refused, whatever the kernel. */
static __always_inline int past_the_context(void *ctx)
{
	return *(volatile __u64 *)((char *)ctx + 4096) != 0;
}

SEC("tp_btf/inet_sock_set_state")
int refused_fine(void *ctx)
{
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int refused_optional(void *ctx)
{
	return past_the_context(ctx);
}

SEC("tp_btf/inet_sock_set_state")
int refused_primary(void *ctx)
{
	return past_the_context(ctx);
}

SEC("?tp_btf/inet_sock_set_state")
int refused_variant(void *ctx)
{
	return 0;
}

SEC("?tp_btf/inet_sock_set_state")
int refused_required(void *ctx)
{
	return past_the_context(ctx);
}
