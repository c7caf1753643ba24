/*
 * The RDS kinds in a plan (sync/rds.c) against recorded RDS replies, for what moto cannot
 * produce (it applies every change at once): values pending for the maintenance window,
 * parameters waiting for a reboot, an instance that is busy, and one that becomes busy
 * between the plan and the apply. Served by the loopback fake of the aws tests.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../json-test.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "sync/sync.h"

#include "../aws/aws-files.h"
#include "../aws/fake-query.h"

/* DescribeDBInstances of shop-db: STATUS, PENDING (elements), APPLY_STATUS of its group */
#define INSTANCE_XML(status, pending, apply_status)                                            \
	"<DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances><DBInstance>"    \
	"<DBInstanceIdentifier>shop-db</DBInstanceIdentifier>"                                 \
	"<DBInstanceClass>db.t4g.small</DBInstanceClass><Engine>postgres</Engine>"             \
	"<DBInstanceStatus>" status "</DBInstanceStatus><AllocatedStorage>50</AllocatedStorage>" \
	"<MultiAZ>false</MultiAZ><EngineVersion>16.4</EngineVersion>"                          \
	"<BackupRetentionPeriod>7</BackupRetentionPeriod>"                                     \
	"<PreferredMaintenanceWindow>sun:03:30-sun:04:30</PreferredMaintenanceWindow>"         \
	"<PendingModifiedValues>" pending "</PendingModifiedValues>"                           \
	"<DBParameterGroups><DBParameterGroup><DBParameterGroupName>shop-pg</DBParameterGroupName>" \
	"<ParameterApplyStatus>" apply_status "</ParameterApplyStatus></DBParameterGroup>"     \
	"</DBParameterGroups>"                                                                 \
	"<DBInstanceArn>arn:aws:rds:eu-west-1:123456789012:db:shop-db</DBInstanceArn>"         \
	"<TagList><Tag><Key>team</Key><Value>platform</Value></Tag></TagList>"                 \
	"</DBInstance></DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>"

#define OK_XML(action) "<" action "Response><" action "Result/></" action "Response>"

static const char busy_xml[] =
        "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidDBInstanceState</Code>"
        "<Message>Instance shop-db is not available.</Message></Error>"
        "<RequestId>b-1</RequestId></ErrorResponse>";

struct fixture {
	struct fake fake;
	char kubeconfig[160];
	struct sync_context *ctx;
	struct sync_plan *plan;
	json_t *object; /* the plan's JSON of the RDSInstance, or NULL when unchanged */
	json_t *report; /* sync_plan_apply()'s */
};

/*
 * The environment of a plan against the fake's replies: AWS there (on top of the clean AWS
 * environment of aws-files.h), and a cluster that is never asked (a plan of RDS objects
 * alone makes no request to it).
 */
static void fixture_start(struct fixture *f, const struct canned *replies, size_t n)
{
	char endpoint[64];
	struct error e = ERROR_INIT;

	*f = (struct fixture){ 0 };
	fake_start(&f->fake, replies, n);
	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%u", f->fake.port);
	setenv("AWS_ENDPOINT_URL", endpoint, 1);
	unsetenv("AWS_ENDPOINT_URL_RDS");
	setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
	setenv("AWS_REGION", "eu-west-1", 1);
	snprintf(f->kubeconfig, sizeof(f->kubeconfig), "%s/kubeconfig", dir);
	write_file(f->kubeconfig,
	           "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
	           "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\n"
	           "users: [{name: u, user: {token: t}}]\n"
	           "contexts: [{name: c, context: {cluster: c, user: u}}]\n");
	if (sync_context_new(&(const struct sync_context_options){ .kubeconfig = f->kubeconfig },
	                     &f->ctx, &e) < 0)
		fail_msg("%s", e.message);
}

static void fixture_stop(struct fixture *f)
{
	fake_stop(&f->fake);
	json_decref(f->object);
	json_decref(f->report);
	sync_plan_free(f->plan);
	sync_context_free(f->ctx);
	unlink(f->kubeconfig);
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
}

