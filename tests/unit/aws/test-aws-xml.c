/* aws_xml_parse(): replies of the Query protocol (recorded RDS replies) read into JSON. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/aws.h"
#include "core/error.h"

/* DescribeDBInstances, as RDS answers it (trimmed): one instance, one pending value, tags */
static const char describe[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<DescribeDBInstancesResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\">\n"
        "  <DescribeDBInstancesResult>\n"
        "    <DBInstances>\n"
        "      <DBInstance>\n"
        "        <DBInstanceIdentifier>shop-db-prod</DBInstanceIdentifier>\n"
        "        <DBInstanceClass>db.r6g.large</DBInstanceClass>\n"
        "        <AllocatedStorage>50</AllocatedStorage>\n"
        "        <MultiAZ>true</MultiAZ>\n"
        "        <PendingModifiedValues>\n"
        "          <DBInstanceClass>db.r6g.xlarge</DBInstanceClass>\n"
        "        </PendingModifiedValues>\n"
        "        <TagList>\n"
        "          <Tag><Key>team</Key><Value>platform</Value></Tag>\n"
        "          <Tag><Key>cost</Key><Value>shop &amp; co</Value></Tag>\n"
        "        </TagList>\n"
        "        <DBParameterGroups>\n"
        "          <DBParameterGroup>\n"
        "            <DBParameterGroupName>shop-pg16</DBParameterGroupName>\n"
        "            <ParameterApplyStatus>pending-reboot</ParameterApplyStatus>\n"
        "          </DBParameterGroup>\n"
        "        </DBParameterGroups>\n"
        "        <ReadReplicaDBInstanceIdentifiers/>\n"
        "      </DBInstance>\n"
        "    </DBInstances>\n"
        "    <Marker>next-page</Marker>\n"
        "  </DescribeDBInstancesResult>\n"
        "  <ResponseMetadata><RequestId>0b4b2d2c-7f8e</RequestId></ResponseMetadata>\n"
        "</DescribeDBInstancesResponse>\n";

static void test_xml__describe_reply(void **state)
{
	struct error e = ERROR_INIT;
	json_t *doc = NULL, *instances, *inst, *tags, *groups;
	char *root = NULL;

	(void)state;
	assert_int_equal(aws_xml_parse(describe, strlen(describe), &root, &doc, &e), 0);
	assert_string_equal(root, "DescribeDBInstancesResponse");
	instances = aws_xml_list(
	        json_object_get(json_object_get(doc, "DescribeDBInstancesResult"), "DBInstances"),
	        "DBInstance");
	assert_int_equal(json_array_size(instances), 1);
	inst = json_array_get(instances, 0);
	assert_string_equal(json_string_value(json_object_get(inst, "DBInstanceIdentifier")),
	                    "shop-db-prod");
	assert_string_equal(json_string_value(json_object_get(inst, "AllocatedStorage")), "50");
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(inst, "PendingModifiedValues"),
	                                          "DBInstanceClass")),
	        "db.r6g.xlarge");
	tags = aws_xml_list(json_object_get(inst, "TagList"), "Tag");
	assert_int_equal(json_array_size(tags), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(tags, 1), "Value")),
	                    "shop & co");
	groups = aws_xml_list(json_object_get(inst, "DBParameterGroups"), "DBParameterGroup");
	assert_int_equal(json_array_size(groups), 1);
	/* an empty list is an empty string, and as a list, empty */
	assert_string_equal(
	        json_string_value(json_object_get(inst, "ReadReplicaDBInstanceIdentifiers")), "");
	{
		json_t *none =
		        aws_xml_list(json_object_get(inst, "ReadReplicaDBInstanceIdentifiers"),
		                     "ReadReplicaDBInstanceIdentifier");

		assert_int_equal(json_array_size(none), 0);
		json_decref(none);
	}
	json_decref(instances);
	json_decref(tags);
	json_decref(groups);
	json_decref(doc);
	free(root);
}

static void test_xml__not_xml(void **state)
{
	static const char *const bad[] = {
		"", "<a><b></a>", "{\"json\": true}",
		"<!DOCTYPE a [<!ENTITY x SYSTEM \"http://127.0.0.1:1/\">]><a>&x;</a>"
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct error e = ERROR_INIT;
		json_t *doc = NULL;
		int r = aws_xml_parse(bad[i], strlen(bad[i]), NULL, &doc, &e);

		/* an external entity is neither fetched nor expanded */
		if (r == 0) {
			assert_int_equal(i, 3);
			assert_null(strstr(json_string_value(doc) ? json_string_value(doc) : "",
			                   "127"));
			json_decref(doc);
			continue;
		}
		assert_int_equal(r, -EBADMSG);
		assert_non_null(strstr(e.message, "not XML"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xml__describe_reply),
		cmocka_unit_test(test_xml__not_xml),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
