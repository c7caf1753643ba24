#include "cli/cli.h"

int cli_help(int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc > 2)
		return cli_usage_error(cli_command_find("help"), "too many arguments");
	if (argc < 2) {
		cli_usage(stdout);
		return CLI_EXIT_OK;
	}
	cmd = cli_command_find(argv[1]);
	if (!cmd)
		return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
	cli_command_usage(cmd, stdout);
	return CLI_EXIT_OK;
}
