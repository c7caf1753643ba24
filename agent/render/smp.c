/*
 * Strategic merge patch as kustomize v5.5 applies one (kyaml v0.18.1, merge2 over walk).
 *
 * kustomize does not run the Kubernetes strategic-merge code: it walks the resource and
 * the patch side by side, asks the OpenAPI schema compiled into kyaml (smp-schema.c) how
 * to merge each list, and edits YAML nodes as it goes. Its results have quirks that users
 * of kustomize rely on, or at least see, so this file follows the same steps, in the same
 * order, on the same notion of a node's "value" (the scalar text, "" for maps and lists):
 *
 *  - the whole resource is walked, not only where the patch reaches, so every keyed list
 *    of the resource is rebuilt (duplicates by key collapse, null and {} elements go);
 *  - a list is merged by key only when the schema says "merge"; every other list, and
 *    every list of a type kyaml does not know (custom resources), is replaced;
 *  - merged lists hold the patch's elements first, in the patch's order, then those only
 *    the resource had; with two keys (ports: containerPort and protocol) the resource's
 *    elements move behind the patch's new ones;
 *  - an element without its merge key makes kustomize drop every element that has it;
 *  - $patch (merge, replace, delete) is honoured on maps and on keyed lists; the other
 *    directives of Kubernetes' strategic merge ($setElementOrder, $retainKeys,
 *    $deleteFromPrimitiveList) are not: they stay in the output as ordinary fields.
 *
 * kyaml shares nodes between the resource and the patch and edits them in place; jansson's
 * reference counting gives the same sharing, and the result is deep-copied at the end so
 * that the caller gets a plain tree.
 */
#include "render/render.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/macro.h"
#include "core/strbuf.h"
#include "core/strv.h"
#include "doc/doc.h"
#include "render/internal.h"

#define NO_SCHEMA      (-1)
#define DEPTH_MAX      1000u
#define TEXT_MAX       64
#define PATH_SHOWN_MAX 200 /* the end of a longer field path is shown */

enum directive {
	DIRECTIVE_MERGE,
	DIRECTIVE_REPLACE,
	DIRECTIVE_DELETE,
	DIRECTIVE_UNKNOWN,
};

struct smp {
	const struct render_smp_schema *schema;
	struct strbuf path; /* where the walk is, for messages */
	struct error *reterr;
};

/* A list of value tuples, one string per merge key (kyaml's [][]string). */
struct tuples {
	char ***items;
	size_t n;
	size_t alloc;
};

static void tuples_release(struct tuples *t)
{
	for (size_t i = 0; i < t->n; i++)
		strv_free(t->items[i]);
	free(t->items);
	*t = (struct tuples){ 0 };
}

static void tuples_push(struct tuples *t, char **tuple)
{
	if (t->n == t->alloc) {
		t->alloc = t->alloc ? t->alloc * 2 : 8;
		t->items = xreallocarray(t->items, t->alloc, sizeof(*t->items));
	}
	t->items[t->n++] = tuple;
}

static bool tuples_contain(const struct tuples *t, char *const *tuple)
{
	for (size_t i = 0; i < t->n; i++)
		if (strv_equal(t->items[i], tuple))
			return true;
	return false;
}

static int smp_error(struct smp *s, const char *fmt, ...) _printf_(2, 3);
static int smp_error(struct smp *s, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (s->path.len == 0)
		return error_set(s->reterr, -EINVAL, "strategic merge patch: %s", msg);
	if (s->path.len > PATH_SHOWN_MAX)
		return error_set(s->reterr, -EINVAL, "strategic merge patch: ...%s: %s",
		                 s->path.buf + s->path.len - PATH_SHOWN_MAX, msg);
	return error_set(s->reterr, -EINVAL, "strategic merge patch: %s: %s", s->path.buf, msg);
}

/* --- nodes as kyaml sees them --- */

enum node_kind {
	NODE_NONE, /* absent, or null */
	NODE_MAP,
	NODE_SEQ,
	NODE_SCALAR,
};

static bool is_missing_or_null(const json_t *n)
{
	return !n || json_is_null(n);
}

static bool is_empty_map(const json_t *n)
{
	return is_missing_or_null(n) || (json_is_object(n) && json_object_size(n) == 0);
}

static enum node_kind node_kind(const json_t *n)
{
	if (is_missing_or_null(n))
		return NODE_NONE;
	if (json_is_object(n))
		return NODE_MAP;
	if (json_is_array(n))
		return NODE_SEQ;
	return NODE_SCALAR;
}

