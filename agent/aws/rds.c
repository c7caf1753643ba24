/*
 * The RDSInstance and DBParameterGroup kinds (apiVersion driftless.dev/v1alpha1) as git
 * gives them (aws.h): every field checked for its type, unknown ones refused by name.
 */

#include "aws/aws.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strv.h"

enum field_type {
	FIELD_STRING,
	FIELD_INT,
	FIELD_BOOL,
	FIELD_MAP,  /* of strings */
	FIELD_LIST, /* of strings, a strv */
};

struct field {
	const char *name;
	enum field_type type;
	size_t offset;
};

#define S(name, member)                                                       \
	{                                                                     \
		name, FIELD_STRING, offsetof(struct aws_rds_instance, member) \
	}
#define I(name, member)                                                    \
	{                                                                  \
		name, FIELD_INT, offsetof(struct aws_rds_instance, member) \
	}
#define B(name, member)                                                     \
	{                                                                   \
		name, FIELD_BOOL, offsetof(struct aws_rds_instance, member) \
	}

static const struct field instance_fields[] = {
	S("region", region),
	S("dbInstanceIdentifier", identifier),
	S("engine", engine),
	S("engineVersion", engine_version),
	S("dbInstanceClass", instance_class),
	I("allocatedStorage", allocated_storage),
	I("maxAllocatedStorage", max_allocated_storage),
	S("storageType", storage_type),
	I("iops", iops),
	I("storageThroughput", storage_throughput),
	B("multiAZ", multi_az),
	I("backupRetentionPeriod", backup_retention_period),
	S("preferredBackupWindow", backup_window),
	S("preferredMaintenanceWindow", maintenance_window),
	B("deletionProtection", deletion_protection),
	S("dbParameterGroupName", parameter_group),
	B("autoMinorVersionUpgrade", auto_minor_version_upgrade),
	B("publiclyAccessible", publicly_accessible),
	B("enableIAMDatabaseAuthentication", iam_auth),
	{ "tags", FIELD_MAP, offsetof(struct aws_rds_instance, tags) },
	S("masterUsername", master_username),
	S("dbSubnetGroupName", subnet_group),
	{ "vpcSecurityGroupIds", FIELD_LIST, offsetof(struct aws_rds_instance, security_groups) },
	B("storageEncrypted", storage_encrypted),
	B("applyImmediately", apply_immediately),
	B("allowMajorVersionUpgrade", allow_major_version_upgrade),
	B("allowReboot", allow_reboot),
	B("create", create),
};

#undef S
#undef I
#undef B

void aws_rds_instance_release(struct aws_rds_instance *i)
{
	if (!i)
		return;
	free(i->name);
	for (size_t k = 0; k < ELEMENTSOF(instance_fields); k++) {
		void *at = (char *)i + instance_fields[k].offset;

		if (instance_fields[k].type == FIELD_STRING)
			free(*(char **)at);
		else if (instance_fields[k].type == FIELD_MAP)
			json_decref(*(json_t **)at);
		else if (instance_fields[k].type == FIELD_LIST)
			strv_free(*(char ***)at);
	}
	*i = (struct aws_rds_instance){ 0 };
}

static int fail(struct error *reterr, const char *kind, const char *name, const char *field,
                const char *what)
{
	return error_set(reterr, -EINVAL, "%s '%s': spec.%s: %s", kind, name, field, what);
}

static int set_field(const struct field *f, void *base, const json_t *v, const char *kind,
                     const char *name, struct error *reterr)
{
	void *at = (char *)base + f->offset;

	switch (f->type) {
	case FIELD_STRING:
		if (!json_is_string(v) || json_string_length(v) == 0)
			return fail(reterr, kind, name, f->name, "expected a non-empty string");
		*(char **)at = xstrdup(json_string_value(v));
		return 0;
	case FIELD_INT:
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return fail(reterr, kind, name, f->name,
			            "expected a whole number, 0 or more");
		*(int64_t *)at = json_integer_value(v);
		return 0;
	case FIELD_BOOL:
		if (!json_is_boolean(v))
			return fail(reterr, kind, name, f->name, "expected true or false");
		*(int *)at = json_is_true(v) ? 1 : 0;
		return 0;
	case FIELD_MAP: {
		const char *key;
		json_t *value;

		if (!json_is_object(v))
			return fail(reterr, kind, name, f->name, "expected a mapping of strings");
		json_object_foreach((json_t *)v, key, value)
			if (!json_is_string(value)) {
				_cleanup_free_ char *sub = xasprintf("%s.%s", f->name, key);

				return fail(reterr, kind, name, sub, "expected a string");
			}
		*(json_t **)at = json_deep_copy(v);
		return 0;
	}
	case FIELD_LIST: {
		const json_t *item;
		size_t i;

		if (!json_is_array(v))
			return fail(reterr, kind, name, f->name, "expected a list of strings");
		json_array_foreach(v, i, item)
			if (!json_is_string(item) || json_string_length(item) == 0) {
				_cleanup_free_ char *sub = xasprintf("%s[%zu]", f->name, i);

				return fail(reterr, kind, name, sub, "expected a non-empty string");
			}
		json_array_foreach(v, i, item)
			strv_push((char ***)at, json_string_value(item));
		return 0;
	}
	}
	return -EINVAL;
}

