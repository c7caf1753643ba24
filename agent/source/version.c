#include "source/source.h"

#include <git2.h>
#include <gpgme.h>

#include "core/dl.h"

static void libgit2_versions(json_t *libs)
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

/*
 * gpgme and the gpg it runs. A missing gpg is no broken installation (only OpenPGP
 * verification needs it), so it shows as a feature, not as an error.
 */
static void gpgme_versions(json_t *libs)
{
	gpgme_engine_info_t info = NULL;
	const char *gnupg = NULL;
	json_t *list;

	if (!dl_library_report(libs, "gpgme", source_load_gpgme_library))
		return;
	/* runs `gpg --version` once per process */
	if (gpgme_get_engine_info(&info) == 0)
		for (; info; info = info->next)
			if (info->protocol == GPGME_PROTOCOL_OpenPGP && info->version)
				gnupg = info->version;
	list = json_array();
	json_array_append_new(list, gnupg ? json_sprintf("gnupg %s", gnupg) :
	                                    json_string("gnupg not found"));
	json_array_append_new(libs, json_pack("{s:s, s:s, s:o}", "name", "gpgme", "version",
	                                      gpgme_check_version(NULL), "features", list));
}

void source_library_versions(json_t *libs)
{
	libgit2_versions(libs);
	gpgme_versions(libs);
}
