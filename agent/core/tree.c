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
	/* components appended one by one; ".." takes the last one back off */
	char *out = xmalloc(strlen(base) + strlen(rel) + 2);
	size_t len = 0;

	for (int pass = 0; pass < 2; pass++) {
		const char *p = pass == 1 ? rel : rel[0] == '/' ? "" : base;

		while (*p) {
			const char *end = strchrnul(p, '/');
			size_t n = (size_t)(end - p);

			if (n == 2 && p[0] == '.' && p[1] == '.') {
				if (len == 0) {
					free(out);
					return -EACCES;
				}
				while (len > 0 && out[len - 1] != '/')
					len--;
				if (len > 0)
					len--; /* the separator before it */
			} else if (n > 0 && !(n == 1 && p[0] == '.')) {
				if (len > 0)
					out[len++] = '/';
				memcpy(out + len, p, n);
				len += n;
			}
			p = *end ? end + 1 : end;
		}
	}
	out[len] = '\0';
	*ret = out;
	return 0;
}

bool tree_path_is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}
