// SPDX-License-Identifier: GPL-2.0-only
/*
 * netsight doctor: what this kernel gives netsight, program by program, what
 * that means for each command, and (--self-test) whether netsight's numbers
 * agree with the kernel's own. The truth about a program is loading and
 * attaching it: doctor loads every family the way the commands do, records
 * what became of each program, and unloads them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <json-c/json.h>
#include <bpf/libbpf.h>

#include "cli/commands.h"
#include "cli/run.h"
#include "cli/selftest.h"
#include "lib/errnames.h"
#include "lib/ksyms.h"
#include "lib/log.h"
#include "lib/session.h"
#include "lib/system.h"
#include "probes/drop.h"
#include "probes/registry.h"

enum cmd_status {
	CMD_UNKNOWN,
	CMD_OK,
	CMD_DEGRADED,
	CMD_UNAVAILABLE,
};

static const char *const cmd_status_names[] = {
	[CMD_UNKNOWN] = "unknown",
	[CMD_OK] = "ok",
	[CMD_DEGRADED] = "degraded",
	[CMD_UNAVAILABLE] = "unavailable",
};

static const char *const prog_status_names[] = {
	[NS_PROG_OK] = "ok",
	[NS_PROG_FALLBACK] = "fallback",
	[NS_PROG_UNAVAILABLE] = "unavailable",
};

static bool self_test;

static int parse_self_test(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	(void)o;
	(void)arg;
	(void)err;
	(void)errlen;
	self_test = true;
	return 0;
}

/* Everything doctor found, as one JSON document (also the source of the text form). */
struct doctor {
	json_object *doc;
	json_object *probes;
	bool privileged;
	bool all_run; /* every command at least degraded */
};

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static void add_system(struct doctor *d)
{
	static const char *const mounts[][2] = { { "bpffs", "bpf" }, { "cgroup2", "cgroup2" } };
	json_object *kernel = json_object_new_object(), *m = json_object_new_object();
	json_object *self = json_object_new_object();
	char path[4096];
	struct utsname u;

	if (!uname(&u)) {
		json_object_object_add(kernel, "release", json_object_new_string(u.release));
		json_object_object_add(kernel, "machine", json_object_new_string(u.machine));
	}
	json_object_object_add(self, "version", json_object_new_string(NS_VERSION));
	json_object_object_add(self, "libbpf", json_object_new_string(libbpf_version_string()));
	json_object_object_add(d->doc, "netsight", self);
	json_object_object_add(d->doc, "kernel", kernel);
	json_object_object_add(d->doc, "btf", json_object_new_boolean(!ns_system_btf()));
	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++)
		json_object_object_add(
			m, mounts[i][0],
			str_or_null(ns_mount_point(mounts[i][1], path, sizeof(path)) ? NULL :
										       path));
	json_object_object_add(d->doc, "mounts", m);
	json_object_object_add(d->doc, "root", json_object_new_boolean(d->privileged));
}

static void add_probe(struct doctor *d, const char *family, const char *program, const char *hook,
		      enum ns_prog_status status, int error, bool refused, const char *detail,
		      const char *fallback)
{
	json_object *p = json_object_new_object();

	json_object_object_add(p, "family", json_object_new_string(family));
	json_object_object_add(p, "program", json_object_new_string(program));
	json_object_object_add(p, "hook", json_object_new_string(hook));
	json_object_object_add(p, "status", json_object_new_string(prog_status_names[status]));
	if (status != NS_PROG_OK) {
		json_object_object_add(p, "error",
				       json_object_new_string(refused ? "refused" :
									ns_errno_name(error)));
		if (detail && detail[0])
			json_object_object_add(p, "detail", json_object_new_string(detail));
	}
	if (status == NS_PROG_FALLBACK && fallback)
		json_object_object_add(p, "fallback", json_object_new_string(fallback));
	json_object_array_add(d->probes, p);
}

