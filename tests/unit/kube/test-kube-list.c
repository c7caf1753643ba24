/*
 * kube_list() against a fake API server: pages followed through "continue", an expired
 * token (410 Gone) restarting the LIST, and query values escaped.
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

struct list_state {
	unsigned n_gone; /* answer 410 to this many requests that carry a continue token */
};

static const char gone[] =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":"
        "\"The provided continue parameter is too old to display a consistent list result.\","
        "\"reason\":\"Expired\",\"code\":410}";

static const char *on_list(struct fake_apiserver *s, const char *uri, struct MHD_Connection *conn,
                           unsigned *ret_status)
{
	struct list_state *st = s->userdata;
	const char *token = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "continue");

	*ret_status = 200;
	if (token && st->n_gone > 0) {
		st->n_gone--;
		*ret_status = 410;
		return gone;
	}
	if (strncmp(uri, "/api/v1/namespaces/ns1/configmaps?", 34) == 0 ||
	    strncmp(uri, "/apis/apps/v1/deployments?", 26) == 0) {
		if (!token)
			return "{\"kind\":\"List\",\"metadata\":{\"continue\":\"tok+1/=\"},"
			       "\"items\":[{\"metadata\":{\"name\":\"a\"}},"
			       "{\"metadata\":{\"name\":\"b\"}}]}";
		if (streq(token, "tok+1/="))
			return "{\"kind\":\"List\",\"metadata\":{\"continue\":\"t2\","
			       "\"remainingItemCount\":1},"
			       "\"items\":[{\"metadata\":{\"name\":\"c\"}},"
			       "{\"metadata\":{\"name\":\"d\"}}]}";
		if (streq(token, "t2"))
			return "{\"kind\":\"List\",\"metadata\":{\"continue\":\"\"},"
			       "\"items\":[{\"metadata\":{\"name\":\"e\"}}]}";
	}
	if (strncmp(uri, "/api/v1/namespaces?", 19) == 0)
		return "{\"kind\":\"NamespaceList\",\"metadata\":{},\"items\":[]}";
	if (strncmp(uri, "/api/v1/nodes?", 14) == 0)
		return "{\"kind\":\"NodeList\",\"metadata\":{}}";
	*ret_status = 500;
	return "{}";
}

static void assert_names(const json_t *items, const char *api_version, const char *kind,
                         const char *names)
{
	_cleanup_strv_free_ char **l = strv_split(names, " ");
	const json_t *item;
	size_t i;

	assert_int_equal(json_array_size(items), strv_length(l));
	json_array_foreach(items, i, item) {
		assert_string_equal(json_string_value(json_object_get(item, "apiVersion")),
		                    api_version);
		assert_string_equal(json_string_value(json_object_get(item, "kind")), kind);
		assert_string_equal(json_string_value(json_object_get(
		                            json_object_get(item, "metadata"), "name")),
		                    l[i]);
	}
}

static void assert_uri(struct fake_apiserver *s, size_t i, const char *expected)
{
	_cleanup_free_ char *uri = fake_apiserver_uri(s, i);

	assert_string_equal(uri, expected);
}

static void test_kube_list__pages(void **state)
{
	struct list_state st = { 0 };
	struct fake_apiserver s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	_cleanup_(kube_resource_release) struct kube_resource res =
	        fake_resource("", "ConfigMap", "configmaps", true);
	json_auto_t *items = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	fake_apiserver_start(&s, on_list, &st);
	c = fake_apiserver_client(&s);

	if (kube_list(c, &res, "ns1", NULL, &items, &err) < 0)
		fail_msg("kube_list: %s", error_message(&err));
	assert_names(items, "v1", "ConfigMap", "a b c d e");
	assert_int_equal(fake_apiserver_requests(&s), 3);
	assert_uri(&s, 0, "/api/v1/namespaces/ns1/configmaps?limit=500");
	assert_uri(&s, 1, "/api/v1/namespaces/ns1/configmaps?limit=500&continue=tok%2B1%2F%3D");
	assert_uri(&s, 2, "/api/v1/namespaces/ns1/configmaps?limit=500&continue=t2");

	/* another page size */
	json_decref(items);
	items = NULL;
	kube_client_set_list_limit(c, 2);
	assert_int_equal(kube_list(c, &res, "ns1", NULL, &items, &err), 0);
	assert_names(items, "v1", "ConfigMap", "a b c d e");
	assert_uri(&s, 3, "/api/v1/namespaces/ns1/configmaps?limit=2");
	assert_uri(&s, 5, "/api/v1/namespaces/ns1/configmaps?limit=2&continue=t2");

	fake_apiserver_stop(&s);
}

