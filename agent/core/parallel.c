/* Work split over the CPUs: see parallel.h. */

#include "core/parallel.h"

#include <pthread.h>
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

struct range {
	parallel_fn *fn;
	void *userdata;
	size_t index, first, end;
	int r;
	struct error err;
};

static void *run_range(void *userdata)
{
	struct range *p = userdata;

	p->r = p->fn(p->userdata, p->index, p->first, p->end, &p->err);
	return NULL;
}

int parallel_ranges(size_t n, size_t n_ranges, parallel_fn *fn, void *userdata,
                    struct error *reterr)
{
	struct range ranges[PARALLEL_MAX_RANGES];
	pthread_t threads[PARALLEL_MAX_RANGES];
	size_t started = 0;

	if (n_ranges > PARALLEL_MAX_RANGES)
		n_ranges = PARALLEL_MAX_RANGES;
	if (n_ranges == 0)
		n_ranges = 1;
	for (size_t c = 0; c < n_ranges; c++)
		ranges[c] = (struct range){
			.fn = fn,
			.userdata = userdata,
			.index = c,
			.first = n * c / n_ranges,
			.end = n * (c + 1) / n_ranges,
			.err = ERROR_INIT,
		};
	for (size_t c = 1; c < n_ranges; c++) {
		if (pthread_create(&threads[c - 1], NULL, run_range, &ranges[c]) != 0)
			break;
		started++;
	}
	/* ranges a thread could not be started for run here */
	for (size_t c = 0; c < n_ranges; c++)
		if (c == 0 || c > started)
			run_range(&ranges[c]);
	for (size_t t = 0; t < started; t++)
		(void)pthread_join(threads[t], NULL);
	for (size_t c = 0; c < n_ranges; c++)
		if (ranges[c].r < 0) {
			if (reterr)
				*reterr = ranges[c].err;
			return ranges[c].r;
		}
	return 0;
}
