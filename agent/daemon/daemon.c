/* `driftless run`: the event loop, the scheduler and systemd's side of it (daemon.h). */

#include "daemon/daemon.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "core/alloc.h"
#include "core/crypto.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/time.h"
#include "daemon/internal.h"
#include "doc/doc.h"
#include "http/http.h"
#include "server/server.h"
#include "sync/sync.h"

#define SECRET_MAX_BYTES 4096

/* --- the config --- */

struct daemon_config *daemon_config_ref(struct daemon_config *cfg)
{
	cfg->n_ref++;
	return cfg;
}

struct daemon_config *daemon_config_unref(struct daemon_config *cfg)
{
	if (!cfg || --cfg->n_ref > 0)
		return NULL;
	sync_config_free(cfg->c);
	free(cfg);
	return NULL;
}

static int config_load(const char *path, struct daemon_config **ret, struct error *reterr)
{
	struct sync_config *c = NULL;
	int r;

	r = sync_config_load(path, &c, reterr);
	if (r < 0)
		return r;
	*ret = xcalloc(1, sizeof(**ret));
	(*ret)->n_ref = 1;
	(*ret)->c = c;
	return 0;
}

/*
 * The webhook secret: webhook.secret_file, else the systemd credential "webhook-secret"
 * when there is one. A trailing newline is not part of it. *ret_len 0: none.
 */
static int read_secret(const struct sync_config *c, char **ret, size_t *ret_len,
                       struct error *reterr)
{
	_cleanup_free_ char *credential = NULL;
	const char *path = c->webhook.secret_file;
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char *data = NULL;
	size_t len = 0;
	int r;

	*ret = NULL;
	*ret_len = 0;
	if (!path && dir) {
		credential = xasprintf("%s/webhook-secret", dir);
		if (access(credential, F_OK) == 0)
			path = credential;
	}
	if (!path)
		return 0;
	r = read_file_full(path, SECRET_MAX_BYTES, &data, &len, reterr);
	if (r < 0)
		return error_prefix(reterr, r, "webhook secret");
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		data[--len] = '\0';
	*ret = data;
	*ret_len = len;
	return 0;
}

static void secret_free(char *secret, size_t len)
{
	if (!secret)
		return;
	explicit_bzero(secret, len);
	free(secret);
}

/* The ref whose pushes count: "refs/heads/main"; none for a pinned commit. */
static char *webhook_ref(const struct sync_config *c)
{
	switch (c->source.ref_kind) {
	case SOURCE_REF_BRANCH:
		return xasprintf("refs/heads/%s", c->source.ref);
	case SOURCE_REF_TAG:
		return xasprintf("refs/tags/%s", c->source.ref);
	default:
		return xstrdup("");
	}
}

/* --- status for systemd and for GET /status --- */

static json_t *timestamp(uint64_t realtime_usec)
{
	char buf[FORMAT_TIMESTAMP_MAX];

	if (!realtime_usec || !format_timestamp(buf, sizeof(buf), realtime_usec))
		return json_null();
	return json_string(buf);
}

/*
 * {"pid", "version", "started_at", "ready", "stopping", "fetch": {"running", "queued",
 * "status"}, "environments": {NAME: {"running", "queued", "since", "status"}}}
 */
static void render_status_json(struct daemon *d)
{
	json_auto_t *envs = json_object(), *doc = NULL;
	char *text;

	for (size_t i = 0; i < d->n_slots; i++) {
		const struct env_slot *slot = d->slots[i];

		(void)json_object_set_new(
		        envs, slot->name,
		        json_pack("{s:b, s:b, s:o, s:s}", "running", slot->running != NULL,
		                  "queued", slot->is_queued, "since",
		                  slot->running ? timestamp(slot->since_usec) : json_null(),
		                  "status", slot->status));
	}
	doc = json_pack("{s:i, s:s, s:o, s:b, s:b, s:{s:b, s:b, s:s}, s:O}", "pid", (int)getpid(),
	                "version", d->version, "started_at", timestamp(d->started_usec), "ready",
	                d->is_ready, "stopping", d->is_stopping, "fetch", "running",
	                d->fetching != NULL, "queued", d->is_fetch_queued, "status",
	                d->fetch_status, "environments", envs);
	{
		struct strbuf sb = STRBUF_INIT;

		/* json_dumps()'s memory is jansson's allocator's (doc_init()): not free()'s */
		if (doc)
			doc_json_dump(doc, JSON_PRESERVE_ORDER | JSON_INDENT(2), &sb);
		text = doc ? strbuf_detach(&sb, NULL) : NULL;
	}
	pthread_mutex_lock(&d->lock);
	free(d->status_json);
	d->status_json = text;
	pthread_mutex_unlock(&d->lock);
}

