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
#include "sync/internal.h"

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
	struct sync_aws *aws;
	struct sync_target t;
	struct sync_plan p;
	struct sync_item it;
};

/* A plan of one RDSInstance, spec given as JSON with ' for ", against the fake's replies. */
static void setup(struct fixture *f, const struct canned *replies, size_t n, const char *spec)
{
	char endpoint[64], text[1024];

	*f = (struct fixture){ 0 };
	fake_start(&f->fake, replies, n);
	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%u", f->fake.port);
	setenv("AWS_ENDPOINT_URL", endpoint, 1);
	unsetenv("AWS_ENDPOINT_URL_RDS");
	setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");
	setenv("AWS_REGION", "eu-west-1", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
	f->aws = sync_aws_new();
	f->t = (struct sync_target){ .env = "test", .aws = f->aws };
	f->p = (struct sync_plan){ .t = &f->t };
	snprintf(text, sizeof(text),
	         "{'apiVersion': 'driftless.dev/v1alpha1', 'kind': 'RDSInstance',"
	         " 'metadata': {'name': 'shop-db'}, 'spec': %s}",
	         spec);
	f->it = (struct sync_item){ .api_version = xstrdup("driftless.dev/v1alpha1"),
		                    .group = xstrdup("driftless.dev"),
		                    .version = xstrdup("v1alpha1"),
		                    .kind = xstrdup("RDSInstance"),
		                    .name = xstrdup("shop-db"),
		                    .desired = json_test_load(text) };
}

static void teardown(struct fixture *f)
{
	struct sync_item *it = &f->it;

	fake_stop(&f->fake);
	free(it->api_version);
	free(it->group);
	free(it->version);
	free(it->kind);
	free(it->name);
	json_decref(it->desired);
	json_decref(it->live);
	json_decref(it->after);
	json_decref(it->paths);
	free(it->note);
	free(it->refusal);
	sync_rds_free(it->rds);
	sync_aws_free(f->aws);
	unsetenv("AWS_ENDPOINT_URL");
}

static void plan(struct fixture *f)
{
	struct error e = ERROR_INIT;

	if (sync_rds_plan(&f->p, &f->it, &e) < 0)
		fail_msg("%s", e.message);
}

/* The apply: its report object, and whether it was deferred. */
static json_t *apply(struct fixture *f, bool *ret_deferred)
{
	struct error e = ERROR_INIT;
	json_t *objects = json_array(), *o;

	if (sync_rds_apply(&f->p, &f->it, objects, ret_deferred, &e) < 0)
		fail_msg("%s", e.message);
	o = json_incref(json_array_get(objects, 0));
	json_decref(objects);
	return o;
}

static const char *paths(const struct sync_item *it, size_t i)
{
	return json_string_value(json_array_get(it->paths, i));
}

static void test_rds__pending_values_are_in_flight(void **state)
{
	static const struct canned replies[] = {
		{ 200, INSTANCE_XML("available",
		                    "<DBInstanceClass>db.t4g.medium</DBInstanceClass>", "in-sync") },
		{ 200, OK_XML("ModifyDBInstance") },
	};
	struct fixture f;
	json_t *o;
	bool is_deferred;

	(void)state;
	setup(&f, replies, 2,
	      "{'dbInstanceClass': 'db.t4g.medium', 'multiAZ': true, 'engineVersion': '16'}");
	plan(&f);
	/* the class is queued as git wants it: reported, not sent again; multiAZ is drift */
	assert_int_equal(f.it.action, SYNC_ACTION_UPDATE);
	assert_int_equal(json_array_size(f.it.paths), 1);
	assert_string_equal(paths(&f.it, 0), "/spec/multiAZ");
	assert_non_null(strstr(f.it.note, "dbInstanceClass: db.t4g.medium is already pending (now "
	                                  "db.t4g.small)"));
	assert_true(json_is_false(
	        json_object_get(json_object_get(f.it.live, "spec"), "multiAZ")));
	/* the live side shows the class as it will be: the queued value */
	assert_string_equal(json_string_value(json_object_get(json_object_get(f.it.live, "spec"),
	                                                       "dbInstanceClass")),
	                    "db.t4g.medium");
	o = apply(&f, &is_deferred);
	assert_false(is_deferred);
	assert_string_equal(json_string_value(json_object_get(o, "result")), "applied");
	json_decref(o);
	assert_string_equal(f.fake.actions[1], "ModifyDBInstance");
	assert_non_null(strstr(f.fake.last_request, "&MultiAZ=true&ApplyImmediately=false"));
	assert_null(strstr(f.fake.last_request, "DBInstanceClass"));
	assert_int_equal(f.p.n_aws_calls, 2);
	teardown(&f);
}

static void test_rds__nothing_but_in_flight_is_no_drift(void **state)
{
	static const struct canned replies[] = {
		{ 200, INSTANCE_XML("available", "<MultiAZ>true</MultiAZ>", "applying") },
	};
	struct fixture f;

	(void)state;
	setup(&f, replies, 1, "{'multiAZ': true, 'dbParameterGroupName': 'shop-pg'}");
	plan(&f);
	assert_int_equal(f.it.action, SYNC_ACTION_UNCHANGED);
	assert_non_null(strstr(f.it.note, "multiAZ: true is already pending (now false)"));
	assert_non_null(strstr(f.it.note, "dbParameterGroupName: shop-pg is already being applied"));
	teardown(&f);
}

static void test_rds__pending_reboot(void **state)
{
	static const struct canned replies[] = {
		{ 200, INSTANCE_XML("available", "", "pending-reboot") },
		{ 200, INSTANCE_XML("available", "", "pending-reboot") },
		{ 200, OK_XML("RebootDBInstance") },
	};
	struct fixture f;
	json_t *o;
	bool is_deferred;

	(void)state;
	/* reported only: no policy to reboot */
	setup(&f, replies, 3, "{'dbParameterGroupName': 'shop-pg'}");
	plan(&f);
	assert_int_equal(f.it.action, SYNC_ACTION_UNCHANGED);
	assert_non_null(strstr(f.it.note, "parameter group shop-pg: pending-reboot; its static "
	                                  "parameters take effect at the next reboot "
	                                  "(allowReboot: true lets driftless reboot)"));
	sync_rds_free(f.it.rds);
	f.it.rds = NULL;
	free(f.it.note);
	f.it.note = NULL;
	json_decref(f.it.live);
	json_decref(f.it.after);
	f.it.live = f.it.after = NULL;
	json_decref(f.it.desired);

	/* allowReboot: rebooted */
	f.it.desired = json_test_load("{'apiVersion': 'driftless.dev/v1alpha1', 'kind': "
	                              "'RDSInstance', 'metadata': {'name': 'shop-db'}, 'spec': "
	                              "{'dbParameterGroupName': 'shop-pg', 'allowReboot': true}}");
	plan(&f);
	assert_int_equal(f.it.action, SYNC_ACTION_UPDATE);
	assert_non_null(strstr(f.it.note, "pending-reboot; rebooted (allowReboot)"));
	o = apply(&f, &is_deferred);
	assert_false(is_deferred);
	assert_string_equal(json_string_value(json_object_get(o, "result")), "applied");
	json_decref(o);
	assert_string_equal(f.fake.actions[2], "RebootDBInstance");
	assert_non_null(strstr(f.fake.last_request, "&DBInstanceIdentifier=shop-db"));
	teardown(&f);
}

static void test_rds__busy_instance_waits(void **state)
{
	static const struct canned replies[] = {
		{ 200, INSTANCE_XML("backing-up", "", "in-sync") },
		{ 200, OK_XML("AddTagsToResource") },
	};
	struct fixture f;
	json_t *o;
	bool is_deferred;

	(void)state;
	setup(&f, replies, 2, "{'backupRetentionPeriod': 14, 'tags': {'team': 'db'}}");
	plan(&f);
	assert_int_equal(f.it.action, SYNC_ACTION_UPDATE);
	assert_non_null(
	        strstr(f.it.note, "the instance is backing-up: ModifyDBInstance waits until it is "
	                          "available"));
	/* tags do not wait; ModifyDBInstance does */
	o = apply(&f, &is_deferred);
	assert_true(is_deferred);
	assert_string_equal(json_string_value(json_object_get(o, "result")), "deferred");
	json_decref(o);
	assert_int_equal(f.fake.served, 2);
	assert_string_equal(f.fake.actions[1], "AddTagsToResource");
	assert_non_null(strstr(f.fake.last_request, "&Tags.Tag.1.Key=team&Tags.Tag.1.Value=db"));
	teardown(&f);
}

static void test_rds__busy_since_the_plan(void **state)
{
	static const struct canned replies[] = {
		{ 200, INSTANCE_XML("available", "", "in-sync") },
		{ 400, busy_xml },
	};
	struct fixture f;
	json_t *o;
	bool is_deferred;

	(void)state;
	setup(&f, replies, 2, "{'backupRetentionPeriod': 14}");
	plan(&f);
	o = apply(&f, &is_deferred);
	assert_true(is_deferred);
	assert_string_equal(json_string_value(json_object_get(o, "result")), "deferred");
	assert_non_null(strstr(json_string_value(json_object_get(o, "message")),
	                       "not now: RDS ModifyDBInstance: InvalidDBInstanceState"));
	json_decref(o);
	teardown(&f);
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

	return cmocka_run_group_tests(tests, NULL, NULL);
}
