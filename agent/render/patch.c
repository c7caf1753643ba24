/*
 * Patches: patchesStrategicMerge, patches (strategic merge or JSON 6902, with or without
 * a target selector) and patchesJson6902, with kustomize's rules for finding targets.
 */

#include "render/render.h"

#include <errno.h>
#include <regex.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/strv.h"
#include "doc/doc.h"
#include "render/internal.h"

/* --- target selectors --- */

/*
 * A patch's target, as kustomize's SelectorRegex reads it: group, version and kind match
 * exactly when given; name and namespace are regular expressions anchored at both ends.
 */
struct selector {
	struct gvk gvk;
	const char *name, *ns; /* borrowed from the kustomization; NULL when not given */
	const char *label_selector, *annotation_selector;
	regex_t name_re, ns_re;
	bool has_name, has_ns;           /* a pattern was given */
	bool name_compiled, ns_compiled; /* and it needed regcomp() */
};

static const char *target_string(const json_t *target, const char *field)
{
	return json_string_value(json_object_get(target, field));
}

/*
 * regcomp() of ^(pattern)$; *ret_has is false when pattern is empty (matches all). A plain
 * name is matched without a regex (name_matches()), so it is not compiled.
 */
static int compile_anchored(const char *field, const char *pattern, regex_t *re, bool *ret_has,
                            bool *ret_compiled, struct error *reterr)
{
	_cleanup_free_ char *anchored = NULL;

	*ret_has = false;
	*ret_compiled = false;
	if (isempty(pattern))
		return 0;
	*ret_has = true;
	if (simple_pattern_match(pattern, "", false, NULL) >= 0)
		return 0;
	anchored = xasprintf("^(%s)$", pattern);
	if (regcomp(re, anchored, REG_EXTENDED | REG_NOSUB) != 0)
		return error_set(reterr, -EINVAL,
		                 "target.%s: '%s' is not a valid regular expression", field,
		                 pattern);
	*ret_compiled = true;
	return 0;
}

static void selector_release(struct selector *s);

static int selector_init(struct selector *s, const json_t *target, struct error *reterr)
{
	int r;

	*s = (struct selector){
		.gvk = {
			.group = target_string(target, "group"),
			.version = target_string(target, "version"),
			.kind = target_string(target, "kind"),
		},
		.name = target_string(target, "name"),
		.ns = target_string(target, "namespace"),
		.label_selector = target_string(target, "labelSelector"),
		.annotation_selector = target_string(target, "annotationSelector"),
	};
	r = compile_anchored("name", s->name, &s->name_re, &s->has_name, &s->name_compiled, reterr);
	if (r >= 0)
		r = compile_anchored("namespace", s->ns, &s->ns_re, &s->has_ns, &s->ns_compiled,
		                     reterr);
	if (r < 0)
		selector_release(s);
	return r;
}

static void selector_release(struct selector *s)
{
	if (s->name_compiled)
		regfree(&s->name_re);
	if (s->ns_compiled)
		regfree(&s->ns_re);
}

/* regexec() of an anchored ^(name)$, or a direct match when the name is plain. */
static bool name_matches(const regex_t *re, const char *pattern, const char *text)
{
	int r = simple_pattern_match(pattern, text, false, NULL);

	if (r >= 0)
		return r;
	return regexec(re, text, 0, NULL, 0) == 0;
}

static int selector_select(const struct selector *s, const struct resource *r, bool *ret,
                           struct error *reterr)
{
	const json_t *md = json_object_get(r->obj, "metadata");
	char buf[256];
	struct resid cur;
	const char *org_name, *org_ns;
	int rc;

	*ret = false;
	resource_id(r, buf, sizeof(buf), &cur);
	org_name = resource_n_prev_ids(r) ? r->prev_names[0] : cur.name;
	org_ns = resource_n_prev_ids(r) ? r->prev_namespaces[0] :
	                                  gvk_effective_namespace(&cur.gvk, cur.namespace);
	if (s->has_ns && !name_matches(&s->ns_re, s->ns, org_ns) &&
	    !name_matches(&s->ns_re, s->ns, gvk_effective_namespace(&cur.gvk, cur.namespace)))
		return 0;
	if (s->has_name && !name_matches(&s->name_re, s->name, org_name) &&
	    !name_matches(&s->name_re, s->name, cur.name))
		return 0;
	if (!gvk_is_selected(&cur.gvk, &s->gvk))
		return 0;
	if (!isempty(s->label_selector)) {
		rc = selector_matches(json_object_get(md, "labels"), s->label_selector, ret,
		                      reterr);
		if (rc < 0 || !*ret)
			return rc;
	}
	if (!isempty(s->annotation_selector)) {
		rc = selector_matches(json_object_get(md, "annotations"), s->annotation_selector,
		                      ret, reterr);
		if (rc < 0 || !*ret)
			return rc;
	}
	*ret = true;
	return 0;
}

