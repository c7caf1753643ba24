#include "source/source.h"

#include <git2.h>

#include "core/dl.h"

void source_library_versions(json_t *libs)
{
	int major = 0, minor = 0, rev = 0, features;
	json_t *list;

	if (!dl_library_report(libs, "libgit2", source_load_library))
		return;
	features = git_libgit2_features();
	list = json_array();
	(void)git_libgit2_version(&major, &minor, &rev);
	if (features & GIT_FEATURE_HTTPS)
		json_array_append_new(list, json_string("https"));
	if (features & GIT_FEATURE_SSH)
		json_array_append_new(list, json_string("ssh"));
	if (features & GIT_FEATURE_THREADS)
		json_array_append_new(list, json_string("threads"));
	if (features & GIT_FEATURE_NSEC)
		json_array_append_new(list, json_string("nsec"));
	json_array_append_new(libs, json_pack("{s:s, s:o, s:o}", "name", "libgit2", "version",
	                                      json_sprintf("%d.%d.%d", major, minor, rev),
	                                      "features", list));
}
