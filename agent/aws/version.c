#include "aws/aws.h"

#include <libxml/parser.h>
#include <libxml/xmlversion.h>

#include "core/dl.h"
#include "core/parse.h"

void aws_library_versions(json_t *libs)
{
	uint32_t n = 0;
	const char *v;
	json_t *version;

	if (!dl_library_report(libs, "libxml2", aws_load_library))
		return;
	/* xmlParserVersion is "20914" for 2.9.14 */
	v = xmlParserVersion;
	if (v && parse_u32(v, &n) >= 0)
		version = json_sprintf("%u.%u.%u", n / 10000, n / 100 % 100, n % 100);
	else
		version = json_string(v ? v : "unknown");
	json_array_append_new(libs, json_pack("{s:s, s:o}", "name", "libxml2", "version", version));
}
