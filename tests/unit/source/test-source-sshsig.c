/*
 * source_sshsig_verify() against signatures ssh-keygen made (data/sshsig/gen.sh, which also
 * checks that `ssh-keygen -Y verify` reaches the verdicts expected here).
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/base64.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/macro.h"
#include "core/strbuf.h"
#include "source/source.h"

#define DATA "tests/unit/source/data/sshsig/"
#define MAIN DATA "allowed_signers"

/* The committer time of commit.txt, 2023-11-14T22:13:20Z. */
#define SIGNED_AT 1700000000

static char *read_fixture(const char *name, size_t *ret_len)
{
	_cleanup_free_ char *path = NULL;
	struct error e = ERROR_INIT;
	char *data = NULL;
	size_t len = 0;

	assert_true(asprintf(&path, DATA "%s", name) > 0);
	if (read_file_full(path, 1 << 20, &data, &len, &e) < 0)
		fail_msg("%s", e.message);
	if (ret_len)
		*ret_len = len;
	return data;
}

/* The fingerprint ssh-keygen printed for key (data/sshsig/fingerprints). */
static void fingerprint_of(const char *key, char out[SOURCE_SIGNATURE_TEXT_MAX])
{
	_cleanup_free_ char *list = read_fixture("fingerprints", NULL);
	char *save = NULL;

	for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *space = strchr(line, ' ');

		assert_non_null(space);
		*space = '\0';
		if (streq(line, key)) {
			(void)snprintf(out, SOURCE_SIGNATURE_TEXT_MAX, "%s", space + 1);
			return;
		}
	}
	fail_msg("no fingerprint for %s", key);
}

/* Verify sig (sig_len bytes) over data with allowed; the call must reach a verdict. */
static struct source_signature check_buf(const char *allowed, const char *sig, size_t sig_len,
                                         const char *data, size_t data_len, int64_t signed_at)
{
	struct source_signature v;
	struct error e = ERROR_INIT;
	int r;

	memset(&v, 0x5a, sizeof(v));
	r = source_sshsig_verify(allowed, sig, sig_len, data, data_len, signed_at, &v, &e);
	if (r < 0)
		fail_msg("source_sshsig_verify: %d %s", r, e.message);
	assert_int_equal(r, 0);
	/* the texts are always terminated */
	assert_non_null(memchr(v.key, '\0', sizeof(v.key)));
	assert_non_null(memchr(v.signer, '\0', sizeof(v.signer)));
	assert_non_null(memchr(v.reason, '\0', sizeof(v.reason)));
	return v;
}

/* Verify data/sshsig/NAME.sig over commit.txt with the allowed-signers file allowed. */
static struct source_signature check_at(const char *allowed, const char *name, int64_t signed_at)
{
	_cleanup_free_ char *sig_name = NULL, *sig = NULL, *data = NULL;
	size_t sig_len, data_len;

	assert_true(asprintf(&sig_name, "%s.sig", name) > 0);
	sig = read_fixture(sig_name, &sig_len);
	data = read_fixture("commit.txt", &data_len);
	return check_buf(allowed, sig, sig_len, data, data_len, signed_at);
}

static struct source_signature check(const char *allowed, const char *name)
{
	return check_at(allowed, name, SIGNED_AT);
}

static void assert_good(const char *allowed, const char *name, const char *key, const char *signer)
{
	struct source_signature v = check(allowed, name);
	char fingerprint[SOURCE_SIGNATURE_TEXT_MAX];

	fingerprint_of(key, fingerprint);
	if (v.status != SOURCE_SIGNATURE_GOOD)
		fail_msg("%s: %s: %s", name, source_signature_status_to_string(v.status), v.reason);
	assert_string_equal(v.format, "ssh");
	assert_string_equal(v.key, fingerprint);
	assert_string_equal(v.signer, signer);
	assert_string_equal(v.reason, "");
}

static void assert_verdict(struct source_signature v, enum source_signature_status status,
                           const char *reason)
{
	if (v.status != status)
		fail_msg("%s, expected %s: %s", source_signature_status_to_string(v.status),
		         source_signature_status_to_string(status), v.reason);
	if (!strstr(v.reason, reason))
		fail_msg("reason \"%s\" lacks \"%s\"", v.reason, reason);
}

static void test_source_sshsig_verify__ed25519(void **state)
{
	(void)state;
	assert_good(MAIN, "ed25519", "ed25519", "alice@example.com");
}

