/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Commands and their options. Each command is one table; the same table
 * drives parsing (getopt_long) and generates --help, so the two cannot drift.
 */
#ifndef NETSIGHT_CLI_OPTIONS_H
#define NETSIGHT_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <netsight/event.h>
#include <netsight/tcp.h>

#include "lib/output.h"

enum ns_exit {
	NS_EXIT_OK = 0,
	NS_EXIT_FAILURE = 1,
	NS_EXIT_USAGE = 2,
	NS_EXIT_LOST = 3, /* the run lost events (and --allow-loss was not given) */
};

#define NS_MAX_REASONS 64
#define NS_MAX_LABELS 8
#define NS_LABEL_LEN 128
#define NS_MAX_EVENT_NAMES 16

#include "lib/progplan.h"
#include "probes/dns.h"
#include "probes/flow.h"

/* Room for the longest valid list: NS_REFUSE_MAX entries and their commas. */
#define NS_REFUSE_LEN (NS_REFUSE_MAX * NS_PLAN_NAME_LEN)

/* Everything the options of any command can set. */
struct ns_cli_opts {
	const char *command; /* the command's name */
	struct ns_config cfg;
	enum ns_format format;
	uint64_t duration_s; /* 0: until interrupted */
	uint64_t ringbuf_size; /* --ringbuf-size; 0: the command's default */
	uint64_t interval_s; /* summary tables: 0 only at exit */
	uint64_t count; /* stop after this many events; 0: no limit */
	enum ns_time_format time_format; /* --timestamp */
	bool wide; /* -w: endpoint columns sized for IPv6 */
	bool allow_loss; /* exit 0 even if events were lost */
	int verbose;
	bool family_set;
	bool summary;
	bool by_set; /* --by was given */
	bool list_only; /* prints a list and exits: no tracing, no privileges */
	const char *reasons[NS_MAX_REASONS]; /* drops: report only these */
	size_t nreasons;
	const char *excluded[NS_MAX_REASONS]; /* drops: report all but these */
	size_t nexcluded;
	const char *events[NS_MAX_EVENT_NAMES]; /* --event: report only these actions */
	size_t nevents;
	/* flows, dns --by client, agent --iface: --iface, --xdp, --netns */
	struct ns_device_opts devices;
	__u32 max_flows; /* --max-flows */
	/* dns */
	struct ns_dns_opts dns;
	uint64_t top; /* text tables: at most this many rows; 0: all */
	/* agent */
	const char *listen; /* --listen ADDR:PORT */
	const char *labels[2 * NS_MAX_LABELS + 1]; /* --label: key, value, ..., NULL */
	size_t nlabels;
	char label_buf[NS_MAX_LABELS][NS_LABEL_LEN];
	const char *log_path; /* --log FILE, "-" for stdout, NULL for none */
	uint64_t max_series; /* per metric */
	uint64_t series_ttl_s;
	bool bpf_stats;
	bool agent_dns; /* agent --dns */
	/* Hooks to treat as refused (NETSIGHT_REFUSE, then --refuse-hook), or NULL. */
	const char *refuse;
	char refuse_buf[NS_REFUSE_LEN];
};

#define NS_CLI_ERR_LEN 256

struct ns_option {
	const char *name; /* long name; NULL ends a group */
	int short_name; /* 0: none */
	const char *arg; /* placeholder, NULL for a flag */
	const char *help;
	/* Returns 0, or -errno with a message in @err. */
	int (*parse)(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen);
};

struct ns_option_group {
	const char *title;
	const struct ns_option *options;
};

struct ns_family;

struct ns_command {
	const char *name;
	/* The probe families it loads after the owner family; NULL-terminated. */
	const struct ns_family *const *families;
	const char *summary; /* one line, for netsight --help */
	const char *description; /* for <command> --help */
	const struct ns_option_group *groups; /* ends with a NULL title */
	const char *examples;
	/* Runs without root: it checks what it needs itself. */
	bool self_checking;
	/* Always aggregates in the kernel (as --summary): no events, tables only. */
	bool aggregates;
	/* Its --by default (ns_config.summary_by); 0: tcp's. */
	__u32 default_by;
	int (*run)(const struct ns_cli_opts *o);
};

/* Shared groups: filters and output options, --summary/--interval, kernel options. */
extern const struct ns_option ns_filter_options[];
/* --event, for commands that report events. */
extern const struct ns_option ns_event_options[];
extern const struct ns_option ns_output_options[];
extern const struct ns_option ns_summary_options[];
/* --interval alone, for commands that always aggregate. */
extern const struct ns_option ns_interval_options[];
extern const struct ns_option ns_kernel_options[];
/* --output and --verbose alone, for commands that do not trace. */
extern const struct ns_option ns_format_options[];
/* --duration and --verbose alone, for the agent. */
extern const struct ns_option ns_run_options[];
/* Output options of commands that only aggregate: no --count, no event ring size. */
extern const struct ns_option ns_table_output_options[];
/* --iface, --xdp, --netns: flows, dns --by client, and the agent's flow metrics. */
extern const struct ns_option ns_device_options[];

/*
 * Checks combinations a single option cannot see (--interval without
 * --summary). 0, or -EINVAL with a message in @err.
 */
int ns_cli_check(const struct ns_cli_opts *o, char *err, size_t errlen);

/* A --by key and its bit in ns_config.summary_by; a NULL name ends a table. */
struct ns_key_name {
	const char *name;
	__u32 bit;
};

/*
 * --by KEYS, comma-separated or repeated: the first --by replaces the
 * default. 0, or -EINVAL with a message in @err.
 */
int ns_cli_parse_by(struct ns_cli_opts *o, const char *arg, const struct ns_key_name *keys,
		    char *err, size_t errlen);

/* Sets the defaults every command starts from (and NETSIGHT_REFUSE from the environment). */
void ns_cli_defaults(struct ns_cli_opts *o);

/*
 * Parses @argv (argv[0] is the command name). Returns 1 if --help was shown,
 * 0 on success, or -errno with a message in @err.
 */
int ns_cli_parse(const struct ns_command *cmd, int argc, char **argv, struct ns_cli_opts *o,
		 char *err, size_t errlen);
void ns_cli_help(const struct ns_command *cmd, FILE *out);

#define NS_DEFAULT_RINGBUF (2U << 20)
#define NS_BURST_RINGBUF (8U << 20)
#define NS_SUMMARY_RINGBUF (256U << 10)

/* The event ring's size in bytes for a run of family @fam's command (may be NULL). */
uint64_t ns_cli_ringbuf_size(const struct ns_cli_opts *o, const struct ns_family *fam);

#endif /* NETSIGHT_CLI_OPTIONS_H */
