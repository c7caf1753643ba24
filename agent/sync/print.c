/* What a plan would change, for people (unified diffs) and for machines (JSON). */

#include "sync/sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "doc/doc.h"
#include "source/source.h"
#include "sync/internal.h"

#define DIFF_CONTEXT_LINES 3

static bool is_shown(const struct sync_item *it)
{
	return it->action == SYNC_ACTION_CREATE || it->action == SYNC_ACTION_UPDATE ||
	       it->action == SYNC_ACTION_PRUNE;
}

/*
 * Secret values never reach a diff: each becomes "***", or "*** (before)" and
 * "*** (after)" where the two sides differ, as kubectl diff masks them.
 */
static void mask_secret_field(json_t *before, json_t *after, const char *field)
{
	json_t *b = json_object_get(before, field), *a = json_object_get(after, field);
	const char *key;
	json_t *v;

	json_object_foreach(b, key, v) {
		const json_t *other = json_object_get(a, key);
		bool is_same = other && json_equal(v, other);

		(void)json_object_set_new(b, key,
		                          json_string(other && !is_same ? "*** (before)" : "***"));
	}
	json_object_foreach(a, key, v) {
		const json_t *other = json_object_get(b, key);
		bool is_same = other && streq_ptr(json_string_value(other), "***");

		(void)json_object_set_new(a, key,
		                          json_string(other && !is_same ? "*** (after)" : "***"));
	}
}

static void mask_secret(const struct sync_item *it, json_t *before, json_t *after)
{
	if (!streq(it->group, "") || !streq(it->kind, "Secret"))
		return;
	mask_secret_field(before, after, "data");
	mask_secret_field(before, after, "stringData");
}

static int object_yaml(const json_t *obj, struct strbuf *out, struct error *reterr)
{
	if (!obj)
		return 0;
	return doc_emit_yaml(obj, out, reterr);
}

/* "apps/v1/Deployment/ns/name" */
static char *item_path(const struct sync_item *it)
{
	if (it->namespace)
		return xasprintf("%s/%s/%s/%s", it->api_version, it->kind, it->namespace, it->name);
	return xasprintf("%s/%s/%s", it->api_version, it->kind, it->name);
}

static int item_diff(const struct sync_item *it, bool color, struct strbuf *out,
                     struct error *reterr)
{
	_cleanup_(strbuf_release) struct strbuf old_text = STRBUF_INIT, new_text = STRBUF_INIT;
	_cleanup_free_ char *path = item_path(it), *old_label = NULL, *new_label = NULL;
	json_auto_t *before = NULL, *after = NULL;
	int r;

	if (it->action != SYNC_ACTION_CREATE)
		before = sync_object_normal(it->live);
	if (it->action != SYNC_ACTION_PRUNE)
		after = sync_object_normal(it->after ? it->after : it->desired);
	mask_secret(it, before, after);
	r = object_yaml(before, &old_text, reterr);
	if (r >= 0)
		r = object_yaml(after, &new_text, reterr);
	if (r < 0)
		return r;
	old_label = before ? xasprintf("live/%s", path) : xstrdup("/dev/null");
	new_label = after ? xasprintf("git/%s", path) : xstrdup("/dev/null");
	return source_text_diff(old_text.buf, old_text.len, new_text.buf, new_text.len, old_label,
	                        new_label, DIFF_CONTEXT_LINES, color, out, reterr);
}

