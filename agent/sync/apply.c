/* Carrying a plan out: apply in order, wait for health, prune, keep the inventory (sync.h). */

#include "sync/sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/strv.h"
#include "core/time.h"
#include "doc/doc.h"
#include "kube/kube.h"
#include "sync/internal.h"

#define INVENTORY_KEY          "objects"
#define INVENTORY_MAX_BYTES    (900U * 1024U)
#define HEALTH_POLL_FIRST_USEC (250ULL * 1000ULL)
#define HEALTH_POLL_MAX_USEC   (2ULL * 1000000ULL)

/* --- conflicts --- */

/* The managers a conflict message of kube_apply() names: conflict with "NAME" using ... */
static char **conflict_managers(const char *message)
{
	static const char marker[] = "conflict with \"";
	char **names = NULL;

	for (const char *s = strstr(message, marker); s; s = strstr(s, marker)) {
		const char *end;

		s += sizeof(marker) - 1;
		end = strchr(s, '"');
		if (!end)
			break;
		strv_consume(&names, xstrndup(s, (size_t)(end - s)));
		s = end;
	}
	return names;
}

/* Whether manager applies (server-side apply) fields of live, rather than updating them. */
static bool manager_applies(const json_t *live, const char *manager)
{
	const json_t *entry;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(live, "metadata"), "managedFields"), i,
	                   entry)
		if (streq_ptr(json_string_value(json_object_get(entry, "manager")), manager) &&
		    streq_ptr(json_string_value(json_object_get(entry, "operation")), "Apply"))
			return true;
	return false;
}

int sync_item_apply(struct sync_plan *p, struct sync_item *it, bool dry_run, json_t **ret_obj,
                    struct error *reterr)
{
	struct kube_apply_options opts = {
		.field_manager = SYNC_FIELD_MANAGER,
		.force = p->t->force_conflicts,
		.dry_run = dry_run,
	};
	_cleanup_(strv_freep) char **managers = NULL;
	json_auto_t *live = NULL;
	struct error e = ERROR_INIT;
	int r;

	if (sync_item_body(it) < 0)
		return error_set(reterr, -ENOMEM, "out of memory");
	r = kube_apply(p->t->client, &it->res, it->body, &opts, ret_obj, &e);
	if (r != -EBUSY || opts.force) {
		if (r < 0 && reterr)
			*reterr = e;
		return r;
	}
	/* Fields someone changed with an update (kubectl edit, set image) are drift: git wins. */
	managers = conflict_managers(e.message);
	if (!managers) {
		if (reterr)
			*reterr = e;
		return -EBUSY;
	}
	/* the LIST left managedFields out: who applies what is read now */
	r = kube_get(p->t->client, &it->res, it->namespace, it->name, &live, NULL);
	if (r < 0) {
		if (reterr)
			*reterr = e;
		return -EBUSY;
	}
	for (char **m = managers; m && *m; m++)
		if (manager_applies(live, *m))
			return error_set(
			        reterr, -EBUSY,
			        "%s (\"%s\" applies these fields too; force_conflicts takes "
			        "them over)",
			        e.message, *m);
	log_debug("%s: taking over fields edited by %s", it->name, managers[0]);
	opts.force = true;
	return kube_apply(p->t->client, &it->res, it->body, &opts, ret_obj, reterr);
}

/* --- the inventory ConfigMap --- */

static void configmap_resource(struct kube_resource *res)
{
	*res = (struct kube_resource){
		.group = xstrdup(""),
		.version = xstrdup("v1"),
		.kind = xstrdup("ConfigMap"),
		.name = xstrdup("configmaps"),
		.is_namespaced = true,
	};
}

static bool is_entry(const json_t *e)
{
	if (!json_is_array(e) || json_array_size(e) != 7 || !json_is_boolean(json_array_get(e, 6)))
		return false;
	for (size_t i = 0; i < 6; i++)
		if (!json_is_string(json_array_get(e, i)))
			return false;
	return true;
}

