/*
 * struct tree over a directory on disk.
 *
 * A render asks what is at a path far more often than it reads files (three kustomization
 * names per directory, every resources entry), and each stat() walks the whole path again.
 * So the first question about a directory lists it once (opendir/readdir, with d_type) and
 * later ones are answered from that listing; only symbolic links, file systems without
 * d_type and unreadable directories fall back to stat(). The listings live as long as the
 * tree: a tree is a snapshot for one render, not a view of a changing directory.
 */

#include "core/tree.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/strv.h"

/* One directory's entries, sorted by name; code < 0 when it could not be listed. */
struct listing {
	char *path; /* tree path of the directory */
	char **names;
	unsigned char *types; /* d_type of each name */
	size_t n;
	int code;
	struct listing *next; /* in its hash bucket */
};

struct tree_dir {
	char *root; /* absolute, no trailing slash except for "/" itself */
	char *cwd;  /* for display; NULL when unknown */

	pthread_mutex_t lock; /* the renderer reads from several threads */
	struct listing **buckets;
	size_t n_buckets; /* a power of two */
	size_t n_listings;
};

static char *full_path(const struct tree_dir *d, const char *path)
{
	if (isempty(path))
		return xstrdup(d->root);
	if (streq(d->root, "/"))
		return xstrjoin("/", path, NULL);
	return xstrjoin(d->root, "/", path, NULL);
}

static uint64_t hash_string(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}

static struct listing *listing_free(struct listing *l)
{
	if (l) {
		strv_free(l->names);
		free(l->types);
		free(l->path);
		free(l);
	}
	return NULL;
}

struct named_type {
	char *name;
	unsigned char type;
};

static int compare_named(const void *a, const void *b)
{
	return strcmp(((const struct named_type *)a)->name, ((const struct named_type *)b)->name);
}

/* List the directory at tree path dir, from disk. A failure is kept in the listing. */
static struct listing *listing_load(const struct tree_dir *d, const char *dir)
{
	_cleanup_free_ char *p = full_path(d, dir);
	struct listing *l = xcalloc(1, sizeof(*l));
	struct named_type *entries = NULL;
	size_t n = 0, alloc = 0;
	DIR *dh;

	l->path = xstrdup(dir);
	dh = opendir(p);
	if (!dh) {
		l->code = -errno;
		return l;
	}
	for (;;) {
		struct dirent *de;

		errno = 0;
		de = readdir(dh);
		if (!de) {
			l->code = -errno;
			break;
		}
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			entries = xreallocarray(entries, alloc, sizeof(*entries));
		}
		entries[n].name = xstrdup(de->d_name);
		entries[n].type = de->d_type;
		n++;
	}
	closedir(dh);
	qsort(entries, n, sizeof(*entries), compare_named);
	l->names = xcalloc(n + 1, sizeof(char *));
	l->types = xcalloc(n ? n : 1, 1);
	for (size_t i = 0; i < n; i++) {
		l->names[i] = entries[i].name;
		l->types[i] = entries[i].type;
	}
	l->n = n;
	free(entries);
	return l;
}

