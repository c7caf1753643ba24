/*
 * TCP_NODELAY on libgit2's sockets, which libgit2 1.5 does not set.
 *
 * mbedTLS writes the last messages of its handshake, and libgit2 an HTTP request's headers
 * and body, with separate send() calls; Nagle's algorithm then holds the second until the
 * server's delayed ACK comes, 40 ms later, at every exchange (measured by bench/git: a poll
 * over HTTPS took 95 ms instead of 50). libgit2 offers no hook on its sockets, so the fetch
 * helper process interposes connect(): the executable exports that one symbol
 * (agent/source/exports.ld), which libgit2 and libssh2, loaded later with dlopen(), bind to
 * ahead of libc's. It only adds the option, and only once source_nodelay_enable() was
 * called; anything else goes to libc's connect() untouched.
 */

#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "source/internal.h"

static bool nodelay;

void source_nodelay_enable(void)
{
	nodelay = true;
}

/* With libc's own prototype (a transparent union under _GNU_SOURCE). */
int connect(int fd, __CONST_SOCKADDR_ARG arg, socklen_t len)
{
	typedef int connect_fn(int, __CONST_SOCKADDR_ARG, socklen_t);
	static connect_fn *real;
	connect_fn *f = __atomic_load_n(&real, __ATOMIC_ACQUIRE);
	const struct sockaddr *addr = arg.__sockaddr__;

	if (!f) {
		void *sym = dlsym(RTLD_NEXT, "connect");

		/* POSIX: what dlsym() returns for a function converts to a function pointer */
		memcpy(&f, &sym, sizeof(f));
		__atomic_store_n(&real, f, __ATOMIC_RELEASE);
	}
	if (nodelay && addr && (addr->sa_family == AF_INET || addr->sa_family == AF_INET6)) {
		int type = 0, one = 1;
		socklen_t n = sizeof(type);

		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &n) == 0 && type == SOCK_STREAM)
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	return f(fd, arg, len);
}
