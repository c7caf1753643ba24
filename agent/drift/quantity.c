/* Kubernetes quantities (k8s.io/apimachinery/pkg/api/resource), compared exactly. */
#include "drift/drift.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "core/macro.h"

/* A quantity in nano-units (1e-9); wide enough for 1.7e29 units. */
struct nano {
	__extension__ __int128 v;
};

struct suffix {
	const char *text;
	int base; /* 10 or 2 */
	int exponent;
};

static const struct suffix suffixes[] = {
	{ "n", 10, -9 }, { "u", 10, -6 }, { "m", 10, -3 }, { "", 10, 0 },
	{ "k", 10, 3 },  { "M", 10, 6 },  { "G", 10, 9 },  { "T", 10, 12 },
	{ "P", 10, 15 }, { "E", 10, 18 }, { "Ki", 2, 10 }, { "Mi", 2, 20 },
	{ "Gi", 2, 30 }, { "Ti", 2, 40 }, { "Pi", 2, 50 }, { "Ei", 2, 60 },
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A signed decimal exponent ("3", "-2", "+1"); small values only. */
static int parse_exponent(const char *s, int *ret)
{
	bool negative = false;
	int v = 0;

	if (*s == '+' || *s == '-')
		negative = *s++ == '-';
	if (!*s)
		return -EBADMSG;
	for (; *s; s++) {
		if (!is_digit(*s))
			return -EBADMSG;
		if (v > 1000)
			return -ERANGE;
		v = v * 10 + (*s - '0');
	}
	*ret = negative ? -v : v;
	return 0;
}

static int interpret_suffix(const char *s, int *ret_base, int *ret_exponent)
{
	for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
		if (streq(suffixes[i].text, s)) {
			*ret_base = suffixes[i].base;
			*ret_exponent = suffixes[i].exponent;
			return 0;
		}
	if ((s[0] == 'e' || s[0] == 'E') && s[1]) {
		*ret_base = 10;
		return parse_exponent(s + 1, ret_exponent);
	}
	return -EBADMSG;
}

static int mul(struct nano *n, int by)
{
	return __builtin_mul_overflow(n->v, by, &n->v) ? -ERANGE : 0;
}

static int add_digit(struct nano *n, char digit)
{
	if (__builtin_mul_overflow(n->v, 10, &n->v) ||
	    __builtin_add_overflow(n->v, digit - '0', &n->v))
		return -ERANGE;
	return 0;
}

static int quantity_parse(const char *s, struct nano *ret)
{
	bool negative = false, seen_digit = false;
	struct nano n = { 0 };
	int frac = 0, base, exponent, ten, r;

	if (*s == '+' || *s == '-')
		negative = *s++ == '-';
	for (; is_digit(*s); s++) {
		seen_digit = true;
		r = add_digit(&n, *s);
		if (r < 0)
			return r;
	}
	if (*s == '.')
		for (s++; is_digit(*s); s++) {
			seen_digit = true;
			frac++;
			if (n.v == 0 && *s == '0')
				continue;
			r = add_digit(&n, *s);
			if (r < 0)
				return r;
		}
	if (!seen_digit)
		return -EBADMSG;
	r = interpret_suffix(s, &base, &exponent);
	if (r < 0)
		return r;

	/* n * 10^-frac * base^exponent, in nano-units: scale up first, divide exactly last. */
	ten = 9 - frac;
	if (base == 2) {
		for (int i = 0; i < exponent; i++) {
			r = mul(&n, 2);
			if (r < 0)
				return r;
		}
	} else
		ten += exponent;
	for (; ten > 0; ten--) {
		r = mul(&n, 10);
		if (r < 0)
			return r;
	}
	for (; ten < 0; ten++) {
		if (n.v % 10 != 0)
			return -ERANGE;
		n.v /= 10;
	}
	if (negative)
		n.v = -n.v;
	*ret = n;
	return 0;
}

int drift_quantity_compare(const char *a, const char *b, int *ret_cmp)
{
	struct nano x, y;
	int r;

	r = quantity_parse(a, &x);
	if (r < 0)
		return r;
	r = quantity_parse(b, &y);
	if (r < 0)
		return r;
	*ret_cmp = x.v < y.v ? -1 : x.v > y.v ? 1 : 0;
	return 0;
}
