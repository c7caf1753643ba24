/* Webhook deliveries: signatures of each provider, push events, and repository matching. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/crypto.h"
#include "core/error.h"
#include "server/server.h"

/* Headers of one request: NULL-terminated pairs of name and value. */
static const char *lookup(const char *name, void *userdata)
{
	const char *const *h = userdata;

	for (; h[0]; h += 2)
		if (strcasecmp(h[0], name) == 0)
			return h[1];
	return NULL;
}

static char *hmac_hex(const char *secret, const char *body)
{
	uint8_t mac[CRYPTO_SHA256_DIGEST_SIZE];
	char *hex = xcalloc(1, 2 * sizeof(mac) + 1);

	assert_int_equal(crypto_hmac_sha256(secret, strlen(secret), body, strlen(body), mac, NULL),
	                 0);
	for (size_t i = 0; i < sizeof(mac); i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	return hex;
}

static int verify(enum server_webhook_provider p, const char *const *headers, const char *body,
                  const char *secret, struct server_webhook_event *ev, struct error *e)
{
	return server_webhook_verify(p, lookup, (void *)headers, body, strlen(body), secret,
	                             strlen(secret), ev, e);
}

static void test_webhook__paths(void **state)
{
	(void)state;
	assert_int_equal(server_webhook_from_path("/hooks/github"), SERVER_WEBHOOK_GITHUB);
	assert_int_equal(server_webhook_from_path("/hooks/generic"), SERVER_WEBHOOK_GENERIC);
	assert_int_equal(server_webhook_from_path("/hooks/githubx"), -EINVAL);
	assert_int_equal(server_webhook_from_path("/hook/github"), -EINVAL);
	assert_int_equal(server_webhook_from_path(NULL), -EINVAL);
	assert_string_equal(server_webhook_to_string(SERVER_WEBHOOK_BITBUCKET), "bitbucket");
	assert_null(server_webhook_to_string(_SERVER_WEBHOOK_MAX));
}

/* GitHub's documented example: secret, payload and header. */
static void test_webhook__github_documented_signature(void **state)
{
	const char *const good[] = {
		"X-Hub-Signature-256",
		"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
		"X-GitHub-Event",
		"ping",
		NULL,
	};
	const char *const bad[] = {
		"X-Hub-Signature-256",
		"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18",
		"X-GitHub-Event",
		"ping",
		NULL,
	};
	struct server_webhook_event ev = { 0 };
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(verify(SERVER_WEBHOOK_GITHUB, good, "Hello, World!",
	                        "It's a Secret to Everybody", &ev, &e),
	                 0);
	assert_false(ev.is_push); /* a ping */
	server_webhook_event_release(&ev);
	assert_int_equal(verify(SERVER_WEBHOOK_GITHUB, bad, "Hello, World!",
	                        "It's a Secret to Everybody", &ev, &e),
	                 -EACCES);
	assert_non_null(strstr(e.message, "does not match"));
	assert_int_equal(verify(SERVER_WEBHOOK_GITHUB, good, "Hello, World!?",
	                        "It's a Secret to Everybody", &ev, &e),
	                 -EACCES);
}

static void test_webhook__github_push(void **state)
{
	const char *body = "{\"ref\":\"refs/heads/main\",\"repository\":{"
	                   "\"clone_url\":\"https://github.com/Org/Config.git\","
	                   "\"ssh_url\":\"git@github.com:Org/Config.git\"}}";
	_cleanup_free_ char *hex = hmac_hex("s3cret", body);
	_cleanup_free_ char *sig = xasprintf("sha256=%s", hex);
	const char *const headers[] = { "x-hub-signature-256",
		                        sig,
		                        "X-GitHub-Event",
		                        "push",
		                        "X-GitHub-Delivery",
		                        "d-1",
		                        NULL };
	const char *const unsigned_[] = { "X-GitHub-Event", "push", NULL };
	struct server_webhook_event ev = { 0 };
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(verify(SERVER_WEBHOOK_GITHUB, headers, body, "s3cret", &ev, &e), 0);
	assert_true(ev.is_push);
	assert_string_equal(ev.delivery, "d-1");
	assert_string_equal(ev.ref, "refs/heads/main");
	assert_true(server_webhook_event_matches(&ev, "https://github.com/org/config",
	                                         "refs/heads/main"));
	assert_true(server_webhook_event_matches(&ev, "ssh://git@github.com:22/org/config.git/",
	                                         "refs/heads/main"));
	assert_true(server_webhook_event_matches(&ev, "git@GitHub.com:org/config.git",
	                                         "refs/heads/main"));
	assert_false(server_webhook_event_matches(&ev, "https://github.com/org/other",
	                                          "refs/heads/main"));
	assert_false(server_webhook_event_matches(&ev, "https://github.com/org/config",
	                                          "refs/heads/release"));
	assert_false(server_webhook_event_matches(&ev, "https://gitlab.com/org/config",
	                                          "refs/heads/main"));
	server_webhook_event_release(&ev);

	assert_int_equal(verify(SERVER_WEBHOOK_GITHUB, headers, body, "other", &ev, &e), -EACCES);
	assert_int_equal(verify(SERVER_WEBHOOK_GITHUB, unsigned_, body, "s3cret", &ev, &e),
	                 -EACCES);
	assert_non_null(strstr(e.message, "not signed"));
}

static void test_webhook__gitlab_token(void **state)
{
	const char *body = "{\"object_kind\":\"push\",\"ref\":\"refs/heads/main\",\"project\":{"
	                   "\"git_http_url\":\"https://gitlab.example.com/platform/config.git\","
	                   "\"git_ssh_url\":\"git@gitlab.example.com:platform/config.git\"}}";
	const char *const good[] = { "X-Gitlab-Token",
		                     "tok-123",
		                     "X-Gitlab-Event",
		                     "Push Hook",
		                     "X-Gitlab-Event-UUID",
		                     "u-1",
		                     NULL };
	const char *const wrong[] = { "X-Gitlab-Token", "tok-124", "X-Gitlab-Event", "Push Hook",
		                      NULL };
	const char *const longer[] = { "X-Gitlab-Token", "tok-1234", "X-Gitlab-Event", "Push Hook",
		                       NULL };
	const char *const issue[] = { "X-Gitlab-Token", "tok-123", "X-Gitlab-Event", "Issue Hook",
		                      NULL };
	struct server_webhook_event ev = { 0 };
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(verify(SERVER_WEBHOOK_GITLAB, good, body, "tok-123", &ev, &e), 0);
	assert_true(ev.is_push);
	assert_string_equal(ev.delivery, "u-1");
	assert_true(server_webhook_event_matches(
	        &ev, "ssh://git@gitlab.example.com/platform/config", "refs/heads/main"));
	server_webhook_event_release(&ev);
	assert_int_equal(verify(SERVER_WEBHOOK_GITLAB, wrong, body, "tok-123", &ev, &e), -EACCES);
	assert_int_equal(verify(SERVER_WEBHOOK_GITLAB, longer, body, "tok-123", &ev, &e), -EACCES);
	assert_int_equal(verify(SERVER_WEBHOOK_GITLAB, issue, body, "tok-123", &ev, &e), 0);
	assert_false(ev.is_push);
	server_webhook_event_release(&ev);
}

static void test_webhook__gitea_and_forgejo(void **state)
{
	const char *body = "{\"ref\":\"refs/heads/main\",\"repository\":{"
	                   "\"clone_url\":\"https://gitea.example.com/ops/config.git\"}}";
	_cleanup_free_ char *hex = hmac_hex("k", body);
	const char *const gitea[] = {
		"X-Gitea-Signature", hex, "X-Gitea-Event", "push", "X-Gitea-Delivery", "g-1", NULL
	};
	const char *const forgejo[] = { "X-Forgejo-Signature",
		                        hex,
		                        "X-Forgejo-Event",
		                        "push",
		                        "X-Forgejo-Delivery",
		                        "f-1",
		                        NULL };
	struct server_webhook_event ev = { 0 };
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(verify(SERVER_WEBHOOK_GITEA, gitea, body, "k", &ev, &e), 0);
	assert_true(ev.is_push);
	assert_string_equal(ev.delivery, "g-1");
	server_webhook_event_release(&ev);
	assert_int_equal(verify(SERVER_WEBHOOK_GITEA, forgejo, body, "k", &ev, &e), 0);
	assert_true(ev.is_push);
	assert_string_equal(ev.delivery, "f-1");
	assert_true(server_webhook_event_matches(&ev, "https://gitea.example.com/ops/config",
	                                         "refs/heads/main"));
	server_webhook_event_release(&ev);
}

static void test_webhook__bitbucket(void **state)
{
	const char *server_body =
	        "{\"eventKey\":\"repo:refs_changed\",\"repository\":{\"links\":{\"clone\":["
	        "{\"href\":\"ssh://git@bb.example.com:7999/ops/config.git\",\"name\":\"ssh\"},"
	        "{\"href\":\"https://bb.example.com/scm/ops/config.git\",\"name\":\"http\"}]}},"
	        "\"changes\":[{\"ref\":{\"id\":\"refs/heads/main\",\"type\":\"BRANCH\"}}]}";
	const char *cloud_body =
	        "{\"repository\":{\"links\":{\"html\":{\"href\":"
	        "\"https://bitbucket.org/team/config\"}}},\"push\":{\"changes\":[{\"new\":{"
	        "\"type\":\"branch\",\"name\":\"main\"}}]}}";
	_cleanup_free_ char *hex1 = hmac_hex("b", server_body), *hex2 = hmac_hex("b", cloud_body);
	_cleanup_free_ char *sig1 = xasprintf("sha256=%s", hex1),
	                    *sig2 = xasprintf("sha256=%s", hex2);
	const char *const server[] = { "X-Hub-Signature", sig1,  "X-Event-Key", "repo:refs_changed",
		                       "X-Request-Id",    "r-1", NULL };
	const char *const cloud[] = { "X-Hub-Signature", sig2,  "X-Event-Key", "repo:push",
		                      "X-Hook-UUID",     "h-1", NULL };
	struct server_webhook_event ev = { 0 };
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(verify(SERVER_WEBHOOK_BITBUCKET, server, server_body, "b", &ev, &e), 0);
	assert_string_equal(ev.ref, "refs/heads/main");
	assert_string_equal(ev.delivery, "r-1");
	assert_true(server_webhook_event_matches(&ev, "https://bb.example.com/scm/ops/config.git",
	                                         "refs/heads/main"));
	server_webhook_event_release(&ev);
	assert_int_equal(verify(SERVER_WEBHOOK_BITBUCKET, cloud, cloud_body, "b", &ev, &e), 0);
	assert_string_equal(ev.ref, "refs/heads/main");
	assert_true(server_webhook_event_matches(&ev, "git@bitbucket.org:team/config.git",
	                                         "refs/heads/main"));
	server_webhook_event_release(&ev);
}

static void test_webhook__generic_and_malformed(void **state)
{
	const char *body = "{\"ref\":\"refs/heads/main\",\"repository\":{\"url\":"
	                   "\"https://git.example.com/config.git\"}}";
	const char *no_ref = "{\"repository\":{\"url\":\"https://git.example.com/config.git\"}}";
	const char *not_json = "ref=main";
	_cleanup_free_ char *h1 = hmac_hex("g", body), *h2 = hmac_hex("g", no_ref),
	                    *h3 = hmac_hex("g", not_json);
	_cleanup_free_ char *s1 = xasprintf("sha256=%s", h1), *s2 = xasprintf("sha256=%s", h2),
	                    *s3 = xasprintf("sha256=%s", h3);
	const char *const ok[] = { "X-Driftless-Signature", s1, NULL };
	const char *const missing_ref[] = { "X-Driftless-Signature", s2, NULL };
	const char *const malformed[] = { "X-Driftless-Signature", s3, NULL };
	const char *const short_sig[] = { "X-Driftless-Signature", "sha256=abcd", NULL };
	struct server_webhook_event ev = { 0 };
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(verify(SERVER_WEBHOOK_GENERIC, ok, body, "g", &ev, &e), 0);
	assert_true(ev.is_push);
	assert_null(ev.delivery);
	assert_true(server_webhook_event_matches(&ev, "https://git.example.com/config",
	                                         "refs/heads/main"));
	server_webhook_event_release(&ev);
	assert_int_equal(verify(SERVER_WEBHOOK_GENERIC, missing_ref, no_ref, "g", &ev, &e),
	                 -EBADMSG);
	assert_int_equal(verify(SERVER_WEBHOOK_GENERIC, malformed, not_json, "g", &ev, &e),
	                 -EBADMSG);
	/* the signature is checked before the body is read */
	assert_int_equal(verify(SERVER_WEBHOOK_GENERIC, short_sig, not_json, "g", &ev, &e),
	                 -EACCES);
}

static void test_crypto_equal_consttime(void **state)
{
	(void)state;
	assert_true(crypto_equal_consttime("abc", "abc", 3));
	assert_false(crypto_equal_consttime("abc", "abd", 3));
	assert_true(crypto_equal_consttime("x", "y", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_webhook__paths),
		cmocka_unit_test(test_webhook__github_documented_signature),
		cmocka_unit_test(test_webhook__github_push),
		cmocka_unit_test(test_webhook__gitlab_token),
		cmocka_unit_test(test_webhook__gitea_and_forgejo),
		cmocka_unit_test(test_webhook__bitbucket),
		cmocka_unit_test(test_webhook__generic_and_malformed),
		cmocka_unit_test(test_crypto_equal_consttime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
