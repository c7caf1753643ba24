/* Resources, their ids, and the ordered resource map. */

#include "render/render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/strv.h"
#include "doc/doc.h"
#include "render/internal.h"

/* --- identities --- */

void gvk_parse(const char *api_version, const char *kind, char *buf, size_t size, struct gvk *ret)
{
	const char *slash = strchr(api_version, '/');

	if (slash && (size_t)(slash - api_version) < size) {
		size_t n = (size_t)(slash - api_version);

		memcpy(buf, api_version, n);
		buf[n] = '\0';
		ret->group = buf;
		ret->version = slash + 1;
	} else {
		ret->group = "";
		ret->version = api_version;
	}
	ret->kind = kind;
}

/*
 * kind/apiVersion pairs that the Kubernetes schema kustomize embeds marks cluster-scoped,
 * sorted by kind (strcmp) for bsearch().
 */
static const char *const cluster_scoped[][2] = {
	{ "APIService", "apiregistration.k8s.io/v1" },
	{ "APIService", "apiregistration.k8s.io/v1beta1" },
	{ "CSIDriver", "storage.k8s.io/v1" },
	{ "CSIDriver", "storage.k8s.io/v1beta1" },
	{ "CSINode", "storage.k8s.io/v1" },
	{ "CSINode", "storage.k8s.io/v1beta1" },
	{ "CertificateSigningRequest", "certificates.k8s.io/v1" },
	{ "CertificateSigningRequest", "certificates.k8s.io/v1beta1" },
	{ "ClusterRole", "rbac.authorization.k8s.io/v1" },
	{ "ClusterRole", "rbac.authorization.k8s.io/v1beta1" },
	{ "ClusterRoleBinding", "rbac.authorization.k8s.io/v1" },
	{ "ClusterRoleBinding", "rbac.authorization.k8s.io/v1beta1" },
	{ "ComponentStatus", "v1" },
	{ "CustomResourceDefinition", "apiextensions.k8s.io/v1" },
	{ "CustomResourceDefinition", "apiextensions.k8s.io/v1beta1" },
	{ "FlowSchema", "flowcontrol.apiserver.k8s.io/v1beta1" },
	{ "IngressClass", "networking.k8s.io/v1" },
	{ "IngressClass", "networking.k8s.io/v1beta1" },
	{ "MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1" },
	{ "MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1beta1" },
	{ "Namespace", "v1" },
	{ "Node", "v1" },
	{ "NodeProxyOptions", "v1" },
	{ "PersistentVolume", "v1" },
	{ "PodSecurityPolicy", "policy/v1beta1" },
	{ "PriorityClass", "scheduling.k8s.io/v1" },
	{ "PriorityClass", "scheduling.k8s.io/v1beta1" },
	{ "PriorityLevelConfiguration", "flowcontrol.apiserver.k8s.io/v1beta1" },
	{ "RuntimeClass", "node.k8s.io/v1" },
	{ "RuntimeClass", "node.k8s.io/v1beta1" },
	{ "StorageClass", "storage.k8s.io/v1" },
	{ "StorageClass", "storage.k8s.io/v1beta1" },
	{ "ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1" },
	{ "ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1beta1" },
	{ "VolumeAttachment", "storage.k8s.io/v1" },
	{ "VolumeAttachment", "storage.k8s.io/v1beta1" },
};

static int compare_kind(const void *key, const void *entry)
{
	return strcmp(key, ((const char *const *)entry)[0]);
}

bool gvk_is_cluster_scoped(const struct gvk *gvk)
{
	const char *const(*e)[2] = bsearch(gvk->kind, cluster_scoped, ELEMENTSOF(cluster_scoped),
	                                   sizeof(cluster_scoped[0]), compare_kind);
	size_t glen = strlen(gvk->group);

	if (!e)
		return false;
	/* the first entry of the kind */
	while (e > cluster_scoped && streq(e[-1][0], gvk->kind))
		e--;
	for (; e < cluster_scoped + ELEMENTSOF(cluster_scoped) && streq((*e)[0], gvk->kind); e++) {
		const char *av = (*e)[1];

		if (glen == 0 ? streq(av, gvk->version) :
		                strncmp(av, gvk->group, glen) == 0 && av[glen] == '/' &&
		                        streq(av + glen + 1, gvk->version))
			return true;
	}
	return false;
}

bool gvk_is_selected(const struct gvk *gvk, const struct gvk *sel)
{
	if (!sel)
		return true;
	if (!isempty(sel->group) && !streq(gvk->group, sel->group))
		return false;
	if (!isempty(sel->version) && !streq(gvk->version, sel->version))
		return false;
	if (!isempty(sel->kind) && !streq(gvk->kind, sel->kind))
		return false;
	return true;
}

char *resid_to_string(const struct resid *id)
{
	return xasprintf("%s.%s.%s/%s.%s", isempty(id->gvk.kind) ? "[noKind]" : id->gvk.kind,
	                 isempty(id->gvk.version) ? "[noVer]" : id->gvk.version,
	                 isempty(id->gvk.group) ? "[noGrp]" : id->gvk.group,
	                 isempty(id->name) ? "[noName]" : id->name,
	                 isempty(id->namespace) ? "[noNs]" : id->namespace);
}

