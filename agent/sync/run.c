/* One reconcile of a configured environment: fetch, render, plan, apply, record (sync.h). */

#include "sync/sync.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "aws/aws.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/time.h"
#include "core/tree.h"
#include "kube/kube.h"
#include "render/render.h"
#include "source/source.h"
#include "state/state.h"
#include "sync/internal.h"

/* cluster.eks: the token source of the kube client. */
struct eks_token {
	struct aws_credentials_provider *credentials; /* borrowed: the context's sync_aws's */
	char *cluster;
	char *region;
	char *token; /* a secret */
	uint64_t made_usec;
};

static void eks_token_free(struct eks_token *t)
{
	if (!t)
		return;
	free(t->cluster);
	free(t->region);
	if (t->token)
		explicit_bzero(t->token, strlen(t->token));
	free(t->token);
	free(t);
}

/* kube_token_fn: one token reused for AWS_EKS_TOKEN_REUSE_USEC, a new one when refused. */
static int eks_token_get(void *userdata, bool force, char **ret, struct error *reterr)
{
	struct eks_token *t = userdata;
	uint64_t now = now_usec(CLOCK_MONOTONIC);

	if (force || !t->token || now - t->made_usec >= AWS_EKS_TOKEN_REUSE_USEC) {
		struct aws_credentials c = { 0 };
		_cleanup_free_ char *sts = NULL;
		char *token = NULL;
		int r;

		r = aws_credentials_provider_get(t->credentials, &c, reterr);
		if (r < 0)
			return error_prefix(reterr, r, "EKS cluster %s", t->cluster);
		/* AWS_ENDPOINT_URL_STS and the like, for tests; else STS of the region */
		if (getenv("AWS_ENDPOINT_URL_STS") || getenv("AWS_ENDPOINT_URL"))
			sts = aws_endpoint("sts", t->region, NULL);
		r = aws_eks_token(t->cluster, t->region, sts, &c, 0, &token, reterr);
		aws_credentials_release(&c);
		if (r < 0)
			return r;
		if (t->token)
			explicit_bzero(t->token, strlen(t->token));
		free(t->token);
		t->token = token;
		t->made_usec = now;
	}
	*ret = xstrdup(t->token);
	return 0;
}

static int eks_token_new(const char *cluster, const char *region, struct sync_aws *aws,
                         struct eks_token **ret, struct error *reterr)
{
	struct eks_token *t = xcalloc(1, sizeof(*t));
	int r;

	/* cluster.eks.region, else AWS_REGION, AWS_DEFAULT_REGION, the profile's region */
	t->region = region && *region ? xstrdup(region) : aws_region_default();
	if (!t->region) {
		free(t);
		return error_set(reterr, -EINVAL,
		                 "EKS cluster %s: no region (cluster.eks.region, AWS_REGION, "
		                 "AWS_DEFAULT_REGION or the AWS profile's region)",
		                 cluster);
	}
	/* the environment's one credentials chain, shared with its RDS objects */
	r = sync_aws_credentials(aws, &t->credentials, reterr);
	if (r < 0) {
		free(t->region);
		free(t);
		return error_prefix(reterr, r, "EKS cluster %s", cluster);
	}
	t->cluster = xstrdup(cluster);
	*ret = t;
	return 0;
}

struct sync_context {
	struct kube_client *client;
	struct eks_token *eks;
	struct sync_aws *aws;
	char *env;
	char *default_namespace;
	char *inventory_namespace;
	char *inventory_name;
	char *inventory_cache_file;
	char *revision;
	struct sync_target target;
};

struct sync_context *sync_context_free(struct sync_context *ctx)
{
	if (!ctx)
		return NULL;
	kube_client_free(ctx->client);
	eks_token_free(ctx->eks);
	sync_aws_free(ctx->aws);
	free(ctx->env);
	free(ctx->default_namespace);
	free(ctx->inventory_namespace);
	free(ctx->inventory_name);
	free(ctx->inventory_cache_file);
	free(ctx->revision);
	free(ctx);
	return NULL;
}

