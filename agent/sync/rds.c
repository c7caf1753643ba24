/*
 * The RDS kinds in a plan (internal.h): RDSInstance and DBParameterGroup read against RDS,
 * shown as diffs of the same shape as git's object, and applied with the fewest calls that
 * close the drift, behind the guard rails of aws/rds.c.
 */

#include "sync/sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws/aws.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "core/strv.h"
#include "doc/doc.h"
#include "sync/internal.h"

#define RDS_API_VERSION "2014-10-31"
#define RDS_GROUP "driftless.dev"

/* --- AWS: credentials and a client per region --- */

struct region_client {
	char *region;
	struct aws_client *client;
};

struct sync_aws {
	struct aws_credentials_provider *credentials;
	char *endpoint;        /* the profile's endpoint_url, or NULL */
	char *default_region;  /* aws_region_default() */
	bool is_environment_read;
	struct region_client *clients;
	size_t n_clients;
};

struct sync_aws *sync_aws_new(void)
{
	return xcalloc(1, sizeof(struct sync_aws));
}

struct sync_aws *sync_aws_free(struct sync_aws *a)
{
	if (!a)
		return NULL;
	for (size_t i = 0; i < a->n_clients; i++) {
		free(a->clients[i].region);
		aws_client_free(a->clients[i].client);
	}
	free(a->clients);
	aws_credentials_provider_free(a->credentials);
	free(a->endpoint);
	free(a->default_region);
	free(a);
	return NULL;
}

int sync_aws_credentials(struct sync_aws *a, struct aws_credentials_provider **ret,
                         struct error *reterr)
{
	int r;

	if (!a->credentials) {
		r = aws_credentials_provider_new_default(&a->credentials, reterr);
		if (r < 0)
			return r;
	}
	*ret = a->credentials;
	return 0;
}

/* The RDS client of region (NULL: the default region), made on first use. */
static int aws_rds_client(struct sync_aws *a, const char *region, const char *label,
                          struct aws_client **ret, char **ret_region, struct error *reterr)
{
	struct aws_credentials_provider *credentials = NULL;
	struct aws_client *client = NULL;
	int r;

	if (!a->is_environment_read) {
		struct aws_profile profile = { 0 };

		a->default_region = aws_region_default();
		if (aws_profile_load(NULL, &profile, NULL) >= 0 && profile.endpoint_url)
			a->endpoint = xstrdup(profile.endpoint_url);
		aws_profile_release(&profile);
		a->is_environment_read = true;
	}
	if (!region)
		region = a->default_region;
	if (!region)
		return error_set(reterr, -EINVAL,
		                 "%s: no region (spec.region, AWS_REGION, AWS_DEFAULT_REGION or the "
		                 "AWS profile's region)",
		                 label);
	*ret_region = xstrdup(region);
	for (size_t i = 0; i < a->n_clients; i++)
		if (streq(a->clients[i].region, region)) {
			*ret = a->clients[i].client;
			return 0;
		}
	r = sync_aws_credentials(a, &credentials, reterr);
	if (r < 0)
		return error_prefix(reterr, r, "%s", label);
	r = aws_client_new(
	        &(const struct aws_client_options){
	                .service = "rds",
	                .service_name = "RDS",
	                .version = RDS_API_VERSION,
	                .region = region,
	                .endpoint = a->endpoint,
	                .credentials = credentials,
	        },
	        &client, reterr);
	if (r < 0)
		return error_prefix(reterr, r, "%s", label);
	a->clients = xreallocarray(a->clients, a->n_clients + 1, sizeof(*a->clients));
	a->clients[a->n_clients++] =
	        (struct region_client){ .region = xstrdup(region), .client = client };
	*ret = client;
	return 0;
}

/* --- one object --- */

