/* kubeconfig files (merged as kubectl merges $KUBECONFIG) and the in-cluster configuration. */

#include "kube/kube.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/base64.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/strv.h"
#include "doc/doc.h"
#include "kube/internal.h"

#define EXEC_API_PREFIX "client.authentication.k8s.io/"

struct kc_file {
	char *path;
	char *dir;
	json_t *docs;
	json_t *root; /* borrowed from docs */
	struct doc_positions *positions;
};

struct loader {
	struct kc_file *files;
	size_t n_files;
	struct error *reterr;
};

/* One named entry of a section (clusters, users, contexts), and the file it came from. */
struct entry {
	const struct kc_file *file;
	const json_t *item;  /* {name: ..., cluster: {...}} */
	const json_t *value; /* the inner mapping */
	const char *name;
	char *field; /* "users[alice].user", for messages */
};

static void entry_release(struct entry *e)
{
	free(e->field);
}

#define fail_at(f, node, parent, field, code, ...)                                         \
	doc_error_at((f)->positions, (node), (parent), (f)->path, (field), (code), reterr, \
	             __VA_ARGS__)

static void wipe_member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	/* jansson frees strings without wiping them: do it in place before they go */
	if (json_is_string(v))
		explicit_bzero((char *)json_string_value(v), json_string_length(v));
}

/* Wipe the secrets of the users of a parsed file. */
static void wipe_secrets(json_t *root)
{
	json_t *users = json_object_get(root, "users"), *item, *env, *var;
	size_t i, j;

	if (!json_is_array(users))
		return;
	json_array_foreach(users, i, item) {
		json_t *user = json_object_get(item, "user");

		wipe_member(user, "token");
		wipe_member(user, "password");
		wipe_member(user, "client-key-data");
		env = json_object_get(json_object_get(user, "exec"), "env");
		if (json_is_array(env))
			json_array_foreach(env, j, var)
				wipe_member(var, "value");
	}
}

static void kc_file_release(struct kc_file *f)
{
	free(f->path);
	free(f->dir);
	wipe_secrets(f->root);
	json_decref(f->docs);
	doc_positions_free(f->positions);
}

static void loader_release(struct loader *l)
{
	for (size_t i = 0; i < l->n_files; i++)
		kc_file_release(&l->files[i]);
	free(l->files);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static char *resolve_path(const struct kc_file *f, const char *p)
{
	if (p[0] == '/' || p[0] == '\0')
		return xstrdup(p);
	return xstrjoin(f->dir, "/", p, NULL);
}

static int loader_add_file(struct loader *l, const char *path, bool skip_missing)
{
	struct error *reterr = l->reterr;
	_cleanup_erase_ char *data = NULL;
	struct kc_file f = { 0 };
	size_t len;
	int r;

	r = read_file_full(path, KUBE_CONFIG_MAX_BYTES, &data, &len, reterr);
	if (r == -ENOENT && skip_missing) {
		error_clear(reterr);
		return 0;
	}
	if (r < 0)
		return r;
	f.path = xstrdup(path);
	f.dir = dir_of(path);
	f.positions = doc_positions_new();
	r = doc_parse_yaml(data, len, path, f.positions, &f.docs, reterr);
	if (r < 0) {
		kc_file_release(&f);
		return r;
	}
	f.root = json_array_size(f.docs) > 0 ? json_array_get(f.docs, 0) : NULL;
	if (f.root && !json_is_object(f.root) && !json_is_null(f.root)) {
		r = fail_at(&f, f.root, NULL, NULL, -EINVAL, "a kubeconfig must be a mapping");
		kc_file_release(&f);
		return r;
	}
	if (json_is_null(f.root))
		f.root = NULL;
	l->files = xreallocarray(l->files, l->n_files + 1, sizeof(*l->files));
	l->files[l->n_files++] = f;
	return 0;
}

static int loader_add_default(struct loader *l)
{
	const char *env = secure_getenv("KUBECONFIG");
	_cleanup_strv_free_ char **paths = NULL;
	int r;

	if (!env || !*env) {
		const char *home = secure_getenv("HOME");
		_cleanup_free_ char *path = NULL;

		if (!home || !*home)
			return error_set(l->reterr, -ENOENT,
			                 "no kubeconfig: neither $KUBECONFIG nor $HOME is set");
		path = xstrjoin(home, "/.kube/config", NULL);
		return loader_add_file(l, path, false);
	}
	paths = strv_split(env, ":");
	strv_foreach(p, paths) {
		r = loader_add_file(l, p, true);
		if (r < 0)
			return r;
	}
	if (l->n_files == 0)
		return error_set(l->reterr, -ENOENT, "none of the files $KUBECONFIG lists exists");
	return 0;
}

/* A string member; absent or null: *ret = NULL. */
static int get_string(const struct kc_file *f, const json_t *obj, const char *key,
                      const char *prefix, const char **ret, struct error *reterr)
{
	const json_t *v = json_object_get(obj, key);

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		_cleanup_free_ char *field = xstrjoin(prefix, ".", key, NULL);

		return fail_at(f, v, obj, field, -EINVAL, "expected a string");
	}
	*ret = json_string_value(v);
	return 0;
}

