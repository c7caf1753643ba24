#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/strbuf.h"

static void test_core_strbuf_init__empty_is_terminated(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_non_null(sb.buf);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	strbuf_release(&sb);
	assert_string_equal(sb.buf, "");
}

static void test_core_strbuf_add__grows_and_keeps_nul(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct strbuf expect = STRBUF_INIT;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		strbuf_addstr(&sb, "abc");
		strbuf_add(&expect, "abc", 3);
	}
	assert_int_equal(sb.len, 3000);
	assert_true(sb.alloc > sb.len);
	assert_int_equal(sb.buf[sb.len], '\0');
	assert_memory_equal(sb.buf, expect.buf, 3000);
	strbuf_release(&sb);
	strbuf_release(&expect);
}

static void test_core_strbuf_add__binary_data(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_add(&sb, "a\0b", 3);
	assert_int_equal(sb.len, 3);
	assert_memory_equal(sb.buf, "a\0b", 3);
	assert_int_equal(sb.buf[3], '\0');
	strbuf_release(&sb);
}

static void test_core_strbuf_addf__long_output(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char big[5000];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	strbuf_addf(&sb, "[%s]=%d", big, 42);
	assert_int_equal(sb.len, 4999 + 5);
	assert_int_equal(sb.buf[0], '[');
	assert_string_equal(sb.buf + 5000, "]=42");
	strbuf_addf(&sb, "%s", "");
	assert_int_equal(sb.len, 4999 + 5);
	strbuf_release(&sb);
}

static void test_core_strbuf_detach__caller_owns(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = 99;
	char *s;

	(void)state;
	s = strbuf_detach(&sb, &len);
	assert_int_equal(len, 0);
	assert_string_equal(s, "");
	free(s);

	strbuf_addstr(&sb, "hello");
	s = strbuf_detach(&sb, &len);
	assert_int_equal(len, 5);
	assert_string_equal(s, "hello");
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	free(s);
}

static void test_core_strbuf_trim__both_ends(void **state)
{
	static const struct {
		const char *in, *rtrim, *ltrim, *trim;
	} cases[] = {
		{ "", "", "", "" },
		{ "   ", "", "", "" },
		{ " a b ", " a b", "a b ", "a b" },
		{ "\t\nx\r\n", "\t\nx", "x\r\n", "x" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, cases[i].in);
		strbuf_rtrim(&sb);
		assert_string_equal(sb.buf, cases[i].rtrim);
		strbuf_reset(&sb);
		strbuf_addstr(&sb, cases[i].in);
		strbuf_ltrim(&sb);
		assert_string_equal(sb.buf, cases[i].ltrim);
		strbuf_reset(&sb);
		strbuf_addstr(&sb, cases[i].in);
		strbuf_trim(&sb);
		assert_string_equal(sb.buf, cases[i].trim);
		assert_int_equal(sb.len, strlen(cases[i].trim));
		strbuf_release(&sb);
	}
}

static void test_core_strbuf_add_quoted__logfmt_values(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "plain" },
		{ "", "\"\"" },
		{ "two words", "\"two words\"" },
		{ "a=b", "\"a=b\"" },
		{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
		{ "back\\slash", "\"back\\\\slash\"" },
		{ "line\nbreak\ttab", "\"line\\nbreak\\ttab\"" },
		{ "bell\a", "\"bell\\x07\"" },
		{ "ünïcode", "ünïcode" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_add_quoted(&sb, cases[i].in);
		assert_string_equal(sb.buf, cases[i].out);
		strbuf_release(&sb);
	}
}

static void test_core_strbuf_addchars__repeats(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_addch(&sb, '>');
	strbuf_addchars(&sb, '-', 4);
	strbuf_addchars(&sb, '!', 0);
	assert_string_equal(sb.buf, ">----");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_strbuf_init__empty_is_terminated),
		cmocka_unit_test(test_core_strbuf_add__grows_and_keeps_nul),
		cmocka_unit_test(test_core_strbuf_add__binary_data),
		cmocka_unit_test(test_core_strbuf_addf__long_output),
		cmocka_unit_test(test_core_strbuf_detach__caller_owns),
		cmocka_unit_test(test_core_strbuf_trim__both_ends),
		cmocka_unit_test(test_core_strbuf_add_quoted__logfmt_values),
		cmocka_unit_test(test_core_strbuf_addchars__repeats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
