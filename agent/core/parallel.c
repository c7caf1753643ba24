/* Work split over the CPUs: see parallel.h. */

#include "core/parallel.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/macro.h"

size_t cpu_count(void)
{
	static size_t cached; /* 0: not asked yet; a race only asks twice */
	size_t n = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (n == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		n = cpus > 0 ? (size_t)cpus : 1;
		__atomic_store_n(&cached, n, __ATOMIC_RELAXED);
	}
	return n;
}

/*
 * The pool. A job is published by bumping generation (release) after fn, userdata and
 * n_threads are set, under lock so that sleeping workers are woken by the broadcast;
 * workers read them after seeing the new generation (acquire). Every worker, taking part
 * or not, counts itself out of remaining when done; the last one signals done.
 */
static struct {
	pthread_once_t once;
	size_t n_workers;
	pthread_t threads[PARALLEL_MAX_THREADS - 1];

	pthread_mutex_t run_lock; /* one job at a time */
	pthread_mutex_t lock;     /* for the two condition variables */
	pthread_cond_t wake;      /* generation moved */
	pthread_cond_t done;      /* remaining reached 0 */

	unsigned long generation;
	parallel_job_fn *fn;
	void *userdata;
	size_t n_threads;
	size_t remaining;
} pool = {
	.once = PTHREAD_ONCE_INIT,
	.run_lock = PTHREAD_MUTEX_INITIALIZER,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
};

static __thread bool in_job;

bool parallel_in_job(void)
{
	return in_job;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* The next generation after seen: spin for a while, then sleep until it comes. */
static unsigned long wait_for_job(unsigned long seen)
{
	uint64_t deadline = now_ns() + PARALLEL_SPIN_NS;
	unsigned long g;

	for (unsigned i = 0;; i++) {
		g = __atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE);
		if (g != seen)
			return g;
		cpu_relax();
		if (i % 64 == 63 && now_ns() > deadline)
			break;
	}
	pthread_mutex_lock(&pool.lock);
	while ((g = __atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE)) == seen)
		pthread_cond_wait(&pool.wake, &pool.lock);
	pthread_mutex_unlock(&pool.lock);
	return g;
}

static void *worker(void *userdata)
{
	size_t thread = (size_t)(uintptr_t)userdata;
	unsigned long seen = 0;

	in_job = true; /* anything a job asks for from here runs serially */
	for (;;) {
		seen = wait_for_job(seen);
		if (!pool.fn)
			return NULL; /* parallel_shutdown() */
		if (thread < pool.n_threads)
			pool.fn(pool.userdata, thread);
		if (__atomic_sub_fetch(&pool.remaining, 1, __ATOMIC_ACQ_REL) == 0) {
			pthread_mutex_lock(&pool.lock);
			pthread_cond_signal(&pool.done);
			pthread_mutex_unlock(&pool.lock);
		}
	}
	return NULL;
}

/*
 * A child of fork() has none of the workers: it runs everything serially, with locks made
 * anew (a worker may have held one at the moment of the fork).
 */
static void forget_workers_in_child(void)
{
	pool.n_workers = 0;
	pthread_mutex_init(&pool.run_lock, NULL);
	pthread_mutex_init(&pool.lock, NULL);
	pthread_cond_init(&pool.wake, NULL);
	pthread_cond_init(&pool.done, NULL);
	in_job = false;
}

static void start_workers(void)
{
	size_t want = MIN(cpu_count(), (size_t)PARALLEL_MAX_THREADS) - 1;
	sigset_t all, old;

	(void)pthread_atfork(NULL, NULL, forget_workers_in_child);
	/* workers never take signals: the daemon handles them in its own thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (size_t i = 0; i < want; i++) {
		if (pthread_create(&pool.threads[i], NULL, worker, (void *)(uintptr_t)(i + 1)) != 0)
			break;
		pool.n_workers++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void parallel_warm_up(void)
{
	pthread_once(&pool.once, start_workers);
}

void parallel_shutdown(void)
{
	size_t n;

	pthread_mutex_lock(&pool.run_lock);
	n = pool.n_workers;
	if (n > 0) {
		pool.fn = NULL;
		pool.n_workers = 0; /* from now on, parallel_run() runs everything here */
		pthread_mutex_lock(&pool.lock);
		__atomic_add_fetch(&pool.generation, 1, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&pool.wake);
		pthread_mutex_unlock(&pool.lock);
		for (size_t i = 0; i < n; i++)
			(void)pthread_join(pool.threads[i], NULL);
	}
	pthread_mutex_unlock(&pool.run_lock);
}

size_t parallel_run(size_t n, parallel_job_fn *fn, void *userdata)
{
	size_t have;

	if (n == 0)
		return 0;
	if (n > 1 && !in_job)
		parallel_warm_up();
	if (n == 1 || in_job) {
		for (size_t t = 0; t < n; t++)
			fn(userdata, t);
		return 1;
	}

	pthread_mutex_lock(&pool.run_lock);
	have = MIN(n, pool.n_workers + 1); /* under the lock: parallel_shutdown() may have run */
	pool.fn = fn;
	pool.userdata = userdata;
	pool.n_threads = have;
	__atomic_store_n(&pool.remaining, pool.n_workers, __ATOMIC_RELAXED);
	if (pool.n_workers > 0) {
		pthread_mutex_lock(&pool.lock);
		__atomic_add_fetch(&pool.generation, 1, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&pool.wake);
		pthread_mutex_unlock(&pool.lock);
	}

	in_job = true;
	fn(userdata, 0);
	/* thread numbers no worker was there for run here, after the caller's own */
	for (size_t t = have; t < n; t++)
		fn(userdata, t);
	in_job = false;

	/* the others are usually done or nearly: spin briefly, then sleep */
	for (unsigned i = 0; i < 4096; i++) {
		if (__atomic_load_n(&pool.remaining, __ATOMIC_ACQUIRE) == 0)
			break;
		cpu_relax();
	}
	pthread_mutex_lock(&pool.lock);
	while (__atomic_load_n(&pool.remaining, __ATOMIC_ACQUIRE) != 0)
		pthread_cond_wait(&pool.done, &pool.lock);
	pthread_mutex_unlock(&pool.lock);
	pthread_mutex_unlock(&pool.run_lock);
	return have;
}

struct ranges {
	parallel_fn *fn;
	void *userdata;
	size_t n, n_ranges;
	int r[PARALLEL_MAX_THREADS];
	struct error err[PARALLEL_MAX_THREADS];
};

static void run_range(void *userdata, size_t range)
{
	struct ranges *rs = userdata;
	size_t first = rs->n * range / rs->n_ranges, end = rs->n * (range + 1) / rs->n_ranges;

	rs->r[range] = rs->fn(rs->userdata, range, first, end, &rs->err[range]);
}

int parallel_ranges(size_t n, size_t n_ranges, parallel_fn *fn, void *userdata,
                    struct error *reterr)
{
	struct ranges rs = { .fn = fn, .userdata = userdata, .n = n };

	rs.n_ranges = n_ranges == 0 ? 1 : MIN(n_ranges, (size_t)PARALLEL_MAX_THREADS);
	for (size_t c = 0; c < rs.n_ranges; c++) {
		rs.r[c] = 0;
		rs.err[c] = (struct error)ERROR_INIT;
	}
	parallel_run(rs.n_ranges, run_range, &rs);
	for (size_t c = 0; c < rs.n_ranges; c++)
		if (rs.r[c] < 0) {
			if (reterr)
				*reterr = rs.err[c];
			return rs.r[c];
		}
	return 0;
}
