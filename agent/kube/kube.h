#pragma once
/*
 * kube: the Kubernetes API client over http/. This first slice reads a kubeconfig the way
 * kubectl does (or the in-cluster service-account configuration) and makes authenticated
 * requests with it.
 *
 *	_cleanup_(kube_config_freep) struct kube_config *cfg = NULL;
 *	_cleanup_(kube_client_freep) struct kube_client *c = NULL;
 *	json_auto_t *version = NULL;
 *	long status;
 *
 *	r = kube_config_load(NULL, NULL, &cfg, reterr);	   $KUBECONFIG or ~/.kube/config
 *	if (r >= 0)
 *		r = kube_client_new(cfg, &c, reterr);
 *	if (r >= 0)
 *		r = kube_client_request(c, "GET", "/version", NULL, NULL, &status, &version,
 *		                        reterr);
 *
 * Credentials, as client-go's rest.Config applies them (and so kubectl):
 *  - token or tokenFile: "Authorization: Bearer". With tokenFile the file wins over token
 *    and is read again whenever it changes (projected service-account tokens rotate).
 *  - username and password: HTTP basic auth. Together with a token it is an error, as in
 *    client-go ("username/password or bearer token may be set, but not both").
 *  - client-certificate(-data) and client-key(-data): TLS client authentication; may be
 *    combined with a token.
 *  - exec: a credential plugin (client.authentication.k8s.io/v1 or v1beta1). client-go
 *    skips the plugin when a token, basic auth or a client certificate is configured (its
 *    exec.Authenticator.UpdateTransportConfig returns early), so does this module: a user
 *    with both a token and exec authenticates with the token, without an error.
 *
 * Secrets (tokens, passwords, private keys, plugin output) are wiped when freed and never
 * appear in an error text or a log line.
 */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/macro.h"

struct error;
struct kube_config;
struct kube_client;

/* The largest kubeconfig, token file or exec plugin output read. */
#define KUBE_CONFIG_MAX_BYTES (4U * 1024U * 1024U)
/* How long an exec credential plugin may run. */
#define KUBE_EXEC_TIMEOUT_USEC (60ULL * 1000000ULL)
/* Where the in-cluster service-account files live, below the root given. */
#define KUBE_SERVICE_ACCOUNT_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/*
 * Read the kubeconfig at path and resolve one context of it into a struct kube_config.
 *
 * path NULL: the files $KUBECONFIG lists (separated by ':', empty entries skipped, missing
 * files skipped as kubectl does), merged as kubectl merges them: for a given cluster, user
 * or context name, and for current-context, the first file that sets it wins. Without
 * $KUBECONFIG: ~/.kube/config.
 *
 * context NULL: the current-context. Relative file names (certificate-authority,
 * client-certificate, client-key, tokenFile, and an exec command containing a '/') are
 * relative to the directory of the file that defines the entry, as kubectl resolves them.
 * Unknown fields are ignored, as kubectl ignores them; fields of the wrong type are
 * errors. A *-data field wins over its file counterpart. proxy-url is not supported and
 * ignored (the proxy comes from $https_proxy as for every http/ client); tls-server-name
 * is kept and makes kube_client_new() fail with -EOPNOTSUPP (http/ cannot set it yet).
 *
 * Errors name file:line:column and the field:
 *	-ENOENT   no file to read, or the context, or the cluster or user it names, is absent
 *	-EINVAL   an invalid setting (bad base64, wrong type, no server, token with basic auth,
 *	          an exec plugin of an unsupported apiVersion or interactiveMode Always)
 *	-EBADMSG  a file is not YAML
 * Free the result with kube_config_free().
 */
int kube_config_load(const char *path, const char *context, struct kube_config **ret,
                     struct error *reterr);

/*
 * The configuration of a pod's service account, as client-go's rest.InClusterConfig():
 * the server https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, the CA
 * <root>/var/run/secrets/kubernetes.io/serviceaccount/ca.crt, the token file next to it
 * (read again whenever it changes) and the namespace file ("default" when absent).
 * root NULL means "/"; tests pass a temporary directory.
 * Errors: -ENOENT when not in a cluster (variables unset or no token file).
 */
int kube_config_in_cluster(const char *root, struct kube_config **ret, struct error *reterr);

