#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../json-test.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/macro.h"
#include "drift/drift.h"
#include "render/render.h"

struct compare_case {
	const char *name;
	const char *desired;
	const char *live;
	const char *want; /* the diffs, as JSON with ' for " */
	const char *const *ignore;
};

#define DEPLOY(spec)                                                                             \
	"{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'app','namespace':'ns'," \
	"'labels':{'app':'web'}},'spec':{'replicas':2,'template':{'spec':" spec "}}}"

#define DEPLOY_LIVE(spec)                                                                        \
	"{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'app','namespace':'ns'," \
	"'labels':{'app':'web'},'uid':'u-1','resourceVersion':'42','generation':3,"              \
	"'managedFields':[{'manager':'x'}]},'spec':{'replicas':2,'progressDeadlineSeconds':600," \
	"'template':{'spec':" spec "}},'status':{'replicas':2}}"

static const char *const ignore_replicas[] = { "/spec/replicas", NULL };
static const char *const ignore_web_image[] = { "/spec/template/spec/containers/[name=web]/image",
	                                        NULL };

/* clang-format off */
static const struct compare_case cases[] = {
	{ "identical", DEPLOY("{'containers':[{'name':'web','image':'nginx:1'}]}"),
	  DEPLOY("{'containers':[{'name':'web','image':'nginx:1'}]}"), "[]", NULL },
	{ "defaulted fields in live",
	  DEPLOY("{'containers':[{'name':'web','image':'nginx:1','ports':[{'containerPort':80}]}]}"),
	  DEPLOY_LIVE(
	  "{'restartPolicy':'Always','dnsPolicy':'ClusterFirst','containers':[{'name':'web',"
	  "'image':'nginx:1','imagePullPolicy':'IfNotPresent','terminationMessagePath':"
	  "'/dev/termination-log','terminationMessagePolicy':'File','resources':{},"
	  "'ports':[{'containerPort':80,'protocol':'TCP'}]}]}"),
	  "[]", NULL },
	{ "changed image, container by name",
	  DEPLOY("{'containers':[{'name':'side','image':'s:1'},{'name':'web','image':'nginx:2'}]}"),
	  DEPLOY("{'containers':[{'name':'side','image':'s:1'},{'name':'web','image':'nginx:1'}]}"),
	  "[{'path':'/spec/template/spec/containers/[name=web]/image','desired':'nginx:2','live':'nginx:1'}]",
	  NULL },
	{ "container order",
	  DEPLOY("{'containers':[{'name':'a','image':'a:1'},{'name':'b','image':'b:1'}]}"),
	  DEPLOY("{'containers':[{'name':'b','image':'b:1'},{'name':'a','image':'a:1'}]}"),
	  "[]", NULL },
	{ "extra sidecar in live",
	  DEPLOY("{'containers':[{'name':'web','image':'nginx:1'}]}"),
	  DEPLOY("{'containers':[{'name':'istio-proxy','image':'p:1'},{'name':'web','image':'nginx:1'}]}"),
	  "[]", NULL },
	{ "missing container",
	  DEPLOY("{'containers':[{'name':'web','image':'nginx:1'},{'name':'log','image':'l:1'}]}"),
	  DEPLOY("{'containers':[{'name':'web','image':'nginx:1'}]}"),
	  "[{'path':'/spec/template/spec/containers/[name=log]','desired':{'name':'log','image':'l:1'},'live':null}]",
	  NULL },
	{ "missing env var",
	  DEPLOY("{'containers':[{'name':'web','env':[{'name':'A','value':'1'},{'name':'B','value':'2'}]}]}"),
	  DEPLOY("{'containers':[{'name':'web','env':[{'name':'A','value':'1'}]}]}"),
	  "[{'path':'/spec/template/spec/containers/[name=web]/env/[name=B]','desired':{'name':'B','value':'2'},'live':null}]",
	  NULL },
	{ "env var order and changed value",
	  DEPLOY("{'containers':[{'name':'web','env':[{'name':'A','value':'1'},{'name':'B','value':'2'}]}]}"),
	  DEPLOY("{'containers':[{'name':'web','env':[{'name':'B','value':'3'},{'name':'A','value':'1'}]}]}"),
	  "[{'path':'/spec/template/spec/containers/[name=web]/env/[name=B]/value','desired':'2','live':'3'}]",
	  NULL },
	{ "ports by containerPort, protocol defaulted",
	  DEPLOY("{'containers':[{'name':'web','ports':[{'containerPort':53,'protocol':'UDP','name':'dns'},{'containerPort':80,'name':'http'}]}]}"),
	  DEPLOY("{'containers':[{'name':'web','ports':[{'containerPort':80,'protocol':'TCP','name':'http'},{'containerPort':53,'protocol':'UDP','name':'dns'}]}]}"),
	  "[]", NULL },
	{ "port with another protocol is missing",
	  DEPLOY("{'containers':[{'name':'web','ports':[{'containerPort':53,'name':'dns'}]}]}"),
	  DEPLOY("{'containers':[{'name':'web','ports':[{'containerPort':53,'protocol':'UDP','name':'dns'}]}]}"),
	  "[{'path':'/spec/template/spec/containers/[name=web]/ports/[containerPort=53,protocol=TCP]','desired':{'containerPort':53,'name':'dns'},'live':null}]",
	  NULL },
	{ "port field changed",
	  DEPLOY("{'containers':[{'name':'web','ports':[{'containerPort':80,'name':'web'}]}]}"),
	  DEPLOY("{'containers':[{'name':'web','ports':[{'containerPort':80,'protocol':'TCP','name':'http'}]}]}"),
	  "[{'path':'/spec/template/spec/containers/[name=web]/ports/[containerPort=80,protocol=TCP]/name','desired':'web','live':'http'}]",
	  NULL },
	{ "quantities equal by value",
	  DEPLOY("{'containers':[{'name':'web','resources':{'limits':{'cpu':'500m','memory':'1Gi'},'requests':{'cpu':2,'memory':'1e3','ephemeral-storage':0.5}}}]}"),
	  DEPLOY("{'containers':[{'name':'web','resources':{'limits':{'cpu':'0.5','memory':'1073741824'},'requests':{'cpu':'2','memory':'1k','ephemeral-storage':'500m'}}}]}"),
	  "[]", NULL },
	{ "quantity changed",
	  DEPLOY("{'containers':[{'name':'web','resources':{'limits':{'cpu':'600m'}}}]}"),
	  DEPLOY("{'containers':[{'name':'web','resources':{'limits':{'cpu':'0.5'}}}]}"),
	  "[{'path':'/spec/template/spec/containers/[name=web]/resources/limits/cpu','desired':'600m','live':'0.5'}]",
	  NULL },
	{ "numeric string is not a number outside quantities",
	  DEPLOY("{'containers':[{'name':'web','image':'1'}],'terminationGracePeriodSeconds':30}"),
	  DEPLOY("{'containers':[{'name':'web','image':1}],'terminationGracePeriodSeconds':30.0}"),
	  "[{'path':'/spec/template/spec/containers/[name=web]/image','desired':'1','live':1}]",
	  NULL },
	{ "atomic list order",
	  DEPLOY("{'containers':[{'name':'web','args':['--a','--b']}]}"),
	  DEPLOY("{'containers':[{'name':'web','args':['--b','--a']}]}"),
	  "[{'path':'/spec/template/spec/containers/[name=web]/args','desired':['--a','--b'],'live':['--b','--a']}]",
	  NULL },
	{ "atomic list length",
	  DEPLOY("{'containers':[{'name':'web','args':['--a']}]}"),
	  DEPLOY("{'containers':[{'name':'web','args':['--a','--b']}]}"),
	  "[{'path':'/spec/template/spec/containers/[name=web]/args','desired':['--a'],'live':['--a','--b']}]",
	  NULL },
	{ "labels added in live",
	  "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','labels':{'a':'1'}},'data':{'k':'v'}}",
	  "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','labels':{'a':'1','b':'2'},'annotations':{'x':'y'}},'data':{'k':'v','other':'w'}}",
	  "[]", NULL },
	{ "label changed, escaped key",
	  "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','labels':{'app.kubernetes.io/name':'a','t~x':'1'}}}",
	  "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','labels':{'app.kubernetes.io/name':'b','t~x':'1'}}}",
	  "[{'path':'/metadata/labels/app.kubernetes.io~1name','desired':'a','live':'b'}]",
	  NULL },
	{ "replicas differ",
	  DEPLOY("{'containers':[{'name':'web','image':'nginx:1'}]}"),
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'app','namespace':'ns','labels':{'app':'web'}},'spec':{'replicas':5,'template':{'spec':{'containers':[{'name':'web','image':'nginx:1'}]}}}}",
	  "[{'path':'/spec/replicas','desired':2,'live':5}]", NULL },
	{ "replicas ignored by rule",
	  DEPLOY("{'containers':[{'name':'web','image':'nginx:1'}]}"),
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'app','namespace':'ns','labels':{'app':'web'}},'spec':{'replicas':5,'template':{'spec':{'containers':[{'name':'web','image':'nginx:1'}]}}}}",
	  "[]", ignore_replicas },
	{ "rule on a list item",
	  DEPLOY("{'containers':[{'name':'web','image':'nginx:2'},{'name':'b','image':'b:2'}]}"),
	  DEPLOY("{'containers':[{'name':'web','image':'nginx:1'},{'name':'b','image':'b:1'}]}"),
	  "[{'path':'/spec/template/spec/containers/[name=b]/image','desired':'b:2','live':'b:1'}]",
	  ignore_web_image },
	{ "status and server metadata never compared", "{'apiVersion':'v1','kind':'Service','metadata':{'name':'s','uid':'a','resourceVersion':'1','generation':1,'creationTimestamp':'x','selfLink':'/x','managedFields':[]},'status':{'loadBalancer':{}}}", "{'apiVersion':'v1','kind':'Service','metadata':{'name':'s','uid':'b','resourceVersion':'2','generation':2,'creationTimestamp':'y','selfLink':'/y','managedFields':[{'manager':'m'}]},'status':{'loadBalancer':{'ingress':[{'ip':'1.2.3.4'}]}}}",
	  "[]", NULL },
	{ "service ports by port and protocol",
	  "{'apiVersion':'v1','kind':'Service','metadata':{'name':'s'},'spec':{'ports':[{'port':80,'targetPort':8080}]}}",
	  "{'apiVersion':'v1','kind':'Service','metadata':{'name':'s'},'spec':{'clusterIP':'10.0.0.1','ports':[{'port':443,'protocol':'TCP','targetPort':8443},{'port':80,'protocol':'TCP','targetPort':'8080'}]}}",
	  "[{'path':'/spec/ports/[port=80,protocol=TCP]/targetPort','desired':8080,'live':'8080'}]",
	  NULL },
	{ "finalizers subset",
	  "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','finalizers':['example.com/b']}}",
	  "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','finalizers':['example.com/a','example.com/b']}}",
	  "[]", NULL },
	{ "finalizer missing",
	  "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','finalizers':['example.com/b','x']}}",
	  "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','finalizers':['x']}}",
	  "[{'path':'/metadata/finalizers/[example.com~1b]','desired':'example.com/b','live':null}]",
	  NULL },
	{ "resource quota hard",
	  "{'apiVersion':'v1','kind':'ResourceQuota','metadata':{'name':'q'},'spec':{'hard':{'requests.memory':'2Gi','pods':10,'requests.storage':'1T'}}}",
	  "{'apiVersion':'v1','kind':'ResourceQuota','metadata':{'name':'q'},'spec':{'hard':{'requests.memory':'2048Mi','pods':'10','requests.storage':'1000G'}},'status':{'used':{'pods':'3'}}}",
	  "[]", NULL },
	{ "pvc storage",
	  "{'apiVersion':'v1','kind':'PersistentVolumeClaim','metadata':{'name':'p'},'spec':{'resources':{'requests':{'storage':'10Gi'}}}}",
	  "{'apiVersion':'v1','kind':'PersistentVolumeClaim','metadata':{'name':'p'},'spec':{'resources':{'requests':{'storage':'11Gi'}}}}",
	  "[{'path':'/spec/resources/requests/storage','desired':'10Gi','live':'11Gi'}]",
	  NULL },
	{ "custom resource: maps by key",
	  "{'apiVersion':'example.com/v1','kind':'Widget','metadata':{'name':'w'},'spec':{'size':{'a':1,'b':{'c':'d'}},'items':[{'name':'x','v':1},{'name':'y'}]}}",
	  "{'apiVersion':'example.com/v1','kind':'Widget','metadata':{'name':'w'},'spec':{'extra':true,'size':{'a':1.0,'b':{'c':'d','e':'f'}},'items':[{'name':'x','v':1,'defaulted':0},{'name':'y'}]}}",
	  "[]", NULL },
	{ "custom resource: lists atomic",
	  "{'apiVersion':'example.com/v1','kind':'Widget','metadata':{'name':'w'},'spec':{'size':{'b':{'c':'d'}},'items':[{'name':'x'},{'name':'y'}]}}",
	  "{'apiVersion':'example.com/v1','kind':'Widget','metadata':{'name':'w'},'spec':{'size':{'b':{'c':'e'}},'items':[{'name':'y'},{'name':'x'}]}}",
	  "[{'path':'/spec/size/b/c','desired':'d','live':'e'},"
	  "{'path':'/spec/items','desired':[{'name':'x'},{'name':'y'}],'live':[{'name':'y'},{'name':'x'}]}]",
	  NULL },
	{ "type mismatch and absent map",
	  "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','annotations':{'a':'b'}},'data':{'k':'v'}}",
	  "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'},'data':'v'}",
	  "[{'path':'/metadata/annotations','desired':{'a':'b'},'live':null},{'path':'/data','desired':{'k':'v'},'live':'v'}]",
	  NULL },
	{ "desired null",
	  "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','annotations':null,'labels':null}}",
	  "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','labels':{'a':'b'}}}",
	  "[{'path':'/metadata/labels','desired':null,'live':{'a':'b'}}]", NULL },
};
/* clang-format on */

