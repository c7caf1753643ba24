#pragma once
/*
 * server: the webhook, /metrics and /healthz endpoints over libmicrohttpd. Owns
 * libmicrohttpd.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/*
 * The HTTP server of the daemon: POST /hooks/PROVIDER (above), GET /metrics, /healthz,
 * /readyz and /status, on libmicrohttpd's own thread. A webhook never waits for a sync: a push of
 * the configured repository and ref that was not delivered before calls ops->on_push and
 * is answered 202 at once. Answers: 202 accepted or ignored (not a push, another
 * repository or ref, a repeated delivery id, of the last 256), 400 malformed, 401 bad or
 * no signature, 404 unknown path, 405 wrong method (with Allow), 413 body above
 * max_body_bytes. Without a secret every webhook is refused with 401: an empty key would let
 * anyone sign.
 */

#define SERVER_LISTEN_DEFAULT         "127.0.0.1:8080"
#define SERVER_MAX_BODY_BYTES_DEFAULT (1U << 20)

enum server_webhook_result {
	SERVER_WEBHOOK_ACCEPTED,
	SERVER_WEBHOOK_IGNORED,
	SERVER_WEBHOOK_REPEATED,
	SERVER_WEBHOOK_BAD_REQUEST,
	SERVER_WEBHOOK_UNAUTHORIZED,
	SERVER_WEBHOOK_TOO_BIG,
	_SERVER_WEBHOOK_RESULT_MAX,
	_SERVER_WEBHOOK_RESULT_INVALID = -EINVAL,
};

struct strbuf;

/* Called on the server's thread: they must be thread-safe and quick. */
struct server_ops {
	/* a delivery that should start a sync */
	void (*on_push)(enum server_webhook_provider p, const struct server_webhook_event *ev,
	                void *userdata);
	/* every webhook request's outcome, for metrics */
	void (*on_webhook_result)(enum server_webhook_provider p, enum server_webhook_result result,
	                          void *userdata);
	/* append the Prometheus text exposition of /metrics */
	void (*metrics)(struct strbuf *out, void *userdata);
	/* /readyz: 200 when true, 503 when false (NULL: always ready) */
	bool (*is_ready)(void *userdata);
	/* append the JSON document of GET /status (NULL: 404) */
	void (*status)(struct strbuf *out, void *userdata);
};

struct server_options {
	const char *listen; /* "127.0.0.1:8080", "[::1]:8080", ":8080" (all IPv4 addresses) */
	int fd;             /* a listening socket to use instead (socket activation), or -1 */
	const void *secret; /* the webhook secret (copied, wiped when the server is freed) */
	size_t secret_len;
	size_t max_body_bytes; /* 0: SERVER_MAX_BODY_BYTES_DEFAULT */
	const char *repo_url;  /* the repository whose pushes count */
	const char *ref;       /* and its ref, "refs/heads/main" */
	const struct server_ops *ops;
	void *userdata;
};

struct server;

/* Whether address is a listen address server_new() takes; -EINVAL saying why if not. */
int server_listen_check(const char *address, struct error *reterr);

/*
 * Start serving (libmicrohttpd loaded first). Errors: -EINVAL a bad listen address,
 * -EADDRINUSE and the other errors of bind(), -EIO libmicrohttpd would not start. Stop and
 * free with server_free(); a socket given as fd is not closed.
 */
int server_new(const struct server_options *o, struct server **ret, struct error *reterr);
struct server *server_free(struct server *s);
/* The port the server listens on (for a listen address with port 0). */
uint16_t server_port(const struct server *s);

/*
 * Change what webhooks are checked against, as server_options has them (a config reload):
 * thread-safe, takes effect from the next request. The old secret is wiped.
 */
void server_set_webhook(struct server *s, const void *secret, size_t secret_len,
                        const char *repo_url, const char *ref, size_t max_body_bytes);

/*
 * Metrics, rendered in the Prometheus text exposition format 0.0.4 for GET /metrics. A
 * registry of families (name, help, type, label names; buckets for a histogram), each
 * with one series per distinct tuple of label values, created on first use. Thread-safe:
 * the sync workers update, the server's thread renders. Families render in the order
 * declared, series in the order first seen; help and label values are escaped.
 */
enum server_metric_type {
	SERVER_METRIC_COUNTER,
	SERVER_METRIC_GAUGE,
	SERVER_METRIC_HISTOGRAM,
	_SERVER_METRIC_TYPE_MAX,
	_SERVER_METRIC_TYPE_INVALID = -EINVAL,
};

struct server_metrics;

struct server_metrics *server_metrics_new(void);
struct server_metrics *server_metrics_free(struct server_metrics *m);

/*
 * Declare a family once, before any update of it. labels is NULL-terminated (NULL: no
 * labels); buckets (upper bounds, increasing, without +Inf) only for a histogram.
 */
void server_metrics_declare(struct server_metrics *m, const char *name, const char *help,
                            enum server_metric_type type, const char *const *labels,
                            const double *buckets, size_t n_buckets);

/*
 * Update the series of a declared family with these label values, as many as the family
 * has labels (NULL when it has none). Using an undeclared name or the wrong operation for
 * the type is a programming error (assert).
 */
void server_metrics_add(struct server_metrics *m, const char *name, const char *const *values,
                        double v); /* counter or gauge */
void server_metrics_set(struct server_metrics *m, const char *name, const char *const *values,
                        double v); /* gauge */
void server_metrics_observe(struct server_metrics *m, const char *name, const char *const *values,
                            double v); /* histogram */
/*
 * Set a gauge's series to v after dropping every other series with the same first label
 * value: for info metrics, such as the applied revision of an environment
 * (driftless_applied_revision_info{environment="prod", revision="..."} 1).
 */
void server_metrics_replace(struct server_metrics *m, const char *name, const char *const *values,
                            double v);

/* Append every family to out, in the text format. */
void server_metrics_render(struct server_metrics *m, struct strbuf *out);
