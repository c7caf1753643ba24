/* What the daemon counts, for GET /metrics (families declared once, updated by the loop). */

#include <string.h>

#include <jansson.h>

#include "core/time.h"
#include "daemon/internal.h"
#include "server/server.h"
#include "sync/sync.h"

#define ARRAY(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const double sync_buckets[] = { 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600 };
static const double fetch_buckets[] = { 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120 };

void daemon_metrics_declare(struct server_metrics *m, const char *version)
{
	server_metrics_declare(m, "driftless_build_info", "The running version of driftless.",
	                       SERVER_METRIC_GAUGE, ARRAY("version"), NULL, 0);
	server_metrics_set(m, "driftless_build_info", ARRAY(version), 1);
	server_metrics_declare(m, "driftless_syncs_total",
	                       "Syncs by environment and result (success, unchanged, failed, "
	                       "rolled-back, skipped, error, interrupted).",
	                       SERVER_METRIC_COUNTER, ARRAY("environment", "result"), NULL, 0);
	server_metrics_declare(m, "driftless_sync_duration_seconds",
	                       "How long a sync took, from the render to the state written.",
	                       SERVER_METRIC_HISTOGRAM, ARRAY("environment", "result"),
	                       sync_buckets, ELEMENTSOF(sync_buckets));
	server_metrics_declare(m, "driftless_syncs_in_flight",
	                       "1 while a sync of the environment runs.", SERVER_METRIC_GAUGE,
	                       ARRAY("environment"), NULL, 0);
	server_metrics_declare(m, "driftless_applied_revision_info",
	                       "The revision applied in full to the environment.",
	                       SERVER_METRIC_GAUGE, ARRAY("environment", "revision"), NULL, 0);
	server_metrics_declare(m, "driftless_objects_drifted",
	                       "Objects that differed from git at the last sync (to create, "
	                       "update or prune).",
	                       SERVER_METRIC_GAUGE, ARRAY("environment"), NULL, 0);
	server_metrics_declare(m, "driftless_objects_applied_total",
	                       "Objects created or updated by server-side apply.",
	                       SERVER_METRIC_COUNTER, ARRAY("environment"), NULL, 0);
	server_metrics_declare(m, "driftless_objects_pruned_total",
	                       "Objects deleted because they left git.", SERVER_METRIC_COUNTER,
	                       ARRAY("environment"), NULL, 0);
	server_metrics_declare(m, "driftless_last_sync_timestamp_seconds",
	                       "When the last sync of the environment ended (Unix time).",
	                       SERVER_METRIC_GAUGE, ARRAY("environment"), NULL, 0);
	server_metrics_declare(m, "driftless_git_fetches_total", "Fetches of the source by result.",
	                       SERVER_METRIC_COUNTER, ARRAY("result"), NULL, 0);
	server_metrics_declare(m, "driftless_git_fetch_errors_total", "Fetches that failed.",
	                       SERVER_METRIC_COUNTER, NULL, NULL, 0);
	server_metrics_declare(m, "driftless_git_fetch_duration_seconds",
	                       "How long a fetch of the source took.", SERVER_METRIC_HISTOGRAM,
	                       NULL, fetch_buckets, ELEMENTSOF(fetch_buckets));
	server_metrics_declare(m, "driftless_webhook_requests_total",
	                       "Webhook requests by provider and result (accepted, ignored, "
	                       "repeated, bad-request, unauthorized, too-big).",
	                       SERVER_METRIC_COUNTER, ARRAY("provider", "result"), NULL, 0);
	server_metrics_add(m, "driftless_git_fetch_errors_total", NULL, 0);
}

void daemon_metrics_fetch(struct server_metrics *m, const struct job *job)
{
	const char *result = job->r >= 0 ? "success" : "error";

	server_metrics_add(m, "driftless_git_fetches_total", ARRAY(result), 1);
	if (job->r < 0)
		server_metrics_add(m, "driftless_git_fetch_errors_total", NULL, 1);
	server_metrics_observe(m, "driftless_git_fetch_duration_seconds", NULL,
	                       (double)job->duration_usec / 1e6);
}

void daemon_metrics_in_flight(struct server_metrics *m, const char *env, bool is_running)
{
	server_metrics_set(m, "driftless_syncs_in_flight", ARRAY(env), is_running ? 1 : 0);
}

static double number(const json_t *obj, const char *key)
{
	return (double)json_integer_value(json_object_get(obj, key));
}

void daemon_metrics_sync(struct server_metrics *m, const struct job *job, const char *result)
{
	const char *env = job->slot->name;
	const json_t *state = json_object_get(job->report, "state");
	const json_t *last = json_object_get(state, "last_sync");
	const char *revision = json_string_value(json_object_get(state, "revision"));

	server_metrics_add(m, "driftless_syncs_total", ARRAY(env, result), 1);
	server_metrics_observe(m, "driftless_sync_duration_seconds", ARRAY(env, result),
	                       (double)job->duration_usec / 1e6);
	daemon_metrics_in_flight(m, env, false);
	server_metrics_replace(m, "driftless_applied_revision_info",
	                       ARRAY(env, revision ? revision : ""), 1);
	if (json_object_get(last, "drift"))
		server_metrics_set(m, "driftless_objects_drifted", ARRAY(env),
		                   number(last, "drift"));
	server_metrics_add(m, "driftless_objects_applied_total", ARRAY(env),
	                   number(last, "applied"));
	server_metrics_add(m, "driftless_objects_pruned_total", ARRAY(env), number(last, "pruned"));
	server_metrics_set(m, "driftless_last_sync_timestamp_seconds", ARRAY(env),
	                   (double)now_usec(CLOCK_REALTIME) / 1e6);
}
