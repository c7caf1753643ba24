/*
 * aws_query() against a small fake of an AWS Query endpoint on loopback: the signed form
 * POST, the result element, the error reply read into a message and an errno, and the
 * standard retry mode (throttling and 5xx retried, the rest not). Against moto, with its
 * signature checking, in the integration tests of the RDS kinds.
 */

#include <arpa/inet.h>
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

#include "aws/aws.h"
#include "core/error.h"

#include "fake-query.h"

static const char ok_reply[] =
        "<DescribeDBInstancesResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\">"
        "<DescribeDBInstancesResult><DBInstances><DBInstance>"
        "<DBInstanceIdentifier>shop-db</DBInstanceIdentifier>"
        "<DBInstanceClass>db.t4g.medium</DBInstanceClass>"
        "</DBInstance></DBInstances></DescribeDBInstancesResult>"
        "<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>"
        "</DescribeDBInstancesResponse>";

static const char not_found_reply[] =
        "<ErrorResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><Error>"
        "<Type>Sender</Type><Code>DBInstanceNotFound</Code>"
        "<Message>DBInstance shop-db not found.</Message></Error>"
        "<RequestId>abc-123</RequestId></ErrorResponse>";

static const char throttled_reply[] =
        "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
        "<Message>Rate exceeded</Message></Error><RequestId>t-1</RequestId></ErrorResponse>";

static struct aws_client *client(struct fake *f, struct aws_credentials_provider *p)
{
	char endpoint[64];
	struct aws_client_options o = {
		.service = "rds",
		.service_name = "RDS",
		.version = "2014-10-31",
		.region = "eu-west-1",
		.endpoint = endpoint,
		.credentials = p,
		.backoff_initial_usec = 1000,
		.backoff_max_usec = 2000,
	};
	struct aws_client *c = NULL;
	struct error e = ERROR_INIT;

	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%u/", f->port);
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_RDS");
	if (aws_client_new(&o, &c, &e) < 0)
		fail_msg("%s", e.message);
	/* the configured endpoint, without its trailing '/' */
	endpoint[strlen(endpoint) - 1] = '\0';
	assert_string_equal(aws_client_endpoint(c), endpoint);
	return c;
}

static const struct aws_credentials keys = { .access_key_id = (char *)"AKIDTEST",
	                                     .secret_access_key = (char *)"secret",
	                                     .session_token = (char *)"tok" };

static void test_query__result_and_request(void **state)
{
	static const struct canned replies[] = { { 200, ok_reply } };
	struct aws_credentials_provider *p = aws_credentials_provider_new_static(&keys);
	struct fake f;
	struct aws_client *c;
	struct error e = ERROR_INIT;
	json_t *result = NULL, *list;

	(void)state;
	fake_start(&f, replies, 1);
	c = client(&f, p);
	assert_int_equal(
	        aws_query(c, "DescribeDBInstances",
	                  (const char *const[]){ "DBInstanceIdentifier", "shop db/1", NULL },
	                  &result, &e),
	        0);
	list = aws_xml_list(json_object_get(result, "DBInstances"), "DBInstance");
	assert_string_equal(
	        json_string_value(json_object_get(json_array_get(list, 0), "DBInstanceClass")),
	        "db.t4g.medium");
	json_decref(list);
	json_decref(result);
	fake_stop(&f);
	assert_non_null(strstr(f.last_request, "POST / HTTP/1.1"));
	assert_non_null(strstr(f.last_request,
	                       "\r\n\r\nAction=DescribeDBInstances&Version=2014-10-31&"
	                       "DBInstanceIdentifier=shop+db%2F1"));
	assert_non_null(
	        strstr(f.last_request, "Authorization: AWS4-HMAC-SHA256 Credential=AKIDTEST/"));
	assert_non_null(strstr(f.last_request,
	                       "/eu-west-1/rds/aws4_request, SignedHeaders="
	                       "content-type;host;x-amz-date;x-amz-security-token, "));
	assert_non_null(strstr(f.last_request, "X-Amz-Security-Token: tok"));
	aws_client_free(c);
	aws_credentials_provider_free(p);
}