static void test_source_sshsig_verify__rsa(void **state)
{
	(void)state;
	/* rsa-sha2-512 over a SHA-512 hash, ssh-keygen's default, then rsa-sha2-256 */
	assert_good(MAIN, "rsa", "rsa", "bob@example.com");
	assert_good(MAIN, "rsa-sha256", "rsa", "bob@example.com");
}

static void test_source_sshsig_verify__ecdsa(void **state)
{
	(void)state;
	assert_good(MAIN, "ecdsa256", "ecdsa256", "carol@example.com");
	assert_good(MAIN, "ecdsa384", "ecdsa384", "dave@example.com");
	assert_good(MAIN, "ecdsa521", "ecdsa521", "*@wild.example.com");
}

static void test_source_sshsig_verify__security_keys(void **state)
{
	(void)state;
	assert_good(MAIN, "sk-ed25519", "sk-ed25519", "frank@example.com");
	assert_good(MAIN, "sk-ecdsa", "sk-ecdsa", "grace@example.com");
}

static void test_source_sshsig_verify__certificate(void **state)
{
	char fingerprint[SOURCE_SIGNATURE_TEXT_MAX];
	struct source_signature v;

	(void)state;
	/* the certificate's principal that the cert-authority line admits */
	assert_good(MAIN, "cert", "cert", "erin@example.com");

	fingerprint_of("cert", fingerprint);
	v = check(MAIN, "cert-expired");
	assert_verdict(v, SOURCE_SIGNATURE_UNTRUSTED, "certificate is not valid at the commit");
	assert_string_equal(v.key, fingerprint);
	assert_verdict(check(MAIN, "cert-host"), SOURCE_SIGNATURE_UNTRUSTED,
	               "not a user certificate");
	/* valid from 2023 to 2025 */
	assert_verdict(check_at(MAIN, "cert", 1600000000), SOURCE_SIGNATURE_UNTRUSTED,
	               "not valid at the commit time");
	/* a CA that is not listed, or listed without cert-authority */
	assert_verdict(check(DATA "allowed_signers.window", "cert"), SOURCE_SIGNATURE_UNTRUSTED,
	               "ED25519 certificate SHA256:");
}

static void test_source_sshsig_verify__not_listed(void **state)
{
	char fingerprint[SOURCE_SIGNATURE_TEXT_MAX];
	struct source_signature v;

	(void)state;
	fingerprint_of("other", fingerprint);
	v = check(MAIN, "other");
	assert_verdict(v, SOURCE_SIGNATURE_UNTRUSTED, "is not in the allowed signers");
	assert_non_null(strstr(v.reason, fingerprint));
	assert_string_equal(v.key, fingerprint);
	assert_string_equal(v.signer, "");
}

static void test_source_sshsig_verify__other_namespace(void **state)
{
	struct source_signature v;

	(void)state;
	v = check(MAIN, "ed25519-file");
	assert_verdict(v, SOURCE_SIGNATURE_UNTRUSTED, "signed for namespace \"file\", not \"git\"");
	assert_string_equal(v.signer, "");
}

static void test_source_sshsig_verify__namespaces_option(void **state)
{
	const char *file = DATA "allowed_signers.namespaces";

	(void)state;
	assert_verdict(check(file, "ed25519"), SOURCE_SIGNATURE_UNTRUSTED,
	               "line 1 of the allowed signers does not allow namespace \"git\"");
	/* "!git,*": the negation wins */
	assert_verdict(check(file, "rsa"), SOURCE_SIGNATURE_UNTRUSTED, "line 2");
	/* NAMESPACES="ci,g?t" */
	assert_good(file, "ecdsa256", "ecdsa256", "carol@example.com");
}