/* The listing of dir, loaded on first use. */
static const struct listing *listing_get(struct tree_dir *d, const char *dir)
{
	uint64_t h = hash_string(dir);
	struct listing *l, *loaded;

	pthread_mutex_lock(&d->lock);
	for (l = d->buckets[h & (d->n_buckets - 1)]; l; l = l->next)
		if (streq(l->path, dir))
			break;
	pthread_mutex_unlock(&d->lock);
	if (l)
		return l;

	loaded = listing_load(d, dir); /* without the lock: it is the slow part */

	pthread_mutex_lock(&d->lock);
	for (l = d->buckets[h & (d->n_buckets - 1)]; l; l = l->next)
		if (streq(l->path, dir))
			break;
	if (l) {
		/* another thread listed it meanwhile */
		pthread_mutex_unlock(&d->lock);
		listing_free(loaded);
		return l;
	}
	if (d->n_listings >= d->n_buckets) {
		size_t n = d->n_buckets * 2;
		struct listing **buckets = xcalloc(n, sizeof(*buckets));

		for (size_t i = 0; i < d->n_buckets; i++)
			while (d->buckets[i]) {
				struct listing *move = d->buckets[i];

				d->buckets[i] = move->next;
				move->next = buckets[hash_string(move->path) & (n - 1)];
				buckets[hash_string(move->path) & (n - 1)] = move;
			}
		free(d->buckets);
		d->buckets = buckets;
		d->n_buckets = n;
	}
	loaded->next = d->buckets[h & (d->n_buckets - 1)];
	d->buckets[h & (d->n_buckets - 1)] = loaded;
	d->n_listings++;
	pthread_mutex_unlock(&d->lock);
	return loaded;
}

static int stat_on_disk(const struct tree_dir *d, const char *path, enum tree_entry_type *ret_type,
                        struct error *reterr)
{
	_cleanup_free_ char *p = full_path(d, path);
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

static int dir_stat(void *userdata, const char *path, enum tree_entry_type *ret_type,
                    struct error *reterr)
{
	struct tree_dir *d = userdata;
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *parent = NULL;
	const struct listing *l;
	const char *name;
	size_t lo = 0, hi;

	if (isempty(path))
		return stat_on_disk(d, path, ret_type, reterr);
	parent = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup("");
	name = slash ? slash + 1 : path;
	l = listing_get(d, parent);
	if (l->code == -ENOENT || l->code == -ENOTDIR) {
		*ret_type = TREE_ENTRY_MISSING;
		return 0;
	}
	if (l->code < 0) /* unreadable (search-only) directory: ask for the one path */
		return stat_on_disk(d, path, ret_type, reterr);
	for (hi = l->n; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, l->names[mid]);

		if (c == 0) {
			switch (l->types[mid]) {
			case DT_DIR:
				*ret_type = TREE_ENTRY_DIR;
				return 0;
			case DT_REG:
				*ret_type = TREE_ENTRY_FILE;
				return 0;
			default: /* symbolic link (followed), no d_type, or something odd */
				return stat_on_disk(d, path, ret_type, reterr);
			}
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*ret_type = TREE_ENTRY_MISSING;
	return 0;
}

static int dir_read_file(void *userdata, const char *path, size_t max_bytes, char **ret_data,
                         size_t *ret_len, struct error *reterr)
{
	_cleanup_free_ char *p = full_path(userdata, path);

	return read_file_full(p, max_bytes, ret_data, ret_len, reterr);
}

static int dir_list(void *userdata, const char *path, char ***ret_names, struct error *reterr)
{
	struct tree_dir *d = userdata;
	const struct listing *l = listing_get(d, path);
	_cleanup_free_ char *p = NULL;
	char **names;

	if (l->code < 0) {
		p = full_path(d, path);
		return error_set(reterr, l->code, "Failed to list directory '%s': %s", p,
		                 strerror(-l->code));
	}
	names = xcalloc(l->n + 1, sizeof(char *));
	for (size_t i = 0; i < l->n; i++)
		names[i] = xstrdup(l->names[i]);
	*ret_names = names;
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

	for (size_t i = 0; i < d->n_buckets; i++)
		while (d->buckets[i]) {
			struct listing *l = d->buckets[i];

			d->buckets[i] = l->next;
			listing_free(l);
		}
	free(d->buckets);
	pthread_mutex_destroy(&d->lock);
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
	pthread_mutex_init(&d->lock, NULL);
	d->n_buckets = 64;
	d->buckets = xcalloc(d->n_buckets, sizeof(*d->buckets));
	d->root = abs;
	d->cwd = have_cwd ? xstrdup(cwd) : NULL;
	*ret = tree_new(&dir_ops, d);
	return 0;
}
