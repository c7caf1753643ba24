#include <dirent.h>
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
#include "core/error.h"
#include "core/fileio.h"

struct fixture {
	char dir[64];
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	memcpy(f->dir, "/tmp/driftless-test-XXXXXX", sizeof("/tmp/driftless-test-XXXXXX"));
	if (!mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", f->dir);

	(void)!system(cmd);
	free(f);
	return 0;
}

static unsigned count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	unsigned n = 0;

	assert_non_null(d);
	for (struct dirent *de = readdir(d); de; de = readdir(d))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_core_write_file_atomic__creates_and_replaces(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *path = xasprintf("%s/state.json", f->dir);
	_cleanup_free_ char *data = NULL;
	struct error e = ERROR_INIT;
	struct stat st;
	size_t len = 0;

	assert_int_equal(write_file_atomic(path, "first", 5, 0600, &e), 0);
	assert_int_equal(read_file_full(path, 1024, &data, &len, &e), 0);
	assert_int_equal(len, 5);
	assert_string_equal(data, "first");
	free(TAKE_PTR(data));

	assert_int_equal(write_file_atomic(path, "second\0x", 8, 0640, &e), 0);
	assert_int_equal(read_file_full(path, 1024, &data, &len, &e), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(data, "second\0x", 8);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* no temporary file is left behind */
	assert_int_equal(count_entries(f->dir), 1);
}

static void test_core_write_file_atomic__failure_keeps_old_content(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *path = xasprintf("%s/keep", f->dir);
	_cleanup_free_ char *missing = xasprintf("%s/no/such/dir/file", f->dir);
	_cleanup_free_ char *sub = xasprintf("%s/sub", f->dir);
	_cleanup_free_ char *data = NULL;
	struct error e = ERROR_INIT;
	size_t len;

	assert_int_equal(write_file_atomic(path, "old", 3, 0600, &e), 0);
	assert_int_equal(write_file_atomic(missing, "x", 1, 0600, &e), -ENOENT);
	assert_non_null(strstr(e.message, missing));

	/* the target is a directory: rename fails, the temp file goes away */
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_true(write_file_atomic(sub, "x", 1, 0600, &e) < 0);
	assert_non_null(strstr(e.message, "rename"));
	assert_int_equal(count_entries(f->dir), 2); /* keep + sub, no temp file */

	assert_int_equal(read_file_full(path, 1024, &data, &len, &e), 0);
	assert_string_equal(data, "old");
}

static void test_core_read_file_full__caps_size(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *path = xasprintf("%s/big", f->dir);
	_cleanup_free_ char *data = NULL;
	char buf[10000];
	struct error e = ERROR_INIT;
	size_t len = 0;

	memset(buf, 'z', sizeof(buf));
	assert_int_equal(write_file_atomic(path, buf, sizeof(buf), 0600, &e), 0);
	assert_int_equal(read_file_full(path, sizeof(buf) - 1, &data, &len, &e), -EFBIG);
	assert_null(data);
	assert_non_null(strstr(e.message, "larger than"));
	assert_int_equal(read_file_full(path, sizeof(buf), &data, &len, &e), 0);
	assert_int_equal(len, sizeof(buf));
	assert_int_equal(data[len], '\0');
}

static void test_core_read_file_full__caps_pipes(void **state)
{
	/* A FIFO or /proc file has no size up front: the cap holds while reading. */
	_cleanup_free_ char *data = NULL;
	struct error e = ERROR_INIT;
	size_t len = 0;

	(void)state;
	assert_int_equal(read_file_full("/dev/zero", 100000, &data, &len, &e), -EFBIG);
	assert_null(data);
}

static void test_core_read_file_full__errors_name_the_path(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *path = xasprintf("%s/nope", f->dir);
	char *data = NULL;
	struct error e = ERROR_INIT;
	size_t len;

	assert_int_equal(read_file_full(path, 10, &data, &len, &e), -ENOENT);
	assert_non_null(strstr(e.message, path));
	assert_int_equal(read_file_full(f->dir, 10, &data, &len, &e), -EISDIR);
	assert_null(data);
}

static void test_core_mkdir_parents__nested_and_existing(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *path = xasprintf("%s/a/b/c", f->dir);
	_cleanup_free_ char *file = xasprintf("%s/a/file", f->dir);
	_cleanup_free_ char *under_file = xasprintf("%s/a/file/x", f->dir);
	struct error e = ERROR_INIT;
	struct stat st;

	assert_int_equal(mkdir_parents(path, 0755, &e), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(mkdir_parents(path, 0755, &e), 0);
	assert_int_equal(write_file_atomic(file, "", 0, 0600, &e), 0);
	assert_int_equal(mkdir_parents(under_file, 0755, &e), -ENOTDIR);
	assert_int_equal(mkdir_parents("", 0755, &e), -EINVAL);
}

static void test_core_remove_tree__like_rm_rf(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *tree = xasprintf("%s/tree", f->dir);
	_cleanup_free_ char *deep = xasprintf("%s/tree/a/b/c", f->dir);
	_cleanup_free_ char *file = xasprintf("%s/tree/a/b/c/file", f->dir);
	_cleanup_free_ char *outside = xasprintf("%s/outside", f->dir);
	_cleanup_free_ char *link = xasprintf("%s/tree/a/link", f->dir);
	_cleanup_free_ char *lone = xasprintf("%s/lone", f->dir);
	struct error e = ERROR_INIT;
	struct stat st;

	assert_int_equal(mkdir_parents(deep, 0700, &e), 0);
	assert_int_equal(write_file_atomic(file, "x", 1, 0400, &e), 0);
	assert_int_equal(mkdir_parents(outside, 0700, &e), 0);
	assert_int_equal(write_file_atomic(lone, "y", 1, 0600, &e), 0);
	/* a link to a directory outside: removed, never followed */
	assert_int_equal(symlink(outside, link), 0);

	remove_tree(tree);
	assert_int_equal(lstat(tree, &st), -1);
	assert_int_equal(stat(outside, &st), 0);
	/* a file alone, and a path that is not there */
	remove_tree(lone);
	assert_int_equal(lstat(lone, &st), -1);
	remove_tree(lone);
	assert_int_equal(count_entries(f->dir), 1);
}

static void test_core_safe_close__keeps_errno(void **state)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	errno = EAGAIN;
	fd = safe_close(fd);
	assert_int_equal(fd, -EBADF);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(safe_close(-1), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_core_write_file_atomic__creates_and_replaces,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_core_write_file_atomic__failure_keeps_old_content, setup, teardown),
		cmocka_unit_test_setup_teardown(test_core_read_file_full__caps_size, setup,
		                                teardown),
		cmocka_unit_test(test_core_read_file_full__caps_pipes),
		cmocka_unit_test_setup_teardown(test_core_read_file_full__errors_name_the_path,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_core_mkdir_parents__nested_and_existing, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_core_remove_tree__like_rm_rf, setup, teardown),
		cmocka_unit_test(test_core_safe_close__keeps_errno),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