const char *gvk_effective_namespace(const struct gvk *gvk, const char *ns)
{
	if (gvk_is_cluster_scoped(gvk))
		return "_non_namespaceable_";
	if (isempty(ns) || streq(ns, "default"))
		return "default";
	return ns;
}

static const char *effective_namespace(const struct resid *id)
{
	return gvk_effective_namespace(&id->gvk, id->namespace);
}

bool resid_equals(const struct resid *a, const struct resid *b)
{
	return streq(a->gvk.group, b->gvk.group) && streq(a->gvk.version, b->gvk.version) &&
	       streq(a->gvk.kind, b->gvk.kind) && streq(a->name, b->name) &&
	       streq(effective_namespace(a), effective_namespace(b));
}

/* --- resources --- */

struct resource *resource_new(json_t *obj, const char *origin)
{
	struct resource *r = xcalloc(1, sizeof(*r));

	r->obj = obj;
	r->origin = xstrdup(origin ? origin : "");
	return r;
}

struct resource *resource_free(struct resource *r)
{
	if (r) {
		json_decref(r->obj);
		free(r->origin);
		strv_free(r->prev_names);
		strv_free(r->prev_namespaces);
		strv_free(r->prev_kinds);
		strv_free(r->prefixes);
		strv_free(r->suffixes);
		free(r);
	}
	return NULL;
}

struct resource *resource_copy(const struct resource *r)
{
	struct resource *c = resource_new(doc_copy(r->obj), r->origin);

	c->prev_names = strv_copy(r->prev_names);
	c->prev_namespaces = strv_copy(r->prev_namespaces);
	c->prev_kinds = strv_copy(r->prev_kinds);
	c->prefixes = strv_copy(r->prefixes);
	c->suffixes = strv_copy(r->suffixes);
	c->behavior = r->behavior;
	c->needs_hash = r->needs_hash;
	c->allow_name_change = r->allow_name_change;
	c->allow_kind_change = r->allow_kind_change;
	return c;
}

static const char *string_at(const json_t *obj, const char *key1, const char *key2)
{
	const json_t *v = json_object_get(obj, key1);

	if (key2)
		v = json_object_get(v, key2);
	return json_is_string(v) ? json_string_value(v) : "";
}

const char *resource_api_version(const struct resource *r)
{
	return string_at(r->obj, "apiVersion", NULL);
}

const char *resource_kind(const struct resource *r)
{
	return string_at(r->obj, "kind", NULL);
}

const char *resource_name(const struct resource *r)
{
	return string_at(r->obj, "metadata", "name");
}

const char *resource_namespace(const struct resource *r)
{
	return string_at(r->obj, "metadata", "namespace");
}

void resource_id(const struct resource *r, char *buf, size_t size, struct resid *ret)
{
	gvk_parse(resource_api_version(r), resource_kind(r), buf, size, &ret->gvk);
	ret->name = resource_name(r);
	ret->namespace = resource_namespace(r);
}

static json_t *metadata_of(struct resource *r)
{
	json_t *md = json_object_get(r->obj, "metadata");

	if (!json_is_object(md)) {
		md = json_object();
		json_object_set_new(r->obj, "metadata", md);
	}
	return md;
}

void resource_set_name(struct resource *r, const char *name)
{
	json_object_set_new(metadata_of(r), "name", json_string(name));
}

void resource_set_namespace(struct resource *r, const char *ns)
{
	json_object_set_new(metadata_of(r), "namespace", json_string(ns));
}

void resource_store_previous_id(struct resource *r)
{
	char buf[256];
	struct resid id;
	const char *ns;

	resource_id(r, buf, sizeof(buf), &id);
	ns = effective_namespace(&id);
	/* kustomize appends to comma-separated annotations, skipping empty values */
	if (!isempty(id.name))
		strv_push(&r->prev_names, id.name);
	strv_push(&r->prev_namespaces, ns);
	if (!isempty(id.gvk.kind))
		strv_push(&r->prev_kinds, id.gvk.kind);
}

void resource_add_prefix(struct resource *r, const char *prefix)
{
	if (isempty(prefix))
		return;
	strv_push(&r->prefixes, prefix);
}

void resource_add_suffix(struct resource *r, const char *suffix)
{
	if (isempty(suffix))
		return;
	strv_push(&r->suffixes, suffix);
}

size_t resource_n_prev_ids(const struct resource *r)
{
	return strv_length(r->prev_names);
}

/* The text yaml.v3 keeps for a scalar node, as kustomize's GetAnnotations() returns it. */
static json_t *as_annotation_value(const json_t *v)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *s;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_incref((json_t *)v);
	case JSON_INTEGER:
		strbuf_addf(&sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		strbuf_addf(&sb, "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
		strbuf_addstr(&sb, "true");
		break;
	case JSON_FALSE:
		strbuf_addstr(&sb, "false");
		break;
	default:
		/* null, maps and lists have no scalar text */
		break;
	}
	s = json_stringn(sb.buf, sb.len);
	strbuf_release(&sb);
	return s;
}

