/* The config file: read, validate, hand the sections to their modules. */

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/parse.h"
#include "core/strbuf.h"
#include "core/strv.h"
#include "doc/doc.h"
#include "server/server.h"
#include "source/source.h"
#include "sync/sync.h"

#define CONFIG_MAX_BYTES (1u << 20)

struct loader {
	const char *file;
	struct doc_positions *positions;
	struct error *reterr;
};

/* A problem with node (or, when node has no position, with parent). */
#define fail_at(x, node, parent, field, ...)                                                     \
	doc_error_at((x)->positions, (node), (parent), (x)->file, (field), -EINVAL, (x)->reterr, \
	             __VA_ARGS__)
#define fail(x, node, field, ...) fail_at(x, node, NULL, field, __VA_ARGS__)

static bool is_valid_env_name(const char *s)
{
	size_t n = strlen(s);

	/* a DNS label: it names directories, metrics labels and ConfigMaps */
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static char *config_relative(const char *dir, const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	return xasprintf("%s/%s", dir, path);
}

/* cluster.eks: {name, region}: the bearer token of an EKS cluster, from AWS credentials. */
static int load_eks(struct loader *l, struct sync_environment *env, const json_t *node,
                    const char *field)
{
	const char *key;
	json_t *v;

	if (!json_is_object(node))
		return fail(l, node, field, "expected a mapping: {name: CLUSTER, region: REGION}");
	json_object_foreach((json_t *)node, key, v) {
		_cleanup_free_ char *sub = xasprintf("%s.%s", field, key);

		if (!streq(key, "name") && !streq(key, "region"))
			return fail_at(l, v, node, sub, "unknown field (expected name or region)");
		if (!json_is_string(v) || json_string_length(v) == 0)
			return fail_at(l, v, node, sub, "expected a non-empty string");
		if (streq(key, "name"))
			env->eks_cluster = xstrdup(json_string_value(v));
		else
			env->eks_region = xstrdup(json_string_value(v));
	}
	if (!env->eks_cluster) {
		_cleanup_free_ char *sub = xasprintf("%s.name", field);

		return fail(l, node, sub, "missing: the EKS cluster's name");
	}
	return 0;
}

static int load_cluster(struct loader *l, struct sync_environment *env, const json_t *node,
                        const char *dir)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)node, key, v) {
		_cleanup_free_ char *field =
		        xasprintf("environments.%s.cluster.%s", env->name, key);

		if (streq(key, "eks")) {
			int r = load_eks(l, env, v, field);

			if (r < 0)
				return r;
			continue;
		}
		if (!streq(key, "kubeconfig") && !streq(key, "context"))
			return fail_at(l, v, node, field,
			               "unknown field (expected kubeconfig, context or eks)");
		if (!json_is_string(v) || json_string_length(v) == 0)
			return fail_at(l, v, node, field, "expected a non-empty string");
		if (streq(key, "kubeconfig"))
			env->kubeconfig = config_relative(dir, json_string_value(v));
		else
			env->context = xstrdup(json_string_value(v));
	}
	env->cluster = json_incref((json_t *)node);
	return 0;
}

static int load_inventory(struct loader *l, struct sync_environment *env, const json_t *node)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)node, key, v) {
		_cleanup_free_ char *field =
		        xasprintf("environments.%s.inventory.%s", env->name, key);
		char **slot;

		if (streq(key, "namespace"))
			slot = &env->inventory_namespace;
		else if (streq(key, "name"))
			slot = &env->inventory_name;
		else
			return fail_at(l, v, node, field,
			               "unknown field (expected namespace or name)");
		if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 253)
			return fail_at(l, v, node, field, "expected a name");
		free(*slot);
		*slot = xstrdup(json_string_value(v));
	}
	return 0;
}

