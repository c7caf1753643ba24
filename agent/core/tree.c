#include "core/tree.h"

#include <errno.h>
#include <string.h>

#include "core/alloc.h"
#include "core/strbuf.h"
#include "core/strv.h"

struct tree *tree_new(const struct tree_ops *ops, void *userdata)
{
	struct tree *t = xcalloc(1, sizeof(*t));

	t->ops = ops;
	t->userdata = userdata;
	return t;
}

struct tree *tree_free(struct tree *t)
{
	if (t) {
		if (t->ops->free)
			t->ops->free(t->userdata);
		free(t);
	}
	return NULL;
}

int tree_stat(struct tree *t, const char *path, enum tree_entry_type *ret_type,
              struct error *reterr)
{
	return t->ops->stat(t->userdata, path, ret_type, reterr);
}

int tree_read_file(struct tree *t, const char *path, size_t max_bytes, char **ret_data,
                   size_t *ret_len, struct error *reterr)
{
	return t->ops->read_file(t->userdata, path, max_bytes, ret_data, ret_len, reterr);
}

int tree_list_dir(struct tree *t, const char *path, char ***ret_names, struct error *reterr)
{
	return t->ops->list_dir(t->userdata, path, ret_names, reterr);
}

char *tree_display(struct tree *t, const char *path)
{
	if (t->ops->display)
		return t->ops->display(t->userdata, path);
	return xstrdup(isempty(path) ? "." : path);
}

int tree_path_join(const char *base, const char *rel, char **ret)
{
	_cleanup_strv_free_ char **parts = NULL;
	_cleanup_strv_free_ char **base_parts = NULL;
	_cleanup_strv_free_ char **rel_parts = NULL;
	size_t n = 0;

	if (rel[0] != '/')
		base_parts = strv_split(base, "/");
	rel_parts = strv_split(rel, "/");
	parts = xcalloc(strv_length(base_parts) + strv_length(rel_parts) + 1, sizeof(char *));
	for (int pass = 0; pass < 2; pass++) {
		strv_foreach(p, pass == 0 ? base_parts : rel_parts) {
			if (streq(p, "."))
				continue;
			if (streq(p, "..")) {
				if (n == 0)
					return -EACCES;
				free(parts[--n]);
				parts[n] = NULL;
				continue;
			}
			parts[n++] = xstrdup(p);
		}
	}
	*ret = strv_join(parts, "/");
	return 0;
}

bool tree_path_is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}
