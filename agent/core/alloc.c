#include "core/alloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void alloc_die(size_t size)
{
	/* No allocation, no stdio buffering: this runs when the heap is gone. */
	char msg[96];
	int n = snprintf(msg, sizeof(msg), "driftless: out of memory allocating %zu bytes\n", size);

	if (n > 0)
		(void)!write(STDERR_FILENO, msg, (size_t)MIN(n, (int)sizeof(msg) - 1));
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		alloc_die(size);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		alloc_die(nmemb * size);
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p)
		alloc_die(size);
	return p;
}

void *xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		alloc_die(SIZE_MAX);
	return xrealloc(ptr, nmemb * size);
}

char *xstrdup(const char *s)
{
	return xmemdup(s, strlen(s) + 1);
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void *xmemdup(const void *p, size_t len)
{
	void *q = xmalloc(len);

	if (len)
		memcpy(q, p, len);
	return q;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		alloc_die(strlen(fmt));
	return s;
}

char *xstrjoin(const char *first, ...)
{
	va_list ap;
	size_t len = 0;
	char *out, *p;

	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		len += strlen(s);
	va_end(ap);
	p = out = xmalloc(len + 1);
	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *)) {
		size_t n = strlen(s);

		memcpy(p, s, n);
		p += n;
	}
	va_end(ap);
	*p = '\0';
	return out;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void *freezero(void *p, size_t len)
{
	if (p) {
		explicit_bzero(p, len);
		free(p);
	}
	return NULL;
}

char *erase_and_free(char *s)
{
	if (s)
		freezero(s, strlen(s));
	return NULL;
}
