/*
 * AWS Signature Version 4 (aws.h): the canonical request, the string to sign, the signing
 * key, and the two ways of carrying the signature (an Authorization header, or the query of
 * a presigned URL). Follows the public specification ("Create a signed AWS API request")
 * and is checked against AWS's published test suite.
 */

#include "aws/aws.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/crypto.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/strv.h"
#include "core/time.h"

#define ALGORITHM "AWS4-HMAC-SHA256"

/* Headers the SDKs never sign: proxies and libraries add or change them. */
static const char *const unsigned_headers[] = { "authorization", "user-agent", "expect",
	                                        "x-amzn-trace-id", "connection" };

void aws_credentials_release(struct aws_credentials *c)
{
	if (!c)
		return;
	free(c->access_key_id);
	if (c->secret_access_key) {
		explicit_bzero(c->secret_access_key, strlen(c->secret_access_key));
		free(c->secret_access_key);
	}
	if (c->session_token) {
		explicit_bzero(c->session_token, strlen(c->session_token));
		free(c->session_token);
	}
	*c = (struct aws_credentials){ 0 };
}

/* --- encoding --- */

static bool is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '~';
}

/* Append s (len bytes) percent-encoded: every byte but the unreserved ones (and '/' when
 * keep_slash), as %XX with upper-case hex. */
static void uri_encode(struct strbuf *out, const char *s, size_t len, bool keep_slash)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_unreserved(c) || (keep_slash && c == '/'))
			strbuf_addch(out, (char)c);
		else
			strbuf_addf(out, "%%%02X", c);
	}
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* s (len bytes) with %XX decoded; a '%' not followed by two hex digits stays. */
static char *uri_decode(const char *s, size_t len)
{
	struct strbuf out = STRBUF_INIT;

	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < len && (hi = hex_value(s[i + 1])) >= 0 &&
		    (lo = hex_value(s[i + 2])) >= 0) {
			strbuf_addch(&out, (char)(hi << 4 | lo));
			i += 2;
		} else {
			strbuf_addch(&out, s[i]);
		}
	}
	return strbuf_detach(&out, NULL);
}

static void hex(const uint8_t *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[2 * len] = '\0';
}

/* --- the parts of a URL --- */

struct url_parts {
	char *scheme;
	char *authority; /* host[:port], a default port dropped */
	char *path;      /* as given, "/" when empty */
	char *query;     /* after '?', or "" */
};

static void url_parts_release(struct url_parts *u)
{
	free(u->scheme);
	free(u->authority);
	free(u->path);
	free(u->query);
}

static int url_split(const char *url, struct url_parts *ret, struct error *reterr)
{
	const char *p = strstr(url, "://"), *host, *path_start, *q;
	size_t host_len;

	*ret = (struct url_parts){ 0 };
	if (!p)
		return error_set(reterr, -EINVAL, "'%s' is not an http(s) URL", url);
	ret->scheme = xstrndup(url, (size_t)(p - url));
	if (!streq(ret->scheme, "https") && !streq(ret->scheme, "http")) {
		url_parts_release(ret);
		return error_set(reterr, -EINVAL, "'%s' is not an http(s) URL", url);
	}
	host = p + 3;
	host_len = strcspn(host, "/?");
	if (host_len == 0 || memchr(host, '@', host_len)) {
		url_parts_release(ret);
		return error_set(reterr, -EINVAL, "'%s': expected a host and no user", url);
	}
	ret->authority = xstrndup(host, host_len);
	{
		const char *default_port = streq(ret->scheme, "https") ? ":443" : ":80";

		if (endswith(ret->authority, default_port))
			ret->authority[strlen(ret->authority) - strlen(default_port)] = '\0';
	}
	path_start = host + host_len;
	q = strchr(path_start, '?');
	ret->path = q ? xstrndup(path_start, (size_t)(q - path_start)) : xstrdup(path_start);
	if (!ret->path[0]) {
		free(ret->path);
		ret->path = xstrdup("/");
	}
	ret->query = xstrdup(q ? q + 1 : "");
	return 0;
}

/* --- canonical forms --- */

/* RFC 3986 section 5.2.4, and empty segments dropped: "//a/./b/../c/" -> "/a/c/". */
static char *normalize_path(const char *path)
{
	_cleanup_strv_free_ char **segments = NULL;
	struct strbuf out = STRBUF_INIT;
	bool trailing = false;
	size_t n = 0;

	segments = xcalloc(strlen(path) + 1, sizeof(char *));
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, "/");

		trailing = false;
		if (len == 0 || (len == 1 && p[0] == '.')) {
			trailing = true;
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (n > 0)
				free(segments[--n]);
			segments[n] = NULL;
			trailing = true;
		} else {
			segments[n++] = xstrndup(p, len);
		}
		p += len;
		if (*p == '/') {
			p++;
			trailing = true;
		}
	}
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&out, "/%s", segments[i]);
	if (n == 0 || trailing)
		strbuf_addch(&out, '/');
	return strbuf_detach(&out, NULL);
}

