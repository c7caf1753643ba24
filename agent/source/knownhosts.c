/*
 * known_hosts (sshd(8), SSH_KNOWN_HOSTS FILE FORMAT): is the key a server presented the
 * one we were told to expect? Fails closed: a host with no entry, or with entries that do
 * not include the key, is refused, and so is a key marked @revoked.
 *
 * Hashed host names (|1|salt|hash, HMAC-SHA1 of the name keyed with the salt) are matched
 * with core/crypto (OpenSSL).
 */

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/base64.h"
#include "core/crypto.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/sha256.h"
#include "core/strbuf.h"
#include "source/internal.h"

#define KNOWN_HOSTS_MAX_BYTES (4u << 20)

static bool hashed_match(const char *entry, const char *name)
{
	/* |1|base64(salt)|base64(HMAC-SHA1(salt, name)) */
	struct strbuf salt = STRBUF_INIT, want = STRBUF_INIT;
	uint8_t mac[CRYPTO_SHA1_DIGEST_SIZE];
	const char *sep;
	bool ok = false;

	if (strncmp(entry, "|1|", 3) != 0)
		return false;
	sep = strchr(entry + 3, '|');
	if (!sep)
		return false;
	if (base64_decode(entry + 3, (size_t)(sep - entry - 3), &salt) == 0 &&
	    base64_decode(sep + 1, strlen(sep + 1), &want) == 0 && want.len == sizeof(mac) &&
	    crypto_hmac_sha1(salt.buf, salt.len, name, strlen(name), mac, NULL) == 0)
		ok = memcmp(mac, want.buf, sizeof(mac)) == 0;
	strbuf_release(&salt);
	strbuf_release(&want);
	return ok;
}

void source_ssh_fingerprint(const void *key, size_t len, char out[SOURCE_FINGERPRINT_MAX])
{
	unsigned char digest[SHA256_DIGEST_SIZE];
	struct strbuf sb = STRBUF_INIT;
	struct sha256 ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, key, len);
	sha256_final(&ctx, digest);
	base64_encode(digest, sizeof(digest), &sb);
	while (sb.len > 0 && sb.buf[sb.len - 1] == '=')
		sb.len--;
	sb.buf[sb.len] = '\0';
	snprintf(out, SOURCE_FINGERPRINT_MAX, "SHA256:%s", sb.buf);
	strbuf_release(&sb);
}

/* The key type a key blob names (its first SSH string), for messages. */
static void blob_key_type(const unsigned char *key, size_t len, char *out, size_t size)
{
	size_t n;

	snprintf(out, size, "unknown");
	if (len < 4)
		return;
	n = (size_t)key[0] << 24 | (size_t)key[1] << 16 | (size_t)key[2] << 8 | key[3];
	if (n > len - 4 || n >= size)
		return;
	memcpy(out, key + 4, n);
	out[n] = '\0';
}

int source_known_hosts_check(const char *file, const char *host, unsigned port, const void *key,
                             size_t key_len, struct error *reterr)
{
	_cleanup_free_ char *data = NULL, *name = NULL;
	char fingerprint[SOURCE_FINGERPRINT_MAX], type[64];
	size_t len;
	unsigned entries_for_host = 0;
	bool is_known = false, is_revoked = false;
	char *save = NULL;
	int r;

	source_ssh_fingerprint(key, key_len, fingerprint);
	blob_key_type(key, key_len, type, sizeof(type));
	r = read_file_full(file, KNOWN_HOSTS_MAX_BYTES, &data, &len, reterr);
	if (r < 0)
		return error_prefix(reterr, r, "Failed to read the known_hosts file");
	name = port == 22 ? xstrdup(host) : xasprintf("[%s]:%u", host, port);
	for (char *c = name; *c; c++) /* as ssh does: host names match in lower case */
		*c = (char)tolower((unsigned char)*c);

	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *fields[4] = { 0 }, *p = line, *marker = NULL;
		struct strbuf blob = STRBUF_INIT;
		size_t n = 0;
		bool matches, same;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '\0' || *p == '\r')
			continue;
		if (*p == '@') {
			marker = p;
			p += strcspn(p, " \t");
			if (*p)
				*p++ = '\0';
		}
		while (n < 3 && *p) {
			while (*p == ' ' || *p == '\t')
				p++;
			fields[n++] = p;
			p += strcspn(p, " \t\r");
			if (*p)
				*p++ = '\0';
		}
		if (n < 3)
			continue; /* as ssh does, a line it cannot read is skipped */
		if (marker && strcmp(marker, "@revoked") != 0)
			continue; /* @cert-authority: host certificates are not supported */
		matches = fields[0][0] == '|' ? hashed_match(fields[0], name) :
		                                source_ssh_pattern_list_match(name, fields[0]) > 0;
		if (!matches)
			continue;
		if (base64_decode(fields[2], strlen(fields[2]), &blob) < 0) {
			strbuf_release(&blob);
			continue;
		}
		same = blob.len == key_len && memcmp(blob.buf, key, key_len) == 0;
		strbuf_release(&blob);
		if (marker)
			is_revoked |= same;
		else if (same)
			is_known = true;
		else
			entries_for_host++;
	}
	/* as ssh: a revocation anywhere in the file wins over any line that lists the key */
	if (is_revoked)
		return error_set(reterr, -EKEYREVOKED,
		                 "The host key of %s (%s %s) is marked @revoked in %s", name, type,
		                 fingerprint, file);
	if (is_known)
		return 0;
	if (entries_for_host == 0)
		return error_set(reterr, -EKEYREJECTED,
		                 "Host %s is not in %s: refusing its key %s %s; add the server's "
		                 "key there (ssh-keyscan) after checking its fingerprint",
		                 name, file, type, fingerprint);
	return error_set(reterr, -EKEYREJECTED,
	                 "The host key of %s has CHANGED: it presented %s %s, which is not the "
	                 "one %s lists; refusing to connect",
	                 name, type, fingerprint, file);
}
