/*
 * The network half of a fetch, run in a child process (source_helper_main()): connect,
 * list the remote's refs, and download only when the tracked ref moved.
 *
 * Why a child: libgit2 1.5 has no timeouts, so a server that stops answering would hang
 * the caller for ever. The parent (fetch.c) waits with a deadline and kills the child;
 * what a killed child leaves behind (a temporary pack, a ref lock) is cleaned up by the
 * parent before the next attempt. Secrets are read from their files here, in the child,
 * and wiped after use: they never travel in the request, an argument list or a log line.
 *
 * Request (stdin, JSON): repo, url, kind ("branch" | "tag" | "commit"), ref, have (the oid
 * refs/driftless/remote points at, or ""), the auth fields of struct source_config (file
 * names, never their content), and home, the HOME to run with (fetch.c, ssh_home_new()).
 * Reply (stdout, JSON): {"tip", "object", "transferred", "objects", "bytes"} or
 * {"error", "kind"} where kind is "auth", "hostkey", "tls", "notfound", "network" or
 * "other"; only "network" is worth a retry.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/url.h"
#include "source/internal.h"
#include "source/source.h"

#define REQUEST_MAX_BYTES (64u << 10)
#define SECRET_MAX_BYTES  (64u << 10)

struct helper_request {
	const char *repo, *url, *kind, *ref, *have;
	const char *username, *token_file, *password_file;
	const char *ssh_key_file, *ssh_passphrase_file, *known_hosts_file, *ca_file;
};

struct remote_ctx {
	const struct helper_request *req;
	char host[256];
	unsigned port;
	bool is_ssh, is_http;
	unsigned key_attempts, userpass_attempts;
	const char *failure_kind; /* set by a callback that refused */
	struct error failure;
	git_indexer_progress progress;
};

/* Host and port of url, for known_hosts and no_proxy. */
static void parse_url_host(struct remote_ctx *ctx, const char *url)
{
	const char *p = url, *end;
	size_t n;

	ctx->port = 0;
	if (strncmp(url, "ssh://", 6) == 0 || strncmp(url, "git+ssh://", 10) == 0 ||
	    strncmp(url, "ssh+git://", 10) == 0) {
		ctx->is_ssh = true;
		ctx->port = 22;
		p = strstr(url, "://") + 3;
	} else if (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0) {
		ctx->is_http = true;
		ctx->port = url[4] == 's' ? 443 : 80;
		p = strstr(url, "://") + 3;
	} else if (!strstr(url, "://") && strchr(url, ':') && url[0] != '/' &&
	           (!strchr(url, '/') || strchr(url, ':') < strchr(url, '/'))) {
		/* scp-like: [user@]host:path */
		ctx->is_ssh = true;
		ctx->port = 22;
		end = strchr(url, ':');
		p = memchr(url, '@', (size_t)(end - url)) ? strchr(url, '@') + 1 : url;
		n = (size_t)(end - p);
		snprintf(ctx->host, sizeof(ctx->host), "%.*s", (int)n, p);
		return;
	} else {
		return; /* file:// or a local path */
	}
	end = p + strcspn(p, "/?#");
	if (memchr(p, '@', (size_t)(end - p)))
		p = (const char *)memrchr(p, '@', (size_t)(end - p)) + 1;
	if (*p == '[') { /* [v6]:port */
		const char *close = memchr(p, ']', (size_t)(end - p));

		if (close) {
			snprintf(ctx->host, sizeof(ctx->host), "%.*s", (int)(close - p - 1), p + 1);
			if (close[1] == ':')
				ctx->port = (unsigned)strtoul(close + 2, NULL, 10);
			return;
		}
	}
	n = strcspn(p, ":/?#");
	snprintf(ctx->host, sizeof(ctx->host), "%.*s", (int)n, p);
	if (p[n] == ':')
		ctx->port = (unsigned)strtoul(p + n + 1, NULL, 10);
}

/* Read a secret (token, password, passphrase): one line, trailing newline dropped. */
static int read_secret(const char *path, const char *what, char **ret, struct error *reterr)
{
	char *data = NULL;
	size_t len;
	int r;

	r = read_file_full(path, SECRET_MAX_BYTES, &data, &len, reterr);
	if (r < 0)
		return error_prefix(reterr, r, "Failed to read the %s file", what);
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		data[--len] = '\0';
	if (len == 0) {
		erase_and_free(data);
		return error_set(reterr, -EINVAL, "The %s file %s is empty", what, path);
	}
	*ret = data;
	return 0;
}

