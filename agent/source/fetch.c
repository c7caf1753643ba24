/*
 * source_fetch(): keep state_dir/repo.git up to date and decide which revision is in use.
 *
 * The network part runs in a child process with a deadline (remote.c says why); this file
 * creates the clone, serialises users with a lock, retries with backoff, then checks what
 * came in before it moves refs/driftless/current: every object of the commit's tree is
 * present, the move is a fast-forward, and the signature is good when one is required.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/time.h"
#include "doc/doc.h"
#include "source/internal.h"
#include "source/source.h"

#define REPLY_MAX_BYTES (64u << 10)
#define TRACKING_FILE   "driftless-tracking"
#define PREVIOUS_FILE   "driftless-previous"
#define REF_REMOTE      "refs/driftless/remote"
#define REF_CURRENT     "refs/driftless/current"

extern char **environ;

static char *helper_path;

void source_set_helper(const char *path)
{
	free(helper_path);
	helper_path = path ? xstrdup(path) : NULL;
}

const char *source_ref_kind_to_string(enum source_ref_kind k)
{
	static const char *const names[] = {
		[SOURCE_REF_BRANCH] = "branch",
		[SOURCE_REF_TAG] = "tag",
		[SOURCE_REF_COMMIT] = "commit",
	};

	return k >= 0 && k < _SOURCE_REF_KIND_MAX ? names[k] : NULL;
}

/* Create an empty bare repository at dir, atomically: it exists complete or not at all. */
static int repo_create(const char *dir, struct error *reterr)
{
	git_repository_init_options opts;
	_cleanup_free_ char *tmp = xstrjoin(dir, ".new-XXXXXX", NULL);
	_cleanup_(git_repository_freep) git_repository *repo = NULL;
	int g, r;

	/* its parent exists: repo_lock() made it */
	if (!mkdtemp(tmp))
		return error_set(reterr, -errno, "Failed to create a directory next to %s: %s", dir,
		                 strerror(errno));
	(void)git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH |
	             GIT_REPOSITORY_INIT_NO_REINIT;
	opts.mode = GIT_REPOSITORY_INIT_SHARED_UMASK;
	g = git_repository_init_ext(&repo, tmp, &opts);
	if (g < 0) {
		r = source_git_error(g, reterr, "Failed to create the repository %s", tmp);
		remove_tree(tmp);
		return r;
	}
	if (rename(tmp, dir) < 0) {
		r = -errno;
		remove_tree(tmp);
		if (r == -EEXIST || r == -ENOTEMPTY) /* someone else made it first */
			return 0;
		return error_set(reterr, r, "Failed to rename %s to %s: %s", tmp, dir,
		                 strerror(-r));
	}
	return 0;
}

/* Take the clone's lock, waiting up to timeout_usec for another user to finish. */
static int repo_lock(const char *dir, uint64_t timeout_usec, int *ret_fd, struct error *reterr)
{
	/* beside the clone, not in it: a damaged clone is moved away under this lock */
	_cleanup_free_ char *path = xstrjoin(dir, ".lock", NULL);
	_cleanup_free_ char *parent = xstrdup(dir);
	uint64_t deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;
	char *slash = strrchr(parent, '/');
	int fd, r;

	if (slash && slash != parent) {
		*slash = '\0';
		r = mkdir_parents(parent, 0700, reterr);
		if (r < 0)
			return r;
	}

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return error_set(reterr, -errno, "Failed to open %s: %s", path, strerror(errno));
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK) {
			int code = -errno;

			close(fd);
			return error_set(reterr, code, "Failed to lock %s: %s", path,
			                 strerror(-code));
		}
		if (now_usec(CLOCK_MONOTONIC) >= deadline) {
			close(fd);
			return error_set(reterr, -EBUSY,
			                 "%s is held by another driftless process; gave up waiting",
			                 path);
		}
		(void)usleep(50 * 1000);
	}
	*ret_fd = fd;
	return 0;
}

