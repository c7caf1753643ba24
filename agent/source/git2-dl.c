/*
 * libgit2, loaded on first use (core/dl.h): the functions of it we call. Add a function
 * here, with its wrapper, before calling it anywhere.
 */

#include <stdarg.h>
#include <stdlib.h>

#include <git2.h>

#include "core/dl.h"
#include "core/log.h"
#include "source/source.h"

/* clang-format off */
#define SYMBOLS(X) \
	X(git_libgit2_version) X(git_libgit2_features) X(git_libgit2_opts) X(git_libgit2_init) \
	X(git_blob_free) X(git_blob_lookup) X(git_blob_rawcontent) X(git_blob_rawsize) \
	X(git_buf_dispose) \
	X(git_commit_committer) X(git_commit_extract_signature) X(git_commit_free) \
	X(git_commit_lookup) X(git_commit_tree) \
	X(git_credential_ssh_key_new) X(git_credential_username_new) \
	X(git_credential_userpass_plaintext_new) \
	X(git_diff_options_init) \
	X(git_error_last) X(git_error_set_str) \
	X(git_fetch_options_init) \
	X(git_graph_descendant_of) \
	X(git_object_free) X(git_object_id) X(git_object_peel) \
	X(git_odb_add_backend) X(git_odb_backend_one_pack) X(git_odb_exists) X(git_odb_foreach) \
	X(git_odb_free) X(git_odb_new) \
	X(git_oid_cpy) X(git_oid_equal) X(git_oid_fromstr) X(git_oid_tostr) \
	X(git_packbuilder_free) X(git_packbuilder_insert) X(git_packbuilder_name) \
	X(git_packbuilder_new) X(git_packbuilder_write) \
	X(git_patch_free) X(git_patch_from_buffers) X(git_patch_get_hunk) \
	X(git_patch_get_line_in_hunk) X(git_patch_num_hunks) \
	X(git_proxy_options_init) \
	X(git_reference_create) X(git_reference_free) X(git_reference_lookup) \
	X(git_reference_target) \
	X(git_remote_connect) X(git_remote_create_anonymous) X(git_remote_download) \
	X(git_remote_free) X(git_remote_init_callbacks) X(git_remote_ls) \
	X(git_repository_discover) X(git_repository_free) X(git_repository_init_ext) \
	X(git_repository_init_options_init) X(git_repository_is_bare) X(git_repository_odb) \
	X(git_repository_open_bare) X(git_repository_open_ext) X(git_repository_path) \
	X(git_repository_workdir) \
	X(git_revparse_single) \
	X(git_revwalk_free) X(git_revwalk_new) X(git_revwalk_next) X(git_revwalk_push_glob) \
	X(git_tree_dup) X(git_tree_entry_byindex) X(git_tree_entry_bypath) \
	X(git_tree_entry_filemode) X(git_tree_entry_free) X(git_tree_entry_id) \
	X(git_tree_entry_name) X(git_tree_entry_type) X(git_tree_entrycount) X(git_tree_free) \
	X(git_tree_id) X(git_tree_lookup)
/* clang-format on */

DL_LIBRARY(git2, DRIFTLESS_SONAME_LIBGIT2, SYMBOLS);

int git_libgit2_version(int *major, int *minor, int *rev)
{
	return DL_CALL(git2, git_libgit2_version)(major, minor, rev);
}

int git_libgit2_features(void)
{
	return DL_CALL(git2, git_libgit2_features)();
}

/*
 * Variadic: a wrapper cannot pass its arguments on as they came, so it takes them apart
 * for the options we use and passes them on with their types.
 */
int git_libgit2_opts(int option, ...)
{
	va_list ap;
	int r, level;
	const char *a, *b;

	va_start(ap, option);
	switch (option) {
	case GIT_OPT_SET_SEARCH_PATH:
		level = va_arg(ap, int);
		a = va_arg(ap, const char *);
		r = DL_CALL(git2, git_libgit2_opts)(option, level, a);
		break;
	case GIT_OPT_SET_SSL_CERT_LOCATIONS:
		a = va_arg(ap, const char *);
		b = va_arg(ap, const char *);
		r = DL_CALL(git2, git_libgit2_opts)(option, a, b);
		break;
	case GIT_OPT_SET_CACHE_OBJECT_LIMIT: {
		git_object_t type = va_arg(ap, git_object_t);
		size_t limit = va_arg(ap, size_t);

		r = DL_CALL(git2, git_libgit2_opts)(option, type, limit);
		break;
	}
	case GIT_OPT_ENABLE_STRICT_OBJECT_CREATION:
	case GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION:
	case GIT_OPT_ENABLE_FSYNC_GITDIR:
	case GIT_OPT_SET_OWNER_VALIDATION:
		level = va_arg(ap, int);
		r = DL_CALL(git2, git_libgit2_opts)(option, level);
		break;
	default:
		log_error("git_libgit2_opts(%d): option not handled by source/git2-dl.c", option);
		abort();
	}
	va_end(ap);
	return r;
}