static const char *kind_name(enum node_kind k)
{
	switch (k) {
	case NODE_MAP:
		return "a mapping";
	case NODE_SEQ:
		return "a list";
	case NODE_SCALAR:
		return "a scalar";
	default:
		return "null";
	}
}

/* A float as YAML would have written it, close enough for comparing keys. */
static void format_real(double v, char *buf, size_t size)
{
	if (isnan(v)) {
		snprintf(buf, size, ".nan");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, size, v < 0 ? "-.inf" : ".inf");
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (!strpbrk(buf, ".eEn")) {
		size_t len = strlen(buf);

		if (len + 3 <= size)
			memcpy(buf + len, ".0", 3);
	}
}

/*
 * The "value" kyaml compares: the text of a scalar (a string as is, a number or boolean as
 * written), "" for maps and lists. jansson keeps no source text, so null reads "null" and
 * numbers read in their canonical form.
 */
static const char *node_text(const json_t *n, char buf[static TEXT_MAX])
{
	switch (json_typeof(n)) {
	case JSON_STRING:
		return json_string_value(n);
	case JSON_INTEGER:
		snprintf(buf, TEXT_MAX, "%" JSON_INTEGER_FORMAT, json_integer_value(n));
		return buf;
	case JSON_REAL:
		format_real(json_real_value(n), buf, TEXT_MAX);
		return buf;
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	case JSON_NULL:
		return "null";
	default:
		return "";
	}
}

static bool text_eq(const json_t *n, const char *s)
{
	char buf[TEXT_MAX];

	return streq(node_text(n, buf), s);
}

static char *text_dup(const json_t *n)
{
	char buf[TEXT_MAX];

	return xstrdup(node_text(n, buf));
}

/* --- schema --- */

/* The schema walk of render/schema.c; s->schema is the same table. */
static int schema_type(const struct smp *s, const char *api_version, const char *kind)
{
	(void)s;
	return render_schema_type(api_version, kind);
}

static int schema_field(const struct smp *s, int node, const char *name)
{
	(void)s;
	return render_schema_field(node, name);
}

static int schema_elements(const struct smp *s, int node)
{
	(void)s;
	return render_schema_items(node);
}

static bool schema_is_merge(const struct smp *s, int node)
{
	return node != NO_SCHEMA && s->schema->nodes[node].merge;
}

static char **schema_keys(const struct smp *s, int node)
{
	const struct render_smp_node *n = &s->schema->nodes[node];
	char **keys = NULL;

	for (size_t i = 0; i < ELEMENTSOF(n->keys) && n->keys[i]; i++)
		strv_push(&keys, n->keys[i]);
	return keys;
}

/* A map that names its own apiVersion and kind brings its type's schema along. */
static int schema_of_object(const struct smp *s, const json_t *n)
{
	const json_t *api_version, *kind;
	char buf1[TEXT_MAX], buf2[TEXT_MAX];
	const char *v, *k;

	if (!json_is_object(n))
		return NO_SCHEMA;
	api_version = json_object_get(n, "apiVersion");
	kind = json_object_get(n, "kind");
	if (is_nil_or_empty(api_version) || is_nil_or_empty(kind))
		return NO_SCHEMA;
	v = node_text(api_version, buf1);
	k = node_text(kind, buf2);
	if (isempty(v) || isempty(k))
		return NO_SCHEMA;
	return schema_type(s, v, k);
}

/* --- kyaml's node edits --- */

/* yyyy-m-d, alone or followed by a time: a timestamp to YAML. */
static bool looks_like_timestamp(const char *s)
{
	size_t n = strspn(s, "0123456789");

	if (n != 4 || s[4] != '-')
		return false;
	s += 5;
	n = strspn(s, "0123456789");
	if (n < 1 || n > 2 || s[n] != '-')
		return false;
	s += n + 1;
	n = strspn(s, "0123456789");
	if (n < 1 || n > 2)
		return false;
	return s[n] == '\0' || s[n] == 'T' || s[n] == 't' || s[n] == ' ';
}

/*
 * Whether a string scalar was (or would be) written quoted or as a block: kyaml gives a
 * value that replaces it the same style, so a number patched over "8080" stays a string.
 * jansson does not keep styles; a string that cannot be written plain (it would read
 * back as another type, or holds what plain scalars cannot) is taken as quoted, and so
 * are YAML 1.1's booleans and timestamps, which people quote for older parsers.
 */
