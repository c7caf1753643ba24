/* jansson's allocator: see doc_init() in doc.h. */

#include "doc/doc.h"

#include <stdbool.h>
#include <stdlib.h>

#include <valgrind/valgrind.h>

#include "core/slab.h"
#include "core/smalloc.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#	define UNDER_SANITIZER true
#else
#	define UNDER_SANITIZER false
#endif

void doc_init(enum doc_alloc how)
{
	/* memory checkers must see every node: they get jansson's plain malloc() */
	if (UNDER_SANITIZER || RUNNING_ON_VALGRIND || getenv("DRIFTLESS_SYSTEM_MALLOC"))
		return;
	if (how == DOC_ALLOC_RETURNING)
		json_set_alloc_funcs(slab_alloc, slab_free);
	else
		json_set_alloc_funcs(smalloc, sfree);
}
