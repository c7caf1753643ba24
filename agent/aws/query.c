/*
 * The AWS Query protocol (aws.h): form-encoded POSTs signed with SigV4, XML replies, the
 * SDKs' standard retry mode.
 */

#include "aws/aws.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/strv.h"
#include "core/time.h"
#include "http/http.h"

#define QUERY_MAX_REPLY_BYTES (16U << 20)
#define QUERY_TIMEOUT_USEC    (60 * USEC_PER_SEC)
#define QUERY_CONNECT_USEC    (10 * USEC_PER_SEC)

struct aws_client {
	char *service;
	char *service_name; /* for messages: "RDS" */
	char *region;
	char *endpoint;
	char *version;
	struct aws_credentials_provider *credentials;
	unsigned max_attempts;
	uint64_t backoff_initial_usec, backoff_max_usec;
	struct http_client *http;
};

/* Error codes of the SDKs' standard retry mode that mean "too fast, try again". */
static const char *const throttling_codes[] = {
	"Throttling",
	"ThrottlingException",
	"ThrottledException",
	"RequestThrottledException",
	"TooManyRequestsException",
	"ProvisionedThroughputExceededException",
	"TransactionInProgressException",
	"RequestLimitExceeded",
	"BandwidthLimitExceeded",
	"LimitExceededException",
	"RequestThrottled",
	"SlowDown",
	"PriorRequestNotComplete",
	"EC2ThrottledException",
};

/* ... and that mean "your credentials": not retried, -EACCES. */
static const char *const auth_codes[] = {
	"AccessDenied",
	"AccessDeniedException",
	"UnauthorizedOperation",
	"InvalidClientTokenId",
	"SignatureDoesNotMatch",
	"IncompleteSignature",
	"ExpiredToken",
	"ExpiredTokenException",
	"UnrecognizedClientException",
	"MissingAuthenticationToken",
	"AuthFailure",
	"InvalidAccessKeyId",
	"RequestExpired",
};

static bool is_in(const char *code, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (streq(code, list[i]))
			return true;
	return false;
}

int aws_error_code_to_errno(const char *code)
{
	size_t n = strlen(code);

	if (is_in(code, throttling_codes, ELEMENTSOF(throttling_codes)))
		return -EAGAIN;
	if (is_in(code, auth_codes, ELEMENTSOF(auth_codes)))
		return -EACCES;
	if ((n > 8 && streq(code + n - 8, "NotFound")) ||
	    (n > 13 && streq(code + n - 13, "NotFoundFault")))
		return -ENOENT;
	if (!strncmp(code, "InvalidDBInstanceState", 22) ||
	    !strncmp(code, "InvalidDBParameterGroupState", 28) ||
	    !strncmp(code, "InvalidDBClusterState", 21))
		return -EBUSY;
	if ((n > 13 && streq(code + n - 13, "AlreadyExists")) ||
	    (n > 18 && streq(code + n - 18, "AlreadyExistsFault")))
		return -EEXIST;
	if (!strncmp(code, "InvalidParameter", 16) || streq(code, "ValidationError") ||
	    streq(code, "MissingParameter") || streq(code, "MalformedQueryString"))
		return -EINVAL;
	if (strstr(code, "QuotaExceeded") || strstr(code, "InsufficientDBInstanceCapacity") ||
	    strstr(code, "StorageQuotaExceeded"))
		return -EDQUOT;
	return -EPROTO;
}

/* --- the form body --- */

static void form_add(struct strbuf *body, const char *name, const char *value)
{
	static const char digits[] = "0123456789ABCDEF";

	if (body->len > 0)
		strbuf_addch(body, '&');
	for (int k = 0; k < 2; k++) {
		const char *s = k ? value : name;

		if (k)
			strbuf_addch(body, '=');
		for (; *s; s++) {
			unsigned char c = (unsigned char)*s;

			if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
			    c == '~') {
				strbuf_addch(body, (char)c);
			} else if (c == ' ') {
				/*
				 * as forms write it, and botocore: AWS hashes the body as sent, moto
				 * the form it parsed, encoded again so
				 */
				strbuf_addch(body, '+');
			} else {
				strbuf_addch(body, '%');
				strbuf_addch(body, digits[c >> 4]);
				strbuf_addch(body, digits[c & 15]);
			}
		}
	}
}

/* --- life cycle --- */

struct aws_client *aws_client_free(struct aws_client *c)
{
	if (!c)
		return NULL;
	free(c->service);
	free(c->service_name);
	free(c->region);
	free(c->endpoint);
	free(c->version);
	http_client_free(c->http);
	free(c);
	return NULL;
}

int aws_client_new(const struct aws_client_options *o, struct aws_client **ret,
                   struct error *reterr)
{
	struct http_client_options ho = {
		.connect_timeout_usec = QUERY_CONNECT_USEC,
		.timeout_usec = QUERY_TIMEOUT_USEC,
		.max_response_bytes = QUERY_MAX_REPLY_BYTES,
		.retries = 0, /* retried here, by the SDKs' rules */
		.ca_file = o->ca_file,
	};
	struct aws_client *c;
	int r;

