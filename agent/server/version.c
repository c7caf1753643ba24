#include "server/server.h"

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <microhttpd.h>

#include "core/dl.h"

void server_library_versions(json_t *libs)
{
	static const struct {
		enum MHD_FEATURE feature;
		const char *name;
	} known[] = {
		{ MHD_FEATURE_TLS, "tls" },         { MHD_FEATURE_IPv6, "ipv6" },
		{ MHD_FEATURE_EPOLL, "epoll" },     { MHD_FEATURE_LARGE_FILE, "large-file" },
		{ MHD_FEATURE_THREADS, "threads" },
	};
	json_t *list;

	if (!dl_library_report(libs, "libmicrohttpd", server_load_library))
		return;
	list = json_array();
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (MHD_is_feature_supported(known[i].feature) == MHD_YES)
			json_array_append_new(list, json_string(known[i].name));
	json_array_append_new(libs, json_pack("{s:s, s:s, s:o}", "name", "libmicrohttpd", "version",
	                                      MHD_get_version(), "features", list));
}
