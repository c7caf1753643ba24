#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/macro.h"
#include "core/strbuf.h"
#include "doc/doc.h"
#include "render/render.h"

/*
 * The expectations are what kustomize (KUSTOMIZE_VERSION of scripts/versions.env) made of
 * each case in tests/unit/render/data/smp/: NAME.target.yaml patched with the documents of
 * NAME.patch.yaml in order gave NAME.expected.yaml (empty: the object was deleted), or
 * failed with NAME.error. gen-expected.py there regenerates them; each patch file says in
 * a comment what its case shows.
 */

#define DATA       "tests/unit/render/data/smp/"
#define FILE_MAX   (1u << 20)
#define TARGET_EXT ".target.yaml"

static const char *const cases[] = {
	"configmap-data",
	"crd",
	"crd-deployment-kind",
	"crd-embedded-object",
	"cronjob",
	"deploy-containers",
	"deploy-env",
	"deploy-env-quoted",
	"deploy-finalizers",
	"deploy-list-directives",
	"deploy-lists-replaced",
	"deploy-maps",
	"deploy-new-lists",
	"deploy-no-key",
	"deploy-normalized",
	"deploy-pod-lists",
	"deploy-ports",
	"deploy-unhonoured",
	"deploy-volumes",
	"directive-new-map",
	"driftless-canary",
	"driftless-pg",
	"driftless-rds",
	"error-directive",
	"error-kind-mismatch",
	"multi-patch",
	"nulls",
	"rbac-ingress",
	"service-ports",
	"statefulset",
	"top-delete",
	"top-merge",
	"top-replace",
};

/* The documents of DATA/NAME.EXT; NULL when the file does not exist. */
static json_t *load_docs(const char *name, const char *ext)
{
	_cleanup_free_ char *path = xasprintf(DATA "%s%s", name, ext);
	_cleanup_free_ char *data = NULL;
	struct error e = ERROR_INIT;
	json_t *docs = NULL;
	size_t len;
	int r;

	r = read_file_full(path, FILE_MAX, &data, &len, &e);
	if (r == -ENOENT)
		return NULL;
	if (r < 0)
		fail_msg("%s: %s", path, e.message);
	if (doc_parse_yaml(data, len, path, NULL, &docs, &e) < 0)
		fail_msg("%s: %s", path, e.message);
	return docs;
}

static json_t *load_one(const char *name, const char *ext)
{
	json_auto_t *docs = load_docs(name, ext);

	if (!docs || json_array_size(docs) != 1)
		fail_msg("%s%s: expected one document", name, ext);
	return json_incref(json_array_get(docs, 0));
}

static char *dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static void assert_json_equal(const char *name, const json_t *got, const json_t *want)
{
	if (!json_equal(got, want)) {
		_cleanup_free_ char *g = dump(got), *w = dump(want);

		fail_msg("%s:\n got  %s\n want %s", name, g, w);
	}
}

static void run_case(void **state)
{
	const char *name = *state;
	json_auto_t *target = load_one(name, TARGET_EXT);
	json_auto_t *patches = load_docs(name, ".patch.yaml");
	json_auto_t *expected = load_docs(name, ".expected.yaml");
	_cleanup_free_ char *error_path = xasprintf(DATA "%s.error", name);
	bool fails = access(error_path, F_OK) == 0;
	struct error e = ERROR_INIT;
	size_t i, n;
	json_t *patch;
	int r = 0;

	assert_non_null(patches);
	n = json_array_size(patches);
	if (!fails && !expected)
		fail_msg("%s: neither %s.expected.yaml nor %s.error", name, name, name);

	json_array_foreach(patches, i, patch) {
		json_auto_t *before = json_deep_copy(target);

		r = render_strategic_merge(&target, patch, &e);
		if (r != 0) {
			/* the object as it was: a failed or deleting patch changes nothing */
			assert_json_equal(name, target, before);
			break;
		}
	}
	if (fails) {
		if (r != -EINVAL)
			fail_msg("%s: expected -EINVAL, got %d", name, r);
		assert_true(error_is_set(&e));
		assert_int_equal(i, n - 1);
		return;
	}
	if (r < 0)
		fail_msg("%s: %s", name, e.message);
	if (json_array_size(expected) == 0) {
		if (r != 1)
			fail_msg("%s: expected the object to be deleted, got %d", name, r);
		assert_int_equal(i, n - 1);
		return;
	}
	assert_int_equal(r, 0);
	assert_int_equal(json_array_size(expected), 1);
	assert_json_equal(name, target, json_array_get(expected, 0));
}

