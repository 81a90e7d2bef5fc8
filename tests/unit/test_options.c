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

static char err[NS_CLI_ERR_LEN];

/* Parses a conns command line given as a NULL-terminated list. */
static int parse(struct ns_cli_opts *o, const char *const *args)
{
	char *argv[64] = { "conns" };
	int argc = 1;

	for (; *args; args++)
		argv[argc++] = (char *)*args;
	ns_cli_defaults(o);
	err[0] = '\0';
	return ns_cli_parse(&ns_cmd_conns, argc, argv, o, err, sizeof(err));
}

#define PARSE(o, ...) parse(o, (const char *[]){ __VA_ARGS__, NULL })

static void defaults(void **state)
{
	struct ns_cli_opts o;

	(void)state;
	assert_int_equal(parse(&o, (const char *[]){ NULL }), 0);
	assert_int_equal(o.format, NS_FORMAT_TEXT);
	assert_int_equal(o.ringbuf_size, 8 << 20);
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
	assert_string_equal(o.cfg.comm, "nginx");
	assert_int_equal(o.cfg.port, 443);
	assert_int_equal(o.cfg.family, AF_INET6);
}

static void long_comm_is_cut_like_the_kernel_does(void **state)
{
	struct ns_cli_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--comm", "a-very-long-process-name"), 0);
	assert_string_equal(o.cfg.comm, "a-very-long-pro");
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
	};
	struct ns_cli_opts o;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(parse(&o, cases[i].args) < 0);
		if (!strstr(err, cases[i].message))
			fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].message);
	}
}

static void at_most_sixteen_pids(void **state)
{
	const char *args[40];
	struct ns_cli_opts o;
	int n = 0;

	(void)state;
	for (int i = 0; i < 17; i++) {
		args[n++] = "-p";
		args[n++] = "1";
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
		cmocka_unit_test(long_comm_is_cut_like_the_kernel_does),
		cmocka_unit_test(output_options),
		cmocka_unit_test(rejects),
		cmocka_unit_test(at_most_sixteen_pids),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
