/* The RDS kinds as git gives them: read into their structs, refused field by field. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../json-test.h"

#include "aws/aws.h"
#include "core/error.h"
#include "core/strv.h"

/* manifests/overlays/prod's shop-db, as driftless render gives it */
static const char shop_db[] =
        "{'apiVersion': 'driftless.dev/v1alpha1', 'kind': 'RDSInstance',"
        " 'metadata': {'name': 'shop-db', 'labels': {'environment': 'prod'}},"
        " 'spec': {'region': 'eu-west-1', 'dbInstanceIdentifier': 'Shop-DB-Prod',"
        "  'engine': 'postgres', 'engineVersion': '16.4', 'dbInstanceClass': 'db.r6g.large',"
        "  'allocatedStorage': 50, 'maxAllocatedStorage': 200, 'storageType': 'gp3',"
        "  'multiAZ': true, 'backupRetentionPeriod': 14, 'preferredBackupWindow': '02:00-03:00',"
        "  'preferredMaintenanceWindow': 'sun:03:30-sun:04:30', 'deletionProtection': true,"
        "  'autoMinorVersionUpgrade': true, 'publiclyAccessible': false,"
        "  'applyImmediately': false, 'tags': {'team': 'platform'}}}";

static void test_rds__instance(void **state)
{
	json_t *obj = json_test_load(shop_db);
	struct aws_rds_instance i;
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(aws_rds_instance_parse(obj, &i, &e), 0);
	assert_string_equal(i.name, "shop-db");
	assert_string_equal(i.identifier, "shop-db-prod");
	assert_string_equal(i.region, "eu-west-1");
	assert_string_equal(i.engine_version, "16.4");
	assert_string_equal(i.instance_class, "db.r6g.large");
	assert_int_equal(i.allocated_storage, 50);
	assert_int_equal(i.max_allocated_storage, 200);
	assert_int_equal(i.multi_az, 1);
	assert_int_equal(i.publicly_accessible, 0);
	assert_int_equal(i.iam_auth, -1);
	assert_int_equal(i.iops, -1);
	assert_int_equal(i.apply_immediately, 0);
	assert_int_equal(i.allow_major_version_upgrade, 0);
	assert_int_equal(i.create, 0);
	assert_string_equal(json_string_value(json_object_get(i.tags, "team")), "platform");
	aws_rds_instance_release(&i);
	json_decref(obj);

	/* the identifier defaults to the name */
	obj = json_test_load("{'metadata': {'name': 'Orders'}, 'spec': {}}");
	assert_int_equal(aws_rds_instance_parse(obj, &i, &e), 0);
	assert_string_equal(i.identifier, "orders");
	aws_rds_instance_release(&i);
	json_decref(obj);
}

