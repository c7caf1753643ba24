/*
 * Name references: after names changed (prefix, suffix, hash, namespace), fields that name
 * another object (a ConfigMap in a volume, a Service in an Ingress, a Role in a binding)
 * are pointed at that object's new name, with kustomize's rules for choosing among
 * candidates (previous names, kinds, namespaces, prefixes and suffixes).
 */

#include "render/render.h"

#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/strv.h"
#include "render/internal.h"

struct nameref {
	struct resmap *m;
	struct resource *referrer;
	const struct gvk *referral;
	const struct fieldspec *spec;
	const json_t *by_prev_name; /* previous name -> [index in m] */
	char **binding_namespaces;  /* RoleBinding referrers: namespaces of ServiceAccount subjects
	                             */
};

/* The gvk of previous id i: current group and version, previous kind. */
static struct gvk prev_gvk(const struct resource *r, size_t i, char *buf, size_t size)
{
	struct resid id;

	resource_id(r, buf, size, &id);
	id.gvk.kind = r->prev_kinds[i];
	return id.gvk;
}

static bool same_ending(char **a, char **b)
{
	size_t na = strv_length(a), nb = strv_length(b), diff;
	char **shortest = a, **longest = b;

	if (na > nb) {
		shortest = b;
		longest = a;
		diff = na - nb;
		na = nb;
	} else {
		diff = nb - na;
	}
	if (na == 0)
		return diff == 0;
	for (size_t i = na; i-- > 0;)
		if (!streq(longest[i + diff], shortest[i]))
			return false;
	return true;
}

static bool prefix_suffix_equals(const struct resource *r, const struct resource *o,
                                 bool allow_empty)
{
	if (allow_empty) {
		bool prefix_empty = strv_length(r->prefixes) == 0 || strv_length(o->prefixes) == 0;
		bool suffix_empty = strv_length(r->suffixes) == 0 || strv_length(o->suffixes) == 0;

		return (prefix_empty || same_ending(r->prefixes, o->prefixes)) &&
		       (suffix_empty || same_ending(r->suffixes, o->suffixes));
	}
	return same_ending(r->prefixes, o->prefixes) && same_ending(r->suffixes, o->suffixes);
}

typedef bool sieve_fn(const struct nameref *n, const struct resource *c, const void *arg);

static size_t sieve(const struct nameref *n, struct resource **list, size_t count, sieve_fn *fn,
                    const void *arg)
{
	size_t kept = 0;

	for (size_t i = 0; i < count; i++)
		if (fn(n, list[i], arg))
			list[kept++] = list[i];
	return kept;
}

static bool previous_id_selected(const struct nameref *n, const struct resource *c, const void *arg)
{
	const struct gvk *sel = arg;

	(void)n;
	for (size_t i = 0; i < resource_n_prev_ids(c); i++) {
		char buf[256];
		struct gvk g = prev_gvk(c, i, buf, sizeof(buf));

		if (gvk_is_selected(&g, sel))
			return true;
	}
	return false;
}

static bool same_namespace_as_referrer(const struct nameref *n, const struct resource *c,
                                       const void *arg)
{
	char rbuf[256], cbuf[256];
	struct resid rid, cid;

	(void)arg;
	resource_id(n->referrer, rbuf, sizeof(rbuf), &rid);
	if (gvk_is_cluster_scoped(&rid.gvk))
		return true;
	resource_id(c, cbuf, sizeof(cbuf), &cid);
	if (gvk_is_cluster_scoped(&cid.gvk) || streq(cid.gvk.kind, "ServiceAccount"))
		return true;
	return streq(gvk_effective_namespace(&rid.gvk, rid.namespace),
	             gvk_effective_namespace(&cid.gvk, cid.namespace));
}

static bool prefix_suffix_sieve(const struct nameref *n, const struct resource *c, const void *arg)
{
	return prefix_suffix_equals(c, n->referrer, *(const bool *)arg);
}

/*
 * kustomize's SubsetThatCouldBeReferencedByResource for one referrer, narrowed at once to the
 * objects that had old_name as a previous name (the first sieve of selectReferral): an
 * index lookup instead of a scan of every object for every reference.
 */
static size_t gather_candidates(const struct nameref *n, const char *old_name,
                                struct resource ***ret)
{
	const json_t *indices = json_object_get(n->by_prev_name, old_name), *idx;
	struct resource **out = xcalloc(json_array_size(indices) + 1, sizeof(*out));
	char rbuf[256];
	struct resid rid;
	size_t count = 0, i;

