/* slab_alloc()/slab_free(): blocks usable, memory given back when freed, across threads. */

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/slab.h"

#define N 200000

static void test_slab__blocks_are_usable_and_aligned(void **state)
{
	static const size_t sizes[] = { 0, 1, 7, 8, 9, 24, 100, 247, 248, 249, 4096, 1 << 20 };
	void *p[sizeof(sizes) / sizeof(sizes[0])];

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p[i] = slab_alloc(sizes[i]);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % 8, 0);
		memset(p[i], (int)i + 1, sizes[i]);
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (size_t j = 0; j < sizes[i]; j++)
			assert_int_equal(((unsigned char *)p[i])[j], i + 1);
		slab_free(p[i]);
	}
	slab_free(NULL);
}

/* A burst freed in full gives its chunks back, but for one spare per class. */
static void test_slab__freed_chunks_are_unmapped(void **state)
{
	void **p = calloc(N, sizeof(void *));
	size_t peak;

	(void)state;
	for (size_t i = 0; i < N; i++)
		p[i] = slab_alloc(16 + i % 200);
	peak = slab_chunks();
	assert_true(peak > 100);
	for (size_t i = 0; i < N; i++)
		slab_free(p[i]);
	assert_true(slab_chunks() <= 16);

	/* a few survivors pin their own chunks only */
	for (size_t i = 0; i < N; i++)
		p[i] = slab_alloc(40);
	for (size_t i = 0; i < N; i++)
		if (i % 20000 != 0) {
			slab_free(p[i]);
			p[i] = NULL;
		}
	assert_true(slab_chunks() <= 16 + 10);
	for (size_t i = 0; i < N; i++)
		slab_free(p[i]);
	free(p);
}

static void *allocate(void *userdata)
{
	void **p = userdata;

	for (size_t i = 0; i < N / 4; i++)
		p[i] = slab_alloc(i % 64);
	return NULL;
}

/* Blocks made on other threads are freed here, as the daemon frees a worker's report. */
static void test_slab__threads(void **state)
{
	pthread_t t[4];
	void **p = calloc(N, sizeof(void *));

	(void)state;
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, allocate, p + i * (N / 4)), 0);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (size_t i = 0; i < N; i++)
		slab_free(p[i]);
	assert_true(slab_chunks() <= 16);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slab__blocks_are_usable_and_aligned),
		cmocka_unit_test(test_slab__freed_chunks_are_unmapped),
		cmocka_unit_test(test_slab__threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
