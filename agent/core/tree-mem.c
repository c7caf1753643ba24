/* struct tree held in memory. */

#include "core/tree.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strv.h"

struct mem_file {
	char *path;
	char *data;
	size_t len;
};

struct tree_mem {
	struct mem_file *files;
	size_t n;
};

static const struct mem_file *mem_find(const struct tree_mem *t, const char *path)
{
	for (size_t i = 0; i < t->n; i++)
		if (streq(t->files[i].path, path))
			return &t->files[i];
	return NULL;
}

static bool mem_is_dir(const struct tree_mem *t, const char *path)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < t->n; i++)
		if (n == 0 ||
		    (strncmp(t->files[i].path, path, n) == 0 && t->files[i].path[n] == '/'))
			return true;
	return n == 0;
}

static int mem_stat(void *userdata, const char *path, enum tree_entry_type *ret,
                    struct error *reterr)
{
	(void)reterr;
	if (mem_find(userdata, path))
		*ret = TREE_ENTRY_FILE;
	else if (mem_is_dir(userdata, path))
		*ret = TREE_ENTRY_DIR;
	else
		*ret = TREE_ENTRY_MISSING;
	return 0;
}

static int mem_read(void *userdata, const char *path, size_t max_bytes, char **ret_data,
                    size_t *ret_len, struct error *reterr)
{
	const struct mem_file *f = mem_find(userdata, path);
	char *data;

	if (!f)
		return error_set(reterr, mem_is_dir(userdata, path) ? -EISDIR : -ENOENT,
		                 "Failed to open '%s': %s", path,
		                 mem_is_dir(userdata, path) ? "is a directory" : "no such file");
	if (f->len > max_bytes)
		return error_set(reterr, -EFBIG, "'%s' is larger than %zu bytes", path, max_bytes);
	data = xmalloc(f->len + 1);
	memcpy(data, f->data, f->len);
	data[f->len] = '\0';
	*ret_data = data;
	*ret_len = f->len;
	return 0;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int mem_list(void *userdata, const char *path, char ***ret_names, struct error *reterr)
{
	const struct tree_mem *t = userdata;
	size_t n = strlen(path);
	char **names = xcalloc(1, sizeof(char *));

	(void)reterr;
	for (size_t i = 0; i < t->n; i++) {
		const char *p = t->files[i].path, *rest, *slash;
		_cleanup_free_ char *name = NULL;

		if (n > 0 && (strncmp(p, path, n) != 0 || p[n] != '/'))
			continue;
		rest = n > 0 ? p + n + 1 : p;
		slash = strchr(rest, '/');
		name = slash ? xstrndup(rest, (size_t)(slash - rest)) : xstrdup(rest);
		if (!strv_contains(names, name))
			strv_consume(&names, TAKE_PTR(name));
	}
	qsort(names, strv_length(names), sizeof(char *), compare_strings);
	*ret_names = names;
	return 0;
}

static void mem_free(void *userdata)
{
	struct tree_mem *t = userdata;

	for (size_t i = 0; i < t->n; i++) {
		free(t->files[i].path);
		free(t->files[i].data);
	}
	free(t->files);
	free(t);
}

static const struct tree_ops mem_ops = {
	.stat = mem_stat,
	.read_file = mem_read,
	.list_dir = mem_list,
	.free = mem_free,
};

struct tree *tree_mem_new(void)
{
	return tree_new(&mem_ops, xcalloc(1, sizeof(struct tree_mem)));
}

void tree_mem_add_file(struct tree *tree, const char *path, const void *data, size_t len)
{
	struct tree_mem *t = tree->userdata;
	struct mem_file *f;

	assert(tree->ops == &mem_ops);
	f = (struct mem_file *)mem_find(t, path);
	if (!f) {
		t->files = xreallocarray(t->files, t->n + 1, sizeof(*t->files));
		f = &t->files[t->n++];
		f->path = xstrdup(path);
	} else {
		free(f->data);
	}
	f->data = xmemdup(data, len);
	f->len = len;
}