/* Plan shop-db with spec (JSON with ' for "): f->object is what the plan says of it. */
static void plan(struct fixture *f, const char *spec)
{
	struct error e = ERROR_INIT;
	char text[1024];
	json_t *doc;

	snprintf(text, sizeof(text),
	         "[{'apiVersion': 'driftless.dev/v1alpha1', 'kind': 'RDSInstance',"
	         " 'metadata': {'name': 'shop-db'}, 'spec': %s}]",
	         spec);
	json_decref(f->object);
	sync_plan_free(f->plan);
	if (sync_plan_new(sync_context_target(f->ctx), json_test_load(text), &f->plan, &e) < 0)
		fail_msg("%s", e.message);
	doc = sync_plan_to_json(f->plan);
	f->object = json_incref(json_array_get(json_object_get(doc, "objects"), 0));
	json_decref(doc);
}

static const char *field(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The apply: the result of shop-db in its report. */
static const char *apply(struct fixture *f)
{
	struct error e = ERROR_INIT;

	json_decref(f->report);
	f->report = NULL;
	if (sync_plan_apply(f->plan, &f->report, &e) < 0)
		fail_msg("%s", e.message);
	return field(json_array_get(json_object_get(f->report, "objects"), 0), "result");
}

static void test_rds__pending_values_are_in_flight(void **state)
{
	static const struct canned replies[] = {
		{ 200, INSTANCE_XML("available",
		                    "<DBInstanceClass>db.t4g.medium</DBInstanceClass>", "in-sync") },
		{ 200, OK_XML("ModifyDBInstance") },
	};
	struct fixture f;
	_cleanup_(strbuf_release) struct strbuf out = STRBUF_INIT;

	(void)state;
	fixture_start(&f, replies, 2);
	plan(&f, "{'dbInstanceClass': 'db.t4g.medium', 'multiAZ': true, 'engineVersion': '16'}");
	/* the class is queued as git wants it: reported, not sent again; multiAZ is drift */
	assert_string_equal(field(f.object, "action"), "update");
	assert_int_equal(json_array_size(json_object_get(f.object, "paths")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(f.object, "paths"), 0)),
	                    "/spec/multiAZ");
	assert_non_null(strstr(field(f.object, "note"), "dbInstanceClass: db.t4g.medium is already "
	                                                "pending (now db.t4g.small)"));
	/* the live side shows the class as it will be (the queued value): only multiAZ differs */
	assert_string_equal(field(f.object, "diff"),
	                    "--- live/driftless.dev/v1alpha1/RDSInstance/shop-db\n"
	                    "+++ git/driftless.dev/v1alpha1/RDSInstance/shop-db\n"
	                    "@@ -5,4 +5,4 @@\n"
	                    " spec:\n"
	                    "   dbInstanceClass: db.t4g.medium\n"
	                    "   engineVersion: \"16\"\n"
	                    "-  multiAZ: false\n"
	                    "+  multiAZ: true\n");
	assert_int_equal(sync_plan_print(f.plan, false, &out, NULL), 0);
	assert_non_null(strstr(out.buf, "# RDSInstance 'shop-db': dbInstanceClass: db.t4g.medium "
	                                "is already pending (now db.t4g.small)\n"
	                                "Drift: 1 to update (0 LISTs, 0 dry runs, 1 AWS call)\n"));
	assert_string_equal(apply(&f), "applied");
	assert_string_equal(f.fake.actions[1], "ModifyDBInstance");
	assert_non_null(strstr(f.fake.last_request, "&MultiAZ=true&ApplyImmediately=false"));
	assert_null(strstr(f.fake.last_request, "DBInstanceClass"));
	fixture_stop(&f);
}

