#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"

static void test_core_xstrjoin__concatenates(void **state)
{
	_cleanup_free_ char *empty = xstrjoin("", NULL);
	_cleanup_free_ char *one = xstrjoin("a", NULL);
	_cleanup_free_ char *many = xstrjoin("apps", "\x1f", "", "v1", "/", "web", NULL);

	(void)state;
	assert_string_equal(empty, "");
	assert_string_equal(one, "a");
	assert_string_equal(many, "apps\x1fv1/web");
}

static void test_core_xasprintf__formats(void **state)
{
	_cleanup_free_ char *s = xasprintf("%s[%zu]", "resources", (size_t)3);

	(void)state;
	assert_string_equal(s, "resources[3]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_xstrjoin__concatenates),
		cmocka_unit_test(test_core_xasprintf__formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
