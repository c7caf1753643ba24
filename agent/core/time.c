#include "core/time.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/macro.h"

uint64_t timespec_to_usec(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * USEC_PER_SEC + (uint64_t)ts->tv_nsec / NSEC_PER_USEC;
}

uint64_t now_usec(clockid_t clock)
{
	struct timespec ts;

	/* Only fails for an invalid clock id: a programmer error. */
	if (clock_gettime(clock, &ts) < 0)
		assert(!"clock_gettime failed");
	return timespec_to_usec(&ts);
}

void sleep_usec(uint64_t usec, const bool *stop)
{
	while (usec > 0 && !(stop && __atomic_load_n(stop, __ATOMIC_ACQUIRE))) {
		uint64_t slice = stop ? MIN(usec, 100 * USEC_PER_MSEC) : usec;
		struct timespec ts = { .tv_sec = (time_t)(slice / USEC_PER_SEC),
			               .tv_nsec = (long)(slice % USEC_PER_SEC * NSEC_PER_USEC) };

		while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
			;
		usec -= slice;
	}
}

char *format_timestamp(char *buf, size_t size, uint64_t realtime_usec)
{
	time_t t = (time_t)(realtime_usec / USEC_PER_SEC);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return NULL;
	return buf;
}

char *format_timespan(char *buf, size_t size, uint64_t usec)
{
	static const struct {
		const char *suffix;
		uint64_t usec;
	} units[] = {
		{ "d", USEC_PER_DAY }, { "h", USEC_PER_HOUR },  { "m", USEC_PER_MINUTE },
		{ "s", USEC_PER_SEC }, { "ms", USEC_PER_MSEC }, { "us", 1 },
	};
	size_t off = 0;

	assert(size > 0);
	buf[0] = '\0';
	if (usec == USEC_INFINITY) {
		(void)snprintf(buf, size, "infinity");
		return buf;
	}
	if (usec == 0) {
		(void)snprintf(buf, size, "0");
		return buf;
	}
	for (size_t i = 0; i < ELEMENTSOF(units) && usec > 0 && off < size; i++) {
		uint64_t n = usec / units[i].usec;
		int k;

		if (!n)
			continue;
		k = snprintf(buf + off, size - off, "%llu%s", (unsigned long long)n,
		             units[i].suffix);
		if (k < 0)
			break;
		off += (size_t)k;
		usec -= n * units[i].usec;
	}
	return buf;
}

static uint64_t xorshift64star(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

void backoff_init(struct backoff *b, uint64_t initial_usec, uint64_t max_usec,
                  enum backoff_jitter jitter)
{
	assert(initial_usec > 0 && initial_usec <= max_usec);
	assert(jitter >= 0 && jitter < _BACKOFF_JITTER_MAX);
	*b = (struct backoff){
		.initial_usec = initial_usec,
		.max_usec = max_usec,
		.jitter = jitter,
	};
	/* Jitter only needs to differ between processes, not to be secret. */
	if (getrandom(&b->rng, sizeof(b->rng), GRND_NONBLOCK) != sizeof(b->rng))
		b->rng = now_usec(CLOCK_MONOTONIC) ^ ((uint64_t)getpid() << 32);
	if (!b->rng)
		b->rng = 0x9E3779B97F4A7C15ULL;
}

void backoff_reset(struct backoff *b)
{
	b->attempt = 0;
}

uint64_t backoff_cap_usec(const struct backoff *b, unsigned attempt)
{
	uint64_t cap = b->initial_usec;

	for (unsigned i = 0; i < attempt && cap < b->max_usec; i++)
		cap = cap > b->max_usec / 2 ? b->max_usec : cap * 2;
	return MIN(cap, b->max_usec);
}

uint64_t backoff_delay_usec(const struct backoff *b, unsigned attempt, uint64_t r)
{
	uint64_t cap = backoff_cap_usec(b, attempt), low = 0, span;

	if (b->jitter == BACKOFF_JITTER_EQUAL)
		low = cap - cap / 2;
	span = cap - low;
	/* r * (span + 1) / 2^64, without overflow: uniform over [low, cap] */
	return low +
	       (uint64_t)(__extension__((unsigned __int128)r * ((unsigned __int128)span + 1)) >>
	                  64);
}

uint64_t backoff_next_usec(struct backoff *b)
{
	uint64_t d = backoff_delay_usec(b, b->attempt, xorshift64star(&b->rng));

	if (b->attempt < 64)
		b->attempt++;
	return d;
}

static int parse_2digits(const char *s, int *ret)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -EINVAL;
	*ret = (s[0] - '0') * 10 + (s[1] - '0');
	return 0;
}

int parse_timestamp(const char *s, uint64_t *ret_usec)
{
	struct tm tm = { 0 };
	const char *p;
	uint64_t frac = 0, scale = 1000000;
	int64_t offset_sec = 0;
	time_t t;

	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -EINVAL;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++)
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*p - '0') * scale;
			}
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		int h, m;

		if (parse_2digits(p + 1, &h) < 0 || p[3] != ':' || parse_2digits(p + 4, &m) < 0)
			return -EINVAL;
		offset_sec = (int64_t)h * 3600 + m * 60;
		if (*p == '-')
			offset_sec = -offset_sec;
		p += 6;
	} else
		return -EINVAL;
	if (*p)
		return -EINVAL;
	t = timegm(&tm);
	if (t == (time_t)-1 || (int64_t)t - offset_sec < 0)
		return -EINVAL;
	*ret_usec = (uint64_t)((int64_t)t - offset_sec) * USEC_PER_SEC + frac;
	return 0;
}
