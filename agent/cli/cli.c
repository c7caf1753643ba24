#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "sync/sync.h"

#ifndef DRIFTLESS_VERSION
#	define DRIFTLESS_VERSION "unknown"
#endif

const struct cli_command cli_commands[] = {
	{
	        .name = "render",
	        .synopsis = "[--rev REV] [--repo URL|PATH] [--output yaml|json] DIR",
	        .summary = "Render a kustomization directory, exactly as kubectl kustomize does",
	        .help = "Render the kustomization in DIR (resources, components, generators,\n"
	                "patches and transformers) and print the objects, byte for byte what\n"
	                "`kubectl kustomize DIR` prints.\n"
	                "\n"
	                "With --rev, DIR is rendered as it is at the git revision REV (a commit,\n"
	                "branch, tag or any name `git rev-parse` takes) of the repository that\n"
	                "contains DIR, read from the object database without a checkout.\n"
	                "With --repo, DIR is a path inside another repository: a local one\n"
	                "(PATH, bare or not; REV defaults to HEAD) or a remote one (URL; REV is\n"
	                "a branch or tag name or a full commit id, default main), fetched into\n"
	                "a temporary clone with the auth settings of the config file's source.\n"
	                "\n"
	                "Options:\n"
	                "  -r, --rev REV          the revision to render\n"
	                "      --repo URL|PATH    the repository to render from\n"
	                "  -c, --config FILE      auth for --repo URL (default: $DRIFTLESS_CONFIG,\n"
	                "                         then /etc/driftless/driftless.yaml when it exists)\n"
	                "  -o, --output FORMAT    yaml (default) or json\n",
	        .run = cli_render,
	},
	{
	        .name = "fetch",
	        .synopsis = "[-c CONFIG] [--output text|json]",
	        .summary = "Fetch the configured repository, check the new revision, accept it",
	        .help = "Bring the clone in STATE_DIR/repo.git up to date with source.url and\n"
	                "accept the tracked branch's (or tag's, or commit's) revision when all\n"
	                "its objects arrived, it does not rewrite history (unless\n"
	                "source.allow_force_push), and, with source.verify, its signature is\n"
	                "good and by a trusted key. Otherwise the revision in use stays, and\n"
	                "the reason is printed. When the remote has not moved, this costs one\n"
	                "connection and no transfer.\n"
	                "\n"
	                "Exit status: 0 when the revision in use is the remote's, 2 otherwise.\n"
	                "\n"
	                "Options:\n"
	                "  -c, --config FILE      the config file (default: $DRIFTLESS_CONFIG,\n"
	                "                         then /etc/driftless/driftless.yaml)\n"
	                "  -o, --output FORMAT    text (default) or json\n",
	        .run = cli_fetch,
	},
	{
	        .name = "diff",
	        .synopsis = "[-c CONFIG] [ENV] | --path DIR [--kubeconfig FILE] [--context NAME]",
	        .summary = "Show how the cluster differs from git, as a unified diff per object",
	        .help = "Compare what git says (the environment's overlay at the revision in\n"
	                "use, after a fetch; or the kustomization in DIR) with the live cluster\n"
	                "and print, for every object to create, update or prune, a unified diff\n"
	                "of its live and desired YAML (coloured on a terminal; Secret values\n"
	                "shown as ***), then a summary. Only the fields git sets are compared;\n"
	                "each difference is confirmed with a server-side-apply dry run, so\n"
	                "defaults the server fills in are not drift. Without ENV, every\n"
	                "environment of the config file.\n"
	                "\n"
	                "Exit status: 0 no drift, 1 drift, 2 an error (as kubectl diff).\n"
	                "\n"
	                "Options:\n"
	                "  -c, --config FILE      the config file (default: $DRIFTLESS_CONFIG,\n"
	                "                         then /etc/driftless/driftless.yaml)\n"
	                "      --no-fetch         compare the revision in use, do not fetch\n"
	                "      --path DIR         compare the kustomization in DIR instead\n"
	                "      --kubeconfig FILE  with --path: the kubeconfig ($KUBECONFIG, then\n"
	                "                         ~/.kube/config)\n"
	                "      --context NAME     with --path: the context (the current one)\n"
	                "      --inventory NS/NAME  with --path: the inventory ConfigMap, so\n"
	                "                         that objects that left DIR show as to prune\n"
	                "      --env NAME         with --path: the environment's name (default)\n"
	                "  -o, --output FORMAT    text (default) or json\n",
	        .run = cli_diff,
	},
	{
	        .name = "sync",
	        .synopsis = "[-c CONFIG] [--dry-run] [ENV] | --path DIR [--kubeconfig FILE] ...",
	        .summary = "Make the cluster match git now: apply, wait for health, prune",
	        .help = "One reconcile, then exit: fetch, render the environment's overlay at\n"
	                "the revision in use, and server-side apply (field manager driftless)\n"
	                "what is new or drifted, in dependency order: Namespaces, CRDs (then\n"
	                "waiting until they are Established), other cluster-wide objects,\n"
	                "ConfigMaps and Secrets, Services, workloads, the rest. Then wait until\n"
	                "the workloads applied are healthy, and prune what left git and\n"
	                "driftless created (never other objects, nor one annotated\n"
	                "driftless.dev/prune: disabled). A revision that fails (it does not\n"
	                "render, the server refuses an object, or its workloads are not healthy\n"
	                "in time) is rolled back to the last good revision and is not tried\n"
	                "again until git moves. The outcome is written to\n"
	                "STATE_DIR/envs/ENV/state.json. Without ENV, every environment.\n"
	                "\n"
	                "With --path, the kustomization in DIR is applied to the cluster of\n"
	                "--kubeconfig/--context; there is no revision, so no rollback, and\n"
	                "nothing is pruned unless --inventory names where to keep the inventory.\n"
	                "\n"
	                "Exit status: 0 when the environment matches git, 2 otherwise.\n"
	                "\n"
	                "Options:\n"
	                "  -c, --config FILE      the config file (default: $DRIFTLESS_CONFIG,\n"
	                "                         then /etc/driftless/driftless.yaml)\n"
	                "      --dry-run          show what would change (as diff), change nothing\n"
	                "      --no-fetch         use the revision in use, do not fetch\n"
	                "      --retry            try again a revision that failed\n"
	                "      --path DIR         apply the kustomization in DIR instead\n"
	                "      --kubeconfig FILE  with --path: the kubeconfig\n"
	                "      --context NAME     with --path: the context\n"
	                "      --inventory NS/NAME  with --path: the inventory ConfigMap\n"
	                "      --env NAME         with --path: the environment's name (default)\n"
	                "      --force-conflicts  with --path: take over fields another applier\n"
	                "                         owns\n"
	                "      --no-prune         with --path: never delete\n"
	                "      --timeout DURATION with --path: how long to wait for health (5m)\n"
	                "  -o, --output FORMAT    text (default) or json\n",
	        .run = cli_sync,
	},
	{
	        .name = "run",
	        .synopsis = "[-c CONFIG]",
	        .summary = "Run the agent: sync on a timer and on webhooks (what systemd starts)",
	        .help = "Fetch the source every source.interval (plus up to daemon.jitter) and\n"
	                "when a webhook reports a push, then sync every environment: apply the\n"
	                "new revision, or heal the drift of the one in use. Environments sync in\n"
	                "parallel, each once at a time; a burst of pushes gives at most one sync\n"
	                "in flight and one queued.\n"
	                "\n"
	                "Webhooks (POST /hooks/github, gitlab, gitea, bitbucket, generic),\n"
	                "/metrics, /healthz and /readyz are served on the socket systemd passes\n"
	                "(driftless.socket) or on webhook.listen. Under systemd: READY=1 after\n"
	                "the first good fetch (or daemon.ready_grace), STATUS= lines, WATCHDOG=1.\n"
	                "SIGHUP reloads the config (a bad one is refused and the running one\n"
	                "kept); SIGTERM stops the syncs in flight at a safe point and exits.\n"
	                "\n"
	                "Options:\n"
	                "  -c, --config FILE      the config file (default: $DRIFTLESS_CONFIG,\n"
	                "                         then /etc/driftless/driftless.yaml)\n",
	        .run = cli_run,
	        .is_long_running = true,
	},
	{
	        .name = "status",
	        .synopsis = "[-c CONFIG] [--daemon URL] [--output text|json] [ENV]",
	        .summary = "Show what is applied where, and what the daemon is doing",
	        .help = "Print the last fetch of the source (STATE_DIR/source.json) and, for\n"
	                "each environment (or ENV), the revision applied in full, the last good\n"
	                "revision, and the time, result and drift count of the last sync\n"
	                "(STATE_DIR/envs/ENV/state.json). With ENV, also the failed revision\n"
	                "and why, and the message of the last sync. The files are read\n"
	                "without reaching the cluster.\n"
	                "\n"
	                "When the daemon runs, its GET /status adds what it is doing now: a\n"
	                "sync in flight and since when, one queued, whether it is ready. It is\n"
	                "asked at --daemon URL, else at webhook.listen of the config (an\n"
	                "address of all interfaces asked on loopback); no answer within two\n"
	                "seconds is shown as not running.\n"
	                "\n"
	                "Options:\n"
	                "  -c, --config FILE      the config file (default: $DRIFTLESS_CONFIG,\n"
	                "                         then /etc/driftless/driftless.yaml)\n"
	                "      --daemon URL       the daemon's address (http://127.0.0.1:8080)\n"
	                "  -o, --output FORMAT    text (default) or json\n",
	        .run = cli_status,
	},
	{
	        .name = "version",
	        .synopsis = "[--output text|json]",
	        .summary = "Print the version of driftless and of every library it uses",
	        .help = "Print the version of driftless and of every library it uses: libgit2\n"
	                "(with its https and ssh features), gpgme (with gnupg), libcurl (with its\n"
	                "TLS backend), OpenSSL, libyaml, jansson, libsystemd, libmicrohttpd and\n"
	                "libxml2.\n"
	                "\n"
	                "Options:\n"
	                "  -o, --output FORMAT   text (default) or json\n",
	        .run = cli_version,
	},
	{
	        .name = "help",
	        .synopsis = "[COMMAND]",
	        .summary = "Show the help of driftless or of one command",
	        .help = "Without an argument, list the commands. With one, show its help.\n",
	        .run = cli_help,
	},
	{ 0 },
};

