/*
 * OpenPGP commit signatures, checked as `git verify-commit` checks them, by gpg through
 * gpgme.
 *
 * Each check runs gpg in a home directory of its own, made for it under $TMPDIR and removed
 * after it. The keyring file becomes that home's public keyring, pubring.gpg, in gpg's
 * plain keyring format, which is what `gpg --export` writes (armour is taken off first):
 * gpg knows exactly those keys and never reads ~/.gnupg. The keys are not imported, because
 * `gpg --import` asks gpg-agent about secret keys, and that alone creates a socket
 * directory under /run/user/UID/gnupg which would outlive the check. gpg.conf keeps gpg
 * from starting gpg-agent or dirmngr and from fetching keys; gpgme's offline mode adds
 * --disable-dirmngr.
 *
 * Two gpg runs per check: one lists the keys (which also proves the keyring readable), one
 * verifies the signature.
 */

#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <gpgme.h>

#include "core/alloc.h"
#include "core/base64.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "source/internal.h"
#include "source/source.h"

/* Caps on what the commit and the configuration bring in. */
#define PGP_KEYRING_MAX   (4u << 20)
#define PGP_SIGNATURE_MAX (64u << 10)
#define PGP_DATA_MAX      (16u << 20)
/* gpg makes no subdirectories for what we ask of it; be ready for a few anyway. */

#define ARMOR_SIGNATURE  "-----BEGIN PGP SIGNATURE-----"
#define ARMOR_KEYS_BEGIN "-----BEGIN PGP PUBLIC KEY BLOCK-----"
#define ARMOR_KEYS_END   "-----END PGP PUBLIC KEY BLOCK-----"

static const char gpg_conf[] = "# written by driftless for one signature check\n"
                               "no-autostart\n"
                               "no-auto-key-retrieve\n"
                               "trust-model always\n";

DEFINE_TRIVIAL_CLEANUP_FUNC(gpgme_ctx_t, gpgme_release)
DEFINE_TRIVIAL_CLEANUP_FUNC(gpgme_data_t, gpgme_data_release)

static const char *pgp_strerror(gpgme_error_t err, char *buf, size_t size)
{
	(void)gpgme_strerror_r(err, buf, size);
	return buf;
}

/*
 * Whether err says gpg could not do its work (a system call failed, out of memory) rather
 * than what it made of the input. Anything else comes from the input, which the commit
 * controls: a verdict, never a failure of the check.
 */
static bool is_system_error(gpgme_error_t err)
{
	return gpgme_err_code(err) & GPG_ERR_SYSTEM_ERROR;
}

/* The length of the valid UTF-8 character at s, or 0 for a byte that starts none. */
static size_t utf8_char_len(const unsigned char *s)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/*
 * Copy src into dst (size bytes with the NUL), as valid UTF-8 without control characters:
 * a user id is what the key's owner wrote, and ends up in logs and JSON. Anything else
 * becomes '?'; a character that does not fit is dropped whole.
 */
static void copy_text(char *dst, size_t size, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t n = 0;

	while (*s && n + 1 < size) {
		size_t len = utf8_char_len(s);

		if (len == 0 || *s < 0x20 || *s == 0x7f) {
			dst[n++] = '?';
			s++;
			continue;
		}
		if (n + len + 1 > size)
			break;
		memcpy(dst + n, s, len);
		n += len;
		s += len;
	}
	dst[n] = '\0';
}

/* CRC-24 of OpenPGP's armour (RFC 4880 section 6.1). */
static uint32_t crc24(const unsigned char *p, size_t len)
{
	uint32_t crc = 0xb704ce;

	while (len--) {
		crc ^= (uint32_t)*p++ << 16;
		for (int i = 0; i < 8; i++) {
			crc <<= 1;
			if (crc & 0x1000000)
				crc ^= 0x1864cfb;
		}
	}
	return crc & 0xffffff;
}

/* Decode one armoured block's base64 and check it against its checksum line, if any. */
static int armor_block_decode(const struct strbuf *b64, const char *crc, size_t crc_len,
                              struct strbuf *out)
{
	_cleanup_strbuf_ struct strbuf block = STRBUF_INIT;
	_cleanup_strbuf_ struct strbuf sum = STRBUF_INIT;
	const unsigned char *c;

