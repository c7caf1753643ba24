/*
 * SSH commit signatures, checked as `git verify-commit` has ssh-keygen check them when
 * gpg.format=ssh: OpenSSH's SSHSIG format (PROTOCOL.sshsig) in namespace "git", trusted
 * through an allowed-signers file (ssh-keygen(1), ALLOWED SIGNERS). The cryptography is
 * OpenSSL's, through core/crypto.h.
 *
 * Everything in a signature is untrusted: each length is checked against what is left
 * before it is used, and anything that does not parse is a MALFORMED verdict, never an
 * error of the check itself. The allowed-signers file is configuration: a line that does
 * not parse fails the check, as it fails ssh-keygen.
 *
 * Where OpenSSH is loose we are stricter, never looser: a signature's version must be 1;
 * SHA-1 RSA signatures are refused on certificates too; a certificate with a critical
 * option we do not know is not trusted; a valid-after/valid-before date that does not
 * exist (February 30) is an error, not the day mktime() makes of it. One difference the
 * other way round is deliberate: a time without "Z" is the local wall-clock time, where
 * ssh-keygen reads it as standard time and is an hour late in summer.
 */

#include "source/source.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/alloc.h"
#include "core/base64.h"
#include "core/crypto.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/macro.h"
#include "core/strbuf.h"
#include "source/internal.h"

#define SSHSIG_MAX_BYTES          (64u << 10)
#define ALLOWED_SIGNERS_MAX_BYTES (4u << 20)
#define SSHSIG_MAGIC              "SSHSIG"
#define SSHSIG_VERSION            1
#define SSHSIG_NAMESPACE          "git"
#define ARMOUR_BEGIN              "-----BEGIN SSH SIGNATURE-----"
#define ARMOUR_END                "-----END SSH SIGNATURE-----"
#define CERT_SUFFIX               "-cert-v01@openssh.com"
#define CERT_TYPE_USER            1
#define CERT_MAX_PRINCIPALS       256
/* what a security key sets in its flags when it verified the user (PIN, biometrics) */
#define SK_USER_VERIFIED 0x04

/* Bytes inside a buffer someone else owns. */
struct span {
	const uint8_t *p;
	size_t len;
};

static bool span_eq(struct span s, const char *str)
{
	return s.len == strlen(str) && memcmp(s.p, str, s.len) == 0;
}

/*
 * Untrusted text for a message: printable ASCII as is, anything else as '?', cut at 64
 * characters.
 */
static const char *printable(struct span s, char *buf, size_t size)
{
	size_t limit = MIN(size - 1, (size_t)64);
	size_t n = MIN(s.len, limit);

	for (size_t i = 0; i < n; i++)
		buf[i] = s.p[i] >= 0x20 && s.p[i] < 0x7f ? (char)s.p[i] : '?';
	buf[n] = '\0';
	return buf;
}

/* RFC 4251 section 5 data types, read from untrusted bytes. */

struct reader {
	const uint8_t *p;
	size_t left;
};

static bool read_bytes(struct reader *r, size_t n, struct span *ret)
{
	if (n > r->left)
		return false;
	ret->p = r->p;
	ret->len = n;
	r->p += n;
	r->left -= n;
	return true;
}

static bool read_u8(struct reader *r, uint8_t *ret)
{
	struct span s;

	if (!read_bytes(r, 1, &s))
		return false;
	*ret = s.p[0];
	return true;
}

static bool read_u32(struct reader *r, uint32_t *ret)
{
	struct span s;

	if (!read_bytes(r, 4, &s))
		return false;
	*ret = (uint32_t)s.p[0] << 24 | (uint32_t)s.p[1] << 16 | (uint32_t)s.p[2] << 8 | s.p[3];
	return true;
}

static bool read_u64(struct reader *r, uint64_t *ret)
{
	uint32_t hi, lo;

	if (!read_u32(r, &hi) || !read_u32(r, &lo))
		return false;
	*ret = (uint64_t)hi << 32 | lo;
	return true;
}

static bool read_string(struct reader *r, struct span *ret)
{
	uint32_t n;

	return read_u32(r, &n) && read_bytes(r, n, ret);
}

/* A string that is text: no NUL inside, as OpenSSH's sshbuf_get_cstring() wants. */
static bool read_cstring(struct reader *r, struct span *ret)
{
	return read_string(r, ret) && !memchr(ret->p, '\0', ret->len);
}

/* A non-negative mpint, its leading zero bytes skipped. */
static bool read_mpint(struct reader *r, struct span *ret)
{
	if (!read_string(r, ret))
		return false;
	if (ret->len > 0 && (ret->p[0] & 0x80))
		return false;
	while (ret->len > 0 && ret->p[0] == 0) {
		ret->p++;
		ret->len--;
	}
	return true;
}

static void put_u32(struct strbuf *sb, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	strbuf_add(sb, b, sizeof(b));
}

static void put_string(struct strbuf *sb, const void *p, size_t len)
{
	put_u32(sb, (uint32_t)len);
	strbuf_add(sb, p, len);
}

static void put_cstring(struct strbuf *sb, const char *s)
{
	put_string(sb, s, strlen(s));
}

/* An mpint as RFC 4251 writes it: no leading zeros but one before a high bit. */
static void put_mpint(struct strbuf *sb, struct span v)
{
	bool pad = v.len > 0 && (v.p[0] & 0x80);

	put_u32(sb, (uint32_t)(v.len + pad));
	if (pad)
		strbuf_addch(sb, '\0');
	strbuf_add(sb, v.p, v.len);
}

/* Key types. */

enum key_kind {
	KIND_ED25519,
	KIND_RSA,
	KIND_ECDSA,
	KIND_SK_ED25519,
	KIND_SK_ECDSA,
};

struct key_type {
	const char *name;  /* in blobs and allowed-signers lines */
	const char *label; /* as ssh-keygen names it in messages */
	enum key_kind kind;
	enum crypto_key_type crypto;
	const char *curve;         /* ECDSA: the curve's SSH name */
	enum crypto_digest digest; /* ECDSA: the hash its signatures use */
};

