#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/time.h"

static void test_core_now_usec__monotonic_moves_forward(void **state)
{
	uint64_t a, b;

	(void)state;
	a = now_usec(CLOCK_MONOTONIC);
	b = now_usec(CLOCK_MONOTONIC);
	assert_true(a > 0);
	assert_true(b >= a);
	/* the wall clock is well past 2020 */
	assert_true(now_usec(CLOCK_REALTIME) > 1577836800ULL * USEC_PER_SEC);
}

static void test_core_backoff_cap_usec__doubles_then_caps(void **state)
{
	struct backoff b;
	static const uint64_t expect_ms[] = { 100, 200, 400, 800, 1600, 3200, 5000, 5000 };

	(void)state;
	backoff_init(&b, 100 * USEC_PER_MSEC, 5 * USEC_PER_SEC, BACKOFF_JITTER_FULL);
	for (unsigned i = 0; i < sizeof(expect_ms) / sizeof(expect_ms[0]); i++)
		assert_true(backoff_cap_usec(&b, i) == expect_ms[i] * USEC_PER_MSEC);
	/* no overflow, however many attempts */
	assert_true(backoff_cap_usec(&b, 1000) == 5 * USEC_PER_SEC);
	backoff_init(&b, UINT64_MAX / 3, UINT64_MAX - 1, BACKOFF_JITTER_FULL);
	assert_true(backoff_cap_usec(&b, 1) == UINT64_MAX / 3 * 2);
	assert_true(backoff_cap_usec(&b, 2) == UINT64_MAX - 1);
}

static void test_core_backoff_delay_usec__jitter_bounds(void **state)
{
	static const uint64_t draws[] = { 0, 1, UINT64_MAX / 2, UINT64_MAX - 1, UINT64_MAX };
	struct backoff full, equal;

	(void)state;
	backoff_init(&full, USEC_PER_SEC, 60 * USEC_PER_SEC, BACKOFF_JITTER_FULL);
	backoff_init(&equal, USEC_PER_SEC, 60 * USEC_PER_SEC, BACKOFF_JITTER_EQUAL);
	for (unsigned attempt = 0; attempt < 10; attempt++) {
		uint64_t cap = backoff_cap_usec(&full, attempt);

		for (size_t i = 0; i < sizeof(draws) / sizeof(draws[0]); i++) {
			uint64_t f = backoff_delay_usec(&full, attempt, draws[i]);
			uint64_t e = backoff_delay_usec(&equal, attempt, draws[i]);

			assert_true(f <= cap);
			assert_true(e >= cap / 2 && e <= cap);
		}
		/* the extremes of the draw reach the extremes of the range */
		assert_true(backoff_delay_usec(&full, attempt, 0) == 0);
		assert_true(backoff_delay_usec(&full, attempt, UINT64_MAX) == cap);
		assert_true(backoff_delay_usec(&equal, attempt, 0) == cap - cap / 2);
		assert_true(backoff_delay_usec(&full, attempt, UINT64_MAX / 2) == cap / 2);
	}
}

static void test_core_backoff_next_usec__advances_and_resets(void **state)
{
	struct backoff b;
	uint64_t sum = 0;

	(void)state;
	backoff_init(&b, 10 * USEC_PER_MSEC, USEC_PER_SEC, BACKOFF_JITTER_EQUAL);
	for (unsigned i = 0; i < 20; i++) {
		uint64_t cap = backoff_cap_usec(&b, i);
		uint64_t d = backoff_next_usec(&b);

		assert_true(d >= cap - cap / 2 && d <= cap);
		sum += d;
	}
	assert_int_equal(b.attempt, 20);
	/* after 7 doublings every delay is at least half the cap */
	assert_true(sum >= 13 * USEC_PER_SEC / 2);
	backoff_reset(&b);
	assert_int_equal(b.attempt, 0);
	assert_true(backoff_next_usec(&b) <= 10 * USEC_PER_MSEC);
}

static void test_core_backoff_next_usec__spreads_clients(void **state)
{
	/* Full jitter over many draws: not all equal, and both halves of the range are hit. */
	struct backoff b;
	unsigned low = 0, high = 0;

	(void)state;
	backoff_init(&b, USEC_PER_SEC, USEC_PER_SEC, BACKOFF_JITTER_FULL);
	for (unsigned i = 0; i < 1000; i++) {
		uint64_t d = backoff_next_usec(&b);

		if (d < USEC_PER_SEC / 2)
			low++;
		else
			high++;
	}
	assert_true(low > 300 && high > 300);
}

static void test_core_timestamps__both_ways(void **state)
{
	static const struct {
		const char *text;
		uint64_t usec;
	} ok[] = {
		{ "2026-11-22T12:00:00Z", 1795348800000000ULL },
		{ "2026-11-22T12:00:00.25Z", 1795348800250000ULL },
		{ "2026-11-22T13:30:00+01:30", 1795348800000000ULL },
		{ "2026-11-22T10:00:00-02:00", 1795348800000000ULL },
	};
	static const char *const bad[] = { "", "2026-11-22", "2026-11-22T12:00:00",
		                           "2026-11-22T12:00:00+0100", "2026-11-22T12:00:00Zjunk",
		                           "2026-11-22T12:00:00." };
	char buf[FORMAT_TIMESTAMP_MAX];
	uint64_t usec;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(parse_timestamp(ok[i].text, &usec), 0);
		assert_int_equal(usec, ok[i].usec);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_timestamp(bad[i], &usec), -EINVAL);
	assert_string_equal(format_timestamp(buf, sizeof(buf), 1795348800250000ULL),
	                    "2026-11-22T12:00:00Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_now_usec__monotonic_moves_forward),
		cmocka_unit_test(test_core_timestamps__both_ways),
		cmocka_unit_test(test_core_backoff_cap_usec__doubles_then_caps),
		cmocka_unit_test(test_core_backoff_delay_usec__jitter_bounds),
		cmocka_unit_test(test_core_backoff_next_usec__advances_and_resets),
		cmocka_unit_test(test_core_backoff_next_usec__spreads_clients),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
