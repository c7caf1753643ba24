/*
 * libcrypto (OpenSSL), loaded on first use (core/dl.h): what we call of it. Add a function
 * here, with its wrapper, before calling it anywhere.
 */

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include "core/crypto.h"
#include "core/dl.h"

/* clang-format off */
#define SYMBOLS(X) \
	X(BN_bin2bn) X(BN_free) \
	X(ECDSA_SIG_free) X(ECDSA_SIG_new) X(ECDSA_SIG_set0) X(i2d_ECDSA_SIG) \
	X(ERR_clear_error) X(ERR_error_string_n) X(ERR_get_error) \
	X(EVP_Digest) X(EVP_DigestVerify) X(EVP_DigestVerifyInit) \
	X(EVP_MD_CTX_free) X(EVP_MD_CTX_new) \
	X(EVP_PKEY_CTX_free) X(EVP_PKEY_CTX_new_from_name) X(EVP_PKEY_free) \
	X(EVP_PKEY_fromdata) X(EVP_PKEY_fromdata_init) X(EVP_PKEY_new_raw_public_key) \
	X(EVP_sha1) X(EVP_sha256) X(EVP_sha384) X(EVP_sha512) \
	X(HMAC) \
	X(OpenSSL_version) \
	X(OSSL_PARAM_BLD_free) X(OSSL_PARAM_BLD_new) X(OSSL_PARAM_BLD_push_BN) \
	X(OSSL_PARAM_BLD_push_octet_string) X(OSSL_PARAM_BLD_push_utf8_string) \
	X(OSSL_PARAM_BLD_to_param) X(OSSL_PARAM_free)
/* clang-format on */

DL_LIBRARY(crypto, DRIFTLESS_SONAME_LIBCRYPTO, SYMBOLS);

BIGNUM *BN_bin2bn(const unsigned char *s, int len, BIGNUM *ret)
{
	return DL_CALL(crypto, BN_bin2bn)(s, len, ret);
}

void BN_free(BIGNUM *a)
{
	DL_CALL(crypto, BN_free)(a);
}

void ECDSA_SIG_free(ECDSA_SIG *sig)
{
	DL_CALL(crypto, ECDSA_SIG_free)(sig);
}

ECDSA_SIG *ECDSA_SIG_new(void)
{
	return DL_CALL(crypto, ECDSA_SIG_new)();
}

int ECDSA_SIG_set0(ECDSA_SIG *sig, BIGNUM *r, BIGNUM *s)
{
	return DL_CALL(crypto, ECDSA_SIG_set0)(sig, r, s);
}

int i2d_ECDSA_SIG(const ECDSA_SIG *a, unsigned char **out)
{
	return DL_CALL(crypto, i2d_ECDSA_SIG)(a, out);
}

void ERR_clear_error(void)
{
	DL_CALL(crypto, ERR_clear_error)();
}

void ERR_error_string_n(unsigned long e, char *buf, size_t len)
{
	DL_CALL(crypto, ERR_error_string_n)(e, buf, len);
}

unsigned long ERR_get_error(void)
{
	return DL_CALL(crypto, ERR_get_error)();
}

int EVP_Digest(const void *data, size_t count, unsigned char *md, unsigned int *size,
               const EVP_MD *type, ENGINE *impl)
{
	return DL_CALL(crypto, EVP_Digest)(data, count, md, size, type, impl);
}

int EVP_DigestVerify(EVP_MD_CTX *ctx, const unsigned char *sigret, size_t siglen,
                     const unsigned char *tbs, size_t tbslen)
{
	return DL_CALL(crypto, EVP_DigestVerify)(ctx, sigret, siglen, tbs, tbslen);
}

int EVP_DigestVerifyInit(EVP_MD_CTX *ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e,
                         EVP_PKEY *pkey)
{
	return DL_CALL(crypto, EVP_DigestVerifyInit)(ctx, pctx, type, e, pkey);
}

void EVP_MD_CTX_free(EVP_MD_CTX *ctx)
{
	DL_CALL(crypto, EVP_MD_CTX_free)(ctx);
}

