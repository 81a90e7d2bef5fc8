/* SPDX-License-Identifier: GPL-2.0-only */
/* The command table: one entry per command, defined in cli/<command>.c. */
#ifndef NETSIGHT_CLI_COMMANDS_H
#define NETSIGHT_CLI_COMMANDS_H

#include "cli/options.h"

extern const struct ns_command ns_cmd_conns;
extern const struct ns_command ns_cmd_drops;
extern const struct ns_command ns_cmd_tcp;
extern const struct ns_command ns_cmd_latency;
extern const struct ns_command ns_cmd_flows;
extern const struct ns_command ns_cmd_dns;
extern const struct ns_command ns_cmd_agent;
extern const struct ns_command ns_cmd_map;
extern const struct ns_command ns_cmd_doctor;

/* Every command, in the order --help lists them; NULL-terminated. */
extern const struct ns_command *const ns_commands[];

/* The command called @name, or NULL. */
const struct ns_command *ns_command_find(const char *name);

#endif /* NETSIGHT_CLI_COMMANDS_H */
