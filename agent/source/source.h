#pragma once
/*
 * source: the config repository through libgit2 (clone, fetch, tree reading at a
 * revision, signature checks). Owns libgit2 and gpgme.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/macro.h"

struct doc_positions;
struct error;
struct strbuf;
struct tree;

/* A commit id: 40 hex digits and the NUL. */
#define SOURCE_REVISION_MAX 41

/*
 * Append {"name", "version", "features": [...]} for libgit2, then for gpgme (its one
 * feature: the gpg it runs, "gnupg 2.2.40"), to the array libs.
 */
void source_library_versions(json_t *libs);

/*
 * Load libgit2 (it is loaded on first use, see core/dl.h). A command that will need it calls
 * this first, so that a missing or wrong library is an error, not a stop mid-way.
 */
int source_load_library(struct error *reterr);
/* The same for gpgme, which source_pgp_verify() uses (it also runs gpg). */
int source_load_gpgme_library(struct error *reterr);

/*
 * struct source_repo: a local repository (bare, or with a work tree) opened to read
 * revisions. Life cycle: source_repo_open() ... source_repo_free().
 */
struct source_repo;

/*
 * Open the repository at path (its git directory or work tree). With discover, path may be
 * anywhere inside a work tree, as git finds its repository from the current directory.
 */
int source_repo_open(const char *path, bool discover, struct source_repo **ret,
                     struct error *reterr);
struct source_repo *source_repo_free(struct source_repo *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct source_repo *, source_repo_free)

/* The work tree's root without a trailing '/', or NULL when the repository is bare. */
const char *source_repo_workdir(const struct source_repo *r);
/* The git directory. */
const char *source_repo_path(const struct source_repo *r);

/* The commit rev names (anything `git rev-parse REV^{commit}` takes), as 40 hex digits. */
int source_repo_resolve(struct source_repo *r, const char *rev, char ret[SOURCE_REVISION_MAX],
                        struct error *reterr);

/*
 * A tree reader (core/tree.h) on the tree of the commit revision (40 hex digits), reading
 * straight from the object database. It holds its own handle on the repository: it may
 * outlive r. Paths are shown as "REVISION:path" (the revision cut to 12 digits).
 */
int source_repo_tree(struct source_repo *r, const char *revision, struct tree **ret,
                     struct error *reterr);

/*
 * Commit signatures.
 *
 * A signed commit carries its signature in the "gpgsig" header; the signed data is the
 * commit object without that header. Two formats are told apart by their armour:
 *  - "-----BEGIN SSH SIGNATURE-----": OpenSSH's SSHSIG (PROTOCOL.sshsig), namespace "git",
 *    trusted when the key is listed in an allowed-signers file (ssh-keygen(1), ALLOWED
 *    SIGNERS) for a principal whose options admit the namespace and the commit's time;
 *  - "-----BEGIN PGP SIGNATURE-----": OpenPGP, checked with gpgme against the keys of a
 *    keyring file (`gpg --export` output, binary or armoured); every key in it is trusted.
 */

/* What source.verify configures; a NULL path turns that format off. */
struct source_verify_config {
	char *allowed_signers_file; /* SSH */
	char *gpg_keyring_file;     /* OpenPGP */
};

enum source_signature_status {
	SOURCE_SIGNATURE_GOOD,      /* valid, by a trusted key: the only one to accept */
	SOURCE_SIGNATURE_UNSIGNED,  /* no signature at all */
	SOURCE_SIGNATURE_UNTRUSTED, /* valid, by a key that is not trusted (or not for this use) */
	SOURCE_SIGNATURE_BAD,       /* does not verify: tampered data or a wrong signature */
	SOURCE_SIGNATURE_MALFORMED, /* cannot be parsed, or a format that is not configured */
	_SOURCE_SIGNATURE_STATUS_MAX,
	_SOURCE_SIGNATURE_STATUS_INVALID = -EINVAL,
};

#define SOURCE_SIGNATURE_TEXT_MAX 256