void resource_finish(struct resource *r)
{
	json_t *md = json_object_get(r->obj, "metadata");
	json_t *ann = json_object_get(md, "annotations");
	const char *key;
	json_t *value;

	/* an empty map goes: SetAnnotations() of nothing clears the field */
	if (!json_is_object(ann) || json_object_size(ann) == 0) {
		if (json_is_object(ann))
			json_object_del(md, "annotations");
		return;
	}
	json_object_foreach(ann, key, value) {
		if (!json_is_string(value))
			json_object_set_new(ann, key, as_annotation_value(value));
	}
}

/* --- the resource map --- */

void resmap_release(struct resmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		resource_free(m->items[i]);
	free(m->items);
	json_decref(m->ids);
	*m = (struct resmap)RESMAP_INIT;
}

void resmap_forget_ids(struct resmap *m)
{
	json_decref(m->ids);
	m->ids = NULL;
}

ssize_t resmap_find(const struct resmap *m, const struct resid *id)
{
	for (size_t i = 0; i < m->n; i++) {
		char buf[256];
		struct resid other;

		resource_id(m->items[i], buf, sizeof(buf), &other);
		if (resid_equals(&other, id))
			return (ssize_t)i;
	}
	return -1;
}

void resmap_add(struct resmap *m, struct resource *r)
{
	if (m->n == m->alloc) {
		m->alloc = m->alloc ? m->alloc * 2 : 16;
		m->items = xreallocarray(m->items, m->alloc, sizeof(*m->items));
	}
	m->items[m->n++] = r;
}

int resmap_append(struct resmap *m, struct resource *r, struct error *reterr)
{
	char buf[256];
	struct resid id;
	int code;

	resmap_forget_ids(m);
	resource_id(r, buf, sizeof(buf), &id);
	if (resmap_find(m, &id) >= 0) {
		_cleanup_free_ char *s = resid_to_string(&id);

		code = error_set(reterr, -EINVAL,
		                 "may not add resource with an already registered id: %s (from %s)",
		                 s, r->origin);
		resource_free(r);
		return code;
	}
	resmap_add(m, r);
	return 0;
}

/* The id as one string, namespaces compared the way kustomize's ResId.Equals does. */
static char *id_key(const struct resource *r)
{
	char buf[256];
	struct resid id;

	resource_id(r, buf, sizeof(buf), &id);
	return xstrjoin(id.gvk.group, "\x1f", id.gvk.version, "\x1f", id.gvk.kind, "\x1f",
	                id.name ? id.name : "", "\x1f", effective_namespace(&id), NULL);
}

int resmap_append_all(struct resmap *m, struct resmap *other, struct error *reterr)
{
	json_t *seen;
	int r = 0;
	size_t i;

	/* an index of ids kept across appends, not a scan per appended object */
	if (!m->ids) {
		m->ids = json_object();
		for (i = 0; i < m->n; i++) {
			_cleanup_free_ char *key = id_key(m->items[i]);

			json_object_set_new(m->ids, key, json_integer((json_int_t)i));
		}
	}
	seen = m->ids;
	resmap_forget_ids(other);
	for (i = 0; i < other->n; i++) {
		_cleanup_free_ char *key = id_key(other->items[i]);
		json_t *prev = json_object_get(seen, key);

		if (prev) {
			char buf[256];
			struct resid id;
			_cleanup_free_ char *s = NULL;
			const struct resource *old = m->items[json_integer_value(prev)];

			resource_id(other->items[i], buf, sizeof(buf), &id);
			s = resid_to_string(&id);
			r = error_set(
			        reterr, -EINVAL,
			        "may not add resource with an already registered id: %s (from %s, first from %s)",
			        s, other->items[i]->origin, old->origin);
			break;
		}
		json_object_set_new(seen, key, json_integer((json_int_t)m->n));
		resmap_add(m, other->items[i]);
		other->items[i] = NULL;
	}
	for (; i < other->n; i++)
		resource_free(other->items[i]);
	other->n = 0;
	return r;
}

int resmap_check_unique(const struct resmap *m, const char *what, struct error *reterr)
{
	json_auto_t *seen = json_object();

	for (size_t i = 0; i < m->n; i++) {
		_cleanup_free_ char *key = id_key(m->items[i]);

		if (json_object_get(seen, key)) {
			char buf[256];
			struct resid id;
			_cleanup_free_ char *s = NULL;

			resource_id(m->items[i], buf, sizeof(buf), &id);
			s = resid_to_string(&id);
			return error_set(reterr, -EINVAL, "%s produces ID conflict: %s", what, s);
		}
		json_object_set_new(seen, key, json_true());
	}
	return 0;
}

void resmap_remove(struct resmap *m, size_t i)
{
	resmap_forget_ids(m);
	resource_free(m->items[i]);
	memmove(m->items + i, m->items + i + 1, (m->n - i - 1) * sizeof(*m->items));
	m->n--;
}
