/*
 * Scalar resolution and number/time formatting with the exact rules of the Go libraries
 * kustomize is built on (gopkg.in/yaml.v3, sigs.k8s.io/yaml's yaml.v2 fork, strconv,
 * encoding/json and time), so that `driftless render` prints what `kustomize build` prints.
 */

#include "doc/internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/macro.h"

static bool span_eq(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

static bool span_in(const char *s, size_t len, const char *const *list)
{
	for (; *list; list++)
		if (span_eq(s, len, *list))
			return true;
	return false;
}

static const char *const null_words[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const true_words[] = { "true", "True", "TRUE", NULL };
static const char *const false_words[] = { "false", "False", "FALSE", NULL };
static const char *const v2_true_words[] = {
	"y", "Y", "yes", "Yes", "YES", "on", "On", "ON", NULL
};
static const char *const v2_false_words[] = {
	"n", "N", "no", "No", "NO", "off", "Off", "OFF", NULL
};
static const char *const nan_words[] = { ".nan", ".NaN", ".NAN", NULL };
static const char *const inf_words[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL };
static const char *const neg_inf_words[] = { "-.inf", "-.Inf", "-.INF", NULL };

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

int go_parse_uint(const char *s, size_t len, uint64_t *ret)
{
	unsigned base = 10;
	uint64_t n = 0;

	if (len == 0)
		return -EINVAL;
	if (s[0] == '0') {
		char p = len >= 3 ? (char)tolower((unsigned char)s[1]) : 0;

		if (p == 'b')
			base = 2, s += 2, len -= 2;
		else if (p == 'o')
			base = 8, s += 2, len -= 2;
		else if (p == 'x')
			base = 16, s += 2, len -= 2;
		else
			base = 8, s += 1, len -= 1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)digit_value(s[i]);

		if (d >= base)
			return -EINVAL;
		if (n > (UINT64_MAX - d) / base) {
			/* Go keeps scanning for syntax errors before reporting the overflow */
			for (size_t j = i; j < len; j++)
				if ((unsigned)digit_value(s[j]) >= base)
					return -EINVAL;
			return -ERANGE;
		}
		n = n * base + d;
	}
	*ret = n;
	return 0;
}

int go_parse_int(const char *s, size_t len, int64_t *ret)
{
	bool neg = false;
	uint64_t u;
	int r;

	if (len == 0)
		return -EINVAL;
	if (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-';
		s++, len--;
	}
	r = go_parse_uint(s, len, &u);
	if (r < 0)
		return r;
	if (!neg && u > (uint64_t)INT64_MAX)
		return -ERANGE;
	if (neg && u > (uint64_t)INT64_MAX + 1)
		return -ERANGE;
	*ret = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool is_yaml_style_float(const char *s, size_t len)
{
	size_t i = 0, digits = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i < len && s[i] == '.') {
		i++;
		for (; i < len && isdigit((unsigned char)s[i]); i++)
			digits++;
		if (!digits)
			return false;
	} else {
		for (; i < len && isdigit((unsigned char)s[i]); i++)
			digits++;
		if (!digits)
			return false;
		if (i < len && s[i] == '.')
			for (i++; i < len && isdigit((unsigned char)s[i]); i++)
				;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		digits = 0;
		for (; i < len && isdigit((unsigned char)s[i]); i++)
			digits++;
		if (!digits)
			return false;
	}
	return i == len;
}

/* strconv.ParseFloat for text already known to be a plain decimal float: range errors fail. */
static bool parse_decimal_float(const char *s, size_t len, double *ret)
{
	char buf[128];
	char *end;
	double f;

	if (len >= sizeof(buf))
		return false; /* no such YAML in the wild; keep it a string */
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	f = strtod(buf, &end);
	if (*end)
		return false;
	if (errno == ERANGE && isinf(f))
		return false;
	*ret = f;
	return true;
}

/* ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
static bool is_base60_float(const char *s, size_t len)
{
	size_t i = 0, groups = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i >= len || !isdigit((unsigned char)s[i]))
		return false;
	for (i++; i < len && (isdigit((unsigned char)s[i]) || s[i] == '_'); i++)
		;
	while (i < len && s[i] == ':') {
		size_t start = ++i, n;

		for (; i < len && isdigit((unsigned char)s[i]) && i - start < 2; i++)
			;
		n = i - start;
		if (n == 0)
			return false;
		if (n == 2 && s[start] > '5')
			return false;
		groups++;
	}
	if (!groups)
		return false;
	if (i < len && s[i] == '.')
		for (i++; i < len && (isdigit((unsigned char)s[i]) || s[i] == '_'); i++)
			;
	return i == len;
}

/* --- timestamps: Go's time.Parse for YAML's four layouts, then RFC 3339 with nanoseconds --- */

struct go_time {
	int year, month, day, hour, minute, second;
	long nsec;
	bool has_zone;
	int zone_sec; /* east of UTC */
};

/* 1 or 2 digits, as Go's getnum(value, false) */
static bool take_num12(const char **p, const char *end, int *ret)
{
	const char *s = *p;

	if (s >= end || !isdigit((unsigned char)s[0]))
		return false;
	if (s + 1 < end && isdigit((unsigned char)s[1])) {
		*ret = (s[0] - '0') * 10 + (s[1] - '0');
		*p = s + 2;
	} else {
		*ret = s[0] - '0';
		*p = s + 1;
	}
	return true;
}

static bool take_char(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return false;
	(*p)++;
	return true;
}

static bool is_leap(int y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int days_in(int month, int year)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (month == 2 && is_leap(year))
		return 29;
	return days[month - 1];
}

/* layout: 0 "T", 1 "t", 2 " " (no zone), 3 date only */
static bool parse_layout(const char *s, size_t len, int layout, struct go_time *t)
{
	const char *p = s, *end = s + len;

	*t = (struct go_time){ 0 };
	if (len < 4)
		return false;
	for (int i = 0; i < 4; i++)
		if (!isdigit((unsigned char)p[i]))
			return false;
	t->year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
	p += 4;
	if (!take_char(&p, end, '-') || !take_num12(&p, end, &t->month) || t->month < 1 ||
	    t->month > 12)
		return false;
	if (!take_char(&p, end, '-') || !take_num12(&p, end, &t->day))
		return false;
	if (layout != 3) {
		if (!take_char(&p, end, "Tt "[layout]))
			return false;
		if (!take_num12(&p, end, &t->hour) || t->hour > 23)
			return false;
		if (!take_char(&p, end, ':') || !take_num12(&p, end, &t->minute) || t->minute > 59)
			return false;
		if (!take_char(&p, end, ':') || !take_num12(&p, end, &t->second) || t->second > 59)
			return false;
		/* optional fraction (.999999999): any number of digits, the first nine count */
		if (end - p >= 2 && (p[0] == '.' || p[0] == ',') && isdigit((unsigned char)p[1])) {
			long scale = 100000000;

			for (p++; p < end && isdigit((unsigned char)*p); p++) {
				t->nsec += (*p - '0') * scale;
				scale /= 10;
			}
		}
		if (layout < 2) {
			t->has_zone = true;
			if (p < end && *p == 'Z') {
				p++;
			} else {
				int hh, mm;

				if (end - p < 6 || (p[0] != '+' && p[0] != '-') || p[3] != ':')
					return false;
				if (!isdigit((unsigned char)p[1]) ||
				    !isdigit((unsigned char)p[2]) ||
				    !isdigit((unsigned char)p[4]) || !isdigit((unsigned char)p[5]))
					return false;
				hh = (p[1] - '0') * 10 + (p[2] - '0');
				mm = (p[4] - '0') * 10 + (p[5] - '0');
				if (hh > 24 || mm > 60)
					return false;
				t->zone_sec = (hh * 3600 + mm * 60) * (p[0] == '-' ? -1 : 1);
				p += 6;
			}
		}
	}
	if (p != end)
		return false;
	if (t->day < 1 || t->day > days_in(t->month, t->year))
		return false;
	return true;
}

bool go_parse_yaml_timestamp(const char *s, size_t len, char *buf, size_t size)
{
	struct go_time t;
	size_t i;
	int n;

	/* yaml's fast check: four digits and a dash */
	for (i = 0; i < len && isdigit((unsigned char)s[i]); i++)
		;
	if (i != 4 || i == len || s[i] != '-')
		return false;
	for (int layout = 0; layout < 4; layout++) {
		if (!parse_layout(s, len, layout, &t))
			continue;
		n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d", t.year, t.month, t.day,
		             t.hour, t.minute, t.second);
		if (t.nsec) {
			char frac[16];
			int k = snprintf(frac, sizeof(frac), "%09ld", t.nsec);

			while (k > 0 && frac[k - 1] == '0')
				frac[--k] = '\0';
			n += snprintf(buf + n, size - (size_t)n, ".%s", frac);
		}
		if (!t.has_zone || t.zone_sec == 0)
			(void)snprintf(buf + n, size - (size_t)n, "Z");
		else
			(void)snprintf(buf + n, size - (size_t)n, "%c%02d:%02d",
			               t.zone_sec < 0 ? '-' : '+', abs(t.zone_sec) / 3600,
			               abs(t.zone_sec) % 3600 / 60);
		return true;
	}
	return false;
}

