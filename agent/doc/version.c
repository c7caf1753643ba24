#include "doc/doc.h"

#include <yaml.h>

void doc_library_versions(json_t *libs)
{
	json_array_append_new(libs, json_pack("{s:s, s:s}", "name", "libyaml", "version",
	                                      yaml_get_version_string()));
	json_array_append_new(
	        libs, json_pack("{s:s, s:s}", "name", "jansson", "version", jansson_version_str()));
}
