#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/tree.h"
#include "doc/doc.h"
#include "render/render.h"
#include "source/source.h"
#include "sync/sync.h"

/* The directory as a path from the file system root, without the leading '/'. */
static int absolute_dir(const char *dir, char **ret)
{
	char cwd[PATH_MAX];
	_cleanup_free_ char *joined = NULL;

	if (dir[0] == '/') {
		joined = xstrdup(dir);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		joined = xasprintf("%s/%s", cwd, dir);
	}
	return tree_path_join("", joined + 1, ret);
}

/*
 * "/" + path with the symbolic links of its longest existing leading part resolved (as
 * git compares real paths with its work tree), and that existing part alone in *ret_base.
 */
static char *real_prefix(const char *path, char **ret_base)
{
	_cleanup_free_ char *head = xstrjoin("/", path, NULL);
	size_t cut = strlen(head);

	for (;;) {
		char real[PATH_MAX];

		head[cut] = '\0';
		if (realpath(cut ? head : "/", real)) {
			const char *rest = path + (cut ? cut - 1 : 0);

			while (*rest == '/')
				rest++;
			*ret_base = xstrdup(real);
			return xstrjoin(real, streq(real, "/") || !*rest ? "" : "/", rest, NULL);
		}
		while (cut > 0 && head[cut - 1] != '/')
			cut--;
		if (cut > 0)
			cut--;
	}
}

/*
 * --rev without --repo: DIR in the work tree of the repository that holds it, read at
 * REV. *ret_tree reads the commit, *ret_dir is DIR relative to the repository's root.
 */
static int tree_at_rev_of_dir(const char *abs_dir, const char *rev, struct tree **ret_tree,
                              char **ret_dir, struct error *reterr)
{
	_cleanup_(source_repo_freep) struct source_repo *repo = NULL;
	_cleanup_free_ char *slash_dir = NULL, *existing = NULL;
	char commit[SOURCE_REVISION_MAX];
	const char *workdir;
	size_t n;
	int r;

	/* DIR need not exist in the work tree: it may be gone since REV */
	slash_dir = real_prefix(abs_dir, &existing);
	r = source_repo_open(existing, true, &repo, reterr);
	if (r < 0)
		return r;
	workdir = source_repo_workdir(repo);
	if (!workdir)
		return error_set(reterr, -EINVAL, "%s is inside a bare repository: use --repo",
		                 slash_dir);
	n = strlen(workdir);
	if (strncmp(slash_dir, workdir, n) != 0 || (slash_dir[n] != '/' && slash_dir[n] != '\0'))
		return error_set(reterr, -EINVAL, "%s is not inside the work tree %s", slash_dir,
		                 workdir);
	r = source_repo_resolve(repo, rev, commit, reterr);
	if (r < 0)
		return r;
	r = source_repo_tree(repo, commit, ret_tree, reterr);
	if (r < 0)
		return r;
	*ret_dir = xstrdup(slash_dir[n] ? slash_dir + n + 1 : "");
	return 0;
}

static bool is_url(const char *s)
{
	const char *colon = strchr(s, ':'), *slash = strchr(s, '/');

	if (strstr(s, "://"))
		return true;
	/* scp-like user@host:path, but not a local path with a colon in it */
	return colon && s[0] != '/' && s[0] != '.' && (!slash || colon < slash);
}

/* --repo URL: a temporary bare clone of REV, fetched with the config's auth. */
static int tree_from_url(const char *url, const char *rev, const char *config_path,
                         struct tree **ret_tree, char *ret_tmp_dir, size_t tmp_size,
                         struct error *reterr)
{
	_cleanup_(sync_config_freep) struct sync_config *config = NULL;
	_cleanup_(source_repo_freep) struct source_repo *repo = NULL;
	_cleanup_free_ char *clone = NULL;
	struct source_config c;
	struct source_fetch_result res;
	const char *tmp = getenv("TMPDIR");
	int r;

	source_config_init(&c);
	if (config_path) {
		r = sync_config_load(config_path, &config, reterr);
		if (r < 0)
			return r;
		/* the auth fields; what to fetch comes from the command line */
		c.username = config->source.username;
		c.token_file = config->source.token_file;
		c.password_file = config->source.password_file;
		c.ssh_key_file = config->source.ssh_key_file;
		c.ssh_passphrase_file = config->source.ssh_passphrase_file;
		c.known_hosts_file = config->source.known_hosts_file;
		c.ca_file = config->source.ca_file;
		c.timeout_usec = config->source.timeout_usec;
	}
	c.url = (char *)url;
	c.retries = 0;
	c.allow_force_push = true;
	snprintf(ret_tmp_dir, tmp_size, "%s/driftless-render-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(ret_tmp_dir))
		return error_set(reterr, -errno, "Failed to create %s: %s", ret_tmp_dir,
		                 strerror(errno));
	clone = xstrjoin(ret_tmp_dir, "/repo.git", NULL);

	if (!rev)
		rev = config && config->source.ref_kind == SOURCE_REF_BRANCH ? config->source.ref :
		                                                               "main";
	if (strlen(rev) == 40 && strspn(rev, "0123456789abcdef") == 40) {
		c.ref_kind = SOURCE_REF_COMMIT;
		c.ref = (char *)rev;
		r = source_fetch(&c, clone, &res, reterr);
	} else {
		/* a branch of that name, else a tag */
		c.ref_kind = SOURCE_REF_BRANCH;
		c.ref = (char *)rev;
		r = source_fetch(&c, clone, &res, reterr);
		if (r == -ENOENT) {
			c.ref_kind = SOURCE_REF_TAG;
			r = source_fetch(&c, clone, &res, reterr);
		}
	}
	if (r < 0)
		return r;
	r = source_repo_open(clone, false, &repo, reterr);
	if (r < 0)
		return r;
	return source_repo_tree(repo, res.revision, ret_tree, reterr);
}

/* --repo PATH: a local repository, bare or not, at REV (default HEAD). */
static int tree_from_path(const char *path, const char *rev, struct tree **ret_tree,
                          struct error *reterr)
{
	_cleanup_(source_repo_freep) struct source_repo *repo = NULL;
	char commit[SOURCE_REVISION_MAX];
	int r;

