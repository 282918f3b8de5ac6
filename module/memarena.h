/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memarena internal header: the data of every allocator layer, who may
 * touch it under which lock, and the functions the layers call in each
 * other.  The design narrative is at the top of malloc.c.
 *
 * Lock order (outermost first)
 * ============================
 *
 * 1. ma_mcache.lock - local_lock, one per CPU, taken with interrupts
 *    disabled.  Protects that CPU's object stacks and counters.  Held by
 *    the alloc/free fast paths; the flush of a full stack runs under it.
 *
 * 2. ma_central.lock - spinlock, one per size class of each node's heap
 *    and one per size class of each user arena.  Protects the span
 *    lists of the class and the allocation bitmaps of the spans on them.
 *    Always taken with interrupts disabled (allocations may come from
 *    hardirq).
 *
 * 3. memarena_arena.lock - spinlock, irq-safe: the user arena's list of
 *    large objects.
 *
 * 4. ma_heap.lock - spinlock, one per memory node, irq-safe: that node's
 *    page-level allocator (free spans), its heap arena list and its span
 *    structure allocator.  Never two heaps' locks at once.
 *
 * 5. ma_index_lock - spinlock, irq-safe, innermost: the writers of the
 *    heap arena index, which all nodes share.
 *
 * Apart: the heap profile's ma_mprof_lock and sampled-object chain locks
 * (mprof.c), irq-safe, each taken alone, never with another memarena
 * lock held.
 *
 * Nothing calls into the page allocator with any of these held: memory
 * that a locked section may need (span structures, index nodes, whole
 * heap arenas) is obtained before the lock is taken.
 *
 * Lockless readers: ma_span_of() walks the heap arena index and the heap
 * arena's span table with READ_ONCE(); entries are published with
 * smp_store_release() after what they point to is initialised.  Index
 * nodes and heap arena metadata are only freed at module exit or after an
 * RCU grace period, and span structures are never given back to the page
 * allocator before module exit, so a reader never dereferences freed
 * memory; it validates what it finds (state, range, object boundary).
 */
#ifndef _MEMARENA_INTERNAL_H
#define _MEMARENA_INTERNAL_H

#ifdef __KERNEL__
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/local_lock.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#else
#include "ma_shim.h"	/* selftests/core/: userspace build of the core */
#endif

#include <linux/memarena.h>
#include <uapi/linux/memarena.h>

#include "checkers.h"
#include "compat.h"
#include "sizeclasses.h"

/*
 * Heap arenas are naturally aligned buddy blocks of MA_HEAP_ARENA_MIN_ORDER
 * to MA_HEAP_ARENA_MAX_ORDER.  The minimum holds the biggest small-object
 * span (MA_MAX_SPAN_BYTES, 80 KiB) and sets the granule of the heap arena
 * index: one index entry per 256 KiB of physical address space.  The maximum is
 * the biggest block the buddy allocator hands out, 4 MiB, which is also
 * the largest object (MEMARENA_MAX_SIZE).
 */
#define MA_HEAP_ARENA_MIN_ORDER	6
#define MA_HEAP_ARENA_MAX_ORDER	10
#define MA_HEAP_ARENA_MIN_SHIFT	(PAGE_SHIFT + MA_HEAP_ARENA_MIN_ORDER)
#define MA_HEAP_ARENA_MAX_PAGES	BIT(MA_HEAP_ARENA_MAX_ORDER)
/*
 * A growing heap takes a heap arena of at least 1 / MA_HEAP_GROW_SHARE of
 * what it holds (ma_heap_grow_order(); Documentation/design.rst, "Heap
 * growth"; core_test heap_growth_policy).
 */
#define MA_HEAP_GROW_SHARE	32

/* Spans are multiples of Go's 8 KiB pages, i.e. of two kernel pages. */
#define MA_SPAN_PAGES(cls)	(ma_class_span_bytes[cls] >> PAGE_SHIFT)

struct ma_heap;

