/*
 * The credentials chain's STS steps against a loopback fake of STS: web identity (unsigned
 * AssumeRoleWithWebIdentity with the token file) and a profile's role_arn (AssumeRole signed
 * with the source profile's keys), cached until they near expiry; and the refusals.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/aws.h"
#include "core/error.h"

#include "aws-files.h"

#include "fake-query.h"

#define STS_CREDENTIALS(id)                                                                 \
	"<Credentials><AccessKeyId>" id "</AccessKeyId>"                                    \
	"<SecretAccessKey>stssecret</SecretAccessKey><SessionToken>ststoken</SessionToken>" \
	"<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"

static const char web_reply[] =
        "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>" STS_CREDENTIALS(
                "ASIAWEB") "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
static const char role_reply[] = "<AssumeRoleResponse><AssumeRoleResult>" STS_CREDENTIALS(
        "ASIAROLE") "</AssumeRoleResult></AssumeRoleResponse>";
static const char denied_reply[] =
        "<ErrorResponse><Error><Code>AccessDenied</Code><Message>not allowed</Message></Error>"
        "<RequestId>d-1</RequestId></ErrorResponse>";

static void point_sts_at(const struct fake *f)
{
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%u", f->port);
	setenv("AWS_ENDPOINT_URL_STS", url, 1);
}

static void test_credentials__web_identity(void **state)
{
	static const struct canned replies[] = { { 200, web_reply } };
	struct aws_credentials_provider *p = NULL;
	struct aws_credentials c = { 0 };
	struct error e = ERROR_INIT;
	struct fake f;

	(void)state;
	fake_start(&f, replies, 1);
	point_sts_at(&f);
	write_file(token_file, "eyJhbGciOiJSUzI1NiJ9.e30.sig\n");
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token_file, 1);
	setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/driftless", 1);
	setenv("AWS_ROLE_SESSION_NAME", "bastion", 1);
	assert_int_equal(aws_credentials_provider_new_default(&p, &e), 0);
	assert_int_equal(aws_credentials_provider_get(p, &c, &e), 0);
	assert_string_equal(c.access_key_id, "ASIAWEB");
	assert_string_equal(c.secret_access_key, "stssecret");
	assert_string_equal(c.session_token, "ststoken");
	aws_credentials_release(&c);
	/* cached: the fake answers once only */
	assert_int_equal(aws_credentials_provider_get(p, &c, &e), 0);
	aws_credentials_release(&c);
	fake_stop(&f);
	assert_int_equal(f.served, 1);
	assert_non_null(strstr(f.last_request,
	                       "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
	                       "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2F"
	                       "driftless&RoleSessionName=bastion&WebIdentityToken="
	                       "eyJhbGciOiJSUzI1NiJ9.e30.sig"));
	/* the token is the credential: the call is not signed */
	assert_null(strcasestr(f.last_request, "Authorization:"));
	aws_credentials_provider_free(p);
	unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
	unsetenv("AWS_ROLE_ARN");
	unsetenv("AWS_ROLE_SESSION_NAME");
}

