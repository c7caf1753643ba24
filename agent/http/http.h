#pragma once
/*
 * http: the one libcurl wrapper (TLS, timeouts, size caps, retries). Owns libcurl and
 * reports the TLS library (OpenSSL) it runs on. The Kubernetes and AWS clients talk HTTP
 * through it; no libcurl type leaves this module.
 *
 * A struct http_client is one connection cache (one libcurl easy handle): requests made
 * through the same client reuse their TCP/TLS connection (keep-alive) and speak HTTP/2
 * when a TLS server offers it. A client is used by one thread at a time; threads that
 * work in parallel each make their own client.
 *
 *	struct http_client_options opts = { .ca_pem = pem, .ca_pem_len = len, .retries = 3 };
 *	_cleanup_(http_client_freep) struct http_client *c = NULL;
 *	_cleanup_(http_response_release) struct http_response resp = HTTP_RESPONSE_INIT;
 *	struct http_request req = { .method = "GET", .url = url, .bearer_token = token };
 *
 *	r = http_client_new(&opts, &c, reterr);
 *	if (r < 0)
 *		return r;
 *	r = http_client_do(c, &req, &resp, reterr);
 *	if (r < 0)
 *		return r;
 *	if (resp.status != 200)
 *		return error_set(reterr, -EPROTO, "'%s' returned HTTP %ld", url, resp.status);
 *
 * Proxies come from the environment as curl takes them ($https_proxy, $http_proxy,
 * $no_proxy). Redirects are not followed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/macro.h"
#include "core/strbuf.h"

struct error;
struct http_client;

/* Defaults for the members of struct http_client_options left 0. */
#define HTTP_CONNECT_TIMEOUT_USEC_DEFAULT (10ULL * 1000000ULL)
#define HTTP_TIMEOUT_USEC_DEFAULT         (5ULL * 60ULL * 1000000ULL)
#define HTTP_LOW_SPEED_BYTES_DEFAULT      1ULL                 /* bytes per second ... */
#define HTTP_LOW_SPEED_USEC_DEFAULT       (30ULL * 1000000ULL) /* ... for this long */
#define HTTP_MAX_RESPONSE_BYTES_DEFAULT   (64ULL * 1024ULL * 1024ULL)
#define HTTP_RETRY_INITIAL_USEC_DEFAULT   (200ULL * 1000ULL)
#define HTTP_RETRY_MAX_USEC_DEFAULT       (30ULL * 1000000ULL)

/*
 * How a client connects. Caller-owned: http_client_new() copies what it needs, so the
 * options and the memory they point to may go away after it returns. Zero-initialise and
 * set what matters; a member left 0 takes the default named above.
 */
struct http_client_options {
	/*
	 * Trust: the CAs that sign the servers' certificates, from a file or as PEM in
	 * memory (kubeconfig's certificate-authority-data, decoded). Either replaces the
	 * system's CAs; with neither, the system's CAs are used.
	 */
	const char *ca_file;
	const void *ca_pem;
	size_t ca_pem_len;

	/*
	 * A client certificate and its key, as files or as PEM in memory (kubeconfig's
	 * client-certificate-data and client-key-data). key_pem is a secret: the client
	 * keeps no copy of it beyond what libcurl keeps for the handshakes.
	 */
	const char *cert_file;
	const char *key_file;
	const void *cert_pem;
	size_t cert_pem_len;
	const void *key_pem;
	size_t key_pem_len;

	/* Accept any server certificate and name. Only ever set from an explicit setting. */
	bool insecure_skip_tls_verify;

	/* Connecting (TCP and TLS), and the whole request; USEC_INFINITY: no limit. */
	uint64_t connect_timeout_usec;
	uint64_t timeout_usec;
	/* Abort a transfer slower than low_speed_bytes per second for low_speed_usec. */
	uint64_t low_speed_bytes;
	uint64_t low_speed_usec;

	/* A response body larger than this fails the request with -EFBIG. */
	uint64_t max_response_bytes;

	/*
	 * Retries after the first attempt (0: none), waiting with full-jitter exponential
	 * backoff between retry_initial_usec and retry_max_usec (core/time.h).
	 */
	unsigned retries;
	uint64_t retry_initial_usec;
	uint64_t retry_max_usec;

	/* The User-Agent header; NULL: "driftless". */
	const char *user_agent;
};