static void test_source_sshsig_verify__validity_window(void **state)
{
	const char *file = DATA "allowed_signers.window";

	(void)state;
	assert_verdict(check(file, "ed25519"), SOURCE_SIGNATURE_UNTRUSTED,
	               "key not yet valid at 2023-11-14T22:13:20Z: valid-after "
	               "2023-11-15T00:00:00Z on line 1");
	assert_verdict(check(file, "rsa"), SOURCE_SIGNATURE_UNTRUSTED,
	               "key expired at 2023-11-14T22:13:20Z: valid-before 2023-11-14T00:00:00Z "
	               "on line 2");
	/* both ends are inclusive, to the second */
	assert_good(file, "ecdsa256", "ecdsa256", "carol@example.com");
	assert_verdict(check_at(file, "ecdsa256", SIGNED_AT - 1), SOURCE_SIGNATURE_UNTRUSTED,
	               "not yet valid");
	assert_verdict(check_at(file, "ecdsa256", SIGNED_AT + 2), SOURCE_SIGNATURE_UNTRUSTED,
	               "expired");
	assert_good(file, "ecdsa384", "ecdsa384", "dave@example.com");
	assert_verdict(check_at(file, "ecdsa384", SIGNED_AT + 1), SOURCE_SIGNATURE_UNTRUSTED,
	               "expired");
	/* before 1970 */
	assert_verdict(check_at(file, "ecdsa256", -1), SOURCE_SIGNATURE_UNTRUSTED, "not yet valid");
}

static void set_tz(const char *tz)
{
	if (tz)
		assert_int_equal(setenv("TZ", tz, 1), 0);
	else
		assert_int_equal(unsetenv("TZ"), 0);
	tzset();
}

/* valid-after="202311150700" without a Z is local time: 22:00Z in JST (UTC+9). */
static void test_source_sshsig_verify__local_time(void **state)
{
	const char *file = DATA "allowed_signers.window";
	_cleanup_free_ char *saved = NULL;

	(void)state;
	if (getenv("TZ"))
		saved = strdup(getenv("TZ"));
	set_tz("JST-9");
	assert_good(file, "ecdsa521", "ecdsa521", "erin@example.com");
	set_tz("UTC0");
	assert_verdict(check(file, "ecdsa521"), SOURCE_SIGNATURE_UNTRUSTED, "not yet valid");
	set_tz(saved);
}

/*
 * In summer: ssh-keygen (and so git verify-commit) reads 12:00 in Berlin as standard time
 * (CET, UTC+1), 11:00Z, not as the wall-clock time of that day (CEST, 10:00Z); so do we.
 */
static void test_source_sshsig_verify__local_time_summer(void **state)
{
	char file[] = "/tmp/driftless-test-sshsig-XXXXXX";
	_cleanup_free_ char *pub = read_fixture("ed25519.pub", NULL), *saved = NULL;
	FILE *f;
	int fd;

	(void)state;
	if (getenv("TZ"))
		saved = strdup(getenv("TZ"));
	fd = mkstemp(file);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "alice@example.com valid-after=\"202307011200\" %s", pub);
	assert_int_equal(fclose(f), 0);
	set_tz("CET-1CEST,M3.5.0,M10.5.0/3");
	assert_int_equal(check_at(file, "ed25519", 1688209230 /* 11:00:30Z */).status,
	                 SOURCE_SIGNATURE_GOOD);
	assert_verdict(check_at(file, "ed25519", 1688207400 /* 10:30Z */),
	               SOURCE_SIGNATURE_UNTRUSTED, "valid-after 2023-07-01T11:00:00Z");
	set_tz(saved);
	assert_int_equal(unlink(file), 0);
}

static void test_source_sshsig_verify__first_admitting_line(void **state)
{
	(void)state;
	assert_good(DATA "allowed_signers.second-line", "ed25519", "ed25519", "new@example.com");
}

static void test_source_sshsig_verify__tampered(void **state)
{
	static const char *const names[] = { "ed25519",  "rsa",        "ecdsa256", "ecdsa384",
		                             "ecdsa521", "sk-ed25519", "sk-ecdsa", "cert" };
	size_t data_len;
	_cleanup_free_ char *data = read_fixture("commit.txt", &data_len);

	(void)state;
	data[data_len - 2] ^= 0x20;
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		_cleanup_free_ char *sig_name = NULL, *sig = NULL;
		struct source_signature v;
		size_t sig_len;

		assert_true(asprintf(&sig_name, "%s.sig", names[i]) > 0);
		sig = read_fixture(sig_name, &sig_len);
		v = check_buf(MAIN, sig, sig_len, data, data_len, SIGNED_AT);
		assert_verdict(v, SOURCE_SIGNATURE_BAD, "does not verify");
		assert_string_equal(v.signer, "");
		assert_true(startswith(v.key, "SHA256:"));
	}
}

static void test_source_sshsig_verify__rsa_sha1(void **state)
{
	(void)state;
	assert_verdict(check(MAIN, "rsa-sha1"), SOURCE_SIGNATURE_BAD,
	               "RSA signature with SHA-1 (ssh-rsa) is not accepted");
}

