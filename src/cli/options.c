// SPDX-License-Identifier: GPL-2.0-only
/*
 * Option parsing and --help from one table per command, and the options
 * shared by the stream commands (filters, output).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "cli/options.h"
#include "lib/containers.h"
#include "lib/family.h"
#include "lib/parse.h"
#include "lib/progplan.h"
#include "lib/system.h"

#define NS_MAX_OPTIONS 64
#define NS_LONG_ONLY_BASE 256
#define NS_PID_MAX 4194304 /* PID_MAX_LIMIT on 64-bit kernels */
#define NS_HELP_COLUMN 28
#define NS_MAX_INTERVAL (24 * 3600)
#define NS_MAX_DURATION (365 * 24 * 3600)

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

void ns_cli_defaults(struct ns_cli_opts *o)
{
	const char *env = getenv("NETSIGHT_REFUSE");

	memset(o, 0, sizeof(*o));
	o->format = NS_FORMAT_TEXT;
	o->ringbuf_size = 0; /* the command's (ns_cli_ringbuf_size()) */
	o->cfg.summary_by = NS_TCP_BY_DEFAULT;
	if (env && *env)
		o->refuse = env; /* checked whole by ns_cli_check() */
}

/* A warning about an option that is valid but may not do what was meant. */
static void warn(const struct ns_cli_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(const struct ns_cli_opts *o, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "netsight %s: warning: ", o->command ? o->command : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int parse_pid(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	char path[32];
	uint64_t pid;

	if (ns_parse_u64(arg, 1, NS_PID_MAX, &pid))
		return fail(err, errlen, -EINVAL,
			    "invalid --pid '%s': expected a process id, 1 to %d", arg, NS_PID_MAX);
	for (__u32 i = 0; i < o->cfg.npids; i++)
		if (o->cfg.pids[i] == pid)
			return 0;
	if (o->cfg.npids == NS_MAX_PIDS)
		return fail(err, errlen, -E2BIG, "too many --pid options: at most %d", NS_MAX_PIDS);
	o->cfg.pids[o->cfg.npids++] = pid;
	snprintf(path, sizeof(path), "/proc/%llu", (unsigned long long)pid);
	if (access(path, F_OK))
		warn(o, "no process %llu is running now; --pid %llu matches only if it appears",
		     (unsigned long long)pid, (unsigned long long)pid);
	return 0;
}

static int parse_comm(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	char comm[NS_COMM_LEN];

	if (!arg[0])
		return fail(err, errlen, -EINVAL, "invalid --comm '': expected a process name");
	/* The kernel keeps 15 bytes of a process name; match what it keeps. */
	snprintf(comm, sizeof(comm), "%s", arg);
	if (strlen(arg) >= NS_COMM_LEN)
		warn(o,
		     "the kernel keeps the first %d bytes of a process name: --comm matches '%s'",
		     NS_COMM_LEN - 1, comm);
	for (__u32 i = 0; i < o->cfg.ncomms; i++)
		if (!strcmp(o->cfg.comms[i], comm))
			return 0;
	if (o->cfg.ncomms == NS_MAX_COMMS)
		return fail(err, errlen, -E2BIG, "too many --comm options: at most %d",
			    NS_MAX_COMMS);
	memcpy(o->cfg.comms[o->cfg.ncomms++], comm, sizeof(comm));
	return 0;
}

static int add_port(struct ns_cli_opts *o, const char *arg, enum ns_port_side side,
		    const char *option, char *err, size_t errlen)
{
	uint64_t port;

	if (ns_parse_u64(arg, 1, 65535, &port))
		return fail(err, errlen, -EINVAL, "invalid --%s '%s': expected a port, 1 to 65535",
			    option, arg);
	for (__u32 i = 0; i < o->cfg.nports; i++)
		if (o->cfg.ports[i] == port && o->cfg.port_sides[i] == side)
			return 0;
	if (o->cfg.nports == NS_MAX_PORTS)
		return fail(
			err, errlen, -E2BIG,
			"too many port filters (--port, --local-port, --remote-port): at most %d",
			NS_MAX_PORTS);
	o->cfg.ports[o->cfg.nports] = port;
	o->cfg.port_sides[o->cfg.nports++] = side;
	return 0;
}

static int parse_port(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	return add_port(o, arg, NS_PORT_EITHER, "port", err, errlen);
}

static int parse_local_port(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	return add_port(o, arg, NS_PORT_LOCAL, "local-port", err, errlen);
}

static int parse_remote_port(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	return add_port(o, arg, NS_PORT_REMOTE, "remote-port", err, errlen);
}

static int parse_addr(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	struct ns_cidr c;
	char net[INET6_ADDRSTRLEN];
	int ret = ns_parse_cidr(arg, &c);

	if (ret == -ENOTUNIQ) {
		inet_ntop(c.family, c.addr, net, sizeof(net));
		return fail(err, errlen, -EINVAL,
			    "invalid --addr '%s': bits are set past the /%u prefix; the network is "
			    "%s/%u",
			    arg, c.prefix, net, c.prefix);
	}
	if (ret == -ERANGE)
		return fail(err, errlen, ret,
			    "invalid --addr '%s': the prefix is at most /32 for IPv4 and /128 for "
			    "IPv6",
			    arg);
	if (ret)
		return fail(err, errlen, ret,
			    "invalid --addr '%s': expected an address or a network, such as "
			    "10.0.0.0/8, 192.0.2.7 or 2001:db8::/32",
			    arg);
	for (__u32 i = 0; i < o->cfg.ncidrs; i++)
		if (!memcmp(&o->cfg.cidrs[i], &c, sizeof(c)))
			return 0;
	if (o->cfg.ncidrs == NS_MAX_CIDRS)
		return fail(err, errlen, -E2BIG, "too many --addr options: at most %d",
			    NS_MAX_CIDRS);
	o->cfg.cidrs[o->cfg.ncidrs++] = c;
	return 0;
}

static int parse_event(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	if (o->nevents == NS_MAX_EVENT_NAMES)
		return fail(err, errlen, -E2BIG, "too many --event options: at most %d",
			    NS_MAX_EVENT_NAMES);
	o->events[o->nevents++] = arg;
	return 0;
}

static int parse_cgroup(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	char root[256] = "/sys/fs/cgroup";
	__u64 id;
	__u32 level;
	int ret = ns_cgroup_resolve(arg, &id, &level);

	if (!ret) {
		for (__u32 i = 0; i < o->cfg.ncgroups; i++)
			if (o->cfg.cgroup_ids[i] == id)
				return 0;
		if (o->cfg.ncgroups == NS_MAX_CGROUPS)
			return fail(err, errlen, -E2BIG, "too many --cgroup options: at most %d",
				    NS_MAX_CGROUPS);
		o->cfg.cgroup_ids[o->cfg.ncgroups] = id;
		o->cfg.cgroup_levels[o->cfg.ncgroups++] = level;
		return 0;
	}
	ns_cgroup2_root(root, sizeof(root));
	if (ret == -ENOENT)
		return fail(err, errlen, ret, "invalid --cgroup '%s': no such directory", arg);
	if (ret == -ENOTDIR || ret == -EXDEV)
		return fail(
			err, errlen, ret,
			"invalid --cgroup '%s': not a cgroup v2 directory (cgroup v2 is mounted at %s)",
			arg, root);
	if (ret == -ENOTSUP)
		return fail(
			err, errlen, ret,
			"--cgroup needs the whole cgroup v2 hierarchy, but %s shows only part of "
			"it (a subtree mount or a cgroup namespace)",
			root);
	return fail(err, errlen, ret, "invalid --cgroup '%s': %s", arg, strerror(-ret));
}

/*
 * --container ID: a container id or a prefix of one, as docker ps shows them.
 * A prefix that names several running containers is refused, like docker
 * does; one that names none yet is kept, for a container that starts later.
 */
static int parse_container(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	struct ns_container_matches m;
	char id[NS_CONTAINER_ARG_LEN] = "";
	__u32 n = o->cfg.ncontainers;

	if (!ns_container_id_valid(arg))
		return fail(err, errlen, -EINVAL,
			    "invalid --container '%.80s': a container id is 1 to %d hex digits "
			    "(docker ps, crictl ps and podman ps show them)",
			    arg, NS_CONTAINER_ID_LEN);
	for (size_t i = 0; arg[i]; i++)
		id[i] = (char)tolower((unsigned char)arg[i]);
	for (__u32 i = 0; i < n; i++)
		if (!strcmp(o->cfg.containers[i], id))
			return 0;
	if (n == NS_MAX_CONTAINERS)
		return fail(err, errlen, -E2BIG, "too many --container options: at most %d",
			    NS_MAX_CONTAINERS);
	if (!ns_containers_find(id, &m) && m.n > 1)
		return fail(err, errlen, -EINVAL,
			    "--container '%s' is ambiguous: it starts the ids of %zu containers "
			    "(%.12s, %.12s%s); give more of the id",
			    id, m.n, m.ids[0], m.ids[1], m.n > 2 ? ", ..." : "");
	memcpy(o->cfg.containers[n], id, sizeof(id));
	o->cfg.ncontainers = n + 1;
	o->cfg.flags |= NS_CFG_CONTAINER_FILTER;
	return 0;
}

static int set_family(struct ns_cli_opts *o, int family, char *err, size_t errlen)
{
	if (o->family_set && o->cfg.family != family)
		return fail(err, errlen, -EINVAL,
			    "-4 and -6 exclude each other; give neither for both");
	o->cfg.family = family;
	o->family_set = true;
	return 0;
}

static int parse_ipv4(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	(void)arg;
	return set_family(o, AF_INET, err, errlen);
}

static int parse_ipv6(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	(void)arg;
	return set_family(o, AF_INET6, err, errlen);
}

static int parse_output(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	if (!strcmp(arg, "text"))
		o->format = NS_FORMAT_TEXT;
	else if (!strcmp(arg, "json"))
		o->format = NS_FORMAT_JSON;
	else
		return fail(err, errlen, -EINVAL,
			    "invalid --output '%s': expected 'text' or 'json'", arg);
	return 0;
}

static int parse_duration(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	if (ns_parse_u64(arg, 1, NS_MAX_DURATION, &o->duration_s))
		return fail(err, errlen, -EINVAL,
			    "invalid --duration '%s': expected a whole number of seconds, 1 to %d "
			    "(a year)",
			    arg, NS_MAX_DURATION);
	return 0;
}

/*
 * 2 MiB holds about 14,000 connection events: a tenth of a second of a
 * loopback connection storm while the reader is away. Drops come in larger
 * bursts (a flood) and get 8 MiB; summaries send no events. Resident memory
 * counts the ring twice (the reader maps it twice, for records that wrap).
 */
uint64_t ns_cli_ringbuf_size(const struct ns_cli_opts *o, const struct ns_family *fam)
{
	if (o->ringbuf_size)
		return o->ringbuf_size;
	if (o->summary)
		return NS_SUMMARY_RINGBUF;
	return fam && fam->bursty ? NS_BURST_RINGBUF : NS_DEFAULT_RINGBUF;
}

static int parse_ringbuf(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	uint64_t size;

	if (ns_parse_size(arg, 4096, 1ULL << 30, &size) || (size & (size - 1)))
		return fail(
			err, errlen, -EINVAL,
			"invalid --ringbuf-size '%s': expected a power of two from 4K to 1G (e.g. 16M)",
			arg);
	o->ringbuf_size = size;
	return 0;
}

static int parse_count(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	if (ns_parse_u64(arg, 1, UINT32_MAX, &o->count))
		return fail(err, errlen, -EINVAL,
			    "invalid --count '%s': expected a number of events, 1 to %u", arg,
			    UINT32_MAX);
	return 0;
}

static int parse_timestamp(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	if (!strcmp(arg, "local"))
		o->time_format = NS_TIME_LOCAL;
	else if (!strcmp(arg, "utc"))
		o->time_format = NS_TIME_UTC;
	else if (!strcmp(arg, "iso"))
		o->time_format = NS_TIME_ISO;
	else
		return fail(err, errlen, -EINVAL,
			    "invalid --timestamp '%s': expected 'local', 'utc' or 'iso'", arg);
	return 0;
}

static int parse_wide(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	(void)arg;
	(void)err;
	(void)errlen;
	o->wide = true;
	return 0;
}

static int parse_allow_loss(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	(void)arg;
	(void)err;
	(void)errlen;
	o->allow_loss = true;
	return 0;
}

static int parse_verbose(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	(void)arg;
	(void)err;
	(void)errlen;
	o->verbose++;
	return 0;
}

static int parse_summary(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	(void)arg;
	(void)err;
	(void)errlen;
	o->summary = true;
	o->cfg.flags |= NS_CFG_SUMMARY;
	return 0;
}

static int parse_interval(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	if (ns_parse_u64(arg, 1, NS_MAX_INTERVAL, &o->interval_s))
		return fail(err, errlen, -EINVAL,
			    "invalid --interval '%s': expected a whole number of seconds, 1 to %d "
			    "(a day)",
			    arg, NS_MAX_INTERVAL);
	return 0;
}

/* Appends one entry to the refusal list (NETSIGHT_REFUSE's, if any, first). */
static int parse_refuse(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	const char *before = o->refuse ? o->refuse : "";
	int n;

	if (!arg[0] || strpbrk(arg, ", \t"))
		return fail(err, errlen, -EINVAL,
			    "invalid --refuse-hook '%s': expected one hook prefix or program name, "
			    "such as iter/bpf_sk_storage_map",
			    arg);
	if (strlen(arg) >= NS_PLAN_NAME_LEN)
		return fail(err, errlen, -ENAMETOOLONG,
			    "invalid --refuse-hook '%.20s...': at most %d characters", arg,
			    NS_PLAN_NAME_LEN - 1);
	if (before == o->refuse_buf) {
		size_t used = strlen(before);

		n = snprintf(o->refuse_buf + used, sizeof(o->refuse_buf) - used, ",%s", arg);
		n = n < 0 || (size_t)n >= sizeof(o->refuse_buf) - used ? -1 : n;
	} else {
		n = snprintf(o->refuse_buf, sizeof(o->refuse_buf), "%s%s%s", before,
			     before[0] ? "," : "", arg);
		n = n < 0 || (size_t)n >= sizeof(o->refuse_buf) ? -1 : n;
	}
	if (n < 0)
		return fail(err, errlen, -E2BIG,
			    "too many hooks refused (NETSIGHT_REFUSE and --refuse-hook): at most "
			    "%d",
			    NS_REFUSE_MAX);
	o->refuse = o->refuse_buf;
	return 0;
}

int ns_cli_parse_by(struct ns_cli_opts *o, const char *arg, const struct ns_key_name *keys,
		    char *err, size_t errlen)
{
	char list[128], known[160] = "";
	size_t len = strlen(arg), used = 0;
	char *save = NULL;

	for (const struct ns_key_name *k = keys; k->name && used < sizeof(known); k++)
		used += snprintf(known + used, sizeof(known) - used, "%s%s", used ? ", " : "",
				 k->name);
	if (!len || arg[0] == ',' || arg[len - 1] == ',' || strstr(arg, ",,"))
		return fail(err, errlen, -EINVAL, "invalid --by '%.60s': a key is empty", arg);
	if (len >= sizeof(list))
		return fail(err, errlen, -EINVAL, "invalid --by '%.60s...': too long", arg);
	if (!o->by_set)
		o->cfg.summary_by = 0;
	o->by_set = true;
	snprintf(list, sizeof(list), "%s", arg);
	for (char *key = strtok_r(list, ",", &save); key; key = strtok_r(NULL, ",", &save)) {
		const struct ns_key_name *k;

		for (k = keys; k->name; k++)
			if (!strcmp(key, k->name))
				break;
		if (!k->name)
			return fail(
				err, errlen, -EINVAL,
				"invalid --by '%.60s': expected %s (or several, comma-separated)",
				key, known);
		if (o->cfg.summary_by & k->bit)
			return fail(err, errlen, -EINVAL, "invalid --by: '%s' is named twice", key);
		o->cfg.summary_by |= k->bit;
	}
	return 0;
}

int ns_cli_check(const struct ns_cli_opts *o, char *err, size_t errlen)
{
	struct ns_refusals r;
	int ret = o->refuse ? ns_refusals_parse(o->refuse, &r) : 0;

	if (ret == -E2BIG)
		return fail(err, errlen, ret,
			    "too many hooks refused (NETSIGHT_REFUSE and --refuse-hook): at most %d",
			    NS_REFUSE_MAX);
	if (ret)
		return fail(err, errlen, ret,
			    "invalid NETSIGHT_REFUSE: an entry is longer than %d characters",
			    NS_PLAN_NAME_LEN - 1);
	if (o->interval_s && !o->summary)
		return fail(err, errlen, -EINVAL, "--interval applies to --summary tables");
	if (o->count && o->summary)
		return fail(err, errlen, -EINVAL,
			    "--count counts events, and --summary reports counts instead of events");
	if (o->by_set && !o->summary)
		return fail(err, errlen, -EINVAL, "--by applies to --summary tables");
	for (__u32 i = 0; o->cfg.family && i < o->cfg.ncidrs; i++)
		if (o->cfg.cidrs[i].family != o->cfg.family)
			return fail(err, errlen, -EINVAL,
				    "--addr takes an %s network here, but %s keeps only %s",
				    o->cfg.cidrs[i].family == AF_INET ? "IPv4" : "IPv6",
				    o->cfg.family == AF_INET ? "-4" : "-6",
				    o->cfg.family == AF_INET ? "IPv4" : "IPv6");
	return 0;
}

const struct ns_option ns_summary_options[] = {
	{ "summary", 0, NULL,
	  "count in the kernel instead of reporting each event; print a table sorted by "
	  "count at exit",
	  parse_summary },
	{ "interval", 0, "SECONDS",
	  "with --summary, also print the last SECONDS' counts every "
	  "SECONDS",
	  parse_interval },
	{ NULL },
};

const struct ns_option ns_interval_options[] = {
	{ "interval", 0, "SECONDS", "also print the last SECONDS' tables every SECONDS",
	  parse_interval },
	{ NULL },
};

const struct ns_option ns_filter_options[] = {
	{ "pid", 'p', "PID",
	  "only sockets process PID uses (the last to send or receive on them; repeatable, up to 16)",
	  parse_pid },
	{ "comm", 'c', "NAME",
	  "only sockets used by processes named NAME, its first 15 bytes as the kernel keeps "
	  "them (repeatable, up to 8)",
	  parse_comm },
	{ "port", 0, "PORT", "only connections or packets with PORT on either end (repeatable)",
	  parse_port },
	{ "local-port", 0, "PORT", "only those with PORT on this host's end (repeatable)",
	  parse_local_port },
	{ "remote-port", 0, "PORT", "only those with PORT on the remote end (repeatable)",
	  parse_remote_port },
	{ "addr", 0, "CIDR",
	  "only those with an end in CIDR (10.0.0.0/8, 2001:db8::/32, or one address; "
	  "repeatable, up to 8)",
	  parse_addr },
	{ "cgroup", 0, "PATH",
	  "only sockets used by processes in the cgroup v2 directory PATH or below "
	  "(repeatable, up to 4)",
	  parse_cgroup },
	{ "container", 0, "ID",
	  "only sockets used by processes of the container whose id starts with ID (Docker, "
	  "containerd, CRI-O, Podman; repeatable, up to 4); followed as it restarts",
	  parse_container },
	{ "ipv4", '4', NULL, "only IPv4 (including IPv4-mapped IPv6)", parse_ipv4 },
	{ "ipv6", '6', NULL, "only IPv6", parse_ipv6 },
	{ NULL },
};

const struct ns_option ns_event_options[] = {
	{ "event", 0, "NAME",
	  "only events of this kind (event.action, e.g. connect_failed; repeatable)", parse_event },
	{ NULL },
};

const struct ns_option ns_kernel_options[] = {
	{ "refuse-hook", 0, "PREFIX",
	  "treat the BPF programs whose hook starts with PREFIX (e.g. "
	  "iter/bpf_sk_storage_map, tp_btf/kfree_skb, kfunc/bpf_rdonly_cast), or the program "
	  "called PREFIX, as refused by the kernel, so that their fallbacks run; repeatable, "
	  "added to NETSIGHT_REFUSE (netsight doctor lists hooks and programs)",
	  parse_refuse },
	{ NULL },
};

const struct ns_option ns_format_options[] = {
	{ "output", 'o', "FORMAT", "text (default) or json (one object)", parse_output },
	{ "verbose", 'v', NULL, "more diagnostics; twice for libbpf's debug log", parse_verbose },
	{ NULL },
};

const struct ns_option ns_output_options[] = {
	{ "output", 'o', "FORMAT", "text (aligned table, default) or json (one object per line)",
	  parse_output },
	{ "duration", 0, "SECONDS", "stop after SECONDS (default: run until Ctrl-C)",
	  parse_duration },
	{ "count", 0, "N", "stop after N events", parse_count },
	{ "timestamp", 0, "FORMAT",
	  "text: the TIME column as 'local' time of day (default), 'utc' time of day, or 'iso' "
	  "UTC date and time; a run across midnight prints the new date",
	  parse_timestamp },
	{ "wide", 'w', NULL,
	  "text: address columns wide enough for any IPv6 address (default with -6)", parse_wide },
	{ "allow-loss", 0, NULL,
	  "exit 0 even if events were lost (default: exit 3, after saying how many)",
	  parse_allow_loss },
	{ "ringbuf-size", 0, "BYTES",
	  "kernel-to-user event buffer, a power of two from 4K to 1G (default 2M; 8M for drops, "
	  "256K with --summary); the kernel "
	  "keeps this much memory for the whole run. Larger absorbs longer bursts",
	  parse_ringbuf },
	{ "verbose", 'v', NULL, "more diagnostics; twice for libbpf's debug log", parse_verbose },
	{ NULL },
};

const struct ns_option ns_run_options[] = {
	{ "duration", 0, "SECONDS", "stop after SECONDS (default: run until SIGTERM or Ctrl-C)",
	  parse_duration },
	{ "verbose", 'v', NULL, "more diagnostics; twice for libbpf's debug log", parse_verbose },
	{ NULL },
};

const struct ns_option ns_table_output_options[] = {
	{ "output", 'o', "FORMAT", "text (histograms, default) or json (one object per row)",
	  parse_output },
	{ "duration", 0, "SECONDS", "stop after SECONDS (default: run until Ctrl-C)",
	  parse_duration },
	{ "timestamp", 0, "FORMAT",
	  "text: the time in table titles as 'local' time of day (default), 'utc', or 'iso'",
	  parse_timestamp },
	{ "wide", 'w', NULL, "text: room for any IPv6 address", parse_wide },
	{ "allow-loss", 0, NULL, "exit 0 even if samples were lost (default: exit 3)",
	  parse_allow_loss },
	{ "verbose", 'v', NULL, "more diagnostics; twice for libbpf's debug log", parse_verbose },
	{ NULL },
};

/* The option at index @idx across all groups of @cmd. */
static const struct ns_option *option_at(const struct ns_command *cmd, int idx)
{
	for (const struct ns_option_group *g = cmd->groups; g->title; g++)
		for (const struct ns_option *opt = g->options; opt->name; opt++)
			if (idx-- == 0)
				return opt;
	return NULL;
}

static int build_getopt(const struct ns_command *cmd, struct option *longopts, char *shortopts)
{
	int n = 0;
	char *s = shortopts;

	*s++ = ':'; /* report a missing argument as ':' */
	*s++ = 'h';
	for (const struct ns_option *opt; (opt = option_at(cmd, n)); n++) {
		if (n == NS_MAX_OPTIONS - 2)
			return -E2BIG;
		longopts[n] = (struct option){ opt->name,
					       opt->arg ? required_argument : no_argument, NULL,
					       NS_LONG_ONLY_BASE + n };
		if (opt->short_name) {
			*s++ = opt->short_name;
			if (opt->arg)
				*s++ = ':';
		}
	}
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n] = (struct option){ 0 };
	*s = '\0';
	return 0;
}

/*
 * What getopt_long refused: an unknown option, a long option given "=value"
 * that takes none, or an abbreviation that fits several options.
 */
static int bad_option(const struct ns_command *cmd, const char *arg, int opt, char *err,
		      size_t errlen)
{
	char candidates[160] = "";
	size_t len, used = 0;
	bool exact = false;
	int matches = 0;

	if (strncmp(arg, "--", 2)) {
		if (opt > 0 && opt < NS_LONG_ONLY_BASE)
			return fail(err, errlen, -EINVAL, "unknown option '-%c'", opt);
		return fail(err, errlen, -EINVAL, "unknown option '%s'", arg);
	}
	len = strcspn(arg + 2, "=");
	for (int i = 0;; i++) {
		const struct ns_option *o = option_at(cmd, i);
		const char *name = o ? o->name : "help"; /* --help is every command's */

		if (!strncmp(name, arg + 2, len)) {
			matches++;
			exact |= strlen(name) == len;
			if (used < sizeof(candidates))
				used += snprintf(candidates + used, sizeof(candidates) - used,
						 "%s--%s", matches > 1 ? ", " : "", name);
		}
		if (!o)
			break;
	}
	if (exact || (matches == 1 && arg[2 + len] == '='))
		return fail(err, errlen, -EINVAL, "option '%.*s' takes no argument", (int)len + 2,
			    arg);
	if (matches > 1)
		return fail(err, errlen, -EINVAL, "option '%.*s' is ambiguous: %s", (int)len + 2,
			    arg, candidates);
	return fail(err, errlen, -EINVAL, "unknown option '%.*s'", (int)len + 2, arg);
}

static const struct ns_option *find_short(const struct ns_command *cmd, int c)
{
	const struct ns_option *opt;

	for (int i = 0; (opt = option_at(cmd, i)); i++)
		if (opt->short_name == c)
			return opt;
	return NULL;
}

/* The --event names as bits of each family's action mask. */
static int resolve_events(const struct ns_command *cmd, struct ns_cli_opts *o, char *err,
			  size_t errlen)
{
	for (size_t i = 0; i < o->nevents; i++) {
		bool found = false;
		char known[256] = "";
		size_t used = 0;

		for (size_t f = 0; cmd->families && cmd->families[f]; f++) {
			const struct ns_family *fam = cmd->families[f];

			for (unsigned int a = 1; fam->action_name && a < fam->nactions; a++) {
				const char *name = fam->action_name(a);

				if (!name)
					continue;
				if (!strcmp(name, o->events[i])) {
					o->cfg.events[fam->event_type] |= 1U << a;
					found = true;
				}
				if (used < sizeof(known))
					used += snprintf(known + used, sizeof(known) - used, "%s%s",
							 used ? ", " : "", name);
			}
		}
		if (!found)
			return fail(err, errlen, -EINVAL,
				    "invalid --event '%s': netsight %s reports %s", o->events[i],
				    cmd->name, used ? known : "no events");
	}
	return 0;
}

int ns_cli_parse(const struct ns_command *cmd, int argc, char **argv, struct ns_cli_opts *o,
		 char *err, size_t errlen)
{
	struct option longopts[NS_MAX_OPTIONS];
	char shortopts[2 * NS_MAX_OPTIONS + 3];
	const struct ns_option *opt;
	int c;

	if (build_getopt(cmd, longopts, shortopts))
		return fail(err, errlen, -E2BIG, "too many options for '%s'", cmd->name);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		int ret;

		if (c == 'h') {
			ns_cli_help(cmd, stdout);
			return 1;
		}
		if (c == '?')
			return bad_option(cmd, argv[optind - 1], optopt, err, errlen);
		if (c == ':') {
			opt = optopt >= NS_LONG_ONLY_BASE ?
				      option_at(cmd, optopt - NS_LONG_ONLY_BASE) :
				      find_short(cmd, optopt);
			return fail(err, errlen, -EINVAL, "option '--%s' needs an argument (%s)",
				    opt ? opt->name : "?", opt && opt->arg ? opt->arg : "?");
		}
		opt = c >= NS_LONG_ONLY_BASE ? option_at(cmd, c - NS_LONG_ONLY_BASE) :
					       find_short(cmd, c);
		if (!opt)
			return fail(err, errlen, -EINVAL, "unknown option");
		ret = opt->parse(o, optarg, err, errlen);
		if (ret)
			return ret;
	}
	if (optind < argc)
		return fail(err, errlen, -EINVAL, "unexpected argument '%s'", argv[optind]);
	return resolve_events(cmd, o, err, errlen);
}

