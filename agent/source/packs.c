/*
 * Keeping the clone's pack files few. Every fetch that brings objects adds a pack, and a
 * daemon fetching each commit would end with thousands: an object lookup tries them one by
 * one and each open pack holds a file descriptor. When there are more than PACKS_MAX,
 * the objects of all packs but the largest (the first clone, as a rule) are written into
 * one new pack. Nothing is dropped, reachable or not: an old revision may be needed again
 * (rollback). The packs it replaces are removed at the next fetch, not at once, so that a
 * reader that listed them just before (a render in progress) can still open them.
 *
 * Runs in the fetch helper, under the clone's lock; a failure is logged, never fatal.
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2/sys/odb_backend.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/strv.h"
#include "source/internal.h"

#define PACKS_MAX   16
#define STALE_FILE  "driftless-stale-packs"
#define STALE_BYTES (1u << 20)

DEFINE_TRIVIAL_CLEANUP_FUNC(git_packbuilder *, git_packbuilder_free)

/* The pack names ("pack-<hash>") in dir, and the largest one's index in *ret_largest. */
static char **packs_list(const char *dir, size_t *ret_largest)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	off_t largest = -1;
	size_t n = 0;

	*ret_largest = 0;
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		_cleanup_free_ char *pack = NULL;
		struct stat st;

		if (len < 10 || strncmp(de->d_name, "pack-", 5) != 0 ||
		    !streq(de->d_name + len - 4, ".idx"))
			continue;
		pack = xasprintf("%s/%.*s.pack", dir, (int)(len - 4), de->d_name);
		if (stat(pack, &st) < 0)
			continue; /* an index without its pack: not ours to judge */
		strv_consume(&names, xstrndup(de->d_name, len - 4));
		if (st.st_size > largest) {
			largest = st.st_size;
			*ret_largest = n;
		}
		n++;
	}
	closedir(d);
	return names;
}

static int insert_object(const git_oid *id, void *payload)
{
	return git_packbuilder_insert(payload, id, NULL);
}

/* Add every object of the pack dir/name to pb. */
static int insert_pack(git_packbuilder *pb, const char *dir, const char *name)
{
	_cleanup_free_ char *idx = xasprintf("%s/%s.idx", dir, name);
	git_odb_backend *backend = NULL;
	git_odb *odb = NULL;
	int g;

	g = git_odb_new(&odb);
	if (g >= 0)
		g = git_odb_backend_one_pack(&backend, idx);
	if (g >= 0) {
		g = git_odb_add_backend(odb, backend, 1);
		if (g < 0)
			backend->free(backend);
	}
	if (g >= 0)
		g = git_odb_foreach(odb, insert_object, pb);
	git_odb_free(odb);
	return g;
}

void source_packs_remove_stale(const char *repo_dir)
{
	_cleanup_free_ char *path = xstrjoin(repo_dir, "/" STALE_FILE, NULL);
	_cleanup_free_ char *data = NULL;
	_cleanup_(strv_freep) char **names = NULL;
	size_t len;

	if (read_file_full(path, STALE_BYTES, &data, &len, NULL) < 0)
		return;
	names = strv_split(data, "\n");
	for (char **n = names; n && *n; n++) {
		if (strncmp(*n, "pack-", 5) != 0 || strchr(*n, '/'))
			continue;
		/* the index first: without it nobody looks into the pack */
		for (const char *ext = ".idx"; ext; ext = streq(ext, ".idx") ? ".pack" : NULL) {
			_cleanup_free_ char *f =
			        xasprintf("%s/objects/pack/%s%s", repo_dir, *n, ext);

			if (unlink(f) < 0 && errno != ENOENT)
				log_warning("Failed to remove %s: %s", f, strerror(errno));
		}
	}
	(void)unlink(path);
}

int source_packs_consolidate(git_repository *repo, const char *repo_dir, struct error *reterr)
{
	_cleanup_free_ char *dir = xstrjoin(repo_dir, "/objects/pack", NULL);
	_cleanup_free_ char *stale_path = xstrjoin(repo_dir, "/" STALE_FILE, NULL);
	_cleanup_(strv_freep) char **names = NULL;
	_cleanup_(git_packbuilder_freep) git_packbuilder *pb = NULL;
	struct strbuf stale = STRBUF_INIT;
	size_t largest, n;
	int g, r;

	names = packs_list(dir, &largest);
	n = strv_length(names);
	if (n <= PACKS_MAX)
		return 0;
	g = git_packbuilder_new(&pb, repo);
	if (g < 0)
		return source_git_error(g, reterr, "Failed to start a pack");
	for (size_t i = 0; i < n; i++) {
		if (i == largest)
			continue;
		g = insert_pack(pb, dir, names[i]);
		if (g < 0) {
			strbuf_release(&stale);
			return source_git_error(g, reterr, "Failed to read %s/%s", dir, names[i]);
		}
		strbuf_addf(&stale, "%s\n", names[i]);
	}
	g = git_packbuilder_write(pb, dir, 0, NULL, NULL);
	if (g < 0) {
		strbuf_release(&stale);
		return source_git_error(g, reterr, "Failed to write a pack into %s", dir);
	}
	/* the new pack may carry the name of one it replaces (same objects): keep that one */
	{
		_cleanup_free_ char *own = xasprintf("pack-%s\n", git_packbuilder_name(pb));
		char *hit;

		hit = strstr(stale.buf, own);
		if (hit) {
			size_t k = strlen(own);

			memmove(hit, hit + k, strlen(hit + k) + 1);
			stale.len -= k;
		}
	}
	r = write_file_atomic(stale_path, stale.buf, stale.len, 0600, reterr);
	log_debug("Consolidated %zu packs of %s into one", n - 1, repo_dir);
	strbuf_release(&stale);
	return r;
}
