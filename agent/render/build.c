/*
 * One build, as kustomize's KustTarget runs it: for a kustomization, accumulate its
 * resources (files, and directories built recursively), run its generators, apply its
 * components, then its transformers; at the top, add hash suffixes to generated names,
 * fix name references, drop build state and sort.
 */

#include "render/render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/parallel.h"
#include "core/strbuf.h"
#include "core/strv.h"
#include "core/tree.h"
#include "doc/doc.h"
#include "render/internal.h"

struct build {
	struct tree *tree;
	char **roots; /* directories being built, outermost first: cycle detection */
};

static bool is_remote(const char *path)
{
	return strstr(path, "://") || startswith(path, "github.com/") ||
	       startswith(path, "gitlab.com/") || startswith(path, "bitbucket.org/") ||
	       startswith(path, "git@") || startswith(path, "git::");
}

int build_read_file(struct build *b, const struct kustomization *k, const char *rel,
                    char **ret_data, size_t *ret_len, char **ret_display, struct error *reterr)
{
	_cleanup_free_ char *path = NULL, *display = NULL;
	enum tree_entry_type type;
	int r;

	if (is_remote(rel))
		return error_set(
		        reterr, -EINVAL,
		        "%s: '%s': remote files are not supported (driftless renders only what is in the repository)",
		        k->display, rel);
	r = tree_path_join(k->dir, rel, &path);
	if (r < 0 || !tree_path_is_under(path, k->dir)) {
		_cleanup_free_ char *root = tree_display(b->tree, k->dir);

		return error_set(reterr, -EINVAL, "%s: security; file '%s' is not in or below '%s'",
		                 k->display, rel, root);
	}
	display = tree_display(b->tree, path);
	r = tree_stat(b->tree, path, &type, reterr);
	if (r < 0)
		return r;
	if (type == TREE_ENTRY_MISSING)
		return error_set(reterr, -ENOENT, "%s: '%s': no such file (%s)", k->display, rel,
		                 display);
	if (type == TREE_ENTRY_DIR)
		return error_set(reterr, -EISDIR, "%s: '%s' must resolve to a file", k->display,
		                 rel);
	r = tree_read_file(b->tree, path, RENDER_FILE_MAX_BYTES, ret_data, ret_len, reterr);
	if (r < 0)
		return r;
	if (ret_display)
		*ret_display = TAKE_PTR(display);
	return 0;
}

static int accumulate_target(struct build *b, struct kustomization *k, struct resmap *m,
                             struct error *reterr);

/* Build the kustomization in dir into m (a component builds on top of m itself). */
static int accumulate_directory(struct build *b, const struct kustomization *referrer,
                                const char *dir, bool component, struct resmap *m,
                                struct error *reterr)
{
	_cleanup_(kustomization_freep) struct kustomization *k = NULL;
	struct resmap sub = RESMAP_INIT;
	int r;

	/* kustomize: a new root may not contain (or be) any root on the way here */
	strv_foreach(root, b->roots) {
		if (tree_path_is_under(root, dir)) {
			_cleanup_free_ char *d = tree_display(b->tree, dir);
			_cleanup_free_ char *v = tree_display(b->tree, root);

			return error_set(
			        reterr, -EINVAL,
			        "%s: cycle detected: candidate root '%s' contains visited root '%s'",
			        referrer->display, d, v);
		}
	}
	r = kustomization_load(b->tree, dir, &k, reterr);
	if (r < 0)
		return r;
	if (component && !k->is_component)
		return error_set(reterr, -EINVAL, "%s: expected kind 'Component' for path '%s'",
		                 referrer->display, k->display);
	if (!component && k->is_component)
		return error_set(reterr, -EINVAL, "%s: expected kind != 'Component' for path '%s'",
		                 referrer->display, k->display);

	strv_push(&b->roots, dir);
	if (component) {
		r = accumulate_target(b, k, m, reterr);
	} else {
		r = accumulate_target(b, k, &sub, reterr);
		if (r >= 0)
			r = resmap_append_all(m, &sub, reterr);
	}
	resmap_release(&sub);
	free(b->roots[strv_length(b->roots) - 1]);
	b->roots[strv_length(b->roots) - 1] = NULL;
	return r;
}