/* metadata.name, and spec as a mapping; errors name the kind. */
static int object_parts(const json_t *obj, const char *kind, const char **ret_name,
                        const json_t **ret_spec, struct error *reterr)
{
	const char *name =
	        json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
	const json_t *spec = json_object_get(obj, "spec");

	if (!name || !*name)
		return error_set(reterr, -EINVAL, "%s: metadata.name: missing", kind);
	if (!json_is_object(spec))
		return error_set(reterr, -EINVAL, "%s '%s': spec: expected a mapping", kind, name);
	*ret_name = name;
	*ret_spec = spec;
	return 0;
}

int aws_rds_instance_parse(const json_t *obj, struct aws_rds_instance *ret, struct error *reterr)
{
	static const char kind[] = "RDSInstance";
	struct aws_rds_instance i = { 0 };
	const json_t *spec;
	const char *name, *key;
	json_t *v;
	int r;

	r = object_parts(obj, kind, &name, &spec, reterr);
	if (r < 0)
		return r;
	i.name = xstrdup(name);
	i.allocated_storage = i.max_allocated_storage = i.iops = i.storage_throughput =
	        i.backup_retention_period = -1;
	i.multi_az = i.deletion_protection = i.auto_minor_version_upgrade = i.publicly_accessible =
	        i.iam_auth = i.storage_encrypted = -1;
	i.apply_immediately = i.allow_major_version_upgrade = i.allow_reboot = i.create = 0;
	json_object_foreach((json_t *)spec, key, v) {
		const struct field *f = NULL;

		for (size_t k = 0; k < ELEMENTSOF(instance_fields) && !f; k++)
			if (streq(instance_fields[k].name, key))
				f = &instance_fields[k];
		if (!f)
			r = fail(reterr, kind, name, key, "unknown field");
		else
			r = set_field(f, &i, v, kind, name, reterr);
		if (r < 0) {
			aws_rds_instance_release(&i);
			return r;
		}
	}
	if (!i.identifier)
		i.identifier = xstrdup(name);
	/* RDS keeps identifiers in lower case */
	for (char *c = i.identifier; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	if (i.max_allocated_storage >= 0 && i.allocated_storage >= 0 &&
	    i.max_allocated_storage < i.allocated_storage)
		r = fail(reterr, kind, name, "maxAllocatedStorage",
		         "smaller than allocatedStorage (autoscaling needs room above it)");
	else if (i.create == 1 && (!i.engine || !i.instance_class || i.allocated_storage < 0 ||
	                           !i.master_username))
		r = fail(reterr, kind, name, "create",
		         "an instance to create needs engine, dbInstanceClass, allocatedStorage "
		         "and masterUsername");
	if (r < 0) {
		aws_rds_instance_release(&i);
		return r;
	}
	*ret = i;
	return 0;
}

void aws_rds_parameter_group_release(struct aws_rds_parameter_group *g)
{
	if (!g)
		return;
	free(g->name);
	free(g->region);
	free(g->family);
	free(g->description);
	json_decref(g->parameters);
	*g = (struct aws_rds_parameter_group){ 0 };
}

int aws_rds_parameter_group_parse(const json_t *obj, struct aws_rds_parameter_group *ret,
                                  struct error *reterr)
{
	static const char kind[] = "DBParameterGroup";
	struct aws_rds_parameter_group g = { 0 };
	const json_t *spec;
	const char *name, *key;
	json_t *v;
	int r;

	r = object_parts(obj, kind, &name, &spec, reterr);
	if (r < 0)
		return r;
	g.name = xstrdup(name);
	json_object_foreach((json_t *)spec, key, v) {
		if (streq(key, "parameters")) {
			const char *pk;
			json_t *pv;

			if (!json_is_object(v)) {
				r = fail(reterr, kind, name, key,
				         "expected a mapping of name: value");
				break;
			}
			json_object_foreach(v, pk, pv)
				if (!json_is_string(pv) && !json_is_integer(pv) &&
				    !json_is_boolean(pv)) {
					_cleanup_free_ char *sub = xasprintf("parameters.%s", pk);

					r = fail(reterr, kind, name, sub,
					         "expected a string, number or boolean");
					break;
				}
			if (r < 0)
				break;
			g.parameters = json_deep_copy(v);
		} else if (streq(key, "region") || streq(key, "family") ||
		           streq(key, "description")) {
			char **at = streq(key, "region") ? &g.region :
			            streq(key, "family") ? &g.family :
			                                   &g.description;

			if (!json_is_string(v) || json_string_length(v) == 0) {
				r = fail(reterr, kind, name, key, "expected a non-empty string");
				break;
			}
			*at = xstrdup(json_string_value(v));
		} else {
			r = fail(
			        reterr, kind, name, key,
			        "unknown field (expected region, family, description or parameters)");
			break;
		}
	}
	if (r >= 0 && !g.family)
		r = fail(reterr, kind, name, "family", "missing (postgres16, mysql8.0, ...)");
	if (r < 0) {
		aws_rds_parameter_group_release(&g);
		return r;
	}
	if (!g.parameters)
		g.parameters = json_object();
	*ret = g;
	return 0;
}

/* --- drift --- */

enum compare {
	CMP_EXACT,
	CMP_CASELESS,       /* maintenance windows, classes: RDS answers in its own case */
	CMP_VERSION_PREFIX, /* "16" matches "16.4", "16.4" matches "16.4.1" */
	CMP_STORAGE,        /* live above desired is fine when storage autoscaling is on */
};

struct drift_field {
	const char *spec;    /* the spec field */
	const char *api;     /* the Create/ModifyDBInstance parameter */
	const char *element; /* the DescribeDBInstances element, when not api */
	const char *pending; /* PendingModifiedValues element, or NULL */
	enum field_type type;
	size_t offset;
	enum compare cmp;
};

#define D(spec, api, pending, type, member, cmp)                                               \
	{                                                                                      \
		spec, api, NULL, pending, type, offsetof(struct aws_rds_instance, member), cmp \
	}

static const struct drift_field drift_fields[] = {
	D("engine", "Engine", NULL, FIELD_STRING, engine, CMP_CASELESS),
	D("engineVersion", "EngineVersion", "EngineVersion", FIELD_STRING, engine_version,
	  CMP_VERSION_PREFIX),
	D("dbInstanceClass", "DBInstanceClass", "DBInstanceClass", FIELD_STRING, instance_class,
	  CMP_CASELESS),
	D("allocatedStorage", "AllocatedStorage", "AllocatedStorage", FIELD_INT, allocated_storage,
	  CMP_STORAGE),
	D("maxAllocatedStorage", "MaxAllocatedStorage", NULL, FIELD_INT, max_allocated_storage,
	  CMP_EXACT),
	D("storageType", "StorageType", "StorageType", FIELD_STRING, storage_type, CMP_CASELESS),
	D("iops", "Iops", "Iops", FIELD_INT, iops, CMP_EXACT),
	D("storageThroughput", "StorageThroughput", "StorageThroughput", FIELD_INT,
	  storage_throughput, CMP_EXACT),
	D("multiAZ", "MultiAZ", "MultiAZ", FIELD_BOOL, multi_az, CMP_EXACT),
	D("backupRetentionPeriod", "BackupRetentionPeriod", "BackupRetentionPeriod", FIELD_INT,
	  backup_retention_period, CMP_EXACT),
	D("preferredBackupWindow", "PreferredBackupWindow", NULL, FIELD_STRING, backup_window,
	  CMP_CASELESS),
	D("preferredMaintenanceWindow", "PreferredMaintenanceWindow", NULL, FIELD_STRING,
	  maintenance_window, CMP_CASELESS),
	D("deletionProtection", "DeletionProtection", NULL, FIELD_BOOL, deletion_protection,
	  CMP_EXACT),
	D("autoMinorVersionUpgrade", "AutoMinorVersionUpgrade", NULL, FIELD_BOOL,
	  auto_minor_version_upgrade, CMP_EXACT),
	D("publiclyAccessible", "PubliclyAccessible", NULL, FIELD_BOOL, publicly_accessible,
	  CMP_EXACT),
	{ "enableIAMDatabaseAuthentication", "EnableIAMDatabaseAuthentication",
	  "IAMDatabaseAuthenticationEnabled", "IAMDatabaseAuthenticationEnabled", FIELD_BOOL,
	  offsetof(struct aws_rds_instance, iam_auth), CMP_EXACT },
};

#undef D

void aws_rds_drift_release(struct aws_rds_drift *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(d[i].desired);
		free(d[i].live);
	}
	free(d);
}

