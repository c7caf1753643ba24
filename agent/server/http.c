/* The HTTP server: webhooks, /metrics, /healthz and /readyz over libmicrohttpd (server.h). */

#include "server/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/strbuf.h"

#define SEEN_DELIVERIES 256
#define METRICS_TYPE    "text/plain; version=0.0.4; charset=utf-8"

struct server {
	struct MHD_Daemon *mhd;
	int fd;
	uint16_t port;
	struct server_options o;
	void *secret; /* a copy, wiped when freed */
	char *repo_url;
	char *ref;

	pthread_mutex_t config_lock; /* guards secret, repo_url, ref (server_set_webhook()) */
	pthread_mutex_t lock;        /* guards seen[] */
	char *seen[SEEN_DELIVERIES];
	size_t next_seen;
};

/* What one request gathered while its body arrived. */
struct request {
	struct strbuf body;
	bool is_too_big;
};

/* --- the listening socket --- */

static int parse_listen(const char *address, struct sockaddr_storage *ss, socklen_t *len,
                        struct error *reterr)
{
	_cleanup_free_ char *host = NULL;
	const char *colon = strrchr(address, ':');
	char *end;
	unsigned long port;

	if (!colon)
		return error_set(reterr, -EINVAL, "listen '%s': expected HOST:PORT", address);
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port > 65535)
		return error_set(reterr, -EINVAL, "listen '%s': bad port", address);
	host = xstrndup(address, (size_t)(colon - address));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		host[strlen(host) - 1] = '\0';
		*a = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_port = htons(port) };
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return error_set(reterr, -EINVAL, "listen '%s': bad IPv6 address", address);
		*len = sizeof(*a);
		return 0;
	}
	{
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		*a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port) };
		if (host[0] && inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return error_set(reterr, -EINVAL,
			                 "listen '%s': expected an IP address (or none for all)",
			                 address);
		*len = sizeof(*a);
	}
	return 0;
}

int server_listen_check(const char *address, struct error *reterr)
{
	struct sockaddr_storage ss;
	socklen_t len;

	return parse_listen(address, &ss, &len, reterr);
}

static int open_listener(const char *address, int *ret_fd, struct error *reterr)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = 0;
	_cleanup_close_ int fd = -EBADF;
	int one = 1, r;

	r = parse_listen(address, &ss, &len, reterr);
	if (r < 0)
		return r;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set(reterr, -errno, "listen '%s': socket: %s", address,
		                 strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, SOMAXCONN) < 0)
		return error_set(reterr, -errno, "listen '%s': %s", address, strerror(errno));
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* --- replies --- */

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
                             const char *body, const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result r;

	resp = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	(void)MHD_add_response_header(resp, "Content-Type", type);
	if (allow)
		(void)MHD_add_response_header(resp, "Allow", allow);
	r = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	_cleanup_free_ char *body = xasprintf("%s\n", text);

	return reply(conn, status, "text/plain; charset=utf-8", body, NULL);
}

/* --- webhooks --- */

static const char *header(const char *name, void *userdata)
{
	return MHD_lookup_connection_value(userdata, MHD_HEADER_KIND, name);
}

/* Remember id; whether it was seen before. */
static bool is_repeated(struct server *s, const char *id)
{
	bool seen = false;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < SEEN_DELIVERIES && !seen; i++)
		seen = s->seen[i] && streq(s->seen[i], id);
	if (!seen) {
		free(s->seen[s->next_seen]);
		s->seen[s->next_seen] = xstrdup(id);
		s->next_seen = (s->next_seen + 1) % SEEN_DELIVERIES;
	}
	pthread_mutex_unlock(&s->lock);
	return seen;
}

/* What webhooks are checked against, copied so that a reload may change it meanwhile. */
struct webhook_config {
	void *secret;
	size_t secret_len;
	char *repo_url;
	char *ref;
};

static void webhook_config_get(struct server *s, struct webhook_config *ret)
{
	pthread_mutex_lock(&s->config_lock);
	*ret = (struct webhook_config){
		.secret = xmemdup(s->secret, s->o.secret_len + 1),
		.secret_len = s->o.secret_len,
		.repo_url = xstrdup(s->repo_url),
		.ref = xstrdup(s->ref),
	};
	pthread_mutex_unlock(&s->config_lock);
}

