#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/strv.h"
#include "core/tree.h"
#include "render/render.h"

/* Render dir of the tree; returns the code, and the YAML or the error text in *ret_text. */
static int render(const char *const *files, const char *dir, char **ret_text)
{
	struct tree *tree = tree_mem_new();
	struct error e = ERROR_INIT;
	struct strbuf out = STRBUF_INIT;
	json_t *objects = NULL;
	int r;

	for (size_t i = 0; files[i]; i += 2)
		tree_mem_add_file(tree, files[i], files[i + 1], strlen(files[i + 1]));
	r = render_kustomization(tree, dir, &objects, &e);
	if (r >= 0)
		r = render_print(objects, &out, &e);
	if (r < 0)
		strbuf_addstr(&out, e.message);
	json_decref(objects);
	tree_free(tree);
	*ret_text = strbuf_detach(&out, NULL);
	return r;
}

static void test_render_kustomization__generator_hash_like_kustomize(void **state)
{
	/* the suffixes kustomize v5.5 gives these generated objects */
	static const char *const files[] = {
		"kustomization.yaml",
		"configMapGenerator:\n- name: a\n  literals:\n  - K=V\n"
		"secretGenerator:\n- name: s\n  literals:\n  - password=hunter2\n",
		NULL,
	};
	_cleanup_free_ char *out = NULL;

	(void)state;
	assert_int_equal(render(files, "", &out), 0);
	assert_non_null(strstr(out, "name: a-882hgddftf\n"));
	assert_non_null(strstr(out, "password: aHVudGVyMg==\n"));
	assert_non_null(strstr(out, "type: Opaque\n"));
}

static void test_render_kustomization__overlay_prefix_and_references(void **state)
{
	static const char *const files[] = {
		"base/kustomization.yaml",
		"resources:\n- cm.yaml\n- pod.yaml\n",
		"base/cm.yaml",
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n",
		"base/pod.yaml",
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n"
		"    image: c\n    envFrom:\n    - configMapRef:\n        name: cfg\n",
		"overlay/kustomization.yaml",
		"namePrefix: prod-\nnamespace: prod\nresources:\n- ../base\n",
		NULL,
	};
	_cleanup_free_ char *out = NULL;

	(void)state;
	assert_int_equal(render(files, "overlay", &out), 0);
	assert_string_equal(out, "apiVersion: v1\n"
	                         "kind: ConfigMap\n"
	                         "metadata:\n"
	                         "  name: prod-cfg\n"
	                         "  namespace: prod\n"
	                         "---\n"
	                         "apiVersion: v1\n"
	                         "kind: Pod\n"
	                         "metadata:\n"
	                         "  name: prod-p\n"
	                         "  namespace: prod\n"
	                         "spec:\n"
	                         "  containers:\n"
	                         "  - envFrom:\n"
	                         "    - configMapRef:\n"
	                         "        name: prod-cfg\n"
	                         "    image: c\n"
	                         "    name: c\n");
}

static void test_render_kustomization__errors_name_file_line_and_field(void **state)
{
	static const struct {
		const char *const files[8];
		const char *dir;
		int code;
		const char *message;
	} cases[] = {
		{ { "kustomization.yaml", "resources:\n- a.yaml\nnamePrefx: x-\n", NULL },
		  "",
		  -EINVAL,
		  "kustomization.yaml:3:12: namePrefx: unknown field \"namePrefx\"" },
		{ { "kustomization.yaml", "namePrefix:\n  a: b\n", NULL },
		  "",
		  -EINVAL,
		  "kustomization.yaml:2:3: namePrefix: expected a string, found object" },
		{ { "kustomization.yaml", "resources:\n- missing.yaml\n", NULL },
		  "",
		  -ENOENT,
		  "kustomization.yaml:2:3: resources[0]: 'missing.yaml': no such file or directory" },
		{ { "kustomization.yaml", "resources:\n- https://example.com/x.yaml\n", NULL },
		  "",
		  -EINVAL,
		  "remote resource 'https://example.com/x.yaml' is not supported" },
		{ { "a/kustomization.yaml", "resources:\n- ../b\n", "b/kustomization.yaml",
		    "resources:\n- ../a\n", NULL },
		  "a",
		  -EINVAL,
		  "cycle detected" },
		{ { "app/kustomization.yaml", "resources:\n- ../s.yaml\n", "s.yaml",
		    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n", NULL },
		  "app",
		  -EINVAL,
		  "security; file '../s.yaml' is not in or below 'app'" },
		{ { "kustomization.yaml", "resources:\n- a.yaml\n", "a.yaml",
		    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata: [1, 2\n", NULL },
		  "",
		  -EBADMSG,
		  "a.yaml:6:" },
		{ { "kustomization.yaml", "# empty\n", NULL }, "", -EINVAL, "is empty" },
		{ { "readme", "x", NULL },
		  "",
		  -ENOENT,
		  "unable to find one of 'kustomization.yaml'" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *out = NULL;
		int r = render(cases[i].files, cases[i].dir, &out);

		if (r != cases[i].code || !strstr(out, cases[i].message))
			fail_msg("case %zu: expected %d '%s', got %d '%s'", i, cases[i].code,
			         cases[i].message, r, out);
	}
}

static void test_render_kustomization__smp_patch_without_target_must_match(void **state)
{
	static const char *const files[] = {
		"kustomization.yaml",
		"resources:\n- d.yaml\npatches:\n- patch: |-\n    apiVersion: apps/v1\n"
		"    kind: Deployment\n    metadata:\n      name: other\n",
		"d.yaml",
		"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
		NULL,
	};
	_cleanup_free_ char *out = NULL;

	(void)state;
	assert_int_equal(render(files, "", &out), -EINVAL);
	assert_non_null(strstr(out, "no matches for Id Deployment.v1.apps/other"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_kustomization__generator_hash_like_kustomize),
		cmocka_unit_test(test_render_kustomization__overlay_prefix_and_references),
		cmocka_unit_test(test_render_kustomization__errors_name_file_line_and_field),
		cmocka_unit_test(test_render_kustomization__smp_patch_without_target_must_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
