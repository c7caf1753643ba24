/*
 * YAML -> json_t with libyaml's event parser and yaml.v3's typing rules.
 */

#include "doc/doc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "core/alloc.h"
#include "core/base64.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "doc/internal.h"

#define MAX_DEPTH 512

#define TAG_PREFIX "tag:yaml.org,2002:"

struct anchor {
	char *name;
	json_t *node; /* owned reference */
	size_t n_nodes;
};

struct parser {
	yaml_parser_t yaml;
	unsigned flags;
	const char *filename;
	struct doc_positions *positions;
	struct anchor *anchors;
	size_t n_anchors;
	size_t alias_nodes;
	struct error *reterr;
};

static int fail_at(struct parser *p, const yaml_mark_t *mark, const char *fmt, ...) _printf_(3, 4);

static int fail_at(struct parser *p, const yaml_mark_t *mark, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;
	int r;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	r = error_set_at(p->reterr, -EBADMSG,
	                 &(struct error_pos){ .file = p->filename,
	                                      .line = mark ? (unsigned)mark->line + 1 : 0,
	                                      .column = mark ? (unsigned)mark->column + 1 : 0 },
	                 "%s", msg.buf);
	strbuf_release(&msg);
	return r;
}

static enum yaml_dialect dialect(const struct parser *p)
{
	return p->flags & DOC_PARSE_YAML_V2 ? YAML_DIALECT_V2 : YAML_DIALECT_V3;
}

static int next_event(struct parser *p, yaml_event_t *event)
{
	if (yaml_parser_parse(&p->yaml, event))
		return 0;
	if (p->yaml.context)
		return fail_at(p, &p->yaml.problem_mark, "%s %s", p->yaml.problem, p->yaml.context);
	return fail_at(p, &p->yaml.problem_mark, "%s",
	               p->yaml.problem ? p->yaml.problem : "invalid YAML");
}

static void record(struct parser *p, const json_t *node, const yaml_mark_t *mark)
{
	doc_positions_set(p->positions, node, (unsigned)mark->line + 1, (unsigned)mark->column + 1);
}

static size_t count_nodes(const json_t *node)
{
	size_t n = 1, i;
	const char *key;
	json_t *child;

	if (json_is_object(node)) {
		json_object_foreach((json_t *)node, key, child)
			n += count_nodes(child);
	} else if (json_is_array(node)) {
		json_array_foreach(node, i, child)
			n += count_nodes(child);
	}
	return n;
}

static void add_anchor(struct parser *p, const char *name, json_t *node)
{
	for (size_t i = 0; i < p->n_anchors; i++)
		if (streq(p->anchors[i].name, name)) {
			json_decref(p->anchors[i].node);
			p->anchors[i].node = json_incref(node);
			p->anchors[i].n_nodes = count_nodes(node);
			return;
		}
	p->anchors = xreallocarray(p->anchors, p->n_anchors + 1, sizeof(*p->anchors));
	p->anchors[p->n_anchors++] = (struct anchor){
		.name = xstrdup(name),
		.node = json_incref(node),
		.n_nodes = count_nodes(node),
	};
}

static void clear_anchors(struct parser *p)
{
	for (size_t i = 0; i < p->n_anchors; i++) {
		free(p->anchors[i].name);
		json_decref(p->anchors[i].node);
	}
	free(p->anchors);
	p->anchors = NULL;
	p->n_anchors = 0;
}

static int resolve_alias(struct parser *p, const yaml_event_t *event, json_t **ret)
{
	const char *name = (const char *)event->data.alias.anchor;

	for (size_t i = p->n_anchors; i-- > 0;) {
		if (!streq(p->anchors[i].name, name))
			continue;
		if (p->anchors[i].n_nodes > DOC_ALIAS_NODES_MAX - p->alias_nodes)
			return fail_at(p, &event->start_mark,
			               "aliases expand to more than %u nodes", DOC_ALIAS_NODES_MAX);
		p->alias_nodes += p->anchors[i].n_nodes;
		/* a copy: later edits through one path must not show through the other */
		*ret = doc_copy(p->anchors[i].node);
		if (!*ret)
			return fail_at(p, &event->start_mark, "out of memory");
		return 0;
	}
	return fail_at(p, &event->start_mark, "unknown anchor '%s' referenced", name);
}

