/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memarena kernel API: Go's allocator design (size classes, spans, per-CPU
 * caches) with explicit free, and arenas whose objects can be freed all at
 * once.  See Documentation/design.rst.
 */
#ifndef _LINUX_MEMARENA_H
#define _LINUX_MEMARENA_H

#include <linux/types.h>
#include <linux/gfp.h>

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
 * struct memarena_arena_stats - counters of one arena
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

void *memarena_alloc(size_t size, gfp_t gfp);
void memarena_free(const void *p);
size_t memarena_size(const void *p);
void memarena_drain(void);

struct memarena_arena *memarena_arena_create(const char *name);
void *memarena_arena_alloc(struct memarena_arena *arena, size_t size,
			   gfp_t gfp);
void memarena_arena_destroy(struct memarena_arena *arena);
void memarena_arena_get_stats(struct memarena_arena *arena,
			      struct memarena_arena_stats *stats);

#endif /* _LINUX_MEMARENA_H */