/*
 * struct ma_span - a run of contiguous pages inside one heap arena
 *
 * State machine (@state):
 *   MA_SPAN_DEAD   the structure is unused, on the heap's structure free
 *                  list (ma_heap.lock)
 *   MA_SPAN_FREE   free pages, on a heap free list (ma_heap.lock)
 *   MA_SPAN_INIT   just carved out for a small class, objects being set
 *                  up by its owner; not yet visible to frees
 *   MA_SPAN_SMALL  holds objects of @class, on a central list
 *                  (@central->lock)
 *   MA_SPAN_LARGE  holds one large object (owner: ma_heap.lock for the
 *                  state change on free, @owner->lock for @list)
 *   MA_SPAN_RELEASED  pages given back to the page allocator by the
 *                  scavenger: a hole in its heap arena, never carved
 *                  again, on no list (ma_heap.lock)
 * DEAD -> FREE | INIT | LARGE under ma_heap.lock, INIT -> SMALL by the
 * central that grows (smp_store_release), SMALL | LARGE -> FREE,
 * FREE -> RELEASED and FREE | RELEASED -> DEAD under ma_heap.lock.
 *
 * Invariant: for MA_SPAN_SMALL, @nalloc bits are set in @allocbits and
 * every object whose bit is clear holds ma_free_cookie(obj) in its first
 * word.  Objects in per-CPU stacks have their bit set and hold the cookie
 * too: the cookie is what makes a double free detectable.
 * Invariant: @nsampled is the number of live objects of the span with a
 * record in the heap profile (mprof.c); 0 whenever the span is not in use.
 */
struct ma_span {
	struct list_head list;		/* by state, see above */
	unsigned long base;		/* address of the first byte */
	struct ma_heap_arena *harena;	/* immutable while not DEAD */
	unsigned int npages;		/* ma_heap.lock */
	u8 state;			/* see above; read locklessly */
	u8 class;			/* small spans: size class */
	u16 nelems;			/* small spans: objects in span */
	u16 nalloc;			/* central->lock: bits set */
	u16 freeindex;			/* central->lock: no clear bit below */
	atomic_t nsampled;		/* live objects the profile sampled */
	struct ma_central *central;	/* small spans: owning central */
	struct memarena_arena *owner;	/* large: user arena or NULL */
	unsigned long allocbits[BITS_TO_LONGS(MA_MAX_OBJS_PER_SPAN)];
};

enum ma_span_state {
	MA_SPAN_DEAD,
	MA_SPAN_FREE,
	MA_SPAN_INIT,
	MA_SPAN_SMALL,
	MA_SPAN_LARGE,
	MA_SPAN_RELEASED,
};

/*
 * struct ma_heap_arena - a heap arena, Go's heapArena: one block obtained
 * from the buddy allocator
 *
 * Its metadata lives in separate pages (counted in GCSys), so the heap
 * arena's pages hold only objects.  @spans maps every page to its span:
 * all pages of an in-use span, the first and last page of a free or
 * released span (boundary tags for coalescing).  Entries are written
 * under ma_heap.lock and read locklessly by ma_span_of().
 *
 * The block is split into order-0 pages (split_page()) when it joins the
 * heap, so that the scavenger can give back single runs of free pages
 * (released spans, marked in @released) and the rest when the heap arena
 * goes.
 *
 * Invariant: @inuse_pages is the page count of its INIT, SMALL and LARGE
 * spans; heap arenas with none are at the head of ma_heap.heap_arenas,
 * the others after them.  @released_pages bits are set in @released.
 */
struct ma_heap_arena {
	unsigned long base;
	struct ma_heap *heap;		/* the node's heap it belongs to */
	struct page *page;		/* the first of 1 << order pages */
	struct page *meta_page;		/* the pages holding this struct */
	unsigned int order;
	unsigned int meta_order;
	unsigned int inuse_pages;	/* ma_heap.lock */
	unsigned int released_pages;	/* ma_heap.lock */
	unsigned long *released;	/* ma_heap.lock: bitmap, after @spans */
	struct list_head node;		/* ma_heap.heap_arenas */
	struct rcu_head rcu;		/* ma_heap_arena_free_rcu() */
	struct ma_span *spans[];	/* 1 << order entries */
};

/*
 * The caller's gfp flags the heap passes on to the page allocator, as SLUB
 * does (mm/internal.h's GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK, which
 * modules cannot see): how to reclaim and where to place, nothing else.
 * Zone, zeroing, compound and movability flags are memarena's business,
 * and __GFP_ACCOUNT goes too: a heap arena is shared by every caller and
 * must not be charged to the memcg that happened to grow the heap.
 */
#ifdef __GFP_ATOMIC		/* up to 6.2 */
#define MA_GFP_ATOMIC_FLAG	__GFP_ATOMIC
#else
#define MA_GFP_ATOMIC_FLAG	0
#endif
#define MA_GFP_ALLOWED	(__GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | \
			 __GFP_NOWARN | __GFP_RETRY_MAYFAIL | __GFP_NOFAIL | \
			 __GFP_NORETRY | __GFP_MEMALLOC | __GFP_NOMEMALLOC | \
			 MA_GFP_ATOMIC_FLAG | __GFP_NOLOCKDEP | \
			 __GFP_HARDWALL | __GFP_THISNODE)

/*
 * struct ma_page_run - pages taken out of the heap by the scavenger, to be
 * given to the page allocator after an RCU grace period
 */
struct ma_page_run {
	struct page *page;
	unsigned int npages;
};