EVP_MD_CTX *EVP_MD_CTX_new(void)
{
	return DL_CALL(crypto, EVP_MD_CTX_new)();
}

void EVP_PKEY_CTX_free(EVP_PKEY_CTX *ctx)
{
	DL_CALL(crypto, EVP_PKEY_CTX_free)(ctx);
}

EVP_PKEY_CTX *EVP_PKEY_CTX_new_from_name(OSSL_LIB_CTX *libctx, const char *name,
                                         const char *propquery)
{
	return DL_CALL(crypto, EVP_PKEY_CTX_new_from_name)(libctx, name, propquery);
}

void EVP_PKEY_free(EVP_PKEY *pkey)
{
	DL_CALL(crypto, EVP_PKEY_free)(pkey);
}

int EVP_PKEY_fromdata(EVP_PKEY_CTX *ctx, EVP_PKEY **ppkey, int selection, OSSL_PARAM params[])
{
	return DL_CALL(crypto, EVP_PKEY_fromdata)(ctx, ppkey, selection, params);
}

int EVP_PKEY_fromdata_init(EVP_PKEY_CTX *ctx)
{
	return DL_CALL(crypto, EVP_PKEY_fromdata_init)(ctx);
}

EVP_PKEY *EVP_PKEY_new_raw_public_key(int type, ENGINE *e, const unsigned char *pub, size_t len)
{
	return DL_CALL(crypto, EVP_PKEY_new_raw_public_key)(type, e, pub, len);
}

const EVP_MD *EVP_sha1(void)
{
	return DL_CALL(crypto, EVP_sha1)();
}

const EVP_MD *EVP_sha256(void)
{
	return DL_CALL(crypto, EVP_sha256)();
}

const EVP_MD *EVP_sha384(void)
{
	return DL_CALL(crypto, EVP_sha384)();
}

const EVP_MD *EVP_sha512(void)
{
	return DL_CALL(crypto, EVP_sha512)();
}

unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len, const unsigned char *data,
                    size_t data_len, unsigned char *md, unsigned int *md_len)
{
	return DL_CALL(crypto, HMAC)(evp_md, key, key_len, data, data_len, md, md_len);
}

const char *OpenSSL_version(int type)
{
	return DL_CALL(crypto, OpenSSL_version)(type);
}

void OSSL_PARAM_BLD_free(OSSL_PARAM_BLD *bld)
{
	DL_CALL(crypto, OSSL_PARAM_BLD_free)(bld);
}

OSSL_PARAM_BLD *OSSL_PARAM_BLD_new(void)
{
	return DL_CALL(crypto, OSSL_PARAM_BLD_new)();
}

int OSSL_PARAM_BLD_push_BN(OSSL_PARAM_BLD *bld, const char *key, const BIGNUM *bn)
{
	return DL_CALL(crypto, OSSL_PARAM_BLD_push_BN)(bld, key, bn);
}

int OSSL_PARAM_BLD_push_octet_string(OSSL_PARAM_BLD *bld, const char *key, const void *buf,
                                     size_t bsize)
{
	return DL_CALL(crypto, OSSL_PARAM_BLD_push_octet_string)(bld, key, buf, bsize);
}

int OSSL_PARAM_BLD_push_utf8_string(OSSL_PARAM_BLD *bld, const char *key, const char *buf,
                                    size_t bsize)
{
	return DL_CALL(crypto, OSSL_PARAM_BLD_push_utf8_string)(bld, key, buf, bsize);
}

OSSL_PARAM *OSSL_PARAM_BLD_to_param(OSSL_PARAM_BLD *bld)
{
	return DL_CALL(crypto, OSSL_PARAM_BLD_to_param)(bld);
}

void OSSL_PARAM_free(OSSL_PARAM *p)
{
	DL_CALL(crypto, OSSL_PARAM_free)(p);
}

int crypto_load_library(struct error *reterr)
{
	return dl_library_load(&dl_library_crypto, reterr);
}
