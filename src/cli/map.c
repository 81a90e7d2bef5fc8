// SPDX-License-Identifier: GPL-2.0-only
/*
 * netsight map: the service map of a running agent (/api/v1/map), or one
 * built here by watching connections for --duration seconds.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "cli/commands.h"
#include "cli/run.h"
#include "lib/http.h"
#include "lib/servicemap.h"
#include "lib/strbuf.h"
#include "lib/textsafe.h"
#include "lib/session.h"
#include "lib/units.h"
#include "probes/registry.h"

#define MAP_DEFAULT_AGENT "127.0.0.1:9464"

enum map_format { MAP_TEXT, MAP_JSON, MAP_DOT };

static const struct ns_family *const map_families[] = { &ns_conn_family, NULL };
static volatile sig_atomic_t map_stop;
static const char *agent_addr = MAP_DEFAULT_AGENT;
static enum map_format format = MAP_TEXT;

static void on_stop(int sig)
{
	(void)sig;
	map_stop = 1;
}

static int parse_agent(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	char addr[128];
	size_t len = sizeof(addr);

	(void)o;
	if (ns_http_parse_listen(arg, addr, &len)) {
		snprintf(err, errlen, "invalid --agent '%.60s': expected ADDR:PORT", arg);
		return -EINVAL;
	}
	agent_addr = arg;
	return 0;
}

static int parse_format(struct ns_cli_opts *o, const char *arg, char *err, size_t errlen)
{
	(void)o;
	if (!strcmp(arg, "text"))
		format = MAP_TEXT;
	else if (!strcmp(arg, "json"))
		format = MAP_JSON;
	else if (!strcmp(arg, "dot"))
		format = MAP_DOT;
	else {
		snprintf(err, errlen, "invalid --format '%.40s': expected text, json or dot", arg);
		return -EINVAL;
	}
	return 0;
}

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

static uint64_t num_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v) : 0;
}

/*
 * "curl [3f2a9c7be1d0]", or the address; "10.0.0.2:80 (nginx)",
 * "[2001:db8::1]:443". Names from other processes are escaped for the terminal.
 */
static void describe(json_object *party, bool with_port, char *buf, size_t len)
{
	const char *process = str_of(party, "process"), *container = str_of(party, "container");
	const char *ip = str_of(party, "ip");
	struct ns_strbuf sb;

	ns_strbuf_init(&sb);
	if (ip && with_port && num_of(party, "port"))
		ns_strbuf_addf(&sb, strchr(ip, ':') ? "[%s]:%llu" : "%s:%llu", ip,
			       (unsigned long long)num_of(party, "port"));
	else if (ip)
		ns_strbuf_adds(&sb, ip);
	if (process) {
		ns_strbuf_adds(&sb, ip ? " (" : "");
		ns_text_escape(&sb, process, strlen(process));
		if (container) {
			ns_strbuf_addc(&sb, ' ');
			ns_text_escape(&sb, container, strlen(container));
		}
		ns_strbuf_adds(&sb, ip ? ")" : "");
	}
	snprintf(buf, len, "%s", sb.buf ? sb.buf : "");
	ns_strbuf_release(&sb);
}

static int print_text(const char *json)
{
	json_object *doc = json_tokener_parse(json), *edges, *lat;
	char src[160], dst[160], bytes[2][32];

	if (!doc || !json_object_object_get_ex(doc, "edges", &edges))
		return -EPROTO;
	printf("%-40s    %-48s %7s %6s %9s %9s %s\n", "SOURCE", "DESTINATION", "CONNS", "FAILED",
	       "SENT", "RECEIVED", "CONNECT p50/p99");
	for (size_t i = 0; i < json_object_array_length(edges); i++) {
		json_object *e = json_object_array_get_idx(edges, i), *s, *d;

		json_object_object_get_ex(e, "source", &s);
		json_object_object_get_ex(e, "destination", &d);
		describe(s, false, src, sizeof(src));
		describe(d, true, dst, sizeof(dst));
		ns_format_bytes(num_of(e, "bytes_sent"), bytes[0], sizeof(bytes[0]));
		ns_format_bytes(num_of(e, "bytes_received"), bytes[1], sizeof(bytes[1]));
		printf("%-40s -> %-48s %7llu %6llu %9s %9s", src, dst,
		       (unsigned long long)num_of(e, "connections"),
		       (unsigned long long)num_of(e, "failures"), bytes[0], bytes[1]);
		if (json_object_object_get_ex(e, "connect_latency", &lat))
			printf(" %lluus/%lluus", (unsigned long long)num_of(lat, "p50_us"),
			       (unsigned long long)num_of(lat, "p99_us"));
		printf("\n");
	}
	if (num_of(doc, "edges_folded"))
		printf("(%llu edges beyond the map's limit are not shown)\n",
		       (unsigned long long)num_of(doc, "edges_folded"));
	json_object_put(doc);
	return 0;
}