static void closedirp(DIR **d)
{
	if (*d)
		(void)closedir(*d);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_render_strategic_merge__every_case_is_listed(void **state)
{
	_cleanup_(closedirp) DIR *dir = opendir(DATA);
	struct dirent *de;

	(void)state;
	for (size_t i = 1; i < ELEMENTSOF(cases); i++)
		if (strcmp(cases[i - 1], cases[i]) >= 0)
			fail_msg("cases[] is not sorted at '%s'", cases[i]);
	assert_non_null(dir);
	while ((de = readdir(dir))) {
		size_t len = strlen(de->d_name);
		_cleanup_free_ char *name = NULL;
		const char *key;

		if (len <= strlen(TARGET_EXT) ||
		    !streq(de->d_name + len - strlen(TARGET_EXT), TARGET_EXT))
			continue;
		name = xstrndup(de->d_name, len - strlen(TARGET_EXT));
		key = name;
		if (!bsearch(&key, cases, ELEMENTSOF(cases), sizeof(cases[0]), compare_names))
			fail_msg("%s" TARGET_EXT " is not in cases[]", name);
	}
}

static void test_render_strategic_merge__leaves_the_patch_alone(void **state)
{
	json_auto_t *target = load_one("deploy-list-directives", TARGET_EXT);
	json_auto_t *patch = load_one("deploy-list-directives", ".patch.yaml");
	json_auto_t *copy = json_deep_copy(patch);
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(render_strategic_merge(&target, patch, &e), 0);
	assert_json_equal("patch", patch, copy);
}

static void test_render_strategic_merge__result_shares_nothing(void **state)
{
	json_auto_t *target = load_one("deploy-new-lists", TARGET_EXT);
	json_auto_t *patch = load_one("deploy-new-lists", ".patch.yaml");
	json_auto_t *old = json_incref(target);
	json_auto_t *old_copy = json_deep_copy(target);
	json_auto_t *result = NULL;
	struct error e = ERROR_INIT;
	json_t *spec;

	(void)state;
	assert_int_equal(render_strategic_merge(&target, patch, &e), 0);
	/* the caller's other reference to the old object still sees it unchanged */
	assert_ptr_not_equal(target, old);
	assert_json_equal("old", old, old_copy);

	/* editing the patch afterwards does not reach the result */
	result = json_deep_copy(target);
	spec = json_object_get(json_object_get(json_object_get(patch, "spec"), "template"), "spec");
	assert_non_null(spec);
	json_array_clear(json_object_get(spec, "volumes"));
	json_object_clear(json_array_get(json_object_get(spec, "containers"), 0));
	assert_json_equal("result", target, result);
}

static void test_render_strategic_merge__failure_names_the_field(void **state)
{
	json_auto_t *target = load_one("error-kind-mismatch", TARGET_EXT);
	json_auto_t *patch = load_one("error-kind-mismatch", ".patch.yaml");
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(render_strategic_merge(&target, patch, &e), -EINVAL);
	assert_non_null(strstr(e.message, "spec.template.spec"));

	json_decref(target);
	json_decref(patch);
	target = load_one("error-directive", TARGET_EXT);
	patch = load_one("error-directive", ".patch.yaml");
	error_clear(&e);
	assert_int_equal(render_strategic_merge(&target, patch, &e), -EINVAL);
	assert_non_null(strstr(e.message, "spec.strategy"));
	assert_non_null(strstr(e.message, "'remove'"));
}

static void test_render_strategic_merge__refuses_what_is_not_a_mapping(void **state)
{
	json_auto_t *target = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind",
	                                "ConfigMap", "metadata", "name", "cm");
	json_auto_t *list = json_pack("[{s:s}]", "kind", "ConfigMap");
	json_auto_t *scalar = json_string("x");
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(render_strategic_merge(&target, list, &e), -EINVAL);
	assert_int_equal(render_strategic_merge(&scalar, target, NULL), -EINVAL);
}

static void test_render_strategic_merge__deep_nesting_is_refused(void **state)
{
	json_auto_t *target = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "example.com/v1",
	                                "kind", "Deep", "metadata", "name", "d");
	json_auto_t *patch = json_deep_copy(target);
	json_t *t = target, *p = patch;
	struct error e = ERROR_INIT;

	(void)state;
	for (int i = 0; i < 2000; i++) {
		json_t *tn = json_object(), *pn = json_object();

		json_object_set_new(t, "x", tn);
		json_object_set_new(p, "x", pn);
		t = tn;
		p = pn;
	}
	json_object_set_new(p, "leaf", json_true());
	assert_int_equal(render_strategic_merge(&target, patch, &e), -EINVAL);
	assert_non_null(strstr(e.message, "deeper"));
}

int main(void)
{
	struct CMUnitTest tests[ELEMENTSOF(cases) + 6] = {
		cmocka_unit_test(test_render_strategic_merge__every_case_is_listed),
		cmocka_unit_test(test_render_strategic_merge__leaves_the_patch_alone),
		cmocka_unit_test(test_render_strategic_merge__result_shares_nothing),
		cmocka_unit_test(test_render_strategic_merge__failure_names_the_field),
		cmocka_unit_test(test_render_strategic_merge__refuses_what_is_not_a_mapping),
		cmocka_unit_test(test_render_strategic_merge__deep_nesting_is_refused),
	};
	char *names[ELEMENTSOF(cases)];
	int r;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		names[i] = xasprintf("test_render_strategic_merge__%s", cases[i]);
		tests[6 + i] = (struct CMUnitTest){
			.name = names[i],
			.test_func = run_case,
			.initial_state = (void *)cases[i],
		};
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		free(names[i]);
	return r;
}
