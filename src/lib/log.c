// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "lib/log.h"

static ns_log_fn printer;
static enum ns_log_level max_level = NS_LOG_WARN;

void ns_log_set_printer(ns_log_fn fn, enum ns_log_level level)
{
	printer = fn;
	max_level = level;
}

static void vlog(enum ns_log_level level, const char *fmt, va_list ap)
{
	char small[1024], *msg = small;
	va_list again;
	size_t len;
	int n;

	if (!printer || level > max_level)
		return;
	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	/* A verifier log comes as one message, megabytes long: print it whole. */
	if (n >= (int)sizeof(small) && vasprintf(&msg, fmt, again) < 0)
		msg = small;
	va_end(again);
	len = strlen(msg);
	while (len && msg[len - 1] == '\n')
		msg[--len] = '\0';
	printer(level, msg);
	if (msg != small)
		free(msg);
}

void ns_log(enum ns_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum ns_log_level ours = level == LIBBPF_DEBUG ? NS_LOG_TRACE : NS_LOG_DEBUG;

	vlog(ours, fmt, ap);
	return 0;
}

void ns_log_capture_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
