/*
 * kube_client against a libmicrohttpd server in this process (plain HTTP, and HTTPS that
 * requires a client certificate), with kubeconfigs and exec plugins (shell scripts) written
 * by the test. The server scaffolding is tests/unit/mhd-test.h.
 */

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../mhd-test.h"
#include "core/alloc.h"
#include "core/base64.h"
#include "core/dl.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "kube/kube.h"

static char tmp_dir[64];
static char *ca_pem, *server_cert_pem, *server_key_pem, *client_cert_pem, *client_key_pem;
static size_t ca_pem_len, client_cert_pem_len, client_key_pem_len;

struct server {
	struct MHD_Daemon *daemon;
	int port;
	bool is_tls;
	/* when set, any other Authorization gets a 401 Status */
	const char *accept_auth;

	pthread_mutex_t lock;
	unsigned n_requests;
	char authorization[512];
	char content_type[128];
	struct strbuf body;
};

static const char status_404[] =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
        "\"message\":\"configmaps \\\"x\\\" not found\",\"reason\":\"NotFound\","
        "\"details\":{\"name\":\"x\",\"kind\":\"configmaps\"},\"code\":404}";
static const char status_401[] =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
        "\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}";

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *body,
                             const char *content_type)
{
	const char *headers[] = { "Content-Type", content_type, NULL };

	return mhd_test_reply(conn, status, body, strlen(body), content_type ? headers : NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct server *s = cls;
	struct mhd_test_upload *u = NULL;
	bool authorized;

	(void)version;
	(void)method;
	if (mhd_test_collect(con_cls, upload_data, upload_data_size, &u))
		return MHD_YES;

	pthread_mutex_lock(&s->lock);
	s->n_requests++;
	mhd_test_copy_header(conn, "Authorization", s->authorization, sizeof(s->authorization));
	mhd_test_copy_header(conn, "Content-Type", s->content_type, sizeof(s->content_type));
	strbuf_reset(&s->body);
	strbuf_addbuf(&s->body, &u->body);
	authorized = !s->accept_auth || streq(s->authorization, s->accept_auth);
	pthread_mutex_unlock(&s->lock);

	if (s->is_tls && !mhd_test_has_valid_client_cert(conn))
		return reply(conn, 403, "no client certificate", "text/plain");
	if (!authorized)
		return reply(conn, 401, status_401, "application/json");
	if (streq(url, "/version"))
		return reply(conn, 200, "{\"major\":\"1\",\"minor\":\"31\"}", "application/json");
	if (streq(url, "/echo"))
		return reply(conn, 201, u->body.buf, "application/json; charset=utf-8");
	if (streq(url, "/api/v1/namespaces/default/configmaps/x"))
		return reply(conn, 404, status_404, "application/json");
	return reply(conn, 500, "boom", "text/plain");
}

static int listen_any_or_fail(int *ret_port)
{
	int fd = mhd_test_listen_any(ret_port);

	assert_true(fd >= 0);
	return fd;
}

static void server_start(struct server *s)
{
	int fd = listen_any_or_fail(&s->port);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;

	pthread_mutex_init(&s->lock, NULL);
	strbuf_init(&s->body, 0);
	if (s->is_tls)
		s->daemon = MHD_start_daemon(
		        flags | MHD_USE_TLS, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET,
		        fd, MHD_OPTION_NOTIFY_COMPLETED, mhd_test_completed, s,
		        MHD_OPTION_HTTPS_MEM_KEY, server_key_pem, MHD_OPTION_HTTPS_MEM_CERT,
		        server_cert_pem, MHD_OPTION_HTTPS_MEM_TRUST, ca_pem, MHD_OPTION_END);
	else
		s->daemon = MHD_start_daemon(
		        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, fd,
		        MHD_OPTION_NOTIFY_COMPLETED, mhd_test_completed, s, MHD_OPTION_END);
	assert_non_null(s->daemon);
}

static void server_stop(struct server *s)
{
	MHD_stop_daemon(s->daemon);
	strbuf_release(&s->body);
	pthread_mutex_destroy(&s->lock);
}

static char *path_in(const char *name)
{
	return xasprintf("%s/%s", tmp_dir, name);
}

static char *write_in(const char *name, const char *text, mode_t mode)
{
	char *path = path_in(name);
	struct error err = ERROR_INIT;

	if (write_file_atomic(path, text, strlen(text), mode, &err) < 0)
		fail_msg("%s", error_message(&err));
	return path;
}

static char *slurp(const char *name, size_t *ret_len)
{
	_cleanup_free_ char *path = path_in(name);
	struct error err = ERROR_INIT;
	char *data = NULL;
	size_t len = 0;

	if (read_file_full(path, 1 << 20, &data, &len, &err) < 0)
		fail_msg("%s", error_message(&err));
	if (ret_len)
		*ret_len = len;
	return data;
}

static unsigned read_count(const char *name)
{
	_cleanup_free_ char *path = path_in(name), *data = NULL;
	size_t len;

	if (read_file_full(path, 100, &data, &len, NULL) < 0)
		return 0;
	return (unsigned)strtoul(data, NULL, 10);
}

/* A kubeconfig in tmp_dir with one context "t" for the server s and the user text given. */
static char *write_kubeconfig(const char *name, const struct server *s, const char *cluster_extra,
                              const char *user)
{
	_cleanup_free_ char *text = xasprintf("apiVersion: v1\nkind: Config\n"
	                                      "current-context: t\n"
	                                      "clusters:\n- name: c\n  cluster:\n"
	                                      "    server: %s://127.0.0.1:%d\n%s"
	                                      "users:\n- name: u\n  user:\n%s"
	                                      "contexts:\n- name: t\n  context:\n"
	                                      "    cluster: c\n    user: u\n",
	                                      s->is_tls ? "https" : "http", s->port,
	                                      cluster_extra ? cluster_extra : "", user);

	return write_in(name, text, 0600);
}

static struct kube_client *client_for(const char *kubeconfig)
{
	_cleanup_(kube_config_freep) struct kube_config *cfg = NULL;
	struct kube_client *c = NULL;
	struct error err = ERROR_INIT;

	if (kube_config_load(kubeconfig, NULL, &cfg, &err) < 0)
		fail_msg("kube_config_load: %s", error_message(&err));
	if (kube_client_new(cfg, &c, &err) < 0)
		fail_msg("kube_client_new: %s", error_message(&err));
	return c;
}

static void get_ok(struct kube_client *c, const char *path)
{
	json_auto_t *json = NULL;
	struct error err = ERROR_INIT;
	long status = 0;

	if (kube_client_request(c, "GET", path, NULL, NULL, &status, &json, &err) < 0)
		fail_msg("GET %s: %s", path, error_message(&err));
	assert_int_equal(status, 200);
	assert_non_null(json);
}

static void test_kube_client_request__token_json_and_status(void **state)
{
	struct server s = { .accept_auth = "Bearer s3cr3t" };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	_cleanup_free_ char *kc = NULL;
	json_auto_t *json = NULL, *body = NULL, *echo = NULL;
	struct error err = ERROR_INIT;
	long status = 0;

	(void)state;
	server_start(&s);
	kc = write_kubeconfig("token.yaml", &s, NULL, "    token: s3cr3t\n");
	c = client_for(kc);

	assert_int_equal(
	        kube_client_request(c, "GET", "/version", NULL, NULL, &status, &json, &err), 0);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(json, "minor")), "31");
	assert_string_equal(s.authorization, "Bearer s3cr3t");

	/* a body goes as JSON with its content type */
	body = json_pack("{s:s}", "kind", "ConfigMap");
	assert_int_equal(kube_client_request(c, "PATCH", "/echo", body,
	                                     "application/merge-patch+json", &status, &echo, &err),
	                 0);
	assert_int_equal(status, 201);
	assert_string_equal(s.content_type, "application/merge-patch+json");
	assert_string_equal(json_string_value(json_object_get(echo, "kind")), "ConfigMap");

	/* a Status object describes the failure */
	assert_int_equal(kube_client_request(c, "GET", "/api/v1/namespaces/default/configmaps/x",
	                                     NULL, NULL, &status, NULL, &err),
	                 -ENOENT);
	assert_int_equal(status, 404);
	assert_string_equal(err.message, "GET '/api/v1/namespaces/default/configmaps/x': HTTP 404 "
	                                 "NotFound: configmaps \"x\" not found");
	error_clear(&err);
	assert_int_equal(kube_client_request(c, "GET", "/other", NULL, NULL, &status, NULL, &err),
	                 -EPROTO);
	assert_int_equal(status, 500);
	assert_non_null(strstr(err.message, "HTTP 500: boom"));
	assert_null(strstr(err.message, "s3cr3t"));

	server_stop(&s);
}

