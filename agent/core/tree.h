#pragma once
/*
 * tree: read-only access to a tree of files, the one way the renderer reaches its input.
 * Two implementations: a directory on disk (tree_dir_new(), here) and a git tree at a
 * commit (in source/), so rendering a revision never needs a checkout.
 *
 * Paths are relative to the tree's root, '/'-separated, without "." or ".." components
 * (see tree_path_join()); "" is the root. Nothing can be reached above the root.
 *
 * Life cycle: a constructor returns a struct tree; tree_free() releases it and whatever
 * its implementation holds.
 */

#include <stddef.h>

#include "core/macro.h"

struct error;

enum tree_entry_type {
	TREE_ENTRY_MISSING,
	TREE_ENTRY_FILE,
	TREE_ENTRY_DIR,
	_TREE_ENTRY_TYPE_MAX,
	_TREE_ENTRY_TYPE_INVALID = -EINVAL,
};

struct tree_ops {
	/* What is at path; a missing path is not an error. */
	int (*stat)(void *userdata, const char *path, enum tree_entry_type *ret_type,
	            struct error *reterr);
	/*
	 * The whole content of the file at path, NUL-terminated (not counted in *ret_len),
	 * freed by the caller. Errors: -ENOENT, -EISDIR, -EFBIG above max_bytes.
	 */
	int (*read_file)(void *userdata, const char *path, size_t max_bytes, char **ret_data,
	                 size_t *ret_len, struct error *reterr);
	/* The names in the directory at path, sorted bytewise, as a strv the caller frees. */
	int (*list_dir)(void *userdata, const char *path, char ***ret_names, struct error *reterr);
	/* Release userdata. */
	void (*free)(void *userdata);
	/* How a path is shown to a user (absolute, or relative to the working directory). */
	char *(*display)(void *userdata, const char *path);
};

struct tree {
	const struct tree_ops *ops;
	void *userdata;
};

/* Wrap ops and userdata (ownership of userdata moves to the tree). */
struct tree *tree_new(const struct tree_ops *ops, void *userdata);
struct tree *tree_free(struct tree *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct tree *, tree_free)

int tree_stat(struct tree *t, const char *path, enum tree_entry_type *ret_type,
              struct error *reterr);
int tree_read_file(struct tree *t, const char *path, size_t max_bytes, char **ret_data,
                   size_t *ret_len, struct error *reterr);
int tree_list_dir(struct tree *t, const char *path, char ***ret_names, struct error *reterr);
/* A string for messages, freed by the caller. */
char *tree_display(struct tree *t, const char *path);

/*
 * Join base and rel (rel may be absolute from the root when it starts with '/') and
 * normalise the result: "a/b" + "../c/./d" -> "a/c/d". -EACCES when the result would leave
 * the root. *ret is freed by the caller.
 */
int tree_path_join(const char *base, const char *rel, char **ret);
/* Whether path is below dir (or dir itself). Both normalised. */
bool tree_path_is_under(const char *path, const char *dir);

/*
 * A directory on disk: root is an absolute path (or one relative to the working
 * directory). Symbolic links are followed, as kustomize does. Each directory is listed
 * once and the listing kept for the life of the tree: make a new tree to see changes.
 */
int tree_dir_new(const char *root, struct tree **ret, struct error *reterr);

/*
 * A tree held in memory: files added with tree_mem_add_file(), directories implied by
 * their paths. For tests, fuzzing and content that never touches the disk.
 */
struct tree *tree_mem_new(void);
/* Add (or replace) the file at path (normalised, relative) with len bytes of data. */
void tree_mem_add_file(struct tree *t, const char *path, const void *data, size_t len);
