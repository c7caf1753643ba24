#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

	if (range >= PARALLEL_MAX_THREADS) /* checked by the caller: no cmocka in threads */
		return error_set(reterr, -ERANGE, "range %zu", range);
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
	for (size_t ranges = 1; ranges <= PARALLEL_MAX_THREADS; ranges++) {
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

/* parallel_run(): each thread number once; the caller is thread 0. */
struct seen_threads {
	unsigned count[PARALLEL_MAX_THREADS];
	unsigned nested_threads;                     /* what a nested parallel_run() used */
	unsigned nested_calls[PARALLEL_MAX_THREADS]; /* its calls, by thread number */
	bool in_job[PARALLEL_MAX_THREADS];
};

static void nested(void *userdata, size_t thread)
{
	unsigned *calls = userdata;

	if (calls && thread < PARALLEL_MAX_THREADS)
		calls[thread]++;
}

static void note_thread(void *userdata, size_t thread)
{
	struct seen_threads *s = userdata;

	/* runs in worker threads: record, the test thread asserts */
	if (thread >= PARALLEL_MAX_THREADS)
		return;
	__atomic_add_fetch(&s->count[thread], 1, __ATOMIC_RELAXED);
	s->in_job[thread] = parallel_in_job();
	/* from inside a job, parallel work is serial: no deadlock, one thread */
	if (thread == 0)
		s->nested_threads =
		        (unsigned)parallel_run(PARALLEL_MAX_THREADS, nested, &s->nested_calls);
}

static void test_core_parallel_run__threads_and_nesting(void **state)
{
	(void)state;
	for (int round = 0; round < 50; round++) {
		struct seen_threads s = { 0 };
		size_t used = parallel_run(PARALLEL_MAX_THREADS, note_thread, &s);

		assert_true(used >= 1 && used <= PARALLEL_MAX_THREADS);
		assert_true(used <= cpu_count());
		/* every thread number once, however many threads there were */
		for (size_t t = 0; t < PARALLEL_MAX_THREADS; t++) {
			assert_int_equal(s.count[t], 1);
			assert_true(s.in_job[t]);
			assert_int_equal(s.nested_calls[t], 1);
		}
		assert_int_equal(s.nested_threads, 1);
		assert_false(parallel_in_job());
	}
	assert_int_equal(parallel_run(1, nested, NULL), 1);
	assert_int_equal(parallel_run(0, nested, NULL), 0);
}

/* Jobs asked for by several threads at once run one after the other, each complete. */
static void *caller(void *userdata)
{
	for (int round = 0; round < 100; round++) {
		struct visit v = { .fail_at = { SIZE_MAX, SIZE_MAX } };
		struct error e = ERROR_INIT;

		if (parallel_ranges(1000, 4, visit_range, &v, &e) < 0)
			return (void *)1;
		for (size_t i = 0; i < 1000; i++)
			if (v.seen[i] != 1)
				return (void *)1;
	}
	return userdata;
}

static void test_core_parallel_run__concurrent_callers(void **state)
{
	pthread_t threads[3];

	(void)state;
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, caller, NULL), 0);
	for (size_t i = 0; i < 3; i++) {
		void *r;

		assert_int_equal(pthread_join(threads[i], &r), 0);
		assert_null(r);
	}
}

/* A child of fork() has no workers: it still gets all the work done, serially. */
static void test_core_parallel_run__after_fork(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	parallel_warm_up();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct seen_threads s = { 0 };
		size_t used = parallel_run(PARALLEL_MAX_THREADS, note_thread, &s);

		for (size_t t = 0; t < PARALLEL_MAX_THREADS; t++)
			if (s.count[t] != 1)
				_exit(1);
		_exit(used == 1 ? 0 : 2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* After parallel_shutdown(), the same calls still do all the work, on this thread. */
static void test_core_parallel_shutdown__then_serial(void **state)
{
	struct seen_threads s = { 0 };

	(void)state;
	parallel_shutdown();
	parallel_shutdown(); /* twice is fine */
	assert_int_equal(parallel_run(PARALLEL_MAX_THREADS, note_thread, &s), 1);
	for (size_t t = 0; t < PARALLEL_MAX_THREADS; t++)
		assert_int_equal(s.count[t], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_parallel_ranges__every_index_once),
		cmocka_unit_test(test_core_parallel_ranges__first_error_wins),
		cmocka_unit_test(test_core_parallel_ranges__nothing_to_do),
		cmocka_unit_test(test_core_parallel_run__threads_and_nesting),
		cmocka_unit_test(test_core_parallel_run__concurrent_callers),
		cmocka_unit_test(test_core_parallel_run__after_fork),
		/* last: it stops the workers */
		cmocka_unit_test(test_core_parallel_shutdown__then_serial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