/* The desired value as RDS writes it, or NULL when git does not set it. */
static char *desired_text(const struct aws_rds_instance *want, const struct drift_field *f)
{
	const void *at = (const char *)want + f->offset;

	switch (f->type) {
	case FIELD_STRING:
		return *(char *const *)at ? xstrdup(*(char *const *)at) : NULL;
	case FIELD_INT:
		return *(const int64_t *)at >= 0 ?
		               xasprintf("%lld", (long long)*(const int64_t *)at) :
		               NULL;
	case FIELD_BOOL:
		return *(const int *)at >= 0 ? xstrdup(*(const int *)at ? "true" : "false") : NULL;
	default:
		return NULL;
	}
}

static bool version_matches(const char *want, const char *live)
{
	size_t n = strlen(want);

	return !strncmp(want, live, n) && (live[n] == '\0' || live[n] == '.');
}

static bool same(const struct drift_field *f, const char *want, const char *live,
                 const struct aws_rds_instance *w)
{
	switch (f->cmp) {
	case CMP_CASELESS:
		return strcasecmp(want, live) == 0;
	case CMP_VERSION_PREFIX:
		return version_matches(want, live);
	case CMP_STORAGE:
		/* autoscaling grows storage above what git says, and storage never shrinks */
		if (w->max_allocated_storage > 0)
			return strtoll(live, NULL, 10) >= strtoll(want, NULL, 10);
		return streq(want, live);
	default:
		return streq(want, live);
	}
}

