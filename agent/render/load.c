/* Reading resources from YAML streams, as kustomize's resource factory does. */

#include "render/render.h"

#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "doc/doc.h"
#include "render/internal.h"

/* Whether any list in node holds a null element: the quick check, no path built. */
static bool has_null_in_list(const json_t *node)
{
	const char *key;
	json_t *child;
	size_t i;

	if (json_is_object(node)) {
		json_object_foreach((json_t *)node, key, child)
			if (has_null_in_list(child))
				return true;
	} else if (json_is_array(node)) {
		json_array_foreach(node, i, child)
			if (json_is_null(child) || has_null_in_list(child))
				return true;
	}
	return false;
}

/* A null element in any list is an error in kustomize ("empty item at ..."): where it is. */
static bool find_null_in_list(const json_t *node, struct strbuf *path)
{
	size_t len = path->len, i;
	const char *key;
	json_t *child;

	if (json_is_object(node)) {
		json_object_foreach((json_t *)node, key, child) {
			strbuf_addf(path, "%s%s", path->len ? "." : "", key);
			if (find_null_in_list(child, path))
				return true;
			strbuf_setlen(path, len);
		}
	} else if (json_is_array(node)) {
		json_array_foreach(node, i, child) {
			strbuf_addf(path, "[%zu]", i);
			if (json_is_null(child) || find_null_in_list(child, path))
				return true;
			strbuf_setlen(path, len);
		}
	}
	return false;
}

static int validate(const json_t *doc, const char *display, size_t index, struct error *reterr)
{
	struct strbuf path = STRBUF_INIT;
	const char *kind, *name;
	int r = 0;

	if (!json_is_object(doc))
		return error_set(reterr, -EBADMSG, "%s: document %zu is not a mapping", display,
		                 index + 1);
	kind = json_string_value(json_object_get(doc, "kind"));
	name = json_string_value(json_object_get(json_object_get(doc, "metadata"), "name"));
	if (isempty(kind))
		return error_set(reterr, -EBADMSG, "%s: document %zu: missing kind", display,
		                 index + 1);
	if (isempty(name) && !(strlen(kind) >= 4 && streq(kind + strlen(kind) - 4, "List")))
		return error_set(reterr, -EBADMSG, "%s: document %zu (%s): missing metadata.name",
		                 display, index + 1, kind);
	if (has_null_in_list(doc) && find_null_in_list(doc, &path))
		r = error_set(reterr, -EBADMSG, "%s: document %zu (%s %s): empty item at %s",
		              display, index + 1, kind, isempty(name) ? "" : name, path.buf);
	strbuf_release(&path);
	return r;
}

/* Whether field (labels or annotations) of doc's metadata holds a value that is no string. */
static bool has_typed_values(const json_t *doc, const char *field)
{
	const json_t *map = json_object_get(json_object_get(doc, "metadata"), field);
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)map, key, v)
		if (!json_is_string(v))
			return true;
	return false;
}

static bool needs_text(const json_t *doc, unsigned flags)
{
	return json_is_object(doc) &&
	       (has_typed_values(doc, "annotations") ||
	        ((flags & RESOURCES_PATCH_METADATA) && has_typed_values(doc, "labels")));
}

/*
 * Replace the typed scalars of metadata.<field> with the text they were written as (from
 * raw, a parse that keeps every scalar as written). all: nulls too, and a list or map
 * value becomes "" (kyaml's GetLabels() reads a node's Value).
 */
static void use_text(json_t *doc, const json_t *raw, const char *field, bool all)
{
	json_t *map = json_object_get(json_object_get(doc, "metadata"), field);
	const json_t *raw_map = json_object_get(json_object_get(raw, "metadata"), field);
	const char *key;
	json_t *v;

	if (!json_is_object(map) || !json_is_object(raw_map))
		return;
	json_object_foreach(map, key, v) {
		const json_t *text = json_object_get(raw_map, key);

		if (json_is_string(v))
			continue;
		if (json_is_object(v) || json_is_array(v)) {
			if (all)
				json_object_set_new(map, key, json_string(""));
		} else if (json_is_string(text)) {
			json_object_set(map, key, (json_t *)text);
		}
	}
}