void git_blob_free(git_blob *blob)
{
	DL_CALL(git2, git_blob_free)(blob);
}

int git_blob_lookup(git_blob **blob, git_repository *repo, const git_oid *id)
{
	return DL_CALL(git2, git_blob_lookup)(blob, repo, id);
}

const void *git_blob_rawcontent(const git_blob *blob)
{
	return DL_CALL(git2, git_blob_rawcontent)(blob);
}

git_object_size_t git_blob_rawsize(const git_blob *blob)
{
	return DL_CALL(git2, git_blob_rawsize)(blob);
}

void git_buf_dispose(git_buf *buffer)
{
	DL_CALL(git2, git_buf_dispose)(buffer);
}

const git_signature *git_commit_committer(const git_commit *commit)
{
	return DL_CALL(git2, git_commit_committer)(commit);
}

int git_commit_extract_signature(git_buf *signature, git_buf *signed_data, git_repository *repo,
                                 git_oid *commit_id, const char *field)
{
	return DL_CALL(git2, git_commit_extract_signature)(signature, signed_data, repo, commit_id,
	                                                   field);
}

void git_commit_free(git_commit *commit)
{
	DL_CALL(git2, git_commit_free)(commit);
}

int git_commit_lookup(git_commit **commit, git_repository *repo, const git_oid *id)
{
	return DL_CALL(git2, git_commit_lookup)(commit, repo, id);
}

int git_commit_tree(git_tree **tree_out, const git_commit *commit)
{
	return DL_CALL(git2, git_commit_tree)(tree_out, commit);
}

int git_credential_ssh_key_new(git_credential **out, const char *username, const char *publickey,
                               const char *privatekey, const char *passphrase)
{
	return DL_CALL(git2, git_credential_ssh_key_new)(out, username, publickey, privatekey,
	                                                 passphrase);
}

int git_credential_username_new(git_credential **out, const char *username)
{
	return DL_CALL(git2, git_credential_username_new)(out, username);
}

int git_credential_userpass_plaintext_new(git_credential **out, const char *username,
                                          const char *password)
{
	return DL_CALL(git2, git_credential_userpass_plaintext_new)(out, username, password);
}

const git_error *git_error_last(void)
{
	return DL_CALL(git2, git_error_last)();
}

int git_error_set_str(int error_class, const char *string)
{
	return DL_CALL(git2, git_error_set_str)(error_class, string);
}

int git_fetch_options_init(git_fetch_options *opts, unsigned int version)
{
	return DL_CALL(git2, git_fetch_options_init)(opts, version);
}

int git_graph_descendant_of(git_repository *repo, const git_oid *commit, const git_oid *ancestor)
{
	return DL_CALL(git2, git_graph_descendant_of)(repo, commit, ancestor);
}

int git_libgit2_init(void)
{
	return DL_CALL(git2, git_libgit2_init)();
}

void git_object_free(git_object *object)
{
	DL_CALL(git2, git_object_free)(object);
}

const git_oid *git_object_id(const git_object *obj)
{
	return DL_CALL(git2, git_object_id)(obj);
}

int git_object_peel(git_object **peeled, const git_object *object, git_object_t target_type)
{
	return DL_CALL(git2, git_object_peel)(peeled, object, target_type);
}

int git_odb_exists(git_odb *db, const git_oid *id)
{
	return DL_CALL(git2, git_odb_exists)(db, id);
}

void git_odb_free(git_odb *db)
{
	DL_CALL(git2, git_odb_free)(db);
}

int git_oid_cpy(git_oid *out, const git_oid *src)
{
	return DL_CALL(git2, git_oid_cpy)(out, src);
}

int git_oid_equal(const git_oid *a, const git_oid *b)
{
	return DL_CALL(git2, git_oid_equal)(a, b);
}

int git_oid_fromstr(git_oid *out, const char *str)
{
	return DL_CALL(git2, git_oid_fromstr)(out, str);
}

char *git_oid_tostr(char *out, size_t n, const git_oid *id)
{
	return DL_CALL(git2, git_oid_tostr)(out, n, id);
}