static int get_bool(const struct kc_file *f, const json_t *obj, const char *key, const char *prefix,
                    bool *ret, struct error *reterr)
{
	const json_t *v = json_object_get(obj, key);

	*ret = false;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		_cleanup_free_ char *field = xstrjoin(prefix, ".", key, NULL);

		return fail_at(f, v, obj, field, -EINVAL, "expected true or false");
	}
	*ret = json_is_true(v);
	return 0;
}

/*
 * The first entry called name in section (of the files in order: the first file wins).
 * Returns 1 and fills *ret when found, 0 when not.
 */
static int find_entry(struct loader *l, const char *section, const char *inner, const char *name,
                      struct entry *ret)
{
	struct error *reterr = l->reterr;

	for (size_t i = 0; i < l->n_files; i++) {
		const struct kc_file *f = &l->files[i];
		const json_t *list = f->root ? json_object_get(f->root, section) : NULL;
		size_t idx;
		json_t *item;

		if (!list || json_is_null(list))
			continue;
		if (!json_is_array(list))
			return fail_at(f, list, f->root, section, -EINVAL, "expected a list");
		json_array_foreach((json_t *)list, idx, item) {
			const char *n;
			const json_t *value;
			int r;

			if (!json_is_object(item))
				return fail_at(f, item, list, section, -EINVAL,
				               "expected a mapping with name and %s", inner);
			r = get_string(f, item, "name", section, &n, reterr);
			if (r < 0)
				return r;
			if (!n || !streq(n, name))
				continue;
			value = json_object_get(item, inner);
			ret->field = xasprintf("%s[%s].%s", section, name, inner);
			if (value && !json_is_object(value) && !json_is_null(value)) {
				r = fail_at(f, value, item, ret->field, -EINVAL,
				            "expected a mapping");
				free(TAKE_PTR(ret->field));
				return r;
			}
			ret->file = f;
			ret->item = item;
			ret->value = json_is_object(value) ? value : NULL;
			ret->name = n;
			return 1;
		}
	}
	return 0;
}

static int decode_data(const struct kc_file *f, const json_t *obj, const char *key,
                       const char *prefix, const char *s, struct strbuf *out, struct error *reterr)
{
	struct strbuf clean = STRBUF_INIT;
	int r;

	/* sized up front: a key must not be left behind in a buffer realloc() moved away from */
	strbuf_grow(&clean, strlen(s) + 1);
	strbuf_grow(out, strlen(s) + 1);
	/* Go's decoder skips line breaks; so do we */
	for (const char *p = s; *p; p++)
		if (*p != '\n' && *p != '\r')
			strbuf_addch(&clean, *p);
	r = base64_decode(clean.buf, clean.len, out);
	explicit_bzero(clean.buf, clean.len);
	strbuf_release(&clean);
	if (r < 0) {
		_cleanup_free_ char *field = xstrjoin(prefix, ".", key, NULL);

		return fail_at(f, json_object_get(obj, key), obj, field, -EINVAL,
		               "not valid base64");
	}
	return 0;
}

