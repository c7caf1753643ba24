#pragma once
/*
 * struct error: the detail of a failure, carried with the call.
 *
 * A function that can fail returns a negative errno; when it takes a `struct error
 * *reterr` (which may be NULL), it also describes the failure there, once, with
 * error_set() or error_set_at(), which return the code so that a failure is one statement:
 *
 *	return error_set_at(reterr, -EBADMSG, &pos, "expected a mapping");
 *
 * The text is complete and ready for a user: where (file:line:column and the field at
 * fault, when known) and what. A caller at a module boundary may add context once with
 * error_prefix(); it never rewrites the code. The location is also kept apart for
 * machine-readable output (--output json).
 *
 * The struct is caller-owned, fixed-size and holds no heap memory: nothing to release.
 * Secrets never go into an error text.
 */

#include <stdbool.h>

#include "core/macro.h"

#define ERROR_MESSAGE_MAX 1024
#define ERROR_FILE_MAX    512
#define ERROR_FIELD_MAX   256

/* Where in the input a problem is; any member may be 0/NULL when unknown. */
struct error_pos {
	const char *file;
	unsigned line;   /* 1-based */
	unsigned column; /* 1-based */
	const char *field;
};

struct error {
	int code; /* negative errno; 0 while unset */
	char message[ERROR_MESSAGE_MAX];
	char file[ERROR_FILE_MAX];
	unsigned line;
	unsigned column;
	char field[ERROR_FIELD_MAX];
};

#define ERROR_INIT        \
	{                 \
		.code = 0 \
	}

void error_clear(struct error *e);

/* Fill e (when not NULL) and return code, which must be negative. */
int error_set(struct error *e, int code, const char *fmt, ...) _printf_(3, 4);
/* Same, prefixing the text with the position: "file:line:column: field: ". */
int error_set_at(struct error *e, int code, const struct error_pos *pos, const char *fmt, ...)
        _printf_(4, 5);
/*
 * Prepend context to the text a callee left in e ("context: old text") and return code,
 * the callee's code, unchanged. e may be NULL.
 */
int error_prefix(struct error *e, int code, const char *fmt, ...) _printf_(3, 4);

static inline bool error_is_set(const struct error *e)
{
	return e && e->code < 0;
}

/* The message, or strerror(-code) when set without one, or "" when unset. */
const char *error_message(const struct error *e);