	resource_id(n->referrer, rbuf, sizeof(rbuf), &rid);
	json_array_foreach(indices, i, idx) {
		struct resource *c = n->m->items[json_integer_value(idx)];
		char cbuf[256];
		struct resid cid;

		resource_id(c, cbuf, sizeof(cbuf), &cid);
		if (gvk_is_cluster_scoped(&rid.gvk) || gvk_is_cluster_scoped(&cid.gvk) ||
		    streq(gvk_effective_namespace(&cid.gvk, cid.namespace),
		          gvk_effective_namespace(&rid.gvk, rid.namespace)) ||
		    strv_contains(n->binding_namespaces, cid.namespace))
			out[count++] = c;
	}
	*ret = out;
	return count;
}

/* kustomize's selectReferral; *ret is NULL when nothing matches. */
static int select_referral(const struct nameref *n, const char *old_name,
                           struct resource **candidates, size_t count, bool compare_namespaces,
                           struct resource **ret, struct error *reterr)
{
	_cleanup_free_ struct resource **list =
	        xmemdup(candidates, (count ? count : 1) * sizeof(*list));
	bool allow_empty = true, strict = false;
	size_t len = count;

	/* the candidates all had old_name as a previous name (gather_candidates) */
	len = sieve(n, list, len, previous_id_selected, n->referral);
	if (strlen(n->spec->path) >= 12 &&
	    streq(n->spec->path + strlen(n->spec->path) - 12, "roleRef/name")) {
		const json_t *role_ref = json_object_get(n->referrer->obj, "roleRef");
		const char *group = json_string_value(json_object_get(role_ref, "apiGroup"));
		const char *kind = json_string_value(json_object_get(role_ref, "kind"));

		if (group && kind) {
			struct gvk sel = { group, "", kind };

			len = sieve(n, list, len, previous_id_selected, &sel);
		}
	}
	len = sieve(n, list, len, same_namespace_as_referrer, NULL);
	if (len == 1) {
		*ret = list[0];
		return 0;
	}
	len = sieve(n, list, len, prefix_suffix_sieve, &allow_empty);
	if (len > 1)
		len = sieve(n, list, len, prefix_suffix_sieve, &strict);
	if (len == 1) {
		*ret = list[0];
		return 0;
	}
	*ret = NULL;
	if (len == 0)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if (!streq(resource_name(list[i]), resource_name(list[0])) ||
		    (compare_namespaces &&
		     !streq(resource_namespace(list[i]), resource_namespace(list[0])))) {
			_cleanup_free_ char *referrer = NULL;
			char buf[256];
			struct resid id;

			resource_id(n->referrer, buf, sizeof(buf), &id);
			referrer = resid_to_string(&id);
			return error_set(
			        reterr, -EINVAL,
			        "found multiple possible referrals for '%s' in field '%s' of %s",
			        old_name, n->spec->path, referrer);
		}
	}
	*ret = list[0];
	return 0;
}

static int set_scalar(struct nameref *n, json_t *container, const char *key, size_t index,
                      json_t *node, struct error *reterr)
{
	struct resource *referral;
	int r;

	_cleanup_free_ struct resource **candidates = NULL;
	size_t count;

	if (!json_is_string(node))
		return 0;
	count = gather_candidates(n, json_string_value(node), &candidates);
	r = select_referral(n, json_string_value(node), candidates, count, false, &referral,
	                    reterr);
	if (r < 0 || !referral)
		return r;
	if (streq(resource_name(referral), json_string_value(node)))
		return 0;
	if (key)
		json_object_set_new(container, key, json_string(resource_name(referral)));
	else
		json_array_set_new(container, index, json_string(resource_name(referral)));
	return 0;
}

static int set_mapping(struct nameref *n, json_t *node, struct error *reterr)
{
	json_t *name = json_object_get(node, "name"), *ns = json_object_get(node, "namespace");
	_cleanup_free_ struct resource **subset = NULL, **candidates = NULL;
	struct resource *referral;
	size_t count = 0, n_candidates;
	int r;

	if (!name)
		return error_set(reterr, -EINVAL, "path config error; no 'name' field in node");
	if (!json_is_string(name))
		return 0;
	n_candidates = gather_candidates(n, json_string_value(name), &candidates);
	/* with a namespace, candidates are those from that namespace (original, else current) */
	if (ns && json_is_string(ns)) {
		subset = xcalloc(n_candidates + 1, sizeof(*subset));
		for (int pass = 0; pass < 2 && count == 0; pass++) {
			for (size_t i = 0; i < n_candidates; i++) {
				struct resource *c = candidates[i];
				const char *cns;

				if (pass == 0)
					cns = resource_n_prev_ids(c) ? c->prev_namespaces[0] :
					                               resource_namespace(c);
				else
					cns = resource_namespace(c);
				if (streq(cns, json_string_value(ns)))
					subset[count++] = c;
			}
		}
		r = select_referral(n, json_string_value(name), subset, count, true, &referral,
		                    reterr);
	} else {
		r = select_referral(n, json_string_value(name), candidates, n_candidates, true,
		                    &referral, reterr);
	}
	if (r < 0 || !referral)
		return r;
	if (streq(resource_name(referral), json_string_value(name)) &&
	    isempty(resource_namespace(referral)))
		return 0;
	json_object_set_new(node, "name", json_string(resource_name(referral)));
	if (isempty(resource_namespace(referral)))
		return 0;
	json_object_set_new(node, "namespace", json_string(resource_namespace(referral)));
	return 0;
}