/* key-data (base64 PEM, wins) or key (a file name): one or neither is set on return. */
static int get_pem(const struct kc_file *f, const json_t *obj, const char *key, const char *prefix,
                   char **ret_file, char **ret_pem, size_t *ret_len, struct error *reterr)
{
	_cleanup_free_ char *data_key = xstrjoin(key, "-data", NULL);
	const char *data, *file;
	int r;

	r = get_string(f, obj, data_key, prefix, &data, reterr);
	if (r < 0)
		return r;
	r = get_string(f, obj, key, prefix, &file, reterr);
	if (r < 0)
		return r;
	if (data && *data) {
		struct strbuf pem = STRBUF_INIT;

		r = decode_data(f, obj, data_key, prefix, data, &pem, reterr);
		if (r < 0) {
			strbuf_release(&pem);
			return r;
		}
		*ret_pem = strbuf_detach(&pem, ret_len);
	} else if (file && *file)
		*ret_file = resolve_path(f, file);
	return 0;
}

static int load_cluster(const struct entry *e, struct kube_config *cfg, struct error *reterr)
{
	const struct kc_file *f = e->file;
	const char *s;
	int r;

	r = get_string(f, e->value, "server", e->field, &s, reterr);
	if (r < 0)
		return r;
	if (!s || !*s)
		return fail_at(f, e->value, e->item, e->field, -EINVAL,
		               "cluster '%s' has no server", e->name);
	cfg->server = xstrdup(s);
	r = get_pem(f, e->value, "certificate-authority", e->field, &cfg->ca_file, &cfg->ca_pem,
	            &cfg->ca_pem_len, reterr);
	if (r < 0)
		return r;
	r = get_bool(f, e->value, "insecure-skip-tls-verify", e->field,
	             &cfg->insecure_skip_tls_verify, reterr);
	if (r < 0)
		return r;
	r = get_string(f, e->value, "tls-server-name", e->field, &s, reterr);
	if (r < 0)
		return r;
	if (s && *s)
		cfg->tls_server_name = xstrdup(s);
	/* proxy-url: ignored, see kube.h */
	return 0;
}

static int load_exec_env(const struct kc_file *f, const json_t *exec, const char *prefix,
                         struct kube_exec_config *x, struct error *reterr)
{
	const json_t *env = json_object_get(exec, "env");
	_cleanup_free_ char *field = xstrjoin(prefix, ".env", NULL);
	size_t i;
	json_t *item;
	int r;

	if (!env || json_is_null(env))
		return 0;
	if (!json_is_array(env))
		return fail_at(f, env, exec, field, -EINVAL, "expected a list");
	json_array_foreach((json_t *)env, i, item) {
		const char *name, *value;

		if (!json_is_object(item))
			return fail_at(f, item, env, field, -EINVAL,
			               "expected a mapping with name and value");
		r = get_string(f, item, "name", field, &name, reterr);
		if (r < 0)
			return r;
		r = get_string(f, item, "value", field, &value, reterr);
		if (r < 0)
			return r;
		if (!name || !*name || strchr(name, '='))
			return fail_at(f, item, env, field, -EINVAL,
			               "each entry needs a name without '='");
		strv_consume(&x->env, xstrjoin(name, "=", value ? value : "", NULL));
	}
	return 0;
}

static int load_exec(const struct kc_file *f, const json_t *exec, const char *prefix,
                     struct kube_config *cfg, struct error *reterr)
{
	_cleanup_(kube_exec_config_freep) struct kube_exec_config *x = NULL;
	_cleanup_free_ char *field = xstrjoin(prefix, ".exec", NULL);
	const char *api, *command, *hint, *mode;
	const json_t *args;
	size_t i;
	json_t *v;
	int r;

	if (!json_is_object(exec))
		return fail_at(f, exec, NULL, field, -EINVAL, "expected a mapping");
	x = xcalloc(1, sizeof(*x));
	r = get_string(f, exec, "apiVersion", field, &api, reterr);
	if (r < 0)
		return r;
	if (api && streq(api, EXEC_API_PREFIX "v1"))
		x->api = KUBE_EXEC_V1;
	else if (api && streq(api, EXEC_API_PREFIX "v1beta1"))
		x->api = KUBE_EXEC_V1BETA1;
	else
		return fail_at(f, json_object_get(exec, "apiVersion"), exec, field, -EINVAL,
		               "apiVersion must be %sv1 or %sv1beta1", EXEC_API_PREFIX,
		               EXEC_API_PREFIX);

	r = get_string(f, exec, "command", field, &command, reterr);
	if (r < 0)
		return r;
	if (!command || !*command)
		return fail_at(f, exec, NULL, field, -EINVAL, "no command");
	/* like client-go: a command with a '/' is a path, relative to the kubeconfig */
	x->command = strchr(command, '/') ? resolve_path(f, command) : xstrdup(command);