static void test_kube_client_request__token_file_reread(void **state)
{
	struct server s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	_cleanup_free_ char *kc = NULL, *tok = NULL;

	(void)state;
	server_start(&s);
	tok = write_in("token-file", "first-token\n", 0600);
	/* relative to the kubeconfig's directory */
	kc = write_kubeconfig("tokenfile.yaml", &s, NULL,
	                      "    token: ignored-when-tokenFile-is-set\n"
	                      "    tokenFile: token-file\n");
	c = client_for(kc);

	get_ok(c, "/version");
	assert_string_equal(s.authorization, "Bearer first-token");
	get_ok(c, "/version");
	assert_string_equal(s.authorization, "Bearer first-token");
	free(write_in("token-file", "second-token-longer\n", 0600));
	get_ok(c, "/version");
	assert_string_equal(s.authorization, "Bearer second-token-longer");

	server_stop(&s);
}

static void test_kube_client_request__basic_auth(void **state)
{
	struct server s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	_cleanup_free_ char *kc = NULL;

	(void)state;
	server_start(&s);
	kc = write_kubeconfig("basic.yaml", &s, NULL,
	                      "    username: admin\n    password: hunter2\n");
	c = client_for(kc);
	get_ok(c, "/version");
	/* base64("admin:hunter2") */
	assert_string_equal(s.authorization, "Basic YWRtaW46aHVudGVyMg==");

	server_stop(&s);
}

