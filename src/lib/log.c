// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
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
	char msg[1024];
	size_t len;

	if (!printer || level > max_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len && msg[len - 1] == '\n')
		msg[--len] = '\0';
	printer(level, msg);
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