static void add(struct aws_rds_drift **d, size_t *n, const char *spec, const char *api,
                char *desired, const char *live, bool in_flight)
{
	*d = xreallocarray(*d, *n + 1, sizeof(**d));
	(*d)[(*n)++] = (struct aws_rds_drift){ .field = spec,
		                               .api = api,
		                               .desired = desired,
		                               .live = live ? xstrdup(live) : NULL,
		                               .in_flight = in_flight };
}

int aws_rds_instance_drift(const struct aws_rds_instance *want, const json_t *live,
                           struct aws_rds_drift **ret, size_t *ret_n)
{
	const json_t *pending = json_object_get(live, "PendingModifiedValues");
	struct aws_rds_drift *d = NULL;
	size_t n = 0;

	for (size_t k = 0; k < ELEMENTSOF(drift_fields); k++) {
		const struct drift_field *f = &drift_fields[k];
		char *desired = desired_text(want, f);
		const char *now =
		        json_string_value(json_object_get(live, f->element ? f->element : f->api));
		const char *queued =
		        f->pending ? json_string_value(json_object_get(pending, f->pending)) : NULL;

		if (!desired)
			continue;
		if (queued) {
			/* a change queued for the maintenance window is what the instance will be
			 */
			if (same(f, desired, queued, want))
				add(&d, &n, f->spec, f->api, desired, now, true);
			else
				add(&d, &n, f->spec, f->api, desired, queued, false);
			continue;
		}
		if (now && same(f, desired, now, want)) {
			free(desired);
			continue;
		}
		add(&d, &n, f->spec, f->api, desired, now, false);
	}
	if (want->parameter_group) {
		json_t *groups = aws_xml_list(json_object_get(live, "DBParameterGroups"),
		                              "DBParameterGroup");
		const char *now = json_string_value(
		        json_object_get(json_array_get(groups, 0), "DBParameterGroupName"));
		const char *status = json_string_value(
		        json_object_get(json_array_get(groups, 0), "ParameterApplyStatus"));

		if (!now || strcasecmp(now, want->parameter_group) != 0)
			add(&d, &n, "dbParameterGroupName", "DBParameterGroupName",
			    xstrdup(want->parameter_group), now, false);
		else if (status && streq(status, "applying"))
			add(&d, &n, "dbParameterGroupName", "DBParameterGroupName",
			    xstrdup(want->parameter_group), now, true);
		json_decref(groups);
	}
	*ret = d;
	*ret_n = n;
	return 0;
}

