// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>

#include "lib/errnames.h"

const char *ns_errno_name(int err)
{
	static char unknown[24];
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	/* Kernel-internal numbers that BPF syscalls return (include/linux/errno.h). */
	if (err == 524)
		return "ENOTSUPP";
	snprintf(unknown, sizeof(unknown), "errno %d", err);
	return unknown;
}