/* A directory entry of resources, built on its own (possibly in another thread). */
struct dir_job {
	struct build b; /* own roots list: the walk down records where it has been */
	const struct kustomization *k;
	char *path;
	struct resmap result;
	struct error err;
	int r;
};

struct dir_pool {
	struct dir_job *jobs;
	size_t n;
	size_t next; /* taken with __atomic_fetch_add */
};

static void run_dir_jobs(struct dir_pool *pool)
{
	for (;;) {
		size_t i = __atomic_fetch_add(&pool->next, 1, __ATOMIC_RELAXED);
		struct dir_job *j;

		if (i >= pool->n)
			return;
		j = &pool->jobs[i];
		j->r = accumulate_directory(&j->b, j->k, j->path, false, &j->result, &j->err);
	}
}

static void dir_job(void *userdata, size_t thread)
{
	(void)thread;
	run_dir_jobs(userdata);
}

/*
 * Build the directories of one resources list, on every core when there are several (the
 * environment level of a big repository: one overlay per app). Inside that job each
 * directory's own subtree is built serially (parallel_run() from a job is serial). The
 * results are merged in the order of the list, so the output and the first error
 * reported do not depend on the threads.
 */
static void build_directories(struct dir_pool *pool)
{
	parallel_run(pool->n >= 4 ? cpu_count() : 1, dir_job, pool);
}

static void dir_pool_release(struct dir_pool *pool)
{
	for (size_t i = 0; i < pool->n; i++) {
		strv_free(pool->jobs[i].b.roots);
		free(pool->jobs[i].path);
		resmap_release(&pool->jobs[i].result);
	}
	free(pool->jobs);
}

struct entry {
	const json_t *item;
	char *path;
	enum tree_entry_type type;
	ssize_t job; /* for directories: index in the pool */
};

static int accumulate_resources(struct build *b, struct kustomization *k, const json_t *list,
                                const char *field, struct resmap *m, struct error *reterr)
{
	size_t n = json_array_size(list), i;
	_cleanup_free_ struct entry *entries = xcalloc(n ? n : 1, sizeof(*entries));
	struct dir_pool pool = { .jobs = xcalloc(n ? n : 1, sizeof(struct dir_job)) };
	const json_t *item;
	int r = 0;

	/* first the kind of every entry and the directory builds, which may run in parallel */
	json_array_foreach(list, i, item) {
		const char *rel = json_string_value(item);

		entries[i] = (struct entry){ .item = item, .job = -1, .type = TREE_ENTRY_MISSING };
		if (!rel || is_remote(rel) || tree_path_join(k->dir, rel, &entries[i].path) < 0)
			continue;
		r = tree_stat(b->tree, entries[i].path, &entries[i].type, reterr);
		if (r < 0)
			goto out;
		if (entries[i].type == TREE_ENTRY_DIR) {
			struct dir_job *j = &pool.jobs[pool.n];

			j->b.tree = b->tree;
			strv_foreach(root, b->roots)
				strv_push(&j->b.roots, root);
			j->k = k;
			j->path = xstrdup(entries[i].path);
			entries[i].job = (ssize_t)pool.n++;
		}
	}
	build_directories(&pool);

	/* then everything in the order of the list */
	for (i = 0; i < n && r >= 0; i++) {
		const char *rel = json_string_value(entries[i].item);
		_cleanup_free_ char *data = NULL, *display = NULL;
		_cleanup_free_ char *where = xasprintf("%s[%zu]", field, i);
		size_t len;

		if (!rel)
			continue;
		if (is_remote(rel)) {
			r = kustomization_error(
			        k, entries[i].item, where, -EINVAL, reterr,
			        "remote resource '%s' is not supported: vendor it into the repository",
			        rel);
			break;
		}
		if (!entries[i].path) {
			r = kustomization_error(k, entries[i].item, where, -EINVAL, reterr,
			                        "'%s' leaves the tree", rel);
			break;
		}
		switch (entries[i].type) {
		case TREE_ENTRY_FILE:
			if (!tree_path_is_under(entries[i].path, k->dir)) {
				_cleanup_free_ char *root = tree_display(b->tree, k->dir);

				r = kustomization_error(
				        k, entries[i].item, where, -EINVAL, reterr,
				        "security; file '%s' is not in or below '%s'", rel, root);
				break;
			}
			display = tree_display(b->tree, entries[i].path);
			r = tree_read_file(b->tree, entries[i].path, RENDER_FILE_MAX_BYTES, &data,
			                   &len, reterr);
			if (r >= 0)
				r = resources_from_yaml(data, len, display, m, reterr);
			break;
		case TREE_ENTRY_DIR: {
			struct dir_job *j = &pool.jobs[entries[i].job];

			r = j->r;
			if (r < 0) {
				if (reterr)
					*reterr = j->err;
				break;
			}
			r = resmap_append_all(m, &j->result, reterr);
			break;
		}
		default:
			r = kustomization_error(k, entries[i].item, where, -ENOENT, reterr,
			                        "'%s': no such file or directory", rel);
			break;
		}
	}
out:
	for (i = 0; i < n; i++)
		free(entries[i].path);
	dir_pool_release(&pool);
	return r;
}