/* --- the change to make --- */

/* Fields whose change restarts the instance (a short outage) when applied. */
static const char *const restart_fields[] = { "dbInstanceClass", "engineVersion" };

/* What a human should know of a change of x that does not restart the instance, or NULL. */
static char *change_note(const struct aws_rds_drift *x)
{
	const char *from = x->live ? x->live : "(none)";

	if (streq(x->field, "storageType"))
		return xasprintf("storageType: %s -> %s migrates the storage: it can take hours, "
		                 "and RDS takes no other change of the instance meanwhile",
		                 from, x->desired);
	if (streq(x->field, "dbParameterGroupName"))
		return xasprintf("dbParameterGroupName: %s -> %s takes effect at the next reboot",
		                 from, x->desired);
	return NULL;
}

/* The major version: "16" of "16.4"; "8.0" of "8.0.35" for MySQL and MariaDB. */
static char *major_version(const char *engine, const char *version)
{
	size_t n = strcspn(version, ".");

	if (engine && (strstr(engine, "mysql") || strstr(engine, "mariadb")) && version[n] == '.')
		n += 1 + strcspn(version + n + 1, ".");
	return xstrndup(version, n);
}

void aws_rds_change_release(struct aws_rds_change *c)
{
	if (!c)
		return;
	strv_free(c->params);
	strv_free(c->notes);
	*c = (struct aws_rds_change){ 0 };
}

int aws_rds_instance_change(const struct aws_rds_instance *want, const json_t *live,
                            const struct aws_rds_drift *d, size_t n, struct aws_rds_change *ret,
                            struct error *reterr)
{
	struct aws_rds_change c = { 0 };
	bool is_disruptive = false;
	const char *engine = json_string_value(json_object_get(live, "Engine"));
	const char *window = json_string_value(json_object_get(live, "PreferredMaintenanceWindow"));

	strv_push(&c.params, "DBInstanceIdentifier");
	strv_push(&c.params, want->identifier);
	for (size_t i = 0; i < n; i++) {
		const struct aws_rds_drift *x = &d[i];
		char *note;

		if (x->in_flight)
			continue;
		if (streq(x->field, "engine")) {
			aws_rds_change_release(&c);
			return error_set(reterr, -EPERM,
			                 "RDSInstance '%s': spec.engine: %s cannot become %s; that "
			                 "takes a new instance",
			                 want->name, x->live ? x->live : "?", x->desired);
		}
		if (streq(x->field, "allocatedStorage") && x->live &&
		    strtoll(x->desired, NULL, 10) < strtoll(x->live, NULL, 10)) {
			aws_rds_change_release(&c);
			return error_set(reterr, -EPERM,
			                 "RDSInstance '%s': spec.allocatedStorage: storage cannot "
			                 "shrink (%s GiB now, %s GiB in git)",
			                 want->name, x->live, x->desired);
		}
		if (streq(x->field, "engineVersion") && x->live) {
			_cleanup_free_ char *from = major_version(engine, x->live);
			_cleanup_free_ char *to = major_version(engine, x->desired);

			if (!streq(from, to)) {
				if (want->allow_major_version_upgrade != 1) {
					aws_rds_change_release(&c);
					return error_set(
					        reterr, -EPERM,
					        "RDSInstance '%s': spec.engineVersion: %s to %s "
					        "is a major version upgrade; set "
					        "allowMajorVersionUpgrade: true to allow it",
					        want->name, x->live, x->desired);
				}
				strv_push(&c.params, "AllowMajorVersionUpgrade");
				strv_push(&c.params, "true");
			}
		}
		if (streq(x->field, "backupRetentionPeriod") && x->live &&
		    streq(x->live, "0") != streq(x->desired, "0")) {
			/* automated backups on or off: RDS documents an outage */
			is_disruptive = true;
			strv_consume(&c.notes,
			             xasprintf("backupRetentionPeriod: %s -> %s turns automated "
			                       "backups %s: a short outage",
			                       x->live, x->desired,
			                       streq(x->desired, "0") ? "off" : "on"));
		}
		for (size_t k = 0; k < ELEMENTSOF(restart_fields); k++)
			if (streq(x->field, restart_fields[k])) {
				is_disruptive = true;
				strv_consume(&c.notes,
				             xasprintf("%s: %s -> %s restarts the instance",
				                       x->field, x->live ? x->live : "(none)",
				                       x->desired));
			}
		note = change_note(x);
		if (note)
			strv_consume(&c.notes, note);
		strv_push(&c.params, x->api);
		strv_push(&c.params, x->desired);
		c.n_fields++;
	}
	if (c.n_fields == 0) {
		*ret = c;
		return 0;
	}
	strv_push(&c.params, "ApplyImmediately");
	strv_push(&c.params, want->apply_immediately == 1 ? "true" : "false");
	c.apply_immediately = want->apply_immediately == 1;
	if (is_disruptive)
		strv_consume(&c.notes,
		             want->apply_immediately == 1 ?
		                     xstrdup("applied now (applyImmediately): a short outage") :
		                     xasprintf("queued for the maintenance window %s",
		                               window ? window : "(the instance's)"));
	*ret = c;
	return 0;
}