struct param {
	char *key; /* encoded */
	char *value;
};

static int param_compare(const void *a, const void *b)
{
	const struct param *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->value, y->value);
}

/* The query's parameters decoded, encoded again the SigV4 way, sorted, joined. */
static char *canonical_query(const char *query)
{
	struct param *params = NULL;
	struct strbuf out = STRBUF_INIT;
	size_t n = 0;

	for (const char *p = query; *p;) {
		size_t len = strcspn(p, "&");

		if (len > 0) {
			const char *eq = memchr(p, '=', len);
			size_t klen = eq ? (size_t)(eq - p) : len;
			_cleanup_free_ char *k = uri_decode(p, klen);
			_cleanup_free_ char *v =
			        eq ? uri_decode(eq + 1, len - klen - 1) : xstrdup("");
			struct strbuf ek = STRBUF_INIT, ev = STRBUF_INIT;

			uri_encode(&ek, k, strlen(k), false);
			uri_encode(&ev, v, strlen(v), false);
			params = xreallocarray(params, n + 1, sizeof(*params));
			params[n++] = (struct param){ strbuf_detach(&ek, NULL),
				                      strbuf_detach(&ev, NULL) };
		}
		p += len;
		if (*p == '&')
			p++;
	}
	if (n > 1)
		qsort(params, n, sizeof(*params), param_compare);
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(&out, "%s%s=%s", i ? "&" : "", params[i].key, params[i].value);
		free(params[i].key);
		free(params[i].value);
	}
	free(params);
	return strbuf_detach(&out, NULL);
}

struct header {
	char *name; /* lower case */
	struct strbuf value;
};

static int header_compare(const void *a, const void *b)
{
	return strcmp(((const struct header *)a)->name, ((const struct header *)b)->name);
}

/* value trimmed, runs of white space (folded lines too) made one space, appended. */
static void add_trimmed(struct strbuf *out, const char *value)
{
	bool space = false;

	while (*value == ' ' || *value == '\t' || *value == '\r' || *value == '\n')
		value++;
	for (; *value; value++) {
		if (*value == ' ' || *value == '\t' || *value == '\r' || *value == '\n') {
			space = true;
			continue;
		}
		if (space)
			strbuf_addch(out, ' ');
		space = false;
		strbuf_addch(out, *value);
	}
}

struct headers {
	struct header *items;
	size_t n;
};

static void headers_release(struct headers *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->items[i].name);
		strbuf_release(&h->items[i].value);
	}
	free(h->items);
}

