#pragma once
/*
 * cli: one file per subcommand; main.c only dispatches through cli_commands[].
 *
 * Exit codes follow kubectl and git habits:
 *	0	success (and, for diff, nothing drifted)
 *	1	diff only: something drifted
 *	2	usage error (unknown command or flag, missing argument) or a failure
 * Errors go to stderr, naming the file, line and field at fault; output for machines
 * comes with --output json.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "core/macro.h"

#define CLI_EXIT_OK      0
#define CLI_EXIT_DIFF    1
#define CLI_EXIT_FAILURE 2
#define CLI_EXIT_USAGE   2

/* argv[0] is the command's name; returns an exit code. */
typedef int cli_run_fn(int argc, char **argv);

struct cli_command {
	const char *name;
	const char *synopsis; /* arguments after the name, for the overview */
	const char *summary;  /* one line for `driftless --help` */
	const char *help;     /* the full text of `driftless help NAME` */
	cli_run_fn *run;
	bool is_long_running; /* the daemon: an allocator that gives memory back (doc_init()) */
};

/* The commands, terminated by an entry with a NULL name. */
extern const struct cli_command cli_commands[];

const struct cli_command *cli_command_find(const char *name);

/* `driftless --help`: the overview of commands and global options. */
void cli_usage(FILE *f);
/* The full help of one command. */
void cli_command_usage(const struct cli_command *cmd, FILE *f);

/*
 * Report a usage error on stderr: "error: <message>" and a pointer to the help of cmd (or
 * the overview when cmd is NULL). Returns CLI_EXIT_USAGE.
 */
int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...) _printf_(2, 3);

/*
 * Report what getopt_long() returned for a bad option ('?' unknown, ':' missing argument;
 * the option string must start with "+:") as a usage error. Returns CLI_EXIT_USAGE.
 */
int cli_option_error(const struct cli_command *cmd, int c, char **argv);

/* Flush stdout; a write error (full disk, closed pipe) is reported and fails the command. */
int cli_flush_stdout(void);

enum cli_output {
	CLI_OUTPUT_TEXT,
	CLI_OUTPUT_JSON,
	_CLI_OUTPUT_MAX,
	_CLI_OUTPUT_INVALID = -EINVAL,
};

/* "text" or "json" */
int cli_output_from_string(const char *s);

/*
 * The options of fetch, status and run: -c/--config FILE (default $DRIFTLESS_CONFIG, then
 * SYNC_CONFIG_DEFAULT_PATH), -o/--output FORMAT (only when ret_output is given),
 * --daemon URL (only when ret_daemon_url is given; NULL when absent) and --help. Returns -1 to go on, with optind at the first
 * argument, else the exit code (--help, usage errors).
 */
int cli_parse_config_output(const struct cli_command *self, int argc, char **argv,
                            const char **ret_config_path, enum cli_output *ret_output,
                            const char **ret_daemon_url);

/* diff and sync (target.c): their shared options. */
struct cli_target_args {
	const char *config_path; /* config mode: -c, $DRIFTLESS_CONFIG or the default */
	bool has_config;         /* -c given */
	const char *env;         /* config mode: the environment (NULL: all); --path: --env */
	const char *path;        /* --path DIR: a directory, no config file */
	const char *kubeconfig;
	const char *context;
	const char *inventory; /* NAMESPACE/NAME */
	enum cli_output output;
	bool no_fetch;
	bool dry_run;
	bool force_conflicts;
	bool retry;
	bool no_prune;
	uint64_t timeout_usec;
};

struct sync_context;

/*
 * Parse the options of diff (is_sync false) or sync. Returns -1 to go on, else the exit
 * code (--help, usage errors).
 */
int cli_target_parse(const struct cli_command *self, int argc, char **argv, bool is_sync,
                     struct cli_target_args *a);
struct sync_config;

/*
 * The config file of a, with the environment a->env (when given) and at least one; source
 * library loaded. Errors are logged.
 */
int cli_target_load_config(const struct cli_target_args *a, struct sync_config **ret);
/*
 * --path mode: the kustomization in a->path rendered, and the cluster context of
 * --kubeconfig, --context and the other flags. Errors are logged.
 */
int cli_target_open_path(const struct cli_target_args *a, json_t **ret_objects,
                         struct sync_context **ret_ctx);
/* Whether stdout gets colours: a terminal, NO_COLOR unset, TERM not dumb. */
bool cli_use_color(void);
/* doc as indented JSON on stdout. */
int cli_print_json(const json_t *doc);

int cli_diff(int argc, char **argv);
int cli_sync(int argc, char **argv);
int cli_status(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_render(int argc, char **argv);
int cli_fetch(int argc, char **argv);
int cli_version(int argc, char **argv);
int cli_help(int argc, char **argv);

/* The version string of this build ("0.1.0" or "0.1.0-12-gabcdef"). */
const char *cli_program_version(void);
