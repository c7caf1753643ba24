/*
 * configMapGenerator and secretGenerator, their merge/replace behaviour across bases and
 * overlays, and the content hash kustomize appends to generated names.
 */

#include "render/render.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/base64.h"
#include "core/error.h"
#include "core/sha256.h"
#include "core/strbuf.h"
#include "core/strv.h"
#include "doc/doc.h"
#include "render/internal.h"

/* --- key/value sources --- */

struct pair {
	char *key;
	char *value;
	size_t value_len;
};

struct pairs {
	struct pair *items;
	size_t n;
};

static void pairs_release(struct pairs *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->items[i].key);
		free(p->items[i].value);
	}
	free(p->items);
	*p = (struct pairs){ 0 };
}

static void pairs_add(struct pairs *p, char *key, char *value, size_t value_len)
{
	p->items = xreallocarray(p->items, p->n + 1, sizeof(*p->items));
	p->items[p->n++] = (struct pair){ key, value, value_len };
}

/* kustomize strips one pair of matching quotes from a literal's value */
static char *remove_quotes(const char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == s[n - 1] && (s[0] == '"' || s[0] == '\''))
		return xstrndup(s + 1, n - 2);
	return xstrdup(s);
}

static bool is_env_var_name(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

static bool is_config_map_key(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

static bool valid_utf8(const char *s, size_t len)
{
	json_t *j = json_stringn(s, len);

	if (!j)
		return false;
	json_decref(j);
	return true;
}

static int env_file_pairs(struct build *b, struct kustomization *k, const char *rel,
                          struct pairs *out, struct error *reterr)
{
	_cleanup_free_ char *data = NULL, *display = NULL;
	size_t len;
	unsigned line_no = 0;
	int r;

	r = build_read_file(b, k, rel, &data, &len, &display, reterr);
	if (r < 0)
		return r;
	for (char *line = data; line && *line;) {
		char *nl = strchr(line, '\n'), *eq;
		_cleanup_free_ char *text = NULL;
		const char *t;

		text = xstrndup(line, nl ? (size_t)(nl - line) : strlen(line));
		line = nl ? nl + 1 : NULL;
		/* a trailing \r stays part of the value, as Go's bufio.Scanner keeps it */
		if (line_no == 0 && startswith(text, "\xef\xbb\xbf"))
			memmove(text, text + 3, strlen(text + 3) + 1);
		line_no++;
		if (!valid_utf8(text, strlen(text)))
			return error_set(reterr, -EBADMSG, "%s: line %u has invalid UTF-8", display,
			                 line_no);
		t = text;
		while (*t && isspace((unsigned char)*t))
			t++;
		if (!*t || *t == '#')
			continue;
		eq = strchr(t, '=');
		{
			_cleanup_free_ char *key = eq ? xstrndup(t, (size_t)(eq - t)) : xstrdup(t);

			if (!is_env_var_name(key))
				return error_set(
				        reterr, -EINVAL,
				        "%s: line %u: invalid env var name '%s': a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
				        display, line_no, key);
			pairs_add(out, TAKE_PTR(key), xstrdup(eq ? eq + 1 : ""),
			          strlen(eq ? eq + 1 : ""));
		}
	}
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int file_pair(struct build *b, struct kustomization *k, const char *source,
                     struct pairs *out, struct error *reterr)
{
	const char *eq = strchr(source, '=');
	_cleanup_free_ char *key = NULL, *path = NULL, *data = NULL;
	size_t len;
	int r;

	if (!eq) {
		key = xstrdup(base_name(source));
		path = xstrdup(source);
	} else if (strchr(eq + 1, '=')) {
		return error_set(reterr, -EINVAL,
		                 "%s: source \"%s\" key name or file path contains '='", k->display,
		                 source);
	} else if (eq == source) {
		return error_set(reterr, -EINVAL,
		                 "%s: missing key name for file path \"%s\" in source \"%s\"",
		                 k->display, eq + 1, source);
	} else if (eq[1] == '\0') {
		return error_set(reterr, -EINVAL,
		                 "%s: missing file path for key name \"%.*s\" in source \"%s\"",
		                 k->display, (int)(eq - source), source, source);
	} else {
		key = xstrndup(source, (size_t)(eq - source));
		path = xstrdup(eq + 1);
	}
	r = build_read_file(b, k, path, &data, &len, NULL, reterr);
	if (r < 0)
		return r;
	pairs_add(out, TAKE_PTR(key), TAKE_PTR(data), len);
	return 0;
}

/* env files, then literals, then files: kustomize's order */
static int load_pairs(struct build *b, struct kustomization *k, const json_t *args,
                      const char *where, struct pairs *out, struct error *reterr)
{
	const json_t *envs = json_object_get(args, "envs"),
	             *literals = json_object_get(args, "literals");
	const json_t *files = json_object_get(args, "files"), *item;
	const char *env = json_string_value(json_object_get(args, "env"));
	size_t i;
	int r;

	json_array_foreach(envs, i, item)
		if (json_is_string(item)) {
			r = env_file_pairs(b, k, json_string_value(item), out, reterr);
			if (r < 0)
				return r;
		}
	if (!isempty(env)) {
		r = env_file_pairs(b, k, env, out, reterr);
		if (r < 0)
			return r;
	}
	json_array_foreach(literals, i, item) {
		const char *s = json_string_value(item), *eq;

		if (!s)
			continue;
		eq = strchr(s, '=');
		if (!eq || eq == s)
			return kustomization_error(k, item, where, -EINVAL, reterr,
			                           "invalid literal source %s, expected key=value",
			                           s);
		{
			char *value = remove_quotes(eq + 1);

			pairs_add(out, xstrndup(s, (size_t)(eq - s)), value, strlen(value));
		}
	}
	json_array_foreach(files, i, item)
		if (json_is_string(item)) {
			r = file_pair(b, k, json_string_value(item), out, reterr);
			if (r < 0)
				return r;
		}
	return 0;
}

/*
 * Base64 as kustomize writes generated values: in lines of 70 characters, each ending in a
 * newline, once the text is 70 characters or longer.
 */
static char *base64_lines(const char *data, size_t len)
{
	struct strbuf flat = STRBUF_INIT, out = STRBUF_INIT;

	base64_encode(data, len, &flat);
	if (flat.len < 70)
		return strbuf_detach(&flat, NULL);
	for (size_t i = 0; i < flat.len; i += 70) {
		strbuf_add(&out, flat.buf + i, MIN((size_t)70, flat.len - i));
		strbuf_addch(&out, '\n');
	}
	strbuf_release(&flat);
	return strbuf_detach(&out, NULL);
}

/* --- generated objects --- */

static json_t *merged_map(const json_t *local, const json_t *global)
{
	const char *key;
	json_t *m, *v;

	if (!local && !global)
		return NULL;
	/* copies: an object shares no node with another (threads edit them side by side) */
	m = json_object();
	json_object_foreach((json_t *)global, key, v)
		json_object_set_new(m, key, doc_copy(v));
	json_object_foreach((json_t *)local, key, v)
		json_object_set_new(m, key, doc_copy(v));
	return m;
}

static int generate_one(struct build *b, struct kustomization *k, const json_t *args, bool secret,
                        const char *where, struct resource **ret, struct error *reterr)
{
	const char *name = json_string_value(json_object_get(args, "name"));
	const char *ns = json_string_value(json_object_get(args, "namespace"));
	const char *behavior = json_string_value(json_object_get(args, "behavior"));
	const json_t *local = json_object_get(args, "options");
	const json_t *global = json_object_get(k->doc, "generatorOptions");
	json_auto_t *labels =
	        merged_map(json_object_get(local, "labels"), json_object_get(global, "labels"));
	json_auto_t *annotations = merged_map(json_object_get(local, "annotations"),
	                                      json_object_get(global, "annotations"));
	bool disable_hash = json_is_true(json_object_get(local, "disableNameSuffixHash")) ||
	                    json_is_true(json_object_get(global, "disableNameSuffixHash"));
	bool immutable = json_is_true(json_object_get(local, "immutable")) ||
	                 json_is_true(json_object_get(global, "immutable"));
	struct pairs pairs = { 0 };
	json_t *obj, *md, *data = NULL, *binary = NULL;
	struct resource *res;
	int r;

	if (isempty(name))
		return kustomization_error(k, args, where, -EINVAL, reterr, "a %s must have a name",
		                           secret ? "secret" : "configmap");
	r = load_pairs(b, k, args, where, &pairs, reterr);
	if (r < 0) {
		pairs_release(&pairs);
		return r;
	}

	obj = json_object();
	json_object_set_new(obj, "apiVersion", json_string("v1"));
	json_object_set_new(obj, "kind", json_string(secret ? "Secret" : "ConfigMap"));
	md = json_object();
	json_object_set_new(md, "name", json_string(name));
	if (!isempty(ns))
		json_object_set_new(md, "namespace", json_string(ns));
	json_object_set_new(obj, "metadata", md);
	if (secret) {
		const char *type = json_string_value(json_object_get(args, "type"));

		json_object_set_new(obj, "type", json_string(isempty(type) ? "Opaque" : type));
		/* a Secret always has data, if only {} */
		data = json_object();
	}
	for (size_t i = 0; i < pairs.n; i++) {
		struct pair *p = &pairs.items[i];

		if (!is_config_map_key(p->key)) {
			r = kustomization_error(
			        k, args, where, -EINVAL, reterr,
			        "%s: invalid key '%s': a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
			        name, p->key);
			goto fail;
		}
		if ((data && json_object_get(data, p->key)) ||
		    (binary && json_object_get(binary, p->key))) {
			r = kustomization_error(k, args, where, -EINVAL, reterr,
			                        "%s %s illegally repeats the key `%s`",
			                        secret ? "secret" : "configmap", name, p->key);
			goto fail;
		}
		if (secret) {
			_cleanup_free_ char *enc = base64_lines(p->value, p->value_len);

			if (!data)
				data = json_object();
			json_object_set_new(data, p->key, json_string(enc));
		} else if (valid_utf8(p->value, p->value_len)) {
			if (!data)
				data = json_object();
			json_object_set_new(data, p->key, json_stringn(p->value, p->value_len));
		} else {
			_cleanup_free_ char *enc = base64_lines(p->value, p->value_len);

			if (!binary)
				binary = json_object();
			json_object_set_new(binary, p->key, json_string(enc));
		}
	}
	if (data)
		json_object_set_new(obj, "data", data);
	if (binary)
		json_object_set_new(obj, "binaryData", binary);
	data = binary = NULL;
	if (labels && json_object_size(labels))
		json_object_set(md, "labels", labels);
	if (annotations && json_object_size(annotations))
		json_object_set(md, "annotations", annotations);
	if (immutable)
		json_object_set_new(obj, "immutable", json_true());

	res = resource_new(obj, k->display);
	res->needs_hash = !disable_hash;
	if (isempty(behavior) || streq(behavior, "create"))
		res->behavior = isempty(behavior) ? GEN_BEHAVIOR_UNSPECIFIED : GEN_BEHAVIOR_CREATE;
	else if (streq(behavior, "merge"))
		res->behavior = GEN_BEHAVIOR_MERGE;
	else if (streq(behavior, "replace"))
		res->behavior = GEN_BEHAVIOR_REPLACE;
	else {
		resource_free(res);
		pairs_release(&pairs);
		return kustomization_error(k, args, where, -EINVAL, reterr,
		                           "behavior '%s' must be create, merge or replace",
		                           behavior);
	}
	pairs_release(&pairs);
	*ret = res;
	return 0;

fail:
	json_decref(data);
	json_decref(binary);
	json_decref(obj);
	pairs_release(&pairs);
	return r;
}

/* Merge string maps: old's entries, then new's (new wins). */
static void merge_string_maps(json_t *into, const json_t *old)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)old, key, v)
		if (!json_object_get(into, key))
			json_object_set_new(into, key, doc_copy(v));
}