struct kube_config *kube_config_free(struct kube_config *cfg);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kube_config *, kube_config_free)

/* Borrowed from cfg. The server URL ("https://host:6443"). */
const char *kube_config_server(const struct kube_config *cfg);
/* The context's namespace, "default" when it sets none. */
const char *kube_config_namespace(const struct kube_config *cfg);
/* The context's name; "in-cluster" for kube_config_in_cluster(). */
const char *kube_config_context(const struct kube_config *cfg);

/*
 * A client for the cluster cfg describes: one http_client (one connection cache) with its
 * TLS settings. Copies what it needs from cfg, which may be freed afterwards. Used by one
 * thread at a time. Errors: -EOPNOTSUPP (tls-server-name), and those of http_client_new().
 * Free with kube_client_free().
 */
int kube_client_new(const struct kube_config *cfg, struct kube_client **ret, struct error *reterr);
struct kube_client *kube_client_free(struct kube_client *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kube_client *, kube_client_free)

/*
 * A bearer token from elsewhere, used instead of the kubeconfig user's credentials: the
 * EKS token of cluster.eks, made from AWS credentials. fn is called before each request
 * and caches as it sees fit; with force, the token it gave last was refused (401) and a
 * new one is wanted (the request is sent once more). *ret is the client's to wipe and free.
 */
typedef int kube_token_fn(void *userdata, bool force, char **ret, struct error *reterr);
void kube_client_set_token_source(struct kube_client *c, kube_token_fn *fn, void *userdata);

/*
 * Send method to path (e.g. "/version", "/api/v1/namespaces/x/configmaps?limit=500",
 * appended to the server URL) with the credentials of the client.
 *
 * body (may be NULL) is sent as JSON, with content_type (NULL: "application/json"; give
 * "application/merge-patch+json" and the like for PATCH). Accept is application/json.
 *
 * An exec plugin runs on the first request, and again when the credential it gave expires
 * (status.expirationTimestamp) or when the server answers 401 to it; then the request is
 * sent once more with the new credential.
 *
 * *ret_status (may be NULL) receives the HTTP status whenever an answer came, on failure
 * too, so that a caller can branch on it. *ret_json (may be NULL) receives the body parsed
 * as JSON when the status is below 400 and the content type is JSON, else NULL; the caller
 * decrefs it.
 *
 * A status of 400 and above is a failure, described by the Kubernetes Status object of the
 * body when there is one ("HTTP 404 NotFound: configmaps \"x\" not found"):
 *	-EACCES   401, 403, or the exec plugin failed
 *	-ENOENT   404
 *	-EBUSY    409
 *	-EAGAIN   429, 503, 504
 *	-EPROTO   any other status of 400 and above, or a JSON body that does not parse
 * Transport errors are those of http_client_do().
 */
int kube_client_request(struct kube_client *c, const char *method, const char *path,
                        const json_t *body, const char *content_type, long *ret_status,
                        json_t **ret_json, struct error *reterr);

/*
 * Discovery is cached per client and per group-version: the APIResourceList of
 * "GET /api/v1" or "GET /apis/GROUP/VERSION" is fetched when a kind of it is first needed,
 * never every group up front as kubectl does. The group lists (GET /api, GET /apis) are not
 * read: a group-version that is not served answers 404 at its own path, which says as much
 * for one request less. Like the client, the cache belongs to one thread at a time: share a
 * client between threads only with a lock around every call (kube_client_request(),
 * kube_discovery_lookup(), kube_list()).
 */

/*
 * What discovery says about one kind of a group-version. Embedded by value: initialise
 * with KUBE_RESOURCE_INIT, release with kube_resource_release() (filled again only after a
 * release). All strings are owned by the struct.
 */
struct kube_resource {
	char *group;   /* "" for the core group */
	char *version; /* "v1" */
	char *kind;    /* "Deployment" */
	char *name;    /* the plural of the URL: "deployments" */
	bool is_namespaced;
	char **verbs; /* strv: "get", "list", "patch", ... (may be empty, never NULL) */
};

#define KUBE_RESOURCE_INIT                                                  \
	{                                                                   \
		.group = NULL, .version = NULL, .kind = NULL, .name = NULL, \
		.is_namespaced = false, .verbs = NULL                       \
	}

