/* driftless sync: one reconcile now, then exit. */

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

/* One line per object the apply touched: "created Deployment 'shop/web'". */
static void print_applied(const json_t *apply)
{
	const json_t *o;
	size_t i;

	json_array_foreach(json_object_get(apply, "objects"), i, o) {
		const char *action = json_string_value(json_object_get(o, "action"));
		const char *result = json_string_value(json_object_get(o, "result"));
		const char *ns = json_string_value(json_object_get(o, "namespace"));
		const char *message = json_string_value(json_object_get(o, "message"));
		const char *verb = streq_ptr(result, "applied") ?
		                           (streq_ptr(action, "create") ? "created" :
		                            streq_ptr(action, "update") ? "updated" :
		                                                          "annotated") :
		                           result;

		printf("%s %s '%s%s%s'%s%s\n", verb, json_string_value(json_object_get(o, "kind")),
		       ns ? ns : "", ns ? "/" : "", json_string_value(json_object_get(o, "name")),
		       message ? ": " : "", message ? message : "");
	}
}

static int sync_path(const struct cli_target_args *a)
{
	_cleanup_(sync_context_freep) struct sync_context *ctx = NULL;
	_cleanup_(sync_plan_freep) struct sync_plan *plan = NULL;
	_cleanup_(strbuf_release) struct strbuf out = STRBUF_INIT;
	json_auto_t *applied = NULL, *report = NULL;
	struct error e = ERROR_INIT;
	json_t *objects = NULL;
	int r;

	if (cli_target_open_path(a, &objects, &ctx) < 0)
		return CLI_EXIT_FAILURE;
	r = sync_plan_new(sync_context_target(ctx), objects, &plan, &e);
	if (r < 0) {
		log_error_errno(r, "%s", error_message(&e));
		return CLI_EXIT_FAILURE;
	}
	if (a->dry_run) {
		if (a->output == CLI_OUTPUT_JSON)
			return cli_print_json(sync_plan_to_json(plan)) < 0 ? CLI_EXIT_FAILURE :
			                                                     CLI_EXIT_OK;
		r = sync_plan_print(plan, cli_use_color(), &out, &e);
		if (r >= 0)
			fwrite(out.buf, 1, out.len, stdout);
	} else {
		r = sync_plan_apply(plan, &applied, &e);
		report =
		        json_pack("{s:o, s:O?}", "plan", sync_plan_to_json(plan), "apply", applied);
		if (a->output == CLI_OUTPUT_JSON)
			(void)cli_print_json(report);
		else
			print_applied(applied);
	}
	if (r < 0) {
		log_error_errno(r, "%s", error_message(&e));
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

static void print_env_result(const struct sync_environment *env, const json_t *report)
{
	const json_t *last = json_object_get(json_object_get(report, "state"), "last_sync");
	const char *result = json_string_value(json_object_get(last, "result"));
	const char *revision = json_string_value(json_object_get(last, "revision"));
	const char *rolled_back = json_string_value(json_object_get(last, "rolled_back_to"));
	json_int_t drift = json_integer_value(json_object_get(last, "drift"));

	print_applied(json_object_get(report, "apply"));
	print_applied(json_object_get(report, "rollback_apply"));
	printf("environment %s: %s", env->name, result ? result : "error");
	if (revision)
		printf(" at %.12s", revision);
	if (drift)
		printf(" (%lld object%s drifted)", (long long)drift, drift == 1 ? "" : "s");
	if (rolled_back)
		printf(", rolled back to %.12s", rolled_back);
	printf("\n");
}

/* --dry-run: the diffs the plan holds, as diff prints them (without colour). */
static void print_env_plan(const struct sync_environment *env, const json_t *report)
{
	const json_t *plan = json_object_get(report, "plan");
	const json_t *o;
	size_t i;

	json_array_foreach(json_object_get(plan, "objects"), i, o) {
		const char *diff = json_string_value(json_object_get(o, "diff"));

		if (diff)
			fputs(diff, stdout);
	}
	printf("environment %s: dry run%s%.12s, %s\n", env->name, plan ? " at " : "",
	       plan ? json_string_value(json_object_get(plan, "revision")) : "",
	       !plan                                        ? "failed" :
	       json_is_true(json_object_get(plan, "drift")) ? "drift" :
	                                                      "no drift");
}

static int sync_config(const struct cli_target_args *a)
{
	_cleanup_(sync_config_freep) struct sync_config *config = NULL;
	const struct sync_run_options o = {
		.dry_run = a->dry_run,
		.no_fetch = a->no_fetch,
		.retry_failed = a->retry,
	};
	json_auto_t *json_out = json_array();
	struct error e = ERROR_INIT;
	int r, exit_code = CLI_EXIT_OK;

	if (cli_target_load_config(a, &config) < 0)
		return CLI_EXIT_FAILURE;
	for (size_t i = 0; i < config->n_environments; i++) {
		const struct sync_environment *env = &config->environments[i];
		json_auto_t *report = NULL;

		if (a->env && !streq(a->env, env->name))
			continue;
		error_clear(&e);
		r = sync_environment_run(config, env, &o, &report, &e);
		if (r < 0) {
			log_error_errno(r, "environment %s: %s", env->name, error_message(&e));
			exit_code = CLI_EXIT_FAILURE;
		}
		if (a->output == CLI_OUTPUT_JSON)
			(void)json_array_append(json_out, report);
		else if (a->dry_run)
			print_env_plan(env, report);
		else
			print_env_result(env, report);
	}
	if (a->output == CLI_OUTPUT_JSON)
		(void)cli_print_json(a->env ? json_array_get(json_out, 0) : json_out);
	return exit_code;
}

int cli_sync(int argc, char **argv)
{
	const struct cli_command *self = cli_command_find("sync");
	struct cli_target_args a;
	int r;

	r = cli_target_parse(self, argc, argv, true, &a);
	if (r >= 0)
		return r;
	r = a.path ? sync_path(&a) : sync_config(&a);
	if (cli_flush_stdout() != CLI_EXIT_OK)
		return CLI_EXIT_FAILURE;
	return r;
}