static json_t *ensure_object(json_t *parent, const char *key)
{
	json_t *o = json_object_get(parent, key);

	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(parent, key, o);
	}
	return o;
}

/* kustomize's CopyMergeMetaDataFieldsFrom(old): labels and annotations merged, name and
 * namespace and build state taken from old. */
static void copy_merge_metadata(struct resource *res, const struct resource *old)
{
	json_t *md = ensure_object(res->obj, "metadata");
	const json_t *old_md = json_object_get(old->obj, "metadata");
	const json_t *old_labels = json_object_get(old_md, "labels");
	const json_t *old_ann = json_object_get(old_md, "annotations");
	const char *old_ns = json_string_value(json_object_get(old_md, "namespace"));

	if (json_object_size(old_labels) || json_object_size(json_object_get(md, "labels"))) {
		merge_string_maps(ensure_object(md, "labels"), old_labels);
	}
	if (json_object_size(old_ann) || json_object_size(json_object_get(md, "annotations")))
		merge_string_maps(ensure_object(md, "annotations"), old_ann);
	resource_set_name(res, resource_name(old));
	if (!isempty(old_ns))
		resource_set_namespace(res, old_ns);
	else
		json_object_del(md, "namespace");
	strv_free(res->prev_names);
	strv_free(res->prev_namespaces);
	strv_free(res->prev_kinds);
	strv_free(res->prefixes);
	strv_free(res->suffixes);
	{
		struct resource *c = resource_copy(old);

		res->prev_names = TAKE_PTR(c->prev_names);
		res->prev_namespaces = TAKE_PTR(c->prev_namespaces);
		res->prev_kinds = TAKE_PTR(c->prev_kinds);
		res->prefixes = TAKE_PTR(c->prefixes);
		res->suffixes = TAKE_PTR(c->suffixes);
		resource_free(c);
	}
}

