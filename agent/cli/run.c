/* driftless run: the daemon, as systemd starts it (daemon/daemon.h). */

#include <getopt.h>

#include "cli/cli.h"
#include "daemon/daemon.h"

int cli_run(int argc, char **argv)
{
	const struct cli_command *self = cli_command_find("run");
	const char *config_path = NULL;
	int r;

	r = cli_parse_config_output(self, argc, argv, &config_path, NULL, NULL);
	if (r >= 0)
		return r;
	if (optind < argc)
		return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);
	return daemon_run(config_path, cli_program_version()) < 0 ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}
