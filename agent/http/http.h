#pragma once
/*
 * http: the one libcurl wrapper (TLS, timeouts, size caps, retries). Owns libcurl and
 * reports the TLS library (OpenSSL) it runs on.
 */

#include <jansson.h>

/*
 * Append {"name", "version", "features": [...]} entries for libcurl (with its TLS
 * backend and protocol features) and OpenSSL to the array libs.
 */
void http_library_versions(json_t *libs);
