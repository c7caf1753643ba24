#include "core/log.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* our fields carry the caller's CODE_FILE/LINE/FUNC; the header's macro would add log.c's */
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

#include "core/alloc.h"
#include "core/strbuf.h"

#ifndef DRIFTLESS_LIBSYSTEMD_VERSION
#	define DRIFTLESS_LIBSYSTEMD_VERSION "unknown"
#endif

static enum log_target log_target = LOG_TARGET_LOGFMT;
static int log_max_level = LOG_INFO;
static bool log_use_color;
static bool log_prefix_priority;

static const char *const level_names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",     [LOG_CRIT] = "crit",
	[LOG_ERR] = "err",     [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
};

const char *log_level_to_string(int level)
{
	if (level < 0 || level >= (int)ELEMENTSOF(level_names))
		return "unknown";
	return level_names[level];
}

int log_level_from_string(const char *s)
{
	if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0')
		return s[0] - '0';
	for (size_t i = 0; i < ELEMENTSOF(level_names); i++)
		if (streq(s, level_names[i]))
			return (int)i;
	if (streq(s, "error"))
		return LOG_ERR;
	if (streq(s, "warn"))
		return LOG_WARNING;
	return -EINVAL;
}

static bool stderr_is_journal_stream(void)
{
	const char *e = secure_getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (!e || sscanf(e, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

static enum log_target log_pick_target(void)
{
	if (stderr_is_journal_stream())
		return LOG_TARGET_JOURNAL;
	if (isatty(STDERR_FILENO))
		return LOG_TARGET_CONSOLE;
	return LOG_TARGET_LOGFMT;
}

void log_set_target(enum log_target target)
{
	log_target = target;
	log_use_color =
	        target == LOG_TARGET_CONSOLE && isatty(STDERR_FILENO) && !secure_getenv("NO_COLOR");
	log_prefix_priority = target == LOG_TARGET_LOGFMT && secure_getenv("INVOCATION_ID");
}

void log_setup(void)
{
	log_set_target(log_pick_target());
}

enum log_target log_get_target(void)
{
	return log_target;
}

void log_set_max_level(int level)
{
	log_max_level = level;
}

int log_get_max_level(void)
{
	return log_max_level;
}

int log_target_from_string(const char *s)
{
	if (streq(s, "console"))
		return LOG_TARGET_CONSOLE;
	if (streq(s, "logfmt"))
		return LOG_TARGET_LOGFMT;
	if (streq(s, "journal"))
		return LOG_TARGET_JOURNAL;
	if (streq(s, "auto"))
		return log_pick_target();
	return -EINVAL;
}

const char *log_libsystemd_version(void)
{
	return DRIFTLESS_LIBSYSTEMD_VERSION;
}

/* DRIFTLESS_REVISION -> revision, MESSAGE_ID -> message_id */
static void add_logfmt_key(struct strbuf *sb, const char *key)
{
	if (startswith(key, "DRIFTLESS_"))
		key += strlen("DRIFTLESS_");
	for (; *key; key++)
		strbuf_addch(sb, (char)tolower((unsigned char)*key));
}

static void add_timestamp(struct strbuf *sb)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	(void)strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	strbuf_addf(sb, "%s.%03ldZ", buf, ts.tv_nsec / 1000000);
}

static void write_stderr(const struct strbuf *sb)
{
	size_t off = 0;

	while (off < sb->len) {
		ssize_t n = write(STDERR_FILENO, sb->buf + off, sb->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

static void emit_logfmt(int level, int error, const struct log_field *fields, size_t n_fields,
                        const char *msg)
{
	struct strbuf sb = STRBUF_INIT;

	if (log_prefix_priority)
		strbuf_addf(&sb, "<%d>", level);
	strbuf_addstr(&sb, "time=");
	add_timestamp(&sb);
	strbuf_addf(&sb, " level=%s msg=", log_level_to_string(level));
	strbuf_add_quoted(&sb, msg);
	for (size_t i = 0; i < n_fields; i++) {
		if (!fields[i].value)
			continue;
		strbuf_addch(&sb, ' ');
		add_logfmt_key(&sb, fields[i].key);
		strbuf_addch(&sb, '=');
		strbuf_add_quoted(&sb, fields[i].value);
	}
	if (error)
		strbuf_addf(&sb, " errno=%d", error);
	strbuf_addch(&sb, '\n');
	write_stderr(&sb);
	strbuf_release(&sb);
}

static void emit_console(int level, const struct log_field *fields, size_t n_fields,
                         const char *msg)
{
	struct strbuf sb = STRBUF_INIT;
	const char *on = "", *off = "";

	if (log_use_color && level <= LOG_ERR)
		on = "\033[31;1m", off = "\033[0m";
	else if (log_use_color && level == LOG_WARNING)
		on = "\033[33;1m", off = "\033[0m";

	if (level <= LOG_ERR)
		strbuf_addf(&sb, "%serror:%s ", on, off);
	else if (level == LOG_WARNING)
		strbuf_addf(&sb, "%swarning:%s ", on, off);
	strbuf_addstr(&sb, msg);
	if (level == LOG_DEBUG) {
		for (size_t i = 0; i < n_fields; i++) {
			if (!fields[i].value)
				continue;
			strbuf_addch(&sb, ' ');
			add_logfmt_key(&sb, fields[i].key);
			strbuf_addch(&sb, '=');
			strbuf_add_quoted(&sb, fields[i].value);
		}
	}
	strbuf_addch(&sb, '\n');
	write_stderr(&sb);
	strbuf_release(&sb);
}

static int emit_journal(int level, int error, const char *file, int line, const char *func,
                        const struct log_field *fields, size_t n_fields, const char *msg)
{
	size_t n = 0, max = 7 + n_fields;
	_cleanup_free_ struct iovec *iov = xcalloc(max, sizeof(*iov));
	_cleanup_free_ char **strings = xcalloc(max, sizeof(char *));
	int r;

	strings[n++] = xasprintf("MESSAGE=%s", msg);
	strings[n++] = xasprintf("PRIORITY=%d", level);
	strings[n++] = xasprintf("CODE_FILE=%s", file);
	strings[n++] = xasprintf("CODE_LINE=%d", line);
	strings[n++] = xasprintf("CODE_FUNC=%s", func);
	strings[n++] = xasprintf("SYSLOG_IDENTIFIER=%s", program_invocation_short_name);
	if (error)
		strings[n++] = xasprintf("ERRNO=%d", error);
	for (size_t i = 0; i < n_fields; i++)
		if (fields[i].value)
			strings[n++] = xasprintf("%s=%s", fields[i].key, fields[i].value);
	for (size_t i = 0; i < n; i++) {
		iov[i].iov_base = strings[i];
		iov[i].iov_len = strlen(strings[i]);
	}
	r = sd_journal_sendv(iov, (int)n);
	for (size_t i = 0; i < n; i++)
		free(strings[i]);
	return r;
}

int log_internal(int level, int error, const char *file, int line, const char *func,
                 const struct log_field *fields, size_t n_fields, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	int saved_errno = errno;
	va_list ap;

	error = abs(error);
	if (level > log_max_level)
		return -error;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);

	switch (log_target) {
	case LOG_TARGET_JOURNAL:
		if (emit_journal(level, error, file, line, func, fields, n_fields, msg.buf) >= 0)
			break;
		/* journald is gone: still say it somewhere */
		emit_logfmt(level, error, fields, n_fields, msg.buf);
		break;
	case LOG_TARGET_CONSOLE:
		emit_console(level, fields, n_fields, msg.buf);
		break;
	default:
		emit_logfmt(level, error, fields, n_fields, msg.buf);
		break;
	}
	strbuf_release(&msg);
	errno = saved_errno;
	return -error;
}
