#pragma once
/*
 * Files: bounded reads and atomic replacement.
 *
 * write_file_atomic() never leaves a half-written file at `path`: it writes a temporary
 * file in the same directory, fsyncs it, renames it over `path` and fsyncs the directory,
 * so after a crash `path` holds either the old or the new content, complete.
 *
 * read_file_full() refuses files larger than max_bytes with -EFBIG instead of reading
 * whatever an attacker or a runaway process put there.
 */

#include <stddef.h>
#include <sys/types.h>

#include "core/macro.h"

struct error;

/* Close fd when it is valid, keeping errno; returns -EBADF so `fd = safe_close(fd);`. */
int safe_close(int fd);

static inline void closep(int *fd)
{
	(void)safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

/*
 * Replace path with len bytes of data; the new file gets exactly `mode` (no umask).
 * Errors: -ENOENT when the directory does not exist, -EACCES, -ENOSPC, else -EIO-like
 * errno codes from the system calls; reterr names the path and the step that failed.
 */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                      struct error *reterr);

/*
 * Read a whole regular file. *ret_data is NUL-terminated (not counted in *ret_len) and
 * freed by the caller. Errors: -ENOENT, -EACCES, -EFBIG above max_bytes, -EISDIR.
 */
int read_file_full(const char *path, size_t max_bytes, char **ret_data, size_t *ret_len,
                   struct error *reterr);

/* Create a directory and its parents (like mkdir -p); existing directories are fine. */
int mkdir_parents(const char *path, mode_t mode, struct error *reterr);

/*
 * Remove path and everything below it, as `rm -rf` does: symbolic links are removed, never
 * followed; directories nested deeper than REMOVE_TREE_DEPTH_MAX are left. Best effort:
 * for temporary directories and clones we made, where nothing is worth an error.
 */
#define REMOVE_TREE_DEPTH_MAX 64
void remove_tree(const char *path);
