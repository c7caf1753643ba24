#include "core/error.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/strbuf.h"

void error_clear(struct error *e)
{
	memset(e, 0, sizeof(*e));
}

/* Copy a strbuf into a fixed array, marking truncation with "...". */
static void copy_truncated(char *dst, size_t size, const struct strbuf *src)
{
	if (src->len < size) {
		memcpy(dst, src->buf, src->len + 1);
		return;
	}
	memcpy(dst, src->buf, size - 4);
	memcpy(dst + size - 4, "...", 4);
}

static void copy_string(char *dst, size_t size, const char *src)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, src ? src : "");
	copy_truncated(dst, size, &sb);
	strbuf_release(&sb);
}

static void format_pos(struct strbuf *sb, const struct error_pos *pos)
{
	if (!pos)
		return;
	if (pos->file) {
		strbuf_addstr(sb, pos->file);
		if (pos->line) {
			strbuf_addf(sb, ":%u", pos->line);
			if (pos->column)
				strbuf_addf(sb, ":%u", pos->column);
		}
		strbuf_addstr(sb, ": ");
	}
	if (pos->field)
		strbuf_addf(sb, "%s: ", pos->field);
}

static int error_vset(struct error *e, int code, const struct error_pos *pos, const char *fmt,
                      va_list ap) _printf_(4, 0);

static int error_vset(struct error *e, int code, const struct error_pos *pos, const char *fmt,
                      va_list ap)
{
	struct strbuf sb = STRBUF_INIT;

	assert(code < 0);
	if (!e)
		return code;
	error_clear(e);
	e->code = code;
	if (pos) {
		copy_string(e->file, sizeof(e->file), pos->file);
		e->line = pos->line;
		e->column = pos->column;
		copy_string(e->field, sizeof(e->field), pos->field);
	}
	format_pos(&sb, pos);
	strbuf_vaddf(&sb, fmt, ap);
	copy_truncated(e->message, sizeof(e->message), &sb);
	strbuf_release(&sb);
	return code;
}

int error_set(struct error *e, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = error_vset(e, code, NULL, fmt, ap);
	va_end(ap);
	return r;
}

int error_set_at(struct error *e, int code, const struct error_pos *pos, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = error_vset(e, code, pos, fmt, ap);
	va_end(ap);
	return r;
}

int error_prefix(struct error *e, int code, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	assert(code < 0);
	if (!e)
		return code;
	if (e->code >= 0)
		e->code = code;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strbuf_addstr(&sb, ": ");
	strbuf_addstr(&sb, error_message(e));
	copy_truncated(e->message, sizeof(e->message), &sb);
	strbuf_release(&sb);
	return code;
}

const char *error_message(const struct error *e)
{
	if (!e || e->code >= 0)
		return "";
	if (e->message[0])
		return e->message;
	return strerror(-e->code);
}
