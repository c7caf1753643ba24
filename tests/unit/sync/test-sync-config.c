/* The config file: what it accepts, its defaults, and errors that name file:line:field. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/time.h"
#include "source/source.h"
#include "sync/sync.h"

static char dir[] = "/tmp/driftless-test-sync-config-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	(void)state;
	(void)!system(cmd);
	free(cmd);
	return 0;
}

static int load(const char *text, struct sync_config **ret, struct error *e)
{
	char *path = xstrjoin(dir, "/driftless.yaml", NULL);
	int r;

	assert_int_equal(write_file_atomic(path, text, strlen(text), 0600, NULL), 0);
	r = sync_config_load(path, ret, e);
	free(path);
	return r;
}

static void test_sync_config__full(void **state)
{
	struct sync_config *c = NULL;
	struct error e = ERROR_INIT;
	char *want;

	(void)state;
	assert_int_equal(
	        load("source:\n"
	             "  url: https://git.example.com/platform/config.git\n"
	             "  branch: release\n"
	             "  interval: 30s\n"
	             "  timeout: 1m\n"
	             "  retries: 5\n"
	             "  allow_force_push: true\n"
	             "  auth:\n"
	             "    username: bot\n"
	             "    token_file: secrets/token\n"
	             "    ca_file: /etc/ssl/ca.pem\n"
	             "  verify: { allowed_signers_file: allowed, gpg_keyring_file: /k.gpg }\n"
	             "environments:\n"
	             "  staging:\n"
	             "    path: overlays/staging\n"
	             "    cluster: { kubeconfig: kube/config, context: staging }\n"
	             "    inventory: { namespace: ops, name: inv-staging }\n"
	             "    force_conflicts: true\n"
	             "    health_timeout: 90s\n"
	             "    ignore:\n"
	             "    - { group: apps, kind: Deployment, paths: [/spec/replicas] }\n"
	             "    - { name: web, namespace: shop, paths: [/metadata/labels, /data/x] }\n"
	             "  prod:\n"
	             "    path: overlays/prod\n"
	             "    cluster: { kubeconfig: /k, eks: { name: prod-1, region: eu-west-1 } }\n"
	             "    prune: false\n"
	             "    promote_from: staging\n"
	             "webhook: { listen: 127.0.0.1:8080, secret_file: hook, max_body_bytes: 4096 }\n"
	             "daemon: { ready_grace: 10s }\n"
	             "state_dir: /srv/driftless\n",
	             &c, &e),
	        0);
	assert_string_equal(c->source.url, "https://git.example.com/platform/config.git");
	assert_int_equal(c->source.ref_kind, SOURCE_REF_BRANCH);
	assert_string_equal(c->source.ref, "release");
	assert_int_equal(c->source.interval_usec, 30 * USEC_PER_SEC);
	assert_int_equal(c->source.timeout_usec, USEC_PER_MINUTE);
	assert_int_equal(c->source.retries, 5);
	assert_true(c->source.allow_force_push);
	assert_string_equal(c->source.username, "bot");
	/* relative paths are taken from the config file's directory */
	want = xstrjoin(dir, "/secrets/token", NULL);
	assert_string_equal(c->source.token_file, want);
	free(want);
	want = xstrjoin(dir, "/allowed", NULL);
	assert_string_equal(c->source.verify.allowed_signers_file, want);
	free(want);
	assert_string_equal(c->source.verify.gpg_keyring_file, "/k.gpg");
	assert_string_equal(c->state_dir, "/srv/driftless");
	assert_string_equal(c->webhook.listen, "127.0.0.1:8080");
	want = xstrjoin(dir, "/hook", NULL);
	assert_string_equal(c->webhook.secret_file, want);
	free(want);
	assert_int_equal(c->webhook.max_body_bytes, 4096);
	assert_int_equal(c->daemon.ready_grace_usec, 10 * USEC_PER_SEC);
	/* jitter: a tenth of the interval unless set */
	assert_int_equal(c->daemon.jitter_usec, 3 * USEC_PER_SEC);
	assert_int_equal(c->n_environments, 2);
	assert_true(sync_config_environment(c, "staging")->prune);
	assert_false(sync_config_environment(c, "prod")->prune);
	assert_string_equal(sync_config_environment(c, "prod")->promote_from, "staging");
	assert_string_equal(sync_config_environment(c, "prod")->eks_cluster, "prod-1");
	assert_string_equal(sync_config_environment(c, "prod")->eks_region, "eu-west-1");
	assert_null(sync_config_environment(c, "staging")->eks_cluster);
	assert_non_null(sync_config_environment(c, "staging")->cluster);
	assert_null(sync_config_environment(c, "dev"));
	{
		const struct sync_environment *st = sync_config_environment(c, "staging");
		const struct sync_environment *pr = sync_config_environment(c, "prod");

		want = xstrjoin(dir, "/kube/config", NULL);
		assert_string_equal(st->kubeconfig, want);
		free(want);
		assert_string_equal(st->context, "staging");
		assert_string_equal(st->inventory_namespace, "ops");
		assert_string_equal(st->inventory_name, "inv-staging");
		assert_true(st->force_conflicts);
		assert_int_equal(st->health_timeout_usec, 90 * USEC_PER_SEC);
		assert_int_equal(st->n_ignore, 2);
		assert_string_equal(st->ignore[0].group, "apps");
		assert_string_equal(st->ignore[0].kind, "Deployment");
		assert_null(st->ignore[0].name);
		assert_string_equal(st->ignore[0].paths[0], "/spec/replicas");
		assert_null(st->ignore[0].paths[1]);
		assert_string_equal(st->ignore[1].name, "web");
		assert_string_equal(st->ignore[1].namespace, "shop");
		assert_string_equal(st->ignore[1].paths[1], "/data/x");
		/* defaults */
		assert_string_equal(pr->kubeconfig, "/k");
		assert_null(pr->context);
		assert_string_equal(pr->inventory_namespace, "default");
		assert_string_equal(pr->inventory_name, "driftless-prod");
		assert_false(pr->force_conflicts);
		assert_int_equal(pr->health_timeout_usec, 5 * USEC_PER_MINUTE);
		assert_int_equal(pr->n_ignore, 0);
	}
	want = sync_config_repo_dir(c);
	assert_string_equal(want, "/srv/driftless/repo.git");
	free(want);
	sync_config_free(c);
}

