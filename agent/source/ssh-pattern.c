/* ssh's patterns (match.c): what known_hosts and allowed-signers files match names with. */

#include <stdbool.h>
#include <string.h>

#include "core/alloc.h"
#include "source/internal.h"

/* Patterns, as ssh matches them (match.c): '*' any run, '?' any one character. */

static bool pattern_match(const char *s, const char *p)
{
	const char *star = NULL, *resume = NULL;

	/* greedy, back to the last '*' on a mismatch: never the exponential recursion */
	while (*s) {
		if (*p == '*') {
			star = ++p;
			resume = s;
		} else if (*p && (*p == '?' || *p == *s)) {
			p++;
			s++;
		} else if (star) {
			p = star;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/*
 * Match s against a comma-separated list of patterns, each possibly negated with '!'
 * (match_pattern_list()): 1 a pattern matches, 0 none does, -1 a negated one matches.
 */
int source_ssh_pattern_list_match(const char *s, const char *list)
{
	_cleanup_free_ char *copy = xstrdup(list);
	char *save = NULL;
	int found = 0;

	for (char *pat = strtok_r(copy, ",", &save); pat; pat = strtok_r(NULL, ",", &save)) {
		bool negate = pat[0] == '!';

		if (!pattern_match(s, pat + negate))
			continue;
		if (negate)
			return -1;
		found = 1;
	}
	return found;
}
