#pragma once
/*
 * slab: an allocator for a long-running process's many small, short-lived blocks (jansson's
 * nodes in the daemon), which gives memory back to the system as soon as it is free.
 *
 * Blocks of up to SLAB_MAX bytes come in 16 size classes of 16 bytes; each 64 KiB chunk,
 * mapped on its own (mmap), holds blocks of one class with its own free list and count of
 * blocks in use, and is unmapped when the last of them is freed (one empty chunk per class
 * is kept to avoid mapping again at once). A few blocks that outlive a burst of allocations
 * therefore pin only their chunks, where malloc()'s arenas would keep every page around
 * them resident (the daemon's idle memory after a sync). Larger blocks go to malloc().
 * Thread-safe, a lock per class; slower than core/smalloc, which never gives memory back.
 * Blocks are 8-byte aligned.
 */

#include <stddef.h>

#define SLAB_MAX 248

/* Never NULL (aborts like xmalloc() when memory is gone). */
void *slab_alloc(size_t size);
/* p from slab_alloc(), or NULL. */
void slab_free(void *p);

/* Chunks mapped now (for tests and metrics). */
size_t slab_chunks(void);
