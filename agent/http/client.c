#include "http/http.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strv.h"
#include "core/time.h"
#include "core/url.h"

struct http_client {
	CURL *curl;
	uint64_t max_response_bytes;
	unsigned retries;
	struct backoff backoff;
	char errbuf[CURL_ERROR_SIZE];
};

/* What the callbacks of one attempt write to. */
struct transfer {
	struct http_response *resp;
	uint64_t max_response_bytes;
	bool is_too_big;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_result;

static void global_init(void)
{
	global_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void http_response_release(struct http_response *resp)
{
	strbuf_release(&resp->body);
	free(resp->content_type);
	resp->content_type = NULL;
	resp->headers = strv_free(resp->headers);
	resp->status = 0;
	resp->attempts = 0;
}

const char *http_response_header(const struct http_response *resp, const char *name)
{
	size_t n = strlen(name);

	strv_foreach(h, resp->headers) {
		const char *v;

		if (strncasecmp(h, name, n) != 0 || h[n] != ':')
			continue;
		v = h + n + 1;
		return v + strspn(v, " \t");
	}
	return NULL;
}

static long usec_to_msec(uint64_t usec)
{
	if (usec == USEC_INFINITY)
		return 0; /* libcurl: no limit */
	return (long)MIN(usec / USEC_PER_MSEC, (uint64_t)LONG_MAX);
}

static long usec_to_sec_round_up(uint64_t usec)
{
	return (long)MIN((usec + USEC_PER_SEC - 1) / USEC_PER_SEC, (uint64_t)LONG_MAX);
}

static uint64_t or_default(uint64_t v, uint64_t def)
{
	return v ? v : def;
}

/* Setting a supported option fails only when memory runs out. */
#define SETOPT(c, opt, val)                                                                      \
	do {                                                                                     \
		CURLcode _rc = curl_easy_setopt((c), (opt), (val));                              \
		if (_rc != CURLE_OK)                                                             \
			return error_set(reterr, _rc == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL, \
			                 "Failed to set libcurl option %d: %s", (int)(opt),      \
			                 curl_easy_strerror(_rc));                               \
	} while (0)

static int setup_tls(CURL *curl, const struct http_client_options *o, struct error *reterr)
{
	if (o->ca_file && o->ca_pem)
		return error_set(reterr, -EINVAL, "both a CA file and CA data given");
	if ((o->cert_file || o->key_file) && (o->cert_pem || o->key_pem))
		return error_set(reterr, -EINVAL,
		                 "client certificate given both as files and as data");
	if (!o->cert_file != !o->key_file || !o->cert_pem != !o->key_pem)
		return error_set(reterr, -EINVAL, "a client certificate needs its key, and back");

	if (o->ca_file) {
		SETOPT(curl, CURLOPT_CAINFO, o->ca_file);
		SETOPT(curl, CURLOPT_CAPATH, (char *)NULL);
	} else if (o->ca_pem) {
		struct curl_blob blob = { .data = (void *)o->ca_pem,
			                  .len = o->ca_pem_len,
			                  .flags = CURL_BLOB_COPY };

		SETOPT(curl, CURLOPT_CAINFO_BLOB, &blob);
		/* replace the system's CAs, which libcurl otherwise loads as well */
		SETOPT(curl, CURLOPT_CAINFO, (char *)NULL);
		SETOPT(curl, CURLOPT_CAPATH, (char *)NULL);
	}

	if (o->cert_file) {
		SETOPT(curl, CURLOPT_SSLCERT, o->cert_file);
		SETOPT(curl, CURLOPT_SSLKEY, o->key_file);
	} else if (o->cert_pem) {
		struct curl_blob cert = { .data = (void *)o->cert_pem,
			                  .len = o->cert_pem_len,
			                  .flags = CURL_BLOB_COPY };
		struct curl_blob key = { .data = (void *)o->key_pem,
			                 .len = o->key_pem_len,
			                 .flags = CURL_BLOB_COPY };

		SETOPT(curl, CURLOPT_SSLCERT_BLOB, &cert);
		SETOPT(curl, CURLOPT_SSLKEY_BLOB, &key);
	}
	if (o->cert_file || o->cert_pem) {
		SETOPT(curl, CURLOPT_SSLCERTTYPE, "PEM");
		SETOPT(curl, CURLOPT_SSLKEYTYPE, "PEM");
	}

	if (o->insecure_skip_tls_verify) {
		SETOPT(curl, CURLOPT_SSL_VERIFYPEER, 0L);
		SETOPT(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return 0;
}

static int setup_handle(CURL *curl, struct http_client *c, const struct http_client_options *o,
                        struct error *reterr)
{
	uint64_t low_speed_usec = or_default(o->low_speed_usec, HTTP_LOW_SPEED_USEC_DEFAULT);
	int r;

	SETOPT(curl, CURLOPT_ERRORBUFFER, c->errbuf);
	SETOPT(curl, CURLOPT_NOSIGNAL, 1L);
	SETOPT(curl, CURLOPT_NOPROGRESS, 1L);
	SETOPT(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(curl, CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	SETOPT(curl, CURLOPT_TCP_KEEPALIVE, 1L);
	/* our headers (the bearer token) go to the server only, never to a proxy */
	SETOPT(curl, CURLOPT_HEADEROPT, CURLHEADER_SEPARATE);
	SETOPT(curl, CURLOPT_ACCEPT_ENCODING, "");
	SETOPT(curl, CURLOPT_USERAGENT, o->user_agent ? o->user_agent : "driftless");

	SETOPT(curl, CURLOPT_CONNECTTIMEOUT_MS,
	       usec_to_msec(
	               or_default(o->connect_timeout_usec, HTTP_CONNECT_TIMEOUT_USEC_DEFAULT)));
	SETOPT(curl, CURLOPT_TIMEOUT_MS,
	       usec_to_msec(or_default(o->timeout_usec, HTTP_TIMEOUT_USEC_DEFAULT)));
	if (low_speed_usec != USEC_INFINITY) {
		SETOPT(curl, CURLOPT_LOW_SPEED_LIMIT,
		       (long)MIN(or_default(o->low_speed_bytes, HTTP_LOW_SPEED_BYTES_DEFAULT),
		                 (uint64_t)LONG_MAX));
		SETOPT(curl, CURLOPT_LOW_SPEED_TIME, usec_to_sec_round_up(low_speed_usec));
	}
	/* refuse early what announces itself too big; the write callback catches the rest */
	SETOPT(curl, CURLOPT_MAXFILESIZE_LARGE,
	       (curl_off_t)MIN(c->max_response_bytes, (uint64_t)INT64_MAX));

	r = setup_tls(curl, o, reterr);
	if (r < 0)
		return r;
	return 0;
}

int http_client_new(const struct http_client_options *opts, struct http_client **ret,
                    struct error *reterr)
{
	_cleanup_(http_client_freep) struct http_client *c = NULL;
	int r;

	assert(opts);
	assert(ret);

	r = http_load_library(reterr);
	if (r < 0)
		return r;
	(void)pthread_once(&global_once, global_init);
	if (global_result != CURLE_OK)
		return error_set(reterr, -EIO, "Failed to initialise libcurl: %s",
		                 curl_easy_strerror(global_result));

	c = xcalloc(1, sizeof(*c));
	c->max_response_bytes =
	        or_default(opts->max_response_bytes, HTTP_MAX_RESPONSE_BYTES_DEFAULT);
	c->retries = opts->retries;
	backoff_init(
	        &c->backoff, or_default(opts->retry_initial_usec, HTTP_RETRY_INITIAL_USEC_DEFAULT),
	        or_default(opts->retry_max_usec, HTTP_RETRY_MAX_USEC_DEFAULT), BACKOFF_JITTER_FULL);

	c->curl = curl_easy_init();
	if (!c->curl)
		return error_set(reterr, -ENOMEM, "Failed to make a libcurl handle");

	r = setup_handle(c->curl, c, opts, reterr);
	if (r < 0)
		return r;

	*ret = TAKE_PTR(c);
	return 0;
}

struct http_client *http_client_free(struct http_client *c)
{
	if (!c)
		return NULL;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c);
	return NULL;
}

/* Wipe each entry (one holds the bearer token), then free the list. */
static void slist_erase_and_free(struct curl_slist *l)
{
	for (struct curl_slist *i = l; i; i = i->next)
		explicit_bzero(i->data, strlen(i->data));
	curl_slist_free_all(l);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct curl_slist *, slist_erase_and_free)

static bool method_is_idempotent(const char *method)
{
	static const char *const idempotent[] = { "GET", "HEAD", "PUT", "DELETE", "OPTIONS" };

	for (size_t i = 0; i < ELEMENTSOF(idempotent); i++)
		if (streq(method, idempotent[i]))
			return true;
	return false;
}

static bool status_is_retryable(long status)
{
	return status == 429 || status == 502 || status == 503 || status == 504;
}

/* The connection broke while in use: -ECONNRESET. */
static bool curlcode_is_broken_connection(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static bool curlcode_is_retryable(CURLcode rc)
{
	if (curlcode_is_broken_connection(rc))
		return true;
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
		return true;
	default:
		return false;
	}
}

static int curlcode_to_errno(CURL *curl, CURLcode rc, bool is_too_big)
{
	long os_errno = 0;

	if (is_too_big || rc == CURLE_FILESIZE_EXCEEDED)
		return -EFBIG;
	if (curlcode_is_broken_connection(rc))
		return -ECONNRESET;
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	case CURLE_COULDNT_CONNECT:
		(void)curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
		if (os_errno == EHOSTUNREACH || os_errno == ENETUNREACH)
			return -EHOSTUNREACH;
		if (os_errno == ETIMEDOUT)
			return -ETIMEDOUT;
		return -ECONNREFUSED;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return -EKEYREJECTED;
	default:
		return -EPROTO;
	}
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
	struct transfer *t = userdata;
	size_t len = size * n;

	if (len > t->max_response_bytes - t->resp->body.len) {
		t->is_too_big = true;
		return 0; /* CURLE_WRITE_ERROR */
	}
	strbuf_add(&t->resp->body, data, len);
	return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
	struct transfer *t = userdata;
	size_t len = size * n;
	struct strbuf line = STRBUF_INIT;

	/* a status line starts the headers of a new answer (after 1xx, or a proxy's) */
	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		t->resp->headers = strv_free(t->resp->headers);
		return len;
	}
	strbuf_add(&line, data, len);
	strbuf_trim(&line);
	if (line.len > 0 && memchr(line.buf, ':', line.len))
		strv_consume(&t->resp->headers, strbuf_detach(&line, NULL));
	strbuf_release(&line);
	return len;
}

static int set_method(CURL *curl, const struct http_request *req, struct error *reterr)
{
	bool has_body = req->body || streq(req->method, "POST") || streq(req->method, "PUT") ||
	                streq(req->method, "PATCH");

	/* back to a plain GET: clears what the previous request set */
	SETOPT(curl, CURLOPT_CUSTOMREQUEST, (char *)NULL);
	SETOPT(curl, CURLOPT_HTTPGET, 1L);

	if (streq(req->method, "HEAD")) {
		SETOPT(curl, CURLOPT_NOBODY, 1L);
		return 0;
	}
	if (has_body) {
		SETOPT(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		SETOPT(curl, CURLOPT_POSTFIELDS, req->body ? req->body : "");
	}
	if (!streq(req->method, has_body ? "POST" : "GET"))
		SETOPT(curl, CURLOPT_CUSTOMREQUEST, req->method);
	return 0;
}

static int build_headers(const struct http_request *req, struct curl_slist **ret,
                         struct error *reterr)
{
	_cleanup_(slist_erase_and_freep) struct curl_slist *l = NULL;
	struct curl_slist *n;

	/* no "Expect: 100-continue" round trip before a body */
	n = curl_slist_append(l, "Expect:");
	if (!n)
		return error_set(reterr, -ENOMEM, "Failed to build request headers");
	l = n;

	for (const char *const *h = req->headers; h && *h; h++) {
		n = curl_slist_append(l, *h);
		if (!n)
			return error_set(reterr, -ENOMEM, "Failed to build request headers");
		l = n;
	}

	if (req->bearer_token) {
		_cleanup_erase_ char *auth =
		        xstrjoin("Authorization: Bearer ", req->bearer_token, NULL);

		n = curl_slist_append(l, auth);
		if (!n)
			return error_set(reterr, -ENOMEM, "Failed to build request headers");
		l = n;
	}

	*ret = TAKE_PTR(l);
	return 0;
}

/* The wait the server asked for with Retry-After, or USEC_INFINITY when none. */
static uint64_t retry_after_usec(CURL *curl)
{
	curl_off_t sec = 0;

	if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &sec) != CURLE_OK || sec <= 0)
		return USEC_INFINITY;
	if ((uint64_t)sec > UINT64_MAX / USEC_PER_SEC)
		return UINT64_MAX - 1;
	return (uint64_t)sec * USEC_PER_SEC;
}

/* One attempt: 0 with resp->status set, or a negative errno with reterr set. */
static int attempt(struct http_client *c, const struct http_request *req,
                   struct http_response *resp, bool *ret_retryable, struct error *reterr)
{
	struct transfer t = {
		.resp = resp,
		.max_response_bytes = c->max_response_bytes,
	};
	_cleanup_free_ char *url = NULL;
	CURLcode rc;
	char *ct = NULL;
	int r;

	strbuf_reset(&resp->body);
	resp->headers = strv_free(resp->headers);
	free(resp->content_type);
	resp->content_type = NULL;
	resp->status = 0;

	SETOPT(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(c->curl, CURLOPT_WRITEDATA, &t);
	SETOPT(c->curl, CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(c->curl, CURLOPT_HEADERDATA, &t);

	c->errbuf[0] = '\0';
	rc = curl_easy_perform(c->curl);
	if (rc == CURLE_OK) {
		(void)curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->status);
		if (curl_easy_getinfo(c->curl, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
			resp->content_type = xstrdup(ct);
		*ret_retryable = status_is_retryable(resp->status);
		return 0;
	}

	*ret_retryable = !t.is_too_big && curlcode_is_retryable(rc);
	r = curlcode_to_errno(c->curl, rc, t.is_too_big);
	url = url_redact(req->url);
	if (r == -EFBIG)
		return error_set(reterr, r, "%s '%s': response larger than %" PRIu64 " bytes",
		                 req->method, url, c->max_response_bytes);
	return error_set(reterr, r, "%s '%s': %s", req->method, url,
	                 c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
}

int http_client_do(struct http_client *c, const struct http_request *req, struct http_response *ret,
                   struct error *reterr)
{
	_cleanup_(slist_erase_and_freep) struct curl_slist *headers = NULL;
	struct error err = ERROR_INIT;
	bool may_retry;
	int r;

	assert(c);
	assert(req && req->method && req->url);
	assert(ret);

	may_retry = req->retry_unsafe || method_is_idempotent(req->method);
	ret->attempts = 0;

	r = build_headers(req, &headers, reterr);
	if (r < 0)
		return r;
	SETOPT(c->curl, CURLOPT_URL, req->url);
	SETOPT(c->curl, CURLOPT_HTTPHEADER, headers);
	r = set_method(c->curl, req, reterr);
	if (r < 0)
		return r;

	backoff_reset(&c->backoff);
	for (;;) {
		bool is_retryable = false;
		uint64_t delay;

		/* only the last attempt's failure is reported */
		error_clear(&err);
		ret->attempts++;
		r = attempt(c, req, ret, &is_retryable, &err);
		if (!may_retry || !is_retryable || ret->attempts > c->retries)
			break;

		delay = backoff_next_usec(&c->backoff);
		if (r >= 0 && http_response_header(ret, "Retry-After")) {
			uint64_t after = retry_after_usec(c->curl);

			if (after != USEC_INFINITY)
				delay = MIN(after, c->backoff.max_usec);
		}
		sleep_usec(delay, NULL);
	}

	/* the handle keeps pointers to these until the next request */
	(void)curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	(void)curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, (char *)NULL);
	if (r < 0 && reterr)
		*reterr = err;
	return r;
}