/* Parse the inventory text of where (for messages) into *ret. */
static int inventory_parse(const char *text, size_t len, const char *where, json_t **ret,
                           struct error *reterr)
{
	json_auto_t *entries = NULL;
	json_error_t jerr;
	const json_t *e;
	size_t i;

	entries = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_array(entries))
		return error_set(reterr, -EBADMSG, "%s is not an inventory of driftless", where);
	json_array_foreach(entries, i, e)
		if (!is_entry(e))
			return error_set(reterr, -EBADMSG, "%s: entry %zu is malformed", where,
			                 i + 1);
	*ret = TAKE_PTR(entries);
	return 0;
}

/* The copy on disk, when the ConfigMap is gone: -ENOENT when there is none either. */
static int inventory_read_cache(const struct sync_target *t, json_t **ret, struct error *reterr)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	int r;

	if (!t->inventory_cache_file)
		return -ENOENT;
	r = read_file_full(t->inventory_cache_file, INVENTORY_MAX_BYTES, &data, &len, reterr);
	if (r < 0)
		return r;
	return inventory_parse(data, len, t->inventory_cache_file, ret, reterr);
}

int sync_inventory_read(const struct sync_target *t, json_t **ret_entries, bool *ret_exists,
                        struct error *reterr)
{
	_cleanup_(kube_resource_release) struct kube_resource res = KUBE_RESOURCE_INIT;
	_cleanup_free_ char *where = NULL;
	json_auto_t *cm = NULL;
	const char *text;
	int r;

	configmap_resource(&res);
	r = kube_get(t->client, &res, t->inventory_namespace, t->inventory_name, &cm, reterr);
	if (r == -ENOENT) {
		*ret_exists = false;
		r = inventory_read_cache(t, ret_entries, reterr);
		if (r >= 0) {
			log_warning("the inventory ConfigMap '%s/%s' is gone; using its copy %s",
			            t->inventory_namespace, t->inventory_name,
			            t->inventory_cache_file);
			return 0;
		}
		if (r != -ENOENT)
			return r;
		*ret_entries = json_array();
		return *ret_entries ? 0 : error_set(reterr, -ENOMEM, "out of memory");
	}
	if (r < 0)
		return error_prefix(reterr, r, "Failed to read the inventory");
	where = xasprintf("ConfigMap '%s/%s': data.%s", t->inventory_namespace, t->inventory_name,
	                  INVENTORY_KEY);
	text = json_string_value(json_object_get(json_object_get(cm, "data"), INVENTORY_KEY));
	r = inventory_parse(text ? text : "[]", text ? strlen(text) : 2, where, ret_entries,
	                    reterr);
	if (r < 0)
		return r;
	*ret_exists = true;
	return 0;
}

int sync_inventory_write(const struct sync_target *t, const json_t *entries, struct error *reterr)
{
	static const struct kube_apply_options opts = { .field_manager = SYNC_FIELD_MANAGER,
		                                        .force = true };
	_cleanup_(kube_resource_release) struct kube_resource res = KUBE_RESOURCE_INIT;
	_cleanup_(strbuf_release) struct strbuf text = STRBUF_INIT;
	json_auto_t *cm = NULL;
	int r;

	doc_json_dump(entries, JSON_COMPACT, &text);
	if (text.len > INVENTORY_MAX_BYTES)
		return error_set(reterr, -EFBIG,
		                 "the inventory of %zu objects takes %zu bytes, more than a "
		                 "ConfigMap holds",
		                 json_array_size(entries), text.len);
	cm = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}}, s:{s:s, s:s}}", "apiVersion", "v1",
	               "kind", "ConfigMap", "metadata", "name", t->inventory_name, "namespace",
	               t->inventory_namespace, "labels", "app.kubernetes.io/managed-by",
	               "driftless", "driftless.dev/environment", t->env ? t->env : "", "data",
	               "environment", t->env ? t->env : "", INVENTORY_KEY, text.buf);
	if (!cm)
		return error_set(reterr, -ENOMEM, "out of memory");
	configmap_resource(&res);
	r = kube_apply(t->client, &res, cm, &opts, NULL, reterr);
	if (r < 0)
		return error_prefix(reterr, r, "Failed to write the inventory");
	if (t->inventory_cache_file) {
		struct error e = ERROR_INIT;

		r = write_file_atomic(t->inventory_cache_file, text.buf, text.len, 0600, &e);
		if (r < 0)
			log_warning_errno(r, "%s", e.message);
	}
	return 0;
}