static void test_rds__instance_errors(void **state)
{
	static const struct {
		const char *spec;
		const char *message;
	} cases[] = {
		{ "{'multiAz': true}", "RDSInstance 'db': spec.multiAz: unknown field" },
		{ "{'multiAZ': 'yes'}", "RDSInstance 'db': spec.multiAZ: expected true or false" },
		{ "{'allocatedStorage': '50'}",
		  "RDSInstance 'db': spec.allocatedStorage: expected a whole number, 0 or more" },
		{ "{'allocatedStorage': -5}", "spec.allocatedStorage: expected a whole number" },
		{ "{'engine': ''}", "RDSInstance 'db': spec.engine: expected a non-empty string" },
		{ "{'tags': {'team': 1}}", "RDSInstance 'db': spec.tags.team: expected a string" },
		{ "{'tags': ['a']}", "spec.tags: expected a mapping of strings" },
		{ "{'allocatedStorage': 100, 'maxAllocatedStorage': 50}",
		  "spec.maxAllocatedStorage: smaller than allocatedStorage" },
		{ "{'create': true, 'engine': 'postgres'}",
		  "spec.create: an instance to create needs engine, dbInstanceClass, "
		  "allocatedStorage and masterUsername" },
		{ "{'create': true, 'engine': 'postgres', 'dbInstanceClass': 'db.t4g.micro',"
		  " 'allocatedStorage': 20}",
		  "and masterUsername" },
		{ "{'vpcSecurityGroupIds': 'sg-1'}",
		  "RDSInstance 'db': spec.vpcSecurityGroupIds: expected a list of strings" },
		{ "{'vpcSecurityGroupIds': ['sg-1', 2]}",
		  "RDSInstance 'db': spec.vpcSecurityGroupIds[1]: expected a non-empty string" },
		{ "{'allowReboot': 1}", "RDSInstance 'db': spec.allowReboot: expected true or false" },
		{ "[]", "RDSInstance 'db': spec: expected a mapping" },
	};

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char text[512];
		json_t *obj;
		struct aws_rds_instance i;
		struct error e = ERROR_INIT;

		snprintf(text, sizeof(text), "{'metadata': {'name': 'db'}, 'spec': %s}",
		         cases[k].spec);
		obj = json_test_load(text);
		assert_int_equal(aws_rds_instance_parse(obj, &i, &e), -EINVAL);
		if (!strstr(e.message, cases[k].message))
			fail_msg("case %zu: '%s' lacks '%s'", k, e.message, cases[k].message);
		json_decref(obj);
	}
	{
		json_t *obj = json_test_load("{'metadata': {}, 'spec': {}}");
		struct aws_rds_instance i;
		struct error e = ERROR_INIT;

		assert_int_equal(aws_rds_instance_parse(obj, &i, &e), -EINVAL);
		assert_string_equal(e.message, "RDSInstance: metadata.name: missing");
		json_decref(obj);
	}
}

static void test_rds__parameter_group(void **state)
{
	json_t *obj = json_test_load("{'metadata': {'name': 'shop-pg16'}, 'spec': {"
	                             "'family': 'postgres16', 'description': 'shop',"
	                             "'parameters': {'log_min_duration_statement': 500,"
	                             "'rds.force_ssl': true, 'timezone': 'UTC'}}}");
	struct aws_rds_parameter_group g;
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(aws_rds_parameter_group_parse(obj, &g, &e), 0);
	assert_string_equal(g.family, "postgres16");
	assert_int_equal(json_object_size(g.parameters), 3);
	aws_rds_parameter_group_release(&g);
	json_decref(obj);

	obj = json_test_load("{'metadata': {'name': 'pg'}, 'spec': {'parameters': {}}}");
	assert_int_equal(aws_rds_parameter_group_parse(obj, &g, &e), -EINVAL);
	assert_non_null(strstr(e.message, "DBParameterGroup 'pg': spec.family: missing"));
	json_decref(obj);
	obj = json_test_load("{'metadata': {'name': 'pg'}, 'spec': {'family': 'postgres16', "
	                     "'parameters': {'work_mem': [1]}}}");
	assert_int_equal(aws_rds_parameter_group_parse(obj, &g, &e), -EINVAL);
	assert_non_null(strstr(e.message, "spec.parameters.work_mem: expected a string, number"));
	json_decref(obj);
	obj = json_test_load("{'metadata': {'name': 'pg'}, 'spec': {'family': 'x', 'famly': 'y'}}");
	assert_int_equal(aws_rds_parameter_group_parse(obj, &g, &e), -EINVAL);
	assert_non_null(strstr(e.message, "spec.famly: unknown field"));
	json_decref(obj);
}