/* --- parameter groups --- */

char *aws_rds_parameter_text(const json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	return xstrdup(json_is_true(v) ? "1" : "0");
}

static void batches_free(char ***batches, size_t n)
{
	for (size_t b = 0; b < n; b++)
		strv_free(batches[b]);
	free(batches);
}

int aws_rds_parameter_group_change(const struct aws_rds_parameter_group *want, const json_t *live,
                                   char ****ret_batches, size_t *ret_n_batches, char ***ret_notes,
                                   struct error *reterr)
{
	char ***batches = NULL, **notes = NULL;
	size_t n_batches = 0, in_batch = AWS_RDS_PARAMETER_BATCH;
	const char *name;
	json_t *v;

	json_object_foreach(want->parameters, name, v) {
		_cleanup_free_ char *desired = aws_rds_parameter_text(v);
		const json_t *found = NULL, *p;
		const char *now = NULL;
		bool is_static = true; /* a new group: pending-reboot is valid for every parameter */
		size_t i;

		json_array_foreach(live, i, p)
			if (streq_ptr(json_string_value(json_object_get(p, "ParameterName")),
			              name)) {
				found = p;
				break;
			}
		if (live && !found) {
			strv_free(notes);
			batches_free(batches, n_batches);
			return error_set(
			        reterr, -EINVAL,
			        "DBParameterGroup '%s': spec.parameters.%s: family %s has no "
			        "such parameter",
			        want->name, name, want->family);
		}
		if (found) {
			now = json_string_value(json_object_get(found, "ParameterValue"));
			if (now && streq(now, desired))
				continue;
			if (streq_ptr(json_string_value(json_object_get(found, "IsModifiable")),
			              "false")) {
				strv_free(notes);
				batches_free(batches, n_batches);
				return error_set(
				        reterr, -EPERM,
				        "DBParameterGroup '%s': spec.parameters.%s: not modifiable",
				        want->name, name);
			}
			is_static = streq_ptr(
			        json_string_value(json_object_get(found, "ApplyType")), "static");
		}
		if (in_batch == AWS_RDS_PARAMETER_BATCH) {
			batches = xreallocarray(batches, n_batches + 1, sizeof(*batches));
			batches[n_batches] = NULL;
			strv_push(&batches[n_batches], "DBParameterGroupName");
			strv_push(&batches[n_batches], want->name);
			n_batches++;
			in_batch = 0;
		}
		{
			char ***b = &batches[n_batches - 1];
			size_t k = in_batch + 1;
			char key[96];

			snprintf(key, sizeof(key), "Parameters.Parameter.%zu.ParameterName", k);
			strv_push(b, key);
			strv_push(b, name);
			snprintf(key, sizeof(key), "Parameters.Parameter.%zu.ParameterValue", k);
			strv_push(b, key);
			strv_push(b, desired);
			/* a static parameter takes effect at the next reboot only */
			snprintf(key, sizeof(key), "Parameters.Parameter.%zu.ApplyMethod", k);
			strv_push(b, key);
			strv_push(b, is_static ? "pending-reboot" : "immediate");
			if (is_static && found)
				strv_consume(&notes,
				             xasprintf("%s: %s -> %s takes effect at the next "
				                       "reboot (pending-reboot)",
				                       name, now ? now : "(default)", desired));
			in_batch++;
		}
	}
	if (!live && n_batches > 0)
		strv_consume(&notes, xstrdup("a new group: its parameters take effect when an "
		                             "instance using it reboots (pending-reboot)"));
	*ret_batches = batches;
	*ret_n_batches = n_batches;
	*ret_notes = notes;
	return 0;
}

