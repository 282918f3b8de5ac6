/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memarena kernel API: Go's allocator design (size classes, spans, per-CPU
 * caches) with explicit free, and arenas whose objects can be freed all at
 * once.  See Documentation/design.rst.
 *
 * In this API an "arena" (memarena_arena_*(), struct memarena_arena,
 * memarena_memstats.arenas) is always a user arena: a set of objects freed
 * at once, as Go's userArena.  A "heap arena" (memarena_memstats.heap_arenas,
 * Go's heapArena) is one of the blocks of pages the heap is made of.
 * Documentation/design.rst, "Glossary".
 */
#ifndef _LINUX_MEMARENA_H
#define _LINUX_MEMARENA_H

#include <linux/types.h>
#include <linux/gfp.h>
#include <uapi/linux/memarena.h>

/*
 * The largest object memarena hands out: one heap arena, the biggest block
 * the buddy allocator gives (order 10, 4 MiB with 4 KiB pages).  Larger
 * requests fail with NULL.
 */
#define MEMARENA_MAX_SIZE	(4UL << 20)

/* The largest size served from a size class; larger objects get a span. */
#define MEMARENA_MAX_SMALL_SIZE	32768

/* Minimum alignment of every object; power-of-two sizes align to size. */
#define MEMARENA_MIN_ALIGN	8

#define MEMARENA_NAME_LEN	32

struct memarena_arena;

/**
 * struct memarena_arena_stats - counters of one user arena
 * @live_objects: objects allocated from the arena and not yet freed
 * @live_bytes: their size, counted at size-class size (whole pages for
 *	objects larger than %MEMARENA_MAX_SMALL_SIZE)
 * @mallocs: objects ever allocated from the arena
 * @frees: objects freed, one by one or by memarena_arena_destroy()
 */
struct memarena_arena_stats {
	u64 live_objects;
	u64 live_bytes;
	u64 mallocs;
	u64 frees;
};

/* Size classes, counting the unused class 0, as Go's NumSizeClasses. */
#define MEMARENA_NUM_CLASSES	68

/**
 * struct memarena_class_stats - one size class, Go's BySize entry and more
 * @size: object size in bytes (0 for class 0)
 * @mallocs: objects of the class allocated (cumulative)
 * @frees: objects of the class freed (cumulative)
 * @cached_objects: free objects in per-CPU caches (gauge)
 * @spans: spans of the class in use, global heap and user arenas (gauge)
 */
struct memarena_class_stats {
	u64 size;
	u64 mallocs;
	u64 frees;
	u64 cached_objects;
	u64 spans;
};

/**
 * struct memarena_memstats - one snapshot of memarena's statistics
 *
 * One u64 per MEMARENA_A_STATS_* statistic (uapi/linux/memarena.h, same
 * order, Go's names in snake case), then Go's PauseNs/PauseEnd rings and
 * BySize table (every size class).  memarena_read_memstats() fills it
 * consistently; Documentation/memstats.rst says what each field means.
 */
struct memarena_memstats {
	u64 alloc;
	u64 total_alloc;
	u64 sys;
	u64 lookups;
	u64 mallocs;
	u64 frees;
	u64 heap_alloc;
	u64 heap_sys;
	u64 heap_idle;
	u64 heap_inuse;
	u64 heap_released;
	u64 heap_objects;
	u64 stack_inuse;
	u64 stack_sys;
	u64 mspan_inuse;
	u64 mspan_sys;
	u64 mcache_inuse;
	u64 mcache_sys;
	u64 buck_hash_sys;
	u64 gc_sys;
	u64 other_sys;
	u64 next_gc;
	u64 last_gc;
	u64 pause_total_ns;
	u64 num_gc;
	u64 num_forced_gc;
	u64 gc_cpu_fraction;
	u64 enable_gc;
	u64 debug_gc;
	u64 bad_frees;
	u64 cached_objects;
	u64 cached_bytes;
	u64 arenas;
	u64 heap_arenas;
	u64 mcache_bound;
	u64 pause_ns[MEMARENA_PAUSE_RING];
	u64 pause_end[MEMARENA_PAUSE_RING];
	struct memarena_class_stats by_size[MEMARENA_NUM_CLASSES];
};

void memarena_read_memstats(struct memarena_memstats *ms);

void *memarena_alloc(size_t size, gfp_t gfp);
void *memarena_alloc_node(size_t size, gfp_t gfp, int nid);
void memarena_free(const void *p);
int memarena_alloc_bulk(size_t size, gfp_t gfp, size_t nr, void **p);
int memarena_alloc_bulk_node(size_t size, gfp_t gfp, size_t nr, void **p,
			     int nid);
void memarena_free_bulk(size_t nr, void **p);
size_t memarena_size(const void *p);
void memarena_drain(void);

struct memarena_arena *memarena_arena_create(const char *name);
void *memarena_arena_alloc(struct memarena_arena *arena, size_t size,
			   gfp_t gfp);
void memarena_arena_destroy(struct memarena_arena *arena);
void memarena_arena_get_stats(struct memarena_arena *arena,
			      struct memarena_arena_stats *stats);

#endif /* _LINUX_MEMARENA_H */
