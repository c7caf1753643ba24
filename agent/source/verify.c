/* Which signature format a commit carries, and the verdict's names. */

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "source/internal.h"
#include "source/source.h"

const char *source_signature_status_to_string(enum source_signature_status s)
{
	static const char *const names[] = {
		[SOURCE_SIGNATURE_GOOD] = "good",
		[SOURCE_SIGNATURE_UNSIGNED] = "unsigned",
		[SOURCE_SIGNATURE_UNTRUSTED] = "untrusted",
		[SOURCE_SIGNATURE_BAD] = "bad",
		[SOURCE_SIGNATURE_MALFORMED] = "malformed",
	};

	return s >= 0 && s < _SOURCE_SIGNATURE_STATUS_MAX ? names[s] : NULL;
}

bool source_signature_has_armor(const char *sig, size_t len, const char *armour)
{
	size_t n = strlen(armour);

	while (len > 0 && (*sig == ' ' || *sig == '\n' || *sig == '\r' || *sig == '\t')) {
		sig++;
		len--;
	}
	return len >= n && memcmp(sig, armour, n) == 0;
}

int source_signature_verify(const struct source_verify_config *config, const char *sig,
                            size_t sig_len, const void *data, size_t data_len, int64_t signed_at,
                            struct source_signature *ret, struct error *reterr)
{
	struct source_signature v = { .status = SOURCE_SIGNATURE_MALFORMED };

	if (!sig || sig_len == 0) {
		v.status = SOURCE_SIGNATURE_UNSIGNED;
		snprintf(v.reason, sizeof(v.reason), "the commit is not signed");
		*ret = v;
		return 0;
	}
	if (source_signature_has_armor(sig, sig_len, "-----BEGIN SSH SIGNATURE-----")) {
		if (config->allowed_signers_file)
			return source_sshsig_verify(config->allowed_signers_file, sig, sig_len,
			                            data, data_len, signed_at, ret, reterr);
		snprintf(v.format, sizeof(v.format), "ssh");
		snprintf(v.reason, sizeof(v.reason),
		         "an SSH signature, and source.verify.allowed_signers_file is not set");
	} else if (source_signature_has_armor(sig, sig_len, "-----BEGIN PGP SIGNATURE-----")) {
		if (config->gpg_keyring_file)
			return source_pgp_verify(config->gpg_keyring_file, sig, sig_len, data,
			                         data_len, ret, reterr);
		snprintf(v.format, sizeof(v.format), "openpgp");
		snprintf(v.reason, sizeof(v.reason),
		         "an OpenPGP signature, and source.verify.gpg_keyring_file is not set");
	} else {
		snprintf(v.reason, sizeof(v.reason),
		         "a signature in a format driftless does not know (X.509?)");
	}
	v.status = SOURCE_SIGNATURE_UNTRUSTED;
	if (!v.format[0])
		v.status = SOURCE_SIGNATURE_MALFORMED;
	*ret = v;
	return 0;
}
