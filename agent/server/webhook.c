/* Webhook deliveries: who sent them (signatures, tokens) and what they say (server.h). */

#include "server/server.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/crypto.h"
#include "core/error.h"
#include "core/strv.h"

static const char *const provider_names[_SERVER_WEBHOOK_MAX] = {
	[SERVER_WEBHOOK_GITHUB] = "github",   [SERVER_WEBHOOK_GITLAB] = "gitlab",
	[SERVER_WEBHOOK_GITEA] = "gitea",     [SERVER_WEBHOOK_BITBUCKET] = "bitbucket",
	[SERVER_WEBHOOK_GENERIC] = "generic",
};

const char *server_webhook_to_string(enum server_webhook_provider p)
{
	return p >= 0 && p < _SERVER_WEBHOOK_MAX ? provider_names[p] : NULL;
}

int server_webhook_from_path(const char *path)
{
	static const char prefix[] = "/hooks/";

	if (!path || strncmp(path, prefix, sizeof(prefix) - 1) != 0)
		return -EINVAL;
	for (int p = 0; p < _SERVER_WEBHOOK_MAX; p++)
		if (streq(path + sizeof(prefix) - 1, provider_names[p]))
			return p;
	return -EINVAL;
}

void server_webhook_event_release(struct server_webhook_event *ev)
{
	free(ev->delivery);
	free(ev->ref);
	strv_free(ev->repo_urls);
	*ev = (struct server_webhook_event){ 0 };
}

/* --- who sent it --- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Whether text (after prefix) is the hex HMAC-SHA256 of body with secret. */
static int check_hmac(const char *header_name, const char *text, const char *prefix,
                      const void *body, size_t len, const void *secret, size_t secret_len,
                      struct error *reterr)
{
	uint8_t want[CRYPTO_SHA256_DIGEST_SIZE], got[CRYPTO_SHA256_DIGEST_SIZE];
	size_t n = strlen(prefix);
	int r;

	if (!text)
		return error_set(reterr, -EACCES, "no %s header: the delivery is not signed",
		                 header_name);
	if (strncmp(text, prefix, n) != 0 || strlen(text + n) != 2 * sizeof(got))
		return error_set(reterr, -EACCES, "%s: expected %s and 64 hex digits", header_name,
		                 prefix[0] ? prefix : "");
	for (size_t i = 0; i < sizeof(got); i++) {
		int hi = hex_digit(text[n + 2 * i]), lo = hex_digit(text[n + 2 * i + 1]);

		if (hi < 0 || lo < 0)
			return error_set(reterr, -EACCES, "%s: expected hex digits", header_name);
		got[i] = (uint8_t)(hi << 4 | lo);
	}
	r = crypto_hmac_sha256(secret, secret_len, body, len, want, reterr);
	if (r < 0)
		return r;
	if (!crypto_equal_consttime(want, got, sizeof(want)))
		return error_set(reterr, -EACCES, "%s: the signature does not match the body",
		                 header_name);
	return 0;
}

/* GitLab sends the secret itself; compared in constant time all the same. */
static int check_token(const char *header_name, const char *text, const void *secret,
                       size_t secret_len, struct error *reterr)
{
	if (!text)
		return error_set(reterr, -EACCES, "no %s header", header_name);
	if (strlen(text) != secret_len || !crypto_equal_consttime(text, secret, secret_len))
		return error_set(reterr, -EACCES, "%s: the token is not the one configured",
		                 header_name);
	return 0;
}

/* --- what it says --- */

static const char *string_or_empty(const json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "";
}

static void add_url(struct server_webhook_event *ev, const json_t *v)
{
	const char *s = json_string_value(v);

	if (s && s[0] && !strv_contains(ev->repo_urls, s))
		strv_push(&ev->repo_urls, s);
}

static void add_urls(struct server_webhook_event *ev, const json_t *repo, const char *const *keys)
{
	for (; *keys; keys++)
		add_url(ev, json_object_get(repo, *keys));
}

static void parse_github_like(struct server_webhook_event *ev, const json_t *doc)
{
	static const char *const keys[] = { "clone_url", "ssh_url", "html_url",
		                            "git_url",   "url",     NULL };

	ev->ref = xstrdup(string_or_empty(json_object_get(doc, "ref")));
	add_urls(ev, json_object_get(doc, "repository"), keys);
}

