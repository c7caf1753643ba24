#include "render/render.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/macro.h"
#include "core/strbuf.h"
#include "doc/doc.h"

/*
 * JSON Patch as gopkg.in/evanphx/json-patch.v4 v4.12.0 applies it, the library behind
 * kustomize's patchesJson6902 and JSON patches in `patches:`. Where it departs from RFC 6902
 * we follow the library, checked against `kubectl kustomize` (kustomize v5.5.0):
 *
 *  - A pointer's first token is never looked at: "a/b" means "/b", and a path without any
 *    '/' (the root "" included) names nothing. So add, remove, move and copy cannot work
 *    on the whole document; replace "" swaps the document for an object or array value
 *    and does nothing at all for any other value; test "" compares the whole document.
 *  - replace of a missing object member adds it.
 *  - add and replace without "value" write null.
 *  - copy from a missing object member copies null; move from one fails.
 *  - Array indices are Go's strconv.Atoi: a sign and leading zeros are accepted ("+1",
 *    "01"), and negative indices count from the end (-1 is the last element; for add,
 *    -1 is the end, after the last element).
 *  - "~" not followed by 0 or 1 stays as it is.
 *  - test of a missing member (or a null one) succeeds when "value" is null. Scalars
 *    compare as Go's encoding/json prints them: an integer equals a float that prints
 *    the same (1 and 1.0, 1152921504606847000 and 2^60, but not 2^60 and
 *    1152921504606846976); -0.0 differs from 0. Objects compare regardless of order.
 *    That is what kustomize does with a patch written in YAML, which it re-encodes with
 *    Go; a patch written as JSON text (starting with '[') is compared by its literal
 *    text, which a json_t no longer has (there 1.0 differs from 1, and "<" from the
 *    "\u003c" Go prints for the resource).
 *
 * Where the library crashes (a nil pointer dereference, so kustomize fails) we fail with
 * -EINVAL: test without "value" (except of an existing non-null member, which simply
 * fails), replace "" without "value", and a test that reaches null inside an array.
 *
 * Error messages number the operations from 0, as a JSON pointer into the patch would.
 */

/* What the error messages say about the operation being applied. */
struct op_ctx {
	size_t index;
	const char *op;   /* NULL until known */
	const char *path; /* NULL until read */
	const char *from; /* move and copy */
	struct error *reterr;
};

_printf_(3, 4) static int op_fail(const struct op_ctx *c, int code, const char *fmt, ...)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	va_list ap;

	strbuf_addf(&sb, "operation %zu", c->index);
	if (c->op) {
		strbuf_addf(&sb, " (%s", c->op);
		if (c->path)
			strbuf_addf(&sb, " %s", isempty(c->path) ? "\"\"" : c->path);
		if (c->from)
			strbuf_addf(&sb, " from %s", isempty(c->from) ? "\"\"" : c->from);
		strbuf_addch(&sb, ')');
	}
	strbuf_addstr(&sb, ": ");
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return error_set(c->reterr, code, "%s", sb.buf);
}

static int op_fail_nomem(const struct op_ctx *c)
{
	return op_fail(c, -ENOMEM, "out of memory");
}

/* Read the pointer member name ("path", "from") of operation op into *ret. */
static int op_get_pointer(const struct op_ctx *c, const json_t *op, const char *name,
                          const char **ret)
{
	const json_t *v = json_object_get(op, name);

	if (!v || json_is_null(v))
		return op_fail(c, -EINVAL, "missing \"%s\"", name);
	if (!json_is_string(v))
		return op_fail(c, -EINVAL, "\"%s\" is not a string", name);
	*ret = json_string_value(v);
	return 0;
}

/* Unescape one reference token of len bytes: "~1" is '/', then "~0" is '~', in one pass. */
static char *token_decode(const char *s, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t i = 0, n = 0;

	while (i < len) {
		if (s[i] == '~' && i + 1 < len && (s[i + 1] == '0' || s[i + 1] == '1')) {
			out[n++] = s[i + 1] == '1' ? '/' : '~';
			i += 2;
		} else
			out[n++] = s[i++];
	}
	out[n] = '\0';
	return out;
}

