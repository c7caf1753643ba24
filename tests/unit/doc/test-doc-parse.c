#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "doc/doc.h"

/* Parse one document and return it as compact JSON text (caller frees). */
static char *parse_to_json(const char *yaml)
{
	struct error e = ERROR_INIT;
	json_t *docs = NULL;
	char *text;

	if (doc_parse_yaml(yaml, strlen(yaml), "test.yaml", NULL, &docs, &e) < 0)
		fail_msg("'%s': %s", yaml, e.message);
	text = json_dumps(docs, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER |
	                                JSON_REAL_PRECISION(17));
	json_decref(docs);
	return text;
}

struct parse_case {
	const char *yaml, *json;
};

static void check_cases(const struct parse_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *got = parse_to_json(cases[i].yaml);

		if (!streq(got, cases[i].json))
			fail_msg("'%s': expected %s, got %s", cases[i].yaml, cases[i].json, got);
		free(got);
	}
}

static void test_doc_parse_yaml__scalar_typing_like_yaml_v3(void **state)
{
	static const struct parse_case cases[] = {
		{ "v: 123", "[{\"v\":123}]" },
		{ "v: -7", "[{\"v\":-7}]" },
		{ "v: +5", "[{\"v\":5}]" },
		{ "v: -0", "[{\"v\":0}]" },
		{ "v: 0123", "[{\"v\":83}]" }, /* a leading zero is octal */
		{ "v: 08", "[{\"v\":8.0}]" },  /* not octal, so a float */
		{ "v: 0o17", "[{\"v\":15}]" },
		{ "v: 0x1F", "[{\"v\":31}]" },
		{ "v: 0b101", "[{\"v\":5}]" },
		{ "v: -0b11", "[{\"v\":-3}]" },
		{ "v: 1_000", "[{\"v\":1000}]" },
		{ "v: 9223372036854775807", "[{\"v\":9223372036854775807}]" },
		{ "v: .5", "[{\"v\":0.5}]" },
		{ "v: 1.", "[{\"v\":1.0}]" },
		{ "v: 1e3", "[{\"v\":1000.0}]" },
		{ "v: 1.10", "[{\"v\":1.1000000000000001}]" },
		{ "v: 1e400", "[{\"v\":\"1e400\"}]" }, /* out of range: a string */
		{ "v: 1.2.3", "[{\"v\":\"1.2.3\"}]" },
		{ "v: true", "[{\"v\":true}]" },
		{ "v: False", "[{\"v\":false}]" },
		{ "v: TRUE", "[{\"v\":true}]" },
		{ "v: yes", "[{\"v\":\"yes\"}]" }, /* yaml 1.2: only true/false */
		{ "v: on", "[{\"v\":\"on\"}]" },
		{ "v: y", "[{\"v\":\"y\"}]" },
		{ "v: ~", "[{\"v\":null}]" },
		{ "v:", "[{\"v\":null}]" },
		{ "v: NULL", "[{\"v\":null}]" },
		{ "v: nULL", "[{\"v\":\"nULL\"}]" },
		{ "v: 2001-12-14", "[{\"v\":\"2001-12-14T00:00:00Z\"}]" },
		{ "v: 2001-12-14t21:59:43.10-05:00", "[{\"v\":\"2001-12-14T21:59:43.1-05:00\"}]" },
		{ "v: 2001-12-14 21:59:43.10", "[{\"v\":\"2001-12-14T21:59:43.1Z\"}]" },
		{ "v: 2001-1-2T3:4:5+00:00", "[{\"v\":\"2001-01-02T03:04:05Z\"}]" },
		{ "v: 2000-02-29", "[{\"v\":\"2000-02-29T00:00:00Z\"}]" },
		{ "v: 2001-02-29", "[{\"v\":\"2001-02-29\"}]" },
		{ "v: 2001-13-01", "[{\"v\":\"2001-13-01\"}]" },
		{ "v: \"123\"", "[{\"v\":\"123\"}]" },
		{ "v: 'true'", "[{\"v\":\"true\"}]" },
		{ "v: |\n  a\n  b\n", "[{\"v\":\"a\\nb\\n\"}]" },
		{ "v: >-\n  a\n  b\n", "[{\"v\":\"a b\"}]" },
		{ "v: !!str 123", "[{\"v\":\"123\"}]" },
		{ "v: !!int \"5\"", "[{\"v\":5}]" },
		{ "v: !!float 1", "[{\"v\":1.0}]" },
		{ "v: !!binary aGVsbG8=", "[{\"v\":\"hello\"}]" },
		{ "v: !Ref other", "[{\"v\":\"other\"}]" },
		{ "1: a\n~: b\ntrue: c", "[{\"1\":\"a\",\"\":\"b\",\"true\":\"c\"}]" },
		{ "a: 1 # comment\n# more\nb: [x, {y: z}]",
		  "[{\"a\":1,\"b\":[\"x\",{\"y\":\"z\"}]}]" },
		{ "a: 1\n---\nb: 2\n---\n", "[{\"a\":1},{\"b\":2},null]" },
		{ "", "[]" },
	};

	(void)state;
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_doc_parse_yaml__anchors_are_copies(void **state)
{
	const char *yaml = "a: &x {k: [1, 2]}\nb: *x\n";
	struct error e = ERROR_INIT;
	json_t *docs = NULL, *doc, *a, *b;

	(void)state;
	assert_int_equal(doc_parse_yaml(yaml, strlen(yaml), "t", NULL, &docs, &e), 0);
	doc = json_array_get(docs, 0);
	a = json_object_get(doc, "a");
	b = json_object_get(doc, "b");
	assert_true(json_equal(a, b));
	assert_ptr_not_equal(a, b);
	/* editing one leaves the other alone */
	json_array_append_new(json_object_get(a, "k"), json_integer(3));
	assert_int_equal(json_array_size(json_object_get(b, "k")), 2);
	json_decref(docs);
}

static void test_doc_parse_yaml__merge_keys(void **state)
{
	static const struct parse_case cases[] = {
		{ "base: &b {a: 1, b: 2}\nd:\n  <<: *b\n  b: 3\n",
		  "[{\"base\":{\"a\":1,\"b\":2},\"d\":{\"b\":3,\"a\":1}}]" },
		/* explicit keys win even before the merge */
		{ "x: &x {a: 1}\nd: {a: 0, <<: *x}\n", "[{\"x\":{\"a\":1},\"d\":{\"a\":0}}]" },
		/* the first of several sources wins */
		{ "p: &p {a: 1}\nq: &q {a: 2, b: 2}\nd: {<<: [*p, *q]}\n",
		  "[{\"p\":{\"a\":1},\"q\":{\"a\":2,\"b\":2},\"d\":{\"a\":1,\"b\":2}}]" },
		/* a quoted "<<" is an ordinary key */
		{ "d: {\"<<\": 1}\n", "[{\"d\":{\"<<\":1}}]" },
	};

	(void)state;
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_doc_parse_yaml__errors_name_the_position(void **state)
{
	static const struct {
		const char *yaml, *message;
	} cases[] = {
		{ "a: 1\nb: [1, 2\nc: 3\n", "k.yaml:3:" },
		{ "a: 1\na: 2\n", "k.yaml:2:1: mapping key \"a\" already defined" },
		{ "a: *nope\n", "k.yaml:1:4: unknown anchor 'nope' referenced" },
		{ "a:\n\t- x\n", "k.yaml:2:" },
		{ "a: !!int abc\n", "k.yaml:1:4: cannot decode 'abc' as a !!int" },
		{ "a: .inf\n", "k.yaml:1:4: '.inf' is not a finite number" },
		{ "a: !!binary '***'\n", "invalid base64" },
		{ "{[1]: 2}\n", "mapping keys must be scalars" },
		{ "a: {<<: 5}\n", "map merge requires a map" },
		{ "a: \xff\n", "k.yaml:1:" }, /* invalid UTF-8 */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct error e = ERROR_INIT;
		json_t *docs = NULL;
		int r;

		r = doc_parse_yaml(cases[i].yaml, strlen(cases[i].yaml), "k.yaml", NULL, &docs, &e);
		if (r != -EBADMSG)
			fail_msg("'%s': expected -EBADMSG, got %d", cases[i].yaml, r);
		assert_null(docs);
		if (!strstr(e.message, cases[i].message))
			fail_msg("'%s': message '%s' lacks '%s'", cases[i].yaml, e.message,
			         cases[i].message);
		assert_string_equal(e.file, "k.yaml");
	}
}

static void test_doc_parse_yaml__alias_bomb_is_refused(void **state)
{
	struct strbuf yaml = STRBUF_INIT;
	struct error e = ERROR_INIT;
	json_t *docs = NULL;

	(void)state;
	strbuf_addstr(&yaml, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 10; i++)
		strbuf_addf(
		        &yaml,
		        "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
		        i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	assert_int_equal(doc_parse_yaml(yaml.buf, yaml.len, "bomb.yaml", NULL, &docs, &e),
	                 -EBADMSG);
	assert_non_null(strstr(e.message, "aliases expand to more than"));
	strbuf_release(&yaml);
}

static void test_doc_parse_yaml__deep_nesting_is_refused(void **state)
{
	struct strbuf yaml = STRBUF_INIT;
	struct error e = ERROR_INIT;
	json_t *docs = NULL;

	(void)state;
	strbuf_addchars(&yaml, '[', 10000);
	strbuf_addchars(&yaml, ']', 10000);
	assert_int_equal(doc_parse_yaml(yaml.buf, yaml.len, "deep.yaml", NULL, &docs, &e),
	                 -EBADMSG);
	assert_non_null(strstr(e.message, "nesting deeper than"));
	strbuf_release(&yaml);
}

static void test_doc_positions_get__lines_and_columns(void **state)
{
	const char *yaml = "a: 1\nspec:\n  list:\n  - name: x\n    port: \"80\"\n";
	struct doc_positions *p = doc_positions_new();
	const struct doc_position *pos;
	struct error e = ERROR_INIT;
	json_t *docs = NULL, *spec, *item;

	(void)state;
	assert_int_equal(doc_parse_yaml(yaml, strlen(yaml), "t", p, &docs, &e), 0);
	spec = json_object_get(json_array_get(docs, 0), "spec");
	item = json_array_get(json_object_get(spec, "list"), 0);
	pos = doc_positions_get(p, json_object_get(item, "port"));
	assert_non_null(pos);
	assert_int_equal(pos->line, 5);
	assert_int_equal(pos->column, 11);
	pos = doc_positions_get(p, json_object_get(spec, "list"));
	assert_non_null(pos);
	assert_int_equal(pos->line, 4);
	assert_int_equal(pos->column, 3);
	assert_null(doc_positions_get(p, json_null()));
	json_decref(docs);
	doc_positions_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc_parse_yaml__scalar_typing_like_yaml_v3),
		cmocka_unit_test(test_doc_parse_yaml__anchors_are_copies),
		cmocka_unit_test(test_doc_parse_yaml__merge_keys),
		cmocka_unit_test(test_doc_parse_yaml__errors_name_the_position),
		cmocka_unit_test(test_doc_parse_yaml__alias_bomb_is_refused),
		cmocka_unit_test(test_doc_parse_yaml__deep_nesting_is_refused),
		cmocka_unit_test(test_doc_positions_get__lines_and_columns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
