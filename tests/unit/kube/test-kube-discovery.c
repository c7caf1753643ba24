/*
 * kube_discovery_lookup() against a fake discovery: the core and apps groups, a CRD group
 * whose kinds change between lookups, and subresources that must not count as kinds.
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

struct crd_state {
	bool is_group_served;   /* /apis/example.com/v1 answers 404 until then */
	bool is_widget_defined; /* then whether it lists Widget next to Gadget */
};

static const char core_v1[] =
        "{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\",\"resources\":["
        "{\"name\":\"configmaps\",\"singularName\":\"configmap\",\"namespaced\":true,"
        "\"kind\":\"ConfigMap\",\"verbs\":[\"create\",\"get\",\"list\",\"patch\"]},"
        "{\"name\":\"namespaces\",\"namespaced\":false,\"kind\":\"Namespace\","
        "\"verbs\":[\"get\",\"list\"]},"
        "{\"name\":\"pods/status\",\"namespaced\":true,\"kind\":\"Pod\",\"verbs\":[\"get\"]},"
        "{\"name\":\"pods\",\"namespaced\":true,\"kind\":\"Pod\",\"verbs\":[\"get\",\"list\"]},"
        "{\"name\":\"pods/log\",\"namespaced\":true,\"kind\":\"Log\",\"verbs\":[\"get\"]}]}";
static const char apps_v1[] =
        "{\"kind\":\"APIResourceList\",\"groupVersion\":\"apps/v1\",\"resources\":["
        "{\"name\":\"deployments/scale\",\"namespaced\":true,\"group\":\"autoscaling\","
        "\"version\":\"v1\",\"kind\":\"Scale\",\"verbs\":[\"get\",\"patch\",\"update\"]},"
        "{\"name\":\"deployments\",\"namespaced\":true,\"kind\":\"Deployment\","
        "\"verbs\":[\"create\",\"delete\",\"get\",\"list\",\"patch\",\"watch\"]}]}";
static const char example_v1[] =
        "{\"kind\":\"APIResourceList\",\"groupVersion\":\"example.com/v1\",\"resources\":["
        "{\"name\":\"gadgets\",\"namespaced\":false,\"kind\":\"Gadget\",\"verbs\":[\"list\"]}]}";
static const char example_v1_widget[] =
        "{\"kind\":\"APIResourceList\",\"groupVersion\":\"example.com/v1\",\"resources\":["
        "{\"name\":\"gadgets\",\"namespaced\":false,\"kind\":\"Gadget\",\"verbs\":[\"list\"]},"
        "{\"name\":\"widgets\",\"namespaced\":true,\"kind\":\"Widget\","
        "\"verbs\":[\"get\",\"list\"]}]}";
static const char not_found[] = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                                "\"message\":\"the server could not find the requested resource\","
                                "\"reason\":\"NotFound\",\"code\":404}";

static const char *on_discovery(struct fake_apiserver *s, const char *uri,
                                struct MHD_Connection *conn, unsigned *ret_status)
{
	struct crd_state *crd = s->userdata;

	(void)conn;
	*ret_status = 200;
	if (streq(uri, "/api/v1"))
		return core_v1;
	if (streq(uri, "/apis/apps/v1"))
		return apps_v1;
	if (streq(uri, "/apis/example.com/v1") && crd->is_group_served)
		return crd->is_widget_defined ? example_v1_widget : example_v1;
	if (streq(uri, "/apis/broken/v1"))
		return "{\"kind\":\"APIResourceList\"}";
	*ret_status = 404;
	return not_found;
}

static void lookup_ok(struct kube_client *c, const char *group, const char *version,
                      const char *kind, struct kube_resource *ret)
{
	struct error err = ERROR_INIT;

	kube_resource_release(ret);
	if (kube_discovery_lookup(c, group, version, kind, ret, &err) < 0)
		fail_msg("lookup %s: %s", kind, error_message(&err));
}

