/* kube_config_load() and kube_config_in_cluster() on files written to a temporary directory. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "kube/kube.h"

static char tmp_dir[64];

static char *write_in(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmp_dir, name);
	_cleanup_free_ char *dir = xstrdup(path);
	struct error err = ERROR_INIT;

	*strrchr(dir, '/') = '\0';
	assert_int_equal(mkdir_parents(dir, 0755, &err), 0);
	if (write_file_atomic(path, text, strlen(text), 0600, &err) < 0)
		fail_msg("%s", error_message(&err));
	return path;
}

static struct kube_config *load_ok(const char *path, const char *context)
{
	struct kube_config *cfg = NULL;
	struct error err = ERROR_INIT;

	if (kube_config_load(path, context, &cfg, &err) < 0)
		fail_msg("kube_config_load: %s", error_message(&err));
	return cfg;
}

/* "c2VjcmV0" is base64 of "secret"; "LS0tLS1CRUdJTg==" of "-----BEGIN". */
static const char kubeconfig[] = "apiVersion: v1\n"
                                 "kind: Config\n"
                                 "current-context: dev\n"
                                 "preferences: {}\n"
                                 "unknown-top-level: ignored\n"
                                 "clusters:\n"
                                 "- name: dev-cluster\n"
                                 "  cluster:\n"
                                 "    server: https://dev.example:6443/\n"
                                 "    certificate-authority-data: LS0tLS1CRUdJTg==\n"
                                 "    unknown-field: ignored like kubectl\n"
                                 "- name: prod-cluster\n"
                                 "  cluster:\n"
                                 "    server: https://prod.example:6443\n"
                                 "    certificate-authority: certs/ca.pem\n"
                                 "    proxy-url: http://proxy:3128\n"
                                 "users:\n"
                                 "- name: alice\n"
                                 "  user:\n"
                                 "    token: abc\n"
                                 "- name: bob\n"
                                 "  user:\n"
                                 "    client-certificate: certs/bob.pem\n"
                                 "    client-key: /abs/bob.key\n"
                                 "contexts:\n"
                                 "- name: dev\n"
                                 "  context:\n"
                                 "    cluster: dev-cluster\n"
                                 "    user: alice\n"
                                 "- name: prod\n"
                                 "  context:\n"
                                 "    cluster: prod-cluster\n"
                                 "    user: bob\n"
                                 "    namespace: shop\n";

static void test_kube_config_load__current_and_explicit_context(void **state)
{
	_cleanup_free_ char *path = write_in("a/config", kubeconfig);
	_cleanup_(kube_config_freep) struct kube_config *dev = NULL, *prod = NULL;

	(void)state;
	dev = load_ok(path, NULL);
	assert_string_equal(kube_config_context(dev), "dev");
	assert_string_equal(kube_config_server(dev), "https://dev.example:6443/");
	assert_string_equal(kube_config_namespace(dev), "default");

	prod = load_ok(path, "prod");
	assert_string_equal(kube_config_context(prod), "prod");
	assert_string_equal(kube_config_server(prod), "https://prod.example:6443");
	assert_string_equal(kube_config_namespace(prod), "shop");
}

static void expect_error(const char *name, const char *text, const char *context, int code,
                         unsigned line, unsigned column, const char *needle)
{
	_cleanup_free_ char *path = write_in(name, text);
	struct kube_config *cfg = NULL;
	struct error err = ERROR_INIT;

	assert_int_equal(kube_config_load(path, context, &cfg, &err), code);
	assert_null(cfg);
	if (getenv("KUBE_TEST_VERBOSE"))
		fprintf(stderr, "%s\n", err.message);
	if (!strstr(err.message, needle))
		fail_msg("'%s' not in '%s'", needle, err.message);
	assert_string_equal(err.file, path);
	assert_int_equal(err.line, line);
	assert_int_equal(err.column, column);
}

