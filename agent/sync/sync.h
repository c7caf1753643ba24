#pragma once
/*
 * sync: the reconcile pipeline for one environment, shared by the CLI and the daemon, and
 * the config file (/etc/driftless/driftless.yaml) that drives it.
 */

#include <stddef.h>

#include <jansson.h>

#include "core/macro.h"
#include "source/source.h"

struct error;

#define SYNC_CONFIG_DEFAULT_PATH "/etc/driftless/driftless.yaml"
#define SYNC_STATE_DIR_DEFAULT   "/var/lib/driftless"

struct sync_environment {
	char *name;
	char *path;         /* the overlay directory inside the repository */
	bool prune;         /* delete what left git (default true) */
	char *promote_from; /* another environment's name, or NULL */
	json_t *cluster;    /* how to reach the cluster, read by the Kubernetes client */
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
	json_t *webhook; /* read by the daemon */
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