/* An empty or null metadata.<field> goes: kyaml's SetLabels({}) clears the field. */
static void drop_empty(json_t *doc, const char *field)
{
	json_t *meta = json_object_get(doc, "metadata");
	json_t *map = json_object_get(meta, field);

	if (map && (json_is_null(map) || (json_is_object(map) && json_object_size(map) == 0)))
		json_object_del(meta, field);
}

/*
 * kustomize reads annotations back as the text they were written as (its GetAnnotations()
 * returns node values): replace typed scalar values of metadata.annotations with their raw
 * text, from a second parse that keeps every scalar as written. With
 * RESOURCES_PATCH_METADATA labels too, and all of it as CopyMergeMetaDataFieldsFrom()
 * leaves a patch.
 */
static int fix_metadata_text(json_t *docs, const char *data, size_t len, const char *display,
                             unsigned flags, struct error *reterr)
{
	bool patch = flags & RESOURCES_PATCH_METADATA;
	json_auto_t *raw = NULL;
	json_t *doc;
	size_t i;
	int r;

	if (!patch) {
		bool any = false;

		json_array_foreach(docs, i, doc)
			any = any || needs_text(doc, flags);
		if (!any)
			return 0;
	}
	r = doc_parse_yaml_full(data, len, display, DOC_PARSE_RAW_SCALARS, NULL, &raw, reterr);
	if (r < 0)
		return r;
	json_array_foreach(docs, i, doc) {
		const json_t *raw_doc = json_array_get(raw, i);

		if (!json_is_object(doc))
			continue;
		use_text(doc, raw_doc, "annotations", patch);
		if (patch) {
			use_text(doc, raw_doc, "labels", true);
			drop_empty(doc, "annotations");
			drop_empty(doc, "labels");
		}
	}
	return 0;
}

static int append_object(json_t *doc, const char *display, struct resmap *m, struct error *reterr)
{
	(void)reterr;
	/* ids are checked when the file's objects join the map (resmap_append_all) */
	resmap_add(m, resource_new(json_incref(doc), display));
	return 0;
}

/* Expand a *List kind with items into its items, recursively, as kustomize does. */
static int append_doc(json_t *doc, const char *display, size_t index, struct resmap *m,
                      struct error *reterr)
{
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	json_t *items, *item;
	size_t i;
	int r;

	r = validate(doc, display, index, reterr);
	if (r < 0)
		return r;
	if (!kind || strlen(kind) < 4 || !streq(kind + strlen(kind) - 4, "List") ||
	    !json_object_get(doc, "items"))
		return append_object(doc, display, m, reterr);
	items = json_object_get(doc, "items");
	if (json_is_null(items))
		return 0;
	if (!json_is_array(items))
		return error_set(reterr, -EBADMSG, "%s: expected array in %s/items", display, kind);
	json_array_foreach(items, i, item) {
		if (is_nil_or_empty(item))
			continue;
		r = append_doc(item, display, index, m, reterr);
		if (r < 0)
			return r;
	}
	return 0;
}

int resources_from_yaml_full(const char *data, size_t len, const char *display, unsigned flags,
                             struct resmap *m, struct error *reterr)
{
	json_auto_t *docs = NULL;
	struct resmap local = RESMAP_INIT;
	json_t *doc;
	size_t i;
	int r;

	r = doc_parse_yaml(data, len, display, NULL, &docs, reterr);
	if (r < 0)
		return r;
	r = fix_metadata_text(docs, data, len, display, flags, reterr);
	if (r < 0)
		return r;
	json_array_foreach(docs, i, doc) {
		if (is_nil_or_empty(doc))
			continue;
		r = append_doc(doc, display, i, &local, reterr);
		if (r < 0) {
			resmap_release(&local);
			return r;
		}
	}
	r = resmap_append_all(m, &local, reterr);
	resmap_release(&local);
	return r;
}

int resources_from_yaml(const char *data, size_t len, const char *display, struct resmap *m,
                        struct error *reterr)
{
	return resources_from_yaml_full(data, len, display, 0, m, reterr);
}
