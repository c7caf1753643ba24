#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>

#include <jansson.h>

#include "aws/aws.h"
#include "core/dl.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "doc/doc.h"
#include "http/http.h"
#include "server/server.h"
#include "source/source.h"

static json_t *collect_versions(void)
{
	json_t *libs = json_array();

	source_library_versions(libs);
	http_library_versions(libs);
	doc_library_versions(libs);
	if (dl_library_report(libs, "libsystemd", log_load_library))
		json_array_append_new(libs, json_pack("{s:s, s:s}", "name", "libsystemd", "version",
		                                      log_libsystemd_version()));
	server_library_versions(libs);
	aws_library_versions(libs);
	return json_pack("{s:s, s:o}", "version", cli_program_version(), "libraries", libs);
}

static void print_text(const json_t *all)
{
	const json_t *lib;
	size_t i;

	printf("driftless %s\n", json_string_value(json_object_get(all, "version")));
	json_array_foreach(json_object_get(all, "libraries"), i, lib) {
		struct strbuf line = STRBUF_INIT;
		const json_t *features = json_object_get(lib, "features"), *f;
		size_t j;

		if (json_object_get(lib, "error")) {
			printf("  %-14s not loadable: %s\n",
			       json_string_value(json_object_get(lib, "name")),
			       json_string_value(json_object_get(lib, "error")));
			continue;
		}
		strbuf_addf(&line, "  %-14s %s", json_string_value(json_object_get(lib, "name")),
		            json_string_value(json_object_get(lib, "version")));
		if (json_array_size(features)) {
			strbuf_addstr(&line, " (");
			json_array_foreach(features, j, f) {
				if (j)
					strbuf_addstr(&line, ", ");
				strbuf_addstr(&line, json_string_value(f));
			}
			strbuf_addch(&line, ')');
		}
		puts(line.buf);
		strbuf_release(&line);
	}
}

int cli_version(int argc, char **argv)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const struct cli_command *self = cli_command_find("version");
	enum cli_output output = CLI_OUTPUT_TEXT;
	json_auto_t *all = NULL;
	const json_t *lib;
	size_t i;
	int r;

	optind = 0;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, "+:o:h", options, NULL);

		if (c < 0)
			break;
		switch (c) {
		case 'o':
			r = cli_output_from_string(optarg);
			if (r < 0)
				return cli_usage_error(self, "unknown output format '%s'", optarg);
			output = r;
			break;
		case 'h':
			cli_command_usage(self, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_option_error(self, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);

	all = collect_versions();
	if (output == CLI_OUTPUT_JSON) {
		(void)json_dumpf(all, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else
		print_text(all);
	r = cli_flush_stdout();
	/* a library that does not load is a broken installation: say so in the status too */
	json_array_foreach(json_object_get(all, "libraries"), i, lib)
		if (json_object_get(lib, "error"))
			return r == CLI_EXIT_OK ? CLI_EXIT_FAILURE : r;
	return r;
}
