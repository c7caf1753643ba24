#pragma once
/* Shared by the files of sync/: the plan as plan.c builds it and apply.c carries it out. */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "kube/kube.h"
#include "sync/sync.h"

struct error;

/* Ranks of the apply order (sync.h, sync_plan_apply()). */
enum sync_rank {
	SYNC_RANK_NAMESPACE,
	SYNC_RANK_CRD,
	SYNC_RANK_CLUSTER,
	SYNC_RANK_CONFIG,
	SYNC_RANK_SERVICE,
	SYNC_RANK_WORKLOAD,
	SYNC_RANK_OTHER,
	_SYNC_RANK_MAX,
};

struct sync_item {
	enum sync_action action;
	enum sync_rank rank;
	char *api_version; /* "apps/v1" */
	char *group;       /* "" for the core group */
	char *version;
	char *kind;
	char *namespace; /* NULL for a cluster-scoped object */
	char *name;

	json_t *desired; /* as rendered, namespace filled in; NULL for PRUNE and KEEP */
	json_t *body;    /* what an apply sends: desired, hash annotation, no HPA-owned replicas;
	                  * made when first needed (sync_item_body()) */
	json_t *live;    /* NULL when absent */
	json_t *after;   /* the dry run's answer, or desired when none was possible */
	json_t *paths;   /* array of the paths that differ (UPDATE) */
	char hash[17];   /* of desired, for SYNC_HASH_ANNOTATION */

	struct kube_resource res;
	bool has_res;      /* false: its CRD comes with this plan */
	bool is_refresh;   /* in sync, but the hash annotation is stale: applied quietly */
	bool is_hpa_owned; /* an HPA scales it: spec.replicas is not ours */
	bool was_created;  /* inventory: driftless created it */
	char *uid;         /* inventory: the uid recorded, or of the live object */
	char *note;        /* why KEEP, or why no dry run; what a human should know (lines) */
	char *refusal;     /* a guard rail says no: the apply of the plan refuses to start */
	struct sync_rds *rds; /* an RDS kind (rds.c): its live side and the calls to make */
};

struct sync_plan {
	const struct sync_target *t;
	json_t *desired; /* the rendered array the plan took */
	struct sync_item *items;
	size_t n_items;
	size_t counts[_SYNC_ACTION_MAX];
	unsigned n_lists;
	unsigned n_dry_runs;
	unsigned n_aws_calls;
	bool has_inventory; /* the ConfigMap existed */
	json_t *inventory;  /* its entries as read (or from its copy), an array */
};

struct aws_credentials_provider;
struct sync_rds;

/* "Deployment 'ns/name'" or "Namespace 'name'". */
char *sync_item_label(const struct sync_item *it);

/*
 * Server-side apply of it->body (dry_run or for real), with the conflict policy of
 * sync_plan_apply(). *ret_obj (may be NULL) receives the answer.
 */
int sync_item_apply(struct sync_plan *p, struct sync_item *it, bool dry_run, json_t **ret_obj,
                    struct error *reterr);

/* Set it->hash from it->desired. */
void sync_item_hash(struct sync_item *it);
/* Make it->body (once; again only after it is dropped). -ENOMEM on failure. */
int sync_item_body(struct sync_item *it);

/* A normalised deep copy for comparing and printing: kube_object_normalize() and no hash. */
json_t *sync_object_normal(const json_t *obj);

/* The inventory ConfigMap: read (an absent one gives an empty array) and write. */
int sync_inventory_read(const struct sync_target *t, json_t **ret_entries, bool *ret_exists,
                        struct error *reterr);
int sync_inventory_write(const struct sync_target *t, const json_t *entries, struct error *reterr);
/* One entry: [group, version, kind, namespace or "", name, uid or "", created]. */
json_t *sync_inventory_entry(const struct sync_item *it);

/* The wall clock now as RFC 3339 UTC ("2026-11-22T08:15:00Z"), or JSON null. */
json_t *sync_now_rfc3339(void);

/* One entry of the report of sync_plan_apply(): {"action", "apiVersion", "kind", ...}. */
void sync_report_object(json_t *objects, const struct sync_item *it, const char *result,
                        const char *message);

/*
 * --- the RDS kinds (rds.c) ---
 *
 * RDSInstance and DBParameterGroup of the group driftless.dev: planned against RDS instead
 * of the cluster, applied before anything of the cluster, never in the inventory and never
 * deleted.
 */
bool sync_rds_is_kind(const char *group, const char *kind);
/*
 * The credentials chain of a's environment, made on first use and kept (borrowed: a owns
 * it): the RDS clients and cluster.eks's tokens share it. Errors: those of
 * aws_credentials_provider_new_default().
 */
int sync_aws_credentials(struct sync_aws *a, struct aws_credentials_provider **ret,
                         struct error *reterr);
/*
 * Read the live side of it (an RDS kind, it->desired set) and set its action, live and
 * after (RDSInstance-shaped: the spec git sets, and the effective live values of the same
 * fields), paths, note and refusal. Errors: -EINVAL an object git gives wrong; AWS's.
 */
int sync_rds_plan(struct sync_plan *p, struct sync_item *it, struct error *reterr);
/*
 * Make the calls of it's plan. A change that must wait (the instance is not available) is
 * reported "deferred", and *ret_deferred set. Errors: -EINVAL RDS refused a value (the
 * revision is bad); the others are AWS's.
 */
int sync_rds_apply(struct sync_plan *p, struct sync_item *it, json_t *objects,
                   bool *ret_deferred, struct error *reterr);
void sync_rds_free(struct sync_rds *r);