	if (!o->service || !o->version || !o->region || !o->region[0])
		return error_set(reterr, -EINVAL,
		                 "AWS client: service, version and region are "
		                 "needed");
	r = aws_load_library(reterr);
	if (r < 0)
		return r;
	c = xcalloc(1, sizeof(*c));
	c->service = xstrdup(o->service);
	c->service_name = xstrdup(o->service_name ? o->service_name : o->service);
	c->region = xstrdup(o->region);
	c->version = xstrdup(o->version);
	c->endpoint = aws_endpoint(o->service, o->region, o->endpoint);
	c->credentials = o->credentials;
	c->max_attempts = o->max_attempts ? o->max_attempts : AWS_MAX_ATTEMPTS_DEFAULT;
	c->backoff_initial_usec = o->backoff_initial_usec ? o->backoff_initial_usec : USEC_PER_SEC;
	c->backoff_max_usec = o->backoff_max_usec ? o->backoff_max_usec : 20 * USEC_PER_SEC;
	r = http_client_new(&ho, &c->http, reterr);
	if (r < 0) {
		aws_client_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

const char *aws_client_endpoint(const struct aws_client *c)
{
	return c->endpoint;
}

/* --- one call --- */

/* The error of an ErrorResponse (or a bare Error): its code and errno, reterr filled. */
static int reply_error(const struct aws_client *c, const char *action, long status,
                       const char *body, size_t len, bool *ret_retry, struct error *reterr)
{
	_cleanup_free_ char *root = NULL;
	json_t *doc = NULL;
	const json_t *err;
	const char *code, *message, *request_id;
	struct error xe = ERROR_INIT;
	int r;

	*ret_retry = status >= 500;
	if (aws_xml_parse(body, len, &root, &doc, &xe) < 0)
		return error_set(reterr, status >= 500 ? -EIO : -EPROTO, "%s %s: HTTP %ld",
		                 c->service_name, action, status);
	/* <ErrorResponse><Error>, a bare <Error>, or EC2's <Errors><Error> (moto answers so) */
	err = streq(root, "Error") ? doc : json_object_get(doc, "Error");
	if (!err)
		err = json_object_get(json_object_get(doc, "Errors"), "Error");
	if (json_is_array(err))
		err = json_array_get(err, 0);
	code = json_string_value(json_object_get(err, "Code"));
	message = json_string_value(json_object_get(err, "Message"));
	request_id = json_string_value(json_object_get(doc, "RequestId"));
	if (!request_id)
		request_id = json_string_value(json_object_get(doc, "RequestID"));
	if (!request_id)
		request_id = json_string_value(
		        json_object_get(json_object_get(doc, "ResponseMetadata"), "RequestId"));
	r = code ? aws_error_code_to_errno(code) : (status >= 500 ? -EIO : -EPROTO);
	*ret_retry = *ret_retry || r == -EAGAIN;
	(void)error_set(reterr, r, "%s %s: %s%s%s (HTTP %ld%s%s)", c->service_name, action,
	                code ? code : "error", message ? ": " : "", message ? message : "", status,
	                request_id ? ", request id " : "", request_id ? request_id : "");
	json_decref(doc);
	return r;
}

static bool is_transient(int r)
{
	return r == -ETIMEDOUT || r == -ECONNREFUSED || r == -ECONNRESET || r == -EHOSTUNREACH;
}

static int attempt(struct aws_client *c, const char *action, const struct strbuf *body,
                   json_t **ret, bool *ret_retry, struct error *reterr)
{
	struct aws_credentials creds = { 0 };
	struct http_response resp = HTTP_RESPONSE_INIT;
	_cleanup_strv_free_ char **headers = NULL;
	_cleanup_free_ char *url = xasprintf("%s/", c->endpoint);
	const char *const base_headers[] = {
		"Content-Type: application/x-www-form-urlencoded; charset=utf-8", NULL
	};
	_cleanup_free_ char *root = NULL;
	json_t *doc = NULL;
	int r;

	*ret_retry = false;
	r = c->credentials ? aws_credentials_provider_get(c->credentials, &creds, reterr) : 0;
	if (r < 0)
		return r;
	if (c->credentials) {
		const struct aws_sigv4_request sr = {
			.method = "POST",
			.url = url,
			.headers = base_headers,
			.body = body->buf,
			.body_len = body->len,
			.region = c->region,
			.service = c->service,
			.normalize_path = true,
		};

		r = aws_sigv4_sign(&sr, &creds, &headers, reterr);
	}
	aws_credentials_release(&creds);
	if (r < 0)
		return r;
	strv_push(&headers, base_headers[0]);
	{
		const struct http_request req = {
			.method = "POST",
			.url = url,
			.headers = (const char *const *)headers,
			.body = body->buf,
			.body_len = body->len,
		};

		r = http_client_do(c->http, &req, &resp, reterr);
	}
	if (r < 0) {
		*ret_retry = is_transient(r);
		http_response_release(&resp);
		return error_prefix(reterr, r, "%s %s", c->service_name, action);
	}
	if (resp.status < 200 || resp.status > 299) {
		r = reply_error(c, action, resp.status, resp.body.buf ? resp.body.buf : "",
		                resp.body.len, ret_retry, reterr);
		http_response_release(&resp);
		return r;
	}
	r = aws_xml_parse(resp.body.buf ? resp.body.buf : "", resp.body.len, &root, &doc, reterr);
	http_response_release(&resp);
	if (r < 0)
		return error_prefix(reterr, -EPROTO, "%s %s: reply", c->service_name, action);
	{
		_cleanup_free_ char *result = xasprintf("%sResult", action);
		json_t *v = json_object_get(doc, result);

		*ret = v ? json_incref(v) : json_object();
	}
	json_decref(doc);
	return 0;
}

int aws_query(struct aws_client *c, const char *action, const char *const *params, json_t **ret,
              struct error *reterr)
{
	_cleanup_(strbuf_release) struct strbuf body = STRBUF_INIT;
	struct backoff b;
	int r = 0;

	form_add(&body, "Action", action);
	form_add(&body, "Version", c->version);
	for (const char *const *p = params; p && p[0]; p += 2) {
		if (!p[1])
			return error_set(reterr, -EINVAL, "%s %s: parameter %s has no value",
			                 c->service_name, action, p[0]);
		form_add(&body, p[0], p[1]);
	}
	backoff_init(&b, c->backoff_initial_usec, c->backoff_max_usec, BACKOFF_JITTER_FULL);
	for (unsigned i = 0; i < c->max_attempts; i++) {
		bool retry = false;
		struct error e = ERROR_INIT;
		uint64_t delay;

		r = attempt(c, action, &body, ret, &retry, &e);
		if (r >= 0)
			return 0;
		if (reterr)
			*reterr = e;
		if (!retry || i + 1 == c->max_attempts)
			break;
		delay = backoff_next_usec(&b);
		log_debug("%s; retrying in %llu ms", e.message,
		          (unsigned long long)(delay / USEC_PER_MSEC));
		sleep_usec(delay, NULL);
	}
	return r;
}

char *aws_endpoint(const char *service, const char *region, const char *configured)
{
	char var[64];
	const char *v;
	size_t i;

	/* AWS_ENDPOINT_URL_<SERVICE> over AWS_ENDPOINT_URL over the config file */
	snprintf(var, sizeof(var), "AWS_ENDPOINT_URL_%s", service);
	for (i = strlen("AWS_ENDPOINT_URL_"); var[i]; i++)
		if (var[i] >= 'a' && var[i] <= 'z')
			var[i] = (char)(var[i] - 'a' + 'A');
		else if (var[i] == '-' || var[i] == ' ')
			var[i] = '_';
	v = getenv(var);
	if (!v || !*v)
		v = getenv("AWS_ENDPOINT_URL");
	if (!v || !*v)
		v = configured;
	if (v && *v) {
		size_t n = strlen(v);

		while (n > 0 && v[n - 1] == '/')
			n--;
		return xstrndup(v, n);
	}
	return xasprintf("https://%s.%s.amazonaws.com%s", service, region,
	                 !strncmp(region, "cn-", 3) ? ".cn" : "");
}

int aws_query_all(struct aws_client *c, const char *action, const char *const *params,
                  const char *list, const char *member, json_t **ret, unsigned *ret_pages,
                  struct error *reterr)
{
	json_auto_t *all = json_array();
	_cleanup_free_ char *marker = NULL;
	_cleanup_strv_free_ char **page_params = NULL;
	size_t n = 0;

	if (!all)
		return error_set(reterr, -ENOMEM, "out of memory");
	for (const char *const *p = params; p && p[0] && p[1]; p += 2)
		n += 2;
	for (unsigned page = 0;; page++) {
		json_auto_t *result = NULL, *items = NULL;
		const char *next;
		int r;

		if (page == AWS_QUERY_MAX_PAGES)
			return error_set(reterr, -EPROTO, "%s %s: more than %u pages", c->service_name,
			                 action, AWS_QUERY_MAX_PAGES);
		strv_free(page_params);
		page_params = NULL;
		for (size_t i = 0; i < n; i++)
			strv_push(&page_params, params[i]);
		if (marker) {
			strv_push(&page_params, "Marker");
			strv_push(&page_params, marker);
		}
		if (ret_pages)
			*ret_pages = page + 1;
		r = aws_query(c, action, (const char *const *)page_params, &result, reterr);
		if (r < 0)
			return r;
		items = aws_xml_list(json_object_get(result, list), member);
		if (json_array_extend(all, items) < 0)
			return error_set(reterr, -ENOMEM, "out of memory");
		next = json_string_value(json_object_get(result, "Marker"));
		if (!next || !*next)
			break;
		if (streq_ptr(next, marker))
			return error_set(reterr, -EPROTO, "%s %s: the same Marker twice",
			                 c->service_name, action);
		free(marker);
		marker = xstrdup(next);
	}
	*ret = TAKE_PTR(all);
	return 0;
}