/* --- applying a strategic merge patch to one resource --- */

static int apply_sm_patch(struct resource *r, const struct resource *patch, struct error *reterr)
{
	_cleanup_free_ char *name = xstrdup(resource_name(r));
	_cleanup_free_ char *ns = xstrdup(resource_namespace(r));
	_cleanup_free_ char *kind = xstrdup(resource_kind(r));
	int ret;

	if (patch->allow_name_change || patch->allow_kind_change)
		resource_store_previous_id(r);
	ret = render_strategic_merge(&r->obj, patch->obj, reterr);
	if (ret < 0)
		return ret;
	if (ret == 1) {
		/* $patch: delete: the object goes */
		json_decref(r->obj);
		r->obj = json_object();
		return 0;
	}
	if (json_object_size(r->obj) == 0)
		return 0;
	if (!patch->allow_kind_change)
		json_object_set_new(r->obj, "kind", json_string(kind));
	if (!patch->allow_name_change)
		resource_set_name(r, name);
	/* SetNamespace("") removes the field in kustomize */
	if (!isempty(ns))
		resource_set_namespace(r, ns);
	else
		json_object_del(json_object_get(r->obj, "metadata"), "namespace");
	return 0;
}

/* kustomize's ResMap.ApplySmPatch: patch a copy per target, then drop emptied objects. */
static int apply_sm_patch_to(struct resmap *m, struct resource **targets, size_t n_targets,
                             const struct resource *patch, struct error *reterr)
{
	int r;

	for (size_t t = 0; t < n_targets; t++) {
		/* render_strategic_merge() gives the patch the target's apiVersion itself */
		r = apply_sm_patch(targets[t], patch, reterr);
		if (r < 0)
			return error_prefix(reterr, r, "Failed to apply a patch to %s",
			                    targets[t]->origin);
	}
	for (size_t i = 0; i < m->n;) {
		if (json_object_size(m->items[i]->obj) == 0)
			resmap_remove(m, i);
		else
			i++;
	}
	return 0;
}

/* Find the one resource a patch without target is for, by its original id. */
static int find_patch_target(struct resmap *m, const struct resource *patch, struct resource **ret,
                             struct error *reterr)
{
	char buf[256];
	struct resid id;
	struct resource *found = NULL;
	unsigned matches = 0;

	resource_id(patch, buf, sizeof(buf), &id);
	for (size_t i = 0; i < m->n; i++) {
		struct resource *r = m->items[i];
		char rbuf[256];
		struct resid cur;
		bool match;

		resource_id(r, rbuf, sizeof(rbuf), &cur);
		match = resid_equals(&cur, &id);
		for (size_t p = 0; !match && p < resource_n_prev_ids(r); p++)
			match = streq(cur.gvk.group, id.gvk.group) &&
			        streq(cur.gvk.version, id.gvk.version) &&
			        streq(r->prev_kinds[p], id.gvk.kind) &&
			        streq(r->prev_names[p], id.name) &&
			        streq(r->prev_namespaces[p],
			              gvk_effective_namespace(&id.gvk, id.namespace));
		if (match) {
			matches++;
			found = r;
		}
	}
	if (matches != 1) {
		_cleanup_free_ char *s = resid_to_string(&id);

		return error_set(reterr, -EINVAL,
		                 "%s: %s for Id %s; failed to find unique target for patch %s",
		                 patch->origin, matches ? "multiple matches" : "no matches", s, s);
	}
	*ret = found;
	return 0;
}

/* Parse patch text as strategic merge patches (objects with kind and name). */
static int sm_patches_from_text(const char *text, size_t len, const char *display, unsigned flags,
                                struct resmap *ret, struct error *reterr)
{
	return resources_from_yaml_full(text, len, display, flags, ret, reterr);
}

/* A JSON 6902 patch: a JSON array, or YAML that converts to one. NULL when it is not. */
static json_t *json_patch_from_text(const char *text, size_t len)
{
	json_auto_t *docs = NULL;
	json_t *ops;

	if (len == 0)
		return NULL;
	if (text[0] == '[') {
		ops = json_loadb(text, len, 0, NULL);
		if (ops && json_is_array(ops))
			return ops;
		json_decref(ops);
		/* not JSON: it may still be YAML flow syntax */
	}
	if (doc_parse_yaml_full(text, len, "patch", DOC_PARSE_YAML_V2, NULL, &docs, NULL) < 0)
		return NULL;
	ops = json_array_get(docs, 0);
	if (json_array_size(docs) != 1 || !json_is_array(ops))
		return NULL;
	return json_incref(ops);
}

