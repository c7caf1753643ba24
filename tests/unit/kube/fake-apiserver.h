#pragma once
/*
 * A fake API server for the discovery and LIST tests: libmicrohttpd on 127.0.0.1 (plain
 * HTTP) calling a test's handler with the raw request URI (query string as sent, still
 * escaped), and a kube_client pointed at it through a kubeconfig in a temporary directory.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../mhd-test.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/strv.h"
#include "kube/kube.h"

struct fake_apiserver;

/* Answer one GET: set *ret_status and return a body (a JSON text, copied). */
typedef const char *(*fake_handler_fn)(struct fake_apiserver *s, const char *uri,
                                       struct MHD_Connection *conn, unsigned *ret_status);

struct fake_apiserver {
	struct MHD_Daemon *daemon;
	int port;
	fake_handler_fn handler;
	void *userdata;
	char dir[64];
	char *kubeconfig;

	pthread_mutex_t lock; /* the handler runs under it */
	char **uris;          /* every request's raw URI, in order */

	/*
	 * fake_apiserver_start_uploads(): the body is read before the handler runs, and every
	 * request's method, Content-Type ("" when absent) and body are kept, in order (a
	 * handler sees its own request's as the last entries). MHD's one polling thread
	 * serves one request at a time, so one buffer does.
	 */
	bool keeps_uploads;
	bool in_upload;
	struct strbuf upload;
	char **methods;
	char **content_types;
	char **bodies;
};

/* MHD_OPTION_URI_LOG_CALLBACK: keep the URI as sent (query included) as the *con_cls. */
static inline void *fake_log_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	(void)cls;
	(void)conn;
	return xstrdup(uri);
}

static inline void fake_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                                  enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