int git_proxy_options_init(git_proxy_options *opts, unsigned int version)
{
	return DL_CALL(git2, git_proxy_options_init)(opts, version);
}

int git_reference_create(git_reference **out, git_repository *repo, const char *name,
                         const git_oid *id, int force, const char *log_message)
{
	return DL_CALL(git2, git_reference_create)(out, repo, name, id, force, log_message);
}

void git_reference_free(git_reference *ref)
{
	DL_CALL(git2, git_reference_free)(ref);
}

int git_reference_lookup(git_reference **out, git_repository *repo, const char *name)
{
	return DL_CALL(git2, git_reference_lookup)(out, repo, name);
}

const git_oid *git_reference_target(const git_reference *ref)
{
	return DL_CALL(git2, git_reference_target)(ref);
}

int git_remote_connect(git_remote *remote, git_direction direction,
                       const git_remote_callbacks *callbacks, const git_proxy_options *proxy_opts,
                       const git_strarray *custom_headers)
{
	return DL_CALL(git2, git_remote_connect)(remote, direction, callbacks, proxy_opts,
	                                         custom_headers);
}

int git_remote_create_anonymous(git_remote **out, git_repository *repo, const char *url)
{
	return DL_CALL(git2, git_remote_create_anonymous)(out, repo, url);
}

int git_remote_download(git_remote *remote, const git_strarray *refspecs,
                        const git_fetch_options *opts)
{
	return DL_CALL(git2, git_remote_download)(remote, refspecs, opts);
}

void git_remote_free(git_remote *remote)
{
	DL_CALL(git2, git_remote_free)(remote);
}

int git_remote_init_callbacks(git_remote_callbacks *opts, unsigned int version)
{
	return DL_CALL(git2, git_remote_init_callbacks)(opts, version);
}

int git_remote_ls(const git_remote_head ***out, size_t *size, git_remote *remote)
{
	return DL_CALL(git2, git_remote_ls)(out, size, remote);
}

int git_repository_discover(git_buf *out, const char *start_path, int across_fs,
                            const char *ceiling_dirs)
{
	return DL_CALL(git2, git_repository_discover)(out, start_path, across_fs, ceiling_dirs);
}

void git_repository_free(git_repository *repo)
{
	DL_CALL(git2, git_repository_free)(repo);
}

int git_repository_init_ext(git_repository **out, const char *repo_path,
                            git_repository_init_options *opts)
{
	return DL_CALL(git2, git_repository_init_ext)(out, repo_path, opts);
}

int git_repository_init_options_init(git_repository_init_options *opts, unsigned int version)
{
	return DL_CALL(git2, git_repository_init_options_init)(opts, version);
}

int git_repository_is_bare(const git_repository *repo)
{
	return DL_CALL(git2, git_repository_is_bare)(repo);
}

int git_repository_odb(git_odb **out, git_repository *repo)
{
	return DL_CALL(git2, git_repository_odb)(out, repo);
}

int git_repository_open_bare(git_repository **out, const char *bare_path)
{
	return DL_CALL(git2, git_repository_open_bare)(out, bare_path);
}

int git_repository_open_ext(git_repository **out, const char *path, unsigned int flags,
                            const char *ceiling_dirs)
{
	return DL_CALL(git2, git_repository_open_ext)(out, path, flags, ceiling_dirs);
}

const char *git_repository_path(const git_repository *repo)
{
	return DL_CALL(git2, git_repository_path)(repo);
}

const char *git_repository_workdir(const git_repository *repo)
{
	return DL_CALL(git2, git_repository_workdir)(repo);
}

int git_revparse_single(git_object **out, git_repository *repo, const char *spec)
{
	return DL_CALL(git2, git_revparse_single)(out, repo, spec);
}

int git_tree_dup(git_tree **out, git_tree *source)
{
	return DL_CALL(git2, git_tree_dup)(out, source);
}

const git_tree_entry *git_tree_entry_byindex(const git_tree *tree, size_t idx)
{
	return DL_CALL(git2, git_tree_entry_byindex)(tree, idx);
}

int git_tree_entry_bypath(git_tree_entry **out, const git_tree *root, const char *path)
{
	return DL_CALL(git2, git_tree_entry_bypath)(out, root, path);
}

git_filemode_t git_tree_entry_filemode(const git_tree_entry *entry)
{
	return DL_CALL(git2, git_tree_entry_filemode)(entry);
}

void git_tree_entry_free(git_tree_entry *entry)
{
	DL_CALL(git2, git_tree_entry_free)(entry);
}