static const struct key_type key_types[] = {
	{ "ssh-ed25519", "ED25519", KIND_ED25519, CRYPTO_KEY_ED25519, NULL, CRYPTO_DIGEST_NONE },
	{ "ssh-rsa", "RSA", KIND_RSA, CRYPTO_KEY_RSA, NULL, CRYPTO_DIGEST_NONE },
	{ "ecdsa-sha2-nistp256", "ECDSA", KIND_ECDSA, CRYPTO_KEY_ECDSA_P256, "nistp256",
	  CRYPTO_DIGEST_SHA256 },
	{ "ecdsa-sha2-nistp384", "ECDSA", KIND_ECDSA, CRYPTO_KEY_ECDSA_P384, "nistp384",
	  CRYPTO_DIGEST_SHA384 },
	{ "ecdsa-sha2-nistp521", "ECDSA", KIND_ECDSA, CRYPTO_KEY_ECDSA_P521, "nistp521",
	  CRYPTO_DIGEST_SHA512 },
	{ "sk-ssh-ed25519@openssh.com", "ED25519-SK", KIND_SK_ED25519, CRYPTO_KEY_ED25519, NULL,
	  CRYPTO_DIGEST_NONE },
	{ "sk-ecdsa-sha2-nistp256@openssh.com", "ECDSA-SK", KIND_SK_ECDSA, CRYPTO_KEY_ECDSA_P256,
	  "nistp256", CRYPTO_DIGEST_SHA256 },
};

/* The type named name (len bytes), plain or as a certificate ("<name>-cert-v01@openssh.com"). */
static const struct key_type *key_type_find(const void *name, size_t len, bool *ret_is_cert)
{
	size_t suffix = strlen(CERT_SUFFIX);
	bool is_cert =
	        len > suffix && memcmp((const char *)name + len - suffix, CERT_SUFFIX, suffix) == 0;

	/* ssh-rsa certificates are "ssh-rsa-cert-v01@openssh.com", and so on for all */
	if (is_cert)
		len -= suffix;
	for (size_t i = 0; i < ELEMENTSOF(key_types); i++)
		if (strlen(key_types[i].name) == len && memcmp(key_types[i].name, name, len) == 0) {
			*ret_is_cert = is_cert;
			return &key_types[i];
		}
	return NULL;
}

/* A public key, or a certificate and the key it certifies, inside a blob someone owns. */
struct ssh_key {
	const struct key_type *type;
	struct span pk;          /* Ed25519: 32 bytes; ECDSA: the point; RSA: n */
	struct span e;           /* RSA */
	struct span application; /* security keys: "ssh:" usually */

	bool is_cert;
	uint32_t cert_type; /* CERT_TYPE_USER or host */
	struct span cert_principals;
	uint64_t cert_valid_after, cert_valid_before;
	struct span cert_critical;
	struct span cert_ca;        /* the CA's key blob */
	struct span cert_signed;    /* what the CA signed: the blob up to its signature */
	struct span cert_signature; /* the CA's signature blob */
};

static int read_key_fields(struct reader *r, struct ssh_key *k, struct error *reterr)
{
	const struct key_type *t = k->type;
	struct span curve;
	bool ok;

	switch (t->kind) {
	case KIND_ED25519:
	case KIND_SK_ED25519:
		ok = read_string(r, &k->pk) && k->pk.len == 32;
		break;
	case KIND_RSA:
		ok = read_mpint(r, &k->e) && read_mpint(r, &k->pk);
		break;
	default:
		ok = read_string(r, &curve) && span_eq(curve, t->curve) && read_string(r, &k->pk);
		break;
	}
	if (ok && (t->kind == KIND_SK_ED25519 || t->kind == KIND_SK_ECDSA))
		ok = read_cstring(r, &k->application);
	if (!ok)
		return error_set(reterr, -EINVAL, "invalid %s public key", t->label);
	return 0;
}

/* The fields of a certificate after the key's (PROTOCOL.certkeys). */
static int read_cert_fields(struct reader *r, struct span blob, struct ssh_key *k,
                            struct error *reterr)
{
	struct span ignored;
	uint64_t serial;

	if (!read_u64(r, &serial) || !read_u32(r, &k->cert_type) ||
	    !read_cstring(r, &ignored) /* key id */ || !read_string(r, &k->cert_principals) ||
	    !read_u64(r, &k->cert_valid_after) || !read_u64(r, &k->cert_valid_before) ||
	    !read_string(r, &k->cert_critical) || !read_string(r, &ignored) /* extensions */ ||
	    !read_string(r, &ignored) /* reserved */ || !read_string(r, &k->cert_ca))
		return error_set(reterr, -EINVAL, "invalid %s certificate", k->type->label);
	k->cert_signed.p = blob.p;
	k->cert_signed.len = blob.len - r->left;
	if (!read_string(r, &k->cert_signature))
		return error_set(reterr, -EINVAL, "invalid %s certificate", k->type->label);
	return 0;
}

/*
 * Parse a key blob (RFC 4253 6.6, RFC 5656 3.1, PROTOCOL.u2f, PROTOCOL.certkeys); a
 * certificate only with allow_cert. -EINVAL with the reason when it is not one we take.
 */
static int parse_key(struct span blob, bool allow_cert, struct ssh_key *ret, struct error *reterr)
{
	struct reader r = { blob.p, blob.len };
	struct ssh_key k = { 0 };
	struct span name, nonce;
	char text[80];
	int e;

	if (!read_cstring(&r, &name))
		return error_set(reterr, -EINVAL, "invalid public key");
	k.type = key_type_find(name.p, name.len, &k.is_cert);
	if (!k.type)
		return error_set(reterr, -EINVAL, "unsupported key type %s",
		                 printable(name, text, sizeof(text)));
	if (k.is_cert && !allow_cert)
		return error_set(reterr, -EINVAL, "a certificate (%s) where a plain key belongs",
		                 printable(name, text, sizeof(text)));
	if (k.is_cert && !read_string(&r, &nonce))
		return error_set(reterr, -EINVAL, "invalid %s certificate", k.type->label);
	e = read_key_fields(&r, &k, reterr);
	if (e < 0)
		return e;
	if (k.is_cert) {
		e = read_cert_fields(&r, blob, &k, reterr);
		if (e < 0)
			return e;
	}
	if (r.left != 0)
		return error_set(reterr, -EINVAL, "%zu bytes after the %s key", r.left,
		                 k.type->label);
	*ret = k;
	return 0;
}