/*
 * struct ma_central - the spans of one size class, Go's mcentral
 * @lock: protects everything below and the bitmaps of listed spans
 * @partial: spans with at least one free object, and at least one
 *	allocated
 * @full: spans whose objects are all handed out (to users or caches)
 * @empty: spans without an allocated object, kept for reuse instead of
 *	going back to the heap at once, at most @empty_max of them (the
 *	global heap's centrals only); memarena_drain(), the scavenger and
 *	a heap about to grow give them back (ma_central_trim_all())
 * @nempty: spans on @empty
 * @empty_max: MA_CENTRAL_EMPTY_BYTES worth of spans, 0 for a user arena's
 * @nspans: spans on the three lists (in HeapInuse, BySize)
 * @class: size class
 * @owner: the user arena this central belongs to, NULL for a node's
 *	heap (whose objects go through the per-CPU caches)
 * @heap: the node heap whose central this is, all of whose spans come
 *	from it; NULL for a user arena's, whose spans come from the heap of
 *	whichever node the allocating CPU is on
 */
struct ma_central {
	spinlock_t lock;		/* see the kernel-doc above */
	u64 hold_t0;			/* @lock: when the holder took it */
	struct list_head partial;
	struct list_head full;
	struct list_head empty;
	unsigned int nempty;
	unsigned int empty_max;
	unsigned long nspans;
	unsigned int class;
	struct memarena_arena *owner;
	struct ma_heap *heap;
};

/*
 * Empty spans a global central keeps: a class whose spans hold few
 * objects (12288 B: 2 per 24 KiB span) would otherwise carve a span from
 * the heap and give it back for every two objects that go through the
 * per-CPU cache.  256 KiB per class (SLUB keeps up to 6 empty 32 KiB
 * slabs per node for kmalloc-4k): they stay memarena's either way, in
 * HeapInuse here rather than HeapIdle, and go back to the heap with
 * every drain, with a scavenger cycle that gives memory back, and before
 * the heap grows, so they never make it grow.
 */
#define MA_CENTRAL_EMPTY_BYTES	(256 * 1024)

/*
 * struct ma_mcache_class - one CPU's stack of free objects of one class
 * @objs: the stack, @cap entries, @n used; objects on it are free but
 *	still marked allocated in their span
 * @nmalloc: objects of this class allocated on this CPU (cumulative)
 * @nfree: objects of this class freed on this CPU (cumulative)
 */
struct ma_mcache_class {
	void **objs;
	u16 n;
	u16 cap;
	u64 nmalloc;
	u64 nfree;
};

/*
 * struct ma_mcache - per-CPU object caches, Go's mcache (per P in Go)
 *
 * Everything here belongs to its CPU and is touched only under @lock on
 * that CPU (interrupts off), except by the CPU-hotplug dead callback once
 * the CPU is gone.  Readers of the counters on other CPUs use READ_ONCE()
 * and accept values that are a few operations old.
 *
 * Invariant: every object on a CPU's stacks belongs to a span of the
 * central of its class in the heap of the CPU's node (ma_local_heap()),
 * so its page is on that node; frees of other objects bypass the stacks.
 */
struct ma_mcache {
	local_lock_t lock;
	struct ma_mcache_class cls[MA_NUM_SIZE_CLASSES];
	u64 large_mallocs;		/* large objects allocated here */
	u64 large_frees;
	u64 large_bytes_alloc;		/* their bytes, whole pages */
	u64 large_bytes_freed;
	u64 bad_frees;			/* detected and ignored */
	void *storage[];		/* the stacks of all classes */
};

/*
 * Bounded work per hold of ma_heap.lock (interrupts off), see
 * Documentation/design.rst, "Bounded work per lock hold": spans given
 * back per hold; free spans an aligned carve tries before it takes one
 * that surely fits; heap arenas or runs of pages looked at per hold when
 * releasing.  selftests/core: heap_lock_holds_bounded.
 */
#define MA_FREE_BATCH		16
#define MA_CARVE_SCAN		16
#define MA_RELEASE_SCAN		32