static ssize_t find_by_any_id(struct resmap *m, const struct resource *res)
{
	char buf[256];
	struct resid id;
	ssize_t found = -1;

	resource_id(res, buf, sizeof(buf), &id);
	for (size_t i = 0; i < m->n; i++) {
		struct resource *r = m->items[i];
		char rbuf[256];
		struct resid cur;
		const char *want_ns = isempty(id.namespace) ? "default" : id.namespace;
		const char *cur_ns;
		bool match;

		resource_id(r, rbuf, sizeof(rbuf), &cur);
		cur_ns = isempty(cur.namespace) ? "default" : cur.namespace;
		match = streq(cur.gvk.group, id.gvk.group) &&
		        streq(cur.gvk.version, id.gvk.version) &&
		        streq(cur.gvk.kind, id.gvk.kind) && streq(cur.name, id.name) &&
		        streq(cur_ns, want_ns);
		for (size_t p = 0; !match && p < resource_n_prev_ids(r); p++)
			match = streq(cur.gvk.group, id.gvk.group) &&
			        streq(cur.gvk.version, id.gvk.version) &&
			        streq(r->prev_kinds[p], id.gvk.kind) &&
			        streq(r->prev_names[p], id.name) &&
			        streq(r->prev_namespaces[p], want_ns);
		if (match) {
			if (found >= 0)
				return -2;
			found = (ssize_t)i;
		}
	}
	return found;
}

