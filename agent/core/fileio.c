#include "core/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"

int safe_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;

		(void)close(fd);
		errno = saved;
	}
	return -EBADF;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_directory_of(const char *path)
{
	_cleanup_free_ char *dir = xstrdup(path);
	_cleanup_close_ int fd = -EBADF;
	char *slash = strrchr(dir, '/');

	if (!slash)
		dir[0] = '.', dir[1] = '\0';
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		return -errno;
	return 0;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                      struct error *reterr)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	const char *base = strrchr(path, '/');
	int r;

	base = base ? base + 1 : path;
	tmp = xasprintf("%.*s.#%s.XXXXXX", (int)(base - path), path, base);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return error_set(reterr, -errno, "Failed to create a temporary file for '%s': %s",
		                 path, strerror(errno));

	r = write_all(fd, data, len);
	if (r < 0) {
		error_set(reterr, r, "Failed to write '%s': %s", tmp, strerror(-r));
		goto fail;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		r = -errno;
		error_set(reterr, r, "Failed to sync '%s': %s", tmp, strerror(-r));
		goto fail;
	}
	fd = safe_close(fd);
	if (rename(tmp, path) < 0) {
		r = -errno;
		error_set(reterr, r, "Failed to rename '%s' to '%s': %s", tmp, path, strerror(-r));
		goto fail;
	}
	r = fsync_directory_of(path);
	if (r < 0)
		return error_set(reterr, r, "Failed to sync the directory of '%s': %s", path,
		                 strerror(-r));
	return 0;

fail:
	(void)unlink(tmp);
	return r;
}

int read_file_full(const char *path, size_t max_bytes, char **ret_data, size_t *ret_len,
                   struct error *reterr)
{
	_cleanup_close_ int fd = -EBADF;
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return error_set(reterr, -errno, "Failed to open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		return error_set(reterr, -errno, "Failed to stat '%s': %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return error_set(reterr, -EISDIR, "'%s' is a directory", path);
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max_bytes)
		return error_set(reterr, -EFBIG, "'%s' is larger than %zu bytes", path, max_bytes);
	if (S_ISREG(st.st_mode))
		strbuf_grow(&sb, (size_t)st.st_size);

	/* The size may change under us, and pipes have none: the cap applies to what we read. */
	for (;;) {
		ssize_t n;

		size_t left = max_bytes - sb.len;

		strbuf_grow(&sb, 4096);
		/* one byte past the cap tells a file at the limit from one over it */
		if (left < SIZE_MAX)
			left++;
		n = read(fd, sb.buf + sb.len, MIN(sb.alloc - sb.len - 1, left));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			strbuf_release(&sb);
			return error_set(reterr, r, "Failed to read '%s': %s", path, strerror(-r));
		}
		if (n == 0)
			break;
		strbuf_setlen(&sb, sb.len + (size_t)n);
		if (sb.len > max_bytes) {
			strbuf_release(&sb);
			return error_set(reterr, -EFBIG, "'%s' is larger than %zu bytes", path,
			                 max_bytes);
		}
	}
	*ret_data = strbuf_detach(&sb, ret_len);
	return 0;
}

int mkdir_parents(const char *path, mode_t mode, struct error *reterr)
{
	_cleanup_free_ char *p = NULL;

	if (isempty(path))
		return error_set(reterr, -EINVAL, "Empty directory path");
	p = xstrdup(path);
	for (char *s = p + 1;; s++) {
		bool end = *s == '\0';

		if (*s != '/' && !end)
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return error_set(reterr, -errno, "Failed to create directory '%s': %s", p,
			                 strerror(errno));
		if (end)
			break;
		*s = '/';
	}
	return 0;
}

/* Empty the directory fd (closed here), going down depth more levels at most. */
static void remove_below(int fd, unsigned depth)
{
	DIR *d = fdopendir(fd);

	if (!d) {
		(void)close(fd);
		return;
	}
	for (struct dirent *de = readdir(d); de; de = readdir(d)) {
		int sub;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0 || (errno != EISDIR && errno != EPERM))
			continue;
		if (depth == 0)
			continue;
		sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			remove_below(sub, depth - 1);
		(void)unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
	}
	(void)closedir(d);
}

void remove_tree(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		(void)unlink(path); /* a file, a link, or nothing */
		return;
	}
	remove_below(fd, REMOVE_TREE_DEPTH_MAX);
	(void)rmdir(path);
}
