#pragma once
/*
 * For unit tests that need a real HTTP(S) server in the process: libmicrohttpd on
 * 127.0.0.1, through the wrappers of server/mhd-dl.c (loaded on first use, core/dl.h), and
 * GnuTLS, which libmicrohttpd has loaded already, through a table of this header's own
 * (GNUTLS(...)) to check client certificates. Header-only: each test is one executable.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "core/alloc.h"
#include "core/dl.h"
#include "core/strbuf.h"

/* clang-format off */
#define GNUTLS_TEST_SYMBOLS(X) X(gnutls_certificate_verify_peers2)
/* clang-format on */

DL_LIBRARY(gnutlst, "libgnutls.so.30", GNUTLS_TEST_SYMBOLS);

#define GNUTLS(sym) DL_CALL(gnutlst, sym)

/* Queue a response: status, len bytes of body, headers as name, value, ..., NULL. */
static inline enum MHD_Result mhd_test_reply(struct MHD_Connection *conn, unsigned status,
                                             const char *body, size_t len,
                                             const char *const *headers)
{
	struct MHD_Response *resp;
	enum MHD_Result r;

	resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	for (const char *const *h = headers; h && *h; h += 2)
		MHD_add_response_header(resp, h[0], h[1]);
	r = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

/* Whether the TLS client presented a certificate the server's trust verifies. */
static inline bool mhd_test_has_valid_client_cert(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
	        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	unsigned status = 1;

	if (!info || !info->tls_session)
		return false;
	if (GNUTLS(gnutls_certificate_verify_peers2)(info->tls_session, &status) < 0)
		return false;
	return status == 0;
}

/* The request header name into buf ("" when absent). */
static inline void mhd_test_copy_header(struct MHD_Connection *conn, const char *name, char *buf,
                                        size_t size)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);

	snprintf(buf, size, "%s", v ? v : "");
}

/* A socket listening on 127.0.0.1 at a free port (*ret_port); -1 on failure. */
static inline int mhd_test_listen_any(int *ret_port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	*ret_port = ntohs(sa.sin_port);
	return fd;
}

/* A request body, gathered across the access handler's calls (its *con_cls). */
struct mhd_test_upload {
	struct strbuf body;
};

/*
 * In the access handler: true while the request is still coming (return MHD_YES at once);
 * false once it is complete, with *ret its body.
 */
static inline bool mhd_test_collect(void **con_cls, const char *data, size_t *size,
                                    struct mhd_test_upload **ret)
{
	struct mhd_test_upload *u = *con_cls;

	if (!u) {
		u = xcalloc(1, sizeof(*u));
		strbuf_init(&u->body, 0);
		*con_cls = u;
		return true;
	}
	if (*size > 0) {
		strbuf_add(&u->body, data, *size);
		*size = 0;
		return true;
	}
	*ret = u;
	return false;
}

/* MHD_OPTION_NOTIFY_COMPLETED: release what mhd_test_collect() gathered. */
static inline void mhd_test_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                                      enum MHD_RequestTerminationCode toe)
{
	struct mhd_test_upload *u = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (u) {
		strbuf_release(&u->body);
		free(u);
		*con_cls = NULL;
	}
}

/*
 * Make TLS material in a new temporary directory, written to dir (at least 32 bytes):
 * ca.pem (and ca.key), wrong.pem (another CA of the same name), server.pem/server.key for
 * 127.0.0.1 and localhost signed by ca.pem, client.pem/client.key (clientAuth), all EC
 * P-256, with the openssl command. 0, or -1 with the reason on stderr.
 */
static inline int mhd_test_make_tls(char *dir, size_t size)
{
	static const char script[] =
	        "set -e; cd '%s'\n"
	        "ec='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'\n"
	        "openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca\n"
	        "openssl req -x509 $ec -keyout wrong.key -out wrong.pem -days 2 -subj /CN=test-ca\n"
	        "openssl req -new $ec -keyout server.key -out server.csr -subj /CN=localhost\n"
	        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n"
	        "extendedKeyUsage=serverAuth\\n' >server.ext\n"
	        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
	        "-days 2 -extfile server.ext -out server.pem\n"
	        "openssl req -new $ec -keyout client.key -out client.csr -subj /CN=test-client\n"
	        "printf 'extendedKeyUsage=clientAuth\\n' >client.ext\n"
	        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
	        "-days 2 -extfile client.ext -out client.pem\n";
	char *sh, *cmd;
	int r;

	if (snprintf(dir, size, "/tmp/driftless-test-XXXXXX") >= (int)size || !mkdtemp(dir))
		return -1;
	sh = xasprintf(script, dir);
	cmd = xasprintf("{\n%s} >'%s/openssl.log' 2>&1", sh, dir);
	r = system(cmd);
	free(sh);
	free(cmd);
	if (r != 0) {
		fprintf(stderr, "openssl failed, see %s/openssl.log\n", dir);
		return -1;
	}
	return 0;
}