static void parse_gitlab(struct server_webhook_event *ev, const json_t *doc)
{
	static const char *const project_keys[] = { "git_http_url", "git_ssh_url", "web_url",
		                                    "http_url",     "ssh_url",     NULL };
	static const char *const repo_keys[] = { "git_http_url", "git_ssh_url", "homepage", "url",
		                                 NULL };

	ev->ref = xstrdup(string_or_empty(json_object_get(doc, "ref")));
	add_urls(ev, json_object_get(doc, "project"), project_keys);
	add_urls(ev, json_object_get(doc, "repository"), repo_keys);
}

/* Bitbucket Data Center (repo:refs_changed) and Bitbucket Cloud (repo:push). */
static void parse_bitbucket(struct server_webhook_event *ev, const json_t *doc)
{
	const json_t *repo = json_object_get(doc, "repository"), *links, *v, *change;
	size_t i;

	links = json_object_get(repo, "links");
	json_array_foreach(json_object_get(links, "clone"), i, v)
		add_url(ev, json_object_get(v, "href"));
	add_url(ev, json_object_get(json_object_get(links, "html"), "href"));
	json_array_foreach(json_object_get(doc, "changes"), i, change) {
		const char *id =
		        json_string_value(json_object_get(json_object_get(change, "ref"), "id"));

		if (id && !ev->ref)
			ev->ref = xstrdup(id);
	}
	json_array_foreach(json_object_get(json_object_get(doc, "push"), "changes"), i, change) {
		const json_t *new = json_object_get(change, "new");
		const char *name = json_string_value(json_object_get(new, "name"));
		const char *type = json_string_value(json_object_get(new, "type"));

		if (name && !ev->ref)
			ev->ref = xasprintf("refs/%s/%s", streq_ptr(type, "tag") ? "tags" : "heads",
			                    name);
	}
	if (!ev->ref)
		ev->ref = xstrdup("");
}

struct provider_rules {
	const char *signature_header;
	const char *signature_prefix; /* NULL: the header holds the secret itself */
	const char *event_header;     /* NULL: every delivery is a push */
	const char *const *push_events;
	const char *const *delivery_headers;
	void (*parse)(struct server_webhook_event *ev, const json_t *doc);
};

static const char *const github_push[] = { "push", NULL };
static const char *const gitlab_push[] = { "Push Hook", "Tag Push Hook", NULL };
static const char *const bitbucket_push[] = { "repo:refs_changed", "repo:push", NULL };
static const char *const github_delivery[] = { "X-GitHub-Delivery", NULL };
static const char *const gitlab_delivery[] = { "X-Gitlab-Event-UUID", "X-Gitlab-Webhook-UUID",
	                                       NULL };
static const char *const gitea_delivery[] = { "X-Gitea-Delivery", "X-Forgejo-Delivery", NULL };
static const char *const bitbucket_delivery[] = { "X-Request-Id", "X-Hook-UUID", NULL };
static const char *const generic_delivery[] = { "X-Driftless-Delivery", NULL };

static const struct provider_rules rules[_SERVER_WEBHOOK_MAX] = {
	[SERVER_WEBHOOK_GITHUB] = { "X-Hub-Signature-256", "sha256=", "X-GitHub-Event", github_push,
	                            github_delivery, parse_github_like },
	[SERVER_WEBHOOK_GITLAB] = { "X-Gitlab-Token", NULL, "X-Gitlab-Event", gitlab_push,
	                            gitlab_delivery, parse_gitlab },
	[SERVER_WEBHOOK_GITEA] = { "X-Gitea-Signature", "", "X-Gitea-Event", github_push,
	                           gitea_delivery, parse_github_like },
	[SERVER_WEBHOOK_BITBUCKET] = { "X-Hub-Signature", "sha256=", "X-Event-Key", bitbucket_push,
	                               bitbucket_delivery, parse_bitbucket },
	[SERVER_WEBHOOK_GENERIC] = { "X-Driftless-Signature", "sha256=", NULL, NULL,
	                             generic_delivery, parse_github_like },
};

