#pragma once
/*
 * http: the one libcurl wrapper (TLS, timeouts, size caps, retries). Owns libcurl and
 * reports the TLS library (OpenSSL) it runs on.
 */

#include <jansson.h>

struct error;

/*
 * Append {"name", "version", "features": [...]} entries for libcurl (with its TLS
 * backend and protocol features) and OpenSSL to the array libs.
 */
void http_library_versions(json_t *libs);

/*
 * Load libcurl (it is loaded on first use, see core/dl.h). A command that will need it calls
 * this first, so that a missing or wrong library is an error, not a stop mid-way.
 */
int http_load_library(struct error *reterr);
