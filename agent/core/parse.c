#include "core/parse.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "core/macro.h"
#include "core/time.h"

/* Parse leading decimal digits of *p into *ret, advancing *p. */
static int parse_digits(const char **p, uint64_t *ret)
{
	const char *s = *p;
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*p = s;
	*ret = v;
	return 0;
}

int parse_u64(const char *s, uint64_t *ret)
{
	uint64_t v;
	int r;

	r = parse_digits(&s, &v);
	if (r < 0)
		return r;
	if (*s)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_u32(const char *s, uint32_t *ret)
{
	uint64_t v;
	int r;

	r = parse_u64(s, &v);
	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

int parse_i64(const char *s, int64_t *ret)
{
	bool negative = *s == '-';
	uint64_t v;
	int r;

	if (negative)
		s++;
	r = parse_u64(s, &v);
	if (r < 0)
		return r;
	if (negative) {
		if (v > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		*ret = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > INT64_MAX)
			return -ERANGE;
		*ret = (int64_t)v;
	}
	return 0;
}

static const struct {
	const char *name;
	uint64_t usec;
} duration_units[] = {
	/* longest first where one name is a prefix of another */
	{ "us", 1 },           { "ms", USEC_PER_MSEC },  { "min", USEC_PER_MINUTE },
	{ "s", USEC_PER_SEC }, { "m", USEC_PER_MINUTE }, { "h", USEC_PER_HOUR },
	{ "d", USEC_PER_DAY },
};

static int parse_unit(const char **p, uint64_t *ret)
{
	for (size_t i = 0; i < ELEMENTSOF(duration_units); i++) {
		size_t n = strlen(duration_units[i].name);

		if (strncmp(*p, duration_units[i].name, n) == 0 &&
		    !isalpha((unsigned char)(*p)[n])) {
			*p += n;
			*ret = duration_units[i].usec;
			return 0;
		}
	}
	return -EINVAL;
}

/* value * unit + fraction/10^digits * unit, with overflow checks */
static int add_component(uint64_t *total, uint64_t value, uint64_t frac, uint64_t frac_scale,
                         uint64_t unit)
{
	uint64_t part;

	if (value > UINT64_MAX / unit)
		return -ERANGE;
	part = value * unit;
	if (frac_scale)
		part += (uint64_t)(__extension__((unsigned __int128)frac * unit / frac_scale));
	if (part > UINT64_MAX - 1 - *total) /* UINT64_MAX is "infinity" */
		return -ERANGE;
	*total += part;
	return 0;
}

int parse_duration_usec(const char *s, uint64_t *ret)
{
	uint64_t total = 0;
	int r;

	if (streq(s, "infinity")) {
		*ret = USEC_INFINITY;
		return 0;
	}
	if (streq(s, "0")) {
		*ret = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	while (*s) {
		uint64_t value, frac = 0, frac_scale = 0, unit;

		r = parse_digits(&s, &value);
		if (r < 0)
			return r;
		if (*s == '.') {
			s++;
			if (!isdigit((unsigned char)*s))
				return -EINVAL;
			frac_scale = 1;
			for (; isdigit((unsigned char)*s); s++) {
				/* digits past microsecond precision of a day do not matter */
				if (frac_scale >= 1000000000000ULL)
					continue;
				frac = frac * 10 + (uint64_t)(*s - '0');
				frac_scale *= 10;
			}
		}
		r = parse_unit(&s, &unit);
		if (r < 0)
			return r;
		r = add_component(&total, value, frac, frac_scale, unit);
		if (r < 0)
			return r;
	}
	*ret = total;
	return 0;
}

int parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
	static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

	for (size_t i = 0; i < ELEMENTSOF(yes); i++)
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
	for (size_t i = 0; i < ELEMENTSOF(no); i++)
		if (strcasecmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	return -EINVAL;
}