static void test_credentials__assume_role(void **state)
{
	static const struct canned replies[] = { { 200, role_reply }, { 403, denied_reply } };
	struct aws_credentials_provider *p = NULL;
	struct aws_credentials c = { 0 };
	struct error e = ERROR_INIT;
	struct fake f;

	(void)state;
	fake_start(&f, replies, 2);
	point_sts_at(&f);
	write_file(config,
	           "[profile deploy]\n"
	           "role_arn = arn:aws:iam::123456789012:role/deploy\n"
	           "source_profile = base\n"
	           "external_id = ext-1\n"
	           "duration_seconds = 900\n"
	           "region = eu-west-1\n"
	           "[profile loop-a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = loop-b\n"
	           "[profile loop-b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = loop-a\n"
	           "[profile ec2]\nrole_arn = arn:aws:iam::1:role/c\n"
	           "credential_source = Ec2InstanceMetadata\n");
	write_file(credentials,
	           "[base]\naws_access_key_id = AKIDSRC\naws_secret_access_key = src\n");
	setenv("AWS_PROFILE", "deploy", 1);
	assert_int_equal(aws_credentials_provider_new_default(&p, &e), 0);
	assert_int_equal(aws_credentials_provider_get(p, &c, &e), 0);
	assert_string_equal(c.access_key_id, "ASIAROLE");
	aws_credentials_release(&c);
	assert_non_null(strstr(f.last_request, "Action=AssumeRole&Version=2011-06-15&RoleArn="));
	assert_non_null(strstr(f.last_request, "&ExternalId=ext-1&DurationSeconds=900"));
	/* signed with the source profile's keys, for the profile's region */
	assert_non_null(strstr(f.last_request, "Credential=AKIDSRC/"));
	assert_non_null(strstr(f.last_request, "/eu-west-1/sts/aws4_request"));
	aws_credentials_provider_free(p);

	/* refused by STS, at the profile's endpoint_url this time: the role and AWS's words */
	unsetenv("AWS_ENDPOINT_URL_STS");
	unsetenv("AWS_ENDPOINT_URL");
	{
		char text[512];

		snprintf(text, sizeof(text),
		         "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\n"
		         "source_profile = base\nendpoint_url = http://127.0.0.1:%u\n",
		         f.port);
		write_file(config, text);
	}
	assert_int_equal(aws_credentials_provider_new_default(&p, &e), 0);
	assert_int_equal(aws_credentials_provider_get(p, &c, &e), -EACCES);
	assert_string_equal(e.message, "AWS credentials for arn:aws:iam::123456789012:role/deploy: "
	                               "STS AssumeRole: AccessDenied: not allowed (HTTP 403, "
	                               "request id d-1)");
	aws_credentials_provider_free(p);
	fake_stop(&f);
	assert_int_equal(f.served, 2);

	write_file(config,
	           "[profile loop-a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = loop-b\n"
	           "[profile loop-b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = loop-a\n"
	           "[profile ec2]\nrole_arn = arn:aws:iam::1:role/c\n"
	           "credential_source = Ec2InstanceMetadata\n");
	setenv("AWS_PROFILE", "loop-a", 1);
	assert_int_equal(aws_credentials_provider_new_default(&p, &e), -ELOOP);
	setenv("AWS_PROFILE", "ec2", 1);
	assert_int_equal(aws_credentials_provider_new_default(&p, &e), -EOPNOTSUPP);
	assert_non_null(strstr(e.message, "Ec2InstanceMetadata"));
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_ENDPOINT_URL_STS");
}

/* IMDSv2 on EC2: a session token, the role's name, its credentials. */
static void test_credentials__instance_metadata(void **state)
{
	static const struct canned replies[] = {
		{ 200, "AQAEAimds-token==" },
		{ 200, "driftless-bastion\n" },
		{ 200, "{\"Code\": \"Success\", \"Type\": \"AWS-HMAC\", \"AccessKeyId\": "
		       "\"ASIAIMDS\", \"SecretAccessKey\": \"imdssecret\", \"Token\": "
		       "\"imdstoken\", \"Expiration\": \"2099-01-01T00:00:00Z\"}" },
	};
	struct aws_credentials_provider *p = NULL;
	struct aws_credentials c = { 0 };
	struct error e = ERROR_INIT;
	char url[64];
	struct fake f;

	(void)state;
	write_file(config, "");
	write_file(credentials, "");
	fake_start(&f, replies, 3);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", f.port);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
	unsetenv("AWS_EC2_METADATA_DISABLED");
	assert_int_equal(aws_credentials_provider_new_default(&p, &e), 0);
	assert_int_equal(aws_credentials_provider_get(p, &c, &e), 0);
	assert_string_equal(c.access_key_id, "ASIAIMDS");
	assert_string_equal(c.secret_access_key, "imdssecret");
	assert_string_equal(c.session_token, "imdstoken");
	assert_int_equal(c.expiration_usec, 4070908800000000ULL);
	aws_credentials_release(&c);
	fake_stop(&f);
	assert_int_equal(f.served, 3);
	assert_non_null(
	        strstr(f.last_request,
	               "GET /latest/meta-data/iam/security-credentials/driftless-bastion "));
	assert_non_null(strstr(f.last_request, "X-aws-ec2-metadata-token: AQAEAimds-token=="));
	aws_credentials_provider_free(p);

	/* nothing answers: a clear error, after the connect timeout */
	assert_int_equal(aws_credentials_provider_new_default(&p, &e), 0);
	assert_true(aws_credentials_provider_get(p, &c, &e) < 0);
	assert_non_null(strstr(e.message, "AWS credentials from the instance metadata service"));
	aws_credentials_provider_free(p);
	unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_credentials__web_identity),
		cmocka_unit_test(test_credentials__assume_role),
		cmocka_unit_test(test_credentials__instance_metadata),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
