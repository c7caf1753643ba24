#pragma once
/*
 * crypto: digests, HMAC and signature verification through OpenSSL's libcrypto, which is
 * loaded on first use (core/dl.h; core/crypto-dl.c lists what we call of it). No OpenSSL
 * type crosses this header: keys and signatures travel as their plain byte strings.
 *
 * Every function that can fail returns 0 or a negative errno and describes the failure in
 * reterr (may be NULL): -ENOENT or -ELIBBAD when libcrypto cannot be loaded, -EIO when
 * OpenSSL fails for another reason (its own text goes into reterr). None of them stops
 * the program when libcrypto is missing: each loads it first and reports.
 *
 * Where many small inputs are hashed and speed matters, core/sha256.h is cheaper: OpenSSL 3
 * spends a millisecond loading its providers on its first digest.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct error;

/*
 * Load libcrypto (OpenSSL). A command that will need it calls this first, so that a
 * missing or wrong library is an error at start, not a stop mid-way.
 */
int crypto_load_library(struct error *reterr);

/* Digests. */

#define CRYPTO_SHA1_DIGEST_SIZE   20
#define CRYPTO_SHA256_DIGEST_SIZE 32
#define CRYPTO_SHA384_DIGEST_SIZE 48
#define CRYPTO_SHA512_DIGEST_SIZE 64
#define CRYPTO_DIGEST_SIZE_MAX    CRYPTO_SHA512_DIGEST_SIZE

enum crypto_digest {
	CRYPTO_DIGEST_NONE, /* no digest: Ed25519 signs the message itself */
	CRYPTO_DIGEST_SHA1, /* for HMAC only (hashed known_hosts names), never for signatures */
	CRYPTO_DIGEST_SHA256,
	CRYPTO_DIGEST_SHA384,
	CRYPTO_DIGEST_SHA512,
	_CRYPTO_DIGEST_MAX,
	_CRYPTO_DIGEST_INVALID = -EINVAL,
};

/* The size of d's digest in bytes; 0 for CRYPTO_DIGEST_NONE or a value out of range. */
size_t crypto_digest_size(enum crypto_digest d);

/*
 * Write the digest d of len bytes of data to ret, which holds crypto_digest_size(d) bytes.
 * -EINVAL for CRYPTO_DIGEST_NONE.
 */
int crypto_digest(enum crypto_digest d, const void *data, size_t len, uint8_t *ret,
                  struct error *reterr);
int crypto_sha256(const void *data, size_t len, uint8_t ret[CRYPTO_SHA256_DIGEST_SIZE],
                  struct error *reterr);
int crypto_sha512(const void *data, size_t len, uint8_t ret[CRYPTO_SHA512_DIGEST_SIZE],
                  struct error *reterr);

/*
 * HMAC (RFC 2104) with the digest d over len bytes of data, keyed with key_len bytes of key;
 * ret holds crypto_digest_size(d) bytes. The caller wipes key and ret when they are secret.
 */
int crypto_hmac(enum crypto_digest d, const void *key, size_t key_len, const void *data, size_t len,
                uint8_t *ret, struct error *reterr);
int crypto_hmac_sha1(const void *key, size_t key_len, const void *data, size_t len,
                     uint8_t ret[CRYPTO_SHA1_DIGEST_SIZE], struct error *reterr);
int crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                       uint8_t ret[CRYPTO_SHA256_DIGEST_SIZE], struct error *reterr);

/*
 * Whether a and b (n bytes each) are equal, in a time that depends on n only: for
 * comparing a secret or a MAC with what a request brought.
 */
bool crypto_equal_consttime(const void *a, const void *b, size_t n);

/* Signatures. */

enum crypto_key_type {
	CRYPTO_KEY_ED25519,    /* RFC 8032, pure (no prehash) */
	CRYPTO_KEY_RSA,        /* PKCS #1 v1.5, 1024 to 16384 bits */
	CRYPTO_KEY_ECDSA_P256, /* FIPS 186-4 ECDSA on NIST P-256 (secp256r1) */
	CRYPTO_KEY_ECDSA_P384,
	CRYPTO_KEY_ECDSA_P521,
	_CRYPTO_KEY_TYPE_MAX,
	_CRYPTO_KEY_TYPE_INVALID = -EINVAL,
};

/*
 * A public key as its parts, big-endian byte strings the caller owns:
 *  ED25519:  key = the 32 bytes of RFC 8032 section 5.1.5;
 *  RSA:      key = the modulus n, exponent = the public exponent e (leading zero bytes
 *            allowed, as in an SSH mpint);
 *  ECDSA_*:  key = the uncompressed point 0x04 || x || y (SEC 1, 2.3.3), checked to lie on
 *            the curve.
 */
struct crypto_public_key {
	enum crypto_key_type type;
	const void *key;
	size_t key_len;
	const void *exponent; /* RSA only */
	size_t exponent_len;
};

/* The size of an ECDSA signature's r and of its s in bytes (32, 48, 66); 0 for others. */
size_t crypto_ecdsa_scalar_size(enum crypto_key_type type);

/*
 * Check sig (sig_len bytes) over len bytes of data with key, data being hashed with
 * digest first (CRYPTO_DIGEST_NONE for Ed25519, SHA-256/384/512 for the others):
 *  ED25519:  sig = R || S, 64 bytes;
 *  RSA:      sig = the PKCS #1 v1.5 signature; shorter than the modulus is left-padded with
 *            zeros, as OpenSSH does;
 *  ECDSA_*:  sig = r || s, each crypto_ecdsa_scalar_size() bytes, big-endian (IEEE P1363,
 *            as JWS writes it).
 * Returns 0 when the signature verifies; -EBADMSG when it does not (wrong key, tampered
 * data, a signature of the wrong size); -EINVAL when the key cannot be used (a point not
 * on the curve, an RSA modulus out of range, a digest the key type does not take); the
 * codes of the introduction otherwise.
 */
int crypto_verify(const struct crypto_public_key *key, enum crypto_digest digest, const void *sig,
                  size_t sig_len, const void *data, size_t len, struct error *reterr);
