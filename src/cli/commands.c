// SPDX-License-Identifier: GPL-2.0-only
/* The command table. */
#include <stddef.h>
#include <string.h>

#include "cli/commands.h"

const struct ns_command *const ns_commands[] = {
	&ns_cmd_conns, &ns_cmd_drops, &ns_cmd_tcp, &ns_cmd_latency, &ns_cmd_flows,
	&ns_cmd_dns,   &ns_cmd_agent, &ns_cmd_map, &ns_cmd_doctor,  NULL,
};

const struct ns_command *ns_command_find(const char *name)
{
	for (size_t i = 0; ns_commands[i]; i++)
		if (!strcmp(ns_commands[i]->name, name))
			return ns_commands[i];
	return NULL;
}