int server_webhook_verify(enum server_webhook_provider p, server_webhook_header_fn *header,
                          void *userdata, const void *body, size_t len, const void *secret,
                          size_t secret_len, struct server_webhook_event *ret, struct error *reterr)
{
	const struct provider_rules *rule;
	struct server_webhook_event ev = { 0 };
	const char *signature, *event;
	json_auto_t *doc = NULL;
	json_error_t jerr;
	int r;

	if (p < 0 || p >= _SERVER_WEBHOOK_MAX)
		return error_set(reterr, -EINVAL, "no such webhook provider");
	rule = &rules[p];
	signature = header(rule->signature_header, userdata);
	/* Forgejo signs with its own header name too */
	if (!signature && p == SERVER_WEBHOOK_GITEA)
		signature = header("X-Forgejo-Signature", userdata);
	if (rule->signature_prefix)
		r = check_hmac(rule->signature_header, signature, rule->signature_prefix, body, len,
		               secret, secret_len, reterr);
	else
		r = check_token(rule->signature_header, signature, secret, secret_len, reterr);
	if (r < 0)
		return r;

	for (const char *const *h = rule->delivery_headers; *h && !ev.delivery; h++) {
		const char *id = header(*h, userdata);

		if (id && id[0])
			ev.delivery = xstrdup(id);
	}
	event = rule->event_header ? header(rule->event_header, userdata) : NULL;
	if (!event && p == SERVER_WEBHOOK_GITEA)
		event = header("X-Forgejo-Event", userdata);
	ev.is_push = !rule->event_header ||
	             (event && strv_contains((char *const *)rule->push_events, event));
	if (!ev.is_push) {
		*ret = ev;
		return 0;
	}

	doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(doc)) {
		server_webhook_event_release(&ev);
		return error_set(reterr, -EBADMSG, "the body is not a JSON object: line %d: %s",
		                 jerr.line, doc ? "not an object" : jerr.text);
	}
	rule->parse(&ev, doc);
	if (!ev.ref[0]) {
		server_webhook_event_release(&ev);
		return error_set(reterr, -EBADMSG, "the push names no ref");
	}
	*ret = ev;
	return 0;
}

/* --- which repository --- */

/*
 * A repository URL reduced to "host/path" without user, port, scheme, trailing ".git" or
 * "/", lower case: https://github.com/Org/Repo.git, git@github.com:org/repo and
 * ssh://git@github.com:22/org/repo.git all give "github.com/org/repo".
 */
static char *url_key(const char *url)
{
	const char *s = url, *scheme = strstr(url, "://"), *slash, *at, *colon;
	_cleanup_free_ char *host = NULL;
	char *key;
	size_t n;

	if (scheme) {
		s = scheme + 3;
		slash = strchr(s, '/');
		at = memchr(s, '@', slash ? (size_t)(slash - s) : strlen(s));
		if (at)
			s = at + 1;
		slash = strchr(s, '/');
		n = slash ? (size_t)(slash - s) : strlen(s);
		colon = memchr(s, ':', n);
		host = xstrndup(s, colon ? (size_t)(colon - s) : n);
		s += n;
	} else {
		/* scp-like: [user@]host:path */
		at = strchr(s, '@');
		colon = strchr(s, ':');
		if (at && colon && at < colon)
			s = at + 1;
		colon = strchr(s, ':');
		if (!colon)
			return NULL;
		host = xstrndup(s, (size_t)(colon - s));
		s = colon + 1;
	}
	while (*s == '/')
		s++;
	key = xasprintf("%s/%s", host, s);
	n = strlen(key);
	while (n > 0 && key[n - 1] == '/')
		key[--n] = '\0';
	if (n >= 4 && streq(key + n - 4, ".git"))
		key[n - 4] = '\0';
	for (char *c = key; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return key;
}

bool server_webhook_event_matches(const struct server_webhook_event *ev, const char *url,
                                  const char *ref)
{
	_cleanup_free_ char *want = url_key(url);

	if (!ev->is_push || !want || !streq_ptr(ev->ref, ref))
		return false;
	for (char **u = ev->repo_urls; u && *u; u++) {
		_cleanup_free_ char *got = url_key(*u);

		if (got && streq(got, want))
			return true;
	}
	return false;
}
