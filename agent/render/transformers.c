/*
 * kustomize's built-in transformers, in the order it runs them: patches (patch.c), then
 * namespace, namePrefix, nameSuffix, labels and commonLabels, commonAnnotations, JSON
 * patches, replicas, images.
 */

#include "render/render.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/strv.h"
#include "doc/doc.h"
#include "render/internal.h"

/* --- setting values at field specs --- */

struct set_entry {
	const char *key; /* map entry to set; NULL sets the scalar itself */
	json_t *value;   /* borrowed */
	bool only_if_unset;
};

static int set_entry_fn(json_t *container, const char *key, json_t *node, void *userdata,
                        struct error *reterr)
{
	struct set_entry *s = userdata;

	if (!s->key) {
		if (!container || !key)
			return 0;
		if (json_is_object(node) || json_is_array(node))
			return error_set(reterr, -EINVAL, "expected a scalar at '%s'", key);
		json_object_set(container, key, s->value);
		return 0;
	}
	if (!json_is_object(node))
		return error_set(reterr, -EINVAL, "expected a map to set '%s' in, found %s", s->key,
		                 json_is_array(node) ? "a list" : "a scalar");
	if (s->only_if_unset && json_object_get(node, s->key))
		return 0;
	json_object_set(node, s->key, s->value);
	return 0;
}

static int apply_fieldspecs(struct resource *r, const struct fieldspec *specs, size_t n,
                            json_type create_type, fieldspec_fn *fn, void *userdata,
                            struct error *reterr)
{
	char buf[256];
	struct resid id;
	int ret;

	resource_id(r, buf, sizeof(buf), &id);
	for (size_t i = 0; i < n; i++) {
		if (!fieldspec_applies(&specs[i], &id.gvk))
			continue;
		ret = fieldspec_walk_typed(r->obj, &specs[i], create_type, fn, userdata, reterr);
		if (ret < 0)
			return error_prefix(reterr, ret, "%s (field '%s')", r->origin,
			                    specs[i].path);
	}
	return 0;
}

/* --- namespace --- */

static int set_subject_namespaces(json_t *obj, const char *ns)
{
	json_t *subjects = json_object_get(obj, "subjects"), *s;
	size_t i;

	json_array_foreach(subjects, i, s) {
		json_t *name = json_object_get(s, "name");

		if (json_is_string(name) && streq(json_string_value(name), "default"))
			json_object_set_new(s, "namespace", json_string(ns));
	}
	return 0;
}

struct namespace_ctx {
	struct resmap *m;
	const char *ns;
};

/* The namespace of the objects [first, end): each range writes only its own objects. */
static int namespace_range(void *userdata, size_t range, size_t first, size_t end,
                           struct error *reterr)
{
	const struct namespace_ctx *ctx = userdata;
	const char *ns = ctx->ns;
	int r;

