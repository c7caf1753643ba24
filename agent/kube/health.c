/*
 * Health of an object from its status, as kubectl rollout status (its DeploymentStatusViewer,
 * StatefulSetStatusViewer and DaemonSetStatusViewer) and Argo CD's health checks judge it.
 */

#include "kube/kube.h"

#include <stddef.h>
#include <string.h>

#include "core/alloc.h"
#include "core/macro.h"
#include "core/strbuf.h"

/* The fields of obj a rule reads, each NULL when absent or of the wrong type. */
struct health_object {
	const json_t *metadata;
	const json_t *spec;
	const json_t *status;
};

struct health_rule {
	const char *group;
	const char *kind;
	/* Judge o; when not healthy, say why in why ("1 of 3 updated replicas ..."). */
	enum kube_health (*evaluate)(const struct health_object *o, struct strbuf *why);
};

static const json_t *object_field(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_object(v) ? v : NULL;
}

static const char *string_field(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* An integer field, or def when absent or not an integer. */
static long long int_field(const json_t *obj, const char *key, long long def)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

static bool is_true_field(const json_t *obj, const char *key)
{
	return json_is_true(json_object_get(obj, key));
}

/* The entry of status.conditions whose type is type, or NULL. */
static const json_t *condition_find(const json_t *status, const char *type)
{
	const json_t *conditions = json_object_get(status, "conditions");
	const json_t *c;
	size_t i;

	json_array_foreach(conditions, i, c) {
		const char *t = string_field(c, "type");

		if (json_is_object(c) && t && streq(t, type))
			return c;
	}
	return NULL;
}

/* Whether condition type has status value ("True", "False"). */
static bool condition_is(const json_t *status, const char *type, const char *value)
{
	return streq_ptr(string_field(condition_find(status, type), "status"), value);
}

/* Append ": reason: message" of condition c, the parts it has. */
static void condition_explain(const json_t *c, struct strbuf *why)
{
	const char *reason = string_field(c, "reason");
	const char *message = string_field(c, "message");

	if (!isempty(reason))
		strbuf_addf(why, ": %s", reason);
	if (!isempty(message))
		strbuf_addf(why, ": %s", message);
}

/* The controller has seen the latest spec: status.observedGeneration >= metadata.generation. */
static bool is_observed(const struct health_object *o, struct strbuf *why)
{
	if (int_field(o->status, "observedGeneration", 0) >=
	    int_field(o->metadata, "generation", 0))
		return true;
	strbuf_addstr(why, "waiting for the rollout to be observed");
	return false;
}

/* spec.updateStrategy.type is OnDelete: the controller replaces nothing by itself. */
static bool is_on_delete(const struct health_object *o)
{
	const json_t *strategy = object_field(o->spec, "updateStrategy");

	return streq_ptr(string_field(strategy, "type"), "OnDelete");
}

static enum kube_health deployment_evaluate(const struct health_object *o, struct strbuf *why)
{
	const json_t *progressing;
	long long replicas, updated, current, available;

	if (!is_observed(o, why))
		return KUBE_HEALTH_PROGRESSING;
	progressing = condition_find(o->status, "Progressing");
	if (streq_ptr(string_field(progressing, "reason"), "ProgressDeadlineExceeded")) {
		strbuf_addstr(why, "progress deadline exceeded");
		if (!isempty(string_field(progressing, "message")))
			strbuf_addf(why, ": %s", string_field(progressing, "message"));
		return KUBE_HEALTH_FAILED;
	}
	if (is_true_field(o->spec, "paused"))
		return KUBE_HEALTH_HEALTHY;

	replicas = int_field(o->spec, "replicas", 1);
	updated = int_field(o->status, "updatedReplicas", 0);
	current = int_field(o->status, "replicas", 0);
	available = int_field(o->status, "availableReplicas", 0);
	if (updated < replicas) {
		strbuf_addf(why, "%lld of %lld new replicas have been updated", updated, replicas);
		return KUBE_HEALTH_PROGRESSING;
	}
	if (current > updated) {
		strbuf_addf(why, "%lld old replicas are pending termination", current - updated);
		return KUBE_HEALTH_PROGRESSING;
	}
	if (available < updated) {
		strbuf_addf(why, "%lld of %lld updated replicas are available", available, updated);
		return KUBE_HEALTH_PROGRESSING;
	}
	return KUBE_HEALTH_HEALTHY;
}

static enum kube_health statefulset_evaluate(const struct health_object *o, struct strbuf *why)
{
	const json_t *rolling, *partition;
	const char *update_revision, *current_revision;
	long long replicas, ready, updated;

	if (!is_observed(o, why))
		return KUBE_HEALTH_PROGRESSING;
	if (is_on_delete(o))
		return KUBE_HEALTH_HEALTHY;

	replicas = int_field(o->spec, "replicas", 1);
	ready = int_field(o->status, "readyReplicas", 0);
	updated = int_field(o->status, "updatedReplicas", 0);
	if (ready < replicas) {
		strbuf_addf(why, "%lld of %lld replicas are ready", ready, replicas);
		return KUBE_HEALTH_PROGRESSING;
	}

	rolling = object_field(object_field(o->spec, "updateStrategy"), "rollingUpdate");
	partition = json_object_get(rolling, "partition");
	if (json_is_integer(partition)) {
		long long want = replicas - (long long)json_integer_value(partition);

		if (updated >= want)
			return KUBE_HEALTH_HEALTHY;
		strbuf_addf(why, "partitioned roll out: %lld of %lld new pods have been updated",
		            updated, want);
		return KUBE_HEALTH_PROGRESSING;
	}

	update_revision = string_field(o->status, "updateRevision");
	current_revision = string_field(o->status, "currentRevision");
	if (!streq_ptr(update_revision, current_revision)) {
		strbuf_addf(why, "%lld of %lld pods are at revision %s", updated, replicas,
		            update_revision ? update_revision : "(unknown)");
		return KUBE_HEALTH_PROGRESSING;
	}
	return KUBE_HEALTH_HEALTHY;
}

static enum kube_health daemonset_evaluate(const struct health_object *o, struct strbuf *why)
{
	long long desired, updated, available;

	if (!is_observed(o, why))
		return KUBE_HEALTH_PROGRESSING;
	if (is_on_delete(o))
		return KUBE_HEALTH_HEALTHY;

	desired = int_field(o->status, "desiredNumberScheduled", 0);
	updated = int_field(o->status, "updatedNumberScheduled", 0);
	available = int_field(o->status, "numberAvailable", 0);
	if (updated < desired) {
		strbuf_addf(why, "%lld of %lld new pods have been updated", updated, desired);
		return KUBE_HEALTH_PROGRESSING;
	}
	if (available < desired) {
		strbuf_addf(why, "%lld of %lld updated pods are available", available, desired);
		return KUBE_HEALTH_PROGRESSING;
	}
	return KUBE_HEALTH_HEALTHY;
}

static enum kube_health job_evaluate(const struct health_object *o, struct strbuf *why)
{
	if (condition_is(o->status, "Failed", "True")) {
		strbuf_addstr(why, "failed");
		condition_explain(condition_find(o->status, "Failed"), why);
		return KUBE_HEALTH_FAILED;
	}
	if (condition_is(o->status, "Complete", "True"))
		return KUBE_HEALTH_HEALTHY;
	if (is_true_field(o->spec, "suspend"))
		return KUBE_HEALTH_HEALTHY;
	strbuf_addf(why, "waiting to complete: %lld active, %lld succeeded",
	            int_field(o->status, "active", 0), int_field(o->status, "succeeded", 0));
	return KUBE_HEALTH_PROGRESSING;
}

static enum kube_health pvc_evaluate(const struct health_object *o, struct strbuf *why)
{
	const char *phase = string_field(o->status, "phase");

	if (streq_ptr(phase, "Bound"))
		return KUBE_HEALTH_HEALTHY;
	if (streq_ptr(phase, "Lost")) {
		strbuf_addstr(why, "its volume is lost (phase Lost)");
		return KUBE_HEALTH_FAILED;
	}
	strbuf_addf(why, "waiting to be bound (phase %s)", phase ? phase : "unknown");
	return KUBE_HEALTH_PROGRESSING;
}

static enum kube_health crd_evaluate(const struct health_object *o, struct strbuf *why)
{
	if (condition_is(o->status, "NamesAccepted", "False")) {
		strbuf_addstr(why, "names not accepted");
		condition_explain(condition_find(o->status, "NamesAccepted"), why);
		return KUBE_HEALTH_FAILED;
	}
	if (condition_is(o->status, "Established", "True"))
		return KUBE_HEALTH_HEALTHY;
	strbuf_addstr(why, "waiting to be established");
	return KUBE_HEALTH_PROGRESSING;
}

static const struct health_rule rules[] = {
	{ "apps", "Deployment", deployment_evaluate },
	{ "apps", "StatefulSet", statefulset_evaluate },
	{ "apps", "DaemonSet", daemonset_evaluate },
	{ "batch", "Job", job_evaluate },
	{ "", "PersistentVolumeClaim", pvc_evaluate },
	{ "apiextensions.k8s.io", "CustomResourceDefinition", crd_evaluate },
};

static const struct health_rule *rule_find(const char *group, size_t group_len, const char *kind)
{
	for (size_t i = 0; i < ELEMENTSOF(rules); i++)
		if (strlen(rules[i].group) == group_len &&
		    memcmp(rules[i].group, group, group_len) == 0 && streq(rules[i].kind, kind))
			return &rules[i];
	return NULL;
}

const char *kube_health_to_string(enum kube_health h)
{
	static const char *const names[] = {
		[KUBE_HEALTH_HEALTHY] = "healthy",
		[KUBE_HEALTH_PROGRESSING] = "progressing",
		[KUBE_HEALTH_FAILED] = "failed",
	};

	return h >= 0 && h < _KUBE_HEALTH_MAX ? names[h] : NULL;
}

bool kube_health_has_rule(const char *group, const char *kind)
{
	if (!group)
		group = "";
	return kind && rule_find(group, strlen(group), kind);
}

/* "Deployment 'ns/web'" or "Namespace 'x'", for reasons. */
static char *object_label(const char *kind, const json_t *metadata)
{
	const char *namespace = string_field(metadata, "namespace");
	const char *name = string_field(metadata, "name");

	if (!name)
		name = "";
	if (!isempty(namespace))
		return xasprintf("%s '%s/%s'", kind, namespace, name);
	return xasprintf("%s '%s'", kind, name);
}

enum kube_health kube_health_evaluate(const json_t *obj, char **ret_reason)
{
	_cleanup_(strbuf_release) struct strbuf why = STRBUF_INIT;
	const char *api_version = string_field(obj, "apiVersion");
	const char *kind = string_field(obj, "kind");
	const struct health_rule *rule = NULL;
	struct health_object o;
	enum kube_health h;

	if (ret_reason)
		*ret_reason = NULL;
	if (api_version && kind) {
		const char *slash = strchr(api_version, '/');

		/* "apps/v1" is in the group "apps", "v1" in the core group */
		rule = rule_find(api_version, slash ? (size_t)(slash - api_version) : 0, kind);
	}
	if (!rule)
		return KUBE_HEALTH_HEALTHY;

	o = (struct health_object){
		.metadata = object_field(obj, "metadata"),
		.spec = object_field(obj, "spec"),
		.status = object_field(obj, "status"),
	};
	if (!o.status) {
		strbuf_addstr(&why, "waiting for the controller to report a status");
		h = KUBE_HEALTH_PROGRESSING;
	} else {
		h = rule->evaluate(&o, &why);
	}

	if (h != KUBE_HEALTH_HEALTHY && ret_reason) {
		_cleanup_free_ char *label = object_label(kind, o.metadata);

		*ret_reason = xasprintf("%s: %s", label, why.buf);
	}
	return h;
}
