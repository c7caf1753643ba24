#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/crypto.h"
#include "core/error.h"
#include "core/macro.h"

/* Hex as in the RFCs, two digits a byte, into out (at most size bytes); the byte count. */
static size_t unhex(const char *hex, uint8_t *out, size_t size)
{
	size_t n = strlen(hex) / 2;

	assert_true(n <= size);
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void assert_hex_equal(const uint8_t *got, size_t len, const char *want)
{
	uint8_t bytes[128];

	assert_int_equal(unhex(want, bytes, sizeof(bytes)), len);
	assert_memory_equal(got, bytes, len);
}

static void test_core_crypto_sha256__abc(void **state)
{
	uint8_t d[CRYPTO_SHA256_DIGEST_SIZE];
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(crypto_sha256("abc", 3, d, &e), 0);
	assert_hex_equal(d, sizeof(d),
	                 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(crypto_sha256(NULL, 0, d, &e), 0);
	assert_hex_equal(d, sizeof(d),
	                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_core_crypto_sha512__abc(void **state)
{
	uint8_t d[CRYPTO_SHA512_DIGEST_SIZE];
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(crypto_sha512("abc", 3, d, &e), 0);
	assert_hex_equal(d, sizeof(d),
	                 "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	                 "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

static void test_core_crypto_digest__sizes(void **state)
{
	uint8_t d[CRYPTO_DIGEST_SIZE_MAX];
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(crypto_digest_size(CRYPTO_DIGEST_SHA384), 48);
	assert_int_equal(crypto_digest_size(CRYPTO_DIGEST_NONE), 0);
	assert_int_equal(crypto_digest_size(_CRYPTO_DIGEST_MAX), 0);
	assert_int_equal(crypto_digest(CRYPTO_DIGEST_SHA384, "abc", 3, d, &e), 0);
	assert_hex_equal(d, 48,
	                 "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
	                 "8086072ba1e7cc2358baeca134c825a7");
	assert_int_equal(crypto_digest(CRYPTO_DIGEST_NONE, "abc", 3, d, &e), -EINVAL);
}

/* RFC 4231 test cases 1 and 2. */
static void test_core_crypto_hmac_sha256__rfc4231(void **state)
{
	uint8_t key[20], mac[CRYPTO_SHA256_DIGEST_SIZE];
	const char *data = "what do ya want for nothing?";
	struct error e = ERROR_INIT;

	(void)state;
	memset(key, 0x0b, sizeof(key));
	assert_int_equal(crypto_hmac_sha256(key, sizeof(key), "Hi There", 8, mac, &e), 0);
	assert_hex_equal(mac, sizeof(mac),
	                 "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	assert_int_equal(crypto_hmac_sha256("Jefe", 4, data, strlen(data), mac, &e), 0);
	assert_hex_equal(mac, sizeof(mac),
	                 "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

/* RFC 2202 test case 1, the hashed host names of known_hosts. */
static void test_core_crypto_hmac_sha1__rfc2202(void **state)
{
	uint8_t key[20], mac[CRYPTO_SHA1_DIGEST_SIZE];
	struct error e = ERROR_INIT;

	(void)state;
	memset(key, 0x0b, sizeof(key));
	assert_int_equal(crypto_hmac_sha1(key, sizeof(key), "Hi There", 8, mac, &e), 0);
	assert_hex_equal(mac, sizeof(mac), "b617318655057264e28bc0b6fb378c8ef146be00");
}

/* RFC 8032 section 7.1, TEST 1: the empty message. */
static const char ed25519_pub[] =
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char ed25519_sig[] =
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
        "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

static void test_core_crypto_verify__ed25519(void **state)
{
	uint8_t pub[32], sig[64];
	struct crypto_public_key key = { .type = CRYPTO_KEY_ED25519, .key = pub };
	struct error e = ERROR_INIT;

	(void)state;
	key.key_len = unhex(ed25519_pub, pub, sizeof(pub));
	assert_int_equal(unhex(ed25519_sig, sig, sizeof(sig)), 64);
	assert_int_equal(crypto_verify(&key, CRYPTO_DIGEST_NONE, sig, sizeof(sig), "", 0, &e), 0);

	/* one bit of the signature, then of the message */
	sig[10] ^= 0x01;
	assert_int_equal(crypto_verify(&key, CRYPTO_DIGEST_NONE, sig, sizeof(sig), "", 0, &e),
	                 -EBADMSG);
	assert_non_null(strstr(e.message, "does not verify"));
	sig[10] ^= 0x01;
	assert_int_equal(crypto_verify(&key, CRYPTO_DIGEST_NONE, sig, sizeof(sig), "\x01", 1, &e),
	                 -EBADMSG);
	/* a short signature, a digest Ed25519 does not take, a short key */
	assert_int_equal(crypto_verify(&key, CRYPTO_DIGEST_NONE, sig, 63, "", 0, &e), -EBADMSG);
	assert_int_equal(crypto_verify(&key, CRYPTO_DIGEST_SHA256, sig, 64, "", 0, &e), -EINVAL);
	key.key_len = 31;
	assert_int_equal(crypto_verify(&key, CRYPTO_DIGEST_NONE, sig, 64, "", 0, &e), -EINVAL);
}

/* A 2048-bit key (e = 65537) made once, and its signature of the message below. */
static const char vector_message[] = "driftless test vector";

static const uint8_t rsa_n[256] =
        "\xb5\xba\xa4\xd2\x03\x20\x4c\x42\x76\x49\xb8\x8f\x71\x5c\x0c\x87"
        "\x8b\x0e\xbb\xbf\x66\x39\x15\x4d\x8a\x17\x05\xaa\xf3\x36\x06\xd9"
        "\xef\xb6\x6b\xb4\x9b\x43\x07\xb0\xdd\x5d\x45\x25\x79\x3f\x66\x20"
        "\x94\x1e\x9d\xb3\x0d\x78\x14\x34\xb0\x7a\x00\x1e\x6c\x05\xcf\x8e"
        "\x0b\xdf\x49\xc1\x98\x98\x19\xad\x79\x81\x66\x8c\x57\x86\x0f\x24"
        "\xff\x37\x46\x74\xa0\x70\xe2\xb3\x67\x38\x26\xca\x19\x55\x78\x51"
        "\xc2\x6d\x72\xe1\xec\x13\xa6\x5f\x6c\x0e\x75\x60\x79\x0e\xff\x31"
        "\x63\x5b\x55\x99\xb0\x2a\x96\x58\x76\x82\x08\x0f\xc4\x81\x21\xb3"
        "\x4b\x18\xfd\xdd\x35\x7b\xd9\xc6\x79\x05\x55\xb5\xf3\xa2\xf2\xbc"
        "\x37\xc9\xab\xd0\x47\x8d\x4a\x88\x61\x89\x20\x00\x1d\x42\x60\xf5"
        "\x2b\x4a\x1b\x7a\xd2\xca\x6f\x63\x4e\x46\x05\x6e\x27\xc5\xf5\x8d"
        "\xcc\x82\xc3\x6f\xa2\x4d\xb3\xbf\x4f\x75\x75\xef\xd4\x1e\xc2\x29"
        "\x7a\xde\xf2\xe3\xab\x14\x97\xd3\xa6\xd7\xab\xd8\x8f\x51\xbb\x5f"
        "\x6d\x4a\x9d\xfb\xec\xd9\x70\xb2\xd8\xa8\x0f\x68\x31\x26\xee\x6a"
        "\x37\x3a\x60\x69\x24\xe5\x5b\x0e\x66\xf7\x11\xfd\xaa\x5c\xee\x00"
        "\x61\xfa\x1d\x04\xb8\xdb\x71\x80\xd8\x41\x40\x72\x42\x2d\xeb\x4b";

static const uint8_t rsa_sig_sha256[256] =
        "\x4a\xf2\xa7\x67\x74\xc6\x95\x5f\x0a\xe1\x41\x95\x6f\x3a\xab\x41"
        "\x88\x97\x59\xd7\x0f\x02\xa5\x03\x40\x02\x6f\x27\x49\xd4\xb5\xc8"
        "\xea\xbb\x1f\x58\xa5\xb3\x35\x52\x2c\x19\x6d\x48\x77\xb1\x9d\xd8"
        "\x72\x82\xe4\x28\xcb\xf2\xab\x53\x33\x53\xd6\x96\x55\xf2\xe0\xc6"
        "\x06\xe3\x19\x42\x8c\x6e\x52\x3c\x9e\x58\x63\xd6\x41\x22\xc1\x5e"
        "\x84\x2a\xf4\xde\x22\x17\x25\x63\xf0\x81\x5a\x5d\xc1\xe3\xc2\xdc"
        "\x6b\x8f\x97\x41\xb8\x91\x4e\xc7\x8d\xa3\xa6\x68\x7b\x0c\xe5\xb6"
        "\xe0\xd3\x9d\x8f\x63\x2f\x3f\x69\x3e\xce\xa3\x88\x47\x73\x50\x68"
        "\xde\xbe\xcf\x67\xb6\x8c\xc5\xa6\x2f\x43\x62\xc6\x86\x07\x95\x2b"
        "\xf9\x9e\xd2\x31\xee\x3a\x23\xf7\x3e\x96\xfb\x3c\x69\xfb\xf9\x85"
        "\xd3\x80\x4d\x98\xc1\xdd\x0d\xc6\x60\xb2\xc1\xec\x7c\x2f\x21\xd2"
        "\x83\xa7\xf1\x9d\x20\xee\xda\xac\xed\xfc\x6f\x16\x75\x72\xe4\xbd"
        "\x47\x0e\x0d\x1e\x67\x4a\x65\x84\x86\xd2\xa3\xd9\xb2\x68\xdc\x6c"
        "\x1a\x01\xbb\x32\xd9\x75\xd5\xc2\x48\x12\xa4\x10\x07\xc4\xed\x9f"
        "\x49\x6c\x36\x86\x87\x30\xc4\xd1\x00\x21\x06\xb6\x31\x46\xa0\xef"
        "\x87\xc0\x9a\xe4\x84\xfa\x24\xfd\x68\xe9\x7f\xce\x58\x60\x0d\x2a";

static void test_core_crypto_verify__rsa(void **state)
{
	/* as an SSH mpint writes them: a leading zero on n, e = 65537 in three bytes */
	uint8_t n[257] = { 0 }, e_bytes[] = { 0x01, 0x00, 0x01 }, sig[256];
	struct crypto_public_key key = {
		.type = CRYPTO_KEY_RSA,
		.key = n,
		.key_len = sizeof(n),
		.exponent = e_bytes,
		.exponent_len = sizeof(e_bytes),
	};
	size_t len = strlen(vector_message);
	struct error e = ERROR_INIT;

	(void)state;
	memcpy(n + 1, rsa_n, sizeof(rsa_n));
	memcpy(sig, rsa_sig_sha256, sizeof(sig));
	assert_int_equal(crypto_verify(&key, CRYPTO_DIGEST_SHA256, sig, sizeof(sig), vector_message,
	                               len, &e),
	                 0);
	/* the same signature claimed for SHA-512, or over other data */
	assert_int_equal(crypto_verify(&key, CRYPTO_DIGEST_SHA512, sig, sizeof(sig), vector_message,
	                               len, &e),
	                 -EBADMSG);
	assert_int_equal(crypto_verify(&key, CRYPTO_DIGEST_SHA256, sig, sizeof(sig), vector_message,
	                               len - 1, &e),
	                 -EBADMSG);
	/* longer than the modulus, or above it */
	assert_int_equal(
	        crypto_verify(&key, CRYPTO_DIGEST_SHA256, n, sizeof(n), vector_message, len, &e),
	        -EBADMSG);
	memset(sig, 0xff, sizeof(sig));
	assert_int_equal(crypto_verify(&key, CRYPTO_DIGEST_SHA256, sig, sizeof(sig), vector_message,
	                               len, &e),
	                 -EBADMSG);
	/* SHA-1 is not for signatures; nor a 512-bit modulus */
	assert_int_equal(
	        crypto_verify(&key, CRYPTO_DIGEST_SHA1, sig, sizeof(sig), vector_message, len, &e),
	        -EINVAL);
	key.key = rsa_n;
	key.key_len = 64;
	assert_int_equal(
	        crypto_verify(&key, CRYPTO_DIGEST_SHA256, sig, 64, vector_message, len, &e),
	        -EINVAL);
	assert_non_null(strstr(e.message, "512 bits"));
}

/* A P-256 key made once, and its signature (r || s) of vector_message with SHA-256. */
static const uint8_t p256_point[65] =
        "\x04\xf5\x89\xee\xe3\xb2\xcb\x61\xd9\x8e\x18\xa4\x7d\xac\xc8\x04"
        "\xb5\x78\x8b\xd0\x0e\xbc\x69\xf2\x11\xaa\xbd\xf3\xfb\xcb\x95\x6b"
        "\x8d\xeb\xda\x54\x33\x2a\x87\xa5\xf8\xc1\x4f\x5b\x87\x90\x38\x07"
        "\xec\x73\x98\xbc\xb1\xcd\x0e\x3b\x00\x19\x19\xc6\xa3\x41\x4b\x88"
        "\x91";

static const uint8_t p256_sig[64] =
        "\xe2\x5c\x13\x8b\x95\x0a\xa7\x54\x3f\x3b\x80\xde\x98\x47\x44\x91"
        "\xb5\xb0\x39\xf9\x22\x9a\x46\x0b\x43\x14\x1c\xe6\x73\x2d\xad\x63"
        "\x04\x24\xea\xda\xf1\x6e\x4e\x3e\xe7\xfa\x0c\x60\x46\xbd\x64\x50"
        "\x2d\x52\x35\xf1\x07\xe2\x1f\xf7\xb1\xda\xbe\x7d\x3e\xe2\x8f\xeb";

static void test_core_crypto_verify__ecdsa_p256(void **state)
{
	uint8_t point[65], sig[64];
	struct crypto_public_key key = {
		.type = CRYPTO_KEY_ECDSA_P256,
		.key = point,
		.key_len = sizeof(point),
	};
	size_t len = strlen(vector_message);
	struct error e = ERROR_INIT;

	(void)state;
	memcpy(point, p256_point, sizeof(point));
	memcpy(sig, p256_sig, sizeof(sig));
	assert_int_equal(crypto_ecdsa_scalar_size(CRYPTO_KEY_ECDSA_P256), 32);
	assert_int_equal(crypto_ecdsa_scalar_size(CRYPTO_KEY_ECDSA_P521), 66);
	assert_int_equal(crypto_verify(&key, CRYPTO_DIGEST_SHA256, sig, sizeof(sig), vector_message,
	                               len, &e),
	                 0);
	sig[40] ^= 0x80;
	assert_int_equal(crypto_verify(&key, CRYPTO_DIGEST_SHA256, sig, sizeof(sig), vector_message,
	                               len, &e),
	                 -EBADMSG);
	/* r = s = 0 */
	memset(sig, 0, sizeof(sig));
	assert_int_equal(crypto_verify(&key, CRYPTO_DIGEST_SHA256, sig, sizeof(sig), vector_message,
	                               len, &e),
	                 -EBADMSG);
	assert_int_equal(
	        crypto_verify(&key, CRYPTO_DIGEST_SHA256, sig, 63, vector_message, len, &e),
	        -EBADMSG);
	/* a point off the curve; a compressed point */
	memcpy(sig, p256_sig, sizeof(sig));
	point[64] ^= 0x01;
	assert_int_equal(crypto_verify(&key, CRYPTO_DIGEST_SHA256, sig, sizeof(sig), vector_message,
	                               len, &e),
	                 -EINVAL);
	point[64] ^= 0x01;
	point[0] = 0x02;
	key.key_len = 33;
	assert_int_equal(crypto_verify(&key, CRYPTO_DIGEST_SHA256, sig, sizeof(sig), vector_message,
	                               len, &e),
	                 -EINVAL);
}

static void test_core_crypto_verify__bad_type(void **state)
{
	struct crypto_public_key key = { .type = _CRYPTO_KEY_TYPE_MAX };
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(crypto_verify(&key, CRYPTO_DIGEST_SHA256, "", 0, "", 0, &e), -EINVAL);
	assert_int_equal(crypto_verify(&key, CRYPTO_DIGEST_SHA256, "", 0, "", 0, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_crypto_sha256__abc),
		cmocka_unit_test(test_core_crypto_sha512__abc),
		cmocka_unit_test(test_core_crypto_digest__sizes),
		cmocka_unit_test(test_core_crypto_hmac_sha256__rfc4231),
		cmocka_unit_test(test_core_crypto_hmac_sha1__rfc2202),
		cmocka_unit_test(test_core_crypto_verify__ed25519),
		cmocka_unit_test(test_core_crypto_verify__rsa),
		cmocka_unit_test(test_core_crypto_verify__ecdsa_p256),
		cmocka_unit_test(test_core_crypto_verify__bad_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
