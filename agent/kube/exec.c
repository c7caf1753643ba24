/*
 * exec credential plugins (client.authentication.k8s.io v1 and v1beta1), as client-go's
 * plugin/pkg/client/auth/exec runs them: no terminal, KUBERNETES_EXEC_INFO in the
 * environment, an ExecCredential on standard output.
 */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/base64.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/process.h"
#include "core/strbuf.h"
#include "core/strv.h"
#include "core/time.h"
#include "doc/doc.h"
#include "kube/internal.h"

extern char **environ;

static const char *const api_versions[_KUBE_EXEC_API_MAX] = {
	[KUBE_EXEC_V1BETA1] = "client.authentication.k8s.io/v1beta1",
	[KUBE_EXEC_V1] = "client.authentication.k8s.io/v1",
};

void kube_exec_credential_release(struct kube_exec_credential *cred)
{
	cred->token = erase_and_free(cred->token);
	cred->cert_pem = freezero(cred->cert_pem, cred->cert_pem_len);
	cred->key_pem = freezero(cred->key_pem, cred->key_pem_len);
	cred->cert_pem_len = cred->key_pem_len = 0;
	cred->expires_usec = 0;
}

static void wipe_strbuf(struct strbuf *sb)
{
	explicit_bzero(sb->buf, sb->len);
	strbuf_release(sb);
}

static void erase_strv(char ***l)
{
	strv_foreach(s, *l)
		explicit_bzero(s, strlen(s));
	strv_free(*l);
}

static char *exec_info(const struct kube_config *cfg)
{
	const struct kube_exec_config *x = cfg->exec;
	json_auto_t *req = json_object(), *spec = json_object();
	struct strbuf out = STRBUF_INIT;

	json_object_set_new(req, "kind", json_string("ExecCredential"));
	json_object_set_new(req, "apiVersion", json_string(api_versions[x->api]));
	json_object_set_new(spec, "interactive", json_false());
	if (x->provide_cluster_info) {
		json_t *cluster = json_object();

		json_object_set_new(cluster, "server", json_string(cfg->server));
		if (cfg->tls_server_name)
			json_object_set_new(cluster, "tls-server-name",
			                    json_string(cfg->tls_server_name));
		if (cfg->insecure_skip_tls_verify)
			json_object_set_new(cluster, "insecure-skip-tls-verify", json_true());
		if (cfg->ca_pem) {
			struct strbuf b64 = STRBUF_INIT;

			base64_encode(cfg->ca_pem, cfg->ca_pem_len, &b64);
			json_object_set_new(cluster, "certificate-authority-data",
			                    json_string(b64.buf));
			strbuf_release(&b64);
		}
		json_object_set_new(spec, "cluster", cluster);
	}
	json_object_set(req, "spec", spec);
	doc_json_dump(req, JSON_COMPACT, &out);
	return strbuf_detach(&out, NULL);
}

/* environ, then the plugin's env (replacing variables of the same name), then the request. */
static char **exec_env(const struct kube_config *cfg)
{
	_cleanup_free_ char *info = exec_info(cfg);
	char **env = NULL;

	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		size_t n = eq ? (size_t)(eq - *e) + 1 : strlen(*e);
		bool replaced = false;

		if (strncmp(*e, "KUBERNETES_EXEC_INFO=", sizeof("KUBERNETES_EXEC_INFO=") - 1) == 0)
			continue;
		strv_foreach(p, cfg->exec->env)
			if (strncmp(p, *e, n) == 0)
				replaced = true;
		if (!replaced)
			strv_push(&env, *e);
	}
	strv_foreach(p, cfg->exec->env)
		strv_push(&env, p);
	strv_consume(&env, xstrjoin("KUBERNETES_EXEC_INFO=", info, NULL));
	return env;
}

static int fail_exec(const struct kube_config *cfg, struct error *reterr, const char *what)
{
	const char *hint = cfg->exec->install_hint;

	return error_set(reterr, -EACCES, "exec credential plugin '%s' %s%s%s", cfg->exec->command,
	                 what, hint ? "\n" : "", hint ? hint : "");
}