/*
 * One request. Caller-owned, read during http_client_do() only.
 *
 * headers: NULL-terminated, each "Name: value"; "Name:" removes a header libcurl would
 * add. With a body and no Content-Type header, libcurl sends
 * application/x-www-form-urlencoded: give the real one.
 *
 * bearer_token: sent as "Authorization: Bearer <token>" to the server (never to a proxy).
 * A secret: it never reaches a log or an error text, and the copies this module makes for
 * the request are wiped when it is done; the caller wipes its own. (libcurl's buffer of
 * the request it sent is freed without wiping; that is beyond our reach.)
 *
 * Requests with an idempotent method (GET, HEAD, PUT, DELETE, OPTIONS) are retried;
 * others (POST, PATCH) only with retry_unsafe.
 */
struct http_request {
	const char *method; /* "GET", "POST", ... */
	const char *url;
	const char *const *headers;
	const void *body; /* NULL: none */
	size_t body_len;
	const char *bearer_token;
	bool retry_unsafe;
};

/*
 * The answer to the last attempt of a request. Embedded by value: initialise with
 * HTTP_RESPONSE_INIT, release with http_response_release(); a response may be passed to
 * http_client_do() again, which resets it first.
 */
struct http_response {
	long status;        /* 200, 404, ...; 0 when no answer came */
	struct strbuf body; /* at most max_response_bytes */
	char *content_type; /* NULL when the server sent none */
	char **headers;     /* strv of "Name: value" as received, of the final answer */
	unsigned attempts;  /* 1 + the retries made */
};

#define HTTP_RESPONSE_INIT                                                               \
	{                                                                                \
		.status = 0, .body = STRBUF_INIT, .content_type = NULL, .headers = NULL, \
		.attempts = 0                                                            \
	}

void http_response_release(struct http_response *resp);

/*
 * The value of the response header name (case-insensitive), the first if several, with
 * surrounding whitespace removed; NULL when absent. Borrowed from resp.
 */
const char *http_response_header(const struct http_response *resp, const char *name);

/*
 * Make a client. Returns 0 and the client through ret, or a negative errno (-EINVAL for
 * contradictory options, -ENOENT/-ELIBBAD when libcurl cannot be loaded, -ENOMEM) with
 * reterr saying why. Free with http_client_free().
 */
int http_client_new(const struct http_client_options *opts, struct http_client **ret,
                    struct error *reterr);
/* Close the connections and free the client. Accepts NULL; returns NULL. */
struct http_client *http_client_free(struct http_client *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct http_client *, http_client_free)

/*
 * Send req and fill ret with the answer (ret is reset first and owned by the caller; on
 * failure it holds what the last attempt left, to release as usual).
 *
 * An HTTP status is not an error here: 0 is returned for any status that came back (404,
 * 500, ...), and the caller decides what it means. Transport failures (connection
 * refused, DNS, TLS handshake, timeout) and HTTP 429, 502, 503, 504 are retried when the
 * method allows it (see struct http_request), up to opts->retries times; a Retry-After
 * header sets the wait, capped at retry_max_usec. When the retries run out on such a
 * status, that response is returned with 0.
 *
 * Errors, with reterr naming the method, the URL (any user:password replaced by ***) and
 * libcurl's description:
 *	-ETIMEDOUT     connect or request timeout, or a transfer too slow
 *	-ECONNREFUSED  connection refused
 *	-EHOSTUNREACH  host unreachable or not resolved
 *	-EKEYREJECTED  the server's certificate failed verification
 *	-EFBIG         the body was larger than max_response_bytes (stopped while receiving)
 *	-ECONNRESET    the connection broke: closed or reset while sending or receiving, no
 *	               answer, a TLS handshake or HTTP/2 stream that failed
 *	-EPROTO        any other transport or protocol failure
 */
int http_client_do(struct http_client *c, const struct http_request *req, struct http_response *ret,
                   struct error *reterr);

/*
 * Append {"name", "version", "features": [...]} entries for libcurl (with its TLS
 * backend and protocol features) and OpenSSL to the array libs.
 */
void http_library_versions(json_t *libs);

/*
 * Load libcurl (it is loaded on first use, see core/dl.h). A command that will need it calls
 * this first, so that a missing or wrong library is an error, not a stop mid-way.
 */
int http_load_library(struct error *reterr);
