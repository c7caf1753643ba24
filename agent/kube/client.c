/* The authenticated client: one http_client, credentials added per request. */

#include "kube/kube.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/base64.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/time.h"
#include "doc/doc.h"
#include "http/http.h"
#include "kube/internal.h"

struct kube_client {
	struct kube_config *cfg;
	struct http_client *http;
	char *base_url; /* server without a trailing '/' */

	/* tokenFile: the token last read and the file it was read from */
	char *file_token; /* secret */
	struct stat file_stat;

	/* exec plugin, used only without another credential (see kube.h) */
	bool uses_exec;
	bool has_cred;
	struct kube_exec_credential cred;

	kube_token_fn *token_fn; /* kube_client_set_token_source() */
	void *token_userdata;
	bool token_force; /* the last token was refused */

	struct kube_discovery *discovery; /* discovery.c */
	unsigned list_limit;              /* 0: KUBE_LIST_LIMIT_DEFAULT */
};

static int make_http(struct kube_client *c, struct error *reterr)
{
	const struct kube_config *cfg = c->cfg;
	struct http_client_options opts = {
		.ca_file = cfg->ca_file,
		.ca_pem = cfg->ca_pem,
		.ca_pem_len = cfg->ca_pem_len,
		.cert_file = cfg->cert_file,
		.key_file = cfg->key_file,
		.cert_pem = cfg->cert_pem,
		.cert_pem_len = cfg->cert_pem_len,
		.key_pem = cfg->key_pem,
		.key_pem_len = cfg->key_pem_len,
		.insecure_skip_tls_verify = cfg->insecure_skip_tls_verify,
		.retries = 3,
	};

	if (c->has_cred && c->cred.cert_pem) {
		opts.cert_pem = c->cred.cert_pem;
		opts.cert_pem_len = c->cred.cert_pem_len;
		opts.key_pem = c->cred.key_pem;
		opts.key_pem_len = c->cred.key_pem_len;
	}
	c->http = http_client_free(c->http);
	return http_client_new(&opts, &c->http, reterr);
}