static void webhook_config_release(struct webhook_config *c)
{
	explicit_bzero(c->secret, c->secret_len);
	free(c->secret);
	free(c->repo_url);
	free(c->ref);
}

static enum MHD_Result on_webhook(struct server *s, struct MHD_Connection *conn,
                                  enum server_webhook_provider p, const struct request *req)
{
	struct server_webhook_event ev = { 0 };
	struct error e = ERROR_INIT;
	struct webhook_config cfg;
	enum server_webhook_result result;
	enum MHD_Result ret;
	int r;

	webhook_config_get(s, &cfg);
	if (req->is_too_big) {
		result = SERVER_WEBHOOK_TOO_BIG;
		ret = reply_text(conn, 413, "body too large");
	} else if (cfg.secret_len == 0) {
		/* an empty secret would let anyone sign */
		log_warning("webhook %s: refused: no webhook secret is configured",
		            server_webhook_to_string(p));
		result = SERVER_WEBHOOK_UNAUTHORIZED;
		ret = reply_text(conn, MHD_HTTP_UNAUTHORIZED, "unauthorized");
	} else if ((r = server_webhook_verify(p, header, conn, req->body.buf, req->body.len,
	                                      cfg.secret, cfg.secret_len, &ev, &e)) == -EACCES) {
		log_warning("webhook %s: refused: %s", server_webhook_to_string(p), e.message);
		result = SERVER_WEBHOOK_UNAUTHORIZED;
		ret = reply_text(conn, MHD_HTTP_UNAUTHORIZED, "unauthorized");
	} else if (r < 0) {
		result = SERVER_WEBHOOK_BAD_REQUEST;
		ret = reply_text(conn, MHD_HTTP_BAD_REQUEST, e.message);
	} else if (!ev.is_push) {
		result = SERVER_WEBHOOK_IGNORED;
		ret = reply_text(conn, MHD_HTTP_ACCEPTED, "ignored: not a push");
	} else if (!server_webhook_event_matches(&ev, cfg.repo_url, cfg.ref)) {
		result = SERVER_WEBHOOK_IGNORED;
		ret = reply_text(conn, MHD_HTTP_ACCEPTED,
		                 "ignored: a push to another repository or ref");
	} else if (ev.delivery && is_repeated(s, ev.delivery)) {
		result = SERVER_WEBHOOK_REPEATED;
		ret = reply_text(conn, MHD_HTTP_ACCEPTED, "ignored: a delivery seen before");
	} else {
		result = SERVER_WEBHOOK_ACCEPTED;
		if (s->o.ops && s->o.ops->on_push)
			s->o.ops->on_push(p, &ev, s->o.userdata);
		ret = reply_text(conn, MHD_HTTP_ACCEPTED, "accepted: a sync is queued");
	}
	if (s->o.ops && s->o.ops->on_webhook_result)
		s->o.ops->on_webhook_result(p, result, s->o.userdata);
	server_webhook_event_release(&ev);
	webhook_config_release(&cfg);
	return ret;
}

/* --- routing --- */

