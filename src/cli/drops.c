// SPDX-License-Identifier: GPL-2.0-only
/* netsight drops: packet drops with the kernel's reason and location. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli/commands.h"
#include "cli/run.h"
#include "lib/ksyms.h"
#include "probes/drop.h"
#include "probes/registry.h"

static int add_name(const char **list, size_t *n, const char *name, const char *option, char *err,
		    size_t errlen)
{
	if (*n == NS_MAX_REASONS) {
		snprintf(err, errlen, "too many %s options: at most %d", option, NS_MAX_REASONS);
		return -E2BIG;
	}
	list[(*n)++] = name;
	return 0;
}

static int parse_reason(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	return add_name(o->reasons, &o->nreasons, arg, "--reason", err, errlen);
}

static int parse_exclude(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	return add_name(o->excluded, &o->nexcluded, arg, "--exclude-reason", err, errlen);
}

static int parse_list(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	(void)arg;
	(void)err;
	(void)errlen;
	o->list_only = true;
	return 0;
}

/* Entries of enum skb_drop_reason that are no reason to drop a packet. */
static bool is_sentinel(const char *name)
{
	return !strcmp(name, "MAX") || !strcmp(name, "SUBSYS_MASK");
}

static bool is_not_a_drop(const char *name)
{
	return !strcmp(name, "CONSUMED") || !strcmp(name, "NOT_DROPPED_YET");
}

/* After a usage error, as for every command's (cli/main.c). */
#define USAGE_HINT "Try 'netsight drops --help'.\n"

/*
 * The reason @name names: as --list-reasons prints it, in any case, with or
 * without the kernel's SKB_DROP_REASON_ prefix. Says what is wrong and
 * returns -ENOENT or -EINVAL.
 */
static int find_reason(const char *name, const char *option, __s64 *reason, const char **canonical)
{
	static const char prefix[] = "SKB_DROP_REASON_";
	const struct ns_enum_names *names = ns_drop_reason_names();
	const char *bare = strncasecmp(name, prefix, sizeof(prefix) - 1) ?
				   name :
				   name + sizeof(prefix) - 1;

	for (size_t i = 0; i < names->count; i++) {
		const char *n = names->entries[i].name;

		if (strcasecmp(n, bare) || is_sentinel(n))
			continue;
		if (is_not_a_drop(n)) {
			fprintf(stderr,
				"netsight drops: %s %s: %s is not a drop reason (the kernel frees "
				"packets it delivered or has not judged yet with it), so it never "
				"appears\n" USAGE_HINT,
				option, name, n);
			return -EINVAL;
		}
		*reason = names->entries[i].value;
		*canonical = n;
		return 0;
	}
	fprintf(stderr,
		"netsight drops: unknown drop reason '%s' for %s; "
		"'netsight drops --list-reasons' shows this kernel's\n" USAGE_HINT,
		name, option);
	return -ENOENT;
}

/* What to report: every drop (or none with --reason), then the options. */
static int select_reasons(const struct ns_cli_opts *o)
{
	__u8 wanted[NS_DROP_REASON_SLOTS], included[NS_DROP_REASON_SLOTS] = { 0 };
	const char *name;
	__s64 reason;

	if (o->nreasons)
		memset(wanted, 0, sizeof(wanted));
	else
		ns_drop_all_reasons(wanted);
	for (size_t i = 0; i < o->nreasons; i++) {
		if (find_reason(o->reasons[i], "--reason", &reason, &name))
			return -EINVAL;
		wanted[ns_drop_reason_slot(reason)] = 1;
		included[ns_drop_reason_slot(reason)] = 1;
	}
	for (size_t i = 0; i < o->nexcluded; i++) {
		if (find_reason(o->excluded[i], "--exclude-reason", &reason, &name))
			return -EINVAL;
		if (included[ns_drop_reason_slot(reason)]) {
			fprintf(stderr,
				"netsight drops: --reason and --exclude-reason both name %s; give "
				"it to one of them\n" USAGE_HINT,
				name);
			return -EINVAL;
		}
		wanted[ns_drop_reason_slot(reason)] = 0;
	}
	ns_drop_select(wanted);
	return 0;
}