void kube_resource_release(struct kube_resource *res);

/* Fill *dst (initialised or released by the caller) with a deep copy of *src. */
void kube_resource_copy(struct kube_resource *dst, const struct kube_resource *src);

/* Whether discovery lists verb ("list", "patch", ...) for res. */
bool kube_resource_has_verb(const struct kube_resource *res, const char *verb);

/*
 * Find kind in group/version (group "" or NULL: the core group, "v1"): GET /api/v1 or
 * /apis/GROUP/VERSION the first time that group-version is needed, then from the cache.
 * When the cached list lacks kind it is fetched again, once per call, so that a kind whose
 * CustomResourceDefinition was created since (earlier in the same sync) is found.
 * Subresources ("deployments/scale") are not kinds and never match. A group-version the
 * server does not serve (404) is a list without kinds.
 *
 * On success *ret (initialised or released by the caller) is filled.
 * Errors:
 *	-ENOENT  the kind is not served: "no kind Widget in example.com/v1; is its CRD
 *	         installed?"
 *	-EINVAL  group or version has characters no API group or version has
 *	-EPROTO  the answer is not an APIResourceList
 * and those of kube_client_request().
 */
int kube_discovery_lookup(struct kube_client *c, const char *group, const char *version,
                          const char *kind, struct kube_resource *ret, struct error *reterr);

/* The page size kube_list() asks for ("limit") unless kube_client_set_list_limit() says. */
#define KUBE_LIST_LIMIT_DEFAULT 500U

/* The page size of kube_list() for this client; 0 restores KUBE_LIST_LIMIT_DEFAULT. */
void kube_client_set_list_limit(struct kube_client *c, unsigned limit);

/*
 * LIST the objects of res: in namespace, or, when namespace is NULL (or res is cluster
 * scoped, which ignores it), across all namespaces. label_selector (may be NULL) is a
 * selector as kubectl -l takes it ("app=web,tier in (a,b)"); it is URL-escaped here.
 *
 * Pages of "limit" objects are fetched, following "continue" until the server gives no
 * token. When a token has expired (HTTP 410 Gone) the LIST starts again from the first page,
 * once; a second 410 is an error.
 *
 * *ret_items receives a new JSON array of the objects in the server's order, each with
 * apiVersion and kind set (LIST answers omit them on items); the caller decrefs it.
 * Errors: -EPROTO an answer without an "items" array, and those of kube_client_request()
 * (-ENOENT: the resource or namespace is gone, -EACCES: not allowed to list).
 */
int kube_list(struct kube_client *c, const struct kube_resource *res, const char *namespace,
              const char *label_selector, json_t **ret_items, struct error *reterr);

enum kube_list_flags {
	/*
	 * Drop status and metadata.managedFields from each item as its page arrives: what a
	 * comparison of spec and metadata needs, in about half the memory.
	 */
	KUBE_LIST_SLIM = 1 << 0,
};

/* kube_list() with flags from enum kube_list_flags. */
int kube_list_flags(struct kube_client *c, const struct kube_resource *res, const char *namespace,
                    const char *label_selector, unsigned flags, json_t **ret_items,
                    struct error *reterr);

/*
 * GET one object of res: namespace/name for a namespaced resource (namespace is required
 * then), name alone for a cluster-scoped one (namespace ignored). *ret_obj receives the
 * object; the caller decrefs it.
 * Errors:
 *	-ENOENT  the object is absent: "ConfigMap 'default/x' not found"
 *	-EINVAL  no namespace for a namespaced resource
 * and those of kube_client_request().
 */
int kube_get(struct kube_client *c, const struct kube_resource *res, const char *namespace,
             const char *name, json_t **ret_obj, struct error *reterr);

/* The field manager of kube_apply() when the options give none. */
#define KUBE_FIELD_MANAGER_DEFAULT "driftless"

struct kube_apply_options {
	const char *field_manager; /* NULL: KUBE_FIELD_MANAGER_DEFAULT */
	bool force;                /* take over fields other managers own ("force=true") */
	bool dry_run;              /* the server validates and answers, stores nothing */
};

