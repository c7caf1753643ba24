/*
 * kube_apply(), kube_get() and kube_object_normalize() against a fake API server: the
 * request server-side apply sends, a 409 conflict, and a missing object.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake-apiserver.h"

static const char conflict[] =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
        "\"message\":\"Apply failed with 2 conflicts: conflicts with \\\"other\\\":\\n"
        "- .data.a\\n- .data.b\",\"reason\":\"Conflict\",\"details\":{\"name\":\"cm\","
        "\"kind\":\"configmaps\",\"causes\":[{\"reason\":\"FieldManagerConflict\","
        "\"message\":\"conflict with \\\"other\\\"\",\"field\":\".data.a\"},"
        "{\"reason\":\"FieldManagerConflict\",\"message\":\"conflict with \\\"other\\\" "
        "using v1\",\"field\":\".data.b\"}]},\"code\":409}";

static const char not_found[] =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
        "\"message\":\"configmaps \\\"gone\\\" not found\",\"reason\":\"NotFound\","
        "\"details\":{\"name\":\"gone\",\"kind\":\"configmaps\"},\"code\":404}";

/* Echo an applied object back with server fields; answer conflicts and absences. */
static const char *on_apply(struct fake_apiserver *s, const char *uri, struct MHD_Connection *conn,
                            unsigned *ret_status)
{
	(void)s;
	(void)conn;
	*ret_status = 200;
	if (strncmp(uri, "/api/v1/namespaces/ns1/configmaps/busy?", 39) == 0) {
		*ret_status = 409;
		return conflict;
	}
	if (streq(uri, "/api/v1/namespaces/ns1/configmaps/recreated")) {
		*ret_status = 409;
		return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
		       "\"message\":\"Precondition failed: UID in precondition: 1, UID in object "
		       "meta: 2\",\"reason\":\"Conflict\",\"code\":409}";
	}
	if (streq(uri, "/api/v1/namespaces/ns1/configmaps/gone")) {
		*ret_status = 404;
		return not_found;
	}
	if (streq(uri, "/api/v1/namespaces/ns1/configmaps/cm"))
		return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm\","
		       "\"namespace\":\"ns1\",\"resourceVersion\":\"7\"},\"data\":{\"a\":\"1\"}}";
	if (strncmp(uri, "/api/v1/namespaces/ns1/configmaps/cm?", 37) == 0 ||
	    strncmp(uri, "/api/v1/namespaces/x?", 21) == 0)
		return "{\"metadata\":{\"name\":\"answer\",\"resourceVersion\":\"8\"}}";
	*ret_status = 500;
	return "{}";
}

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	if (!j)
		fail_msg("bad test JSON: %s", jerr.text);
	return j;
}

/* Request i was PATCH uri, as apply-patch+yaml, with a body equal (as JSON) to obj. */
static void assert_apply_request(struct fake_apiserver *s, size_t i, const char *uri,
                                 const json_t *obj)
{
	_cleanup_free_ char *got_uri = fake_apiserver_uri(s, i);
	_cleanup_free_ char *method = fake_apiserver_method(s, i);
	_cleanup_free_ char *ct = fake_apiserver_content_type(s, i);
	_cleanup_free_ char *body = fake_apiserver_body(s, i);
	json_auto_t *sent = parse(body);

	assert_string_equal(method, "PATCH");
	assert_string_equal(got_uri, uri);
	assert_string_equal(ct, "application/apply-patch+yaml");
	assert_true(json_equal(sent, obj));
}

static void test_kube_apply__request(void **state)
{
	struct fake_apiserver s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	_cleanup_(kube_resource_release) struct kube_resource cm =
	        fake_resource("", "ConfigMap", "configmaps", true);
	_cleanup_(kube_resource_release) struct kube_resource ns =
	        fake_resource("", "Namespace", "namespaces", false);
	json_auto_t *obj = parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
	                         "{\"name\":\"cm\",\"namespace\":\"ns1\"},\"data\":{\"a\":\"1\"}}");
	json_auto_t *nsobj = parse("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":"
	                           "{\"name\":\"x\",\"namespace\":\"ignored\"}}");
	struct kube_apply_options opts = { 0 };
	struct error err = ERROR_INIT;

	(void)state;
	fake_apiserver_start_uploads(&s, on_apply, NULL);
	c = fake_apiserver_client(&s);

	/* defaults: the driftless manager, no force, no dry run; the answer comes back */
	{
		json_auto_t *answer = NULL;

		if (kube_apply(c, &cm, obj, NULL, &answer, &err) < 0)
			fail_msg("kube_apply: %s", error_message(&err));
		assert_string_equal(
		        json_string_value(json_object_get(json_object_get(answer, "metadata"),
		                                          "resourceVersion")),
		        "8");
	}
	assert_apply_request(&s, 0, "/api/v1/namespaces/ns1/configmaps/cm?fieldManager=driftless",
	                     obj);

	/* force and dry run, a manager that needs escaping, no answer wanted */
	opts = (struct kube_apply_options){ .field_manager = "me & you",
		                            .force = true,
		                            .dry_run = true };
	assert_int_equal(kube_apply(c, &cm, obj, &opts, NULL, &err), 0);
	assert_apply_request(&s, 1,
	                     "/api/v1/namespaces/ns1/configmaps/cm?fieldManager=me%20%26%20you"
	                     "&force=true&dryRun=All",
	                     obj);
	opts = (struct kube_apply_options){ .dry_run = true };
	assert_int_equal(kube_apply(c, &cm, obj, &opts, NULL, &err), 0);
	assert_apply_request(&s, 2,
	                     "/api/v1/namespaces/ns1/configmaps/cm?fieldManager=driftless"
	                     "&dryRun=All",
	                     obj);

	/* a cluster-scoped kind ignores the namespace */
	opts = (struct kube_apply_options){ .field_manager = "ops", .force = true };
	assert_int_equal(kube_apply(c, &ns, nsobj, &opts, NULL, &err), 0);
	assert_apply_request(&s, 3, "/api/v1/namespaces/x?fieldManager=ops&force=true", nsobj);
	assert_int_equal(fake_apiserver_requests(&s), 4);

	fake_apiserver_stop(&s);
}