/* One family's programs, and its build (typed views or probe reads). */
static int add_family(const struct ns_family_report *r, void *ctx)
{
	struct doctor *d = ctx;
	const struct ns_progplan *p = r->plan;

	if (r->flavour == NS_FLAVOUR_COMPAT)
		add_probe(d, r->name, "typed views", NS_HOOK_VIEWS, NS_PROG_FALLBACK,
			  r->views_error, r->views_refused, r->views_detail,
			  "every field is read with bpf_probe_read_kernel() (slower)");
	else
		add_probe(d, r->name, "typed views", NS_HOOK_VIEWS, NS_PROG_OK, 0, false, NULL,
			  NULL);
	for (size_t i = 0; i < p->n; i++) {
		const struct ns_prog_state *st = &p->progs[i];
		const char *fallback = st->spec ? st->spec->fallback : NULL;
		char unneeded[128];

		if (st->standby)
			continue; /* an alternative nobody needed */
		if (st->status == NS_PROG_FALLBACK && !ns_progplan_needed(p, i)) {
			snprintf(unneeded, sizeof(unneeded), "nothing lost: '%s' does its job",
				 st->spec->backs);
			fallback = unneeded;
		}
		add_probe(d, r->name, st->name, st->hook, st->status, st->error, st->refused,
			  st->detail, fallback);
	}
	if (!r->loaded && p->failed < 0)
		add_probe(d, r->name, "(object)", "-", NS_PROG_UNAVAILABLE, r->error, false,
			  "the kernel refused the object itself", NULL);
	return 0;
}

struct family_state {
	const char *name;
	bool loaded;
	bool degraded;
};

static int note_family(const struct ns_family_report *r, void *ctx)
{
	struct family_state *fs = ctx;

	for (; fs->name; fs++) {
		if (strcmp(fs->name, r->name))
			continue;
		fs->loaded = r->loaded;
		fs->degraded = r->flavour == NS_FLAVOUR_COMPAT || ns_progplan_degraded(r->plan);
	}
	return 0;
}

static const struct family_state *find_state(const struct family_state *fs, const char *name)
{
	for (; fs->name; fs++)
		if (!strcmp(fs->name, name))
			return fs;
	return NULL;
}

static enum cmd_status command_status(const struct ns_command *cmd,
				      const struct family_state *states)
{
	const struct family_state *owner = find_state(states, ns_owner_family.name);
	enum cmd_status st = owner && owner->loaded ? (owner->degraded ? CMD_DEGRADED : CMD_OK) :
						      CMD_UNAVAILABLE;

	for (size_t i = 0; st != CMD_UNAVAILABLE && cmd->families[i]; i++) {
		const struct family_state *fs = find_state(states, cmd->families[i]->name);

		if (!fs || !fs->loaded)
			st = CMD_UNAVAILABLE;
		else if (fs->degraded)
			st = CMD_DEGRADED;
	}
	return st;
}

static void add_commands(struct doctor *d, const struct family_state *states)
{
	json_object *cmds = json_object_new_object();

	d->all_run = true;
	for (size_t i = 0; ns_commands[i]; i++) {
		enum cmd_status st;

		if (!ns_commands[i]->families)
			continue;
		st = states ? command_status(ns_commands[i], states) : CMD_UNKNOWN;
		d->all_run &= st == CMD_OK || st == CMD_DEGRADED;
		json_object_object_add(cmds, ns_commands[i]->name,
				       json_object_new_string(cmd_status_names[st]));
	}
	json_object_object_add(d->doc, "commands", cmds);
}

/* What every family together holds in the kernel, the event ring included. */
static void add_map_memory(struct doctor *d, const struct ns_session *s,
			   const struct ns_cli_opts *o)
{
	json_object *mem = json_object_new_object();
	struct ns_map_memory m;

	if (ns_session__map_memory(s, &m))
		return;
	json_object_object_add(mem, "bytes", json_object_new_uint64(m.bytes));
	json_object_object_add(mem, "maps", json_object_new_uint64(m.maps));
	json_object_object_add(mem, "ringbuf_bytes",
			       json_object_new_uint64(ns_cli_ringbuf_size(o, NULL)));
	json_object_object_add(d->doc, "kernel_memory", mem);
}

/* Loads every family as the commands do, and records what became of each program. */
static int probe_kernel(struct doctor *d, const struct ns_cli_opts *o)
{
	struct family_state states[NS_FAMILY_COUNT + 1] = { 0 };
	struct ns_session_opts sopts = {
		.ringbuf_size = ns_cli_ringbuf_size(o, NULL),
		.refuse = o->refuse,
		.quiet = true,
		.keep_going = true,
	};
	struct ns_session *s;

	ns_drop_reasons_load();
	s = ns_session__new(&sopts);
	if (!s)
		return -errno;
	for (size_t i = 0; ns_families[i]; i++) {
		states[i].name = ns_families[i]->name;
		ns_session__add(s, ns_families[i]);
	}
	ns_session__attach(s);
	ns_session__for_each_family(s, add_family, d);
	ns_session__for_each_family(s, note_family, states);
	add_map_memory(d, s, o);
	ns_session__free(s);
	add_commands(d, states);
	return 0;
}

