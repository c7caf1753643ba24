#pragma once
/* Shared by the files of kube/: the resolved configuration and the exec plugin. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube/kube.h"

struct error;
struct strbuf;

enum kube_exec_api {
	KUBE_EXEC_V1BETA1,
	KUBE_EXEC_V1,
	_KUBE_EXEC_API_MAX,
	_KUBE_EXEC_API_INVALID = -EINVAL,
};

struct kube_exec_config {
	enum kube_exec_api api;
	char *command; /* absolute, or a name looked up in $PATH */
	char **args;   /* strv, without argv[0] */
	char **env;    /* strv of "NAME=value"; values may be secrets */
	char *install_hint;
	bool provide_cluster_info;
};

struct kube_config {
	char *context;
	char *namespace;

	char *server;
	char *ca_file;
	char *ca_pem;
	size_t ca_pem_len;
	bool insecure_skip_tls_verify;
	char *tls_server_name;

	char *cert_file;
	char *key_file;
	char *cert_pem;
	size_t cert_pem_len;
	char *key_pem; /* secret */
	size_t key_pem_len;

	char *token; /* secret */
	char *token_file;
	char *username;
	char *password; /* secret */

	struct kube_exec_config *exec;
};

/* A deep copy (kube_client_new() keeps one). */
struct kube_config *kube_config_copy(const struct kube_config *cfg);

struct kube_exec_config *kube_exec_config_free(struct kube_exec_config *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kube_exec_config *, kube_exec_config_free)

/* What a plugin gave: a token, or a client certificate and key (PEM); all secrets. */
struct kube_exec_credential {
	char *token;
	char *cert_pem;
	size_t cert_pem_len;
	char *key_pem;
	size_t key_pem_len;
	uint64_t expires_usec; /* CLOCK_REALTIME; USEC_INFINITY: until a 401 */
};

void kube_exec_credential_release(struct kube_exec_credential *cred);

/*
 * Run the plugin of cfg->exec (with the cluster of cfg when provide_cluster_info) and
 * parse its ExecCredential into *ret (released first by the caller). Errors: -EACCES with
 * a message that names the command and, when it cannot be found, its installHint.
 */
int kube_exec_run(const struct kube_config *cfg, struct kube_exec_credential *ret,
                  struct error *reterr);


/* Discovery cache of a client (discovery.c); kube_client_free() frees it. */
struct kube_discovery;
struct kube_discovery *kube_discovery_free(struct kube_discovery *d);
/* The cache slot of c (client.c owns the pointer). */
struct kube_discovery **kube_client_discovery(struct kube_client *c);
/* The page size of kube_list() for c. */
unsigned kube_client_list_limit(const struct kube_client *c);

/* Append s to sb percent-encoded for a URL query value (RFC 3986 unreserved kept). */
void kube_url_escape(struct strbuf *sb, const char *s);

/*
 * Append the collection path of res to sb: "/apis/apps/v1/namespaces/ns/deployments",
 * "/api/v1/configmaps"; namespace is ignored when NULL or res is cluster scoped.
 */
void kube_collection_path(const struct kube_resource *res, const char *namespace,
                          struct strbuf *sb);

/*
 * kube_client_request(), and on a failure with a Kubernetes Status body, that object in
 * *ret_status_obj (may be NULL; the caller decrefs it; untouched otherwise), so that a
 * caller can read its details (the causes of a 409 conflict).
 */
int kube_client_request_status(struct kube_client *c, const char *method, const char *path,
                               const json_t *body, const char *content_type, long *ret_status,
                               json_t **ret_json, json_t **ret_status_obj, struct error *reterr);