int kube_client_new(const struct kube_config *cfg, struct kube_client **ret, struct error *reterr)
{
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	size_t n;
	int r;

	assert(cfg && ret);
	if (cfg->tls_server_name)
		return error_set(reterr, -EOPNOTSUPP,
		                 "context '%s': tls-server-name is not supported yet",
		                 cfg->context);
	c = xcalloc(1, sizeof(*c));
	c->cfg = kube_config_copy(cfg);
	n = strlen(cfg->server);
	while (n > 0 && cfg->server[n - 1] == '/')
		n--;
	c->base_url = xstrndup(cfg->server, n);
	c->uses_exec = cfg->exec && !cfg->token && !cfg->token_file && !cfg->username &&
	               !cfg->cert_file && !cfg->cert_pem;
	r = make_http(c, reterr);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

struct kube_client *kube_client_free(struct kube_client *c)
{
	if (!c)
		return NULL;
	http_client_free(c->http);
	kube_config_free(c->cfg);
	free(c->base_url);
	erase_and_free(c->file_token);
	kube_exec_credential_release(&c->cred);
	kube_discovery_free(c->discovery);
	free(c);
	return NULL;
}

struct kube_discovery **kube_client_discovery(struct kube_client *c)
{
	assert(c);
	return &c->discovery;
}

void kube_client_set_list_limit(struct kube_client *c, unsigned limit)
{
	assert(c);
	c->list_limit = limit;
}

unsigned kube_client_list_limit(const struct kube_client *c)
{
	assert(c);
	return c->list_limit > 0 ? c->list_limit : KUBE_LIST_LIMIT_DEFAULT;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* The token of tokenFile, read again when the file changed (as client-go's cached source). */
static int file_token(struct kube_client *c, const char **ret, struct error *reterr)
{
	_cleanup_erase_ char *data = NULL;
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	size_t len;
	int r;

	if (stat(c->cfg->token_file, &st) == 0 && c->file_token && same_file(&st, &c->file_stat)) {
		*ret = c->file_token;
		return 0;
	}
	r = read_file_full(c->cfg->token_file, KUBE_CONFIG_MAX_BYTES, &data, &len, reterr);
	if (r < 0 && c->file_token) {
		/* a rotation in progress: keep the token we have, as client-go does */
		error_clear(reterr);
		*ret = c->file_token;
		return 0;
	}
	if (r < 0)
		return r;
	strbuf_grow(&sb, len + 1); /* no realloc() leaves a copy behind */
	strbuf_add(&sb, data, len);
	strbuf_trim(&sb);
	erase_and_free(c->file_token);
	c->file_token = strbuf_detach(&sb, NULL);
	if (stat(c->cfg->token_file, &c->file_stat) < 0)
		memset(&c->file_stat, 0, sizeof(c->file_stat));
	*ret = c->file_token;
	return 0;
}

static int exec_credential(struct kube_client *c, struct error *reterr)
{
	int r;

	if (c->has_cred && (c->cred.expires_usec == USEC_INFINITY ||
	                    now_usec(CLOCK_REALTIME) < c->cred.expires_usec))
		return 0;
	kube_exec_credential_release(&c->cred);
	c->has_cred = false;
	r = kube_exec_run(c->cfg, &c->cred, reterr);
	if (r < 0)
		return r;
	c->has_cred = true;
	if (c->cred.cert_pem)
		return make_http(c, reterr);
	return 0;
}

static bool is_json(const char *content_type)
{
	size_t n;

	if (!content_type)
		return false;
	n = strcspn(content_type, ";");
	while (n > 0 && content_type[n - 1] == ' ')
		n--;
	if (n == strlen("application/json") &&
	    strncasecmp(content_type, "application/json", n) == 0)
		return true;
	return n > 5 && strncasecmp(content_type + n - 5, "+json", 5) == 0;
}

static int status_code(long status)
{
	switch (status) {
	case 401:
	case 403:
		return -EACCES;
	case 404:
		return -ENOENT;
	case 409:
		return -EBUSY;
	case 429:
	case 503:
	case 504:
		return -EAGAIN;
	default:
		return -EPROTO;
	}
}

/* Describe a failed answer, from its Kubernetes Status object when it has one. */
static int status_error(const char *method, const char *path, const struct http_response *resp,
                        json_t **ret_status_obj, struct error *reterr)
{
	int code = status_code(resp->status);
	json_auto_t *doc = NULL;
	const char *kind, *reason, *message;

	if (is_json(resp->content_type))
		doc = json_loadb(resp->body.buf, resp->body.len, 0, NULL);
	kind = json_string_value(json_object_get(doc, "kind"));
	if (kind && streq(kind, "Status")) {
		reason = json_string_value(json_object_get(doc, "reason"));
		message = json_string_value(json_object_get(doc, "message"));
		if (ret_status_obj)
			*ret_status_obj = json_incref(doc);
		return error_set(reterr, code, "%s '%s': HTTP %ld%s%s: %s", method, path,
		                 resp->status, reason ? " " : "", reason ? reason : "",
		                 message ? message : "(no message)");
	}
	return error_set(reterr, code, "%s '%s': HTTP %ld: %.200s", method, path, resp->status,
	                 resp->body.len > 0 && !is_json(resp->content_type) ? resp->body.buf :
	                                                                      "(no Status)");
}

static void release_basic(struct strbuf *sb)
{
	explicit_bzero(sb->buf, sb->len);
	strbuf_release(sb);
}

/* One attempt with the current credentials. */
static int send_once(struct kube_client *c, const char *method, const char *url,
                     const struct strbuf *body, const char *content_type,
                     struct http_response *resp, struct error *reterr)
{
	_cleanup_(release_basic) struct strbuf basic = STRBUF_INIT;
	_cleanup_free_ char *ct = NULL;
	char *source_token = NULL; /* from token_fn: a secret */
	struct http_request req = { .method = method, .url = url };
	const char *headers[4];
	size_t n = 0;
	int r;

	headers[n++] = "Accept: application/json";
	if (body) {
		ct = xstrjoin("Content-Type: ", content_type ? content_type : "application/json",
		              NULL);
		headers[n++] = ct;
		req.body = body->buf;
		req.body_len = body->len;
	}
	if (c->token_fn) {
		r = c->token_fn(c->token_userdata, c->token_force, &source_token, reterr);
		c->token_force = false;
		if (r < 0)
			return r;
		req.bearer_token = source_token;
	} else if (c->cfg->token_file) {
		r = file_token(c, &req.bearer_token, reterr);
		if (r < 0)
			return r;
	} else if (c->cfg->token)
		req.bearer_token = c->cfg->token;
	else if (c->cfg->username) {
		struct strbuf pair = STRBUF_INIT;
		size_t n_pair = strlen(c->cfg->username) + strlen(c->cfg->password) + 2;

		/* sized up front: realloc() would leave copies of the password behind */
		strbuf_grow(&pair, n_pair);
		strbuf_grow(&basic, 32 + n_pair / 3 * 4 + 4);
		strbuf_addf(&pair, "%s:%s", c->cfg->username, c->cfg->password);
		strbuf_addstr(&basic, "Authorization: Basic ");
		base64_encode(pair.buf, pair.len, &basic);
		release_basic(&pair);
		headers[n++] = basic.buf;
	} else if (c->uses_exec) {
		r = exec_credential(c, reterr);
		if (r < 0)
			return r;
		req.bearer_token = c->cred.token;
	}
	headers[n] = NULL;
	req.headers = headers;
	r = http_client_do(c->http, &req, resp, reterr);
	erase_and_free(source_token);
	return r;
}

void kube_client_set_token_source(struct kube_client *c, kube_token_fn *fn, void *userdata)
{
	c->token_fn = fn;
	c->token_userdata = userdata;
}

int kube_client_request(struct kube_client *c, const char *method, const char *path,
                        const json_t *body, const char *content_type, long *ret_status,
                        json_t **ret_json, struct error *reterr)
{
	return kube_client_request_status(c, method, path, body, content_type, ret_status, ret_json,
	                                  NULL, reterr);
}

int kube_client_request_status(struct kube_client *c, const char *method, const char *path,
                               const json_t *body, const char *content_type, long *ret_status,
                               json_t **ret_json, json_t **ret_status_obj, struct error *reterr)
{
	_cleanup_(http_response_release) struct http_response resp = HTTP_RESPONSE_INIT;
	_cleanup_(strbuf_release) struct strbuf text = STRBUF_INIT;
	_cleanup_free_ char *url = NULL;
	json_t *doc = NULL;
	int r;

	assert(c && method && path && path[0] == '/');
	url = xstrjoin(c->base_url, path, NULL);
	if (body)
		doc_json_dump(body, JSON_COMPACT, &text);

	r = send_once(c, method, url, body ? &text : NULL, content_type, &resp, reterr);
	if (r >= 0 && resp.status == 401 && c->token_fn) {
		/* refused: a new token, once */
		c->token_force = true;
		r = send_once(c, method, url, body ? &text : NULL, content_type, &resp, reterr);
	} else if (r >= 0 && resp.status == 401 && c->uses_exec) {
		/* the plugin's credential was refused: ask it once more, as client-go does */
		kube_exec_credential_release(&c->cred);
		c->has_cred = false;
		r = send_once(c, method, url, body ? &text : NULL, content_type, &resp, reterr);
	}
	if (r < 0)
		return r;
	if (ret_status)
		*ret_status = resp.status;
	if (resp.status >= 400)
		return status_error(method, path, &resp, ret_status_obj, reterr);
	if (ret_json && is_json(resp.content_type) && resp.body.len > 0) {
		json_error_t jerr;

		doc = json_loadb(resp.body.buf, resp.body.len, 0, &jerr);
		if (!doc)
			return error_set(reterr, -EPROTO, "%s '%s': invalid JSON in the answer: %s",
			                 method, path, jerr.text);
	}
	if (ret_json)
		*ret_json = doc;
	return 0;
}
