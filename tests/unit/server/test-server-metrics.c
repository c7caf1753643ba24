/* Metrics: counters, gauges and histograms in the Prometheus text format, byte for byte. */

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/strbuf.h"
#include "server/server.h"

static const char *const env_result[] = { "environment", "result", NULL };
static const char *const provider[] = { "provider", NULL };
static const double seconds[] = { 0.5, 1, 5 };

static struct server_metrics *sample(void)
{
	struct server_metrics *m = server_metrics_new();

	server_metrics_declare(m, "driftless_syncs_total", "Syncs by environment and result.",
	                       SERVER_METRIC_COUNTER, env_result, NULL, 0);
	server_metrics_declare(m, "driftless_sync_duration_seconds",
	                       "How long a sync took.\nBackslashes \\ kept.",
	                       SERVER_METRIC_HISTOGRAM, env_result, seconds, 3);
	server_metrics_declare(m, "driftless_objects_drifted", "Objects that differ from git.",
	                       SERVER_METRIC_GAUGE, (const char *const[]){ "environment", NULL },
	                       NULL, 0);
	server_metrics_declare(m, "driftless_up", "Always 1.", SERVER_METRIC_GAUGE, NULL, NULL, 0);
	server_metrics_declare(m, "driftless_webhook_requests_total", "Webhook requests.",
	                       SERVER_METRIC_COUNTER, provider, NULL, 0);

	server_metrics_add(m, "driftless_syncs_total", (const char *const[]){ "prod", "success" },
	                   1);
	server_metrics_add(m, "driftless_syncs_total", (const char *const[]){ "prod", "success" },
	                   1);
	server_metrics_add(m, "driftless_syncs_total",
	                   (const char *const[]){ "staging", "fail\"ed\n" }, 1);
	server_metrics_observe(m, "driftless_sync_duration_seconds",
	                       (const char *const[]){ "prod", "success" }, 0.25);
	server_metrics_observe(m, "driftless_sync_duration_seconds",
	                       (const char *const[]){ "prod", "success" }, 2.5);
	server_metrics_observe(m, "driftless_sync_duration_seconds",
	                       (const char *const[]){ "prod", "success" }, 60);
	server_metrics_set(m, "driftless_objects_drifted", (const char *const[]){ "prod" }, 3);
	server_metrics_set(m, "driftless_objects_drifted", (const char *const[]){ "prod" }, 2);
	server_metrics_set(m, "driftless_up", NULL, 1);
	return m;
}

static const char want[] =
        "# HELP driftless_syncs_total Syncs by environment and result.\n"
        "# TYPE driftless_syncs_total counter\n"
        "driftless_syncs_total{environment=\"prod\",result=\"success\"} 2\n"
        "driftless_syncs_total{environment=\"staging\",result=\"fail\\\"ed\\n\"} 1\n"
        "# HELP driftless_sync_duration_seconds How long a sync took.\\nBackslashes \\\\ kept.\n"
        "# TYPE driftless_sync_duration_seconds histogram\n"
        "driftless_sync_duration_seconds_bucket{environment=\"prod\",result=\"success\","
        "le=\"0.5\"} 1\n"
        "driftless_sync_duration_seconds_bucket{environment=\"prod\",result=\"success\","
        "le=\"1\"} 1\n"
        "driftless_sync_duration_seconds_bucket{environment=\"prod\",result=\"success\","
        "le=\"5\"} 2\n"
        "driftless_sync_duration_seconds_bucket{environment=\"prod\",result=\"success\","
        "le=\"+Inf\"} 3\n"
        "driftless_sync_duration_seconds_sum{environment=\"prod\",result=\"success\"} 62.75\n"
        "driftless_sync_duration_seconds_count{environment=\"prod\",result=\"success\"} 3\n"
        "# HELP driftless_objects_drifted Objects that differ from git.\n"
        "# TYPE driftless_objects_drifted gauge\n"
        "driftless_objects_drifted{environment=\"prod\"} 2\n"
        "# HELP driftless_up Always 1.\n"
        "# TYPE driftless_up gauge\n"
        "driftless_up 1\n"
        "# HELP driftless_webhook_requests_total Webhook requests.\n"
        "# TYPE driftless_webhook_requests_total counter\n";

static void test_metrics__render(void **state)
{
	struct server_metrics *m = sample();
	struct strbuf out = STRBUF_INIT;

	(void)state;
	server_metrics_render(m, &out);
	assert_string_equal(out.buf, want);
	strbuf_release(&out);
	server_metrics_free(m);
}

/* Prometheus's own parser agrees, when promtool is installed (the test environment's). */
static void test_metrics__promtool_accepts(void **state)
{
	struct server_metrics *m = sample();
	struct strbuf out = STRBUF_INIT;
	FILE *p;

	(void)state;
	if (access("/usr/bin/promtool", X_OK) != 0) {
		server_metrics_free(m);
		skip();
	}
	server_metrics_render(m, &out);
	p = popen("/usr/bin/promtool check metrics >/dev/null 2>&1", "w");
	assert_non_null(p);
	fwrite(out.buf, 1, out.len, p);
	/* promtool exits 3 for lint warnings (none expected) and 1 for parse errors */
	assert_int_equal(pclose(p), 0);
	strbuf_release(&out);
	server_metrics_free(m);
}

/* An info metric keeps one series per first label: the applied revision of each environment. */
static void test_metrics__replace(void **state)
{
	static const char *const env_rev[] = { "environment", "revision", NULL };
	struct server_metrics *m = server_metrics_new();
	struct strbuf out = STRBUF_INIT;

	(void)state;
	server_metrics_declare(m, "driftless_applied_revision_info", "Applied revision.",
	                       SERVER_METRIC_GAUGE, env_rev, NULL, 0);
	server_metrics_replace(m, "driftless_applied_revision_info",
	                       (const char *const[]){ "prod", "aaa" }, 1);
	server_metrics_replace(m, "driftless_applied_revision_info",
	                       (const char *const[]){ "staging", "bbb" }, 1);
	server_metrics_replace(m, "driftless_applied_revision_info",
	                       (const char *const[]){ "prod", "ccc" }, 1);
	server_metrics_render(m, &out);
	assert_string_equal(out.buf,
	                    "# HELP driftless_applied_revision_info Applied revision.\n"
	                    "# TYPE driftless_applied_revision_info gauge\n"
	                    "driftless_applied_revision_info{environment=\"staging\","
	                    "revision=\"bbb\"} 1\n"
	                    "driftless_applied_revision_info{environment=\"prod\","
	                    "revision=\"ccc\"} 1\n");
	strbuf_release(&out);
	server_metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics__replace),
		cmocka_unit_test(test_metrics__render),
		cmocka_unit_test(test_metrics__promtool_accepts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