static bool string_is_quoted(const char *s)
{
	static const char *const words[] = {
		"~",     "null",  "Null",  "NULL",  "true", "True", "TRUE", "false", "False",
		"FALSE", "yes",   "Yes",   "YES",   "no",   "No",   "NO",   "on",    "On",
		"ON",    "off",   "Off",   "OFF",   ".inf", ".Inf", ".INF", "+.inf", "+.Inf",
		"+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN",
	};
	size_t len = strlen(s);
	const char *p;
	char *end;

	if (len == 0 || s[0] == ' ' || s[len - 1] == ' ' || s[len - 1] == ':')
		return true;
	for (size_t i = 0; i < ELEMENTSOF(words); i++)
		if (streq(s, words[i]))
			return true;
	if (strchr(",[]{}#&*!|>'\"%@`", s[0]))
		return true;
	if (strchr("-?:", s[0]) && (s[1] == ' ' || s[1] == '\0'))
		return true;
	if (startswith(s, "---") || startswith(s, "...") || looks_like_timestamp(s))
		return true;
	if (strstr(s, ": ") || strstr(s, " #"))
		return true;
	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return true;
	/* numbers: yaml.v3 also reads 0x, 0o, 0b and underscores */
	p = s + (s[0] == '-' || s[0] == '+');
	if (p[0] == '0' && p[1] && strchr("xXoObB", p[1]) && p[2])
		return true;
	if (*p && strspn(p, "0123456789_") == strlen(p) && p[0] != '_')
		return true;
	(void)strtod(p, &end);
	if (end != p && *end == '\0' && (isdigit((unsigned char)p[0]) || p[0] == '.'))
		return true;
	return false;
}

static bool is_non_string_scalar(const json_t *n)
{
	return json_is_number(n) || json_is_boolean(n);
}

/*
 * kyaml's FieldSetter: set map[key] to val (a reference this takes), or remove the key
 * when val is absent or null (unless keep_null). An existing value passes its style on.
 */
static void set_field(json_t *map, const char *key, json_t *val, bool keep_null)
{
	const json_t *old;

	if (!val || (json_is_null(val) && !keep_null)) {
		(void)json_object_del(map, key);
		json_decref(val);
		return;
	}
	old = json_object_get(map, key);
	if (old && old != val && json_is_string(old) && string_is_quoted(json_string_value(old)) &&
	    is_non_string_scalar(val)) {
		char buf[TEXT_MAX];
		json_t *str = json_string(node_text(val, buf));

		json_decref(val);
		val = str;
	}
	if (!val || json_object_set_new(map, key, val) < 0)
		alloc_die(0);
}

/* A scalar kyaml writes from text without a tag: it reads back as YAML types it. */
static json_t *scalar_from_text(const char *text)
{
	char *end;
	long long i;

	if (streq(text, "true"))
		return json_true();
	if (streq(text, "false"))
		return json_false();
	if (streq(text, "null") || streq(text, "~"))
		return json_null();
	errno = 0;
	i = strtoll(text, &end, 10);
	if (*text && *end == '\0' && errno == 0 && !isspace((unsigned char)text[0]))
		return json_integer(i);
	return json_string(text);
}

/* Replace the elements of list with those of items. */
static void list_assign(json_t *list, json_t *items)
{
	json_incref(items);
	if (json_array_clear(list) < 0 || json_array_extend(list, items) < 0)
		alloc_die(0);
	json_decref(items);
}

static void list_append(json_t *list, json_t *elem)
{
	if (json_array_append(list, elem) < 0)
		alloc_die(0);
}

/*
 * kyaml's FieldMatcher with a string value: whether elem has field name (a scalar elem
 * when name is ""), with the value text want unless want is "" (any value then).
 */
static int field_matches(struct smp *s, const json_t *elem, const char *name, const char *want,
                         bool *ret)
{
	const json_t *f;

	*ret = false;
	if (is_missing_or_null(elem))
		return 0;
	if (isempty(name)) {
		if (node_kind(elem) != NODE_SCALAR)
			return smp_error(s, "expected a scalar list element, got %s",
			                 kind_name(node_kind(elem)));
		*ret = text_eq(elem, want);
		return 0;
	}
	if (!json_is_object(elem))
		return smp_error(s, "expected a mapping list element, got %s",
		                 kind_name(node_kind(elem)));
	f = json_object_get(elem, name);
	*ret = f && (isempty(want) || text_eq(f, want));
	return 0;
}

/*
 * kyaml's ElementSetter on list: elements whose keys have the given values are replaced by
 * elem, or removed when elem is NULL; elem is appended when none matched. On the way,
 * null and {} elements are dropped, and with fewer values than keys nothing matches and
 * every other element goes too.
 */