struct source_signature {
	enum source_signature_status status;
	char format[8];                         /* "ssh", "openpgp" or "" */
	char key[SOURCE_SIGNATURE_TEXT_MAX];    /* "SHA256:..." (ssh) or the PGP fingerprint */
	char signer[SOURCE_SIGNATURE_TEXT_MAX]; /* the principal (ssh) or the user id */
	char reason[SOURCE_SIGNATURE_TEXT_MAX]; /* why it is not GOOD, for a user */
};

/* "good", "unsigned", ...; NULL for a value out of range. */
const char *source_signature_status_to_string(enum source_signature_status s);

/*
 * Check signature (sig_len bytes, may be NULL for an unsigned commit) over data, made at
 * signed_at (the commit's committer time, seconds since the epoch; allowed-signers
 * valid-after/valid-before are checked against it). The verdict goes to *ret; the return
 * value is 0 whenever a verdict was reached, even a bad one. A negative errno means the
 * check itself could not run (the allowed-signers file or the keyring cannot be read or
 * parsed, gpgme missing): reterr names the file and line.
 */
int source_signature_verify(const struct source_verify_config *config, const char *sig,
                            size_t sig_len, const void *data, size_t data_len, int64_t signed_at,
                            struct source_signature *ret, struct error *reterr);

/* The two halves, for source_signature_verify() and the tests. Same contract. */
int source_sshsig_verify(const char *allowed_signers_file, const char *sig, size_t sig_len,
                         const void *data, size_t data_len, int64_t signed_at,
                         struct source_signature *ret, struct error *reterr);
int source_pgp_verify(const char *gpg_keyring_file, const char *sig, size_t sig_len,
                      const void *data, size_t data_len, struct source_signature *ret,
                      struct error *reterr);

/*
 * Fetching: the bare clone under state_dir/repo.git.
 *
 * Refs the clone keeps (nothing else writes there):
 *	refs/driftless/remote	the remote's tip as last fetched (maybe refused)
 *	refs/driftless/current	the revision in use: fetched, checked and accepted
 * A revision is accepted only when all its objects are present, it is a fast-forward of
 * the current one (unless allow_force_push), and, with verify configured, it carries a
 * good signature by a trusted key. Otherwise the current revision stays in use.
 */

enum source_ref_kind {
	SOURCE_REF_BRANCH,
	SOURCE_REF_TAG,
	SOURCE_REF_COMMIT,
	_SOURCE_REF_KIND_MAX,
	_SOURCE_REF_KIND_INVALID = -EINVAL,
};

/* "branch", "tag", "commit" */
const char *source_ref_kind_to_string(enum source_ref_kind k);

struct source_config {
	char *url; /* https://, http://, ssh://, user@host:path, file:// or a path */
	enum source_ref_kind ref_kind;
	char *ref; /* the branch or tag name, or the commit's 40 hex digits */

	/* auth: secrets only ever come from files */
	char *username;            /* HTTPS user (default x-access-token), SSH user (git) */
	char *token_file;          /* HTTPS token, sent as the password */
	char *password_file;       /* HTTPS password */
	char *ssh_key_file;        /* private key; KEY.pub is used when it exists */
	char *ssh_passphrase_file; /* when the key is encrypted */
	char *known_hosts_file;    /* required for SSH: unknown hosts are refused */
	char *ca_file;             /* HTTPS: trust these CAs instead of the system's */

	struct source_verify_config verify;
	bool allow_force_push;

	uint64_t interval_usec; /* how often the daemon polls (default 1m) */
	uint64_t timeout_usec;  /* one attempt, from connect to the last byte (default 2m) */
	unsigned retries;       /* further attempts after a network failure (default 3) */
	uint64_t retry_initial_usec, retry_max_usec; /* backoff between them (1s, 30s) */
};

/* Defaults, no allocation. */
void source_config_init(struct source_config *c);
void source_config_release(struct source_config *c);

/*
 * Fill c (initialised) from the "source" mapping of a config file. Errors name file, line
 * and field: an unknown key, a wrong type, a missing url, two of branch/tag/commit.
 * Relative file paths are taken relative to base_dir.
 */
int source_config_parse(struct source_config *c, const json_t *node, const char *file,
                        const char *base_dir, const struct doc_positions *positions,
                        struct error *reterr);

