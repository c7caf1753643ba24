/*
 * http_client against a real server in this process: libmicrohttpd on 127.0.0.1 (plain and
 * TLS, with a client certificate), plus bare sockets for a server that never answers and a
 * port that refuses. The TLS material is made with the openssl command at start.
 *
 * The server's scaffolding (libmicrohttpd through server/mhd-dl.c, the client-certificate
 * check, the TLS material) is shared with other tests: tests/unit/mhd-test.h.
 */

#include <errno.h>
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

#include "../mhd-test.h"
#include "core/alloc.h"
#include "core/dl.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/time.h"
#include "http/http.h"

/* TLS material, made once for all cases. */
static char tls_dir[64];
static char *ca_file, *wrong_ca_file, *client_cert_file, *client_key_file;
static char *ca_pem, *wrong_ca_pem, *server_cert_pem, *server_key_pem, *client_cert_pem,
        *client_key_pem;
static size_t ca_pem_len, wrong_ca_pem_len, client_cert_pem_len, client_key_pem_len;

struct server {
	struct MHD_Daemon *daemon;
	int port;
	bool is_tls;
	bool needs_client_cert;

	/* behaviour of /flaky: the first n_failures requests get fail_status */
	unsigned n_failures;
	unsigned fail_status;
	const char *retry_after;
	/* size of the body of /big and /chunked */
	size_t big_len;

	pthread_mutex_t lock;
	unsigned n_connections;
	unsigned n_requests;
	char method[16];
	char authorization[256];
	char custom[256];
	struct strbuf body;
};

struct chunked {
	size_t left;
};

static ssize_t chunked_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct chunked *c = cls;
	size_t n = MIN(max, c->left);

	(void)pos;
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	memset(buf, 'y', n);
	c->left -= n;
	return (ssize_t)n;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct server *s = cls;
	struct mhd_test_upload *u = NULL;
	unsigned n;

	(void)version;
	if (mhd_test_collect(con_cls, upload_data, upload_data_size, &u))
		return MHD_YES;

	pthread_mutex_lock(&s->lock);
	n = s->n_requests++;
	snprintf(s->method, sizeof(s->method), "%s", method);
	mhd_test_copy_header(conn, "Authorization", s->authorization, sizeof(s->authorization));
	mhd_test_copy_header(conn, "X-Custom", s->custom, sizeof(s->custom));
	strbuf_reset(&s->body);
	strbuf_addbuf(&s->body, &u->body);
	pthread_mutex_unlock(&s->lock);

	if (s->needs_client_cert && !mhd_test_has_valid_client_cert(conn))
		return mhd_test_reply(conn, 403, "no client certificate", 21, NULL);

	if (streq(url, "/hello"))
		return mhd_test_reply(conn, 200, "hello world", 11,
		                      (const char *const[]){ "Content-Type", "text/plain",
		                                             "X-Reply", "yes", NULL });
	if (streq(url, "/echo"))
		return mhd_test_reply(conn, 200, u->body.buf, u->body.len, NULL);
	if (streq(url, "/flaky")) {
		if (n < s->n_failures)
			return mhd_test_reply(
			        conn, s->fail_status, "busy", 4,
			        (const char *const[]){ s->retry_after ? "Retry-After" : NULL,
			                               s->retry_after, NULL });
		return mhd_test_reply(conn, 200, "ok", 2, NULL);
	}
	if (streq(url, "/big")) {
		_cleanup_free_ char *big = xmalloc(s->big_len);

		memset(big, 'x', s->big_len);
		return mhd_test_reply(conn, 200, big, s->big_len, NULL);
	}
	if (streq(url, "/chunked")) {
		struct chunked *c = xmalloc(sizeof(*c));
		struct MHD_Response *resp;
		enum MHD_Result r;

		c->left = s->big_len;
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, chunked_read, c,
		                                         free);
		r = MHD_queue_response(conn, 200, resp);
		MHD_destroy_response(resp);
		return r;
	}
	return mhd_test_reply(conn, 404, "not found", 9, NULL);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
	struct server *s = cls;

	(void)conn;
	(void)socket_context;
	if (toe != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	pthread_mutex_lock(&s->lock);
	s->n_connections++;
	pthread_mutex_unlock(&s->lock);
}