static void update_status(struct daemon *d)
{
	_cleanup_(strbuf_release) struct strbuf sb = STRBUF_INIT;

	render_status_json(d);

	strbuf_addf(&sb, "STATUS=%s", d->is_stopping ? "stopping; " : "");
	strbuf_addstr(&sb, d->fetch_status);
	for (size_t i = 0; i < d->n_slots; i++)
		strbuf_addf(&sb, "; %s: %s", d->slots[i]->name, d->slots[i]->status);
	(void)sd_notify(false, sb.buf);
}

static void set_ready(struct daemon *d, const char *why)
{
	if (d->is_ready)
		return;
	__atomic_store_n(&d->is_ready, true, __ATOMIC_RELEASE);
	d->ready_timer = sd_event_source_unref(d->ready_timer);
	log_info("ready (%s)", why);
	(void)sd_notify(false, "READY=1");
}

/* --- environments --- */

static struct env_slot *slot_find(struct daemon *d, const char *name)
{
	for (size_t i = 0; i < d->n_slots; i++)
		if (streq(d->slots[i]->name, name))
			return d->slots[i];
	return NULL;
}

static void slot_drop(struct daemon *d, struct env_slot *slot)
{
	for (size_t i = 0; i < d->n_slots; i++)
		if (d->slots[i] == slot) {
			memmove(&d->slots[i], &d->slots[i + 1],
			        (d->n_slots - i - 1) * sizeof(*d->slots));
			d->n_slots--;
			break;
		}
	daemon_slot_drop_context(slot);
	free(slot->name);
	free(slot);
}

/* One slot per environment of the config; those that left it go once idle. */
static void slots_update(struct daemon *d)
{
	const struct sync_config *c = d->cfg->c;

	for (size_t i = 0; i < c->n_environments; i++) {
		struct env_slot *slot = slot_find(d, c->environments[i].name);

		if (slot) {
			slot->is_removed = false;
			continue;
		}
		slot = xcalloc(1, sizeof(*slot));
		slot->name = xstrdup(c->environments[i].name);
		snprintf(slot->status, sizeof(slot->status), "waiting");
		d->slots = xreallocarray(d->slots, d->n_slots + 1, sizeof(*d->slots));
		d->slots[d->n_slots++] = slot;
		daemon_metrics_in_flight(d->metrics, slot->name, false);
	}
	for (size_t i = d->n_slots; i-- > 0;) {
		struct env_slot *slot = d->slots[i];

		if (sync_config_environment(c, slot->name))
			continue;
		slot->is_removed = true;
		if (!slot->running)
			slot_drop(d, slot);
	}
}

static bool is_idle(const struct daemon *d)
{
	if (d->fetching)
		return false;
	for (size_t i = 0; i < d->n_slots; i++)
		if (d->slots[i]->running)
			return false;
	return true;
}

static void maybe_exit(struct daemon *d)
{
	if (d->is_stopping && is_idle(d))
		(void)sd_event_exit(d->event, 0);
}

/* Sync slot now, or once its sync in flight ends. */
static void request_sync(struct daemon *d, struct env_slot *slot)
{
	if (d->is_stopping || slot->is_removed)
		return;
	if (slot->running) {
		slot->is_queued = true;
		return;
	}
	if (job_start(d, JOB_SYNC, slot) < 0)
		return;
	slot->since_usec = now_usec(CLOCK_REALTIME);
	snprintf(slot->status, sizeof(slot->status), "syncing");
	daemon_metrics_in_flight(d->metrics, slot->name, true);
	update_status(d);
}

