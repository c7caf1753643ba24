/*
 * json_t -> YAML, byte for byte what `kustomize build` prints.
 *
 * kustomize prints each resource by marshalling it to JSON and converting that JSON to
 * YAML with sigs.k8s.io/yaml, whose yaml.v2 fork sorts keys in its "natural" order, picks
 * a style per string, and runs an emitter ported from an early libyaml. That emitter has
 * quirks later libyaml releases do not share (a string that starts with a byte order mark
 * has every character escaped; a single-quoted string ending in a line break gets no
 * indentation before its closing quote), so this file is an emitter of its own that
 * reproduces the output of that one for the documents we print: block mappings and
 * sequences, "{}" and "[]" for empty ones, and plain, single-quoted, double-quoted and
 * literal scalars, folded at 80 columns.
 */

#include "doc/doc.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "doc/internal.h"

#define BEST_INDENT    2
#define BEST_WIDTH     80
#define SIMPLE_KEY_MAX 128

enum scalar_style {
	STYLE_PLAIN,
	STYLE_SINGLE_QUOTED,
	STYLE_DOUBLE_QUOTED,
	STYLE_LITERAL,
};

struct emitter {
	struct strbuf *out;
	int column;
	int indent; /* -1 before the root node */
	bool whitespace;
	bool indention;
	/* where the node being written sits */
	bool mapping_context;
	bool simple_key_context;
	bool is_key;
	struct error *reterr;
};

/* --- characters (UTF-8, as the Go emitter classifies them) --- */

static size_t char_width(unsigned char c)
{
	if ((c & 0x80) == 0x00)
		return 1;
	if ((c & 0xE0) == 0xC0)
		return 2;
	if ((c & 0xF0) == 0xE0)
		return 3;
	if ((c & 0xF8) == 0xF0)
		return 4;
	return 1; /* not reached for valid UTF-8 */
}

/* Byte at i, or 0 past the end (the Go code reads a NUL there). */
static unsigned char at(const unsigned char *s, size_t len, size_t i)
{
	return i < len ? s[i] : 0;
}

static bool is_space(const unsigned char *s, size_t len, size_t i)
{
	return at(s, len, i) == ' ';
}

static bool is_blank(const unsigned char *s, size_t len, size_t i)
{
	return at(s, len, i) == ' ' || at(s, len, i) == '\t';
}

static bool is_break(const unsigned char *s, size_t len, size_t i)
{
	unsigned char c = at(s, len, i);

	return c == '\r' || c == '\n' || (c == 0xC2 && at(s, len, i + 1) == 0x85) ||
	       (c == 0xE2 && at(s, len, i + 1) == 0x80 &&
	        (at(s, len, i + 2) == 0xA8 || at(s, len, i + 2) == 0xA9));
}

static bool is_blankz(const unsigned char *s, size_t len, size_t i)
{
	return is_blank(s, len, i) || is_break(s, len, i) || at(s, len, i) == 0;
}

static bool is_printable(const unsigned char *s, size_t len, size_t i)
{
	unsigned char c = at(s, len, i), c1 = at(s, len, i + 1), c2 = at(s, len, i + 2);

	return c == 0x0A || (c >= 0x20 && c <= 0x7E) || (c == 0xC2 && c1 >= 0xA0) ||
	       (c > 0xC2 && c < 0xED) || (c == 0xED && c1 < 0xA0) || c == 0xEE ||
	       (c == 0xEF && !(c1 == 0xBB && c2 == 0xBF) &&
	        !(c1 == 0xBF && (c2 == 0xBE || c2 == 0xBF)));
}

/* The Go emitter's is_bom() looks at the start of the value whatever the position. */
static bool starts_with_bom(const unsigned char *s, size_t len)
{
	return len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF;
}

/*
 * The common case, decided without the per-character analysis: printable ASCII without
 * spaces and without the characters that can start a YAML indicator ("#,[]{}&*!|>'\"%@`").
 * Such a string is one line, needs no escaping and never folds; it may be written plain
 * unless it starts with "---" or "...", is a lone "-", "?" or ":", or ends with ':'.
 */