struct sync_rds {
	bool is_instance;
	struct aws_rds_instance want;        /* is_instance */
	struct aws_rds_parameter_group group; /* !is_instance */
	struct aws_client *client;           /* borrowed from the target's sync_aws */
	char *region;
	char *status;       /* DBInstanceStatus */
	char **create;      /* CreateDBInstance params, NULL: the instance exists */
	char **modify;      /* ModifyDBInstance params, NULL: nothing to modify */
	char **tags_add;    /* AddTagsToResource params, or NULL */
	char **tags_remove; /* RemoveTagsFromResource params, or NULL */
	bool reboot;        /* RebootDBInstance: parameters wait for it, and allowReboot */
	bool is_deferred;   /* not available: modify and reboot wait */
	bool create_group;  /* CreateDBParameterGroup first */
	char ***batches;    /* ModifyDBParameterGroup params, each */
	size_t n_batches;
	char **notes;
};

void sync_rds_free(struct sync_rds *r)
{
	if (!r)
		return;
	aws_rds_instance_release(&r->want);
	aws_rds_parameter_group_release(&r->group);
	free(r->region);
	free(r->status);
	strv_free(r->create);
	strv_free(r->modify);
	strv_free(r->tags_add);
	strv_free(r->tags_remove);
	for (size_t i = 0; i < r->n_batches; i++)
		strv_free(r->batches[i]);
	free(r->batches);
	strv_free(r->notes);
	free(r);
}

bool sync_rds_is_kind(const char *group, const char *kind)
{
	return streq_ptr(group, RDS_GROUP) &&
	       (streq_ptr(kind, "RDSInstance") || streq_ptr(kind, "DBParameterGroup"));
}

/*
 * An error of an AWS call that is not the revision's fault: a missing object or an answer
 * not understood is the cloud's state, not git's (-EIO), whatever errno aws_query() gives.
 */
static int cloud_error(int r)
{
	return r == -ENOENT || r == -EPROTO ? -EIO : r;
}

static int call(struct sync_plan *p, struct sync_item *it, const char *action,
                char *const *params, json_t **ret, struct error *reterr)
{
	json_t *result = NULL;
	int r;

	p->n_aws_calls++;
	r = aws_query(it->rds->client, action, (const char *const *)params,
	              ret ? ret : &result, reterr);
	json_decref(result);
	return r;
}

/* {apiVersion, kind, metadata: {name}, spec}: what git sets, without labels and the like. */
static json_t *git_view(const struct sync_item *it)
{
	return json_pack("{s:s, s:s, s:{s:s}, s:o}", "apiVersion", it->api_version, "kind",
	                 it->kind, "metadata", "name", it->name, "spec",
	                 doc_copy(json_object_get(it->desired, "spec")));
}

/* The text of a live value, typed as git types the field (like). */
static json_t *typed(const char *text, const json_t *like)
{
	char *end = NULL;
	long long v;

	if (json_is_integer(like)) {
		v = strtoll(text, &end, 10);
		if (end != text && *end == '\0')
			return json_integer(v);
	} else if (json_is_boolean(like)) {
		if (streq(text, "true") || streq(text, "1"))
			return json_true();
		if (streq(text, "false") || streq(text, "0"))
			return json_false();
	}
	return json_string(text);
}

static void add_path(struct sync_item *it, const char *field)
{
	_cleanup_free_ char *path = xasprintf("/spec/%s", field);

	if (!it->paths)
		it->paths = json_array();
	(void)json_array_append_new(it->paths, json_string(path));
}

static void finish_notes(struct sync_item *it)
{
	if (it->rds->notes)
		it->note = strv_join(it->rds->notes, "\n");
}

/* --- RDSInstance --- */

static int plan_instance_missing(struct sync_item *it, const char *label)
{
	struct sync_rds *rds = it->rds;

	it->action = SYNC_ACTION_CREATE;
	it->after = git_view(it);
	if (rds->want.create != 1) {
		it->refusal = xasprintf("%s: no instance %s in %s; driftless creates one only "
		                        "with spec.create: true",
		                        label, rds->want.identifier, rds->region);
		return 0;
	}
	rds->create = aws_rds_instance_create_params(&rds->want);
	strv_consume(&rds->notes,
	             xstrdup("created with ManageMasterUserPassword: RDS makes the master "
	                     "password and keeps it in Secrets Manager"));
	return 0;
}