json_t *sync_inventory_entry(const struct sync_item *it)
{
	return json_pack("[s, s, s, s, s, s, b]", it->group, it->version, it->kind,
	                 it->namespace ? it->namespace : "", it->name, it->uid ? it->uid : "",
	                 it->was_created);
}

/* What the inventory holds while the plan runs and once it ran. */
static int inventory_entries(const struct sync_plan *p, bool is_final, json_t **ret)
{
	json_auto_t *entries = json_array();

	if (!entries)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_items; i++) {
		const struct sync_item *it = &p->items[i];

		if (it->rds)
			continue; /* never deleted, so not in the inventory */
		switch (it->action) {
		case SYNC_ACTION_LOCAL:
			continue;
		case SYNC_ACTION_PRUNE:
			/* gone once the prune ran; a failed delete left it behind */
			if (is_final && !it->live)
				continue;
			break;
		case SYNC_ACTION_KEEP:
			/* ours to prune later only while it is the object we created */
			if (!it->was_created)
				continue;
			break;
		default:
			break;
		}
		if (json_array_append_new(entries, sync_inventory_entry(it)) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(entries);
	return 0;
}

static int inventory_save(const struct sync_plan *p, bool is_final, struct error *reterr)
{
	json_auto_t *entries = NULL;

	if (!p->t->inventory_namespace)
		return 0;
	if (inventory_entries(p, is_final, &entries) < 0)
		return error_set(reterr, -ENOMEM, "out of memory");
	/* a sync that creates and prunes nothing writes no inventory, nor one with nothing */
	if (!p->has_inventory && json_array_size(entries) == 0)
		return 0;
	if (p->has_inventory && json_equal(entries, p->inventory) &&
	    (!p->t->inventory_cache_file || access(p->t->inventory_cache_file, F_OK) == 0))
		return 0;
	return sync_inventory_write(p->t, entries, reterr);
}

/* Whether the plan creates the namespace the inventory lives in. */
static bool inventory_namespace_is_created(const struct sync_plan *p)
{
	if (!p->t->inventory_namespace)
		return false;
	for (size_t i = 0; i < p->n_items; i++) {
		const struct sync_item *it = &p->items[i];

		if (it->action == SYNC_ACTION_CREATE && it->rank == SYNC_RANK_NAMESPACE &&
		    streq(it->name, p->t->inventory_namespace))
			return true;
	}
	return false;
}

/* --- health --- */

static bool is_cancelled(const struct sync_plan *p)
{
	return p->t->cancel && __atomic_load_n(p->t->cancel, __ATOMIC_ACQUIRE);
}

static int cancelled(struct error *reterr)
{
	return error_set(reterr, -ECANCELED, "stopped before the end: the agent is shutting down");
}

/*
 * Wait until every item of items is healthy. -EPROTO when one failed, -ETIME when some
 * are not healthy by the deadline; the message names them and why.
 */
static int wait_healthy(struct sync_plan *p, struct sync_item **items, size_t n,
                        uint64_t timeout_usec, struct error *reterr)
{
	uint64_t deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;
	uint64_t delay = HEALTH_POLL_FIRST_USEC;
	_cleanup_free_ bool *is_done = xcalloc(n ? n : 1, sizeof(bool));
	size_t n_left = n;

	while (n_left > 0) {
		_cleanup_free_ char *why = NULL;
		int r;

		if (is_cancelled(p))
			return cancelled(reterr);
		for (size_t i = 0; i < n; i++) {
			struct sync_item *it = items[i];
			json_auto_t *obj = NULL;
			_cleanup_free_ char *reason = NULL;
			enum kube_health h;

			if (is_done[i])
				continue;
			r = kube_get(p->t->client, &it->res, it->namespace, it->name, &obj, reterr);
			if (r < 0)
				return r;
			h = kube_health_evaluate(obj, &reason);
			if (h == KUBE_HEALTH_FAILED)
				return error_set(reterr, -EPROTO, "%s", reason ? reason : it->name);
			if (h == KUBE_HEALTH_HEALTHY) {
				is_done[i] = true;
				n_left--;
				continue;
			}
			if (!why)
				why = TAKE_PTR(reason);
		}
		if (n_left == 0)
			break;
		if (now_usec(CLOCK_MONOTONIC) + delay > deadline) {
			char span[64];

			return error_set(reterr, -ETIME, "%zu object%s not healthy after %s: %s",
			                 n_left, n_left == 1 ? "" : "s",
			                 format_timespan(span, sizeof(span), timeout_usec),
			                 why ? why : "");
		}
		sleep_usec(delay, p->t->cancel);
		delay = MIN(delay * 2, HEALTH_POLL_MAX_USEC);
	}
	return 0;
}

/* --- apply --- */

static bool is_to_apply(const struct sync_item *it)
{
	if (it->rds)
		return false; /* apply_rds() */
	return it->action == SYNC_ACTION_CREATE || it->action == SYNC_ACTION_UPDATE ||
	       (it->action == SYNC_ACTION_UNCHANGED && it->is_refresh);
}

void sync_report_object(json_t *objects, const struct sync_item *it, const char *result,
                        const char *message)
{
	(void)json_array_append_new(
	        objects, json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s, s:s?}", "action",
	                           sync_action_to_string(it->action), "apiVersion", it->api_version,
	                           "kind", it->kind, "namespace", it->namespace, "name", it->name,
	                           "result", result, "message", message));
}

