/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef NETSIGHT_CLI_RUN_H
#define NETSIGHT_CLI_RUN_H

#include "cli/options.h"
#include "lib/family.h"

/*
 * The life of a tracing command: load and attach @families (after the owner
 * family), then until Ctrl-C, SIGTERM or --duration either print each event
 * or, with --summary, the families' in-kernel counts as sorted tables (every
 * --interval, and since the start at exit); then the event and loss summary
 * on stderr. @what names what is traced ("TCP connections").
 * Returns the process exit code.
 */
int ns_run(const struct ns_cli_opts *o, const char *what, const struct ns_family *const *families);

/*
 * Checks that every entry of NETSIGHT_REFUSE and --refuse-hook names a program
 * or hook netsight has; prints the first that does not. 0 or the exit code.
 */
int ns_run_check_refusals(const struct ns_cli_opts *o);

/* Checks that this process can trace at all; prints why not. 0 or exit code. */
int ns_run_preflight(const char *cmd);

/* Installs the stderr printer for ns_log() at the verbosity of @o. */
void ns_run_setup_log(const struct ns_cli_opts *o);

#endif /* NETSIGHT_CLI_RUN_H */