/* A recorded DescribeDBInstances reply (trimmed), with changes queued for the window. */
static const char live_xml[] =
        "<DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances><DBInstance>"
        "<DBInstanceIdentifier>shop-db-prod</DBInstanceIdentifier>"
        "<Engine>postgres</Engine><EngineVersion>16.4</EngineVersion>"
        "<DBInstanceClass>db.r6g.large</DBInstanceClass>"
        "<AllocatedStorage>73</AllocatedStorage><MaxAllocatedStorage>200</MaxAllocatedStorage>"
        "<StorageType>gp3</StorageType><MultiAZ>false</MultiAZ>"
        "<BackupRetentionPeriod>7</BackupRetentionPeriod>"
        "<PreferredBackupWindow>02:00-03:00</PreferredBackupWindow>"
        "<PreferredMaintenanceWindow>Sun:03:30-Sun:04:30</PreferredMaintenanceWindow>"
        "<DeletionProtection>true</DeletionProtection>"
        "<AutoMinorVersionUpgrade>true</AutoMinorVersionUpgrade>"
        "<PubliclyAccessible>false</PubliclyAccessible>"
        "<IAMDatabaseAuthenticationEnabled>false</IAMDatabaseAuthenticationEnabled>"
        "<PendingModifiedValues><MultiAZ>true</MultiAZ>"
        "<BackupRetentionPeriod>10</BackupRetentionPeriod></PendingModifiedValues>"
        "<DBParameterGroups><DBParameterGroup><DBParameterGroupName>shop-pg16"
        "</DBParameterGroupName><ParameterApplyStatus>applying</ParameterApplyStatus>"
        "</DBParameterGroup></DBParameterGroups>"
        "</DBInstance></DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>";

static const struct aws_rds_drift *find(const struct aws_rds_drift *d, size_t n, const char *field)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(d[i].field, field))
			return &d[i];
	return NULL;
}