/* Resolve, after the CRDs were applied, a kind its CRD brought. */
static int resolve_late(struct sync_plan *p, struct sync_item *it, struct error *reterr)
{
	int r;

	if (it->has_res)
		return 0;
	r = kube_discovery_lookup(p->t->client, it->group, it->version, it->kind, &it->res, reterr);
	if (r < 0)
		return r == -ENOENT ? -EINVAL : r;
	it->has_res = true;
	if (!it->res.is_namespaced && it->namespace) {
		/* its CRD says Cluster: as take_desired() does for a kind it knows */
		(void)json_object_del(json_object_get(it->desired, "metadata"), "namespace");
		free(it->namespace);
		it->namespace = NULL;
		sync_item_hash(it);
		json_decref(it->body);
		it->body = NULL;
	}
	return 0;
}

/* A server's refusal of an object says the revision is bad; anything else is the cluster. */
static int revision_error(int r)
{
	return r == -EBUSY || r == -EPROTO || r == -EINVAL ? -EINVAL : r;
}

static int apply_one(struct sync_plan *p, struct sync_item *it, json_t *objects,
                     struct error *reterr)
{
	_cleanup_free_ char *label = sync_item_label(it);
	json_auto_t *answer = NULL;
	const char *uid;
	int r;

	r = resolve_late(p, it, reterr);
	if (r >= 0)
		r = sync_item_apply(p, it, false, &answer, reterr);
	if (r < 0) {
		r = error_prefix(reterr, revision_error(r), "%s", label);
		sync_report_object(objects, it, "failed", reterr ? reterr->message : NULL);
		return r;
	}
	uid = json_string_value(json_object_get(json_object_get(answer, "metadata"), "uid"));
	if (uid) {
		free(it->uid);
		it->uid = xstrdup(uid);
	}
	log_debug("%s %s",
	          it->action == SYNC_ACTION_CREATE ? "created" :
	          it->action == SYNC_ACTION_UPDATE ? "updated" :
	                                             "annotated",
	          label);
	sync_report_object(objects, it, "applied", NULL);
	return 0;
}

