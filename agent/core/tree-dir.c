/* struct tree over a directory on disk. */

#include "core/tree.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/strv.h"

struct tree_dir {
	char *root; /* absolute, no trailing slash except for "/" itself */
	char *cwd;  /* for display; NULL when unknown */
};

static char *full_path(const struct tree_dir *d, const char *path)
{
	if (isempty(path))
		return xstrdup(d->root);
	if (streq(d->root, "/"))
		return xasprintf("/%s", path);
	return xasprintf("%s/%s", d->root, path);
}

static int dir_stat(void *userdata, const char *path, enum tree_entry_type *ret_type,
                    struct error *reterr)
{
	_cleanup_free_ char *p = full_path(userdata, path);
	struct stat st;

	if (stat(p, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			*ret_type = TREE_ENTRY_MISSING;
			return 0;
		}
		return error_set(reterr, -errno, "Failed to stat '%s': %s", p, strerror(errno));
	}
	*ret_type = S_ISDIR(st.st_mode) ? TREE_ENTRY_DIR : TREE_ENTRY_FILE;
	return 0;
}

static int dir_read_file(void *userdata, const char *path, size_t max_bytes, char **ret_data,
                         size_t *ret_len, struct error *reterr)
{
	_cleanup_free_ char *p = full_path(userdata, path);

	return read_file_full(p, max_bytes, ret_data, ret_len, reterr);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int dir_list(void *userdata, const char *path, char ***ret_names, struct error *reterr)
{
	_cleanup_free_ char *p = full_path(userdata, path);
	_cleanup_strv_free_ char **names = xcalloc(1, sizeof(char *));
	DIR *dir;

	dir = opendir(p);
	if (!dir)
		return error_set(reterr, -errno, "Failed to open directory '%s': %s", p,
		                 strerror(errno));
	for (;;) {
		struct dirent *de;

		errno = 0;
		de = readdir(dir);
		if (!de)
			break;
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		strv_push(&names, de->d_name);
	}
	if (errno) {
		int r = -errno;

		closedir(dir);
		return error_set(reterr, r, "Failed to read directory '%s': %s", p, strerror(-r));
	}
	closedir(dir);
	qsort(names, strv_length(names), sizeof(char *), compare_strings);
	*ret_names = TAKE_PTR(names);
	return 0;
}

static char *dir_display(void *userdata, const char *path)
{
	const struct tree_dir *d = userdata;
	_cleanup_free_ char *p = full_path(d, path);
	size_t n;

	if (!d->cwd)
		return TAKE_PTR(p);
	n = strlen(d->cwd);
	if (streq(p, d->cwd))
		return xstrdup(".");
	if (strncmp(p, d->cwd, n) == 0 && p[n] == '/')
		return xstrdup(p + n + 1);
	return TAKE_PTR(p);
}

static void dir_free(void *userdata)
{
	struct tree_dir *d = userdata;

	free(d->root);
	free(d->cwd);
	free(d);
}

static const struct tree_ops dir_ops = {
	.stat = dir_stat,
	.read_file = dir_read_file,
	.list_dir = dir_list,
	.free = dir_free,
	.display = dir_display,
};

int tree_dir_new(const char *root, struct tree **ret, struct error *reterr)
{
	struct tree_dir *d;
	char cwd[PATH_MAX];
	bool have_cwd = getcwd(cwd, sizeof(cwd)) != NULL;
	char *abs;
	size_t n;

	if (root[0] == '/')
		abs = xstrdup(root);
	else if (have_cwd)
		abs = xasprintf("%s/%s", cwd, root);
	else
		return error_set(reterr, -errno, "Failed to find the working directory: %s",
		                 strerror(errno));
	n = strlen(abs);
	while (n > 1 && abs[n - 1] == '/')
		abs[--n] = '\0';
	d = xcalloc(1, sizeof(*d));
	d->root = abs;
	d->cwd = have_cwd ? xstrdup(cwd) : NULL;
	*ret = tree_new(&dir_ops, d);
	return 0;
}