/* Fetch now, or once the fetch in flight ends. why is for the log. */
static void request_fetch(struct daemon *d, const char *why)
{
	if (d->is_stopping)
		return;
	if (d->fetching) {
		d->is_fetch_queued = true;
		return;
	}
	log_debug("fetching (%s)", why);
	if (job_start(d, JOB_FETCH, NULL) < 0)
		return;
	snprintf(d->fetch_status, sizeof(d->fetch_status), "fetching");
	update_status(d);
}

/* --- finished jobs --- */

static void fetch_done(struct daemon *d, struct job *job)
{
	const struct source_fetch_result *res = &job->fetch;

	d->fetching = NULL;
	daemon_metrics_fetch(d->metrics, job);
	if (job->r < 0) {
		/* stopped by a SIGTERM: expected, not an error */
		log_struct(job->r == -ECANCELED ? LOG_NOTICE : LOG_ERR, job->r,
		           LOG_FIELDS({ "DRIFTLESS_RESULT", "error" },
		                      { "DRIFTLESS_REVISION",
		                        res->revision[0] ? res->revision : NULL }),
		           "Failed to fetch the source: %s", job->e.message);
		snprintf(d->fetch_status, sizeof(d->fetch_status), "fetch failed");
	} else {
		if (!streq(res->previous, res->revision))
			log_struct(LOG_NOTICE, 0,
			           LOG_FIELDS({ "DRIFTLESS_REVISION", res->revision },
			                      { "DRIFTLESS_RESULT", "fetched" }),
			           "new revision %.12s (was %.12s)", res->revision,
			           res->previous[0] ? res->previous : "none");
		snprintf(d->fetch_status, sizeof(d->fetch_status), "git at %.12s", res->revision);
		d->has_fetched = true;
		set_ready(d, "fetched the source");
	}
	/* the revision in use is synced even when git is out of reach: drift still heals */
	if (res->revision[0] || d->has_fetched)
		for (size_t i = 0; i < d->n_slots; i++)
			request_sync(d, d->slots[i]);
	if (d->is_fetch_queued) {
		d->is_fetch_queued = false;
		request_fetch(d, "a webhook came in meanwhile");
	}
	update_status(d);
}

/* One journal entry per object the sync changed or failed on. */
static void log_objects(const char *env, const char *revision, const json_t *apply)
{
	const json_t *o;
	size_t i;

	json_array_foreach(json_object_get(apply, "objects"), i, o) {
		const char *ns = json_string_value(json_object_get(o, "namespace"));
		const char *result = json_string_value(json_object_get(o, "result"));
		const char *message = json_string_value(json_object_get(o, "message"));
		_cleanup_free_ char *object = xasprintf(
		        "%s %s%s%s", json_string_value(json_object_get(o, "kind")), ns ? ns : "",
		        ns ? "/" : "", json_string_value(json_object_get(o, "name")));

		log_struct(streq_ptr(result, "failed") ? LOG_ERR : LOG_INFO, 0,
		           LOG_FIELDS({ "DRIFTLESS_ENV", env }, { "DRIFTLESS_REVISION", revision },
		                      { "DRIFTLESS_OBJECT", object },
		                      { "DRIFTLESS_RESULT", result }),
		           "environment %s: %s %s%s%s", env, result ? result : "?", object,
		           message ? ": " : "", message ? message : "");
	}
}

