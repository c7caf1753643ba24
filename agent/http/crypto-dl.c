/*
 * libcrypto (OpenSSL), loaded on first use (core/dl.h): what we call of it. Add a function
 * here, with its wrapper, before calling it anywhere.
 */

#include <openssl/crypto.h>

#include "core/dl.h"
#include "http/http.h"

#define SYMBOLS(X) X(OpenSSL_version)

DL_LIBRARY(crypto, DRIFTLESS_SONAME_LIBCRYPTO, SYMBOLS);

const char *OpenSSL_version(int type)
{
	return DL_CALL(crypto, OpenSSL_version)(type);
}

int http_load_crypto_library(struct error *reterr)
{
	return dl_library_load(&dl_library_crypto, reterr);
}
