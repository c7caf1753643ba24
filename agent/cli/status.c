/* driftless status: what is applied where, from the state directory. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "core/time.h"
#include "http/http.h"
#include "sync/sync.h"

#define DAEMON_TIMEOUT_USEC (2 * USEC_PER_SEC)

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* The first 12 hex digits of a revision, or "-". */
static const char *short_rev(const char *rev, char buf[13])
{
	if (!rev || !rev[0])
		return "-";
	snprintf(buf, 13, "%s", rev);
	return buf;
}

static void print_source(const json_t *source)
{
	const json_t *sig = json_object_get(source, "signature");
	char rev[13];

	if (!json_is_object(source)) {
		printf("source: never fetched\n");
		return;
	}
	printf("source: %s %s of %s\n", str(source, "kind") ? str(source, "kind") : "ref",
	       str(source, "ref") ? str(source, "ref") : "?",
	       str(source, "url") ? str(source, "url") : "?");
	printf("  revision %s, checked %s", short_rev(str(source, "revision"), rev),
	       str(source, "checked_at") ? str(source, "checked_at") : "?");
	if (json_is_object(sig))
		printf(", signature %s", str(sig, "status") ? str(sig, "status") : "?");
	printf("\n");
	if (str(source, "error"))
		printf("  last fetch failed: %s\n", str(source, "error"));
}

static void print_table(const json_t *envs)
{
	const json_t *env;
	size_t i;

	printf("\n%-16s %-13s %-13s %-21s %-12s %s\n", "ENVIRONMENT", "APPLIED", "LAST GOOD",
	       "LAST SYNC", "RESULT", "DRIFT");
	json_array_foreach(envs, i, env) {
		const json_t *state = json_object_get(env, "state");
		const json_t *last = json_object_get(state, "last_sync");
		const json_t *drift = json_object_get(last, "drift");
		char a[13], g[13];

		if (!json_is_object(state)) {
			printf("%-16s %-13s %-13s %-21s %-12s %s\n", str(env, "name"), "-", "-",
			       "never", "-", "-");
			continue;
		}
		printf("%-16s %-13s %-13s %-21s %-12s ", str(env, "name"),
		       short_rev(str(state, "revision"), a),
		       short_rev(str(state, "last_good_revision"), g),
		       str(last, "finished_at") ? str(last, "finished_at") : "-",
		       str(last, "result") ? str(last, "result") : "-");
		if (json_is_integer(drift))
			printf("%lld\n", (long long)json_integer_value(drift));
		else
			printf("-\n");
	}
}

/* With ENV: what the table leaves out. */
static void print_details(const json_t *env)
{
	const json_t *state = json_object_get(env, "state");
	const json_t *last = json_object_get(state, "last_sync");
	char rev[13];

	printf("\nenvironment %s (%s)\n", str(env, "name"), str(env, "path"));
	if (!json_is_object(state)) {
		printf("  never synced\n");
		return;
	}
	if (str(state, "failed_revision"))
		printf("  failed revision %s: %s\n", short_rev(str(state, "failed_revision"), rev),
		       str(state, "failed_reason") ? str(state, "failed_reason") : "");
	if (json_is_object(last)) {
		printf("  last sync of %s: %s, started %s, took %.1f s",
		       short_rev(str(last, "revision"), rev),
		       str(last, "result") ? str(last, "result") : "?",
		       str(last, "started_at") ? str(last, "started_at") : "?",
		       json_number_value(json_object_get(last, "duration_seconds")));
		printf(", applied %lld (created %lld, updated %lld), pruned %lld\n",
		       (long long)json_integer_value(json_object_get(last, "applied")),
		       (long long)json_integer_value(json_object_get(last, "created")),
		       (long long)json_integer_value(json_object_get(last, "updated")),
		       (long long)json_integer_value(json_object_get(last, "pruned")));
		if (str(last, "rolled_back_to"))
			printf("  rolled back to %s\n",
			       short_rev(str(last, "rolled_back_to"), rev));
		if (str(last, "message"))
			printf("  %s\n", str(last, "message"));
	}
}

/* Where the daemon of config answers: --daemon, else webhook.listen; NULL: nowhere known. */
static char *daemon_url(const struct sync_config *config, const char *given)
{
	const char *listen = config->webhook.listen, *colon;
	_cleanup_free_ char *host = NULL;

	if (given)
		return xstrdup(given);
	if (!listen || !(colon = strrchr(listen, ':')))
		return NULL;
	host = xstrndup(listen, (size_t)(colon - listen));
	if (!host[0] || streq(host, "0.0.0.0"))
		return xasprintf("http://127.0.0.1%s", colon);
	if (streq(host, "[::]"))
		return xasprintf("http://[::1]%s", colon);
	return xasprintf("http://%s%s", host, colon);
}

