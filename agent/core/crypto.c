/* Digests, HMAC and signature verification over libcrypto: see crypto.h. */

#include "core/crypto.h"

#include <assert.h>
#include <limits.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/macro.h"

#define RSA_MIN_BITS 1024u
#define RSA_MAX_BITS 16384u

DEFINE_TRIVIAL_CLEANUP_FUNC(BIGNUM *, BN_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(ECDSA_SIG *, ECDSA_SIG_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MD_CTX *, EVP_MD_CTX_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY *, EVP_PKEY_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY_CTX *, EVP_PKEY_CTX_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(OSSL_PARAM *, OSSL_PARAM_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(OSSL_PARAM_BLD *, OSSL_PARAM_BLD_free)

/* OpenSSL functions take a valid pointer even for no bytes. */
static const unsigned char empty[1];

/* Load libcrypto and start with an empty error queue, so that what it holds is ours. */
static int begin(struct error *reterr)
{
	int r;

	r = crypto_load_library(reterr);
	if (r < 0)
		return r;
	ERR_clear_error();
	return 0;
}

/* Report a failure with OpenSSL's first queued reason, and empty the queue. */
static int openssl_error(struct error *reterr, int code, const char *what)
{
	unsigned long e = ERR_get_error();
	char text[256];

	if (e == 0)
		return error_set(reterr, code, "%s", what);
	ERR_error_string_n(e, text, sizeof(text));
	ERR_clear_error();
	return error_set(reterr, code, "%s: %s", what, text);
}

size_t crypto_digest_size(enum crypto_digest d)
{
	switch (d) {
	case CRYPTO_DIGEST_SHA1:
		return CRYPTO_SHA1_DIGEST_SIZE;
	case CRYPTO_DIGEST_SHA256:
		return CRYPTO_SHA256_DIGEST_SIZE;
	case CRYPTO_DIGEST_SHA384:
		return CRYPTO_SHA384_DIGEST_SIZE;
	case CRYPTO_DIGEST_SHA512:
		return CRYPTO_SHA512_DIGEST_SIZE;
	default:
		return 0;
	}
}

static const EVP_MD *digest_md(enum crypto_digest d)
{
	switch (d) {
	case CRYPTO_DIGEST_SHA1:
		return EVP_sha1();
	case CRYPTO_DIGEST_SHA256:
		return EVP_sha256();
	case CRYPTO_DIGEST_SHA384:
		return EVP_sha384();
	case CRYPTO_DIGEST_SHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

int crypto_digest(enum crypto_digest d, const void *data, size_t len, uint8_t *ret,
                  struct error *reterr)
{
	unsigned int n = 0;
	const EVP_MD *md;
	int r;

	if (crypto_digest_size(d) == 0)
		return error_set(reterr, -EINVAL, "Failed to hash: no digest %d", (int)d);
	r = begin(reterr);
	if (r < 0)
		return r;
	md = digest_md(d);
	if (!md)
		return openssl_error(reterr, -EIO, "Failed to hash: digest not available");
	if (EVP_Digest(len > 0 ? data : empty, len, ret, &n, md, NULL) != 1)
		return openssl_error(reterr, -EIO, "Failed to hash");
	assert(n == crypto_digest_size(d));
	return 0;
}

int crypto_sha256(const void *data, size_t len, uint8_t ret[CRYPTO_SHA256_DIGEST_SIZE],
                  struct error *reterr)
{
	return crypto_digest(CRYPTO_DIGEST_SHA256, data, len, ret, reterr);
}

int crypto_sha512(const void *data, size_t len, uint8_t ret[CRYPTO_SHA512_DIGEST_SIZE],
                  struct error *reterr)
{
	return crypto_digest(CRYPTO_DIGEST_SHA512, data, len, ret, reterr);
}

int crypto_hmac(enum crypto_digest d, const void *key, size_t key_len, const void *data, size_t len,
                uint8_t *ret, struct error *reterr)
{
	unsigned int n = 0;
	const EVP_MD *md;
	int r;

	if (crypto_digest_size(d) == 0)
		return error_set(reterr, -EINVAL, "Failed to compute HMAC: no digest %d", (int)d);
	if (key_len > INT_MAX)
		return error_set(reterr, -EINVAL, "Failed to compute HMAC: key of %zu bytes",
		                 key_len);
	r = begin(reterr);
	if (r < 0)
		return r;
	md = digest_md(d);
	if (!md)
		return openssl_error(reterr, -EIO, "Failed to compute HMAC: digest not available");
	if (!HMAC(md, key_len > 0 ? key : empty, (int)key_len, len > 0 ? data : empty, len, ret,
	          &n))
		return openssl_error(reterr, -EIO, "Failed to compute HMAC");
	assert(n == crypto_digest_size(d));
	return 0;
}

int crypto_hmac_sha1(const void *key, size_t key_len, const void *data, size_t len,
                     uint8_t ret[CRYPTO_SHA1_DIGEST_SIZE], struct error *reterr)
{
	return crypto_hmac(CRYPTO_DIGEST_SHA1, key, key_len, data, len, ret, reterr);
}

int crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                       uint8_t ret[CRYPTO_SHA256_DIGEST_SIZE], struct error *reterr)
{
	return crypto_hmac(CRYPTO_DIGEST_SHA256, key, key_len, data, len, ret, reterr);
}

size_t crypto_ecdsa_scalar_size(enum crypto_key_type type)
{
	switch (type) {
	case CRYPTO_KEY_ECDSA_P256:
		return 32;
	case CRYPTO_KEY_ECDSA_P384:
		return 48;
	case CRYPTO_KEY_ECDSA_P521:
		return 66;
	default:
		return 0;
	}
}

static const char *ecdsa_group(enum crypto_key_type type)
{
	switch (type) {
	case CRYPTO_KEY_ECDSA_P256:
		return "P-256";
	case CRYPTO_KEY_ECDSA_P384:
		return "P-384";
	case CRYPTO_KEY_ECDSA_P521:
		return "P-521";
	default:
		return NULL;
	}
}

/* Skip the leading zero bytes of a big-endian number. */
static const uint8_t *strip_zeros(const void *p, size_t *len)
{
	const uint8_t *b = p;

	while (*len > 0 && *b == 0) {
		b++;
		(*len)--;
	}
	return b;
}

static size_t bit_length(const uint8_t *b, size_t len)
{
	unsigned top = len > 0 ? b[0] : 0;
	size_t bits = len * 8;

	for (unsigned mask = 0x80; mask && !(top & mask); mask >>= 1)
		bits--;
	return len > 0 ? bits : 0;
}

/* An EVP_PKEY of algorithm name built from params: the way to make RSA and EC keys. */
static int pkey_from_params(const char *name, OSSL_PARAM_BLD *bld, EVP_PKEY **ret,
                            struct error *reterr)
{
	_cleanup_(OSSL_PARAM_freep) OSSL_PARAM *params = NULL;
	_cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	params = OSSL_PARAM_BLD_to_param(bld);
	if (!params)
		return openssl_error(reterr, -EIO, "Failed to build key parameters");
	ctx = EVP_PKEY_CTX_new_from_name(NULL, name, NULL);
	if (!ctx)
		return openssl_error(reterr, -EIO, "Failed to create a key context");
	if (EVP_PKEY_fromdata_init(ctx) != 1)
		return openssl_error(reterr, -EIO, "Failed to create a key context");
	if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1 || !pkey)
		return openssl_error(reterr, -EINVAL, "Invalid public key");
	*ret = pkey;
	return 0;
}

static int pkey_rsa(const struct crypto_public_key *key, EVP_PKEY **ret, struct error *reterr)
{
	_cleanup_(OSSL_PARAM_BLD_freep) OSSL_PARAM_BLD *bld = NULL;
	_cleanup_(BN_freep) BIGNUM *n = NULL, *e = NULL;
	size_t n_len = key->key_len, e_len = key->exponent_len;
	const uint8_t *n_bytes = strip_zeros(key->key, &n_len);
	const uint8_t *e_bytes = strip_zeros(key->exponent, &e_len);
	size_t bits = bit_length(n_bytes, n_len);

	if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
		return error_set(reterr, -EINVAL, "RSA key of %zu bits: only %u to %u are accepted",
		                 bits, RSA_MIN_BITS, RSA_MAX_BITS);
	if (e_len == 0 || e_len > n_len)
		return error_set(reterr, -EINVAL, "Invalid RSA public exponent");
	n = BN_bin2bn(n_bytes, (int)n_len, NULL);
	e = BN_bin2bn(e_bytes, (int)e_len, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (!n || !e || !bld)
		return openssl_error(reterr, -EIO, "Failed to build an RSA key");
	if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1)
		return openssl_error(reterr, -EIO, "Failed to build an RSA key");
	return pkey_from_params("RSA", bld, ret, reterr);
}

static int pkey_ecdsa(const struct crypto_public_key *key, EVP_PKEY **ret, struct error *reterr)
{
	_cleanup_(OSSL_PARAM_BLD_freep) OSSL_PARAM_BLD *bld = NULL;
	size_t scalar = crypto_ecdsa_scalar_size(key->type);
	const char *group = ecdsa_group(key->type);
	const uint8_t *point = key->key;

	if (key->key_len != 1 + 2 * scalar || point[0] != 0x04)
		return error_set(reterr, -EINVAL,
		                 "Invalid %s public key: not an uncompressed point of %zu bytes",
		                 group, 1 + 2 * scalar);
	bld = OSSL_PARAM_BLD_new();
	if (!bld)
		return openssl_error(reterr, -EIO, "Failed to build an EC key");
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, key->key_len) !=
	            1)
		return openssl_error(reterr, -EIO, "Failed to build an EC key");
	return pkey_from_params("EC", bld, ret, reterr);
}

static int pkey_new(const struct crypto_public_key *key, EVP_PKEY **ret, struct error *reterr)
{
	EVP_PKEY *pkey;

	switch (key->type) {
	case CRYPTO_KEY_ED25519:
		if (key->key_len != 32)
			return error_set(reterr, -EINVAL, "Ed25519 key of %zu bytes, not 32",
			                 key->key_len);
		pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key->key, 32);
		if (!pkey)
			return openssl_error(reterr, -EINVAL, "Invalid Ed25519 key");
		*ret = pkey;
		return 0;
	case CRYPTO_KEY_RSA:
		return pkey_rsa(key, ret, reterr);
	case CRYPTO_KEY_ECDSA_P256:
	case CRYPTO_KEY_ECDSA_P384:
	case CRYPTO_KEY_ECDSA_P521:
		return pkey_ecdsa(key, ret, reterr);
	default:
		return error_set(reterr, -EINVAL, "Unknown key type %d", (int)key->type);
	}
}

