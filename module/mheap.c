// SPDX-License-Identifier: GPL-2.0
/*
 * The page heap, Go's mheap, one per memory node: heap arenas obtained
 * from the buddy allocator on the heap's node, carved into spans by a
 * page-level allocator that coalesces free neighbours, and each heap
 * arena's span table (Go's heapArena.spans) that lookups go through after
 * the heap arena index (mheapindex.c).  Span structures come from mfixalloc.c;
 * giving pages back is in mheaprelease.c.  See malloc.c for the design.
 *
 * Every page of a node's heap is on that node: heap arenas are allocated with
 * __GFP_THISNODE.  A heap that cannot grow fails, and the caller falls
 * back to the other nodes' heaps unless it asked for __GFP_THISNODE
 * (ma_heap_alloc()).
 *
 * Free spans are kept on lists by page count (one list per count up to
 * the largest heap arena), with a bitmap of non-empty lists, so a request for
 * n pages takes the first free span of the smallest sufficient size.
 * Freeing a span merges it with a free left and right neighbour found
 * through the boundary tags in the span table.
 */

#include "memarena.h"

/* How often ma_heap_alloc() retries when other CPUs take what it got. */
#define MA_HEAP_ALLOC_TRIES	64
#define MA_HEAP_GROW_TRIES	4

struct ma_heap **ma_heaps;

/* The centrals' trim, for a heap about to grow (ma_heap_init()). */
static unsigned long (*ma_heap_trim)(struct ma_heap *h);

u64 ma_heap_hold_max_ns;
module_param_named(heap_lock_max_hold_ns, ma_heap_hold_max_ns, ullong, 0644);
MODULE_PARM_DESC(heap_lock_max_hold_ns,
		 "Longest hold of a node heap's lock seen, ns (write 0 to start again)");

/* --- free span lists ---------------------------------------------------- */

/* Keep heap arenas without a page in use at the head of the heap's list. */
static void ma_heap_arena_inuse_add(struct ma_heap_arena *ha,
				    unsigned int npages)
{
	lockdep_assert_held(&ha->heap->lock);
	if (!ha->inuse_pages)
		list_move_tail(&ha->node, &ha->heap->heap_arenas);
	ha->inuse_pages += npages;
}

static void ma_heap_arena_inuse_sub(struct ma_heap_arena *ha,
				    unsigned int npages)
{
	lockdep_assert_held(&ha->heap->lock);
	ha->inuse_pages -= npages;
	if (!ha->inuse_pages)
		list_move(&ha->node, &ha->heap->heap_arenas);
}

/**
 * ma_free_add() - list a span as free, with its boundary tags
 * @s: a span on no list, of a heap arena of the locked heap
 *
 * Context: Under the heap's lock.
 */
void ma_free_add(struct ma_span *s)
{
	struct ma_heap_arena *ha = s->harena;
	struct ma_heap *h = ha->heap;
	unsigned int first = ma_span_first_page(s);
	unsigned int i = s->npages - 1;

	lockdep_assert_held(&h->lock);
	WRITE_ONCE(s->state, MA_SPAN_FREE);
	list_add(&s->list, &h->free[i]);
	__set_bit(i, h->nonempty);
	/* Boundary tags: only the ends of a free span are looked up. */
	WRITE_ONCE(ha->spans[first], s);
	WRITE_ONCE(ha->spans[first + s->npages - 1], s);
}

/**
 * ma_free_del() - take a free span off its free list
 * @s: a FREE span
 *
 * Context: Under the heap's lock.
 */
void ma_free_del(struct ma_span *s)
{
	struct ma_heap *h = s->harena->heap;
	unsigned int i = s->npages - 1;

	lockdep_assert_held(&h->lock);
	list_del(&s->list);
	if (list_empty(&h->free[i]))
		__clear_bit(i, h->nonempty);
}

/*
 * Carve @npages aligned to @align pages out of a free span, splitting off
 * what is left before and after as free spans.  Needs two free span
 * structures: returns ERR_PTR(-EAGAIN) if others took the ones the caller
 * reserved, NULL if no free span fits.
 */
