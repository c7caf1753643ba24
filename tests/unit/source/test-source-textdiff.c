/* source_text_diff() against GNU diff -u's output for the same texts. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "source/source.h"

static char tmp_dir[] = "/tmp/driftless-test-source-textdiff-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmp_dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmp_dir);
	int r;

	(void)state;
	r = system(cmd);
	free(cmd);
	return r == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* What `diff -U context --label old --label new` prints for the two texts. */
static char *diff_u(const char *old_text, const char *new_text, unsigned context)
{
	struct strbuf sb = STRBUF_INIT;
	char *a = xasprintf("%s/a", tmp_dir), *b = xasprintf("%s/b", tmp_dir), *cmd;
	char buf[4096];
	size_t n;
	FILE *p;

	write_file(a, old_text, strlen(old_text));
	write_file(b, new_text, strlen(new_text));
	cmd = xasprintf("diff -U %u --label old --label new '%s' '%s'", context, a, b);
	p = popen(cmd, "re");
	assert_non_null(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		strbuf_add(&sb, buf, n);
	/* 0: equal, 1: different, 2: trouble */
	assert_in_range(WEXITSTATUS(pclose(p)), 0, 1);
	free(cmd);
	free(a);
	free(b);
	return strbuf_detach(&sb, NULL);
}

static char *text_diff(const char *old_text, const char *new_text, unsigned context, bool color)
{
	struct strbuf sb = STRBUF_INIT;
	struct error e = ERROR_INIT;

	assert_int_equal(source_text_diff(old_text, strlen(old_text), new_text, strlen(new_text),
	                                  "old", "new", context, color, &sb, &e),
	                 0);
	return strbuf_detach(&sb, NULL);
}

/* Ours must equal diff's byte for byte. */
static void check_like_diff(const char *old_text, const char *new_text, unsigned context)
{
	char *want = diff_u(old_text, new_text, context);
	char *got = text_diff(old_text, new_text, context, false);

	assert_string_equal(got, want);
	free(want);
	free(got);
}

/* Lines "key<i>: value<i>\n" for i in [from, to], with line i replaced by change[i] if set. */
static char *yaml_lines(unsigned from, unsigned to, const char *const *change, size_t n_change)
{
	struct strbuf sb = STRBUF_INIT;

	for (unsigned i = from; i <= to; i++) {
		if (i < n_change && change[i])
			strbuf_addstr(&sb, change[i]);
		else
			strbuf_addf(&sb, "key%u: value%u\n", i, i);
	}
	return strbuf_detach(&sb, NULL);
}

static void test_source_text_diff__equal(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct error e = ERROR_INIT;
	char *text = yaml_lines(1, 20, NULL, 0);

	(void)state;
	assert_int_equal(source_text_diff(text, strlen(text), text, strlen(text), "old", "new", 3,
	                                  true, &sb, &e),
	                 0);
	assert_int_equal(sb.len, 0);
	assert_int_equal(source_text_diff(NULL, 0, "", 0, "old", "new", 3, false, &sb, &e), 0);
	assert_int_equal(sb.len, 0);
	/* appends: what out held stays */
	strbuf_addstr(&sb, "kept\n");
	assert_int_equal(source_text_diff("a\n", 2, "b\n", 2, "old", "new", 3, false, &sb, &e), 0);
	assert_string_equal(sb.buf, "kept\n--- old\n+++ new\n@@ -1 +1 @@\n-a\n+b\n");
	strbuf_release(&sb);
	free(text);
}

static void test_source_text_diff__one_line_changed(void **state)
{
	const char *const change[] = { [10] = "key10: changed\n" };
	char *a = yaml_lines(1, 20, NULL, 0), *b = yaml_lines(1, 20, change, ELEMENTSOF(change));
	char *got = text_diff(a, b, 3, false);

	(void)state;
	assert_string_equal(got, "--- old\n"
	                         "+++ new\n"
	                         "@@ -7,7 +7,7 @@\n"
	                         " key7: value7\n"
	                         " key8: value8\n"
	                         " key9: value9\n"
	                         "-key10: value10\n"
	                         "+key10: changed\n"
	                         " key11: value11\n"
	                         " key12: value12\n"
	                         " key13: value13\n");
	check_like_diff(a, b, 3);
	check_like_diff(a, b, 0);
	check_like_diff(a, b, 1);
	check_like_diff(a, b, 30);
	free(got);
	free(a);
	free(b);
}

static void test_source_text_diff__added_at_end(void **state)
{
	char *a = yaml_lines(1, 20, NULL, 0), *b = yaml_lines(1, 23, NULL, 0);

	(void)state;
	check_like_diff(a, b, 3);
	check_like_diff(a, b, 1);
	check_like_diff(a, b, 0);
	free(a);
	free(b);
}

static void test_source_text_diff__deleted_at_start(void **state)
{
	char *a = yaml_lines(1, 20, NULL, 0), *b = yaml_lines(4, 20, NULL, 0);

	(void)state;
	check_like_diff(a, b, 3);
	check_like_diff(a, b, 1);
	check_like_diff(a, b, 0);
	free(a);
	free(b);
}

static unsigned count_hunks(const char *old_text, const char *new_text, unsigned context)
{
	char *got = text_diff(old_text, new_text, context, false);
	unsigned hunks = 0;

	for (const char *p = strstr(got, "\n@@ "); p; p = strstr(p + 1, "\n@@ "))
		hunks++;
	free(got);
	return hunks;
}

static void test_source_text_diff__several_hunks(void **state)
{
	/*
	 * Changes at 3, after 12 (a line added), 20, 27 (a line removed), 34 and 41. With context
	 * 3, the changes from 20 on are 6 unchanged lines apart (2 * 3: one hunk), 12 and 20 are
	 * 7 apart (two hunks); with context 1 every change is a hunk of its own.
	 */
	const char *const change[] = {
		[3] = "key3: three\n",    [12] = "key12: value12\nadded: true\n",
		[20] = "key20: twenty\n", [27] = "",
		[34] = "key34: x\n",      [41] = "key41: y\n",
	};
	char *a = yaml_lines(1, 45, NULL, 0), *b = yaml_lines(1, 45, change, ELEMENTSOF(change));

	(void)state;
	for (unsigned context = 0; context <= 5; context++)
		check_like_diff(a, b, context);
	assert_int_equal(count_hunks(a, b, 1), 6);
	assert_int_equal(count_hunks(a, b, 3), 3);
	free(a);
	free(b);
}

static void test_source_text_diff__no_final_newline(void **state)
{
	(void)state;
	/* old lacks it, new has it; and the other way round */
	check_like_diff("a: 1\nb: 2\nc: 3", "a: 1\nb: 2\nc: 3\n", 3);
	check_like_diff("a: 1\nb: 2\nc: 3\n", "a: 1\nb: 2\nc: 3", 3);
	/* neither has it: the last line changed, or is context */
	check_like_diff("a: 1\nb: 2\nc: 3", "a: 1\nb: 2\nc: 4", 3);
	check_like_diff("a: 1\nb: 2\nc: 3", "a: 0\nb: 2\nc: 3", 3);
	check_like_diff("a: 1\nb: 2\nc: 3", "a: 0\nb: 2\nc: 3", 1);
	/* a text of one line without it */
	check_like_diff("x", "y", 3);
	check_like_diff("", "x", 3);
	check_like_diff("x", "", 3);
	{
		char *got = text_diff("a\nb", "a\nb\n", 3, false);

		assert_string_equal(got, "--- old\n+++ new\n@@ -1,2 +1,2 @@\n a\n-b\n"
		                         "\\ No newline at end of file\n+b\n");
		free(got);
	}
}

static void test_source_text_diff__empty_side(void **state)
{
	char *text = yaml_lines(1, 5, NULL, 0), *got;

	(void)state;
	check_like_diff("", text, 3);
	check_like_diff(text, "", 3);
	check_like_diff("", text, 0);
	got = text_diff("", text, 3, false);
	assert_non_null(strstr(got, "@@ -0,0 +1,5 @@\n+key1: value1\n"));
	free(got);
	got = text_diff(text, "", 3, false);
	assert_non_null(strstr(got, "@@ -1,5 +0,0 @@\n-key1: value1\n"));
	free(got);
	free(text);
}

static void test_source_text_diff__odd_text(void **state)
{
	(void)state;
	/* control characters stay text, CRs are part of their line, long lines stay whole */
	check_like_diff("a: \"\001\002\003\033[31m\"\nb: 1\r\n", "a: \"\001\002\004\"\nb: 1\n", 3);
	{
		struct strbuf big = STRBUF_INIT;
		char *a, *b;

		strbuf_addstr(&big, "k: ");
		strbuf_addchars(&big, 'x', 100000);
		strbuf_addch(&big, '\n');
		a = xasprintf("first: 1\n%s", big.buf);
		b = xasprintf("first: 2\n%s", big.buf);
		check_like_diff(a, b, 3);
		free(a);
		free(b);
		strbuf_release(&big);
	}
}

/*
 * A line deleted from a run of equal lines may be shown at another place than diff shows it
 * (diff: "@@ -5 +3,0 @@"): still a diff that patch(1) applies.
 */
static void test_source_text_diff__ambiguous_change(void **state)
{
	const char *a = "k1\nk161\nk155\nk105\nk52\nk52\nk11\n", *b = "k1\nk155\nk105\nk52\nk11\n";
	char *got = text_diff(a, b, 0, false);
	char *old_file = xasprintf("%s/a", tmp_dir), *patch_file = xasprintf("%s/patch", tmp_dir);
	char *cmd = xasprintf("patch -s -o - '%s' < '%s'", old_file, patch_file);
	char buf[256];
	size_t n;
	FILE *p;

	(void)state;
	assert_string_equal(got, "--- old\n+++ new\n@@ -2 +1,0 @@\n-k161\n@@ -6 +4,0 @@\n-k52\n");
	write_file(old_file, a, strlen(a));
	write_file(patch_file, got, strlen(got));
	p = popen(cmd, "re");
	assert_non_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_string_equal(buf, b);
	free(cmd);
	free(patch_file);
	free(old_file);
	free(got);
}

/* Remove "ESC [ ... m" sequences. */
static char *strip_ansi(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	while (*s) {
		if (s[0] == '\033' && s[1] == '[') {
			s += 2;
			while (*s && *s != 'm')
				s++;
			if (*s)
				s++;
			continue;
		}
		strbuf_addch(&sb, *s++);
	}
	return strbuf_detach(&sb, NULL);
}

static void test_source_text_diff__color(void **state)
{
	const char *const change[] = { [2] = "key2: two\n", [15] = "key15: fifteen\n" };
	char *a = yaml_lines(1, 20, NULL, 0), *b = yaml_lines(1, 20, change, ELEMENTSOF(change));
	char *plain = text_diff(a, b, 3, false), *colored = text_diff(a, b, 3, true);
	char *stripped = strip_ansi(colored), *c1 = text_diff("a\nb", "a\nc\n", 3, true), *s1;

	(void)state;
	assert_string_equal(stripped, plain);
	assert_non_null(strstr(colored, "\033[1m--- old\033[m\n\033[1m+++ new\033[m\n"));
	assert_non_null(strstr(colored, "\033[36m@@ -1,5 +1,5 @@\033[m\n"));
	assert_non_null(strstr(colored, "\n key1: value1\n"));
	assert_non_null(strstr(colored, "\n\033[31m-key2: value2\033[m\n"));
	assert_non_null(strstr(colored, "\n\033[32m+key2: two\033[m\n"));
	assert_non_null(strstr(colored, "\033[36m@@ -12,7 +12,7 @@\033[m\n"));

	s1 = strip_ansi(c1);
	assert_string_equal(s1, "--- old\n+++ new\n@@ -1,2 +1,2 @@\n a\n-b\n"
	                        "\\ No newline at end of file\n+c\n");
	assert_non_null(
	        strstr(c1, "\033[31m-b\033[m\n\\ No newline at end of file\n\033[32m+c\033[m\n"));
	free(s1);
	free(c1);
	free(stripped);
	free(colored);
	free(plain);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_text_diff__equal),
		cmocka_unit_test(test_source_text_diff__one_line_changed),
		cmocka_unit_test(test_source_text_diff__added_at_end),
		cmocka_unit_test(test_source_text_diff__deleted_at_start),
		cmocka_unit_test(test_source_text_diff__several_hunks),
		cmocka_unit_test(test_source_text_diff__no_final_newline),
		cmocka_unit_test(test_source_text_diff__empty_side),
		cmocka_unit_test(test_source_text_diff__odd_text),
		cmocka_unit_test(test_source_text_diff__ambiguous_change),
		cmocka_unit_test(test_source_text_diff__color),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
