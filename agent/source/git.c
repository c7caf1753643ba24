/* libgit2 set-up, its errors as ours, and small helpers the other files share. */

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "source/internal.h"
#include "source/source.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result;
static char init_message[ERROR_MESSAGE_MAX];

static void git_init_once(void)
{
	static const int levels[] = {
		GIT_CONFIG_LEVEL_PROGRAMDATA,
		GIT_CONFIG_LEVEL_SYSTEM,
		GIT_CONFIG_LEVEL_XDG,
		GIT_CONFIG_LEVEL_GLOBAL,
	};
	struct error e = ERROR_INIT;
	int r;

	r = source_load_library(&e);
	if (r < 0) {
		init_result = r;
		snprintf(init_message, sizeof(init_message), "%s", e.message);
		return;
	}
	r = git_libgit2_init();
	if (r < 0) {
		init_result = source_git_error(r, &e, "Failed to initialise libgit2");
		snprintf(init_message, sizeof(init_message), "%s", e.message);
		return;
	}
	/*
	 * What we fetch and how is the config file's business alone: ~/.gitconfig or
	 * /etc/gitconfig (url.insteadOf, http.proxy, ...) must not change it behind our back.
	 */
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		(void)git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, levels[i], "");
	/* Objects we write are checked, and those we read are hashed again. */
	(void)git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 1);
	(void)git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1);
	(void)git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	/*
	 * Trees above 4 KiB are not cached by default, so a directory of a few hundred apps
	 * was inflated and parsed again for every path read below it: render --rev took six
	 * times as long as reading the same files from disk.
	 */
	(void)git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)(1 << 20));
}

int source_git_init(struct error *reterr)
{
	(void)pthread_once(&init_once, git_init_once);
	if (init_result < 0)
		return error_set(reterr, init_result, "%s", init_message);
	return 0;
}

static int errno_from_git(int git_code)
{
	switch (git_code) {
	case GIT_ENOTFOUND:
		return -ENOENT;
	case GIT_EEXISTS:
		return -EEXIST;
	case GIT_EAMBIGUOUS:
		return -ENOTUNIQ;
	case GIT_EBUFS:
		return -ENOBUFS;
	case GIT_EBAREREPO:
	case GIT_EINVALIDSPEC:
	case GIT_EINVALID:
		return -EINVAL;
	case GIT_ELOCKED:
		return -EBUSY;
	case GIT_EAUTH:
		return -EACCES;
	case GIT_ECERTIFICATE:
		return -EKEYREJECTED;
	case GIT_ENONFASTFORWARD:
		return -ESTALE;
	case GIT_EUSER:
		return -ECANCELED;
	case GIT_EMISMATCH:
		return -EBADMSG;
	default:
		return -EIO;
	}
}

int source_git_error(int git_code, struct error *reterr, const char *what, ...)
{
	const git_error *last = git_error_last();
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	int code = errno_from_git(git_code);

	va_start(ap, what);
	strbuf_vaddf(&sb, what, ap);
	va_end(ap);
	if (last && last->message && last->message[0]) {
		strbuf_addstr(&sb, ": ");
		strbuf_addstr(&sb, last->message);
		strbuf_rtrim(&sb);
	}
	(void)error_set(reterr, code, "%s", sb.buf);
	strbuf_release(&sb);
	return code;
}

void source_oid_hex(const git_oid *oid, char out[SOURCE_OID_HEX_MAX])
{
	git_oid_tostr(out, SOURCE_OID_HEX_MAX, oid);
}

bool source_object_exists(git_repository *repo, const git_oid *oid)
{
	git_odb *odb = NULL;
	bool exists;

	if (git_repository_odb(&odb, repo) < 0)
		return false;
	exists = git_odb_exists(odb, oid) == 1;
	git_odb_free(odb);
	return exists;
}

void source_url_scrub(char *text, const char *url)
{
	const char *start = strstr(url, "://"), *end, *slash;
	size_t n;
	char *hit;

	if (!start)
		return;
	start += 3;
	slash = strchr(start, '/');
	end = memrchr(start, '@', slash ? (size_t)(slash - start) : strlen(start));
	if (!end)
		return;
	n = (size_t)(end - start);
	if (n < 3)
		return;
	/* the user information, which may be a token: "***" in its place, wherever it is */
	while ((hit = memmem(text, strlen(text), start, n))) {
		memmove(hit + 3, hit + n, strlen(hit + n) + 1);
		memcpy(hit, "***", 3);
	}
}