static int listen_any_or_fail(int *ret_port)
{
	int fd = mhd_test_listen_any(ret_port);

	assert_true(fd >= 0);
	return fd;
}

static void server_start(struct server *s)
{
	int fd = listen_any_or_fail(&s->port);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;

	pthread_mutex_init(&s->lock, NULL);
	strbuf_init(&s->body, 0);
	if (s->is_tls)
		s->daemon = MHD_start_daemon(
		        flags | MHD_USE_TLS, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET,
		        fd, MHD_OPTION_NOTIFY_COMPLETED, mhd_test_completed, s,
		        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_HTTPS_MEM_KEY,
		        server_key_pem, MHD_OPTION_HTTPS_MEM_CERT, server_cert_pem,
		        s->needs_client_cert ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, ca_pem,
		        MHD_OPTION_END);
	else
		s->daemon = MHD_start_daemon(
		        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, fd,
		        MHD_OPTION_NOTIFY_COMPLETED, mhd_test_completed, s,
		        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_END);
	assert_non_null(s->daemon);
}

static void server_stop(struct server *s)
{
	MHD_stop_daemon(s->daemon); /* closes the listening socket */
	strbuf_release(&s->body);
	pthread_mutex_destroy(&s->lock);
}

static unsigned server_connections(struct server *s)
{
	unsigned n;

	pthread_mutex_lock(&s->lock);
	n = s->n_connections;
	pthread_mutex_unlock(&s->lock);
	return n;
}

static char *url_of(const struct server *s, const char *path)
{
	return xasprintf("%s://127.0.0.1:%d%s", s->is_tls ? "https" : "http", s->port, path);
}

static struct http_client *client_new(const struct http_client_options *opts)
{
	struct http_client *c = NULL;
	struct error err = ERROR_INIT;

	if (http_client_new(opts, &c, &err) < 0)
		fail_msg("http_client_new: %s", error_message(&err));
	return c;
}

static int do_get(struct http_client *c, const char *url, struct http_response *resp,
                  struct error *err)
{
	struct http_request req = { .method = "GET", .url = url };

	return http_client_do(c, &req, resp, err);
}

