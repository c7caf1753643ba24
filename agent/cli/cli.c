#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#include "core/log.h"

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