/* Whether the first thing in text (past blank and comment lines) starts a list. */
static bool looks_like_list(const char *text)
{
	const char *p = text;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p != '#')
			break;
		p = strchr(p, '\n');
		if (!p)
			return false;
	}
	return *p == '[' || (*p == '-' && (p[1] == ' ' || p[1] == '\n'));
}

/* --- patchesStrategicMerge --- */

int patch_strategic_merge_all(struct build *b, struct kustomization *k, struct resmap *m,
                              struct error *reterr)
{
	const json_t *list = json_object_get(k->doc, "patchesStrategicMerge"), *item;
	struct resmap patches = RESMAP_INIT;
	size_t i;
	int r = 0;

	json_array_foreach(list, i, item) {
		const char *entry = json_string_value(item);
		_cleanup_free_ char *where = xasprintf("patchesStrategicMerge[%zu]", i);
		struct resmap inline_patches = RESMAP_INIT;

		if (!entry)
			continue;
		/* an entry is inline YAML when it parses as objects, else a file */
		if (resources_from_yaml_full(entry, strlen(entry), k->display,
		                             RESOURCES_PATCH_METADATA, &inline_patches,
		                             NULL) >= 0 &&
		    inline_patches.n > 0) {
			r = resmap_append_all(&patches, &inline_patches, reterr);
		} else {
			_cleanup_free_ char *data = NULL, *display = NULL;
			size_t len;

			resmap_release(&inline_patches);
			r = build_read_file(b, k, entry, &data, &len, &display, reterr);
			if (r < 0) {
				r = kustomization_error(k, item, where, r, reterr, "%s",
				                        error_message(reterr));
				break;
			}
			r = sm_patches_from_text(data, len, display, RESOURCES_PATCH_METADATA,
			                         &patches, reterr);
		}
		resmap_release(&inline_patches);
		if (r < 0)
			break;
	}
	for (size_t p = 0; r >= 0 && p < patches.n; p++) {
		struct resource *target;

		r = find_patch_target(m, patches.items[p], &target, reterr);
		if (r >= 0)
			r = apply_sm_patch_to(m, &target, 1, patches.items[p], reterr);
	}
	resmap_release(&patches);
	return r;
}

/* --- patches --- */

