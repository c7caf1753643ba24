/* The plan: rendered objects against the cluster, cheap first and exact second (sync.h). */

#include "sync/sync.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "core/sha256.h"
#include "core/strbuf.h"
#include "core/strv.h"
#include "doc/doc.h"
#include "drift/drift.h"
#include "kube/kube.h"
#include "sync/internal.h"

#define LOCAL_GROUP "driftless.dev"

static const char *const action_names[_SYNC_ACTION_MAX] = {
	[SYNC_ACTION_UNCHANGED] = "unchanged", [SYNC_ACTION_CREATE] = "create",
	[SYNC_ACTION_UPDATE] = "update",       [SYNC_ACTION_PRUNE] = "prune",
	[SYNC_ACTION_KEEP] = "keep",           [SYNC_ACTION_LOCAL] = "local",
};

const char *sync_action_to_string(enum sync_action a)
{
	return a >= 0 && a < _SYNC_ACTION_MAX ? action_names[a] : NULL;
}

char *sync_item_label(const struct sync_item *it)
{
	if (it->namespace)
		return xasprintf("%s '%s/%s'", it->kind, it->namespace, it->name);
	return xasprintf("%s '%s'", it->kind, it->name);
}

static void item_release(struct sync_item *it)
{
	free(it->api_version);
	free(it->group);
	free(it->version);
	free(it->kind);
	free(it->namespace);
	free(it->name);
	json_decref(it->desired);
	json_decref(it->body);
	json_decref(it->live);
	json_decref(it->after);
	json_decref(it->paths);
	kube_resource_release(&it->res);
	free(it->uid);
	free(it->note);
	free(it->refusal);
	sync_rds_free(it->rds);
}

struct sync_plan *sync_plan_free(struct sync_plan *p)
{
	if (!p)
		return NULL;
	for (size_t i = 0; i < p->n_items; i++)
		item_release(&p->items[i]);
	free(p->items);
	json_decref(p->desired);
	json_decref(p->inventory);
	free(p);
	return NULL;
}

size_t sync_plan_count(const struct sync_plan *p, enum sync_action a)
{
	return a >= 0 && a < _SYNC_ACTION_MAX ? p->counts[a] : 0;
}

bool sync_plan_has_drift(const struct sync_plan *p)
{
	return p->counts[SYNC_ACTION_CREATE] + p->counts[SYNC_ACTION_UPDATE] +
	               p->counts[SYNC_ACTION_PRUNE] >
	       0;
}

/* --- objects --- */

static void split_api_version(const char *api_version, char **ret_group, char **ret_version)
{
	const char *slash = strchr(api_version, '/');

	*ret_group = slash ? xstrndup(api_version, (size_t)(slash - api_version)) : xstrdup("");
	*ret_version = xstrdup(slash ? slash + 1 : api_version);
}

static enum sync_rank rank_of(const char *group, const char *kind, bool is_namespaced)
{
	static const char *const config[] = { "ServiceAccount", "ConfigMap",
		                              "Secret",         "PersistentVolumeClaim",
		                              "Role",           "RoleBinding",
		                              "LimitRange",     "ResourceQuota" };
	static const char *const workloads[] = { "Deployment", "StatefulSet",
		                                 "DaemonSet",  "ReplicaSet",
		                                 "Job",        "CronJob",
		                                 "Pod",        "ReplicationController" };
	bool is_core_like = streq(group, "") || streq(group, "apps") || streq(group, "batch") ||
	                    streq(group, "rbac.authorization.k8s.io");

	if (streq(group, "") && streq(kind, "Namespace"))
		return SYNC_RANK_NAMESPACE;
	if (streq(group, "apiextensions.k8s.io") && streq(kind, "CustomResourceDefinition"))
		return SYNC_RANK_CRD;
	if (!is_namespaced)
		return SYNC_RANK_CLUSTER;
	if (is_core_like) {
		for (size_t i = 0; i < ELEMENTSOF(config); i++)
			if (streq(kind, config[i]))
				return SYNC_RANK_CONFIG;
		if (streq(group, "") && streq(kind, "Service"))
			return SYNC_RANK_SERVICE;
		for (size_t i = 0; i < ELEMENTSOF(workloads); i++)
			if (streq(kind, workloads[i]))
				return SYNC_RANK_WORKLOAD;
	}
	return SYNC_RANK_OTHER;
}

json_t *sync_object_normal(const json_t *obj)
{
	json_t *copy = doc_copy(obj);
	json_t *metadata, *annotations;

	kube_object_normalize(copy);
	metadata = json_object_get(copy, "metadata");
	annotations = json_object_get(metadata, "annotations");
	if (json_is_object(annotations)) {
		(void)json_object_del(annotations, SYNC_HASH_ANNOTATION);
		if (json_object_size(annotations) == 0)
			(void)json_object_del(metadata, "annotations");
	}
	return copy;
}