static int accumulate_components(struct build *b, struct kustomization *k, struct resmap *m,
                                 struct error *reterr)
{
	const json_t *list = json_object_get(k->doc, "components"), *item;
	size_t i;
	int r;

	json_array_foreach(list, i, item) {
		const char *rel = json_string_value(item);
		_cleanup_free_ char *path = NULL, *where = xasprintf("components[%zu]", i);
		enum tree_entry_type type;

		if (!rel)
			continue;
		if (is_remote(rel))
			return kustomization_error(k, item, where, -EINVAL, reterr,
			                           "remote component '%s' is not supported", rel);
		if (tree_path_join(k->dir, rel, &path) < 0)
			return kustomization_error(k, item, where, -EINVAL, reterr,
			                           "'%s' leaves the tree", rel);
		r = tree_stat(b->tree, path, &type, reterr);
		if (r < 0)
			return r;
		if (type != TREE_ENTRY_DIR)
			return kustomization_error(k, item, where, -ENOENT, reterr,
			                           "'%s' must be a directory", rel);
		r = accumulate_directory(b, k, path, true, m, reterr);
		if (r < 0)
			return r;
	}
	return 0;
}

static int accumulate_target(struct build *b, struct kustomization *k, struct resmap *m,
                             struct error *reterr)
{
	int r;

	r = accumulate_resources(b, k, json_object_get(k->doc, "resources"), "resources", m,
	                         reterr);
	if (r >= 0)
		r = accumulate_resources(b, k, json_object_get(k->doc, "bases"), "bases", m,
		                         reterr);
	/* generators and components rename and merge: the id index does not survive them */
	resmap_forget_ids(m);
	if (r >= 0)
		r = build_generators(b, k, m, reterr);
	resmap_forget_ids(m);
	if (r >= 0)
		r = accumulate_components(b, k, m, reterr);
	if (r >= 0)
		r = build_transformers(b, k, m, reterr);
	return r;
}

/* --- the legacy output order --- */

static const char *const order_first[] = {
	"Namespace",
	"ResourceQuota",
	"StorageClass",
	"CustomResourceDefinition",
	"ServiceAccount",
	"PodSecurityPolicy",
	"Role",
	"ClusterRole",
	"RoleBinding",
	"ClusterRoleBinding",
	"ConfigMap",
	"Secret",
	"Endpoints",
	"Service",
	"LimitRange",
	"PriorityClass",
	"PersistentVolume",
	"PersistentVolumeClaim",
	"Deployment",
	"StatefulSet",
	"CronJob",
	"PodDisruptionBudget",
};

static const char *const order_last[] = {
	"MutatingWebhookConfiguration",
	"ValidatingWebhookConfiguration",
};

struct sort_entry {
	struct resource *r;
	int rank;
	char *gvk_key; /* group_version_kind with ~G/~V/~K for empty parts */
	char *id_key;  /* Kind.version.group|namespace|name */
	bool is_namespace_core;
};