static void sync_done(struct daemon *d, struct job *job)
{
	struct env_slot *slot = job->slot;
	const json_t *state = json_object_get(job->report, "state");
	const json_t *last = json_object_get(state, "last_sync");
	const char *result = json_string_value(json_object_get(last, "result"));
	const char *revision = json_string_value(json_object_get(last, "revision"));
	const char *applied = json_string_value(json_object_get(state, "revision"));
	int level;

	slot->running = NULL;
	if (!result)
		result = "error"; /* the state could not be read or the context not made */
	/* keep the connection for the next sync, unless the cluster could not be reached */
	if (job->owns_context && !streq(result, "error")) {
		daemon_slot_drop_context(slot);
		slot->context = TAKE_PTR(job->context);
		slot->context_cfg = daemon_config_ref(job->cfg);
		slot->context_made_usec = now_usec(CLOCK_MONOTONIC);
		job->owns_context = false;
	} else if (!job->owns_context && job->context && streq(result, "error")) {
		/* the slot's: made again at the next sync */
		job->context = NULL;
		daemon_slot_drop_context(slot);
	}
	level = streq(result, "success") || streq(result, "unchanged")   ? LOG_INFO :
	        streq(result, "skipped") || streq(result, "interrupted") ? LOG_WARNING :
	                                                                   LOG_ERR;
	log_objects(slot->name, revision, json_object_get(job->report, "apply"));
	log_objects(slot->name, json_string_value(json_object_get(last, "rolled_back_to")),
	            json_object_get(job->report, "rollback_apply"));
	log_struct(level, job->r,
	           LOG_FIELDS({ "DRIFTLESS_ENV", slot->name }, { "DRIFTLESS_REVISION", revision },
	                      { "DRIFTLESS_RESULT", result }),
	           "environment %s: sync %s at %.12s in %.3fs%s%s", slot->name, result,
	           revision ? revision : "(none)", (double)job->duration_usec / 1e6,
	           job->r < 0 ? ": " : "", job->r < 0 ? job->e.message : "");
	snprintf(slot->status, sizeof(slot->status), "%s, at %.12s", result,
	         applied ? applied : "(none)");
	daemon_metrics_sync(d->metrics, job, result);
	if (slot->is_removed) {
		slot_drop(d, slot);
		return;
	}
	if (slot->is_queued) {
		slot->is_queued = false;
		request_sync(d, slot);
	}
}

static int on_wake(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct daemon *d = userdata;
	struct job *done, *next;
	unsigned n_pushes;
	bool had_done;
	uint64_t n;

	(void)s;
	(void)revents;
	(void)!read(fd, &n, sizeof(n));
	pthread_mutex_lock(&d->lock);
	done = d->done;
	d->done = NULL;
	n_pushes = d->n_pushes;
	d->n_pushes = 0;
	pthread_mutex_unlock(&d->lock);

	had_done = done != NULL;
	for (struct job *job = done; job; job = next) {
		next = job->next;
		(void)pthread_join(job->thread, NULL);
		if (job->kind == JOB_FETCH)
			fetch_done(d, job);
		else
			sync_done(d, job);
		job_free(job);
	}
	if (n_pushes > 0)
		request_fetch(d, "webhook");
	update_status(d);
	if (had_done && is_idle(d))
		/* a sync's peak (a render, the LISTs) is given back, not kept while idle */
		(void)malloc_trim(0);
	maybe_exit(d);
	return 0;
}

/* --- timers --- */

