#pragma once
/*
 * Work split over the CPUs, on a pool of worker threads kept for the life of the process.
 *
 * Why a pool that spins: on a virtual machine a CPU left idle takes 0.3 to 0.7 ms to wake
 * (the hypervisor has to schedule it again), longer than some of the phases being split.
 * So the workers are started once (parallel_warm_up(), or the first parallel_run()), and
 * after a job each one keeps looking for the next for PARALLEL_SPIN_NS before it sleeps.
 * A render's parallel phases come a millisecond or two apart and find them awake; an idle
 * daemon costs nothing once they sleep.
 *
 * One job runs at a time: a second caller waits. A job that asks for parallel work from
 * inside a job (from any of its threads) gets it run serially in that thread, so nesting
 * never deadlocks. Worker threads are created with all signals blocked; a child of fork()
 * has none and runs everything serially.
 */

#include <stdbool.h>
#include <stddef.h>

struct error;

/* The number of online CPUs, asked once (sysconf() reads /sys every time). At least 1. */
size_t cpu_count(void);

/* Most threads one job runs on, the caller's included. */
#define PARALLEL_MAX_THREADS 8

/* How long a worker looks for the next job before it sleeps. */
#define PARALLEL_SPIN_NS 2000000

/*
 * Start the workers now (cpu_count() - 1 of them, at most PARALLEL_MAX_THREADS - 1), so
 * that they are running by the time the first job comes. Idempotent and cheap.
 */
void parallel_warm_up(void);

/*
 * Stop and join the workers (so that leak checkers find nothing of theirs at exit); later
 * parallel work runs serially. Not from inside a job.
 */
void parallel_shutdown(void);

/* Whether the calling thread is running a job: parallel work asked for here is serial. */
bool parallel_in_job(void);

/*
 * Call fn(userdata, t) once for each t in [0, n), at once on up to n threads (t = 0 on the
 * caller's, one worker for each other t while there are workers; the t left over run
 * after 0 on the caller's), and return when all have returned. From inside a job all run
 * here, in order. Returns the number of threads used.
 */
typedef void parallel_job_fn(void *userdata, size_t thread);
size_t parallel_run(size_t n, parallel_job_fn *fn, void *userdata);

/* fn over the indices [first, end) of its range (0-based number range); stops at an error. */
typedef int parallel_fn(void *userdata, size_t range, size_t first, size_t end,
                        struct error *reterr);

/*
 * Run fn over [0, n) in n_ranges contiguous ranges (cut to 1 .. PARALLEL_MAX_THREADS),
 * one per t of parallel_run(). Returns 0, or the error of the lowest failed range,
 * which is the one a serial loop would have met first. Ranges run concurrently: fn may
 * write only to what its own indices own.
 */
int parallel_ranges(size_t n, size_t n_ranges, parallel_fn *fn, void *userdata,
                    struct error *reterr);
