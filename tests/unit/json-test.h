#pragma once
/*
 * For unit tests that write JSON in C strings: ' stands for ", so that
 * "{'a': [1, 'x']}" needs no escaping. Header-only: each test is one executable. Include
 * after <cmocka.h>.
 */

#include <jansson.h>

#include "core/alloc.h"

/* Parse text (any JSON value; integers stay integers) with every ' read as "; a text that
 * does not parse fails the test. The caller decrefs the result. */
static inline json_t *json_test_load(const char *text)
{
	_cleanup_free_ char *s = xstrdup(text);
	json_error_t jerr;
	json_t *v;

	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	v = json_loads(s, JSON_DECODE_ANY, &jerr);
	if (!v)
		fail_msg("bad test JSON '%s': %s", text, jerr.text);
	return v;
}
