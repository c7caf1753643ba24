#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"

static void test_core_error_set__returns_code_and_message(void **state)
{
	struct error e = ERROR_INIT;

	(void)state;
	assert_false(error_is_set(&e));
	assert_string_equal(error_message(&e), "");
	assert_int_equal(error_set(&e, -EPROTO, "'%s' returned HTTP %d", "/api", 500), -EPROTO);
	assert_true(error_is_set(&e));
	assert_int_equal(e.code, -EPROTO);
	assert_string_equal(error_message(&e), "'/api' returned HTTP 500");
	assert_string_equal(e.file, "");
	assert_int_equal(e.line, 0);
}

static void test_core_error_set__null_error_is_fine(void **state)
{
	(void)state;
	assert_int_equal(error_set(NULL, -ENOENT, "gone"), -ENOENT);
	assert_int_equal(error_set_at(NULL, -EBADMSG, &(struct error_pos){ .file = "x" }, "y"),
	                 -EBADMSG);
	assert_string_equal(error_message(NULL), "");
}

static void test_core_error_set_at__formats_position(void **state)
{
	static const struct {
		struct error_pos pos;
		const char *message;
	} cases[] = {
		{ { "k.yaml", 12, 3, "spec.replicas" }, "k.yaml:12:3: spec.replicas: bad" },
		{ { "k.yaml", 12, 0, NULL }, "k.yaml:12: bad" },
		{ { "k.yaml", 0, 7, NULL }, "k.yaml: bad" },
		{ { NULL, 4, 2, "metadata.name" }, "metadata.name: bad" },
		{ { NULL, 0, 0, NULL }, "bad" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct error e = ERROR_INIT;

		assert_int_equal(error_set_at(&e, -EBADMSG, &cases[i].pos, "bad"), -EBADMSG);
		assert_string_equal(e.message, cases[i].message);
		assert_string_equal(e.file, cases[i].pos.file ? cases[i].pos.file : "");
		assert_int_equal(e.line, cases[i].pos.line);
		assert_int_equal(e.column, cases[i].pos.column);
		assert_string_equal(e.field, cases[i].pos.field ? cases[i].pos.field : "");
	}
}

static void test_core_error_prefix__adds_context_keeps_code(void **state)
{
	struct error e = ERROR_INIT;

	(void)state;
	error_set_at(&e, -ENOENT, &(struct error_pos){ .file = "base/a.yaml" }, "missing");
	assert_int_equal(error_prefix(&e, -ENOENT, "Failed to render '%s'", "overlays/prod"),
	                 -ENOENT);
	assert_string_equal(e.message, "Failed to render 'overlays/prod': base/a.yaml: missing");
	assert_string_equal(e.file, "base/a.yaml");
}

static void test_core_error_prefix__null_error_passes_code(void **state)
{
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(error_prefix(NULL, -EACCES, "context"), -EACCES);
	/* a callee that left no text: the code is taken, the context is the message */
	assert_int_equal(error_prefix(&e, -EPROTO, "while %s", "fetching"), -EPROTO);
	assert_int_equal(e.code, -EPROTO);
	assert_non_null(strstr(e.message, "while fetching: "));
}

static void test_core_error_message__falls_back_to_strerror(void **state)
{
	struct error e = ERROR_INIT;

	(void)state;
	error_set(&e, -ETIMEDOUT, "%s", "");
	assert_string_equal(error_message(&e), strerror(ETIMEDOUT));
}

static void test_core_error_set__truncates_long_text(void **state)
{
	struct error e = ERROR_INIT;
	char big[4 * ERROR_MESSAGE_MAX];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	error_set_at(&e, -EIO, &(struct error_pos){ .file = big, .field = big }, "%s", big);
	assert_int_equal(strlen(e.message), ERROR_MESSAGE_MAX - 1);
	assert_string_equal(e.message + ERROR_MESSAGE_MAX - 4, "...");
	assert_int_equal(strlen(e.file), ERROR_FILE_MAX - 1);
	assert_int_equal(strlen(e.field), ERROR_FIELD_MAX - 1);
	/* the prefix keeps the buffer bounded too */
	error_prefix(&e, -EIO, "%s", big);
	assert_int_equal(strlen(e.message), ERROR_MESSAGE_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_error_set__returns_code_and_message),
		cmocka_unit_test(test_core_error_set__null_error_is_fine),
		cmocka_unit_test(test_core_error_set_at__formats_position),
		cmocka_unit_test(test_core_error_prefix__adds_context_keeps_code),
		cmocka_unit_test(test_core_error_prefix__null_error_passes_code),
		cmocka_unit_test(test_core_error_message__falls_back_to_strerror),
		cmocka_unit_test(test_core_error_set__truncates_long_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
