/* driftless: command dispatch only. Each command lives in cli/. */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "core/log.h"
#include "core/parallel.h"
#include "doc/doc.h"
#include "source/source.h"

int main(int argc, char **argv)
{
	enum {
		ARG_LOG_LEVEL = 0x100,
		ARG_LOG_TARGET,
	};
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "log-level", required_argument, NULL, ARG_LOG_LEVEL },
		{ "log-target", required_argument, NULL, ARG_LOG_TARGET },
		{ 0 },
	};
	static char version_name[] = "version";
	const struct cli_command *cmd;
	int r;

	/* the network half of `fetch`, which runs itself in a child (source/remote.c) */
	if (argc == 2 && streq(argv[1], "__source-helper")) {
		doc_init(DOC_ALLOC_FAST);
		return source_helper_main();
	}

	log_setup();
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, "+:hV", options, NULL);

		if (c < 0)
			break;
		switch (c) {
		case 'h':
			cli_usage(stdout);
			return cli_flush_stdout();
		case 'V':
			doc_init(DOC_ALLOC_FAST);
			return cli_version(1, (char *[]){ version_name, NULL });
		case ARG_LOG_LEVEL:
			r = log_level_from_string(optarg);
			if (r < 0)
				return cli_usage_error(NULL, "unknown log level '%s'", optarg);
			log_set_max_level(r);
			break;
		case ARG_LOG_TARGET:
			r = log_target_from_string(optarg);
			if (r < 0)
				return cli_usage_error(NULL, "unknown log target '%s'", optarg);
			log_set_target(r);
			break;
		default:
			return cli_option_error(NULL, c, argv);
		}
	}
	if (optind >= argc)
		return cli_usage_error(NULL, "no command given");

	cmd = cli_command_find(argv[optind]);
	if (!cmd)
		return cli_usage_error(NULL, "unknown command '%s'", argv[optind]);
	/* before any json_t: jansson's allocator; the daemon's gives memory back between syncs */
	doc_init(cmd->is_long_running ? DOC_ALLOC_RETURNING : DOC_ALLOC_FAST);
	r = cmd->run(argc - optind, argv + optind);
	parallel_shutdown(); /* the workers a command may have started, for leak checkers */
	return r;
}