static bool is_simple_ascii(const unsigned char *s, size_t len)
{
	/*
	 * One bit per byte value 0x00-0x7f: set for 0x21-0x7e but the indicators above
	 * (generated: lo = bits 0x21-0x3f, hi = bits 0x40-0x7e, indicators cleared).
	 */
	static const uint64_t simple_lo = UINT64_C(0xbfffeb1000000000);
	static const uint64_t simple_hi = UINT64_C(0x47fffffed7fffffe);

	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c >= 0x80 || !((c < 64 ? simple_lo >> c : simple_hi >> (c - 64)) & 1))
			return false;
	}
	return true;
}

static bool simple_ascii_plain_allowed(const unsigned char *s, size_t len)
{
	if (len == 0 || s[len - 1] == ':')
		return false;
	if (len == 1 && (s[0] == '-' || s[0] == '?'))
		return false;
	if (len >= 3 && ((s[0] == '-' && s[1] == '-' && s[2] == '-') ||
	                 (s[0] == '.' && s[1] == '.' && s[2] == '.')))
		return false;
	return true;
}

/* --- output primitives --- */

static void put(struct emitter *e, char c)
{
	strbuf_addch(e->out, c);
	e->column++;
}

static void put_break(struct emitter *e)
{
	strbuf_addch(e->out, '\n');
	e->column = 0;
}

/* Copy one character; the column counts characters, not bytes. */
static void write_char(struct emitter *e, const unsigned char *s, size_t len, size_t *i)
{
	size_t w = MIN(char_width(s[*i]), len - *i);

	strbuf_add(e->out, s + *i, w);
	e->column++;
	*i += w;
}

static void write_break(struct emitter *e, const unsigned char *s, size_t len, size_t *i)
{
	if (s[*i] == '\n') {
		put_break(e);
		(*i)++;
	} else {
		write_char(e, s, len, i);
		e->column = 0;
	}
}

static void write_indent(struct emitter *e)
{
	int indent = e->indent < 0 ? 0 : e->indent;

	if (!e->indention || e->column > indent || (e->column == indent && !e->whitespace))
		put_break(e);
	while (e->column < indent)
		put(e, ' ');
	e->whitespace = true;
	e->indention = true;
}

static void write_indicator(struct emitter *e, const char *indicator, bool need_whitespace,
                            bool is_whitespace, bool is_indention)
{
	if (need_whitespace && !e->whitespace)
		put(e, ' ');
	for (; *indicator; indicator++)
		put(e, *indicator);
	e->whitespace = is_whitespace;
	e->indention = e->indention && is_indention;
}

/* --- scalars --- */

struct scalar_analysis {
	bool multiline;
	bool block_plain_allowed;
	bool single_quoted_allowed;
	bool block_allowed;
};

static void analyze_scalar(const unsigned char *s, size_t len, struct scalar_analysis *a)
{
	bool block_indicators = false, line_breaks = false, special_characters = false;
	bool leading_space = false, leading_break = false, trailing_space = false;
	bool trailing_break = false, break_space = false, space_break = false;
	bool preceded_by_whitespace = true, previous_space = false, previous_break = false;

	if (len == 0) {
		*a = (struct scalar_analysis){ .block_plain_allowed = true,
			                       .single_quoted_allowed = true };
		return;
	}
	if (len >= 3 && ((s[0] == '-' && s[1] == '-' && s[2] == '-') ||
	                 (s[0] == '.' && s[1] == '.' && s[2] == '.')))
		block_indicators = true;

	for (size_t i = 0, w; i < len; i += w) {
		bool followed_by_whitespace;

		w = MIN(char_width(s[i]), len - i);
		followed_by_whitespace = i + w >= len || is_blank(s, len, i + w);
		if (i == 0) {
			switch (s[i]) {
			case '#':
			case ',':
			case '[':
			case ']':
			case '{':
			case '}':
			case '&':
			case '*':
			case '!':
			case '|':
			case '>':
			case '\'':
			case '"':
			case '%':
			case '@':
			case '`':
				block_indicators = true;
				break;
			case '?':
			case ':':
			case '-':
				if (followed_by_whitespace)
					block_indicators = true;
				break;
			default:
				break;
			}
		} else if ((s[i] == ':' && followed_by_whitespace) ||
		           (s[i] == '#' && preceded_by_whitespace)) {
			block_indicators = true;
		}

		if (!is_printable(s, len, i))
			special_characters = true;
		if (is_space(s, len, i)) {
			if (i == 0)
				leading_space = true;
			if (i + w == len)
				trailing_space = true;
			if (previous_break)
				break_space = true;
			previous_space = true;
			previous_break = false;
		} else if (is_break(s, len, i)) {
			line_breaks = true;
			if (i == 0)
				leading_break = true;
			if (i + w == len)
				trailing_break = true;
			if (previous_space)
				space_break = true;
			previous_space = false;
			previous_break = true;
		} else {
			previous_space = false;
			previous_break = false;
		}
		preceded_by_whitespace = is_blankz(s, len, i);
	}

	a->multiline = line_breaks;
	a->block_plain_allowed = true;
	a->single_quoted_allowed = true;
	a->block_allowed = true;
	if (leading_space || leading_break || trailing_space || trailing_break)
		a->block_plain_allowed = false;
	if (trailing_space)
		a->block_allowed = false;
	if (break_space) {
		a->block_plain_allowed = false;
		a->single_quoted_allowed = false;
	}
	if (space_break || special_characters) {
		a->block_plain_allowed = false;
		a->single_quoted_allowed = false;
		a->block_allowed = false;
	}
	if (line_breaks)
		a->block_plain_allowed = false;
	if (block_indicators)
		a->block_plain_allowed = false;
}

