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

#include "aws-files.h"

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
	                   "credential_source = EcsContainer\n");
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
	assert_non_null(strstr(e.message, "AWS profile 'deploy': role_arn needs source_profile"));
	setenv("AWS_PROFILE", "missing", 1);
	assert_int_equal(aws_credentials_provider_new_default(&p, &e), -ENOENT);
	assert_non_null(strstr(e.message, "'missing'"));
	unsetenv("AWS_PROFILE");
	(void)unlink(credentials);
	assert_int_equal(aws_credentials_provider_new_default(&p, &e), -ENOKEY);
	assert_non_null(strstr(e.message, "no AWS credentials"));
}

static int invocations(void)
{
	char path[160];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/count", dir);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/* credential_process: run, read, cached until 5 minutes before it expires. */
static void test_profile__credential_process(void **state)
{
	char script[160], cfg[512], count[160];
	struct aws_credentials_provider *p = NULL;
	struct aws_credentials c = { 0 };
	struct error e = ERROR_INIT;

	(void)state;
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_PROFILE");
	snprintf(script, sizeof(script), "%s/creds.sh", dir);
	snprintf(count, sizeof(count), "%s/count", dir);
	write_file(script, "n=$(cat \"$COUNT\" 2>/dev/null || echo 0); n=$((n+1)); "
	                   "echo $n > \"$COUNT\"\n"
	                   "[ -n \"$FAIL\" ] && exit \"$FAIL\"\n"
	                   "printf '{\"Version\": %s, \"AccessKeyId\": \"AKIDPROC%s\", "
	                   "\"SecretAccessKey\": \"procsecret\", \"SessionToken\": \"tok\", "
	                   "\"Expiration\": \"%s\"}' \"${VERSION:-1}\" $n \"$EXP\"\n");
	snprintf(cfg, sizeof(cfg), "[default]\ncredential_process = sh %s --profile x\n", script);
	write_file(config, cfg);
	write_file(credentials, "");
	setenv("COUNT", count, 1);
	(void)unlink(count);

	/* far from expiring: run once, then cached */
	setenv("EXP", "2099-01-01T00:00:00Z", 1);
	assert_int_equal(aws_credentials_provider_new_default(&p, &e), 0);
	assert_int_equal(invocations(), 0);
	assert_int_equal(aws_credentials_provider_get(p, &c, &e), 0);
	assert_string_equal(c.access_key_id, "AKIDPROC1");
	assert_string_equal(c.secret_access_key, "procsecret");
	assert_string_equal(c.session_token, "tok");
	assert_int_equal(c.expiration_usec, 4070908800000000ULL);
	aws_credentials_release(&c);
	assert_int_equal(aws_credentials_provider_get(p, &c, &e), 0);
	assert_string_equal(c.access_key_id, "AKIDPROC1");
	aws_credentials_release(&c);
	assert_int_equal(invocations(), 1);
	aws_credentials_provider_free(p);

	/* expired: run at every call */
	setenv("EXP", "2000-01-01T00:00:00Z", 1);
	assert_int_equal(aws_credentials_provider_new_default(&p, &e), 0);
	assert_int_equal(aws_credentials_provider_get(p, &c, &e), 0);
	aws_credentials_release(&c);
	assert_int_equal(aws_credentials_provider_get(p, &c, &e), 0);
	assert_string_equal(c.access_key_id, "AKIDPROC3");
	aws_credentials_release(&c);

	/* what it must not do */
	setenv("VERSION", "2", 1);
	assert_int_equal(aws_credentials_provider_get(p, &c, &e), -EBADMSG);
	assert_string_equal(
	        e.message,
	        "AWS profile 'default': credential_process printed another Version than 1");
	unsetenv("VERSION");
	setenv("FAIL", "4", 1);
	assert_int_equal(aws_credentials_provider_get(p, &c, &e), -EACCES);
	assert_non_null(strstr(e.message, "failed with exit status 4"));
	unsetenv("FAIL");
	aws_credentials_provider_free(p);
	(void)unlink(script);
	(void)unlink(count);
	unsetenv("EXP");
	unsetenv("COUNT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile__both_files),
		cmocka_unit_test(test_profile__errors),
		cmocka_unit_test(test_profile__credentials_chain),
		cmocka_unit_test(test_profile__credential_process),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