static void test_query__pages(void **state)
{
	static const struct canned replies[] = {
		{ 200, "<DescribeDBParametersResponse><DescribeDBParametersResult><Parameters>"
		       "<Parameter><ParameterName>a</ParameterName></Parameter>"
		       "<Parameter><ParameterName>b</ParameterName></Parameter>"
		       "</Parameters><Marker>m+1</Marker></DescribeDBParametersResult>"
		       "</DescribeDBParametersResponse>" },
		{ 200, "<DescribeDBParametersResponse><DescribeDBParametersResult><Parameters>"
		       "<Parameter><ParameterName>c</ParameterName></Parameter>"
		       "</Parameters></DescribeDBParametersResult></DescribeDBParametersResponse>" },
		/* a server that repeats itself */
		{ 200, "<XResponse><XResult><L><M>1</M></L><Marker>same</Marker></XResult>"
		       "</XResponse>" },
		{ 200, "<XResponse><XResult><L><M>2</M></L><Marker>same</Marker></XResult>"
		       "</XResponse>" },
	};
	struct aws_credentials_provider *p = aws_credentials_provider_new_static(&keys);
	struct fake f;
	struct aws_client *c;
	struct error e = ERROR_INIT;
	json_t *items = NULL;
	unsigned pages = 0;

	(void)state;
	fake_start(&f, replies, sizeof(replies) / sizeof(replies[0]));
	c = client(&f, p);
	assert_int_equal(aws_query_all(c, "DescribeDBParameters",
	                               (const char *const[]){ "DBParameterGroupName", "g", NULL },
	                               "Parameters", "Parameter", &items, &pages, &e),
	                 0);
	assert_int_equal(pages, 2);
	assert_int_equal(json_array_size(items), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 2),
	                                                      "ParameterName")),
	                    "c");
	json_decref(items);
	/* the second page was asked with the first page's Marker, after the other params */
	assert_non_null(strstr(f.last_request, "\r\n\r\nAction=DescribeDBParameters&Version="
	                                       "2014-10-31&DBParameterGroupName=g&Marker=m%2B1"));
	assert_int_equal(aws_query_all(c, "X", NULL, "L", "M", &items, NULL, &e), -EPROTO);
	assert_non_null(strstr(e.message, "the same Marker twice"));
	fake_stop(&f);
	aws_client_free(c);
	aws_credentials_provider_free(p);
}

static void test_query__errors_and_retries(void **state)
{
	static const struct canned replies[] = {
		{ 404, not_found_reply }, /* not retried */
		{ 400, throttled_reply },
		{ 200, ok_reply }, /* retried once */
		{ 500, "oops" },
		{ 503, "" },
		{ 502, "" }, /* three attempts */
		{ 403, "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code></Error>"
		       "</ErrorResponse>" },
		{ 403, "<ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code><Message>bad"
		       "</Message></Error></Errors></ErrorResponse>" },
	};
	struct aws_credentials_provider *p = aws_credentials_provider_new_static(&keys);
	struct fake f;
	struct aws_client *c;
	struct error e = ERROR_INIT;
	json_t *result = NULL;

	(void)state;
	fake_start(&f, replies, sizeof(replies) / sizeof(replies[0]));
	c = client(&f, p);
	assert_int_equal(aws_query(c, "DescribeDBInstances", NULL, &result, &e), -ENOENT);
	assert_string_equal(e.message, "RDS DescribeDBInstances: DBInstanceNotFound: DBInstance "
	                               "shop-db not found. (HTTP 404, request id abc-123)");
	assert_int_equal(f.served, 1);
	assert_int_equal(aws_query(c, "DescribeDBInstances", NULL, &result, &e), 0);
	json_decref(result);
	assert_int_equal(f.served, 3);
	assert_int_equal(aws_query(c, "DescribeDBInstances", NULL, &result, &e), -EIO);
	assert_non_null(strstr(e.message, "HTTP 502"));
	assert_int_equal(f.served, 6);
	assert_int_equal(aws_query(c, "ModifyDBInstance", NULL, &result, &e), -EACCES);
	assert_non_null(strstr(e.message, "RDS ModifyDBInstance: SignatureDoesNotMatch"));
	/* EC2's form, which moto answers with */
	assert_int_equal(aws_query(c, "DescribeDBInstances", NULL, &result, &e), -EACCES);
	assert_non_null(strstr(e.message, "InvalidClientTokenId: bad (HTTP 403)"));
	fake_stop(&f);
	aws_client_free(c);
	aws_credentials_provider_free(p);
}