static struct ma_span *ma_heap_carve(struct ma_heap *h, unsigned int npages,
				     unsigned int align, u8 state)
{
	unsigned long start = 0, end, bytes = (unsigned long)npages << PAGE_SHIFT;
	unsigned int i, first, pre, post, sure, tried = 0;
	struct ma_span *s = NULL, *t;
	bool found = false;

	lockdep_assert_held(&h->lock);
	if (h->spanalloc.nfree < 2)
		return ERR_PTR(-EAGAIN);

	/*
	 * Bounded work: a span of npages + align - 1 pages or more always
	 * fits, so only the sizes below that are searched span by span, at
	 * most MA_CARVE_SCAN spans, smallest first; then the first span
	 * that surely fits is found through the bitmap.
	 */
	sure = min_t(unsigned int, npages + align - 1, MA_HEAP_ARENA_MAX_PAGES);
	for (i = find_next_bit(h->nonempty, MA_HEAP_ARENA_MAX_PAGES, npages - 1);
	     i < sure - 1 && !found && tried < MA_CARVE_SCAN;
	     i = find_next_bit(h->nonempty, MA_HEAP_ARENA_MAX_PAGES, i + 1)) {
		list_for_each_entry(s, &h->free[i], list) {
			start = ALIGN(s->base, (unsigned long)align << PAGE_SHIFT);
			end = s->base + ((unsigned long)s->npages << PAGE_SHIFT);
			if (start + bytes <= end) {
				found = true;
				break;
			}
			if (++tried == MA_CARVE_SCAN)
				break;
		}
	}
	if (!found) {
		i = find_next_bit(h->nonempty, MA_HEAP_ARENA_MAX_PAGES, sure - 1);
		if (i >= MA_HEAP_ARENA_MAX_PAGES)
			return NULL;
		s = list_first_entry(&h->free[i], struct ma_span, list);
		start = ALIGN(s->base, (unsigned long)align << PAGE_SHIFT);
		end = s->base + ((unsigned long)s->npages << PAGE_SHIFT);
		if (WARN_ON_ONCE(start + bytes > end))
			return NULL;
	}

	ma_free_del(s);
	pre = (start - s->base) >> PAGE_SHIFT;
	post = s->npages - pre - npages;
	if (pre) {
		t = ma_spanalloc_get(h);
		t->harena = s->harena;
		t->base = s->base;
		t->npages = pre;
		ma_free_add(t);
	}
	if (post) {
		t = ma_spanalloc_get(h);
		t->harena = s->harena;
		t->base = start + bytes;
		t->npages = post;
		ma_free_add(t);
	}
	s->base = start;
	s->npages = npages;
	s->owner = NULL;
	s->central = NULL;
	ma_heap_arena_inuse_add(s->harena, npages);
	first = ma_span_first_page(s);
	for (i = 0; i < npages; i++)
		WRITE_ONCE(s->harena->spans[first + i], s);
	/* Pairs with the acquire in memarena_free(): fields before state. */
	smp_store_release(&s->state, state);
	h->inuse += bytes;
	h->nspans++;
	return s;
}

/* --- growing the heap ---------------------------------------------------- */

/**
 * ma_free_page_range() - give split pages to the page allocator
 * @page: the first
 * @npages: how many
 *
 * Context: Any context.
 */
void ma_free_page_range(struct page *page, unsigned int npages)
{
	unsigned int i;

	for (i = 0; i < npages; i++)
		__free_page(page + i);
}

/*
 * The order of the next heap arena: about 1 / MA_HEAP_GROW_SHARE of the
 * heap held from the page allocator (HeapSys - HeapReleased), so that the
 * number of heap arenas grows logarithmically while a small heap stays
 * small, and the unused part of the newest one, held at a peak, stays a
 * small share of the heap (make bench's footprint and replay figures); at
 * least what the request needs.  Not of HeapSys, which keeps every peak's
 * size: a heap given back after a big peak would grow again in the
 * biggest blocks, each held unused at the next, smaller peak.
 */
static unsigned int ma_heap_grow_order(struct ma_heap *h, unsigned int npages)
{
	/* Unlocked reads, two of them: a heuristic, kept from wrapping. */
	u64 sys = READ_ONCE(h->sys), released = READ_ONCE(h->released);
	unsigned long held = sys > released ? (sys - released) >> PAGE_SHIFT : 0;
	unsigned int order = MA_HEAP_ARENA_MIN_ORDER;

	while (order < MA_HEAP_ARENA_MAX_ORDER &&
	       (1UL << order) < held / MA_HEAP_GROW_SHARE)
		order++;
	/* Near the memory limit, grow by as little as possible. */
	while (order > MA_HEAP_ARENA_MIN_ORDER &&
	       !ma_scav_limit_room(PAGE_SIZE << order))
		order--;
	while (order < MA_HEAP_ARENA_MAX_ORDER && (1U << order) < npages)
		order++;
	return order;
}

