#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/tree.h"
#include "render/render.h"

/* The directory as a path from the file system root, without the leading '/'. */
static int absolute_dir(const char *dir, char **ret)
{
	char cwd[PATH_MAX];
	_cleanup_free_ char *joined = NULL;

	if (dir[0] == '/') {
		joined = xstrdup(dir);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		joined = xasprintf("%s/%s", cwd, dir);
	}
	return tree_path_join("", joined + 1, ret);
}

/* json_dump_callback()'s callback: append to a strbuf. */
static int append_json(const char *buffer, size_t size, void *data)
{
	strbuf_add(data, buffer, size);
	return 0;
}

int cli_render(int argc, char **argv)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const struct cli_command *self = cli_command_find("render");
	enum cli_output output = CLI_OUTPUT_TEXT;
	_cleanup_(tree_freep) struct tree *tree = NULL;
	_cleanup_free_ char *dir = NULL;
	struct strbuf out = STRBUF_INIT;
	struct error e = ERROR_INIT;
	_cleanup_(render_objects_freep) json_t *objects = NULL;
	int r;

	optind = 0;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, "+:o:h", options, NULL);

		if (c < 0)
			break;
		switch (c) {
		case 'o':
			if (streq(optarg, "yaml"))
				output = CLI_OUTPUT_TEXT;
			else if (streq(optarg, "json"))
				output = CLI_OUTPUT_JSON;
			else
				return cli_usage_error(self, "unknown output format '%s'", optarg);
			break;
		case 'h':
			cli_command_usage(self, stdout);
			return cli_flush_stdout();
		default:
			return cli_option_error(self, c, argv);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(
		        self, optind >= argc ? "no directory given" : "unexpected argument '%s'",
		        argv[optind + (optind < argc)]);

	r = absolute_dir(argv[optind], &dir);
	if (r < 0) {
		log_error_errno(r, "Failed to resolve '%s': %s", argv[optind], strerror(-r));
		return CLI_EXIT_FAILURE;
	}
	r = tree_dir_new("/", &tree, &e);
	if (r >= 0)
		r = render_kustomization(tree, dir, &objects, &e);
	if (r < 0) {
		log_error_errno(r, "%s", error_message(&e));
		return CLI_EXIT_FAILURE;
	}
	if (output == CLI_OUTPUT_JSON) {
		/*
		 * Straight into out: json_dumps() would return memory from jansson's allocator
		 * (doc_init()), which free() must not see.
		 */
		(void)json_dump_callback(objects, append_json, &out,
		                         JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		strbuf_addch(&out, '\n');
	} else {
		r = render_print(objects, &out, &e);
		if (r < 0) {
			strbuf_release(&out);
			log_error_errno(r, "%s", error_message(&e));
			return CLI_EXIT_FAILURE;
		}
	}
	fwrite(out.buf, 1, out.len, stdout);
	strbuf_release(&out);
	return cli_flush_stdout();
}