static void test_http_client_do__get_body_and_headers(void **state)
{
	struct server s = { 0 };
	struct http_client_options opts = { 0 };
	_cleanup_(http_client_freep) struct http_client *c = NULL;
	_cleanup_(http_response_release) struct http_response resp = HTTP_RESPONSE_INIT;
	_cleanup_free_ char *url = NULL;
	struct error err = ERROR_INIT;
	const char *const headers[] = { "X-Custom: custom value", NULL };
	struct http_request req = { .method = "GET", .headers = headers };

	(void)state;
	server_start(&s);
	c = client_new(&opts);
	url = url_of(&s, "/hello");
	req.url = url;

	assert_int_equal(http_client_do(c, &req, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.attempts, 1);
	assert_int_equal(resp.body.len, 11);
	assert_string_equal(resp.body.buf, "hello world");
	assert_string_equal(resp.content_type, "text/plain");
	assert_string_equal(http_response_header(&resp, "x-reply"), "yes");
	assert_null(http_response_header(&resp, "X-Absent"));
	assert_string_equal(s.method, "GET");
	assert_string_equal(s.custom, "custom value");
	assert_string_equal(s.authorization, "");

	/* HEAD: headers only; the GET after it has its body again */
	req.method = "HEAD";
	assert_int_equal(http_client_do(c, &req, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.body.len, 0);
	assert_string_equal(s.method, "HEAD");
	assert_int_equal(do_get(c, url, &resp, &err), 0);
	assert_string_equal(resp.body.buf, "hello world");

	/* a status is not an error */
	free(url);
	url = url_of(&s, "/nothing-here");
	assert_int_equal(do_get(c, url, &resp, &err), 0);
	assert_int_equal(resp.status, 404);
	assert_string_equal(resp.body.buf, "not found");

	server_stop(&s);
}

static void test_http_client_do__post_body(void **state)
{
	struct server s = { 0 };
	struct http_client_options opts = { 0 };
	_cleanup_(http_client_freep) struct http_client *c = NULL;
	_cleanup_(http_response_release) struct http_response resp = HTTP_RESPONSE_INIT;
	_cleanup_free_ char *url = NULL;
	struct error err = ERROR_INIT;
	const char *const headers[] = { "Content-Type: application/json", NULL };
	static const char body[] = "{\"kind\":\"ConfigMap\",\"nul\":\"\0\"}";
	struct http_request req = {
		.method = "POST", .headers = headers, .body = body, .body_len = sizeof(body) - 1
	};

	(void)state;
	server_start(&s);
	c = client_new(&opts);
	url = url_of(&s, "/echo");
	req.url = url;

	assert_int_equal(http_client_do(c, &req, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(s.method, "POST");
	assert_int_equal(s.body.len, sizeof(body) - 1);
	assert_memory_equal(s.body.buf, body, sizeof(body) - 1);
	assert_int_equal(resp.body.len, sizeof(body) - 1);
	assert_memory_equal(resp.body.buf, body, sizeof(body) - 1);

	/* then a PATCH and a GET on the same handle: method and body do not leak over */
	req.method = "PATCH";
	req.body = "{}";
	req.body_len = 2;
	assert_int_equal(http_client_do(c, &req, &resp, &err), 0);
	assert_string_equal(s.method, "PATCH");
	assert_string_equal(s.body.buf, "{}");
	assert_int_equal(do_get(c, url, &resp, &err), 0);
	assert_string_equal(s.method, "GET");
	assert_int_equal(s.body.len, 0);

	server_stop(&s);
}

static void test_http_client_do__bearer_token(void **state)
{
	struct server s = { 0 };
	struct http_client_options opts = { 0 };
	_cleanup_(http_client_freep) struct http_client *c = NULL;
	_cleanup_(http_response_release) struct http_response resp = HTTP_RESPONSE_INIT;
	_cleanup_free_ char *url = NULL;
	struct error err = ERROR_INIT;
	struct http_request req = { .method = "GET", .bearer_token = "s3cr3t-t0ken" };

	(void)state;
	server_start(&s);
	c = client_new(&opts);
	url = url_of(&s, "/hello");
	req.url = url;

	assert_int_equal(http_client_do(c, &req, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(s.authorization, "Bearer s3cr3t-t0ken");

	/* the token is not sent with the next request that has none */
	assert_int_equal(do_get(c, url, &resp, &err), 0);
	assert_string_equal(s.authorization, "");

	server_stop(&s);
}

static void test_http_client_do__reuses_connection(void **state)
{
	struct server s = { 0 };
	struct http_client_options opts = { 0 };
	_cleanup_(http_client_freep) struct http_client *c = NULL;
	_cleanup_(http_response_release) struct http_response resp = HTTP_RESPONSE_INIT;
	_cleanup_free_ char *url = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	server_start(&s);
	c = client_new(&opts);
	url = url_of(&s, "/hello");

	assert_int_equal(do_get(c, url, &resp, &err), 0);
	assert_int_equal(do_get(c, url, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_int_equal(s.n_requests, 2);
	assert_int_equal(server_connections(&s), 1);

	server_stop(&s);
}

static void test_http_client_do__retries_503(void **state)
{
	struct server s = { .n_failures = 1, .fail_status = 503 };
	struct http_client_options opts = { .retries = 3,
		                            .retry_initial_usec = 10 * USEC_PER_MSEC };
	_cleanup_(http_client_freep) struct http_client *c = NULL;
	_cleanup_(http_response_release) struct http_response resp = HTTP_RESPONSE_INIT;
	_cleanup_free_ char *url = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	server_start(&s);
	c = client_new(&opts);
	url = url_of(&s, "/flaky");

	assert_int_equal(do_get(c, url, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.attempts, 2);
	assert_string_equal(resp.body.buf, "ok");

	server_stop(&s);
}

static void test_http_client_do__gives_up_with_status(void **state)
{
	struct server s = { .n_failures = 100, .fail_status = 502 };
	struct http_client_options opts = { .retries = 2, .retry_initial_usec = 1 * USEC_PER_MSEC };
	_cleanup_(http_client_freep) struct http_client *c = NULL;
	_cleanup_(http_response_release) struct http_response resp = HTTP_RESPONSE_INIT;
	_cleanup_free_ char *url = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	server_start(&s);
	c = client_new(&opts);
	url = url_of(&s, "/flaky");

	assert_int_equal(do_get(c, url, &resp, &err), 0);
	assert_int_equal(resp.status, 502);
	assert_int_equal(resp.attempts, 3);
	assert_string_equal(resp.body.buf, "busy");

	server_stop(&s);
}

static void test_http_client_do__honours_retry_after(void **state)
{
	struct server s = { .n_failures = 1, .fail_status = 429, .retry_after = "1" };
	struct http_client_options opts = { .retries = 1,
		                            .retry_initial_usec = 1 * USEC_PER_MSEC,
		                            .retry_max_usec = 10 * USEC_PER_SEC };
	_cleanup_(http_client_freep) struct http_client *c = NULL;
	_cleanup_(http_response_release) struct http_response resp = HTTP_RESPONSE_INIT;
	_cleanup_free_ char *url = NULL;
	struct error err = ERROR_INIT;
	uint64_t start;

	(void)state;
	server_start(&s);
	c = client_new(&opts);
	url = url_of(&s, "/flaky");

	start = now_usec(CLOCK_MONOTONIC);
	assert_int_equal(do_get(c, url, &resp, &err), 0);
	assert_true(now_usec(CLOCK_MONOTONIC) - start >= 900 * USEC_PER_MSEC);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.attempts, 2);

	server_stop(&s);
}

static void test_http_client_do__post_retried_only_when_unsafe_allowed(void **state)
{
	struct server s = { .n_failures = 1, .fail_status = 503 };
	struct http_client_options opts = { .retries = 3, .retry_initial_usec = 1 * USEC_PER_MSEC };
	_cleanup_(http_client_freep) struct http_client *c = NULL;
	_cleanup_(http_response_release) struct http_response resp = HTTP_RESPONSE_INIT;
	_cleanup_free_ char *url = NULL;
	struct error err = ERROR_INIT;
	struct http_request req = { .method = "POST", .body = "x", .body_len = 1 };

	(void)state;
	server_start(&s);
	c = client_new(&opts);
	url = url_of(&s, "/flaky");
	req.url = url;

	assert_int_equal(http_client_do(c, &req, &resp, &err), 0);
	assert_int_equal(resp.status, 503);
	assert_int_equal(resp.attempts, 1);

	s.n_failures = 2; /* the request above was the first */
	req.retry_unsafe = true;
	assert_int_equal(http_client_do(c, &req, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.attempts, 2);

	server_stop(&s);
}

static void test_http_client_do__body_too_big(void **state)
{
	struct server s = { .big_len = 64 * 1024 };
	struct http_client_options opts = { .max_response_bytes = 1000, .retries = 2 };
	_cleanup_(http_client_freep) struct http_client *c = NULL;
	_cleanup_(http_response_release) struct http_response resp = HTTP_RESPONSE_INIT;
	_cleanup_free_ char *url = NULL, *chunked = NULL, *hello = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	server_start(&s);
	c = client_new(&opts);
	url = url_of(&s, "/big");
	chunked = url_of(&s, "/chunked");
	hello = url_of(&s, "/hello");

	/* announced with Content-Length */
	assert_int_equal(do_get(c, url, &resp, &err), -EFBIG);
	assert_int_equal(err.code, -EFBIG);
	assert_int_equal(resp.attempts, 1);
	assert_non_null(strstr(err.message, url));

	/* unannounced (chunked): stopped while receiving */
	error_clear(&err);
	assert_int_equal(do_get(c, chunked, &resp, &err), -EFBIG);
	assert_true(resp.body.len <= 1000);
	assert_int_equal(resp.attempts, 1);

	/* the client still works afterwards */
	assert_int_equal(do_get(c, hello, &resp, &err), 0);
	assert_int_equal(resp.status, 200);

	server_stop(&s);
}

static void test_http_client_do__timeout(void **state)
{
	struct http_client_options opts = { .timeout_usec = 300 * USEC_PER_MSEC };
	_cleanup_(http_client_freep) struct http_client *c = NULL;
	_cleanup_(http_response_release) struct http_response resp = HTTP_RESPONSE_INIT;
	_cleanup_free_ char *url = NULL;
	struct error err = ERROR_INIT;
	int port, fd;

	(void)state;
	fd = listen_any_or_fail(&port); /* accepted by the kernel, never answered */
	c = client_new(&opts);
	url = xasprintf("http://127.0.0.1:%d/slow", port);

	assert_int_equal(do_get(c, url, &resp, &err), -ETIMEDOUT);
	assert_int_equal(resp.status, 0);
	assert_non_null(strstr(err.message, "GET '"));
	(void)close(fd);
}

static void test_http_client_do__connection_refused(void **state)
{
	struct http_client_options opts = { .retries = 2, .retry_initial_usec = 1 * USEC_PER_MSEC };
	_cleanup_(http_client_freep) struct http_client *c = NULL;
	_cleanup_(http_response_release) struct http_response resp = HTTP_RESPONSE_INIT;
	_cleanup_free_ char *url = NULL, *shown = NULL;
	struct error err = ERROR_INIT;
	struct http_request req = { .method = "GET", .bearer_token = "tok-never-shown" };
	int port, fd;

	(void)state;
	fd = listen_any_or_fail(&port);
	(void)close(fd); /* nothing listens there now */
	c = client_new(&opts);
	url = xasprintf("http://admin:hunter2@127.0.0.1:%d/x", port);
	shown = xasprintf("GET 'http://***@127.0.0.1:%d/x'", port);
	req.url = url;

	assert_int_equal(http_client_do(c, &req, &resp, &err), -ECONNREFUSED);
	assert_int_equal(err.code, -ECONNREFUSED);
	assert_int_equal(resp.attempts, 3);
	assert_non_null(strstr(err.message, shown));
	assert_null(strstr(err.message, "hunter2"));
	assert_null(strstr(err.message, "tok-never-shown"));
}

static void test_http_client_do__https_ca(void **state)
{
	struct server s = { .is_tls = true };
	struct http_client_options from_file = { .ca_file = ca_file };
	struct http_client_options from_pem = { .ca_pem = ca_pem, .ca_pem_len = ca_pem_len };
	_cleanup_(http_client_freep) struct http_client *c1 = NULL, *c2 = NULL;
	_cleanup_(http_response_release) struct http_response resp = HTTP_RESPONSE_INIT;
	_cleanup_free_ char *url = NULL, *by_name = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	server_start(&s);
	c1 = client_new(&from_file);
	c2 = client_new(&from_pem);
	url = url_of(&s, "/hello");
	by_name = xasprintf("https://localhost:%d/hello", s.port);

	assert_int_equal(do_get(c1, url, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.body.buf, "hello world");
	assert_int_equal(do_get(c2, url, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_int_equal(do_get(c2, by_name, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_int_equal(server_connections(&s), 3);

	server_stop(&s);
}

static void test_http_client_do__https_wrong_ca(void **state)
{
	struct server s = { .is_tls = true };
	struct http_client_options wrong = { .ca_pem = wrong_ca_pem,
		                             .ca_pem_len = wrong_ca_pem_len,
		                             .retries = 3,
		                             .retry_initial_usec = 1 * USEC_PER_MSEC };
	struct http_client_options system_cas = { 0 };
	struct http_client_options insecure = { .insecure_skip_tls_verify = true };
	_cleanup_(http_client_freep) struct http_client *c1 = NULL, *c2 = NULL, *c3 = NULL;
	_cleanup_(http_response_release) struct http_response resp = HTTP_RESPONSE_INIT;
	_cleanup_free_ char *url = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	server_start(&s);
	c1 = client_new(&wrong);
	c2 = client_new(&system_cas);
	c3 = client_new(&insecure);
	url = url_of(&s, "/hello");

	assert_int_equal(do_get(c1, url, &resp, &err), -EKEYREJECTED);
	assert_int_equal(resp.attempts, 1); /* not retried */
	error_clear(&err);
	assert_int_equal(do_get(c2, url, &resp, &err), -EKEYREJECTED);
	error_clear(&err);
	assert_int_equal(do_get(c3, url, &resp, &err), 0);
	assert_int_equal(resp.status, 200);

	server_stop(&s);
}

static void test_http_client_do__client_certificate(void **state)
{
	struct server s = { .is_tls = true, .needs_client_cert = true };
	struct http_client_options with_pem = {
		.ca_pem = ca_pem,
		.ca_pem_len = ca_pem_len,
		.cert_pem = client_cert_pem,
		.cert_pem_len = client_cert_pem_len,
		.key_pem = client_key_pem,
		.key_pem_len = client_key_pem_len,
	};
	struct http_client_options with_files = {
		.ca_file = ca_file,
		.cert_file = client_cert_file,
		.key_file = client_key_file,
	};
	struct http_client_options without = { .ca_file = ca_file };
	_cleanup_(http_client_freep) struct http_client *c1 = NULL, *c2 = NULL, *c3 = NULL;
	_cleanup_(http_response_release) struct http_response resp = HTTP_RESPONSE_INIT;
	_cleanup_free_ char *url = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	server_start(&s);
	c1 = client_new(&with_pem);
	c2 = client_new(&with_files);
	c3 = client_new(&without);
	url = url_of(&s, "/hello");

	assert_int_equal(do_get(c1, url, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_int_equal(do_get(c2, url, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	/* the server really checks */
	assert_int_equal(do_get(c3, url, &resp, &err), 0);
	assert_int_equal(resp.status, 403);

	server_stop(&s);
}

static void test_http_client_new__contradictions(void **state)
{
	struct http_client_options both_ca = { .ca_file = "/x", .ca_pem = "y", .ca_pem_len = 1 };
	struct http_client_options cert_only = { .cert_file = "/x" };
	struct http_client *c = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	assert_int_equal(http_client_new(&both_ca, &c, &err), -EINVAL);
	assert_null(c);
	assert_int_equal(http_client_new(&cert_only, &c, &err), -EINVAL);
	assert_null(c);
	assert_null(http_client_free(NULL));
}

static char *path_in(const char *name)
{
	return xasprintf("%s/%s", tls_dir, name);
}

static char *slurp(const char *name, size_t *ret_len)
{
	_cleanup_free_ char *path = path_in(name);
	struct error err = ERROR_INIT;
	char *data = NULL;
	size_t len = 0;

	if (read_file_full(path, 1 << 20, &data, &len, &err) < 0)
		fail_msg("%s", error_message(&err));
	if (ret_len)
		*ret_len = len;
	return data;
}

static int make_tls_material(void **state)
{
	(void)state;
	if (mhd_test_make_tls(tls_dir, sizeof(tls_dir)) < 0)
		return -1;
	ca_file = path_in("ca.pem");
	wrong_ca_file = path_in("wrong.pem");
	client_cert_file = path_in("client.pem");
	client_key_file = path_in("client.key");
	ca_pem = slurp("ca.pem", &ca_pem_len);
	wrong_ca_pem = slurp("wrong.pem", &wrong_ca_pem_len);
	server_cert_pem = slurp("server.pem", NULL);
	server_key_pem = slurp("server.key", NULL);
	client_cert_pem = slurp("client.pem", &client_cert_pem_len);
	client_key_pem = slurp("client.key", &client_key_pem_len);
	return 0;
}

static int remove_tls_material(void **state)
{
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", tls_dir);

	(void)state;
	(void)!system(cmd);
	free(ca_file);
	free(wrong_ca_file);
	free(client_cert_file);
	free(client_key_file);
	free(ca_pem);
	free(wrong_ca_pem);
	free(server_cert_pem);
	free(server_key_pem);
	free(client_cert_pem);
	free(client_key_pem);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_client_new__contradictions),
		cmocka_unit_test(test_http_client_do__get_body_and_headers),
		cmocka_unit_test(test_http_client_do__post_body),
		cmocka_unit_test(test_http_client_do__bearer_token),
		cmocka_unit_test(test_http_client_do__reuses_connection),
		cmocka_unit_test(test_http_client_do__retries_503),
		cmocka_unit_test(test_http_client_do__gives_up_with_status),
		cmocka_unit_test(test_http_client_do__honours_retry_after),
		cmocka_unit_test(test_http_client_do__post_retried_only_when_unsafe_allowed),
		cmocka_unit_test(test_http_client_do__body_too_big),
		cmocka_unit_test(test_http_client_do__timeout),
		cmocka_unit_test(test_http_client_do__connection_refused),
		cmocka_unit_test(test_http_client_do__https_ca),
		cmocka_unit_test(test_http_client_do__https_wrong_ca),
		cmocka_unit_test(test_http_client_do__client_certificate),
	};

	/* the servers are on 127.0.0.1: no proxy from the environment in between */
	(void)setenv("no_proxy", "127.0.0.1,localhost", 1);
	(void)setenv("NO_PROXY", "127.0.0.1,localhost", 1);
	return cmocka_run_group_tests(tests, make_tls_material, remove_tls_material);
}