	args = json_object_get(exec, "args");
	if (args && !json_is_null(args)) {
		if (!json_is_array(args))
			return fail_at(f, args, exec, field, -EINVAL, "args: expected a list");
		json_array_foreach((json_t *)args, i, v) {
			if (!json_is_string(v))
				return fail_at(f, v, args, field, -EINVAL,
				               "args: expected strings");
			strv_push(&x->args, json_string_value(v));
		}
	}
	r = load_exec_env(f, exec, field, x, reterr);
	if (r < 0)
		return r;
	r = get_string(f, exec, "installHint", field, &hint, reterr);
	if (r < 0)
		return r;
	if (hint && *hint)
		x->install_hint = xstrdup(hint);
	r = get_bool(f, exec, "provideClusterInfo", field, &x->provide_cluster_info, reterr);
	if (r < 0)
		return r;
	r = get_string(f, exec, "interactiveMode", field, &mode, reterr);
	if (r < 0)
		return r;
	if (!mode && x->api == KUBE_EXEC_V1)
		return fail_at(f, exec, NULL, field, -EINVAL,
		               "interactiveMode must be specified for %sv1", EXEC_API_PREFIX);
	if (mode && streq(mode, "Always"))
		return fail_at(f, json_object_get(exec, "interactiveMode"), exec, field, -EINVAL,
		               "interactiveMode Always needs a terminal, which driftless never "
		               "has");
	if (mode && !streq(mode, "Never") && !streq(mode, "IfAvailable"))
		return fail_at(f, json_object_get(exec, "interactiveMode"), exec, field, -EINVAL,
		               "interactiveMode must be Never, IfAvailable or Always");
	cfg->exec = TAKE_PTR(x);
	return 0;
}

static int load_user(const struct entry *e, struct kube_config *cfg, struct error *reterr)
{
	const struct kc_file *f = e->file;
	const char *token, *token_file, *username, *password;
	const json_t *exec;
	int r;

	if (!e->value)
		return 0;
	r = get_pem(f, e->value, "client-certificate", e->field, &cfg->cert_file, &cfg->cert_pem,
	            &cfg->cert_pem_len, reterr);
	if (r < 0)
		return r;
	r = get_pem(f, e->value, "client-key", e->field, &cfg->key_file, &cfg->key_pem,
	            &cfg->key_pem_len, reterr);
	if (r < 0)
		return r;
	if (!!(cfg->cert_file || cfg->cert_pem) != !!(cfg->key_file || cfg->key_pem))
		return fail_at(f, e->value, e->item, e->field, -EINVAL,
		               "client-certificate and client-key go together");

	r = get_string(f, e->value, "token", e->field, &token, reterr);
	if (r < 0)
		return r;
	r = get_string(f, e->value, "tokenFile", e->field, &token_file, reterr);
	if (r < 0)
		return r;
	r = get_string(f, e->value, "username", e->field, &username, reterr);
	if (r < 0)
		return r;
	r = get_string(f, e->value, "password", e->field, &password, reterr);
	if (r < 0)
		return r;
	if (token && *token)
		cfg->token = xstrdup(token);
	if (token_file && *token_file)
		cfg->token_file = resolve_path(f, token_file);
	if (username && *username) {
		cfg->username = xstrdup(username);
		cfg->password = xstrdup(password ? password : "");
	}
	if (cfg->username && (cfg->token || cfg->token_file))
		return fail_at(f, e->value, e->item, e->field, -EINVAL,
		               "username/password or a bearer token may be set, but not both");
	if (json_object_get(e->value, "auth-provider"))
		return fail_at(f, json_object_get(e->value, "auth-provider"), e->value, e->field,
		               -EINVAL, "auth-provider plugins are not supported; use exec");

	exec = json_object_get(e->value, "exec");
	if (exec && !json_is_null(exec))
		return load_exec(f, exec, e->field, cfg, reterr);
	return 0;
}