static void check_kallsyms(void)
{
	const struct ns_ksyms *ks = ns_ksyms_default();

	if (!ks)
		fprintf(stderr,
			"netsight drops: warning: cannot read /proc/kallsyms (%s); drop locations "
			"are shown as addresses\n",
			strerror(errno));
	else if (ns_ksyms__restricted(ks))
		fprintf(stderr, "netsight drops: warning: the kernel hides its addresses from this "
				"process (kernel.kptr_restrict); drop locations are shown as raw "
				"addresses. As root with kptr_restrict=0 they are named.\n");
	/* Locations are named one by one as they come (ns_ksyms_name()). */
	ns_ksyms_default_release();
}

static const struct ns_family *const drops_families[] = { &ns_drop_family, NULL };

static int run_drops(const struct ns_cli_opts *o)
{
	const struct ns_enum_names *names;
	int err = ns_drop_reasons_load();

	if (err) {
		fprintf(stderr,
			"netsight drops: cannot read drop reasons from the kernel's BTF: %s\n",
			strerror(-err));
		return NS_EXIT_FAILURE;
	}
	names = ns_drop_reason_names();
	if (o->list_only) {
		/* The enum's sentinels are not reasons. */
		for (size_t i = 0; i < names->count; i++)
			if (!is_sentinel(names->entries[i].name) &&
			    !is_not_a_drop(names->entries[i].name))
				printf("%s\n", names->entries[i].name);
		return NS_EXIT_OK;
	}
	if (select_reasons(o))
		return NS_EXIT_USAGE;
	check_kallsyms();
	err = ns_run(o, "packet drops", drops_families);
	ns_ksyms_names_release();
	return err;
}

static const struct ns_option drops_options[] = {
	{ "reason", 0, "NAME",
	  "only drops with this reason, as printed (e.g. NETFILTER_DROP; any case, the "
	  "kernel's SKB_DROP_REASON_ prefix optional); repeatable",
	  parse_reason },
	{ "exclude-reason", 0, "NAME",
	  "not drops with this reason (e.g. NOT_SPECIFIED); repeatable", parse_exclude },
	{ "list-reasons", 0, NULL, "print the drop reasons this kernel knows, and exit",
	  parse_list },
	{ NULL },
};

static const struct ns_option_group drops_groups[] = {
	{ "Drops", drops_options },
	{ "Filters", ns_filter_options },
	{ "Events", ns_event_options },
	{ "Summary", ns_summary_options },
	{ "Output", ns_output_options },
	{ "Kernel", ns_kernel_options },
	{ NULL, NULL },
};

const struct ns_command ns_cmd_drops = {
	.name = "drops",
	.families = drops_families,
	.summary = "packet drops with the kernel's reason and location, by owning process",
	.description =
		"Report every packet the kernel drops, in every network namespace:\n"
		"  reason     the kernel's drop reason (NETFILTER_DROP, NO_SOCKET, ...), named\n"
		"             from this kernel's BTF\n"
		"  location   the kernel function that dropped it (tcp_v4_rcv+0x91)\n"
		"  packet     protocol, addresses and ports where its headers can be read, with\n"
		"             the interface and network namespace\n"
		"  process    the owner of the socket the packet belonged to (BY owner), or if\n"
		"             there is none the process the kernel was running for (BY context)\n"
		"\n"
		"With --summary the kernel counts drops by reason, location and process, and\n"
		"netsight prints the counts, largest first, at exit (and every --interval).\n"
		"Drops with reason NOT_SPECIFIED are included; --exclude-reason NOT_SPECIFIED\n"
		"leaves them out.",
	.groups = drops_groups,
	.examples = "  netsight drops                                 every drop, as it happens\n"
		    "  netsight drops --summary --interval 5          counts every 5 seconds\n"
		    "  netsight drops --reason NETFILTER_DROP -o json firewall drops as JSON\n"
		    "  netsight drops --exclude-reason NOT_SPECIFIED -p 1234\n",
	.run = run_drops,
};