static int element_set(struct smp *s, json_t *list, json_t *elem, char *const *keys,
                       char *const *values)
{
	static char *const no_key[] = { (char *)"", NULL };
	json_auto_t *kept = json_array();
	size_t n_keys, n_values = strv_length(values);
	bool mapping_setter, found_any = false;
	size_t i;
	json_t *e;
	int r;

	if (!kept)
		alloc_die(0);
	if (strv_length(keys) == 0)
		keys = no_key;
	n_keys = strv_length(keys);
	mapping_setter = !isempty(keys[0]) && n_values > 0 && !isempty(values[0]);

	json_array_foreach(list, i, e) {
		bool found = true, match = false;

		if (is_empty_map(e))
			continue;
		if (!json_is_object(e) && mapping_setter) {
			list_append(kept, e);
			continue;
		}
		/* keys beyond the values keep the last key's answer, as in kyaml */
		for (size_t j = 0; j < n_keys; j++) {
			if (j < n_values) {
				r = field_matches(s, e, keys[j], values[j], &match);
				if (r < 0)
					return r;
			}
			if (!match) {
				found = false;
				break;
			}
		}
		if (!found) {
			if (n_values > 0)
				list_append(kept, e);
			continue;
		}
		found_any = true;
		if (elem)
			list_append(kept, elem);
	}
	list_assign(list, kept);
	if (is_missing_or_null(elem))
		return 0;
	if (!found_any)
		list_append(list, elem);
	return 0;
}

/* kyaml's ElementList: the first element whose keys have exactly these values, or NULL. */
static json_t *element_find(json_t *list, char *const *keys, char *const *values)
{
	const char *key0 = keys && keys[0] ? keys[0] : "";
	const char *value0 = values && values[0] ? values[0] : "";
	size_t n_keys = MAX(strv_length(keys), (size_t)1);
	size_t n_values = MAX(strv_length(values), (size_t)1);
	size_t i;
	json_t *e;

	if (!json_is_array(list))
		return NULL;
	if (isempty(key0)) {
		json_array_foreach(list, i, e)
			if (text_eq(e, value0))
				return e;
		return NULL;
	}
	if (n_keys != n_values)
		return NULL; /* kyaml's matcher fails, and ElementList drops the error */
	json_array_foreach(list, i, e) {
		bool match = true;

		if (!json_is_object(e))
			continue;
		for (size_t j = 0; j < n_keys && match; j++) {
			const json_t *f = json_object_get(e, keys[j]);

			match = f && text_eq(f, values[j]);
		}
		if (match)
			return e;
	}
	return NULL;
}

/* --- directives --- */

static int parse_directive(struct smp *s, const json_t *value, enum directive *ret)
{
	char buf[TEXT_MAX];
	const char *v = node_text(value, buf);

	if (streq(v, "delete"))
		*ret = DIRECTIVE_DELETE;
	else if (streq(v, "replace"))
		*ret = DIRECTIVE_REPLACE;
	else if (streq(v, "merge"))
		*ret = DIRECTIVE_MERGE;
	else
		return smp_error(s, "unknown patch strategy '%s'", v);
	return 0;
}

/*
 * The $patch directive of a patch node, removed from it: a "$patch" key of a map, or a
 * list element that is just {$patch: ...} (all such elements with that value go).
 */
static int take_directive(struct smp *s, json_t *patch, enum directive *ret)
{
	json_t *e, *found = NULL;
	size_t i;
	int r;

	*ret = DIRECTIVE_MERGE;
	if (!patch)
		return 0;
	if (json_is_object(patch)) {
		const json_t *v = json_object_get(patch, "$patch");

		if (!v)
			return 0;
		r = parse_directive(s, v, ret);
		if (r < 0)
			return r;
		(void)json_object_del(patch, "$patch");
		return 0;
	}
	if (!json_is_array(patch)) {
		*ret = DIRECTIVE_UNKNOWN;
		return smp_error(s, "no strategic merge patch strategy for %s",
		                 kind_name(node_kind(patch)));
	}
	json_array_foreach(patch, i, e) {
		if (json_is_object(e) && json_object_get(e, "$patch")) {
			found = e;
			break;
		}
	}
	if (!found || json_object_size(found) > 1)
		return 0;
	{
		_cleanup_strv_free_ char **keys = NULL, **values = NULL;

		r = parse_directive(s, json_object_get(found, "$patch"), ret);
		if (r < 0)
			return r;
		strv_push(&keys, "$patch");
		strv_consume(&values, text_dup(json_object_get(found, "$patch")));
		return element_set(s, patch, NULL, keys, values);
	}
}