static int resolve_context(struct loader *l, const char *context, struct kube_config *cfg)
{
	struct error *reterr = l->reterr;
	_cleanup_(entry_release) struct entry ctx = { 0 }, cluster = { 0 }, user = { 0 };
	const struct kc_file *ctx_file = NULL;
	const json_t *ctx_node = NULL;
	const char *cluster_name, *user_name, *ns;
	int r;

	for (size_t i = 0; !context && i < l->n_files; i++) {
		const struct kc_file *f = &l->files[i];

		r = get_string(f, f->root, "current-context", "", &context, reterr);
		if (r < 0)
			return r;
		if (context && !*context)
			context = NULL;
		if (context) {
			ctx_file = f;
			ctx_node = json_object_get(f->root, "current-context");
		}
	}
	if (!context)
		return error_set_at(
		        reterr, -ENOENT,
		        &(struct error_pos){ .file = l->files[0].path, .field = "current-context" },
		        "no context given and no current-context set");

	r = find_entry(l, "contexts", "context", context, &ctx);
	if (r < 0)
		return r;
	if (r == 0) {
		const struct kc_file *f = ctx_file ? ctx_file : &l->files[0];
		const json_t *where =
		        ctx_node ? ctx_node :
		                   (f->root ? json_object_get(f->root, "contexts") : NULL);

		return fail_at(f, where, f->root, ctx_node ? "current-context" : "contexts",
		               -ENOENT, "context '%s' not found", context);
	}
	cfg->context = xstrdup(context);

	r = get_string(ctx.file, ctx.value, "cluster", ctx.field, &cluster_name, reterr);
	if (r < 0)
		return r;
	r = get_string(ctx.file, ctx.value, "user", ctx.field, &user_name, reterr);
	if (r < 0)
		return r;
	r = get_string(ctx.file, ctx.value, "namespace", ctx.field, &ns, reterr);
	if (r < 0)
		return r;
	cfg->namespace = xstrdup(ns && *ns ? ns : "default");

	if (!cluster_name || !*cluster_name)
		return fail_at(ctx.file, ctx.value, ctx.item, ctx.field, -ENOENT,
		               "context '%s' names no cluster", context);
	r = find_entry(l, "clusters", "cluster", cluster_name, &cluster);
	if (r < 0)
		return r;
	if (r == 0 || !cluster.value) {
		_cleanup_free_ char *field = xstrjoin(ctx.field, ".cluster", NULL);

		return fail_at(ctx.file, json_object_get(ctx.value, "cluster"), ctx.value, field,
		               -ENOENT, "cluster '%s' not found", cluster_name);
	}
	r = load_cluster(&cluster, cfg, reterr);
	if (r < 0)
		return r;

	if (!user_name || !*user_name)
		return 0; /* anonymous */
	r = find_entry(l, "users", "user", user_name, &user);
	if (r < 0)
		return r;
	if (r == 0) {
		_cleanup_free_ char *field = xstrjoin(ctx.field, ".user", NULL);

		return fail_at(ctx.file, json_object_get(ctx.value, "user"), ctx.value, field,
		               -ENOENT, "user '%s' not found", user_name);
	}
	return load_user(&user, cfg, reterr);
}

int kube_config_load(const char *path, const char *context, struct kube_config **ret,
                     struct error *reterr)
{
	_cleanup_(loader_release) struct loader l = { .reterr = reterr };
	_cleanup_(kube_config_freep) struct kube_config *cfg = NULL;
	int r;

	assert(ret);
	r = path ? loader_add_file(&l, path, false) : loader_add_default(&l);
	if (r < 0)
		return r;
	cfg = xcalloc(1, sizeof(*cfg));
	r = resolve_context(&l, context, cfg);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(cfg);
	return 0;
}

int kube_config_in_cluster(const char *root, struct kube_config **ret, struct error *reterr)
{
	_cleanup_(kube_config_freep) struct kube_config *cfg = NULL;
	_cleanup_free_ char *dir = NULL, *ns_file = NULL, *ns = NULL;
	const char *host = secure_getenv("KUBERNETES_SERVICE_HOST");
	const char *port = secure_getenv("KUBERNETES_SERVICE_PORT");
	struct stat st;
	size_t len;
	int r;

	assert(ret);
	if (!host || !*host || !port || !*port)
		return error_set(reterr, -ENOENT,
		                 "not in a cluster: KUBERNETES_SERVICE_HOST and "
		                 "KUBERNETES_SERVICE_PORT must be set");
	if (!root || streq(root, "/"))
		root = "";
	dir = xstrjoin(root, KUBE_SERVICE_ACCOUNT_DIR, NULL);

	cfg = xcalloc(1, sizeof(*cfg));
	cfg->context = xstrdup("in-cluster");
	cfg->server = strchr(host, ':') ? xasprintf("https://[%s]:%s", host, port) :
	                                  xasprintf("https://%s:%s", host, port);
	cfg->token_file = xstrjoin(dir, "/token", NULL);
	if (stat(cfg->token_file, &st) < 0) {
		r = -errno;
		return error_set(reterr, r, "not in a cluster: cannot read '%s': %s",
		                 cfg->token_file, strerror(-r));
	}
	cfg->ca_file = xstrjoin(dir, "/ca.crt", NULL);
	ns_file = xstrjoin(dir, "/namespace", NULL);
	r = read_file_full(ns_file, KUBE_CONFIG_MAX_BYTES, &ns, &len, NULL);
	if (r >= 0) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_add(&sb, ns, len);
		strbuf_trim(&sb);
		if (sb.len > 0)
			cfg->namespace = strbuf_detach(&sb, NULL);
		strbuf_release(&sb);
	}
	if (!cfg->namespace)
		cfg->namespace = xstrdup("default");
	*ret = TAKE_PTR(cfg);
	return 0;
}