/*
 * Plain and single-quoted scalars are written alike: folded at a single space past the
 * width, breaks kept (a '\n' doubled). Quoting adds the quotes and doubles a quote inside.
 * A plain scalar never starts or ends with a space (the analysis forbids it), so the
 * single-quoted rule that never folds at the first or last character covers both.
 */
static void write_plain_or_single(struct emitter *e, const unsigned char *s, size_t len,
                                  bool allow_breaks, bool quoted)
{
	bool spaces = false, breaks = false;

	if (quoted)
		write_indicator(e, "'", true, false, false);
	else if (!e->whitespace)
		put(e, ' ');
	for (size_t i = 0; i < len;) {
		if (is_space(s, len, i)) {
			if (allow_breaks && !spaces && e->column > BEST_WIDTH && i > 0 &&
			    i < len - 1 && !is_space(s, len, i + 1)) {
				write_indent(e);
				i++;
			} else {
				write_char(e, s, len, &i);
			}
			spaces = true;
		} else if (is_break(s, len, i)) {
			if (!breaks && s[i] == '\n')
				put_break(e);
			write_break(e, s, len, &i);
			e->indention = true;
			breaks = true;
		} else {
			if (breaks)
				write_indent(e);
			if (quoted && s[i] == '\'')
				put(e, '\'');
			write_char(e, s, len, &i);
			e->indention = false;
			spaces = false;
			breaks = false;
		}
	}
	/* no indentation before the closing quote, even after a break (unlike libyaml) */
	if (quoted)
		write_indicator(e, "'", false, false, false);
	e->whitespace = false;
	e->indention = false;
}

static uint32_t decode_char(const unsigned char *s, size_t len, size_t *i)
{
	size_t w = MIN(char_width(s[*i]), len - *i);
	uint32_t v;

	switch (w) {
	case 1:
		v = s[*i] & 0x7F;
		break;
	case 2:
		v = s[*i] & 0x1F;
		break;
	case 3:
		v = s[*i] & 0x0F;
		break;
	default:
		v = s[*i] & 0x07;
		break;
	}
	for (size_t k = 1; k < w; k++)
		v = (v << 6) | (s[*i + k] & 0x3F);
	*i += w;
	return v;
}

static void write_escape(struct emitter *e, uint32_t v)
{
	static const char hex[] = "0123456789ABCDEF";
	int digits;

	put(e, '\\');
	switch (v) {
	case 0x00:
		put(e, '0');
		return;
	case 0x07:
		put(e, 'a');
		return;
	case 0x08:
		put(e, 'b');
		return;
	case 0x09:
		put(e, 't');
		return;
	case 0x0A:
		put(e, 'n');
		return;
	case 0x0B:
		put(e, 'v');
		return;
	case 0x0C:
		put(e, 'f');
		return;
	case 0x0D:
		put(e, 'r');
		return;
	case 0x1B:
		put(e, 'e');
		return;
	case 0x22:
		put(e, '"');
		return;
	case 0x5C:
		put(e, '\\');
		return;
	case 0x85:
		put(e, 'N');
		return;
	case 0xA0:
		put(e, '_');
		return;
	case 0x2028:
		put(e, 'L');
		return;
	case 0x2029:
		put(e, 'P');
		return;
	default:
		break;
	}
	if (v <= 0xFF) {
		put(e, 'x');
		digits = 2;
	} else if (v <= 0xFFFF) {
		put(e, 'u');
		digits = 4;
	} else {
		put(e, 'U');
		digits = 8;
	}
	for (int k = (digits - 1) * 4; k >= 0; k -= 4)
		put(e, hex[(v >> k) & 0x0F]);
}