/* The blob of the plain key (a certificate's too) as OpenSSH writes it, to fingerprint and compare.
 */
static void key_encode(const struct ssh_key *k, struct strbuf *out)
{
	put_cstring(out, k->type->name);
	switch (k->type->kind) {
	case KIND_ED25519:
	case KIND_SK_ED25519:
		put_string(out, k->pk.p, k->pk.len);
		break;
	case KIND_RSA:
		put_mpint(out, k->e);
		put_mpint(out, k->pk);
		break;
	default:
		put_cstring(out, k->type->curve);
		put_string(out, k->pk.p, k->pk.len);
		break;
	}
	if (k->type->kind == KIND_SK_ED25519 || k->type->kind == KIND_SK_ECDSA)
		put_string(out, k->application.p, k->application.len);
}

/* "SHA256:" and the unpadded base64 of the SHA-256 of the key's blob, as ssh-keygen -l. */
static int key_fingerprint(const struct ssh_key *k, char *out, size_t size, struct error *reterr)
{
	_cleanup_strbuf_ struct strbuf blob = STRBUF_INIT, b64 = STRBUF_INIT;
	uint8_t digest[CRYPTO_SHA256_DIGEST_SIZE];
	int r;

	key_encode(k, &blob);
	r = crypto_sha256(blob.buf, blob.len, digest, reterr);
	if (r < 0)
		return r;
	base64_encode(digest, sizeof(digest), &b64);
	while (b64.len > 0 && b64.buf[b64.len - 1] == '=')
		strbuf_setlen(&b64, b64.len - 1);
	(void)snprintf(out, size, "SHA256:%s", b64.buf);
	return 0;
}

/* Signatures of keys (RFC 4253 6.6, RFC 5656 3.1.2, RFC 8332, RFC 8709, PROTOCOL.u2f). */

/* An ECDSA signature's mpints r and s, as the r || s crypto_verify() takes. */
static int ecdsa_rs(struct span blob, size_t scalar, uint8_t *out, struct error *reterr)
{
	struct reader r = { blob.p, blob.len };
	struct span rs[2];

	if (!read_mpint(&r, &rs[0]) || !read_mpint(&r, &rs[1]) || r.left != 0 ||
	    rs[0].len > scalar || rs[1].len > scalar)
		return error_set(reterr, -EINVAL, "invalid ECDSA signature");
	memset(out, 0, 2 * scalar);
	memcpy(out + scalar - rs[0].len, rs[0].p, rs[0].len);
	memcpy(out + 2 * scalar - rs[1].len, rs[1].p, rs[1].len);
	return 0;
}

/*
 * What a security key signs: SHA-256(application) || flags || counter || SHA-256(message)
 * (PROTOCOL.u2f, "SSH U2F signatures").
 */
static int sk_signed_data(const struct ssh_key *k, uint8_t flags, uint32_t counter, const void *msg,
                          size_t msg_len, uint8_t out[69], struct error *reterr)
{
	int r;

	r = crypto_sha256(k->application.p, k->application.len, out, reterr);
	if (r < 0)
		return r;
	out[32] = flags;
	out[33] = (uint8_t)(counter >> 24);
	out[34] = (uint8_t)(counter >> 16);
	out[35] = (uint8_t)(counter >> 8);
	out[36] = (uint8_t)counter;
	return crypto_sha256(msg, msg_len, out + 37, reterr);
}

/*
 * Check the signature blob sig over msg with k's key. 0 when it verifies; -EBADMSG when it
 * does not (or is an RSA signature with SHA-1); -EINVAL when it is malformed or the key
 * cannot be used; other codes when the check could not run. *ret_sk_flags gets the flags
 * of a security key's signature (0 for others).
 */
static int signature_check(const struct ssh_key *k, struct span sig, const void *msg,
                           size_t msg_len, uint8_t *ret_sk_flags, struct error *reterr)
{
	const struct key_type *t = k->type;
	struct crypto_public_key key = {
		.type = t->crypto,
		.key = k->pk.p,
		.key_len = k->pk.len,
		.exponent = k->e.p,
		.exponent_len = k->e.len,
	};
	struct reader r = { sig.p, sig.len };
	size_t scalar = crypto_ecdsa_scalar_size(t->crypto);
	enum crypto_digest digest = t->digest;
	uint8_t rs[2 * 66], sk_data[69], flags = 0;
	struct span alg, blob;
	uint32_t counter = 0;
	char text[80];
	int e;

	if (!read_cstring(&r, &alg) || !read_string(&r, &blob))
		return error_set(reterr, -EINVAL, "invalid %s signature", t->label);
	if (t->kind == KIND_RSA) {
		if (span_eq(alg, "rsa-sha2-256"))
			digest = CRYPTO_DIGEST_SHA256;
		else if (span_eq(alg, "rsa-sha2-512"))
			digest = CRYPTO_DIGEST_SHA512;
		else if (span_eq(alg, "ssh-rsa"))
			return error_set(reterr, -EBADMSG,
			                 "RSA signature with SHA-1 (ssh-rsa) is not accepted");
		else
			return error_set(reterr, -EINVAL, "unsupported RSA signature algorithm %s",
			                 printable(alg, text, sizeof(text)));
	} else if (!span_eq(alg, t->name)) {
		return error_set(reterr, -EINVAL, "%s signature algorithm for an %s key",
		                 printable(alg, text, sizeof(text)), t->label);
	}
	if ((t->kind == KIND_SK_ED25519 || t->kind == KIND_SK_ECDSA) &&
	    (!read_u8(&r, &flags) || !read_u32(&r, &counter)))
		return error_set(reterr, -EINVAL, "invalid %s signature", t->label);
	if (r.left != 0)
		return error_set(reterr, -EINVAL, "%zu bytes after the %s signature", r.left,
		                 t->label);

	if (t->kind == KIND_SK_ED25519 || t->kind == KIND_SK_ECDSA) {
		e = sk_signed_data(k, flags, counter, msg, msg_len, sk_data, reterr);
		if (e < 0)
			return e;
		msg = sk_data;
		msg_len = sizeof(sk_data);
	}
	if (t->kind == KIND_ECDSA || t->kind == KIND_SK_ECDSA) {
		e = ecdsa_rs(blob, scalar, rs, reterr);
		if (e < 0)
			return e;
		blob.p = rs;
		blob.len = 2 * scalar;
	} else if (t->kind != KIND_RSA && blob.len != 64) {
		return error_set(reterr, -EINVAL, "invalid %s signature", t->label);
	}
	e = crypto_verify(&key, digest, blob.p, blob.len, msg, msg_len, reterr);
	if (e < 0)
		return e;
	*ret_sk_flags = flags;
	return 0;
}

