/*
 * libcurl, loaded on first use (core/dl.h): the functions of it we call. Add a function
 * here, with its wrapper, before calling it anywhere.
 */

#include <curl/curl.h>

#include "core/dl.h"
#include "http/http.h"

#define SYMBOLS(X) X(curl_version_info)

DL_LIBRARY(curl, DRIFTLESS_SONAME_LIBCURL, SYMBOLS);

curl_version_info_data *curl_version_info(CURLversion v)
{
	return DL_CALL(curl, curl_version_info)(v);
}

int http_load_library(struct error *reterr)
{
	return dl_library_load(&dl_library_curl, reterr);
}
