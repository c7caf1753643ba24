#pragma once
/*
 * The shared config and credentials files of the aws tests, in a temporary directory, and
 * an environment without AWS credentials, profile or endpoint, and without the instance
 * metadata service (no test reaches for 169.254.169.254). Include after <cmocka.h>.
 */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/test-aws-XXXXXX";
static char config[128], credentials[128], token_file[128];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	static const char *const unset[] = { "AWS_PROFILE",           "AWS_ACCESS_KEY_ID",
		                             "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		                             "AWS_ENDPOINT_URL",      "AWS_WEB_IDENTITY_TOKEN_FILE",
		                             "AWS_ROLE_ARN" };

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(config, sizeof(config), "%s/config", dir);
	snprintf(credentials, sizeof(credentials), "%s/credentials", dir);
	snprintf(token_file, sizeof(token_file), "%s/token", dir);
	setenv("AWS_CONFIG_FILE", config, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", credentials, 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	for (size_t i = 0; i < sizeof(unset) / sizeof(unset[0]); i++)
		unsetenv(unset[i]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	(void)unlink(config);
	(void)unlink(credentials);
	(void)unlink(token_file);
	(void)rmdir(dir);
	return 0;
}