static int refuse(struct remote_ctx *ctx, const char *kind, int git_code)
{
	ctx->failure_kind = kind;
	git_error_set_str(GIT_ERROR_CALLBACK, ctx->failure.message);
	return git_code;
}

static int cb_credentials(git_credential **out, const char *url, const char *username_from_url,
                          unsigned int allowed, void *payload)
{
	struct remote_ctx *ctx = payload;
	const struct helper_request *req = ctx->req;
	_cleanup_free_ char *redacted = url_redact(url);
	const char *user;
	int r, g;

	if (allowed & GIT_CREDENTIAL_SSH_KEY) {
		_cleanup_erase_ char *passphrase = NULL;
		_cleanup_free_ char *pub = NULL;

		user = username_from_url ? username_from_url :
		       req->username     ? req->username :
		                           "git";
		if (!req->ssh_key_file) {
			(void)error_set(
			        &ctx->failure, -EACCES,
			        "%s asks for an SSH key and source.auth.ssh_key_file is not set",
			        redacted);
			return refuse(ctx, "auth", GIT_EAUTH);
		}
		if (++ctx->key_attempts > 1) {
			(void)error_set(
			        &ctx->failure, -EACCES,
			        "Authentication failed for %s: the server refused the key %s for "
			        "user '%s'",
			        redacted, req->ssh_key_file, user);
			return refuse(ctx, "auth", GIT_EAUTH);
		}
		if (req->ssh_passphrase_file) {
			r = read_secret(req->ssh_passphrase_file, "SSH key passphrase", &passphrase,
			                &ctx->failure);
			if (r < 0)
				return refuse(ctx, "auth", GIT_EAUTH);
		}
		pub = xstrjoin(req->ssh_key_file, ".pub", NULL);
		g = git_credential_ssh_key_new(out, user, access(pub, R_OK) == 0 ? pub : NULL,
		                               req->ssh_key_file, passphrase);
		return g;
	}
	if (allowed & GIT_CREDENTIAL_USERNAME) {
		user = username_from_url ? username_from_url :
		       req->username     ? req->username :
		                           "git";
		return git_credential_username_new(out, user);
	}
	if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
		_cleanup_erase_ char *secret = NULL;
		const char *file = req->token_file ? req->token_file : req->password_file;

		if (!file) {
			(void)error_set(
			        &ctx->failure, -EACCES,
			        "%s asks for credentials and neither source.auth.token_file nor "
			        "source.auth.password_file is set",
			        redacted);
			return refuse(ctx, "auth", GIT_EAUTH);
		}
		user = req->username                           ? req->username :
		       username_from_url && *username_from_url ? username_from_url :
		                                                 "x-access-token";
		if (++ctx->userpass_attempts > 1) {
			(void)error_set(
			        &ctx->failure, -EACCES,
			        "Authentication failed for %s as user '%s' with the %s in %s",
			        redacted, user, req->token_file ? "token" : "password", file);
			return refuse(ctx, "auth", GIT_EAUTH);
		}
		r = read_secret(file, req->token_file ? "token" : "password", &secret,
		                &ctx->failure);
		if (r < 0)
			return refuse(ctx, "auth", GIT_EAUTH);
		return git_credential_userpass_plaintext_new(out, user, secret);
	}
	(void)error_set(&ctx->failure, -EACCES,
	                "%s asks for a kind of credentials driftless does not offer", redacted);
	return refuse(ctx, "auth", GIT_EAUTH);
}

