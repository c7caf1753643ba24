#pragma once
/*
 * sync: the reconcile pipeline for one environment, shared by the CLI and the daemon, and
 * the config file (/etc/driftless/driftless.yaml) that drives it.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/macro.h"
#include "source/source.h"

struct error;

#define SYNC_CONFIG_DEFAULT_PATH "/etc/driftless/driftless.yaml"
#define SYNC_STATE_DIR_DEFAULT   "/var/lib/driftless"
#define SYNC_READY_GRACE_DEFAULT_USEC (30ULL * 1000000ULL)

struct sync_ignore_rule;

struct sync_environment {
	char *name;
	char *path;         /* the overlay directory inside the repository */
	bool prune;         /* delete what left git (default true) */
	char *promote_from; /* another environment's name, or NULL */
	json_t *cluster;    /* the cluster mapping as written (validated) */
	char *kubeconfig;   /* cluster.kubeconfig, absolute; NULL: $KUBECONFIG or ~/.kube/config */
	char *context;      /* cluster.context; NULL: the kubeconfig's current context */
	/*
	 * cluster.eks.name and .region: the cluster's bearer token is made from the AWS
	 * credentials (aws_eks_token()) instead of the kubeconfig user's; the kubeconfig still
	 * gives the server and its CA. Region NULL: $AWS_REGION, else $AWS_DEFAULT_REGION, else
	 * the AWS profile's region.
	 */
	char *eks_cluster;
	char *eks_region;
	char *inventory_namespace;       /* inventory.namespace, default "default" */
	char *inventory_name;            /* inventory.name, default "driftless-ENV" */
	bool force_conflicts;            /* take over fields other appliers own (default false) */
	uint64_t health_timeout_usec;    /* health_timeout, default 5m */
	struct sync_ignore_rule *ignore; /* ignore: differences that are never drift */
	size_t n_ignore;
};

/* webhook: the daemon's HTTP server (webhooks, /metrics, /healthz, /readyz). */
struct sync_webhook_config {
	char *listen;          /* HOST:PORT; NULL: serve only a socket passed by systemd */
	char *secret_file;     /* absolute; NULL: $CREDENTIALS_DIRECTORY/webhook-secret */
	size_t max_body_bytes; /* 0: the server's default (1 MiB) */
};

/* daemon: how `driftless run` paces itself. */
struct sync_daemon_config {
	uint64_t ready_grace_usec; /* READY=1 after the first good fetch, or this long (30s) */
	uint64_t jitter_usec;      /* each poll comes up to this much late (interval / 10) */
};

/*
 * The config file, validated: every unknown or mistyped field is an error naming the file,
 * line and field. Life cycle: sync_config_load() ... sync_config_free().
 */
struct sync_config {
	char *file; /* as given */
	char *state_dir;
	struct source_config source;
	struct sync_environment *environments;
	size_t n_environments;
	struct sync_webhook_config webhook;
	struct sync_daemon_config daemon;
};

/* Read and validate the config file at path; relative paths in it are taken from its directory. */
int sync_config_load(const char *path, struct sync_config **ret, struct error *reterr);
struct sync_config *sync_config_free(struct sync_config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct sync_config *, sync_config_free)

/* The environment called name, or NULL. */
const struct sync_environment *sync_config_environment(const struct sync_config *c,
                                                       const char *name);

/* state_dir/repo.git, freed by the caller. */
char *sync_config_repo_dir(const struct sync_config *c);

/*
 * Fetch the configured source (source_fetch() into state_dir/repo.git) and record the
 * outcome in state_dir/source.json, written atomically, for `status` and the daemon:
 *
 *	{"url", "kind", "ref", "revision", "previous", "remote", "changed", "transferred",
 *	 "objects", "bytes", "attempts", "duration_seconds", "checked_at",
 *	 "signature": {"status", "format", "key", "signer", "reason"}, "error"}
 *
 * *ret_report (may be NULL) gets that object, which the caller releases. Returns what
 * source_fetch() returned; a failure to write the record is logged, not returned.
 */
int sync_fetch(const struct sync_config *c, struct source_fetch_result *ret, json_t **ret_report,
               struct error *reterr);

/* state_dir/source.json, freed by the caller. */
char *sync_config_source_state_path(const struct sync_config *c);