/* --- the walk --- */

static int walk(struct smp *s, json_t *dest, json_t *origin, int schema, unsigned depth,
                json_t **ret, bool *ret_keep_null);

static json_t *ref(json_t *n)
{
	return json_incref(n);
}

/*
 * merge2's common end of VisitMap and VisitList when the resource has the value: a null
 * patch value leaves nothing (*ret stays NULL), $patch: delete too, $patch: replace takes
 * the patch's value, and otherwise the resource's value is walked further.
 */
static int visit_existing(struct smp *s, json_t *dest, json_t *origin, json_t **ret)
{
	enum directive d;
	int r;

	if (origin && json_is_null(origin))
		return 0;
	r = take_directive(s, origin, &d);
	if (r < 0)
		return r;
	if (d == DIRECTIVE_DELETE)
		return 0;
	*ret = ref(d == DIRECTIVE_REPLACE ? origin : dest);
	return 0;
}

/* merge2's VisitMap: what becomes of a map before its fields are walked. */
static int visit_map(struct smp *s, json_t *dest, json_t *origin, json_t **ret, bool *ret_keep_null)
{
	enum directive d;

	*ret = NULL;
	*ret_keep_null = false;
	if (is_missing_or_null(dest)) {
		/* kyaml ignores a bad directive here: the map is added as it is */
		struct error ignored = ERROR_INIT;
		struct error *saved = s->reterr;

		s->reterr = &ignored;
		(void)take_directive(s, origin, &d);
		s->reterr = saved;
		if (d == DIRECTIVE_DELETE)
			return 0;
		if (!origin && dest) {
			/* an explicit null in the resource stays when the patch says nothing */
			*ret = json_null();
			*ret_keep_null = true;
			return 0;
		}
		*ret = ref(origin);
		return 0;
	}
	return visit_existing(s, dest, origin, ret);
}

static int compare_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The field names of the maps among a and b, sorted, each once (borrowed). */
static const char **field_names(const json_t *a, const json_t *b, size_t *ret_n)
{
	size_t n = 0, alloc = json_object_size(a) + json_object_size(b) + 1;
	const char **names = xcalloc(alloc, sizeof(*names));
	const char *key;
	json_t *v;
	size_t out = 0;

	if (json_is_object(a))
		json_object_foreach((json_t *)a, key, v)
			names[n++] = key;
	if (json_is_object(b) && b != a)
		json_object_foreach((json_t *)b, key, v)
			names[n++] = key;
	qsort(names, n, sizeof(*names), compare_keys);
	for (size_t i = 0; i < n; i++)
		if (out == 0 || !streq(names[out - 1], names[i]))
			names[out++] = names[i];
	*ret_n = out;
	return names;
}

static int walk_map(struct smp *s, json_t *dest, json_t *origin, int schema, unsigned depth,
                    json_t **ret, bool *ret_keep_null)
{
	json_auto_t *d = NULL;
	_cleanup_free_ const char **names = NULL;
	_cleanup_strv_free_ char **keys = NULL;
	size_t n, path_len = s->path.len;
	bool keep;
	int r;

	r = visit_map(s, dest, origin, &d, &keep);
	if (r < 0)
		return r;
	if (!d || keep) {
		*ret = TAKE_PTR(d);
		*ret_keep_null = keep;
		return 0;
	}

	/* copy the names: walking a field may drop other keys of a shared map */
	names = field_names(d, origin, &n);
	for (size_t i = 0; i < n; i++)
		strv_push(&keys, names[i]);

	for (size_t i = 0; i < n; i++) {
		json_t *dv = json_is_object(d) ? json_object_get(d, keys[i]) : NULL;
		json_t *ov = json_is_object(origin) ? json_object_get(origin, keys[i]) : NULL;
		json_t *val = NULL;
		bool val_keep = false;

		if (!dv && !ov)
			continue;
		if (s->path.len)
			strbuf_addch(&s->path, '.');
		strbuf_addstr(&s->path, keys[i]);
		/* hold the sources: the walk may replace them in their maps */
		json_incref(dv);
		json_incref(ov);
		r = walk(s, dv, ov, schema_field(s, schema, keys[i]), depth + 1, &val, &val_keep);
		json_decref(dv);
		json_decref(ov);
		if (r < 0)
			return r;
		strbuf_setlen(&s->path, path_len);
		if (json_is_object(d))
			set_field(d, keys[i], val, val_keep);
		else
			json_decref(val);
	}
	*ret = TAKE_PTR(d);
	*ret_keep_null = false;
	return 0;
}

