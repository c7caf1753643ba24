#pragma once
/*
 * source: the config repository through libgit2 (clone, fetch, tree reading at a
 * revision, signature checks). Owns libgit2.
 */

#include <jansson.h>

struct error;

/* Append {"name", "version", "features": [...]} for libgit2 to the array libs. */
void source_library_versions(json_t *libs);

/*
 * Load libgit2 (it is loaded on first use, see core/dl.h). A command that will need it calls
 * this first, so that a missing or wrong library is an error, not a stop mid-way.
 */
int source_load_library(struct error *reterr);
