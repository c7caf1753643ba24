#pragma once
/* Helpers shared by the files of source/; never included from elsewhere. */

#include <stdbool.h>

#include <git2.h>

#include "core/macro.h"

struct error;

/* git_libgit2_init() once per process, with the global git configuration files ignored. */
int source_git_init(struct error *reterr);

/*
 * Turn the last libgit2 error into reterr: "what: libgit2's text", code mapped from
 * libgit2's (-ENOENT for GIT_ENOTFOUND, -EAUTH for GIT_EAUTH, ...). Returns the code.
 */
int source_git_error(int git_code, struct error *reterr, const char *what, ...)
        __attribute__((format(printf, 3, 4)));

/* The oid as 40 hex digits plus NUL. */
#define SOURCE_OID_HEX_MAX (GIT_OID_HEXSZ + 1)
void source_oid_hex(const git_oid *oid, char out[SOURCE_OID_HEX_MAX]);

/*
 * Replace, in place, every occurrence of url's user information (which may be a token) in
 * text with "***": for messages of libgit2's that quote the URL. Never makes text longer
 * (user information of fewer than 3 bytes is left alone).
 */
void source_url_scrub(char *text, const char *url);

struct source_repo;
/* The libgit2 handle behind r, owned by r. */
git_repository *source_repo_git(struct source_repo *r);

/* "SHA256:" and the unpadded base64 of the SHA-256 of an SSH key blob, as ssh prints it. */
#define SOURCE_FINGERPRINT_MAX 64
void source_ssh_fingerprint(const void *key, size_t len, char out[SOURCE_FINGERPRINT_MAX]);

/*
 * Is key (an SSH public key blob) what the known_hosts file lists for host at port?
 * 0 when it is; -EKEYREJECTED for an unknown host or a changed key, -EKEYREVOKED for a
 * key marked @revoked, with a message naming the host and the key's fingerprint.
 */
int source_known_hosts_check(const char *file, const char *host, unsigned port, const void *key,
                             size_t key_len, struct error *reterr);

/* Whether the object is in repo's object database. */
bool source_object_exists(git_repository *repo, const git_oid *oid);

/*
 * The proxy to reach url (http:// or https://) on host through, from https_proxy /
 * HTTPS_PROXY (http_proxy for http://) unless no_proxy / NO_PROXY lists the host: NULL
 * for a direct connection. Freed by the caller.
 */
char *source_proxy_for(const char *url, const char *host);

/* One cleanup helper per libgit2 handle (STYLE.md section 6). */
DEFINE_TRIVIAL_CLEANUP_FUNC(git_repository *, git_repository_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(git_remote *, git_remote_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(git_commit *, git_commit_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(git_tree *, git_tree_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(git_tree_entry *, git_tree_entry_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(git_blob *, git_blob_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(git_object *, git_object_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(git_odb *, git_odb_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(git_reference *, git_reference_free)
static inline void git_buf_disposep(git_buf *b)
{
	git_buf_dispose(b);
}

/*
 * Match s against a comma-separated list of ssh patterns ('*' any run, '?' any one
 * character), each possibly negated with '!': 1 a pattern matches, 0 none does, -1 a
 * negated one matches (which overrules the others).
 */
int source_ssh_pattern_list_match(const char *s, const char *list);

/* Whether sig (len bytes) starts, after white space, with the armour line armour. */
bool source_signature_has_armor(const char *sig, size_t len, const char *armour);

/* In the fetch helper: set TCP_NODELAY on the TCP sockets libgit2 connects (nodelay.c). */
void source_nodelay_enable(void);

/*
 * The clone's packs (packs.c), both in the fetch helper under the clone's lock: remove the
 * packs the last consolidation replaced; when there are too many packs, write the objects
 * of all but the largest into one (the replaced ones go at the next fetch).
 */
void source_packs_remove_stale(const char *repo_dir);
int source_packs_consolidate(git_repository *repo, const char *repo_dir, struct error *reterr);