/* --- resolution --- */

static char resolve_hint(const char *s, size_t len)
{
	if (len == 0)
		return 'N';
	switch (s[0]) {
	case '+':
	case '-':
		return 'S';
	case '.':
		return '.';
	default:
		if (isdigit((unsigned char)s[0]))
			return 'D';
		if (strchr("yYnNtTfFoO~", s[0]))
			return 'M';
		return 0;
	}
}

static bool resolve_numeric(const char *s, size_t len, bool want_timestamp,
                            struct scalar_value *ret)
{
	char plain[128];
	size_t n = 0;
	int64_t i;
	uint64_t u;
	double f;

	if (want_timestamp &&
	    go_parse_yaml_timestamp(s, len, ret->timestamp, sizeof(ret->timestamp))) {
		ret->kind = SCALAR_TIMESTAMP;
		return true;
	}
	/* underscores are dropped before the number parsers see the text */
	for (size_t k = 0; k < len; k++) {
		if (s[k] == '_')
			continue;
		if (n == sizeof(plain))
			return false; /* far longer than any number */
		plain[n++] = s[k];
	}
	if (go_parse_int(plain, n, &i) == 0) {
		ret->kind = SCALAR_INT;
		ret->i = i;
		return true;
	}
	if (go_parse_uint(plain, n, &u) == 0) {
		ret->kind = SCALAR_UINT;
		ret->u = u;
		return true;
	}
	if (is_yaml_style_float(plain, n) && parse_decimal_float(plain, n, &f)) {
		ret->kind = SCALAR_FLOAT;
		ret->f = f;
		return true;
	}
	/* yaml also tries explicit 0b/0o prefixes here; ParseInt(s, 0) above covers them */
	return false;
}

