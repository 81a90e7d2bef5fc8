// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "cli/commands.h"
#include "cli/options.h"
#include <netsight/conn.h>
#include <netsight/tcp.h>

static char err[NS_CLI_ERR_LEN];

/* Parses and checks a command line of @cmd given as a NULL-terminated list. */
static int parse_cmd(const struct ns_command *cmd, struct ns_cli_opts *o, const char *const *args)
{
	char *argv[64] = { (char *)cmd->name };
	int argc = 1, ret;

	for (; *args; args++)
		argv[argc++] = (char *)*args;
	ns_cli_defaults(o);
	o->command = cmd->name;
	err[0] = '\0';
	ret = ns_cli_parse(cmd, argc, argv, o, err, sizeof(err));
	return ret ? ret : ns_cli_check(o, err, sizeof(err));
}

/* A conns command line. */
static int parse(struct ns_cli_opts *o, const char *const *args)
{
	return parse_cmd(&ns_cmd_conns, o, args);
}

#define PARSE(o, ...) parse(o, (const char *[]){ __VA_ARGS__, NULL })
#define PARSE_TCP(o, ...) parse_cmd(&ns_cmd_tcp, o, (const char *[]){ __VA_ARGS__, NULL })

static void defaults(void **state)
{
	struct ns_cli_opts o;

	(void)state;
	assert_int_equal(parse(&o, (const char *[]){ NULL }), 0);
	assert_int_equal(o.format, NS_FORMAT_TEXT);
	assert_int_equal(o.ringbuf_size, 0); /* the command's default */
	assert_int_equal(ns_cli_ringbuf_size(&o, NULL), 2 << 20);
	o.summary = true;
	assert_int_equal(ns_cli_ringbuf_size(&o, NULL), 256 << 10);
	o.summary = false;
	assert_int_equal(o.duration_s, 0);
	assert_int_equal(o.cfg.npids, 0);
	assert_int_equal(o.cfg.family, 0);
}

static void filters(void **state)
{
	struct ns_cli_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-p", "10", "--pid", "20", "--pid=30", "-c", "nginx", "--port",
			       "443", "-6"),
			 0);
	assert_int_equal(o.cfg.npids, 3);
	assert_int_equal(o.cfg.pids[0], 10);
	assert_int_equal(o.cfg.pids[2], 30);
	assert_int_equal(o.cfg.ncomms, 1);
	assert_string_equal(o.cfg.comms[0], "nginx");
	assert_int_equal(o.cfg.nports, 1);
	assert_int_equal(o.cfg.ports[0], 443);
	assert_int_equal(o.cfg.port_sides[0], NS_PORT_EITHER);
	assert_int_equal(o.cfg.family, AF_INET6);
}

/* Repeated filters add alternatives; the same value twice counts once. */
static void repeated_filters_accumulate(void **state)
{
	struct ns_cli_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--port", "5561", "--port", "5562", "--local-port", "80",
			       "--remote-port", "53", "--port", "5561", "-c", "a", "--comm", "b",
			       "-c", "a", "--addr", "10.0.0.0/8", "--addr", "2001:db8::/32",
			       "--addr", "192.0.2.7"),
			 0);
	assert_int_equal(o.cfg.nports, 4);
	assert_int_equal(o.cfg.ports[1], 5562);
	assert_int_equal(o.cfg.ports[2], 80);
	assert_int_equal(o.cfg.port_sides[2], NS_PORT_LOCAL);
	assert_int_equal(o.cfg.ports[3], 53);
	assert_int_equal(o.cfg.port_sides[3], NS_PORT_REMOTE);
	assert_int_equal(o.cfg.ncomms, 2);
	assert_string_equal(o.cfg.comms[1], "b");
	assert_int_equal(o.cfg.ncidrs, 3);
	assert_int_equal(o.cfg.cidrs[0].family, AF_INET);
	assert_int_equal(o.cfg.cidrs[0].prefix, 8);
	assert_int_equal(o.cfg.cidrs[0].addr[0], 10);
	assert_int_equal(o.cfg.cidrs[1].family, AF_INET6);
	assert_int_equal(o.cfg.cidrs[1].prefix, 32);
	assert_int_equal(o.cfg.cidrs[2].prefix, 32);
}

static void events_resolve_to_action_bits(void **state)
{
	struct ns_cli_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--event", "connect_failed", "--event", "close"), 0);
	assert_int_equal(o.cfg.events[NS_EVENT_CONN],
			 (1U << NS_CONN_CONNECT_FAILED) | (1U << NS_CONN_CLOSE));
	assert_int_equal(o.cfg.events[NS_EVENT_TCP], 0);
	assert_true(PARSE(&o, "--event", "reset_sent") < 0);
	assert_string_equal(err, "invalid --event 'reset_sent': netsight conns reports connect, "
				 "accept, connect_failed, close");
}

static void long_comm_is_cut_like_the_kernel_does(void **state)
{
	struct ns_cli_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--comm", "a-very-long-process-name"), 0);
	assert_string_equal(o.cfg.comms[0], "a-very-long-pro");
}

static void output_options(void **state)
{
	struct ns_cli_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-o", "json", "--duration", "5", "--ringbuf-size", "64M", "-vv"),
			 0);
	assert_int_equal(o.format, NS_FORMAT_JSON);
	assert_int_equal(o.duration_s, 5);
	assert_int_equal(o.ringbuf_size, 64 << 20);
	assert_int_equal(o.verbose, 2);
}

