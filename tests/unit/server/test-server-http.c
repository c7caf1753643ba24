/* The HTTP server: webhook answers, repeats, size limit, methods, /metrics and probes. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/crypto.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "http/http.h"
#include "server/server.h"

struct seen {
	unsigned pushes;
	unsigned results[_SERVER_WEBHOOK_RESULT_MAX];
	bool is_ready;
};

static void on_push(enum server_webhook_provider p, const struct server_webhook_event *ev,
                    void *userdata)
{
	struct seen *seen = userdata;

	assert_int_equal(p, SERVER_WEBHOOK_GITHUB);
	assert_true(streq(ev->ref, "refs/heads/main") || streq(ev->ref, "refs/heads/dev"));
	seen->pushes++;
}

static void on_result(enum server_webhook_provider p, enum server_webhook_result r, void *userdata)
{
	struct seen *seen = userdata;

	(void)p;
	seen->results[r]++;
}

static void metrics(struct strbuf *out, void *userdata)
{
	struct seen *seen = userdata;

	strbuf_addf(out, "driftless_test_pushes %u\n", seen->pushes);
}

static bool is_ready(void *userdata)
{
	return ((struct seen *)userdata)->is_ready;
}

static void status(struct strbuf *out, void *userdata)
{
	(void)userdata;
	strbuf_addstr(out, "{\"ready\": true}\n");
}

static const struct server_ops ops = {
	.status = status,
	.on_push = on_push,
	.on_webhook_result = on_result,
	.metrics = metrics,
	.is_ready = is_ready,
};

static char *sign(const char *body)
{
	uint8_t mac[CRYPTO_SHA256_DIGEST_SIZE];
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(crypto_hmac_sha256("s3cret", 6, body, strlen(body), mac, NULL), 0);
	strbuf_addstr(&sb, "X-Hub-Signature-256: sha256=");
	for (size_t i = 0; i < sizeof(mac); i++)
		strbuf_addf(&sb, "%02x", mac[i]);
	return strbuf_detach(&sb, NULL);
}

/* method url with body and headers; the status, and the body in *ret_body (may be NULL). */
static long request(struct http_client *c, uint16_t port, const char *method, const char *path,
                    const char *body, const char *const *headers, char **ret_body)
{
	_cleanup_free_ char *url = xasprintf("http://127.0.0.1:%u%s", port, path);
	struct http_request req = { .method = method,
		                    .url = url,
		                    .headers = headers,
		                    .body = body,
		                    .body_len = body ? strlen(body) : 0,
		                    .retry_unsafe = false };
	struct http_response resp = HTTP_RESPONSE_INIT;
	struct error e = ERROR_INIT;
	long status;

	if (http_client_do(c, &req, &resp, &e) < 0)
		fail_msg("%s %s: %s", method, path, error_message(&e));
	status = resp.status;
	if (ret_body)
		*ret_body = xstrdup(resp.body.buf ? resp.body.buf : "");
	http_response_release(&resp);
	return status;
}