/* kustomize's appendReplaceOrMerge */
static int absorb(struct resmap *m, struct resource *res, struct kustomization *k,
                  struct error *reterr)
{
	ssize_t i = find_by_any_id(m, res);
	const char *name = resource_name(res);
	int r;

	if (i == -2) {
		r = error_set(reterr, -EINVAL, "%s: multiple objects match generated '%s'",
		              k->display, name);
		resource_free(res);
		return r;
	}
	if (i < 0) {
		if (res->behavior == GEN_BEHAVIOR_MERGE || res->behavior == GEN_BEHAVIOR_REPLACE) {
			r = error_set(reterr, -EINVAL,
			              "%s: %s '%s' does not exist; cannot merge or replace",
			              k->display, resource_kind(res), name);
			resource_free(res);
			return r;
		}
		return resmap_append(m, res, reterr);
	}
	switch (res->behavior) {
	case GEN_BEHAVIOR_MERGE: {
		const struct resource *old = m->items[i];

		copy_merge_metadata(res, old);
		if (json_object_get(old->obj, "data") || json_object_get(res->obj, "data"))
			merge_string_maps(ensure_object(res->obj, "data"),
			                  json_object_get(old->obj, "data"));
		if (json_object_get(old->obj, "binaryData") ||
		    json_object_get(res->obj, "binaryData"))
			merge_string_maps(ensure_object(res->obj, "binaryData"),
			                  json_object_get(old->obj, "binaryData"));
		break;
	}
	case GEN_BEHAVIOR_REPLACE:
		copy_merge_metadata(res, m->items[i]);
		break;
	default:
		r = error_set(reterr, -EINVAL,
		              "%s: %s '%s' exists; behavior must be merge or replace", k->display,
		              resource_kind(res), name);
		resource_free(res);
		return r;
	}
	resource_free(m->items[i]);
	m->items[i] = res;
	return 0;
}

