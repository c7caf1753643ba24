/*
 * Kustomization files: find, parse and validate them the way kustomize does (strict
 * fields, types as Go's JSON decoder would accept them), with errors that name the file,
 * line and field.
 */

#include "render/render.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/strv.h"
#include "core/tree.h"
#include "doc/doc.h"
#include "render/internal.h"

static const char *const kustomization_names[] = {
	"kustomization.yaml",
	"kustomization.yml",
	"Kustomization",
};

/* --- a small schema of the Kustomization type --- */

enum field_type {
	T_STRING,
	T_BOOL,
	T_INT,
	T_STRING_LIST,
	T_STRING_MAP,
	T_BOOL_MAP,
	T_OBJECT, /* fields in .fields */
	T_OBJECT_LIST,
	T_ANY, /* accepted as is (metadata, replacements, vars) */
};

struct field {
	const char *name;
	enum field_type type;
	const struct field *fields; /* for T_OBJECT and T_OBJECT_LIST, NULL-name terminated */
	const char *unsupported;    /* when set and the field is non-empty: refuse, saying this */
};

static const struct field fieldspec_fields[] = {
	{ "group", T_STRING, NULL, NULL }, { "version", T_STRING, NULL, NULL },
	{ "kind", T_STRING, NULL, NULL },  { "path", T_STRING, NULL, NULL },
	{ "create", T_BOOL, NULL, NULL },  { NULL, 0, NULL, NULL },
};

static const struct field label_fields[] = {
	{ "pairs", T_STRING_MAP, NULL, NULL },
	{ "includeSelectors", T_BOOL, NULL, NULL },
	{ "includeTemplates", T_BOOL, NULL, NULL },
	{ "fields", T_OBJECT_LIST, fieldspec_fields, NULL },
	{ NULL, 0, NULL, NULL },
};

static const struct field selector_fields[] = {
	{ "group", T_STRING, NULL, NULL },         { "version", T_STRING, NULL, NULL },
	{ "kind", T_STRING, NULL, NULL },          { "name", T_STRING, NULL, NULL },
	{ "namespace", T_STRING, NULL, NULL },     { "annotationSelector", T_STRING, NULL, NULL },
	{ "labelSelector", T_STRING, NULL, NULL }, { NULL, 0, NULL, NULL },
};

