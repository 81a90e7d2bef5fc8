// SPDX-License-Identifier: GPL-2.0-only
/*
 * netsight <command> [options]: dispatch, and the exit codes (0 ok, 1 runtime
 * failure, 2 usage, 3 events lost).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "cli/commands.h"
#include "cli/run.h"
#include "lib/textsafe.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: netsight <command> [options]\n"
		     "       netsight --version\n\n"
		     "Network observability from inside the kernel: which process talks to whom,\n"
		     "how fast, and what goes wrong.\n\n"
		     "Commands:\n");
	for (size_t i = 0; ns_commands[i]; i++)
		fprintf(out, "  %-10s %s\n", ns_commands[i]->name, ns_commands[i]->summary);
	fprintf(out, "\nRun 'netsight <command> --help' for a command's options.\n"
		     "netsight needs root and a kernel with BTF.\n");
}

static int run_command(const struct ns_command *cmd, int argc, char **argv)
{
	char err[NS_CLI_ERR_LEN] = "";
	struct ns_cli_opts o;
	int ret, code;

	ns_cli_defaults(&o);
	o.command = cmd->name;
	o.summary = cmd->aggregates;
	if (cmd->default_by)
		o.cfg.summary_by = cmd->default_by;
	ret = ns_cli_parse(cmd, argc, argv, &o, err, sizeof(err));
	if (ret > 0)
		return NS_EXIT_OK;
	if (!ret)
		ret = ns_cli_check(&o, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "netsight %s: %s\nTry 'netsight %s --help'.\n", cmd->name, err,
			cmd->name);
		return NS_EXIT_USAGE;
	}
	ns_run_setup_log(&o);
	code = ns_run_check_refusals(&o);
	if (code)
		return code;
	if (!o.list_only && !cmd->self_checking) {
		code = ns_run_preflight(cmd->name);
		if (code)
			return code;
	}
	return cmd->run(&o);
}

/*
 * Makes sure descriptors 0, 1 and 2 are open (on /dev/null if they were not),
 * so that no file netsight opens later takes their number and receives its
 * output. Returns whether standard output was closed.
 */
static bool claim_standard_fds(void)
{
	bool stdout_closed = false;

	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (fd == STDOUT_FILENO)
			stdout_closed = true;
		if (open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
			abort();
	}
	return stdout_closed;
}

static int dispatch(int argc, char **argv)
{
	const struct ns_command *cmd;

	if (argc < 2) {
		usage(stderr);
		return NS_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return NS_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("netsight %s (libbpf %s)\n", NS_VERSION, libbpf_version_string());
		return NS_EXIT_OK;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc == 2) {
			usage(stdout);
			return NS_EXIT_OK;
		}
		cmd = ns_command_find(argv[2]);
		if (!cmd || argc > 3) {
			fprintf(stderr,
				"netsight help: '%s' is not a netsight command. See 'netsight "
				"--help'.\n",
				argv[2]);
			return NS_EXIT_USAGE;
		}
		ns_cli_help(cmd, stdout);
		return NS_EXIT_OK;
	}
	cmd = ns_command_find(argv[1]);
	if (!cmd) {
		fprintf(stderr,
			"netsight: '%s' is not a netsight command. See 'netsight --help'.\n",
			argv[1]);
		return NS_EXIT_USAGE;
	}
	return run_command(cmd, argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	int code;

	if (claim_standard_fds()) {
		fprintf(stderr,
			"netsight: writing output failed: %s (standard output is "
			"closed)\n",
			strerror(EBADF));
		return NS_EXIT_FAILURE;
	}
	ns_text_init();
	code = dispatch(argc, argv);
	/* What went through stdio (help, --version, lists, doctor) must have arrived. */
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "netsight: writing output failed: %s\n", strerror(errno));
		if (code == NS_EXIT_OK || code == NS_EXIT_LOST)
			code = NS_EXIT_FAILURE;
	}
	return code;
}
