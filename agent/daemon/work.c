/* The daemon's jobs: a fetch or a sync on a thread of its own, handed back to the loop. */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"
#include "daemon/internal.h"
#include "sync/sync.h"

void daemon_wake(struct daemon *d)
{
	uint64_t one = 1;

	/* a full counter still wakes the loop: nothing to do about EAGAIN */
	while (write(d->wake_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

void daemon_slot_drop_context(struct env_slot *slot)
{
	slot->context = sync_context_free(slot->context);
	slot->context_cfg = daemon_config_unref(slot->context_cfg);
}

struct job *job_free(struct job *job)
{
	if (!job)
		return NULL;
	json_decref(job->report);
	if (job->owns_context)
		sync_context_free(job->context);
	daemon_config_unref(job->cfg);
	free(job);
	return NULL;
}

static void *job_main(void *userdata)
{
	struct job *job = userdata;
	struct daemon *d = job->d;

	if (job->kind == JOB_FETCH) {
		job->r = sync_fetch(job->cfg->c, &job->fetch, NULL, &job->e);
	} else {
		struct error e = ERROR_INIT;
		struct sync_run_options o = { .no_fetch = true, .cancel = &d->cancel };

		/* a context that cannot be made is the run's to report, in its state */
		if (!job->context) {
			if (sync_context_new_env(job->cfg->c, job->env, &job->context, &e) < 0)
				job->context = NULL;
			job->owns_context = job->context != NULL;
		}
		o.context = job->context;
		job->r = sync_environment_run(job->cfg->c, job->env, &o, &job->report, &job->e);
	}
	job->duration_usec = now_usec(CLOCK_MONOTONIC) - job->started_usec;

	pthread_mutex_lock(&d->lock);
	job->next = d->done;
	d->done = job;
	pthread_mutex_unlock(&d->lock);
	daemon_wake(d);
	return NULL;
}

int job_start(struct daemon *d, enum job_kind kind, struct env_slot *slot)
{
	struct job *job = xcalloc(1, sizeof(*job));
	int r;

	job->d = d;
	job->kind = kind;
	job->cfg = daemon_config_ref(d->cfg);
	job->slot = slot;
	job->e = (struct error)ERROR_INIT;
	job->started_usec = now_usec(CLOCK_MONOTONIC);
	if (kind == JOB_SYNC) {
		job->env = sync_config_environment(job->cfg->c, slot->name);
		if (!job->env) {
			job_free(job);
			return -ENOENT;
		}
		if (slot->context && slot->context_cfg == d->cfg &&
		    now_usec(CLOCK_MONOTONIC) - slot->context_made_usec < CONTEXT_MAX_AGE_USEC)
			job->context = slot->context;
		else
			daemon_slot_drop_context(slot);
	}
	/* the signals stay blocked in the thread: only the loop takes them (signalfd) */
	r = -pthread_create(&job->thread, NULL, job_main, job);
	if (r < 0) {
		log_error_errno(r, "Failed to start a thread: %s", strerror(-r));
		job_free(job);
		return r;
	}
	if (kind == JOB_FETCH)
		d->fetching = job;
	else
		slot->running = job;
	return 0;
}