static int prune_one(struct sync_plan *p, struct sync_item *it, json_t *objects,
                     struct error *reterr)
{
	_cleanup_free_ char *label = sync_item_label(it);
	struct error e = ERROR_INIT;
	int r;

	r = kube_delete(p->t->client, &it->res, it->namespace, it->name, it->uid, &e);
	if (r >= 0 || r == -ENOENT) {
		log_debug("pruned %s", label);
		json_decref(it->live);
		it->live = NULL;
		sync_report_object(objects, it, "pruned", NULL);
		return 0;
	}
	if (r == -EBUSY) {
		/* created again by someone else since: not ours */
		sync_report_object(objects, it, "kept", e.message);
		it->was_created = false;
		return 0;
	}
	sync_report_object(objects, it, "failed", e.message);
	if (reterr)
		*reterr = e;
	return r;
}

static uint64_t health_timeout(const struct sync_plan *p)
{
	return p->t->health_timeout_usec ? p->t->health_timeout_usec :
	                                   SYNC_HEALTH_TIMEOUT_DEFAULT_USEC;
}

/* *n_applied counts the objects applied, also when a later one fails. */
static int apply_all(struct sync_plan *p, json_t *objects, bool is_inventory_deferred,
                     size_t *n_applied, struct error *reterr)
{
	_cleanup_free_ struct sync_item **waiting = xcalloc(p->n_items + 1, sizeof(*waiting));
	size_t n_waiting = 0;
	int r;

	for (int rank = 0; rank < _SYNC_RANK_MAX; rank++) {
		size_t n_crds = 0;

		for (size_t i = 0; i < p->n_items; i++) {
			struct sync_item *it = &p->items[i];

			if ((int)it->rank != rank || !is_to_apply(it))
				continue;
			if (is_cancelled(p))
				return cancelled(reterr);
			r = apply_one(p, it, objects, reterr);
			if (r < 0)
				return r;
			(*n_applied)++;
			if (it->is_refresh || !kube_health_has_rule(it->group, it->kind))
				continue;
			waiting[n_waiting++] = it;
			n_crds += rank == SYNC_RANK_CRD;
		}
		if (rank == SYNC_RANK_NAMESPACE && is_inventory_deferred) {
			r = inventory_save(p, false, reterr);
			if (r < 0)
				return r;
		}
		if (n_crds > 0) {
			/* the kinds they define are needed by the ranks that follow */
			r = wait_healthy(p, waiting, n_waiting, health_timeout(p), reterr);
			if (r < 0)
				return r;
			n_waiting = 0;
		}
	}
	return wait_healthy(p, waiting, n_waiting, health_timeout(p), reterr);
}

static int prune_all(struct sync_plan *p, json_t *objects, struct error *reterr)
{
	int r;

	for (int rank = _SYNC_RANK_MAX - 1; rank >= 0; rank--)
		for (size_t i = p->n_items; i-- > 0;) {
			struct sync_item *it = &p->items[i];

			if ((int)it->rank != rank || it->action != SYNC_ACTION_PRUNE)
				continue;
			if (is_cancelled(p))
				return cancelled(reterr);
			r = prune_one(p, it, objects, reterr);
			if (r < 0)
				return r;
		}
	return 0;
}

static size_t count_results(const json_t *objects, const char *action, const char *result)
{
	const json_t *o;
	size_t i, n = 0;

	json_array_foreach(objects, i, o)
		n += (!action ||
		      streq_ptr(json_string_value(json_object_get(o, "action")), action)) &&
		     streq_ptr(json_string_value(json_object_get(o, "result")), result);
	return n;
}

