/* SPDX-License-Identifier: GPL-2.0-only */
/* The command table: one entry per command, defined in cli/<command>.c. */
#ifndef NETSIGHT_CLI_COMMANDS_H
#define NETSIGHT_CLI_COMMANDS_H

#include "cli/options.h"

extern const struct ns_command ns_cmd_conns;
extern const struct ns_command ns_cmd_drops;
extern const struct ns_command ns_cmd_tcp;

#endif /* NETSIGHT_CLI_COMMANDS_H */
