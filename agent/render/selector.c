/*
 * Kubernetes label selectors ("app=web,tier!=db,env in (a,b),!legacy"), matched against
 * a labels (or annotations) map, as kustomize's labelSelector/annotationSelector do.
 */

#include "render/render.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/strv.h"
#include "render/internal.h"

static void skip_space(const char **p)
{
	while (isspace((unsigned char)**p))
		(*p)++;
}

/* A key or value: anything up to a space, ',', '=', '!', '(' or ')'. */
static char *take_word(const char **p)
{
	const char *s = *p;

	while (*s && !isspace((unsigned char)*s) && !strchr(",=!()", *s))
		s++;
	if (s == *p)
		return NULL;
	{
		char *w = xstrndup(*p, (size_t)(s - *p));

		*p = s;
		return w;
	}
}

static const char *label_value(const json_t *labels, const char *key)
{
	const json_t *v = json_object_get(labels, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int parse_set(const char **p, char ***ret, const char *selector, struct error *reterr)
{
	_cleanup_strv_free_ char **values = xcalloc(1, sizeof(char *));

	skip_space(p);
	if (**p != '(')
		return error_set(reterr, -EINVAL, "label selector '%s': expected '('", selector);
	(*p)++;
	for (;;) {
		char *v;

		skip_space(p);
		if (**p == ')') {
			(*p)++;
			break;
		}
		v = take_word(p);
		strv_consume(&values, v ? v : xstrdup(""));
		skip_space(p);
		if (**p == ',') {
			(*p)++;
			continue;
		}
		if (**p == ')') {
			(*p)++;
			break;
		}
		return error_set(reterr, -EINVAL, "label selector '%s': expected ',' or ')'",
		                 selector);
	}
	*ret = TAKE_PTR(values);
	return 0;
}

int selector_matches(const json_t *labels, const char *selector, bool *ret, struct error *reterr)
{
	const char *p = selector;
	bool all = true;
	int r;

	for (;;) {
		_cleanup_free_ char *key = NULL, *value = NULL;
		_cleanup_strv_free_ char **set = NULL;
		const char *have;
		bool negate = false, ok;

		skip_space(&p);
		if (!*p)
			break;
		if (*p == '!') {
			negate = true;
			p++;
			skip_space(&p);
		}
		key = take_word(&p);
		if (!key)
			return error_set(reterr, -EINVAL, "label selector '%s': expected a key",
			                 selector);
		have = label_value(labels, key);
		skip_space(&p);
		if (negate) {
			ok = !have;
		} else if (*p == '=' || (*p == '!' && p[1] == '=')) {
			bool not_equal = *p == '!';

			p += not_equal ? 2 : (p[1] == '=' ? 2 : 1);
			skip_space(&p);
			value = take_word(&p);
			if (!value)
				value = xstrdup("");
			ok = not_equal ? !have || !streq(have, value) : have && streq(have, value);
		} else if (startswith(p, "in") && (isspace((unsigned char)p[2]) || p[2] == '(')) {
			p += 2;
			r = parse_set(&p, &set, selector, reterr);
			if (r < 0)
				return r;
			ok = have && strv_contains(set, have);
		} else if (startswith(p, "notin") &&
		           (isspace((unsigned char)p[5]) || p[5] == '(')) {
			p += 5;
			r = parse_set(&p, &set, selector, reterr);
			if (r < 0)
				return r;
			ok = !have || !strv_contains(set, have);
		} else {
			ok = have != NULL;
		}
		all = all && ok;
		skip_space(&p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p)
			return error_set(reterr, -EINVAL, "label selector '%s': unexpected '%c'",
			                 selector, *p);
	}
	*ret = all;
	return 0;
}

int simple_pattern_match(const char *pattern, const char *text, bool prefix_only,
                         const char **ret_end)
{
	const char *p = pattern, *t = text;

	for (; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("-_/:@.", *p))
			return -1;
	}
	for (p = pattern; *p; p++, t++) {
		if (!*t)
			return 0;
		/* '.' is any one character; the text is UTF-8, so take a whole code point */
		if (*p == '.') {
			while ((t[1] & 0xC0) == 0x80)
				t++;
			continue;
		}
		if (*p != *t)
			return 0;
	}
	if (ret_end)
		*ret_end = t;
	return prefix_only || !*t;
}