/* A parameter group that waits for a reboot (ParameterApplyStatus pending-reboot). */
static void plan_pending_reboot(struct sync_item *it, const json_t *live)
{
	struct sync_rds *rds = it->rds;
	json_auto_t *groups = aws_xml_list(json_object_get(live, "DBParameterGroups"),
	                                   "DBParameterGroup");
	const json_t *g;
	size_t i;

	json_array_foreach(groups, i, g) {
		const char *name = json_string_value(json_object_get(g, "DBParameterGroupName"));

		if (!streq_ptr(json_string_value(json_object_get(g, "ParameterApplyStatus")),
		               "pending-reboot"))
			continue;
		if (rds->want.allow_reboot == 1) {
			rds->reboot = true;
			strv_consume(&rds->notes,
			             xasprintf("parameter group %s: pending-reboot; rebooted "
			                       "(allowReboot)",
			                       name ? name : "?"));
		} else {
			strv_consume(&rds->notes,
			             xasprintf("parameter group %s: pending-reboot; its static "
			                       "parameters take effect at the next reboot "
			                       "(allowReboot: true lets driftless reboot)",
			                       name ? name : "?"));
		}
	}
}

/*
 * For a rollback (keep_refused): the change of the fields the guard rails let through, the
 * others left as they are and noted ("storage cannot shrink" must not keep the class from
 * going back).
 */
static int change_without_refused(struct sync_rds *rds, const json_t *live,
                                  const struct aws_rds_drift *d, size_t n,
                                  struct aws_rds_change *ret, struct error *reterr)
{
	_cleanup_free_ struct aws_rds_drift *allowed = xcalloc(n + 1, sizeof(*allowed));
	size_t n_allowed = 0;

	for (size_t i = 0; i < n; i++) {
		struct aws_rds_change one = { 0 };
		struct error e = ERROR_INIT;

		if (aws_rds_instance_change(&rds->want, live, &d[i], 1, &one, &e) == -EPERM) {
			strv_consume(&rds->notes, xasprintf("left as it is: %s", e.message));
			continue;
		}
		aws_rds_change_release(&one);
		allowed[n_allowed++] = d[i]; /* a shallow copy: d owns the strings */
	}
	return aws_rds_instance_change(&rds->want, live, allowed, n_allowed, ret, reterr);
}

static int plan_instance(struct sync_plan *p, struct sync_item *it, const char *label,
                         struct error *reterr)
{
	struct sync_rds *rds = it->rds;
	char *const params[] = { (char *)"DBInstanceIdentifier", rds->want.identifier, NULL };
	json_auto_t *result = NULL, *list = NULL, *live_tags = NULL, *tag_list = NULL;
	const char *status, *arn;
	struct aws_rds_change change = { 0 };
	struct aws_rds_drift *d = NULL;
	struct error e = ERROR_INIT;
	const json_t *live;
	json_t *spec;
	size_t n = 0;
	int r;

	r = call(p, it, "DescribeDBInstances", params, &result, &e);
	if (r == -ENOENT)
		return plan_instance_missing(it, label);
	if (r < 0)
		return error_set(reterr, cloud_error(r), "%s: %s", label, e.message);
	list = aws_xml_list(json_object_get(result, "DBInstances"), "DBInstance");
	live = json_array_get(list, 0);
	if (!live)
		return plan_instance_missing(it, label);
	status = json_string_value(json_object_get(live, "DBInstanceStatus"));
	arn = json_string_value(json_object_get(live, "DBInstanceArn"));
	rds->status = xstrdup(status ? status : "unknown");