static void write_double_quoted(struct emitter *e, const unsigned char *s, size_t len,
                                bool allow_breaks)
{
	bool bom = starts_with_bom(s, len), spaces = false;

	write_indicator(e, "\"", true, false, false);
	for (size_t i = 0; i < len;) {
		if (!is_printable(s, len, i) || bom || is_break(s, len, i) || s[i] == '"' ||
		    s[i] == '\\') {
			write_escape(e, decode_char(s, len, &i));
			spaces = false;
		} else if (is_space(s, len, i)) {
			if (allow_breaks && !spaces && e->column > BEST_WIDTH && i > 0 &&
			    i < len - 1) {
				write_indent(e);
				if (is_space(s, len, i + 1))
					put(e, '\\');
				i++;
			} else {
				write_char(e, s, len, &i);
			}
			spaces = true;
		} else {
			write_char(e, s, len, &i);
			spaces = false;
		}
	}
	write_indicator(e, "\"", false, false, false);
	e->whitespace = false;
	e->indention = false;
}

static void write_block_hints(struct emitter *e, const unsigned char *s, size_t len)
{
	const char *chomp = NULL;
	size_t i;

	if (is_space(s, len, 0) || is_break(s, len, 0))
		write_indicator(e, "2", false, false, false); /* BEST_INDENT */
	if (len == 0) {
		chomp = "-";
	} else {
		i = len - 1;
		while (i > 0 && (s[i] & 0xC0) == 0x80)
			i--;
		if (!is_break(s, len, i)) {
			chomp = "-";
		} else if (i == 0) {
			chomp = "+";
		} else {
			i--;
			while (i > 0 && (s[i] & 0xC0) == 0x80)
				i--;
			if (is_break(s, len, i))
				chomp = "+";
		}
	}
	if (chomp)
		write_indicator(e, chomp, false, false, false);
}

static void write_literal(struct emitter *e, const unsigned char *s, size_t len)
{
	bool breaks = true;

	write_indicator(e, "|", true, false, false);
	write_block_hints(e, s, len);
	put_break(e);
	e->indention = true;
	e->whitespace = true;
	for (size_t i = 0; i < len;) {
		if (is_break(s, len, i)) {
			write_break(e, s, len, &i);
			e->indention = true;
			breaks = true;
		} else {
			if (breaks)
				write_indent(e);
			write_char(e, s, len, &i);
			e->indention = false;
			breaks = false;
		}
	}
}

/*
 * Write one scalar. requested is what yaml.v2's encoder asks for (plain, double-quoted or
 * literal); the analysis may move it to a quoted style, as the emitter does.
 */
static void emit_scalar(struct emitter *e, const char *value, size_t len,
                        enum scalar_style requested)
{
	const unsigned char *s = (const unsigned char *)value;
	struct scalar_analysis a;
	enum scalar_style style = requested;
	int saved_indent = e->indent;

	if (requested == STYLE_PLAIN && is_simple_ascii(s, len) &&
	    simple_ascii_plain_allowed(s, len)) {
		/* what write_plain_or_single() does for it, without looking at each byte */
		if (!e->whitespace)
			put(e, ' ');
		strbuf_add(e->out, value, len);
		e->column += (int)len;
		e->whitespace = false;
		e->indention = false;
		return;
	}
	analyze_scalar(s, len, &a);
	if (e->simple_key_context && a.multiline)
		style = STYLE_DOUBLE_QUOTED;
	if (style == STYLE_PLAIN) {
		if (!a.block_plain_allowed)
			style = STYLE_SINGLE_QUOTED;
		if (len == 0 && e->simple_key_context)
			style = STYLE_SINGLE_QUOTED;
	}
	if (style == STYLE_SINGLE_QUOTED && !a.single_quoted_allowed)
		style = STYLE_DOUBLE_QUOTED;
	if (style == STYLE_LITERAL && (!a.block_allowed || e->simple_key_context))
		style = STYLE_DOUBLE_QUOTED;

