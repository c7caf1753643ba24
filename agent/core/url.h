#pragma once
/* URLs as shown to a user: never with what their user information may hide. */

/*
 * url with its user information (user:password, or a lone user that may be a token, as in
 * https://TOKEN@host/path) replaced by three asterisks, so that the host and the path stay
 * readable. ssh URLs keep their user, which is not a secret (ssh://git@host/repo); URLs
 * without a scheme (scp-like git@host:path, paths) are returned as they are. Freed by the
 * caller.
 */
char *url_redact(const char *url);