	if (base64_decode(b64->buf, b64->len, &block) < 0)
		return -EBADMSG;
	if (crc_len > 0) {
		if (base64_decode(crc, crc_len, &sum) < 0 || sum.len != 3)
			return -EBADMSG;
		c = (const unsigned char *)sum.buf;
		if (crc24((const unsigned char *)block.buf, block.len) !=
		    ((uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2]))
			return -EBADMSG;
	}
	strbuf_addbuf(out, &block);
	return 0;
}

/*
 * Append the packets of each public key block armoured in text (RFC 4880 section 6.2),
 * the way `gpg --armor --export` writes them, to out. Text around the blocks is ignored.
 */
static int armor_decode_keys(const char *file, const char *text, size_t len, struct strbuf *out,
                             struct error *reterr)
{
	enum { OUTSIDE, HEADERS, BODY } state = OUTSIDE;
	_cleanup_strbuf_ struct strbuf b64 = STRBUF_INIT;
	const char *p = text, *end = text + len, *crc = NULL;
	unsigned line_no = 0, begin_line = 0, blocks = 0;
	size_t crc_len = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', end - p), *line = p;
		size_t n = (eol ? eol : end) - p;

		p = eol ? eol + 1 : end;
		line_no++;
		while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		if (state == OUTSIDE) {
			if (n == strlen(ARMOR_KEYS_BEGIN) &&
			    memcmp(line, ARMOR_KEYS_BEGIN, n) == 0) {
				state = HEADERS;
				begin_line = line_no;
				strbuf_reset(&b64);
				crc = NULL;
				crc_len = 0;
			}
			continue;
		}
		if (state == HEADERS) {
			if (n == 0) {
				state = BODY;
				continue;
			}
			if (memchr(line, ':', n)) /* "Comment: ...": base64 has no ':' */
				continue;
			state = BODY; /* no blank line after the headers */
		}
		if (n == strlen(ARMOR_KEYS_END) && memcmp(line, ARMOR_KEYS_END, n) == 0) {
			if (armor_block_decode(&b64, crc, crc_len, out) < 0)
				return error_set(
				        reterr, -EBADMSG,
				        "'%s': the armoured key block at line %u is damaged", file,
				        begin_line);
			state = OUTSIDE;
			blocks++;
		} else if (n > 0 && line[0] == '=') {
			crc = line + 1;
			crc_len = n - 1;
		} else
			strbuf_add(&b64, line, n);
	}
	if (state != OUTSIDE)
		return error_set(reterr, -EBADMSG,
		                 "'%s': the armoured key block at line %u has no end line", file,
		                 begin_line);
	if (blocks == 0)
		return error_set(reterr, -EBADMSG,
		                 "'%s' is not an OpenPGP keyring (`gpg --export` output, binary or "
		                 "armoured)",
		                 file);
	return 0;
}

/* The keyring file as binary OpenPGP packets, in out. */
static int keyring_read(const char *file, struct strbuf *out, struct error *reterr)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	r = read_file_full(file, PGP_KEYRING_MAX, &text, &len, reterr);
	if (r < 0)
		return r;
	/* a binary packet's first byte has its top bit set; armour is text */
	if (len > 0 && (unsigned char)text[0] & 0x80) {
		strbuf_add(out, text, len);
		return 0;
	}
	return armor_decode_keys(file, text, len, out, reterr);
}

/* Remove the home directory home and all in it; free the string. Accepts NULL. */
static char *home_free(char *home)
{
	if (!home)
		return NULL;
	remove_tree(home);
	free(home);
	return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(char *, home_free)

static int home_write(const char *home, const char *name, const void *data, size_t len,
                      struct error *reterr)
{
	_cleanup_free_ char *path = xstrjoin(home, "/", name, NULL);
	_cleanup_close_ int fd = -EBADF;
	const char *p = data;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(reterr, -errno, "Failed to create '%s': %s", path,
		                 strerror(errno));
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set(reterr, -errno, "Failed to write '%s': %s", path,
			                 strerror(errno));
		p += n;
		len -= n;
	}
	return 0;
}

/* A fresh home directory for gpg (0700, under $TMPDIR or /tmp) holding keyring. */
static int home_new(const struct strbuf *keyring, char **ret, struct error *reterr)
{
	const char *tmp = secure_getenv("TMPDIR");
	_cleanup_free_ char *template = NULL;
	_cleanup_(home_freep) char *home = NULL;
	int r;

	template = xstrjoin(tmp && *tmp ? tmp : "/tmp", "/driftless-gpg-XXXXXX", NULL);
	if (!mkdtemp(template))
		return error_set(reterr, -errno, "Failed to create '%s': %s", template,
		                 strerror(errno));
	home = TAKE_PTR(template);
	r = home_write(home, "gpg.conf", gpg_conf, strlen(gpg_conf), reterr);
	if (r < 0)
		return r;
	r = home_write(home, "pubring.gpg", keyring->buf, keyring->len, reterr);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(home);
	return 0;
}