static void on_record(const struct ns_record *rec, const struct ns_family *fam, void *ctx)
{
	(void)fam;
	ns_service_map__add(ctx, rec);
}

/* Watches connections for --duration seconds into @map. */
static int watch(const struct ns_cli_opts *o, struct ns_service_map *map)
{
	struct ns_session_opts sopts = { .cfg = o->cfg,
					 .ringbuf_size = NS_DEFAULT_RINGBUF,
					 .on_record = on_record,
					 .ctx = map,
					 .refuse = o->refuse };
	uint64_t deadline = ns_boot_now() + o->duration_s * NS_NSEC_PER_SEC;
	struct sigaction sa = { .sa_handler = on_stop };
	struct ns_session *s;
	int err;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sopts.cfg.flags |= ns_families_config_flags(map_families);
	s = ns_session__new(&sopts);
	if (!s)
		return -errno;
	err = ns_session__add(s, &ns_owner_family);
	if (!err)
		err = ns_session__add(s, &ns_conn_family);
	if (!err)
		err = ns_session__attach(s);
	if (!err)
		err = ns_session__start(s);
	if (err)
		fprintf(stderr, "netsight map: cannot trace: %s: %s\n", ns_session__subject(s),
			strerror(-err));
	else
		fprintf(stderr, "netsight: tracing TCP connections for %llus (Ctrl-C to stop)\n",
			(unsigned long long)o->duration_s);
	while (!err && !map_stop && ns_boot_now() < deadline) {
		err = ns_session__poll(s, 100);
		if (err == -EINTR)
			err = 0;
		if (!err)
			err = ns_session__drain(s);
	}
	ns_session__stop(s);
	if (!err)
		err = ns_session__finish(s);
	if (!err)
		err = ns_session__drain(s);
	ns_session__free(s);
	return err;
}

static int run_map(const struct ns_cli_opts *o)
{
	struct ns_strbuf body;
	struct ns_service_map *map;
	int err, code = NS_EXIT_FAILURE;

	ns_strbuf_init(&body);
	if (o->duration_s) {
		if (ns_run_preflight("map"))
			return NS_EXIT_FAILURE;
		map = ns_service_map__new(0);
		err = map ? watch(o, map) : -ENOMEM;
		if (!err)
			err = ns_service_map__render(map, format == MAP_DOT, &body);
		ns_service_map__free(map);
		if (err)
			goto out;
	} else {
		err = ns_http_get(agent_addr, format == MAP_DOT ? "/api/v1/map.dot" : "/api/v1/map",
				  &body);
		if (err < 0) {
			fprintf(stderr,
				"netsight map: no netsight agent answers on %s (%s); start one with "
				"'netsight agent', or give --duration to watch connections here\n",
				agent_addr, strerror(-err));
			goto out;
		}
		if (err != 200) {
			fprintf(stderr, "netsight map: the agent on %s answered HTTP %d\n",
				agent_addr, err);
			goto out;
		}
	}
	if (format == MAP_TEXT && print_text(body.buf)) {
		fprintf(stderr, "netsight map: the agent's map is not valid JSON\n");
		goto out;
	}
	if (format != MAP_TEXT)
		fputs(body.buf, stdout);
	code = NS_EXIT_OK;
out:
	ns_strbuf_release(&body);
	return code;
}

static const struct ns_option map_options[] = {
	{ "agent", 0, "ADDR:PORT",
	  "the agent to ask (default " MAP_DEFAULT_AGENT "; its --listen address)", parse_agent },
	{ "format", 0, "FORMAT", "text (default), json, or dot (Graphviz: | dot -Tsvg)",
	  parse_format },
	{ NULL },
};

static const struct ns_option_group map_groups[] = {
	{ "Map", map_options },
	{ "Standalone (with --duration)", ns_run_options },
	{ "Filters", ns_filter_options },
	{ NULL, NULL },
};

const struct ns_command ns_cmd_map = {
	.name = "map",
	.summary = "the service map: which process talks to which destination, from the agent",
	.description =
		"Who talks to whom: each local process (with its container and service) and\n"
		"each destination address and port it connects to, with the process serving\n"
		"it when that is on this host too; and remote peers of local services. Per\n"
		"edge: connections, failures, bytes each way, connect time p50/p99.\n"
		"\n"
		"Asks a running netsight agent, or with --duration watches connections itself\n"
		"for that long (root).",
	.groups = map_groups,
	.examples = "  netsight map\n"
		    "  netsight map --format dot | dot -Tsvg > map.svg\n"
		    "  netsight map --duration 30 --format json\n",
	.self_checking = true,
	.run = run_map,
};