/* The URL with any password or token in it replaced by "***". Freed by the caller. */
char *source_config_display_url(const struct source_config *c);

struct source_fetch_result {
	char revision[SOURCE_REVISION_MAX]; /* in use after the call ("" when none yet) */
	char previous[SOURCE_REVISION_MAX]; /* in use before it */
	char remote[SOURCE_REVISION_MAX];   /* the commit the remote's ref points at, if known */
	bool transferred;                   /* objects were downloaded */
	uint64_t received_objects, received_bytes;
	unsigned attempts;
	uint64_t duration_usec;
	bool verified;                     /* verify is configured: signature is filled */
	struct source_signature signature; /* of remote's commit */
};

/*
 * Bring the bare clone at repo_dir (created when missing) up to date with c and accept the
 * remote's revision when it passes the checks above. A poll with no change costs one
 * connection and no object transfer.
 *
 * *ret is filled as far as known even when the call fails, for status reports. Errors:
 * -ESTALE a non-fast-forward move that is not allowed, -EPERM a signature that is not
 * good, -EACCES authentication, -EKEYREJECTED an unknown or changed host key or an
 * untrusted TLS certificate, -ENOENT no such branch/tag/commit, -ETIMEDOUT, -EIO; reterr
 * says which and why, without secrets. The revision in use stays what it was.
 */
int source_fetch(const struct source_config *c, const char *repo_dir,
                 struct source_fetch_result *ret, struct error *reterr);

/*
 * Stop every fetch in flight (its helper is killed; source_fetch() fails with -ECANCELED
 * and the revision in use stays) and refuse the ones that follow: for a daemon that is
 * stopping. Thread-safe, async-signal-safe, for good.
 */
void source_fetch_cancel(void);

/* The revision in use in the clone at repo_dir; -ENOENT when there is none yet. */
int source_current(const char *repo_dir, char ret[SOURCE_REVISION_MAX], struct error *reterr);

/*
 * The program that runs the network half of a fetch (see remote.c): this executable
 * (/proc/self/exe) run as `driftless __source-helper`. Tests may point it elsewhere.
 */
void source_set_helper(const char *path);

/* For main(): run as that helper when argv[1] is "__source-helper". */
int source_helper_main(void);

/*
 * Text diffs, for `driftless diff`'s human output.
 *
 * Append to out the unified diff that turns old_text (old_len bytes) into new_text (new_len
 * bytes), as `diff -U context_lines --label old_label --label new_label` prints it: a
 * "--- old_label" and a "+++ new_label" line, then each hunk, "@@ -a,b +c,d @@" and its
 * ' ', '-' and '+' lines, with context_lines lines of context (3 is diff -u's) and
 * "\ No newline at end of file" after the last line of a side that lacks it. Changes at
 * most 2 * context_lines unchanged lines apart share a hunk. The output is diff's byte for
 * byte, except where a change could sit at several places (a line deleted from a run of
 * equal lines): git's diff, used here, may show it at another place than GNU diff does.
 *
 * Equal texts append nothing. An empty text (a new or a pruned object) diffs as a whole
 * against the other; a NULL text must have length 0. The texts are compared line by line
 * ('\n' ends a line, a '\r' is part of it), as text whatever bytes they hold, but they must
 * hold no NUL byte (YAML cannot), otherwise the output is unspecified. Labels are printed
 * as given.
 *
 * With color, the ANSI sequences git uses: bold file headers, cyan hunk headers, red '-'
 * and green '+' lines, each reset before its newline; context lines stay plain. Removing
 * the sequences gives the output without color.
 *
 * Loads libgit2 (source_load_library()). Returns 0, also when nothing was appended; on
 * failure (libgit2 missing, or an error of libgit2's) a negative errno, mostly -EIO, with
 * reterr filled, and out is left as it was.
 */
int source_text_diff(const char *old_text, size_t old_len, const char *new_text, size_t new_len,
                     const char *old_label, const char *new_label, unsigned context_lines,
                     bool color, struct strbuf *out, struct error *reterr);
