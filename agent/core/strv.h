#pragma once
/*
 * strv: a NULL-terminated array of owned strings (char **). NULL is a valid empty strv.
 * strv_free() frees the strings and the array and returns NULL.
 */

#include <stdbool.h>
#include <stddef.h>

#include "core/macro.h"

char **strv_free(char **l);
size_t strv_length(char *const *l);
bool strv_contains(char *const *l, const char *s);
/* The same strings in the same order (NULL equals an empty strv). */
bool strv_equal(char *const *a, char *const *b);
/* Append s, taking ownership of it; *l may be NULL. */
void strv_consume(char ***l, char *s);
/* Append a copy of s. */
void strv_push(char ***l, const char *s);
/* Append copies of the strings of more (may be NULL). */
void strv_extend(char ***l, char *const *more);
/* A deep copy; NULL for NULL. */
char **strv_copy(char *const *l);
/* Split s at any of the bytes in sep, dropping empty fields. */
char **strv_split(const char *s, const char *sep);
/* Join with sep; returns a string the caller frees. */
char *strv_join(char *const *l, const char *sep);

static inline void strv_freep(char ***l)
{
	strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

#define strv_foreach(s, l) for (char *const *_i = (l), *s; _i && (s = *_i); _i++)
