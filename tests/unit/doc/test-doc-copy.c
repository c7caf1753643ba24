#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "doc/doc.h"

static json_t *parse_one(const char *yaml)
{
	struct error e = ERROR_INIT;
	json_t *docs = NULL, *doc;

	assert_int_equal(doc_parse_yaml(yaml, strlen(yaml), "test.yaml", NULL, &docs, &e), 0);
	doc = json_incref(json_array_get(docs, 0));
	json_decref(docs);
	return doc;
}

static char *print(const json_t *doc)
{
	struct strbuf sb = STRBUF_INIT;
	struct error e = ERROR_INIT;

	assert_int_equal(doc_emit_yaml(doc, &sb, &e), 0);
	return strbuf_detach(&sb, NULL);
}

/* Every kind of node, keys in an order that is not sorted. */
static void test_doc_copy__equal_and_same_order(void **state)
{
	json_auto_t *doc = parse_one("zeta: 1\n"
	                             "alpha: [1.5, true, false, null, \"s\", {b: 2, a: 1}]\n"
	                             "mid: {nested: {deep: [x, y]}}\n"
	                             "big: 9223372036854775807\n");
	json_auto_t *copy = NULL;
	const char *k1, *k2;
	void *i1, *i2;

	(void)state;
	copy = doc_copy(doc);
	assert_true(json_equal(doc, copy));
	/* the same key order, so the same text wherever order matters */
	for (i1 = json_object_iter(doc), i2 = json_object_iter(copy); i1 && i2;
	     i1 = json_object_iter_next(doc, i1), i2 = json_object_iter_next(copy, i2)) {
		k1 = json_object_iter_key(i1);
		k2 = json_object_iter_key(i2);
		assert_int_equal(json_object_iter_key_len(i1), json_object_iter_key_len(i2));
		assert_memory_equal(k1, k2, json_object_iter_key_len(i1));
	}
	assert_null(i1);
	assert_null(i2);
	{
		char *a = print(doc), *b = print(copy);

		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	assert_null(doc_copy(NULL));
}

static void test_doc_copy__shares_nothing(void **state)
{
	json_auto_t *doc = parse_one("spec: {containers: [{name: a, args: [x]}], n: 1}\n");
	json_auto_t *copy = doc_copy(doc);
	json_auto_t *before = doc_copy(doc);
	json_t *containers;

	(void)state;
	assert_ptr_not_equal(json_object_get(doc, "spec"), json_object_get(copy, "spec"));
	/* edits to the copy, at every depth, do not show in the original */
	containers = json_object_get(json_object_get(copy, "spec"), "containers");
	json_array_append_new(json_object_get(json_array_get(containers, 0), "args"),
	                      json_string("y"));
	json_object_set_new(json_array_get(containers, 0), "name", json_string("b"));
	json_integer_set(json_object_get(json_object_get(copy, "spec"), "n"), 2);
	assert_true(json_equal(doc, before));
	assert_false(json_equal(doc, copy));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc_copy__equal_and_same_order),
		cmocka_unit_test(test_doc_copy__shares_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
