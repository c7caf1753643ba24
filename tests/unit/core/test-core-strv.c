#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/strv.h"

static void test_core_strv_split__drops_empty_fields(void **state)
{
	_cleanup_strv_free_ char **l = strv_split(",a,,b c,", ", ");
	_cleanup_free_ char *joined = NULL;

	(void)state;
	assert_int_equal(strv_length(l), 3);
	assert_string_equal(l[0], "a");
	assert_string_equal(l[1], "b");
	assert_string_equal(l[2], "c");
	assert_true(strv_contains(l, "b"));
	assert_false(strv_contains(l, "d"));
	assert_true(strv_equal(l, (char *const[]){ (char *)"a", (char *)"b", (char *)"c", NULL }));
	assert_false(strv_equal(l, (char *const[]){ (char *)"a", (char *)"b", NULL }));
	assert_false(strv_equal(l, (char *const[]){ (char *)"a", (char *)"b", (char *)"d", NULL }));
	assert_true(strv_equal(NULL, (char *const[]){ NULL }));
	{
		_cleanup_strv_free_ char **more = NULL;

		strv_extend(&more, l);
		strv_extend(&more, NULL);
		assert_true(strv_equal(more, l));
	}
	joined = strv_join(l, "+");
	assert_string_equal(joined, "a+b+c");
}

static void test_core_strv_push__from_null(void **state)
{
	_cleanup_strv_free_ char **l = NULL;
	_cleanup_free_ char *joined = NULL;

	(void)state;
	assert_int_equal(strv_length(l), 0);
	strv_push(&l, "x");
	strv_consume(&l, strdup("y"));
	assert_int_equal(strv_length(l), 2);
	assert_null(l[2]);
	joined = strv_join(l, "");
	assert_string_equal(joined, "xy");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_strv_split__drops_empty_fields),
		cmocka_unit_test(test_core_strv_push__from_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