static void help_option(FILE *out, const struct ns_option *opt)
{
	char left[64];
	int n;

	if (opt->short_name)
		n = snprintf(left, sizeof(left), "  -%c, --%s", opt->short_name, opt->name);
	else
		n = snprintf(left, sizeof(left), "      --%s", opt->name);
	if (opt->arg)
		snprintf(left + n, sizeof(left) - n, " %s", opt->arg);
	if (strlen(left) + 2 > NS_HELP_COLUMN)
		fprintf(out, "%s\n%*s%s\n", left, NS_HELP_COLUMN, "", opt->help);
	else
		fprintf(out, "%-*s%s\n", NS_HELP_COLUMN, left, opt->help);
}

void ns_cli_help(const struct ns_command *cmd, FILE *out)
{
	fprintf(out, "Usage: netsight %s [OPTIONS]\n\n%s\n", cmd->name, cmd->description);
	for (const struct ns_option_group *g = cmd->groups; g->title; g++) {
		fprintf(out, "\n%s:\n", g->title);
		for (const struct ns_option *opt = g->options; opt->name; opt++)
			help_option(out, opt);
	}
	help_option(out, &(struct ns_option){ "help", 'h', NULL, "show this help", NULL });
	if (cmd->examples)
		fprintf(out, "\nExamples:\n%s", cmd->examples);
}