/*
 * Add a heap arena big enough for @npages and carve the caller's span out
 * of it in the same hold of @h->lock that publishes it: between two
 * holds a reclaim cycle could give the new, still unused heap arena back.
 * Returns the span, ERR_PTR(-EAGAIN) if the heap arena was added but others
 * took the span structures the carve needed (carve again), or another
 * ERR_PTR if the heap could not grow.
 */
static struct ma_span *ma_heap_grow(struct ma_heap *h, unsigned int npages,
				    unsigned int align, u8 state, gfp_t gfp)
{
	unsigned int order, min_order, meta_order;
	struct ma_index_nodes nodes;
	struct ma_heap_arena *ha;
	struct page *page = NULL, *meta;
	struct ma_span *s, *span;
	unsigned long flags;
	bool split = false;
	size_t meta_size;
	int err = -ENOMEM;
	u64 reuse;

	min_order = max_t(unsigned int, MA_HEAP_ARENA_MIN_ORDER, order_base_2(npages));
	if (min_order > MA_HEAP_ARENA_MAX_ORDER)
		return ERR_PTR(-E2BIG);
	/* Big first; fall back to smaller blocks under fragmentation. */
	for (order = max(ma_heap_grow_order(h, npages), min_order); ; order--) {
		/* The node's own pages only: see the top of this file. */
		gfp_t g = gfp | __GFP_NOWARN | __GFP_THISNODE;

		/*
		 * Above what the request needs the attempt is speculative, as
		 * SLUB's higher orders: no reclaim or compaction, no kswapd,
		 * no reserves (atomic callers' high-atomic ones included).
		 */
		if (order > min_order)
			g = (g | __GFP_NORETRY | __GFP_NOMEMALLOC) &
			    ~(__GFP_RECLAIM | __GFP_HIGH | MA_GFP_ATOMIC_FLAG |
			      __GFP_NOFAIL);
		page = alloc_pages_node(h->nid, g, order);
		if (page || order == min_order)
			break;
	}
	if (!page)
		return ERR_PTR(-ENOMEM);

	meta_size = struct_size(ha, spans, 1UL << order) +
		    BITS_TO_LONGS(1UL << order) * sizeof(long);
	meta_order = get_order(meta_size);
	/* Metadata: on the node if it can, but __GFP_THISNODE is for objects. */
	gfp &= ~__GFP_THISNODE;
	meta = alloc_pages_node(h->nid, gfp | __GFP_ZERO | __GFP_NOWARN,
				meta_order);
	if (!meta)
		goto out_free_pages;
	ha = page_address(meta);
	ha->base = (unsigned long)page_address(page);
	ha->heap = h;
	ha->page = page;
	ha->meta_page = meta;
	ha->order = order;
	ha->meta_order = meta_order;
	ha->released = (unsigned long *)&ha->spans[1UL << order];

	err = ma_index_prepare(ha->base, gfp, &nodes);
	if (err)
		goto out_free_meta;

	/* One for the heap arena's free span, two for the carve's leftovers. */
	err = -ENOMEM;
	if (ma_spanalloc_reserve(h, 3, gfp))
		goto out_free_nodes;
	/* From now on its pages are given back one by one, if need be. */
	split_page(page, order);
	split = true;

	ma_heap_lock(h, &flags);
	s = ma_spanalloc_get(h);
	if (!s) {
		ma_heap_unlock(h, flags);
		goto out_free_nodes;
	}
	s->harena = ha;
	s->base = ha->base;
	s->npages = 1U << order;
	ma_free_add(s);
	list_add(&ha->node, &h->heap_arenas);	/* no page in use */
	WRITE_ONCE(h->nheap_arenas, h->nheap_arenas + 1);
	/*
	 * As Go: capacity given back earlier is reused first (it moves from
	 * HeapReleased back to the retained heap); HeapSys grows only by the
	 * rest.
	 */
	reuse = min_t(u64, h->released, PAGE_SIZE << order);
	WRITE_ONCE(h->released, h->released - reuse);
	WRITE_ONCE(h->sys, h->sys + (PAGE_SIZE << order) - reuse);
	WRITE_ONCE(h->gc_sys, h->gc_sys + (PAGE_SIZE << meta_order));
	/* Publish last: lookups may find the heap arena from now on. */
	ma_index_set(ha, ha, &nodes);
	span = ma_heap_carve(h, npages, align, state);
	ma_heap_unlock(h, flags);

	ma_index_unprepare(&nodes);
	ma_scav_heap_grew();
	/* The heap arena fits @npages at @align: only -EAGAIN can be left. */
	return span ?: ERR_PTR(-EAGAIN);

out_free_nodes:
	ma_index_unprepare(&nodes);
out_free_meta:
	__free_pages(meta, meta_order);
out_free_pages:
	if (split)
		ma_free_page_range(page, 1U << order);
	else
		__free_pages(page, order);
	return ERR_PTR(err);
}

