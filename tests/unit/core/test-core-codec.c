#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/base64.h"
#include "core/sha256.h"
#include "core/strbuf.h"

static void hex(const uint8_t d[SHA256_DIGEST_SIZE], char out[2 * SHA256_DIGEST_SIZE + 1])
{
	for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The examples of FIPS 180-4 (NIST's SHA256.pdf) and the usual long ones. */
static void test_core_sha256__fips_examples(void **state)
{
	static const struct {
		const char *in;
		const char *digest;
	} cases[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	uint8_t d[SHA256_DIGEST_SIZE];
	char h[2 * SHA256_DIGEST_SIZE + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sha256(cases[i].in, strlen(cases[i].in), d);
		hex(d, h);
		assert_string_equal(h, cases[i].digest);
	}
}

/* One million 'a', fed in pieces that straddle the 64-byte blocks every way. */
static void test_core_sha256__million_a_in_pieces(void **state)
{
	static const size_t pieces[] = { 1, 3, 55, 56, 63, 64, 65, 127, 1000 };
	_cleanup_free_ char *a = xmalloc(1000000);
	uint8_t d[SHA256_DIGEST_SIZE];
	char h[2 * SHA256_DIGEST_SIZE + 1];

	(void)state;
	memset(a, 'a', 1000000);
	for (size_t p = 0; p < sizeof(pieces) / sizeof(pieces[0]); p++) {
		struct sha256 s;

		sha256_init(&s);
		for (size_t off = 0; off < 1000000; off += pieces[p])
			sha256_update(&s, a + off,
			              off + pieces[p] > 1000000 ? 1000000 - off : pieces[p]);
		sha256_final(&s, d);
		hex(d, h);
		assert_string_equal(
		        h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	}
}

/* The test vectors of RFC 4648 section 10, both ways. */
static void test_core_base64__rfc4648_vectors(void **state)
{
	static const char *const cases[][2] = {
		{ "", "" },
		{ "f", "Zg==" },
		{ "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf enc = STRBUF_INIT, dec = STRBUF_INIT;

		base64_encode(cases[i][0], strlen(cases[i][0]), &enc);
		assert_string_equal(enc.buf ? enc.buf : "", cases[i][1]);
		assert_int_equal(base64_decode(cases[i][1], strlen(cases[i][1]), &dec), 0);
		assert_int_equal(dec.len, strlen(cases[i][0]));
		assert_memory_equal(dec.buf ? dec.buf : "", cases[i][0], dec.len);
		strbuf_release(&enc);
		strbuf_release(&dec);
	}
}

static void test_core_base64__binary_and_refusals(void **state)
{
	static const char *const bad[] = {
		"Zg=",      /* not a multiple of four */
		"Z===",     /* three pads */
		"Zg=a",     /* padding before data */
		"Zg==Zm8=", /* padding in the middle */
		"Zm9*",     /* outside the alphabet */
		"Zm 9",     /* a space */
	};
	uint8_t all[256];
	struct strbuf enc = STRBUF_INIT, dec = STRBUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(all); i++)
		all[i] = (uint8_t)i;
	base64_encode(all, sizeof(all), &enc);
	assert_int_equal(base64_decode(enc.buf, enc.len, &dec), 0);
	assert_int_equal(dec.len, sizeof(all));
	assert_memory_equal(dec.buf, all, sizeof(all));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strbuf_reset(&dec);
		strbuf_addstr(&dec, "kept");
		assert_int_equal(base64_decode(bad[i], strlen(bad[i]), &dec), -EINVAL);
		assert_string_equal(dec.buf, "kept");
	}
	strbuf_release(&enc);
	strbuf_release(&dec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_sha256__fips_examples),
		cmocka_unit_test(test_core_sha256__million_a_in_pieces),
		cmocka_unit_test(test_core_base64__rfc4648_vectors),
		cmocka_unit_test(test_core_base64__binary_and_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
