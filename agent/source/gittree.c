/*
 * The renderer's tree reader (core/tree.h) on the tree of a commit, reading blobs
 * straight from the object database: no work tree, no checkout.
 *
 * Symbolic links are followed inside the tree, as on disk; one that leaves the tree, a
 * loop, or a submodule is an error. The renderer reads from several threads at once:
 * libgit2 (built thread-safe) allows concurrent reads of one repository, and everything
 * here is read-only after construction.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strv.h"
#include "core/tree.h"
#include "source/internal.h"
#include "source/source.h"

#define SYMLINKS_MAX 40

struct git_tree_reader {
	git_repository *repo; /* our own handle, so the reader outlives the caller's */
	git_tree *root;
	char revision[SOURCE_OID_HEX_MAX];
};

/*
 * What is at path: with symbolic links resolved, *ret_entry is the final entry (NULL for
 * the root itself, which is a directory) and *ret_path the resolved path (freed by the
 * caller). A missing path gives -ENOENT.
 */
static int lookup(struct git_tree_reader *t, const char *path, git_tree_entry **ret_entry,
                  char **ret_path, struct error *reterr)
{
	_cleanup_free_ char *cur = xstrdup(path);
	unsigned links = 0;

	for (;;) {
		git_tree_entry *entry = NULL;
		char *slash;
		size_t done;
		int g;

		if (cur[0] == '\0') {
			*ret_entry = NULL;
			*ret_path = TAKE_PTR(cur);
			return 0;
		}
		/* walk component by component, so a link to a directory in the middle is followed
		 */
		done = 0;
		for (;;) {
			slash = strchr(cur + done, '/');
			if (slash)
				*slash = '\0';
			g = git_tree_entry_bypath(&entry, t->root, cur);
			if (slash)
				*slash = '/';
			if (g == GIT_ENOTFOUND)
				return -ENOENT;
			if (g < 0)
				return source_git_error(g, reterr, "Failed to read '%s' at %.12s",
				                        path, t->revision);
			if (git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK || !slash)
				break;
			if (git_tree_entry_type(entry) != GIT_OBJECT_TREE) {
				git_tree_entry_free(entry);
				return -ENOENT; /* a file in the middle of the path */
			}
			git_tree_entry_free(entry);
			done = (size_t)(slash - cur) + 1;
		}

		if (git_tree_entry_filemode(entry) == GIT_FILEMODE_COMMIT) {
			git_tree_entry_free(entry);
			return error_set(reterr, -ENOTSUP,
			                 "'%s' at %.12s is a submodule, which cannot be read", path,
			                 t->revision);
		}
		if (git_tree_entry_filemode(entry) != GIT_FILEMODE_LINK) {
			*ret_entry = entry;
			*ret_path = TAKE_PTR(cur);
			return 0;
		}

		/* a symbolic link: its blob holds the target, relative to the link's directory */
		{
			git_blob *blob = NULL;
			_cleanup_free_ char *target = NULL, *dir = NULL, *joined = NULL;
			_cleanup_free_ char *rest =
			        xstrdup(slash ? slash + 1 : ""); /* cur is freed */
			char *last;

			if (++links > SYMLINKS_MAX) {
				git_tree_entry_free(entry);
				return error_set(
				        reterr, -ELOOP,
				        "Too many levels of symbolic links in '%s' at %.12s", path,
				        t->revision);
			}
			g = git_blob_lookup(&blob, t->repo, git_tree_entry_id(entry));
			git_tree_entry_free(entry);
			if (g < 0)
				return source_git_error(g, reterr, "Failed to read the link '%s'",
				                        cur);
			target =
			        xstrndup(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
			git_blob_free(blob);
			if (slash)
				*slash = '\0';
			last = strrchr(cur, '/');
			dir = last ? xstrndup(cur, (size_t)(last - cur)) : xstrdup("");
			if (target[0] == '/' || tree_path_join(dir, target, &joined) < 0)
				return error_set(
				        reterr, -EACCES,
				        "The symbolic link '%s' at %.12s points outside the "
				        "repository (%s)",
				        cur, t->revision, target);
			free(cur);
			if (rest[0]) {
				_cleanup_free_ char *full = xstrjoin(joined, "/", rest, NULL);

				if (tree_path_join("", full, &cur) < 0)
					return error_set(reterr, -EACCES,
					                 "'%s' leaves the repository", path);
			} else {
				cur = TAKE_PTR(joined);
			}
		}
	}
}

static int reader_stat(void *userdata, const char *path, enum tree_entry_type *ret,
                       struct error *reterr)
{
	_cleanup_free_ char *resolved = NULL;
	git_tree_entry *entry = NULL;
	int r;

	r = lookup(userdata, path, &entry, &resolved, reterr);
	if (r == -ENOENT) {
		*ret = TREE_ENTRY_MISSING;
		return 0;
	}
	if (r < 0)
		return r;
	*ret = !entry || git_tree_entry_type(entry) == GIT_OBJECT_TREE ? TREE_ENTRY_DIR :
	                                                                 TREE_ENTRY_FILE;
	git_tree_entry_free(entry);
	return 0;
}

static int reader_read(void *userdata, const char *path, size_t max_bytes, char **ret_data,
                       size_t *ret_len, struct error *reterr)
{
	struct git_tree_reader *t = userdata;
	_cleanup_free_ char *resolved = NULL;
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	git_object_size_t size;
	char *data;
	int r, g;

	r = lookup(t, path, &entry, &resolved, reterr);
	if (r == -ENOENT)
		return error_set(reterr, -ENOENT, "Failed to open '%s' at %.12s: no such file",
		                 path, t->revision);
	if (r < 0)
		return r;
	if (!entry || git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
		git_tree_entry_free(entry);
		return error_set(reterr, -EISDIR, "Failed to open '%s' at %.12s: is a directory",
		                 path, t->revision);
	}
	g = git_blob_lookup(&blob, t->repo, git_tree_entry_id(entry));
	git_tree_entry_free(entry);
	if (g < 0)
		return source_git_error(g, reterr, "Failed to read '%s' at %.12s", path,
		                        t->revision);
	size = git_blob_rawsize(blob);
	if (size > max_bytes) {
		git_blob_free(blob);
		return error_set(reterr, -EFBIG, "'%s' at %.12s is larger than %zu bytes", path,
		                 t->revision, max_bytes);
	}
	data = xmalloc((size_t)size + 1);
	memcpy(data, git_blob_rawcontent(blob), (size_t)size);
	data[size] = '\0';
	git_blob_free(blob);
	*ret_data = data;
	*ret_len = (size_t)size;
	return 0;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int reader_list(void *userdata, const char *path, char ***ret_names, struct error *reterr)
{
	struct git_tree_reader *t = userdata;
	_cleanup_free_ char *resolved = NULL;
	git_tree_entry *entry = NULL;
	git_tree *tree = NULL;
	char **names;
	size_t n;
	int r, g;

	r = lookup(t, path, &entry, &resolved, reterr);
	if (r == -ENOENT)
		return error_set(reterr, -ENOENT, "Failed to list '%s' at %.12s: no such directory",
		                 path, t->revision);
	if (r < 0)
		return r;
	if (!entry) {
		g = git_tree_dup(&tree, t->root);
	} else if (git_tree_entry_type(entry) != GIT_OBJECT_TREE) {
		git_tree_entry_free(entry);
		return error_set(reterr, -ENOTDIR, "Failed to list '%s' at %.12s: not a directory",
		                 path, t->revision);
	} else {
		g = git_tree_lookup(&tree, t->repo, git_tree_entry_id(entry));
	}
	git_tree_entry_free(entry);
	if (g < 0)
		return source_git_error(g, reterr, "Failed to list '%s' at %.12s", path,
		                        t->revision);

	n = git_tree_entrycount(tree);
	names = xcalloc(n + 1, sizeof(*names));
	for (size_t i = 0; i < n; i++)
		names[i] = xstrdup(git_tree_entry_name(git_tree_entry_byindex(tree, i)));
	git_tree_free(tree);
	/* git orders a directory "a" as "a/": the renderer wants plain byte order */
	qsort(names, n, sizeof(*names), compare_strings);
	*ret_names = names;
	return 0;
}

static char *reader_display(void *userdata, const char *path)
{
	struct git_tree_reader *t = userdata;

	return xasprintf("%.12s:%s", t->revision, path);
}

static void reader_free(void *userdata)
{
	struct git_tree_reader *t = userdata;

	git_tree_free(t->root);
	git_repository_free(t->repo);
	free(t);
}

static const struct tree_ops git_tree_ops = {
	.stat = reader_stat,
	.read_file = reader_read,
	.list_dir = reader_list,
	.free = reader_free,
	.display = reader_display,
};

int source_repo_tree(struct source_repo *r, const char *revision, struct tree **ret,
                     struct error *reterr)
{
	struct git_tree_reader *t;
	git_commit *commit = NULL;
	git_oid oid;
	int g;

	g = git_oid_fromstr(&oid, revision);
	if (g < 0 || strlen(revision) != GIT_OID_HEXSZ)
		return error_set(reterr, -EINVAL, "'%s' is not a full commit id", revision);
	t = xcalloc(1, sizeof(*t));
	source_oid_hex(&oid, t->revision);
	g = git_repository_open_ext(&t->repo, git_repository_path(source_repo_git(r)),
	                            GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (g >= 0)
		g = git_commit_lookup(&commit, t->repo, &oid);
	if (g >= 0)
		g = git_commit_tree(&t->root, commit);
	git_commit_free(commit);
	if (g < 0) {
		int code = source_git_error(g, reterr, "Failed to read the tree of commit %s",
		                            t->revision);

		reader_free(t);
		return code;
	}
	*ret = tree_new(&git_tree_ops, t);
	return 0;
}