static void test_kube_apply__conflict(void **state)
{
	struct fake_apiserver s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	_cleanup_(kube_resource_release) struct kube_resource cm =
	        fake_resource("", "ConfigMap", "configmaps", true);
	json_auto_t *obj = parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
	                         "{\"name\":\"busy\",\"namespace\":\"ns1\"},"
	                         "\"data\":{\"a\":\"1\",\"b\":\"2\"}}");
	json_t *answer = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	fake_apiserver_start_uploads(&s, on_apply, NULL);
	c = fake_apiserver_client(&s);

	assert_int_equal(kube_apply(c, &cm, obj, NULL, &answer, &err), -EBUSY);
	assert_null(answer);
	assert_string_equal(err.message,
	                    "apply ConfigMap 'ns1/busy': 2 conflicts with other field managers: "
	                    "conflict with \"other\": .data.a; "
	                    "conflict with \"other\" using v1: .data.b");
	assert_apply_request(&s, 0, "/api/v1/namespaces/ns1/configmaps/busy?fieldManager=driftless",
	                     obj);

	fake_apiserver_stop(&s);
}

static void test_kube_apply__invalid_object(void **state)
{
	struct fake_apiserver s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	_cleanup_(kube_resource_release) struct kube_resource cm =
	        fake_resource("", "ConfigMap", "configmaps", true);
	json_auto_t *no_ns = parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
	                           "\"metadata\":{\"name\":\"cm\"}}");
	json_auto_t *no_name = parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
	                             "\"metadata\":{\"namespace\":\"ns1\"}}");
	struct error err = ERROR_INIT;

	(void)state;
	fake_apiserver_start_uploads(&s, on_apply, NULL);
	c = fake_apiserver_client(&s);

	assert_int_equal(kube_apply(c, &cm, no_ns, NULL, NULL, &err), -EINVAL);
	assert_string_equal(err.message,
	                    "apply ConfigMap 'cm': the object has no metadata.namespace");
	assert_int_equal(kube_apply(c, &cm, no_name, NULL, NULL, &err), -EINVAL);
	assert_string_equal(err.message, "apply ConfigMap: the object has no metadata.name");
	assert_int_equal(fake_apiserver_requests(&s), 0);

	fake_apiserver_stop(&s);
}

static void test_kube_get__found_and_absent(void **state)
{
	struct fake_apiserver s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	_cleanup_(kube_resource_release) struct kube_resource cm =
	        fake_resource("", "ConfigMap", "configmaps", true);
	json_auto_t *obj = NULL;
	json_t *none = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	fake_apiserver_start_uploads(&s, on_apply, NULL);
	c = fake_apiserver_client(&s);

	if (kube_get(c, &cm, "ns1", "cm", &obj, &err) < 0)
		fail_msg("kube_get: %s", error_message(&err));
	assert_string_equal(json_string_value(json_object_get(json_object_get(obj, "data"), "a")),
	                    "1");
	{
		_cleanup_free_ char *method = fake_apiserver_method(&s, 0);

		assert_string_equal(method, "GET");
	}

	assert_int_equal(kube_get(c, &cm, "ns1", "gone", &none, &err), -ENOENT);
	assert_null(none);
	assert_string_equal(err.message, "ConfigMap 'ns1/gone' not found");

	assert_int_equal(kube_get(c, &cm, NULL, "cm", &none, &err), -EINVAL);
	assert_string_equal(err.message, "ConfigMap 'cm': no namespace given");
	assert_int_equal(fake_apiserver_requests(&s), 2);

	fake_apiserver_stop(&s);
}