static enum MHD_Result route(struct server *s, struct MHD_Connection *conn, const char *url,
                             const char *method, const struct request *req)
{
	int p = server_webhook_from_path(url);

	if (p >= 0) {
		if (!streq(method, "POST"))
			return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "POST only\n",
			             "POST");
		return on_webhook(s, conn, p, req);
	}
	if (streq(url, "/metrics") || streq(url, "/healthz") || streq(url, "/readyz") ||
	    (streq(url, "/status") && s->o.ops && s->o.ops->status)) {
		if (!streq(method, "GET") && !streq(method, "HEAD"))
			return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
			             "GET or HEAD only\n", "GET, HEAD");
		if (streq(url, "/healthz"))
			return reply_text(conn, MHD_HTTP_OK, "ok");
		if (streq(url, "/readyz")) {
			bool ok = !s->o.ops || !s->o.ops->is_ready ||
			          s->o.ops->is_ready(s->o.userdata);

			return reply_text(conn, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
			                  ok ? "ready" : "not ready");
		}
		if (streq(url, "/status")) {
			_cleanup_(strbuf_release) struct strbuf out = STRBUF_INIT;

			s->o.ops->status(&out, s->o.userdata);
			return reply(conn, MHD_HTTP_OK, "application/json", out.buf ? out.buf : "{}",
			             NULL);
		}
		{
			_cleanup_(strbuf_release) struct strbuf out = STRBUF_INIT;

			if (s->o.ops && s->o.ops->metrics)
				s->o.ops->metrics(&out, s->o.userdata);
			return reply(conn, MHD_HTTP_OK, METRICS_TYPE, out.buf ? out.buf : "", NULL);
		}
	}
	return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct server *s = cls;
	struct request *req = *con_cls;

	(void)version;
	if (!req) {
		req = xcalloc(1, sizeof(*req));
		strbuf_init(&req->body, 0);
		*con_cls = req;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (req->body.len + *upload_data_size >
		    __atomic_load_n(&s->o.max_body_bytes, __ATOMIC_RELAXED))
			req->is_too_big = true;
		else
			strbuf_add(&req->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	return route(s, conn, url, method, req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct request *req = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (!req)
		return;
	strbuf_release(&req->body);
	free(req);
	*con_cls = NULL;
}

/* --- life cycle --- */

int server_new(const struct server_options *o, struct server **ret, struct error *reterr)
{
	struct server *s;
	int r;

	r = server_load_library(reterr);
	if (r < 0)
		return r;
	s = xcalloc(1, sizeof(*s));
	s->fd = -EBADF;
	s->o = *o;
	s->o.listen = NULL;
	if (!s->o.max_body_bytes)
		s->o.max_body_bytes = SERVER_MAX_BODY_BYTES_DEFAULT;
	s->secret = xmemdup(o->secret ? o->secret : "", o->secret_len + 1);
	s->repo_url = xstrdup(o->repo_url ? o->repo_url : "");
	s->ref = xstrdup(o->ref ? o->ref : "");
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->config_lock, NULL);

	if (o->fd >= 0)
		s->fd = o->fd;
	else {
		r = open_listener(o->listen ? o->listen : SERVER_LISTEN_DEFAULT, &s->fd, reterr);
		if (r < 0) {
			server_free(s);
			return r;
		}
	}
	s->port = local_port(s->fd);
	s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
	                          NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, s->fd,
	                          MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	                          MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_END);
	if (!s->mhd) {
		server_free(s);
		return error_set(reterr, -EIO, "Failed to start the HTTP server");
	}
	*ret = s;
	return 0;
}

struct server *server_free(struct server *s)
{
	if (!s)
		return NULL;
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	if (s->fd >= 0 && s->fd != s->o.fd)
		(void)safe_close(s->fd);
	if (s->secret) {
		explicit_bzero(s->secret, s->o.secret_len);
		free(s->secret);
	}
	free(s->repo_url);
	free(s->ref);
	for (size_t i = 0; i < SEEN_DELIVERIES; i++)
		free(s->seen[i]);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->config_lock);
	free(s);
	return NULL;
}

void server_set_webhook(struct server *s, const void *secret, size_t secret_len,
                        const char *repo_url, const char *ref, size_t max_body_bytes)
{
	void *old_secret;
	size_t old_len;
	char *old_url, *old_ref;

	pthread_mutex_lock(&s->config_lock);
	old_secret = s->secret;
	old_len = s->o.secret_len;
	old_url = s->repo_url;
	old_ref = s->ref;
	s->secret = xmemdup(secret ? secret : "", secret_len + 1);
	s->o.secret_len = secret_len;
	s->repo_url = xstrdup(repo_url ? repo_url : "");
	s->ref = xstrdup(ref ? ref : "");
	pthread_mutex_unlock(&s->config_lock);
	__atomic_store_n(&s->o.max_body_bytes,
	                 max_body_bytes ? max_body_bytes : SERVER_MAX_BODY_BYTES_DEFAULT,
	                 __ATOMIC_RELAXED);
	explicit_bzero(old_secret, old_len);
	free(old_secret);
	free(old_url);
	free(old_ref);
}

uint16_t server_port(const struct server *s)
{
	return s->port;
}