/*
 * Server-side apply of obj (with apiVersion, kind and metadata.name, as kubectl apply
 * --server-side sends it): PATCH to the object's URL with Content-Type
 * application/apply-patch+yaml (JSON is YAML) and the query fieldManager=, force=true when
 * opts->force, dryRun=All when opts->dry_run. The object is created when absent. The
 * namespace is obj's metadata.namespace for a namespaced res and ignored for a cluster
 * scoped one. opts may be NULL (defaults, no force, no dry run).
 *
 * *ret_obj (may be NULL) receives the object as the server answered it (with a dry run: as
 * it would be); the caller decrefs it.
 * Errors:
 *	-EBUSY   fields are owned by other managers, listed in the message as kubectl lists
 *	         them: conflict with "other" using v1: .data.a
 *	-EINVAL  obj has no metadata.name, or no metadata.namespace for a namespaced res
 * and those of kube_client_request().
 */
int kube_apply(struct kube_client *c, const struct kube_resource *res, const json_t *obj,
               const struct kube_apply_options *opts, json_t **ret_obj, struct error *reterr);

/*
 * DELETE one object of res (namespace as for kube_get()), with propagationPolicy Background
 * (its dependents are collected by the garbage collector, as kubectl delete does). uid (may
 * be NULL) is a precondition: the server refuses when the object of that name is another
 * one, re-created since uid was recorded.
 * Errors:
 *	-ENOENT  the object is absent
 *	-EBUSY   its uid is not uid
 *	-EINVAL  no namespace for a namespaced resource
 * and those of kube_client_request().
 */
int kube_delete(struct kube_client *c, const struct kube_resource *res, const char *namespace,
                const char *name, const char *uid, struct error *reterr);

/*
 * Remove in place what the server owns and a comparison should not show: metadata's
 * managedFields, resourceVersion, uid, generation, creationTimestamp and selfLink, the
 * annotation kubectl.kubernetes.io/last-applied-configuration (and the annotations map
 * when that leaves it empty), and status. Anything not an object is left alone.
 */
void kube_object_normalize(json_t *obj);

/*
 * Health: whether an object as the API server returns it has got where its spec asks,
 * judged as `kubectl rollout status` and Argo CD's health checks judge it. Pure: no I/O,
 * nothing kept between calls; used after a server-side apply to wait for workloads.
 *
 * The kinds with a rule:
 *	apps/Deployment, apps/StatefulSet, apps/DaemonSet  the rollout is observed
 *	        (status.observedGeneration >= metadata.generation), its replicas updated and
 *	        available; a Deployment past its progress deadline has failed, a paused one and
 *	        an OnDelete StatefulSet or DaemonSet are healthy once observed
 *	batch/Job                            Complete (or suspended); failed on Failed=True
 *	PersistentVolumeClaim (core group)   Bound; failed when Lost
 *	apiextensions.k8s.io/CustomResourceDefinition  Established; failed when its names
 *	        are not accepted
 * Every other kind is healthy as soon as it exists. An object whose status is missing (the
 * controller has not looked at it yet) is progressing; fields of the wrong JSON type count
 * as absent.
 */

#include <errno.h>

enum kube_health {
	KUBE_HEALTH_HEALTHY,     /* ready, or a kind without a health rule */
	KUBE_HEALTH_PROGRESSING, /* not there yet: wait and look again */
	KUBE_HEALTH_FAILED,      /* will not get there without a change */
	_KUBE_HEALTH_MAX,
	_KUBE_HEALTH_INVALID = -EINVAL,
};

/* "healthy", "progressing", "failed"; NULL for a value out of range. */
const char *kube_health_to_string(enum kube_health h);

/*
 * Whether (group, kind) has a rule above; group "" (or NULL) is the core group. Callers
 * wait only on these: the others are healthy whatever their state.
 */
bool kube_health_has_rule(const char *group, const char *kind);

/*
 * Judge obj (may be NULL or not an object: healthy, as a kind without a rule) from its
 * apiVersion, kind, metadata, spec and status. *ret_reason (may be NULL) receives a
 * one-line reason when obj is not healthy, naming it ("Deployment 'ns/web': 1 of 3 updated
 * replicas are available"), or NULL when it is healthy; the caller frees it.
 */
enum kube_health kube_health_evaluate(const json_t *obj, char **ret_reason);