/* SSHSIG (PROTOCOL.sshsig). */

struct sshsig {
	struct span key;
	struct span namespace;
	struct span hash_alg;
	struct span signature;
};

/* The blob of an armoured signature into out. -EINVAL with the reason. */
static int sshsig_dearmor(const char *text, size_t len, struct strbuf *out, struct error *reterr)
{
	_cleanup_strbuf_ struct strbuf b64 = STRBUF_INIT;
	size_t begin = strlen(ARMOUR_BEGIN);
	const char *body, *end;

	if (len < begin || memcmp(text, ARMOUR_BEGIN, begin) != 0)
		return error_set(reterr, -EINVAL, "not an SSH signature: no \"%s\"", ARMOUR_BEGIN);
	body = text + begin;
	if (body < text + len && *body == '\r')
		body++;
	if (body >= text + len || *body != '\n')
		return error_set(reterr, -EINVAL, "no line break after \"%s\"", ARMOUR_BEGIN);
	end = memmem(body, (size_t)(text + len - body), "\n" ARMOUR_END, strlen(ARMOUR_END) + 1);
	if (!end)
		return error_set(reterr, -EINVAL, "no \"%s\"", ARMOUR_END);
	for (const char *p = end + 1 + strlen(ARMOUR_END); p < text + len; p++)
		if (!strchr(" \t\r\n", *p) || *p == '\0')
			return error_set(reterr, -EINVAL, "text after \"%s\"", ARMOUR_END);
	for (const char *p = body; p < end; p++)
		if (*p == '\0' || !strchr(" \t\r\n", *p))
			strbuf_addch(&b64, *p);
	if (base64_decode(b64.buf, b64.len, out) < 0)
		return error_set(reterr, -EINVAL, "invalid base64 in the signature");
	return 0;
}

static int sshsig_parse(struct span blob, struct sshsig *ret, struct error *reterr)
{
	struct reader r = { blob.p, blob.len };
	struct span magic, reserved;
	uint32_t version;

	if (!read_bytes(&r, strlen(SSHSIG_MAGIC), &magic) || !span_eq(magic, SSHSIG_MAGIC))
		return error_set(reterr, -EINVAL, "no \"%s\" at the start of the signature",
		                 SSHSIG_MAGIC);
	if (!read_u32(&r, &version))
		return error_set(reterr, -EINVAL, "truncated signature");
	if (version != SSHSIG_VERSION)
		return error_set(reterr, -EINVAL, "signature version %u, only %u is known", version,
		                 SSHSIG_VERSION);
	if (!read_string(&r, &ret->key) || !read_cstring(&r, &ret->namespace) ||
	    !read_string(&r, &reserved) || !read_cstring(&r, &ret->hash_alg) ||
	    !read_string(&r, &ret->signature))
		return error_set(reterr, -EINVAL, "truncated signature");
	if (r.left != 0)
		return error_set(reterr, -EINVAL, "%zu bytes after the signature", r.left);
	if (ret->namespace.len == 0)
		return error_set(reterr, -EINVAL, "empty signature namespace");
	return 0;
}

/*
 * What the key signed: the magic, the namespace, the reserved field, the hash algorithm
 * and the hash of the data. The reserved field goes in empty whatever the signature holds,
 * as OpenSSH verifies it; every signature it makes has it empty.
 */
static int sshsig_signed_data(const struct sshsig *s, const void *data, size_t len,
                              struct strbuf *out, struct error *reterr)
{
	uint8_t digest[CRYPTO_DIGEST_SIZE_MAX];
	enum crypto_digest d;
	char text[80];
	int r;

	if (span_eq(s->hash_alg, "sha256"))
		d = CRYPTO_DIGEST_SHA256;
	else if (span_eq(s->hash_alg, "sha512"))
		d = CRYPTO_DIGEST_SHA512;
	else
		return error_set(reterr, -EINVAL, "unsupported hash algorithm %s",
		                 printable(s->hash_alg, text, sizeof(text)));
	r = crypto_digest(d, data, len, digest, reterr);
	if (r < 0)
		return r;
	strbuf_add(out, SSHSIG_MAGIC, strlen(SSHSIG_MAGIC));
	put_string(out, s->namespace.p, s->namespace.len);
	put_string(out, "", 0);
	put_string(out, s->hash_alg.p, s->hash_alg.len);
	put_string(out, digest, crypto_digest_size(d));
	return 0;
}

/* The allowed-signers file (ssh-keygen(1), ALLOWED SIGNERS). */

struct allowed_signer {
	unsigned line;
	char *principals; /* comma-separated patterns */
	char *namespaces; /* comma-separated patterns; NULL for every namespace */
	bool is_ca;
	int64_t valid_after, valid_before; /* 0 when not given */
	bool is_usable;                    /* false for a type this code does not check */
	struct strbuf key;                 /* as key_encode() writes it */
};

struct allowed_signers {
	struct allowed_signer *v;
	size_t n;
};