	(void)range;
	for (size_t i = first; i < end; i++) {
		struct resource *res = ctx->m->items[i];
		/* its own copy: objects share no node, and ranges run side by side */
		json_auto_t *own = json_string(ns);
		struct set_entry set = { .value = own };
		char buf[256];
		struct resid id;

		if (json_object_size(res->obj) == 0)
			continue;
		resource_store_previous_id(res);
		resource_id(res, buf, sizeof(buf), &id);
		if (!gvk_is_cluster_scoped(&id.gvk)) {
			json_t *md = json_object_get(res->obj, "metadata");

			if (!json_is_object(md)) {
				md = json_object();
				json_object_set_new(res->obj, "metadata", md);
			}
			json_object_set(md, "namespace", own);
		}
		if (streq(id.gvk.kind, "RoleBinding") || streq(id.gvk.kind, "ClusterRoleBinding"))
			set_subject_namespaces(res->obj, ns);
		for (size_t f = 0; f < fieldspecs_namespace.n; f++) {
			const struct fieldspec *fs = &fieldspecs_namespace.items[f];

			/* metadata/name only for Namespace objects of apiVersion v1 */
			if (streq(fs->path, "metadata/name") &&
			    !streq(resource_api_version(res), "v1"))
				continue;
			r = apply_fieldspecs(res, fs, 1, JSON_STRING, set_entry_fn, &set, reterr);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int transform_namespace(struct kustomization *k, struct resmap *m, struct error *reterr)
{
	const char *ns = json_string_value(json_object_get(k->doc, "namespace"));
	struct namespace_ctx ctx = { .m = m, .ns = ns };
	int r;

	if (isempty(ns))
		return 0;
	r = render_parallel(m->n, namespace_range, &ctx, reterr);
	if (r < 0)
		return r;
	/* a namespace may not make two objects the same */
	r = resmap_check_unique(m, "namespace transformation", reterr);
	if (r < 0)
		return kustomization_error(k, json_object_get(k->doc, "namespace"), "namespace", r,
		                           reterr, "%s", error_message(reterr));
	return 0;
}

/* --- namePrefix and nameSuffix --- */

static bool skip_for_prefix_suffix(const struct resource *r)
{
	char buf[256];
	struct resid id;
	const char *kind;

	resource_id(r, buf, sizeof(buf), &id);
	/* kustomize looks at the original id: the first previous one, else the current */
	kind = resource_n_prev_ids(r) ? r->prev_kinds[0] : id.gvk.kind;
	if (streq(kind, "CustomResourceDefinition") || streq(kind, "Namespace"))
		return true;
	return streq(kind, "APIService") && streq(id.gvk.group, "apiregistration.k8s.io");
}

static int transform_prefix_suffix(struct kustomization *k, struct resmap *m, bool suffix)
{
	const char *affix =
	        json_string_value(json_object_get(k->doc, suffix ? "nameSuffix" : "namePrefix"));

	if (isempty(affix))
		return 0;
	for (size_t i = 0; i < m->n; i++) {
		struct resource *r = m->items[i];
		const char *name = resource_name(r);
		json_t *md;
		_cleanup_free_ char *new_name = NULL;

		if (skip_for_prefix_suffix(r))
			continue;
		if (suffix)
			resource_add_suffix(r, affix);
		else
			resource_add_prefix(r, affix);
		resource_store_previous_id(r);
		md = json_object_get(r->obj, "metadata");
		if (!json_is_string(json_object_get(md, "name")))
			continue;
		new_name = suffix ? xasprintf("%s%s", name, affix) : xasprintf("%s%s", affix, name);
		resource_set_name(r, new_name);
	}
	return 0;
}

/* --- labels and annotations --- */

/* fieldspecs of user "fields:" entries in a labels item */
static struct fieldspec *user_fieldspecs(const json_t *fields, size_t *ret_n)
{
	size_t n = json_array_size(fields), i;
	struct fieldspec *fs = xcalloc(n ? n : 1, sizeof(*fs));
	const json_t *f;

	json_array_foreach(fields, i, f) {
		fs[i] = (struct fieldspec){
			.group = json_string_value(json_object_get(f, "group")),
			.version = json_string_value(json_object_get(f, "version")),
			.kind = json_string_value(json_object_get(f, "kind")),
			.path = json_string_value(json_object_get(f, "path")),
			.create = json_is_true(json_object_get(f, "create")),
		};
		if (!fs[i].path)
			fs[i].path = "";
	}
	*ret_n = n;
	return fs;
}

static int compare_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct pairs_ctx {
	struct resmap *m;
	const json_t *map;
	const char **keys; /* sorted */
	size_t n_keys;
	const struct fieldspec *const *lists;
	const size_t *counts;
	size_t n_lists;
};

/* The pairs on the objects [first, end): each range writes only its own objects. */
static int pairs_range(void *userdata, size_t range, size_t first, size_t end, struct error *reterr)
{
	const struct pairs_ctx *ctx = userdata;
	int r;

	(void)range;
	for (size_t ri = first; ri < end; ri++) {
		for (size_t ki = 0; ki < ctx->n_keys; ki++) {
			json_t *v = json_object_get(ctx->map, ctx->keys[ki]);
			/* a copy per object: objects share no node (ranges run side by side) */
			json_auto_t *s = json_is_null(v) ? json_string("") : doc_copy(v);
			struct set_entry set = { .key = ctx->keys[ki], .value = s };

			for (size_t l = 0; l < ctx->n_lists; l++) {
				r = apply_fieldspecs(ctx->m->items[ri], ctx->lists[l],
				                     ctx->counts[l], JSON_OBJECT, set_entry_fn,
				                     &set, reterr);
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

/* Set every pair of map in the maps at the field specs, keys in sorted order. */
static int set_pairs(struct resmap *m, const json_t *map, const struct fieldspec *const *lists,
                     const size_t *counts, size_t n_lists, struct error *reterr)
{
	size_t n_keys = json_object_size(map), i = 0;
	_cleanup_free_ const char **keys = xcalloc(n_keys ? n_keys : 1, sizeof(char *));
	struct pairs_ctx ctx = {
		.m = m,
		.map = map,
		.keys = keys,
		.n_keys = n_keys,
		.lists = lists,
		.counts = counts,
		.n_lists = n_lists,
	};
	const char *key;
	json_t *value;

	json_object_foreach((json_t *)map, key, value)
		keys[i++] = key;
	qsort(keys, n_keys, sizeof(char *), compare_cstr);
	return render_parallel(m->n, pairs_range, &ctx, reterr);
}

static const struct fieldspec metadata_labels_only[] = {
	{ NULL, NULL, NULL, "metadata/labels", true },
};

static int transform_labels(struct kustomization *k, struct resmap *m, struct error *reterr)
{
	const json_t *labels = json_object_get(k->doc, "labels"), *item;
	const json_t *common = json_object_get(k->doc, "commonLabels");
	size_t i;
	int r;

	json_array_foreach(labels, i, item) {
		const json_t *pairs = json_object_get(item, "pairs");
		size_t n_user = 0, counts[3];
		_cleanup_free_ struct fieldspec *user =
		        user_fieldspecs(json_object_get(item, "fields"), &n_user);
		const struct fieldspec *lists[3];
		size_t n = 0;

		if (json_object_size(pairs) == 0)
			continue;
		lists[n] = user;
		counts[n++] = n_user;
		if (json_is_true(json_object_get(item, "includeSelectors"))) {
			lists[n] = fieldspecs_common_labels.items;
			counts[n++] = fieldspecs_common_labels.n;
		} else {
			if (json_is_true(json_object_get(item, "includeTemplates"))) {
				lists[n] = fieldspecs_template_labels.items;
				counts[n++] = fieldspecs_template_labels.n;
			}
			lists[n] = metadata_labels_only;
			counts[n++] = ELEMENTSOF(metadata_labels_only);
		}
		r = set_pairs(m, pairs, lists, counts, n, reterr);
		if (r < 0)
			return r;
	}
	if (json_object_size(common) > 0) {
		const struct fieldspec *lists[] = { fieldspecs_common_labels.items };
		size_t counts[] = { fieldspecs_common_labels.n };

		r = set_pairs(m, common, lists, counts, 1, reterr);
		if (r < 0)
			return r;
	}
	return 0;
}

static int transform_annotations(struct kustomization *k, struct resmap *m, struct error *reterr)
{
	const json_t *ann = json_object_get(k->doc, "commonAnnotations");
	const struct fieldspec *lists[] = { fieldspecs_common_annotations.items };
	size_t counts[] = { fieldspecs_common_annotations.n };

	if (json_object_size(ann) == 0)
		return 0;
	return set_pairs(m, ann, lists, counts, 1, reterr);
}

/* --- replicas --- */

static int transform_replicas(struct kustomization *k, struct resmap *m, struct error *reterr)
{
	const json_t *replicas = json_object_get(k->doc, "replicas"), *item;
	size_t i;
	int r;

	json_array_foreach(replicas, i, item) {
		const char *name = json_string_value(json_object_get(item, "name"));
		json_int_t count = json_integer_value(json_object_get(item, "count"));
		json_auto_t *value = json_integer(count);
		struct set_entry set = { .value = value };
		bool found = false;

		for (size_t f = 0; f < fieldspecs_replicas.n; f++) {
			const struct fieldspec *fs = &fieldspecs_replicas.items[f];
			struct gvk sel = { fs->group ? fs->group : "",
				           fs->version ? fs->version : "",
				           fs->kind ? fs->kind : "" };

			for (size_t ri = 0; ri < m->n; ri++) {
				struct resource *res = m->items[ri];
				char buf[256];
				struct resid id;
				bool match;

				resource_id(res, buf, sizeof(buf), &id);
				/* any id the object has had: the current one or a previous one */
				match = streq(id.name, name ? name : "") &&
				        gvk_is_selected(&id.gvk, &sel);
				for (size_t p = 0; !match && p < resource_n_prev_ids(res); p++) {
					struct gvk prev = id.gvk;

					prev.kind = res->prev_kinds[p];
					match = streq(res->prev_names[p], name ? name : "") &&
					        gvk_is_selected(&prev, &sel);
				}
				if (!match)
					continue;
				found = true;
				r = fieldspec_walk_typed(res->obj, fs, JSON_INTEGER, set_entry_fn,
				                         &set, reterr);
				if (r < 0)
					return r;
			}
		}
		if (!found) {
			_cleanup_free_ char *where = xasprintf("replicas[%zu]", i);

			return kustomization_error(
			        k, item, where, -EINVAL, reterr,
			        "resource with name %s does not match a config with the following GVK [Deployment.[noVer].[noGrp] ReplicationController.[noVer].[noGrp] ReplicaSet.[noVer].[noGrp] StatefulSet.[noVer].[noGrp]]",
			        name ? name : "");
		}
	}
	return 0;
}

/* --- images --- */

struct image_update {
	const char *name;
	const char *new_name;
	const char *new_tag;
	const char *digest;
	const char *tag_suffix;
	regex_t re;
	bool compiled; /* re is only needed when the name is not plain (image_matches()) */
};

/* kustomize's image.Split: name, tag and digest of an image reference. */
static void split_image(const char *image, char **ret_name, char **ret_tag, char **ret_digest)
{
	const char *slash = strchr(image, '/');
	size_t offset = slash && slash > image ? (size_t)(slash - image) : 0;
	const char *search = image + offset;
	const char *at = strchr(search, '@'), *colon = strchr(search, ':');

	*ret_tag = NULL;
	*ret_digest = NULL;
	if (!at && !colon) {
		*ret_name = xstrdup(image);
		return;
	}
	if (at && (!colon || at < colon)) {
		*ret_name = xstrndup(image, (size_t)(at - image));
		*ret_digest = xstrdup(at + 1);
		return;
	}
	if (at && colon) {
		*ret_name = xstrndup(image, (size_t)(colon - image));
		*ret_tag = xstrndup(colon + 1, (size_t)(at - colon - 1));
		*ret_digest = xstrdup(at + 1);
		return;
	}
	*ret_name = xstrndup(image, (size_t)(colon - image));
	*ret_tag = xstrdup(colon + 1);
}

/* [a-zA-Z0-9_.{}-]* */
static const char *skip_tag_chars(const char *s)
{
	while (*s && (isalnum((unsigned char)*s) || strchr("_.{}-", *s)))
		s++;
	return s;
}

/*
 * kustomize's image.IsImageMatched(): the regular expression
 * ^NAME(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$, with NAME taken as a regular
 * expression too. Image names are plain, so match them directly; regexec() otherwise.
 */
static bool image_matches(const struct image_update *u, const char *value)
{
	const char *end = NULL;
	int r = simple_pattern_match(u->name ? u->name : "", value, true, &end);

	if (r < 0)
		return regexec(&u->re, value, 0, NULL, 0) == 0;
	if (r == 0)
		return false;
	/* NAME may itself end where a tag could: try the suffixes like the regex would */
	if (*end == ':')
		end = skip_tag_chars(end + 1);
	if (startswith(end, "@sha256:"))
		end = skip_tag_chars(end + strlen("@sha256:"));
	return *end == '\0';
}

static int update_image_value(json_t *container, const char *key, json_t *node, void *userdata,
                              struct error *reterr)
{
	struct image_update *u = userdata;
	_cleanup_free_ char *name = NULL, *tag = NULL, *digest = NULL, *result = NULL;
	const char *value;

	if (!node || json_is_null(node))
		return 0;
	if (json_is_object(node) || json_is_array(node))
		return error_set(reterr, -EINVAL, "wrong node kind: expected scalar at 'image'");
	if (!json_is_string(node))
		return 0;
	value = json_string_value(node);
	if (!image_matches(u, value))
		return 0;
	split_image(value, &name, &tag, &digest);
	if (!isempty(u->new_name)) {
		free(name);
		name = xstrdup(u->new_name);
	}
	if (!isempty(u->new_tag) && !isempty(u->digest)) {
		free(tag);
		free(digest);
		tag = xstrdup(u->new_tag);
		digest = xstrdup(u->digest);
	} else if (!isempty(u->new_tag)) {
		free(tag);
		free(digest);
		tag = xstrdup(u->new_tag);
		digest = NULL;
	} else if (!isempty(u->digest)) {
		free(tag);
		free(digest);
		tag = NULL;
		digest = xstrdup(u->digest);
	} else if (!isempty(u->tag_suffix)) {
		char *t = xasprintf("%s%s", tag ? tag : "", u->tag_suffix);

		free(tag);
		free(digest);
		tag = t;
		digest = NULL;
	}
	result = xasprintf("%s%s%s%s%s", name, isempty(tag) ? "" : ":", isempty(tag) ? "" : tag,
	                   isempty(digest) ? "" : "@", isempty(digest) ? "" : digest);
	json_object_set_new(container, key, json_string(result));
	return 0;
}

/* The legacy pass: every "containers"/"initContainers" list anywhere in the object. */
static int legacy_image_walk(json_t *node, struct image_update *u, struct error *reterr)
{
	const char *key;
	json_t *child, *elem;
	size_t i;
	int r;

	if (json_is_object(node)) {
		json_object_foreach(node, key, child) {
			r = legacy_image_walk(child, u, reterr);
			if (r < 0)
				return r;
			if ((streq(key, "containers") || streq(key, "initContainers")) &&
			    json_is_array(child)) {
				json_array_foreach(child, i, elem) {
					if (!json_is_object(elem))
						continue;
					r = update_image_value(elem, "image",
					                       json_object_get(elem, "image"), u,
					                       reterr);
					if (r < 0)
						return r;
				}
			}
		}
	} else if (json_is_array(node)) {
		json_array_foreach(node, i, child) {
			r = legacy_image_walk(child, u, reterr);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int transform_images(struct kustomization *k, struct resmap *m, struct error *reterr)
{
	const char *fields[] = { "images", "imageTags" };
	int r;

	for (size_t f = 0; f < ELEMENTSOF(fields); f++) {
		const json_t *images = json_object_get(k->doc, fields[f]), *item;
		size_t i;

		json_array_foreach(images, i, item) {
			struct image_update u = {
				.name = json_string_value(json_object_get(item, "name")),
				.new_name = json_string_value(json_object_get(item, "newName")),
				.new_tag = json_string_value(json_object_get(item, "newTag")),
				.digest = json_string_value(json_object_get(item, "digest")),
				.tag_suffix = json_string_value(json_object_get(item, "tagSuffix")),
			};
			_cleanup_free_ char *pattern =
			        xasprintf("^%s(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$",
			                  u.name ? u.name : "");

			u.compiled = simple_pattern_match(u.name ? u.name : "", "", true, NULL) < 0;
			if (u.compiled && regcomp(&u.re, pattern, REG_EXTENDED | REG_NOSUB) != 0) {
				_cleanup_free_ char *where =
				        xasprintf("%s[%zu].name", fields[f], i);

				return kustomization_error(k, item, where, -EINVAL, reterr,
				                           "image name '%s' is not a valid pattern",
				                           u.name ? u.name : "");
			}
			r = 0;
			for (size_t ri = 0; ri < m->n && r >= 0; ri++) {
				struct resource *res = m->items[ri];

				if (streq(resource_kind(res), "CustomResourceDefinition"))
					continue;
				r = legacy_image_walk(res->obj, &u, reterr);
				if (r >= 0)
					r = apply_fieldspecs(res, fieldspecs_images.items,
					                     fieldspecs_images.n, JSON_NULL,
					                     update_image_value, &u, reterr);
			}
			if (u.compiled)
				regfree(&u.re);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int build_transformers(struct build *b, struct kustomization *k, struct resmap *m,
                       struct error *reterr)
{
	int r;

	resmap_forget_ids(m);
	r = patch_strategic_merge_all(b, k, m, reterr);
	if (r >= 0)
		r = patch_patches(b, k, m, reterr);
	if (r >= 0)
		r = transform_namespace(k, m, reterr);
	if (r >= 0)
		r = transform_prefix_suffix(k, m, false);
	if (r >= 0)
		r = transform_prefix_suffix(k, m, true);
	if (r >= 0)
		r = transform_labels(k, m, reterr);
	if (r >= 0)
		r = transform_annotations(k, m, reterr);
	if (r >= 0)
		r = patch_json6902_all(b, k, m, reterr);
	if (r >= 0)
		r = transform_replicas(k, m, reterr);
	if (r >= 0)
		r = transform_images(k, m, reterr);
	return r;
}