	(void)aws_rds_instance_drift(&rds->want, live, &d, &n);
	r = aws_rds_instance_change(&rds->want, live, d, n, &change, &e);
	if (r == -EPERM && p->t->keep_refused)
		r = change_without_refused(rds, live, d, n, &change, &e);
	if (r == -EPERM)
		it->refusal = xstrdup(e.message);
	else if (r < 0) {
		aws_rds_drift_release(d, n);
		return error_set(reterr, r, "%s", e.message);
	}
	if (r >= 0 && change.n_fields > 0) {
		rds->modify = TAKE_PTR(change.params);
		strv_extend(&rds->notes, change.notes);
	}
	aws_rds_change_release(&change);

	/* the live side: git's spec with the effective live value of each field that drifts */
	it->after = git_view(it);
	it->live = git_view(it);
	spec = json_object_get(it->live, "spec");
	for (size_t i = 0; i < n; i++) {
		if (d[i].in_flight) {
			strv_consume(&rds->notes, xasprintf("%s: %s is already %s (now %s)",
			                                    d[i].field, d[i].desired,
			                                    streq(d[i].field, "dbParameterGroupName") ?
			                                            "being applied" :
			                                            "pending",
			                                    d[i].live ? d[i].live : "unset"));
			continue;
		}
		if (d[i].live)
			(void)json_object_set_new(spec, d[i].field,
			                          typed(d[i].live, json_object_get(spec, d[i].field)));
		else
			(void)json_object_del(spec, d[i].field);
		add_path(it, d[i].field);
	}
	aws_rds_drift_release(d, n);

	if (rds->want.tags) {
		tag_list = aws_xml_list(json_object_get(live, "TagList"), "Tag");
		aws_rds_tags_change(arn ? arn : "", rds->want.tags, tag_list, &rds->tags_add,
		                    &rds->tags_remove, &live_tags);
		if ((rds->tags_add || rds->tags_remove) && !arn)
			return error_set(reterr, -EIO, "%s: DescribeDBInstances gave no DBInstanceArn",
			                 label);
		if (rds->tags_add || rds->tags_remove) {
			(void)json_object_set(spec, "tags", live_tags);
			add_path(it, "tags");
		}
	}
	plan_pending_reboot(it, live);

	if (!rds->modify && !rds->reboot && !rds->tags_add && !rds->tags_remove && !it->refusal) {
		it->action = SYNC_ACTION_UNCHANGED;
		return 0;
	}
	it->action = SYNC_ACTION_UPDATE;
	/* storage-full takes the change that ends it: more storage */
	if ((rds->modify || rds->reboot) && !streq(rds->status, "available") &&
	    !(streq(rds->status, "storage-full") && rds->modify)) {
		rds->is_deferred = true;
		strv_consume(&rds->notes,
		             xasprintf("the instance is %s: %s waits until it is available",
		                       rds->status,
		                       rds->modify ? "ModifyDBInstance" : "the reboot"));
	}
	return 0;
}

/* --- DBParameterGroup --- */

static int plan_group(struct sync_plan *p, struct sync_item *it, const char *label,
                      struct error *reterr)
{
	struct sync_rds *rds = it->rds;
	const struct aws_rds_parameter_group *g = &rds->group;
	char *const params[] = { (char *)"DBParameterGroupName", g->name, NULL };
	json_auto_t *result = NULL, *list = NULL, *parameters = NULL;
	struct error e = ERROR_INIT;
	const json_t *live, *want_v;
	const char *family, *description, *name;
	json_t *live_params;
	char **notes = NULL;
	unsigned pages = 0;
	int r;

	it->after = git_view(it);
	r = call(p, it, "DescribeDBParameterGroups", params, &result, &e);
	if (r < 0 && r != -ENOENT)
		return error_set(reterr, cloud_error(r), "%s: %s", label, e.message);
	list = aws_xml_list(json_object_get(result, "DBParameterGroups"), "DBParameterGroup");
	live = json_array_get(list, 0);
	if (!live) {
		it->action = SYNC_ACTION_CREATE;
		rds->create_group = true;
		r = aws_rds_parameter_group_change(g, NULL, &rds->batches, &rds->n_batches, &notes,
		                                   reterr);
		if (r < 0)
			return r;
		rds->notes = notes;
		return 0;
	}

