/* What diff and sync share: their options, and reaching a cluster without a config file. */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/strbuf.h"
#include "core/tree.h"
#include "doc/doc.h"
#include "render/render.h"
#include "source/source.h"
#include "sync/sync.h"

enum {
	ARG_PATH = 0x100,
	ARG_KUBECONFIG,
	ARG_CONTEXT,
	ARG_ENV,
	ARG_INVENTORY,
	ARG_NO_FETCH,
	ARG_DRY_RUN,
	ARG_FORCE_CONFLICTS,
	ARG_TIMEOUT,
	ARG_RETRY,
	ARG_NO_PRUNE,
};

int cli_target_parse(const struct cli_command *self, int argc, char **argv, bool is_sync,
                     struct cli_target_args *a)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "path", required_argument, NULL, ARG_PATH },
		{ "kubeconfig", required_argument, NULL, ARG_KUBECONFIG },
		{ "context", required_argument, NULL, ARG_CONTEXT },
		{ "env", required_argument, NULL, ARG_ENV },
		{ "inventory", required_argument, NULL, ARG_INVENTORY },
		{ "no-fetch", no_argument, NULL, ARG_NO_FETCH },
		{ "dry-run", no_argument, NULL, ARG_DRY_RUN },
		{ "force-conflicts", no_argument, NULL, ARG_FORCE_CONFLICTS },
		{ "timeout", required_argument, NULL, ARG_TIMEOUT },
		{ "retry", no_argument, NULL, ARG_RETRY },
		{ "no-prune", no_argument, NULL, ARG_NO_PRUNE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int r;

	*a = (struct cli_target_args){ .config_path = getenv("DRIFTLESS_CONFIG"),
		                       .output = CLI_OUTPUT_TEXT };
	optind = 0;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, "+:c:o:h", options, NULL);

		if (c < 0)
			break;
		if (!is_sync && (c == ARG_DRY_RUN || c == ARG_FORCE_CONFLICTS || c == ARG_TIMEOUT ||
		                 c == ARG_RETRY || c == ARG_NO_PRUNE))
			return cli_usage_error(self, "unknown option '%s'", argv[optind - 1]);
		switch (c) {
		case 'c':
			a->config_path = optarg;
			a->has_config = true;
			break;
		case 'o':
			r = cli_output_from_string(optarg);
			if (r < 0)
				return cli_usage_error(self, "unknown output format '%s'", optarg);
			a->output = r;
			break;
		case ARG_PATH:
			a->path = optarg;
			break;
		case ARG_KUBECONFIG:
			a->kubeconfig = optarg;
			break;
		case ARG_CONTEXT:
			a->context = optarg;
			break;
		case ARG_ENV:
			a->env = optarg;
			break;
		case ARG_INVENTORY:
			a->inventory = optarg;
			break;
		case ARG_NO_FETCH:
			a->no_fetch = true;
			break;
		case ARG_DRY_RUN:
			a->dry_run = true;
			break;
		case ARG_FORCE_CONFLICTS:
			a->force_conflicts = true;
			break;
		case ARG_RETRY:
			a->retry = true;
			break;
		case ARG_NO_PRUNE:
			a->no_prune = true;
			break;
		case ARG_TIMEOUT:
			if (parse_duration_usec(optarg, &a->timeout_usec) < 0 ||
			    a->timeout_usec == 0)
				return cli_usage_error(self,
				                       "--timeout: expected a duration such as "
				                       "90s or 5m, not '%s'",
				                       optarg);
			break;
		case 'h':
			cli_command_usage(self, stdout);
			return cli_flush_stdout();
		default:
			return cli_option_error(self, c, argv);
		}
	}
	if (a->path) {
		if (optind < argc)
			return cli_usage_error(self, "--path takes no environment ('%s')",
			                       argv[optind]);
		if (a->has_config || a->no_fetch || a->retry)
			return cli_usage_error(self,
			                       "--path reconciles a directory: -c, --no-fetch "
			                       "and --retry are for configured environments");
		if (a->inventory && (!strchr(a->inventory, '/') || a->inventory[0] == '/' ||
		                     strchr(a->inventory, '/')[1] == '\0'))
			return cli_usage_error(self,
			                       "--inventory: expected NAMESPACE/NAME, not '%s'",
			                       a->inventory);
	} else {
		if (a->kubeconfig || a->context || a->env || a->inventory || a->force_conflicts ||
		    a->timeout_usec || a->no_prune)
			return cli_usage_error(self,
			                       "--kubeconfig, --context, --env, --inventory, "
			                       "--force-conflicts, --timeout and --no-prune go "
			                       "with --path; a configured environment takes "
			                       "them from the config file");
		if (optind + 1 < argc)
			return cli_usage_error(self, "unexpected argument '%s'", argv[optind + 1]);
		a->env = optind < argc ? argv[optind] : NULL;
		if (!a->config_path || !*a->config_path)
			a->config_path = SYNC_CONFIG_DEFAULT_PATH;
	}
	return -1;
}