/* Remove what a killed fetch may have left: ref locks and temporary object files. */
static void remove_leftovers(const char *dir, const char *sub, bool locks, bool temps)
{
	_cleanup_free_ char *path = sub[0] ? xstrjoin(dir, "/", sub, NULL) : xstrdup(dir);
	DIR *d = opendir(path);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		_cleanup_free_ char *child = NULL;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		child = sub[0] ? xstrjoin(sub, "/", de->d_name, NULL) : xstrdup(de->d_name);
		if (de->d_type == DT_DIR) {
			if (locks && strncmp(child, "refs", 4) == 0)
				remove_leftovers(dir, child, true, false);
			continue;
		}
		if ((locks && n > 5 && streq(de->d_name + n - 5, ".lock")) ||
		    (temps && strstr(de->d_name, "_git2_"))) {
			_cleanup_free_ char *full = xstrjoin(dir, "/", child, NULL);

			log_debug("Removing %s, left by an interrupted fetch", full);
			(void)unlink(full);
		}
	}
	closedir(d);
}

static void repo_clean(const char *dir)
{
	remove_leftovers(dir, "", true, false); /* packed-refs.lock, HEAD.lock, config.lock */
	remove_leftovers(dir, "refs", true, false);
	remove_leftovers(dir, "objects", false, true);
	remove_leftovers(dir, "objects/pack", false, true);
}

static void ref_read(git_repository *repo, const char *name, char out[SOURCE_REVISION_MAX])
{
	_cleanup_(git_reference_freep) git_reference *ref = NULL;

	out[0] = '\0';
	if (git_reference_lookup(&ref, repo, name) == 0 && git_reference_target(ref))
		source_oid_hex(git_reference_target(ref), out);
}

static json_t *helper_request(const struct source_config *c, const char *repo_dir, const char *have)
{
	json_t *req =
	        json_pack("{s:s, s:s, s:s, s:s, s:s}", "repo", repo_dir, "url", c->url, "kind",
	                  source_ref_kind_to_string(c->ref_kind), "ref", c->ref, "have", have);
	const struct {
		const char *name, *value;
	} opt[] = {
		{ "username", c->username },
		{ "token_file", c->token_file },
		{ "password_file", c->password_file },
		{ "ssh_key_file", c->ssh_key_file },
		{ "ssh_passphrase_file", c->ssh_passphrase_file },
		{ "known_hosts_file", c->known_hosts_file },
		{ "ca_file", c->ca_file },
	};

	for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]); i++)
		if (opt[i].value)
			json_object_set_new(req, opt[i].name, json_string(opt[i].value));
	return req;
}

/* All of data to the socket fd; a peer that is gone is an error, not SIGPIPE. */
static int send_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t k = send(fd, data, len, MSG_NOSIGNAL);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += k;
		len -= (size_t)k;
	}
	return 0;
}

/*
 * This executable. By its path, which readlink() gives, rather than by /proc/self/exe:
 * under valgrind the latter is valgrind's own tool. When the file was replaced since we
 * started (an upgrade), the running one is only reachable as /proc/self/exe.
 */
static const char *helper_self(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);

	if (n <= 0 || (size_t)n >= size - 1)
		return "/proc/self/exe";
	buf[n] = '\0';
	if (n > 10 && streq(buf + n - 10, " (deleted)"))
		return "/proc/self/exe";
	return buf;
}

/* Set once by source_fetch_cancel(): fetches in flight stop, later ones do not start. */
static bool cancelled;

void source_fetch_cancel(void)
{
	__atomic_store_n(&cancelled, true, __ATOMIC_RELEASE);
}

static bool is_cancelled(void)
{
	return __atomic_load_n(&cancelled, __ATOMIC_ACQUIRE);
}

/*
 * Run the helper with request on its stdin; its JSON reply goes to *ret. -ETIMEDOUT when
 * it did not finish within timeout_usec (it is killed), -ECANCELED when source_fetch_cancel()
 * came first (killed too), -EIO when it died or said nothing.
 */