/* ma_heap_alloc() from @h only. */
static struct ma_span *ma_heap_alloc_node(struct ma_heap *h,
					  unsigned int npages,
					  unsigned int align, u8 state,
					  gfp_t gfp)
{
	unsigned int grown = 0, tries;
	bool trimmed = false;
	unsigned long flags;
	struct ma_span *s;

	/*
	 * Bounded: other CPUs may take the span structures we reserved
	 * (-EAGAIN: reserve again, do not grow; after growing, carve again
	 * from what the heap has, the new heap arena included).
	 */
	for (tries = 0; tries < MA_HEAP_ALLOC_TRIES; tries++) {
		/* Unlocked peek: ma_heap_carve() checks again under the lock. */
		if (READ_ONCE(h->spanalloc.nfree) < 2 &&
		    ma_spanalloc_reserve(h, 2, gfp))
			return NULL;
		ma_heap_lock(h, &flags);
		s = ma_heap_carve(h, npages, align, state);
		ma_heap_unlock(h, flags);
		if (s == ERR_PTR(-EAGAIN))
			continue;
		if (s)
			return s;
		/*
		 * Spans the centrals keep for reuse go first, once: under
		 * churn they come and go, and retrying for them must not
		 * keep the heap from growing.
		 */
		if (!trimmed) {
			trimmed = true;
			if (ma_heap_trim(h))
				continue;
		}
		/* A new heap arena is aligned to its size, so to @align. */
		if (grown++ == MA_HEAP_GROW_TRIES)
			return NULL;
		s = ma_heap_grow(h, npages, align, state, gfp);
		if (!IS_ERR(s))
			return s;
		if (PTR_ERR(s) != -EAGAIN)
			return NULL;
	}
	return NULL;
}

/**
 * ma_heap_alloc() - allocate a span of pages from a node's heap
 * @h: the heap of the node wanted
 * @npages: pages in the span, 1 .. MA_HEAP_ARENA_MAX_PAGES
 * @align: alignment in pages, a power of two
 * @state: MA_SPAN_INIT for a small-object span, MA_SPAN_LARGE
 * @gfp: how the heap may grow if no free span fits; without
 *	__GFP_THISNODE, the other nodes' heaps are tried, in order of
 *	distance, when @h can neither give nor grow
 *
 * Context: Any context the @gfp flags allow; takes and drops the heaps'
 * locks, one at a time.
 * Return: the span, of @h or (fallback) of another node's heap, or NULL
 * if no memory could be obtained.
 */
struct ma_span *ma_heap_alloc(struct ma_heap *h, unsigned int npages,
			      unsigned int align, u8 state, gfp_t gfp)
{
	int nid = NUMA_NO_NODE, dist = -1;
	struct ma_span *s;

	gfp &= MA_GFP_ALLOWED;
	s = ma_heap_alloc_node(h, npages, align, state, gfp);
	if (s || (gfp & __GFP_THISNODE))
		return s;
	while (!s && (nid = ma_node_next(h->nid, nid, &dist)) != NUMA_NO_NODE)
		s = ma_heap_alloc_node(ma_heaps[nid], npages, align, state, gfp);
	return s;
}

/**
 * ma_span_absorb() - merge a span with its neighbours in a state
 * @s: a span on no list
 * @state: MA_SPAN_FREE (they leave their free lists) or MA_SPAN_RELEASED
 *
 * The neighbours are found through the boundary tags; the caller lists
 * @s and sets its tags.
 *
 * Context: Under the heap's lock.
 */