static int decode_binary(struct parser *p, const yaml_event_t *event, json_t **ret)
{
	const char *in = (const char *)event->data.scalar.value;
	size_t len = event->data.scalar.length, n = 0;
	_cleanup_free_ char *clean = xmalloc(len + 1);
	struct strbuf out = STRBUF_INIT;

	/* yaml allows line breaks and spaces inside the base64 text */
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r\n", in[i]))
			clean[n++] = in[i];
	if (base64_decode(clean, n, &out) < 0)
		return fail_at(p, &event->start_mark,
		               "!!binary value contains invalid base64 data");
	*ret = json_stringn(out.buf, out.len);
	strbuf_release(&out);
	if (!*ret)
		return fail_at(p, &event->start_mark, "!!binary value is not valid UTF-8 text");
	return 0;
}

static json_t *scalar_to_json(const struct scalar_value *v, const char *s, size_t len)
{
	switch (v->kind) {
	case SCALAR_NULL:
		return json_null();
	case SCALAR_BOOL:
		return json_boolean(v->b);
	case SCALAR_INT:
		return json_integer(v->i);
	case SCALAR_UINT:
		/* NEEDSWORK: jansson has no uint64; values above INT64_MAX lose precision */
		return json_real((double)v->u);
	case SCALAR_FLOAT:
		return json_real(v->f); /* NULL for NaN and infinities: reported by the caller */
	case SCALAR_TIMESTAMP:
		return json_string(v->timestamp);
	case SCALAR_STR:
	default:
		return json_stringn(s, len);
	}
}

static int parse_scalar(struct parser *p, const yaml_event_t *event, json_t **ret)
{
	const char *s = (const char *)event->data.scalar.value;
	size_t len = event->data.scalar.length;
	const char *tag = (const char *)event->data.scalar.tag;
	struct scalar_value v = { .kind = SCALAR_STR };
	json_t *node;

	if (p->flags & DOC_PARSE_RAW_SCALARS) {
		v.kind = SCALAR_STR;
	} else if (tag && !streq(tag, "!") && startswith(tag, TAG_PREFIX)) {
		const char *t = tag + strlen(TAG_PREFIX);

		if (streq(t, "binary"))
			return decode_binary(p, event, ret);
		if (streq(t, "str")) {
			v.kind = SCALAR_STR;
		} else {
			yaml_resolve_plain(s, len, dialect(p), &v);
			if (streq(t, "float") && v.kind == SCALAR_INT) {
				v.kind = SCALAR_FLOAT;
				v.f = (double)v.i;
			}
			if ((streq(t, "int") && v.kind != SCALAR_INT && v.kind != SCALAR_UINT) ||
			    (streq(t, "float") && v.kind != SCALAR_FLOAT) ||
			    (streq(t, "bool") && v.kind != SCALAR_BOOL) ||
			    (streq(t, "null") && v.kind != SCALAR_NULL) ||
			    (streq(t, "timestamp") && v.kind != SCALAR_TIMESTAMP))
				return fail_at(p, &event->start_mark,
				               "cannot decode '%.*s' as a !!%s",
				               (int)MIN(len, (size_t)64), s, t);
			if (!streq(t, "int") && !streq(t, "float") && !streq(t, "bool") &&
			    !streq(t, "null") && !streq(t, "timestamp"))
				v.kind = SCALAR_STR; /* !!map on a scalar and the like: keep the
				                        text */
		}
	} else if (!tag && event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	           !(p->flags & DOC_PARSE_RAW_SCALARS)) {
		yaml_resolve_plain(s, len, dialect(p), &v);
	}
	/* local tags (!Ref, !) and quoted or block scalars are strings */

	node = scalar_to_json(&v, s, len);
	if (!node) {
		if (v.kind == SCALAR_FLOAT)
			return fail_at(
			        p, &event->start_mark,
			        "'%.*s' is not a finite number, which Kubernetes objects cannot hold",
			        (int)MIN(len, (size_t)64), s);
		return fail_at(p, &event->start_mark, "invalid UTF-8 in scalar");
	}
	*ret = node;
	return 0;
}

