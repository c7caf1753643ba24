/* slab: see slab.h. */

#include "core/slab.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "core/alloc.h"

#define CLASS_SIZE  16
#define N_CLASSES   16 /* 16 .. 256 bytes, the 8-byte header included */
#define CHUNK_SIZE  (64 * 1024)
#define HEADER_SIZE 8 /* the class, 1..N_CLASSES; 0 for a block from malloc() */

_Static_assert(SLAB_MAX == N_CLASSES * CLASS_SIZE - HEADER_SIZE, "SLAB_MAX");

struct block {
	struct block *next;
};

/* At the start of each chunk; the blocks follow. */
struct chunk {
	struct chunk *prev, *next; /* in its class's list of chunks with room */
	struct block *free;        /* blocks freed, to use first */
	char *bump;                /* where the next block never used is carved */
	size_t live;               /* blocks in use */
	size_t k;                  /* the class */
	bool has_room;             /* on the list */
};

#define FIRST_BLOCK_OFFSET ((sizeof(struct chunk) + 15) / 16 * 16)

struct class {
	pthread_mutex_t lock;
	struct chunk *with_room;
	struct chunk *spare; /* one empty chunk, kept */
};

static struct class classes[N_CLASSES + 1] = {
#define C(i) [i] = { .lock = PTHREAD_MUTEX_INITIALIZER }
	C(1), C(2), C(3), C(4), C(5), C(6), C(7), C(8), C(9), C(10), C(11), C(12), C(13), C(14),
	C(15), C(16),
#undef C
};
static size_t n_chunks; /* __atomic */

/* A chunk aligned to CHUNK_SIZE, so that a block finds its chunk by masking its address. */
static struct chunk *chunk_map(void)
{
	char *p = mmap(NULL, 2 * CHUNK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	               -1, 0);
	uintptr_t start, end;

	if (p == MAP_FAILED)
		alloc_die(2 * CHUNK_SIZE);
	start = ((uintptr_t)p + CHUNK_SIZE - 1) & ~((uintptr_t)CHUNK_SIZE - 1);
	end = start + CHUNK_SIZE;
	if (start > (uintptr_t)p)
		(void)munmap(p, start - (uintptr_t)p);
	if ((uintptr_t)p + 2 * CHUNK_SIZE > end)
		(void)munmap((void *)end, (uintptr_t)p + 2 * CHUNK_SIZE - end);
	__atomic_add_fetch(&n_chunks, 1, __ATOMIC_RELAXED);
	return (struct chunk *)start;
}

static void chunk_unmap(struct chunk *c)
{
	(void)munmap(c, CHUNK_SIZE);
	__atomic_sub_fetch(&n_chunks, 1, __ATOMIC_RELAXED);
}

static void chunk_reset(struct chunk *c, size_t k)
{
	*c = (struct chunk){ .bump = (char *)c + FIRST_BLOCK_OFFSET, .k = k };
}

static void list_add(struct class *cl, struct chunk *c)
{
	c->prev = NULL;
	c->next = cl->with_room;
	if (cl->with_room)
		cl->with_room->prev = c;
	cl->with_room = c;
	c->has_room = true;
}

static void list_remove(struct class *cl, struct chunk *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		cl->with_room = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	c->has_room = false;
}

static bool is_full(const struct chunk *c)
{
	return !c->free && (size_t)((char *)c + CHUNK_SIZE - c->bump) < c->k * CLASS_SIZE;
}

void *slab_alloc(size_t size)
{
	size_t need = size + HEADER_SIZE, k;
	struct class *cl;
	struct chunk *c;
	uint64_t *header;

	if (need > N_CLASSES * CLASS_SIZE) {
		header = xmalloc(need);
		*header = 0;
		return (char *)header + HEADER_SIZE;
	}
	k = (need + CLASS_SIZE - 1) / CLASS_SIZE;
	cl = &classes[k];
	pthread_mutex_lock(&cl->lock);
	c = cl->with_room;
	if (!c) {
		c = cl->spare ? cl->spare : chunk_map();
		cl->spare = NULL;
		chunk_reset(c, k);
		list_add(cl, c);
	}
	if (c->free) {
		header = (uint64_t *)(void *)c->free;
		c->free = c->free->next;
	} else {
		header = (uint64_t *)(void *)c->bump;
		c->bump += k * CLASS_SIZE;
	}
	c->live++;
	if (is_full(c))
		list_remove(cl, c);
	pthread_mutex_unlock(&cl->lock);
	*header = k;
	return (char *)header + HEADER_SIZE;
}

void slab_free(void *p)
{
	uint64_t *header;
	struct chunk *c;
	struct class *cl;
	struct block *b;

	if (!p)
		return;
	header = (uint64_t *)(void *)((char *)p - HEADER_SIZE);
	if (*header == 0) {
		free(header);
		return;
	}
	c = (struct chunk *)((uintptr_t)header & ~((uintptr_t)CHUNK_SIZE - 1));
	cl = &classes[c->k];
	pthread_mutex_lock(&cl->lock);
	b = (struct block *)(void *)header;
	b->next = c->free;
	c->free = b;
	c->live--;
	if (c->live == 0) {
		if (c->has_room)
			list_remove(cl, c);
		if (!cl->spare)
			cl->spare = c;
		else
			chunk_unmap(c);
	} else if (!c->has_room) {
		list_add(cl, c);
	}
	pthread_mutex_unlock(&cl->lock);
}

size_t slab_chunks(void)
{
	return __atomic_load_n(&n_chunks, __ATOMIC_RELAXED);
}