int build_generators(struct build *b, struct kustomization *k, struct resmap *m,
                     struct error *reterr)
{
	const char *fields[] = { "configMapGenerator", "secretGenerator" };
	int r;

	for (size_t f = 0; f < ELEMENTSOF(fields); f++) {
		const json_t *list = json_object_get(k->doc, fields[f]), *args;
		size_t i;

		json_array_foreach(list, i, args) {
			_cleanup_free_ char *where = xasprintf("%s[%zu]", fields[f], i);
			struct resource *res = NULL;

			if (json_is_null(args))
				continue;
			r = generate_one(b, k, args, f == 1, where, &res, reterr);
			if (r < 0)
				return r;
			r = absorb(m, res, k, reterr);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* --- the content hash --- */

/* A string as Go's encoding/json writes it (HTML-safe escaping). */
static void go_json_string(struct strbuf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	strbuf_addch(out, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			strbuf_addch(out, '\\');
			strbuf_addch(out, (char)c);
		} else if (c == '\n') {
			strbuf_addstr(out, "\\n");
		} else if (c == '\r') {
			strbuf_addstr(out, "\\r");
		} else if (c == '\t') {
			strbuf_addstr(out, "\\t");
		} else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
			strbuf_addf(out, "\\u00%c%c", hex[c >> 4], hex[c & 0xF]);
		} else if (c == 0xE2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
		           ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
			strbuf_addstr(out, (unsigned char)s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
			i += 2;
		} else {
			strbuf_addch(out, (char)c);
		}
	}
	strbuf_addch(out, '"');
}

static int compare_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A value as encoding/json writes it after a YAML -> map[string]interface{} round trip. */
static void go_json_value(struct strbuf *out, const json_t *v)
{
	const char *key;
	json_t *child;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(v), k = 0;
		_cleanup_free_ const char **keys = xcalloc(n ? n : 1, sizeof(char *));

		json_object_foreach((json_t *)v, key, child)
			keys[k++] = key;
		qsort(keys, n, sizeof(char *), compare_keys);
		strbuf_addch(out, '{');
		for (k = 0; k < n; k++) {
			if (k)
				strbuf_addch(out, ',');
			go_json_string(out, keys[k], strlen(keys[k]));
			strbuf_addch(out, ':');
			go_json_value(out, json_object_get(v, keys[k]));
		}
		strbuf_addch(out, '}');
		return;
	}
	case JSON_ARRAY:
		strbuf_addch(out, '[');
		json_array_foreach(v, i, child) {
			if (i)
				strbuf_addch(out, ',');
			go_json_value(out, child);
		}
		strbuf_addch(out, ']');
		return;
	case JSON_STRING:
		go_json_string(out, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER:
		strbuf_addf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return;
	case JSON_REAL: {
		/* json.Unmarshal gives float64; integral values print as integers */
		double d = json_real_value(v);

		if (d == trunc(d) && fabs(d) < 1e21)
			strbuf_addf(out, "%.0f", d);
		else
			strbuf_addf(out, "%.17g", d);
		return;
	}
	case JSON_TRUE:
		strbuf_addstr(out, "true");
		return;
	case JSON_FALSE:
		strbuf_addstr(out, "false");
		return;
	default:
		strbuf_addstr(out, "null");
		return;
	}
}

/* A field for the hash: a scalar's text, a map as JSON, "" when absent. */
static void hash_field(struct strbuf *out, const json_t *v)
{
	if (!v) {
		strbuf_addstr(out, "\"\"");
		return;
	}
	if (json_is_object(v) || json_is_array(v)) {
		go_json_value(out, v);
		return;
	}
	if (json_is_string(v)) {
		go_json_string(out, json_string_value(v), json_string_length(v));
		return;
	}
	/* a scalar's node value: its text */
	{
		struct strbuf text = STRBUF_INIT;

		go_json_value(&text, v);
		if (json_is_null(v))
			strbuf_reset(&text);
		go_json_string(out, text.buf, text.len);
		strbuf_release(&text);
	}
}

static void hash_encode(const struct strbuf *json, char ret[11])
{
	uint8_t digest[SHA256_DIGEST_SIZE];
	static const char hex[] = "0123456789abcdef";

	sha256(json->buf, json->len, digest);
	for (int i = 0; i < 10; i++) {
		unsigned char nibble =
		        (unsigned char)((i % 2) ? digest[i / 2] & 0xF : digest[i / 2] >> 4);
		char c = hex[nibble];

		switch (c) {
		case '0':
			c = 'g';
			break;
		case '1':
			c = 'h';
			break;
		case '3':
			c = 'k';
			break;
		case 'a':
			c = 'm';
			break;
		case 'e':
			c = 't';
			break;
		default:
			break;
		}
		ret[i] = c;
	}
	ret[10] = '\0';
}

/* kustomize's hasher: a JSON of the fields that matter, sha256, ten characters. */
static void content_hash(const json_t *obj, char ret[11])
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	struct strbuf sb = STRBUF_INIT;