	r = source_repo_open(path, false, &repo, reterr);
	if (r < 0)
		return r;
	r = source_repo_resolve(repo, rev ? rev : "HEAD", commit, reterr);
	if (r < 0)
		return r;
	return source_repo_tree(repo, commit, ret_tree, reterr);
}

int cli_render(int argc, char **argv)
{
	enum { ARG_REPO = 0x100 };
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "rev", required_argument, NULL, 'r' },
		{ "repo", required_argument, NULL, ARG_REPO },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const struct cli_command *self = cli_command_find("render");
	enum cli_output output = CLI_OUTPUT_TEXT;
	_cleanup_(tree_freep) struct tree *tree = NULL;
	_cleanup_free_ char *dir = NULL;
	struct strbuf out = STRBUF_INIT;
	struct error e = ERROR_INIT;
	_cleanup_(render_objects_freep) json_t *objects = NULL;
	const char *rev = NULL, *repo = NULL, *config_path = NULL;
	char tmp_dir[PATH_MAX] = "";
	int r;

	optind = 0;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, "+:o:r:c:h", options, NULL);

		if (c < 0)
			break;
		switch (c) {
		case 'o':
			if (streq(optarg, "yaml"))
				output = CLI_OUTPUT_TEXT;
			else if (streq(optarg, "json"))
				output = CLI_OUTPUT_JSON;
			else
				return cli_usage_error(self, "unknown output format '%s'", optarg);
			break;
		case 'r':
			rev = optarg;
			break;
		case ARG_REPO:
			repo = optarg;
			break;
		case 'c':
			config_path = optarg;
			break;
		case 'h':
			cli_command_usage(self, stdout);
			return cli_flush_stdout();
		default:
			return cli_option_error(self, c, argv);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(
		        self, optind >= argc ? "no directory given" : "unexpected argument '%s'",
		        argv[optind + (optind < argc)]);

	if ((rev || repo) && (r = source_load_library(&e)) < 0) {
		log_error_errno(r, "%s", error_message(&e));
		return CLI_EXIT_FAILURE;
	}
	if (repo) {
		/* DIR is a path inside that repository */
		r = tree_path_join("", argv[optind], &dir) < 0 ? -EACCES : 0;
		if (r < 0)
			(void)error_set(&e, r, "'%s' leaves the repository", argv[optind]);
		else if (is_url(repo)) {
			if (!config_path)
				config_path = getenv("DRIFTLESS_CONFIG");
			if (!config_path && access(SYNC_CONFIG_DEFAULT_PATH, R_OK) == 0)
				config_path = SYNC_CONFIG_DEFAULT_PATH;
			r = tree_from_url(repo, rev,
			                  config_path && *config_path ? config_path : NULL, &tree,
			                  tmp_dir, sizeof(tmp_dir), &e);
		} else
			r = tree_from_path(repo, rev, &tree, &e);
	} else {
		r = absolute_dir(argv[optind], &dir);
		if (r < 0) {
			log_error_errno(r, "Failed to resolve '%s': %s", argv[optind],
			                strerror(-r));
			return CLI_EXIT_FAILURE;
		}
		if (rev) {
			_cleanup_free_ char *abs = TAKE_PTR(dir);

			r = tree_at_rev_of_dir(abs, rev, &tree, &dir, &e);
		} else
			r = tree_dir_new("/", &tree, &e);
	}
	if (r >= 0)
		r = render_kustomization(tree, dir, &objects, &e);
	if (tmp_dir[0])
		remove_tree(tmp_dir);
	if (r < 0) {
		log_error_errno(r, "%s", error_message(&e));
		return CLI_EXIT_FAILURE;
	}
	if (output == CLI_OUTPUT_JSON) {
		/*
		 * Straight into out: json_dumps() would return memory from jansson's allocator
		 * (doc_init()), which free() must not see.
		 */
		doc_json_dump(objects, JSON_INDENT(2) | JSON_PRESERVE_ORDER, &out);
		strbuf_addch(&out, '\n');
	} else {
		r = render_print(objects, &out, &e);
		if (r < 0) {
			strbuf_release(&out);
			log_error_errno(r, "%s", error_message(&e));
			return CLI_EXIT_FAILURE;
		}
	}
	fwrite(out.buf, 1, out.len, stdout);
	strbuf_release(&out);
	return cli_flush_stdout();
}