static void rejects(void **state)
{
	static const struct {
		const char *args[4];
		const char *message;
	} cases[] = {
		{ { "--pid", "x" }, "invalid --pid 'x'" },
		{ { "--pid", "4194305" }, "invalid --pid '4194305'" },
		{ { "--port", "0" }, "invalid --port '0'" },
		{ { "--port", "65536" }, "invalid --port '65536'" },
		{ { "-4", "-6" }, "-4 and -6 exclude each other" },
		{ { "-o", "yaml" }, "invalid --output 'yaml'" },
		{ { "--duration", "0" }, "invalid --duration '0'" },
		{ { "--ringbuf-size", "3M" }, "invalid --ringbuf-size '3M'" },
		{ { "--ringbuf-size", "2K" }, "invalid --ringbuf-size '2K'" },
		{ { "--comm", "" }, "invalid --comm ''" },
		{ { "--nope" }, "unknown option '--nope'" },
		{ { "-z" }, "unknown option '-z'" },
		{ { "--port" }, "option '--port' needs an argument (PORT)" },
		{ { "-p" }, "option '--pid' needs an argument (PID)" },
		{ { "extra" }, "unexpected argument 'extra'" },
		{ { "--cgroup", "/nonexistent/cg" },
		  "invalid --cgroup '/nonexistent/cg': no such" },
		{ { "--ipv4=1" }, "option '--ipv4' takes no argument" },
		{ { "--help=x" }, "option '--help' takes no argument" },
		{ { "--p", "5" }, "option '--p' is ambiguous: --pid, --port" },
		{ { "--bogus=3" }, "unknown option '--bogus'" },
		{ { "--duration", "31536001" }, "1 to 31536000" },
		{ { "--local-port", "0" }, "invalid --local-port '0'" },
		{ { "--remote-port", "x" }, "invalid --remote-port 'x'" },
		{ { "--addr", "10.1.2.3/8" },
		  "bits are set past the /8 prefix; the network is "
		  "10.0.0.0/8" },
		{ { "--addr", "10.0.0.0/33" }, "at most /32 for IPv4" },
		{ { "--addr", "10.0.0/8" }, "expected an address or a network" },
		{ { "--addr", "fe80::/129" }, "/128 for IPv6" },
		{ { "--addr", "2001:db8::/32", "-4" },
		  "--addr takes an IPv6 network here, but -4" },
		{ { "--count", "0" }, "invalid --count '0'" },
		{ { "--timestamp", "gmt" }, "expected 'local', 'utc' or 'iso'" },
		{ { "--event", "nope" }, "invalid --event 'nope'" },
	};
	struct ns_cli_opts o;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(parse(&o, cases[i].args) < 0);
		if (!strstr(err, cases[i].message))
			fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].message);
	}
}

static void tcp_summary_options(void **state)
{
	struct ns_cli_opts o;

	(void)state;
	assert_int_equal(PARSE_TCP(&o, "--summary"), 0);
	assert_int_equal(o.cfg.summary_by, NS_TCP_BY_REMOTE | NS_TCP_BY_SERVICE);
	assert_int_equal(
		PARSE_TCP(&o, "--summary", "--by", "process", "--by", "remote,remote-port"), 0);
	assert_int_equal(o.cfg.summary_by,
			 NS_TCP_BY_PROCESS | NS_TCP_BY_REMOTE | NS_TCP_BY_REMOTE_PORT);
	assert_true(PARSE_TCP(&o, "--by", "remote") < 0);
	assert_string_equal(err, "--by applies to --summary tables");
	assert_true(PARSE_TCP(&o, "--summary", "--by", "peer") < 0);
	assert_non_null(strstr(err, "invalid --by 'peer'"));
	assert_true(PARSE_TCP(&o, "--summary", "--interval", "86401") < 0);
	assert_non_null(strstr(err, "1 to 86400"));
	assert_true(PARSE_TCP(&o, "--summary", "--count", "5") < 0);
	assert_non_null(strstr(err, "--count counts events"));
	assert_int_equal(PARSE_TCP(&o, "--event", "reset_sent", "--event", "listen_overflow"), 0);
	assert_int_equal(o.cfg.events[NS_EVENT_TCP],
			 (1U << NS_TCP_RESET_SENT) | (1U << NS_TCP_LISTEN_OVERFLOW));
}

static void at_most_sixteen_pids(void **state)
{
	const char *args[40];
	struct ns_cli_opts o;
	int n = 0;

	(void)state;
	static const char *const pids[] = { "1",  "2",	"3",  "4",  "5",  "6",	"7",  "8", "9",
					    "10", "11", "12", "13", "14", "15", "16", "17" };

	for (int i = 0; i < 17; i++) {
		args[n++] = "-p";
		args[n++] = pids[i];
	}
	args[n] = NULL;
	assert_int_equal(parse(&o, args), -E2BIG);
	assert_non_null(strstr(err, "at most 16"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(filters),
		cmocka_unit_test(repeated_filters_accumulate),
		cmocka_unit_test(events_resolve_to_action_bits),
		cmocka_unit_test(long_comm_is_cut_like_the_kernel_does),
		cmocka_unit_test(output_options),
		cmocka_unit_test(rejects),
		cmocka_unit_test(tcp_summary_options),
		cmocka_unit_test(at_most_sixteen_pids),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