	if (kind && streq(kind, "ConfigMap")) {
		const json_t *binary = json_object_get(obj, "binaryData");

		/* keys in Go's sorted map order: binaryData, data, kind, name */
		strbuf_addch(&sb, '{');
		if (json_is_object(binary)) {
			strbuf_addstr(&sb, "\"binaryData\":");
			hash_field(&sb, binary);
			strbuf_addch(&sb, ',');
		}
		strbuf_addstr(&sb, "\"data\":");
		hash_field(&sb, json_object_get(obj, "data"));
		/* kustomize looks the name up as one field called "metadata/name": always "" */
		strbuf_addstr(&sb, ",\"kind\":\"ConfigMap\",\"name\":\"\"}");
	} else if (kind && streq(kind, "Secret")) {
		const json_t *string_data = json_object_get(obj, "stringData");

		strbuf_addstr(&sb, "{\"data\":");
		hash_field(&sb, json_object_get(obj, "data"));
		strbuf_addstr(&sb, ",\"kind\":\"Secret\",\"name\":\"\"");
		if (json_is_object(string_data)) {
			strbuf_addstr(&sb, ",\"stringData\":");
			hash_field(&sb, string_data);
		}
		strbuf_addstr(&sb, ",\"type\":");
		hash_field(&sb, json_object_get(obj, "type"));
		strbuf_addch(&sb, '}');
	} else {
		go_json_value(&sb, obj);
	}
	hash_encode(&sb, ret);
	strbuf_release(&sb);
}

int build_hash_names(struct resmap *m, struct error *reterr)
{
	(void)reterr;
	for (size_t i = 0; i < m->n; i++) {
		struct resource *r = m->items[i];
		_cleanup_free_ char *name = NULL;
		char hash[11];

		if (!r->needs_hash)
			continue;
		content_hash(r->obj, hash);
		resource_store_previous_id(r);
		name = xasprintf("%s-%s", resource_name(r), hash);
		resource_set_name(r, name);
	}
	return 0;
}