/*
 * struct ma_heap - the page heap of one memory node, Go's mheap
 * @lock: protects everything below but @central and @nid; every hold
 *	does a bounded amount of work (MA_FREE_BATCH, MA_CARVE_SCAN,
 *	MA_RELEASE_SCAN) and the statistics reader never takes it
 * @seq: bumped by every @lock section (ma_heap_lock()), so that a
 *	statistics reader can read the heap gauges together without it
 * @free: free spans by page count (index npages - 1)
 * @nonempty: bit i set when @free[i] is not empty
 * @heap_arenas: every heap arena, those without a page in use first
 * @central: the node's central lists, one per size class
 * @nid: the node; every page of its heap arenas is on it
 * @sys: bytes of heap arenas obtained from the buddy allocator
 * @inuse: bytes in spans that are SMALL, INIT or LARGE
 * @released: bytes of @sys given back to the page allocator (scavenger):
 *	holes in heap arenas and heap arenas given back, less what new ones
 *	reused; @sys - @released is what the heap holds
 * @nheap_arenas: number of heap arenas
 * @nspans: spans in use (INIT, SMALL, LARGE)
 * @spanalloc: allocator of struct ma_span (Go's fixalloc)
 * @gc_sys: bytes of allocator metadata: this structure, heap arena
 *	metadata
 */
struct ma_fixalloc {
	struct list_head free;		/* DEAD spans */
	struct list_head chunks;	/* pages, via page->lru */
	unsigned long nfree;
	unsigned long inuse;		/* structures handed out */
	unsigned long sys;		/* bytes of chunk pages */
};

struct ma_heap {
	spinlock_t lock;		/* see the kernel-doc above */
	seqcount_spinlock_t seq;
	u64 hold_t0;			/* @lock: when the holder took it */
	struct list_head free[MA_HEAP_ARENA_MAX_PAGES];
	DECLARE_BITMAP(nonempty, MA_HEAP_ARENA_MAX_PAGES);
	struct list_head heap_arenas;
	struct ma_central central[MA_NUM_SIZE_CLASSES];
	int nid;
	u64 sys;
	u64 inuse;
	u64 released;
	unsigned long nheap_arenas;
	unsigned long nspans;
	struct ma_fixalloc spanalloc;
	u64 gc_sys;
};

/* One heap per possible node, nr_node_ids entries (NULL: not possible). */
extern struct ma_heap **ma_heaps;

/*
 * The heap after @h in node order (the first if @h is NULL), or NULL:
 * for (h = ma_heap_next(NULL); h; h = ma_heap_next(h)) visits them all.
 */
static inline struct ma_heap *ma_heap_next(const struct ma_heap *h)
{
	int nid;

	for (nid = h ? h->nid + 1 : 0; nid < nr_node_ids; nid++)
		if (ma_heaps[nid])
			return ma_heaps[nid];
	return NULL;
}

/* The heap of the node this CPU allocates from (its nearest with memory). */
static inline struct ma_heap *ma_local_heap(void)
{
	return ma_heaps[numa_mem_id()];
}

/*
 * A node's heap gauges, read together (ma_heap_read()), or summed over
 * the nodes (ma_heap_read_all()).
 */
struct ma_heap_gauges {
	u64 sys;
	u64 inuse;
	u64 released;
	u64 nheap_arenas;
	u64 nspans;
	u64 mspan_inuse;		/* bytes */
	u64 mspan_sys;
	u64 gc_sys;
};

/*
 * The longest hold seen of ma_heap.lock and of any central's lock, in ns
 * (local_clock() when taken and when dropped; interrupts are off all
 * along but on PREEMPT_RT): the module parameters heap_lock_max_hold_ns
 * and central_lock_max_hold_ns, which bench/run reads and resets.  The
 * bounds that keep them short are next to struct ma_heap.
 */
extern u64 ma_heap_hold_max_ns;
extern u64 ma_central_hold_max_ns;

void ma_hold_record(u64 *max, u64 ns);

static inline void ma_hold_end(u64 *max, u64 t0)
{
	u64 ns = local_clock() - t0;

	if (unlikely(ns > READ_ONCE(*max)))
		ma_hold_record(max, ns);
}

/* Take and drop a heap's lock; the section is a @h->seq write section. */
static inline void ma_heap_lock(struct ma_heap *h, unsigned long *flags)
	__acquires(&h->lock)
{
	spin_lock_irqsave(&h->lock, *flags);
	write_seqcount_begin(&h->seq);
	h->hold_t0 = local_clock();
}

static inline void ma_heap_unlock(struct ma_heap *h, unsigned long flags)
	__releases(&h->lock)
{
	ma_hold_end(&ma_heap_hold_max_ns, h->hold_t0);
	write_seqcount_end(&h->seq);
	spin_unlock_irqrestore(&h->lock, flags);
}

/* Take and drop a central's lock, timing the hold. */
static inline void ma_central_lock(struct ma_central *c, unsigned long *flags)
	__acquires(&c->lock)
{
	spin_lock_irqsave(&c->lock, *flags);
	c->hold_t0 = local_clock();
}

static inline void ma_central_unlock(struct ma_central *c, unsigned long flags)
	__releases(&c->lock)
{
	ma_hold_end(&ma_central_hold_max_ns, c->hold_t0);
	spin_unlock_irqrestore(&c->lock, flags);
}