	family = json_string_value(json_object_get(live, "DBParameterGroupFamily"));
	description = json_string_value(json_object_get(live, "Description"));
	it->live = git_view(it);
	if (family && strcasecmp(family, g->family) != 0) {
		it->refusal = xasprintf("%s: spec.family: the group is of %s, git says %s; a group's "
		                        "family cannot change (give the new one another name)",
		                        label, family, g->family);
		(void)json_object_set_new(json_object_get(it->live, "spec"), "family",
		                          json_string(family));
		add_path(it, "family");
		it->action = SYNC_ACTION_UPDATE;
		return 0;
	}
	if (g->description && description && !streq(description, g->description))
		strv_consume(&rds->notes, xasprintf("description: RDS cannot change it (it is "
		                                    "\"%s\")",
		                                    description));

	r = aws_query_all(rds->client, "DescribeDBParameters", (const char *const *)params,
	                  "Parameters", "Parameter", &parameters, &pages, &e);
	p->n_aws_calls += pages;
	if (r < 0)
		return error_set(reterr, cloud_error(r), "%s: %s", label, e.message);
	r = aws_rds_parameter_group_change(g, parameters, &rds->batches, &rds->n_batches, &notes,
	                                   &e);
	if (r == -EINVAL || r == -EPERM)
		it->refusal = xstrdup(e.message);
	else if (r < 0)
		return error_set(reterr, r, "%s", e.message);
	strv_extend(&rds->notes, notes);
	strv_free(notes);

	/* the live side: the live value of each parameter git sets */
	live_params = json_object_get(json_object_get(it->live, "spec"), "parameters");
	json_object_foreach(g->parameters, name, want_v) {
		_cleanup_free_ char *want_text = aws_rds_parameter_text(want_v);
		_cleanup_free_ char *path = NULL;
		const char *now = NULL;
		const json_t *q;
		size_t i;

		json_array_foreach(parameters, i, q)
			if (streq_ptr(json_string_value(json_object_get(q, "ParameterName")), name))
				now = json_string_value(json_object_get(q, "ParameterValue"));
		if (now && streq(now, want_text))
			continue;
		if (json_is_object(live_params)) {
			if (now)
				(void)json_object_set_new(live_params, name, typed(now, want_v));
			else
				(void)json_object_del(live_params, name);
		}
		path = xasprintf("parameters/%s", name);
		add_path(it, path);
	}
	it->action = rds->n_batches > 0 || it->refusal ? SYNC_ACTION_UPDATE : SYNC_ACTION_UNCHANGED;
	return 0;
}

int sync_rds_plan(struct sync_plan *p, struct sync_item *it, struct error *reterr)
{
	_cleanup_free_ char *label = sync_item_label(it);
	struct sync_rds *rds;
	const char *region;
	int r;

	if (!p->t->aws)
		return error_set(reterr, -EINVAL, "%s: no AWS access for this target", label);
	rds = it->rds = xcalloc(1, sizeof(*it->rds));
	rds->is_instance = streq(it->kind, "RDSInstance");
	if (it->namespace) {
		/* the RDS kinds know no namespaces: one that kustomize set is not kept */
		free(it->namespace);
		it->namespace = NULL;
	}
	r = rds->is_instance ? aws_rds_instance_parse(it->desired, &rds->want, reterr) :
	                       aws_rds_parameter_group_parse(it->desired, &rds->group, reterr);
	if (r < 0)
		return r;
	region = rds->is_instance ? rds->want.region : rds->group.region;
	r = aws_rds_client(p->t->aws, region, label, &rds->client, &rds->region, reterr);
	if (r < 0)
		return r;
	r = rds->is_instance ? plan_instance(p, it, label, reterr) :
	                       plan_group(p, it, label, reterr);
	if (r < 0)
		return r;
	finish_notes(it);
	return 0;
}

/* --- apply --- */

/*
 * A call that RDS may refuse because the instance or group is busy (InvalidDBInstanceState
 * and the like): then the change is deferred (*ret_deferred) with the reason noted, to
 * come back to at the next sync.
 */