static const struct field patch_fields[] = {
	{ "path", T_STRING, NULL, NULL },
	{ "patch", T_STRING, NULL, NULL },
	{ "target", T_OBJECT, selector_fields, NULL },
	{ "options", T_BOOL_MAP, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

static const struct field image_fields[] = {
	{ "name", T_STRING, NULL, NULL },      { "newName", T_STRING, NULL, NULL },
	{ "tagSuffix", T_STRING, NULL, NULL }, { "newTag", T_STRING, NULL, NULL },
	{ "digest", T_STRING, NULL, NULL },    { NULL, 0, NULL, NULL },
};

static const struct field replica_fields[] = {
	{ "name", T_STRING, NULL, NULL },
	{ "count", T_INT, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

static const struct field generator_options_fields[] = {
	{ "labels", T_STRING_MAP, NULL, NULL },
	{ "annotations", T_STRING_MAP, NULL, NULL },
	{ "disableNameSuffixHash", T_BOOL, NULL, NULL },
	{ "immutable", T_BOOL, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

static const struct field configmap_fields[] = {
	{ "namespace", T_STRING, NULL, NULL },
	{ "name", T_STRING, NULL, NULL },
	{ "behavior", T_STRING, NULL, NULL },
	{ "literals", T_STRING_LIST, NULL, NULL },
	{ "files", T_STRING_LIST, NULL, NULL },
	{ "envs", T_STRING_LIST, NULL, NULL },
	{ "env", T_STRING, NULL, NULL },
	{ "options", T_OBJECT, generator_options_fields, NULL },
	{ NULL, 0, NULL, NULL },
};

static const struct field secret_fields[] = {
	{ "namespace", T_STRING, NULL, NULL },
	{ "name", T_STRING, NULL, NULL },
	{ "behavior", T_STRING, NULL, NULL },
	{ "literals", T_STRING_LIST, NULL, NULL },
	{ "files", T_STRING_LIST, NULL, NULL },
	{ "envs", T_STRING_LIST, NULL, NULL },
	{ "env", T_STRING, NULL, NULL },
	{ "options", T_OBJECT, generator_options_fields, NULL },
	{ "type", T_STRING, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

static const struct field legacy_sort_fields[] = {
	{ "orderFirst", T_STRING_LIST, NULL, NULL },
	{ "orderLast", T_STRING_LIST, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

static const struct field sort_fields[] = {
	{ "order", T_STRING, NULL, NULL },
	{ "legacySortOptions", T_OBJECT, legacy_sort_fields, NULL },
	{ NULL, 0, NULL, NULL },
};

#define NOT_YET "is not supported by driftless yet"
#define NEVER   "is not supported by driftless (it runs no plugins or external programs)"

static const struct field kustomization_fields[] = {
	{ "apiVersion", T_STRING, NULL, NULL },
	{ "kind", T_STRING, NULL, NULL },
	{ "metadata", T_ANY, NULL, NULL },
	{ "openapi", T_STRING_MAP, NULL, NOT_YET },
	{ "namePrefix", T_STRING, NULL, NULL },
	{ "nameSuffix", T_STRING, NULL, NULL },
	{ "namespace", T_STRING, NULL, NULL },
	{ "commonLabels", T_STRING_MAP, NULL, NULL },
	{ "labels", T_OBJECT_LIST, label_fields, NULL },
	{ "commonAnnotations", T_STRING_MAP, NULL, NULL },
	{ "patchesStrategicMerge", T_STRING_LIST, NULL, NULL },
	{ "patchesJson6902", T_OBJECT_LIST, patch_fields, NULL },
	{ "patches", T_OBJECT_LIST, patch_fields, NULL },
	{ "images", T_OBJECT_LIST, image_fields, NULL },
	{ "imageTags", T_OBJECT_LIST, image_fields, NULL },
	{ "replacements", T_ANY, NULL, NOT_YET },
	{ "replicas", T_OBJECT_LIST, replica_fields, NULL },
	{ "vars", T_ANY, NULL, NOT_YET },
	{ "sortOptions", T_OBJECT, sort_fields, NULL },
	{ "resources", T_STRING_LIST, NULL, NULL },
	{ "components", T_STRING_LIST, NULL, NULL },
	{ "crds", T_STRING_LIST, NULL, NOT_YET },
	{ "bases", T_STRING_LIST, NULL, NULL },
	{ "configMapGenerator", T_OBJECT_LIST, configmap_fields, NULL },
	{ "secretGenerator", T_OBJECT_LIST, secret_fields, NULL },
	{ "helmGlobals", T_ANY, NULL, NEVER },
	{ "helmCharts", T_ANY, NULL, NEVER },
	{ "helmChartInflationGenerator", T_ANY, NULL, NEVER },
	{ "generatorOptions", T_OBJECT, generator_options_fields, NULL },
	{ "configurations", T_STRING_LIST, NULL, NOT_YET },
	{ "generators", T_STRING_LIST, NULL, NEVER },
	{ "transformers", T_STRING_LIST, NULL, NEVER },
	{ "validators", T_STRING_LIST, NULL, NEVER },
	{ "buildMetadata", T_STRING_LIST, NULL, NOT_YET },
	{ NULL, 0, NULL, NULL },
};

static int kustomization_verror(const struct kustomization *k, const json_t *node,
                                const char *field, int code, struct error *reterr, const char *fmt,
                                va_list ap) _printf_(6, 0);

static int kustomization_verror(const struct kustomization *k, const json_t *node,
                                const char *field, int code, struct error *reterr, const char *fmt,
                                va_list ap)
{
	const struct doc_position *pos = doc_positions_get(k->positions, node);
	struct strbuf msg = STRBUF_INIT;
	int r;

	strbuf_vaddf(&msg, fmt, ap);
	r = error_set_at(reterr, code,
	                 &(struct error_pos){ .file = k->display,
	                                      .line = pos ? pos->line : 0,
	                                      .column = pos ? pos->column : 0,
	                                      .field = field },
	                 "%s", msg.buf);
	strbuf_release(&msg);
	return r;
}

int kustomization_error(const struct kustomization *k, const json_t *node, const char *field,
                        int code, struct error *reterr, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = kustomization_verror(k, node, field, code, reterr, fmt, ap);
	va_end(ap);
	return r;
}

/* A Go type name for messages, as encoding/json says it. */
static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "bool";
	default:
		return "null";
	}
}

struct validator {
	const struct kustomization *k;
	struct error *reterr;
};

static int fail(struct validator *v, const json_t *node, const char *field, const char *fmt, ...)
        _printf_(4, 5);

static int fail(struct validator *v, const json_t *node, const char *field, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = kustomization_verror(v->k, node, field, -EINVAL, v->reterr, fmt, ap);
	va_end(ap);
	return r;
}

static int check_value(struct validator *v, const struct field *f, json_t *value, const char *path);

static int check_object(struct validator *v, const struct field *fields, json_t *obj,
                        const char *path)
{
	const char *key;
	json_t *value;
	int r;

	if (!json_is_object(obj))
		return fail(v, obj, path, "expected an object, found %s", json_type_name(obj));
	json_object_foreach(obj, key, value) {
		const struct field *f = fields;
		_cleanup_free_ char *sub =
		        isempty(path) ? xstrdup(key) : xstrjoin(path, ".", key, NULL);

		while (f->name && !streq(f->name, key))
			f++;
		if (!f->name)
			return fail(v, value, sub, "unknown field \"%s\"", key);
		r = check_value(v, f, value, sub);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool is_empty_value(const json_t *value)
{
	return json_is_null(value) || (json_is_array(value) && json_array_size(value) == 0) ||
	       (json_is_object(value) && json_object_size(value) == 0) ||
	       (json_is_string(value) && json_string_length(value) == 0);
}

static int check_value(struct validator *v, const struct field *f, json_t *value, const char *path)
{
	const char *key;
	json_t *item;
	size_t i;
	int r;

	/* Go's JSON decoder leaves a field at its zero value for null */
	if (json_is_null(value))
		return 0;
	if (f->unsupported && !is_empty_value(value))
		return fail(v, value, path, "%s %s", f->name, f->unsupported);
	switch (f->type) {
	case T_STRING:
		if (!json_is_string(value))
			return fail(v, value, path, "expected a string, found %s",
			            json_type_name(value));
		return 0;
	case T_BOOL:
		if (!json_is_boolean(value))
			return fail(v, value, path, "expected a boolean, found %s",
			            json_type_name(value));
		return 0;
	case T_INT:
		if (!json_is_integer(value))
			return fail(v, value, path, "expected an integer, found %s",
			            json_type_name(value));
		return 0;
	case T_STRING_LIST:
		if (!json_is_array(value))
			return fail(v, value, path, "expected a list of strings, found %s",
			            json_type_name(value));
		json_array_foreach(value, i, item) {
			if (!json_is_string(item) && !json_is_null(item)) {
				_cleanup_free_ char *sub = xasprintf("%s[%zu]", path, i);

				return fail(v, item, sub, "expected a string, found %s",
				            json_type_name(item));
			}
		}
		return 0;
	case T_STRING_MAP:
	case T_BOOL_MAP:
		if (!json_is_object(value))
			return fail(v, value, path, "expected a map, found %s",
			            json_type_name(value));
		json_object_foreach(value, key, item) {
			bool ok = f->type == T_STRING_MAP ?
			                  json_is_string(item) || json_is_null(item) :
			                  json_is_boolean(item) || json_is_null(item);

			if (!ok) {
				_cleanup_free_ char *sub = xstrjoin(path, ".", key, NULL);

				return fail(v, item, sub, "expected a %s, found %s",
				            f->type == T_STRING_MAP ? "string" : "boolean",
				            json_type_name(item));
			}
		}
		return 0;
	case T_OBJECT:
		return check_object(v, f->fields, value, path);
	case T_OBJECT_LIST:
		if (!json_is_array(value))
			return fail(v, value, path, "expected a list, found %s",
			            json_type_name(value));
		json_array_foreach(value, i, item) {
			_cleanup_free_ char *sub = xasprintf("%s[%zu]", path, i);

			if (json_is_null(item))
				continue;
			r = check_object(v, f->fields, item, sub);
			if (r < 0)
				return r;
		}
		return 0;
	case T_ANY:
	default:
		return 0;
	}
}

struct kustomization *kustomization_free(struct kustomization *k)
{
	if (k) {
		free(k->dir);
		free(k->file);
		free(k->display);
		json_decref(k->doc);
		doc_positions_free(k->positions);
		free(k);
	}
	return NULL;
}

static int find_file(struct tree *tree, const char *dir, char **ret_path, struct error *reterr)
{
	_cleanup_free_ char *found = NULL;
	unsigned matches = 0;
	int r;

	for (size_t i = 0; i < ELEMENTSOF(kustomization_names); i++) {
		_cleanup_free_ char *p = NULL;
		enum tree_entry_type type;

		r = tree_path_join(dir, kustomization_names[i], &p);
		if (r < 0)
			return error_set(reterr, r, "'%s' leaves the tree", dir);
		r = tree_stat(tree, p, &type, reterr);
		if (r < 0)
			return r;
		if (type != TREE_ENTRY_FILE)
			continue;
		matches++;
		free(found);
		found = TAKE_PTR(p);
	}
	if (matches == 0) {
		_cleanup_free_ char *d = tree_display(tree, dir);

		return error_set(
		        reterr, -ENOENT,
		        "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '%s'",
		        d);
	}
	if (matches > 1) {
		_cleanup_free_ char *d = tree_display(tree, dir);

		return error_set(reterr, -EINVAL, "Found multiple kustomization files under: %s",
		                 d);
	}
	*ret_path = TAKE_PTR(found);
	return 0;
}

int kustomization_load(struct tree *tree, const char *dir, struct kustomization **ret,
                       struct error *reterr)
{
	_cleanup_(kustomization_freep) struct kustomization *k = xcalloc(1, sizeof(*k));
	_cleanup_free_ char *data = NULL;
	struct validator v = { .k = k, .reterr = reterr };
	json_auto_t *docs = NULL;
	const char *kind, *api_version;
	size_t len;
	int r;

	k->dir = xstrdup(dir);
	r = find_file(tree, dir, &k->file, reterr);
	if (r < 0)
		return r;
	k->display = tree_display(tree, k->file);
	r = tree_read_file(tree, k->file, RENDER_FILE_MAX_BYTES, &data, &len, reterr);
	if (r < 0)
		return r;
	k->positions = doc_positions_new();
	r = doc_parse_yaml_full(data, len, k->display, DOC_PARSE_YAML_V2, k->positions, &docs,
	                        reterr);
	if (r < 0)
		return r;
	if (json_array_size(docs) > 1)
		return error_set(reterr, -EINVAL, "%s: a kustomization file holds one document",
		                 k->display);
	k->doc = json_incref(json_array_get(docs, 0));
	if (!k->doc || json_is_null(k->doc) ||
	    (json_is_object(k->doc) && json_object_size(k->doc) == 0))
		return error_set(reterr, -EINVAL, "%s: kustomization.yaml is empty", k->display);
	r = check_object(&v, kustomization_fields, k->doc, "");
	if (r < 0)
		return r;

	kind = json_string_value(json_object_get(k->doc, "kind"));
	api_version = json_string_value(json_object_get(k->doc, "apiVersion"));
	if (!isempty(kind) && !streq(kind, "Kustomization") && !streq(kind, "Component"))
		return fail(&v, json_object_get(k->doc, "kind"), "kind",
		            "kind should be Kustomization or Component");
	k->is_component = !isempty(kind) && streq(kind, "Component");
	if (!isempty(api_version) &&
	    !streq(api_version, k->is_component ? "kustomize.config.k8s.io/v1alpha1" :
	                                          "kustomize.config.k8s.io/v1beta1"))
		return fail(&v, json_object_get(k->doc, "apiVersion"), "apiVersion",
		            "apiVersion for %s should be %s",
		            k->is_component ? "Component" : "Kustomization",
		            k->is_component ? "kustomize.config.k8s.io/v1alpha1" :
		                              "kustomize.config.k8s.io/v1beta1");
	*ret = TAKE_PTR(k);
	return 0;
}
