/*
 * libmicrohttpd, loaded on first use (core/dl.h): the functions of it we call. Add a
 * function here, with its wrapper, before calling it anywhere.
 */

#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <microhttpd.h>

#include "core/dl.h"
#include "server/server.h"

/* clang-format off */
#define SYMBOLS(X) \
	X(MHD_get_version) X(MHD_is_feature_supported) \
	X(MHD_start_daemon_va) X(MHD_stop_daemon) \
	X(MHD_get_connection_info) X(MHD_lookup_connection_value) \
	X(MHD_create_response_from_buffer) X(MHD_create_response_from_callback) \
	X(MHD_add_response_header) X(MHD_queue_response) X(MHD_destroy_response)
/* clang-format on */

DL_LIBRARY(mhd, DRIFTLESS_SONAME_LIBMICROHTTPD, SYMBOLS);

const char *MHD_get_version(void)
{
	return DL_CALL(mhd, MHD_get_version)();
}

enum MHD_Result MHD_is_feature_supported(enum MHD_FEATURE feature)
{
	return DL_CALL(mhd, MHD_is_feature_supported)(feature);
}

/* Variadic: the options go on as a va_list, which libmicrohttpd takes too. */
struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,
                                    void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	struct MHD_Daemon *d;
	va_list ap;

	va_start(ap, dh_cls);
	d = DL_CALL(mhd, MHD_start_daemon_va)(flags, port, apc, apc_cls, dh, dh_cls, ap);
	va_end(ap);
	return d;
}

struct MHD_Daemon *MHD_start_daemon_va(unsigned int flags, uint16_t port,
                                       MHD_AcceptPolicyCallback apc, void *apc_cls,
                                       MHD_AccessHandlerCallback dh, void *dh_cls, va_list ap)
{
	return DL_CALL(mhd, MHD_start_daemon_va)(flags, port, apc, apc_cls, dh, dh_cls, ap);
}

void MHD_stop_daemon(struct MHD_Daemon *daemon)
{
	DL_CALL(mhd, MHD_stop_daemon)(daemon);
}

/* Variadic in name only: no information type takes more arguments (libmicrohttpd 0.9). */
const union MHD_ConnectionInfo *MHD_get_connection_info(struct MHD_Connection *connection,
                                                        enum MHD_ConnectionInfoType info_type, ...)
{
	return DL_CALL(mhd, MHD_get_connection_info)(connection, info_type);
}

const char *MHD_lookup_connection_value(struct MHD_Connection *connection, enum MHD_ValueKind kind,
                                        const char *key)
{
	return DL_CALL(mhd, MHD_lookup_connection_value)(connection, kind, key);
}

struct MHD_Response *MHD_create_response_from_buffer(size_t size, void *buffer,
                                                     enum MHD_ResponseMemoryMode mode)
{
	return DL_CALL(mhd, MHD_create_response_from_buffer)(size, buffer, mode);
}

struct MHD_Response *MHD_create_response_from_callback(uint64_t size, size_t block_size,
                                                       MHD_ContentReaderCallback crc, void *crc_cls,
                                                       MHD_ContentReaderFreeCallback crfc)
{
	return DL_CALL(mhd, MHD_create_response_from_callback)(size, block_size, crc, crc_cls,
	                                                       crfc);
}

enum MHD_Result MHD_add_response_header(struct MHD_Response *response, const char *header,
                                        const char *content)
{
	return DL_CALL(mhd, MHD_add_response_header)(response, header, content);
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *connection, unsigned int status_code,
                                   struct MHD_Response *response)
{
	return DL_CALL(mhd, MHD_queue_response)(connection, status_code, response);
}

void MHD_destroy_response(struct MHD_Response *response)
{
	DL_CALL(mhd, MHD_destroy_response)(response);
}

int server_load_library(struct error *reterr)
{
	return dl_library_load(&dl_library_mhd, reterr);
}
