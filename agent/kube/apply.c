/* One object: GET, server-side apply, DELETE, and the normal form a comparison sees. */

#include "kube/kube.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "kube/internal.h"

#define APPLY_CONTENT_TYPE "application/apply-patch+yaml"
#define LAST_APPLIED       "kubectl.kubernetes.io/last-applied-configuration"

/* "/api/v1/namespaces/ns/configmaps/name" */
static void object_path(const struct kube_resource *res, const char *namespace, const char *name,
                        struct strbuf *sb)
{
	kube_collection_path(res, namespace, sb);
	strbuf_addch(sb, '/');
	kube_url_escape(sb, name);
}

/* "ConfigMap 'ns/name'" or "Namespace 'name'", for messages. */
static char *object_label(const struct kube_resource *res, const char *namespace, const char *name)
{
	if (res->is_namespaced && namespace)
		return xasprintf("%s '%s/%s'", res->kind, namespace, name);
	return xasprintf("%s '%s'", res->kind, name);
}

int kube_get(struct kube_client *c, const struct kube_resource *res, const char *namespace,
             const char *name, json_t **ret_obj, struct error *reterr)
{
	_cleanup_(strbuf_release) struct strbuf path = STRBUF_INIT;
	_cleanup_free_ char *label = NULL;
	json_auto_t *obj = NULL;
	long status = 0;
	int r;

	assert(c && res && res->name && res->version && res->kind && name && ret_obj);
	label = object_label(res, namespace, name);
	if (res->is_namespaced && (!namespace || !namespace[0]))
		return error_set(reterr, -EINVAL, "%s: no namespace given", label);
	object_path(res, namespace, name, &path);
	r = kube_client_request(c, "GET", path.buf, NULL, NULL, &status, &obj, reterr);
	if (r < 0 && status == 404)
		return error_set(reterr, -ENOENT, "%s not found", label);
	if (r < 0)
		return r;
	if (!json_is_object(obj))
		return error_set(reterr, -EPROTO, "GET '%s': the answer is not an object",
		                 path.buf);
	*ret_obj = TAKE_PTR(obj);
	return 0;
}

/* The causes of a 409 Status as kubectl prints them: "conflict with \"m\" using v1: .data.a". */
static int conflict_error(const char *label, const json_t *status_obj, struct error *reterr)
{
	_cleanup_(strbuf_release) struct strbuf sb = STRBUF_INIT;
	const json_t *causes, *cause;
	size_t i, n = 0;

	causes = json_object_get(json_object_get(status_obj, "details"), "causes");
	json_array_foreach(causes, i, cause) {
		const char *message = json_string_value(json_object_get(cause, "message"));
		const char *field = json_string_value(json_object_get(cause, "field"));

		if (!message && !field)
			continue;
		strbuf_addstr(&sb, n++ > 0 ? "; " : "");
		strbuf_addstr(&sb, message ? message : "conflict");
		if (field)
			strbuf_addf(&sb, ": %s", field);
	}
	if (n == 0)
		return error_prefix(reterr, -EBUSY, "apply %s", label);
	return error_set(reterr, -EBUSY, "apply %s: %zu conflict%s with other field managers: %s",
	                 label, n, n == 1 ? "" : "s", sb.buf);
}

