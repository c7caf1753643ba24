/* The git tree reader against a repository made by git(1). */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strv.h"
#include "core/tree.h"
#include "source/source.h"

static char repo_dir[] = "/tmp/driftless-test-source-tree-XXXXXX";

static void sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;

	va_start(ap, fmt);
	cmd = xvasprintf(fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("failed: %s", cmd);
	free(cmd);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(repo_dir))
		return -1;
	/* two commits; the second adds links (inside and outside) and a submodule entry */
	sh("cd %s && git init -q -b main . && mkdir -p a/b && printf 'one\\n' > a/b/f.yaml && "
	   "printf 'top' > top.txt && git add -A && "
	   "git -c user.name=t -c user.email=t@e commit -qm one",
	   repo_dir);
	sh("cd %s && printf 'two\\n' > a/b/f.yaml && ln -s b a/link-dir && "
	   "ln -s ../top.txt a/link-file && ln -s /etc/passwd a/abs && ln -s ../../.. a/up && "
	   "ln -s loop1 a/loop2 && ln -s loop2 a/loop1 && mkdir -p a/B && printf x > a/B/x && "
	   "git add -A && "
	   "git update-index --add --cacheinfo 160000,1111111111111111111111111111111111111111,sub && "
	   "git -c user.name=t -c user.email=t@e commit -qm two",
	   repo_dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sh("rm -rf '%s'", repo_dir);
	return 0;
}

static struct tree *tree_at(const char *rev, char out_commit[SOURCE_REVISION_MAX])
{
	struct source_repo *repo = NULL;
	struct error e = ERROR_INIT;
	struct tree *t = NULL;
	char commit[SOURCE_REVISION_MAX];

	assert_int_equal(source_repo_open(repo_dir, false, &repo, &e), 0);
	assert_int_equal(source_repo_resolve(repo, rev, commit, &e), 0);
	assert_int_equal(source_repo_tree(repo, commit, &t, &e), 0);
	/* the reader keeps its own handle */
	source_repo_free(repo);
	if (out_commit)
		memcpy(out_commit, commit, SOURCE_REVISION_MAX);
	return t;
}

static void read_is(struct tree *t, const char *path, const char *want)
{
	struct error e = ERROR_INIT;
	char *data = NULL;
	size_t len = 0;

	assert_int_equal(tree_read_file(t, path, 1024, &data, &len, &e), 0);
	assert_int_equal(len, strlen(want));
	assert_string_equal(data, want);
	free(data);
}

static void test_source_tree__reads_each_revision(void **state)
{
	struct tree *one, *two;

	(void)state;
	one = tree_at("HEAD~1", NULL);
	two = tree_at("main", NULL);
	read_is(one, "a/b/f.yaml", "one\n");
	read_is(two, "a/b/f.yaml", "two\n");
	read_is(two, "top.txt", "top");
	tree_free(one);
	tree_free(two);
}

static void test_source_tree__stat_and_list(void **state)
{
	struct error e = ERROR_INIT;
	enum tree_entry_type type;
	struct tree *t = tree_at("HEAD", NULL);
	char **names = NULL;

	(void)state;
	assert_int_equal(tree_stat(t, "", &type, &e), 0);
	assert_int_equal(type, TREE_ENTRY_DIR);
	assert_int_equal(tree_stat(t, "a/b", &type, &e), 0);
	assert_int_equal(type, TREE_ENTRY_DIR);
	assert_int_equal(tree_stat(t, "a/b/f.yaml", &type, &e), 0);
	assert_int_equal(type, TREE_ENTRY_FILE);
	assert_int_equal(tree_stat(t, "a/nope", &type, &e), 0);
	assert_int_equal(type, TREE_ENTRY_MISSING);
	assert_int_equal(tree_stat(t, "top.txt/x", &type, &e), 0);
	assert_int_equal(type, TREE_ENTRY_MISSING);

	/* bytewise order, not git's (which sorts the directory "B" as "B/") */
	assert_int_equal(tree_list_dir(t, "a", &names, &e), 0);
	assert_int_equal(strv_length(names), 8);
	assert_string_equal(names[0], "B");
	assert_string_equal(names[1], "abs");
	assert_string_equal(names[2], "b");
	strv_free(names);
	names = NULL;
	assert_int_equal(tree_list_dir(t, "top.txt", &names, &e), -ENOTDIR);
	assert_int_equal(tree_list_dir(t, "zzz", &names, &e), -ENOENT);
	tree_free(t);
}