/* Value in the first word of every free small object (see ma_span). */
extern unsigned long ma_cookie;

static inline unsigned long ma_free_cookie(const void *obj)
{
	return ma_cookie ^ (unsigned long)obj;
}

/* --- the heap arena index (mheapindex.c) -------------------------------- */

/*
 * The heap arena index: a three-level radix tree from
 * (address - PAGE_OFFSET) >> MA_HEAP_ARENA_MIN_SHIFT to the heap arena
 * covering it, as Go's mheap_.arenas[][] map.  Leaves and middle nodes
 * are one page of pointers each.
 */
#define MA_INDEX_NODE_BITS	(PAGE_SHIFT - 3)
#define MA_INDEX_NODE_SIZE	BIT(MA_INDEX_NODE_BITS)
#define MA_INDEX_NODE_MASK	(MA_INDEX_NODE_SIZE - 1)

struct ma_index_leaf {
	struct ma_heap_arena *harena[MA_INDEX_NODE_SIZE];
};

struct ma_index_mid {
	struct ma_index_leaf *leaf[MA_INDEX_NODE_SIZE];
};

extern struct ma_index_mid **ma_index;	/* ma_index_l1_size entries */
extern unsigned long ma_index_l1_size;
extern u64 ma_index_sys;		/* bytes of index nodes, GCSys */

/**
 * ma_span_of() - the span containing an address, Go's spanOf()
 * @p: any address
 *
 * Lockless: the result must be validated by the caller (state, range).
 *
 * Context: Any context.
 * Return: the span whose pages contain @p, or NULL if memarena does not
 * own @p's page.
 */
static inline struct ma_span *ma_span_of(const void *p)
{
	unsigned long off = (unsigned long)p - PAGE_OFFSET;
	unsigned long key = off >> MA_HEAP_ARENA_MIN_SHIFT;
	unsigned long l1 = key >> (2 * MA_INDEX_NODE_BITS);
	struct ma_index_leaf *leaf;
	struct ma_index_mid *mid;
	struct ma_heap_arena *ha;
	unsigned long idx;

	if (unlikely(l1 >= ma_index_l1_size))
		return NULL;
	mid = READ_ONCE(ma_index[l1]);
	if (unlikely(!mid))
		return NULL;
	leaf = READ_ONCE(mid->leaf[(key >> MA_INDEX_NODE_BITS) & MA_INDEX_NODE_MASK]);
	if (unlikely(!leaf))
		return NULL;
	ha = READ_ONCE(leaf->harena[key & MA_INDEX_NODE_MASK]);
	if (unlikely(!ha))
		return NULL;
	idx = ((unsigned long)p - ha->base) >> PAGE_SHIFT;
	if (unlikely(idx >= (1UL << ha->order)))
		return NULL;
	return READ_ONCE(ha->spans[idx]);
}

/* --- mheapindex.c ------------------------------------------------------ */

/* Index nodes a new heap arena may need, obtained before any lock. */
struct ma_index_nodes {
	struct ma_index_mid *mid;
	struct ma_index_leaf *leaf;
};

int ma_index_init(void);
void ma_index_exit(void);
int ma_index_prepare(unsigned long base, gfp_t gfp, struct ma_index_nodes *nodes);
void ma_index_unprepare(struct ma_index_nodes *nodes);
void ma_index_set(struct ma_heap_arena *ha, struct ma_heap_arena *val,
		  struct ma_index_nodes *nodes);

/* --- mfixalloc.c -------------------------------------------------------- */

struct ma_span *ma_spanalloc_get(struct ma_heap *h);
void ma_spanalloc_put(struct ma_heap *h, struct ma_span *s);
int ma_spanalloc_reserve(struct ma_heap *h, unsigned int want, gfp_t gfp);
void ma_spanalloc_exit(struct ma_heap *h);

/* --- mheap.c, mheaprelease.c -------------------------------------------- */

static inline unsigned int ma_span_first_page(const struct ma_span *s)
{
	return (s->base - s->harena->base) >> PAGE_SHIFT;
}

void ma_free_add(struct ma_span *s);
void ma_free_del(struct ma_span *s);
void ma_span_absorb(struct ma_span *s, u8 state);
void ma_free_page_range(struct page *page, unsigned int npages);

int ma_heap_init(unsigned long (*trim)(struct ma_heap *h));
void ma_heap_exit(void);
struct ma_span *ma_heap_alloc(struct ma_heap *h, unsigned int npages,
			      unsigned int align, u8 state, gfp_t gfp);
