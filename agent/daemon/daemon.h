#pragma once
/*
 * daemon: `driftless run`, the agent as systemd runs it. An sd-event loop on the main
 * thread owns the timers, the signals and the triggers; the blocking work (git fetches,
 * syncs through libgit2 and libcurl) runs on worker threads, one per job.
 *
 *  - The source is fetched every source.interval (plus up to daemon.jitter, so that a
 *    fleet of agents does not poll in step) and when a webhook reports a push. After each
 *    fetch every environment is synced: the new revision is applied, or the drift of the
 *    revision in use healed.
 *  - Triggers coalesce: a fetch or an environment's sync has at most one run in flight and
 *    one queued, whatever the burst of pushes. Environments sync in parallel, each at most
 *    once at a time.
 *  - systemd: READY=1 after the first good fetch or daemon.ready_grace, whichever comes
 *    first; STATUS= says what each environment is doing; WATCHDOG=1 from the loop when
 *    WatchdogSec= is set; the listening socket from socket activation (driftless.socket),
 *    else webhook.listen.
 *  - SIGTERM/SIGINT: stop taking work, stop the syncs in flight at their next safe point
 *    (between two objects, or while waiting for health: their state records
 *    "interrupted"), wait for them, exit 0. SIGHUP: reload the config; a config that does
 *    not load is refused with a log line naming the file, line and field, and the running
 *    one is kept.
 */

struct error;

/*
 * Run until SIGTERM; version is this build's, for the log and driftless_build_info.
 * Returns 0 after a clean stop, else a negative errno (logged).
 */
int daemon_run(const char *config_path, const char *version);
