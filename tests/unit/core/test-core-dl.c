#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/crypto.h"
#include "core/dl.h"
#include "core/error.h"
#include "core/log.h"
#include "core/macro.h"
#include "http/http.h"
#include "source/source.h"

/* libm, which every system has; the test does not call cbrt() or hypot() directly. */
#define LIBM_SYMBOLS(X) X(cbrt) X(hypot)
DL_LIBRARY(libm, "libm.so.6", LIBM_SYMBOLS);

#define MISSING_SYMBOLS(X) X(remainder)
DL_LIBRARY(missing, "libdriftless-test-no-such-library.so.0", MISSING_SYMBOLS);

/* a library that is there, with a function it does not have */
int driftless_test_not_in_libm(int x);
#define WRONG_SYMBOLS(X) X(fmod) X(driftless_test_not_in_libm)
DL_LIBRARY(wrong, "libm.so.6", WRONG_SYMBOLS);

static void test_core_dl__loads_and_calls(void **state)
{
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(dl_library_load(&dl_library_libm, &e), 0);
	assert_int_equal(dl_library_load(&dl_library_libm, &e), 0);
	assert_true(fabs(DL_CALL(libm, cbrt)(27.0) - 3.0) < 1e-12);
	assert_true(DL_CALL(libm, hypot)(3.0, 4.0) == 5.0);
}

static void test_core_dl__missing_library(void **state)
{
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(dl_library_load(&dl_library_missing, &e), -ENOENT);
	assert_non_null(strstr(e.message, "libdriftless-test-no-such-library.so.0"));
	/* the failure is remembered, not retried */
	error_clear(&e);
	assert_int_equal(dl_library_load(&dl_library_missing, &e), -ENOENT);
	assert_non_null(strstr(e.message, "Failed to load"));
}

static void test_core_dl__missing_symbol(void **state)
{
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(dl_library_load(&dl_library_wrong, &e), -ELIBBAD);
	assert_non_null(strstr(e.message, "driftless_test_not_in_libm"));
	assert_non_null(strstr(e.message, "libm.so.6"));
}

static void *load_in_thread(void *userdata)
{
	struct error e = ERROR_INIT;

	(void)userdata;
	return (void *)(intptr_t)dl_library_load(&dl_library_libm, &e);
}

static void test_core_dl__threads_load_once(void **state)
{
	pthread_t threads[4];

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(threads); i++)
		assert_int_equal(pthread_create(&threads[i], NULL, load_in_thread, NULL), 0);
	for (size_t i = 0; i < ELEMENTSOF(threads); i++) {
		void *r;

		assert_int_equal(pthread_join(threads[i], &r), 0);
		assert_int_equal((intptr_t)r, 0);
	}
}

/* The libraries of the product load by the SONAMEs the build found. */
static void test_core_dl__product_libraries_load(void **state)
{
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(http_load_library(&e), 0);
	assert_int_equal(crypto_load_library(&e), 0);
	assert_int_equal(log_load_library(&e), 0);
	assert_int_equal(source_load_library(&e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_dl__loads_and_calls),
		cmocka_unit_test(test_core_dl__missing_library),
		cmocka_unit_test(test_core_dl__missing_symbol),
		cmocka_unit_test(test_core_dl__threads_load_once),
		cmocka_unit_test(test_core_dl__product_libraries_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