int cli_target_load_config(const struct cli_target_args *a, struct sync_config **ret)
{
	_cleanup_(sync_config_freep) struct sync_config *config = NULL;
	struct error e = ERROR_INIT;
	int r;

	r = sync_config_load(a->config_path, &config, &e);
	if (r >= 0)
		r = source_load_library(&e);
	if (r >= 0 && a->env && !sync_config_environment(config, a->env))
		r = error_set(&e, -ENOENT, "%s: no environment is called '%s'", config->file,
		              a->env);
	if (r >= 0 && config->n_environments == 0)
		r = error_set(&e, -ENOENT, "%s: no environments", config->file);
	if (r < 0)
		return log_error_errno(r, "%s", error_message(&e));
	*ret = TAKE_PTR(config);
	return 0;
}

bool cli_use_color(void)
{
	const char *term = getenv("TERM");

	return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term && !streq(term, "dumb");
}

static int render_path(const char *dir, json_t **ret_objects, struct error *reterr)
{
	_cleanup_free_ char *real = NULL;
	struct tree *tree = NULL;
	int r;

	real = realpath(dir, NULL);
	if (!real)
		return error_set(reterr, -errno, "%s: %s", dir, strerror(errno));
	r = tree_dir_new(real, &tree, reterr);
	if (r < 0)
		return r;
	r = render_kustomization(tree, ".", ret_objects, reterr);
	tree_free(tree);
	return r;
}

static int path_context(const struct cli_target_args *a, struct sync_context **ret,
                        struct error *reterr)
{
	_cleanup_free_ char *inventory_namespace = NULL;
	const char *slash = a->inventory ? strchr(a->inventory, '/') : NULL;
	struct sync_context_options o = {
		.env = a->env,
		.kubeconfig = a->kubeconfig,
		.context = a->context,
		.prune = !a->no_prune,
		.force_conflicts = a->force_conflicts,
		.health_timeout_usec = a->timeout_usec,
	};

	if (slash) {
		inventory_namespace = xstrndup(a->inventory, (size_t)(slash - a->inventory));
		o.inventory_namespace = inventory_namespace;
		o.inventory_name = slash + 1;
	}
	return sync_context_new(&o, ret, reterr);
}

int cli_target_open_path(const struct cli_target_args *a, json_t **ret_objects,
                         struct sync_context **ret_ctx)
{
	struct error e = ERROR_INIT;
	json_t *objects = NULL;
	int r;

	r = render_path(a->path, &objects, &e);
	if (r >= 0)
		r = path_context(a, ret_ctx, &e);
	if (r < 0) {
		json_decref(objects);
		return log_error_errno(r, "%s", error_message(&e));
	}
	*ret_objects = objects;
	return 0;
}

int cli_print_json(const json_t *doc)
{
	_cleanup_(strbuf_release) struct strbuf out = STRBUF_INIT;

	doc_json_dump(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER, &out);
	strbuf_addch(&out, '\n');
	fwrite(out.buf, 1, out.len, stdout);
	return 0;
}
