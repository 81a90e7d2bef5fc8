/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Diagnostics. Library code reports through ns_log(), which hands the message
 * to whatever printer the command line installed (none by default), the way
 * libbpf's print callback works. libbpf's own messages are routed here
 * quieter than ours: its warnings and info at DEBUG, its debug at TRACE.
 */
#ifndef NETSIGHT_LOG_H
#define NETSIGHT_LOG_H

enum ns_log_level {
	NS_LOG_ERROR,
	NS_LOG_WARN,
	NS_LOG_INFO,
	NS_LOG_DEBUG,
	NS_LOG_TRACE,
};

typedef void (*ns_log_fn)(enum ns_log_level level, const char *msg);

void ns_log_set_printer(ns_log_fn fn, enum ns_log_level max_level);
void ns_log(enum ns_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Routes libbpf's messages through ns_log(). */
void ns_log_capture_libbpf(void);

#endif /* NETSIGHT_LOG_H */
