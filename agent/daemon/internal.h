#pragma once
/* The daemon's parts: the loop (daemon.c), the jobs (work.c), the metrics (metrics.c). */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <systemd/sd-event.h>

#include "core/error.h"
#include "source/source.h"

struct server;
struct server_metrics;
struct sync_config;
struct sync_context;
struct sync_environment;

/* A loaded config, shared by the loop and the jobs started under it. Loop thread only. */
struct daemon_config {
	unsigned n_ref;
	struct sync_config *c;
};

struct daemon_config *daemon_config_ref(struct daemon_config *cfg);
struct daemon_config *daemon_config_unref(struct daemon_config *cfg);

enum job_kind {
	JOB_FETCH,
	JOB_SYNC,
};

struct env_slot;
struct daemon;

/* One fetch or one sync of one environment, on its own thread. */
struct job {
	struct daemon *d;
	enum job_kind kind;
	struct daemon_config *cfg;          /* a reference, for the job's life */
	const struct sync_environment *env; /* JOB_SYNC: in cfg */
	struct env_slot *slot;              /* JOB_SYNC */
	pthread_t thread;
	uint64_t started_usec;

	struct sync_context *context; /* JOB_SYNC: the slot's, or made by the thread */
	bool owns_context;            /* made by the thread: freed with the job unless taken */

	/* filled by the thread */
	int r;
	struct error e;
	struct source_fetch_result fetch; /* JOB_FETCH */
	json_t *report;                   /* JOB_SYNC: sync_environment_run()'s */
	uint64_t duration_usec;

	struct job *next; /* in the list of finished jobs */
};

/* An environment's scheduling, kept across reloads by name. */
struct env_slot {
	char *name;
	struct job *running;
	bool is_queued;
	bool is_removed;     /* left the config at a reload: dropped once idle */
	uint64_t since_usec; /* CLOCK_REALTIME: when the sync in flight started */
	/*
	 * The cluster connection of the last sync, kept for the next (its TLS session and
	 * discovery cache), made under context_cfg and dropped when the config changes, after
	 * a sync that could not reach the cluster, and after CONTEXT_MAX_AGE_USEC.
	 */
	struct sync_context *context;
	struct daemon_config *context_cfg;
	uint64_t context_made_usec;
	char status[160];    /* for STATUS= */
};

struct daemon {
	sd_event *event;
	const char *config_path;
	const char *version;
	struct daemon_config *cfg;

	struct env_slot **slots;
	size_t n_slots;

	struct job *fetching;
	bool is_fetch_queued;
	char fetch_status[96];
	bool has_fetched; /* a fetch succeeded once */

	sd_event_source *poll_timer;
	sd_event_source *ready_timer;
	sd_event_source *wake_source;
	int wake_fd; /* an eventfd: finished jobs and webhook pushes */

	pthread_mutex_t lock; /* guards done, n_pushes and status_json */
	struct job *done;
	unsigned n_pushes;
	char *status_json; /* GET /status, rendered by the loop */
	uint64_t started_usec; /* CLOCK_REALTIME */

	bool cancel;   /* set once on SIGTERM, read by the sync threads (__atomic) */
	bool is_ready; /* read by the server's thread (__atomic) */
	bool is_stopping;

	struct server *server;
	char *server_listen; /* the listen address the server was started with */
	bool is_socket_activated;
	struct server_metrics *metrics;
};

#define CONTEXT_MAX_AGE_USEC (10ULL * 60ULL * 1000000ULL)

/* work.c */
void daemon_slot_drop_context(struct env_slot *slot);
int job_start(struct daemon *d, enum job_kind kind, struct env_slot *slot);
struct job *job_free(struct job *job);
/* Wake the loop (any thread). */
void daemon_wake(struct daemon *d);

/* metrics.c */
void daemon_metrics_declare(struct server_metrics *m, const char *version);
void daemon_metrics_fetch(struct server_metrics *m, const struct job *job);
/* a sync ended: counts, duration, applied revision, drift; not in flight any more */
void daemon_metrics_sync(struct server_metrics *m, const struct job *job, const char *result);
void daemon_metrics_in_flight(struct server_metrics *m, const char *env, bool is_running);