	/* a scalar's continuation lines sit one step in (a flow-style indent increase) */
	e->indent = e->indent < 0 ? BEST_INDENT : e->indent + BEST_INDENT;
	switch (style) {
	case STYLE_PLAIN:
	case STYLE_SINGLE_QUOTED:
		write_plain_or_single(e, s, len, !e->simple_key_context,
		                      style == STYLE_SINGLE_QUOTED);
		break;
	case STYLE_DOUBLE_QUOTED:
		write_double_quoted(e, s, len, !e->simple_key_context);
		break;
	case STYLE_LITERAL:
		write_literal(e, s, len);
		break;
	}
	e->indent = saved_indent;
}

/*
 * kustomize hands the JSON text to yaml.v2, whose reader refuses control characters;
 * such a string makes `kustomize build` fail, so it fails here too.
 */
static int check_printable_in_yaml(struct emitter *e, const char *value, size_t len)
{
	const unsigned char *s = (const unsigned char *)value;

	for (size_t i = 0; i < len;) {
		uint32_t c = decode_char(s, len, &i);

		if (c == 0x7F || (c >= 0x80 && c <= 0x9F && c != 0x85) || c == 0xFFFE ||
		    c == 0xFFFF)
			return error_set(
			        e->reterr, -EDOM,
			        "The string \"%.*s\" holds the control character U+%04X, which kustomize cannot print",
			        (int)MIN(len, (size_t)40), value, (unsigned)c);
	}
	return 0;
}

static bool is_nel(const char *s, size_t len, size_t i)
{
	return i + 1 < len && (unsigned char)s[i] == 0xC2 && (unsigned char)s[i + 1] == 0x85;
}

/*
 * Go's JSON encoder leaves U+0085 (NEL) raw, and yaml.v2 then reads it as a line break
 * inside a double-quoted scalar and folds it: spaces around the break go, one break
 * becomes a space, n breaks become n-1 newlines.
 */
static void fold_nel(const char *s, size_t len, struct strbuf *out)
{
	for (size_t i = 0; i < len;) {
		size_t j = i, breaks = 0;

		while (j < len && (s[j] == ' ' || is_nel(s, len, j))) {
			if (is_nel(s, len, j)) {
				breaks++;
				j += 2;
			} else {
				j++;
			}
		}
		if (!breaks) {
			strbuf_addch(out, s[i]);
			i++;
			continue;
		}
		if (breaks == 1)
			strbuf_addch(out, ' ');
		else
			strbuf_addchars(out, '\n', breaks - 1);
		i = j;
	}
}

static int emit_string_folded(struct emitter *e, const char *s, size_t len);

/* yaml.v2's encoder.stringv(): plain when it reads back as the same string. */
static int emit_string(struct emitter *e, const char *s, size_t len)
{
	enum scalar_style style;
	int r;

	if (is_simple_ascii((const unsigned char *)s, len)) {
		/* nothing to refuse, fold or break: only the reading back decides */
		emit_scalar(e, s, len,
		            yaml_v2_plain_is_string(s, len) ? STYLE_PLAIN : STYLE_DOUBLE_QUOTED);
		return 0;
	}
	r = check_printable_in_yaml(e, s, len);
	if (r < 0)
		return r;
	for (size_t i = 0; i < len; i++)
		if (is_nel(s, len, i))
			return emit_string_folded(e, s, len);
	if (memchr(s, '\n', len))
		style = STYLE_LITERAL;
	else if (yaml_v2_plain_is_string(s, len))
		style = STYLE_PLAIN;
	else
		style = STYLE_DOUBLE_QUOTED;
	emit_scalar(e, s, len, style);
	return 0;
}

static int emit_string_folded(struct emitter *e, const char *s, size_t len)
{
	struct strbuf folded = STRBUF_INIT;
	int r;

	/* a JSON object key with a raw line break is no simple key: kustomize fails */
	if (e->is_key)
		return error_set(
		        e->reterr, -EDOM,
		        "The key \"%.*s\" holds U+0085 (NEL), which kustomize cannot print",
		        (int)MIN(len, (size_t)40), s);
	fold_nel(s, len, &folded);
	r = emit_string(e, folded.buf, folded.len);
	strbuf_release(&folded);
	return r;
}