static void add_self_test(struct doctor *d, const struct ns_selftest *t)
{
	json_object *st = json_object_new_object(), *checks = json_object_new_array();

	for (size_t i = 0; i < t->n; i++) {
		const struct ns_check *c = &t->checks[i];
		json_object *j = json_object_new_object();

		json_object_object_add(j, "netsight", json_object_new_string(c->what));
		json_object_object_add(j, "kernel", json_object_new_string(c->counter));
		if (c->skipped) {
			json_object_object_add(j, "result", json_object_new_string("skipped"));
			json_object_object_add(j, "detail", json_object_new_string(c->skipped));
			json_object_array_add(checks, j);
			continue;
		}
		json_object_object_add(j, "netsight.count", json_object_new_uint64(c->seen));
		json_object_object_add(j, "kernel.count", json_object_new_uint64(c->kernel));
		json_object_object_add(j, "result",
				       json_object_new_string(c->pass ? "pass" : "fail"));
		json_object_array_add(checks, j);
	}
	json_object_object_add(st, "checks", checks);
	if (t->error)
		json_object_object_add(st, "error", json_object_new_string(t->message));
	json_object_object_add(st, "result",
			       json_object_new_string(ns_selftest_passed(t) ? "pass" : "fail"));
	json_object_object_add(d->doc, "self_test", st);
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : NULL;
}

static void print_text_probes(FILE *out, json_object *probes)
{
	fprintf(out, "\nPrograms:\n  %-7s %-26s %-37s %-11s %s\n", "FAMILY", "PROGRAM", "HOOK",
		"STATUS", "WHY / WHAT INSTEAD");
	for (size_t i = 0; i < json_object_array_length(probes); i++) {
		json_object *p = json_object_array_get_idx(probes, i);
		const char *err = get_str(p, "error"), *detail = get_str(p, "detail");
		const char *fallback = get_str(p, "fallback");

		fprintf(out, "  %-7s %-26s %-37s %-*s", get_str(p, "family"), get_str(p, "program"),
			get_str(p, "hook"), err || fallback ? 11 : 0, get_str(p, "status"));
		if (err)
			fprintf(out, " %s%s%s", err, detail ? ": " : "", detail ? detail : "");
		if (fallback)
			fprintf(out, "%s%s", err ? "; " : " ", fallback);
		fputc('\n', out);
	}
}

static void print_text_memory(FILE *out, json_object *doc)
{
	json_object *mem, *v;
	double bytes, ring;
	uint64_t maps;

	if (!json_object_object_get_ex(doc, "kernel_memory", &mem))
		return;
	json_object_object_get_ex(mem, "bytes", &v);
	bytes = json_object_get_uint64(v);
	json_object_object_get_ex(mem, "maps", &v);
	maps = json_object_get_uint64(v);
	json_object_object_get_ex(mem, "ringbuf_bytes", &v);
	ring = json_object_get_uint64(v);
	fprintf(out,
		"\nKernel memory: %.1f MiB in %llu BPF maps with every family loaded, of "
		"which %.1f MiB event ring (--ringbuf-size); a command holds its families' share\n",
		bytes / 1048576, (unsigned long long)maps, ring / 1048576);
}