static void test_query__error_codes_and_endpoints(void **state)
{
	static const struct {
		const char *code;
		int want;
	} codes[] = {
		{ "Throttling", -EAGAIN },
		{ "RequestLimitExceeded", -EAGAIN },
		{ "ExpiredToken", -EACCES },
		{ "AccessDenied", -EACCES },
		{ "DBInstanceNotFound", -ENOENT },
		{ "DBParameterGroupNotFoundFault", -ENOENT },
		{ "InvalidDBInstanceState", -EBUSY },
		{ "InvalidDBInstanceStateFault", -EBUSY },
		{ "DBInstanceAlreadyExists", -EEXIST },
		{ "InvalidParameterCombination", -EINVAL },
		{ "StorageQuotaExceeded", -EDQUOT },
		{ "SomethingElse", -EPROTO },
	};
	char *url;

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (aws_error_code_to_errno(codes[i].code) != codes[i].want)
			fail_msg("%s: %d", codes[i].code, aws_error_code_to_errno(codes[i].code));

	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_RDS");
	url = aws_endpoint("rds", "eu-west-1", NULL);
	assert_string_equal(url, "https://rds.eu-west-1.amazonaws.com");
	free(url);
	url = aws_endpoint("rds", "cn-north-1", NULL);
	assert_string_equal(url, "https://rds.cn-north-1.amazonaws.com.cn");
	free(url);
	url = aws_endpoint("rds", "eu-west-1", "https://config.example/");
	assert_string_equal(url, "https://config.example");
	free(url);
	setenv("AWS_ENDPOINT_URL", "http://all.example", 1);
	url = aws_endpoint("rds", "eu-west-1", "https://config.example/");
	assert_string_equal(url, "http://all.example");
	free(url);
	setenv("AWS_ENDPOINT_URL_RDS", "http://rds.example/", 1);
	url = aws_endpoint("rds", "eu-west-1", NULL);
	assert_string_equal(url, "http://rds.example");
	free(url);
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_RDS");
}

static void test_query__environment_credentials(void **state)
{
	struct aws_credentials_provider *p = NULL;
	struct aws_credentials c = { 0 };
	struct error e = ERROR_INIT;

	(void)state;
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	assert_int_equal(aws_credentials_provider_new_default(&p, &e), -ENOKEY);
	assert_non_null(strstr(e.message, "AWS_ACCESS_KEY_ID"));
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	assert_int_equal(aws_credentials_provider_new_default(&p, &e), -ENOKEY);
	assert_non_null(strstr(e.message, "only one is set"));
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	setenv("AWS_SESSION_TOKEN", "envtoken", 1);
	assert_int_equal(aws_credentials_provider_new_default(&p, &e), 0);
	assert_int_equal(aws_credentials_provider_get(p, &c, &e), 0);
	assert_string_equal(c.access_key_id, "AKIDENV");
	assert_string_equal(c.secret_access_key, "envsecret");
	assert_string_equal(c.session_token, "envtoken");
	aws_credentials_release(&c);
	aws_credentials_provider_free(p);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query__result_and_request),
		cmocka_unit_test(test_query__errors_and_retries),
		cmocka_unit_test(test_query__pages),
		cmocka_unit_test(test_query__error_codes_and_endpoints),
		cmocka_unit_test(test_query__environment_credentials),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
