/* smalloc: see smalloc.h. */

#include "core/smalloc.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/alloc.h"

#define CLASS_SIZE  16
#define N_CLASSES   16 /* 16 .. 256 bytes, the 8-byte header included */
#define CHUNK_SIZE  (64 * 1024)
#define CACHE_MAX   512 /* blocks a thread keeps per class before it hands some over */
#define BATCH       256 /* blocks moved between a thread and the shared lists at once */
#define HEADER_SIZE 8   /* the class, 1..N_CLASSES; 0 for a block from malloc() */

_Static_assert(SMALLOC_MAX == N_CLASSES * CLASS_SIZE - HEADER_SIZE, "SMALLOC_MAX");

struct block {
	struct block *next;
};

struct list {
	struct block *head;
	size_t count;
};

struct cache {
	struct list free[N_CLASSES + 1];
	char *chunk; /* where the next block is carved */
	size_t chunk_left;
	bool registered; /* for flush_cache() at thread exit */
};

static __thread struct cache cache;

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct list shared[N_CLASSES + 1];
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

/*
 * Move up to n blocks from the front of from to the front of to. Counts are written
 * atomically: smalloc() peeks at a shared list's count without the lock.
 */
static void move_blocks(struct list *from, struct list *to, size_t n)
{
	struct block *first = from->head, *last = first;
	size_t moved = 1;

	if (!first || n == 0)
		return;
	while (moved < n && last->next) {
		last = last->next;
		moved++;
	}
	from->head = last->next;
	__atomic_store_n(&from->count, from->count - moved, __ATOMIC_RELAXED);
	last->next = to->head;
	to->head = first;
	__atomic_store_n(&to->count, to->count + moved, __ATOMIC_RELAXED);
}

/* The unused end of a chunk, kept at its own start until a thread carves from it again. */
struct partial {
	struct partial *next;
	size_t left;
};

static struct partial *partials; /* under shared_lock */

/*
 * At thread exit: the blocks the thread kept go to the shared lists, and the rest of its
 * chunk to the shared partial chunks, so that threads that come and go waste nothing.
 */
static void flush_cache(void *userdata)
{
	struct cache *c = userdata;

	pthread_mutex_lock(&shared_lock);
	for (size_t k = 1; k <= N_CLASSES; k++)
		move_blocks(&c->free[k], &shared[k], c->free[k].count);
	if (c->chunk_left >= N_CLASSES * CLASS_SIZE) {
		struct partial *p = (struct partial *)(void *)c->chunk;

		p->left = c->chunk_left;
		p->next = partials;
		__atomic_store_n(&partials, p, __ATOMIC_RELAXED); /* carve() peeks at it */
	}
	c->chunk = NULL;
	c->chunk_left = 0;
	pthread_mutex_unlock(&shared_lock);
}

static void make_exit_key(void)
{
	if (pthread_key_create(&exit_key, flush_cache) != 0)
		alloc_die(0);
}

/* The first use of a thread's cache arranges for flush_cache() at its exit. */
static void register_cache(struct cache *c)
{
	pthread_once(&exit_key_once, make_exit_key);
	(void)pthread_setspecific(exit_key, c);
	c->registered = true;
}

static void *carve(struct cache *c, size_t k)
{
	size_t size = k * CLASS_SIZE;
	uint64_t *header;

	if (c->chunk_left < size) {
		/* the rest of the old chunk (less than one block) is given up */
		struct partial *p = NULL;

		if (__atomic_load_n(&partials, __ATOMIC_RELAXED)) {
			pthread_mutex_lock(&shared_lock);
			p = partials;
			if (p)
				__atomic_store_n(&partials, p->next, __ATOMIC_RELAXED);
			pthread_mutex_unlock(&shared_lock);
		}
		if (p) {
			c->chunk_left = p->left; /* at least one block of every class */
			c->chunk = (char *)p;
		} else {
			c->chunk = xmalloc(CHUNK_SIZE);
			c->chunk_left = CHUNK_SIZE;
		}
	}
	header = (uint64_t *)(void *)c->chunk;
	*header = k;
	c->chunk += size;
	c->chunk_left -= size;
	return (char *)header + HEADER_SIZE;
}

void *smalloc(size_t size)
{
	struct cache *c = &cache;
	size_t k = (size + HEADER_SIZE + CLASS_SIZE - 1) / CLASS_SIZE;
	struct block *b;

	if (size > SMALLOC_MAX) {
		uint64_t *header = xmalloc(size + HEADER_SIZE);

		*header = 0;
		return (char *)header + HEADER_SIZE;
	}
	if (k == 0)
		k = 1;
	if (!c->registered)
		register_cache(c);
	if (!c->free[k].head && __atomic_load_n(&shared[k].count, __ATOMIC_RELAXED) > 0) {
		pthread_mutex_lock(&shared_lock);
		move_blocks(&shared[k], &c->free[k], BATCH);
		pthread_mutex_unlock(&shared_lock);
	}
	b = c->free[k].head;
	if (!b)
		return carve(c, k);
	c->free[k].head = b->next;
	c->free[k].count--;
	return b;
}

void sfree(void *p)
{
	struct cache *c = &cache;
	uint64_t k;
	struct block *b = p;

	if (!p)
		return;
	k = *(uint64_t *)(void *)((char *)p - HEADER_SIZE);
	if (k == 0) {
		free((char *)p - HEADER_SIZE);
		return;
	}
	if (!c->registered)
		register_cache(c);
	b->next = c->free[k].head;
	c->free[k].head = b;
	if (++c->free[k].count > CACHE_MAX) {
		pthread_mutex_lock(&shared_lock);
		move_blocks(&c->free[k], &shared[k], BATCH);
		pthread_mutex_unlock(&shared_lock);
	}
}