/*
 * Reconciling one environment with its cluster: plan (plan.c), then apply (apply.c).
 *
 * A plan compares the rendered objects with the cluster, cheap first and exact second:
 *  1. one LIST per kind (in the one namespace the desired objects of that kind use, else
 *     across all namespaces, falling back to one LIST per namespace when that is refused),
 *     plus one LIST of HorizontalPodAutoscalers when a workload sets spec.replicas;
 *  2. each desired object against its live copy with drift_compare(), and its hash against
 *     the hash annotation the last apply left (which catches fields removed from git);
 *  3. only the objects that differ by 2 are sent as a server-side-apply dry run, and the
 *     answer is compared both ways with the live object, normalised; only what still
 *     differs is drift. A cluster without drift costs the LISTs alone.
 * Objects in the inventory (a ConfigMap in the cluster) that left git are to prune when
 * driftless created them and their uid is still the one recorded; the others are kept.
 *
 * RDSInstance and DBParameterGroup objects (group driftless.dev) are planned against RDS
 * instead (t->aws; one DescribeDBInstances, or DescribeDBParameterGroups and the pages of
 * DescribeDBParameters, each), by the rules of aws_rds_instance_drift(): their live side
 * has git's shape with the effective live values, what is already in flight is a note and
 * not drift, and what the guard rails refuse is a refusal that stops the apply. They are
 * never in the inventory and never deleted. The other driftless.dev kinds are LOCAL.
 */

struct kube_client;
struct sync_aws;

/* Set by every apply on the objects it writes: the hash of the object as git gives it. */
#define SYNC_HASH_ANNOTATION "driftless.dev/desired-hash"
/* "disabled" on a live object keeps it from being pruned. */
#define SYNC_PRUNE_ANNOTATION "driftless.dev/prune"
/* The field manager of every apply. */
#define SYNC_FIELD_MANAGER "driftless"
/* How long sync_plan_apply() waits for applied objects to become healthy, by default. */
#define SYNC_HEALTH_TIMEOUT_DEFAULT_USEC (300ULL * 1000000ULL)

/* Differences that are never drift: for objects matching every non-NULL selector field. */
struct sync_ignore_rule {
	char *group; /* "" is the core group */
	char *kind;
	char *namespace;
	char *name;
	char **paths; /* strv of drift.h paths ("/spec/replicas") */
};

void sync_ignore_rules_free(struct sync_ignore_rule *rules, size_t n);

/* What a plan reconciles and how. Borrowed by the plan: it must outlive it. */
struct sync_target {
	const char *env;                 /* for messages and the inventory */
	struct kube_client *client;      /* used by one thread at a time */
	const char *default_namespace;   /* for namespaced objects that set none */
	const char *inventory_namespace; /* NULL: no inventory, so nothing is pruned */
	const char *inventory_name;
	/*
	 * A copy of the inventory kept on disk (NULL: none), written after the ConfigMap; read
	 * when the ConfigMap is gone, so that deleting it does not orphan what it listed.
	 */
	const char *inventory_cache_file;
	/* the git revision rendered, for reports; may be NULL */
	const char *revision;
	bool prune;
	bool force_conflicts; /* take over fields other appliers own; see sync_plan_apply() */
	const struct sync_ignore_rule *ignore;
	size_t n_ignore;
	uint64_t health_timeout_usec; /* 0: SYNC_HEALTH_TIMEOUT_DEFAULT_USEC */
	/*
	 * NULL, or a flag another thread sets (with __atomic_store_n) to stop the apply at its
	 * next safe point: between two objects, or while waiting for health. The apply then
	 * fails with -ECANCELED; what was applied stays applied.
	 */
	const bool *cancel;
	/*
	 * AWS for the RDS kinds (credentials, a client per region; see sync_aws_new()); NULL:
	 * an RDSInstance or DBParameterGroup in the render is an error.
	 */
	struct sync_aws *aws;
	/*
	 * What the RDS guard rails refuse is reported and left as it is, instead of failing the
	 * apply: for a rollback, which storage that grew since must not stop.
	 */
	bool keep_refused;
};

/*
 * The AWS side of a target, made once and kept: the credentials of the default chain
 * (aws_credentials_provider_new_default()), shared with cluster.eks's tokens, and an RDS
 * client per region, made when cluster.eks or an RDS object first needs them, so that an
 * environment with neither needs no AWS credentials. The region of an object is its
 * spec.region, else aws_region_default().
 */
struct sync_aws *sync_aws_new(void);
struct sync_aws *sync_aws_free(struct sync_aws *a);