static int load_ignore_rule(struct loader *l, struct sync_ignore_rule *rule, const json_t *node,
                            const char *prefix)
{
	const char *key;
	json_t *v;
	size_t i;

	if (!json_is_object(node))
		return fail(l, node, prefix, "expected a mapping");
	json_object_foreach((json_t *)node, key, v) {
		_cleanup_free_ char *field = xasprintf("%s.%s", prefix, key);
		char **slot = streq(key, "group")     ? &rule->group :
		              streq(key, "kind")      ? &rule->kind :
		              streq(key, "namespace") ? &rule->namespace :
		              streq(key, "name")      ? &rule->name :
		                                        NULL;
		json_t *path;

		if (slot) {
			if (!json_is_string(v))
				return fail_at(l, v, node, field, "expected a string");
			*slot = xstrdup(json_string_value(v));
			continue;
		}
		if (!streq(key, "paths"))
			return fail_at(l, v, node, field,
			               "unknown field (expected group, kind, namespace, name or "
			               "paths)");
		if (!json_is_array(v) || json_array_size(v) == 0)
			return fail_at(l, v, node, field, "expected a list of paths");
		json_array_foreach(v, i, path) {
			if (!json_is_string(path) || json_string_value(path)[0] != '/')
				return fail_at(l, path, v, field,
				               "expected a path such as /spec/replicas");
			strv_push(&rule->paths, json_string_value(path));
		}
	}
	if (!rule->paths)
		return fail(l, node, prefix, "missing: paths");
	return 0;
}

static int load_ignore(struct loader *l, struct sync_environment *env, const json_t *node)
{
	_cleanup_free_ char *field = xasprintf("environments.%s.ignore", env->name);
	json_t *v;
	size_t i;
	int r;

	if (!json_is_array(node))
		return fail(l, node, field, "expected a list of rules");
	env->ignore = xcalloc(json_array_size(node) + 1, sizeof(*env->ignore));
	json_array_foreach(node, i, v) {
		_cleanup_free_ char *prefix = xasprintf("%s[%zu]", field, i);

		r = load_ignore_rule(l, &env->ignore[env->n_ignore++], v, prefix);
		if (r < 0)
			return r;
	}
	return 0;
}

static int load_environment(struct loader *l, struct sync_environment *env, const char *name,
                            const json_t *node, const char *dir)
{
	const char *key;
	json_t *v;
	int r = 0;

	env->name = xstrdup(name);
	env->prune = true;
	env->health_timeout_usec = SYNC_HEALTH_TIMEOUT_DEFAULT_USEC;
	if (!is_valid_env_name(name)) {
		_cleanup_free_ char *field = xstrjoin("environments.", name, NULL);

		return fail(l, node, field,
		            "an environment name must be lower-case letters, digits and '-' (at "
		            "most 63)");
	}
	if (!json_is_object(node)) {
		_cleanup_free_ char *field = xstrjoin("environments.", name, NULL);

		return fail(l, node, field, "expected a mapping");
	}
	json_object_foreach((json_t *)node, key, v) {
		_cleanup_free_ char *field = xasprintf("environments.%s.%s", name, key);

		if (streq(key, "path")) {
			if (!json_is_string(v) || json_string_length(v) == 0)
				return fail(l, json_is_string(v) ? v : node, field,
				            "expected the overlay's directory in the repository");
			env->path = xstrdup(json_string_value(v));
		} else if (streq(key, "prune")) {
			if (!json_is_boolean(v))
				return fail(l, node, field, "expected true or false");
			env->prune = json_is_true(v);
		} else if (streq(key, "promote_from")) {
			if (!json_is_string(v))
				return fail(l, node, field, "expected an environment name");
			env->promote_from = xstrdup(json_string_value(v));
		} else if (streq(key, "cluster")) {
			if (!json_is_object(v))
				return fail(l, node, field, "expected a mapping");
			r = load_cluster(l, env, v, dir);
		} else if (streq(key, "inventory")) {
			if (!json_is_object(v))
				return fail(l, node, field, "expected a mapping");
			r = load_inventory(l, env, v);
		} else if (streq(key, "force_conflicts")) {
			if (!json_is_boolean(v))
				return fail_at(l, v, node, field, "expected true or false");
			env->force_conflicts = json_is_true(v);
		} else if (streq(key, "health_timeout")) {
			if (!json_is_string(v) ||
			    parse_duration_usec(json_string_value(v), &env->health_timeout_usec) <
			            0 ||
			    env->health_timeout_usec == 0)
				return fail_at(l, v, node, field,
				               "expected a duration such as 90s or 5m");
		} else if (streq(key, "ignore")) {
			r = load_ignore(l, env, v);
		} else {
			return fail_at(
			        l, v, node, field,
			        "unknown field (expected path, prune, promote_from, cluster, "
			        "inventory, force_conflicts, health_timeout or ignore)");
		}
		if (r < 0)
			return r;
	}
	if (!env->inventory_namespace)
		env->inventory_namespace = xstrdup("default");
	if (!env->inventory_name)
		env->inventory_name = xasprintf("driftless-%s", name);
	if (!env->path) {
		_cleanup_free_ char *field = xasprintf("environments.%s.path", name);

		return fail(l, node, field, "missing: the overlay's directory in the repository");
	}
	return 0;
}