static void test_source_tree__errors(void **state)
{
	struct error e = ERROR_INIT;
	char commit[SOURCE_REVISION_MAX];
	struct tree *t = tree_at("HEAD", commit);
	char *data = NULL, *shown;
	size_t len;

	(void)state;
	assert_int_equal(tree_read_file(t, "a/b", 1024, &data, &len, &e), -EISDIR);
	assert_int_equal(tree_read_file(t, "missing.yaml", 1024, &data, &len, &e), -ENOENT);
	/* messages name the revision and the path */
	assert_non_null(strstr(e.message, "missing.yaml"));
	assert_memory_equal(strstr(e.message, " at ") + 4, commit, 12);
	assert_int_equal(tree_read_file(t, "a/b/f.yaml", 2, &data, &len, &e), -EFBIG);
	shown = tree_display(t, "a/b/f.yaml");
	assert_memory_equal(shown, commit, 12);
	assert_string_equal(shown + 12, ":a/b/f.yaml");
	free(shown);
	/* a submodule has no content here */
	assert_int_equal(tree_read_file(t, "sub", 1024, &data, &len, &e), -ENOTSUP);
	assert_non_null(strstr(e.message, "submodule"));
	tree_free(t);
}

static void test_source_tree__symbolic_links(void **state)
{
	struct error e = ERROR_INIT;
	enum tree_entry_type type;
	struct tree *t = tree_at("HEAD", NULL);
	char *data = NULL;
	size_t len;

	(void)state;
	/* inside the tree, as on disk: to a directory, in the middle of a path, to a file */
	assert_int_equal(tree_stat(t, "a/link-dir", &type, &e), 0);
	assert_int_equal(type, TREE_ENTRY_DIR);
	read_is(t, "a/link-dir/f.yaml", "two\n");
	read_is(t, "a/link-file", "top");
	/* outside it: refused */
	assert_int_equal(tree_read_file(t, "a/abs", 1024, &data, &len, &e), -EACCES);
	assert_non_null(strstr(e.message, "outside the repository"));
	assert_int_equal(tree_read_file(t, "a/up/etc/passwd", 1024, &data, &len, &e), -EACCES);
	/* loops end */
	assert_int_equal(tree_read_file(t, "a/loop1", 1024, &data, &len, &e), -ELOOP);
	tree_free(t);
}

static void test_source_repo__discover_and_resolve(void **state)
{
	struct source_repo *repo = NULL;
	struct error e = ERROR_INIT;
	char commit[SOURCE_REVISION_MAX], *inner = xstrjoin(repo_dir, "/a/b", NULL);
	struct tree *t = NULL;

	(void)state;
	assert_int_equal(source_repo_open(inner, true, &repo, &e), 0);
	assert_string_equal(source_repo_workdir(repo), repo_dir);
	assert_int_equal(source_repo_resolve(repo, "no-such-thing", commit, &e), -ENOENT);
	assert_non_null(strstr(e.message, "no-such-thing"));
	assert_int_equal(source_repo_resolve(repo, "HEAD^{tree}", commit, &e), -EINVAL);
	assert_int_equal(source_repo_tree(repo, "abc", &t, &e), -EINVAL);
	source_repo_free(repo);
	assert_int_equal(source_repo_open("/", true, &repo, &e), -ENOENT);
	assert_int_equal(source_repo_open(inner, false, &repo, &e), -ENOENT);
	free(inner);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_tree__reads_each_revision),
		cmocka_unit_test(test_source_tree__stat_and_list),
		cmocka_unit_test(test_source_tree__errors),
		cmocka_unit_test(test_source_tree__symbolic_links),
		cmocka_unit_test(test_source_repo__discover_and_resolve),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
