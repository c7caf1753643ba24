#pragma once
/*
 * Running a helper command and reading what it prints: credential plugins (kubeconfig's
 * exec, the AWS credential_process). The output may be a secret: the buffers this makes on
 * the way are wiped, and the caller wipes out.
 */

#include <stddef.h>
#include <stdint.h>

struct error;
struct strbuf;

struct process_options {
	const char *const *argv;  /* argv[0] is looked up in $PATH unless it has a '/' */
	char *const *envp;        /* NULL: this process's environment */
	uint64_t timeout_usec;    /* the whole run */
	size_t max_output_bytes;  /* more is an error */
};

/*
 * Run o->argv with standard input from /dev/null, standard output into out, standard error
 * inherited, in a session of its own, with no signal blocked. Returns its exit status (0 or
 * more) once it exited, or a negative errno with reterr saying why: -ENOENT not found,
 * -ETIMEDOUT not done in time (it is killed), -EFBIG printed too much (killed),
 * -ECHILD killed by a signal, the errors of pipe() and posix_spawn().
 */
int process_run(const struct process_options *o, struct strbuf *out, struct error *reterr);