static char *b64(const char *data, size_t len)
{
	struct strbuf sb = STRBUF_INIT;

	base64_encode(data, len, &sb);
	return strbuf_detach(&sb, NULL);
}

static void test_kube_client_request__client_certificate(void **state)
{
	struct server s = { .is_tls = true };
	_cleanup_(kube_client_freep) struct kube_client *c1 = NULL, *c2 = NULL, *c3 = NULL;
	_cleanup_free_ char *ca = b64(ca_pem, ca_pem_len), *cert = NULL, *key = NULL;
	_cleanup_free_ char *cluster = NULL, *user = NULL, *kc1 = NULL, *kc2 = NULL, *kc3 = NULL;
	struct error err = ERROR_INIT;
	long status = 0;

	(void)state;
	server_start(&s);
	cert = b64(client_cert_pem, client_cert_pem_len);
	key = b64(client_key_pem, client_key_pem_len);

	/* data fields */
	cluster = xasprintf("    certificate-authority-data: %s\n", ca);
	user = xasprintf("    client-certificate-data: %s\n    client-key-data: %s\n", cert, key);
	kc1 = write_kubeconfig("certs-data.yaml", &s, cluster, user);
	c1 = client_for(kc1);
	get_ok(c1, "/version");
	assert_string_equal(s.authorization, "");

	/* file fields, relative to the kubeconfig */
	kc2 = write_kubeconfig("certs-files.yaml", &s, "    certificate-authority: ca.pem\n",
	                       "    client-certificate: client.pem\n    client-key: client.key\n");
	c2 = client_for(kc2);
	get_ok(c2, "/version");

	/* the server really checks: without a certificate, 403 */
	kc3 = write_kubeconfig("certs-none.yaml", &s, cluster, "    token: t\n");
	c3 = client_for(kc3);
	assert_int_equal(
	        kube_client_request(c3, "GET", "/version", NULL, NULL, &status, NULL, &err),
	        -EACCES);
	assert_int_equal(status, 403);

	server_stop(&s);
}

/*
 * A plugin that counts its runs in <tmp>/<name>.count, saves KUBERNETES_EXEC_INFO, and
 * prints the token "tok-<run>-<first argument>-$SUFFIX" with the expiry in <name>.exp.
 */