/*
 * What a guard rail refuses stops the whole apply before anything is written (unless the
 * target keeps refused objects as they are: a rollback).
 */
static int check_refusals(struct sync_plan *p, json_t *objects, struct error *reterr)
{
	const struct sync_item *first = NULL;
	size_t n = 0;

	if (p->t->keep_refused)
		return 0;
	for (size_t i = 0; i < p->n_items; i++) {
		const struct sync_item *it = &p->items[i];

		if (!it->refusal)
			continue;
		sync_report_object(objects, it, "refused", it->refusal);
		if (!first)
			first = it;
		n++;
	}
	if (!first)
		return 0;
	if (n == 1)
		return error_set(reterr, -EINVAL, "%s", first->refusal);
	return error_set(reterr, -EINVAL, "%s (and %zu more refused)", first->refusal, n - 1);
}

/* The RDS objects, before anything of the cluster: parameter groups, then instances. */
static int apply_rds(struct sync_plan *p, json_t *objects, size_t *n_applied,
                     size_t *n_deferred, struct error *reterr)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < p->n_items; i++) {
			struct sync_item *it = &p->items[i];
			bool is_deferred = false;
			int r;

			if (!it->rds || streq(it->kind, "RDSInstance") != (pass == 1) ||
			    (it->action != SYNC_ACTION_CREATE && it->action != SYNC_ACTION_UPDATE))
				continue;
			if (is_cancelled(p))
				return cancelled(reterr);
			r = sync_rds_apply(p, it, objects, &is_deferred, reterr);
			if (r < 0)
				return r;
			if (is_deferred)
				(*n_deferred)++;
			else if (!it->refusal)
				(*n_applied)++;
		}
	return 0;
}

int sync_plan_apply(struct sync_plan *p, json_t **ret_report, struct error *reterr)
{
	json_auto_t *objects = json_array();
	size_t n_applied = 0, n_deferred = 0;
	bool is_deferred = false;
	int r;

	if (!objects)
		return error_set(reterr, -ENOMEM, "out of memory");
	r = check_refusals(p, objects, reterr);
	if (r >= 0)
		r = apply_rds(p, objects, &n_applied, &n_deferred, reterr);
	/* before the first apply; when the plan creates its namespace, right after that */
	is_deferred = inventory_namespace_is_created(p);
	if (r >= 0 && !is_deferred)
		r = inventory_save(p, false, reterr);
	if (r >= 0)
		r = apply_all(p, objects, is_deferred, &n_applied, reterr);
	if (r >= 0)
		r = prune_all(p, objects, reterr);
	if (r >= 0)
		r = inventory_save(p, true, reterr);
	if (ret_report)
		*ret_report = json_pack(
		        "{s:I, s:I, s:I, s:I, s:I, s:O}", "applied", (json_int_t)n_applied,
		        "created", (json_int_t)count_results(objects, "create", "applied"),
		        "updated", (json_int_t)count_results(objects, "update", "applied"),
		        "pruned", (json_int_t)count_results(objects, NULL, "pruned"), "deferred",
		        (json_int_t)n_deferred, "objects", objects);
	return r;
}

int sync_plan_verify(struct sync_plan *p, struct error *reterr)
{
	_cleanup_free_ struct sync_item **waiting = xcalloc(p->n_items + 1, sizeof(*waiting));
	size_t n_waiting = 0;

	for (size_t i = 0; i < p->n_items; i++) {
		struct sync_item *it = &p->items[i];

		if ((it->action == SYNC_ACTION_UNCHANGED || is_to_apply(it)) && it->has_res &&
		    kube_health_has_rule(it->group, it->kind))
			waiting[n_waiting++] = it;
	}
	return wait_healthy(p, waiting, n_waiting, health_timeout(p), reterr);
}