static int walk_scalar(json_t *dest, json_t *origin, json_t **ret)
{
	*ret = ref(origin ? origin : dest);
	return 0;
}

/* merge2's VisitList for a keyed list. */
static int visit_keyed_list(struct smp *s, json_t *dest, json_t *origin, json_t **ret)
{
	*ret = NULL;
	if (is_missing_or_null(dest)) {
		*ret = ref(origin);
		return 0;
	}
	return visit_existing(s, dest, origin, ret);
}

/* The key-value tuples of the elements, the patch's first, each once. */
static void element_tuples(json_t *dest, json_t *origin, char *const *keys, struct tuples *ret)
{
	json_t *sources[2] = { origin, dest };
	size_t n_keys = strv_length(keys);

	for (size_t k = 0; k < ELEMENTSOF(sources); k++) {
		json_t *e;
		size_t i;

		if (!json_is_array(sources[k]))
			continue;
		json_array_foreach(sources[k], i, e) {
			_cleanup_strv_free_ char **tuple = NULL;

			for (size_t j = 0; j < n_keys; j++) {
				const json_t *f =
				        json_is_object(e) ? json_object_get(e, keys[j]) : NULL;

				strv_consume(&tuple,
				             is_nil_or_empty(f) ? xstrdup("") : text_dup(f));
			}
			if (!tuple || tuples_contain(ret, tuple))
				continue;
			tuples_push(ret, TAKE_PTR(tuple));
		}
	}
}

/* The values of a list of scalars (finalizers), the patch's first, each once. */
static void primitive_tuples(json_t *dest, json_t *origin, struct tuples *ret)
{
	json_t *sources[2] = { origin, dest };

	for (size_t k = 0; k < ELEMENTSOF(sources); k++) {
		json_t *e;
		size_t i;

		if (!json_is_array(sources[k]))
			continue;
		json_array_foreach(sources[k], i, e) {
			char **tuple = NULL;

			strv_consume(&tuple, text_dup(e));
			if (tuples_contain(ret, tuple)) {
				strv_free(tuple);
				continue;
			}
			tuples_push(ret, tuple);
		}
	}
}

/*
 * Two tuples match when they share a value and differ only where one is empty; the
 * match fills the gaps (a port without a protocol is the port with one).
 */
static char **tuple_match(char *const *a, char *const *b)
{
	_cleanup_strv_free_ char **res = NULL;
	size_t n = strv_length(a);
	bool common = false;

	if (n != strv_length(b))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (streq(a[i], b[i])) {
			common = true;
			strv_push(&res, a[i]);
			continue;
		}
		if (!isempty(a[i]) && !isempty(b[i]))
			return NULL;
		strv_push(&res, isempty(a[i]) ? b[i] : a[i]);
	}
	return common ? TAKE_PTR(res) : NULL;
}

static void merge_tuples(struct tuples *t)
{
	for (size_t i = 0; i < t->n; i++) {
		/* kyaml compares with the tuple as it was when its turn came */
		_cleanup_strv_free_ char **first = strv_copy(t->items[i]);

		for (size_t j = 0; j < t->n; j++) {
			char **m = tuple_match(first, t->items[j]);

			if (!m)
				continue;
			strv_free(t->items[i]);
			t->items[i] = strv_copy(m);
			if (j != i) {
				strv_free(t->items[j]);
				t->items[j] = strv_copy(m);
			}
			strv_free(m);
		}
	}
}

/*
 * The keys that have a value in some tuple of all, and the values of tuple for them; all
 * of keys and tuple when no key has a value anywhere.
 */
static void valid_keys(const struct tuples *all, char *const *tuple, char *const *keys,
                       char ***ret_keys, char ***ret_values)
{
	_cleanup_strv_free_ char **set = NULL;
	char **vk = NULL, **vv = NULL;
	size_t n_keys = strv_length(keys);

	for (size_t t = 0; t < all->n; t++)
		for (size_t i = 0; all->items[t][i]; i++)
			if (!isempty(all->items[t][i]) && i < n_keys &&
			    !strv_contains(set, keys[i]))
				strv_push(&set, keys[i]);
	if (!set) {
		*ret_keys = strv_copy(keys);
		*ret_values = strv_copy(tuple);
		return;
	}
	strv_foreach(k, keys)
		if (strv_contains(set, k))
			strv_push(&vk, k);
	for (size_t i = 0; tuple[i]; i++)
		if (!isempty(tuple[i]) || (i < n_keys && strv_contains(set, keys[i])))
			strv_push(&vv, tuple[i]);
	*ret_keys = vk;
	*ret_values = vv;
}