static int helper_run(json_t *request, uint64_t timeout_usec, json_t **ret, struct error *reterr)
{
	char self[PATH_MAX];
	const char *path = helper_path ? helper_path : helper_self(self, sizeof(self));
	char *argv[] = { (char *)"driftless", (char *)"__source-helper", NULL };
	uint64_t deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	sigset_t all, none;
	int in[2], out[2], status = 0, r;
	struct strbuf reply = STRBUF_INIT, req = STRBUF_INIT;
	bool timed_out = false, was_cancelled = false;
	json_error_t jerr;
	pid_t pid;

	if (is_cancelled())
		return error_set(reterr, -ECANCELED, "stopped: the agent is shutting down");
	/* a socket, not a pipe, for the request: send() can then refuse SIGPIPE */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0)
		return error_set(reterr, -errno, "socketpair: %s", strerror(errno));
	if (pipe2(out, O_CLOEXEC) < 0) {
		r = -errno;
		close(in[0]);
		close(in[1]);
		return error_set(reterr, r, "pipe: %s", strerror(-r));
	}
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
	posix_spawnattr_init(&attr);
	/* the daemon blocks and handles signals itself; the child starts with defaults */
	sigfillset(&all);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	r = -posix_spawn(&pid, path, &actions, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
	close(in[0]);
	close(out[1]);
	if (r < 0) {
		close(in[1]);
		close(out[0]);
		return error_set(reterr, r, "Failed to run %s: %s", path, strerror(-r));
	}

	doc_json_dump(request, JSON_COMPACT, &req);
	(void)send_all(in[1], req.buf, req.len);
	strbuf_release(&req);
	close(in[1]);

	for (;;) {
		struct pollfd p = { .fd = out[0], .events = POLLIN };
		uint64_t now = now_usec(CLOCK_MONOTONIC);
		char buf[4096];
		ssize_t k;

		if (now >= deadline) {
			timed_out = true;
			break;
		}
		if (is_cancelled()) {
			was_cancelled = true;
			break;
		}
		/* in slices, to notice a cancel */
		r = poll(&p, 1, (int)MIN((deadline - now + 999) / 1000, (uint64_t)100));
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			continue;
		k = read(out[0], buf, sizeof(buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (reply.len + (size_t)k <= REPLY_MAX_BYTES)
			strbuf_add(&reply, buf, (size_t)k);
	}
	close(out[0]);
	if (timed_out || was_cancelled)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out || was_cancelled) {
		strbuf_release(&reply);
		return timed_out ? error_set(reterr, -ETIMEDOUT, "timed out") :
		                   error_set(reterr, -ECANCELED, "stopped: the agent is shutting down");
	}
	*ret = json_loadb(reply.buf, reply.len, 0, &jerr);
	strbuf_release(&reply);
	if (!*ret || !json_is_object(*ret)) {
		json_decref(*ret);
		*ret = NULL;
		if (WIFSIGNALED(status))
			return error_set(reterr, -EIO, "the fetch process died of signal %d",
			                 WTERMSIG(status));
		return error_set(reterr, -EIO, "the fetch process failed (exit status %d)",
		                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	return 0;
}

struct pending_tree {
	git_oid id;
	char *path; /* from the root, "" for the root */
};

/* Whether the tree at path in before (may be NULL) is id: then it was checked then. */
static bool was_checked(git_tree *before, const char *path, const git_oid *id)
{
	_cleanup_(git_tree_entry_freep) git_tree_entry *e = NULL;

	return before && git_tree_entry_bypath(&e, before, path) == 0 &&
	       git_oid_equal(git_tree_entry_id(e), id);
}

/*
 * Every tree and blob of the commit's tree is present (a fetch may be incomplete). Subtrees
 * that are the same as in the commit accepted before (accepted_hex, may be "") were checked
 * when it was accepted, and objects are never removed from the clone: they are skipped.
 */
static int check_complete(git_repository *repo, const git_oid *commit_id, const char *accepted_hex,
                          struct error *reterr)
{
	_cleanup_(git_odb_freep) git_odb *odb = NULL;
	_cleanup_(git_commit_freep) git_commit *commit = NULL, *old = NULL;
	_cleanup_(git_tree_freep) git_tree *root = NULL, *before = NULL;
	_cleanup_free_ struct pending_tree *stack = NULL;
	size_t n = 0, cap = 64;
	char hex[SOURCE_OID_HEX_MAX];
	git_oid accepted;
	int g, r = 0;

	source_oid_hex(commit_id, hex);
	if (accepted_hex[0] && git_oid_fromstr(&accepted, accepted_hex) == 0) {
		if (git_oid_equal(&accepted, commit_id))
			return 0;
		if (git_commit_lookup(&old, repo, &accepted) == 0)
			(void)git_commit_tree(&before, old);
	}
	g = git_repository_odb(&odb, repo);
	if (g >= 0)
		g = git_commit_lookup(&commit, repo, commit_id);
	if (g >= 0)
		g = git_commit_tree(&root, commit);
	if (g < 0)
		return source_git_error(g, reterr, "Commit %s is incomplete or corrupt", hex);
	stack = xreallocarray(NULL, cap, sizeof(*stack));
	stack[n++] = (struct pending_tree){ .path = xstrdup("") };
	git_oid_cpy(&stack[0].id, git_tree_id(root));
	while (n > 0 && r == 0) {
		_cleanup_(git_tree_freep) git_tree *tree = NULL;
		_cleanup_free_ char *path = stack[--n].path;
		git_oid id = stack[n].id;

		g = git_tree_lookup(&tree, repo, &id);
		if (g < 0) {
			r = source_git_error(g, reterr, "Commit %s is incomplete or corrupt", hex);
			break;
		}
		for (size_t i = 0, count = git_tree_entrycount(tree); i < count && r == 0; i++) {
			const git_tree_entry *e = git_tree_entry_byindex(tree, i);
			char blob[SOURCE_OID_HEX_MAX];
			char *child;

			if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
				child = path[0] ?
				                xstrjoin(path, "/", git_tree_entry_name(e), NULL) :
				                xstrdup(git_tree_entry_name(e));
				if (was_checked(before, child, git_tree_entry_id(e))) {
					free(child);
					continue;
				}
				if (n == cap)
					stack = xreallocarray(stack, cap *= 2, sizeof(*stack));
				stack[n] = (struct pending_tree){ .path = child };
				git_oid_cpy(&stack[n++].id, git_tree_entry_id(e));
				continue;
			}
			if (git_tree_entry_type(e) != GIT_OBJECT_BLOB ||
			    git_odb_exists(odb, git_tree_entry_id(e)) == 1)
				continue;
			source_oid_hex(git_tree_entry_id(e), blob);
			r = error_set(reterr, -EIO,
			              "Commit %s is incomplete: blob %s (%s) is missing", hex, blob,
			              git_tree_entry_name(e));
		}
	}
	while (n > 0)
		free(stack[--n].path);
	return r;
}

static int verify_commit(const struct source_config *c, git_repository *repo, const git_oid *id,
                         struct source_signature *ret, struct error *reterr)
{
	_cleanup_(git_buf_disposep) git_buf sig = GIT_BUF_INIT;
	_cleanup_(git_buf_disposep) git_buf data = GIT_BUF_INIT;
	_cleanup_(git_commit_freep) git_commit *commit = NULL;
	int64_t when;
	int g;

	g = git_commit_lookup(&commit, repo, id);
	if (g < 0)
		return source_git_error(g, reterr, "Failed to read the commit to verify");
	when = (int64_t)git_commit_committer(commit)->when.time;
	g = git_commit_extract_signature(&sig, &data, repo, (git_oid *)id, NULL);
	if (g == GIT_ENOTFOUND) /* unsigned: still a verdict */
		return source_signature_verify(&c->verify, NULL, 0, NULL, 0, when, ret, reterr);
	if (g < 0)
		return source_git_error(g, reterr, "Failed to read the commit's signature");
	return source_signature_verify(&c->verify, sig.ptr, sig.size, data.ptr, data.size, when,
	                               ret, reterr);
}

static bool is_retryable(const char *kind)
{
	return kind && streq(kind, "network");
}

static int kind_to_errno(const char *kind)
{
	if (!kind)
		return -EIO;
	if (streq(kind, "auth"))
		return -EACCES;
	if (streq(kind, "hostkey") || streq(kind, "tls"))
		return -EKEYREJECTED;
	if (streq(kind, "notfound"))
		return -ENOENT;
	return -EIO;
}

/*
 * libgit2 1.5 takes the host key algorithms to ask an SSH server for from
 * $HOME/.ssh/known_hosts: without them, libssh2's own order applies, and a server that
 * also has, say, an ECDSA key presents that one, which a known_hosts file listing only
 * its Ed25519 key (as users copy GitHub's) would call a changed key. So the helper gets a
 * HOME of its own whose .ssh/known_hosts is the configured file; made here, not in the
 * helper, so that it is removed even when the helper is killed. The check itself stays
 * the helper's (cb_certificate() in remote.c). Returns the directory, or NULL.
 */
static char *ssh_home_new(const char *known_hosts_file)
{
	const char *tmp = getenv("TMPDIR");
	char real[PATH_MAX];
	char *dir = xasprintf("%s/driftless-ssh-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	_cleanup_free_ char *ssh = NULL, *link = NULL;

	if (!realpath(known_hosts_file, real) || !mkdtemp(dir)) {
		free(dir);
		return NULL;
	}
	ssh = xstrjoin(dir, "/.ssh", NULL);
	link = xstrjoin(ssh, "/known_hosts", NULL);
	if (mkdir(ssh, 0700) < 0 || symlink(real, link) < 0)
		log_debug("Failed to prepare %s: %s", ssh, strerror(errno));
	return dir;
}

static void ssh_home_free(char *dir)
{
	_cleanup_free_ char *ssh = NULL, *link = NULL;

	if (!dir)
		return;
	ssh = xstrjoin(dir, "/.ssh", NULL);
	link = xstrjoin(ssh, "/known_hosts", NULL);
	(void)unlink(link);
	(void)rmdir(ssh);
	(void)rmdir(dir);
	free(dir);
}

/* The network half, with retries: fills the fields of ret it learns. */
static int fetch_remote(const struct source_config *c, const char *repo_dir, const char *have,
                        struct source_fetch_result *ret, json_t **ret_reply, struct error *reterr)
{
	_cleanup_free_ char *url = source_config_display_url(c);
	json_t *request = helper_request(c, repo_dir, have);
	char *home = c->known_hosts_file ? ssh_home_new(c->known_hosts_file) : NULL;
	struct backoff backoff;
	int r = 0;

	if (home)
		json_object_set_new(request, "home", json_string(home));

	backoff_init(&backoff, c->retry_initial_usec, c->retry_max_usec, BACKOFF_JITTER_EQUAL);
	for (unsigned attempt = 0;; attempt++) {
		struct error e = ERROR_INIT;
		json_t *reply = NULL;
		const char *kind = NULL;
		bool retry;

		ret->attempts = attempt + 1;
		r = helper_run(request, c->timeout_usec, &reply, &e);
		if (r == -ETIMEDOUT) {
			char span[FORMAT_TIMESPAN_MAX];

			(void)error_set(&e, r, "Fetching from %s timed out after %s", url,
			                format_timespan(span, sizeof(span), c->timeout_usec));
			retry = true;
		} else if (r < 0) {
			retry = false;
		} else if (json_object_get(reply, "error")) {
			kind = json_string_value(json_object_get(reply, "kind"));
			r = kind_to_errno(kind);
			(void)error_set(&e, r, "%s",
			                json_is_string(json_object_get(reply, "error")) ?
			                        json_string_value(json_object_get(reply, "error")) :
			                        "the fetch failed");
			retry = is_retryable(kind);
			json_decref(reply);
			reply = NULL;
		} else {
			*ret_reply = reply;
			break;
		}
		if (!retry || attempt >= c->retries || is_cancelled()) {
			if (attempt > 0)
				(void)error_prefix(&e, r, "after %u attempts", attempt + 1);
			*reterr = e;
			break;
		}
		{
			uint64_t delay = backoff_next_usec(&backoff);
			char span[FORMAT_TIMESPAN_MAX];

			log_warning("%s; retrying in %s", e.message,
			            format_timespan(span, sizeof(span), delay));
			sleep_usec(delay > 3600 * USEC_PER_SEC ? 3600 * USEC_PER_SEC : delay, &cancelled);
		}
	}
	json_decref(request);
	ssh_home_free(home);
	return r;
}

static void tracking_read(const char *repo_dir, char *out, size_t size)
{
	_cleanup_free_ char *path = xstrjoin(repo_dir, "/" TRACKING_FILE, NULL);
	_cleanup_free_ char *data = NULL;
	size_t len;

	out[0] = '\0';
	if (read_file_full(path, 4096, &data, &len, NULL) == 0) {
		while (len > 0 && data[len - 1] == '\n')
			data[--len] = '\0';
		snprintf(out, size, "%s", data);
	}
}

/* Is the move from ret->previous to tip allowed by the history rules? */
static int check_history(const struct source_config *c, git_repository *repo, const git_oid *tip,
                         const char *repo_dir, const struct source_fetch_result *ret,
                         struct error *reterr)
{
	_cleanup_free_ char *url = source_config_display_url(c);
	_cleanup_free_ char *tracking =
	        xasprintf("%s %s", source_ref_kind_to_string(c->ref_kind), c->ref);
	char tracked_before[512];
	git_oid current;
	int g;

	if (!ret->previous[0] || git_oid_fromstr(&current, ret->previous) < 0 ||
	    git_oid_equal(&current, tip) || c->ref_kind == SOURCE_REF_COMMIT)
		return 0;
	/* the config now follows another ref: the two histories need not be related */
	tracking_read(repo_dir, tracked_before, sizeof(tracked_before));
	if (!streq(tracked_before, tracking)) {
		log_notice("Now following %s (was '%s'): not checking that it contains %.12s",
		           tracking, tracked_before, ret->previous);
		return 0;
	}
	/* a clone made again that did not get it: the remote no longer has it */
	g = source_object_exists(repo, &current) ? git_graph_descendant_of(repo, tip, &current) : 0;
	if (g < 0)
		return source_git_error(g, reterr, "Failed to compare %s with %s", ret->remote,
		                        ret->previous);
	if (g > 0)
		return 0;
	if (!c->allow_force_push)
		return error_set(reterr, -ESTALE,
		                 "Refusing %s: %s %s moved from %.12s to %.12s, which does not "
		                 "contain it (a force push or a rewritten history); set "
		                 "source.allow_force_push to accept such moves",
		                 url, source_ref_kind_to_string(c->ref_kind), c->ref, ret->previous,
		                 ret->remote);
	log_warning("%s %s moved from %.12s to %.12s without containing it (a force push); "
	            "accepted because source.allow_force_push is set",
	            source_ref_kind_to_string(c->ref_kind), c->ref, ret->previous, ret->remote);
	return 0;
}

/* Move refs/driftless/current to tip and remember which ref it came from. */
static int accept_revision(const struct source_config *c, git_repository *repo, const git_oid *tip,
                           const char *repo_dir, struct error *reterr)
{
	_cleanup_(git_reference_freep) git_reference *ref = NULL;
	_cleanup_free_ char *path = xstrjoin(repo_dir, "/" TRACKING_FILE, NULL);
	_cleanup_free_ char *line =
	        xasprintf("%s %s\n", source_ref_kind_to_string(c->ref_kind), c->ref);
	char before[512];
	int g;

	g = git_reference_create(&ref, repo, REF_CURRENT, tip, 1, "driftless: accept");
	if (g < 0)
		return source_git_error(g, reterr, "Failed to record the revision in use");
	tracking_read(repo_dir, before, sizeof(before));
	if (strlen(before) + 1 == strlen(line) && strncmp(before, line, strlen(before)) == 0)
		return 0;
	return write_file_atomic(path, line, strlen(line), 0600, reterr);
}

/* The revision a clone made again after damage must follow on from ("" when none). */
static void previous_read(const char *repo_dir, char out[SOURCE_REVISION_MAX])
{
	_cleanup_free_ char *path = xstrjoin(repo_dir, "/" PREVIOUS_FILE, NULL);
	_cleanup_free_ char *data = NULL;
	size_t len;

	out[0] = '\0';
	if (read_file_full(path, 64, &data, &len, NULL) == 0 && len >= GIT_OID_HEXSZ &&
	    strspn(data, "0123456789abcdef") == GIT_OID_HEXSZ)
		snprintf(out, SOURCE_REVISION_MAX, "%.40s", data);
}

static void previous_remove(const char *repo_dir)
{
	_cleanup_free_ char *path = xstrjoin(repo_dir, "/" PREVIOUS_FILE, NULL);

	(void)unlink(path);
}

/*
 * The revision in use: what fetch_locked() found, or, when it could not even open the
 * clone, the ref's file read by hand (a loose ref; libgit2 never packs ours).
 */
static const char *current_of(const char *repo_dir, const struct source_fetch_result *ret)
{
	static __thread char buf[SOURCE_REVISION_MAX];
	_cleanup_free_ char *path = NULL, *data = NULL;
	size_t len;

	if (ret->previous[0])
		return ret->previous;
	path = xstrjoin(repo_dir, "/" REF_CURRENT, NULL);
	buf[0] = '\0';
	if (read_file_full(path, 64, &data, &len, NULL) == 0 && len >= GIT_OID_HEXSZ &&
	    strspn(data, "0123456789abcdef") == GIT_OID_HEXSZ)
		snprintf(buf, sizeof(buf), "%.40s", data);
	else
		previous_read(repo_dir, buf);
	return buf;
}

/* source_fetch() with the clone locked. */
static int fetch_locked(const struct source_config *c, const char *repo_dir,
                        struct source_fetch_result *ret, struct error *reterr)
{
	_cleanup_(git_repository_freep) git_repository *repo = NULL;
	_cleanup_free_ char *url = source_config_display_url(c);
	char have[SOURCE_REVISION_MAX];
	json_t *reply = NULL;
	git_oid tip;
	int g, r;

	repo_clean(repo_dir);
	g = git_repository_open_bare(&repo, repo_dir);
	if (g < 0) {
		/* ours, so damaged whatever libgit2 says: -EUCLEAN tells source_fetch() */
		struct error e = ERROR_INIT;

		(void)source_git_error(g, &e, "Failed to open the clone %s", repo_dir);
		return error_set(reterr, -EUCLEAN, "%s", e.message);
	}
	ref_read(repo, REF_CURRENT, ret->previous);
	if (!ret->previous[0]) /* a clone made again after damage: what the old one used */
		previous_read(repo_dir, ret->previous);
	memcpy(ret->revision, ret->previous, sizeof(ret->revision));
	ref_read(repo, REF_REMOTE, have);
	/* a new handle afterwards: the child adds objects and refs behind this one's back */
	git_repository_free(TAKE_PTR(repo));

	r = fetch_remote(c, repo_dir, have, ret, &reply, reterr);
	if (r < 0)
		return r;
	ret->transferred = json_is_true(json_object_get(reply, "transferred"));
	ret->received_objects = (uint64_t)json_integer_value(json_object_get(reply, "objects"));
	ret->received_bytes = (uint64_t)json_integer_value(json_object_get(reply, "bytes"));
	snprintf(ret->remote, sizeof(ret->remote), "%s",
	         json_is_string(json_object_get(reply, "tip")) ?
	                 json_string_value(json_object_get(reply, "tip")) :
	                 "");
	json_decref(reply);
	if (strlen(ret->remote) != GIT_OID_HEXSZ || git_oid_fromstr(&tip, ret->remote) < 0)
		return error_set(reterr, -EIO, "The fetch process gave no revision");

	g = git_repository_open_bare(&repo, repo_dir);
	if (g < 0)
		return source_git_error(g, reterr, "Failed to open the clone %s", repo_dir);
	r = check_complete(repo, &tip, ret->previous, reterr);
	if (r < 0)
		return r;
	r = check_history(c, repo, &tip, repo_dir, ret, reterr);
	if (r < 0)
		return r;
	if (c->verify.allowed_signers_file || c->verify.gpg_keyring_file) {
		ret->verified = true;
		r = verify_commit(c, repo, &tip, &ret->signature, reterr);
		if (r < 0)
			return r;
		if (ret->signature.status != SOURCE_SIGNATURE_GOOD)
			return error_set(reterr, -EPERM,
			                 "Refusing commit %.12s of %s: signature %s: %s",
			                 ret->remote, url,
			                 source_signature_status_to_string(ret->signature.status),
			                 ret->signature.reason);
	}
	r = accept_revision(c, repo, &tip, repo_dir, reterr);
	if (r < 0)
		return r;
	previous_remove(repo_dir);
	memcpy(ret->revision, ret->remote, sizeof(ret->revision));
	return 0;
}

/*
 * Whether a failure may come from a damaged clone rather than from the remote, the
 * network or a check that refused the revision.
 */
static bool may_be_damage(int r)
{
	return r != -EACCES && r != -EKEYREJECTED && r != -ENOENT && r != -ESTALE && r != -EPERM &&
	       r != -ETIMEDOUT && r != -EBUSY;
}

/* Every commit the clone's refs reach can be read, and so can the tree in use. */
static bool clone_is_sound(const char *repo_dir, const char *current)
{
	_cleanup_(git_repository_freep) git_repository *repo = NULL;
	git_revwalk *walk = NULL;
	git_oid id;
	int g;

	if (git_repository_open_bare(&repo, repo_dir) < 0)
		return false;
	g = git_revwalk_new(&walk, repo);
	if (g >= 0)
		g = git_revwalk_push_glob(walk, "refs/driftless/*");
	while (g >= 0 && (g = git_revwalk_next(&id, walk)) == 0) {
		_cleanup_(git_commit_freep) git_commit *commit = NULL;

		g = git_commit_lookup(&commit, repo, &id);
	}
	git_revwalk_free(walk);
	if (g != GIT_ITEROVER)
		return false;
	return !current[0] || git_oid_fromstr(&id, current) < 0 ||
	       check_complete(repo, &id, "", NULL) == 0;
}

/*
 * Move a damaged clone aside (to DIR.damaged, replacing an older one) and start a new one
 * that remembers the revision in use, so the history rules still hold for the next one.
 */
static int clone_replace(const char *repo_dir, const char *current, struct error *reterr)
{
	_cleanup_free_ char *damaged = xstrjoin(repo_dir, ".damaged", NULL);
	_cleanup_free_ char *tracking = xstrjoin(repo_dir, "/" TRACKING_FILE, NULL);
	_cleanup_free_ char *kept = NULL, *line = NULL;
	size_t len;
	int r;

	(void)read_file_full(tracking, 4096, &kept, &len, NULL);
	remove_tree(damaged);
	if (rename(repo_dir, damaged) < 0)
		return error_set(reterr, -errno, "Failed to move the damaged clone %s aside: %s",
		                 repo_dir, strerror(errno));
	r = repo_create(repo_dir, reterr);
	if (r < 0)
		return r;
	if (kept) {
		free(tracking);
		tracking = xstrjoin(repo_dir, "/" TRACKING_FILE, NULL);
		r = write_file_atomic(tracking, kept, len, 0600, reterr);
		if (r < 0)
			return r;
	}
	if (!current[0])
		return 0;
	line = xstrjoin(current, "\n", NULL);
	free(tracking);
	tracking = xstrjoin(repo_dir, "/" PREVIOUS_FILE, NULL);
	return write_file_atomic(tracking, line, strlen(line), 0600, reterr);
}

int source_fetch(const struct source_config *c, const char *repo_dir,
                 struct source_fetch_result *ret, struct error *reterr)
{
	uint64_t start = now_usec(CLOCK_MONOTONIC);
	_cleanup_free_ char *head = xstrjoin(repo_dir, "/HEAD", NULL);
	_cleanup_close_ int fd = -EBADF;
	struct error e = ERROR_INIT;
	int r;

	*ret = (struct source_fetch_result){ 0 };
	r = source_git_init(reterr);
	if (r < 0)
		return r;
	r = repo_lock(repo_dir, c->timeout_usec, &fd, reterr);
	if (r < 0)
		return r;
	if (access(head, F_OK) < 0) {
		r = repo_create(repo_dir, reterr);
		if (r < 0)
			return r;
	}
	r = fetch_locked(c, repo_dir, ret, &e);
	if (r < 0 && may_be_damage(r) && !clone_is_sound(repo_dir, current_of(repo_dir, ret))) {
		char in_use[SOURCE_REVISION_MAX];

		memcpy(in_use, current_of(repo_dir, ret), sizeof(in_use));
		log_warning("The clone %s is damaged (%s): moving it to %s.damaged and fetching "
		            "again",
		            repo_dir, e.message, repo_dir);
		r = clone_replace(repo_dir, in_use, reterr);
		if (r < 0)
			return r;
		*ret = (struct source_fetch_result){ .attempts = ret->attempts };
		error_clear(&e);
		r = fetch_locked(c, repo_dir, ret, &e);
	}
	if (r < 0 && reterr)
		*reterr = e;
	ret->duration_usec = now_usec(CLOCK_MONOTONIC) - start;
	return r;
}

int source_current(const char *repo_dir, char ret[SOURCE_REVISION_MAX], struct error *reterr)
{
	_cleanup_(git_repository_freep) git_repository *repo = NULL;
	char rev[SOURCE_REVISION_MAX];
	int g, r;

	r = source_git_init(reterr);
	if (r < 0)
		return r;
	g = git_repository_open_bare(&repo, repo_dir);
	if (g < 0)
		return source_git_error(g, reterr, "Failed to open the clone %s", repo_dir);
	ref_read(repo, REF_CURRENT, rev);
	if (!rev[0])
		return error_set(reterr, -ENOENT, "%s has no revision in use yet", repo_dir);
	memcpy(ret, rev, SOURCE_REVISION_MAX);
	return 0;
}