int kube_apply(struct kube_client *c, const struct kube_resource *res, const json_t *obj,
               const struct kube_apply_options *opts, json_t **ret_obj, struct error *reterr)
{
	static const struct kube_apply_options defaults = { 0 };
	_cleanup_(strbuf_release) struct strbuf path = STRBUF_INIT;
	_cleanup_free_ char *label = NULL;
	json_auto_t *answer = NULL, *status_obj = NULL;
	const json_t *metadata;
	const char *name, *namespace = NULL, *manager;
	long status = 0;
	int r;

	assert(c && res && res->name && res->version && res->kind && obj);
	if (!opts)
		opts = &defaults;
	metadata = json_object_get(obj, "metadata");
	name = json_string_value(json_object_get(metadata, "name"));
	if (!name || !name[0])
		return error_set(reterr, -EINVAL, "apply %s: the object has no metadata.name",
		                 res->kind);
	if (res->is_namespaced) {
		namespace = json_string_value(json_object_get(metadata, "namespace"));
		if (!namespace || !namespace[0])
			return error_set(reterr, -EINVAL,
			                 "apply %s '%s': the object has no metadata.namespace",
			                 res->kind, name);
	}
	label = object_label(res, namespace, name);

	manager = opts->field_manager && opts->field_manager[0] ? opts->field_manager :
	                                                          KUBE_FIELD_MANAGER_DEFAULT;
	object_path(res, namespace, name, &path);
	strbuf_addstr(&path, "?fieldManager=");
	kube_url_escape(&path, manager);
	if (opts->force)
		strbuf_addstr(&path, "&force=true");
	if (opts->dry_run)
		strbuf_addstr(&path, "&dryRun=All");

	r = kube_client_request_status(c, "PATCH", path.buf, obj, APPLY_CONTENT_TYPE, &status,
	                               &answer, &status_obj, reterr);
	if (r < 0 && status == 409)
		return conflict_error(label, status_obj, reterr);
	if (r < 0)
		return error_prefix(reterr, r, "apply %s", label);
	if (!json_is_object(answer))
		return error_set(reterr, -EPROTO, "apply %s: the answer is not an object", label);
	if (ret_obj)
		*ret_obj = TAKE_PTR(answer);
	return 0;
}

int kube_delete(struct kube_client *c, const struct kube_resource *res, const char *namespace,
                const char *name, const char *uid, struct error *reterr)
{
	_cleanup_(strbuf_release) struct strbuf path = STRBUF_INIT;
	_cleanup_free_ char *label = NULL;
	json_auto_t *body = NULL;
	long status = 0;
	int r;

	assert(c && res && res->name && res->version && res->kind && name);
	label = object_label(res, namespace, name);
	if (res->is_namespaced && (!namespace || !namespace[0]))
		return error_set(reterr, -EINVAL, "%s: no namespace given", label);
	object_path(res, namespace, name, &path);
	body = json_pack("{s:s, s:s, s:s}", "apiVersion", "v1", "kind", "DeleteOptions",
	                 "propagationPolicy", "Background");
	if (!body)
		return error_set(reterr, -ENOMEM, "delete %s: out of memory", label);
	if (uid && uid[0] &&
	    json_object_set_new(body, "preconditions", json_pack("{s:s}", "uid", uid)) < 0)
		return error_set(reterr, -ENOMEM, "delete %s: out of memory", label);
	r = kube_client_request(c, "DELETE", path.buf, body, NULL, &status, NULL, reterr);
	if (r < 0 && status == 404)
		return error_set(reterr, -ENOENT, "%s not found", label);
	if (r < 0 && status == 409)
		return error_set(reterr, -EBUSY,
		                 "delete %s: it is not the object recorded (uid %s)", label,
		                 uid ? uid : "");
	return r < 0 ? r : 0;
}

void kube_object_normalize(json_t *obj)
{
	static const char *const server_owned[] = {
		"managedFields", "resourceVersion",   "uid",
		"generation",    "creationTimestamp", "selfLink",
	};
	json_t *metadata, *annotations;

	if (!json_is_object(obj))
		return;
	(void)json_object_del(obj, "status");
	metadata = json_object_get(obj, "metadata");
	if (!json_is_object(metadata))
		return;
	for (size_t i = 0; i < ELEMENTSOF(server_owned); i++)
		(void)json_object_del(metadata, server_owned[i]);
	annotations = json_object_get(metadata, "annotations");
	if (!json_is_object(annotations))
		return;
	(void)json_object_del(annotations, LAST_APPLIED);
	if (json_object_size(annotations) == 0)
		(void)json_object_del(metadata, "annotations");
}
