/* driftless run: the daemon, as systemd starts it (daemon/daemon.h). */

#include <getopt.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "daemon/daemon.h"
#include "sync/sync.h"

int cli_run(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const struct cli_command *self = cli_command_find("run");
	const char *config_path = getenv("DRIFTLESS_CONFIG");

	optind = 0;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, "+:c:h", options, NULL);

		if (c < 0)
			break;
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'h':
			cli_command_usage(self, stdout);
			return cli_flush_stdout();
		default:
			return cli_option_error(self, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);
	if (!config_path || !*config_path)
		config_path = SYNC_CONFIG_DEFAULT_PATH;
	return daemon_run(config_path, cli_program_version()) < 0 ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}