static int get_duration(struct loader *l, const json_t *parent, const json_t *v,
                        const char *field, bool allow_zero, uint64_t *ret)
{
	if (!json_is_string(v) || parse_duration_usec(json_string_value(v), ret) < 0 ||
	    (*ret == 0 && !allow_zero))
		return fail_at(l, v, parent, field, "expected a duration such as 90s or 5m");
	return 0;
}

static int load_webhook(struct loader *l, struct sync_webhook_config *w, const json_t *node,
                        const char *dir)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)node, key, v) {
		_cleanup_free_ char *field = xasprintf("webhook.%s", key);

		if (streq(key, "listen")) {
			struct error e = ERROR_INIT;

			if (!json_is_string(v) || server_listen_check(json_string_value(v), &e) < 0)
				return fail_at(l, v, node, field, "%s",
				               json_is_string(v) ? e.message :
				                                   "expected HOST:PORT, as 127.0.0.1:8080");
			free(w->listen);
			w->listen = xstrdup(json_string_value(v));
		} else if (streq(key, "secret_file")) {
			if (!json_is_string(v) || json_string_length(v) == 0)
				return fail_at(l, v, node, field, "expected a path");
			free(w->secret_file);
			w->secret_file = config_relative(dir, json_string_value(v));
		} else if (streq(key, "max_body_bytes")) {
			if (!json_is_integer(v) || json_integer_value(v) < 1024 ||
			    json_integer_value(v) > (1 << 30))
				return fail_at(l, v, node, field,
				               "expected a number of bytes from 1024 to 1073741824");
			w->max_body_bytes = (size_t)json_integer_value(v);
		} else {
			return fail_at(l, v, node, field,
			               "unknown field (expected listen, secret_file or max_body_bytes)");
		}
	}
	return 0;
}

static int load_daemon(struct loader *l, struct sync_daemon_config *d, const json_t *node,
                       bool *ret_has_jitter)
{
	const char *key;
	json_t *v;
	int r;

	json_object_foreach((json_t *)node, key, v) {
		_cleanup_free_ char *field = xasprintf("daemon.%s", key);

		if (streq(key, "ready_grace"))
			r = get_duration(l, node, v, field, true, &d->ready_grace_usec);
		else if (streq(key, "jitter")) {
			r = get_duration(l, node, v, field, true, &d->jitter_usec);
			*ret_has_jitter = true;
		} else
			return fail_at(l, v, node, field,
			               "unknown field (expected ready_grace or jitter)");
		if (r < 0)
			return r;
	}
	return 0;
}