static void test_sync_config__defaults(void **state)
{
	struct sync_config *c = NULL;
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(load("source: { url: 'git@github.com:org/repo.git', auth: "
	                      "{ ssh_key_file: /k, known_hosts_file: /kh } }\n",
	                      &c, &e),
	                 0);
	assert_string_equal(c->source.ref, "main");
	assert_int_equal(c->source.ref_kind, SOURCE_REF_BRANCH);
	assert_int_equal(c->source.interval_usec, USEC_PER_MINUTE);
	assert_int_equal(c->source.retries, 3);
	assert_false(c->source.allow_force_push);
	assert_string_equal(c->state_dir, "/var/lib/driftless");
	assert_int_equal(c->n_environments, 0);
	sync_config_free(c);
}

static void test_sync_config__errors(void **state)
{
	static const struct {
		const char *text;
		const char *where; /* ":line:column: field" */
		const char *what;
	} cases[] = {
		{ "source:\n  url: https://x/r\n  brnach: main\n", ":3:11: source.brnach",
		  "unknown field" },
		{ "source:\n  url: https://x/r\n  retries: -1\n", ":3:12: source.retries",
		  "0 to 100" },
		{ "source:\n  url: https://x/r\n  interval: often\n", ":3:13: source.interval",
		  "duration" },
		{ "source:\n  url: https://x/r\n  commit: main\n", ":3:11: source.commit",
		  "40 hex" },
		{ "source:\n  url: https://x/r\n  branch: refs/heads/main\n",
		  ":3:11: source.branch", "without refs/" },
		{ "source:\n  url: https://x/r\n  tag: v1\n  branch: main\n",
		  ":4:11: source.branch", "one of branch, tag and commit" },
		{ "source:\n  url: https://x/r\n  auth: { token_file: a, password_file: b }\n",
		  ":3:9: source.auth", "give one" },
		{ "source:\n  url: https://x/r\n  verify: {}\n", ":3:11: source.verify",
		  "allowed_signers_file" },
		{ "source:\n  url: https://bot:hunter2@x/r\n", ":2:3: source.url", "password" },
		{ "source:\n  url: ssh://git@x/r\n  auth: { ssh_key_file: /k }\n",
		  ":2:3: source.auth.known_hosts_file", "unknown host key" },
		{ "source:\n  branch: main\n", ":2:3: source.url", "missing" },
		{ "state_dir: /x\n", ":1:1: source", "missing" },
		{ "source: { url: x }\nstate_dir: relative\n", ":2:12: state_dir", "absolute" },
		{ "source: { url: x }\nenvironments:\n  Prod: { path: p }\n",
		  ":3:9: environments.Prod", "lower-case" },
		{ "source: { url: x }\nenvironments:\n  prod: { prune: true }\n",
		  ":3:9: environments.prod.path", "missing" },
		{ "source: { url: x }\nenvironments:\n  prod: { path: p, promote_from: qa }\n",
		  ":3:34: environments.prod.promote_from", "no environment is called 'qa'" },
		{ "source: { url: x }\nwebhooks: {}\n", ":2:11: webhooks", "unknown field" },
		{ "source: { url: x }\nenvironments:\n  p: { path: p, cluster: { eks: 1 } }\n",
		  ":3:33: environments.p.cluster.eks", "expected a mapping" },
		{ "source: { url: x }\nenvironments:\n  p: { path: p, cluster: { eks: { region: r } } }\n",
		  ":3:33: environments.p.cluster.eks.name", "missing" },
		{ "source: { url: x }\nenvironments:\n  p: { path: p, cluster: { eks: { nam: r } } }\n",
		  ":3:40: environments.p.cluster.eks.nam", "expected name or region" },
		{ "source: { url: x }\nenvironments:\n  p: { path: p, cluster: { ctx: x } }\n",
		  ":3:33: environments.p.cluster.ctx", "expected kubeconfig, context or eks" },
		{ "source: { url: x }\nenvironments:\n  p: { path: p, cluster: { context: '' } }\n",
		  ":3:37: environments.p.cluster.context", "non-empty" },
		{ "source: { url: x }\nenvironments:\n  p: { path: p, inventory: { ns: x } }\n",
		  ":3:34: environments.p.inventory.ns", "namespace or name" },
		{ "source: { url: x }\nenvironments:\n  p: { path: p, health_timeout: soon }\n",
		  ":3:33: environments.p.health_timeout", "duration" },
		{ "source: { url: x }\nenvironments:\n  p: { path: p, force_conflicts: yes }\n",
		  ":3:34: environments.p.force_conflicts", "true or false" },
		{ "source: { url: x }\nenvironments:\n  p: { path: p, ignore: [ { kind: X } ] }\n",
		  ":3:27: environments.p.ignore[0]", "missing: paths" },
		{ "source: { url: x }\nenvironments:\n"
		  "  p: { path: p, ignore: [ { paths: [spec] } ] }\n",
		  ":3:37: environments.p.ignore[0].paths", "/spec/replicas" },
		{ "source: { url: x }\nenvironments:\n  p: { path: p, ignore: [ { kinds: [] } ] }\n",
		  ":3:36: environments.p.ignore[0].kinds", "unknown field" },
		{ "source: { url: x }\nwebhook: { listen: 8080 }\n", ":2:20: webhook.listen",
		  "HOST:PORT" },
		{ "source: { url: x }\nwebhook: { listen: 'localhost:80' }\n",
		  ":2:20: webhook.listen", "IP address" },
		{ "source: { url: x }\nwebhook: { max_body_bytes: 10 }\n",
		  ":2:28: webhook.max_body_bytes", "1024" },
		{ "source: { url: x }\nwebhook: { secret: x }\n", ":2:20: webhook.secret",
		  "secret_file" },
		{ "source: { url: x }\ndaemon: { jitter: lots }\n", ":2:19: daemon.jitter",
		  "duration" },
		{ "source: { url: x }\ndaemon: { workers: 2 }\n", ":2:20: daemon.workers",
		  "ready_grace or jitter" },
		{ "source: [\n", ":2:1: ", "parsing a flow node" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sync_config *c = NULL;
		struct error e = ERROR_INIT;
		char *where = xstrjoin(dir, "/driftless.yaml", cases[i].where, NULL);
		int r = load(cases[i].text, &c, &e);

		assert_true(r < 0);
		assert_int_equal(r, e.code);
		assert_null(c);
		if (!strstr(e.message, where) || !strstr(e.message, cases[i].what))
			fail_msg("case %zu: '%s' lacks '%s' or '%s'", i, e.message, where,
			         cases[i].what);
		assert_null(strstr(e.message, "hunter2"));
		free(where);
	}
}

static void test_sync_config__missing_file(void **state)
{
	struct sync_config *c = NULL;
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(sync_config_load("/nonexistent/driftless.yaml", &c, &e), -ENOENT);
	assert_non_null(strstr(e.message, "/nonexistent/driftless.yaml"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync_config__full),
		cmocka_unit_test(test_sync_config__defaults),
		cmocka_unit_test(test_sync_config__errors),
		cmocka_unit_test(test_sync_config__missing_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