static int cb_certificate(git_cert *cert, int valid, const char *host, void *payload)
{
	struct remote_ctx *ctx = payload;

	if (cert->cert_type == GIT_CERT_HOSTKEY_LIBSSH2) {
		const git_cert_hostkey *hk = (const git_cert_hostkey *)cert;
		char fingerprint[SOURCE_FINGERPRINT_MAX];

		if (!(hk->type & GIT_CERT_SSH_RAW)) {
			(void)error_set(&ctx->failure, -EKEYREJECTED,
			                "%s presented a host key libgit2 cannot show; refusing",
			                host);
			return refuse(ctx, "hostkey", GIT_ECERTIFICATE);
		}
		if (!ctx->req->known_hosts_file) {
			source_ssh_fingerprint(hk->hostkey, hk->hostkey_len, fingerprint);
			(void)error_set(
			        &ctx->failure, -EKEYREJECTED,
			        "Host %s presented the key %s and source.auth.known_hosts_file is "
			        "not set: refusing to trust an unknown host key",
			        host, fingerprint);
			return refuse(ctx, "hostkey", GIT_ECERTIFICATE);
		}
		if (source_known_hosts_check(ctx->req->known_hosts_file,
		                             ctx->host[0] ? ctx->host : host,
		                             ctx->port ? ctx->port : 22, hk->hostkey,
		                             hk->hostkey_len, &ctx->failure) < 0)
			return refuse(ctx, "hostkey", GIT_ECERTIFICATE);
		return 0;
	}
	if (valid)
		return 0;
	(void)error_set(&ctx->failure, -EKEYREJECTED,
	                "The TLS certificate of %s is not trusted%s%s", host,
	                ctx->req->ca_file ? " by the CA bundle " : " by the system's CAs",
	                ctx->req->ca_file ? ctx->req->ca_file : "");
	return refuse(ctx, "tls", GIT_ECERTIFICATE);
}

static int cb_progress(const git_indexer_progress *stats, void *payload)
{
	struct remote_ctx *ctx = payload;

	ctx->progress = *stats;
	return 0;
}

/* A request field: a string, or NULL when absent or null. */
static const char *field(json_t *req, const char *name)
{
	return json_string_value(json_object_get(req, name));
}

static json_t *reply_error(struct remote_ctx *ctx, int g, const char *what)
{
	struct error e = ERROR_INIT;
	const git_error *last;
	const char *kind = "other";

	if (ctx->failure_kind)
		return json_pack("{s:s, s:s}", "error", ctx->failure.message, "kind",
		                 ctx->failure_kind);
	last = git_error_last();
	if (g == GIT_EAUTH)
		kind = "auth";
	else if (g == GIT_ECERTIFICATE)
		kind = "tls";
	else if (last && (last->klass == GIT_ERROR_NET || last->klass == GIT_ERROR_OS ||
	                  last->klass == GIT_ERROR_SSH || last->klass == GIT_ERROR_SSL ||
	                  last->klass == GIT_ERROR_HTTP))
		kind = "network";
	if (last && last->message &&
	    (strstr(last->message, "status code: 404") ||
	     strstr(last->message, "epository not found") ||
	     strstr(last->message, "does not appear to be a git")))
		kind = "notfound";
	/* what no retry will cure: credentials the server or the key file refuse */
	if (last && last->message &&
	    (strstr(last->message, "status code: 401") ||
	     strstr(last->message, "status code: 403") ||
	     strstr(last->message, "Failed to authenticate SSH session")))
		kind = "auth";
	(void)source_git_error(g, &e, "%s", what);
	return json_pack("{s:s, s:s}", "error", e.message, "kind", kind);
}

