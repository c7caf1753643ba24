#pragma once
/*
 * Time: durations are uint64_t microseconds, measured on CLOCK_MONOTONIC unless a
 * protocol needs the wall clock. USEC_INFINITY means "never".
 *
 * struct backoff: capped exponential backoff with jitter for retries. The n-th delay
 * (n from 0) is drawn from
 *	full jitter:  [0, cap(n)]
 *	equal jitter: [cap(n) / 2, cap(n)]
 * where cap(n) = min(max_usec, initial_usec * 2^n). Full jitter spreads a herd of clients
 * best (what the AWS SDKs' standard retry mode does); equal jitter never retries at once.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define USEC_INFINITY   UINT64_MAX
#define NSEC_PER_USEC   1000ULL
#define USEC_PER_MSEC   1000ULL
#define USEC_PER_SEC    1000000ULL
#define USEC_PER_MINUTE (60ULL * USEC_PER_SEC)
#define USEC_PER_HOUR   (60ULL * USEC_PER_MINUTE)
#define USEC_PER_DAY    (24ULL * USEC_PER_HOUR)

uint64_t timespec_to_usec(const struct timespec *ts);

/*
 * Sleep usec on CLOCK_MONOTONIC, resumed after signals. With stop (a flag another thread
 * sets with __atomic_store_n; NULL: none), in slices of at most 100 ms, returning as soon
 * as it is true.
 */
void sleep_usec(uint64_t usec, const bool *stop);
/* Current time of the clock (CLOCK_MONOTONIC, CLOCK_REALTIME, ...) in microseconds. */
uint64_t now_usec(clockid_t clock);

/*
 * Format a duration the way the config takes it: "0", "250ms", "1m30s", "2h", "infinity".
 * Writes at most size bytes (including NUL) to buf and returns buf.
 */
char *format_timespan(char *buf, size_t size, uint64_t usec);
#define FORMAT_TIMESPAN_MAX 64

/*
 * Format a time of CLOCK_REALTIME as RFC 3339 in UTC to the second, "2026-11-22T11:51:04Z".
 * Returns buf, or NULL when the time cannot be shown.
 */
char *format_timestamp(char *buf, size_t size, uint64_t realtime_usec);
#define FORMAT_TIMESTAMP_MAX 32

/*
 * The other way: an RFC 3339 time ("2026-01-02T03:04:05Z", with an optional fraction and
 * a Z or +hh:mm offset) to CLOCK_REALTIME microseconds. -EINVAL when it is not one.
 */
int parse_timestamp(const char *s, uint64_t *ret_usec);

enum backoff_jitter {
	BACKOFF_JITTER_FULL,
	BACKOFF_JITTER_EQUAL,
	_BACKOFF_JITTER_MAX,
	_BACKOFF_JITTER_INVALID = -EINVAL,
};

struct backoff {
	uint64_t initial_usec;
	uint64_t max_usec;
	enum backoff_jitter jitter;
	unsigned attempt; /* delays handed out since the last reset */
	uint64_t rng;     /* xorshift64* state, seeded from getrandom() */
};

/* Embedded struct, no allocation; nothing to release. */
void backoff_init(struct backoff *b, uint64_t initial_usec, uint64_t max_usec,
                  enum backoff_jitter jitter);
/* After a success: the next delay starts from initial_usec again. */
void backoff_reset(struct backoff *b);
/* The delay to wait before the next attempt; advances the attempt counter. */
uint64_t backoff_next_usec(struct backoff *b);

/* The upper bound of the n-th delay: min(max_usec, initial_usec * 2^n), overflow-safe. */
uint64_t backoff_cap_usec(const struct backoff *b, unsigned attempt);
/*
 * The n-th delay for a given random draw r (uniform over uint64_t): a pure function, so
 * tests can check the bounds and the spread without a clock or a random source.
 */
uint64_t backoff_delay_usec(const struct backoff *b, unsigned attempt, uint64_t r);