void ma_heap_free(struct ma_span *s);
void ma_heap_free_list(struct list_head *spans);
void ma_heap_read(struct ma_heap *h, struct ma_heap_gauges *g);
void ma_heap_read_all(struct ma_heap_gauges *g);
struct ma_heap_arena *ma_heap_release_one(struct ma_heap *h, u64 max_bytes,
					  u64 *bytes, u64 *pause_ns);
void ma_heap_arena_free(struct ma_heap_arena *ha);
unsigned int ma_heap_release_pages(struct ma_heap *h, u64 want,
				   struct ma_page_run *runs, unsigned int max,
				   u64 *bytes, u64 *pause_ns);
void ma_heap_free_run(const struct ma_page_run *run);
void ma_heap_arena_free_rcu(struct ma_heap_arena *ha);
void ma_heap_free_run_rcu(const struct ma_page_run *run);

/* --- numa.c ------------------------------------------------------------ */

/* One node's page heap, as MEMARENA_CMD_GET_NODES shows it. */
struct ma_node_stats {
	bool memory;			/* the node has memory */
	u64 heap_sys;
	u64 heap_inuse;
	u64 heap_idle;
	u64 heap_released;
	u64 heap_arenas;
	u64 spans;			/* in use */
	u64 mspan_sys;
};

int ma_node_next(int home, int prev, int *dist);
bool ma_node_valid(int nid);
int ma_node_stats(int nid, struct ma_node_stats *st);

/* --- mspan.c ----------------------------------------------------------- */

void ma_span_init_small(struct ma_span *s, unsigned int class,
			struct ma_central *c);
unsigned int ma_span_take(struct ma_span *s, void **objs, unsigned int max);

/**
 * ma_span_obj_index() - which object of a span an address is
 * @s: a SMALL span
 * @p: an address inside the span's pages
 *
 * Inline: every free asks.
 *
 * Context: Any context.
 * Return: the object index, or -1 if @p is not the start of an object
 * (an interior pointer, or the tail of the span).
 */
static __always_inline int ma_span_obj_index(const struct ma_span *s,
					     const void *p)
{
	unsigned long off = (unsigned long)p - s->base;
	unsigned int size = ma_class_size[s->class];
	unsigned long idx;

	if (off >= (unsigned long)s->nelems * size)
		return -1;
	idx = ((u64)off * ma_class_divmagic[s->class]) >> 32;
	if (idx * size != off)
		return -1;
	return idx;
}

bool ma_span_put(struct ma_span *s, void *p);
unsigned int ma_span_put_run(struct ma_span *s, void *const *objs,
			     unsigned int n);

/* --- mcentral.c -------------------------------------------------------- */

void ma_central_init(struct ma_central *c, unsigned int class,
		     struct memarena_arena *owner, struct ma_heap *heap);
unsigned int ma_central_refill(struct ma_central *c, void **objs,
			       unsigned int n, gfp_t gfp);
void ma_central_flush(void **objs, unsigned int n);
bool ma_central_free_one(struct ma_central *c, struct ma_span *s, void *p,
			 struct list_head *empty);
u64 ma_central_release_all(struct ma_central *c);
unsigned long ma_central_trim_heap(struct ma_heap *h);
unsigned long ma_central_trim_all(void);
u64 ma_central_empty_bytes(struct ma_heap *h);

/* --- mcache.c ---------------------------------------------------------- */

extern struct ma_mcache __percpu *ma_mcaches;
extern unsigned long ma_mcache_bytes_bound;
extern size_t ma_mcache_size;

int ma_mcache_init(void);
void ma_mcache_exit(void);
void *ma_mcache_alloc(unsigned int class, gfp_t gfp, int nid);
void ma_mcache_free(struct ma_span *s, void *p);
void ma_mcache_flush_full(struct ma_mcache_class *mc, unsigned int cls);

/*
 * Whether a span's objects may go on this CPU's stacks (the invariant at
 * struct ma_mcache): those of its node's heap's centrals only.  Caller
 * holds ma_mcaches->lock or otherwise stays on this CPU.
 */
static __always_inline bool ma_mcache_local(const struct ma_span *s)
{
	return s->central == &ma_local_heap()->central[s->class];
}

/*
 * Push a freed object of a local span (ma_mcache_local()) onto this CPU's
 * stack, flushing the stack's oldest half first if it is full.  Inline:
 * memarena_free()'s fast path.  Caller holds ma_mcaches->lock.
 */
static __always_inline void ma_mcache_push(struct ma_span *s, void *p)
{
	struct ma_mcache_class *mc = this_cpu_ptr(&ma_mcaches->cls[s->class]);

	if (unlikely(mc->n == mc->cap))
		ma_mcache_flush_full(mc, s->class);
	mc->objs[mc->n++] = p;
	WRITE_ONCE(mc->nfree, mc->nfree + 1);
}

