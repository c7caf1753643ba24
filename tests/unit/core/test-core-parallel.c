#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/parallel.h"

struct visit {
	unsigned char seen[1000];
	size_t fail_at[2]; /* indices that fail; SIZE_MAX: none */
};

static int visit_range(void *userdata, size_t range, size_t first, size_t end, struct error *reterr)
{
	struct visit *v = userdata;

	assert_true(range < PARALLEL_MAX_RANGES);
	for (size_t i = first; i < end; i++) {
		v->seen[i]++; /* each index belongs to one range: no two threads write it */
		if (i == v->fail_at[0] || i == v->fail_at[1])
			return error_set(reterr, -EINVAL, "failed at %zu", i);
	}
	return 0;
}

static void test_core_parallel_ranges__every_index_once(void **state)
{
	static const size_t counts[] = { 0, 1, 2, 8, 64 };

	(void)state;
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		struct visit v = { .fail_at = { SIZE_MAX, SIZE_MAX } };
		struct error e = ERROR_INIT;

		assert_int_equal(parallel_ranges(1000, counts[c], visit_range, &v, &e), 0);
		for (size_t i = 0; i < 1000; i++)
			assert_int_equal(v.seen[i], 1);
	}
}

/* Serial or split, the failure reported is the earliest in index order. */
static void test_core_parallel_ranges__first_error_wins(void **state)
{
	(void)state;
	for (size_t ranges = 1; ranges <= PARALLEL_MAX_RANGES; ranges++) {
		struct visit v = { .fail_at = { 990, 10 } };
		struct error e = ERROR_INIT;

		assert_int_equal(parallel_ranges(1000, ranges, visit_range, &v, &e), -EINVAL);
		assert_string_equal(e.message, "failed at 10");
	}
}

static void test_core_parallel_ranges__nothing_to_do(void **state)
{
	struct visit v = { .fail_at = { 0, 0 } };
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(parallel_ranges(0, 4, visit_range, &v, &e), 0);
	assert_true(cpu_count() >= 1);
	assert_int_equal(cpu_count(), cpu_count());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_parallel_ranges__every_index_once),
		cmocka_unit_test(test_core_parallel_ranges__first_error_wins),
		cmocka_unit_test(test_core_parallel_ranges__nothing_to_do),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