/* GET URL/status: the daemon's document, or NULL (why in reterr). */
static json_t *daemon_status(const char *url, struct error *reterr)
{
	const struct http_client_options co = { .connect_timeout_usec = DAEMON_TIMEOUT_USEC,
		                                .timeout_usec = DAEMON_TIMEOUT_USEC,
		                                .retries = 0 };
	_cleanup_free_ char *full = xasprintf("%s/status", url);
	const struct http_request req = { .method = "GET", .url = full };
	struct http_response resp = HTTP_RESPONSE_INIT;
	struct http_client *c = NULL;
	json_t *doc = NULL;
	int r;

	r = http_client_new(&co, &c, reterr);
	if (r >= 0)
		r = http_client_do(c, &req, &resp, reterr);
	if (r >= 0 && resp.status != 200)
		r = error_set(reterr, -EPROTO, "%s answered %ld", full, resp.status);
	if (r >= 0) {
		doc = json_loadb(resp.body.buf ? resp.body.buf : "", resp.body.len, 0, NULL);
		if (!json_is_object(doc)) {
			json_decref(doc);
			doc = NULL;
			(void)error_set(reterr, -EBADMSG, "%s: not a JSON object", full);
		}
	}
	http_response_release(&resp);
	http_client_free(c);
	return doc;
}

static void print_daemon(const json_t *daemon, const char *url, const struct error *e)
{
	const json_t *envs = json_object_get(daemon, "environments");
	const json_t *fetch = json_object_get(daemon, "fetch");
	const json_t *v;
	const char *name;

	if (!url)
		return;
	if (!daemon) {
		printf("daemon: not running (%s)\n", e->message);
		return;
	}
	printf("daemon: pid %lld, %s%s, since %s; %s\n",
	       (long long)json_integer_value(json_object_get(daemon, "pid")),
	       json_is_true(json_object_get(daemon, "ready")) ? "ready" : "starting",
	       json_is_true(json_object_get(daemon, "stopping")) ? ", stopping" : "",
	       str(daemon, "started_at") ? str(daemon, "started_at") : "?",
	       str(fetch, "status") ? str(fetch, "status") : "?");
	json_object_foreach((json_t *)envs, name, v) {
		if (json_is_true(json_object_get(v, "running")))
			printf("  %s: syncing since %s%s\n", name,
			       str(v, "since") ? str(v, "since") : "?",
			       json_is_true(json_object_get(v, "queued")) ? ", another queued" : "");
	}
}

int cli_status(int argc, char **argv)
{
	const struct cli_command *self = cli_command_find("status");
	const char *config_path = NULL, *env = NULL, *given_url = NULL;
	_cleanup_free_ char *url = NULL;
	json_t *daemon = NULL;
	enum cli_output output = CLI_OUTPUT_TEXT;
	_cleanup_(sync_config_freep) struct sync_config *config = NULL;
	json_auto_t *doc = NULL;
	struct error e = ERROR_INIT;
	int r;

	r = cli_parse_config_output(self, argc, argv, &config_path, &output, &given_url);
	if (r >= 0)
		return r;
	if (optind + 1 < argc)
		return cli_usage_error(self, "unexpected argument '%s'", argv[optind + 1]);
	env = optind < argc ? argv[optind] : NULL;

	r = sync_config_load(config_path, &config, &e);
	if (r >= 0 && env && !sync_config_environment(config, env))
		r = error_set(&e, -ENOENT, "%s: no environment is called '%s'", config->file, env);
	if (r >= 0)
		r = sync_status(config, env, &doc, &e);
	if (r < 0) {
		log_error_errno(r, "%s", error_message(&e));
		return CLI_EXIT_FAILURE;
	}
	url = daemon_url(config, given_url);
	if (url)
		daemon = daemon_status(url, &e);
	(void)json_object_set_new(doc, "daemon", daemon ? json_incref(daemon) : json_null());
	if (output == CLI_OUTPUT_JSON) {
		(void)cli_print_json(doc);
	} else {
		const json_t *envs = json_object_get(doc, "environments");

		print_daemon(daemon, url, &e);
		print_source(json_object_get(doc, "source"));
		print_table(envs);
		if (env)
			print_details(json_array_get(envs, 0));
	}
	json_decref(daemon);
	return cli_flush_stdout();
}