/* Add name: value; a name seen before gets ",value" appended, in the order given. */
static void headers_add(struct headers *h, const char *name, size_t name_len, const char *value)
{
	char *lower = xstrndup(name, name_len);
	struct header *it = NULL;

	for (char *c = lower; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	for (size_t i = 0; i < h->n; i++)
		if (streq(h->items[i].name, lower)) {
			it = &h->items[i];
			break;
		}
	if (it) {
		free(lower);
		strbuf_addch(&it->value, ',');
	} else {
		h->items = xreallocarray(h->items, h->n + 1, sizeof(*h->items));
		it = &h->items[h->n++];
		it->name = lower;
		strbuf_init(&it->value, 0);
	}
	add_trimmed(&it->value, value);
}

static bool is_signed_header(const char *lower)
{
	for (size_t i = 0; i < ELEMENTSOF(unsigned_headers); i++)
		if (streq(lower, unsigned_headers[i]))
			return false;
	return true;
}

static int headers_collect(const struct aws_sigv4_request *r, const struct url_parts *u,
                           struct headers *ret, struct error *reterr)
{
	bool has_host = false;

	*ret = (struct headers){ 0 };
	for (const char *const *h = r->headers; h && *h; h++) {
		const char *colon = strchr(*h, ':');

		if (!colon || colon == *h) {
			headers_release(ret);
			return error_set(reterr, -EINVAL, "header '%s': expected NAME: VALUE", *h);
		}
		has_host = has_host || ((size_t)(colon - *h) == 4 && !strncasecmp(*h, "host", 4));
		{
			_cleanup_free_ char *name = xstrndup(*h, (size_t)(colon - *h));
			char *lower = name;

			for (char *c = lower; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					*c = (char)(*c - 'A' + 'a');
			if (!is_signed_header(lower))
				continue;
		}
		headers_add(ret, *h, (size_t)(colon - *h), colon + 1);
	}
	if (!has_host)
		headers_add(ret, "host", 4, u->authority);
	return 0;
}

/* --- signing --- */

struct signing {
	char amz_date[17]; /* 20150830T123600Z */
	char date[9];      /* 20150830 */
	char *scope;       /* 20150830/us-east-1/service/aws4_request */
	char payload_hash[2 * CRYPTO_SHA256_DIGEST_SIZE + 1];
};

static int signing_init(const struct aws_sigv4_request *r, struct signing *s, struct error *reterr)
{
	uint64_t now = r->now_usec ? r->now_usec : now_usec(CLOCK_REALTIME);
	time_t t = (time_t)(now / USEC_PER_SEC);
	uint8_t digest[CRYPTO_SHA256_DIGEST_SIZE];
	struct tm tm;
	int k;

	*s = (struct signing){ 0 };
	if (!r->region || !r->region[0] || !r->service || !r->service[0])
		return error_set(reterr, -EINVAL, "SigV4: a region and a service are needed");
	if (!gmtime_r(&t, &tm) ||
	    !strftime(s->amz_date, sizeof(s->amz_date), "%Y%m%dT%H%M%SZ", &tm))
		return error_set(reterr, -EINVAL, "SigV4: the time cannot be shown");
	memcpy(s->date, s->amz_date, 8);
	s->date[8] = '\0';
	k = crypto_sha256(r->body ? r->body : "", r->body ? r->body_len : 0, digest, reterr);
	if (k < 0)
		return k;
	hex(digest, sizeof(digest), s->payload_hash);
	s->scope = xasprintf("%s/%s/%s/aws4_request", s->date, r->region, r->service);
	return 0;
}

/* HMAC chain: "AWS4" + secret -> date -> region -> service -> "aws4_request" -> signature. */
static int signature(const struct aws_sigv4_request *r, const struct aws_credentials *c,
                     const struct signing *s, const char *string_to_sign, char ret[65],
                     struct error *reterr)
{
	const char *parts[] = { s->date, r->region, r->service, "aws4_request", string_to_sign };
	uint8_t key[CRYPTO_SHA256_DIGEST_SIZE];
	_cleanup_free_ char *first = xasprintf("AWS4%s", c->secret_access_key);
	const void *k = first;
	size_t klen = strlen(first);
	int e = 0;

	for (size_t i = 0; i < ELEMENTSOF(parts) && e >= 0; i++) {
		e = crypto_hmac_sha256(k, klen, parts[i], strlen(parts[i]), key, reterr);
		k = key;
		klen = sizeof(key);
	}
	explicit_bzero(first, strlen(first));
	if (e >= 0)
		hex(key, sizeof(key), ret);
	explicit_bzero(key, sizeof(key));
	return e;
}

/*
 * The canonical request of method, u's path, query (already with any X-Amz-* of a presign)
 * and headers h, and the string to sign; *ret_signed_headers "host;x-amz-date".
 */
static int string_to_sign(const struct aws_sigv4_request *r, const struct url_parts *u,
                          const char *query, struct headers *h, const struct signing *s, char **ret,
                          char **ret_signed_headers, struct error *reterr)
{
	_cleanup_(strbuf_release) struct strbuf creq = STRBUF_INIT, names = STRBUF_INIT;
	_cleanup_free_ char *path = r->normalize_path ? normalize_path(u->path) : xstrdup(u->path);
	_cleanup_free_ char *cquery = canonical_query(query);
	uint8_t digest[CRYPTO_SHA256_DIGEST_SIZE];
	char digest_hex[2 * CRYPTO_SHA256_DIGEST_SIZE + 1];
	int k;

	qsort(h->items, h->n, sizeof(*h->items), header_compare);
	strbuf_addf(&creq, "%s\n", r->method);
	uri_encode(&creq, path, strlen(path), true);
	strbuf_addf(&creq, "\n%s\n", cquery);
	for (size_t i = 0; i < h->n; i++) {
		strbuf_addf(&creq, "%s:%s\n", h->items[i].name,
		            h->items[i].value.buf ? h->items[i].value.buf : "");
		strbuf_addf(&names, "%s%s", i ? ";" : "", h->items[i].name);
	}
	strbuf_addf(&creq, "\n%s\n%s", names.buf, s->payload_hash);
	k = crypto_sha256(creq.buf, creq.len, digest, reterr);
	if (k < 0)
		return k;
	hex(digest, sizeof(digest), digest_hex);
	*ret = xasprintf("%s\n%s\n%s\n%s", ALGORITHM, s->amz_date, s->scope, digest_hex);
	*ret_signed_headers = strbuf_detach(&names, NULL);
	return 0;
}

static int check_credentials(const struct aws_credentials *c, struct error *reterr)
{
	if (!c || !c->access_key_id || !c->access_key_id[0] || !c->secret_access_key ||
	    !c->secret_access_key[0])
		return error_set(reterr, -EINVAL, "SigV4: no credentials to sign with");
	return 0;
}

int aws_sigv4_sign(const struct aws_sigv4_request *r, const struct aws_credentials *c,
                   char ***ret_headers, struct error *reterr)
{
	struct url_parts u;
	struct headers h = { 0 };
	struct signing s = { 0 };
	_cleanup_free_ char *sts = NULL, *signed_headers = NULL;
	char sig[65];
	char **out = NULL;
	bool with_token;
	int k;

	k = check_credentials(c, reterr);
	if (k < 0)
		return k;
	k = url_split(r->url, &u, reterr);
	if (k < 0)
		return k;
	with_token = c->session_token && c->session_token[0];
	k = signing_init(r, &s, reterr);
	if (k >= 0)
		k = headers_collect(r, &u, &h, reterr);
	if (k >= 0) {
		headers_add(&h, "x-amz-date", 10, s.amz_date);
		if (r->sign_content_sha256)
			headers_add(&h, "x-amz-content-sha256", 20, s.payload_hash);
		if (with_token && !r->omit_session_token)
			headers_add(&h, "x-amz-security-token", 20, c->session_token);
		k = string_to_sign(r, &u, u.query, &h, &s, &sts, &signed_headers, reterr);
	}
	if (k >= 0)
		k = signature(r, c, &s, sts, sig, reterr);
	if (k >= 0) {
		strv_consume(&out, xasprintf("X-Amz-Date: %s", s.amz_date));
		if (r->sign_content_sha256)
			strv_consume(&out, xasprintf("X-Amz-Content-Sha256: %s", s.payload_hash));
		if (with_token)
			strv_consume(&out, xasprintf("X-Amz-Security-Token: %s", c->session_token));
		strv_consume(&out,
		             xasprintf("Authorization: %s Credential=%s/%s, SignedHeaders=%s, "
		                       "Signature=%s",
		                       ALGORITHM, c->access_key_id, s.scope, signed_headers, sig));
		*ret_headers = out;
	}
	headers_release(&h);
	url_parts_release(&u);
	free(s.scope);
	return k;
}

int aws_sigv4_presign(const struct aws_sigv4_request *r, const struct aws_credentials *c,
                      unsigned expires_seconds, char **ret_url, struct error *reterr)
{
	struct url_parts u;
	struct headers h = { 0 };
	struct signing s = { 0 };
	_cleanup_(strbuf_release) struct strbuf query = STRBUF_INIT, cred = STRBUF_INIT;
	_cleanup_(strbuf_release) struct strbuf names = STRBUF_INIT;
	_cleanup_free_ char *sts = NULL, *signed_headers = NULL;
	bool with_token;
	char sig[65];
	int k;

	k = check_credentials(c, reterr);
	if (k < 0)
		return k;
	if (expires_seconds < 1 || expires_seconds > 604800)
		return error_set(reterr, -EINVAL,
		                 "SigV4: a presigned URL expires within 1 s to 7 days");
	k = url_split(r->url, &u, reterr);
	if (k < 0)
		return k;
	with_token = c->session_token && c->session_token[0] && !r->omit_session_token;
	k = signing_init(r, &s, reterr);
	if (k >= 0)
		k = headers_collect(r, &u, &h, reterr);
	if (k >= 0) {
		qsort(h.items, h.n, sizeof(*h.items), header_compare);
		for (size_t i = 0; i < h.n; i++)
			strbuf_addf(&names, "%s%s", i ? ";" : "", h.items[i].name);
		strbuf_addf(&cred, "%s/%s", c->access_key_id, s.scope);
		strbuf_addstr(&query, u.query);
		strbuf_addf(&query, "%sX-Amz-Algorithm=%s&X-Amz-Credential=", u.query[0] ? "&" : "",
		            ALGORITHM);
		uri_encode(&query, cred.buf, cred.len, false);
		strbuf_addf(&query, "&X-Amz-Date=%s&X-Amz-Expires=%u", s.amz_date, expires_seconds);
		if (with_token) {
			strbuf_addstr(&query, "&X-Amz-Security-Token=");
			uri_encode(&query, c->session_token, strlen(c->session_token), false);
		}
		strbuf_addstr(&query, "&X-Amz-SignedHeaders=");
		uri_encode(&query, names.buf, names.len, false);
		k = string_to_sign(r, &u, query.buf, &h, &s, &sts, &signed_headers, reterr);
	}
	if (k >= 0)
		k = signature(r, c, &s, sts, sig, reterr);
	if (k >= 0) {
		_cleanup_free_ char *cq = canonical_query(query.buf);

		*ret_url = xasprintf("%s://%s%s?%s&X-Amz-Signature=%s", u.scheme, u.authority,
		                     u.path, cq, sig);
	}
	headers_release(&h);
	url_parts_release(&u);
	free(s.scope);
	return k;
}
