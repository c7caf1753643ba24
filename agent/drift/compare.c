/* drift_compare(): the fields a desired object sets, against its live copy (drift.h). */
#include "drift/drift.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/macro.h"
#include "core/strbuf.h"
#include "render/render.h"

#define DEPTH_MAX 128

static const char *const never_compared[] = {
	"/status",
	"/metadata/managedFields",
	"/metadata/resourceVersion",
	"/metadata/uid",
	"/metadata/generation",
	"/metadata/creationTimestamp",
	"/metadata/selfLink",
};

/* Parents of quantity values, and fields that are quantities themselves. */
static const char *const quantity_parents[] = {
	"limits", "requests", "hard", "used", "capacity", "allocatable", "overhead",
};
static const char *const quantity_fields[] = { "storage", "sizeLimit" };

struct compare {
	const char *const *ignore_paths;
	json_t *diffs;
	struct strbuf path;
	struct error *reterr;
};

/* Where a value sits: its field name and its parent's, for the quantity rule. */
struct place {
	const char *field;
	const char *parent;
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	if (!s)
		return false;
	for (size_t i = 0; i < n; i++)
		if (streq(s, list[i]))
			return true;
	return false;
}

static bool path_under(const char *path, const char *rule)
{
	size_t n = strlen(rule);

	return strncmp(path, rule, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool is_ignored(const struct compare *c)
{
	for (size_t i = 0; i < ELEMENTSOF(never_compared); i++)
		if (path_under(c->path.buf, never_compared[i]))
			return true;
	for (const char *const *p = c->ignore_paths; p && *p; p++)
		if (path_under(c->path.buf, *p))
			return true;
	return false;
}

static bool is_quantity_place(const struct place *at)
{
	return in_list(at->parent, quantity_parents, ELEMENTSOF(quantity_parents)) ||
	       in_list(at->field, quantity_fields, ELEMENTSOF(quantity_fields));
}

static void add_pointer_segment(struct strbuf *sb, const char *key)
{
	strbuf_addch(sb, '/');
	for (; *key; key++)
		if (*key == '~')
			strbuf_addstr(sb, "~0");
		else if (*key == '/')
			strbuf_addstr(sb, "~1");
		else
			strbuf_addch(sb, *key);
}

static void add_bracket_text(struct strbuf *sb, const char *s)
{
	static const char special[] = "~/,=]";

	for (; *s; s++) {
		const char *p = strchr(special, *s);

		if (p && *s)
			strbuf_addf(sb, "~%d", (int)(p - special));
		else
			strbuf_addch(sb, *s);
	}
}

static void add_bracket_value(struct strbuf *sb, const json_t *v)
{
	if (json_is_string(v))
		add_bracket_text(sb, json_string_value(v));
	else if (json_is_integer(v))
		strbuf_addf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		strbuf_addf(sb, "%.17g", json_real_value(v));
	else if (json_is_boolean(v))
		strbuf_addstr(sb, json_is_true(v) ? "true" : "false");
	else
		strbuf_addstr(sb, "null");
}

static int add_diff(struct compare *c, const json_t *desired, const json_t *live)
{
	json_t *d = json_pack("{s:s, s:O, s:O}", "path", c->path.buf, "desired", desired, "live",
	                      live ? live : json_null());

	if (!d || json_array_append_new(c->diffs, d) < 0)
		return error_set(c->reterr, -ENOMEM, "Failed to record a difference at '%s'",
		                 c->path.buf);
	return 0;
}

/* --- scalars --- */

static bool real_is_integer(double d, json_int_t i)
{
	return isfinite(d) && d >= -9.2233720368547758e18 && d < 9.2233720368547758e18 &&
	       d == (double)(json_int_t)d && (json_int_t)d == i;
}

static bool numbers_equal(const json_t *a, const json_t *b)
{
	if (json_is_integer(a) && json_is_integer(b))
		return json_integer_value(a) == json_integer_value(b);
	if (json_is_real(a) && json_is_real(b))
		return json_real_value(a) == json_real_value(b);
	if (json_is_integer(a))
		return real_is_integer(json_real_value(b), json_integer_value(a));
	return real_is_integer(json_real_value(a), json_integer_value(b));
}

/* A number or string as quantity text; false for other types. */
static bool quantity_text(const json_t *v, char *buf, size_t size, const char **ret)
{
	if (json_is_string(v))
		*ret = json_string_value(v);
	else if (json_is_integer(v))
		(void)snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		(void)snprintf(buf, size, "%.15g", json_real_value(v));
	else
		return false;
	if (!json_is_string(v))
		*ret = buf;
	return true;
}

static bool quantities_equal(const json_t *a, const json_t *b, bool *ret_equal)
{
	char abuf[64], bbuf[64];
	const char *as, *bs;
	int cmp;

	if (!quantity_text(a, abuf, sizeof(abuf), &as) ||
	    !quantity_text(b, bbuf, sizeof(bbuf), &bs))
		return false;
	if (drift_quantity_compare(as, bs, &cmp) < 0)
		return false;
	*ret_equal = cmp == 0;
	return true;
}

static bool scalars_equal(const json_t *desired, const json_t *live, const struct place *at)
{
	bool equal;

	if (is_quantity_place(at) && quantities_equal(desired, live, &equal))
		return equal;
	if (json_is_number(desired) && json_is_number(live))
		return numbers_equal(desired, live);
	return json_equal((json_t *)desired, (json_t *)live);
}

/* --- the walk --- */

static int walk(struct compare *c, const json_t *desired, const json_t *live, int schema,
                const struct place *at, unsigned depth);

/*
 * Whether desired matches live by the rules of drift.h, without recording anything:
 * elements of atomic lists. Uses a scratch compare so the path stays meaningful.
 */
static int matches(struct compare *c, const json_t *desired, const json_t *live, int schema,
                   const struct place *at, unsigned depth, bool *ret)
{
	struct compare sub = {
		.ignore_paths = c->ignore_paths,
		.diffs = json_array(),
		.path = STRBUF_INIT,
		.reterr = c->reterr,
	};
	int r;

	if (!sub.diffs)
		return error_set(c->reterr, -ENOMEM, "Failed to allocate a diff list");
	strbuf_addbuf(&sub.path, &c->path);
	r = walk(&sub, desired, live, schema, at, depth);
	if (r >= 0)
		*ret = json_array_size(sub.diffs) == 0;
	json_decref(sub.diffs);
	strbuf_release(&sub.path);
	return r;
}

static int walk_map(struct compare *c, const json_t *desired, const json_t *live, int schema,
                    const struct place *at, unsigned depth)
{
	size_t len = c->path.len;
	const char *key;
	json_t *dv;

	json_object_foreach((json_t *)desired, key, dv) {
		struct place sub = { .field = key, .parent = at->field };
		int r;

		add_pointer_segment(&c->path, key);
		r = walk(c, dv, json_object_get(live, key), render_schema_field(schema, key), &sub,
		         depth + 1);
		strbuf_setlen(&c->path, len);
		if (r < 0)
			return r;
	}
	return 0;
}

static int walk_atomic_list(struct compare *c, const json_t *desired, const json_t *live,
                            int schema, const struct place *at, unsigned depth)
{
	int items = render_schema_items(schema);
	size_t i;
	json_t *dv;

	if (json_array_size(desired) != json_array_size(live))
		return add_diff(c, desired, live);
	json_array_foreach((json_t *)desired, i, dv) {
		bool equal = false;
		int r;

		r = matches(c, dv, json_array_get(live, i), items, at, depth + 1, &equal);
		if (r < 0)
			return r;
		if (!equal)
			return add_diff(c, desired, live);
	}
	return 0;
}

static bool keys_equal(const json_t *a, const json_t *b)
{
	if (!a || !b)
		return a == b;
	if (json_is_number(a) && json_is_number(b))
		return numbers_equal(a, b);
	return json_equal((json_t *)a, (json_t *)b);
}

/* The text of a key the API server defaults when absent (ports' protocol), else NULL. */
static const char *key_default(const char *key)
{
	return streq(key, "protocol") ? "TCP" : NULL;
}

static bool key_equal(const json_t *item, const json_t *other, const char *key)
{
	const json_t *a = json_object_get(item, key), *b = json_object_get(other, key);
	const char *def = key_default(key);

	if (def && (!a || !b)) {
		const char *as = a ? json_string_value(a) : def,
		           *bs = b ? json_string_value(b) : def;

		return as && bs && streq(as, bs);
	}
	return keys_equal(a, b);
}

static const json_t *find_keyed(const json_t *live, const json_t *item, const char *const *keys,
                                size_t n_keys)
{
	size_t i;
	json_t *lv;

	json_array_foreach((json_t *)live, i, lv) {
		size_t k = 0;

		if (!json_is_object(lv))
			continue;
		while (k < n_keys && key_equal(item, lv, keys[k]))
			k++;
		if (k == n_keys)
			return lv;
	}
	return NULL;
}

static const json_t *find_scalar(const json_t *live, const json_t *item)
{
	size_t i;
	json_t *lv;

	json_array_foreach((json_t *)live, i, lv)
		if (keys_equal(item, lv))
			return lv;
	return NULL;
}

static void add_item_segment(struct strbuf *sb, const json_t *item, const char *const *keys,
                             size_t n_keys)
{
	bool first = true;

	strbuf_addstr(sb, "/[");
	if (n_keys == 0)
		add_bracket_value(sb, item);
	for (size_t k = 0; k < n_keys; k++) {
		const json_t *v = json_object_get(item, keys[k]);
		const char *def = key_default(keys[k]);

		if (!v && !def)
			continue;
		if (!first)
			strbuf_addch(sb, ',');
		first = false;
		add_bracket_text(sb, keys[k]);
		strbuf_addch(sb, '=');
		if (v)
			add_bracket_value(sb, v);
		else
			add_bracket_text(sb, def);
	}
	strbuf_addch(sb, ']');
}

static int walk_keyed_list(struct compare *c, const json_t *desired, const json_t *live, int schema,
                           const char *const *keys, size_t n_keys, const struct place *at,
                           unsigned depth)
{
	int items = render_schema_items(schema);
	size_t len = c->path.len, i;
	json_t *dv;

	json_array_foreach((json_t *)desired, i, dv) {
		/* Items that cannot be matched by key make the list atomic, as kyaml does. */
		if (n_keys > 0 && !json_is_object(dv))
			return walk_atomic_list(c, desired, live, schema, at, depth);
		if (n_keys == 0 && (json_is_object(dv) || json_is_array(dv)))
			return walk_atomic_list(c, desired, live, schema, at, depth);
	}
	json_array_foreach((json_t *)desired, i, dv) {
		const json_t *lv =
		        n_keys > 0 ? find_keyed(live, dv, keys, n_keys) : find_scalar(live, dv);
		int r = 0;

		add_item_segment(&c->path, dv, keys, n_keys);
		if (is_ignored(c))
			r = 0;
		else if (!lv)
			r = add_diff(c, dv, NULL);
		else if (n_keys > 0)
			r = walk(c, dv, lv, items, at, depth + 1);
		strbuf_setlen(&c->path, len);
		if (r < 0)
			return r;
	}
	return 0;
}

static int walk(struct compare *c, const json_t *desired, const json_t *live, int schema,
                const struct place *at, unsigned depth)
{
	const char *const *keys;
	size_t n_keys;

	if (depth > DEPTH_MAX)
		return error_set(c->reterr, -EBADMSG, "Object nested too deep at '%s'",
		                 c->path.buf);
	if (is_ignored(c))
		return 0;
	if (json_is_null(desired))
		return !live || json_is_null(live) ? 0 : add_diff(c, desired, live);
	if (!live)
		return add_diff(c, desired, NULL);
	if (json_is_object(desired))
		return json_is_object(live) ? walk_map(c, desired, live, schema, at, depth) :
		                              add_diff(c, desired, live);
	if (json_is_array(desired)) {
		if (!json_is_array(live))
			return add_diff(c, desired, live);
		if (render_schema_merge_keys(schema, &keys, &n_keys))
			return walk_keyed_list(c, desired, live, schema, keys, n_keys, at, depth);
		return walk_atomic_list(c, desired, live, schema, at, depth);
	}
	return scalars_equal(desired, live, at) ? 0 : add_diff(c, desired, live);
}

int drift_compare(const json_t *desired, const json_t *live,
                  const struct drift_compare_options *opts, json_t **ret_diffs,
                  struct error *reterr)
{
	struct compare c = {
		.ignore_paths = opts ? opts->ignore_paths : NULL,
		.path = STRBUF_INIT,
		.reterr = reterr,
	};
	struct place top = { 0 };
	int r;

	if (!json_is_object(desired))
		return error_set(reterr, -EINVAL, "The desired object is not a JSON object");
	if (!json_is_object(live))
		return error_set(reterr, -EINVAL, "The live object is not a JSON object");
	c.diffs = json_array();
	if (!c.diffs)
		return error_set(reterr, -ENOMEM, "Failed to allocate a diff list");
	r = walk(&c, desired, live,
	         render_schema_type(json_string_value(json_object_get(desired, "apiVersion")),
	                            json_string_value(json_object_get(desired, "kind"))),
	         &top, 0);
	strbuf_release(&c.path);
	if (r < 0) {
		json_decref(c.diffs);
		return r;
	}
	*ret_diffs = c.diffs;
	return 0;
}