/* --- yaml.v2's key order --- */

static bool rune_is_letter(uint32_t c)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
	return unicode_is_letter(c);
}

static bool rune_is_digit(uint32_t c)
{
	return c >= '0' && c <= '9';
}

/* The code point at byte i of s (len bytes); 0 past the end. */
static uint32_t rune_at(const char *s, size_t len, size_t i, size_t *ret_width)
{
	size_t next = i;
	uint32_t c;

	if (i >= len) {
		*ret_width = 0;
		return 0;
	}
	if ((unsigned char)s[i] < 0x80) {
		*ret_width = 1;
		return (unsigned char)s[i];
	}
	c = decode_char((const unsigned char *)s, len, &next);
	*ret_width = next - i;
	return c;
}

/*
 * keyList.Less of yaml.v2 for two string keys, walking both strings rune by rune (the Go
 * code compares []rune slices; runes are decoded here as they are needed).
 */
static bool v2_key_less(const char *a, size_t na, const char *b, size_t nb)
{
	size_t i = 0, j = 0;

	/* runes of both keys advance together until they differ */
	while (i < na && j < nb) {
		size_t wa, wb, ai, bj, pa;
		uint32_t ra = rune_at(a, na, i, &wa), rb = rune_at(b, nb, j, &wb);
		bool al, bl;
		uint64_t an = 0, bn = 0;
		size_t a_digits = 0, b_digits = 0;

		if (ra == rb) {
			i += wa;
			j += wb;
			continue;
		}
		al = rune_is_letter(ra);
		bl = rune_is_letter(rb);
		if (al && bl)
			return ra < rb;
		if (al || bl)
			return bl;
		if (ra == '0' || rb == '0') {
			/* digits of a right before this point, all ASCII: walk back bytewise */
			for (pa = i; pa-- > 0 && rune_is_digit((unsigned char)a[pa]);) {
				if (a[pa] != '0') {
					an = 1;
					bn = 1;
					break;
				}
			}
		}
		/* int64 arithmetic that wraps, as in Go */
		for (ai = i; ai < na && rune_is_digit((unsigned char)a[ai]); ai++, a_digits++)
			an = an * 10 + (uint64_t)(a[ai] - '0');
		for (bj = j; bj < nb && rune_is_digit((unsigned char)b[bj]); bj++, b_digits++)
			bn = bn * 10 + (uint64_t)(b[bj] - '0');
		if (an != bn)
			return (int64_t)an < (int64_t)bn;
		if (a_digits != b_digits)
			return a_digits < b_digits;
		return ra < rb;
	}
	/* the shorter (in runes) key comes first when one is a prefix of the other */
	return i >= na && j < nb;
}

struct sort_key {
	const char *key;
	size_t len;
	json_t *value;
};

static int compare_keys(const void *x, const void *y)
{
	const struct sort_key *a = x, *b = y;

	if (v2_key_less(a->key, a->len, b->key, b->len))
		return -1;
	if (v2_key_less(b->key, b->len, a->key, a->len))
		return 1;
	return 0;
}

/* --- collections --- */

static int emit_node(struct emitter *e, const json_t *node, bool mapping_context,
                     bool simple_key_context);

static void emit_empty_collection(struct emitter *e, const char *text)
{
	write_indicator(e, text[0] == '{' ? "{" : "[", true, true, false);
	write_indicator(e, text[0] == '{' ? "}" : "]", false, false, false);
}

/* A key fits "key: value" when it is one line and at most 128 bytes. */
static bool is_simple_key(const char *key, size_t len)
{
	struct scalar_analysis a;

	if (len > SIMPLE_KEY_MAX)
		return false;
	if (is_simple_ascii((const unsigned char *)key, len))
		return true; /* one line */
	analyze_scalar((const unsigned char *)key, len, &a);
	return !a.multiline;
}

static int emit_key(struct emitter *e, const char *key, size_t len, bool simple)
{
	int r;

	e->mapping_context = true;
	e->simple_key_context = simple;
	e->is_key = true;
	r = emit_string(e, key, len);
	e->is_key = false;
	return r;
}