static void test_source_sshsig_verify__unsigned(void **state)
{
	struct source_signature v;

	(void)state;
	v = check_buf(MAIN, NULL, 0, "x", 1, SIGNED_AT);
	assert_int_equal(v.status, SOURCE_SIGNATURE_UNSIGNED);
	assert_string_equal(v.format, "");
	assert_string_equal(v.key, "");
}

static void test_source_sshsig_verify__not_configured(void **state)
{
	char fingerprint[SOURCE_SIGNATURE_TEXT_MAX];
	struct source_signature v;

	(void)state;
	fingerprint_of("ed25519", fingerprint);
	v = check(NULL, "ed25519");
	assert_verdict(v, SOURCE_SIGNATURE_MALFORMED, "not configured");
	assert_string_equal(v.key, fingerprint);
}

static void test_source_sshsig_verify__crlf_armour(void **state)
{
	size_t len, data_len;
	_cleanup_free_ char *sig = read_fixture("ed25519.sig", &len);
	_cleanup_free_ char *data = read_fixture("commit.txt", &data_len);
	_cleanup_strbuf_ struct strbuf crlf = STRBUF_INIT;

	(void)state;
	for (size_t i = 0; i < len; i++) {
		if (sig[i] == '\n')
			strbuf_addch(&crlf, '\r');
		strbuf_addch(&crlf, sig[i]);
	}
	strbuf_addstr(&crlf, "\r\n  \n");
	assert_int_equal(check_buf(MAIN, crlf.buf, crlf.len, data, data_len, SIGNED_AT).status,
	                 SOURCE_SIGNATURE_GOOD);
}