static char *write_plugin(const char *name)
{
	_cleanup_free_ char *text =
	        xasprintf("#!/bin/sh\n"
	                  "d='%s'; n=$(cat \"$d/%s.count\" 2>/dev/null || echo 0); n=$((n+1))\n"
	                  "echo $n >\"$d/%s.count\"\n"
	                  "printf '%%s' \"$KUBERNETES_EXEC_INFO\" >\"$d/%s.info\"\n"
	                  "[ -t 0 ] && echo tty >\"$d/%s.tty\"\n"
	                  "exp=$(cat \"$d/%s.exp\" 2>/dev/null)\n"
	                  "printf '{\"apiVersion\":\"%%s\",\"kind\":\"ExecCredential\",\"status\":"
	                  "{\"token\":\"tok-%%s-%%s-%%s\"%%s}}' \"$API\" \"$n\" \"$1\" \"$SUFFIX\" "
	                  "\"${exp:+,\\\"expirationTimestamp\\\":\\\"$exp\\\"}\"\n",
	                  tmp_dir, name, name, name, name, name);
	_cleanup_free_ char *file = xasprintf("%s.sh", name);

	return write_in(file, text, 0755);
}

static char *exec_user(const char *api, const char *command, bool cluster_info)
{
	return xasprintf("    exec:\n"
	                 "      apiVersion: client.authentication.k8s.io/%s\n"
	                 "      command: %s\n"
	                 "      args: [arg]\n"
	                 "      env:\n"
	                 "      - name: API\n        value: client.authentication.k8s.io/%s\n"
	                 "      - name: SUFFIX\n        value: env\n"
	                 "      interactiveMode: Never\n"
	                 "      provideClusterInfo: %s\n"
	                 "      installHint: 'Install the plugin: apt install example-auth'\n",
	                 api, command, api, cluster_info ? "true" : "false");
}

static void test_kube_client_request__exec_v1_cached(void **state)
{
	struct server s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	_cleanup_free_ char *plugin = write_plugin("v1"), *user = NULL, *kc = NULL, *info = NULL;
	_cleanup_free_ char *expected = NULL, *tty = NULL;

	(void)state;
	server_start(&s);
	/* a relative command with a '/' is relative to the kubeconfig */
	user = exec_user("v1", "./v1.sh", true);
	kc = write_kubeconfig("exec-v1.yaml", &s, NULL, user);
	c = client_for(kc);

	free(write_in("v1.exp", "2999-01-01T00:00:00.5+01:00", 0600));
	get_ok(c, "/version");
	assert_string_equal(s.authorization, "Bearer tok-1-arg-env");
	get_ok(c, "/version");
	get_ok(c, "/version");
	assert_string_equal(s.authorization, "Bearer tok-1-arg-env");
	assert_int_equal(read_count("v1.count"), 1);

	info = slurp("v1.info", NULL);
	expected = xasprintf("{\"kind\":\"ExecCredential\","
	                     "\"apiVersion\":\"client.authentication.k8s.io/v1\","
	                     "\"spec\":{\"interactive\":false,"
	                     "\"cluster\":{\"server\":\"http://127.0.0.1:%d\"}}}",
	                     s.port);
	assert_string_equal(info, expected);
	tty = path_in("v1.tty");
	assert_int_equal(access(tty, F_OK), -1);

	server_stop(&s);
}

static void test_kube_client_request__exec_v1beta1_expired(void **state)
{
	struct server s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	_cleanup_free_ char *plugin = write_plugin("beta"), *user = NULL, *kc = NULL, *info = NULL;
	_cleanup_free_ char *command = path_in("beta.sh");

	(void)state;
	server_start(&s);
	user = exec_user("v1beta1", command, false);
	kc = write_kubeconfig("exec-beta.yaml", &s, NULL, user);
	c = client_for(kc);

	free(write_in("beta.exp", "2000-01-01T00:00:00Z", 0600));
	get_ok(c, "/version");
	assert_string_equal(s.authorization, "Bearer tok-1-arg-env");
	get_ok(c, "/version");
	assert_string_equal(s.authorization, "Bearer tok-2-arg-env");
	assert_int_equal(read_count("beta.count"), 2);

	info = slurp("beta.info", NULL);
	assert_string_equal(info, "{\"kind\":\"ExecCredential\","
	                          "\"apiVersion\":\"client.authentication.k8s.io/v1beta1\","
	                          "\"spec\":{\"interactive\":false}}");

	server_stop(&s);
}

