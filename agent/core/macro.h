#pragma once
/*
 * Small language helpers used everywhere: scope-bound cleanup, ownership hand-over, and
 * a few size and comparison macros.
 *
 * An owning local is declared with a cleanup function and initialised to NULL (or -EBADF
 * for a file descriptor); it is released when it leaves scope unless ownership moved out
 * with TAKE_PTR()/TAKE_FD():
 *
 *	_cleanup_free_ char *s = xstrdup(name);
 *	...
 *	*ret = TAKE_PTR(s);
 *	return 0;
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _unused_       __attribute__((unused))
#define _noreturn_     __attribute__((noreturn))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_  __attribute__((warn_unused_result))
#define _likely_(x)    __builtin_expect(!!(x), 1)
#define _unlikely_(x)  __builtin_expect(!!(x), 0)

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* clang-format off */
#define MIN(a, b) __extension__({ \
		typeof(a) _a = (a); \
		typeof(b) _b = (b); \
		_a < _b ? _a : _b; \
	})
#define MAX(a, b) __extension__({ \
		typeof(a) _a = (a); \
		typeof(b) _b = (b); \
		_a > _b ? _a : _b; \
	})

/* Return the value of *pp and leave NULL behind: ownership moves to the caller. */
#define TAKE_PTR(p) __extension__({ \
		typeof(p) *_pp = &(p); \
		typeof(p) _p = *_pp; \
		*_pp = NULL; \
		_p; \
	})

/* Same for a file descriptor; -EBADF is left behind. */
#define TAKE_FD(fd) __extension__({ \
		int *_fdp = &(fd); \
		int _fd = *_fdp; \
		*_fdp = -EBADF; \
		_fd; \
	})

/*
 * Define a cleanup helper `name##p` for a pointer to `type` released by `func`, which must
 * accept NULL or is skipped for it.
 */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func) \
	static inline void func##p(type *p) \
	{ \
		if (*p) \
			func(*p); \
	}
/* clang-format on */

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static inline bool streq_ptr(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return streq(a, b);
}

static inline bool startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static inline bool endswith(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static inline bool isempty(const char *s)
{
	return !s || !*s;
}

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)
