/*
 * gpgme, loaded on first use (core/dl.h): the functions of it we call. Add a function here,
 * with its wrapper, before calling it anywhere.
 *
 * Wrappers carry the name gpgme.h makes callers reference: gpgme_check_version() is a macro
 * for gpgme_check_version_internal(), which also checks the layout of struct
 * _gpgme_signature against the library. gpgme_err_code() is inline (libgpg-error's
 * gpg_err_code()), not a symbol. gpgme 1.18 has no large-file variants of its functions.
 */

#include <pthread.h>

#include <gpgme.h>

#include "core/dl.h"
#include "core/error.h"
#include "source/source.h"

/* clang-format off */
#define SYMBOLS(X) \
	X(gpgme_check_version_internal) \
	X(gpgme_get_engine_info) \
	X(gpgme_engine_check_version) \
	X(gpgme_strerror_r) \
	X(gpgme_new) \
	X(gpgme_release) \
	X(gpgme_set_protocol) \
	X(gpgme_ctx_set_engine_info) \
	X(gpgme_set_offline) \
	X(gpgme_data_new_from_mem) \
	X(gpgme_data_release) \
	X(gpgme_op_keylist_start) \
	X(gpgme_op_keylist_next) \
	X(gpgme_op_keylist_end) \
	X(gpgme_key_unref) \
	X(gpgme_op_verify) \
	X(gpgme_op_verify_result)
/* clang-format on */

DL_LIBRARY(gpgme, DRIFTLESS_SONAME_LIBGPGME, SYMBOLS);

const char *gpgme_check_version_internal(const char *req_version, size_t offset_sig_validity)
{
	return DL_CALL(gpgme, gpgme_check_version_internal)(req_version, offset_sig_validity);
}

gpgme_error_t gpgme_get_engine_info(gpgme_engine_info_t *engine_info)
{
	return DL_CALL(gpgme, gpgme_get_engine_info)(engine_info);
}

gpgme_error_t gpgme_engine_check_version(gpgme_protocol_t proto)
{
	return DL_CALL(gpgme, gpgme_engine_check_version)(proto);
}

int gpgme_strerror_r(gpg_error_t err, char *buf, size_t buflen)
{
	return DL_CALL(gpgme, gpgme_strerror_r)(err, buf, buflen);
}

gpgme_error_t gpgme_new(gpgme_ctx_t *ctx)
{
	return DL_CALL(gpgme, gpgme_new)(ctx);
}

void gpgme_release(gpgme_ctx_t ctx)
{
	DL_CALL(gpgme, gpgme_release)(ctx);
}

gpgme_error_t gpgme_set_protocol(gpgme_ctx_t ctx, gpgme_protocol_t proto)
{
	return DL_CALL(gpgme, gpgme_set_protocol)(ctx, proto);
}

gpgme_error_t gpgme_ctx_set_engine_info(gpgme_ctx_t ctx, gpgme_protocol_t proto,
                                        const char *file_name, const char *home_dir)
{
	return DL_CALL(gpgme, gpgme_ctx_set_engine_info)(ctx, proto, file_name, home_dir);
}

void gpgme_set_offline(gpgme_ctx_t ctx, int yes)
{
	DL_CALL(gpgme, gpgme_set_offline)(ctx, yes);
}

gpgme_error_t gpgme_data_new_from_mem(gpgme_data_t *r_dh, const char *buffer, size_t size, int copy)
{
	return DL_CALL(gpgme, gpgme_data_new_from_mem)(r_dh, buffer, size, copy);
}

void gpgme_data_release(gpgme_data_t dh)
{
	DL_CALL(gpgme, gpgme_data_release)(dh);
}

gpgme_error_t gpgme_op_keylist_start(gpgme_ctx_t ctx, const char *pattern, int secret_only)
{
	return DL_CALL(gpgme, gpgme_op_keylist_start)(ctx, pattern, secret_only);
}

gpgme_error_t gpgme_op_keylist_next(gpgme_ctx_t ctx, gpgme_key_t *r_key)
{
	return DL_CALL(gpgme, gpgme_op_keylist_next)(ctx, r_key);
}

gpgme_error_t gpgme_op_keylist_end(gpgme_ctx_t ctx)
{
	return DL_CALL(gpgme, gpgme_op_keylist_end)(ctx);
}

void gpgme_key_unref(gpgme_key_t key)
{
	DL_CALL(gpgme, gpgme_key_unref)(key);
}

gpgme_error_t gpgme_op_verify(gpgme_ctx_t ctx, gpgme_data_t sig, gpgme_data_t signed_text,
                              gpgme_data_t plaintext)
{
	return DL_CALL(gpgme, gpgme_op_verify)(ctx, sig, signed_text, plaintext);
}

gpgme_verify_result_t gpgme_op_verify_result(gpgme_ctx_t ctx)
{
	return DL_CALL(gpgme, gpgme_op_verify_result)(ctx);
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static const char *init_version; /* NULL: the library is older than its headers */

/*
 * gpgme wants gpgme_check_version() called once before anything else; it also sets SIGPIPE
 * to SIG_IGN when it is SIG_DFL, as a gpg that exits early would otherwise kill us.
 */
static void init(void)
{
	init_version = gpgme_check_version(GPGME_VERSION);
}

int source_load_gpgme_library(struct error *reterr)
{
	int r;

	r = dl_library_load(&dl_library_gpgme, reterr);
	if (r < 0)
		return r;
	(void)pthread_once(&init_once, init);
	if (!init_version)
		return error_set(reterr, -ELIBBAD, "%s is older than gpgme %s or does not match it",
		                 DRIFTLESS_SONAME_LIBGPGME, GPGME_VERSION);
	return 0;
}