size_t ma_mcache_alloc_bulk(unsigned int cls, gfp_t gfp, size_t n, void **p,
			    int nid);
unsigned int ma_mcache_drain_cpus(u64 *activity, u64 *pause_ns, bool reclaim);
void ma_mcache_count(unsigned int cls, long objs, long bytes);
void ma_mcache_count_bad_free(void);

/* --- malloc.c ---------------------------------------------------------- */

/* Objects freed per hold of the per-CPU cache lock by memarena_free_bulk(). */
#define MA_FREE_BULK_CHUNK	32

int ma_malloc_init(void);
void ma_malloc_exit(void);
void *ma_large_alloc(struct memarena_arena *owner, size_t size, gfp_t gfp,
		     int nid, unsigned long ip);
void ma_bad_free(const void *p, const char *why);
bool ma_gfp_invalid(gfp_t gfp);

/*
 * Prepare an object for its user: clear the free cookie, or the whole
 * object when __GFP_ZERO or the init_on_alloc policy asks for it.
 */
static __always_inline void ma_obj_init(void *p, size_t size, gfp_t gfp)
{
	if (want_init_on_alloc(gfp))
		memset(p, 0, size);
	else
		*(unsigned long *)p = 0;
}

/* --- mprof.c (kernel only; no-ops in the userspace build) -------------- */

/* Frames kept per sampled stack, from the allocator's caller outwards. */
#define MA_MPROF_DEPTH		32

/* One bucket of the heap profile, as ma_mprof_for_each() shows it. */
struct ma_mprof_info {
	unsigned int rate;		/* the profile rate now */
	u64 dropped;			/* samples not recorded, memory short */
	u64 id;
	u64 size;
	u64 allocs;
	u64 alloc_bytes;
	u64 frees;
	u64 free_bytes;
	const unsigned long *stk;	/* return addresses, caller first */
	unsigned int nstk;
	const char *names;		/* see ma_mprof_frame() */
};

int ma_mprof_init(void);
void ma_mprof_exit(void);
void ma_mprof_alloc(void *p, u64 size, struct memarena_arena *owner,
		    unsigned long ip);
void ma_mprof_free(struct ma_span *s, const void *p);
void ma_mprof_user_arena_destroy(struct memarena_arena *owner);
u64 ma_mprof_sys(u64 *buck_hash_sys);

#ifdef __KERNEL__
DECLARE_PER_CPU(long, ma_mprof_next);

/*
 * Whether an allocation of @bytes is to be sampled (then call
 * ma_mprof_alloc()): the fast path's whole cost of the heap profile.
 */
static __always_inline bool ma_mprof_tick(u64 bytes)
{
	return unlikely(this_cpu_sub_return(ma_mprof_next, bytes) < 0);
}
#else
static inline bool ma_mprof_tick(u64 bytes)
{
	return false;
}
#endif

/* A free of an object of @s: whether the profile must hear of it. */
static __always_inline bool ma_mprof_has_samples(struct ma_span *s)
{
	return unlikely(atomic_read(&s->nsampled));
}

/* --- userarena.c ------------------------------------------------------- */

/*
 * struct memarena_arena - a user arena, Go's userArena: a set of objects
 * that can be freed at once
 *
 * The structure keeps the name the public API gives it; everywhere else
 * it is a "user arena" (ma_user_arena_*()), never a bare "arena".
 * Small objects come from the user arena's own centrals (spans owned by
 * it, never shared with the global heap or the per-CPU caches), large
 * objects are on @large.  Counters are atomics: the user arena path takes
 * the central lock anyway and is not the lock-free fast path.
 */
struct memarena_arena {
	char name[MEMARENA_NAME_LEN];
	u64 id;				/* 1, 2, ... in order of creation */
	u64 created;			/* ns since the epoch */
	spinlock_t lock;		/* @large, @nlarge, @large_bytes */
	struct list_head large;		/* MA_SPAN_LARGE spans */
	unsigned long nlarge;		/* spans on @large */
	u64 large_bytes;		/* their bytes */
	struct list_head node;		/* on ma_user_arenas (its lock) */
	atomic64_t live_objects;
	atomic64_t live_bytes;
	atomic64_t mallocs;
	atomic64_t frees;
	/* A racing bad free may still lock a central: kfree_rcu() (offset < 4096). */
	struct rcu_head rcu;
	struct ma_central central[MA_NUM_SIZE_CLASSES];
};

void ma_user_arena_free_small(struct ma_central *c, struct ma_span *s, void *p);
void ma_user_arena_free_large(struct ma_span *s);
unsigned long ma_user_arena_count(void);
void ma_user_arena_count_spans(struct memarena_class_stats *by_size);

