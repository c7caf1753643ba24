#include "core/strv.h"

#include <string.h>

#include "core/alloc.h"
#include "core/strbuf.h"

char **strv_free(char **l)
{
	if (l) {
		for (char **i = l; *i; i++)
			free(*i);
		free(l);
	}
	return NULL;
}

size_t strv_length(char *const *l)
{
	size_t n = 0;

	while (l && l[n])
		n++;
	return n;
}

bool strv_contains(char *const *l, const char *s)
{
	strv_foreach(i, l)
		if (streq(i, s))
			return true;
	return false;
}

bool strv_equal(char *const *a, char *const *b)
{
	size_t n = strv_length(a);

	if (n != strv_length(b))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!streq(a[i], b[i]))
			return false;
	return true;
}

void strv_consume(char ***l, char *s)
{
	size_t n = strv_length(*l);

	*l = xreallocarray(*l, n + 2, sizeof(char *));
	(*l)[n] = s;
	(*l)[n + 1] = NULL;
}

void strv_push(char ***l, const char *s)
{
	strv_consume(l, xstrdup(s));
}

void strv_extend(char ***l, char *const *more)
{
	for (; more && *more; more++)
		strv_push(l, *more);
}

char **strv_copy(char *const *l)
{
	char **copy = NULL;

	if (!l)
		return NULL;
	copy = xcalloc(strv_length(l) + 1, sizeof(char *));
	for (size_t i = 0; l[i]; i++)
		copy[i] = xstrdup(l[i]);
	return copy;
}

char **strv_split(const char *s, const char *sep)
{
	char **l = xcalloc(1, sizeof(char *));

	while (*s) {
		size_t n = strcspn(s, sep);

		if (n)
			strv_consume(&l, xstrndup(s, n));
		s += n;
		if (*s)
			s++;
	}
	return l;
}

char *strv_join(char *const *l, const char *sep)
{
	struct strbuf sb = STRBUF_INIT;
	bool first = true;

	strv_foreach(i, l) {
		if (!first)
			strbuf_addstr(&sb, sep);
		strbuf_addstr(&sb, i);
		first = false;
	}
	return strbuf_detach(&sb, NULL);
}