int sync_context_new(const struct sync_context_options *o, struct sync_context **ret,
                     struct error *reterr)
{
	_cleanup_(sync_context_freep) struct sync_context *ctx = NULL;
	_cleanup_(kube_config_freep) struct kube_config *cfg = NULL;
	int r;

	r = kube_config_load(o->kubeconfig, o->context, &cfg, reterr);
	if (r < 0)
		return r;
	ctx = xcalloc(1, sizeof(*ctx));
	r = kube_client_new(cfg, &ctx->client, reterr);
	if (r < 0)
		return r;
	ctx->aws = sync_aws_new();
	if (o->eks_cluster) {
		r = eks_token_new(o->eks_cluster, o->eks_region, ctx->aws, &ctx->eks, reterr);
		if (r < 0)
			return r;
		kube_client_set_token_source(ctx->client, eks_token_get, ctx->eks);
	}
	ctx->env = xstrdup(o->env ? o->env : "default");
	ctx->default_namespace = xstrdup(kube_config_namespace(cfg));
	if (o->inventory_namespace) {
		ctx->inventory_namespace = xstrdup(o->inventory_namespace);
		ctx->inventory_name = o->inventory_name ? xstrdup(o->inventory_name) :
		                                          xasprintf("driftless-%s", ctx->env);
		ctx->inventory_cache_file =
		        o->inventory_cache_file ? xstrdup(o->inventory_cache_file) : NULL;
	}
	ctx->target = (struct sync_target){
		.env = ctx->env,
		.client = ctx->client,
		.default_namespace = ctx->default_namespace,
		.inventory_namespace = ctx->inventory_namespace,
		.inventory_name = ctx->inventory_name,
		.inventory_cache_file = ctx->inventory_cache_file,
		.prune = o->prune,
		.force_conflicts = o->force_conflicts,
		.ignore = o->ignore,
		.n_ignore = o->n_ignore,
		.health_timeout_usec = o->health_timeout_usec,
		.cancel = o->cancel,
		.aws = ctx->aws,
	};
	*ret = TAKE_PTR(ctx);
	return 0;
}

int sync_context_new_env(const struct sync_config *c, const struct sync_environment *env,
                         struct sync_context **ret, struct error *reterr)
{
	_cleanup_free_ char *dir = state_env_dir(c->state_dir, env->name);
	_cleanup_free_ char *cache = xasprintf("%s/inventory.json", dir);
	const struct sync_context_options o = {
		.env = env->name,
		.inventory_cache_file = cache,
		.kubeconfig = env->kubeconfig,
		.context = env->context,
		.inventory_namespace = env->inventory_namespace,
		.inventory_name = env->inventory_name,
		.prune = env->prune,
		.force_conflicts = env->force_conflicts,
		.health_timeout_usec = env->health_timeout_usec,
		.ignore = env->ignore,
		.n_ignore = env->n_ignore,
		.eks_cluster = env->eks_cluster,
		.eks_region = env->eks_region,
	};
	int r;

	r = mkdir_parents(dir, 0700, reterr);
	if (r >= 0)
		r = sync_context_new(&o, ret, reterr);
	if (r < 0)
		return error_prefix(reterr, r, "environment %s: cluster", env->name);
	return 0;
}

const struct sync_target *sync_context_target(const struct sync_context *ctx)
{
	return &ctx->target;
}

void sync_context_set_revision(struct sync_context *ctx, const char *revision)
{
	free(ctx->revision);
	ctx->revision = revision ? xstrdup(revision) : NULL;
	ctx->target.revision = ctx->revision;
}

