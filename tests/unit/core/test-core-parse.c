#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/parse.h"
#include "core/time.h"

static void test_core_parse_u64__accepts_and_rejects(void **state)
{
	static const struct {
		const char *in;
		int r;
		uint64_t value;
	} cases[] = {
		{ "0", 0, 0 },
		{ "42", 0, 42 },
		{ "007", 0, 7 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "99999999999999999999999", -ERANGE, 0 },
		{ "", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "0x10", -EINVAL, 0 },
		{ "12abc", -EINVAL, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;

		assert_int_equal(parse_u64(cases[i].in, &v), cases[i].r);
		if (cases[i].r == 0)
			assert_true(v == cases[i].value);
		else
			assert_true(v == 12345); /* untouched on failure */
	}
}

static void test_core_parse_u32__range(void **state)
{
	uint32_t v = 0;

	(void)state;
	assert_int_equal(parse_u32("4294967295", &v), 0);
	assert_true(v == UINT32_MAX);
	assert_int_equal(parse_u32("4294967296", &v), -ERANGE);
}

static void test_core_parse_i64__sign_and_limits(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_int_equal(parse_i64("-9223372036854775808", &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(parse_i64("9223372036854775807", &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(parse_i64("9223372036854775808", &v), -ERANGE);
	assert_int_equal(parse_i64("-9223372036854775809", &v), -ERANGE);
	assert_int_equal(parse_i64("-", &v), -EINVAL);
	assert_int_equal(parse_i64("--1", &v), -EINVAL);
	assert_int_equal(parse_i64("-12", &v), 0);
	assert_true(v == -12);
}

static void test_core_parse_duration_usec__units(void **state)
{
	static const struct {
		const char *in;
		int r;
		uint64_t usec;
	} cases[] = {
		{ "0", 0, 0 },
		{ "1us", 0, 1 },
		{ "250ms", 0, 250 * USEC_PER_MSEC },
		{ "30s", 0, 30 * USEC_PER_SEC },
		{ "1m", 0, USEC_PER_MINUTE },
		{ "5min", 0, 5 * USEC_PER_MINUTE },
		{ "1m30s", 0, 90 * USEC_PER_SEC },
		{ "2h", 0, 2 * USEC_PER_HOUR },
		{ "1d2h", 0, USEC_PER_DAY + 2 * USEC_PER_HOUR },
		{ "1.5s", 0, 1500 * USEC_PER_MSEC },
		{ "0.001ms", 0, 1 },
		{ "1h0.25m", 0, USEC_PER_HOUR + 15 * USEC_PER_SEC },
		{ "infinity", 0, USEC_INFINITY },
		{ "60", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "1x", -EINVAL, 0 },
		{ "1 s", -EINVAL, 0 },
		{ "s", -EINVAL, 0 },
		{ "1.s", -EINVAL, 0 },
		{ "-1s", -EINVAL, 0 },
		{ "1sec", -EINVAL, 0 },
		{ "1m30", -EINVAL, 0 },
		{ "213503982335d", -ERANGE, 0 },
		{ "18446744073709551615us", -ERANGE, 0 }, /* that value means infinity */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 7;
		int r = parse_duration_usec(cases[i].in, &v);

		if (r != cases[i].r)
			fail_msg("'%s': expected %d, got %d", cases[i].in, cases[i].r, r);
		if (r == 0 && v != cases[i].usec)
			fail_msg("'%s': expected %llu, got %llu", cases[i].in,
			         (unsigned long long)cases[i].usec, (unsigned long long)v);
		if (r < 0)
			assert_true(v == 7);
	}
}

static void test_core_format_timespan__round_trips(void **state)
{
	static const uint64_t values[] = {
		0,
		1,
		999,
		USEC_PER_MSEC,
		250 * USEC_PER_MSEC,
		90 * USEC_PER_SEC,
		USEC_PER_HOUR + 1,
		3 * USEC_PER_DAY + 4 * USEC_PER_MINUTE,
		USEC_INFINITY,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char buf[FORMAT_TIMESPAN_MAX];
		uint64_t back = 0;

		format_timespan(buf, sizeof(buf), values[i]);
		assert_int_equal(parse_duration_usec(buf, &back), 0);
		assert_true(back == values[i]);
	}
}

static void test_core_format_timespan__readable(void **state)
{
	char buf[FORMAT_TIMESPAN_MAX];

	(void)state;
	assert_string_equal(format_timespan(buf, sizeof(buf), 90 * USEC_PER_SEC), "1m30s");
	assert_string_equal(format_timespan(buf, sizeof(buf), 1500 * USEC_PER_MSEC), "1s500ms");
	assert_string_equal(format_timespan(buf, sizeof(buf), 0), "0");
	/* a small buffer is cut, never overrun */
	assert_string_equal(format_timespan(buf, 4, 90 * USEC_PER_SEC), "1m3");
}

static void test_core_parse_bool__spellings(void **state)
{
	bool b = false;

	(void)state;
	assert_int_equal(parse_bool("Yes", &b), 0);
	assert_true(b);
	assert_int_equal(parse_bool("off", &b), 0);
	assert_false(b);
	assert_int_equal(parse_bool("TRUE", &b), 0);
	assert_true(b);
	assert_int_equal(parse_bool("2", &b), -EINVAL);
	assert_int_equal(parse_bool("", &b), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_parse_u64__accepts_and_rejects),
		cmocka_unit_test(test_core_parse_u32__range),
		cmocka_unit_test(test_core_parse_i64__sign_and_limits),
		cmocka_unit_test(test_core_parse_duration_usec__units),
		cmocka_unit_test(test_core_format_timespan__round_trips),
		cmocka_unit_test(test_core_format_timespan__readable),
		cmocka_unit_test(test_core_parse_bool__spellings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