static void test_kube_discovery_lookup__core_and_apps(void **state)
{
	struct crd_state crd = { 0 };
	struct fake_apiserver s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	struct kube_resource res = KUBE_RESOURCE_INIT;
	_cleanup_free_ char *uri0 = NULL, *uri1 = NULL;

	(void)state;
	fake_apiserver_start(&s, on_discovery, &crd);
	c = fake_apiserver_client(&s);

	lookup_ok(c, "", "v1", "ConfigMap", &res);
	assert_string_equal(res.group, "");
	assert_string_equal(res.version, "v1");
	assert_string_equal(res.kind, "ConfigMap");
	assert_string_equal(res.name, "configmaps");
	assert_true(res.is_namespaced);
	assert_int_equal(strv_length(res.verbs), 4);
	assert_true(kube_resource_has_verb(&res, "patch"));
	assert_false(kube_resource_has_verb(&res, "delete"));

	lookup_ok(c, NULL, "v1", "Namespace", &res);
	assert_string_equal(res.name, "namespaces");
	assert_false(res.is_namespaced);

	lookup_ok(c, "apps", "v1", "Deployment", &res);
	assert_string_equal(res.group, "apps");
	assert_string_equal(res.name, "deployments");
	assert_true(res.is_namespaced);
	assert_true(kube_resource_has_verb(&res, "watch"));

	/* one request per group-version */
	assert_int_equal(fake_apiserver_requests(&s), 2);
	uri0 = fake_apiserver_uri(&s, 0);
	uri1 = fake_apiserver_uri(&s, 1);
	assert_string_equal(uri0, "/api/v1");
	assert_string_equal(uri1, "/apis/apps/v1");

	kube_resource_release(&res);
	kube_resource_release(&res); /* released twice is harmless */
	fake_apiserver_stop(&s);
}

static void test_kube_discovery_lookup__cached(void **state)
{
	struct crd_state crd = { 0 };
	struct fake_apiserver s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	struct kube_resource res = KUBE_RESOURCE_INIT;

	(void)state;
	fake_apiserver_start(&s, on_discovery, &crd);
	c = fake_apiserver_client(&s);

	lookup_ok(c, "apps", "v1", "Deployment", &res);
	assert_int_equal(fake_apiserver_requests(&s), 1);
	lookup_ok(c, "apps", "v1", "Deployment", &res);
	lookup_ok(c, "apps", "v1", "Deployment", &res);
	assert_int_equal(fake_apiserver_requests(&s), 1);
	assert_string_equal(res.name, "deployments");

	/* another client has its own cache */
	{
		_cleanup_(kube_client_freep) struct kube_client *other = fake_apiserver_client(&s);

		lookup_ok(other, "apps", "v1", "Deployment", &res);
		assert_int_equal(fake_apiserver_requests(&s), 2);
	}

	kube_resource_release(&res);
	fake_apiserver_stop(&s);
}

static void test_kube_discovery_lookup__subresources_ignored(void **state)
{
	struct crd_state crd = { 0 };
	struct fake_apiserver s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	struct kube_resource res = KUBE_RESOURCE_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	fake_apiserver_start(&s, on_discovery, &crd);
	c = fake_apiserver_client(&s);

	/* pods/status comes first with kind Pod: the resource is pods */
	lookup_ok(c, "", "v1", "Pod", &res);
	assert_string_equal(res.name, "pods");
	assert_true(kube_resource_has_verb(&res, "list"));

	/* kinds only subresources have are not found */
	assert_int_equal(kube_discovery_lookup(c, "apps", "v1", "Scale", &res, &err), -ENOENT);
	assert_string_equal(err.message, "no kind Scale in apps/v1; is its CRD installed?");
	assert_int_equal(kube_discovery_lookup(c, "", "v1", "Log", &res, &err), -ENOENT);
	assert_string_equal(err.message, "no kind Log in v1; is its CRD installed?");

	kube_resource_release(&res);
	fake_apiserver_stop(&s);
}