/* The binary blob of data/sshsig/NAME.sig. */
static void fixture_blob(const char *name, struct strbuf *out)
{
	_cleanup_free_ char *sig_name = NULL, *sig = NULL;
	_cleanup_strbuf_ struct strbuf b64 = STRBUF_INIT;
	char *save = NULL;

	assert_true(asprintf(&sig_name, "%s.sig", name) > 0);
	sig = read_fixture(sig_name, NULL);
	for (char *line = strtok_r(sig, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!startswith(line, "-----"))
			strbuf_addstr(&b64, line);
	assert_int_equal(base64_decode(b64.buf, b64.len, out), 0);
}

/*
 * Armour len bytes of blob and verify them over commit.txt: the verdict, which must be
 * reached.
 */
static struct source_signature check_blob(const void *blob, size_t len)
{
	_cleanup_strbuf_ struct strbuf armour = STRBUF_INIT;
	size_t data_len;
	_cleanup_free_ char *data = read_fixture("commit.txt", &data_len);

	strbuf_addstr(&armour, "-----BEGIN SSH SIGNATURE-----\n");
	base64_encode(blob, len, &armour);
	strbuf_addstr(&armour, "\n-----END SSH SIGNATURE-----\n");
	return check_buf(MAIN, armour.buf, armour.len, data, data_len, SIGNED_AT);
}

static void put_be32(struct strbuf *b, size_t at, uint32_t v)
{
	assert_true(at + 4 <= b->len);
	b->buf[at] = (char)(v >> 24);
	b->buf[at + 1] = (char)(v >> 16);
	b->buf[at + 2] = (char)(v >> 8);
	b->buf[at + 3] = (char)v;
}

static void test_source_sshsig_verify__malformed_armour(void **state)
{
	static const struct {
		const char *text;
		const char *reason;
	} cases[] = {
		{ "garbage", "not an SSH signature" },
		{ "-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----\n",
		  "not an SSH signature" },
		{ "-----BEGIN SSH SIGNATURE-----", "no line break" },
		{ "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH", "no \"-----END SSH SIGNATURE-----\"" },
		{ "-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n", "no \"SSHSIG\"" },
		{ "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n",
		  "truncated signature" },
		{ "-----BEGIN SSH SIGNATURE-----\nU1NIU0l\n-----END SSH SIGNATURE-----\n",
		  "invalid base64" },
		{ "-----BEGIN SSH SIGNATURE-----\nU1NI*0lH\n-----END SSH SIGNATURE-----\n",
		  "invalid base64" },
		{ "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\nmore",
		  "text after" },
	};
	size_t len;
	_cleanup_free_ char *sig = read_fixture("ed25519.sig", &len);

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		assert_verdict(
		        check_buf(MAIN, cases[i].text, strlen(cases[i].text), "x", 1, SIGNED_AT),
		        SOURCE_SIGNATURE_MALFORMED, cases[i].reason);
	/* a NUL in the armour, and a signature cut short at every byte */
	sig[40] = '\0';
	assert_verdict(check_buf(MAIN, sig, len, "x", 1, SIGNED_AT), SOURCE_SIGNATURE_MALFORMED,
	               "invalid base64");
	free(sig);
	sig = read_fixture("ed25519.sig", &len);
	for (size_t cut = 1; cut < len - 2; cut++)
		assert_int_equal(check_buf(MAIN, sig, cut, "x", 1, SIGNED_AT).status,
		                 SOURCE_SIGNATURE_MALFORMED);
	/* too large to look at */
	{
		size_t big = 65 * 1024;
		_cleanup_free_ char *huge = malloc(big);

		assert_non_null(huge);
		memset(huge, 'A', big);
		memcpy(huge, sig, len);
		assert_verdict(check_buf(MAIN, huge, big, "x", 1, SIGNED_AT),
		               SOURCE_SIGNATURE_MALFORMED, "more than the");
	}
}

static void add_string(struct strbuf *b, const char *s)
{
	size_t len = strlen(s);
	char n[4] = { (char)(len >> 24), (char)(len >> 16), (char)(len >> 8), (char)len };

	strbuf_add(b, n, sizeof(n));
	strbuf_add(b, s, len);
}

/*
 * The ed25519 signature's blob: "SSHSIG" (0), version (6), key string (10: its length,
 * then "ssh-ed25519" and the 32 key bytes), namespace, reserved, hash algorithm, signature.
 */
#define AT_VERSION   6
#define AT_KEY       10
#define AT_KEY_TYPE  14 /* the length of the key's type name */
#define AT_KEY_BYTES 29 /* the length of its 32 bytes */
#define AT_NAMESPACE 65
#define AT_RESERVED  72
#define AT_HASH      76
#define AT_SIGNATURE 86
#define AT_SIG_TYPE  90 /* inside the signature: its algorithm's name */
#define AT_SIG_BYTES 105

static void test_source_sshsig_verify__malformed_blob(void **state)
{
	static const struct {
		size_t at;
		uint32_t value;
		const char *reason;
	} lengths[] = {
		{ AT_VERSION, 2, "signature version 2, only 1 is known" },
		{ AT_VERSION, 0, "signature version 0" },
		{ AT_KEY, 0xffffffff, "truncated signature" },
		{ AT_KEY, 0xfffffff0, "truncated signature" },
		{ AT_KEY, 0, "97 bytes after the signature" },
		{ AT_KEY_TYPE, 0xffffffff, "invalid public key" },
		{ AT_KEY_TYPE, 10, "unsupported key type ssh-ed2551" },
		{ AT_KEY_BYTES, 0x7fffffff, "invalid ED25519 public key" },
		{ AT_KEY_BYTES, 31, "invalid ED25519 public key" },
		{ AT_NAMESPACE, 0xffffffff, "truncated signature" },
		{ AT_RESERVED, 0x80000000, "truncated signature" },
		{ AT_HASH, 0xfffffffc, "truncated signature" },
		{ AT_SIGNATURE, 0xffffffff, "truncated signature" },
		{ AT_SIGNATURE, 0, "83 bytes after the signature" },
		{ AT_SIG_TYPE, 0xfffffff9, "invalid ED25519 signature" },
		{ AT_SIG_BYTES, 0xffffffff, "invalid ED25519 signature" },
	};
	_cleanup_strbuf_ struct strbuf blob = STRBUF_INIT;

	(void)state;
	fixture_blob("ed25519", &blob);
	assert_int_equal(blob.len, AT_SIG_BYTES + 4 + 64);
	assert_int_equal(check_blob(blob.buf, blob.len).status, SOURCE_SIGNATURE_GOOD);
	for (size_t i = 0; i < ELEMENTSOF(lengths); i++) {
		_cleanup_strbuf_ struct strbuf b = STRBUF_INIT;

		strbuf_addbuf(&b, &blob);
		put_be32(&b, lengths[i].at, lengths[i].value);
		assert_verdict(check_blob(b.buf, b.len), SOURCE_SIGNATURE_MALFORMED,
		               lengths[i].reason);
	}
	/* a byte too many, a hash algorithm we do not take, a key type no one knows */
	{
		_cleanup_strbuf_ struct strbuf b = STRBUF_INIT;

		strbuf_addbuf(&b, &blob);
		strbuf_addch(&b, '\0');
		assert_verdict(check_blob(b.buf, b.len), SOURCE_SIGNATURE_MALFORMED,
		               "1 bytes after the signature");
		strbuf_setlen(&b, blob.len);
		memcpy(b.buf + AT_HASH + 4, "sha384", 6);
		assert_verdict(check_blob(b.buf, b.len), SOURCE_SIGNATURE_MALFORMED,
		               "unsupported hash algorithm sha384");
		memcpy(b.buf + AT_HASH + 4, "sha512", 6);
		memcpy(b.buf + AT_KEY_TYPE + 4, "ssh-ed25518", 11);
		assert_verdict(check_blob(b.buf, b.len), SOURCE_SIGNATURE_MALFORMED,
		               "unsupported key type ssh-ed25518");
		memcpy(b.buf + AT_KEY_TYPE + 4, "ssh-ed25519", 11);
		memcpy(b.buf + AT_SIG_TYPE + 4, "ssh-ed25518", 11);
		assert_verdict(check_blob(b.buf, b.len), SOURCE_SIGNATURE_MALFORMED,
		               "ssh-ed25518 signature algorithm for an ED25519 key");
	}
}

/* The ed25519 signature's blob with another namespace and reserved field. */
static struct source_signature check_fields(const char *namespace, const char *reserved)
{
	_cleanup_strbuf_ struct strbuf blob = STRBUF_INIT, b = STRBUF_INIT;
	size_t data_len;
	_cleanup_free_ char *data = read_fixture("commit.txt", &data_len);
	_cleanup_strbuf_ struct strbuf armour = STRBUF_INIT;

	fixture_blob("ed25519", &blob);
	strbuf_add(&b, blob.buf, AT_NAMESPACE);
	add_string(&b, namespace);
	add_string(&b, reserved);
	strbuf_add(&b, blob.buf + AT_HASH, blob.len - AT_HASH);
	strbuf_addstr(&armour, "-----BEGIN SSH SIGNATURE-----\n");
	base64_encode(b.buf, b.len, &armour);
	strbuf_addstr(&armour, "\n-----END SSH SIGNATURE-----\n");
	return check_buf(MAIN, armour.buf, armour.len, data, data_len, SIGNED_AT);
}

static void test_source_sshsig_verify__fields(void **state)
{
	(void)state;
	assert_int_equal(check_fields("git", "").status, SOURCE_SIGNATURE_GOOD);
	/* the reserved field is not signed: OpenSSH verifies as if it were empty */
	assert_int_equal(check_fields("git", "future").status, SOURCE_SIGNATURE_GOOD);
	assert_verdict(check_fields("", ""), SOURCE_SIGNATURE_MALFORMED,
	               "empty signature namespace");
	/* the namespace is signed: claiming "git" for a "file" signature breaks it */
	assert_verdict(check_fields("gitx", ""), SOURCE_SIGNATURE_BAD, "does not verify");
}

/* A certificate's principal changed: the key's signature holds, the CA's does not. */
static void test_source_sshsig_verify__forged_certificate(void **state)
{
	_cleanup_strbuf_ struct strbuf blob = STRBUF_INIT;
	char *at;

	(void)state;
	fixture_blob("cert", &blob);
	at = memmem(blob.buf, blob.len, "erin@example.com", 16);
	assert_non_null(at);
	memcpy(at, "mallory@exa.com", 16);
	assert_verdict(check_blob(blob.buf, blob.len), SOURCE_SIGNATURE_BAD,
	               "certificate: Signature does not verify");
}

/* Every prefix of a blob, and every byte of it changed: never GOOD, never a crash. */
static void test_source_sshsig_verify__mutations(void **state)
{
	static const char *const names[] = { "ed25519", "rsa", "ecdsa521", "sk-ecdsa", "cert" };

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		_cleanup_strbuf_ struct strbuf blob = STRBUF_INIT;

		fixture_blob(names[i], &blob);
		assert_int_equal(check_blob(blob.buf, blob.len).status, SOURCE_SIGNATURE_GOOD);
		for (size_t cut = 0; cut < blob.len; cut++)
			assert_int_equal(check_blob(blob.buf, cut).status,
			                 SOURCE_SIGNATURE_MALFORMED);
		for (size_t at = 0; at < blob.len; at++) {
			blob.buf[at] ^= 0x41;
			assert_int_not_equal(check_blob(blob.buf, blob.len).status,
			                     SOURCE_SIGNATURE_GOOD);
			blob.buf[at] ^= 0x41;
		}
	}
}

