/*
 * libgit2, loaded on first use (core/dl.h): the functions of it we call. Add a function
 * here, with its wrapper, before calling it anywhere.
 */

#include <git2.h>

#include "core/dl.h"
#include "source/source.h"

#define SYMBOLS(X) X(git_libgit2_version) X(git_libgit2_features)

DL_LIBRARY(git2, DRIFTLESS_SONAME_LIBGIT2, SYMBOLS);

int git_libgit2_version(int *major, int *minor, int *rev)
{
	return DL_CALL(git2, git_libgit2_version)(major, minor, rev);
}

int git_libgit2_features(void)
{
	return DL_CALL(git2, git_libgit2_features)();
}

int source_load_library(struct error *reterr)
{
	return dl_library_load(&dl_library_git2, reterr);
}