static void test_drift_compare__cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const struct compare_case *tc = &cases[i];
		json_t *desired = json_test_load(tc->desired), *live = json_test_load(tc->live),
		       *want = json_test_load(tc->want);
		struct drift_compare_options opts = { .ignore_paths = tc->ignore };
		struct error err = { 0 };
		json_t *diffs = NULL;
		int r;

		r = drift_compare(desired, live, &opts, &diffs, &err);
		if (r < 0)
			fail_msg("%s: drift_compare failed: %d %s", tc->name, r, err.message);
		if (!json_equal(diffs, want)) {
			_cleanup_free_ char *got = json_dumps(diffs, JSON_COMPACT);

			print_error("%s: got %s\n", tc->name, got);
			fail_msg("%s: unexpected diffs", tc->name);
		}
		json_decref(diffs);
		json_decref(desired);
		json_decref(live);
		json_decref(want);
	}
}

static void test_drift_compare__not_objects(void **state)
{
	json_t *obj = json_test_load("{'kind':'ConfigMap'}"), *arr = json_test_load("[]");
	struct error err = { 0 };
	json_t *diffs = NULL;

	(void)state;
	assert_int_equal(drift_compare(arr, obj, NULL, &diffs, &err), -EINVAL);
	assert_int_equal(drift_compare(obj, arr, NULL, &diffs, NULL), -EINVAL);
	assert_null(diffs);
	assert_int_equal(drift_compare(obj, obj, NULL, &diffs, &err), 0);
	assert_int_equal(json_array_size(diffs), 0);
	json_decref(diffs);
	json_decref(obj);
	json_decref(arr);
}

