#include <malloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/smalloc.h"

/* Every size, small and large: aligned, writable to the last byte, freed. */
static void test_core_smalloc__sizes(void **state)
{
	void *blocks[600];

	(void)state;
	for (size_t n = 0; n < 600; n++) {
		blocks[n] = smalloc(n);
		assert_non_null(blocks[n]);
		assert_int_equal((uintptr_t)blocks[n] % 8, 0);
		memset(blocks[n], (int)(n & 0xff), n);
	}
	for (size_t n = 0; n < 600; n++) {
		for (size_t i = 0; i < n; i++)
			assert_int_equal(((unsigned char *)blocks[n])[i], n & 0xff);
		sfree(blocks[n]);
	}
	sfree(NULL);
}

/* A freed block is the next one of its class on the same thread. */
static void test_core_smalloc__reuse(void **state)
{
	void *a, *b;

	(void)state;
	a = smalloc(40);
	sfree(a);
	b = smalloc(33); /* same 48-byte class */
	assert_ptr_equal(a, b);
	sfree(b);
}

#define ROUND_BLOCKS 20000

struct round {
	void *blocks[ROUND_BLOCKS];
};

static void *allocate_round(void *userdata)
{
	struct round *r = userdata;

	for (size_t i = 0; i < ROUND_BLOCKS; i++)
		r->blocks[i] = smalloc(16 + i % 200);
	return NULL;
}

static size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}

static void round_trip(struct round *r)
{
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, allocate_round, r), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	for (size_t i = 0; i < ROUND_BLOCKS; i++)
		sfree(r->blocks[i]);
}

/*
 * One thread allocates, another frees, over and over, and the allocating threads come and
 * go (a render's workers make objects the main thread frees): once the first rounds have
 * filled the lists, the memory in use stops growing.
 */
static void test_core_smalloc__cross_thread_bounded(void **state)
{
	static struct round r;
	size_t settled;

	(void)state;
	for (int round = 0; round < 10; round++)
		round_trip(&r);
	settled = heap_in_use();
	for (int round = 0; round < 40; round++)
		round_trip(&r);
	assert_true(heap_in_use() <= settled + 2 * 64 * 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_smalloc__sizes),
		cmocka_unit_test(test_core_smalloc__reuse),
		cmocka_unit_test(test_core_smalloc__cross_thread_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