static int call_or_defer(struct sync_plan *p, struct sync_item *it, const char *action,
                         char *const *params, bool *ret_deferred, struct error *reterr)
{
	struct error e = ERROR_INIT;
	int r;

	r = call(p, it, action, params, NULL, &e);
	if (r == -EBUSY) {
		strv_consume(&it->rds->notes, xasprintf("not now: %s", e.message));
		*ret_deferred = true;
		return 0;
	}
	if (r < 0 && reterr)
		*reterr = e;
	return r;
}

static int apply_instance(struct sync_plan *p, struct sync_item *it, bool *ret_deferred,
                          struct error *reterr)
{
	struct sync_rds *rds = it->rds;
	int r;

	if (rds->create)
		return call(p, it, "CreateDBInstance", rds->create, NULL, reterr);
	if (rds->tags_remove) {
		r = call(p, it, "RemoveTagsFromResource", rds->tags_remove, NULL, reterr);
		if (r < 0)
			return r;
	}
	if (rds->tags_add) {
		r = call(p, it, "AddTagsToResource", rds->tags_add, NULL, reterr);
		if (r < 0)
			return r;
	}
	if (rds->is_deferred) {
		*ret_deferred = true;
		return 0;
	}
	/* busy since the plan: deferred; a reboot waits until a modification is done */
	if (rds->modify)
		return call_or_defer(p, it, "ModifyDBInstance", rds->modify, ret_deferred, reterr);
	if (rds->reboot) {
		char *const params[] = { (char *)"DBInstanceIdentifier", rds->want.identifier, NULL };

		return call_or_defer(p, it, "RebootDBInstance", params, ret_deferred, reterr);
	}
	return 0;
}

static int apply_group(struct sync_plan *p, struct sync_item *it, bool *ret_deferred,
                       struct error *reterr)
{
	struct sync_rds *rds = it->rds;
	int r;

	if (rds->create_group) {
		_cleanup_free_ char *description =
		        rds->group.description ? xstrdup(rds->group.description) :
		                                 xasprintf("%s (driftless)", rds->group.name);
		char *const params[] = { (char *)"DBParameterGroupName",
			                 rds->group.name,
			                 (char *)"DBParameterGroupFamily",
			                 rds->group.family,
			                 (char *)"Description",
			                 description,
			                 NULL };

		r = call(p, it, "CreateDBParameterGroup", params, NULL, reterr);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < rds->n_batches && !*ret_deferred; i++) {
		r = call_or_defer(p, it, "ModifyDBParameterGroup", rds->batches[i], ret_deferred,
		                  reterr);
		if (r < 0)
			return r;
	}
	return 0;
}

int sync_rds_apply(struct sync_plan *p, struct sync_item *it, json_t *objects,
                   bool *ret_deferred, struct error *reterr)
{
	_cleanup_free_ char *label = sync_item_label(it);
	_cleanup_free_ char *message = NULL;
	struct error e = ERROR_INIT;
	bool is_deferred = false;
	int r;

	*ret_deferred = false;
	if (it->refusal) {
		/* keep_refused: reported, and left as it is */
		sync_report_object(objects, it, "kept", it->refusal);
		return 0;
	}
	r = it->rds->is_instance ? apply_instance(p, it, &is_deferred, &e) :
	                           apply_group(p, it, &is_deferred, &e);
	if (r < 0) {
		r = error_set(reterr, cloud_error(r), "%s: %s", label, e.message);
		sync_report_object(objects, it, "failed", reterr ? reterr->message : NULL);
		return r;
	}
	message = it->rds->notes ? strv_join(it->rds->notes, "; ") : NULL;
	if (is_deferred) {
		log_notice("%s: deferred: %s", label, message ? message : "");
		sync_report_object(objects, it, "deferred", message);
		*ret_deferred = true;
		return 0;
	}
	log_debug("%s %s", it->action == SYNC_ACTION_CREATE ? "created" : "updated", label);
	sync_report_object(objects, it, "applied", message);
	return 0;
}
