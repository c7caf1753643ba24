#pragma once
/*
 * Allocators that cannot fail. Out of memory is not an error we recover from: the
 * x-functions log and abort(), and systemd restarts the unit. Callers never check their
 * result for NULL.
 *
 * Memory from these functions is released with free(). Secrets are released with
 * freezero()/erase_and_free() so that they do not linger in the heap.
 */

#include <stdarg.h>
#include <stddef.h>

#include "core/macro.h"

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* realloc to nmemb * size, aborting on multiplication overflow */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
/* copy at most n bytes of s and NUL-terminate */
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t len);
char *xasprintf(const char *fmt, ...) _printf_(1, 2);
/* The concatenation of the strings given, up to a NULL: cheaper than xasprintf("%s%s"). */
char *xstrjoin(const char *first, ...) __attribute__((sentinel));
char *xvasprintf(const char *fmt, va_list ap) _printf_(1, 0);

/* Wipe len bytes at p, then free it. Accepts NULL. Returns NULL. */
void *freezero(void *p, size_t len);
/* Wipe a NUL-terminated secret string, then free it. Accepts NULL. Returns NULL. */
char *erase_and_free(char *s);

static inline void erase_and_freep(char **p)
{
	erase_and_free(*p);
}
#define _cleanup_erase_ _cleanup_(erase_and_freep)

/* Abort with a message naming the failed allocation; used by the x-functions. */
_noreturn_ void alloc_die(size_t size);