static json_t *run(struct remote_ctx *ctx, git_repository *repo)
{
	const struct helper_request *req = ctx->req;
	git_remote_callbacks callbacks;
	git_fetch_options fetch;
	git_proxy_options proxy;
	_cleanup_free_ char *redacted = url_redact(req->url);
	_cleanup_free_ char *proxy_url = NULL, *wanted = NULL, *peeled_name = NULL;
	char tip_hex[SOURCE_OID_HEX_MAX], obj_hex[SOURCE_OID_HEX_MAX];
	const git_remote_head **heads = NULL;
	git_oid tip, object, have;
	bool found = false, has_peeled = false, is_commit = streq(req->kind, "commit");
	_cleanup_(git_remote_freep) git_remote *remote = NULL;
	_cleanup_(git_reference_freep) git_reference *ref = NULL;
	size_t n = 0;
	int g;

	(void)git_remote_init_callbacks(&callbacks, GIT_REMOTE_CALLBACKS_VERSION);
	(void)git_fetch_options_init(&fetch, GIT_FETCH_OPTIONS_VERSION);
	(void)git_proxy_options_init(&proxy, GIT_PROXY_OPTIONS_VERSION);
	callbacks.credentials = cb_credentials;
	callbacks.certificate_check = cb_certificate;
	callbacks.transfer_progress = cb_progress;
	callbacks.payload = ctx;

	parse_url_host(ctx, req->url);
	if (ctx->is_http) {
		proxy_url = source_proxy_for(req->url, ctx->host);
		if (proxy_url) {
			proxy.type = GIT_PROXY_SPECIFIED;
			proxy.url = proxy_url;
			proxy.certificate_check = cb_certificate;
			proxy.credentials = cb_credentials;
			proxy.payload = ctx;
		} else {
			proxy.type = GIT_PROXY_NONE;
		}
	}

	if (is_commit) {
		g = git_oid_fromstr(&object, req->ref);
		if (g < 0)
			return json_pack("{s:s, s:s}", "error", "source.commit is not a commit id",
			                 "kind", "other");
		if (source_object_exists(repo, &object)) {
			source_oid_hex(&object, tip_hex);
			return json_pack("{s:s, s:s, s:b, s:i, s:i}", "tip", tip_hex, "object",
			                 tip_hex, "transferred", 0, "objects", 0, "bytes", 0);
		}
	}

	g = git_remote_create_anonymous(&remote, repo, req->url);
	if (g < 0)
		return reply_error(ctx, g, "Invalid source URL");
	g = git_remote_connect(remote, GIT_DIRECTION_FETCH, &callbacks, &proxy, NULL);
	if (g < 0) {
		_cleanup_free_ char *what = xasprintf("Failed to connect to %s", redacted);

		return reply_error(ctx, g, what);
	}
	g = git_remote_ls(&heads, &n, remote);
	if (g < 0)
		return reply_error(ctx, g, "Failed to list the remote's refs");

	if (!is_commit) {
		wanted = xstrjoin(streq(req->kind, "tag") ? "refs/tags/" : "refs/heads/", req->ref,
		                  NULL);
		peeled_name = xstrjoin(wanted, "^{}", NULL);
		for (size_t i = 0; i < n; i++) {
			if (streq(heads[i]->name, wanted)) {
				git_oid_cpy(&object, &heads[i]->oid);
				found = true;
			} else if (streq(heads[i]->name, peeled_name)) {
				git_oid_cpy(&tip, &heads[i]->oid);
				has_peeled = true;
			}
		}
		if (!found) {
			_cleanup_free_ char *msg =
			        xasprintf("%s has no %s '%s'", redacted, req->kind, req->ref);

			return json_pack("{s:s, s:s}", "error", msg, "kind", "notfound");
		}
		if (!has_peeled)
			git_oid_cpy(&tip, &object);
		/* nothing new: one connection, no objects */
		if (req->have && req->have[0] && git_oid_fromstr(&have, req->have) == 0 &&
		    git_oid_equal(&have, &object) && source_object_exists(repo, &object)) {
			source_oid_hex(&tip, tip_hex);
			source_oid_hex(&object, obj_hex);
			return json_pack("{s:s, s:s, s:b, s:i, s:i}", "tip", tip_hex, "object",
			                 obj_hex, "transferred", 0, "objects", 0, "bytes", 0);
		}
	}

	{
		char *specs_one[1], *specs_all[2];
		git_strarray refspecs;
		_cleanup_free_ char *spec = NULL;

		if (is_commit) {
			specs_all[0] = (char *)"+refs/heads/*:refs/driftless/heads/*";
			specs_all[1] = (char *)"+refs/tags/*:refs/driftless/tags/*";
			refspecs.strings = specs_all;
			refspecs.count = 2;
		} else {
			spec = xstrjoin("+", wanted, ":refs/driftless/remote", NULL);
			specs_one[0] = spec;
			refspecs.strings = specs_one;
			refspecs.count = 1;
		}
		fetch.callbacks = callbacks;
		fetch.proxy_opts = proxy;
		fetch.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
		fetch.update_fetchhead = 0;
		fetch.prune = GIT_FETCH_NO_PRUNE;
		g = git_remote_download(remote, &refspecs, &fetch);
		if (g < 0) {
			_cleanup_free_ char *what = xasprintf("Failed to fetch from %s", redacted);

			return reply_error(ctx, g, what);
		}
	}
	if (is_commit) {
		if (!source_object_exists(repo, &object)) {
			_cleanup_free_ char *msg =
			        xasprintf("Commit %s is not reachable from any branch or tag of %s",
			                  req->ref, redacted);

			return json_pack("{s:s, s:s}", "error", msg, "kind", "notfound");
		}
		git_oid_cpy(&tip, &object);
	}
	g = git_reference_create(&ref, repo, "refs/driftless/remote", &object, 1,
	                         "driftless: fetch");
	if (g < 0)
		return reply_error(ctx, g, "Failed to record the fetched revision");
	source_oid_hex(&tip, tip_hex);
	source_oid_hex(&object, obj_hex);
	return json_pack("{s:s, s:s, s:b, s:I, s:I}", "tip", tip_hex, "object", obj_hex,
	                 "transferred", 1, "objects", (json_int_t)ctx->progress.received_objects,
	                 "bytes", (json_int_t)ctx->progress.received_bytes);
}

