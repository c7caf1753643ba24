#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/strbuf.h"

/* stderr goes to a temporary file while a test runs, so the output can be read back. */
struct capture {
	char path[64];
	int saved_stderr;
};

static int setup(void **state)
{
	struct capture *c = xcalloc(1, sizeof(*c));
	int fd;

	memcpy(c->path, "/tmp/driftless-log-XXXXXX", sizeof("/tmp/driftless-log-XXXXXX"));
	fd = mkostemp(c->path, O_CLOEXEC);
	if (fd < 0)
		return -1;
	c->saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	unsetenv("JOURNAL_STREAM");
	unsetenv("INVOCATION_ID");
	unsetenv("NO_COLOR");
	log_set_target(LOG_TARGET_LOGFMT);
	log_set_max_level(LOG_INFO);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct capture *c = *state;

	dup2(c->saved_stderr, STDERR_FILENO);
	close(c->saved_stderr);
	unlink(c->path);
	free(c);
	unsetenv("JOURNAL_STREAM");
	unsetenv("INVOCATION_ID");
	return 0;
}

/* What was written since the last call. */
static char *captured(struct capture *c)
{
	char *data = NULL;
	size_t len;

	assert_int_equal(read_file_full(c->path, 1 << 20, &data, &len, NULL), 0);
	assert_int_equal(ftruncate(STDERR_FILENO, 0), 0);
	assert_int_equal(lseek(STDERR_FILENO, 0, SEEK_SET), 0);
	return data;
}

static void test_core_log_internal__logfmt_line(void **state)
{
	struct capture *c = *state;
	_cleanup_free_ char *out = NULL;
	const char *rest;
	int r;

	r = log_struct(LOG_NOTICE, -ENOENT,
	               LOG_FIELDS({ "DRIFTLESS_ENV", "prod" }, { "DRIFTLESS_REVISION", NULL },
	                          { "MESSAGE_ID", "0123abcd" }),
	               "Applied \"%s\" to %s", "rev 1", "prod");
	assert_int_equal(r, -ENOENT);
	out = captured(c);
	/* time=2026-01-02T03:04:05.678Z */
	assert_true(startswith(out, "time="));
	assert_int_equal(out[9], '-');
	assert_int_equal(out[28], 'Z');
	rest = out + 29;
	assert_string_equal(rest, " level=notice msg=\"Applied \\\"rev 1\\\" to prod\" env=prod "
	                          "message_id=0123abcd errno=2\n");
}

static void test_core_log_internal__level_filter(void **state)
{
	struct capture *c = *state;
	_cleanup_free_ char *out = NULL;

	log_debug("hidden %d", 1);
	assert_int_equal(log_debug_errno(EIO, "hidden too"), -EIO);
	log_set_max_level(LOG_DEBUG);
	log_debug("shown");
	out = captured(c);
	assert_null(strstr(out, "hidden"));
	assert_non_null(strstr(out, "level=debug msg=shown\n"));
}

static void test_core_log_internal__errno_sign_and_zero(void **state)
{
	struct capture *c = *state;
	_cleanup_free_ char *out = NULL;

	assert_int_equal(log_error_errno(EACCES, "denied"), -EACCES);
	assert_int_equal(log_error_errno(-EACCES, "denied"), -EACCES);
	assert_int_equal(log_full_errno(LOG_ERR, 0, "plain"), 0);
	out = captured(c);
	assert_non_null(strstr(out, "msg=denied errno=13\n"));
	assert_non_null(strstr(out, "level=err msg=plain\n"));
}

static void test_core_log_internal__systemd_priority_prefix(void **state)
{
	struct capture *c = *state;
	_cleanup_free_ char *out = NULL;

	setenv("INVOCATION_ID", "0123456789abcdef0123456789abcdef", 1);
	log_set_target(LOG_TARGET_LOGFMT);
	log_warning("careful");
	out = captured(c);
	assert_true(startswith(out, "<4>time="));
}

static void test_core_log_internal__console(void **state)
{
	struct capture *c = *state;
	_cleanup_free_ char *out = NULL;

	log_set_target(LOG_TARGET_CONSOLE);
	log_info("hello");
	log_warning("watch out");
	log_error("broken");
	log_struct(LOG_INFO, 0, LOG_FIELDS({ "DRIFTLESS_ENV", "staging" }), "no fields shown");
	out = captured(c);
	/* not a terminal: no colour codes */
	assert_string_equal(out, "hello\nwarning: watch out\nerror: broken\nno fields shown\n");
}

static void test_core_log_setup__detects_journal_stream(void **state)
{
	struct capture *c = *state;
	_cleanup_free_ char *value = NULL;
	struct stat st;

	(void)c;
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	log_setup();
	assert_int_equal(log_get_target(), LOG_TARGET_LOGFMT);

	value = xasprintf("%llu:%llu", (unsigned long long)st.st_dev,
	                  (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", value, 1);
	log_setup();
	assert_int_equal(log_get_target(), LOG_TARGET_JOURNAL);

	/* another stream's id, or junk, is not ours */
	setenv("JOURNAL_STREAM", "1:2", 1);
	log_setup();
	assert_int_equal(log_get_target(), LOG_TARGET_LOGFMT);
	setenv("JOURNAL_STREAM", "junk", 1);
	log_setup();
	assert_int_equal(log_get_target(), LOG_TARGET_LOGFMT);
}

static void test_core_log_level_from_string__names(void **state)
{
	(void)state;
	assert_int_equal(log_level_from_string("debug"), LOG_DEBUG);
	assert_int_equal(log_level_from_string("warning"), LOG_WARNING);
	assert_int_equal(log_level_from_string("warn"), LOG_WARNING);
	assert_int_equal(log_level_from_string("err"), LOG_ERR);
	assert_int_equal(log_level_from_string("error"), LOG_ERR);
	assert_int_equal(log_level_from_string("3"), LOG_ERR);
	assert_int_equal(log_level_from_string("8"), -EINVAL);
	assert_int_equal(log_level_from_string("loud"), -EINVAL);
	assert_string_equal(log_level_to_string(LOG_NOTICE), "notice");
	assert_int_equal(log_target_from_string("journal"), LOG_TARGET_JOURNAL);
	assert_int_equal(log_target_from_string("syslog"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_core_log_internal__logfmt_line, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_core_log_internal__level_filter, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_core_log_internal__errno_sign_and_zero, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_core_log_internal__systemd_priority_prefix,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_core_log_internal__console, setup, teardown),
		cmocka_unit_test_setup_teardown(test_core_log_setup__detects_journal_stream, setup,
		                                teardown),
		cmocka_unit_test(test_core_log_level_from_string__names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