int sync_render_revision(const struct sync_config *c, const struct sync_environment *env,
                         const char *revision, json_t **ret_objects, struct error *reterr)
{
	_cleanup_free_ char *repo_dir = sync_config_repo_dir(c);
	_cleanup_(source_repo_freep) struct source_repo *repo = NULL;
	struct tree *tree = NULL;
	int r;

	r = source_repo_open(repo_dir, false, &repo, reterr);
	if (r < 0)
		return r;
	r = source_repo_tree(repo, revision, &tree, reterr);
	if (r < 0)
		return r;
	r = render_kustomization(tree, env->path, ret_objects, reterr);
	tree_free(tree);
	return r;
}

/* --- the chain --- */

struct run {
	const struct sync_config *c;
	const struct sync_environment *env;
	const struct sync_run_options *o;
	struct sync_context *ctx;
	json_t *state;     /* state.json as read, updated as we go */
	json_t *last_sync; /* state.last_sync of this run */
	json_t *report;
	struct error *reterr;
};

static const char *state_string(const struct run *run, const char *key)
{
	return json_string_value(json_object_get(run->state, key));
}

static void set_string(json_t *obj, const char *key, const char *value)
{
	(void)json_object_set_new(obj, key, value ? json_string(value) : json_null());
}

/* Plan revision; with do_apply, apply it too. The plan's JSON goes to report[plan_key]. */
static int reconcile(struct run *run, const char *revision, bool do_apply, const char *plan_key,
                     const char *apply_key, bool *ret_changed, struct error *reterr)
{
	_cleanup_(sync_plan_freep) struct sync_plan *plan = NULL;
	json_t *objects = NULL, *applied = NULL;
	int r;

	r = sync_render_revision(run->c, run->env, revision, &objects, reterr);
	if (r < 0)
		return error_prefix(reterr, r == -EIO ? r : -EINVAL, "render %s at %.12s",
		                    run->env->path, revision);
	sync_context_set_revision(run->ctx, revision);
	r = sync_plan_new(sync_context_target(run->ctx), objects, &plan, reterr);
	if (r < 0)
		return r;
	(void)json_object_set_new(run->report, plan_key, sync_plan_to_json(plan));
	(void)json_object_set_new(
	        run->last_sync, "drift",
	        json_integer((json_int_t)(sync_plan_count(plan, SYNC_ACTION_CREATE) +
	                                  sync_plan_count(plan, SYNC_ACTION_UPDATE) +
	                                  sync_plan_count(plan, SYNC_ACTION_PRUNE))));
	*ret_changed = sync_plan_has_drift(plan);
	if (!do_apply)
		return 0;
	if (!*ret_changed && !streq_ptr(state_string(run, "revision"), revision)) {
		/*
		 * Nothing to apply, but the revision was never seen healthy (its last apply was
		 * cut short): see it healthy before it is claimed. A failure here is one of an
		 * applied revision, which is rolled back.
		 */
		r = sync_plan_verify(plan, reterr);
		if (r < 0)
			(void)json_object_set_new(
			        run->report, apply_key,
			        json_pack("{s:i, s:i, s:i, s:i, s:[]}", "applied", 0, "created", 0,
			                  "updated", 0, "pruned", 0, "objects"));
		return r;
	}
	r = sync_plan_apply(plan, &applied, reterr);
	if (applied) {
		const char *keys[] = { "applied", "created", "updated", "pruned", "deferred" };

		for (size_t i = 0; i < ELEMENTSOF(keys); i++)
			(void)json_object_set(run->last_sync, keys[i],
			                      json_object_get(applied, keys[i]));
		(void)json_object_set_new(run->report, apply_key, applied);
	}
	return r;
}

/* Is r the revision's fault (it is recorded as failed) rather than the cluster's? */
static bool is_revision_error(int r)
{
	return r == -EINVAL || r == -EBADMSG || r == -ENOENT || r == -EPROTO || r == -ETIME;
}