static int parse_node(struct parser *p, yaml_event_t *event, unsigned depth, json_t **ret);

/* The text a scalar key becomes in a map[string]interface{}: its raw text, "" for null. */
static int mapping_key(struct parser *p, yaml_event_t *event, unsigned depth, struct strbuf *key,
                       bool *ret_is_merge)
{
	json_t *node = NULL;
	int r;

	*ret_is_merge = false;
	if (event->type == YAML_SCALAR_EVENT) {
		const char *s = (const char *)event->data.scalar.value;
		size_t len = event->data.scalar.length;
		struct scalar_value v = { .kind = SCALAR_STR };

		if (!event->data.scalar.tag &&
		    event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			yaml_resolve_plain(s, len, YAML_DIALECT_V3, &v);
			/* a plain, untagged << merges another mapping in */
			*ret_is_merge = len == 2 && memcmp(s, "<<", 2) == 0;
		}
		if (v.kind != SCALAR_NULL)
			strbuf_add(key, s, len);
		return 0;
	}
	if (event->type == YAML_ALIAS_EVENT) {
		r = parse_node(p, event, depth, &node);
		if (r < 0)
			return r;
		if (json_is_string(node))
			strbuf_add(key, json_string_value(node), json_string_length(node));
		else if (json_is_integer(node))
			strbuf_addf(key, "%" JSON_INTEGER_FORMAT, json_integer_value(node));
		else if (json_is_boolean(node))
			strbuf_addstr(key, json_is_true(node) ? "true" : "false");
		else if (!json_is_null(node)) {
			json_decref(node);
			return fail_at(p, &event->start_mark, "mapping keys must be scalars");
		}
		json_decref(node);
		return 0;
	}
	return fail_at(p, &event->start_mark, "mapping keys must be scalars");
}

/* Add the entries of a merge source that the mapping does not have yet. */
static int merge_into(struct parser *p, json_t *obj, json_t *src, const yaml_mark_t *mark)
{
	const char *key;
	json_t *value;
	size_t i;

	if (json_is_array(src)) {
		/* the first source wins, like yaml.v3 */
		json_array_foreach(src, i, value) {
			if (!json_is_object(value))
				return fail_at(p, mark,
				               "map merge requires a map or a sequence of maps");
		}
		json_array_foreach(src, i, value) {
			int r = merge_into(p, obj, value, mark);

			if (r < 0)
				return r;
		}
		return 0;
	}
	if (!json_is_object(src))
		return fail_at(p, mark, "map merge requires a map or a sequence of maps");
	json_object_foreach(src, key, value)
		if (!json_object_get(obj, key))
			json_object_set(obj, key, value);
	return 0;
}

static int parse_mapping(struct parser *p, yaml_event_t *start, unsigned depth, json_t **ret)
{
	json_auto_t *obj = json_object();
	json_auto_t *merges = NULL; /* made for the first << key: most mappings have none */
	yaml_mark_t merge_mark = start->start_mark;
	_cleanup_strbuf_ struct strbuf key = STRBUF_INIT; /* reused for every key */
	size_t i;
	json_t *src;
	int r;

	record(p, obj, &start->start_mark);
	for (;;) {
		yaml_event_t event;
		yaml_mark_t key_mark;
		json_t *value = NULL;
		bool is_merge;

		r = next_event(p, &event);
		if (r < 0)
			return r;
		if (event.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&event);
			break;
		}
		key_mark = event.start_mark;
		strbuf_reset(&key);
		r = mapping_key(p, &event, depth, &key, &is_merge);
		yaml_event_delete(&event);
		if (r < 0)
			return r;
		r = next_event(p, &event);
		if (r < 0)
			return r;
		r = parse_node(p, &event, depth + 1, &value);
		yaml_event_delete(&event);
		if (r < 0)
			return r;
		if (is_merge) {
			merge_mark = key_mark;
			if (!merges)
				merges = json_array();
			json_array_append_new(merges, value);
		} else if (json_object_getn(obj, key.buf, key.len)) {
			json_decref(value);
			return fail_at(p, &key_mark, "mapping key \"%s\" already defined", key.buf);
		} else {
			json_object_setn_new_nocheck(obj, key.buf, key.len, value);
		}
	}
	json_array_foreach(merges, i, src) {
		r = merge_into(p, obj, src, &merge_mark);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(obj);
	return 0;
}