static void test_kube_delete__preconditions_and_absence(void **state)
{
	struct fake_apiserver s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	_cleanup_(kube_resource_release) struct kube_resource cm =
	        fake_resource("", "ConfigMap", "configmaps", true);
	json_auto_t *with_uid = parse("{\"apiVersion\":\"v1\",\"kind\":\"DeleteOptions\","
	                              "\"propagationPolicy\":\"Background\","
	                              "\"preconditions\":{\"uid\":\"1\"}}");
	json_auto_t *without = parse("{\"apiVersion\":\"v1\",\"kind\":\"DeleteOptions\","
	                             "\"propagationPolicy\":\"Background\"}");
	struct error err = ERROR_INIT;

	(void)state;
	fake_apiserver_start_uploads(&s, on_apply, NULL);
	c = fake_apiserver_client(&s);

	if (kube_delete(c, &cm, "ns1", "cm", "1", &err) < 0)
		fail_msg("kube_delete: %s", error_message(&err));
	{
		_cleanup_free_ char *method = fake_apiserver_method(&s, 0);
		_cleanup_free_ char *uri = fake_apiserver_uri(&s, 0);
		_cleanup_free_ char *body = fake_apiserver_body(&s, 0);
		json_auto_t *sent = parse(body);

		assert_string_equal(method, "DELETE");
		assert_string_equal(uri, "/api/v1/namespaces/ns1/configmaps/cm");
		assert_true(json_equal(sent, with_uid));
	}
	assert_int_equal(kube_delete(c, &cm, "ns1", "cm", NULL, &err), 0);
	{
		_cleanup_free_ char *body = fake_apiserver_body(&s, 1);
		json_auto_t *sent = parse(body);

		assert_true(json_equal(sent, without));
	}

	assert_int_equal(kube_delete(c, &cm, "ns1", "recreated", "1", &err), -EBUSY);
	assert_string_equal(err.message,
	                    "delete ConfigMap 'ns1/recreated': it is not the object recorded "
	                    "(uid 1)");
	assert_int_equal(kube_delete(c, &cm, "ns1", "gone", "1", &err), -ENOENT);
	assert_string_equal(err.message, "ConfigMap 'ns1/gone' not found");
	assert_int_equal(kube_delete(c, &cm, NULL, "cm", NULL, &err), -EINVAL);
	assert_int_equal(fake_apiserver_requests(&s), 4);

	fake_apiserver_stop(&s);
}

static void test_kube_object_normalize__live_object(void **state)
{
	json_auto_t *live = parse(
	        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{"
	        "\"name\":\"web\",\"namespace\":\"prod\",\"uid\":\"5f0c-11\","
	        "\"resourceVersion\":\"12345\",\"generation\":3,"
	        "\"creationTimestamp\":\"2026-01-02T03:04:05Z\","
	        "\"selfLink\":\"/apis/apps/v1/namespaces/prod/deployments/web\","
	        "\"labels\":{\"app\":\"web\"},"
	        "\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":\"{}\","
	        "\"deployment.kubernetes.io/revision\":\"3\"},"
	        "\"managedFields\":[{\"manager\":\"driftless\",\"operation\":\"Apply\","
	        "\"apiVersion\":\"apps/v1\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{}}]},"
	        "\"spec\":{\"replicas\":2,\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}}}},"
	        "\"status\":{\"replicas\":2,\"readyReplicas\":2}}");
	json_auto_t *want = parse(
	        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{"
	        "\"name\":\"web\",\"namespace\":\"prod\",\"labels\":{\"app\":\"web\"},"
	        "\"annotations\":{\"deployment.kubernetes.io/revision\":\"3\"}},"
	        "\"spec\":{\"replicas\":2,\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}}}}}");
	json_auto_t *cm = parse(
	        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\","
	        "\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":\"{}\"}},"
	        "\"data\":{\"status\":\"kept\"}}");
	json_auto_t *cm_want =
	        parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
	              "\"metadata\":{\"name\":\"c\"},\"data\":{\"status\":\"kept\"}}");
	json_auto_t *odd = parse("[1,2]");

	(void)state;
	kube_object_normalize(live);
	assert_true(json_equal(live, want));
	/* an annotations map left empty goes; nested "status" keys stay */
	kube_object_normalize(cm);
	assert_true(json_equal(cm, cm_want));
	/* normalizing twice changes nothing; non-objects are left alone */
	kube_object_normalize(live);
	assert_true(json_equal(live, want));
	kube_object_normalize(odd);
	kube_object_normalize(NULL);
	assert_int_equal(json_array_size(odd), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kube_apply__request),
		cmocka_unit_test(test_kube_apply__conflict),
		cmocka_unit_test(test_kube_apply__invalid_object),
		cmocka_unit_test(test_kube_get__found_and_absent),
		cmocka_unit_test(test_kube_delete__preconditions_and_absence),
		cmocka_unit_test(test_kube_object_normalize__live_object),
	};

	(void)setenv("no_proxy", "127.0.0.1,localhost", 1);
	(void)setenv("NO_PROXY", "127.0.0.1,localhost", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