static void test_drift_compare__too_deep(void **state)
{
	json_t *desired = json_object(), *live = json_object(), *d = desired, *l = live;
	struct error err = { 0 };
	json_t *diffs = NULL;

	(void)state;
	for (int i = 0; i < 200; i++) {
		json_t *dn = json_object(), *ln = json_object();

		json_object_set_new(d, "a", dn);
		json_object_set_new(l, "a", ln);
		d = dn;
		l = ln;
	}
	assert_int_equal(drift_compare(desired, live, NULL, &diffs, &err), -EBADMSG);
	assert_null(diffs);
	json_decref(desired);
	json_decref(live);
}

struct quantity_case {
	const char *a, *b;
	int r;   /* expected return */
	int cmp; /* when r == 0 */
};

static const struct quantity_case quantity_cases[] = {
	{ "500m", "0.5", 0, 0 },
	{ "0.5", "500m", 0, 0 },
	{ "1Gi", "1073741824", 0, 0 },
	{ "1e3", "1k", 0, 0 },
	{ "1E3", "1000", 0, 0 },
	{ "1E", "1e18", 0, 0 },
	{ "2", "2.000", 0, 0 },
	{ "600m", "0.5", 0, 1 },
	{ "0.5Ki", "512", 0, 0 },
	{ "1Mi", "1024Ki", 0, 0 },
	{ "1Ei", "1152921504606846976", 0, 0 },
	{ "1n", "0.000000001", 0, 0 },
	{ "1u", "1000n", 0, 0 },
	{ "-1", "1", 0, -1 },
	{ "+1.", "1", 0, 0 },
	{ ".5", "500m", 0, 0 },
	{ "1e-3", "1m", 0, 0 },
	{ "1e+3", "1k", 0, 0 },
	{ "100M", "0.1G", 0, 0 },
	{ "1Ti", "1T", 0, 1 },
	{ "1P", "1Pi", 0, -1 },
	{ "0", "-0", 0, 0 },
	{ "1K", "1", -EBADMSG, 0 },
	{ "", "1", -EBADMSG, 0 },
	{ ".", "1", -EBADMSG, 0 },
	{ "1 ", "1", -EBADMSG, 0 },
	{ "abc", "1", -EBADMSG, 0 },
	{ "1e", "1", -EBADMSG, 0 },
	{ "1ee3", "1", -EBADMSG, 0 },
	{ "1Gib", "1", -EBADMSG, 0 },
	{ "1", "1.5.5", -EBADMSG, 0 },
	{ "0.1n", "0", -ERANGE, 0 },
	{ "1e-10", "0", -ERANGE, 0 },
	{ "1e30", "1", -ERANGE, 0 },
	{ "999999999999999999999999999999999999999999", "1", -ERANGE, 0 },
	{ "1e99999", "1", -ERANGE, 0 },
	{ "1e21", "1000E", 0, 0 },
};

