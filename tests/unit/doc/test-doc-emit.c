#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "doc/doc.h"

/* Parse data/NAME.yaml, print it, compare with what kustomize printed (data/NAME.out). */
static void check_golden(const char *name)
{
	_cleanup_free_ char *in_path = NULL, *out_path = NULL, *in = NULL, *expected = NULL;
	struct strbuf out = STRBUF_INIT;
	struct error e = ERROR_INIT;
	json_t *docs = NULL;
	size_t in_len, expected_len;

	assert_true(asprintf(&in_path, "tests/unit/doc/data/%s.yaml", name) > 0);
	assert_true(asprintf(&out_path, "tests/unit/doc/data/%s.out", name) > 0);
	assert_int_equal(read_file_full(in_path, 1 << 20, &in, &in_len, &e), 0);
	assert_int_equal(read_file_full(out_path, 1 << 20, &expected, &expected_len, &e), 0);
	if (doc_parse_yaml(in, in_len, in_path, NULL, &docs, &e) < 0)
		fail_msg("%s", e.message);
	assert_int_equal(json_array_size(docs), 1);
	if (doc_emit_yaml(json_array_get(docs, 0), &out, &e) < 0)
		fail_msg("%s", e.message);
	if (out.len != expected_len || memcmp(out.buf, expected, out.len) != 0) {
		size_t i = 0;

		while (i < out.len && i < expected_len && out.buf[i] == expected[i])
			i++;
		fail_msg("%s: output differs from kustomize's at byte %zu: ...%.60s", name, i,
		         out.buf + (i > 20 ? i - 20 : 0));
	}
	strbuf_release(&out);
	json_decref(docs);
}

static void test_doc_emit_yaml__scalars_like_kustomize(void **state)
{
	(void)state;
	check_golden("scalars");
}

static void test_doc_emit_yaml__quoting_and_folding_like_kustomize(void **state)
{
	(void)state;
	check_golden("random-strings");
}

static void test_doc_emit_yaml__nesting_and_key_order_like_kustomize(void **state)
{
	(void)state;
	check_golden("random-values");
}

/* json text -> yaml text */
static void check_emit(const char *json, const char *expected)
{
	json_error_t jerr;
	json_t *doc = json_loads(json, JSON_DECODE_ANY, &jerr);
	struct strbuf out = STRBUF_INIT;
	struct error e = ERROR_INIT;

	assert_non_null(doc);
	if (doc_emit_yaml(doc, &out, &e) < 0)
		fail_msg("%s", e.message);
	assert_string_equal(out.buf, expected);
	strbuf_release(&out);
	json_decref(doc);
}

