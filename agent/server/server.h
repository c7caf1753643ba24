#pragma once
/*
 * server: the webhook, /metrics and /healthz endpoints over libmicrohttpd. Owns
 * libmicrohttpd.
 */

#include <jansson.h>

/* Append {"name", "version", "features": [...]} for libmicrohttpd to the array libs. */
void server_library_versions(json_t *libs);