static void test_server__webhooks_and_endpoints(void **state)
{
	const char *push = "{\"ref\":\"refs/heads/main\",\"repository\":{\"clone_url\":"
	                   "\"https://git.example.com/ops/config.git\"}}";
	const char *other = "{\"ref\":\"refs/heads/dev\",\"repository\":{\"clone_url\":"
	                    "\"https://git.example.com/ops/config.git\"}}";
	_cleanup_free_ char *sig = sign(push), *sig_other = sign(other);
	char *body = NULL;
	const char *const first[] = { sig, "X-GitHub-Event: push", "X-GitHub-Delivery: d-1",
		                      "Content-Type: application/json", NULL };
	const char *const second[] = { sig, "X-GitHub-Event: push", "X-GitHub-Delivery: d-2",
		                       "Content-Type: application/json", NULL };
	const char *const wrong_ref[] = { sig_other, "X-GitHub-Event: push",
		                          "Content-Type: application/json", NULL };
	const char *const forged[] = { "X-Hub-Signature-256: sha256=00", "X-GitHub-Event: push",
		                       "Content-Type: application/json", NULL };
	struct seen seen = { 0 };
	struct server_options o = { .listen = "127.0.0.1:0",
		                    .fd = -1,
		                    .secret = "s3cret",
		                    .secret_len = 6,
		                    .max_body_bytes = 4096,
		                    .repo_url = "git@git.example.com:ops/config",
		                    .ref = "refs/heads/main",
		                    .ops = &ops,
		                    .userdata = &seen };
	struct http_client_options co = { .retries = 0 };
	struct server *s = NULL;
	struct http_client *c = NULL;
	struct error e = ERROR_INIT;
	uint16_t port;
	char *big;

	(void)state;
	if (server_new(&o, &s, &e) < 0)
		fail_msg("server_new: %s", error_message(&e));
	port = server_port(s);
	assert_true(port > 0);
	assert_int_equal(http_client_new(&co, &c, &e), 0);

	assert_int_equal(request(c, port, "POST", "/hooks/github", push, first, &body), 202);
	assert_non_null(strstr(body, "accepted"));
	free(body);
	assert_int_equal(seen.pushes, 1);
	/* the same delivery again: ignored; another delivery of the same push: a sync */
	assert_int_equal(request(c, port, "POST", "/hooks/github", push, first, NULL), 202);
	assert_int_equal(seen.pushes, 1);
	assert_int_equal(seen.results[SERVER_WEBHOOK_REPEATED], 1);
	assert_int_equal(request(c, port, "POST", "/hooks/github", push, second, NULL), 202);
	assert_int_equal(seen.pushes, 2);
	assert_int_equal(request(c, port, "POST", "/hooks/github", other, wrong_ref, &body), 202);
	assert_non_null(strstr(body, "another repository or ref"));
	free(body);
	assert_int_equal(request(c, port, "POST", "/hooks/github", push, forged, NULL), 401);
	assert_int_equal(request(c, port, "POST", "/hooks/gitlab", push, first, NULL), 401);
	assert_int_equal(seen.pushes, 2);
	assert_int_equal(seen.results[SERVER_WEBHOOK_UNAUTHORIZED], 2);

	big = xcalloc(1, 8192 + 1);
	memset(big, 'x', 8192);
	assert_int_equal(request(c, port, "POST", "/hooks/github", big, first, NULL), 413);
	free(big);
	assert_int_equal(seen.results[SERVER_WEBHOOK_TOO_BIG], 1);

	assert_int_equal(request(c, port, "GET", "/hooks/github", NULL, NULL, NULL), 405);
	assert_int_equal(request(c, port, "POST", "/hooks/nowhere", push, first, NULL), 404);
	assert_int_equal(request(c, port, "GET", "/elsewhere", NULL, NULL, NULL), 404);
	assert_int_equal(request(c, port, "GET", "/healthz", NULL, NULL, NULL), 200);
	assert_int_equal(request(c, port, "GET", "/readyz", NULL, NULL, NULL), 503);
	seen.is_ready = true;
	assert_int_equal(request(c, port, "GET", "/readyz", NULL, NULL, NULL), 200);
	assert_int_equal(request(c, port, "GET", "/metrics", NULL, NULL, &body), 200);
	assert_string_equal(body, "driftless_test_pushes 2\n");
	free(body);
	assert_int_equal(request(c, port, "GET", "/status", NULL, NULL, &body), 200);
	assert_string_equal(body, "{\"ready\": true}\n");
	free(body);
	assert_int_equal(request(c, port, "POST", "/status", "x", NULL, NULL), 405);

	/* a reload: another ref counts from the next request on */
	server_set_webhook(s, "s3cret", 6, "https://git.example.com/ops/config", "refs/heads/dev",
	                   0);
	assert_int_equal(request(c, port, "POST", "/hooks/github", other, wrong_ref, &body), 202);
	assert_non_null(strstr(body, "accepted"));
	free(body);
	assert_int_equal(seen.pushes, 3);
	/* no secret: nothing is accepted, not even a delivery "signed" with the empty key */
	server_set_webhook(s, NULL, 0, "https://git.example.com/ops/config", "refs/heads/dev", 0);
	{
		const char *const empty_token[] = { "X-Gitlab-Token: ", "X-Gitlab-Event: Push Hook",
			                            NULL };

		assert_int_equal(request(c, port, "POST", "/hooks/gitlab", other, empty_token, NULL),
		                 401);
	}
	assert_int_equal(seen.pushes, 3);

	http_client_free(c);
	server_free(s);
}

static void test_server__bad_listen(void **state)
{
	static const char *const bad[] = { "8080", "127.0.0.1:http", "127.0.0.1:70000",
		                           "localhost:80", "[::1:80" };
	struct server *s = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct server_options o = { .listen = bad[i], .fd = -1 };
		struct error e = ERROR_INIT;

		assert_int_equal(server_new(&o, &s, &e), -EINVAL);
		assert_non_null(strstr(e.message, bad[i]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server__webhooks_and_endpoints),
		cmocka_unit_test(test_server__bad_listen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
