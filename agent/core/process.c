/* Running a helper command and reading what it prints (process.h). */

#include "core/process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fileio.h"
#include "core/macro.h"
#include "core/strbuf.h"
#include "core/time.h"

extern char **environ;

/* Read the child's output until EOF, the cap or the deadline. */
static int read_output(int fd, uint64_t deadline_usec, size_t max, struct strbuf *out)
{
	for (;;) {
		uint64_t now = now_usec(CLOCK_MONOTONIC);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char buf[4096];
		ssize_t n;
		int r;

		if (now >= deadline_usec)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)MIN((deadline_usec - now) / USEC_PER_MSEC + 1, 60000ULL));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		if (out->len + (size_t)n > max) {
			explicit_bzero(buf, sizeof(buf));
			return -EFBIG;
		}
		strbuf_add(out, buf, (size_t)n);
		explicit_bzero(buf, (size_t)n);
	}
}

/* Wait for the child that closed its output to exit, until the deadline. */
static int wait_exit(pid_t pid, uint64_t deadline_usec, int *ret_status)
{
	for (;;) {
		pid_t r = waitpid(pid, ret_status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (now_usec(CLOCK_MONOTONIC) >= deadline_usec)
			return -ETIMEDOUT;
		(void)usleep(2000);
	}
}

int process_run(const struct process_options *o, struct strbuf *out, struct error *reterr)
{
	_cleanup_close_ int rfd = -EBADF, wfd = -EBADF;
	uint64_t deadline = now_usec(CLOCK_MONOTONIC) + o->timeout_usec;
	const char *cmd = o->argv[0];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int fds[2], status = 0, r;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return error_set(reterr, -errno, "pipe: %s", strerror(errno));
	rfd = fds[0];
	wfd = fds[1];
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, wfd, STDOUT_FILENO);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID);
	if (strchr(cmd, '/'))
		r = posix_spawn(&pid, cmd, &fa, &attr, (char *const *)o->argv,
		                o->envp ? o->envp : environ);
	else
		r = posix_spawnp(&pid, cmd, &fa, &attr, (char *const *)o->argv,
		                 o->envp ? o->envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r == ENOENT)
		return error_set(reterr, -ENOENT, "not found");
	if (r != 0)
		return error_set(reterr, -r, "could not be started: %s", strerror(r));
	wfd = safe_close(wfd);

	r = read_output(rfd, deadline, o->max_output_bytes, out);
	if (r >= 0)
		r = wait_exit(pid, deadline, &status);
	if (r < 0) {
		(void)kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (r == -ETIMEDOUT) {
		char span[FORMAT_TIMESPAN_MAX];

		return error_set(reterr, r, "did not finish within %s",
		                 format_timespan(span, sizeof(span), o->timeout_usec));
	}
	if (r == -EFBIG)
		return error_set(reterr, r, "printed too much");
	if (r < 0)
		return error_set(reterr, r, "could not be read from: %s", strerror(-r));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && out->len == 0)
		return error_set(reterr, -ENOENT, "not found (exit status 127)");
	if (!WIFEXITED(status))
		return error_set(reterr, -ECHILD, "was killed by signal %d", WTERMSIG(status));
	return WEXITSTATUS(status);
}