static bool digest_fits(enum crypto_key_type type, enum crypto_digest digest)
{
	if (type == CRYPTO_KEY_ED25519)
		return digest == CRYPTO_DIGEST_NONE;
	return digest == CRYPTO_DIGEST_SHA256 || digest == CRYPTO_DIGEST_SHA384 ||
	       digest == CRYPTO_DIGEST_SHA512;
}

/* r || s as the DER SEQUENCE OpenSSL verifies; *ret freed by the caller. */
static int ecdsa_sig_der(const uint8_t *sig, size_t scalar, uint8_t **ret, size_t *ret_len,
                         struct error *reterr)
{
	_cleanup_(ECDSA_SIG_freep) ECDSA_SIG *es = NULL;
	_cleanup_(BN_freep) BIGNUM *r = NULL, *s = NULL;
	_cleanup_free_ uint8_t *der = NULL;
	uint8_t *p;
	int n;

	es = ECDSA_SIG_new();
	r = BN_bin2bn(sig, (int)scalar, NULL);
	s = BN_bin2bn(sig + scalar, (int)scalar, NULL);
	if (!es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1)
		return openssl_error(reterr, -EIO, "Failed to build an ECDSA signature");
	/* es owns them now */
	r = s = NULL;
	n = i2d_ECDSA_SIG(es, NULL);
	if (n <= 0)
		return openssl_error(reterr, -EIO, "Failed to encode an ECDSA signature");
	der = xmalloc((size_t)n);
	p = der;
	if (i2d_ECDSA_SIG(es, &p) != n)
		return openssl_error(reterr, -EIO, "Failed to encode an ECDSA signature");
	*ret_len = (size_t)n;
	*ret = TAKE_PTR(der);
	return 0;
}