static int kind_rank(const char *kind, char **first, char **last, size_t n_first)
{
	for (size_t i = 0; first[i]; i++)
		if (streq(kind, first[i]))
			return (int)i - (int)n_first;
	for (size_t i = 0; last[i]; i++)
		if (streq(kind, last[i]))
			return (int)i + 1;
	return 0;
}

static int compare_entries(const void *x, const void *y)
{
	const struct sort_entry *a = x, *b = y;
	int c;

	if (!streq(a->gvk_key, b->gvk_key)) {
		if (a->rank != b->rank)
			return a->rank < b->rank ? -1 : 1;
		/* kustomize puts core-group Namespaces after other groups' Namespaces */
		if (a->is_namespace_core != b->is_namespace_core && a->rank == b->rank &&
		    (a->is_namespace_core || b->is_namespace_core) &&
		    streq(resource_kind(a->r), "Namespace") &&
		    streq(resource_kind(b->r), "Namespace"))
			return -strcmp(a->gvk_key, b->gvk_key);
		return strcmp(a->gvk_key, b->gvk_key);
	}
	c = strcmp(a->id_key, b->id_key);
	return c;
}

static char **strv_from_json(const json_t *list, const char *const *fallback, size_t n)
{
	char **l = xcalloc(1, sizeof(char *));
	const json_t *item;
	size_t i;

	if (!list) {
		for (i = 0; i < n; i++)
			strv_push(&l, fallback[i]);
		return l;
	}
	json_array_foreach(list, i, item)
		if (json_is_string(item))
			strv_push(&l, json_string_value(item));
	return l;
}

static void sort_resources(struct resmap *m, const json_t *legacy_options)
{
	_cleanup_strv_free_ char **first =
	        strv_from_json(json_object_get(legacy_options, "orderFirst"), order_first,
	                       ELEMENTSOF(order_first));
	_cleanup_strv_free_ char **last = strv_from_json(
	        json_object_get(legacy_options, "orderLast"), order_last, ELEMENTSOF(order_last));
	size_t n_first = strv_length(first);
	struct sort_entry *e = xcalloc(m->n ? m->n : 1, sizeof(*e));

	for (size_t i = 0; i < m->n; i++) {
		char buf[256];
		struct resid id;

		resource_id(m->items[i], buf, sizeof(buf), &id);
		e[i].r = m->items[i];
		e[i].rank = kind_rank(id.gvk.kind, first, last, n_first);
		e[i].gvk_key = xasprintf("%s_%s_%s", isempty(id.gvk.group) ? "~G" : id.gvk.group,
		                         isempty(id.gvk.version) ? "~V" : id.gvk.version,
		                         isempty(id.gvk.kind) ? "~K" : id.gvk.kind);
		e[i].id_key =
		        xasprintf("%s.%s.%s|%s|%s", isempty(id.gvk.kind) ? "[noKind]" : id.gvk.kind,
		                  isempty(id.gvk.version) ? "[noVer]" : id.gvk.version,
		                  isempty(id.gvk.group) ? "[noGrp]" : id.gvk.group,
		                  isempty(id.namespace) ? "~X" : id.namespace,
		                  isempty(id.name) ? "~N" : id.name);
		e[i].is_namespace_core = isempty(id.gvk.group);
	}
	qsort(e, m->n, sizeof(*e), compare_entries);
	for (size_t i = 0; i < m->n; i++) {
		m->items[i] = e[i].r;
		free(e[i].gvk_key);
		free(e[i].id_key);
	}
	free(e);
}

static int apply_sort_options(struct kustomization *k, struct resmap *m, struct error *reterr)
{
	const json_t *opts = json_object_get(k->doc, "sortOptions");
	const char *order = json_string_value(json_object_get(opts, "order"));
	const json_t *legacy = json_object_get(opts, "legacySortOptions");

	if (!opts || json_is_null(opts)) {
		sort_resources(m, NULL);
		return 0;
	}
	if (!order || (!streq(order, "legacy") && !streq(order, "fifo")))
		return kustomization_error(
		        k, opts, "sortOptions.order", -EINVAL, reterr,
		        "the field 'sortOptions.order' must be one of [fifo, legacy]");
	if (streq(order, "fifo")) {
		if (legacy && !json_is_null(legacy))
			return kustomization_error(
			        k, legacy, "sortOptions.legacySortOptions", -EINVAL, reterr,
			        "the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'");
		return 0;
	}
	sort_resources(m, json_is_object(legacy) ? legacy : NULL);
	return 0;
}