static void test_kube_discovery_lookup__missing_kind(void **state)
{
	struct crd_state crd = { 0 };
	struct fake_apiserver s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	struct kube_resource res = KUBE_RESOURCE_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	fake_apiserver_start(&s, on_discovery, &crd);
	c = fake_apiserver_client(&s);

	/* first need: one fetch, no second one right after it */
	assert_int_equal(kube_discovery_lookup(c, "apps", "v1", "Nope", &res, &err), -ENOENT);
	assert_string_equal(err.message, "no kind Nope in apps/v1; is its CRD installed?");
	assert_int_equal(fake_apiserver_requests(&s), 1);
	/* cached list without the kind: refreshed once */
	assert_int_equal(kube_discovery_lookup(c, "apps", "v1", "Nope", &res, &err), -ENOENT);
	assert_int_equal(fake_apiserver_requests(&s), 2);

	/* a group-version that is not served (404) */
	error_clear(&err);
	assert_int_equal(kube_discovery_lookup(c, "example.com", "v1", "Widget", &res, &err),
	                 -ENOENT);
	assert_string_equal(err.message, "no kind Widget in example.com/v1; is its CRD installed?");
	assert_null(res.name);

	/* invalid names never reach a URL */
	assert_int_equal(kube_discovery_lookup(c, "a/b", "v1", "X", &res, &err), -EINVAL);
	assert_int_equal(kube_discovery_lookup(c, "apps", "", "X", &res, &err), -EINVAL);
	assert_int_equal(kube_discovery_lookup(c, "apps", "v1?x", "X", &res, &err), -EINVAL);

	/* an answer that is not an APIResourceList */
	assert_int_equal(kube_discovery_lookup(c, "broken", "v1", "X", &res, &err), -EPROTO);
	assert_string_equal(err.message,
	                    "GET '/apis/broken/v1': the answer is not an APIResourceList");
	fake_apiserver_stop(&s);
}

static void test_kube_discovery_lookup__crd_appears(void **state)
{
	struct crd_state crd = { 0 };
	struct fake_apiserver s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	struct kube_resource res = KUBE_RESOURCE_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	fake_apiserver_start(&s, on_discovery, &crd);
	c = fake_apiserver_client(&s);

	/* the group is not served yet */
	assert_int_equal(kube_discovery_lookup(c, "example.com", "v1", "Gadget", &res, &err),
	                 -ENOENT);
	assert_int_equal(fake_apiserver_requests(&s), 1);

	/* a first CRD of the group is created: the cached 404 is refreshed */
	crd.is_group_served = true;
	lookup_ok(c, "example.com", "v1", "Gadget", &res);
	assert_string_equal(res.name, "gadgets");
	assert_int_equal(fake_apiserver_requests(&s), 2);

	/* a second CRD of the group: miss, refresh, found */
	crd.is_widget_defined = true;
	lookup_ok(c, "example.com", "v1", "Widget", &res);
	assert_string_equal(res.group, "example.com");
	assert_string_equal(res.name, "widgets");
	assert_true(res.is_namespaced);
	assert_int_equal(fake_apiserver_requests(&s), 3);

	/* and both are served from the cache now */
	lookup_ok(c, "example.com", "v1", "Gadget", &res);
	lookup_ok(c, "example.com", "v1", "Widget", &res);
	assert_int_equal(fake_apiserver_requests(&s), 3);

	kube_resource_release(&res);
	fake_apiserver_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kube_discovery_lookup__core_and_apps),
		cmocka_unit_test(test_kube_discovery_lookup__cached),
		cmocka_unit_test(test_kube_discovery_lookup__subresources_ignored),
		cmocka_unit_test(test_kube_discovery_lookup__missing_kind),
		cmocka_unit_test(test_kube_discovery_lookup__crd_appears),
	};

	(void)setenv("no_proxy", "127.0.0.1,localhost", 1);
	(void)setenv("NO_PROXY", "127.0.0.1,localhost", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
