/*
 * libsystemd, loaded on first use (core/dl.h): the journal protocol core/log.c speaks when
 * stderr is a journal stream, and the event loop, notify and socket activation calls of the
 * daemon. Add a function here, with its wrapper, before calling it.
 */

#include <stdarg.h>
#include <sys/uio.h>

#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>

#include "core/dl.h"
#include "core/log.h"

/* clang-format off */
#define SYMBOLS(X) \
	X(sd_journal_sendv) \
	X(sd_notify) \
	X(sd_listen_fds) \
	X(sd_is_socket) \
	X(sd_event_new) \
	X(sd_event_unref) \
	X(sd_event_loop) \
	X(sd_event_exit) \
	X(sd_event_set_watchdog) \
	X(sd_event_add_signal) \
	X(sd_event_add_io) \
	X(sd_event_add_time_relative) \
	X(sd_event_source_set_time_relative) \
	X(sd_event_source_set_enabled) \
	X(sd_event_source_unref)
/* clang-format on */

DL_LIBRARY(systemd, DRIFTLESS_SONAME_LIBSYSTEMD, SYMBOLS);

int sd_journal_sendv(const struct iovec *iov, int n)
{
	return DL_CALL(systemd, sd_journal_sendv)(iov, n);
}

int sd_notify(int unset_environment, const char *state)
{
	return DL_CALL(systemd, sd_notify)(unset_environment, state);
}

int sd_listen_fds(int unset_environment)
{
	return DL_CALL(systemd, sd_listen_fds)(unset_environment);
}

int sd_is_socket(int fd, int family, int type, int listening)
{
	return DL_CALL(systemd, sd_is_socket)(fd, family, type, listening);
}

int sd_event_new(sd_event **e)
{
	return DL_CALL(systemd, sd_event_new)(e);
}

sd_event *sd_event_unref(sd_event *e)
{
	return DL_CALL(systemd, sd_event_unref)(e);
}

int sd_event_loop(sd_event *e)
{
	return DL_CALL(systemd, sd_event_loop)(e);
}

int sd_event_exit(sd_event *e, int code)
{
	return DL_CALL(systemd, sd_event_exit)(e, code);
}

int sd_event_set_watchdog(sd_event *e, int b)
{
	return DL_CALL(systemd, sd_event_set_watchdog)(e, b);
}

int sd_event_add_signal(sd_event *e, sd_event_source **s, int sig,
                        sd_event_signal_handler_t callback, void *userdata)
{
	return DL_CALL(systemd, sd_event_add_signal)(e, s, sig, callback, userdata);
}

int sd_event_add_io(sd_event *e, sd_event_source **s, int fd, uint32_t events,
                    sd_event_io_handler_t callback, void *userdata)
{
	return DL_CALL(systemd, sd_event_add_io)(e, s, fd, events, callback, userdata);
}

int sd_event_add_time_relative(sd_event *e, sd_event_source **s, clockid_t clock, uint64_t usec,
                               uint64_t accuracy, sd_event_time_handler_t callback, void *userdata)
{
	return DL_CALL(systemd, sd_event_add_time_relative)(e, s, clock, usec, accuracy, callback,
	                                                    userdata);
}

int sd_event_source_set_time_relative(sd_event_source *s, uint64_t usec)
{
	return DL_CALL(systemd, sd_event_source_set_time_relative)(s, usec);
}

int sd_event_source_set_enabled(sd_event_source *s, int enabled)
{
	return DL_CALL(systemd, sd_event_source_set_enabled)(s, enabled);
}

sd_event_source *sd_event_source_unref(sd_event_source *s)
{
	return DL_CALL(systemd, sd_event_source_unref)(s);
}

int log_load_library(struct error *reterr)
{
	return dl_library_load(&dl_library_systemd, reterr);
}
