#pragma once
/*
 * server: the webhook, /metrics and /healthz endpoints over libmicrohttpd. Owns
 * libmicrohttpd.
 */

#include <jansson.h>

struct error;

/* Append {"name", "version", "features": [...]} for libmicrohttpd to the array libs. */
void server_library_versions(json_t *libs);

/*
 * Load libmicrohttpd (it is loaded on first use, see core/dl.h). A command that will need it calls
 * this first, so that a missing or wrong library is an error, not a stop mid-way.
 */
int server_load_library(struct error *reterr);