enum sync_action {
	SYNC_ACTION_UNCHANGED,
	SYNC_ACTION_CREATE,
	SYNC_ACTION_UPDATE,
	SYNC_ACTION_PRUNE,
	SYNC_ACTION_KEEP,  /* left git, but not ours to delete (or prune is off) */
	SYNC_ACTION_LOCAL, /* a driftless.dev object but the RDS kinds: configuration, not sent */
	_SYNC_ACTION_MAX,
	_SYNC_ACTION_INVALID = -EINVAL,
};

const char *sync_action_to_string(enum sync_action a);

struct sync_plan;

/*
 * Plan the reconcile of desired (the array render_kustomization() returned; the plan takes
 * the reference) against the cluster of t. Errors of the cluster (unreachable, refused
 * credentials) fail the call; an object the server would refuse (invalid, a conflict that
 * is not forced, a kind that is not served and no CRD of this render defines) fails it
 * too, with -EINVAL and the object named: nothing is applied from a revision that has
 * one. Free with sync_plan_free().
 */
int sync_plan_new(const struct sync_target *t, json_t *desired, struct sync_plan **ret,
                  struct error *reterr);
struct sync_plan *sync_plan_free(struct sync_plan *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct sync_plan *, sync_plan_free)

size_t sync_plan_count(const struct sync_plan *p, enum sync_action a);
/* Something to create, update or prune. */
bool sync_plan_has_drift(const struct sync_plan *p);

/*
 * The human report: for each object to create, update or prune a unified diff of its
 * live and desired YAML (Secret values shown as "***"), then one summary line. color adds
 * git's colours.
 */
int sync_plan_print(const struct sync_plan *p, bool color, struct strbuf *out,
                    struct error *reterr);

/*
 * The same for machines: {"environment", "revision", "drift": bool, "summary": {action:
 * count, "lists", "dry_runs", "aws_calls"}, "objects": [{"action", "apiVersion", "kind",
 * "namespace", "name", "paths": [...], "note", "refused", "diff": "..."}]} listing every
 * object that is not unchanged, and the RDS objects unchanged with a note (in flight).
 */
json_t *sync_plan_to_json(const struct sync_plan *p);

/*
 * Carry the plan out: server-side apply of what is to create or update, in dependency
 * order (Namespaces; CustomResourceDefinitions, then waiting until they are Established;
 * other cluster-scoped objects; ServiceAccounts, ConfigMaps, Secrets and claims; Services;
 * workloads; the rest), waiting until the applied workloads are healthy
 * (kube_health_evaluate()), then the prune, in the reverse order. The inventory is written
 * before the first apply (with what is about to be created) and after the last delete,
 * each time only when its entries change: a sync that updates objects writes just them.
 *
 * A conflict with another manager's Update (kubectl edit, kubectl set image) is drift and
 * is overwritten; a conflict with another manager's Apply is reported, and forced only
 * with t->force_conflicts.
 *
 * Before all that: a refusal of the RDS guard rails stops the apply before anything is
 * written (-EINVAL; with t->keep_refused the object is reported "kept" instead), then the
 * RDS objects are applied, parameter groups first. A change that must wait (the instance
 * is not available) is reported "deferred" and the rest goes on.
 *
 * *ret_report (may be NULL): {"applied": n, "created": n, "updated": n, "pruned": n,
 * "deferred": n, "objects": [{"action", "apiVersion", "kind", "namespace", "name",
 * "result", "message"}]}. Errors: -ETIME objects not healthy in time, -EPROTO an object
 * failed (ProgressDeadlineExceeded, a Job that failed), -EINVAL the server or RDS refused
 * an object, or a guard rail did; these mean the revision is bad. Any other code is a
 * failure to reach the cluster or AWS.
 */
int sync_plan_apply(struct sync_plan *p, json_t **ret_report, struct error *reterr);

/*
 * Wait until every desired object with a health rule is healthy, as sync_plan_apply() does
 * for what it applies: for a revision whose apply was cut short (the agent stopped while
 * waiting) and which now has nothing left to apply. Errors as sync_plan_apply().
 */
int sync_plan_verify(struct sync_plan *p, struct error *reterr);

/*
 * A cluster connection and the target of its plans, for one environment. Life cycle:
 * sync_context_new() or sync_context_new_env() ... sync_context_free().
 */
struct sync_context;