static int context_new(const char *home, gpgme_ctx_t *ret, struct error *reterr)
{
	_cleanup_(gpgme_releasep) gpgme_ctx_t ctx = NULL;
	gpgme_error_t err;
	char why[128];

	err = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP);
	if (err)
		return error_set(reterr, -ENOENT, "gpg (GnuPG), which gpgme runs, is missing: %s",
		                 pgp_strerror(err, why, sizeof(why)));
	err = gpgme_new(&ctx);
	if (err)
		return error_set(reterr, -EIO, "Failed to create a gpgme context: %s",
		                 pgp_strerror(err, why, sizeof(why)));
	err = gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP);
	if (err)
		return error_set(reterr, -EIO, "Failed to select OpenPGP in gpgme: %s",
		                 pgp_strerror(err, why, sizeof(why)));
	err = gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, NULL, home);
	if (err)
		return error_set(reterr, -EIO, "Failed to point gpg at '%s': %s", home,
		                 pgp_strerror(err, why, sizeof(why)));
	gpgme_set_offline(ctx, 1);
	*ret = TAKE_PTR(ctx);
	return 0;
}

/* The keys gpg finds in the home's keyring. Life cycle: keys_list() ... keys_release(). */
struct keys {
	gpgme_key_t *v;
	size_t n;
};

static void keys_release(struct keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		gpgme_key_unref(k->v[i]);
	free(k->v);
	*k = (struct keys){ 0 };
}

static int keys_list(gpgme_ctx_t ctx, const char *file, struct keys *k, struct error *reterr)
{
	gpgme_error_t err;
	char why[128];

	err = gpgme_op_keylist_start(ctx, NULL, 0);
	if (err)
		return error_set(reterr, -EIO, "Failed to list the keys of '%s': %s", file,
		                 pgp_strerror(err, why, sizeof(why)));
	for (;;) {
		gpgme_key_t key = NULL;

		err = gpgme_op_keylist_next(ctx, &key);
		if (err)
			break;
		k->v = xreallocarray(k->v, k->n + 1, sizeof(*k->v));
		k->v[k->n++] = key;
	}
	if (gpgme_err_code(err) != GPG_ERR_EOF) {
		(void)gpgme_op_keylist_end(ctx);
		return error_set(reterr, is_system_error(err) ? -EIO : -EBADMSG,
		                 "Failed to read the keys of '%s': %s", file,
		                 pgp_strerror(err, why, sizeof(why)));
	}
	if (k->n == 0)
		return error_set(reterr, -EBADMSG, "'%s' holds no OpenPGP public key", file);
	return 0;
}

/* The key whose primary key or subkey id (fingerprint, or 16-digit key id) is id. */
static gpgme_key_t keys_find(const struct keys *k, const char *id, gpgme_subkey_t *ret_sub)
{
	if (!id)
		return NULL;
	for (size_t i = 0; i < k->n; i++)
		for (gpgme_subkey_t sub = k->v[i]->subkeys; sub; sub = sub->next)
			if ((sub->fpr && strcasecmp(sub->fpr, id) == 0) ||
			    (sub->keyid && strcasecmp(sub->keyid, id) == 0)) {
				*ret_sub = sub;
				return k->v[i];
			}
	return NULL;
}

static void set_reason(struct source_signature *v, enum source_signature_status status,
                       const char *fmt, ...) _printf_(3, 4);
static void set_reason(struct source_signature *v, enum source_signature_status status,
                       const char *fmt, ...)
{
	va_list ap;

	v->status = status;
	va_start(ap, fmt);
	(void)vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
}