static void test_kube_list__all_namespaces_and_cluster_scoped(void **state)
{
	struct list_state st = { 0 };
	struct fake_apiserver s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	_cleanup_(kube_resource_release) struct kube_resource deploy =
	        fake_resource("apps", "Deployment", "deployments", true);
	_cleanup_(kube_resource_release) struct kube_resource ns =
	        fake_resource("", "Namespace", "namespaces", false);
	_cleanup_(kube_resource_release) struct kube_resource node =
	        fake_resource("", "Node", "nodes", false);
	json_auto_t *items = NULL, *none = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	fake_apiserver_start(&s, on_list, &st);
	c = fake_apiserver_client(&s);

	assert_int_equal(kube_list(c, &deploy, NULL, NULL, &items, &err), 0);
	assert_names(items, "apps/v1", "Deployment", "a b c d e");
	assert_uri(&s, 0, "/apis/apps/v1/deployments?limit=500");

	/* a namespace is ignored for a cluster-scoped resource; an empty list is [] */
	assert_int_equal(kube_list(c, &ns, "ns1", NULL, &none, &err), 0);
	assert_true(json_is_array(none));
	assert_int_equal(json_array_size(none), 0);
	assert_uri(&s, 3, "/api/v1/namespaces?limit=500");

	/* an answer without items */
	assert_int_equal(kube_list(c, &node, NULL, NULL, &items, &err), -EPROTO);
	assert_string_equal(err.message, "GET '/api/v1/nodes?limit=500': the answer has no items");

	fake_apiserver_stop(&s);
}

static void test_kube_list__gone_restarts(void **state)
{
	struct list_state st = { .n_gone = 1 };
	struct fake_apiserver s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	_cleanup_(kube_resource_release) struct kube_resource res =
	        fake_resource("apps", "Deployment", "deployments", true);
	json_auto_t *items = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	fake_apiserver_start(&s, on_list, &st);
	c = fake_apiserver_client(&s);

	if (kube_list(c, &res, NULL, NULL, &items, &err) < 0)
		fail_msg("kube_list: %s", error_message(&err));
	/* the first page is not kept twice */
	assert_names(items, "apps/v1", "Deployment", "a b c d e");
	assert_int_equal(fake_apiserver_requests(&s), 5);
	assert_uri(&s, 1, "/apis/apps/v1/deployments?limit=500&continue=tok%2B1%2F%3D");
	assert_uri(&s, 2, "/apis/apps/v1/deployments?limit=500");
	assert_uri(&s, 3, "/apis/apps/v1/deployments?limit=500&continue=tok%2B1%2F%3D");

	/* a second 410 in one LIST is an error */
	st.n_gone = 2;
	json_decref(items);
	items = NULL;
	assert_int_equal(kube_list(c, &res, NULL, NULL, &items, &err), -EPROTO);
	assert_null(items);
	assert_string_equal(err.message,
	                    "GET '/apis/apps/v1/deployments?limit=500&continue=tok%2B1%2F%3D': "
	                    "HTTP 410 Expired: The provided continue parameter is too old to "
	                    "display a consistent list result.");

	fake_apiserver_stop(&s);
}

static void test_kube_list__label_selector_escaped(void **state)
{
	struct list_state st = { 0 };
	struct fake_apiserver s = { 0 };
	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
	_cleanup_(kube_resource_release) struct kube_resource res =
	        fake_resource("", "ConfigMap", "configmaps", true);
	json_auto_t *items = NULL;
	struct error err = ERROR_INIT;

	(void)state;
	fake_apiserver_start(&s, on_list, &st);
	c = fake_apiserver_client(&s);
	kube_client_set_list_limit(c, 2);

	assert_int_equal(
	        kube_list(c, &res, "ns1", "app=web,tier in (a,b),!x&y=1 #%\xc3\xbc", &items, &err),
	        0);
	assert_names(items, "v1", "ConfigMap", "a b c d e");
	assert_uri(&s, 0,
	           "/api/v1/namespaces/ns1/configmaps?limit=2&labelSelector="
	           "app%3Dweb%2Ctier%20in%20%28a%2Cb%29%2C%21x%26y%3D1%20%23%25%C3%BC");
	assert_uri(&s, 1,
	           "/api/v1/namespaces/ns1/configmaps?limit=2&labelSelector="
	           "app%3Dweb%2Ctier%20in%20%28a%2Cb%29%2C%21x%26y%3D1%20%23%25%C3%BC"
	           "&continue=tok%2B1%2F%3D");

	fake_apiserver_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kube_list__pages),
		cmocka_unit_test(test_kube_list__all_namespaces_and_cluster_scoped),
		cmocka_unit_test(test_kube_list__gone_restarts),
		cmocka_unit_test(test_kube_list__label_selector_escaped),
	};

	(void)setenv("no_proxy", "127.0.0.1,localhost", 1);
	(void)setenv("NO_PROXY", "127.0.0.1,localhost", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