/* Run the plugin; its standard output lands in out. */
static int run_plugin(const struct kube_config *cfg, struct strbuf *out, struct error *reterr)
{
	_cleanup_strv_free_ char **argv = NULL;
	_cleanup_(erase_strv) char **env = NULL;
	struct error e = ERROR_INIT;
	int r;

	strv_push(&argv, cfg->exec->command);
	strv_foreach(a, cfg->exec->args)
		strv_push(&argv, a);
	env = exec_env(cfg);
	{
		const struct process_options o = {
			.argv = (const char *const *)argv,
			.envp = env,
			.timeout_usec = KUBE_EXEC_TIMEOUT_USEC,
			.max_output_bytes = KUBE_CONFIG_MAX_BYTES,
		};

		r = process_run(&o, out, &e);
	}
	if (r < 0)
		return fail_exec(cfg, reterr, e.message);
	if (r != 0) {
		_cleanup_free_ char *what = xasprintf("failed with exit status %d", r);

		return fail_exec(cfg, reterr, what);
	}
	return 0;
}

/* jansson frees strings without wiping them: do it in place before the node goes. */
static void wipe_json_string(json_t *v)
{
	if (json_is_string(v))
		explicit_bzero((char *)json_string_value(v), json_string_length(v));
}

static int parse_credential(const struct kube_config *cfg, const struct strbuf *out,
                            struct kube_exec_credential *ret, struct error *reterr)
{
	const char *api = api_versions[cfg->exec->api];
	json_auto_t *doc = NULL;
	json_t *status, *token, *cert, *key, *exp;
	json_error_t jerr;
	int r = 0;

	doc = json_loadb(out->buf, out->len, 0, &jerr);
	if (!doc)
		return fail_exec(cfg, reterr, "printed no valid JSON");
	status = json_object_get(doc, "status");
	token = json_object_get(status, "token");
	cert = json_object_get(status, "clientCertificateData");
	key = json_object_get(status, "clientKeyData");
	exp = json_object_get(status, "expirationTimestamp");

	if (!json_is_string(json_object_get(doc, "kind")) ||
	    !streq(json_string_value(json_object_get(doc, "kind")), "ExecCredential"))
		r = fail_exec(cfg, reterr, "printed no ExecCredential");
	else if (!json_is_string(json_object_get(doc, "apiVersion")) ||
	         !streq(json_string_value(json_object_get(doc, "apiVersion")), api)) {
		_cleanup_free_ char *what =
		        xasprintf("answered with another apiVersion than %s", api);

		r = fail_exec(cfg, reterr, what);
	} else if (!json_is_object(status))
		r = fail_exec(cfg, reterr, "printed an ExecCredential without status");
	else if ((cert && !json_is_string(cert)) || (key && !json_is_string(key)) ||
	         (token && !json_is_string(token)) || !!cert != !!key)
		r = fail_exec(cfg, reterr,
		              "printed an invalid status (clientCertificateData and clientKeyData "
		              "go together)");
	else if (!token && !cert)
		r = fail_exec(cfg, reterr, "printed neither a token nor a client certificate");
	else if (exp && !json_is_null(exp) &&
	         (!json_is_string(exp) ||
	          parse_timestamp(json_string_value(exp), &ret->expires_usec) < 0))
		r = fail_exec(cfg, reterr, "printed an invalid status.expirationTimestamp");
	if (r >= 0) {
		if (!exp || json_is_null(exp))
			ret->expires_usec = USEC_INFINITY;
		if (token)
			ret->token = xstrdup(json_string_value(token));
		if (cert) {
			ret->cert_pem = xmemdup(json_string_value(cert), json_string_length(cert));
			ret->cert_pem_len = json_string_length(cert);
			ret->key_pem = xmemdup(json_string_value(key), json_string_length(key));
			ret->key_pem_len = json_string_length(key);
		}
	}
	wipe_json_string(token);
	wipe_json_string(key);
	return r;
}

int kube_exec_run(const struct kube_config *cfg, struct kube_exec_credential *ret,
                  struct error *reterr)
{
	_cleanup_(wipe_strbuf) struct strbuf out = STRBUF_INIT;
	int r;

	assert(cfg->exec);
	strbuf_grow(&out, 64 * 1024); /* room enough that the secret is rarely moved */
	r = run_plugin(cfg, &out, reterr);
	if (r < 0)
		return r;
	r = parse_credential(cfg, &out, ret, reterr);
	if (r < 0)
		kube_exec_credential_release(ret);
	return r;
}