int render_kustomization(struct tree *tree, const char *dir, json_t **ret_objects,
                         struct error *reterr)
{
	_cleanup_(kustomization_freep) struct kustomization *k = NULL;
	_cleanup_free_ char *root = NULL;
	struct build b = { .tree = tree };
	struct resmap m = RESMAP_INIT;
	json_t *objects;
	int r;

	/* the workers start now, while the top kustomization is read, and are awake by the
	 * time its directories are built */
	if (cpu_count() > 1)
		parallel_warm_up();
	if (tree_path_join("", dir, &root) < 0)
		return error_set(reterr, -EINVAL, "'%s' leaves the tree", dir);
	r = kustomization_load(tree, root, &k, reterr);
	if (r < 0)
		return r;
	if (k->is_component)
		return error_set(
		        reterr, -EINVAL,
		        "%s: a Component cannot be built on its own, only included from a Kustomization",
		        k->display);
	strv_push(&b.roots, root);
	r = accumulate_target(&b, k, &m, reterr);
	resmap_forget_ids(&m);
	if (r >= 0)
		r = build_hash_names(&m, reterr);
	if (r >= 0)
		r = build_fix_name_references(&m, reterr);
	if (r >= 0)
		r = apply_sort_options(k, &m, reterr);
	strv_free(b.roots);
	if (r < 0) {
		resmap_release(&m);
		return r;
	}
	objects = json_array();
	for (size_t i = 0; i < m.n; i++) {
		resource_finish(m.items[i]);
		json_array_append(objects, m.items[i]->obj);
	}
	resmap_release(&m);
	*ret_objects = objects;
	return 0;
}

int render_parallel(size_t n, parallel_fn *fn, void *userdata, struct error *reterr)
{
	/* inside a job parallel_run() is serial anyway */
	return parallel_ranges(n, n >= 256 ? cpu_count() : 1, fn, userdata, reterr);
}

struct print_ctx {
	const json_t *objects;
	struct strbuf out[PARALLEL_MAX_THREADS];
};

static int print_range(void *userdata, size_t chunk, size_t first, size_t end, struct error *reterr)
{
	struct print_ctx *p = userdata;
	int r;

	for (size_t i = first; i < end; i++) {
		if (i)
			strbuf_addstr(&p->out[chunk], "---\n");
		r = doc_emit_yaml(json_array_get(p->objects, i), &p->out[chunk], reterr);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Objects print independently: a long list is printed in chunks, one per core. */
int render_print(const json_t *objects, struct strbuf *out, struct error *reterr)
{
	struct print_ctx p = { .objects = objects };
	int r;

	for (size_t c = 0; c < PARALLEL_MAX_THREADS; c++)
		p.out[c] = (struct strbuf)STRBUF_INIT;
	r = render_parallel(json_array_size(objects), print_range, &p, reterr);
	for (size_t c = 0; c < PARALLEL_MAX_THREADS; c++) {
		if (r >= 0)
			strbuf_addbuf(out, &p.out[c]);
		strbuf_release(&p.out[c]);
	}
	return r;
}

static int free_range(void *userdata, size_t range, size_t first, size_t end, struct error *reterr)
{
	json_t *objects = userdata;

	(void)range;
	(void)reterr;
	/* each range drops its own slots; the array does not move while they do */
	for (size_t i = first; i < end; i++)
		json_array_set_new(objects, i, json_null());
	return 0;
}

json_t *render_objects_free(json_t *objects)
{
	if (objects) {
		(void)render_parallel(json_array_size(objects), free_range, objects, NULL);
		json_decref(objects);
	}
	return NULL;
}