static int emit_object(struct emitter *e, const json_t *obj)
{
	size_t n = json_object_size(obj), i = 0;
	_cleanup_free_ struct sort_key *keys = NULL;
	int saved_indent = e->indent;
	const char *key;
	json_t *value;
	int r = 0;

	if (n == 0) {
		emit_empty_collection(e, "{}");
		return 0;
	}
	keys = xcalloc(n, sizeof(*keys));
	json_object_foreach((json_t *)obj, key, value) {
		keys[i].key = key;
		keys[i].len = json_object_iter_key_len(json_object_key_to_iter(key));
		keys[i].value = value;
		i++;
	}
	qsort(keys, n, sizeof(*keys), compare_keys);

	e->indent = e->indent < 0 ? 0 : e->indent + BEST_INDENT;
	for (i = 0; i < n && r >= 0; i++) {
		write_indent(e);
		if (is_simple_key(keys[i].key, keys[i].len)) {
			r = emit_key(e, keys[i].key, keys[i].len, true);
			if (r < 0)
				break;
			write_indicator(e, ":", false, false, false);
		} else {
			write_indicator(e, "?", true, false, true);
			r = emit_key(e, keys[i].key, keys[i].len, false);
			if (r < 0)
				break;
			write_indent(e);
			write_indicator(e, ":", true, false, true);
		}
		r = emit_node(e, keys[i].value, true, false);
	}
	e->indent = saved_indent;
	return r;
}

static int emit_array(struct emitter *e, const json_t *arr, bool mapping_context)
{
	int saved_indent = e->indent;
	json_t *value;
	size_t i;
	int r = 0;

	if (json_array_size(arr) == 0) {
		emit_empty_collection(e, "[]");
		return 0;
	}
	/* a sequence that is a mapping value on the key's line sits at the key's indentation */
	if (e->indent < 0)
		e->indent = 0;
	else if (!(mapping_context && !e->indention))
		e->indent += BEST_INDENT;
	json_array_foreach(arr, i, value) {
		write_indent(e);
		write_indicator(e, "-", true, false, true);
		r = emit_node(e, value, false, false);
		if (r < 0)
			break;
	}
	e->indent = saved_indent;
	return r;
}

static int emit_node(struct emitter *e, const json_t *node, bool mapping_context,
                     bool simple_key_context)
{
	struct strbuf num = STRBUF_INIT;

	e->mapping_context = mapping_context;
	e->simple_key_context = simple_key_context;
	switch (json_typeof(node)) {
	case JSON_OBJECT:
		return emit_object(e, node);
	case JSON_ARRAY:
		return emit_array(e, node, mapping_context);
	case JSON_STRING:
		return emit_string(e, json_string_value(node), json_string_length(node));
	case JSON_INTEGER: {
		json_int_t v = json_integer_value(node);
		/* digits from the end; unsigned arithmetic covers the most negative value */
		uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
		char buf[24], *p = buf + sizeof(buf);

		do {
			*--p = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (v < 0)
			*--p = '-';
		emit_scalar(e, p, (size_t)(buf + sizeof(buf) - p), STYLE_PLAIN);
		return 0;
	}
	case JSON_REAL:
		if (!isfinite(json_real_value(node)))
			return error_set(e->reterr, -EDOM, "Cannot print a non-finite number");
		go_format_float_json_yaml(&num, json_real_value(node));
		break;
	case JSON_TRUE:
		strbuf_addstr(&num, "true");
		break;
	case JSON_FALSE:
		strbuf_addstr(&num, "false");
		break;
	case JSON_NULL:
	default:
		strbuf_addstr(&num, "null");
		break;
	}
	emit_scalar(e, num.buf, num.len, STYLE_PLAIN);
	strbuf_release(&num);
	return 0;
}

int doc_emit_yaml(const json_t *doc, struct strbuf *out, struct error *reterr)
{
	struct emitter e = {
		.out = out,
		.indent = -1,
		.whitespace = true,
		.indention = true,
		.reterr = reterr,
	};
	size_t start = out->len;
	int r;

	r = emit_node(&e, doc, false, false);
	if (r < 0) {
		strbuf_setlen(out, start);
		return r;
	}
	/* the implicit document end */
	e.indent = -1;
	write_indent(&e);
	return 0;
}