/*
 * kyaml's appendListNode: move each element of src into dst by its key values (replacing
 * the element with the same values, else appending).
 */
static int append_elements(struct smp *s, json_t *dst, json_t *src, char *const *keys)
{
	json_auto_t *snapshot = json_copy(src);
	json_t *e;
	size_t i;
	int r;

	if (!snapshot)
		alloc_die(0);
	json_array_foreach(snapshot, i, e) {
		_cleanup_strv_free_ char **values = NULL;

		if (isempty(keys[0])) {
			strv_consume(&values, text_dup(e));
			r = element_set(s, dst, e, keys, values);
			if (r < 0)
				return r;
			continue;
		}
		strv_foreach(key, keys) {
			const json_t *f = NULL;

			if (!is_missing_or_null(e)) {
				if (!json_is_object(e))
					return smp_error(s,
					                 "expected a mapping list element, got %s",
					                 kind_name(node_kind(e)));
				f = json_object_get(e, key);
			}
			if (!f) {
				list_append(dst, e);
				continue;
			}
			strv_consume(&values, text_dup(f));
		}
		if (strv_length(keys) > 1) {
			r = element_set(s, dst, NULL, keys, values);
			if (r < 0)
				return r;
		}
		r = element_set(s, dst, e, keys, values);
		if (r < 0)
			return r;
	}
	return 0;
}

/* kyaml's setAssociativeSequenceElements: merge the elements of a keyed list. */
static int merge_elements(struct smp *s, struct tuples *tuples, char *const *keys, json_t *dest,
                          json_t *origin, int schema, unsigned depth, json_t **ret)
{
	_cleanup_strv_free_ char **vkeys = NULL, **vvalues = NULL;
	json_auto_t *items = json_array();
	int elem_schema = schema_elements(s, schema);
	size_t path_len = s->path.len;
	int r;

	if (!items)
		alloc_die(0);
	if (strv_length(keys) > 1)
		merge_tuples(tuples);

	for (size_t t = 0; t < tuples->n; t++) {
		_cleanup_strv_free_ char **mkeys = NULL, **mvalues = NULL;
		struct tuples single = { 0 };
		json_auto_t *val = NULL;
		json_t *de, *oe;
		bool keep, exit = false;

		if (strv_length(tuples->items[t]) == 0)
			continue;
		vkeys = strv_free(vkeys);
		vvalues = strv_free(vvalues);
		valid_keys(tuples, tuples->items[t], keys, &vkeys, &vvalues);

		tuples_push(&single, strv_copy(vvalues));
		valid_keys(&single, vvalues, vkeys, &mkeys, &mvalues);
		tuples_release(&single);
		de = element_find(dest, mkeys, mvalues);
		oe = origin ? element_find(origin, mkeys, mvalues) : NULL;

		strbuf_addch(&s->path, '[');
		for (size_t i = 0; mkeys && mkeys[i]; i++) {
			if (i)
				strbuf_addch(&s->path, ',');
			strbuf_addstr(&s->path, mkeys[i]);
			strbuf_addch(&s->path, '=');
			strbuf_addstr(&s->path,
			              mvalues && i < strv_length(mvalues) ? mvalues[i] : "");
		}
		strbuf_addch(&s->path, ']');
		json_incref(de);
		json_incref(oe);
		r = walk(s, de, oe, elem_schema, depth + 1, &val, &keep);
		json_decref(de);
		json_decref(oe);
		if (r < 0)
			return r;
		strbuf_setlen(&s->path, path_len);

		for (size_t i = 0; vkeys && vkeys[i]; i++) {
			if (is_empty_map(val)) {
				r = element_set(s, dest, NULL, vkeys, vvalues);
				if (r < 0)
					return r;
				exit = true;
			} else if (!(json_is_object(val) && json_object_get(val, vkeys[i])) &&
			           i < strv_length(vvalues) && !isempty(vvalues[i])) {
				if (isempty(vkeys[i]))
					continue; /* a scalar set to its own text: no change */
				if (!json_is_object(val))
					return smp_error(s,
					                 "expected a mapping list element, got %s",
					                 kind_name(node_kind(val)));
				set_field(val, vkeys[i], scalar_from_text(vvalues[i]), false);
			}
		}
		if (exit)
			continue;
		r = element_set(s, items, val, vkeys, vvalues);
		if (r < 0)
			return r;
	}

	if (tuples->n > 0) {
		static char *const no_key[] = { (char *)"", NULL };

		/* kustomize merges with "prepend": the resource's elements go after the patch's */
		r = append_elements(s, items, dest, vkeys ? vkeys : no_key);
		if (r < 0)
			return r;
		*ret = TAKE_PTR(items);
	} else
		*ret = ref(dest);
	return 0;
}