static inline enum MHD_Result fake_on_upload(struct fake_apiserver *s, struct MHD_Connection *conn,
                                             const char *uri, const char *method,
                                             const char *upload_data, size_t *upload_data_size)
{
	static const char *const headers[] = { "Content-Type", "application/json", NULL };
	const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
	_cleanup_free_ char *body = NULL;
	unsigned status = 500;

	if (!s->in_upload) {
		s->in_upload = true;
		strbuf_reset(&s->upload);
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		strbuf_add(&s->upload, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	s->in_upload = false;
	pthread_mutex_lock(&s->lock);
	strv_push(&s->uris, uri);
	strv_push(&s->methods, method);
	strv_push(&s->content_types, ct ? ct : "");
	strv_push(&s->bodies, s->upload.buf);
	body = xstrdup(s->handler(s, uri, conn, &status));
	pthread_mutex_unlock(&s->lock);
	return mhd_test_reply(conn, status, body, strlen(body), headers);
}

static inline enum MHD_Result fake_on_request(void *cls, struct MHD_Connection *conn,
                                              const char *url, const char *method,
                                              const char *version, const char *upload_data,
                                              size_t *upload_data_size, void **con_cls)
{
	static const char *const headers[] = { "Content-Type", "application/json", NULL };
	struct fake_apiserver *s = cls;
	const char *uri = *con_cls ? *con_cls : url;
	_cleanup_free_ char *body = NULL;
	unsigned status = 500;

	(void)method;
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	if (s->keeps_uploads)
		return fake_on_upload(s, conn, uri, method, upload_data, upload_data_size);
	pthread_mutex_lock(&s->lock);
	strv_push(&s->uris, uri);
	body = xstrdup(s->handler(s, uri, conn, &status));
	pthread_mutex_unlock(&s->lock);
	return mhd_test_reply(conn, status, body, strlen(body), headers);
}

static inline void fake_apiserver_start(struct fake_apiserver *s, fake_handler_fn handler,
                                        void *userdata)
{
	_cleanup_free_ char *text = NULL;
	struct error err = ERROR_INIT;
	int fd;

	s->handler = handler;
	s->userdata = userdata;
	pthread_mutex_init(&s->lock, NULL);
	fd = mhd_test_listen_any(&s->port);
	assert_true(fd >= 0);
	s->daemon = MHD_start_daemon(
	        MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, fake_on_request, s,
	        MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_URI_LOG_CALLBACK, fake_log_uri, s,
	        MHD_OPTION_NOTIFY_COMPLETED, fake_completed, s, MHD_OPTION_END);
	assert_non_null(s->daemon);

	snprintf(s->dir, sizeof(s->dir), "/tmp/driftless-test-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	s->kubeconfig = xasprintf("%s/kubeconfig", s->dir);
	text = xasprintf("apiVersion: v1\nkind: Config\ncurrent-context: t\n"
	                 "clusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:%d\n"
	                 "users:\n- name: u\n  user:\n    token: t0k3n\n"
	                 "contexts:\n- name: t\n  context:\n    cluster: c\n    user: u\n",
	                 s->port);
	if (write_file_atomic(s->kubeconfig, text, strlen(text), 0600, &err) < 0)
		fail_msg("%s", error_message(&err));
}

static inline void fake_apiserver_stop(struct fake_apiserver *s)
{
	MHD_stop_daemon(s->daemon);
	(void)unlink(s->kubeconfig);
	(void)rmdir(s->dir);
	free(s->kubeconfig);
	s->uris = strv_free(s->uris);
	s->methods = strv_free(s->methods);
	s->content_types = strv_free(s->content_types);
	s->bodies = strv_free(s->bodies);
	strbuf_release(&s->upload);
	pthread_mutex_destroy(&s->lock);
}

/* fake_apiserver_start(), keeping the method, Content-Type and body of every request. */
static inline void fake_apiserver_start_uploads(struct fake_apiserver *s, fake_handler_fn handler,
                                                void *userdata)
{
	s->keeps_uploads = true;
	strbuf_init(&s->upload, 0);
	fake_apiserver_start(s, handler, userdata);
}

/* Entry i of one of the request records of s (under its lock), copied. */
static inline char *fake_apiserver_recorded(struct fake_apiserver *s, char **const *list, size_t i)
{
	char *v;

	pthread_mutex_lock(&s->lock);
	assert_true(i < strv_length(*list));
	v = xstrdup((*list)[i]);
	pthread_mutex_unlock(&s->lock);
	return v;
}

/* Request i's method, Content-Type or body (fake_apiserver_start_uploads()), copied. */
static inline char *fake_apiserver_method(struct fake_apiserver *s, size_t i)
{
	return fake_apiserver_recorded(s, &s->methods, i);
}

static inline char *fake_apiserver_content_type(struct fake_apiserver *s, size_t i)
{
	return fake_apiserver_recorded(s, &s->content_types, i);
}

static inline char *fake_apiserver_body(struct fake_apiserver *s, size_t i)
{
	return fake_apiserver_recorded(s, &s->bodies, i);
}

/* A resource as discovery would give it, for version v1 (release it afterwards). */
static inline struct kube_resource fake_resource(const char *group, const char *kind,
                                                 const char *name, bool is_namespaced)
{
	struct kube_resource res = {
		.group = xstrdup(group),
		.version = xstrdup("v1"),
		.kind = xstrdup(kind),
		.name = xstrdup(name),
		.is_namespaced = is_namespaced,
	};

	return res;
}

static inline struct kube_client *fake_apiserver_client(const struct fake_apiserver *s)
{
	_cleanup_(kube_config_freep) struct kube_config *cfg = NULL;
	struct kube_client *c = NULL;
	struct error err = ERROR_INIT;

	if (kube_config_load(s->kubeconfig, NULL, &cfg, &err) < 0)
		fail_msg("kube_config_load: %s", error_message(&err));
	if (kube_client_new(cfg, &c, &err) < 0)
		fail_msg("kube_client_new: %s", error_message(&err));
	return c;
}

/* How many requests came so far. */
static inline size_t fake_apiserver_requests(struct fake_apiserver *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = strv_length(s->uris);
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* The raw URI of request i (0-based), copied. */
static inline char *fake_apiserver_uri(struct fake_apiserver *s, size_t i)
{
	char *uri;

	pthread_mutex_lock(&s->lock);
	assert_true(i < strv_length(s->uris));
	uri = xstrdup(s->uris[i]);
	pthread_mutex_unlock(&s->lock);
	return uri;
}
