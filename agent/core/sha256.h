#pragma once
/*
 * SHA-256 (FIPS 180-4). Our own: kustomize's name hashes need one per generated object,
 * and OpenSSL 3 spends a millisecond loading its configuration and providers on the first
 * digest, more than all the hashes of a render take.
 */

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32

struct sha256 {
	uint32_t h[8];
	uint64_t length; /* bytes hashed so far */
	uint8_t block[64];
	size_t used; /* bytes in block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* The digest; s must be initialised again before reuse. */
void sha256_final(struct sha256 *s, uint8_t digest[SHA256_DIGEST_SIZE]);

/* One call: the digest of len bytes of data. */
void sha256(const void *data, size_t len, uint8_t digest[SHA256_DIGEST_SIZE]);
