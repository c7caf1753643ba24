#pragma once
/*
 * source: the config repository through libgit2 (clone, fetch, tree reading at a
 * revision, signature checks). Owns libgit2.
 */

#include <jansson.h>

/* Append {"name", "version", "features": [...]} for libgit2 to the array libs. */
void source_library_versions(json_t *libs);