static void allowed_signers_release(struct allowed_signers *list)
{
	for (size_t i = 0; i < list->n; i++) {
		free(list->v[i].principals);
		free(list->v[i].namespaces);
		strbuf_release(&list->v[i].key);
	}
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

static void skip_blanks(char **p)
{
	*p += strspn(*p, " \t");
}

/*
 * A time of valid-after/valid-before: YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, UTC with
 * a "Z" or "UTC" suffix, local time (TZ) without, as ssh-keygen reads it.
 */
static int parse_time(const char *s, int64_t *ret)
{
	size_t len = strlen(s);
	int v[6] = { 0, 1, 1, 0, 0, 0 };
	bool is_utc = false;
	struct tm tm = { 0 };
	time_t t;

	if (len > 1 && (s[len - 1] == 'Z' || s[len - 1] == 'z')) {
		is_utc = true;
		len--;
	} else if (len > 3 && strcasecmp(s + len - 3, "UTC") == 0) {
		is_utc = true;
		len -= 3;
	}
	if (len != 8 && len != 12 && len != 14)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		/* fields: four digits of year, then two each */
		if (i < 4)
			v[0] = v[0] * 10 + (s[i] - '0');
		else if ((i - 4) % 2 == 0)
			v[1 + (i - 4) / 2] = s[i] - '0';
		else
			v[1 + (i - 4) / 2] = v[1 + (i - 4) / 2] * 10 + (s[i] - '0');
	}
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 59)
		return -EINVAL;
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	/* as ssh-keygen does (and so git verify-commit): local standard time, even in summer */
	tm.tm_isdst = 0;
	t = is_utc ? timegm(&tm) : mktime(&tm);
	/* normalised into another day: a date that does not exist, such as February 30 */
	if (tm.tm_year != v[0] - 1900 || tm.tm_mon != v[1] - 1 || tm.tm_mday != v[2])
		return -EINVAL;
	if (t <= 0)
		return -EINVAL;
	*ret = (int64_t)t;
	return 0;
}

/* Copy the value of an option (`name="value"`, with \" inside) at *p and step past it. */
static int option_value(char **p, char **ret)
{
	struct strbuf sb = STRBUF_INIT;
	char *s = *p;

	if (*s != '"')
		return -EINVAL;
	for (s++; *s && *s != '"'; s++) {
		if (s[0] == '\\' && s[1] == '"')
			s++;
		strbuf_addch(&sb, *s);
	}
	if (*s != '"') {
		strbuf_release(&sb);
		return -EINVAL;
	}
	*p = s + 1;
	*ret = strbuf_detach(&sb, NULL);
	return 0;
}

/* The options of a line (opts, NUL-terminated) into a. -EBADMSG with the reason. */
static int parse_options(char *opts, struct allowed_signer *a, const struct error_pos *pos,
                         struct error *reterr)
{
	char *p = opts;

	while (*p) {
		_cleanup_free_ char *value = NULL;
		size_t n = strcspn(p, "=,");
		bool is_after;

		if (n == strlen("cert-authority") && strncasecmp(p, "cert-authority", n) == 0 &&
		    p[n] != '=') {
			a->is_ca = true;
			p += n;
		} else if (p[n] == '=' && n == strlen("namespaces") &&
		           strncasecmp(p, "namespaces", n) == 0) {
			if (a->namespaces)
				return error_set_at(reterr, -EBADMSG, pos,
				                    "more than one namespaces= option");
			p += n + 1;
			if (option_value(&p, &a->namespaces) < 0)
				return error_set_at(reterr, -EBADMSG, pos,
				                    "namespaces= wants a value in double quotes");
		} else if (p[n] == '=' &&
		           ((n == strlen("valid-after") && strncasecmp(p, "valid-after", n) == 0) ||
		            (n == strlen("valid-before") &&
		             strncasecmp(p, "valid-before", n) == 0))) {
			int64_t *t;

			is_after = n == strlen("valid-after");
			t = is_after ? &a->valid_after : &a->valid_before;
			if (*t != 0)
				return error_set_at(reterr, -EBADMSG, pos,
				                    "more than one %.*s= option", (int)n, p);
			p += n + 1;
			if (option_value(&p, &value) < 0 || parse_time(value, t) < 0)
				return error_set_at(reterr, -EBADMSG, pos,
				                    "%s= wants a time in double quotes: "
				                    "\"YYYYMMDD[HHMM[SS]][Z]\"",
				                    is_after ? "valid-after" : "valid-before");
		} else if (p[n] != '=') {
			return error_set_at(reterr, -EBADMSG, pos,
			                    "unknown key type or option '%.*s'", (int)n, p);
		} else {
			return error_set_at(reterr, -EBADMSG, pos, "unknown option '%.*s'", (int)n,
			                    p);
		}
		if (*p == '\0')
			break;
		if (*p != ',' || p[1] == '\0')
			return error_set_at(reterr, -EBADMSG, pos, "invalid options");
		p++;
	}
	if (a->valid_after != 0 && a->valid_before != 0 && a->valid_before <= a->valid_after)
		return error_set_at(reterr, -EBADMSG, pos, "valid-before is not after valid-after");
	return 0;
}

/* The principals, first on a line: a word, or a string in double quotes. */
static int parse_principals(char **p, char **ret)
{
	char *s = *p, *end;

	if (*s == '"') {
		end = strchr(s + 1, '"');
		if (!end)
			return -EINVAL;
		*ret = xstrndup(s + 1, (size_t)(end - s - 1));
		*p = end + 1;
	} else {
		size_t n = strcspn(s, " \t\"");

		if (s[n] == '"')
			return -EINVAL;
		*ret = xstrndup(s, n);
		*p = s + n;
	}
	if (**p != '\0' && !strchr(" \t", **p))
		return -EINVAL;
	return 0;
}

/* Where the options of a line end (sshkey_advance_past_options()); NULL at an open quote. */
static char *skip_options(char *p)
{
	bool quoted = false;

	for (; *p && (quoted || (*p != ' ' && *p != '\t')); p++) {
		if (p[0] == '\\' && p[1] == '"')
			p++;
		else if (*p == '"')
			quoted = !quoted;
	}
	return quoted ? NULL : p;
}

