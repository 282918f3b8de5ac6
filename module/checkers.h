/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's memory checkers, told about memarena's objects the way
 * SLUB tells them about its own (slab_post_alloc_hook(), slab_free_hook()):
 *
 * - kmemleak registers every object handed out, all of its usable size
 *   (its class, or whole pages), so that it is scanned
 *   for references (objects that only memarena objects point to are not
 *   reported) and reported itself when nothing points to it any more.
 *   Heap arenas come from the page allocator, which kmemleak neither
 *   tracks nor scans: without this, memarena objects are invisible to it.
 * - KASAN (generic) marks a free object, its whole size class, as freed
 *   memory and the bytes of a live object past the size asked for as a
 *   redzone, so that a use after free or out of bounds in a user of
 *   memarena is reported as one in a user of kmalloc.  memarena_size()
 *   makes the whole usable size valid, as ksize() does.
 *
 * Invariants (KASAN): a live object's first @size bytes are valid and
 * the rest of its class poisoned; a free object, cached or not, is
 * poisoned whole.  Pages the heap never handed out keep the page
 * allocator's state.  The allocator's own files, which write free
 * objects (cookies, stacks, init_on_free), are not instrumented
 * (module/Kbuild), as mm/slub.c is not.
 *
 * Without CONFIG_DEBUG_KMEMLEAK and CONFIG_KASAN_GENERIC all of this
 * compiles to nothing.  selftests/modules/memarena_bugs.c and
 * selftests/debug_bugs prove that both checkers see memarena objects.
 */
#ifndef _MEMARENA_CHECKERS_H
#define _MEMARENA_CHECKERS_H

#ifdef __KERNEL__
#include <linux/kmemleak.h>
#include <linux/math.h>
#include <linux/types.h>

/* Whether any checker is on: work done only for them can be skipped. */
#define MA_CHECKERS	(IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) || \
			 IS_ENABLED(CONFIG_KASAN_GENERIC))
#else			/* ma_shim.h: counts kmemleak registrations */
#define MA_CHECKERS	1
#endif

#ifdef CONFIG_KASAN_GENERIC
/*
 * Exported (GPL) for KASAN's own tests, declared in mm/kasan/kasan.h;
 * the shadow values are KASAN's (generic mode): KASAN_PAGE_FREE reports
 * as "use-after-free", KASAN_PAGE_REDZONE as "slab-out-of-bounds".
 */
void kasan_poison(const void *addr, size_t size, u8 value, bool init);
#define MA_KASAN_FREE		0xFF
#define MA_KASAN_REDZONE	0xFE
#define MA_KASAN_GRANULE	8UL

/* Make [0, @size) valid and [round_up(@size), @usable) a redzone. */
static inline void ma_kasan_unpoison(const void *p, size_t size, size_t usable)
{
	size_t whole = round_down(size, MA_KASAN_GRANULE);
	size_t up = round_up(size, MA_KASAN_GRANULE);

	kasan_poison(p, whole, 0, false);
	if (up != whole)	/* a partial granule: its valid bytes */
		kasan_poison(p + whole, MA_KASAN_GRANULE, size - whole, false);
	if (usable > up)
		kasan_poison(p + up, usable - up, MA_KASAN_REDZONE, false);
}

static inline void ma_kasan_poison_free(const void *p, size_t usable)
{
	kasan_poison(p, usable, MA_KASAN_FREE, false);
}
#else
static inline void ma_kasan_unpoison(const void *p, size_t size, size_t usable)
{
}

static inline void ma_kasan_poison_free(const void *p, size_t usable)
{
}
#endif

/*
 * An object of @usable bytes is handed out for @size bytes.  kmemleak
 * scans all of it, as SLUB registers a cache's object_size: a user of
 * memarena_size() may keep pointers past @size.
 */
static inline void ma_checkers_alloc(const void *p, size_t size,
				     size_t usable, gfp_t gfp)
{
	ma_kasan_unpoison(p, size, usable);
	kmemleak_alloc(p, usable, 1, gfp);
}

/* An object of @usable bytes comes back (or its user arena goes). */
static inline void ma_checkers_free(const void *p, size_t usable)
{
	kmemleak_free(p);
	ma_kasan_poison_free(p, usable);
}

#endif /* _MEMARENA_CHECKERS_H */
