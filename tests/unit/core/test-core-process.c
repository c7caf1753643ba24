/* process_run(): output, exit status, and each way a helper can go wrong. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/process.h"
#include "core/strbuf.h"
#include "core/time.h"

static int run(const char *script, uint64_t timeout_usec, size_t max, struct strbuf *out,
               struct error *e)
{
	const char *const argv[] = { "sh", "-c", script, NULL };
	const struct process_options o = { .argv = argv,
		                           .timeout_usec = timeout_usec,
		                           .max_output_bytes = max };

	strbuf_reset(out);
	return process_run(&o, out, e);
}

static void test_process__outcomes(void **state)
{
	struct strbuf out = STRBUF_INIT;
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(run("printf 'hello'; read x || true", USEC_PER_SEC * 10, 100, &out, &e), 0);
	assert_string_equal(out.buf, "hello");
	assert_int_equal(run("echo partial; exit 3", USEC_PER_SEC * 10, 100, &out, &e), 3);
	assert_int_equal(run("sleep 5", USEC_PER_SEC / 5, 100, &out, &e), -ETIMEDOUT);
	assert_non_null(strstr(e.message, "did not finish within 200ms"));
	assert_int_equal(run("yes", USEC_PER_SEC * 10, 1000, &out, &e), -EFBIG);
	assert_int_equal(run("kill -9 $$", USEC_PER_SEC * 10, 100, &out, &e), -ECHILD);
	assert_non_null(strstr(e.message, "signal 9"));
	assert_int_equal(run("exec /nonexistent/tool", USEC_PER_SEC * 10, 100, &out, &e), -ENOENT);
	{
		const char *const argv[] = { "/nonexistent/tool", NULL };
		const struct process_options o = { .argv = argv,
			                           .timeout_usec = USEC_PER_SEC,
			                           .max_output_bytes = 10 };

		assert_int_equal(process_run(&o, &out, &e), -ENOENT);
		assert_string_equal(e.message, "not found");
	}
	strbuf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process__outcomes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
