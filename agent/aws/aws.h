#pragma once
/*
 * aws: SigV4, credentials, and the RDS and STS APIs over http/. Owns libxml2, which
 * parses the AWS Query protocol's XML replies.
 */

#include <jansson.h>

/* Append {"name", "version"} for libxml2 to the array libs. */
void aws_library_versions(json_t *libs);
