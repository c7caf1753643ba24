/*
 * libsystemd, loaded on first use (core/dl.h): the journal protocol core/log.c speaks when
 * stderr is a journal stream. Add a function here, with its wrapper, before calling it.
 */

#include <stdarg.h>
#include <sys/uio.h>

#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

#include "core/dl.h"
#include "core/log.h"

#define SYMBOLS(X) X(sd_journal_sendv)

DL_LIBRARY(systemd, DRIFTLESS_SONAME_LIBSYSTEMD, SYMBOLS);

int sd_journal_sendv(const struct iovec *iov, int n)
{
	return DL_CALL(systemd, sd_journal_sendv)(iov, n);
}

int log_load_library(struct error *reterr)
{
	return dl_library_load(&dl_library_systemd, reterr);
}