static int walk_keyed_list(struct smp *s, json_t *dest, json_t *origin, int schema, unsigned depth,
                           json_t **ret)
{
	_cleanup_strv_free_ char **keys = NULL;
	json_auto_t *d = NULL;
	struct tuples tuples = { 0 };
	int r;

	r = visit_keyed_list(s, dest, origin, &d);
	if (r < 0)
		return r;
	if (!d) {
		*ret = NULL;
		return 0;
	}
	keys = schema_keys(s, schema);
	element_tuples(d, origin, keys, &tuples);
	if (tuples.n > 0 || keys) {
		r = merge_elements(s, &tuples, keys, d, origin, schema, depth, ret);
	} else {
		char **no_key = NULL;

		strv_push(&no_key, "");
		primitive_tuples(d, origin, &tuples);
		r = merge_elements(s, &tuples, no_key, d, origin, schema, depth, ret);
		strv_free(no_key);
	}
	tuples_release(&tuples);
	return r;
}

static int walk(struct smp *s, json_t *dest, json_t *origin, int schema, unsigned depth,
                json_t **ret, bool *ret_keep_null)
{
	enum node_kind kind = node_kind(dest), other = node_kind(origin);

	*ret = NULL;
	*ret_keep_null = false;
	if (depth > DEPTH_MAX)
		return smp_error(s, "nested deeper than %u levels", DEPTH_MAX);
	if (schema == NO_SCHEMA)
		schema = schema_of_object(s, dest);
	if (schema == NO_SCHEMA)
		schema = schema_of_object(s, origin);
	if (kind == NODE_NONE)
		kind = other;
	if (other != NODE_NONE && other != kind)
		return smp_error(s, "the patch has %s where the resource has %s", kind_name(other),
		                 kind_name(kind));

	switch (kind) {
	case NODE_SEQ:
		if (schema_is_merge(s, schema))
			return walk_keyed_list(s, dest, origin, schema, depth, ret);
		return walk_scalar(dest, origin, ret); /* replaced like a scalar */
	case NODE_SCALAR:
		return walk_scalar(dest, origin, ret);
	default:
		return walk_map(s, dest, origin, schema, depth, ret, ret_keep_null);
	}
}

/* --- the resource --- */

int render_strategic_merge(json_t **target, const json_t *patch, struct error *reterr)
{
	struct smp s = {
		.schema = render_smp_schema(),
		.path = STRBUF_INIT,
		.reterr = reterr,
	};
	json_auto_t *dest = NULL, *origin = NULL, *result = NULL, *out = NULL;
	const json_t *api_version;
	bool keep;
	int r;

	assert(target && *target && patch);
	if (!json_is_object(*target))
		return error_set(reterr, -EINVAL,
		                 "strategic merge patch: the resource is not a mapping");
	if (!json_is_object(patch))
		return error_set(reterr, -EINVAL,
		                 "strategic merge patch: the patch is not a mapping");

	dest = doc_copy(*target);
	origin = doc_copy(patch);
	if (!dest || !origin)
		alloc_die(0);

	/* kustomize gives the patch the apiVersion of the object it patches */
	api_version = json_object_get(*target, "apiVersion");
	if (json_is_string(api_version) && json_string_length(api_version) > 0)
		set_field(origin, "apiVersion", doc_copy(api_version), false);

	r = walk(&s, dest, origin, NO_SCHEMA, 0, &result, &keep);
	strbuf_release(&s.path);
	if (r < 0)
		return r;
	if (!result)
		return 1; /* $patch: delete at the top */

	/*
	 * kustomize keeps the node it merged into: a `$patch: replace` at the top, which hands
	 * back the patch instead, changes nothing. The caller puts back the kind, name and
	 * namespace it does not let the patch change.
	 */
	out = doc_copy(dest); /* no node shared with the patch */
	if (!out)
		alloc_die(0);
	json_decref(*target);
	*target = TAKE_PTR(out);
	return 0;
}