static int select_targets(struct resmap *m, const json_t *target, struct resource ***ret,
                          size_t *ret_n, struct error *reterr)
{
	struct selector s;
	struct resource **list = xcalloc(m->n ? m->n : 1, sizeof(*list));
	size_t n = 0;
	int r;

	r = selector_init(&s, target, reterr);
	if (r < 0) {
		free(list);
		return r;
	}
	for (size_t i = 0; i < m->n; i++) {
		bool selected;

		r = selector_select(&s, m->items[i], &selected, reterr);
		if (r < 0)
			break;
		if (selected)
			list[n++] = m->items[i];
	}
	selector_release(&s);
	if (r < 0) {
		free(list);
		return r;
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

static int apply_json_patch_to(struct resource **targets, size_t n, const json_t *ops,
                               const char *source, struct error *reterr)
{
	int r;

	for (size_t i = 0; i < n; i++) {
		resource_store_previous_id(targets[i]);
		r = render_json_patch(&targets[i]->obj, ops, reterr);
		if (r < 0)
			return error_prefix(reterr, r, "%s: Failed to apply JSON patch %s to %s",
			                    source, source, targets[i]->origin);
	}
	return 0;
}

static int apply_patch_entry(struct build *b, struct kustomization *k, struct resmap *m,
                             const json_t *entry, const char *where, bool json6902_only,
                             struct error *reterr)
{
	const char *path = json_string_value(json_object_get(entry, "path"));
	const char *inline_text = json_string_value(json_object_get(entry, "patch"));
	const json_t *target = json_object_get(entry, "target");
	/* with a target kustomize applies the patch through ResMap.ApplySmPatch */
	unsigned sm_flags = target && !json_is_null(target) ? RESOURCES_PATCH_METADATA : 0;
	const json_t *options = json_object_get(entry, "options");
	_cleanup_free_ char *data = NULL, *display = NULL, *text = NULL;
	struct resmap sm = RESMAP_INIT;
	json_auto_t *ops = NULL;
	size_t len = 0;
	bool is_sm = false;
	int r;

	if (inline_text) {
		/* kustomize trims the inline patch */
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, inline_text);
		strbuf_trim(&sb);
		text = strbuf_detach(&sb, &len);
	}
	if (isempty(text) && isempty(path))
		return kustomization_error(k, entry, where, -EINVAL, reterr,
		                           "must specify one of patch and path");
	if (!isempty(text) && !isempty(path))
		return kustomization_error(k, entry, where, -EINVAL, reterr,
		                           "patch and path can't be set at the same time");
	if (!isempty(path)) {
		r = build_read_file(b, k, path, &data, &len, &display, reterr);
		if (r < 0)
			return kustomization_error(k, entry, where, r, reterr, "%s",
			                           error_message(reterr));
		text = TAKE_PTR(data);
	} else {
		display = xasprintf("%s (%s)", k->display, where);
	}

	/*
	 * kustomize tries both readings and refuses text that is both. A strategic merge patch
	 * is one or more mappings and a JSON patch one list, so at most one reading succeeds:
	 * the common one (objects) is tried first, the other only when it fails.
	 */
	if (looks_like_list(text))
		ops = json_patch_from_text(text, len);
	if (!ops && !json6902_only)
		is_sm = sm_patches_from_text(text, len, display, sm_flags, &sm, NULL) >= 0 &&
		        sm.n > 0;
	if (!ops && !is_sm) {
		resmap_release(&sm);
		ops = json_patch_from_text(text, len);
	}
	if (!is_sm && !ops) {
		r = sm_patches_from_text(text, len, display, sm_flags, &sm, reterr);
		resmap_release(&sm);
		if (r < 0 && !json6902_only)
			return kustomization_error(k, entry, where, -EINVAL, reterr,
			                           "unable to parse SM or JSON patch: %s",
			                           error_message(reterr));
		return kustomization_error(k, entry, where, -EINVAL, reterr,
		                           "unable to parse %s patch",
		                           json6902_only ? "a JSON" : "SM or JSON");
	}

	if (is_sm) {
		for (size_t i = 0; i < sm.n; i++) {
			sm.items[i]->allow_name_change =
			        json_is_true(json_object_get(options, "allowNameChange"));
			sm.items[i]->allow_kind_change =
			        json_is_true(json_object_get(options, "allowKindChange"));
		}
		if (target && !json_is_null(target)) {
			_cleanup_free_ struct resource **targets = NULL;
			size_t n;

			if (sm.n > 1) {
				resmap_release(&sm);
				return kustomization_error(
				        k, entry, where, -EINVAL, reterr,
				        "Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set `patches.target` field");
			}
			r = select_targets(m, target, &targets, &n, reterr);
			if (r < 0) {
				resmap_release(&sm);
				return kustomization_error(k, target, where, r, reterr, "%s",
				                           error_message(reterr));
			}
			r = apply_sm_patch_to(m, targets, n, sm.items[0], reterr);
		} else {
			r = 0;
			for (size_t i = 0; r >= 0 && i < sm.n; i++) {
				struct resource *t;

				r = find_patch_target(m, sm.items[i], &t, reterr);
				if (r >= 0)
					r = apply_sm_patch_to(m, &t, 1, sm.items[i], reterr);
			}
		}
		resmap_release(&sm);
		return r;
	}

	if (!target || json_is_null(target))
		return kustomization_error(k, entry, where, -EINVAL, reterr,
		                           "must specify a target for JSON patch");
	{
		_cleanup_free_ struct resource **targets = NULL;
		size_t n;

		r = select_targets(m, target, &targets, &n, reterr);
		if (r < 0)
			return kustomization_error(k, target, where, r, reterr, "%s",
			                           error_message(reterr));
		return apply_json_patch_to(targets, n, ops, display, reterr);
	}
}

/* Every entry of the list FIELD of k, in order; legacy: patchesJson6902's entries. */
static int apply_patch_list(struct build *b, struct kustomization *k, struct resmap *m,
                            const char *field, bool legacy, struct error *reterr)
{
	const json_t *list = json_object_get(k->doc, field), *entry;
	size_t i;
	int r;

	json_array_foreach(list, i, entry) {
		_cleanup_free_ char *where = xasprintf("%s[%zu]", field, i);

		if (json_is_null(entry))
			continue;
		r = apply_patch_entry(b, k, m, entry, where, legacy, reterr);
		if (r < 0)
			return r;
	}
	return 0;
}

int patch_patches(struct build *b, struct kustomization *k, struct resmap *m, struct error *reterr)
{
	return apply_patch_list(b, k, m, "patches", false, reterr);
}

int patch_json6902_all(struct build *b, struct kustomization *k, struct resmap *m,
                       struct error *reterr)
{
	return apply_patch_list(b, k, m, "patchesJson6902", true, reterr);
}