/*
 * The signature in the form OpenSSL takes for the key: a copy, padded (RSA) or DER-encoded
 * (ECDSA). -EBADMSG when it cannot be one of that key.
 */
static int signature_for_openssl(const struct crypto_public_key *key, const uint8_t *sig,
                                 size_t sig_len, uint8_t **ret, size_t *ret_len,
                                 struct error *reterr)
{
	size_t scalar = crypto_ecdsa_scalar_size(key->type);
	size_t n_len = key->key_len, modulus_bytes;

	switch (key->type) {
	case CRYPTO_KEY_ED25519:
		if (sig_len != 64)
			return error_set(reterr, -EBADMSG, "Ed25519 signature of %zu bytes, not 64",
			                 sig_len);
		*ret = xmemdup(sig, sig_len);
		*ret_len = sig_len;
		return 0;
	case CRYPTO_KEY_RSA:
		(void)strip_zeros(key->key, &n_len);
		modulus_bytes = n_len;
		if (sig_len == 0 || sig_len > modulus_bytes)
			return error_set(reterr, -EBADMSG,
			                 "RSA signature of %zu bytes for a modulus of %zu", sig_len,
			                 modulus_bytes);
		*ret = xcalloc(1, modulus_bytes);
		memcpy(*ret + modulus_bytes - sig_len, sig, sig_len);
		*ret_len = modulus_bytes;
		return 0;
	default:
		if (sig_len != 2 * scalar)
			return error_set(reterr, -EBADMSG,
			                 "ECDSA signature of %zu bytes, not %zu (r || s)", sig_len,
			                 2 * scalar);
		return ecdsa_sig_der(sig, scalar, ret, ret_len, reterr);
	}
}