void yaml_resolve_plain(const char *s, size_t len, enum yaml_dialect dialect,
                        struct scalar_value *ret)
{
	char hint = resolve_hint(s, len);

	*ret = (struct scalar_value){ .kind = SCALAR_STR };
	if (!hint)
		return;
	if (span_in(s, len, null_words)) {
		ret->kind = SCALAR_NULL;
		return;
	}
	if (span_in(s, len, true_words) ||
	    (dialect == YAML_DIALECT_V2 && span_in(s, len, v2_true_words))) {
		ret->kind = SCALAR_BOOL;
		ret->b = true;
		return;
	}
	if (span_in(s, len, false_words) ||
	    (dialect == YAML_DIALECT_V2 && span_in(s, len, v2_false_words))) {
		ret->kind = SCALAR_BOOL;
		ret->b = false;
		return;
	}
	if (span_in(s, len, nan_words)) {
		ret->kind = SCALAR_FLOAT;
		ret->f = NAN;
		return;
	}
	if (span_in(s, len, inf_words) || span_in(s, len, neg_inf_words)) {
		ret->kind = SCALAR_FLOAT;
		ret->f = span_in(s, len, inf_words) ? INFINITY : -INFINITY;
		return;
	}
	switch (hint) {
	case '.':
		if (is_yaml_style_float(s, len) && parse_decimal_float(s, len, &ret->f))
			ret->kind = SCALAR_FLOAT;
		return;
	case 'D':
	case 'S':
		(void)resolve_numeric(s, len, true, ret);
		return;
	default:
		return;
	}
}

