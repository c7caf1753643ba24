#pragma once
/*
 * smalloc: an allocator for many small, short-lived blocks (jansson's nodes, keys and
 * strings), faster than malloc() for them.
 *
 * Blocks of up to SMALLOC_MAX bytes come in 16-byte size classes carved from 64 KiB chunks;
 * a freed block goes on its thread's list for its class and is reused by the next smalloc()
 * of that class on that thread. A thread that frees more than it allocates (the one that
 * frees a render's objects after worker threads made them) hands batches to a shared list,
 * and a thread with an empty list takes a batch from there before carving a new block, so
 * memory is reused across threads and bounded by the peak in use. Chunks are kept for the
 * life of the process. Larger blocks go to malloc(). Blocks are 8-byte aligned.
 *
 * Memory checkers see chunks, not blocks: doc_init() does not install it under ASan or
 * valgrind, or when DRIFTLESS_SYSTEM_MALLOC is set.
 */

#include <stddef.h>

#define SMALLOC_MAX 248

/* Never NULL (aborts like xmalloc() when memory is gone). */
void *smalloc(size_t size);
/* p from smalloc(), or NULL. */
void sfree(void *p);