/* Go's strconv.Atoi: an optional sign, then decimal digits only, within int64. */
static bool index_parse(const char *s, int64_t *ret)
{
	bool negative = false;
	uint64_t v = 0, limit;

	if (*s == '+' || *s == '-')
		negative = *s++ == '-';
	if (!*s)
		return false;
	limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (limit - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*ret = negative ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

/*
 * The position token names in array: an existing element, or with insert a place to insert
 * at (0 to size; "-" is the end). Negative indices count from the end: from size for an
 * element, from size + 1 for a place.
 */
static int array_index(const struct op_ctx *c, const json_t *array, const char *token, bool insert,
                       size_t *ret)
{
	size_t size = json_array_size(array);
	int64_t n = (int64_t)size + (insert ? 1 : 0), idx;

	if (insert && streq(token, "-")) {
		*ret = size;
		return 0;
	}
	if (!index_parse(token, &idx)) {
		if (streq(token, "-"))
			return op_fail(c, -EINVAL,
			               "\"-\" (after the last element) can only be added to");
		return op_fail(c, -EINVAL, "'%s' is not an array index", token);
	}
	if (idx < 0 && idx >= -n)
		idx += n;
	if (idx < 0 || idx >= n)
		return op_fail(c, -ENOENT, "array index %s is out of range (%zu elements)", token,
		               size);
	*ret = (size_t)idx;
	return 0;
}

/*
 * Find the container that pointer path ends in: *ret_parent is the object or array that
 * holds the last reference token, *ret_key that token unescaped (caller frees). The first
 * token is skipped unread, as the library does; what names whether path is the "path" or
 * the "from" of the operation.
 */
static int pointer_find_parent(const struct op_ctx *c, json_t *root, const char *path,
                               const char *what, json_t **ret_parent, char **ret_key)
{
	const char *p = strchr(path, '/');
	json_t *cur = root;

	if (!p) {
		if (isempty(path))
			return op_fail(c, -EINVAL, "%s cannot be the whole document", what);
		return op_fail(c, -EINVAL, "%s '%s' is not a JSON pointer", what, path);
	}
	for (;;) {
		const char *token = p + 1, *end = strchr(token, '/');
		_cleanup_free_ char *key =
		        token_decode(token, end ? (size_t)(end - token) : strlen(token));
		json_t *next;
		size_t idx;
		int r;

		if (!end) {
			*ret_parent = cur;
			*ret_key = TAKE_PTR(key);
			return 0;
		}
		if (json_is_object(cur))
			next = json_object_get(cur, key);
		else {
			r = array_index(c, cur, key, false, &idx);
			if (r < 0)
				return r;
			next = json_array_get(cur, idx);
		}
		if (!json_is_object(next) && !json_is_array(next))
			return op_fail(c, -ENOENT, "%s does not exist", what);
		cur = next;
		p = end;
	}
}

/*
 * The value at key of parent, borrowed, or NULL for a missing object member (which the
 * library does not tell from null).
 */
static int child_get(const struct op_ctx *c, json_t *parent, const char *key, json_t **ret)
{
	size_t idx;
	int r;

	if (json_is_object(parent)) {
		*ret = json_object_get(parent, key);
		return 0;
	}
	r = array_index(c, parent, key, false, &idx);
	if (r < 0)
		return r;
	*ret = json_array_get(parent, idx);
	return 0;
}

/* Add value (stolen) at key of parent: set an object member, insert into an array. */
static int child_add(const struct op_ctx *c, json_t *parent, const char *key, json_t *value)
{
	size_t idx;
	int r;

	if (!value)
		return op_fail_nomem(c);
	if (json_is_object(parent)) {
		if (json_object_set_new(parent, key, value) < 0)
			return op_fail_nomem(c);
		return 0;
	}
	r = array_index(c, parent, key, true, &idx);
	if (r < 0) {
		json_decref(value);
		return r;
	}
	if (json_array_insert_new(parent, idx, value) < 0)
		return op_fail_nomem(c);
	return 0;
}

static int child_remove(const struct op_ctx *c, json_t *parent, const char *key)
{
	size_t idx;
	int r;

	if (json_is_object(parent)) {
		if (json_object_del(parent, key) < 0)
			return op_fail(c, -ENOENT, "path does not exist");
		return 0;
	}
	r = array_index(c, parent, key, false, &idx);
	if (r < 0)
		return r;
	if (json_array_remove(parent, idx) < 0)
		return op_fail_nomem(c);
	return 0;
}

/* A copy of an operation's "value"; absent means null. NULL only when out of memory. */
static json_t *value_copy(const json_t *value)
{
	return value ? doc_copy(value) : json_null();
}

static int op_add(const struct op_ctx *c, json_t *root, const json_t *op)
{
	_cleanup_free_ char *key = NULL;
	json_t *parent;
	int r;

	r = pointer_find_parent(c, root, c->path, "path", &parent, &key);
	if (r < 0)
		return r;
	return child_add(c, parent, key, value_copy(json_object_get(op, "value")));
}

static int op_remove(const struct op_ctx *c, json_t *root)
{
	_cleanup_free_ char *key = NULL;
	json_t *parent;
	int r;

	r = pointer_find_parent(c, root, c->path, "path", &parent, &key);
	if (r < 0)
		return r;
	return child_remove(c, parent, key);
}

static int op_replace(const struct op_ctx *c, json_t **root, const json_t *op)
{
	const json_t *value = json_object_get(op, "value");
	_cleanup_free_ char *key = NULL;
	json_t *parent, *old, *copy;
	size_t idx;
	int r;

	if (isempty(c->path)) {
		if (!value)
			return op_fail(c, -EINVAL, "missing \"value\"");
		/* Any other value leaves the document as it is. */
		if (!json_is_object(value) && !json_is_array(value))
			return 0;
		copy = doc_copy(value);
		if (!copy)
			return op_fail_nomem(c);
		json_decref(*root);
		*root = copy;
		return 0;
	}

	r = pointer_find_parent(c, *root, c->path, "path", &parent, &key);
	if (r < 0)
		return r;
	/* A missing object member is not an error: it is added. */
	r = child_get(c, parent, key, &old);
	if (r < 0)
		return r;
	copy = value_copy(value);
	if (!copy)
		return op_fail_nomem(c);
	if (json_is_object(parent))
		r = json_object_set_new(parent, key, copy);
	else {
		r = array_index(c, parent, key, false, &idx);
		assert(r >= 0);
		r = json_array_set_new(parent, idx, copy);
	}
	if (r < 0)
		return op_fail_nomem(c);
	return 0;
}

static int op_move(struct op_ctx *c, json_t *root, const json_t *op)
{
	_cleanup_free_ char *from_key = NULL, *key = NULL;
	json_auto_t *value = NULL;
	json_t *parent;
	int r;

	r = pointer_find_parent(c, root, c->from, "from", &parent, &from_key);
	if (r < 0)
		return r;
	r = child_get(c, parent, from_key, &value);
	if (r < 0)
		return r;
	json_incref(value);
	if (json_is_object(parent) && !value)
		return op_fail(c, -ENOENT, "from does not exist");
	r = child_remove(c, parent, from_key);
	if (r < 0)
		return r;

	/* The destination is looked up after the removal, like the RFC's remove-then-add. */
	r = op_get_pointer(c, op, "path", &c->path);
	if (r < 0)
		return r;
	r = pointer_find_parent(c, root, c->path, "path", &parent, &key);
	if (r < 0)
		return r;
	return child_add(c, parent, key, TAKE_PTR(value));
}

static int op_copy(struct op_ctx *c, json_t *root, const json_t *op)
{
	_cleanup_free_ char *from_key = NULL, *key = NULL;
	json_t *parent, *value;
	int r;

	r = pointer_find_parent(c, root, c->from, "from", &parent, &from_key);
	if (r < 0)
		return r;
	/* A missing object member copies as null. */
	r = child_get(c, parent, from_key, &value);
	if (r < 0)
		return r;

	r = op_get_pointer(c, op, "path", &c->path);
	if (r < 0)
		return r;
	r = pointer_find_parent(c, root, c->path, "path", &parent, &key);
	if (r < 0)
		return r;
	return child_add(c, parent, key, value_copy(value));
}

/*
 * The decimal digits Go's encoding/json prints for the integral double v < 2^63 whose
 * magnitude is m: the shortest that reads back as v, the closest to m among those, then
 * padded with zeros (strconv.FormatFloat(v, 'f', -1, 64)).
 */
static uint64_t go_shortest_integral(uint64_t m, double v)
{
	uint64_t pow = 1;
	unsigned digits = 1;

	for (uint64_t t = m; t >= 10; t /= 10) {
		digits++;
		pow *= 10;
	}
	/* Try 1, 2, ... significant digits: pow is 10^(digits - significant digits). */
	for (; pow > 1; pow /= 10) {
		uint64_t lo = m - m % pow, hi = lo + pow;
		bool lo_ok = (double)lo == v, hi_ok = m % pow != 0 && (double)hi == v;

		if (lo_ok && hi_ok) {
			if (m - lo != hi - m)
				return m - lo < hi - m ? lo : hi;
			return (lo / pow) % 2 == 0 ? lo : hi;
		}
		if (lo_ok)
			return lo;
		if (hi_ok)
			return hi;
	}
	return m;
}

/* Whether the double r prints, in Go's encoding/json, exactly as the integer i does. */
static bool real_prints_as_integer(double r, json_int_t i)
{
	uint64_t m, mi;
	int64_t whole;

	/* Beyond int64 the text has more digits than any int64; fractions have a point. */
	if (!(r > -9223372036854775808.0 && r < 9223372036854775808.0))
		return false;
	whole = (int64_t)r;
	if ((double)whole != r)
		return false;
	if (whole == 0)
		return i == 0 && !signbit(r); /* -0.0 prints as "-0" */
	if ((whole < 0) != (i < 0))
		return false;
	m = whole < 0 ? 0 - (uint64_t)whole : (uint64_t)whole;
	mi = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
	return go_shortest_integral(m, r < 0 ? -r : r) == mi;
}

static bool number_equal(const json_t *a, const json_t *b)
{
	double x, y;

	if (json_is_integer(a) && json_is_integer(b))
		return json_integer_value(a) == json_integer_value(b);
	if (json_is_real(a) && json_is_real(b)) {
		x = json_real_value(a);
		y = json_real_value(b);
		return x == y && !signbit(x) == !signbit(y);
	}
	if (json_is_real(a))
		return real_prints_as_integer(json_real_value(a), json_integer_value(b));
	return real_prints_as_integer(json_real_value(b), json_integer_value(a));
}

enum compare {
	COMPARE_EQUAL,
	COMPARE_DIFFERENT,
	COMPARE_CRASH, /* the library dereferences the nil of a null array element */
};

/*
 * Compare doc value a with test value b, both not null, as the library's lazyNode.equal:
 * objects by their members in any order (null members are fine), arrays element by
 * element, scalars by the text Go prints for them.
 */
static enum compare value_compare(const json_t *a, const json_t *b)
{
	enum compare result = COMPARE_EQUAL, r;
	const json_t *bv;
	const char *key;
	json_t *av;

	if (json_is_object(a)) {
		if (!json_is_object(b) || json_object_size(a) != json_object_size(b))
			return COMPARE_DIFFERENT;
		/* jansson iterates without modifying, but wants a mutable object */
		json_object_foreach((json_t *)a, key, av) {
			bv = json_object_get(b, key);
			if (!bv || json_is_null(av) != json_is_null(bv))
				return COMPARE_DIFFERENT;
			if (json_is_null(av))
				continue;
			/* Go walks members in random order: a difference may or may not win */
			r = value_compare(av, bv);
			if (r == COMPARE_DIFFERENT)
				return r;
			if (r == COMPARE_CRASH)
				result = r;
		}
		return result;
	}
	if (json_is_array(a)) {
		if (!json_is_array(b) || json_array_size(a) != json_array_size(b))
			return COMPARE_DIFFERENT;
		for (size_t i = 0; i < json_array_size(a); i++) {
			av = json_array_get(a, i);
			bv = json_array_get(b, i);
			if (json_is_null(av) || json_is_null(bv))
				return COMPARE_CRASH;
			r = value_compare(av, bv);
			if (r != COMPARE_EQUAL)
				return r;
		}
		return COMPARE_EQUAL;
	}
	if (json_is_number(a) && json_is_number(b))
		return number_equal(a, b) ? COMPARE_EQUAL : COMPARE_DIFFERENT;
	if (json_is_string(a) && json_is_string(b))
		return json_equal(a, b) ? COMPARE_EQUAL : COMPARE_DIFFERENT;
	if (json_is_boolean(a) && json_is_boolean(b))
		return json_equal(a, b) ? COMPARE_EQUAL : COMPARE_DIFFERENT;
	return COMPARE_DIFFERENT;
}

static int test_compare(const struct op_ctx *c, const json_t *a, const json_t *b)
{
	switch (value_compare(a, b)) {
	case COMPARE_EQUAL:
		return 0;
	case COMPARE_DIFFERENT:
		return op_fail(c, -EPROTO, "test failed");
	case COMPARE_CRASH:
		break;
	}
	return op_fail(c, -EINVAL, "null inside an array cannot be tested (kustomize crashes)");
}

static int op_test(const struct op_ctx *c, json_t *root, const json_t *op)
{
	const json_t *value = json_object_get(op, "value");
	_cleanup_free_ char *key = NULL;
	json_t *parent, *cur;
	int r;

	if (isempty(c->path)) {
		if (!value)
			return op_fail(c, -EINVAL, "missing \"value\"");
		if (json_is_null(value))
			return op_fail(c, -EPROTO, "test failed");
		return test_compare(c, root, value);
	}

	r = pointer_find_parent(c, root, c->path, "path", &parent, &key);
	if (r < 0)
		return r;
	r = child_get(c, parent, key, &cur);
	if (r < 0)
		return r;
	if (!cur || json_is_null(cur)) {
		if (!value)
			return op_fail(c, -EINVAL, "missing \"value\"");
		if (json_is_null(value))
			return 0; /* absent counts as null */
		return op_fail(c, -EPROTO, "test failed");
	}
	if (!value || json_is_null(value))
		return op_fail(c, -EPROTO, "test failed");
	return test_compare(c, cur, value);
}

static int op_apply(json_t **root, size_t index, const json_t *op, struct error *reterr)
{
	struct op_ctx c = { .index = index, .reterr = reterr };
	const json_t *v = json_object_get(op, "op");
	const char *kind = json_string_value(v);
	int r;

	if (!v || json_is_null(v))
		return op_fail(&c, -EINVAL, "missing \"op\"");
	if (!kind)
		return op_fail(&c, -EINVAL, "\"op\" is not a string");
	if (!streq(kind, "add") && !streq(kind, "remove") && !streq(kind, "replace") &&
	    !streq(kind, "move") && !streq(kind, "copy") && !streq(kind, "test"))
		return op_fail(&c, -EINVAL, "unknown op '%s'", kind);
	c.op = kind;

	/* move and copy read "from" first and "path" only once "from" was found */
	if (streq(kind, "move") || streq(kind, "copy")) {
		r = op_get_pointer(&c, op, "from", &c.from);
		if (r < 0)
			return r;
		if (streq(kind, "move"))
			return op_move(&c, *root, op);
		return op_copy(&c, *root, op);
	}

	r = op_get_pointer(&c, op, "path", &c.path);
	if (r < 0)
		return r;
	if (streq(kind, "add"))
		return op_add(&c, *root, op);
	if (streq(kind, "remove"))
		return op_remove(&c, *root);
	if (streq(kind, "replace"))
		return op_replace(&c, root, op);
	return op_test(&c, *root, op);
}

static json_t *json_or_die(json_t *v)
{
	if (!v)
		alloc_die(sizeof(json_t));
	return v;
}

/*
 * Move the contents of result into doc when both are objects or both arrays, so that the
 * caller's reference stays valid unless the patch replaced the document by another type.
 */
static bool doc_take_contents(json_t *doc, json_t *result)
{
	int r;

	if (json_is_object(doc) && json_is_object(result)) {
		(void)json_object_clear(doc);
		r = json_object_update(doc, result);
	} else if (json_is_array(doc) && json_is_array(result)) {
		(void)json_array_clear(doc);
		r = json_array_extend(doc, result);
	} else
		return false;
	/* too late to go back: doc is half-built */
	if (r < 0)
		alloc_die(sizeof(json_t));
	return true;
}

int render_json_patch(json_t **doc, const json_t *ops, struct error *reterr)
{
	json_auto_t *work = NULL;
	const json_t *op;
	size_t i;
	int r;

	assert(doc && *doc && ops);

	if (!json_is_array(ops))
		return error_set(reterr, -EINVAL, "a JSON patch must be an array of operations");
	/* The library decodes all operations before it applies the first. */
	json_array_foreach(ops, i, op)
		if (!json_is_object(op) && !json_is_null(op))
			return error_set(reterr, -EINVAL, "operation %zu: not an object", i);
	if (!json_is_object(*doc) && !json_is_array(*doc))
		return error_set(reterr, -EINVAL,
		                 "a JSON patch applies to an object or an array only");

	work = doc_copy(*doc);
	if (!work)
		return error_set(reterr, -ENOMEM, "out of memory");
	json_array_foreach(ops, i, op) {
		r = op_apply(&work, i, op, reterr);
		if (r < 0)
			return r;
	}

	if (!doc_take_contents(*doc, work)) {
		json_decref(*doc);
		*doc = TAKE_PTR(work);
	}
	return 0;
}

/* RFC 7386 MergePatch(target, patch), consuming the reference target (which may be NULL). */
static json_t *merge_patch(json_t *target, const json_t *patch)
{
	const char *key;
	json_t *value, *child;

	if (!json_is_object(patch)) {
		json_decref(target);
		return json_or_die(doc_copy(patch));
	}
	if (!json_is_object(target)) {
		json_decref(target);
		target = json_or_die(json_object());
	}
	json_object_foreach((json_t *)patch, key, value) {
		if (json_is_null(value)) {
			(void)json_object_del(target, key);
			continue;
		}
		child = json_incref(json_object_get(target, key));
		if (json_object_set_new(target, key, merge_patch(child, value)) < 0)
			alloc_die(sizeof(json_t));
	}
	return target;
}

json_t *render_merge_patch(const json_t *target, const json_t *patch)
{
	assert(patch);

	if (!json_is_object(patch))
		return json_or_die(doc_copy(patch));
	return merge_patch(target ? json_or_die(doc_copy(target)) : NULL, patch);
}