static const char *annotation(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(
	        json_object_get(json_object_get(obj, "metadata"), "annotations"), key));
}

/* The first 16 hex digits of the SHA-256 of obj's canonical JSON. */
static void object_hash(const json_t *obj, char ret[17])
{
	_cleanup_(strbuf_release) struct strbuf text = STRBUF_INIT;
	uint8_t digest[SHA256_DIGEST_SIZE];

	doc_json_dump(obj, JSON_COMPACT | JSON_SORT_KEYS, &text);
	sha256(text.buf, text.len, digest);
	for (size_t i = 0; i < 8; i++)
		snprintf(ret + 2 * i, 3, "%02x", digest[i]);
}

static int set_annotation(json_t *obj, const char *key, const char *value)
{
	json_t *metadata = json_object_get(obj, "metadata");
	json_t *annotations = json_object_get(metadata, "annotations");

	if (!json_is_object(annotations)) {
		annotations = json_object();
		if (!annotations || json_object_set_new(metadata, "annotations", annotations) < 0)
			return -ENOMEM;
	}
	return json_object_set_new(annotations, key, json_string(value)) < 0 ? -ENOMEM : 0;
}

/* --- kinds: discovery and one LIST each --- */

struct kind_group {
	char *group, *version, *kind;
	struct kube_resource res;
	bool is_resolved;  /* discovery asked */
	bool has_res;      /* and the kind is served */
	bool is_released;  /* planned: its live objects are dropped */
	char **namespaces; /* strv of the namespaces the desired objects use */
	bool is_listed;
	json_t *live; /* "namespace/name" -> live object */
};

struct planner {
	struct sync_plan *p;
	struct kind_group *kinds;
	size_t n_kinds;
	char **hpa_targets;    /* strv of "namespace/group/Kind/name" */
	json_t *desired_index; /* "group/Kind/namespace/name" -> index of the desired item */
	struct error *reterr;
};

static void kind_group_release(struct kind_group *k)
{
	free(k->group);
	free(k->version);
	free(k->kind);
	kube_resource_release(&k->res);
	strv_free(k->namespaces);
	json_decref(k->live);
}

static void planner_release(struct planner *pl)
{
	for (size_t i = 0; i < pl->n_kinds; i++)
		kind_group_release(&pl->kinds[i]);
	free(pl->kinds);
	strv_free(pl->hpa_targets);
	json_decref(pl->desired_index);
}

static struct kind_group *kind_group_find(struct planner *pl, const char *group,
                                          const char *version, const char *kind)
{
	for (size_t i = 0; i < pl->n_kinds; i++)
		if (streq(pl->kinds[i].group, group) && streq(pl->kinds[i].version, version) &&
		    streq(pl->kinds[i].kind, kind))
			return &pl->kinds[i];
	return NULL;
}

static struct kind_group *kind_group_get(struct planner *pl, const char *group, const char *version,
                                         const char *kind)
{
	struct kind_group *k = kind_group_find(pl, group, version, kind);

	if (k)
		return k;
	pl->kinds = xreallocarray(pl->kinds, pl->n_kinds + 1, sizeof(*pl->kinds));
	k = &pl->kinds[pl->n_kinds++];
	*k = (struct kind_group){ .group = xstrdup(group),
		                  .version = xstrdup(version),
		                  .kind = xstrdup(kind),
		                  .res = KUBE_RESOURCE_INIT };
	return k;
}

/*
 * The CustomResourceDefinition among the desired objects that serves group/version kind,
 * or NULL.
 */
static const json_t *desired_crd(const json_t *desired, const char *group, const char *version,
                                 const char *kind)
{
	const json_t *obj, *v;
	size_t i, j;

	json_array_foreach(desired, i, obj) {
		const json_t *spec = json_object_get(obj, "spec");

		if (!streq_ptr(json_string_value(json_object_get(obj, "kind")),
		               "CustomResourceDefinition") ||
		    !streq_ptr(json_string_value(json_object_get(spec, "group")), group) ||
		    !streq_ptr(json_string_value(
		                       json_object_get(json_object_get(spec, "names"), "kind")),
		               kind))
			continue;
		json_array_foreach(json_object_get(spec, "versions"), j, v)
			if (streq_ptr(json_string_value(json_object_get(v, "name")), version))
				return obj;
	}
	return NULL;
}

static int resolve_kind(struct planner *pl, struct kind_group *k)
{
	struct error e = ERROR_INIT;
	int r;

	r = kube_discovery_lookup(pl->p->t->client, k->group, k->version, k->kind, &k->res, &e);
	if (r >= 0) {
		k->has_res = true;
		return 0;
	}
	if (r == -ENOENT && desired_crd(pl->p->desired, k->group, k->version, k->kind))
		return 0;
	if (r == -ENOENT)
		return error_set(pl->reterr, -EINVAL, "%s", e.message);
	if (pl->reterr)
		*pl->reterr = e;
	return r;
}

