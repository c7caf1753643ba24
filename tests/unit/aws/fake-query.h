#pragma once
/*
 * A small fake of an AWS Query endpoint on loopback for the unit tests of agent/aws: it
 * answers each connection with the next canned reply and keeps the last request.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct canned {
	int status;
	const char *body;
};

struct fake {
	int fd;
	uint16_t port;
	const struct canned *replies;
	size_t n_replies;
	size_t served;
	char last_request[8192];
	char actions[16][64]; /* the Action= of each request served (the first 16) */
	pthread_t thread;
};

static void *serve(void *userdata)
{
	struct fake *f = userdata;

	for (size_t i = 0; i < f->n_replies; i++) {
		int c = accept(f->fd, NULL, NULL);
		char buf[8192], out[8192];
		size_t len = 0;
		const char *end = NULL;
		size_t want = 0;

		if (c < 0)
			break;
		for (;;) {
			ssize_t k = read(c, buf + len, sizeof(buf) - 1 - len);

			if (k <= 0)
				break;
			len += (size_t)k;
			buf[len] = '\0';
			end = strstr(buf, "\r\n\r\n");
			if (end) {
				const char *cl = strcasestr(buf, "Content-Length:");

				want = (size_t)(end + 4 - buf) +
				       (cl ? strtoul(cl + 15, NULL, 10) : 0);
				if (len >= want)
					break;
			}
		}
		memcpy(f->last_request, buf, len + 1);
		if (i < 16) {
			const char *a = strstr(buf, "Action=");

			if (a)
				snprintf(f->actions[i], sizeof(f->actions[i]), "%.*s",
				         (int)strcspn(a + 7, "&"), a + 7);
		}
		snprintf(out, sizeof(out),
		         "HTTP/1.1 %d X\r\nContent-Type: text/xml\r\nContent-Length: %zu\r\n"
		         "Connection: close\r\n\r\n%s",
		         f->replies[i].status, strlen(f->replies[i].body), f->replies[i].body);
		(void)!write(c, out, strlen(out));
		close(c);
		f->served++;
	}
	return NULL;
}

static void fake_start(struct fake *f, const struct canned *replies, size_t n)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);

	*f = (struct fake){ .replies = replies, .n_replies = n };
	f->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(f->fd >= 0);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(f->fd, 8), 0);
	assert_int_equal(getsockname(f->fd, (struct sockaddr *)&a, &alen), 0);
	f->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&f->thread, NULL, serve, f), 0);
}

static void fake_stop(struct fake *f)
{
	shutdown(f->fd, SHUT_RDWR);
	close(f->fd);
	pthread_join(f->thread, NULL);
}