static void summary(const struct sync_plan *p, struct strbuf *out)
{
	static const enum sync_action order[] = { SYNC_ACTION_CREATE,    SYNC_ACTION_UPDATE,
		                                  SYNC_ACTION_PRUNE,     SYNC_ACTION_KEEP,
		                                  SYNC_ACTION_UNCHANGED, SYNC_ACTION_LOCAL };
	static const char *const words[_SYNC_ACTION_MAX] = {
		[SYNC_ACTION_UNCHANGED] = "in sync",
		[SYNC_ACTION_CREATE] = "to create",
		[SYNC_ACTION_UPDATE] = "to update",
		[SYNC_ACTION_PRUNE] = "to prune",
		[SYNC_ACTION_KEEP] = "left git but kept",
		[SYNC_ACTION_LOCAL] = "not for the cluster",
	};
	bool is_first = true;

	strbuf_addstr(out, sync_plan_has_drift(p) ? "Drift: " : "No drift: ");
	for (size_t i = 0; i < ELEMENTSOF(order); i++) {
		size_t n = p->counts[order[i]];

		if (n == 0 && !(order[i] == SYNC_ACTION_UNCHANGED && is_first))
			continue;
		strbuf_addf(out, "%s%zu %s", is_first ? "" : ", ", n, words[order[i]]);
		is_first = false;
	}
	strbuf_addf(out, " (%u LIST%s, %u dry run%s", p->n_lists, p->n_lists == 1 ? "" : "s",
	            p->n_dry_runs, p->n_dry_runs == 1 ? "" : "s");
	if (p->n_aws_calls > 0)
		strbuf_addf(out, ", %u AWS call%s", p->n_aws_calls, p->n_aws_calls == 1 ? "" : "s");
	strbuf_addstr(out, ")\n");
}

/* "# RDSInstance 'shop-db': LINE" for each line of it's note, and its refusal. */
static void item_notes(const struct sync_item *it, struct strbuf *out)
{
	_cleanup_free_ char *label = NULL;
	const char *line = it->note;

	if (!it->rds && !it->refusal)
		return;
	label = sync_item_label(it);
	while (line && *line) {
		size_t n = strcspn(line, "\n");

		strbuf_addf(out, "# %s: %.*s\n", label, (int)n, line);
		line += n + (line[n] == '\n');
	}
	if (it->refusal)
		strbuf_addf(out, "# refused: %s\n", it->refusal);
}

int sync_plan_print(const struct sync_plan *p, bool color, struct strbuf *out, struct error *reterr)
{
	int r;

	for (size_t i = 0; i < p->n_items; i++) {
		const struct sync_item *it = &p->items[i];

		if (it->action == SYNC_ACTION_KEEP) {
			_cleanup_free_ char *label = sync_item_label(it);

			strbuf_addf(out, "# %s left git and is kept: %s\n", label,
			            it->note ? it->note : "");
			continue;
		}
		if (is_shown(it)) {
			r = item_diff(it, color, out, reterr);
			if (r < 0)
				return r;
		}
		item_notes(it, out);
	}
	summary(p, out);
	return 0;
}

json_t *sync_plan_to_json(const struct sync_plan *p)
{
	json_t *objects = json_array(), *counts = json_object();

	for (size_t i = 0; i < p->n_items; i++) {
		const struct sync_item *it = &p->items[i];
		_cleanup_(strbuf_release) struct strbuf diff = STRBUF_INIT;
		json_t *o;

		/* unchanged: left out, but for what RDS has in flight */
		if (it->action == SYNC_ACTION_UNCHANGED && !(it->rds && it->note))
			continue;
		if (is_shown(it) && item_diff(it, false, &diff, NULL) < 0)
			strbuf_reset(&diff);
		o = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:O?, s:s?, s:s?, s:s?}", "action",
		              sync_action_to_string(it->action), "apiVersion", it->api_version,
		              "kind", it->kind, "namespace", it->namespace, "name", it->name,
		              "paths", it->paths, "note", it->note, "refused", it->refusal, "diff",
		              is_shown(it) ? diff.buf : NULL);
		(void)json_array_append_new(objects, o);
	}
	for (int a = 0; a < _SYNC_ACTION_MAX; a++)
		(void)json_object_set_new(counts, sync_action_to_string(a),
		                          json_integer((json_int_t)p->counts[a]));
	(void)json_object_set_new(counts, "lists", json_integer(p->n_lists));
	(void)json_object_set_new(counts, "dry_runs", json_integer(p->n_dry_runs));
	(void)json_object_set_new(counts, "aws_calls", json_integer(p->n_aws_calls));
	return json_pack("{s:s?, s:s?, s:b, s:o, s:o}", "environment", p->t->env, "revision",
	                 p->t->revision, "drift", sync_plan_has_drift(p), "summary", counts,
	                 "objects", objects);
}