const char *cli_program_version(void)
{
	return DRIFTLESS_VERSION;
}

const struct cli_command *cli_command_find(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (streq(c->name, name))
			return c;
	return NULL;
}

void cli_usage(FILE *f)
{
	fprintf(f, "Usage: driftless [OPTIONS] COMMAND [ARGS...]\n"
	           "\n"
	           "A GitOps reconciliation agent: renders each environment's overlay from git\n"
	           "and makes a Kubernetes cluster and AWS RDS match it.\n"
	           "\n"
	           "Commands:\n");
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\n"
	           "Options:\n"
	           "  -h, --help               show this help\n"
	           "  -V, --version            same as the version command\n"
	           "      --log-level LEVEL    debug, info, notice, warning, err (default: info)\n"
	           "      --log-target TARGET  auto, console, logfmt or journal (default: auto)\n"
	           "\n"
	           "Run 'driftless help COMMAND' for the help of one command.\n");
}

void cli_command_usage(const struct cli_command *cmd, FILE *f)
{
	fprintf(f, "Usage: driftless %s %s\n\n%s", cmd->name, cmd->synopsis, cmd->help);
}

int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cmd) {
		fputc('\n', stderr);
		cli_command_usage(cmd, stderr);
	} else {
		fputc('\n', stderr);
		cli_usage(stderr);
	}
	return CLI_EXIT_USAGE;
}

