/*
 * libmicrohttpd, loaded on first use (core/dl.h): the functions of it we call. Add a
 * function here, with its wrapper, before calling it anywhere.
 */

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <microhttpd.h>

#include "core/dl.h"
#include "server/server.h"

#define SYMBOLS(X) X(MHD_get_version) X(MHD_is_feature_supported)

DL_LIBRARY(mhd, DRIFTLESS_SONAME_LIBMICROHTTPD, SYMBOLS);

const char *MHD_get_version(void)
{
	return DL_CALL(mhd, MHD_get_version)();
}

enum MHD_Result MHD_is_feature_supported(enum MHD_FEATURE feature)
{
	return DL_CALL(mhd, MHD_is_feature_supported)(feature);
}

int server_load_library(struct error *reterr)
{
	return dl_library_load(&dl_library_mhd, reterr);
}
