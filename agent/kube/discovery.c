/*
 * Discovery: which resource (plural name, scope, verbs) serves a kind. One APIResourceList
 * per group-version, fetched when first needed and again when it lacks a kind.
 */

#include "kube/kube.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strv.h"
#include "kube/internal.h"

struct group_version {
	char *group;
	char *version;
	json_t *resources; /* the "resources" array of the APIResourceList; [] when 404 */
};

struct kube_discovery {
	struct group_version *gvs;
	size_t n_gvs;
};

struct kube_discovery *kube_discovery_free(struct kube_discovery *d)
{
	if (!d)
		return NULL;
	for (size_t i = 0; i < d->n_gvs; i++) {
		free(d->gvs[i].group);
		free(d->gvs[i].version);
		json_decref(d->gvs[i].resources);
	}
	free(d->gvs);
	free(d);
	return NULL;
}

void kube_resource_release(struct kube_resource *res)
{
	if (!res)
		return;
	free(res->group);
	free(res->version);
	free(res->kind);
	free(res->name);
	strv_free(res->verbs);
	*res = (struct kube_resource)KUBE_RESOURCE_INIT;
}

void kube_resource_copy(struct kube_resource *dst, const struct kube_resource *src)
{
	*dst = (struct kube_resource){
		.group = src->group ? xstrdup(src->group) : NULL,
		.version = src->version ? xstrdup(src->version) : NULL,
		.kind = src->kind ? xstrdup(src->kind) : NULL,
		.name = src->name ? xstrdup(src->name) : NULL,
		.is_namespaced = src->is_namespaced,
		.verbs = strv_copy(src->verbs),
	};
}

bool kube_resource_has_verb(const struct kube_resource *res, const char *verb)
{
	assert(res && verb);
	return strv_contains(res->verbs, verb);
}

/* Group and version end up in a URL path: DNS-1123 characters only. */
static bool is_valid_name(const char *s, bool may_be_empty)
{
	if (!s[0])
		return may_be_empty;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789.-") == strlen(s);
}

static struct group_version *find_gv(struct kube_discovery *d, const char *group,
                                     const char *version)
{
	for (size_t i = 0; d && i < d->n_gvs; i++)
		if (streq(d->gvs[i].group, group) && streq(d->gvs[i].version, version))
			return &d->gvs[i];
	return NULL;
}

/* GET the APIResourceList of group/version into the cache (replacing what it held). */
static int fetch_gv(struct kube_client *c, const char *group, const char *version,
                    struct group_version **ret, struct error *reterr)
{
	struct kube_discovery **slot = kube_client_discovery(c);
	_cleanup_free_ char *path = NULL;
	json_auto_t *doc = NULL;
	json_t *resources;
	struct group_version *gv;
	long status = 0;
	int r;

	if (group[0])
		path = xasprintf("/apis/%s/%s", group, version);
	else
		path = xasprintf("/api/%s", version);
	r = kube_client_request(c, "GET", path, NULL, NULL, &status, &doc, reterr);
	if (r == -ENOENT && status == 404) {
		error_clear(reterr);
		resources = json_array();
	} else if (r < 0)
		return r;
	else {
		resources = json_object_get(doc, "resources");
		if (!json_is_array(resources))
			return error_set(reterr, -EPROTO,
			                 "GET '%s': the answer is not an APIResourceList", path);
		json_incref(resources);
	}

	if (!*slot)
		*slot = xcalloc(1, sizeof(**slot));
	gv = find_gv(*slot, group, version);
	if (!gv) {
		struct kube_discovery *d = *slot;

		d->gvs = xreallocarray(d->gvs, d->n_gvs + 1, sizeof(*d->gvs));
		gv = &d->gvs[d->n_gvs++];
		gv->group = xstrdup(group);
		gv->version = xstrdup(version);
	} else
		json_decref(gv->resources);
	gv->resources = resources;
	*ret = gv;
	return 0;
}

/* The entry of resources whose kind is kind, subresources excluded; NULL when none. */
static const json_t *find_kind(const json_t *resources, const char *kind)
{
	const json_t *item;
	size_t i;

	json_array_foreach(resources, i, item) {
		const char *name = json_string_value(json_object_get(item, "name"));
		const char *k = json_string_value(json_object_get(item, "kind"));

		if (!name || !k || strchr(name, '/'))
			continue;
		if (streq(k, kind))
			return item;
	}
	return NULL;
}

static void fill(const char *group, const char *version, const json_t *item,
                 struct kube_resource *ret)
{
	const json_t *verbs = json_object_get(item, "verbs"), *v;
	char **l = xcalloc(1, sizeof(char *));
	size_t i;

	json_array_foreach(verbs, i, v)
		if (json_is_string(v))
			strv_push(&l, json_string_value(v));
	ret->group = xstrdup(group);
	ret->version = xstrdup(version);
	ret->kind = xstrdup(json_string_value(json_object_get(item, "kind")));
	ret->name = xstrdup(json_string_value(json_object_get(item, "name")));
	ret->is_namespaced = json_is_true(json_object_get(item, "namespaced"));
	ret->verbs = l;
}

int kube_discovery_lookup(struct kube_client *c, const char *group, const char *version,
                          const char *kind, struct kube_resource *ret, struct error *reterr)
{
	struct group_version *gv;
	const json_t *item = NULL;
	int r;

	assert(c && version && kind && ret);
	if (!group)
		group = "";
	if (!is_valid_name(group, true) || !is_valid_name(version, false))
		return error_set(reterr, -EINVAL, "invalid apiVersion '%s%s%s'", group,
		                 group[0] ? "/" : "", version);

	gv = find_gv(*kube_client_discovery(c), group, version);
	if (gv)
		item = find_kind(gv->resources, kind);
	if (!item) {
		/* not fetched yet, or fetched before the kind's CRD was created */
		r = fetch_gv(c, group, version, &gv, reterr);
		if (r < 0)
			return r;
		item = find_kind(gv->resources, kind);
	}
	if (!item)
		return error_set(reterr, -ENOENT, "no kind %s in %s%s%s; is its CRD installed?",
		                 kind, group, group[0] ? "/" : "", version);
	fill(group, version, item, ret);
	return 0;
}