int cli_option_error(const struct cli_command *cmd, int c, char **argv)
{
	const char *opt = argv[optind - 1];

	if (c == ':')
		return cli_usage_error(cmd, "option '%s' needs an argument", opt);
	if (optopt && !startswith(opt, "--"))
		return cli_usage_error(cmd, "unknown option '-%c'", optopt);
	return cli_usage_error(cmd, "unknown option '%s'", opt);
}

int cli_flush_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_error_errno(errno ? errno : EIO, "Failed to write to standard output: %s",
		                strerror(errno ? errno : EIO));
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

int cli_output_from_string(const char *s)
{
	if (streq(s, "text"))
		return CLI_OUTPUT_TEXT;
	if (streq(s, "json"))
		return CLI_OUTPUT_JSON;
	return -EINVAL;
}

int cli_parse_config_output(const struct cli_command *self, int argc, char **argv,
                            const char **ret_config_path, enum cli_output *ret_output,
                            const char **ret_daemon_url)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "daemon", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *config_path = getenv("DRIFTLESS_CONFIG");
	int r;

	if (ret_output)
		*ret_output = CLI_OUTPUT_TEXT;
	if (ret_daemon_url)
		*ret_daemon_url = NULL;
	optind = 0;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, "+:c:o:h", options, NULL);

		if (c < 0)
			break;
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'o':
			if (!ret_output)
				return cli_usage_error(self, "unknown option '--output'");
			r = cli_output_from_string(optarg);
			if (r < 0)
				return cli_usage_error(self, "unknown output format '%s'", optarg);
			*ret_output = r;
			break;
		case 'd':
			if (!ret_daemon_url)
				return cli_usage_error(self, "unknown option '--daemon'");
			*ret_daemon_url = optarg;
			break;
		case 'h':
			cli_command_usage(self, stdout);
			return cli_flush_stdout();
		default:
			return cli_option_error(self, c, argv);
		}
	}
	*ret_config_path = config_path && *config_path ? config_path : SYNC_CONFIG_DEFAULT_PATH;
	return -1;
}