int crypto_verify(const struct crypto_public_key *key, enum crypto_digest digest, const void *sig,
                  size_t sig_len, const void *data, size_t len, struct error *reterr)
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *pkey = NULL;
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = NULL;
	_cleanup_free_ uint8_t *native = NULL;
	size_t native_len = 0;
	const EVP_MD *md = NULL;
	int r;

	if (key->type < 0 || key->type >= _CRYPTO_KEY_TYPE_MAX)
		return error_set(reterr, -EINVAL, "Unknown key type %d", (int)key->type);
	if (!digest_fits(key->type, digest))
		return error_set(reterr, -EINVAL, "Digest %d does not go with key type %d",
		                 (int)digest, (int)key->type);
	r = begin(reterr);
	if (r < 0)
		return r;
	r = pkey_new(key, &pkey, reterr);
	if (r < 0)
		return r;
	r = signature_for_openssl(key, sig, sig_len, &native, &native_len, reterr);
	if (r < 0)
		return r;
	if (digest != CRYPTO_DIGEST_NONE) {
		md = digest_md(digest);
		if (!md)
			return openssl_error(reterr, -EIO,
			                     "Failed to verify: digest not available");
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return openssl_error(reterr, -EIO, "Failed to verify");
	if (EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) != 1)
		return openssl_error(reterr, -EIO, "Failed to verify");
	/*
	 * 0 is a signature that does not verify; OpenSSL also answers below 0 for some of
	 * those (an RSA signature above the modulus), and every input here is untrusted:
	 * either way it is not a valid signature.
	 */
	if (EVP_DigestVerify(ctx, native, native_len, len > 0 ? data : empty, len) != 1)
		return openssl_error(reterr, -EBADMSG, "Signature does not verify");
	return 0;
}

bool crypto_equal_consttime(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char diff = 0;

	for (size_t i = 0; i < n; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}
