#pragma once
/*
 * Libraries loaded on first use.
 *
 * libcurl, libgit2, libmicrohttpd and libxml2 pull in some fifty shared objects (GnuTLS,
 * Kerberos, LDAP, ICU, ...) whose relocation costs a few milliseconds at every start, and
 * libcrypto half a millisecond more, while `driftless render` needs none of them. The module that
 *owns such a library does not link it: it lists the functions it calls in one file (http/curl-dl.c,
 *source/git2-dl.c, ...), which defines each of them under its own name as a wrapper that loads the
 *library on the first call and jumps to it. Callers include the library's header and call it as
 *usual.
 *
 *	#define SYMBOLS(X) X(curl_version_info) X(curl_easy_init)
 *	DL_LIBRARY(curl, DRIFTLESS_SONAME_LIBCURL, SYMBOLS);
 *
 *	CURL *curl_easy_init(void)
 *	{
 *		return DL_CALL(curl, curl_easy_init)();
 *	}
 *
 * The library's SONAME comes from the build (config.mk), so the one the headers belong to
 * is the one loaded. Each such module exports <module>_load_library(), which reports a
 * missing library or function as an error: a command that needs the library (the daemon,
 * before it says READY) calls it first, so a broken installation fails at start as it
 * would with plain linking. A wrapper called without that loads on the spot and, when that
 * fails, stops the program with the message, as the dynamic loader would have at start.
 * Loading is thread-safe and happens once.
 *
 * Never link a library that has a -dl.c file: its own definitions would then compete
 * with the wrappers.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/error.h"
#include "core/macro.h"

struct dl_library {
	const char *soname;
	const char *const *names; /* of the functions */
	void (**table)(void);     /* their addresses, filled by dl_library_load() */
	size_t n;
	pthread_once_t once;
	int code;                        /* 0 loaded, negative errno: failed */
	char message[ERROR_MESSAGE_MAX]; /* why it failed */
};

/* Load lib and all its functions, once. 0, or -ENOENT/-ELIBBAD with reterr saying which. */
int dl_library_load(struct dl_library *lib, struct error *reterr);

/* For wrappers: dl_library_load() or stop the program with its message. */
void dl_library_need(struct dl_library *lib);

/*
 * For `driftless version`: load(), one module's <module>_load_library(); when it fails,
 * append {"name": name, "error": why} to the JSON array libs and return false.
 */
bool dl_library_report(json_t *libs, const char *name, int (*load)(struct error *reterr));

#define DL_INDEX_(sym) dl_index_##sym,
#define DL_NAME_(sym)  #sym,

/*
 * Define the library NAME (static struct dl_library dl_library_NAME) with the functions
 * SYMBOLS lists, an X-macro over their names.
 */
#define DL_LIBRARY(name, soname_, SYMBOLS)                                  \
	enum { SYMBOLS(DL_INDEX_) dl_count_##name };                        \
	static const char *const dl_names_##name[] = { SYMBOLS(DL_NAME_) }; \
	static void (*dl_table_##name[dl_count_##name])(void);              \
	static struct dl_library dl_library_##name = {                      \
		.soname = soname_,                                          \
		.names = dl_names_##name,                                   \
		.table = dl_table_##name,                                   \
		.n = dl_count_##name,                                       \
		.once = PTHREAD_ONCE_INIT,                                  \
	}

/* The function sym of library name, with its own type; loads the library first. */
#define DL_CALL(name, sym) \
	(dl_library_need(&dl_library_##name), (__typeof__(&sym))dl_table_##name[dl_index_##sym])