static void test_rds__nothing_but_in_flight_is_no_drift(void **state)
{
	static const struct canned replies[] = {
		{ 200, INSTANCE_XML("available", "<MultiAZ>true</MultiAZ>", "applying") },
	};
	struct fixture f;

	(void)state;
	fixture_start(&f, replies, 1);
	plan(&f, "{'multiAZ': true, 'dbParameterGroupName': 'shop-pg'}");
	assert_false(sync_plan_has_drift(f.plan));
	/* unchanged, and listed for what is in flight */
	assert_string_equal(field(f.object, "action"), "unchanged");
	assert_non_null(strstr(field(f.object, "note"), "multiAZ: true is already pending (now "
	                                                "false)"));
	assert_non_null(strstr(field(f.object, "note"), "dbParameterGroupName: shop-pg is already "
	                                                "being applied"));
	fixture_stop(&f);
}

static void test_rds__pending_reboot(void **state)
{
	static const struct canned replies[] = {
		{ 200, INSTANCE_XML("available", "", "pending-reboot") },
		{ 200, INSTANCE_XML("available", "", "pending-reboot") },
		{ 200, OK_XML("RebootDBInstance") },
	};
	struct fixture f;

	(void)state;
	fixture_start(&f, replies, 3);
	/* reported only: no policy to reboot */
	plan(&f, "{'dbParameterGroupName': 'shop-pg'}");
	assert_false(sync_plan_has_drift(f.plan));
	assert_non_null(strstr(field(f.object, "note"),
	                       "parameter group shop-pg: pending-reboot; its static parameters "
	                       "take effect at the next reboot (allowReboot: true lets driftless "
	                       "reboot)"));
	/* allowReboot: rebooted */
	plan(&f, "{'dbParameterGroupName': 'shop-pg', 'allowReboot': true}");
	assert_true(sync_plan_has_drift(f.plan));
	assert_non_null(strstr(field(f.object, "note"), "pending-reboot; rebooted (allowReboot)"));
	assert_string_equal(apply(&f), "applied");
	assert_string_equal(f.fake.actions[2], "RebootDBInstance");
	assert_non_null(strstr(f.fake.last_request, "&DBInstanceIdentifier=shop-db"));
	fixture_stop(&f);
}

static void test_rds__busy_instance_waits(void **state)
{
	static const struct canned replies[] = {
		{ 200, INSTANCE_XML("backing-up", "", "in-sync") },
		{ 200, OK_XML("AddTagsToResource") },
	};
	struct fixture f;

	(void)state;
	fixture_start(&f, replies, 2);
	plan(&f, "{'backupRetentionPeriod': 14, 'tags': {'team': 'db'}}");
	assert_string_equal(field(f.object, "action"), "update");
	assert_non_null(strstr(field(f.object, "note"), "the instance is backing-up: "
	                                                "ModifyDBInstance waits until it is "
	                                                "available"));
	/* tags do not wait; ModifyDBInstance does */
	assert_string_equal(apply(&f), "deferred");
	assert_int_equal(json_integer_value(json_object_get(f.report, "deferred")), 1);
	assert_int_equal(json_integer_value(json_object_get(f.report, "applied")), 0);
	assert_int_equal(f.fake.served, 2);
	assert_string_equal(f.fake.actions[1], "AddTagsToResource");
	assert_non_null(strstr(f.fake.last_request, "&Tags.Tag.1.Key=team&Tags.Tag.1.Value=db"));
	fixture_stop(&f);
}

static void test_rds__busy_since_the_plan(void **state)
{
	static const struct canned replies[] = {
		{ 200, INSTANCE_XML("available", "", "in-sync") },
		{ 400, busy_xml },
	};
	struct fixture f;

	(void)state;
	fixture_start(&f, replies, 2);
	plan(&f, "{'backupRetentionPeriod': 14}");
	assert_string_equal(apply(&f), "deferred");
	assert_non_null(strstr(field(json_array_get(json_object_get(f.report, "objects"), 0),
	                             "message"),
	                       "not now: RDS ModifyDBInstance: InvalidDBInstanceState"));
	fixture_stop(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rds__pending_values_are_in_flight),
		cmocka_unit_test(test_rds__nothing_but_in_flight_is_no_drift),
		cmocka_unit_test(test_rds__pending_reboot),
		cmocka_unit_test(test_rds__busy_instance_waits),
		cmocka_unit_test(test_rds__busy_since_the_plan),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
