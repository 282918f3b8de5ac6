/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ma_check.h - consistency checks of the whole allocator state, for the
 * userspace tests of the core (core_test.c, fuzz_alloc.c).  They read the
 * internal structures without locks: call them only while no other
 * thread uses memarena.
 */
#ifndef _MA_CHECK_H
#define _MA_CHECK_H

#include "memarena.h"

/* Also verify the free cookie of every free and cached small object. */
#define MA_CHECK_COOKIES	0x1
/*
 * Also check the per-CPU counters against the spans: for each class,
 * objects marked allocated in spans == objects counted allocated and not
 * freed + objects in per-CPU stacks; LARGE spans == large objects counted
 * live.  Not for tests that carve spans with ma_heap_alloc() directly.
 */
#define MA_CHECK_COUNTS		0x2
#define MA_CHECK_ALL		(MA_CHECK_COOKIES | MA_CHECK_COUNTS)

/*
 * Check every invariant documented in memarena.h and mheap.c: heap arenas
 * tiled by spans, boundary tags, free lists and their bitmap, full
 * coalescing, span structure accounting, the heap arena index, gc_sys, sys,
 * inuse, span bitmaps against nalloc/freeindex, central lists, per-CPU
 * stacks (bounds, no duplicates, objects allocated in their span),
 * @user_arenas' large lists and statistics.  @user_arenas must be every
 * user arena (struct memarena_arena) that exists.  Returns NULL, or what is wrong.
 */
const char *ma_check(struct memarena_arena *const *user_arenas,
		     unsigned int nuser_arenas, unsigned int flags);

/*
 * NULL if the heap holds nothing: inuse 0, each heap arena without holes
 * one free span.
 */
const char *ma_check_idle(void);

/*
 * The identities memarena_read_memstats() promises for every snapshot
 * (stats.c, "The snapshot contract"), and, given the previous snapshot
 * @prev (or NULL), that no cumulative counter went down.  Safe while
 * other threads allocate and free.
 */
const char *ma_check_memstats(const struct memarena_memstats *ms,
			      const struct memarena_memstats *prev);

/* Sums of the per-CPU counters over every possible CPU. */
struct ma_counts {
	u64 mallocs;		/* small and large objects */
	u64 frees;
	u64 large_mallocs;
	u64 large_frees;
	u64 large_bytes_alloc;
	u64 large_bytes_freed;
	u64 bad_frees;
};
void ma_counts(struct ma_counts *c);

/* Free objects in one CPU's stacks: count and bytes. */
unsigned long ma_cached_objs(unsigned int cpu);
unsigned long ma_cached_bytes(unsigned int cpu);

/* The per-CPU bad free counter of @cpu. */
u64 ma_bad_frees(unsigned int cpu);

#endif /* _MA_CHECK_H */