static uint64_t random_below(uint64_t n)
{
	uint64_t v = 0;

	if (n == 0 || getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
		return 0;
	return v % n;
}

static uint64_t next_poll_usec(const struct daemon *d)
{
	const struct sync_config *c = d->cfg->c;

	return c->source.interval_usec + random_below(c->daemon.jitter_usec + 1);
}

static int on_poll_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;

	(void)usec;
	request_fetch(d, "interval");
	(void)sd_event_source_set_time_relative(s, next_poll_usec(d));
	(void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

static int on_ready_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;

	(void)s;
	(void)usec;
	log_warning("no good fetch within daemon.ready_grace; saying ready all the same");
	set_ready(d, "ready_grace passed");
	return 0;
}

/* --- the HTTP server --- */

static void server_on_push(enum server_webhook_provider p, const struct server_webhook_event *ev,
                           void *userdata)
{
	struct daemon *d = userdata;

	log_info("webhook %s: push of %s%s%s", server_webhook_to_string(p), ev->ref,
	         ev->delivery ? ", delivery " : "", ev->delivery ? ev->delivery : "");
	pthread_mutex_lock(&d->lock);
	d->n_pushes++;
	pthread_mutex_unlock(&d->lock);
	daemon_wake(d);
}

static const char *webhook_result_name(enum server_webhook_result r)
{
	static const char *const names[] = {
		[SERVER_WEBHOOK_ACCEPTED] = "accepted",
		[SERVER_WEBHOOK_IGNORED] = "ignored",
		[SERVER_WEBHOOK_REPEATED] = "repeated",
		[SERVER_WEBHOOK_BAD_REQUEST] = "bad-request",
		[SERVER_WEBHOOK_UNAUTHORIZED] = "unauthorized",
		[SERVER_WEBHOOK_TOO_BIG] = "too-big",
	};

	return r >= 0 && (size_t)r < ELEMENTSOF(names) && names[r] ? names[r] : "unknown";
}

static void server_on_result(enum server_webhook_provider p, enum server_webhook_result result,
                             void *userdata)
{
	struct daemon *d = userdata;

	server_metrics_add(d->metrics, "driftless_webhook_requests_total",
	                   (const char *const[]){ server_webhook_to_string(p),
	                                          webhook_result_name(result), NULL },
	                   1);
}

static void server_on_metrics(struct strbuf *out, void *userdata)
{
	struct daemon *d = userdata;

	server_metrics_render(d->metrics, out);
}

static bool server_is_ready(void *userdata)
{
	struct daemon *d = userdata;

	return __atomic_load_n(&d->is_ready, __ATOMIC_ACQUIRE);
}

static void server_on_status(struct strbuf *out, void *userdata)
{
	struct daemon *d = userdata;

	pthread_mutex_lock(&d->lock);
	strbuf_addstr(out, d->status_json ? d->status_json : "{}");
	pthread_mutex_unlock(&d->lock);
	strbuf_addch(out, '\n');
}

static const struct server_ops server_ops = {
	.status = server_on_status,
	.on_push = server_on_push,
	.on_webhook_result = server_on_result,
	.metrics = server_on_metrics,
	.is_ready = server_is_ready,
};

/* The socket systemd passed (driftless.socket), or -1. */
static int activated_socket(void)
{
	int n = sd_listen_fds(true);

	if (n <= 0)
		return -1;
	if (n > 1)
		log_warning("systemd passed %d sockets; serving the first, ignoring the others", n);
	if (sd_is_socket(SD_LISTEN_FDS_START, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
		log_warning("the socket systemd passed is not a listening stream socket, ignoring");
		return -1;
	}
	return SD_LISTEN_FDS_START;
}

static int server_start(struct daemon *d, struct error *reterr)
{
	const struct sync_config *c = d->cfg->c;
	_cleanup_free_ char *ref = webhook_ref(c);
	char *secret = NULL;
	size_t secret_len = 0;
	int fd = activated_socket(), r;

	if (fd < 0 && !c->webhook.listen) {
		log_notice(
		        "no webhook.listen and no socket from systemd: no webhooks, no /metrics");
		return 0;
	}
	r = read_secret(c, &secret, &secret_len, reterr);
	if (r < 0)
		return r;
	if (secret_len == 0)
		log_warning("no webhook secret (webhook.secret_file or the credential "
		            "webhook-secret): every webhook is refused");
	{
		const struct server_options o = {
			.listen = c->webhook.listen,
			.fd = fd,
			.secret = secret,
			.secret_len = secret_len,
			.max_body_bytes = c->webhook.max_body_bytes,
			.repo_url = c->source.url,
			.ref = ref,
			.ops = &server_ops,
			.userdata = d,
		};

		r = server_new(&o, &d->server, reterr);
	}
	secret_free(secret, secret_len);
	if (r < 0)
		return r;
	d->is_socket_activated = fd >= 0;
	d->server_listen = c->webhook.listen ? xstrdup(c->webhook.listen) : NULL;
	log_info("serving webhooks and /metrics on %s (port %u)",
	         fd >= 0 ? "the socket from systemd" : c->webhook.listen,
	         (unsigned)server_port(d->server));
	return 0;
}

/* --- signals --- */

static int on_stop(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct daemon *d = userdata;

	(void)s;
	if (d->is_stopping)
		return 0;
	log_notice("stopping on %s: no new work; syncs in flight stop at their next safe point",
	           strsignal((int)si->ssi_signo));
	d->is_stopping = true;
	__atomic_store_n(&d->cancel, true, __ATOMIC_RELEASE);
	source_fetch_cancel();
	(void)sd_notify(false, "STOPPING=1");
	(void)sd_event_source_set_enabled(d->poll_timer, SD_EVENT_OFF);
	/* webhooks are answered no more: the socket stays with systemd for the next start */
	d->server = server_free(d->server);
	update_status(d);
	maybe_exit(d);
	return 0;
}

static int reload(struct daemon *d)
{
	struct daemon_config *cfg = NULL;
	struct error e = ERROR_INIT;
	const struct sync_config *c;
	int r;

	r = config_load(d->config_path, &cfg, &e);
	if (r < 0)
		return log_error_errno(
		        r, "Failed to reload the config, keeping the running one: %s", e.message);
	c = cfg->c;
	if (d->server) {
		_cleanup_free_ char *ref = webhook_ref(c);
		char *secret = NULL;
		size_t secret_len = 0;

		r = read_secret(c, &secret, &secret_len, &e);
		if (r < 0) {
			daemon_config_unref(cfg);
			return log_error_errno(r,
			                       "Failed to reload the config, keeping the running "
			                       "one: %s",
			                       e.message);
		}
		server_set_webhook(d->server, secret, secret_len, c->source.url, ref,
		                   c->webhook.max_body_bytes);
		secret_free(secret, secret_len);
		if (!d->is_socket_activated && !streq_ptr(d->server_listen, c->webhook.listen))
			log_warning("webhook.listen changed: it takes effect at the next start");
	} else if (c->webhook.listen) {
		log_warning("webhook.listen added: it takes effect at the next start");
	}
	if (!streq(c->state_dir, d->cfg->c->state_dir))
		log_warning("state_dir changed to %s: the state of %s is not carried over",
		            c->state_dir, d->cfg->c->state_dir);
	daemon_config_unref(d->cfg);
	d->cfg = cfg;
	slots_update(d);
	log_notice("reloaded %s: %zu environment%s", d->config_path, c->n_environments,
	           c->n_environments == 1 ? "" : "s");
	/* a reload usually means "look now" */
	request_fetch(d, "reload");
	(void)sd_event_source_set_time_relative(d->poll_timer, next_poll_usec(d));
	(void)sd_event_source_set_enabled(d->poll_timer, SD_EVENT_ONESHOT);
	return 0;
}

static int on_reload(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct daemon *d = userdata;

	(void)s;
	(void)si;
	if (d->is_stopping)
		return 0;
	(void)sd_notify(false, "RELOADING=1");
	(void)reload(d);
	update_status(d);
	/* the end of the reload; before the first good fetch, READY=1 is still to come */
	if (d->is_ready)
		(void)sd_notify(false, "READY=1");
	return 0;
}

/* --- life cycle --- */

static void daemon_release(struct daemon *d)
{
	/* every job was joined before the loop exited */
	d->server = server_free(d->server);
	sd_event_source_unref(d->poll_timer);
	sd_event_source_unref(d->ready_timer);
	sd_event_source_unref(d->wake_source);
	sd_event_unref(d->event);
	if (d->wake_fd >= 0)
		(void)close(d->wake_fd);
	for (size_t i = 0; i < d->n_slots; i++) {
		daemon_slot_drop_context(d->slots[i]);
		free(d->slots[i]->name);
		free(d->slots[i]);
	}
	free(d->slots);
	free(d->server_listen);
	free(d->status_json);
	server_metrics_free(d->metrics);
	daemon_config_unref(d->cfg);
	pthread_mutex_destroy(&d->lock);
}

static int load_libraries(struct error *reterr)
{
	int (*const loads[])(struct error *) = { log_load_library, source_load_library,
		                                 http_load_library, crypto_load_library,
		                                 server_load_library };

	for (size_t i = 0; i < ELEMENTSOF(loads); i++) {
		int r = loads[i](reterr);

		if (r < 0)
			return r;
	}
	return 0;
}

static const int handled_signals[] = { SIGTERM, SIGINT, SIGHUP };

static int setup(struct daemon *d, struct error *reterr)
{
	const struct sync_config *c;
	sigset_t mask;
	int r;

	r = config_load(d->config_path, &d->cfg, reterr);
	if (r < 0)
		return r;
	c = d->cfg->c;
	if (c->n_environments == 0)
		log_warning("the config has no environments: fetching only");
	r = load_libraries(reterr);
	if (r < 0)
		return r;
	/*
	 * Buffers from 128 KiB up (LIST pages, HTTP bodies) are mapped and unmapped on their
	 * own, rather than from the heap as glibc's rising threshold would have them after the
	 * first large one: a sync's peak goes back to the system when it ends.
	 */
	(void)mallopt(M_MMAP_THRESHOLD, 128 * 1024);

	/*
	 * Taken through the loop's signalfd: blocked before any thread starts, so that every
	 * thread inherits the mask, and with the default disposition, since one ignored by the
	 * parent (nohup) would be dropped even while blocked.
	 */
	sigemptyset(&mask);
	for (size_t i = 0; i < ELEMENTSOF(handled_signals); i++) {
		const struct sigaction sa = { .sa_handler = SIG_DFL };

		(void)sigaction(handled_signals[i], &sa, NULL);
		sigaddset(&mask, handled_signals[i]);
	}
	r = -pthread_sigmask(SIG_BLOCK, &mask, NULL);
	if (r < 0)
		return error_set(reterr, r, "Failed to block signals: %s", strerror(-r));

	r = sd_event_new(&d->event);
	if (r < 0)
		return error_set(reterr, r, "Failed to create the event loop: %s", strerror(-r));
	d->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->wake_fd < 0)
		return error_set(reterr, -errno, "Failed to create an eventfd: %s",
		                 strerror(errno));
	if ((r = sd_event_add_io(d->event, &d->wake_source, d->wake_fd, EPOLLIN, on_wake, d)) < 0 ||
	    (r = sd_event_add_signal(d->event, NULL, SIGTERM, on_stop, d)) < 0 ||
	    (r = sd_event_add_signal(d->event, NULL, SIGINT, on_stop, d)) < 0 ||
	    (r = sd_event_add_signal(d->event, NULL, SIGHUP, on_reload, d)) < 0 ||
	    (r = sd_event_add_time_relative(d->event, &d->poll_timer, CLOCK_MONOTONIC, 0, 0,
	                                    on_poll_timer, d)) < 0 ||
	    (r = sd_event_add_time_relative(d->event, &d->ready_timer, CLOCK_MONOTONIC,
	                                    c->daemon.ready_grace_usec, 0, on_ready_timer, d)) < 0)
		return error_set(reterr, r, "Failed to set up the event loop: %s", strerror(-r));
	/* WATCHDOG=1 from the loop itself, at half of WatchdogSec=, when it is set */
	(void)sd_event_set_watchdog(d->event, true);

	d->started_usec = now_usec(CLOCK_REALTIME);
	d->metrics = server_metrics_new();
	daemon_metrics_declare(d->metrics, d->version);
	slots_update(d);
	return server_start(d, reterr);
}

int daemon_run(const char *config_path, const char *version)
{
	struct daemon d = { .config_path = config_path, .version = version, .wake_fd = -1 };
	struct error e = ERROR_INIT;
	int r;

	pthread_mutex_init(&d.lock, NULL);
	r = setup(&d, &e);
	if (r < 0) {
		_cleanup_free_ char *errno_line = xasprintf("ERRNO=%d", -r);

		log_error_errno(r, "%s", e.message);
		(void)sd_notify(false, errno_line);
		daemon_release(&d);
		return r;
	}
	log_info("driftless %s: following %s with %zu environment%s", version, d.cfg->c->source.url,
	         d.cfg->c->n_environments, d.cfg->c->n_environments == 1 ? "" : "s");
	snprintf(d.fetch_status, sizeof(d.fetch_status), "starting");
	update_status(&d);
	r = sd_event_loop(d.event);
	if (r < 0)
		log_error_errno(r, "The event loop failed: %s", strerror(-r));
	else
		log_notice("stopped");
	daemon_release(&d);
	return r < 0 ? r : 0;
}