/* Does the word at p name a key type an allowed-signers line may hold? */
static bool is_key_type_word(const char *p)
{
	size_t n = strcspn(p, " \t");
	bool is_cert;

	/* DSA keys (and certificates) are known to OpenSSH: such a line is valid, never trusted */
	if ((n == strlen("ssh-dss") && strncmp(p, "ssh-dss", n) == 0) ||
	    (n == strlen("ssh-dss" CERT_SUFFIX) && strncmp(p, "ssh-dss" CERT_SUFFIX, n) == 0))
		return true;
	return key_type_find(p, n, &is_cert) != NULL;
}

/* "keytype base64 [comment]" at p into a. */
static int parse_key_words(char *p, struct allowed_signer *a, const struct error_pos *pos,
                           struct error *reterr)
{
	_cleanup_strbuf_ struct strbuf blob = STRBUF_INIT;
	struct error e = ERROR_INIT;
	size_t type_len = strcspn(p, " \t"), b64_len;
	const struct key_type *t;
	struct ssh_key k;
	struct span name;
	char *b64;
	bool is_cert = false;

	b64 = p + type_len;
	skip_blanks(&b64);
	b64_len = strcspn(b64, " \t");
	if (b64_len == 0)
		return error_set_at(reterr, -EBADMSG, pos, "no key after its type");
	if (base64_decode(b64, b64_len, &blob) < 0)
		return error_set_at(reterr, -EBADMSG, pos, "invalid base64 in the key");
	t = key_type_find(p, type_len, &is_cert);
	if (!t || is_cert) {
		/* a DSA key or a certificate: checked as far as its type, never trusted */
		struct reader r = { (const uint8_t *)blob.buf, blob.len };

		if (!read_string(&r, &name) || name.len != type_len ||
		    memcmp(name.p, p, type_len) != 0)
			return error_set_at(reterr, -EBADMSG, pos, "key of another type than %.*s",
			                    (int)type_len, p);
		a->is_usable = false;
		return 0;
	}
	if (parse_key((struct span){ (const uint8_t *)blob.buf, blob.len }, false, &k, &e) < 0)
		return error_set_at(reterr, -EBADMSG, pos, "%s", e.message);
	if (k.type != t)
		return error_set_at(reterr, -EBADMSG, pos, "%s key where the line says %s",
		                    k.type->name, t->name);
	a->is_usable = true;
	key_encode(&k, &a->key);
	return 0;
}

/*
 * One line (NUL-terminated, may be changed): `principals [options] keytype base64
 * [comment]`. *ret_is_entry is false for a blank line or a comment.
 */
static int parse_line(char *line, const struct error_pos *pos, struct allowed_signer *a,
                      bool *ret_is_entry, struct error *reterr)
{
	char *p = line, *end;
	size_t len = strlen(line);
	int r;

	while (len > 0 && strchr(" \t\r", line[len - 1]))
		line[--len] = '\0';
	skip_blanks(&p);
	*ret_is_entry = *p != '\0' && *p != '#';
	if (!*ret_is_entry)
		return 0;
	if (parse_principals(&p, &a->principals) < 0 || a->principals[0] == '\0')
		return error_set_at(reterr, -EBADMSG, pos, "invalid principals");
	skip_blanks(&p);
	if (*p == '\0')
		return error_set_at(reterr, -EBADMSG, pos, "no key after the principals");
	if (!is_key_type_word(p)) {
		end = skip_options(p);
		if (!end)
			return error_set_at(reterr, -EBADMSG, pos, "unterminated quote in options");
		if (*end == '\0')
			return error_set_at(reterr, -EBADMSG, pos, "no key after the options");
		*end = '\0';
		r = parse_options(p, a, pos, reterr);
		if (r < 0)
			return r;
		p = end + 1;
		skip_blanks(&p);
		if (!is_key_type_word(p))
			return error_set_at(reterr, -EBADMSG, pos, "unknown key type '%.*s'",
			                    (int)MIN(strcspn(p, " \t"), (size_t)64), p);
	}
	return parse_key_words(p, a, pos, reterr);
}

static int allowed_signers_load(const char *file, struct allowed_signers *ret, struct error *reterr)
{
	_cleanup_free_ char *data = NULL;
	struct allowed_signers list = { 0 };
	size_t len, alloc = 0;
	unsigned lineno = 0;
	char *line, *next;
	int r;

	r = read_file_full(file, ALLOWED_SIGNERS_MAX_BYTES, &data, &len, reterr);
	if (r < 0)
		return error_prefix(reterr, r, "Failed to read the allowed signers file");
	if (memchr(data, '\0', len))
		return error_set(reterr, -EBADMSG, "%s: contains a NUL byte", file);
	for (line = data; line; line = next) {
		struct error_pos pos = { .file = file, .line = ++lineno };
		struct allowed_signer a = { .line = lineno, .key = STRBUF_INIT };
		bool is_entry;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		r = parse_line(line, &pos, &a, &is_entry, reterr);
		if (r < 0 || !is_entry) {
			free(a.principals);
			free(a.namespaces);
			strbuf_release(&a.key);
			if (r < 0) {
				allowed_signers_release(&list);
				return r;
			}
			continue;
		}
		if (list.n == alloc) {
			alloc = alloc ? 2 * alloc : 8;
			list.v = xreallocarray(list.v, alloc, sizeof(*list.v));
		}
		list.v[list.n++] = a;
	}
	*ret = list;
	return 0;
}

/* Trust. */

static void format_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(buf, size, "%" PRId64, t);
}

/* The principal to report for a line: its first pattern that is not negated. */
static void first_principal(const char *principals, char *out, size_t size)
{
	_cleanup_free_ char *copy = xstrdup(principals);
	char *save = NULL;

	for (char *pat = strtok_r(copy, ",", &save); pat; pat = strtok_r(NULL, ",", &save))
		if (pat[0] != '!') {
			(void)snprintf(out, size, "%s", pat);
			return;
		}
	(void)snprintf(out, size, "%s", principals);
}