static void test_rds__drift(void **state)
{
	json_t *doc = NULL, *instances, *obj;
	struct aws_rds_instance want;
	struct aws_rds_drift *d = NULL;
	const struct aws_rds_drift *x;
	struct error e = ERROR_INIT;
	size_t n = 0;

	(void)state;
	assert_int_equal(aws_xml_parse(live_xml, strlen(live_xml), NULL, &doc, &e), 0);
	instances = aws_xml_list(
	        json_object_get(json_object_get(doc, "DescribeDBInstancesResult"), "DBInstances"),
	        "DBInstance");
	obj = json_test_load(
	        "{'metadata': {'name': 'shop-db-prod'}, 'spec': {'engine': 'postgres',"
	        " 'engineVersion': '16', 'dbInstanceClass': 'db.r6g.large', 'allocatedStorage': 50,"
	        " 'maxAllocatedStorage': 200, 'storageType': 'GP3', 'multiAZ': true,"
	        " 'backupRetentionPeriod': 14, 'preferredMaintenanceWindow': 'sun:03:30-sun:04:30',"
	        " 'deletionProtection': true, 'publiclyAccessible': true,"
	        " 'dbParameterGroupName': 'shop-pg16'}}");
	assert_int_equal(aws_rds_instance_parse(obj, &want, &e), 0);
	assert_int_equal(aws_rds_instance_drift(&want, json_array_get(instances, 0), &d, &n), 0);

	/* version prefix, case, storage grown by autoscaling: no drift */
	assert_null(find(d, n, "engineVersion"));
	assert_null(find(d, n, "storageType"));
	assert_null(find(d, n, "allocatedStorage"));
	assert_null(find(d, n, "preferredMaintenanceWindow"));
	assert_null(find(d, n, "dbInstanceClass"));
	/* queued for the window as git wants it: in flight, not to send again */
	x = find(d, n, "multiAZ");
	assert_non_null(x);
	assert_true(x->in_flight);
	assert_string_equal(x->api, "MultiAZ");
	/* queued, but not what git wants: drift against the queued value */
	x = find(d, n, "backupRetentionPeriod");
	assert_non_null(x);
	assert_false(x->in_flight);
	assert_string_equal(x->desired, "14");
	assert_string_equal(x->live, "10");
	x = find(d, n, "publiclyAccessible");
	assert_non_null(x);
	assert_string_equal(x->live, "false");
	assert_string_equal(x->desired, "true");
	/* the parameter group is being applied */
	x = find(d, n, "dbParameterGroupName");
	assert_non_null(x);
	assert_true(x->in_flight);
	assert_int_equal(n, 4);
	aws_rds_drift_release(d, n);
	aws_rds_instance_release(&want);
	json_decref(obj);

	/* without autoscaling, more storage than git says is drift; another minor version too */
	obj = json_test_load("{'metadata': {'name': 'x'}, 'spec': {'allocatedStorage': 50,"
	                     " 'engineVersion': '16.5', 'dbParameterGroupName': 'other'}}");
	assert_int_equal(aws_rds_instance_parse(obj, &want, &e), 0);
	assert_int_equal(aws_rds_instance_drift(&want, json_array_get(instances, 0), &d, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(find(d, n, "allocatedStorage")->live, "73");
	assert_string_equal(find(d, n, "engineVersion")->live, "16.4");
	assert_false(find(d, n, "dbParameterGroupName")->in_flight);
	aws_rds_drift_release(d, n);
	aws_rds_instance_release(&want);
	json_decref(obj);
	json_decref(instances);
	json_decref(doc);
}

/* spec (JSON with ' for ") against the recorded instance: its change, or its refusal. */
static int change_for(const char *spec, struct aws_rds_change *ret, struct error *e)
{
	char text[1024];
	json_t *doc = NULL, *instances, *obj;
	struct aws_rds_instance want;
	struct aws_rds_drift *d = NULL;
	size_t n = 0;
	int r;

	assert_int_equal(aws_xml_parse(live_xml, strlen(live_xml), NULL, &doc, e), 0);
	instances = aws_xml_list(
	        json_object_get(json_object_get(doc, "DescribeDBInstancesResult"), "DBInstances"),
	        "DBInstance");
	snprintf(text, sizeof(text), "{'metadata': {'name': 'shop-db-prod'}, 'spec': %s}", spec);
	obj = json_test_load(text);
	assert_int_equal(aws_rds_instance_parse(obj, &want, e), 0);
	assert_int_equal(aws_rds_instance_drift(&want, json_array_get(instances, 0), &d, &n), 0);
	r = aws_rds_instance_change(&want, json_array_get(instances, 0), d, n, ret, e);
	aws_rds_drift_release(d, n);
	aws_rds_instance_release(&want);
	json_decref(obj);
	json_decref(instances);
	json_decref(doc);
	return r;
}

static void test_rds__change_and_guard_rails(void **state)
{
	struct aws_rds_change c;
	struct error e = ERROR_INIT;
	char *joined;

	(void)state;
	/* a class change: queued for the window; multiAZ already queued is not sent again */
	assert_int_equal(
	        change_for("{'dbInstanceClass': 'db.r6g.xlarge', 'multiAZ': true}", &c, &e), 0);
	joined = strv_join(c.params, " ");
	assert_string_equal(joined, "DBInstanceIdentifier shop-db-prod DBInstanceClass "
	                            "db.r6g.xlarge ApplyImmediately false");
	free(joined);
	assert_int_equal(c.n_fields, 1);
	joined = strv_join(c.notes, "|");
	assert_string_equal(joined, "dbInstanceClass: db.r6g.large -> db.r6g.xlarge restarts the "
	                            "instance|queued for the maintenance window "
	                            "Sun:03:30-Sun:04:30");
	free(joined);
	aws_rds_change_release(&c);

	/* nothing to send */
	assert_int_equal(change_for("{'multiAZ': true, 'engineVersion': '16'}", &c, &e), 0);
	assert_int_equal(c.n_fields, 0);
	aws_rds_change_release(&c);

	/* now, when asked */
	assert_int_equal(
	        change_for("{'backupRetentionPeriod': 14, 'applyImmediately': true}", &c, &e), 0);
	joined = strv_join(c.params, " ");
	assert_string_equal(joined, "DBInstanceIdentifier shop-db-prod BackupRetentionPeriod 14 "
	                            "ApplyImmediately true");
	free(joined);
	aws_rds_change_release(&c);

	/* the guard rails */
	assert_int_equal(change_for("{'engine': 'mysql'}", &c, &e), -EPERM);
	assert_non_null(strstr(e.message, "spec.engine: postgres cannot become mysql"));
	assert_int_equal(change_for("{'allocatedStorage': 50}", &c, &e), -EPERM);
	assert_non_null(strstr(e.message, "storage cannot shrink (73 GiB now, 50 GiB in git)"));
	assert_int_equal(change_for("{'engineVersion': '17.2'}", &c, &e), -EPERM);
	assert_non_null(strstr(e.message, "16.4 to 17.2 is a major version upgrade; set "
	                                  "allowMajorVersionUpgrade: true"));
	assert_int_equal(
	        change_for("{'engineVersion': '17.2', 'allowMajorVersionUpgrade': true}", &c, &e),
	        0);
	assert_true(strv_contains(c.params, "AllowMajorVersionUpgrade"));
	aws_rds_change_release(&c);
	/* a minor version is no major upgrade */
	assert_int_equal(change_for("{'engineVersion': '16.6'}", &c, &e), 0);
	assert_false(strv_contains(c.params, "AllowMajorVersionUpgrade"));
	aws_rds_change_release(&c);

	/* automated backups off: an outage, so it waits for the window */
	assert_int_equal(change_for("{'backupRetentionPeriod': 0}", &c, &e), 0);
	joined = strv_join(c.notes, "|");
	assert_string_equal(joined, "backupRetentionPeriod: 10 -> 0 turns automated backups off: "
	                            "a short outage|queued for the maintenance window "
	                            "Sun:03:30-Sun:04:30");
	free(joined);
	aws_rds_change_release(&c);

	/* no restart, but worth knowing: a storage migration, a group that waits for a reboot */
	assert_int_equal(change_for("{'storageType': 'io2', 'dbParameterGroupName': 'other'}", &c,
	                            &e),
	                 0);
	joined = strv_join(c.notes, "|");
	assert_string_equal(joined, "storageType: gp3 -> io2 migrates the storage: it can take "
	                            "hours, and RDS takes no other change of the instance "
	                            "meanwhile|dbParameterGroupName: shop-pg16 -> other takes "
	                            "effect at the next reboot");
	free(joined);
	aws_rds_change_release(&c);
}

static void free_batches(char ***b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strv_free(b[i]);
	free(b);
}

static void test_rds__parameter_group_change(void **state)
{
	json_t *live = json_array(), *want_params = json_object(), *obj;
	struct aws_rds_parameter_group g;
	struct error e = ERROR_INIT;
	char ***batches = NULL, **notes = NULL;
	size_t n = 0;

	(void)state;
	/* 22 dynamic parameters, one static, one fixed */
	for (int k = 0; k < 22; k++) {
		char pname[32];

		snprintf(pname, sizeof(pname), "p%02d", k);
		json_array_append_new(live, json_pack("{s:s, s:s, s:s, s:s}", "ParameterName",
		                                      pname, "ParameterValue", "1", "ApplyType",
		                                      "dynamic", "IsModifiable", "true"));
		json_object_set_new(want_params, pname, json_integer(2));
	}
	json_array_append_new(live, json_pack("{s:s, s:s, s:s, s:s}", "ParameterName",
	                                      "shared_buffers", "ParameterValue", "1024",
	                                      "ApplyType", "static", "IsModifiable", "true"));
	json_array_append_new(live, json_pack("{s:s, s:s, s:s}", "ParameterName", "rds.force_ssl",
	                                      "ApplyType", "dynamic", "IsModifiable", "true"));
	json_array_append_new(live, json_pack("{s:s, s:s, s:s, s:s}", "ParameterName", "port",
	                                      "ParameterValue", "5432", "ApplyType", "static",
	                                      "IsModifiable", "false"));
	json_object_set_new(want_params, "shared_buffers", json_string("2048"));
	json_object_set_new(want_params, "rds.force_ssl", json_true());
	json_object_set_new(want_params, "port", json_string("5432")); /* as it is: fine */
	obj = json_pack("{s:{s:s}, s:{s:s, s:O}}", "metadata", "name", "shop-pg16", "spec",
	                "family", "postgres16", "parameters", want_params);
	assert_int_equal(aws_rds_parameter_group_parse(obj, &g, &e), 0);
	assert_int_equal(aws_rds_parameter_group_change(&g, live, &batches, &n, &notes, &e), 0);
	/* 24 to change: 20 and 4 */
	assert_int_equal(n, 2);
	assert_int_equal(strv_length(batches[0]), 2 + 20 * 6);
	assert_int_equal(strv_length(batches[1]), 2 + 4 * 6);
	assert_string_equal(batches[1][0], "DBParameterGroupName");
	assert_string_equal(batches[1][1], "shop-pg16");
	assert_true(strv_contains(batches[1], "pending-reboot"));
	assert_true(strv_contains(batches[1], "Parameters.Parameter.4.ApplyMethod"));
	assert_int_equal(strv_length(notes), 1);
	assert_string_equal(notes[0],
	                    "shared_buffers: 1024 -> 2048 takes effect at the next reboot "
	                    "(pending-reboot)");
	free_batches(batches, n);
	strv_free(notes);
	aws_rds_parameter_group_release(&g);
	json_decref(obj);

	/* a parameter the family lacks; one that cannot change */
	obj = json_test_load("{'metadata': {'name': 'pg'}, 'spec': {'family': 'postgres16', "
	                     "'parameters': {'no_such': 1}}}");
	assert_int_equal(aws_rds_parameter_group_parse(obj, &g, &e), 0);
	assert_int_equal(aws_rds_parameter_group_change(&g, live, &batches, &n, &notes, &e),
	                 -EINVAL);
	assert_non_null(strstr(e.message, "spec.parameters.no_such: family postgres16 has no"));
	aws_rds_parameter_group_release(&g);
	json_decref(obj);
	obj = json_test_load("{'metadata': {'name': 'pg'}, 'spec': {'family': 'postgres16', "
	                     "'parameters': {'port': 5433}}}");
	assert_int_equal(aws_rds_parameter_group_parse(obj, &g, &e), 0);
	assert_int_equal(aws_rds_parameter_group_change(&g, live, &batches, &n, &notes, &e),
	                 -EPERM);
	assert_non_null(strstr(e.message, "spec.parameters.port: not modifiable"));
	aws_rds_parameter_group_release(&g);
	json_decref(obj);
	json_decref(live);
	json_decref(want_params);

	/* a group to create: every parameter with pending-reboot, RDS checks the names */
	obj = json_test_load("{'metadata': {'name': 'new-pg'}, 'spec': {'family': 'postgres16', "
	                     "'parameters': {'log_min_duration_statement': 500, "
	                     "'rds.force_ssl': true}}}");
	assert_int_equal(aws_rds_parameter_group_parse(obj, &g, &e), 0);
	assert_int_equal(aws_rds_parameter_group_change(&g, NULL, &batches, &n, &notes, &e), 0);
	assert_int_equal(n, 1);
	{
		const char *const want[] = { "DBParameterGroupName",
			                     "new-pg",
			                     "Parameters.Parameter.1.ParameterName",
			                     "log_min_duration_statement",
			                     "Parameters.Parameter.1.ParameterValue",
			                     "500",
			                     "Parameters.Parameter.1.ApplyMethod",
			                     "pending-reboot",
			                     "Parameters.Parameter.2.ParameterName",
			                     "rds.force_ssl",
			                     "Parameters.Parameter.2.ParameterValue",
			                     "1",
			                     "Parameters.Parameter.2.ApplyMethod",
			                     "pending-reboot",
			                     NULL };

		assert_true(strv_equal(batches[0], (char **)want));
	}
	assert_int_equal(strv_length(notes), 1);
	assert_non_null(strstr(notes[0], "a new group"));
	free_batches(batches, n);
	strv_free(notes);
	aws_rds_parameter_group_release(&g);
	json_decref(obj);
}

static void test_rds__create(void **state)
{
	json_t *obj = json_test_load(
	        "{'metadata': {'name': 'orders'}, 'spec': {'region': 'eu-west-1', "
	        "'engine': 'postgres', 'engineVersion': '16.4', 'dbInstanceClass': 'db.t4g.micro', "
	        "'allocatedStorage': 20, 'multiAZ': false, 'enableIAMDatabaseAuthentication': true, "
	        "'dbParameterGroupName': 'orders-pg16', 'masterUsername': 'app', "
	        "'dbSubnetGroupName': 'private', 'vpcSecurityGroupIds': ['sg-1', 'sg-2'], "
	        "'storageEncrypted': true, 'create': true, 'applyImmediately': true, "
	        "'tags': {'team': 'orders'}}}");
	const char *const want[] = { "DBInstanceIdentifier",
		                     "orders",
		                     "Engine",
		                     "postgres",
		                     "EngineVersion",
		                     "16.4",
		                     "DBInstanceClass",
		                     "db.t4g.micro",
		                     "AllocatedStorage",
		                     "20",
		                     "MultiAZ",
		                     "false",
		                     "EnableIAMDatabaseAuthentication",
		                     "true",
		                     "DBParameterGroupName",
		                     "orders-pg16",
		                     "MasterUsername",
		                     "app",
		                     "ManageMasterUserPassword",
		                     "true",
		                     "DBSubnetGroupName",
		                     "private",
		                     "VpcSecurityGroupIds.VpcSecurityGroupId.1",
		                     "sg-1",
		                     "VpcSecurityGroupIds.VpcSecurityGroupId.2",
		                     "sg-2",
		                     "StorageEncrypted",
		                     "true",
		                     "Tags.Tag.1.Key",
		                     "team",
		                     "Tags.Tag.1.Value",
		                     "orders",
		                     NULL };
	struct aws_rds_instance i;
	struct error e = ERROR_INIT;
	char **params;

	(void)state;
	assert_int_equal(aws_rds_instance_parse(obj, &i, &e), 0);
	params = aws_rds_instance_create_params(&i);
	if (!strv_equal(params, (char **)want)) {
		for (char **p = params; p && *p; p++)
			print_message("%s\n", *p);
		fail();
	}
	/* never a password */
	assert_false(strv_contains(params, "MasterUserPassword"));
	strv_free(params);
	aws_rds_instance_release(&i);
	json_decref(obj);
}

static void test_rds__tags(void **state)
{
	json_t *want = json_test_load("{'team': 'platform', 'env': 'prod', 'cost': 'db'}");
	json_t *live = json_test_load("[{'Key': 'team', 'Value': 'platform'},"
	                              " {'Key': 'env', 'Value': 'staging'},"
	                              " {'Key': 'owner', 'Value': 'bob'},"
	                              " {'Key': 'aws:cloudformation:stack-name', 'Value': 's'}]");
	const char *const add_want[] = { "ResourceName",      "arn:db",
		                         "Tags.Tag.1.Key", "env",
		                         "Tags.Tag.1.Value", "prod",
		                         "Tags.Tag.2.Key", "cost",
		                         "Tags.Tag.2.Value", "db",
		                         NULL };
	const char *const remove_want[] = { "ResourceName", "arn:db", "TagKeys.member.1", "owner",
		                            NULL };
	char **add = NULL, **remove = NULL;
	json_t *now = NULL;

	(void)state;
	aws_rds_tags_change("arn:db", want, live, &add, &remove, &now);
	assert_true(strv_equal(add, (char **)add_want));
	assert_true(strv_equal(remove, (char **)remove_want));
	/* AWS's own tags are neither shown nor removed */
	assert_int_equal(json_object_size(now), 3);
	assert_null(json_object_get(now, "aws:cloudformation:stack-name"));
	strv_free(add);
	strv_free(remove);
	json_decref(now);

	/* in sync */
	json_decref(want);
	want = json_test_load("{'team': 'platform', 'env': 'staging', 'owner': 'bob'}");
	aws_rds_tags_change("arn:db", want, live, &add, &remove, NULL);
	assert_null(add);
	assert_null(remove);
	json_decref(want);
	json_decref(live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rds__instance),
		cmocka_unit_test(test_rds__instance_errors),
		cmocka_unit_test(test_rds__parameter_group),
		cmocka_unit_test(test_rds__drift),
		cmocka_unit_test(test_rds__change_and_guard_rails),
		cmocka_unit_test(test_rds__parameter_group_change),
		cmocka_unit_test(test_rds__create),
		cmocka_unit_test(test_rds__tags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