/* Set libgit2 up for the request, fetch, and keep the packs few: the reply. */
static json_t *serve(struct remote_ctx *ctx)
{
	const struct helper_request *req = ctx->req;
	_cleanup_(git_repository_freep) git_repository *repo = NULL;
	struct error e = ERROR_INIT;
	json_t *reply;
	int g;

	if (source_git_init(&e) < 0)
		return json_pack("{s:s, s:s}", "error", e.message, "kind", "other");
	if (req->ca_file) {
		g = git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, req->ca_file, NULL);
		if (g < 0) {
			(void)source_git_error(g, &e, "Failed to load the CA bundle %s",
			                       req->ca_file);
			return json_pack("{s:s, s:s}", "error", e.message, "kind", "tls");
		}
	}
	source_packs_remove_stale(req->repo);
	g = git_repository_open_bare(&repo, req->repo);
	if (g < 0) {
		(void)source_git_error(g, &e, "Failed to open %s", req->repo);
		return json_pack("{s:s, s:s}", "error", e.message, "kind", "other");
	}
	reply = run(ctx, repo);
	if (json_is_true(json_object_get(reply, "transferred")) &&
	    source_packs_consolidate(repo, req->repo, &e) < 0)
		log_warning("%s", e.message); /* a fetch that worked still did */
	return reply;
}

int source_helper_main(void)
{
	struct helper_request req = { 0 };
	struct remote_ctx ctx = { .req = &req };
	struct strbuf in = STRBUF_INIT;
	json_error_t jerr;
	json_t *request, *reply;
	char buf[4096];
	ssize_t k;

	while ((k = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return 2;
		}
		strbuf_add(&in, buf, (size_t)k);
		if (in.len > REQUEST_MAX_BYTES)
			return 2;
	}
	request = json_loadb(in.buf, in.len, 0, &jerr);
	strbuf_release(&in);
	if (!request)
		return 2;
	req.repo = field(request, "repo");
	req.url = field(request, "url");
	req.kind = field(request, "kind");
	req.ref = field(request, "ref");
	req.have = field(request, "have");
	req.username = field(request, "username");
	req.token_file = field(request, "token_file");
	req.password_file = field(request, "password_file");
	req.ssh_key_file = field(request, "ssh_key_file");
	req.ssh_passphrase_file = field(request, "ssh_passphrase_file");
	req.known_hosts_file = field(request, "known_hosts_file");
	req.ca_file = field(request, "ca_file");
	if (!req.repo || !req.url || !req.kind || !req.ref) {
		json_decref(request);
		return 2;
	}

	source_nodelay_enable();
	/* the parent made it: libgit2 reads $HOME/.ssh/known_hosts (fetch.c, ssh_home_new()) */
	if (field(request, "home"))
		(void)setenv("HOME", field(request, "home"), 1);
	reply = serve(&ctx);
	if (!reply)
		reply = json_pack("{s:s, s:s}", "error", "internal error", "kind", "other");
	if (json_is_string(json_object_get(reply, "error"))) {
		/* whatever libgit2 quoted of the URL: no credential leaves this process */
		_cleanup_free_ char *text =
		        xstrdup(json_string_value(json_object_get(reply, "error")));

		source_url_scrub(text, req.url);
		json_object_set_new(reply, "error", json_string(text));
	}
	(void)json_dumpf(reply, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(reply);
	json_decref(request);
	return fflush(stdout) == 0 ? 0 : 2;
}