static void test_drift_quantity_compare__cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(quantity_cases); i++) {
		const struct quantity_case *tc = &quantity_cases[i];
		int cmp = 42, r;

		r = drift_quantity_compare(tc->a, tc->b, &cmp);
		if (r != tc->r)
			fail_msg("'%s' vs '%s': returned %d, want %d", tc->a, tc->b, r, tc->r);
		if (r == 0 && (cmp > 0) - (cmp < 0) != tc->cmp)
			fail_msg("'%s' vs '%s': cmp %d, want %d", tc->a, tc->b, cmp, tc->cmp);
	}
}

static void test_render_schema__lookups(void **state)
{
	const char *const *keys = NULL;
	size_t n = 99;
	int deploy, containers, ports, finalizers, args;

	(void)state;
	assert_int_equal(render_schema_type("example.com/v1", "Widget"), -1);
	deploy = render_schema_type("apps/v1", "Deployment");
	assert_true(deploy >= 0);
	containers = render_schema_field(
	        render_schema_field(
	                render_schema_field(render_schema_field(deploy, "spec"), "template"),
	                "spec"),
	        "containers");
	assert_true(render_schema_merge_keys(containers, &keys, &n));
	assert_int_equal(n, 1);
	assert_string_equal(keys[0], "name");
	ports = render_schema_field(render_schema_items(containers), "ports");
	assert_true(render_schema_merge_keys(ports, &keys, &n));
	assert_int_equal(n, 2);
	assert_string_equal(keys[0], "containerPort");
	assert_string_equal(keys[1], "protocol");
	args = render_schema_field(render_schema_items(containers), "args");
	assert_true(args >= 0);
	assert_false(render_schema_merge_keys(args, &keys, &n));
	finalizers = render_schema_field(render_schema_field(deploy, "metadata"), "finalizers");
	assert_true(render_schema_merge_keys(finalizers, &keys, &n));
	assert_int_equal(n, 0);
	assert_int_equal(render_schema_items(render_schema_field(deploy, "metadata")), -1);
	assert_int_equal(render_schema_field(-1, "spec"), -1);
	assert_int_equal(render_schema_items(-1), -1);
	assert_false(render_schema_merge_keys(-1, &keys, &n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drift_compare__cases),
		cmocka_unit_test(test_drift_compare__not_objects),
		cmocka_unit_test(test_drift_compare__too_deep),
		cmocka_unit_test(test_drift_quantity_compare__cases),
		cmocka_unit_test(test_render_schema__lookups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