static int apply_last_good(struct run *run, const char *failed, struct error *reterr)
{
	const char *good = state_string(run, "last_good_revision");
	bool changed;
	int r;

	if (!good || streq(good, failed))
		return -ENOENT;
	log_warning("environment %s: rolling back to %.12s", run->env->name, good);
	/* what RDS cannot undo (storage that grew) must not stop the rollback of the rest */
	run->ctx->target.keep_refused = true;
	r = reconcile(run, good, true, "rollback_plan", "rollback_apply", &changed, reterr);
	run->ctx->target.keep_refused = false;
	if (r < 0)
		return r;
	set_string(run->last_sync, "rolled_back_to", good);
	set_string(run->state, "revision", good);
	return 0;
}

static int finish(struct run *run, const char *result, const char *message, uint64_t start_usec)
{
	json_int_t deferred = json_integer_value(json_object_get(run->last_sync, "deferred"));
	_cleanup_free_ char *deferred_message = NULL;
	struct error e = ERROR_INIT;
	int r;

	if (!message && deferred > 0) {
		deferred_message = xasprintf("%lld RDS change%s deferred until the instance is "
		                             "available",
		                             (long long)deferred, deferred == 1 ? "" : "s");
		message = deferred_message;
	}
	set_string(run->last_sync, "result", result);
	set_string(run->last_sync, "message", message);
	(void)json_object_set_new(run->last_sync, "finished_at", sync_now_rfc3339());
	(void)json_object_set_new(
	        run->last_sync, "duration_seconds",
	        json_real((double)(now_usec(CLOCK_MONOTONIC) - start_usec) / 1e6));
	(void)json_object_set(run->state, "last_sync", run->last_sync);
	(void)json_object_set(run->report, "state", run->state);
	if (run->o->dry_run)
		return 0;
	r = state_env_write(run->c->state_dir, run->env->name, run->state, &e);
	if (r < 0)
		log_error_errno(r, "environment %s: %s", run->env->name, e.message);
	return r;
}

/*
 * After revision failed with r (why in e) half applied: apply the last good revision again
 * and record the outcome. Returns r.
 */
static int roll_back(struct run *run, const char *revision, int r, const struct error *e,
                     uint64_t start_usec)
{
	struct error re = ERROR_INIT;
	int k;

	k = apply_last_good(run, revision, &re);
	if (k >= 0) {
		(void)finish(run, "rolled-back", e->message, start_usec);
		return r;
	}
	if (k != -ENOENT) {
		log_error_errno(k, "environment %s: rollback failed: %s", run->env->name,
		                re.message);
		(void)error_prefix(run->reterr, r, "rollback failed too (%s)", re.message);
	}
	(void)finish(run, "failed", e->message, start_usec);
	return r;
}