struct sync_context_options {
	const char *env;                 /* NULL: "default" */
	const char *kubeconfig;          /* NULL: $KUBECONFIG or ~/.kube/config */
	const char *context;             /* NULL: the current context */
	const char *inventory_namespace; /* NULL: no inventory (nothing is pruned) */
	const char *inventory_name;
	const char *inventory_cache_file; /* see struct sync_target */
	bool prune;
	bool force_conflicts;
	uint64_t health_timeout_usec;
	const struct sync_ignore_rule *ignore; /* borrowed: must outlive the context */
	size_t n_ignore;
	const bool *cancel; /* see struct sync_target */
	const char *eks_cluster; /* see struct sync_environment */
	const char *eks_region;
};

/* Errors: those of kube_config_load() and kube_client_new(). */
int sync_context_new(const struct sync_context_options *o, struct sync_context **ret,
                     struct error *reterr);
/*
 * The options of a configured environment (borrowed from env: c must outlive it), with the
 * inventory cached in STATE_DIR/envs/ENV/inventory.json.
 */
int sync_context_new_env(const struct sync_config *c, const struct sync_environment *env,
                         struct sync_context **ret, struct error *reterr);
struct sync_context *sync_context_free(struct sync_context *ctx);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct sync_context *, sync_context_free)
/* Borrowed from ctx; revision may be set (copied) with sync_context_set_revision(). */
const struct sync_target *sync_context_target(const struct sync_context *ctx);
void sync_context_set_revision(struct sync_context *ctx, const char *revision);

/*
 * Render env's overlay at revision of the clone in state_dir/repo.git (*ret_objects as
 * render_kustomization() gives it). Errors: those of the renderer (-EBADMSG, -EINVAL,
 * -ENOENT: the revision's files are bad) and of reading the clone (-EIO).
 */
int sync_render_revision(const struct sync_config *c, const struct sync_environment *env,
                         const char *revision, json_t **ret_objects, struct error *reterr);

struct sync_run_options {
	bool dry_run;      /* plan and report, apply nothing, record nothing */
	bool no_fetch;     /* use the revision in use, do not fetch */
	bool retry_failed; /* try a revision that failed before (otherwise skipped) */
	bool color;        /* for the diff in the report's "diff" text */
	const bool *cancel; /* see struct sync_target; stops the run with "interrupted" */
	/*
	 * A context of this environment made before (sync_context_new_env() with the same
	 * config), borrowed: its connection and discovery cache are reused. NULL: one is made
	 * and freed by the run.
	 */
	struct sync_context *context;
};

/*
 * One reconcile of a configured environment, the whole chain: fetch (sync_fetch()), render
 * the revision in use, plan, apply, and record the outcome in
 * state_dir/envs/ENV/state.json:
 *
 *	{"environment", "revision" (applied in full), "last_good_revision",
 *	 "failed_revision", "failed_reason", "last_sync": {"result", "revision",
 *	 "started_at", "finished_at", "duration_seconds", "message", "drift",
 *	 "applied", "created", "updated", "pruned", "deferred", "rolled_back_to"}}
 *
 * result is "success", "unchanged" (nothing to do), "failed" (the revision is bad: it does
 * not render, the server refuses an object, or its workloads are not healthy in time; it is
 * recorded as failed and not tried again until git moves), "rolled-back" (failed, and the
 * last good revision's objects were applied again), "skipped" (the revision failed
 * before), "error" (the cluster or the remote could not be reached; nothing is claimed
 * and the next run starts over) or "interrupted" (o->cancel was set; -ECANCELED, and as
 * for "error" nothing is claimed). A revision whose apply was cut short is seen healthy
 * (sync_plan_verify()) before it is claimed, even when nothing is left to apply.
 *
 * *ret_report (may be NULL) receives {"state": the document above, "plan": the
 * sync_plan_to_json() of the revision, "apply": the sync_plan_apply() report}.
 * Returns 0 for success and unchanged, else a negative errno with reterr filled.
 */
int sync_environment_run(const struct sync_config *c, const struct sync_environment *env,
                         const struct sync_run_options *o, json_t **ret_report,
                         struct error *reterr);

/*
 * What the state directory knows, for `driftless status`: {"state_dir", "source": the
 * last fetch (state_dir/source.json, see sync_fetch()) or null, "environments": [{"name",
 * "path", "state": state.json (see sync_environment_run()) or null when never synced}]},
 * for every environment or the one called env (NULL: all). Errors: -EBADMSG a state file
 * that is not what driftless writes, and those of reading a file.
 */
int sync_status(const struct sync_config *c, const char *env, json_t **ret,
                struct error *reterr);
