#include "core/url.h"

#include <string.h>

#include "core/alloc.h"

char *url_redact(const char *url)
{
	const char *auth = strstr(url, "://"), *end, *at;

	if (!auth || strncmp(url, "ssh://", 6) == 0)
		return xstrdup(url);
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	at = memrchr(auth, '@', (size_t)(end - auth));
	if (!at)
		return xstrdup(url);
	return xasprintf("%.*s***%s", (int)(auth - url), url, at);
}