static int live_index_add(json_t *index, json_t *items)
{
	json_t *obj;
	size_t i;

	json_array_foreach(items, i, obj) {
		const json_t *metadata = json_object_get(obj, "metadata");
		const char *ns = json_string_value(json_object_get(metadata, "namespace"));
		const char *name = json_string_value(json_object_get(metadata, "name"));
		_cleanup_free_ char *key = NULL;

		if (!name)
			continue;
		key = xasprintf("%s/%s", ns ? ns : "", name);
		if (json_object_set(index, key, obj) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* One LIST in the one namespace used, else across all, else one per namespace. */
static int list_kind(struct planner *pl, struct kind_group *k)
{
	struct sync_plan *p = pl->p;
	bool is_one_list = !k->res.is_namespaced || strv_length(k->namespaces) == 1;
	struct error e = ERROR_INIT;
	json_auto_t *items = NULL;
	int r;

	k->live = json_object();
	if (!k->live)
		return error_set(pl->reterr, -ENOMEM, "out of memory");
	p->n_lists++;
	r = kube_list_flags(p->t->client, &k->res,
	                    is_one_list && k->res.is_namespaced ? k->namespaces[0] : NULL, NULL,
	                    KUBE_LIST_SLIM, &items, &e);
	if (r >= 0) {
		k->is_listed = true;
		return live_index_add(k->live, items) < 0 ?
		               error_set(pl->reterr, -ENOMEM, "out of memory") :
		               0;
	}
	if (r != -EACCES || is_one_list) {
		if (pl->reterr)
			*pl->reterr = e;
		return r;
	}
	/* not allowed across namespaces: one LIST in each */
	for (char **ns = k->namespaces; ns && *ns; ns++) {
		json_auto_t *some = NULL;

		p->n_lists++;
		r = kube_list_flags(p->t->client, &k->res, *ns, NULL, KUBE_LIST_SLIM, &some,
		                    pl->reterr);
		if (r < 0)
			return r;
		if (live_index_add(k->live, some) < 0)
			return error_set(pl->reterr, -ENOMEM, "out of memory");
	}
	k->is_listed = true;
	return 0;
}

/* --- desired objects --- */

/* A new item at the end of p->items (which may move). */
static struct sync_item *add_item(struct sync_plan *p)
{
	struct sync_item *it;

	p->items = xreallocarray(p->items, p->n_items + 1, sizeof(*p->items));
	it = &p->items[p->n_items++];
	*it = (struct sync_item){ .res = KUBE_RESOURCE_INIT };
	return it;
}

/* A kind its CRD brings (with this plan) is namespaced unless that CRD says Cluster. */
static bool crd_is_namespaced(const json_t *desired, const struct sync_item *it)
{
	const json_t *crd = desired_crd(desired, it->group, it->version, it->kind);

	return !streq_ptr(json_string_value(json_object_get(json_object_get(crd, "spec"), "scope")),
	                  "Cluster");
}

static int take_desired(struct planner *pl, json_t *obj, size_t index)
{
	struct sync_plan *p = pl->p;
	const char *api_version = json_string_value(json_object_get(obj, "apiVersion"));
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	json_t *metadata = json_object_get(obj, "metadata");
	const char *name = json_string_value(json_object_get(metadata, "name"));
	const char *ns = json_string_value(json_object_get(metadata, "namespace"));
	struct kind_group *k;
	struct sync_item *it;
	int r;

	if (!api_version || !kind || !name || !json_is_object(metadata))
		return error_set(
		        pl->reterr, -EINVAL,
		        "object %zu of the render has no apiVersion, kind or metadata.name",
		        index + 1);
	it = add_item(p);
	it->api_version = xstrdup(api_version);
	split_api_version(api_version, &it->group, &it->version);
	it->kind = xstrdup(kind);
	it->name = xstrdup(name);
	it->desired = json_incref(obj);
	if (streq(it->group, LOCAL_GROUP) || endswith(it->group, "." LOCAL_GROUP)) {
		it->namespace = ns ? xstrdup(ns) : NULL;
		it->action = SYNC_ACTION_LOCAL;
		return 0;
	}

	k = kind_group_get(pl, it->group, it->version, it->kind);
	if (!k->is_resolved) {
		r = resolve_kind(pl, k);
		if (r < 0)
			return r;
		k->is_resolved = true;
	}
	if (k->has_res) {
		it->has_res = true;
		kube_resource_copy(&it->res, &k->res);
	}
	if (k->has_res ? k->res.is_namespaced : crd_is_namespaced(p->desired, it)) {
		if (!ns || !ns[0]) {
			ns = p->t->default_namespace ? p->t->default_namespace : "default";
			if (json_object_set_new(metadata, "namespace", json_string(ns)) < 0)
				return error_set(pl->reterr, -ENOMEM, "out of memory");
		}
		it->namespace = xstrdup(ns);
		if (!strv_contains(k->namespaces, ns))
			strv_push(&k->namespaces, ns);
	} else if (ns) {
		(void)json_object_del(metadata, "namespace");
	}
	it->rank = rank_of(it->group, it->kind, it->namespace != NULL);
	return 0;
}

/* --- HorizontalPodAutoscalers: spec.replicas of what they scale is theirs --- */

static void hpa_add_target(struct planner *pl, const json_t *hpa)
{
	const json_t *ref = json_object_get(json_object_get(hpa, "spec"), "scaleTargetRef");
	const char *ns =
	        json_string_value(json_object_get(json_object_get(hpa, "metadata"), "namespace"));
	const char *api_version = json_string_value(json_object_get(ref, "apiVersion"));
	const char *kind = json_string_value(json_object_get(ref, "kind"));
	const char *name = json_string_value(json_object_get(ref, "name"));
	_cleanup_free_ char *group = NULL, *version = NULL;

	if (!kind || !name)
		return;
	split_api_version(api_version ? api_version : "apps/v1", &group, &version);
	strv_consume(&pl->hpa_targets, xasprintf("%s/%s/%s/%s", ns ? ns : "", group, kind, name));
}

static bool sets_replicas(const struct sync_item *it)
{
	return it->action != SYNC_ACTION_LOCAL && it->desired &&
	       json_object_get(json_object_get(it->desired, "spec"), "replicas") &&
	       (streq(it->kind, "Deployment") || streq(it->kind, "StatefulSet") ||
	        streq(it->kind, "ReplicaSet"));
}

/* The HPAs of the LIST of the plan's HPA kind, when it covers every one of namespaces. */
static const json_t *listed_hpas(struct planner *pl, char **namespaces)
{
	for (size_t i = 0; i < pl->n_kinds; i++) {
		const struct kind_group *k = &pl->kinds[i];
		bool covers = true;

		if (!streq(k->group, "autoscaling") || !streq(k->kind, "HorizontalPodAutoscaler") ||
		    !k->is_listed)
			continue;
		if (strv_length(k->namespaces) == 1)
			for (char **ns = namespaces; ns && *ns; ns++)
				covers = covers && streq(*ns, k->namespaces[0]);
		else
			for (char **ns = namespaces; ns && *ns; ns++)
				covers = covers && strv_contains(k->namespaces, *ns);
		if (covers)
			return k->live;
	}
	return NULL;
}

/* LIST the HPAs of namespaces: in the one, else across all, else one LIST per namespace. */
static int list_hpas(struct planner *pl, char **namespaces, json_t *all)
{
	struct sync_plan *p = pl->p;
	_cleanup_(kube_resource_release) struct kube_resource res = KUBE_RESOURCE_INIT;
	struct error e = ERROR_INIT;
	json_auto_t *items = NULL;
	int r;

	r = kube_discovery_lookup(p->t->client, "autoscaling", "v2", "HorizontalPodAutoscaler",
	                          &res, NULL);
	if (r == -ENOENT)
		r = kube_discovery_lookup(p->t->client, "autoscaling", "v1",
		                          "HorizontalPodAutoscaler", &res, pl->reterr);
	if (r < 0)
		return r;
	p->n_lists++;
	r = kube_list_flags(p->t->client, &res, strv_length(namespaces) == 1 ? namespaces[0] : NULL,
	                    NULL, KUBE_LIST_SLIM, &items, &e);
	if (r >= 0)
		return json_array_extend(all, items) < 0 ? -ENOMEM : 0;
	if (r != -EACCES || strv_length(namespaces) == 1) {
		if (pl->reterr)
			*pl->reterr = e;
		return r;
	}
	for (char **ns = namespaces; *ns; ns++) {
		json_auto_t *some = NULL;

		p->n_lists++;
		r = kube_list_flags(p->t->client, &res, *ns, NULL, KUBE_LIST_SLIM, &some,
		                    pl->reterr);
		if (r < 0)
			return r;
		if (json_array_extend(all, some) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int find_hpa_targets(struct planner *pl)
{
	struct sync_plan *p = pl->p;
	_cleanup_(strv_freep) char **namespaces = NULL;
	json_auto_t *all = json_array();
	const json_t *hpa, *listed;
	const char *key;
	size_t i;
	int r;

	for (i = 0; i < p->n_items; i++) {
		struct sync_item *it = &p->items[i];

		if (it->action == SYNC_ACTION_LOCAL || !streq(it->kind, "HorizontalPodAutoscaler"))
			continue;
		hpa_add_target(pl, it->desired);
	}
	for (i = 0; i < p->n_items; i++)
		if (sets_replicas(&p->items[i]) && p->items[i].namespace &&
		    !strv_contains(namespaces, p->items[i].namespace))
			strv_push(&namespaces, p->items[i].namespace);
	if (!namespaces)
		return 0;

	/* HPAs live or to come; the plan's own LIST of them serves when it covers the workloads */
	listed = listed_hpas(pl, namespaces);
	if (listed) {
		json_object_foreach((json_t *)listed, key, hpa)
			hpa_add_target(pl, hpa);
		return 0;
	}
	if (!all)
		return error_set(pl->reterr, -ENOMEM, "out of memory");
	r = list_hpas(pl, namespaces, all);
	if (r < 0)
		return r;
	json_array_foreach(all, i, hpa)
		hpa_add_target(pl, hpa);
	return 0;
}

static bool is_hpa_target(const struct planner *pl, const struct sync_item *it)
{
	_cleanup_free_ char *key = NULL;

	if (!pl->hpa_targets || !sets_replicas(it))
		return false;
	key = xasprintf("%s/%s/%s/%s", it->namespace ? it->namespace : "", it->group, it->kind,
	                it->name);
	return strv_contains(pl->hpa_targets, key);
}

/* --- comparing --- */

static bool rule_matches(const struct sync_ignore_rule *rule, const struct sync_item *it)
{
	return (!rule->group || streq(rule->group, it->group)) &&
	       (!rule->kind || streq(rule->kind, it->kind)) &&
	       (!rule->namespace || streq_ptr(rule->namespace, it->namespace)) &&
	       (!rule->name || streq(rule->name, it->name));
}

/* The ignore paths for it: the config's rules, and spec.replicas under an HPA. */
static char **ignore_paths(const struct sync_plan *p, const struct sync_item *it)
{
	char **paths = NULL;

	for (size_t i = 0; i < p->t->n_ignore; i++)
		if (rule_matches(&p->t->ignore[i], it))
			strv_extend(&paths, p->t->ignore[i].paths);
	if (it->is_hpa_owned)
		strv_push(&paths, "/spec/replicas");
	return paths;
}

static int append_paths(json_t *paths, const json_t *diffs)
{
	const json_t *d, *q;
	size_t i, j;

	json_array_foreach(diffs, i, d) {
		const char *path = json_string_value(json_object_get(d, "path"));
		bool seen = false;

		json_array_foreach(paths, j, q)
			seen = seen || streq(json_string_value(q), path);
		if (!seen && json_array_append_new(paths, json_string(path)) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The paths where a and b differ, whichever sets them: two one-way comparisons. */
static int compare_both_ways(const json_t *a, const json_t *b, char **ignore, json_t **ret,
                             struct error *reterr)
{
	const struct drift_compare_options opts = { .ignore_paths = (const char *const *)ignore };
	json_auto_t *one = NULL, *two = NULL, *paths = json_array();
	int r;

	r = drift_compare(a, b, &opts, &one, reterr);
	if (r >= 0)
		r = drift_compare(b, a, &opts, &two, reterr);
	if (r < 0)
		return r;
	if (!paths || append_paths(paths, one) < 0 || append_paths(paths, two) < 0)
		return error_set(reterr, -ENOMEM, "out of memory");
	*ret = TAKE_PTR(paths);
	return 0;
}

void sync_item_hash(struct sync_item *it)
{
	object_hash(it->desired, it->hash);
}

int sync_item_body(struct sync_item *it)
{
	json_t *spec;

	if (it->body)
		return 0;
	it->body = doc_copy(it->desired);
	if (!it->body || set_annotation(it->body, SYNC_HASH_ANNOTATION, it->hash) < 0)
		return -ENOMEM;
	spec = json_object_get(it->body, "spec");
	if (it->is_hpa_owned && it->live && json_is_object(spec))
		(void)json_object_del(spec, "replicas");
	return 0;
}

/*
 * Whether namespace is among the desired objects: then a dry run that did not find it
 * means that this plan creates it.
 */
static bool plan_creates_namespace(struct planner *pl, const char *namespace)
{
	const struct sync_plan *p = pl->p;

	for (size_t i = 0; i < p->n_items; i++) {
		const struct sync_item *it = &p->items[i];

		if (it->rank == SYNC_RANK_NAMESPACE && it->desired && streq(it->name, namespace))
			return true;
	}
	return false;
}

static int plan_create(struct planner *pl, struct sync_item *it)
{
	struct sync_plan *p = pl->p;
	struct error e = ERROR_INIT;
	json_auto_t *answer = NULL;
	int r;

	it->action = SYNC_ACTION_CREATE;
	it->was_created = true;
	if (!it->has_res) {
		it->note = xstrdup("its CustomResourceDefinition comes with this revision");
		it->after = json_incref(it->desired);
		return 0;
	}
	p->n_dry_runs++;
	r = sync_item_apply(p, it, true, &answer, &e);
	if (r == -ENOENT && it->namespace && plan_creates_namespace(pl, it->namespace)) {
		/* its namespace is not there yet: created by this plan, or an error at apply */
		it->note = xstrdup("no dry run: its namespace does not exist yet");
		it->after = json_incref(it->desired);
		return 0;
	}
	if (r < 0)
		return error_set(pl->reterr, r == -EBUSY || r == -EPROTO ? -EINVAL : r, "%s",
		                 e.message);
	it->after = TAKE_PTR(answer);
	return 0;
}

static int plan_existing(struct planner *pl, struct sync_item *it)
{
	struct sync_plan *p = pl->p;
	_cleanup_(strv_freep) char **ignore = ignore_paths(p, it);
	const struct drift_compare_options opts = { .ignore_paths = (const char *const *)ignore };
	_cleanup_free_ char *label = sync_item_label(it);
	json_auto_t *diffs = NULL, *answer = NULL, *before = NULL, *after = NULL;
	struct error e = ERROR_INIT;
	const char *live_hash = annotation(it->live, SYNC_HASH_ANNOTATION);
	const char *uid =
	        json_string_value(json_object_get(json_object_get(it->live, "metadata"), "uid"));
	bool is_changed_in_git;
	int r;

	it->uid = uid ? xstrdup(uid) : NULL;
	is_changed_in_git = live_hash && !streq(live_hash, it->hash);
	r = drift_compare(it->desired, it->live, &opts, &diffs, &e);
	if (r < 0)
		return error_set(pl->reterr, r, "%s: %s", label, e.message);
	if (json_array_size(diffs) == 0 && !is_changed_in_git) {
		/* in sync: nothing of it is needed any more (its uid is kept) */
		it->action = SYNC_ACTION_UNCHANGED;
		json_decref(it->live);
		it->live = NULL;
		return 0;
	}

	p->n_dry_runs++;
	r = sync_item_apply(p, it, true, &answer, &e);
	if (r < 0)
		return error_set(pl->reterr, r == -EBUSY || r == -EPROTO ? -EINVAL : r, "%s",
		                 e.message);
	before = sync_object_normal(it->live);
	after = sync_object_normal(answer);
	r = compare_both_ways(after, before, ignore, &it->paths, &e);
	if (r < 0)
		return error_set(pl->reterr, r, "%s: %s", label, e.message);
	it->after = TAKE_PTR(answer);
	if (json_array_size(it->paths) > 0) {
		it->action = SYNC_ACTION_UPDATE;
		return 0;
	}
	it->action = SYNC_ACTION_UNCHANGED;
	it->is_refresh = is_changed_in_git;
	return 0;
}

static int plan_desired(struct planner *pl, struct sync_item *it)
{
	struct kind_group *k = kind_group_find(pl, it->group, it->version, it->kind);
	_cleanup_free_ char *key = NULL;

	key = xasprintf("%s/%s", it->namespace ? it->namespace : "", it->name);
	if (k && k->live)
		it->live = json_incref(json_object_get(k->live, key));
	it->is_hpa_owned = is_hpa_target(pl, it);
	sync_item_hash(it);
	return it->live ? plan_existing(pl, it) : plan_create(pl, it);
}

/* --- the inventory: what left git --- */

static char *object_key(const char *group, const char *kind, const char *ns, const char *name)
{
	return xasprintf("%s/%s/%s/%s", group, kind, ns ? ns : "", name);
}

/* Index the desired objects (items before n_desired) by object_key(). */
static int index_desired(struct planner *pl, size_t n_desired)
{
	pl->desired_index = json_object();
	if (!pl->desired_index)
		return -ENOMEM;
	for (size_t i = 0; i < n_desired; i++) {
		const struct sync_item *it = &pl->p->items[i];
		_cleanup_free_ char *key = NULL;

		if (it->action == SYNC_ACTION_LOCAL || sync_rds_is_kind(it->group, it->kind))
			continue;
		key = object_key(it->group, it->kind, it->namespace, it->name);
		if (json_object_set_new(pl->desired_index, key, json_integer((json_int_t)i)) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The desired item an inventory entry names, or NULL. */
static struct sync_item *desired_item(struct planner *pl, const json_t *entry)
{
	_cleanup_free_ char *key = object_key(json_string_value(json_array_get(entry, 0)),
	                                      json_string_value(json_array_get(entry, 2)),
	                                      json_string_value(json_array_get(entry, 3)),
	                                      json_string_value(json_array_get(entry, 4)));
	const json_t *i = json_object_get(pl->desired_index, key);

	return i ? &pl->p->items[json_integer_value(i)] : NULL;
}

/* Inventory flags of the desired objects that were there before. */
static void inherit_inventory(struct planner *pl, const json_t *entry)
{
	struct sync_item *it = desired_item(pl, entry);

	if (it && it->action != SYNC_ACTION_CREATE)
		it->was_created = json_is_true(json_array_get(entry, 6));
}

static int plan_left_git(struct planner *pl, const json_t *entry)
{
	struct sync_plan *p = pl->p;
	const char *group = json_string_value(json_array_get(entry, 0));
	const char *version = json_string_value(json_array_get(entry, 1));
	const char *kind = json_string_value(json_array_get(entry, 2));
	const char *ns = json_string_value(json_array_get(entry, 3));
	const char *name = json_string_value(json_array_get(entry, 4));
	const char *uid = json_string_value(json_array_get(entry, 5));
	struct kind_group *k;
	struct sync_item *it;
	json_auto_t *live = NULL;
	const char *live_uid;
	struct error e = ERROR_INIT;
	int r;

	if (!group || !version || !kind || !ns || !name || !uid)
		return 0; /* not an entry we wrote */
	if (desired_item(pl, entry))
		return 0;
	k = kind_group_get(pl, group, version, kind);
	if (!k->has_res) {
		r = kube_discovery_lookup(p->t->client, group, version, kind, &k->res, &e);
		if (r == -ENOENT)
			return 0; /* the kind is gone, and its objects with it */
		if (r < 0)
			return error_set(pl->reterr, r, "%s", e.message);
		k->has_res = true;
	}
	if (k->is_listed && !k->is_released) {
		_cleanup_free_ char *key = xasprintf("%s/%s", ns, name);

		live = json_incref(json_object_get(k->live, key));
	} else {
		r = kube_get(p->t->client, &k->res, ns, name, &live, &e);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return error_set(pl->reterr, r, "%s", e.message);
	}
	if (!live)
		return 0;

	it = add_item(p);
	it->group = xstrdup(group);
	it->version = xstrdup(version);
	it->api_version = group[0] ? xasprintf("%s/%s", group, version) : xstrdup(version);
	it->kind = xstrdup(kind);
	it->namespace = k->res.is_namespaced ? xstrdup(ns) : NULL;
	it->name = xstrdup(name);
	it->live = TAKE_PTR(live);
	it->uid = xstrdup(uid);
	it->was_created = json_is_true(json_array_get(entry, 6));
	it->rank = rank_of(group, kind, k->res.is_namespaced);
	it->has_res = true;
	kube_resource_copy(&it->res, &k->res);
	live_uid = json_string_value(json_object_get(json_object_get(it->live, "metadata"), "uid"));
	it->action = SYNC_ACTION_KEEP;
	if (!p->t->prune)
		it->note = xstrdup("prune is off");
	else if (!it->was_created)
		it->note = xstrdup("driftless did not create it");
	else if (uid[0] && !streq_ptr(live_uid, uid)) {
		/* not the object driftless created: no longer in its inventory */
		it->note = xstrdup("it was deleted and created again by someone else");
		it->was_created = false;
	} else if (streq_ptr(annotation(it->live, SYNC_PRUNE_ANNOTATION), "disabled"))
		it->note = xstrdup("annotation " SYNC_PRUNE_ANNOTATION ": disabled");
	else
		it->action = SYNC_ACTION_PRUNE;
	return 0;
}

/* --- the plan --- */

static bool is_hpa_kind(const struct kind_group *k)
{
	return streq(k->group, "autoscaling") && streq(k->kind, "HorizontalPodAutoscaler");
}

static bool is_of_kind(const struct kind_group *k, const char *group, const char *version,
                       const char *kind)
{
	return streq_ptr(group, k->group) && streq_ptr(version, k->version) &&
	       streq_ptr(kind, k->kind);
}

/*
 * Plan what kind group i holds, in git and in the inventory, from its LIST (made first).
 * entry_done marks the inventory entries handled.
 */
static int plan_kind(struct planner *pl, size_t i, const json_t *inventory, bool *entry_done)
{
	struct sync_plan *p = pl->p;
	const json_t *entry;
	size_t j;
	int r;

	r = list_kind(pl, &pl->kinds[i]);
	if (r < 0)
		return r;
	for (j = 0; j < p->n_items; j++) {
		struct sync_item *it = &p->items[j];

		if (it->action == SYNC_ACTION_LOCAL || it->desired == NULL ||
		    !is_of_kind(&pl->kinds[i], it->group, it->version, it->kind))
			continue;
		r = plan_desired(pl, it);
		if (r < 0)
			return r;
	}
	json_array_foreach(inventory, j, entry) {
		if (entry_done[j] ||
		    !is_of_kind(&pl->kinds[i], json_string_value(json_array_get(entry, 0)),
		                json_string_value(json_array_get(entry, 1)),
		                json_string_value(json_array_get(entry, 2))))
			continue;
		entry_done[j] = true;
		r = plan_left_git(pl, entry);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The live objects of a kind whose objects are planned: only the changed keep theirs. */
static void kind_group_drop_live(struct kind_group *k)
{
	json_decref(k->live);
	k->live = NULL;
	k->is_released = true;
}

/*
 * Kind by kind, so that the live objects of one kind at a time are held, not the whole
 * cluster's: HorizontalPodAutoscalers first (who scales which workload is needed to compare
 * workloads), then the others; then the kinds a CRD of this plan brings (all to create), and
 * what the inventory lists of kinds git no longer has.
 */
static int plan_build(struct planner *pl)
{
	struct sync_plan *p = pl->p;
	json_t *inventory = NULL;
	_cleanup_free_ bool *entry_done = NULL;
	json_t *obj, *entry;
	size_t i, n_desired, n_kinds;
	int r;

	json_array_foreach(p->desired, i, obj) {
		if (!json_is_object(obj))
			return error_set(pl->reterr, -EINVAL,
			                 "object %zu of the render is not a mapping", i + 1);
		r = take_desired(pl, obj, i);
		if (r < 0)
			return r;
	}
	n_desired = p->n_items;
	if (index_desired(pl, n_desired) < 0)
		return error_set(pl->reterr, -ENOMEM, "out of memory");
	if (p->t->inventory_namespace) {
		r = sync_inventory_read(p->t, &p->inventory, &p->has_inventory, pl->reterr);
		if (r < 0)
			return r;
		inventory = p->inventory;
	}
	entry_done = xcalloc(json_array_size(inventory) + 1, sizeof(bool));

	n_kinds = pl->n_kinds;
	for (i = 0; i < n_kinds; i++) {
		if (!pl->kinds[i].has_res || !is_hpa_kind(&pl->kinds[i]))
			continue;
		r = plan_kind(pl, i, inventory, entry_done);
		if (r < 0)
			return r;
	}
	r = find_hpa_targets(pl);
	if (r < 0)
		return r;
	for (i = 0; i < n_kinds; i++) {
		if (!pl->kinds[i].has_res)
			continue;
		if (!is_hpa_kind(&pl->kinds[i])) {
			r = plan_kind(pl, i, inventory, entry_done);
			if (r < 0)
				return r;
		}
		kind_group_drop_live(&pl->kinds[i]);
	}

	for (i = 0; i < n_desired; i++) {
		struct sync_item *it = &p->items[i];

		if (it->action == SYNC_ACTION_LOCAL || it->has_res)
			continue;
		r = plan_desired(pl, it);
		if (r < 0)
			return r;
	}
	json_array_foreach(inventory, i, entry) {
		if (entry_done[i])
			continue;
		r = plan_left_git(pl, entry);
		if (r < 0)
			return r;
	}
	json_array_foreach(inventory, i, entry)
		inherit_inventory(pl, entry);

	/* RDS: parameter groups before the instances that may use them */
	for (int pass = 0; pass < 2; pass++)
		for (i = 0; i < n_desired; i++) {
			struct sync_item *it = &p->items[i];

			if (!sync_rds_is_kind(it->group, it->kind) ||
			    streq(it->kind, "RDSInstance") != (pass == 1))
				continue;
			r = sync_rds_plan(p, it, pl->reterr);
			if (r < 0)
				return r;
		}
	for (i = 0; i < p->n_items; i++)
		p->counts[p->items[i].action]++;
	return 0;
}

int sync_plan_new(const struct sync_target *t, json_t *desired, struct sync_plan **ret,
                  struct error *reterr)
{
	_cleanup_(sync_plan_freep) struct sync_plan *p = NULL;
	struct planner pl = { .reterr = reterr };
	int r;

	assert(t && t->client && ret);
	p = xcalloc(1, sizeof(*p));
	p->t = t;
	p->desired = desired;
	if (!json_is_array(desired))
		return error_set(reterr, -EINVAL, "the render is not a list of objects");
	pl.p = p;
	r = plan_build(&pl);
	planner_release(&pl);
	if (r < 0)
		return r;
	log_debug("plan %s: %u LISTs, %u dry runs, %u AWS calls", t->env ? t->env : "",
	          p->n_lists, p->n_dry_runs, p->n_aws_calls);
	*ret = TAKE_PTR(p);
	return 0;
}
