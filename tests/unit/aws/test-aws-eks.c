/*
 * EKS tokens with fixed credentials and time, against tokens computed independently:
 * botocore's SigV4QueryAuth (service sts, expires 60, header x-k8s-aws-id) over the same
 * GetCallerIdentity URL at 2026-11-22T12:00:00Z. botocore writes the query in another order
 * (the server does not mind), so the URLs are compared parameter by parameter.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/aws.h"
#include "core/base64.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/strv.h"

#define NOW_USEC 1795348800000000ULL /* 2026-11-22T12:00:00Z */

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* token decoded: the presigned URL; its parameters, whatever their order, must be want's */
static void assert_token_is(const char *token, const char *want)
{
	struct strbuf b64 = STRBUF_INIT, url = STRBUF_INIT;
	char **got_params, **want_params;
	const char *body;

	assert_true(!strncmp(token, "k8s-aws-v1.", 11));
	assert_null(strchr(token, '='));
	for (body = token + 11; *body; body++)
		strbuf_addch(&b64, *body == '-' ? '+' : *body == '_' ? '/' : *body);
	while (b64.len % 4)
		strbuf_addch(&b64, '=');
	assert_int_equal(base64_decode(b64.buf, b64.len, &url), 0);
	assert_true(strchr(url.buf, '?') && strchr(want, '?'));
	assert_int_equal(strchr(url.buf, '?') - url.buf, strchr(want, '?') - want);
	assert_true(!strncmp(url.buf, want, (size_t)(strchr(want, '?') - want)));
	got_params = strv_split(strchr(url.buf, '?') + 1, "&");
	want_params = strv_split(strchr(want, '?') + 1, "&");
	qsort(got_params, strv_length(got_params), sizeof(char *), compare_strings);
	qsort(want_params, strv_length(want_params), sizeof(char *), compare_strings);
	assert_int_equal(strv_length(got_params), strv_length(want_params));
	for (size_t i = 0; want_params[i]; i++)
		assert_string_equal(got_params[i], want_params[i]);
	strv_free(got_params);
	strv_free(want_params);
	strbuf_release(&b64);
	strbuf_release(&url);
}

static void test_eks_token__matches_botocore(void **state)
{
	const struct aws_credentials keys = {
		.access_key_id = (char *)"AKIDEXAMPLE",
		.secret_access_key = (char *)"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	};
	const struct aws_credentials session = {
		.access_key_id = (char *)"ASIAEXAMPLE",
		.secret_access_key = (char *)"secret/key+1",
		.session_token = (char *)"session/token+==",
	};
	struct error e = ERROR_INIT;
	char *token = NULL;

	(void)state;
	assert_int_equal(aws_eks_token("prod-1", "eu-west-1", NULL, &keys, NOW_USEC, &token, &e),
	                 0);
	assert_token_is(
	        token,
	        "https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15"
	        "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261122%2Feu-w"
	        "est-1%2Fsts%2Faws4_request&X-Amz-Date=20261122T120000Z&X-Amz-Expires=60&X-Amz-Si"
	        "gnedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=a42a941c2305c62a1e7aa755d4a730c9"
	        "1a00a560d3fde29fe5339adfb0d58915");
	free(token);
	assert_int_equal(
	        aws_eks_token("staging", "us-east-1", NULL, &session, NOW_USEC, &token, &e), 0);
	assert_token_is(
	        token,
	        "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15"
	        "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20261122%2Fus-e"
	        "ast-1%2Fsts%2Faws4_request&X-Amz-Date=20261122T120000Z&X-Amz-Expires=60&X-Amz-Si"
	        "gnedHeaders=host%3Bx-k8s-aws-id&X-Amz-Security-Token=session%2Ftoken%2B%3D%3D&X-"
	        "Amz-Signature=e418610edc50126f5dbe53ae3b3d1a7f281ab692c760a4dcfefeb80167d7f495");
	free(token);
}

static void test_eks_token__endpoint_and_errors(void **state)
{
	const struct aws_credentials keys = { .access_key_id = (char *)"AKID",
		                              .secret_access_key = (char *)"secret" };
	struct error e = ERROR_INIT;
	char *token = NULL;

	(void)state;
	/* another STS endpoint (AWS_ENDPOINT_URL_STS) is what the URL names */
	assert_int_equal(aws_eks_token("c", "us-east-1", "http://127.0.0.1:5000/", &keys, NOW_USEC,
	                               &token, &e),
	                 0);
	assert_true(!strncmp(token, "k8s-aws-v1.aHR0cDovLzEyNy4wLjAuMTo1MDAwLz9BY3Rpb249", 51));
	assert_null(strchr(token, '='));
	free(token);
	assert_int_equal(aws_eks_token("", "us-east-1", NULL, &keys, NOW_USEC, &token, &e),
	                 -EINVAL);
	assert_int_equal(aws_eks_token("c", "us-east-1", NULL, &(struct aws_credentials){ 0 },
	                               NOW_USEC, &token, &e),
	                 -EINVAL);
	assert_non_null(strstr(e.message, "EKS token for cluster c"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eks_token__matches_botocore),
		cmocka_unit_test(test_eks_token__endpoint_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
