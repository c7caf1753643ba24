#pragma once
/*
 * strbuf: a growable, always NUL-terminated byte buffer.
 *
 * Invariants: `buf` is never NULL (an empty strbuf points at a shared static "" until the
 * first append), `buf[len] == '\0'`, and `len < alloc` once anything was allocated. The
 * buffer may hold NUL bytes; `len` is the truth.
 *
 * Life cycle: initialise with STRBUF_INIT or strbuf_init(); release the memory with
 * strbuf_release(), which leaves an empty, reusable strbuf; or take the string out with
 * strbuf_detach(), which the caller then free()s.
 *
 * Appends cannot fail: memory exhaustion aborts (see alloc.h).
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/macro.h"

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

extern char strbuf_empty[];
#define STRBUF_INIT                                       \
	{                                                 \
		.buf = strbuf_empty, .len = 0, .alloc = 0 \
	}

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
/* Return the buffer (caller frees) and leave sb empty; never returns NULL. */
char *strbuf_detach(struct strbuf *sb, size_t *ret_len);

/* Make room for at least `extra` more bytes plus the NUL. */
void strbuf_grow(struct strbuf *sb, size_t extra);
/* Set the length (<= the allocated size) and terminate there. */
void strbuf_setlen(struct strbuf *sb, size_t len);
static inline void strbuf_reset(struct strbuf *sb)
{
	strbuf_setlen(sb, 0);
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addchars(struct strbuf *sb, char c, size_t n);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) _printf_(2, 3);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap) _printf_(2, 0);
void strbuf_addbuf(struct strbuf *sb, const struct strbuf *other);

/* Remove whitespace at the end / the start / both ends. */
void strbuf_rtrim(struct strbuf *sb);
void strbuf_ltrim(struct strbuf *sb);
void strbuf_trim(struct strbuf *sb);

/*
 * Append s quoted for a logfmt value or a shell-like display: left as is when it has no
 * space, quote, backslash, '=' or control character, otherwise double-quoted with \" \\ \n
 * \t \r and \xHH escapes.
 */
void strbuf_add_quoted(struct strbuf *sb, const char *s);

static inline void strbuf_releasep(struct strbuf *sb)
{
	strbuf_release(sb);
}
#define _cleanup_strbuf_ _cleanup_(strbuf_releasep)
