#include <errno.h>
#include <pthread.h>
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
#include "core/strv.h"
#include "core/tree.h"

static void test_core_tree_path_join__normalises(void **state)
{
	static const struct {
		const char *base, *rel, *out;
		int r;
	} cases[] = {
		{ "a/b", "c.yaml", "a/b/c.yaml", 0 },
		{ "a/b", "../c/./d", "a/c/d", 0 },
		{ "a/b", "../../x", "x", 0 },
		{ "a/b", "../../../x", NULL, -EACCES },
		{ "", "x//y/", "x/y", 0 },
		{ "a", "/etc/passwd", "etc/passwd", 0 },
		{ "", ".", "", 0 },
		{ "", "..", NULL, -EACCES },
		{ "a/b", "..", "a", 0 },
		{ "a", "..", "", 0 },
		{ "a", "b/../../..", NULL, -EACCES },
		{ "", "./a/./b/", "a/b", 0 },
		{ "x/yy/zzz", "../../w//v/..", "x/w", 0 },
		{ "a/b", "/", "", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		int r = tree_path_join(cases[i].base, cases[i].rel, &out);

		assert_int_equal(r, cases[i].r);
		if (r == 0)
			assert_string_equal(out, cases[i].out);
		free(out);
	}
}

static void test_core_tree_path_is_under__whole_components(void **state)
{
	(void)state;
	assert_true(tree_path_is_under("a/b/c", "a/b"));
	assert_true(tree_path_is_under("a/b", "a/b"));
	assert_true(tree_path_is_under("anything", ""));
	assert_false(tree_path_is_under("a/bc", "a/b"));
	assert_false(tree_path_is_under("a", "a/b"));
}

static void test_core_tree_mem__stat_read_list(void **state)
{
	_cleanup_(tree_freep) struct tree *t = tree_mem_new();
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_free_ char *data = NULL;
	enum tree_entry_type type;
	struct error e = ERROR_INIT;
	size_t len;

	(void)state;
	tree_mem_add_file(t, "base/kustomization.yaml", "a", 1);
	tree_mem_add_file(t, "base/deploy/d.yaml", "bb", 2);
	tree_mem_add_file(t, "top.yaml", "c\0d", 3);
	tree_mem_add_file(t, "top.yaml", "new", 3);

	assert_int_equal(tree_stat(t, "base", &type, &e), 0);
	assert_int_equal(type, TREE_ENTRY_DIR);
	assert_int_equal(tree_stat(t, "", &type, &e), 0);
	assert_int_equal(type, TREE_ENTRY_DIR);
	assert_int_equal(tree_stat(t, "base/deploy/d.yaml", &type, &e), 0);
	assert_int_equal(type, TREE_ENTRY_FILE);
	assert_int_equal(tree_stat(t, "bas", &type, &e), 0);
	assert_int_equal(type, TREE_ENTRY_MISSING);

	assert_int_equal(tree_read_file(t, "top.yaml", 100, &data, &len, &e), 0);
	assert_int_equal(len, 3);
	assert_string_equal(data, "new");
	assert_int_equal(tree_read_file(t, "nope", 100, &data, &len, &e), -ENOENT);
	assert_int_equal(tree_read_file(t, "base", 100, &data, &len, &e), -EISDIR);
	assert_int_equal(tree_read_file(t, "base/deploy/d.yaml", 1, &data, &len, &e), -EFBIG);

	assert_int_equal(tree_list_dir(t, "base", &names, &e), 0);
	assert_int_equal(strv_length(names), 2);
	assert_string_equal(names[0], "deploy");
	assert_string_equal(names[1], "kustomization.yaml");
}

static void test_core_tree_dir__reads_disk(void **state)
{
	char dir[] = "/tmp/driftless-tree-XXXXXX";
	_cleanup_free_ char *file = NULL, *sub = NULL, *data = NULL, *cmd = NULL;
	_cleanup_(tree_freep) struct tree *t = NULL;
	_cleanup_strv_free_ char **names = NULL;
	enum tree_entry_type type;
	struct error e = ERROR_INIT;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	sub = xasprintf("%s/sub", dir);
	file = xasprintf("%s/sub/f.yaml", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(write_file_atomic(file, "kind: X\n", 8, 0600, &e), 0);

	assert_int_equal(tree_dir_new(dir, &t, &e), 0);
	assert_int_equal(tree_stat(t, "sub", &type, &e), 0);
	assert_int_equal(type, TREE_ENTRY_DIR);
	assert_int_equal(tree_stat(t, "sub/f.yaml", &type, &e), 0);
	assert_int_equal(type, TREE_ENTRY_FILE);
	assert_int_equal(tree_stat(t, "sub/f.yaml/x", &type, &e), 0);
	assert_int_equal(type, TREE_ENTRY_MISSING);
	assert_int_equal(tree_read_file(t, "sub/f.yaml", 100, &data, &len, &e), 0);
	assert_string_equal(data, "kind: X\n");
	assert_int_equal(tree_list_dir(t, "sub", &names, &e), 0);
	assert_int_equal(strv_length(names), 1);
	assert_string_equal(names[0], "f.yaml");

	cmd = xasprintf("rm -rf '%s'", dir);
	(void)!system(cmd);
}

/*
 * What is at a path comes from one listing per directory: the answers must be those of
 * stat(), through symbolic links, missing parents, files used as directories, and from
 * several threads at once.
 */
struct stat_case {
	const char *path;
	enum tree_entry_type type;
};

static const struct stat_case stat_cases[] = {
	{ "", TREE_ENTRY_DIR },
	{ "a", TREE_ENTRY_DIR },
	{ "a/f.yaml", TREE_ENTRY_FILE },
	{ "a/g.yaml", TREE_ENTRY_MISSING },
	{ "a/b", TREE_ENTRY_DIR },
	{ "a/b/deep.yaml", TREE_ENTRY_FILE },
	{ "a/link-to-file", TREE_ENTRY_FILE },
	{ "a/link-to-dir", TREE_ENTRY_DIR },
	{ "a/link-to-dir/deep.yaml", TREE_ENTRY_FILE },
	{ "a/dangling", TREE_ENTRY_MISSING },
	{ "a/f.yaml/x", TREE_ENTRY_MISSING },
	{ "nope/x/y", TREE_ENTRY_MISSING },
	{ "a/b/nope", TREE_ENTRY_MISSING },
};

struct stat_thread {
	struct tree *t;
	int failures;
};

static void *stat_all(void *userdata)
{
	struct stat_thread *st = userdata;

	for (int round = 0; round < 50; round++)
		for (size_t i = 0; i < sizeof(stat_cases) / sizeof(stat_cases[0]); i++) {
			enum tree_entry_type type;
			struct error e = ERROR_INIT;

			if (tree_stat(st->t, stat_cases[i].path, &type, &e) < 0 ||
			    type != stat_cases[i].type)
				st->failures++;
		}
	return NULL;
}

static void test_core_tree_dir__stat_matches_disk(void **state)
{
	char dir[] = "/tmp/driftless-tree-XXXXXX";
	_cleanup_free_ char *cmd = NULL;
	_cleanup_(tree_freep) struct tree *t = NULL;
	_cleanup_strv_free_ char **names = NULL;
	struct stat_thread threads[4];
	pthread_t ids[4];
	struct error e = ERROR_INIT;

	(void)state;
	assert_non_null(mkdtemp(dir));
	cmd = xasprintf("cd '%s' && mkdir -p a/b && echo x >a/f.yaml && echo y >a/b/deep.yaml && "
	                "ln -s f.yaml a/link-to-file && ln -s b a/link-to-dir && "
	                "ln -s missing a/dangling",
	                dir);
	assert_int_equal(system(cmd), 0);

	assert_int_equal(tree_dir_new(dir, &t, &e), 0);
	for (size_t i = 0; i < 4; i++) {
		threads[i] = (struct stat_thread){ .t = t };
		assert_int_equal(pthread_create(&ids[i], NULL, stat_all, &threads[i]), 0);
	}
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(ids[i], NULL), 0);
		assert_int_equal(threads[i].failures, 0);
	}
	/* listings answer list_dir too, sorted */
	assert_int_equal(tree_list_dir(t, "a", &names, &e), 0);
	assert_int_equal(strv_length(names), 5);
	assert_string_equal(names[0], "b");
	assert_string_equal(names[1], "dangling");
	assert_string_equal(names[4], "link-to-file");
	strv_free(names);
	names = NULL;
	assert_int_equal(tree_list_dir(t, "a/nope", &names, &e), -ENOENT);
	assert_non_null(strstr(e.message, "a/nope"));

	free(cmd);
	cmd = xasprintf("rm -rf '%s'", dir);
	(void)!system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_tree_path_join__normalises),
		cmocka_unit_test(test_core_tree_path_is_under__whole_components),
		cmocka_unit_test(test_core_tree_mem__stat_read_list),
		cmocka_unit_test(test_core_tree_dir__reads_disk),
		cmocka_unit_test(test_core_tree_dir__stat_matches_disk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