static void test_kube_config_load__errors_with_position(void **state)
{
	(void)state;
	/* unknown current-context: points at it */
	expect_error("e1", "current-context: nope\ncontexts: []\n", NULL, -ENOENT, 1, 18,
	             "context 'nope' not found");
	/* unknown explicit context: points at contexts */
	expect_error("e2", kubeconfig, "staging", -ENOENT, 26, 1, "context 'staging' not found");
	/* a context whose user is missing */
	expect_error("e3",
	             "current-context: x\n"
	             "clusters:\n- name: c\n  cluster:\n    server: https://c\n"
	             "contexts:\n- name: x\n  context:\n    cluster: c\n    user: ghost\n",
	             NULL, -ENOENT, 10, 11, "contexts[x].context.user: user 'ghost' not found");
	/* and whose cluster is */
	expect_error("e4",
	             "current-context: x\n"
	             "contexts:\n- name: x\n  context:\n    cluster: nowhere\n",
	             NULL, -ENOENT, 5, 14, "cluster 'nowhere' not found");
	/* bad base64 */
	expect_error("e5",
	             "current-context: x\n"
	             "clusters:\n- name: c\n  cluster:\n    server: https://c\n"
	             "    certificate-authority-data: '%%%not base64'\n"
	             "contexts:\n- name: x\n  context:\n    cluster: c\n",
	             NULL, -EINVAL, 6, 33,
	             "clusters[c].cluster.certificate-authority-data: not valid base64");
	/* a field of the wrong type */
	expect_error("e6",
	             "current-context: x\n"
	             "clusters:\n- name: c\n  cluster:\n    server: https://c\n"
	             "    insecure-skip-tls-verify: maybe\n"
	             "contexts:\n- name: x\n  context:\n    cluster: c\n",
	             NULL, -EINVAL, 6, 31, "expected true or false");
	/* no server */
	expect_error("e7",
	             "current-context: x\n"
	             "clusters:\n- name: c\n  cluster:\n    insecure-skip-tls-verify: true\n"
	             "contexts:\n- name: x\n  context:\n    cluster: c\n",
	             NULL, -EINVAL, 5, 5, "has no server");
	/* token and basic auth together, as client-go refuses */
	expect_error("e8",
	             "current-context: x\n"
	             "clusters:\n- name: c\n  cluster:\n    server: https://c\n"
	             "users:\n- name: u\n  user:\n    token: t\n    username: a\n"
	             "    password: b\n"
	             "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n",
	             NULL, -EINVAL, 9, 5, "not both");
	/* exec v1 without interactiveMode */
	expect_error("e9",
	             "current-context: x\n"
	             "clusters:\n- name: c\n  cluster:\n    server: https://c\n"
	             "users:\n- name: u\n  user:\n    exec:\n"
	             "      apiVersion: client.authentication.k8s.io/v1\n"
	             "      command: plugin\n"
	             "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n",
	             NULL, -EINVAL, 10, 7, "interactiveMode must be specified");
	/* exec of an old apiVersion */
	expect_error("e10",
	             "current-context: x\n"
	             "clusters:\n- name: c\n  cluster:\n    server: https://c\n"
	             "users:\n- name: u\n  user:\n    exec:\n"
	             "      apiVersion: client.authentication.k8s.io/v1alpha1\n"
	             "      command: plugin\n"
	             "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n",
	             NULL, -EINVAL, 10, 19, "apiVersion must be");
	/* not YAML */
	expect_error("e11", "clusters: [\n", NULL, -EBADMSG, 2, 1, "");
}

static void test_kube_config_load__no_current_context(void **state)
{
	_cleanup_free_ char *path = write_in("nocur", "clusters: []\n");
	struct kube_config *cfg = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	assert_int_equal(kube_config_load(path, NULL, &cfg, &err), -ENOENT);
	assert_non_null(strstr(err.message, "no current-context"));
}

static void test_kube_config_load__missing_file(void **state)
{
	_cleanup_free_ char *path = xasprintf("%s/absent", tmp_dir);
	struct kube_config *cfg = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	assert_int_equal(kube_config_load(path, NULL, &cfg, &err), -ENOENT);
}