/*
 * A certificate against a cert-authority line that names its CA: a user certificate, valid
 * at signed_at, with a principal the line admits. The principal goes to out; else false
 * with the reason in why.
 */
static bool cert_admitted(const struct ssh_key *cert, uint8_t sk_flags,
                          const struct allowed_signer *a, int64_t signed_at, char *out, size_t size,
                          char *why, size_t why_size)
{
	struct reader opts = { cert->cert_critical.p, cert->cert_critical.len };
	struct reader names = { cert->cert_principals.p, cert->cert_principals.len };
	uint64_t at = signed_at < 0 ? 0 : (uint64_t)signed_at;
	char text[80];

	if (cert->cert_type != CERT_TYPE_USER) {
		(void)snprintf(why, why_size, "the certificate is not a user certificate");
		return false;
	}
	if (signed_at < 0 || at < cert->cert_valid_after || at >= cert->cert_valid_before) {
		(void)snprintf(why, why_size, "the certificate is not valid at the commit time");
		return false;
	}
	while (opts.left > 0) {
		struct span name, data;

		if (!read_cstring(&opts, &name) || !read_string(&opts, &data)) {
			(void)snprintf(why, why_size,
			               "the certificate's critical options are invalid");
			return false;
		}
		if (span_eq(name, "verify-required")) {
			bool is_sk = cert->type->kind == KIND_SK_ED25519 ||
			             cert->type->kind == KIND_SK_ECDSA;

			if (!is_sk || !(sk_flags & SK_USER_VERIFIED)) {
				(void)snprintf(why, why_size,
				               "the certificate requires user verification, the "
				               "signature does not show it");
				return false;
			}
		} else if (!span_eq(name, "force-command") && !span_eq(name, "source-address")) {
			(void)snprintf(why, why_size, "the certificate has critical option %s",
			               printable(name, text, sizeof(text)));
			return false;
		}
	}
	for (unsigned i = 0; names.left > 0 && i < CERT_MAX_PRINCIPALS; i++) {
		_cleanup_free_ char *principal = NULL;
		struct span name;

		if (!read_cstring(&names, &name))
			break;
		principal = xstrndup((const char *)name.p, name.len);
		if (source_ssh_pattern_list_match(principal, a->principals) == 1) {
			(void)snprintf(out, size, "%s", principal);
			return true;
		}
	}
	(void)snprintf(why, why_size, "no principal of the certificate is allowed on line %u",
	               a->line);
	return false;
}

/*
 * Does line a, which lists key (or its CA), let it sign for namespace "git" at signed_at?
 * The principal to report goes to signer; else false with the reason.
 */
static bool line_admits(const struct allowed_signer *a, const struct ssh_key *key, uint8_t sk_flags,
                        int64_t signed_at, char signer[SOURCE_SIGNATURE_TEXT_MAX],
                        char reason[SOURCE_SIGNATURE_TEXT_MAX])
{
	char when[32], bound[32];

	if (a->is_ca) {
		if (!cert_admitted(key, sk_flags, a, signed_at, signer, SOURCE_SIGNATURE_TEXT_MAX,
		                   reason, SOURCE_SIGNATURE_TEXT_MAX))
			return false;
	} else {
		first_principal(a->principals, signer, SOURCE_SIGNATURE_TEXT_MAX);
	}
	if (a->namespaces && source_ssh_pattern_list_match(SSHSIG_NAMESPACE, a->namespaces) != 1) {
		(void)snprintf(reason, SOURCE_SIGNATURE_TEXT_MAX,
		               "line %u of the allowed signers does not allow namespace "
		               "\"" SSHSIG_NAMESPACE "\"",
		               a->line);
		return false;
	}
	format_time(signed_at, when, sizeof(when));
	if (a->valid_after != 0 && signed_at < a->valid_after) {
		format_time(a->valid_after, bound, sizeof(bound));
		(void)snprintf(reason, SOURCE_SIGNATURE_TEXT_MAX,
		               "key not yet valid at %s: valid-after %s on line %u", when, bound,
		               a->line);
		return false;
	}
	if (a->valid_before != 0 && signed_at > a->valid_before) {
		format_time(a->valid_before, bound, sizeof(bound));
		(void)snprintf(reason, SOURCE_SIGNATURE_TEXT_MAX,
		               "key expired at %s: valid-before %s on line %u", when, bound,
		               a->line);
		return false;
	}
	return true;
}

/*
 * Judge a signature that verifies by the first line that trusts its key (or, for a
 * certificate, its CA ca) for namespace "git" at signed_at: GOOD and the signer into v
 * then, otherwise UNTRUSTED and the reason.
 */
static void allowed_signers_judge(const struct allowed_signers *list, const struct ssh_key *key,
                                  const struct ssh_key *ca, uint8_t sk_flags, int64_t signed_at,
                                  struct source_signature *v)
{
	_cleanup_strbuf_ struct strbuf blob = STRBUF_INIT, ca_blob = STRBUF_INIT;
	char why[SOURCE_SIGNATURE_TEXT_MAX] = "";

	key_encode(key, &blob);
	if (ca)
		key_encode(ca, &ca_blob);
	for (size_t i = 0; i < list->n; i++) {
		const struct allowed_signer *a = &list->v[i];
		char signer[SOURCE_SIGNATURE_TEXT_MAX], reason[SOURCE_SIGNATURE_TEXT_MAX];
		const struct strbuf *want = a->is_ca ? &ca_blob : &blob;

		/* as in OpenSSH, a certificate is trusted through its CA only */
		if (!a->is_usable || a->is_ca != (ca != NULL) || want->len != a->key.len ||
		    memcmp(want->buf, a->key.buf, want->len) != 0)
			continue;
		/* the key is on this line; the first line that lets it sign wins */
		if (!line_admits(a, key, sk_flags, signed_at, signer, reason)) {
			/* the first refusal is the one to report */
			if (why[0] == '\0')
				memcpy(why, reason, sizeof(why));
			continue;
		}
		v->status = SOURCE_SIGNATURE_GOOD;
		memcpy(v->signer, signer, sizeof(v->signer));
		v->reason[0] = '\0';
		return;
	}
	if (why[0] == '\0')
		(void)snprintf(why, sizeof(why), "%s %s %.80s is not in the allowed signers",
		               key->type->label, ca ? "certificate" : "key", v->key);
	v->status = SOURCE_SIGNATURE_UNTRUSTED;
	memcpy(v->reason, why, sizeof(v->reason));
}