/* --- creating an instance --- */

static void push_param(char ***params, const char *name, char *value)
{
	strv_push(params, name);
	strv_consume(params, value);
}

char **aws_rds_instance_create_params(const struct aws_rds_instance *want)
{
	char **params = NULL;
	char key[64];
	size_t n = 0;

	push_param(&params, "DBInstanceIdentifier", xstrdup(want->identifier));
	for (size_t k = 0; k < ELEMENTSOF(drift_fields); k++) {
		char *value = desired_text(want, &drift_fields[k]);

		if (value)
			push_param(&params, drift_fields[k].api, value);
	}
	if (want->parameter_group)
		push_param(&params, "DBParameterGroupName", xstrdup(want->parameter_group));
	push_param(&params, "MasterUsername", xstrdup(want->master_username));
	push_param(&params, "ManageMasterUserPassword", xstrdup("true"));
	if (want->subnet_group)
		push_param(&params, "DBSubnetGroupName", xstrdup(want->subnet_group));
	for (char **g = want->security_groups; g && *g; g++) {
		snprintf(key, sizeof(key), "VpcSecurityGroupIds.VpcSecurityGroupId.%zu", ++n);
		push_param(&params, key, xstrdup(*g));
	}
	if (want->storage_encrypted >= 0)
		push_param(&params, "StorageEncrypted",
		           xstrdup(want->storage_encrypted ? "true" : "false"));
	{
		const char *tag;
		json_t *value;

		n = 0;
		json_object_foreach(want->tags, tag, value) {
			n++;
			snprintf(key, sizeof(key), "Tags.Tag.%zu.Key", n);
			push_param(&params, key, xstrdup(tag));
			snprintf(key, sizeof(key), "Tags.Tag.%zu.Value", n);
			push_param(&params, key, xstrdup(json_string_value(value)));
		}
	}
	return params;
}

/* --- tags --- */

void aws_rds_tags_change(const char *arn, const json_t *want, const json_t *live_tags,
                         char ***ret_add, char ***ret_remove, json_t **ret_live)
{
	json_t *live = json_object(), *t, *value;
	char **add = NULL, **remove = NULL;
	const char *key;
	char name[64];
	size_t i, n_add = 0, n_remove = 0;

	json_array_foreach(live_tags, i, t) {
		const char *k = json_string_value(json_object_get(t, "Key"));
		const char *v = json_string_value(json_object_get(t, "Value"));

		/* aws:* tags are AWS's own, and cannot be set or removed */
		if (k && strncmp(k, "aws:", 4) != 0)
			(void)json_object_set_new(live, k, json_string(v ? v : ""));
	}
	json_object_foreach((json_t *)want, key, value) {
		const char *now = json_string_value(json_object_get(live, key));

		if (now && streq(now, json_string_value(value)))
			continue;
		if (!add)
			push_param(&add, "ResourceName", xstrdup(arn));
		n_add++;
		snprintf(name, sizeof(name), "Tags.Tag.%zu.Key", n_add);
		push_param(&add, name, xstrdup(key));
		snprintf(name, sizeof(name), "Tags.Tag.%zu.Value", n_add);
		push_param(&add, name, xstrdup(json_string_value(value)));
	}
	json_object_foreach(live, key, value) {
		if (json_object_get(want, key))
			continue;
		if (!remove)
			push_param(&remove, "ResourceName", xstrdup(arn));
		snprintf(name, sizeof(name), "TagKeys.member.%zu", ++n_remove);
		push_param(&remove, name, xstrdup(key));
	}
	*ret_add = add;
	*ret_remove = remove;
	if (ret_live)
		*ret_live = live;
	else
		json_decref(live);
}
