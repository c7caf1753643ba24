#include "http/http.h"

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "core/crypto.h"
#include "core/dl.h"

static json_t *curl_features(const curl_version_info_data *info)
{
	json_t *features = json_array();

	if (info->ssl_version)
		json_array_append_new(features, json_sprintf("tls:%s", info->ssl_version));
	if (info->libssh_version)
		json_array_append_new(features, json_sprintf("ssh:%s", info->libssh_version));
	for (const char *const *f = info->feature_names; f && *f; f++)
		json_array_append_new(features, json_string(*f));
	return features;
}

void http_library_versions(json_t *libs)
{
	if (dl_library_report(libs, "libcurl", http_load_library)) {
		const curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);

		json_array_append_new(libs,
		                      json_pack("{s:s, s:s, s:o}", "name", "libcurl", "version",
		                                info->version, "features", curl_features(info)));
	}
	if (dl_library_report(libs, "OpenSSL", crypto_load_library))
		json_array_append_new(libs, json_pack("{s:s, s:s}", "name", "OpenSSL", "version",
		                                      OpenSSL_version(OPENSSL_VERSION_STRING)));
}
