/*
 * A unified diff of two texts, made by libgit2's xdiff and printed here so that the headers
 * are diff -u's ("--- label", no "diff --git" or "index" line).
 */

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "source/internal.h"
#include "source/source.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(git_patch *, git_patch_free)

/* git's default colours (color.diff.meta, frag, old, new) and its reset. */
#define COLOR_META  "\033[1m"
#define COLOR_FRAG  "\033[36m"
#define COLOR_OLD   "\033[31m"
#define COLOR_NEW   "\033[32m"
#define COLOR_RESET "\033[m"

#define NO_NEWLINE "\\ No newline at end of file\n"

/* One output line: prefix and text (without its '\n'), coloured when color is not NULL. */
static void add_line(struct strbuf *out, const char *color, char prefix, const char *text,
                     size_t len)
{
	if (color)
		strbuf_addstr(out, color);
	strbuf_addch(out, prefix);
	strbuf_add(out, text, len);
	if (color)
		strbuf_addstr(out, COLOR_RESET);
	strbuf_addch(out, '\n');
}

/*
 * diff -u's range: "start" for one line, else "start,count"; for an empty range xdiff already
 * gives the line before it as start, as diff does.
 */
static void add_range(struct strbuf *out, char sign, int start, int count)
{
	if (count == 1)
		strbuf_addf(out, "%c%d", sign, start);
	else
		strbuf_addf(out, "%c%d,%d", sign, start, count);
}

static void add_file_header(struct strbuf *out, const char *marker, const char *label, bool color)
{
	if (color)
		strbuf_addstr(out, COLOR_META);
	strbuf_addf(out, "%s %s", marker, label);
	if (color)
		strbuf_addstr(out, COLOR_RESET);
	strbuf_addch(out, '\n');
}

static void add_hunk_header(struct strbuf *out, const git_diff_hunk *hunk, bool color)
{
	if (color)
		strbuf_addstr(out, COLOR_FRAG);
	strbuf_addstr(out, "@@ ");
	add_range(out, '-', hunk->old_start, hunk->old_lines);
	strbuf_addch(out, ' ');
	add_range(out, '+', hunk->new_start, hunk->new_lines);
	strbuf_addstr(out, " @@");
	if (color)
		strbuf_addstr(out, COLOR_RESET);
	strbuf_addch(out, '\n');
}

/*
 * A ' ', '-' or '+' line. libgit2 also reports the lack of a final newline as lines of its
 * own ('=', '<', '>'), whose text is git's; the line before them already shows it: its
 * content has no '\n', and diff -u prints the marker right after it.
 */
static void add_diff_line(struct strbuf *out, const git_diff_line *line, bool color)
{
	const char *c = NULL;
	size_t len = line->content_len;
	bool has_newline;

	switch (line->origin) {
	case GIT_DIFF_LINE_CONTEXT:
		break;
	case GIT_DIFF_LINE_DELETION:
		c = COLOR_OLD;
		break;
	case GIT_DIFF_LINE_ADDITION:
		c = COLOR_NEW;
		break;
	default:
		return;
	}

	has_newline = len > 0 && line->content[len - 1] == '\n';
	if (has_newline)
		len--;
	add_line(out, color ? c : NULL, line->origin, line->content, len);
	if (!has_newline)
		strbuf_addstr(out, NO_NEWLINE);
}

static int add_patch(struct strbuf *out, git_patch *patch, const char *old_label,
                     const char *new_label, bool color, struct error *reterr)
{
	size_t n_hunks = git_patch_num_hunks(patch);

	if (n_hunks == 0)
		return 0;

	add_file_header(out, "---", old_label, color);
	add_file_header(out, "+++", new_label, color);

	for (size_t h = 0; h < n_hunks; h++) {
		const git_diff_hunk *hunk;
		size_t n_lines;
		int g;

		g = git_patch_get_hunk(&hunk, &n_lines, patch, h);
		if (g < 0)
			return source_git_error(g, reterr, "Failed to read hunk %zu of a diff", h);
		add_hunk_header(out, hunk, color);
		for (size_t i = 0; i < n_lines; i++) {
			const git_diff_line *line;

			g = git_patch_get_line_in_hunk(&line, patch, h, i);
			if (g < 0)
				return source_git_error(g, reterr, "Failed to read diff line %zu",
				                        i);
			add_diff_line(out, line, color);
		}
	}
	return 0;
}

int source_text_diff(const char *old_text, size_t old_len, const char *new_text, size_t new_len,
                     const char *old_label, const char *new_label, unsigned context_lines,
                     bool color, struct strbuf *out, struct error *reterr)
{
	_cleanup_(git_patch_freep) git_patch *patch = NULL;
	git_diff_options opts;
	size_t start = out->len;
	int g, r;

	assert(old_text || old_len == 0);
	assert(new_text || new_len == 0);

	r = source_git_init(reterr);
	if (r < 0)
		return r;

	g = git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	if (g < 0)
		return source_git_error(g, reterr, "Failed to set up a diff");
	/* Never "Binary files differ": YAML with control characters is still text to us. */
	opts.flags |= GIT_DIFF_FORCE_TEXT;
	opts.context_lines = context_lines;
	opts.interhunk_lines = 0;

	/* A NULL buffer would be a missing file to libgit2; an empty text is what we mean. */
	g = git_patch_from_buffers(&patch, old_text ? old_text : "", old_len, NULL,
	                           new_text ? new_text : "", new_len, NULL, &opts);
	if (g < 0)
		return source_git_error(g, reterr, "Failed to diff '%s' and '%s'", old_label,
		                        new_label);

	r = add_patch(out, patch, old_label, new_label, color, reterr);
	if (r < 0)
		strbuf_setlen(out, start);
	return r;
}
