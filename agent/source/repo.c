/* struct source_repo: a local repository opened to read revisions. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "source/internal.h"
#include "source/source.h"

struct source_repo {
	git_repository *repo;
	char *path;    /* the git directory */
	char *workdir; /* without the trailing '/', NULL when bare */
};

int source_repo_open(const char *path, bool discover, struct source_repo **ret,
                     struct error *reterr)
{
	git_buf found = GIT_BUF_INIT;
	git_repository *repo = NULL;
	struct source_repo *r;
	int g, code;

	code = source_git_init(reterr);
	if (code < 0)
		return code;
	if (discover) {
		g = git_repository_discover(&found, path, 0, NULL);
		if (g < 0)
			return source_git_error(g, reterr, "'%s' is not in a git repository", path);
		g = git_repository_open_ext(&repo, found.ptr, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
		git_buf_dispose(&found);
	} else {
		g = git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	}
	if (g < 0)
		return source_git_error(g, reterr, "Failed to open the git repository '%s'", path);

	r = xcalloc(1, sizeof(*r));
	r->repo = repo;
	r->path = xstrdup(git_repository_path(repo));
	if (!git_repository_is_bare(repo) && git_repository_workdir(repo)) {
		size_t n;

		r->workdir = xstrdup(git_repository_workdir(repo));
		n = strlen(r->workdir);
		while (n > 1 && r->workdir[n - 1] == '/')
			r->workdir[--n] = '\0';
	}
	*ret = r;
	return 0;
}

struct source_repo *source_repo_free(struct source_repo *r)
{
	if (r) {
		git_repository_free(r->repo);
		free(r->path);
		free(r->workdir);
		free(r);
	}
	return NULL;
}

const char *source_repo_workdir(const struct source_repo *r)
{
	return r->workdir;
}

const char *source_repo_path(const struct source_repo *r)
{
	return r->path;
}

int source_repo_resolve(struct source_repo *r, const char *rev, char ret[SOURCE_REVISION_MAX],
                        struct error *reterr)
{
	git_object *obj = NULL, *commit = NULL;
	int g;

	g = git_revparse_single(&obj, r->repo, rev);
	if (g < 0)
		return source_git_error(g, reterr, "Unknown revision '%s'", rev);
	g = git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (g < 0)
		return source_git_error(g, reterr, "Revision '%s' is not a commit", rev);
	source_oid_hex(git_object_id(commit), ret);
	git_object_free(commit);
	return 0;
}

git_repository *source_repo_git(struct source_repo *r)
{
	return r->repo;
}
