/*
 * exec credential plugins (client.authentication.k8s.io v1 and v1beta1), as client-go's
 * plugin/pkg/client/auth/exec runs them: no terminal, KUBERNETES_EXEC_INFO in the
 * environment, an ExecCredential on standard output.
 */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/base64.h"
#include "core/error.h"
#include "core/fileio.h"
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

/* Read the child's output until EOF, the cap or the deadline. */
static int read_output(int fd, uint64_t deadline_usec, struct strbuf *out)
{
	for (;;) {
		uint64_t now = now_usec(CLOCK_MONOTONIC);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char buf[4096];
		ssize_t n;
		int r;

		if (now >= deadline_usec)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)MIN((deadline_usec - now) / USEC_PER_MSEC + 1, 60000ULL));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		if (out->len + (size_t)n > KUBE_CONFIG_MAX_BYTES) {
			explicit_bzero(buf, sizeof(buf));
			return -EFBIG;
		}
		strbuf_add(out, buf, (size_t)n);
		explicit_bzero(buf, (size_t)n);
	}
}

static int spawn_plugin(const struct kube_config *cfg, int out_fd, pid_t *ret_pid,
                        struct error *reterr)
{
	_cleanup_strv_free_ char **argv = NULL;
	_cleanup_(erase_strv) char **env = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int r;

	strv_push(&argv, cfg->exec->command);
	strv_foreach(a, cfg->exec->args)
		strv_push(&argv, a);
	env = exec_env(cfg);

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID);
	if (strchr(cfg->exec->command, '/'))
		r = posix_spawn(ret_pid, cfg->exec->command, &fa, &attr, argv, env);
	else
		r = posix_spawnp(ret_pid, cfg->exec->command, &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r == ENOENT)
		return fail_exec(cfg, reterr, "not found");
	if (r != 0) {
		_cleanup_free_ char *what = xasprintf("could not be started: %s", strerror(r));

		return fail_exec(cfg, reterr, what);
	}
	return 0;
}

/* Wait for the child that closed its output to exit, until the deadline. */
static int wait_exit(pid_t pid, uint64_t deadline_usec, int *ret_status)
{
	for (;;) {
		pid_t r = waitpid(pid, ret_status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (now_usec(CLOCK_MONOTONIC) >= deadline_usec)
			return -ETIMEDOUT;
		(void)usleep(2000);
	}
}

/* Run the plugin; its standard output lands in out. */
static int run_plugin(const struct kube_config *cfg, struct strbuf *out, struct error *reterr)
{
	_cleanup_close_ int rfd = -EBADF, wfd = -EBADF;
	uint64_t deadline = now_usec(CLOCK_MONOTONIC) + KUBE_EXEC_TIMEOUT_USEC;
	int fds[2], status = 0, r;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return error_set(reterr, -errno, "pipe: %s", strerror(errno));
	rfd = fds[0];
	wfd = fds[1];
	r = spawn_plugin(cfg, wfd, &pid, reterr);
	if (r < 0)
		return r;
	wfd = safe_close(wfd);

	r = read_output(rfd, deadline, out);
	if (r >= 0)
		r = wait_exit(pid, deadline, &status);
	if (r < 0) {
		(void)kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (r == -ETIMEDOUT) {
		_cleanup_free_ char *what =
		        xasprintf("did not finish within %llus",
		                  (unsigned long long)(KUBE_EXEC_TIMEOUT_USEC / USEC_PER_SEC));

		return fail_exec(cfg, reterr, what);
	}
	if (r == -EFBIG)
		return fail_exec(cfg, reterr, "printed too much");
	if (r < 0)
		return fail_exec(cfg, reterr, "could not be read from");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && out->len == 0)
		return fail_exec(cfg, reterr, "not found (exit status 127)");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		_cleanup_free_ char *what =
		        WIFEXITED(status) ?
		                xasprintf("failed with exit status %d", WEXITSTATUS(status)) :
		                xasprintf("was killed by signal %d", WTERMSIG(status));

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