bool yaml_v2_plain_is_string(const char *s, size_t len)
{
	struct scalar_value v;

	yaml_resolve_plain(s, len, YAML_DIALECT_V2, &v);
	return v.kind == SCALAR_STR && !is_base60_float(s, len);
}

/* --- float formatting --- */

/* Shortest round-tripping digits of |f| (f finite, non-zero): "d1d2..dn", decimal point after dp.
 */
static void shortest_digits(double f, char *digits, size_t size, int *ret_nd, int *ret_dp)
{
	char buf[40];

	for (int prec = 1; prec <= 17; prec++) {
		char *e;
		int nd = 0;

		(void)snprintf(buf, sizeof(buf), "%.*e", prec - 1, fabs(f));
		if (prec < 17 && strtod(buf, NULL) != fabs(f))
			continue;
		for (const char *p = buf; *p && *p != 'e'; p++)
			if (isdigit((unsigned char)*p) && nd < (int)size - 1)
				digits[nd++] = *p;
		/* trailing zeros are not significant */
		while (nd > 1 && digits[nd - 1] == '0')
			nd--;
		digits[nd] = '\0';
		e = strchr(buf, 'e');
		*ret_nd = nd;
		*ret_dp = (int)strtol(e + 1, NULL, 10) + 1;
		return;
	}
}

void go_format_float_g(struct strbuf *out, double f)
{
	char digits[24];
	int nd, dp, exp;

	if (isnan(f)) {
		strbuf_addstr(out, "NaN");
		return;
	}
	if (isinf(f)) {
		strbuf_addstr(out, f > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (signbit(f))
		strbuf_addch(out, '-');
	if (f == 0) {
		strbuf_addch(out, '0');
		return;
	}
	shortest_digits(f, digits, sizeof(digits), &nd, &dp);
	/* strconv 'g' with the shortest precision: %e when exp < -4 || exp >= 6 */
	exp = dp - 1;
	if (exp < -4 || exp >= 6) {
		strbuf_addch(out, digits[0]);
		if (nd > 1) {
			strbuf_addch(out, '.');
			strbuf_add(out, digits + 1, (size_t)nd - 1);
		}
		strbuf_addf(out, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
		return;
	}
	if (dp <= 0) {
		strbuf_addstr(out, "0.");
		strbuf_addchars(out, '0', (size_t)-dp);
		strbuf_add(out, digits, (size_t)nd);
	} else if (dp >= nd) {
		strbuf_add(out, digits, (size_t)nd);
		strbuf_addchars(out, '0', (size_t)(dp - nd));
	} else {
		strbuf_add(out, digits, (size_t)dp);
		strbuf_addch(out, '.');
		strbuf_add(out, digits + dp, (size_t)(nd - dp));
	}
}

void go_format_float_json_yaml(struct strbuf *out, double f)
{
	/*
	 * encoding/json writes an integral float below 1e21 with 'f' and the shortest digits
	 * (9223372036854775808.0 becomes "9223372036854776000"); yaml.v2 reads that back as an
	 * int when it fits int64 or uint64 and prints it as such, otherwise as a float.
	 */
	if (isfinite(f) && f == trunc(f) && fabs(f) < 1e21) {
		char digits[24], text[32];
		int nd, dp, n = 0;
		int64_t i;
		uint64_t u;

		if (f == 0) {
			strbuf_addch(out, '0');
			return;
		}
		shortest_digits(f, digits, sizeof(digits), &nd, &dp);
		if (signbit(f))
			text[n++] = '-';
		memcpy(text + n, digits, (size_t)nd);
		n += nd;
		for (int k = nd; k < dp; k++)
			text[n++] = '0';
		text[n] = '\0';
		if (go_parse_int(text, (size_t)n, &i) == 0) {
			strbuf_addf(out, "%" PRId64, i);
			return;
		}
		if (go_parse_uint(text, (size_t)n, &u) == 0) {
			strbuf_addf(out, "%" PRIu64, u);
			return;
		}
	}
	go_format_float_g(out, f);
}
