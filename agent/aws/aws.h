#pragma once
/*
 * aws: SigV4, credentials, and the RDS and STS APIs over http/. Owns libxml2, which
 * parses the AWS Query protocol's XML replies.
 */

#include <jansson.h>

struct error;

/* Append {"name", "version"} for libxml2 to the array libs. */
void aws_library_versions(json_t *libs);

/*
 * Load libxml2 (it is loaded on first use, see core/dl.h). A command that will need it calls
 * this first, so that a missing or wrong library is an error, not a stop mid-way.
 */
int aws_load_library(struct error *reterr);