static void test_doc_emit_yaml__cases(void **state)
{
	static const struct {
		const char *json, *yaml;
	} cases[] = {
		{ "{}", "{}\n" },
		{ "{\"a\":[]}", "a: []\n" },
		{ "{\"a\":{}}", "a: {}\n" },
		{ "{\"b\":1,\"a\":2}", "a: 2\nb: 1\n" },
		{ "{\"a\":[1,[2,3],{\"k\":\"v\",\"j\":null}]}",
		  "a:\n- 1\n- - 2\n  - 3\n- j: null\n  k: v\n" },
		{ "{\"x10\":1,\"x9\":2,\"x09\":3}", "x9: 2\nx09: 3\nx10: 1\n" },
		{ "{\"s\":\"true\",\"y\":\"y\",\"n\":\"1:20\",\"d\":\"2001-12-14\"}",
		  "d: \"2001-12-14\"\n\"n\": \"1:20\"\ns: \"true\"\n\"y\": \"y\"\n" },
		{ "{\"f\":1.0,\"g\":0.5,\"h\":1e21,\"i\":1e20,\"j\":1234567.5,\"k\":-0.0,\"l\":1e-7}",
		  "f: 1\ng: 0.5\nh: 1e+21\ni: 1e+20\nj: 1.2345675e+06\nk: 0\nl: 1e-07\n" },
		/* as kustomize prints them (encoding/json, then yaml.v2) */
		{ "{\"a\":123456.7,\"b\":0.00001,\"c\":0.0001,\"d\":1.7976931348623157e308,"
		  "\"e\":5e-324,\"f\":9223372036854775808.0,\"g\":1e19,\"h\":2e19,"
		  "\"i\":-1234567.25,\"j\":100000.5,\"k\":0.1,\"l\":3.0e-5}",
		  "a: 123456.7\nb: 1e-05\nc: 0.0001\nd: 1.7976931348623157e+308\ne: 5e-324\n"
		  "f: 9223372036854776000\ng: 10000000000000000000\nh: 2e+19\ni: -1.23456725e+06\n"
		  "j: 100000.5\nk: 0.1\nl: 3e-05\n" },
		{ "{\"m\":\"a\\nb\\n\"}", "m: |\n  a\n  b\n" },
		{ "{\"m\":\"a\\nb\"}", "m: |-\n  a\n  b\n" },
		{ "{\"m\":\" a\\nb\\n\\n\"}", "m: |2+\n   a\n  b\n\n" },
		{ "{\"t\":\"a\\tb\",\"q\":\"it's\",\"c\":\"a: b\",\"s\":\"x \"}",
		  "c: 'a: b'\nq: it's\ns: 'x '\nt: \"a\\tb\"\n" },
		{ "[\"a\",{\"b\":[]}]", "- a\n- b: []\n" },
		{ "\"plain\"", "plain\n" },
		/* yaml.v2 reads a raw NEL in JSON text as a folded line break */
		{ "{\"p\":\"a\\u0085b\",\"m\":\"x \\u0085\\u0085 y\"}",
		  "m: |-\n  x\n  y\np: a b\n" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_emit(cases[i].json, cases[i].yaml);
}

static void test_doc_emit_yaml__long_keys_are_complex(void **state)
{
	/* up to 128 bytes a key is simple ("key: value"), beyond it "? key" / ": value" */
	char key128[129], key129[130];
	_cleanup_free_ char *json = NULL, *expected = NULL;

	(void)state;
	memset(key128, 'i', 128);
	key128[128] = '\0';
	memset(key129, 'j', 129);
	key129[129] = '\0';
	assert_true(asprintf(&json, "{\"%s\":[\"a\"],\"%s\":1}", key128, key129) > 0);
	assert_true(asprintf(&expected, "%s:\n- a\n? %s\n: 1\n", key128, key129) > 0);
	check_emit(json, expected);
}

static void test_doc_emit_yaml__refuses_what_kustomize_cannot_print(void **state)
{
	static const char *const bad[] = {
		"{\"a\":\"del\\u007f\"}",
		"{\"a\":\"c1\\u0090\"}",
		"{\"a\\u0085b\":1}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *doc = json_loads(bad[i], 0, NULL);
		struct strbuf out = STRBUF_INIT;
		struct error e = ERROR_INIT;

		assert_non_null(doc);
		strbuf_addstr(&out, "kept");
		assert_int_equal(doc_emit_yaml(doc, &out, &e), -EDOM);
		assert_non_null(strstr(e.message, "kustomize cannot print"));
		/* nothing half written */
		assert_string_equal(out.buf, "kept");
		strbuf_release(&out);
		json_decref(doc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc_emit_yaml__scalars_like_kustomize),
		cmocka_unit_test(test_doc_emit_yaml__quoting_and_folding_like_kustomize),
		cmocka_unit_test(test_doc_emit_yaml__nesting_and_key_order_like_kustomize),
		cmocka_unit_test(test_doc_emit_yaml__cases),
		cmocka_unit_test(test_doc_emit_yaml__long_keys_are_complex),
		cmocka_unit_test(test_doc_emit_yaml__refuses_what_kustomize_cannot_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
