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

static bool is_nil_or_empty(const json_t *doc)
{
	return !doc || json_is_null(doc) || (json_is_object(doc) && json_object_size(doc) == 0) ||
	       (json_is_array(doc) && json_array_size(doc) == 0);
}

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

static bool has_typed_annotations(const json_t *doc)
{
	const json_t *ann = json_object_get(json_object_get(doc, "metadata"), "annotations");
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)ann, key, v)
		if (!json_is_string(v))
			return true;
	return false;
}

/*
 * kustomize reads annotations back as the text they were written as (its GetAnnotations()
 * returns node values): replace typed scalar values of metadata.annotations with their raw
 * text, from a second parse that keeps every scalar as written.
 */
static int fix_annotation_text(json_t *docs, const char *data, size_t len, const char *display,
                               struct error *reterr)
{
	json_auto_t *raw = NULL;
	json_t *doc;
	size_t i;
	int r;

	r = doc_parse_yaml_full(data, len, display, DOC_PARSE_RAW_SCALARS, NULL, &raw, reterr);
	if (r < 0)
		return r;
	json_array_foreach(docs, i, doc) {
		json_t *ann = json_object_get(json_object_get(doc, "metadata"), "annotations");
		json_t *raw_ann = json_object_get(
		        json_object_get(json_array_get(raw, i), "metadata"), "annotations");
		const char *key;
		json_t *v;

		if (!has_typed_annotations(doc) || !json_is_object(raw_ann))
			continue;
		json_object_foreach(ann, key, v) {
			json_t *text = json_object_get(raw_ann, key);

			if (!json_is_string(v) && !json_is_object(v) && !json_is_array(v) &&
			    json_is_string(text))
				json_object_set(ann, key, text);
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

int resources_from_yaml(const char *data, size_t len, const char *display, struct resmap *m,
                        struct error *reterr)
{
	json_auto_t *docs = NULL;
	struct resmap local = RESMAP_INIT;
	json_t *doc;
	size_t i;
	bool typed = false;
	int r;

	r = doc_parse_yaml(data, len, display, NULL, &docs, reterr);
	if (r < 0)
		return r;
	json_array_foreach(docs, i, doc)
		if (json_is_object(doc) && has_typed_annotations(doc))
			typed = true;
	if (typed) {
		r = fix_annotation_text(docs, data, len, display, reterr);
		if (r < 0)
			return r;
	}
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