const git_oid *git_tree_entry_id(const git_tree_entry *entry)
{
	return DL_CALL(git2, git_tree_entry_id)(entry);
}

const char *git_tree_entry_name(const git_tree_entry *entry)
{
	return DL_CALL(git2, git_tree_entry_name)(entry);
}

git_object_t git_tree_entry_type(const git_tree_entry *entry)
{
	return DL_CALL(git2, git_tree_entry_type)(entry);
}

size_t git_tree_entrycount(const git_tree *tree)
{
	return DL_CALL(git2, git_tree_entrycount)(tree);
}

void git_tree_free(git_tree *tree)
{
	DL_CALL(git2, git_tree_free)(tree);
}

const git_oid *git_tree_id(const git_tree *tree)
{
	return DL_CALL(git2, git_tree_id)(tree);
}

int git_tree_lookup(git_tree **out, git_repository *repo, const git_oid *id)
{
	return DL_CALL(git2, git_tree_lookup)(out, repo, id);
}

int git_odb_new(git_odb **out)
{
	return DL_CALL(git2, git_odb_new)(out);
}

int git_odb_backend_one_pack(git_odb_backend **out, const char *index_file)
{
	return DL_CALL(git2, git_odb_backend_one_pack)(out, index_file);
}

int git_odb_add_backend(git_odb *odb, git_odb_backend *backend, int priority)
{
	return DL_CALL(git2, git_odb_add_backend)(odb, backend, priority);
}

int git_odb_foreach(git_odb *db, git_odb_foreach_cb cb, void *payload)
{
	return DL_CALL(git2, git_odb_foreach)(db, cb, payload);
}

int git_packbuilder_new(git_packbuilder **out, git_repository *repo)
{
	return DL_CALL(git2, git_packbuilder_new)(out, repo);
}

int git_packbuilder_insert(git_packbuilder *pb, const git_oid *id, const char *name)
{
	return DL_CALL(git2, git_packbuilder_insert)(pb, id, name);
}

int git_packbuilder_write(git_packbuilder *pb, const char *path, unsigned int mode,
                          git_indexer_progress_cb progress_cb, void *progress_cb_payload)
{
	return DL_CALL(git2, git_packbuilder_write)(pb, path, mode, progress_cb,
	                                            progress_cb_payload);
}

const char *git_packbuilder_name(git_packbuilder *pb)
{
	return DL_CALL(git2, git_packbuilder_name)(pb);
}

void git_packbuilder_free(git_packbuilder *pb)
{
	DL_CALL(git2, git_packbuilder_free)(pb);
}

int git_revwalk_new(git_revwalk **out, git_repository *repo)
{
	return DL_CALL(git2, git_revwalk_new)(out, repo);
}

int git_revwalk_push_glob(git_revwalk *walk, const char *glob)
{
	return DL_CALL(git2, git_revwalk_push_glob)(walk, glob);
}

int git_revwalk_next(git_oid *out, git_revwalk *walk)
{
	return DL_CALL(git2, git_revwalk_next)(out, walk);
}

void git_revwalk_free(git_revwalk *walk)
{
	DL_CALL(git2, git_revwalk_free)(walk);
}

int git_diff_options_init(git_diff_options *opts, unsigned int version)
{
	return DL_CALL(git2, git_diff_options_init)(opts, version);
}

int git_patch_from_buffers(git_patch **out, const void *old_buffer, size_t old_len,
                           const char *old_as_path, const void *new_buffer, size_t new_len,
                           const char *new_as_path, const git_diff_options *opts)
{
	return DL_CALL(git2, git_patch_from_buffers)(out, old_buffer, old_len, old_as_path,
	                                             new_buffer, new_len, new_as_path, opts);
}

void git_patch_free(git_patch *patch)
{
	DL_CALL(git2, git_patch_free)(patch);
}

size_t git_patch_num_hunks(const git_patch *patch)
{
	return DL_CALL(git2, git_patch_num_hunks)(patch);
}

int git_patch_get_hunk(const git_diff_hunk **out, size_t *lines_in_hunk, git_patch *patch,
                       size_t hunk_idx)
{
	return DL_CALL(git2, git_patch_get_hunk)(out, lines_in_hunk, patch, hunk_idx);
}

int git_patch_get_line_in_hunk(const git_diff_line **out, git_patch *patch, size_t hunk_idx,
                               size_t line_of_hunk)
{
	return DL_CALL(git2, git_patch_get_line_in_hunk)(out, patch, hunk_idx, line_of_hunk);
}

int source_load_library(struct error *reterr)
{
	return dl_library_load(&dl_library_git2, reterr);
}