static void print_text(FILE *out, struct doctor *d)
{
	json_object *kernel, *mounts, *cmds, *st, *checks;
	static const char *const mount_names[] = { "bpffs", "cgroup2" };

	json_object_object_get_ex(d->doc, "kernel", &kernel);
	json_object_object_get_ex(d->doc, "mounts", &mounts);
	fprintf(out, "netsight %s, libbpf %s, Linux %s (%s)\n", NS_VERSION, libbpf_version_string(),
		get_str(kernel, "release"), get_str(kernel, "machine"));
	fprintf(out, "  BTF      %s\n", ns_system_btf() ? "missing: netsight cannot run" : "yes");
	for (size_t i = 0; i < sizeof(mount_names) / sizeof(mount_names[0]); i++) {
		const char *m = get_str(mounts, mount_names[i]);

		fprintf(out, "  %-8s %s\n", mount_names[i], m ? m : "not mounted");
	}
	if (!d->privileged) {
		fprintf(out, "\nLoading BPF programs needs root (CAP_BPF, CAP_PERFMON and "
			     "CAP_SYS_ADMIN): run 'sudo netsight doctor' to see what this kernel "
			     "gives netsight.\n");
		return;
	}
	print_text_probes(out, d->probes);
	json_object_object_get_ex(d->doc, "commands", &cmds);
	fprintf(out, "\nCommands:\n");
	json_object_object_foreach(cmds, name, val)
		fprintf(out, "  %-8s %s\n", name, json_object_get_string(val));
	print_text_memory(out, d->doc);
	if (!json_object_object_get_ex(d->doc, "self_test", &st))
		return;
	json_object_object_get_ex(st, "checks", &checks);
	fprintf(out, "\nSelf-test in a private network namespace:\n");
	for (size_t i = 0; i < json_object_array_length(checks); i++) {
		json_object *c = json_object_array_get_idx(checks, i);

		if (get_str(c, "detail"))
			fprintf(out, "  %-38s %6s   %-22s %6s  skipped: %s\n",
				get_str(c, "netsight"), "", get_str(c, "kernel"), "",
				get_str(c, "detail"));
		else
			fprintf(out, "  %-38s %6s = %-22s %6s  %s\n", get_str(c, "netsight"),
				get_str(c, "netsight.count"), get_str(c, "kernel"),
				get_str(c, "kernel.count"), get_str(c, "result"));
	}
	if (get_str(st, "error"))
		fprintf(out, "  error: %s\n", get_str(st, "error"));
	fprintf(out, "  %s\n", get_str(st, "result"));
}

static int run_doctor(const struct ns_cli_opts *o)
{
	struct doctor d = { .doc = json_object_new_object(), .probes = json_object_new_array() };
	struct ns_selftest test;
	bool test_ok = true;
	int code;

	d.privileged = !ns_system_privileged() && !ns_system_btf();
	add_system(&d);
	json_object_object_add(d.doc, "probes", d.probes);
	if (!d.privileged || probe_kernel(&d, o))
		add_commands(&d, NULL);
	if (d.privileged && self_test) {
		ns_selftest_run(o, &test);
		add_self_test(&d, &test);
		test_ok = ns_selftest_passed(&test);
	}
	if (o->format == NS_FORMAT_JSON)
		printf("%s\n", json_object_to_json_string_ext(d.doc, JSON_C_TO_STRING_PLAIN));
	else
		print_text(stdout, &d);
	code = d.all_run && test_ok ? NS_EXIT_OK : NS_EXIT_FAILURE;
	json_object_put(d.doc);
	return code;
}

static const struct ns_option doctor_options[] = {
	{ "self-test", 0, NULL,
	  "also run a small known scenario in a private network namespace and compare what "
	  "netsight saw with that namespace's kernel counters",
	  parse_self_test },
	{ NULL },
};

static const struct ns_option_group doctor_groups[] = {
	{ "Doctor", doctor_options },
	{ "Output", ns_format_options },
	{ "Kernel", ns_kernel_options },
	{ NULL, NULL },
};

const struct ns_command ns_cmd_doctor = {
	.name = "doctor",
	.summary = "what this kernel gives netsight, and a self-check against its counters",
	.description =
		"Load every BPF program netsight has, the way its commands do, and report for\n"
		"each whether the kernel takes it (ok), refuses it and netsight uses a fallback\n"
		"(fallback), or refuses a program a command cannot do without (unavailable);\n"
		"then what that means for each command: ok, degraded or unavailable.\n"
		"\n"
		"With --self-test, also run connections, refused connects, datagrams to a closed\n"
		"port and a listen overflow in a private network namespace, and compare what\n"
		"netsight reported with that namespace's counters (as nstat shows them).\n"
		"\n"
		"NETSIGHT_REFUSE (or --refuse-hook) makes netsight treat programs as refused, to\n"
		"step around a kernel feature or to see a fallback at work. Without root, doctor\n"
		"shows what it can see and says what needs root. Exit status 0 when every\n"
		"command can run (and the self-test passed), 1 otherwise.",
	.groups = doctor_groups,
	.examples = "  netsight doctor                         what this kernel supports\n"
		    "  netsight doctor --self-test -o json     and the self-check, as JSON\n"
		    "  NETSIGHT_REFUSE=iter/bpf_sk_storage_map netsight doctor\n",
	.self_checking = true,
	.run = run_doctor,
};
