/* driftless diff: what a sync would change, as a unified diff per object. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "source/source.h"
#include "sync/sync.h"

/* Plan objects against ctx; print it; 0 no drift, 1 drift, 2 failure. */
static int diff_objects(struct sync_context *ctx, json_t *objects, const char *heading,
                        enum cli_output output, json_t *json_out)
{
	_cleanup_(sync_plan_freep) struct sync_plan *plan = NULL;
	_cleanup_(strbuf_release) struct strbuf out = STRBUF_INIT;
	struct error e = ERROR_INIT;
	int r;

	r = sync_plan_new(sync_context_target(ctx), objects, &plan, &e);
	if (r < 0) {
		log_error_errno(r, "%s", error_message(&e));
		return CLI_EXIT_FAILURE;
	}
	if (output == CLI_OUTPUT_JSON) {
		(void)json_array_append_new(json_out, sync_plan_to_json(plan));
		return sync_plan_has_drift(plan) ? CLI_EXIT_DIFF : CLI_EXIT_OK;
	}
	if (heading)
		strbuf_addstr(&out, heading);
	r = sync_plan_print(plan, cli_use_color(), &out, &e);
	if (r < 0) {
		log_error_errno(r, "%s", error_message(&e));
		return CLI_EXIT_FAILURE;
	}
	fwrite(out.buf, 1, out.len, stdout);
	return sync_plan_has_drift(plan) ? CLI_EXIT_DIFF : CLI_EXIT_OK;
}

static int diff_path(const struct cli_target_args *a, json_t *json_out)
{
	_cleanup_(sync_context_freep) struct sync_context *ctx = NULL;
	json_t *objects = NULL;

	if (cli_target_open_path(a, &objects, &ctx) < 0)
		return CLI_EXIT_FAILURE;
	return diff_objects(ctx, objects, NULL, a->output, json_out);
}

static int diff_env(const struct sync_config *config, const struct sync_environment *env,
                    const char *revision, bool has_heading, enum cli_output output,
                    json_t *json_out)
{
	_cleanup_(sync_context_freep) struct sync_context *ctx = NULL;
	_cleanup_free_ char *heading = NULL;
	struct error e = ERROR_INIT;
	json_t *objects = NULL;
	int r;

	r = sync_render_revision(config, env, revision, &objects, &e);
	if (r >= 0)
		r = sync_context_new_env(config, env, &ctx, &e);
	if (r < 0) {
		json_decref(objects);
		log_error_errno(r, "environment %s: %s", env->name, error_message(&e));
		return CLI_EXIT_FAILURE;
	}
	sync_context_set_revision(ctx, revision);
	if (has_heading)
		heading = xasprintf("# environment %s at %.12s\n", env->name, revision);
	return diff_objects(ctx, objects, heading, output, json_out);
}

static int diff_config(const struct cli_target_args *a, json_t *json_out)
{
	_cleanup_(sync_config_freep) struct sync_config *config = NULL;
	_cleanup_free_ char *repo_dir = NULL;
	char revision[SOURCE_REVISION_MAX];
	struct error e = ERROR_INIT;
	int r, exit_code = CLI_EXIT_OK;

	if (cli_target_load_config(a, &config) < 0)
		return CLI_EXIT_FAILURE;
	if (!a->no_fetch) {
		struct source_fetch_result res;
		struct error fe = ERROR_INIT;

		if (sync_fetch(config, &res, NULL, &fe) < 0)
			log_warning("fetch failed, comparing the revision in use: %s",
			            error_message(&fe));
	}
	repo_dir = sync_config_repo_dir(config);
	r = source_current(repo_dir, revision, &e);
	if (r < 0) {
		log_error_errno(r, "%s", error_message(&e));
		return CLI_EXIT_FAILURE;
	}
	for (size_t i = 0; i < config->n_environments; i++) {
		const struct sync_environment *env = &config->environments[i];

		if (a->env && !streq(a->env, env->name))
			continue;
		r = diff_env(config, env, revision, !a->env, a->output, json_out);
		exit_code = MAX(exit_code, r);
	}
	return exit_code;
}

int cli_diff(int argc, char **argv)
{
	const struct cli_command *self = cli_command_find("diff");
	json_auto_t *json_out = json_array();
	struct cli_target_args a;
	int r;

	r = cli_target_parse(self, argc, argv, false, &a);
	if (r >= 0)
		return r;
	r = a.path ? diff_path(&a, json_out) : diff_config(&a, json_out);
	if (a.output == CLI_OUTPUT_JSON && r != CLI_EXIT_FAILURE)
		(void)cli_print_json(json_array_size(json_out) == 1 && (a.path || a.env) ?
		                             json_array_get(json_out, 0) :
		                             json_out);
	if (cli_flush_stdout() != CLI_EXIT_OK)
		return CLI_EXIT_FAILURE;
	return r;
}