/* Why key (signing with sub) cannot be trusted now, or NULL when it can. */
static const char *key_unusable(gpgme_key_t key, gpgme_subkey_t sub, char *buf, size_t size)
{
	long expires = sub->expired ? sub->expires : key->subkeys->expires;
	char date[32] = "";
	struct tm tm;
	time_t t = expires;

	if (key->revoked || sub->revoked)
		return key->revoked ? "the key has been revoked" :
		                      "the signing subkey has been revoked";
	if (key->expired || sub->expired) {
		if (expires > 0 && gmtime_r(&t, &tm))
			(void)strftime(date, sizeof(date), " on %Y-%m-%d", &tm);
		(void)snprintf(buf, size, "the %s expired%s",
		               key->expired ? "key" : "signing subkey", date);
		return buf;
	}
	if (key->disabled || key->invalid || sub->disabled || sub->invalid)
		return "the key is not usable (invalid self-signatures?)";
	if (!sub->can_sign)
		return "the key is not for signing";
	return NULL;
}

/* The verdict on gpg's one signature s, made against the keyring keys. */
static void verdict(gpgme_signature_t s, const struct keys *keys, const char *file,
                    struct source_signature *v)
{
	gpgme_subkey_t sub = NULL;
	gpgme_key_t key = keys_find(keys, s->fpr, &sub);
	gpgme_err_code_t code = gpgme_err_code(s->status);
	char why[128];
	const char *unusable;

	if (key) {
		copy_text(v->key, sizeof(v->key), key->subkeys->fpr);
		if (key->uids && key->uids->uid)
			copy_text(v->signer, sizeof(v->signer), key->uids->uid);
	} else if (s->fpr)
		copy_text(v->key, sizeof(v->key), s->fpr);

	switch (code) {
	case GPG_ERR_NO_ERROR:
		break;
	case GPG_ERR_BAD_SIGNATURE:
		set_reason(v, SOURCE_SIGNATURE_BAD,
		           "the signature does not match the commit (changed after signing?)");
		return;
	case GPG_ERR_NO_PUBKEY:
		set_reason(v, SOURCE_SIGNATURE_UNTRUSTED, "signed by key %s, which is not in '%s'",
		           v->key[0] ? v->key : "(unknown)", file);
		return;
	case GPG_ERR_KEY_EXPIRED:
	case GPG_ERR_CERT_REVOKED:
		/* EXPKEYSIG, REVKEYSIG: the signature is valid, by a key no longer good */
		unusable = key ? key_unusable(key, sub, why, sizeof(why)) : NULL;
		set_reason(v, SOURCE_SIGNATURE_UNTRUSTED, "%s",
		           unusable                    ? unusable :
		           code == GPG_ERR_KEY_EXPIRED ? "the key has expired" :
		                                         "the key has been revoked");
		return;
	case GPG_ERR_SIG_EXPIRED:
		set_reason(v, SOURCE_SIGNATURE_UNTRUSTED, "the signature has expired");
		return;
	case GPG_ERR_NO_DATA:
	case GPG_ERR_BAD_DATA:
	case GPG_ERR_INV_PACKET:
	case GPG_ERR_PUBKEY_ALGO:
	case GPG_ERR_DIGEST_ALGO:
	case GPG_ERR_UNSUPPORTED_ALGORITHM:
		set_reason(v, SOURCE_SIGNATURE_MALFORMED, "gpg cannot check the signature: %s",
		           pgp_strerror(s->status, why, sizeof(why)));
		return;
	default:
		set_reason(v, SOURCE_SIGNATURE_BAD, "gpg rejects the signature: %s",
		           pgp_strerror(s->status, why, sizeof(why)));
		return;
	}

	/* gpg says GOODSIG; what it flags, and what the keyring says of the key, may still veto */
	if (!key) {
		set_reason(v, SOURCE_SIGNATURE_UNTRUSTED, "signed by key %s, which is not in '%s'",
		           v->key[0] ? v->key : "(unknown)", file);
		return;
	}
	unusable = key_unusable(key, sub, why, sizeof(why));
	if (!unusable && s->wrong_key_usage)
		unusable = "the key is not for signing";
	if (!unusable && s->summary & (GPGME_SIGSUM_KEY_REVOKED | GPGME_SIGSUM_KEY_EXPIRED |
	                               GPGME_SIGSUM_SIG_EXPIRED | GPGME_SIGSUM_KEY_MISSING |
	                               GPGME_SIGSUM_RED | GPGME_SIGSUM_SYS_ERROR))
		unusable = "gpg flags the signature or its key";
	if (unusable) {
		set_reason(v, SOURCE_SIGNATURE_UNTRUSTED, "%s", unusable);
		return;
	}
	v->status = SOURCE_SIGNATURE_GOOD;
}

