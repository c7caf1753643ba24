/*
 * libFuzzer target: an SSH signature from a commit, which anyone who can push writes. The
 * input is taken as the armoured text when it starts like one, else as the binary SSHSIG
 * blob, armoured here so the mutations reach the parser behind the base64. It is checked
 * against the allowed-signers file of the unit tests. Nothing may crash, leak or trip a
 * sanitizer, and nothing but a real signature may come out good.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "source/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT    (64 * 1024)
#define ALLOWED      "tests/unit/source/data/sshsig/allowed_signers"
#define SIGNED_DATA  "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nfuzz\n"
#define ARMOUR_BEGIN "-----BEGIN SSH SIGNATURE-----"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct source_signature v;
	struct strbuf sig = STRBUF_INIT;
	struct error e = ERROR_INIT;

	if (size > MAX_INPUT)
		return 0;
	if (size >= strlen(ARMOUR_BEGIN) && memcmp(data, ARMOUR_BEGIN, strlen(ARMOUR_BEGIN)) == 0) {
		strbuf_add(&sig, data, size);
	} else {
		strbuf_addstr(&sig, ARMOUR_BEGIN "\n");
		base64_encode(data, size, &sig);
		strbuf_addstr(&sig, "\n-----END SSH SIGNATURE-----\n");
	}
	if (source_sshsig_verify(ALLOWED, sig.buf, sig.len, SIGNED_DATA, strlen(SIGNED_DATA), 0, &v,
	                         &e) == 0 &&
	    v.status == SOURCE_SIGNATURE_GOOD)
		abort(); /* nobody signed SIGNED_DATA with a key of the fixtures */
	strbuf_release(&sig);
	return 0;
}