void ma_span_absorb(struct ma_span *s, u8 state)
{
	struct ma_heap_arena *ha = s->harena;
	unsigned int first = ma_span_first_page(s);
	unsigned int last = first + s->npages;
	struct ma_span *t;

	lockdep_assert_held(&ha->heap->lock);
	if (first) {
		t = ha->spans[first - 1];
		if (t && t->state == state && t->harena == ha &&
		    t->base + ((unsigned long)t->npages << PAGE_SHIFT) == s->base) {
			if (state == MA_SPAN_FREE)
				ma_free_del(t);
			s->base = t->base;
			s->npages += t->npages;
			ma_spanalloc_put(ha->heap, t);
		}
	}
	if (last < (1U << ha->order)) {
		t = ha->spans[last];
		if (t && t->state == state && t->harena == ha &&
		    t->base == s->base + ((unsigned long)s->npages << PAGE_SHIFT)) {
			if (state == MA_SPAN_FREE)
				ma_free_del(t);
			s->npages += t->npages;
			ma_spanalloc_put(ha->heap, t);
		}
	}
}

static void ma_heap_free_locked(struct ma_heap *h, struct ma_span *s)
{
	lockdep_assert_held(&h->lock);
	h->inuse -= (u64)s->npages << PAGE_SHIFT;
	h->nspans--;
	ma_heap_arena_inuse_sub(s->harena, s->npages);
	s->owner = NULL;
	s->central = NULL;
	ma_span_absorb(s, MA_SPAN_FREE);
	ma_free_add(s);
}

/**
 * ma_heap_free() - give a span's pages back to the heap
 * @s: an INIT, SMALL or LARGE span no object of which is still in use
 *
 * The pages stay in the heap (HeapIdle) for reuse; free neighbours are
 * merged with them.
 *
 * Context: Any context; takes its heap's lock (irq-safe).
 */
void ma_heap_free(struct ma_span *s)
{
	struct ma_heap *h = s->harena->heap;
	unsigned long flags;

	ma_heap_lock(h, &flags);
	ma_heap_free_locked(h, s);
	ma_heap_unlock(h, flags);
}

/**
 * ma_heap_free_list() - ma_heap_free() for every span on a list
 * @spans: spans linked through their @list, of any node's heaps; the
 *	list is left empty
 *
 * Context: Any context; takes a heap's lock once per MA_FREE_BATCH spans
 * (or fewer, when the next span is of another node's heap).
 */
void ma_heap_free_list(struct list_head *spans)
{
	unsigned long flags;
	struct ma_heap *h;
	struct ma_span *s;
	unsigned int n;

	while (!list_empty(spans)) {
		s = list_first_entry(spans, struct ma_span, list);
		h = s->harena->heap;
		ma_heap_lock(h, &flags);
		for (n = 0; n < MA_FREE_BATCH && !list_empty(spans); n++) {
			s = list_first_entry(spans, struct ma_span, list);
			if (s->harena->heap != h)
				break;
			list_del(&s->list);
			ma_heap_free_locked(h, s);
		}
		ma_heap_unlock(h, flags);
	}
}

/**
 * ma_heap_read() - a node heap's gauges, consistent with each other
 * @h: the heap
 * @g: filled in
 *
 * One read section of @h->seq: no lock, the writers never wait.
 *
 * Context: Any context (on PREEMPT_RT, not under a raw spinlock).
 */
void ma_heap_read(struct ma_heap *h, struct ma_heap_gauges *g)
{
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&h->seq);
		g->sys = READ_ONCE(h->sys);
		g->inuse = READ_ONCE(h->inuse);
		g->released = READ_ONCE(h->released);
		g->nheap_arenas = READ_ONCE(h->nheap_arenas);
		g->nspans = READ_ONCE(h->nspans);
		g->mspan_inuse = READ_ONCE(h->spanalloc.inuse) *
				 sizeof(struct ma_span);
		g->mspan_sys = READ_ONCE(h->spanalloc.sys);
		g->gc_sys = READ_ONCE(h->gc_sys);
	} while (read_seqcount_retry(&h->seq, seq));
}

