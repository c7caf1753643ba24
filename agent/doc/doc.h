#pragma once
/*
 * doc: YAML documents <-> jansson json_t, the document model every module shares.
 *
 * This module owns libyaml; jansson's json_t is the one third-party type allowed in
 * every header.
 */

#include <jansson.h>

/* Append {"name", "version"} entries for libyaml and jansson to the array libs. */
void doc_library_versions(json_t *libs);