static int load(struct loader *l, struct sync_config *c, const json_t *root, const char *dir)
{
	const json_t *envs = NULL;
	bool has_jitter = false;
	const char *key;
	json_t *v;
	int r;

	if (!json_is_object(root))
		return fail(l, root, NULL, "expected a mapping at the top of the config file");
	json_object_foreach((json_t *)root, key, v) {
		if (streq(key, "source")) {
			r = source_config_parse(&c->source, v, l->file, dir, l->positions,
			                        l->reterr);
			if (r < 0)
				return r;
		} else if (streq(key, "state_dir")) {
			if (!json_is_string(v) || json_string_value(v)[0] != '/')
				return fail(l, json_is_string(v) ? v : root, "state_dir",
				            "expected an absolute path");
			free(c->state_dir);
			c->state_dir = xstrdup(json_string_value(v));
		} else if (streq(key, "environments")) {
			if (!json_is_object(v))
				return fail(l, root, "environments", "expected a mapping of names");
			envs = v;
		} else if (streq(key, "webhook")) {
			if (!json_is_object(v))
				return fail(l, root, "webhook", "expected a mapping");
			r = load_webhook(l, &c->webhook, v, dir);
			if (r < 0)
				return r;
		} else if (streq(key, "daemon")) {
			if (!json_is_object(v))
				return fail(l, root, "daemon", "expected a mapping");
			r = load_daemon(l, &c->daemon, v, &has_jitter);
			if (r < 0)
				return r;
		} else {
			return fail_at(l, v, root, key,
			               "unknown field (expected source, environments, webhook, daemon "
			               "or state_dir)");
		}
	}
	if (!has_jitter)
		c->daemon.jitter_usec = c->source.interval_usec / 10;
	if (!c->source.url)
		return fail(l, root, "source", "missing: the repository to follow");
	if (envs) {
		c->environments = xcalloc(json_object_size(envs), sizeof(*c->environments));
		json_object_foreach((json_t *)envs, key, v) {
			r = load_environment(l, &c->environments[c->n_environments++], key, v, dir);
			if (r < 0)
				return r;
		}
		for (size_t i = 0; i < c->n_environments; i++) {
			const char *from = c->environments[i].promote_from;
			_cleanup_free_ char *field = NULL;

			if (!from || sync_config_environment(c, from))
				continue;
			field = xasprintf("environments.%s.promote_from", c->environments[i].name);
			return fail(l,
			            json_object_get(json_object_get(envs, c->environments[i].name),
			                            "promote_from"),
			            field, "no environment is called '%s'", from);
		}
	}
	return 0;
}

int sync_config_load(const char *path, struct sync_config **ret, struct error *reterr)
{
	_cleanup_free_ char *data = NULL, *dir = NULL;
	struct loader l = { .file = path, .reterr = reterr };
	struct sync_config *c;
	json_t *docs = NULL;
	const char *slash;
	size_t len;
	int r;

	r = read_file_full(path, CONFIG_MAX_BYTES, &data, &len, reterr);
	if (r < 0)
		return error_prefix(reterr, r, "Failed to read the config file");
	l.positions = doc_positions_new();
	r = doc_parse_yaml(data, len, path, l.positions, &docs, reterr);
	if (r < 0) {
		doc_positions_free(l.positions);
		return r;
	}
	c = xcalloc(1, sizeof(*c));
	c->file = xstrdup(path);
	c->state_dir = xstrdup(SYNC_STATE_DIR_DEFAULT);
	c->daemon.ready_grace_usec = SYNC_READY_GRACE_DEFAULT_USEC;
	source_config_init(&c->source);
	slash = strrchr(path, '/');
	dir = slash ? xstrndup(path, (size_t)(slash - path + (slash == path))) : xstrdup(".");
	if (json_array_size(docs) != 1)
		r = fail(&l, NULL, NULL, "expected exactly one YAML document, found %zu",
		         json_array_size(docs));
	else
		r = load(&l, c, json_array_get(docs, 0), dir);
	json_decref(docs);
	doc_positions_free(l.positions);
	if (r < 0) {
		sync_config_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

void sync_ignore_rules_free(struct sync_ignore_rule *rules, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rules[i].group);
		free(rules[i].kind);
		free(rules[i].namespace);
		free(rules[i].name);
		strv_free(rules[i].paths);
	}
	free(rules);
}

struct sync_config *sync_config_free(struct sync_config *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < c->n_environments; i++) {
		struct sync_environment *env = &c->environments[i];

		free(env->name);
		free(env->path);
		free(env->promote_from);
		json_decref(env->cluster);
		free(env->kubeconfig);
		free(env->context);
		free(env->eks_cluster);
		free(env->eks_region);
		free(env->inventory_namespace);
		free(env->inventory_name);
		sync_ignore_rules_free(env->ignore, env->n_ignore);
	}
	free(c->environments);
	source_config_release(&c->source);
	free(c->webhook.listen);
	free(c->webhook.secret_file);
	free(c->state_dir);
	free(c->file);
	free(c);
	return NULL;
}

const struct sync_environment *sync_config_environment(const struct sync_config *c,
                                                       const char *name)
{
	for (size_t i = 0; i < c->n_environments; i++)
		if (streq(c->environments[i].name, name))
			return &c->environments[i];
	return NULL;
}

char *sync_config_repo_dir(const struct sync_config *c)
{
	return xstrjoin(c->state_dir, "/repo.git", NULL);
}