static int set_fn(json_t *container, const char *key, json_t *node, void *userdata,
                  struct error *reterr)
{
	struct nameref *n = userdata;
	json_t *elem;
	size_t i;
	int r;

	if (!node || json_is_null(node))
		return 0;
	if (json_is_object(node))
		return set_mapping(n, node, reterr);
	if (json_is_array(node)) {
		json_array_foreach(node, i, elem) {
			if (json_is_object(elem))
				r = set_mapping(n, elem, reterr);
			else if (json_is_array(elem))
				r = error_set(
				        reterr, -EINVAL,
				        "field '%s' is expected to be either a string or a map of string",
				        n->spec->path);
			else
				r = set_scalar(n, node, NULL, i, elem, reterr);
			if (r < 0)
				return r;
		}
		return 0;
	}
	return set_scalar(n, container, key, 0, node, reterr);
}

static char **role_binding_namespaces(const struct resource *referrer)
{
	const json_t *subjects = json_object_get(referrer->obj, "subjects"), *sub;
	char **l = NULL;
	size_t i;

	if (!streq(resource_kind(referrer), "RoleBinding"))
		return NULL;
	json_array_foreach(subjects, i, sub) {
		const char *kind = json_string_value(json_object_get(sub, "kind"));
		const char *ns = json_string_value(json_object_get(sub, "namespace"));

		if (kind && ns && streq(kind, "ServiceAccount"))
			strv_push(&l, ns);
	}
	return l;
}

struct fix_ctx {
	struct resmap *m;
	const json_t *by_prev_name;
};

/*
 * The references of the referrers [first, end). Ranges run concurrently: a referrer's
 * fields are written only by its own range; other objects are only read (ids, names,
 * previous ids), and no reference field is an object's own name or namespace.
 */
static int fix_range(void *userdata, size_t chunk, size_t first, size_t end, struct error *reterr)
{
	const struct fix_ctx *ctx = userdata;
	int r;

	(void)chunk;
	for (size_t ri = first; ri < end; ri++) {
		struct resource *referrer = ctx->m->items[ri];
		_cleanup_strv_free_ char **binding_namespaces = role_binding_namespaces(referrer);
		char buf[256];
		struct resid id;
		struct gvk org;

		resource_id(referrer, buf, sizeof(buf), &id);
		org = id.gvk;
		if (resource_n_prev_ids(referrer))
			org.kind = referrer->prev_kinds[0];
		for (size_t rule = 0; rule < n_nameref_rules; rule++) {
			for (size_t s = 0; s < nameref_rules[rule].referrers.n; s++) {
				const struct fieldspec *spec =
				        &nameref_rules[rule].referrers.items[s];
				struct nameref n = {
					.m = ctx->m,
					.referrer = referrer,
					.referral = &nameref_rules[rule].referral,
					.spec = spec,
					.by_prev_name = ctx->by_prev_name,
					.binding_namespaces = binding_namespaces,
				};

				if (!fieldspec_applies(spec, &org))
					continue;
				r = fieldspec_walk(referrer->obj, spec, set_fn, &n, reterr);
				if (r < 0)
					return error_prefix(
					        reterr, r,
					        "updating name reference in '%s' field of '%s'",
					        spec->path, referrer->origin);
			}
		}
	}
	return 0;
}

int build_fix_name_references(struct resmap *m, struct error *reterr)
{
	json_auto_t *by_prev_name = json_object();
	struct fix_ctx ctx = { .m = m, .by_prev_name = by_prev_name };

	for (size_t i = 0; i < m->n; i++) {
		strv_foreach(name, m->items[i]->prev_names) {
			json_t *list = json_object_get(by_prev_name, name);

			if (!list) {
				list = json_array();
				json_object_set_new(by_prev_name, name, list);
			}
			/* once per object, however often it had the name */
			if (json_array_size(list) == 0 ||
			    json_integer_value(json_array_get(list, json_array_size(list) - 1)) !=
			            (json_int_t)i)
				json_array_append_new(list, json_integer((json_int_t)i));
		}
	}
	return render_parallel(m->n, fix_range, &ctx, reterr);
}
