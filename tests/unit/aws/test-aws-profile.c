/* aws_profile_load(): the shared config and credentials files, as the SDKs read them. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/aws.h"
#include "core/error.h"

static char dir[] = "/tmp/test-aws-profile-XXXXXX";
static char config[128], credentials[128];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(config, sizeof(config), "%s/config", dir);
	snprintf(credentials, sizeof(credentials), "%s/credentials", dir);
	setenv("AWS_CONFIG_FILE", config, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", credentials, 1);
	unsetenv("AWS_PROFILE");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	(void)unlink(config);
	(void)unlink(credentials);
	(void)rmdir(dir);
	return 0;
}

static void test_profile__both_files(void **state)
{
	struct aws_profile p;
	struct error e = ERROR_INIT;

	(void)state;
	write_file(config, "# the CLI's config\n"
	                   "[default]\n"
	                   "region = eu-west-1\n"
	                   "\n"
	                   "[profile deploy]\n"
	                   "Role_Arn = arn:aws:iam::123456789012:role/driftless\n"
	                   "source_profile = default\n"
	                   "region=us-east-2  \n"
	                   "s3 =\n"
	                   "  max_concurrent_requests = 20\n"
	                   "aws_access_key_id = FROM-CONFIG\n"
	                   "[sso-session corp]\n"
	                   "region = ap-south-1\n"
	                   "[deploy]\n"
	                   "region = not-a-profile-in-config\n");
	write_file(credentials, "[default]\n"
	                        "aws_access_key_id = AKIDDEFAULT\n"
	                        "aws_secret_access_key = secret/default\n"
	                        "; a comment\n"
	                        "[deploy]\n"
	                        "aws_access_key_id = AKIDDEPLOY\n");

	assert_int_equal(aws_profile_load(NULL, &p, &e), 0);
	assert_string_equal(p.name, "default");
	assert_string_equal(p.region, "eu-west-1");
	assert_string_equal(p.aws_access_key_id, "AKIDDEFAULT");
	assert_string_equal(p.aws_secret_access_key, "secret/default");
	assert_null(p.role_arn);
	aws_profile_release(&p);

	setenv("AWS_PROFILE", "deploy", 1);
	assert_int_equal(aws_profile_load(NULL, &p, &e), 0);
	assert_string_equal(p.name, "deploy");
	assert_string_equal(p.role_arn, "arn:aws:iam::123456789012:role/driftless");
	assert_string_equal(p.source_profile, "default");
	assert_string_equal(p.region, "us-east-2");
	/* the credentials file wins */
	assert_string_equal(p.aws_access_key_id, "AKIDDEPLOY");
	assert_null(p.aws_secret_access_key);
	aws_profile_release(&p);
	unsetenv("AWS_PROFILE");
}

static void test_profile__errors(void **state)
{
	struct aws_profile p;
	struct error e = ERROR_INIT;

	(void)state;
	write_file(config, "[default]\nregion = eu-west-1\n");
	write_file(credentials, "");
	assert_int_equal(aws_profile_load("nope", &p, &e), -ENOENT);
	assert_non_null(strstr(e.message, "'nope'"));
	write_file(config, "[default]\nregion eu-west-1\n");
	assert_int_equal(aws_profile_load("default", &p, &e), -EBADMSG);
	assert_non_null(strstr(e.message, "config:2: expected key = value"));
	write_file(config, "[default\n");
	assert_int_equal(aws_profile_load("default", &p, &e), -EBADMSG);
	assert_non_null(strstr(e.message, "config:1:"));
	/* no files at all: no profile */
	(void)unlink(config);
	(void)unlink(credentials);
	assert_int_equal(aws_profile_load(NULL, &p, &e), -ENOENT);
}

/* The credentials chain after the environment: the profile's keys, or a clear refusal. */
static void test_profile__credentials_chain(void **state)
{
	struct aws_credentials_provider *p = NULL;
	struct aws_credentials c = { 0 };
	struct error e = ERROR_INIT;

	(void)state;
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	write_file(config, "[profile deploy]\nrole_arn = arn:aws:iam::1:role/x\n"
	                   "source_profile = default\n");
	write_file(credentials, "[default]\naws_access_key_id = AKIDFILE\n"
	                        "aws_secret_access_key = filesecret\n"
	                        "aws_session_token = filetoken\n");
	assert_int_equal(aws_credentials_provider_new_default(&p, &e), 0);
	assert_int_equal(aws_credentials_provider_get(p, &c, &e), 0);
	assert_string_equal(c.access_key_id, "AKIDFILE");
	assert_string_equal(c.secret_access_key, "filesecret");
	assert_string_equal(c.session_token, "filetoken");
	aws_credentials_release(&c);
	aws_credentials_provider_free(p);

	/* the environment comes first */
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	assert_int_equal(aws_credentials_provider_new_default(&p, &e), 0);
	assert_int_equal(aws_credentials_provider_get(p, &c, &e), 0);
	assert_string_equal(c.access_key_id, "AKIDENV");
	aws_credentials_release(&c);
	aws_credentials_provider_free(p);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");

	setenv("AWS_PROFILE", "deploy", 1);
	assert_int_equal(aws_credentials_provider_new_default(&p, &e), -EOPNOTSUPP);
	assert_non_null(strstr(e.message, "AWS profile 'deploy': role_arn"));
	setenv("AWS_PROFILE", "missing", 1);
	assert_int_equal(aws_credentials_provider_new_default(&p, &e), -ENOENT);
	assert_non_null(strstr(e.message, "'missing'"));
	unsetenv("AWS_PROFILE");
	(void)unlink(credentials);
	assert_int_equal(aws_credentials_provider_new_default(&p, &e), -ENOKEY);
	assert_non_null(strstr(e.message, "no AWS credentials"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile__both_files),
		cmocka_unit_test(test_profile__errors),
		cmocka_unit_test(test_profile__credentials_chain),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