static void test_source_sshsig_verify__allowed_signers_errors(void **state)
{
	static const struct {
		const char *name;
		const char *message;
	} cases[] = {
		{ "unknown-option", "unknown option 'namespace'" },
		{ "unquoted", "namespaces= wants a value in double quotes" },
		{ "open-quote", "unterminated quote in options" },
		{ "twice", "more than one namespaces= option" },
		{ "bad-time", "valid-after= wants a time" },
		{ "bad-date", "valid-after= wants a time" },
		{ "before-after", "valid-before is not after valid-after" },
		{ "no-key", "no key after the principals" },
		{ "no-key-after-options", "no key after the options" },
		{ "bad-base64", "invalid base64 in the key" },
		{ "type-mismatch", "ssh-rsa key where the line says ssh-ed25519" },
		{ "unknown-type", "unknown key type or option 'ssh-foo'" },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *file = NULL, *want = NULL, *sig = NULL;
		struct source_signature v = { .status = SOURCE_SIGNATURE_GOOD };
		struct error e = ERROR_INIT;
		size_t len;

		assert_true(asprintf(&file, DATA "bad/%s", cases[i].name) > 0);
		assert_true(asprintf(&want, "%s:3: %s", file, cases[i].message) > 0);
		sig = read_fixture("ed25519.sig", &len);
		assert_int_equal(source_sshsig_verify(file, sig, len, "x", 1, SIGNED_AT, &v, &e),
		                 -EBADMSG);
		if (!startswith(e.message, want))
			fail_msg("\"%s\" does not start with \"%s\"", e.message, want);
		assert_string_equal(e.file, file);
		assert_int_equal(e.line, 3);
		/* nothing written on failure */
		assert_int_equal(v.status, SOURCE_SIGNATURE_GOOD);
	}
}