/**
 * ma_heap_read_all() - the gauges summed over the nodes' heaps
 * @g: filled in; @gc_sys includes the heap arena index
 *
 * Each heap is read in its own read section (ma_heap_read()), one after
 * the other; each identity between gauges of one heap holds for the sums.
 *
 * Context: As ma_heap_read().
 */
void ma_heap_read_all(struct ma_heap_gauges *g)
{
	struct ma_heap_gauges n;
	struct ma_heap *h;

	memset(g, 0, sizeof(*g));
	for (h = ma_heap_next(NULL); h; h = ma_heap_next(h)) {
		ma_heap_read(h, &n);
		g->sys += n.sys;
		g->inuse += n.inuse;
		g->released += n.released;
		g->nheap_arenas += n.nheap_arenas;
		g->nspans += n.nspans;
		g->mspan_inuse += n.mspan_inuse;
		g->mspan_sys += n.mspan_sys;
		g->gc_sys += n.gc_sys;
	}
	g->gc_sys += READ_ONCE(ma_index_sys);
}

/* Set up the heap of node @nid, on that node if it has memory. */
static struct ma_heap *ma_heap_create(int nid)
{
	unsigned int order = get_order(sizeof(struct ma_heap)), i;
	struct ma_heap *h;
	struct page *page;

	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_ZERO, order);
	if (!page)
		return NULL;
	h = page_address(page);
	spin_lock_init(&h->lock);
	seqcount_spinlock_init(&h->seq, &h->lock);
	for (i = 0; i < MA_HEAP_ARENA_MAX_PAGES; i++)
		INIT_LIST_HEAD(&h->free[i]);
	INIT_LIST_HEAD(&h->heap_arenas);
	INIT_LIST_HEAD(&h->spanalloc.free);
	INIT_LIST_HEAD(&h->spanalloc.chunks);
	for (i = 0; i < MA_NUM_SIZE_CLASSES; i++)
		ma_central_init(&h->central[i], i, NULL, h);
	h->nid = nid;
	h->gc_sys = PAGE_SIZE << order;
	return h;
}

/* Give everything of @h back; report what still holds objects. */
static void ma_heap_destroy(struct ma_heap *h)
{
	struct ma_heap_arena *ha, *tmp;
	unsigned long leaked = 0;

	list_for_each_entry_safe(ha, tmp, &h->heap_arenas, node) {
		list_del(&ha->node);
		if (ha->inuse_pages) {
			leaked += PAGE_SIZE *
				  ((1UL << ha->order) - ha->released_pages);
			__free_pages(ha->meta_page, ha->meta_order);
		} else {
			ma_heap_arena_free(ha);
		}
	}
	if (leaked)
		pr_warn("memarena: %lu bytes of node %d's heap still hold objects at unload; left allocated\n",
			leaked, h->nid);
	ma_spanalloc_exit(h);
	free_pages((unsigned long)h, get_order(sizeof(*h)));
}

/**
 * ma_heap_init() - set up the heap arena index and a heap per possible node
 * @trim: gives a heap's empty spans kept by its centrals back to it;
 *	called once by an allocation before the heap grows
 *
 * Context: Process context, may sleep.
 * Return: 0, or -ENOMEM.
 */
int ma_heap_init(unsigned long (*trim)(struct ma_heap *h))
{
	int nid, err;

	ma_heap_trim = trim;
	err = ma_index_init();
	if (err)
		return err;
	ma_heaps = kcalloc(nr_node_ids, sizeof(*ma_heaps), GFP_KERNEL);
	if (!ma_heaps)
		goto out_index_exit;
	for_each_node(nid) {
		ma_heaps[nid] = ma_heap_create(nid);
		if (!ma_heaps[nid])
			goto out_destroy_heaps;
	}
	return 0;

out_destroy_heaps:
	ma_heap_exit();
	return -ENOMEM;
out_index_exit:
	ma_index_exit();
	return -ENOMEM;
}

/**
 * ma_heap_exit() - give everything back to the page allocator
 *
 * A heap arena that still holds an object is left allocated, never
 * freed under a caller that may still use it; the leak is reported.
 *
 * Context: Process context, module exit, after every other user is gone.
 */
void ma_heap_exit(void)
{
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++)
		if (ma_heaps[nid])
			ma_heap_destroy(ma_heaps[nid]);
	kfree(ma_heaps);
	ma_heaps = NULL;
	ma_index_exit();
}
