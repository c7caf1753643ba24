#pragma once
/*
 * A fake API server for the discovery and LIST tests: libmicrohttpd on 127.0.0.1 (plain
 * HTTP) calling a test's handler with the raw request URI (query string as sent, still
 * escaped), and a kube_client pointed at it through a kubeconfig in a temporary directory.
 */

#include <pthread.h>
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
	pthread_mutex_destroy(&s->lock);
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
