#pragma once
/*
 * Work split over the CPUs: a loop over [0, n) cut into contiguous ranges, one thread each.
 */

#include <stddef.h>

struct error;

/* The number of online CPUs, asked once (sysconf() reads /sys every time). At least 1. */
size_t cpu_count(void);

#define PARALLEL_MAX_RANGES 8

/*
 * fn runs over the indices [first, end) of its range, whose number (0-based) is range, and
 * stops at its first error.
 */
typedef int parallel_fn(void *userdata, size_t range, size_t first, size_t end,
                        struct error *reterr);

/*
 * Run fn over [0, n) in n_ranges contiguous ranges (1 to PARALLEL_MAX_RANGES), the first on
 * the calling thread and each other on a thread of its own (or here, when a thread cannot
 * be started). Returns 0, or the error of the lowest failed range, which is the one a
 * serial loop would have met first. Ranges run concurrently: fn may write only to what its
 * own indices own.
 */
int parallel_ranges(size_t n, size_t n_ranges, parallel_fn *fn, void *userdata,
                    struct error *reterr);