static int check(gpgme_ctx_t ctx, const char *sig, size_t sig_len, const void *data,
                 size_t data_len, const struct keys *keys, const char *file,
                 struct source_signature *v, struct error *reterr)
{
	_cleanup_(gpgme_data_releasep) gpgme_data_t sig_data = NULL;
	_cleanup_(gpgme_data_releasep) gpgme_data_t text = NULL;
	gpgme_verify_result_t result;
	gpgme_error_t err;
	char why[128];

	err = gpgme_data_new_from_mem(&sig_data, sig, sig_len, 0);
	if (err)
		return error_set(reterr, -EIO, "Failed to hand the signature to gpgme: %s",
		                 pgp_strerror(err, why, sizeof(why)));
	err = gpgme_data_new_from_mem(&text, data, data_len, 0);
	if (err)
		return error_set(reterr, -EIO, "Failed to hand the commit to gpgme: %s",
		                 pgp_strerror(err, why, sizeof(why)));
	err = gpgme_op_verify(ctx, sig_data, text, NULL);
	if (err && is_system_error(err))
		return error_set(reterr, -EIO, "gpg failed to check the signature: %s",
		                 pgp_strerror(err, why, sizeof(why)));
	if (err) {
		set_reason(v, SOURCE_SIGNATURE_MALFORMED, "gpg cannot read the signature: %s",
		           pgp_strerror(err, why, sizeof(why)));
		return 0;
	}
	result = gpgme_op_verify_result(ctx);
	if (!result || !result->signatures) {
		set_reason(v, SOURCE_SIGNATURE_MALFORMED, "gpg finds no signature in it");
		return 0;
	}
	if (result->signatures->next) {
		/* as git: one signature, or the verdict would depend on which one counts */
		set_reason(v, SOURCE_SIGNATURE_MALFORMED, "more than one signature");
		return 0;
	}
	verdict(result->signatures, keys, file, v);
	return 0;
}

/* Whether sig and data are worth handing to gpg; if not, why in v. */
static bool is_checkable(const char *sig, size_t sig_len, size_t data_len,
                         struct source_signature *v)
{
	if (sig_len > PGP_SIGNATURE_MAX)
		set_reason(v, SOURCE_SIGNATURE_MALFORMED, "the signature is larger than %u bytes",
		           PGP_SIGNATURE_MAX);
	else if (data_len > PGP_DATA_MAX)
		set_reason(v, SOURCE_SIGNATURE_MALFORMED, "the commit is larger than %u bytes",
		           PGP_DATA_MAX);
	else if (!source_signature_has_armor(sig, sig_len, ARMOR_SIGNATURE))
		set_reason(v, SOURCE_SIGNATURE_MALFORMED, "not an armoured OpenPGP signature");
	else
		return true;
	return false;
}

int source_pgp_verify(const char *gpg_keyring_file, const char *sig, size_t sig_len,
                      const void *data, size_t data_len, struct source_signature *ret,
                      struct error *reterr)
{
	struct source_signature v = { .status = SOURCE_SIGNATURE_MALFORMED, .format = "openpgp" };
	_cleanup_strbuf_ struct strbuf keyring = STRBUF_INIT;
	_cleanup_(home_freep) char *home = NULL;
	_cleanup_(gpgme_releasep) gpgme_ctx_t ctx = NULL;
	_cleanup_(keys_release) struct keys keys = { 0 };
	int r;

	if (!sig || sig_len == 0) {
		*ret = (struct source_signature){ .status = SOURCE_SIGNATURE_UNSIGNED };
		snprintf(ret->reason, sizeof(ret->reason), "the commit is not signed");
		return 0;
	}
	r = source_load_gpgme_library(reterr);
	if (r < 0)
		return r;
	r = keyring_read(gpg_keyring_file, &keyring, reterr);
	if (r < 0)
		return r;
	if (!is_checkable(sig, sig_len, data_len, &v)) {
		*ret = v;
		return 0;
	}
	r = home_new(&keyring, &home, reterr);
	if (r < 0)
		return r;
	r = context_new(home, &ctx, reterr);
	if (r < 0)
		return r;
	r = keys_list(ctx, gpg_keyring_file, &keys, reterr);
	if (r < 0)
		return r;
	r = check(ctx, sig, sig_len, data, data_len, &keys, gpg_keyring_file, &v, reterr);
	if (r < 0)
		return r;
	*ret = v;
	return 0;
}