struct kube_exec_config *kube_exec_config_free(struct kube_exec_config *e)
{
	if (!e)
		return NULL;
	free(e->command);
	strv_free(e->args);
	strv_foreach(s, e->env)
		explicit_bzero(s, strlen(s));
	strv_free(e->env);
	free(e->install_hint);
	free(e);
	return NULL;
}

static char *strdup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static char *memdup_or_null(const void *p, size_t len)
{
	return p ? xmemdup(p, len) : NULL;
}

struct kube_config *kube_config_copy(const struct kube_config *cfg)
{
	struct kube_config *c = xcalloc(1, sizeof(*c));

	c->context = strdup_or_null(cfg->context);
	c->namespace = strdup_or_null(cfg->namespace);
	c->server = strdup_or_null(cfg->server);
	c->ca_file = strdup_or_null(cfg->ca_file);
	c->ca_pem = memdup_or_null(cfg->ca_pem, cfg->ca_pem_len);
	c->ca_pem_len = cfg->ca_pem_len;
	c->insecure_skip_tls_verify = cfg->insecure_skip_tls_verify;
	c->tls_server_name = strdup_or_null(cfg->tls_server_name);
	c->cert_file = strdup_or_null(cfg->cert_file);
	c->key_file = strdup_or_null(cfg->key_file);
	c->cert_pem = memdup_or_null(cfg->cert_pem, cfg->cert_pem_len);
	c->cert_pem_len = cfg->cert_pem_len;
	c->key_pem = memdup_or_null(cfg->key_pem, cfg->key_pem_len);
	c->key_pem_len = cfg->key_pem_len;
	c->token = strdup_or_null(cfg->token);
	c->token_file = strdup_or_null(cfg->token_file);
	c->username = strdup_or_null(cfg->username);
	c->password = strdup_or_null(cfg->password);
	if (cfg->exec) {
		const struct kube_exec_config *x = cfg->exec;

		c->exec = xcalloc(1, sizeof(*c->exec));
		c->exec->api = x->api;
		c->exec->command = xstrdup(x->command);
		strv_foreach(a, x->args)
			strv_push(&c->exec->args, a);
		strv_foreach(e, x->env)
			strv_push(&c->exec->env, e);
		c->exec->install_hint = strdup_or_null(x->install_hint);
		c->exec->provide_cluster_info = x->provide_cluster_info;
	}
	return c;
}

struct kube_config *kube_config_free(struct kube_config *cfg)
{
	if (!cfg)
		return NULL;
	free(cfg->context);
	free(cfg->namespace);
	free(cfg->server);
	free(cfg->ca_file);
	free(cfg->ca_pem);
	free(cfg->tls_server_name);
	free(cfg->cert_file);
	free(cfg->key_file);
	free(cfg->cert_pem);
	freezero(cfg->key_pem, cfg->key_pem_len);
	erase_and_free(cfg->token);
	free(cfg->token_file);
	free(cfg->username);
	erase_and_free(cfg->password);
	kube_exec_config_free(cfg->exec);
	free(cfg);
	return NULL;
}

const char *kube_config_server(const struct kube_config *cfg)
{
	return cfg->server;
}

const char *kube_config_namespace(const struct kube_config *cfg)
{
	return cfg->namespace;
}

const char *kube_config_context(const struct kube_config *cfg)
{
	return cfg->context;
}