static int verdict(struct source_signature *v, enum source_signature_status status, const char *fmt,
                   ...) _printf_(3, 4);

static int verdict(struct source_signature *v, enum source_signature_status status, const char *fmt,
                   ...)
{
	va_list ap;

	v->status = status;
	va_start(ap, fmt);
	(void)vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
	return 0;
}

/* A check that could not run (libcrypto missing or failing), reported once. */
static int check_failed(struct error *reterr, int code, const struct error *e)
{
	return error_set(reterr, code, "Failed to check the SSH signature: %s", error_message(e));
}

/*
 * The verdict on a signature's blob into v: MALFORMED, BAD, UNTRUSTED for another
 * namespace, or GOOD as far as the signature goes, with the key and, for a certificate,
 * its CA. Negative when the check could not run.
 */
static int sshsig_check(struct span blob, const void *data, size_t data_len, bool is_configured,
                        struct ssh_key *ret_key, struct ssh_key *ret_ca, uint8_t *ret_sk_flags,
                        struct source_signature *v, struct error *reterr)
{
	_cleanup_strbuf_ struct strbuf msg = STRBUF_INIT;
	struct error e = ERROR_INIT;
	struct sshsig s;
	int r;

	if (sshsig_parse(blob, &s, &e) < 0)
		return verdict(v, SOURCE_SIGNATURE_MALFORMED, "%s", e.message);
	if (parse_key(s.key, true, ret_key, &e) < 0)
		return verdict(v, SOURCE_SIGNATURE_MALFORMED, "%s", e.message);
	r = key_fingerprint(ret_key, v->key, sizeof(v->key), &e);
	if (r < 0)
		return check_failed(reterr, r, &e);
	if (!is_configured)
		return verdict(v, SOURCE_SIGNATURE_MALFORMED,
		               "SSH signatures are not configured: no allowed signers file");
	r = sshsig_signed_data(&s, data, data_len, &msg, &e);
	if (r == -EINVAL)
		return verdict(v, SOURCE_SIGNATURE_MALFORMED, "%s", e.message);
	if (r < 0)
		return check_failed(reterr, r, &e);
	r = signature_check(ret_key, s.signature, msg.buf, msg.len, ret_sk_flags, &e);
	if (r == -EINVAL)
		return verdict(v, SOURCE_SIGNATURE_MALFORMED, "%s", e.message);
	if (r == -EBADMSG)
		return verdict(v, SOURCE_SIGNATURE_BAD, "%s", e.message);
	if (r < 0)
		return check_failed(reterr, r, &e);
	if (ret_key->is_cert) {
		uint8_t ca_flags;

		if (parse_key(ret_key->cert_ca, false, ret_ca, &e) < 0)
			return verdict(v, SOURCE_SIGNATURE_MALFORMED, "certificate authority: %s",
			               e.message);
		r = signature_check(ret_ca, ret_key->cert_signature, ret_key->cert_signed.p,
		                    ret_key->cert_signed.len, &ca_flags, &e);
		if (r == -EINVAL)
			return verdict(v, SOURCE_SIGNATURE_MALFORMED, "certificate: %s", e.message);
		if (r == -EBADMSG)
			return verdict(v, SOURCE_SIGNATURE_BAD, "certificate: %s", e.message);
		if (r < 0)
			return check_failed(reterr, r, &e);
	}
	if (!span_eq(s.namespace, SSHSIG_NAMESPACE)) {
		char text[80];

		return verdict(v, SOURCE_SIGNATURE_UNTRUSTED,
		               "signed for namespace \"%s\", not \"" SSHSIG_NAMESPACE "\"",
		               printable(s.namespace, text, sizeof(text)));
	}
	v->status = SOURCE_SIGNATURE_GOOD;
	return 0;
}

int source_sshsig_verify(const char *allowed_signers_file, const char *sig, size_t sig_len,
                         const void *data, size_t data_len, int64_t signed_at,
                         struct source_signature *ret, struct error *reterr)
{
	_cleanup_(allowed_signers_release) struct allowed_signers list = { 0 };
	_cleanup_strbuf_ struct strbuf blob = STRBUF_INIT;
	struct source_signature v = { .status = SOURCE_SIGNATURE_MALFORMED, .format = "ssh" };
	struct ssh_key key = { 0 }, ca = { 0 };
	struct error e = ERROR_INIT;
	uint8_t sk_flags = 0;
	int r;

	if (!sig || sig_len == 0) {
		*ret = (struct source_signature){ .status = SOURCE_SIGNATURE_UNSIGNED };
		(void)snprintf(ret->reason, sizeof(ret->reason), "the commit is not signed");
		return 0;
	}
	if (allowed_signers_file) {
		r = allowed_signers_load(allowed_signers_file, &list, reterr);
		if (r < 0)
			return r;
	}
	if (sig_len > SSHSIG_MAX_BYTES) {
		(void)verdict(&v, SOURCE_SIGNATURE_MALFORMED,
		              "signature of %zu bytes, more than the %u accepted", sig_len,
		              SSHSIG_MAX_BYTES);
	} else if (sshsig_dearmor(sig, sig_len, &blob, &e) < 0) {
		(void)verdict(&v, SOURCE_SIGNATURE_MALFORMED, "%s", e.message);
	} else {
		r = sshsig_check((struct span){ (const uint8_t *)blob.buf, blob.len }, data,
		                 data_len, allowed_signers_file != NULL, &key, &ca, &sk_flags, &v,
		                 reterr);
		if (r < 0)
			return r;
		if (v.status == SOURCE_SIGNATURE_GOOD)
			allowed_signers_judge(&list, &key, key.is_cert ? &ca : NULL, sk_flags,
			                      signed_at, &v);
	}
	*ret = v;
	return 0;
}