/*
 * struct ma_user_arena_info - one user arena as GET_ARENAS shows it
 * @spans: spans the user arena owns, small-object ones and large objects'
 * @span_bytes: their bytes (pages in use for the user arena)
 * Each counter is read on its own, as memarena_arena_get_stats() does.
 */
struct ma_user_arena_info {
	char name[MEMARENA_NAME_LEN];
	u64 id;
	u64 created;
	struct memarena_arena_stats st;
	u64 spans;
	u64 span_bytes;
};

int ma_user_arena_for_each(u64 *next_id,
			   int (*fn)(const struct ma_user_arena_info *info,
				     void *arg),
			   void *arg);

/* --- stats.c ----------------------------------------------------------- */

enum ma_stat_type {
	MA_STAT_U64,		/* u64 attribute, decimal on /proc */
	MA_STAT_U32,		/* u32 attribute, decimal on /proc */
	MA_STAT_PPB,		/* u64 parts per 10^9, a fraction on /proc */
};

/* One scalar statistic: ma_stat_descs[MEMARENA_A_STATS_*]. */
struct ma_stat_desc {
	const char *name;	/* Go's name, /proc/memstats */
	u8 type;		/* enum ma_stat_type */
	u16 offset;		/* in struct memarena_memstats */
};

/* Scalars: every MEMARENA_A_STATS_* but UNSPEC, PAD and the two rings. */
#define MA_NUM_STATS	(__MEMARENA_A_STATS_MAX - 4)

extern const struct ma_stat_desc ma_stat_descs[__MEMARENA_A_STATS_MAX];

/* The first statistic attribute; entries without a name are not scalars. */
#define MA_STAT_FIRST	(MEMARENA_A_STATS_PAD + 1)

static inline u64 ma_stat_value(const struct memarena_memstats *ms,
				const struct ma_stat_desc *d)
{
	return *(const u64 *)((const char *)ms + d->offset);
}

/* One CPU's share: gauges for MEMARENA_CMD_GET_CPUS. */
struct ma_cpu_stats {
	u64 cached_objects;
	u64 cached_bytes;
	u64 mallocs;
	u64 frees;
};

/*
 * struct ma_cycle - one reclaim cycle of the scavenger ("GC" in Go's
 * vocabulary), as recorded by ma_gc_record() and sent as a
 * MEMARENA_CMD_CYCLE message.
 */
struct ma_cycle {
	u32 num;		/* NumGC after it */
	bool forced;		/* by MEMARENA_CMD_GC */
	u64 released;		/* bytes given back */
	u64 duration_ns;	/* elapsed, less the RCU grace period wait */
	u64 pause_ns;		/* drain and release work: allocators could
				 * be held up that long, summed over CPUs
				 */
	u64 end;		/* ns since the epoch */
	u64 heap_released;	/* HeapReleased after it */
	u64 heap_idle;		/* HeapIdle after it */
	u64 goal;		/* NextGC after it */
};

void ma_gc_init(void);
u32 ma_gc_record(struct ma_cycle *c);
int ma_stats_check(void);
void ma_stats_cpu(unsigned int cpu, struct ma_cpu_stats *st);
u64 ma_other_sys_bytes(u64 user_arenas);

/* --- mgcscavenge.c (kernel only; no-ops in the userspace build) -------- */

int ma_scav_init(void);
void ma_scav_exit(void);
void ma_scav_heap_grew(void);
bool ma_scav_limit_room(u64 bytes);

#ifdef __KERNEL__
/* --- interfaces (kernel only) ------------------------------------------ */

struct notifier_block;
int ma_scav_force(struct ma_cycle *c);
void ma_scav_set_limit(u64 bytes);
int ma_scav_register_notifier(struct notifier_block *nb);
void ma_scav_unregister_notifier(struct notifier_block *nb);

/*
 * stats.c: per-class and per-CPU statistics for everyone, not only
 * CAP_SYS_ADMIN; and who may read them, as the interfaces say when they
 * withhold them.
 */
extern bool ma_stats_public;
#define MA_STATS_DETAIL_PRIV	"CAP_SYS_ADMIN, or stats_public=1"

int __init ma_proc_init(void);
void ma_proc_exit(void);

int __init ma_dev_init(void);
void ma_dev_exit(void);

int __init ma_netlink_init(void);
void ma_netlink_exit(void);

/* mprof.c: the rate and the buckets, for the interfaces. */
int ma_mprof_set_rate(unsigned int rate);
int ma_mprof_for_each(u64 *next_id,
		      int (*fn)(const struct ma_mprof_info *info, void *arg),
		      void *arg);
void ma_mprof_frame(const struct ma_mprof_info *info, unsigned int i,
		    char *buf, size_t len);
#endif

#endif /* _MEMARENA_INTERNAL_H */