static void test_kube_client_request__exec_rerun_on_401(void **state)
{
	struct server s = { .accept_auth = "Bearer tok-2-arg-env" };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	_cleanup_free_ char *plugin = write_plugin("r401"), *user = NULL, *kc = NULL;
	_cleanup_free_ char *command = path_in("r401.sh");
	struct error err = ERROR_INIT;
	long status = 0;

	(void)state;
	server_start(&s);
	user = exec_user("v1", command, false);
	kc = write_kubeconfig("exec-401.yaml", &s, NULL, user);
	c = client_for(kc);

	/* no expiry: kept until the server refuses it; then one re-run and one retry */
	get_ok(c, "/version");
	assert_int_equal(read_count("r401.count"), 2);
	assert_int_equal(s.n_requests, 2);
	get_ok(c, "/version");
	assert_int_equal(read_count("r401.count"), 2);

	/* refused again: re-run once, then the 401 is the answer */
	s.accept_auth = "Bearer never";
	assert_int_equal(kube_client_request(c, "GET", "/version", NULL, NULL, &status, NULL, &err),
	                 -EACCES);
	assert_int_equal(status, 401);
	assert_int_equal(read_count("r401.count"), 3);
	assert_non_null(strstr(err.message, "HTTP 401 Unauthorized: Unauthorized"));
	assert_null(strstr(err.message, "tok-"));

	server_stop(&s);
}

static void test_kube_client_request__exec_missing(void **state)
{
	struct server s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c1 = NULL, *c2 = NULL, *c3 = NULL;
	_cleanup_free_ char *u1 = NULL, *u2 = NULL, *u3 = NULL, *kc1 = NULL, *kc2 = NULL;
	_cleanup_free_ char *kc3 = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	server_start(&s);
	u1 = exec_user("v1", "driftless-no-such-plugin", false);
	kc1 = write_kubeconfig("exec-missing.yaml", &s, NULL, u1);
	c1 = client_for(kc1);
	assert_int_equal(kube_client_request(c1, "GET", "/version", NULL, NULL, NULL, NULL, &err),
	                 -EACCES);
	assert_non_null(strstr(err.message, "'driftless-no-such-plugin' not found"));
	assert_non_null(strstr(err.message, "Install the plugin: apt install example-auth"));
	assert_int_equal(s.n_requests, 0);

	u2 = exec_user("v1", "/nonexistent/dir/plugin", false);
	kc2 = write_kubeconfig("exec-missing2.yaml", &s, NULL, u2);
	c2 = client_for(kc2);
	error_clear(&err);
	assert_int_equal(kube_client_request(c2, "GET", "/version", NULL, NULL, NULL, NULL, &err),
	                 -EACCES);
	assert_non_null(strstr(err.message, "apt install example-auth"));

	/* a plugin that fails */
	free(write_in("fails.sh", "#!/bin/sh\necho 'no login' >&2\nexit 3\n", 0755));
	u3 = exec_user("v1", "./fails.sh", false);
	kc3 = write_kubeconfig("exec-fails.yaml", &s, NULL, u3);
	c3 = client_for(kc3);
	error_clear(&err);
	assert_int_equal(kube_client_request(c3, "GET", "/version", NULL, NULL, NULL, NULL, &err),
	                 -EACCES);
	assert_non_null(strstr(err.message, "failed with exit status 3"));
	assert_int_equal(s.n_requests, 0);

	server_stop(&s);
}

static void test_kube_client_request__token_wins_over_exec(void **state)
{
	struct server s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	_cleanup_free_ char *plugin = write_plugin("both"), *exec = NULL, *user = NULL, *kc = NULL;
	_cleanup_free_ char *command = path_in("both.sh");

	(void)state;
	server_start(&s);
	exec = exec_user("v1", command, false);
	user = xasprintf("    token: static\n%s", exec);
	kc = write_kubeconfig("both.yaml", &s, NULL, user);
	c = client_for(kc);
	get_ok(c, "/version");
	assert_string_equal(s.authorization, "Bearer static");
	assert_int_equal(read_count("both.count"), 0);

	server_stop(&s);
}

/* A token source (cluster.eks): asked before each request, again with force after a 401. */
struct token_source {
	unsigned calls, forced;
};

static int token_source(void *userdata, bool force, char **ret, struct error *reterr)
{
	struct token_source *t = userdata;

	(void)reterr;
	t->calls++;
	t->forced += force;
	*ret = xasprintf("k8s-aws-v1.tok-%u", t->forced);
	return 0;
}