static void test_kube_config_load__kubeconfig_merge(void **state)
{
	_cleanup_free_ char *first = NULL, *second = NULL, *env = NULL;
	_cleanup_(kube_config_freep) struct kube_config *cfg = NULL, *other = NULL;

	(void)state;
	/* the first file sets the current-context and wins for "shared" */
	first = write_in("merge/one", "current-context: second-ctx\n"
	                              "clusters:\n- name: shared\n  cluster:\n"
	                              "    server: https://from-first\n");
	second = write_in("merge/two", "current-context: ignored\n"
	                               "clusters:\n- name: shared\n  cluster:\n"
	                               "    server: https://from-second\n"
	                               "contexts:\n- name: second-ctx\n  context:\n"
	                               "    cluster: shared\n    namespace: two\n");
	env = xasprintf("%s/absent-is-skipped:%s::%s", tmp_dir, first, second);
	assert_int_equal(setenv("KUBECONFIG", env, 1), 0);

	cfg = load_ok(NULL, NULL);
	assert_string_equal(kube_config_context(cfg), "second-ctx");
	assert_string_equal(kube_config_server(cfg), "https://from-first");
	assert_string_equal(kube_config_namespace(cfg), "two");
	other = load_ok(NULL, "second-ctx");
	assert_string_equal(kube_config_server(other), "https://from-first");
	assert_int_equal(unsetenv("KUBECONFIG"), 0);
}

static void test_kube_config_load__token_and_exec_is_fine(void **state)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_(kube_config_freep) struct kube_config *cfg = NULL;

	(void)state;
	path = write_in("both", "current-context: x\n"
	                        "clusters:\n- name: c\n  cluster:\n    server: https://c\n"
	                        "users:\n- name: u\n  user:\n    token: t\n    exec:\n"
	                        "      apiVersion: client.authentication.k8s.io/v1beta1\n"
	                        "      command: ./bin/plugin\n"
	                        "      args: [a, b]\n"
	                        "      env:\n      - name: K\n        value: v\n"
	                        "      installHint: install it\n"
	                        "      provideClusterInfo: true\n"
	                        "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n");
	cfg = load_ok(path, NULL);
	assert_string_equal(kube_config_server(cfg), "https://c");
}

static void test_kube_config_in_cluster__from_root(void **state)
{
	_cleanup_free_ char *token = NULL, *ns = NULL, *ca = NULL, *root = NULL;
	_cleanup_(kube_config_freep) struct kube_config *cfg = NULL, *v6 = NULL;
	struct kube_config *none = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	root = xasprintf("%s/root", tmp_dir);
	assert_int_equal(unsetenv("KUBERNETES_SERVICE_HOST"), 0);
	assert_int_equal(kube_config_in_cluster(root, &none, &err), -ENOENT);
	assert_int_equal(setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1), 0);
	assert_int_equal(setenv("KUBERNETES_SERVICE_PORT", "443", 1), 0);
	error_clear(&err);
	assert_int_equal(kube_config_in_cluster(root, &none, &err), -ENOENT);
	assert_null(none);

	token = write_in("root/var/run/secrets/kubernetes.io/serviceaccount/token", "tok\n");
	ca = write_in("root/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", "pem");
	assert_int_equal(kube_config_in_cluster(root, &cfg, &err), 0);
	assert_string_equal(kube_config_server(cfg), "https://10.0.0.1:443");
	assert_string_equal(kube_config_namespace(cfg), "default");
	assert_string_equal(kube_config_context(cfg), "in-cluster");

	ns = write_in("root/var/run/secrets/kubernetes.io/serviceaccount/namespace", "shop\n");
	assert_int_equal(setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1), 0);
	assert_int_equal(kube_config_in_cluster(root, &v6, &err), 0);
	assert_string_equal(kube_config_server(v6), "https://[fd00::1]:443");
	assert_string_equal(kube_config_namespace(v6), "shop");
	assert_int_equal(unsetenv("KUBERNETES_SERVICE_HOST"), 0);
	assert_int_equal(unsetenv("KUBERNETES_SERVICE_PORT"), 0);
}

static int setup(void **state)
{
	(void)state;
	memcpy(tmp_dir, "/tmp/driftless-kube-XXXXXX", sizeof("/tmp/driftless-kube-XXXXXX"));
	return mkdtemp(tmp_dir) ? 0 : -1;
}

static int teardown(void **state)
{
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", tmp_dir);

	(void)state;
	(void)!system(cmd);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kube_config_load__current_and_explicit_context),
		cmocka_unit_test(test_kube_config_load__errors_with_position),
		cmocka_unit_test(test_kube_config_load__no_current_context),
		cmocka_unit_test(test_kube_config_load__missing_file),
		cmocka_unit_test(test_kube_config_load__kubeconfig_merge),
		cmocka_unit_test(test_kube_config_load__token_and_exec_is_fine),
		cmocka_unit_test(test_kube_config_in_cluster__from_root),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
