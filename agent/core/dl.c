/* Libraries loaded on first use: see dl.h. */

#include "core/dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Static_assert(sizeof(void *) == sizeof(void (*)(void)), "dlsym() needs POSIX pointers");

/* pthread_once() takes no argument: the library being loaded, per thread. */
static __thread struct dl_library *loading;

static void load_once(void)
{
	struct dl_library *lib = loading;
	void *handle;

	handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		const char *why = dlerror();

		lib->code = -ENOENT;
		(void)snprintf(lib->message, sizeof(lib->message), "Failed to load %s: %s",
		               lib->soname, why ? why : "unknown error");
		return;
	}
	for (size_t i = 0; i < lib->n; i++) {
		void *sym;

		(void)dlerror();
		sym = dlsym(handle, lib->names[i]);
		if (!sym) {
			lib->code = -ELIBBAD;
			(void)snprintf(lib->message, sizeof(lib->message),
			               "%s has no symbol %s: it is not the version driftless was "
			               "built with",
			               lib->soname, lib->names[i]);
			(void)dlclose(handle);
			return;
		}
		/* POSIX: what dlsym() returns for a function converts to a function pointer */
		memcpy(&lib->table[i], &sym, sizeof(sym));
	}
	/* the handle stays open for the life of the process */
	lib->code = 0;
}

int dl_library_load(struct dl_library *lib, struct error *reterr)
{
	int r;

	loading = lib;
	r = pthread_once(&lib->once, load_once);
	loading = NULL;
	if (r != 0)
		return error_set(reterr, -r, "Failed to load %s: %s", lib->soname, strerror(r));
	if (lib->code < 0)
		return error_set(reterr, lib->code, "%s", lib->message);
	return 0;
}

void dl_library_need(struct dl_library *lib)
{
	struct error e = ERROR_INIT;
	char msg[ERROR_MESSAGE_MAX + 16];
	int n;

	if (dl_library_load(lib, &e) >= 0)
		return;
	n = snprintf(msg, sizeof(msg), "driftless: %s\n", e.message);
	if (n > 0)
		(void)!write(STDERR_FILENO, msg, (size_t)MIN(n, (int)sizeof(msg) - 1));
	abort();
}

bool dl_library_report(json_t *libs, const char *name, int (*load)(struct error *reterr))
{
	struct error e = ERROR_INIT;

	if (load(&e) >= 0)
		return true;
	json_array_append_new(libs, json_pack("{s:s, s:s}", "name", name, "error", e.message));
	return false;
}