static void test_source_sshsig_verify__unreadable_file(void **state)
{
	struct source_signature v;
	struct error e = ERROR_INIT;
	size_t len;
	_cleanup_free_ char *sig = read_fixture("ed25519.sig", &len);

	(void)state;
	assert_int_equal(
	        source_sshsig_verify(DATA "no-such-file", sig, len, "x", 1, SIGNED_AT, &v, &e),
	        -ENOENT);
	assert_non_null(strstr(e.message, DATA "no-such-file"));
	assert_int_equal(source_sshsig_verify(DATA "bad", sig, len, "x", 1, SIGNED_AT, &v, NULL),
	                 -EISDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_sshsig_verify__ed25519),
		cmocka_unit_test(test_source_sshsig_verify__rsa),
		cmocka_unit_test(test_source_sshsig_verify__ecdsa),
		cmocka_unit_test(test_source_sshsig_verify__security_keys),
		cmocka_unit_test(test_source_sshsig_verify__certificate),
		cmocka_unit_test(test_source_sshsig_verify__not_listed),
		cmocka_unit_test(test_source_sshsig_verify__other_namespace),
		cmocka_unit_test(test_source_sshsig_verify__namespaces_option),
		cmocka_unit_test(test_source_sshsig_verify__validity_window),
		cmocka_unit_test(test_source_sshsig_verify__local_time),
		cmocka_unit_test(test_source_sshsig_verify__local_time_summer),
		cmocka_unit_test(test_source_sshsig_verify__first_admitting_line),
		cmocka_unit_test(test_source_sshsig_verify__tampered),
		cmocka_unit_test(test_source_sshsig_verify__rsa_sha1),
		cmocka_unit_test(test_source_sshsig_verify__unsigned),
		cmocka_unit_test(test_source_sshsig_verify__not_configured),
		cmocka_unit_test(test_source_sshsig_verify__crlf_armour),
		cmocka_unit_test(test_source_sshsig_verify__malformed_armour),
		cmocka_unit_test(test_source_sshsig_verify__malformed_blob),
		cmocka_unit_test(test_source_sshsig_verify__fields),
		cmocka_unit_test(test_source_sshsig_verify__forged_certificate),
		cmocka_unit_test(test_source_sshsig_verify__mutations),
		cmocka_unit_test(test_source_sshsig_verify__allowed_signers_errors),
		cmocka_unit_test(test_source_sshsig_verify__unreadable_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