static int parse_sequence(struct parser *p, yaml_event_t *start, unsigned depth, json_t **ret)
{
	json_auto_t *arr = json_array();
	int r;

	record(p, arr, &start->start_mark);
	for (;;) {
		yaml_event_t event;
		json_t *value = NULL;

		r = next_event(p, &event);
		if (r < 0)
			return r;
		if (event.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&event);
			break;
		}
		r = parse_node(p, &event, depth + 1, &value);
		yaml_event_delete(&event);
		if (r < 0)
			return r;
		json_array_append_new(arr, value);
	}
	*ret = TAKE_PTR(arr);
	return 0;
}

static int parse_node(struct parser *p, yaml_event_t *event, unsigned depth, json_t **ret)
{
	const char *anchor = NULL;
	json_t *node = NULL;
	int r;

	if (depth > MAX_DEPTH)
		return fail_at(p, &event->start_mark, "nesting deeper than %d levels", MAX_DEPTH);
	switch (event->type) {
	case YAML_SCALAR_EVENT:
		anchor = (const char *)event->data.scalar.anchor;
		r = parse_scalar(p, event, &node);
		if (r >= 0)
			record(p, node, &event->start_mark);
		break;
	case YAML_ALIAS_EVENT:
		r = resolve_alias(p, event, &node);
		if (r >= 0)
			record(p, node, &event->start_mark);
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = (const char *)event->data.mapping_start.anchor;
		r = parse_mapping(p, event, depth, &node);
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = (const char *)event->data.sequence_start.anchor;
		r = parse_sequence(p, event, depth, &node);
		break;
	default:
		return fail_at(p, &event->start_mark, "unexpected YAML event");
	}
	if (r < 0)
		return r;
	if (anchor)
		add_anchor(p, anchor, node);
	*ret = node;
	return 0;
}

static int parse_stream(struct parser *p, json_t *docs)
{
	yaml_event_t event;
	int r;

	for (;;) {
		json_t *doc = NULL;

		r = next_event(p, &event);
		if (r < 0)
			return r;
		switch (event.type) {
		case YAML_STREAM_END_EVENT:
			yaml_event_delete(&event);
			return 0;
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			yaml_event_delete(&event);
			continue;
		case YAML_DOCUMENT_START_EVENT:
			yaml_event_delete(&event);
			/* anchors do not cross documents */
			clear_anchors(p);
			r = next_event(p, &event);
			if (r < 0)
				return r;
			r = parse_node(p, &event, 0, &doc);
			yaml_event_delete(&event);
			if (r < 0)
				return r;
			json_array_append_new(docs, doc);
			continue;
		default:
			r = fail_at(p, &event.start_mark, "unexpected YAML event");
			yaml_event_delete(&event);
			return r;
		}
	}
}

int doc_parse_yaml(const char *data, size_t len, const char *filename,
                   struct doc_positions *positions, json_t **ret_docs, struct error *reterr)
{
	return doc_parse_yaml_full(data, len, filename, 0, positions, ret_docs, reterr);
}

int doc_parse_yaml_full(const char *data, size_t len, const char *filename, unsigned flags,
                        struct doc_positions *positions, json_t **ret_docs, struct error *reterr)
{
	struct parser p = {
		.flags = flags,
		.filename = filename,
		.positions = positions,
		.reterr = reterr,
	};
	json_auto_t *docs = json_array();
	int r;

	if (!yaml_parser_initialize(&p.yaml))
		return error_set(reterr, -ENOMEM, "Failed to initialize the YAML parser");
	yaml_parser_set_input_string(&p.yaml, (const unsigned char *)data, len);
	r = parse_stream(&p, docs);
	clear_anchors(&p);
	yaml_parser_delete(&p.yaml);
	if (r < 0)
		return r;
	*ret_docs = TAKE_PTR(docs);
	return 0;
}
