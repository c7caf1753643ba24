#pragma once
/*
 * Logging for the daemon and the command line.
 *
 * Only daemon/ and cli/ log above debug; lower layers return codes and struct error.
 * Each failure is logged once. Messages read "Failed to <verb> '<object>': <reason>";
 * a non-fatal warning ends in ", ignoring".
 *
 * Sinks, chosen by log_setup() from the environment (or forced by log_set_target()):
 *  - journal: when $JOURNAL_STREAM names our stderr; structured entries through
 *    sd_journal_send() with PRIORITY, CODE_*, ERRNO and the caller's fields;
 *  - console: stderr is a terminal; plain text, coloured unless $NO_COLOR is set;
 *  - logfmt: anything else (pipes, files, CI); one line per entry,
 *    `time=... level=... msg="..." key=value`, with an SD_ERR-style "<N>" prefix when run
 *    by systemd without a journal stream.
 *
 * Data travel as fields, not only in the text: DRIFTLESS_ENV, DRIFTLESS_REVISION,
 * DRIFTLESS_RESOURCE, ... (upper case, journal style; logfmt shows them in lower case
 * without the DRIFTLESS_ prefix).
 *
 * Thread-safe: each entry is written with one write(2) or one sd_journal_sendv().
 */

#include <stddef.h>
#include <syslog.h>

#include "core/macro.h"

enum log_target {
	LOG_TARGET_CONSOLE,
	LOG_TARGET_LOGFMT,
	LOG_TARGET_JOURNAL,
	_LOG_TARGET_MAX,
	_LOG_TARGET_INVALID = -EINVAL,
};

struct log_field {
	const char *key;   /* journal-style: [A-Z0-9_]+, not starting with '_' */
	const char *value; /* NULL skips the field */
};

/* Pick the sink from the environment; call once at start-up. */
void log_setup(void);
void log_set_target(enum log_target target);
enum log_target log_get_target(void);
void log_set_max_level(int level);
int log_get_max_level(void);

/* "console", "logfmt", "journal" (and "auto" -> what log_setup() would pick). */
int log_target_from_string(const char *s);
/* syslog level names as journalctl -p takes them, or a digit 0..7. */
int log_level_from_string(const char *s);
const char *log_level_to_string(int level);

/*
 * Log one entry. error is an errno-style code of either sign, or 0; it is recorded as
 * ERRNO. Returns -abs(error), so `return log_error_errno(r, ...);` works.
 */
int log_internal(int level, int error, const char *file, int line, const char *func,
                 const struct log_field *fields, size_t n_fields, const char *fmt, ...)
        _printf_(8, 9);

#define log_full_errno(level, error, ...) \
	log_internal(level, error, __FILE__, __LINE__, __func__, NULL, 0, __VA_ARGS__)
#define log_full(level, ...) (void)log_full_errno(level, 0, __VA_ARGS__)

#define log_debug(...)   log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)    log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...)  log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...)   log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(error, ...)   log_full_errno(LOG_DEBUG, error, __VA_ARGS__)
#define log_info_errno(error, ...)    log_full_errno(LOG_INFO, error, __VA_ARGS__)
#define log_notice_errno(error, ...)  log_full_errno(LOG_NOTICE, error, __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, error, __VA_ARGS__)
#define log_error_errno(error, ...)   log_full_errno(LOG_ERR, error, __VA_ARGS__)

/*
 * An entry with fields:
 *	log_struct(LOG_NOTICE, 0, LOG_FIELDS({ "DRIFTLESS_ENV", env },
 *					       { "DRIFTLESS_REVISION", rev }),
 *		   "Applied revision %s to '%s'", rev, env);
 */
#define LOG_FIELDS(...)                              \
	((const struct log_field[]){ __VA_ARGS__ }), \
	        ELEMENTSOF(((const struct log_field[]){ __VA_ARGS__ }))
#define log_struct(level, error, fields_and_count, ...) \
	log_internal(level, error, __FILE__, __LINE__, __func__, fields_and_count, __VA_ARGS__)

/*
 * Load libsystemd, which logging to the journal uses and which is loaded on first use
 * (core/dl.h). A daemon calls it at start.
 */
struct error;
int log_load_library(struct error *reterr);

/* The libsystemd this program was built against, for `driftless version`. */
const char *log_libsystemd_version(void);
