#pragma once
/*
 * server: the webhook, /metrics and /healthz endpoints over libmicrohttpd. Owns
 * libmicrohttpd.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct error;

/* Append {"name", "version", "features": [...]} for libmicrohttpd to the array libs. */
void server_library_versions(json_t *libs);

/*
 * Load libmicrohttpd (it is loaded on first use, see core/dl.h). A command that will need it calls
 * this first, so that a missing or wrong library is an error, not a stop mid-way.
 */
int server_load_library(struct error *reterr);

/*
 * Webhook deliveries, one path per provider (POST /hooks/NAME). Pure: no I/O; the HTTP
 * server passes what a request brought.
 *
 *	github     X-Hub-Signature-256: sha256=HEX (HMAC-SHA256 of the body); X-GitHub-Event
 *	           push; X-GitHub-Delivery
 *	gitlab     X-Gitlab-Token: the secret itself; X-Gitlab-Event "Push Hook" or "Tag Push
 *	           Hook"; X-Gitlab-Event-UUID (or X-Gitlab-Webhook-UUID)
 *	gitea      X-Gitea-Signature (or X-Forgejo-Signature): HEX; X-Gitea-Event (or
 *	           X-Forgejo-Event) push; X-Gitea-Delivery (or X-Forgejo-Delivery)
 *	bitbucket  X-Hub-Signature: sha256=HEX; X-Event-Key repo:refs_changed (Data Center)
 *	           or repo:push (Cloud); X-Request-Id (or X-Hook-UUID)
 *	generic    X-Driftless-Signature: sha256=HEX; every delivery is a push; body
 *	           {"ref": "refs/heads/main", "repository": {"url": "..."}};
 *	           X-Driftless-Delivery
 * Signatures and tokens are compared in constant time.
 */
enum server_webhook_provider {
	SERVER_WEBHOOK_GITHUB,
	SERVER_WEBHOOK_GITLAB,
	SERVER_WEBHOOK_GITEA,
	SERVER_WEBHOOK_BITBUCKET,
	SERVER_WEBHOOK_GENERIC,
	_SERVER_WEBHOOK_MAX,
	_SERVER_WEBHOOK_INVALID = -EINVAL,
};

const char *server_webhook_to_string(enum server_webhook_provider p);
/* "/hooks/github" -> SERVER_WEBHOOK_GITHUB; -EINVAL for any other path. */
int server_webhook_from_path(const char *path);

/* What a delivery says. Release with server_webhook_event_release(). */
struct server_webhook_event {
	bool is_push;     /* a push (of a branch or tag); the rest is set only then */
	char *delivery;   /* the provider's delivery id, or NULL: for ignoring repeats */
	char *ref;        /* "refs/heads/main" */
	char **repo_urls; /* strv: every URL the payload gives for the repository */
};

void server_webhook_event_release(struct server_webhook_event *ev);

/* The value of the request header name (case-insensitive), or NULL. */
typedef const char *server_webhook_header_fn(const char *name, void *userdata);

/*
 * Check that the delivery (len bytes of body, headers through header) comes from the
 * provider p with secret (secret_len bytes), then read it into *ret (a delivery that is not
 * a push has is_push false and nothing else). Errors:
 *	-EACCES   no signature or token, or a wrong one (answer 401)
 *	-EBADMSG  a push whose body is not JSON or names no ref (answer 400)
 */
int server_webhook_verify(enum server_webhook_provider p, server_webhook_header_fn *header,
                          void *userdata, const void *body, size_t len, const void *secret,
                          size_t secret_len, struct server_webhook_event *ret,
                          struct error *reterr);

/*
 * Whether ev is a push of ref ("refs/heads/main") to the repository url. URLs match when
 * they name the same host and path, whatever the scheme, user, port, case, trailing "/"
 * or ".git": https://github.com/Org/Repo.git and git@github.com:org/repo match.
 */
bool server_webhook_event_matches(const struct server_webhook_event *ev, const char *url,
                                  const char *ref);