static int run_chain(struct run *run, uint64_t start_usec)
{
	char revision[SOURCE_REVISION_MAX] = "", good_copy[SOURCE_REVISION_MAX] = "";
	_cleanup_free_ char *repo_dir = sync_config_repo_dir(run->c);
	struct error *reterr = run->reterr;
	struct error e = ERROR_INIT;
	const char *failed, *target;
	bool changed = false;
	int r;

	if (!run->o->no_fetch) {
		struct source_fetch_result res;

		r = sync_fetch(run->c, &res, NULL, &e);
		if (r < 0)
			log_warning(
			        "environment %s: fetch failed, going on with the revision in use: "
			        "%s",
			        run->env->name, e.message);
	}
	r = source_current(repo_dir, revision, reterr);
	if (r < 0) {
		(void)finish(run, "error", reterr ? reterr->message : NULL, start_usec);
		return r;
	}

	/* a revision that failed is not tried again until git moves; the good one is kept */
	target = revision;
	failed = state_string(run, "failed_revision");
	if (failed && streq(failed, revision) && !run->o->retry_failed) {
		const char *good = state_string(run, "last_good_revision");
		const char *failed_reason = state_string(run, "failed_reason");

		if (!good) {
			r = error_set(reterr, -ESTALE,
			              "revision %.12s failed before (%s); waiting for a new commit",
			              revision, failed_reason ? failed_reason : "");
			(void)finish(run, "skipped", reterr ? reterr->message : NULL, start_usec);
			return r;
		}
		log_notice("environment %s: revision %.12s failed before; keeping %.12s",
		           run->env->name, revision, good);
		/* a copy: the state's strings are replaced as the run records what it did */
		snprintf(good_copy, sizeof(good_copy), "%s", good);
		target = good_copy;
	}
	set_string(run->last_sync, "revision", target);

	r = reconcile(run, target, !run->o->dry_run, "plan", "apply", &changed, &e);
	if (r >= 0) {
		if (!run->o->dry_run) {
			set_string(run->state, "revision", target);
			set_string(run->state, "last_good_revision", target);
			if (streq(target, revision)) {
				(void)json_object_del(run->state, "failed_revision");
				(void)json_object_del(run->state, "failed_reason");
			}
		}
		if (target == revision) {
			(void)finish(run, changed ? "success" : "unchanged", NULL, start_usec);
			return 0;
		}
		/* the environment is at its last good revision, not at git's */
		r = error_set(reterr, -ESTALE,
		              "revision %.12s failed before (%s); kept %.12s, waiting for a new "
		              "commit (--retry tries it again)",
		              revision,
		              state_string(run, "failed_reason") ?
		                      state_string(run, "failed_reason") :
		                      "",
		              target);
		(void)finish(run, "skipped", reterr ? reterr->message : NULL, start_usec);
		return r;
	}
	if (reterr)
		*reterr = e;
	if (run->o->dry_run || !is_revision_error(r) || target != revision) {
		/*
		 * The cluster could not be reached, or the agent is stopping: nothing is claimed,
		 * the next run starts over.
		 */
		if (!run->o->dry_run && json_object_get(run->report, "apply"))
			set_string(run->state, "revision", NULL);
		(void)finish(run, r == -ECANCELED ? "interrupted" : "error", e.message, start_usec);
		return r;
	}

	set_string(run->state, "failed_revision", revision);
	set_string(run->state, "failed_reason", e.message);
	if (!json_object_get(run->report, "apply")) {
		/* refused before anything was applied: the cluster is where it was */
		(void)finish(run, "failed", e.message, start_usec);
		return r;
	}
	set_string(run->state, "revision", NULL);
	return roll_back(run, revision, r, &e, start_usec);
}

int sync_environment_run(const struct sync_config *c, const struct sync_environment *env,
                         const struct sync_run_options *o, json_t **ret_report,
                         struct error *reterr)
{
	static const struct sync_run_options defaults = { 0 };
	_cleanup_(sync_context_freep) struct sync_context *ctx = NULL;
	struct run run = { .c = c, .env = env, .o = o ? o : &defaults, .reterr = reterr };
	uint64_t start_usec = now_usec(CLOCK_MONOTONIC);
	int r;

	r = state_env_read(c->state_dir, env->name, &run.state, reterr);
	if (r < 0)
		return r;
	run.report = json_object();
	run.last_sync = json_object();
	set_string(run.state, "environment", env->name);
	(void)json_object_set_new(run.last_sync, "started_at", sync_now_rfc3339());

	r = run.o->context ? 0 : sync_context_new_env(c, env, &ctx, reterr);
	if (r >= 0) {
		run.ctx = run.o->context ? run.o->context : ctx;
		run.ctx->target.cancel = run.o->cancel;
		r = run_chain(&run, start_usec);
	} else {
		(void)finish(&run, "error", reterr ? reterr->message : NULL, start_usec);
	}
	if (ret_report)
		*ret_report = json_incref(run.report);
	json_decref(run.report);
	json_decref(run.last_sync);
	json_decref(run.state);
	return r;
}