static void test_kube_client_request__token_source(void **state)
{
	struct server s = { .accept_auth = "Bearer k8s-aws-v1.tok-0" };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	_cleanup_free_ char *kc = NULL;
	struct token_source t = { 0 };

	(void)state;
	server_start(&s);
	/* the kubeconfig's own token loses to the source */
	kc = write_kubeconfig("source.yaml", &s, NULL, "    token: static\n");
	c = client_for(kc);
	kube_client_set_token_source(c, token_source, &t);
	get_ok(c, "/version");
	assert_string_equal(s.authorization, "Bearer k8s-aws-v1.tok-0");
	assert_int_equal(t.calls, 1);
	/* refused: asked again with force, and the request sent once more */
	s.accept_auth = "Bearer k8s-aws-v1.tok-1";
	get_ok(c, "/version");
	assert_int_equal(t.calls, 3);
	assert_int_equal(t.forced, 1);
	assert_string_equal(s.authorization, "Bearer k8s-aws-v1.tok-1");
	server_stop(&s);
}

static void test_kube_client_request__exec_client_certificate(void **state)
{
	struct server s = { .is_tls = true };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	_cleanup_free_ char *plugin = NULL, *ca = b64(ca_pem, ca_pem_len), *cluster = NULL;
	_cleanup_free_ char *user = NULL, *kc = NULL, *text = NULL;

	(void)state;
	server_start(&s);
	/* PEM in JSON strings: awk turns each line break into the two characters \n */
	text = xasprintf("#!/bin/sh\n"
	                 "d='%s'; echo run >>\"$d/cert.count\"\n"
	                 "cert=$(awk '{printf \"%%s\\\\n\", $0}' \"$d/client.pem\")\n"
	                 "key=$(awk '{printf \"%%s\\\\n\", $0}' \"$d/client.key\")\n"
	                 "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
	                 "\"kind\":\"ExecCredential\",\"status\":{\"clientCertificateData\":"
	                 "\"%%s\",\"clientKeyData\":\"%%s\"}}' \"$cert\" \"$key\"\n",
	                 tmp_dir);
	plugin = write_in("cert.sh", text, 0755);
	cluster = xasprintf("    certificate-authority-data: %s\n", ca);
	user = xasprintf("    exec:\n"
	                 "      apiVersion: client.authentication.k8s.io/v1\n"
	                 "      command: %s\n"
	                 "      interactiveMode: IfAvailable\n",
	                 plugin);
	kc = write_kubeconfig("exec-cert.yaml", &s, cluster, user);
	c = client_for(kc);
	get_ok(c, "/version");
	get_ok(c, "/version");
	assert_string_equal(s.authorization, "");

	server_stop(&s);
}

static int make_tls_material(void **state)
{
	(void)state;
	if (mhd_test_make_tls(tmp_dir, sizeof(tmp_dir)) < 0)
		return -1;
	ca_pem = slurp("ca.pem", &ca_pem_len);
	server_cert_pem = slurp("server.pem", NULL);
	server_key_pem = slurp("server.key", NULL);
	client_cert_pem = slurp("client.pem", &client_cert_pem_len);
	client_key_pem = slurp("client.key", &client_key_pem_len);
	return 0;
}

static int remove_tls_material(void **state)
{
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", tmp_dir);

	(void)state;
	(void)!system(cmd);
	free(ca_pem);
	free(server_cert_pem);
	free(server_key_pem);
	free(client_cert_pem);
	free(client_key_pem);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kube_client_request__token_json_and_status),
		cmocka_unit_test(test_kube_client_request__token_file_reread),
		cmocka_unit_test(test_kube_client_request__basic_auth),
		cmocka_unit_test(test_kube_client_request__client_certificate),
		cmocka_unit_test(test_kube_client_request__exec_v1_cached),
		cmocka_unit_test(test_kube_client_request__exec_v1beta1_expired),
		cmocka_unit_test(test_kube_client_request__exec_rerun_on_401),
		cmocka_unit_test(test_kube_client_request__exec_missing),
		cmocka_unit_test(test_kube_client_request__token_wins_over_exec),
		cmocka_unit_test(test_kube_client_request__token_source),
		cmocka_unit_test(test_kube_client_request__exec_client_certificate),
	};

	(void)setenv("no_proxy", "127.0.0.1,localhost", 1);
	(void)setenv("NO_PROXY", "127.0.0.1,localhost", 1);
	return cmocka_run_group_tests(tests, make_tls_material, remove_tls_material);
}
