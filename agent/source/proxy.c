/*
 * https_proxy and no_proxy, read the way curl reads them, since libgit2 only offers a
 * proxy URL: lower case first, then upper case (but never HTTP_PROXY, which a CGI
 * program's environment can set from a request header); no_proxy is a comma-separated
 * list of host names (a name matches itself and its subdomains, a leading dot is
 * ignored), IP addresses, CIDR ranges, or "*" for everything.
 */

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "source/internal.h"

static const char *env_either(const char *lower, const char *upper)
{
	const char *v = getenv(lower);

	if ((!v || !*v) && upper)
		v = getenv(upper);
	return v && *v ? v : NULL;
}

/* Whether the address text addr lies in the range net/bits (IPv4 or IPv6). */
static bool cidr_contains(const char *addr, const char *net, unsigned bits)
{
	unsigned char a[16], b[16];
	size_t len;

	if (inet_pton(AF_INET, addr, a) == 1 && inet_pton(AF_INET, net, b) == 1)
		len = 4;
	else if (inet_pton(AF_INET6, addr, a) == 1 && inet_pton(AF_INET6, net, b) == 1)
		len = 16;
	else
		return false;
	if (bits > len * 8)
		return false;
	for (size_t i = 0; i < len && bits > 0; i++) {
		unsigned take = bits >= 8 ? 8 : bits;
		unsigned char mask = (unsigned char)(0xff << (8 - take));

		if ((a[i] & mask) != (b[i] & mask))
			return false;
		bits -= take;
	}
	return true;
}

static bool no_proxy_matches(const char *list, const char *host)
{
	_cleanup_free_ char *copy = xstrdup(list);
	char *save = NULL;
	size_t hlen = strlen(host);

	for (char *item = strtok_r(copy, ", \t", &save); item;
	     item = strtok_r(NULL, ", \t", &save)) {
		char *slash = strchr(item, '/');
		size_t ilen;

		if (streq(item, "*"))
			return true;
		if (slash) {
			*slash = '\0';
			if (cidr_contains(host, item, (unsigned)strtoul(slash + 1, NULL, 10)))
				return true;
			continue;
		}
		if (item[0] == '.')
			item++;
		ilen = strlen(item);
		if (ilen == 0 || ilen > hlen)
			continue;
		if (strcasecmp(host + hlen - ilen, item) == 0 &&
		    (ilen == hlen || host[hlen - ilen - 1] == '.'))
			return true;
	}
	return false;
}

char *source_proxy_for(const char *url, const char *host)
{
	bool https = strncmp(url, "https://", 8) == 0;
	const char *proxy =
	        https ? env_either("https_proxy", "HTTPS_PROXY") : env_either("http_proxy", NULL);
	const char *no_proxy = env_either("no_proxy", "NO_PROXY");

	if (!proxy)
		proxy = env_either("all_proxy", "ALL_PROXY");
	if (!proxy)
		return NULL;
	if (no_proxy && no_proxy_matches(no_proxy, host))
		return NULL;
	/* libgit2 wants a scheme; curl assumes http:// when there is none */
	if (!strstr(proxy, "://"))
		return xstrjoin("http://", proxy, NULL);
	return xstrdup(proxy);
}
