// SPDX-License-Identifier: GPL-2.0
/*
 * The page heap, Go's mheap: heap arenas obtained from the buddy
 * allocator, carved into spans by a page-level allocator that coalesces
 * free neighbours, plus the two structures every lookup goes through: the
 * arena index (Go's arenas[][] map) and the per-arena span table (Go's
 * heapArena.spans).  See malloc.c for the whole design.
 *
 * Free spans are kept on lists by page count (one list per count up to
 * the largest arena), with a bitmap of non-empty lists, so a request for
 * n pages takes the first free span of the smallest sufficient size.
 * Freeing a span merges it with a free left and right neighbour found
 * through the boundary tags in the span table.
 *
 * The scavenger takes pages out of the heap in two ways: a heap arena
 * with no page in use goes back to the buddy allocator whole; otherwise
 * runs of free pages become released spans, holes that stay in their
 * arena until it goes.  Physical pages given back cannot be had again at
 * the same address, so a hole is never carved; the heap grows into new
 * arenas instead, reusing the released capacity first (HeapReleased
 * moves back into the retained heap, as in Go).
 */

#include "memarena.h"

/* How often ma_heap_alloc() retries when other CPUs take what it got. */
#define MA_HEAP_ALLOC_TRIES	64
#define MA_HEAP_GROW_TRIES	4

struct ma_heap ma_heap;
struct ma_index_mid **ma_index;
unsigned long ma_index_l1_size;

u64 ma_heap_hold_max_ns;
module_param_named(heap_lock_max_hold_ns, ma_heap_hold_max_ns, ullong, 0644);
MODULE_PARM_DESC(heap_lock_max_hold_ns,
		 "Longest hold of the page heap's lock seen, ns (write 0 to start again)");

/* --- span structures: a fixed-size allocator like Go's fixalloc --------- */

#define MA_SPANS_PER_CHUNK	(PAGE_SIZE / sizeof(struct ma_span))

static struct ma_span *ma_spanalloc_get(void)
{
	struct ma_fixalloc *f = &ma_heap.spanalloc;
	struct ma_span *s;

	lockdep_assert_held(&ma_heap.lock);
	s = list_first_entry_or_null(&f->free, struct ma_span, list);
	if (!s)
		return NULL;
	list_del(&s->list);
	WRITE_ONCE(f->nfree, f->nfree - 1);
	f->inuse++;
	return s;
}

static void ma_spanalloc_put(struct ma_span *s)
{
	struct ma_fixalloc *f = &ma_heap.spanalloc;

	lockdep_assert_held(&ma_heap.lock);
	WRITE_ONCE(s->state, MA_SPAN_DEAD);
	list_add(&s->list, &f->free);
	WRITE_ONCE(f->nfree, f->nfree + 1);
	f->inuse--;
}

/*
 * Make sure @want span structures are free, allocating pages for them
 * outside the lock.  Returns 0 or -ENOMEM.
 */
static int ma_spanalloc_reserve(unsigned int want, gfp_t gfp)
{
	struct ma_fixalloc *f = &ma_heap.spanalloc;
	unsigned long flags;
	struct ma_span *s;
	struct page *page;
	unsigned int i;

	for (;;) {
		ma_heap_lock(&flags);
		if (f->nfree >= want) {
			ma_heap_unlock(flags);
			return 0;
		}
		ma_heap_unlock(flags);

		page = alloc_page(gfp | __GFP_ZERO);
		if (!page)
			return -ENOMEM;
		s = page_address(page);

		ma_heap_lock(&flags);
		list_add(&page->lru, &f->chunks);
		f->sys += PAGE_SIZE;
		for (i = 0; i < MA_SPANS_PER_CHUNK; i++) {
			s[i].state = MA_SPAN_DEAD;
			list_add_tail(&s[i].list, &f->free);
		}
		WRITE_ONCE(f->nfree, f->nfree + MA_SPANS_PER_CHUNK);
		ma_heap_unlock(flags);
	}
}

/* --- free span lists ---------------------------------------------------- */

/* Keep arenas without a page in use at the head of ma_heap.arenas. */
static void ma_arena_inuse_add(struct ma_heap_arena *ha, unsigned int npages)
{
	lockdep_assert_held(&ma_heap.lock);
	if (!ha->inuse_pages)
		list_move_tail(&ha->node, &ma_heap.arenas);
	ha->inuse_pages += npages;
}

static void ma_arena_inuse_sub(struct ma_heap_arena *ha, unsigned int npages)
{
	lockdep_assert_held(&ma_heap.lock);
	ha->inuse_pages -= npages;
	if (!ha->inuse_pages)
		list_move(&ha->node, &ma_heap.arenas);
}

static unsigned int ma_span_first_page(const struct ma_span *s)
{
	return (s->base - s->harena->base) >> PAGE_SHIFT;
}

static void ma_free_add(struct ma_span *s)
{
	struct ma_heap_arena *ha = s->harena;
	unsigned int first = ma_span_first_page(s);
	unsigned int i = s->npages - 1;

	lockdep_assert_held(&ma_heap.lock);
	WRITE_ONCE(s->state, MA_SPAN_FREE);
	list_add(&s->list, &ma_heap.free[i]);
	__set_bit(i, ma_heap.nonempty);
	/* Boundary tags: only the ends of a free span are looked up. */
	WRITE_ONCE(ha->spans[first], s);
	WRITE_ONCE(ha->spans[first + s->npages - 1], s);
}

static void ma_free_del(struct ma_span *s)
{
	unsigned int i = s->npages - 1;

	lockdep_assert_held(&ma_heap.lock);
	list_del(&s->list);
	if (list_empty(&ma_heap.free[i]))
		__clear_bit(i, ma_heap.nonempty);
}

/*
 * Carve @npages aligned to @align pages out of a free span, splitting off
 * what is left before and after as free spans.  Needs two free span
 * structures: returns ERR_PTR(-EAGAIN) if others took the ones the caller
 * reserved, NULL if no free span fits.
 */
static struct ma_span *ma_heap_carve(unsigned int npages, unsigned int align,
				     u8 state)
{
	unsigned long start = 0, end, bytes = (unsigned long)npages << PAGE_SHIFT;
	unsigned int i, first, pre, post, sure, tried = 0;
	struct ma_span *s = NULL, *t;
	bool found = false;

	lockdep_assert_held(&ma_heap.lock);
	if (ma_heap.spanalloc.nfree < 2)
		return ERR_PTR(-EAGAIN);

	/*
	 * Bounded work: a span of npages + align - 1 pages or more always
	 * fits, so only the sizes below that are searched span by span, at
	 * most MA_CARVE_SCAN spans, smallest first; then the first span
	 * that surely fits is found through the bitmap.
	 */
	sure = min_t(unsigned int, npages + align - 1, MA_ARENA_MAX_PAGES);
	for (i = find_next_bit(ma_heap.nonempty, MA_ARENA_MAX_PAGES, npages - 1);
	     i < sure - 1 && !found && tried < MA_CARVE_SCAN;
	     i = find_next_bit(ma_heap.nonempty, MA_ARENA_MAX_PAGES, i + 1)) {
		list_for_each_entry(s, &ma_heap.free[i], list) {
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
		i = find_next_bit(ma_heap.nonempty, MA_ARENA_MAX_PAGES, sure - 1);
		if (i >= MA_ARENA_MAX_PAGES)
			return NULL;
		s = list_first_entry(&ma_heap.free[i], struct ma_span, list);
		start = ALIGN(s->base, (unsigned long)align << PAGE_SHIFT);
		end = s->base + ((unsigned long)s->npages << PAGE_SHIFT);
		if (WARN_ON_ONCE(start + bytes > end))
			return NULL;
	}

	ma_free_del(s);
	pre = (start - s->base) >> PAGE_SHIFT;
	post = s->npages - pre - npages;
	if (pre) {
		t = ma_spanalloc_get();
		t->harena = s->harena;
		t->base = s->base;
		t->npages = pre;
		ma_free_add(t);
	}
	if (post) {
		t = ma_spanalloc_get();
		t->harena = s->harena;
		t->base = start + bytes;
		t->npages = post;
		ma_free_add(t);
	}
	s->base = start;
	s->npages = npages;
	s->owner = NULL;
	s->central = NULL;
	ma_arena_inuse_add(s->harena, npages);
	first = ma_span_first_page(s);
	for (i = 0; i < npages; i++)
		WRITE_ONCE(s->harena->spans[first + i], s);
	/* Pairs with the acquire in memarena_free(): fields before state. */
	smp_store_release(&s->state, state);
	ma_heap.inuse += bytes;
	return s;
}

/* --- the arena index ---------------------------------------------------- */

static void ma_index_key(unsigned long addr, unsigned long *l1,
			 unsigned long *l2, unsigned long *l3)
{
	unsigned long key = (addr - PAGE_OFFSET) >> MA_ARENA_MIN_SHIFT;

	*l1 = key >> (2 * MA_INDEX_NODE_BITS);
	*l2 = (key >> MA_INDEX_NODE_BITS) & MA_INDEX_NODE_MASK;
	*l3 = key & MA_INDEX_NODE_MASK;
}

/*
 * Point the index entries covering @ha at it (or at NULL).  An arena is
 * aligned to its size, at most MA_ARENA_MAX_ORDER, so it never straddles
 * a leaf.  @mid and @leaf are fresh zeroed pages to use if the path does
 * not exist yet; the ones used are set to NULL.
 */
static void ma_index_set(struct ma_heap_arena *ha, struct ma_heap_arena *val,
			 struct ma_index_mid **mid, struct ma_index_leaf **leaf)
{
	unsigned long l1, l2, l3, n, i;
	struct ma_index_leaf *lf;

	lockdep_assert_held(&ma_heap.lock);
	ma_index_key(ha->base, &l1, &l2, &l3);
	/*
	 * The releases below pair with the address dependencies of the
	 * READ_ONCE() walk in ma_span_of(): a reader that sees a pointer sees
	 * what it points to initialised.
	 */
	if (!ma_index[l1]) {
		smp_store_release(&ma_index[l1], *mid); /* zeroed node */
		*mid = NULL;
		ma_heap.gc_sys += PAGE_SIZE;
	}
	lf = ma_index[l1]->leaf[l2];
	if (!lf) {
		lf = *leaf;
		smp_store_release(&ma_index[l1]->leaf[l2], lf); /* zeroed */
		*leaf = NULL;
		ma_heap.gc_sys += PAGE_SIZE;
	}
	n = 1UL << (ha->order - MA_ARENA_MIN_ORDER);
	for (i = 0; i < n; i++) {
		/*
		 * Pages of an arena's holes go back to the buddy allocator,
		 * which may merge them and hand them out again as a new heap
		 * arena inside the old one's range: the new arena's entries
		 * replace the old one's, and the old one, when it goes, must
		 * not clear them.
		 */
		if (!val && lf->arena[l3 + i] != ha)
			continue;
		smp_store_release(&lf->arena[l3 + i], val); /* see above */
	}
}

/* --- growing the heap ---------------------------------------------------- */

/* Give split pages to the page allocator. */
static void ma_free_page_range(struct page *page, unsigned int npages)
{
	unsigned int i;

	for (i = 0; i < npages; i++)
		__free_page(page + i);
}

/*
 * The order of the next heap arena: about a quarter of the heap so far,
 * so that the number of arenas grows logarithmically while a small heap
 * stays small; at least what the request needs.
 */
static unsigned int ma_heap_grow_order(unsigned int npages)
{
	unsigned long sys_pages = ma_heap.sys >> PAGE_SHIFT;
	unsigned int order = MA_ARENA_MIN_ORDER;

	while (order < MA_ARENA_MAX_ORDER && (1UL << order) < sys_pages / 4)
		order++;
	/* Near the memory limit, grow by as little as possible. */
	while (order > MA_ARENA_MIN_ORDER && !ma_scav_limit_room(PAGE_SIZE << order))
		order--;
	while (order < MA_ARENA_MAX_ORDER && (1U << order) < npages)
		order++;
	return order;
}

/*
 * Add a heap arena big enough for @npages and carve the caller's span out
 * of it in the same ma_heap.lock hold that publishes it: between two
 * holds a reclaim cycle could give the new, still unused arena back.
 * Returns the span, ERR_PTR(-EAGAIN) if the arena was added but others
 * took the span structures the carve needed (carve again), or another
 * ERR_PTR if the heap could not grow.
 */
static struct ma_span *ma_heap_grow(unsigned int npages, unsigned int align,
				    u8 state, gfp_t gfp)
{
	unsigned int order, min_order, meta_order;
	struct ma_index_mid *mid = NULL;
	struct ma_index_leaf *leaf = NULL;
	struct ma_heap_arena *ha;
	struct page *page = NULL, *meta;
	unsigned long flags, l1, l2, l3;
	struct ma_span *s, *span;
	bool split = false;
	size_t meta_size;
	int err = -ENOMEM;
	u64 reuse;

	min_order = max_t(unsigned int, MA_ARENA_MIN_ORDER, order_base_2(npages));
	if (min_order > MA_ARENA_MAX_ORDER)
		return ERR_PTR(-E2BIG);
	/* Big first; fall back to smaller blocks under fragmentation. */
	for (order = max(ma_heap_grow_order(npages), min_order); ; order--) {
		gfp_t g = gfp | __GFP_NOWARN;

		/*
		 * Above what the request needs the attempt is speculative, as
		 * SLUB's higher orders: no reclaim or compaction, no kswapd,
		 * no reserves (atomic callers' high-atomic ones included).
		 */
		if (order > min_order)
			g = (g | __GFP_NORETRY | __GFP_NOMEMALLOC) &
			    ~(__GFP_RECLAIM | __GFP_HIGH | MA_GFP_ATOMIC_FLAG |
			      __GFP_NOFAIL);
		page = alloc_pages(g, order);
		if (page || order == min_order)
			break;
	}
	if (!page)
		return ERR_PTR(-ENOMEM);

	meta_size = struct_size(ha, spans, 1UL << order) +
		    BITS_TO_LONGS(1UL << order) * sizeof(long);
	meta_order = get_order(meta_size);
	meta = alloc_pages(gfp | __GFP_ZERO | __GFP_NOWARN, meta_order);
	if (!meta)
		goto out_free_pages;
	ha = page_address(meta);
	ha->base = (unsigned long)page_address(page);
	ha->page = page;
	ha->meta_page = meta;
	ha->order = order;
	ha->meta_order = meta_order;
	ha->released = (unsigned long *)&ha->spans[1UL << order];

	ma_index_key(ha->base, &l1, &l2, &l3);
	if (l1 >= ma_index_l1_size) {
		err = -ERANGE;
		goto out_free_meta;
	}
	/*
	 * Index nodes are never freed before module exit: a node seen here
	 * is still there under the lock.  Allocate what is missing now.
	 */
	if (!READ_ONCE(ma_index[l1])) {
		mid = (void *)get_zeroed_page(gfp);
		leaf = (void *)get_zeroed_page(gfp);
		if (!mid || !leaf)
			goto out_free_nodes;
	} else if (!READ_ONCE(ma_index[l1]->leaf[l2])) {
		leaf = (void *)get_zeroed_page(gfp);
		if (!leaf)
			goto out_free_nodes;
	}

	/* One for the arena's free span, two for the carve's leftovers. */
	if (ma_spanalloc_reserve(3, gfp))
		goto out_free_nodes;
	/* From now on its pages are given back one by one, if need be. */
	split_page(page, order);
	split = true;

	ma_heap_lock(&flags);
	s = ma_spanalloc_get();
	if (!s) {
		ma_heap_unlock(flags);
		goto out_free_nodes;
	}
	s->harena = ha;
	s->base = ha->base;
	s->npages = 1U << order;
	ma_free_add(s);
	list_add(&ha->node, &ma_heap.arenas);	/* no page in use */
	ma_heap.narenas++;
	/*
	 * As Go: capacity given back earlier is reused first (it moves from
	 * HeapReleased back to the retained heap); HeapSys grows only by the
	 * rest.
	 */
	reuse = min_t(u64, ma_heap.released, PAGE_SIZE << order);
	ma_heap.released -= reuse;
	ma_heap.sys += (PAGE_SIZE << order) - reuse;
	ma_heap.gc_sys += PAGE_SIZE << meta_order;
	/* Publish last: lookups may find the arena from now on. */
	ma_index_set(ha, ha, &mid, &leaf);
	span = ma_heap_carve(npages, align, state);
	ma_heap_unlock(flags);

	if (mid)
		free_page((unsigned long)mid);
	if (leaf)
		free_page((unsigned long)leaf);
	ma_scav_heap_grew();
	/* The arena fits @npages at @align: only -EAGAIN can be left. */
	return span ?: ERR_PTR(-EAGAIN);

out_free_nodes:
	if (mid)
		free_page((unsigned long)mid);
	if (leaf)
		free_page((unsigned long)leaf);
out_free_meta:
	__free_pages(meta, meta_order);
out_free_pages:
	if (split)
		ma_free_page_range(page, 1U << order);
	else
		__free_pages(page, order);
	return ERR_PTR(err);
}

/**
 * ma_heap_alloc() - allocate a span of pages from the heap
 * @npages: pages in the span, 1 .. MA_ARENA_MAX_PAGES
 * @align: alignment in pages, a power of two
 * @state: MA_SPAN_INIT for a small-object span, MA_SPAN_LARGE
 * @gfp: how the heap may grow if no free span fits
 *
 * Context: Any context the @gfp flags allow; takes and drops ma_heap.lock.
 * Return: the span, or NULL if no memory could be obtained.
 */
struct ma_span *ma_heap_alloc(unsigned int npages, unsigned int align,
			      u8 state, gfp_t gfp)
{
	unsigned int grown = 0, tries;
	bool trimmed = false;
	unsigned long flags;
	struct ma_span *s;

	gfp &= MA_GFP_ALLOWED;

	/*
	 * Bounded: other CPUs may take the span structures we reserved
	 * (-EAGAIN: reserve again, do not grow; after growing, carve again
	 * from what the heap has, the new arena included).
	 */
	for (tries = 0; tries < MA_HEAP_ALLOC_TRIES; tries++) {
		/* Unlocked peek: ma_heap_carve() checks again under the lock. */
		if (READ_ONCE(ma_heap.spanalloc.nfree) < 2 &&
		    ma_spanalloc_reserve(2, gfp))
			return NULL;
		ma_heap_lock(&flags);
		s = ma_heap_carve(npages, align, state);
		ma_heap_unlock(flags);
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
			if (ma_central_trim_all())
				continue;
		}
		/* A new arena is aligned to its size, so to @align. */
		if (grown++ == MA_HEAP_GROW_TRIES)
			return NULL;
		s = ma_heap_grow(npages, align, state, gfp);
		if (!IS_ERR(s))
			return s;
		if (PTR_ERR(s) != -EAGAIN)
			return NULL;
	}
	return NULL;
}

/*
 * Merge @s with its left and right neighbours in @state (FREE: off their
 * free lists), found through the boundary tags.  The caller lists @s and
 * sets its tags.
 */
static void ma_span_absorb(struct ma_span *s, u8 state)
{
	struct ma_heap_arena *ha = s->harena;
	unsigned int first = ma_span_first_page(s);
	unsigned int last = first + s->npages;
	struct ma_span *t;

	lockdep_assert_held(&ma_heap.lock);
	if (first) {
		t = ha->spans[first - 1];
		if (t && t->state == state && t->harena == ha &&
		    t->base + ((unsigned long)t->npages << PAGE_SHIFT) == s->base) {
			if (state == MA_SPAN_FREE)
				ma_free_del(t);
			s->base = t->base;
			s->npages += t->npages;
			ma_spanalloc_put(t);
		}
	}
	if (last < (1U << ha->order)) {
		t = ha->spans[last];
		if (t && t->state == state && t->harena == ha &&
		    t->base == s->base + ((unsigned long)s->npages << PAGE_SHIFT)) {
			if (state == MA_SPAN_FREE)
				ma_free_del(t);
			s->npages += t->npages;
			ma_spanalloc_put(t);
		}
	}
}

static void ma_heap_free_locked(struct ma_span *s)
{
	lockdep_assert_held(&ma_heap.lock);
	ma_heap.inuse -= (u64)s->npages << PAGE_SHIFT;
	ma_arena_inuse_sub(s->harena, s->npages);
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
 * Context: Any context; takes ma_heap.lock (irq-safe).
 */
void ma_heap_free(struct ma_span *s)
{
	unsigned long flags;

	ma_heap_lock(&flags);
	ma_heap_free_locked(s);
	ma_heap_unlock(flags);
}

/**
 * ma_heap_free_list() - ma_heap_free() for every span on a list
 * @spans: spans linked through their @list; the list is left empty
 *
 * Context: Any context; takes ma_heap.lock once per MA_FREE_BATCH spans.
 */
void ma_heap_free_list(struct list_head *spans)
{
	unsigned long flags;
	struct ma_span *s;
	unsigned int n;

	while (!list_empty(spans)) {
		ma_heap_lock(&flags);
		for (n = 0; n < MA_FREE_BATCH && !list_empty(spans); n++) {
			s = list_first_entry(spans, struct ma_span, list);
			list_del(&s->list);
			ma_heap_free_locked(s);
		}
		ma_heap_unlock(flags);
	}
}

/* Take every span of an arena without a page in use off the heap's lists. */
static void ma_heap_arena_unlink(struct ma_heap_arena *ha)
{
	unsigned int p = 0, n = 1U << ha->order;
	struct ma_span *s;

	lockdep_assert_held(&ma_heap.lock);
	/* Only free and released spans: their first page is a boundary tag. */
	while (p < n) {
		s = ha->spans[p];
		p += s->npages;
		if (s->state == MA_SPAN_FREE)
			ma_free_del(s);
		ma_spanalloc_put(s);
	}
}

/**
 * ma_heap_release_one() - take one heap arena without a page in use out
 * of the heap
 * @max_bytes: give back at most this many bytes held from the page
 *	allocator (an arena made of released spans only is always taken)
 * @bytes: set to the bytes it held (the pages not released before)
 * @pause_ns: incremented by the time ma_heap.lock was held
 *
 * Looks at most at MA_RELEASE_SCAN arenas (bounded work under the lock).
 * The arena's spans leave the heap, the arena leaves the arena list and
 * the index, and its bytes move to HeapReleased (they stay in HeapSys, as
 * Go counts released address space).  The caller frees it with
 * ma_heap_arena_free() after an RCU grace period, since lockless lookups
 * (bad frees) may still be reading its span table.
 *
 * Context: Any context; takes ma_heap.lock.
 * Return: the arena, or NULL if none without a page in use fits.
 */
struct ma_heap_arena *ma_heap_release_one(u64 max_bytes, u64 *bytes,
					  u64 *pause_ns)
{
	struct ma_index_mid *mid = NULL;
	struct ma_index_leaf *leaf = NULL;
	struct ma_heap_arena *ha, *found = NULL;
	unsigned int seen = 0;
	unsigned long flags;
	u64 t0, held = 0;

	t0 = ktime_get_ns();
	ma_heap_lock(&flags);
	list_for_each_entry(ha, &ma_heap.arenas, node) {
		if (ha->inuse_pages || seen++ == MA_RELEASE_SCAN)
			break;
		held = (u64)((1U << ha->order) - ha->released_pages) << PAGE_SHIFT;
		if (held <= max_bytes) {
			found = ha;
			break;
		}
	}
	if (found) {
		ha = found;
		ma_heap_arena_unlink(ha);
		list_del(&ha->node);
		ma_heap.narenas--;
		ma_heap.released += held;
		ma_heap.gc_sys -= PAGE_SIZE << ha->meta_order;
		/* The path exists: ma_index_set() needs no new node. */
		ma_index_set(ha, NULL, &mid, &leaf);
		*bytes = held;
	}
	ma_heap_unlock(flags);
	*pause_ns += ktime_get_ns() - t0;
	return found;
}

/**
 * ma_heap_arena_free() - give a released heap arena to the page allocator
 * @ha: from ma_heap_release_one(), after an RCU grace period
 *
 * Its pages that were not released before go back, then its metadata.
 *
 * Context: Any context but NMI (an RCU callback, from the shrinker).
 */
void ma_heap_arena_free(struct ma_heap_arena *ha)
{
	unsigned int n = 1U << ha->order, i = 0, end;

	for (;;) {
		i = find_next_zero_bit(ha->released, n, i);
		if (i >= n)
			break;
		end = find_next_bit(ha->released, n, i);
		ma_free_page_range(ha->page + i, end - i);
		i = end;
	}
	__free_pages(ha->meta_page, ha->meta_order);
}

static void ma_heap_arena_free_cb(struct rcu_head *head)
{
	ma_heap_arena_free(container_of(head, struct ma_heap_arena, rcu));
}

/**
 * ma_heap_arena_free_rcu() - ma_heap_arena_free() after a grace period
 * @ha: from ma_heap_release_one()
 *
 * For memory reclaim, which must not wait for the grace period.
 *
 * Context: Any context but NMI.
 */
void ma_heap_arena_free_rcu(struct ma_heap_arena *ha)
{
	call_rcu(&ha->rcu, ma_heap_arena_free_cb);
}

/* Make a free span (off the free lists) a released one, merging holes. */
static void ma_released_add(struct ma_span *s)
{
	struct ma_heap_arena *ha = s->harena;
	unsigned int first = ma_span_first_page(s);

	lockdep_assert_held(&ma_heap.lock);
	bitmap_set(ha->released, first, s->npages);
	ha->released_pages += s->npages;
	ma_heap.released += (u64)s->npages << PAGE_SHIFT;
	WRITE_ONCE(s->state, MA_SPAN_RELEASED);
	ma_span_absorb(s, MA_SPAN_RELEASED);
	first = ma_span_first_page(s);
	WRITE_ONCE(ha->spans[first], s);
	WRITE_ONCE(ha->spans[first + s->npages - 1], s);
}

/**
 * ma_heap_release_pages() - take runs of free pages out of the heap
 * @want: bytes to take, rounded up to pages
 * @runs: where to store the runs taken
 * @max: room in @runs; at most MA_RELEASE_SCAN are taken per call
 * @bytes: set to the bytes taken
 * @pause_ns: incremented by the time ma_heap.lock was held
 *
 * Takes the largest free spans first, and of a span larger than what is
 * still wanted only its top pages.  They become released spans (holes
 * in their arena, HeapReleased); the caller gives each run to the page
 * allocator with ma_heap_free_run() after an RCU grace period.
 *
 * Context: Process context (may allocate span structures); takes
 * ma_heap.lock once.
 * Return: the number of runs stored, 0 if the heap has no free page.
 */
unsigned int ma_heap_release_pages(u64 want, struct ma_page_run *runs,
				   unsigned int max, u64 *bytes, u64 *pause_ns)
{
	unsigned int n = 0, i, take;
	struct ma_span *s, *t;
	unsigned long flags;
	u64 t0;

	*bytes = 0;
	max = min_t(unsigned int, max, MA_RELEASE_SCAN);
	/*
	 * A split needs a structure; without, whole spans are still taken.
	 * May run in reclaim (the shrinker): no reserves, no warning.
	 */
	ma_spanalloc_reserve(max, GFP_NOWAIT | __GFP_NOWARN);

	t0 = ktime_get_ns();
	ma_heap_lock(&flags);
	while (n < max && want) {
		i = find_last_bit(ma_heap.nonempty, MA_ARENA_MAX_PAGES);
		if (i >= MA_ARENA_MAX_PAGES)
			break;
		s = list_first_entry(&ma_heap.free[i], struct ma_span, list);
		/* Pages wanted, rounded up (without overflow: @want may be ~0). */
		take = min_t(u64, s->npages,
			     (want >> PAGE_SHIFT) + !!(want & ~PAGE_MASK));
		t = NULL;
		if (take < s->npages) {
			t = ma_spanalloc_get();
			if (!t)
				take = s->npages;
		}
		ma_free_del(s);
		if (take < s->npages) {
			/* @s keeps its low pages free, @t is the top ones. */
			s->npages -= take;
			ma_free_add(s);
			t->harena = s->harena;
			t->base = s->base + ((unsigned long)s->npages << PAGE_SHIFT);
			t->npages = take;
			t->owner = NULL;
			t->central = NULL;
			s = t;
		}
		runs[n].page = s->harena->page + ma_span_first_page(s);
		runs[n].npages = take;
		n++;
		ma_released_add(s);
		*bytes += (u64)take << PAGE_SHIFT;
		want -= min_t(u64, want, (u64)take << PAGE_SHIFT);
	}
	ma_heap_unlock(flags);
	*pause_ns += ktime_get_ns() - t0;
	return n;
}

/**
 * ma_heap_free_run() - give a run of released pages to the page allocator
 * @run: from ma_heap_release_pages(), after an RCU grace period
 *
 * Context: Any context.
 */
void ma_heap_free_run(const struct ma_page_run *run)
{
	ma_free_page_range(run->page, run->npages);
}

/*
 * A run waiting for its grace period carries this in its first page:
 * its pages are memarena's until the callback, and only a racing bad
 * free's lookup may still read them.
 */
struct ma_run_rcu {
	struct rcu_head rcu;
	unsigned int npages;
};

static void ma_heap_free_run_cb(struct rcu_head *head)
{
	struct ma_run_rcu *r = container_of(head, struct ma_run_rcu, rcu);

	ma_free_page_range(virt_to_page(r), r->npages);
}

/**
 * ma_heap_free_run_rcu() - ma_heap_free_run() after a grace period
 * @run: from ma_heap_release_pages()
 *
 * For memory reclaim, which must not wait for the grace period.
 *
 * Context: Any context but NMI.
 */
void ma_heap_free_run_rcu(const struct ma_page_run *run)
{
	struct ma_run_rcu *r = page_address(run->page);

	/* RCU reads the head: valid for KASAN, the rest stays as it was. */
	ma_kasan_unpoison(r, sizeof(*r), sizeof(*r));
	r->npages = run->npages;
	call_rcu(&r->rcu, ma_heap_free_run_cb);
}

/**
 * ma_heap_init() - set up the page heap and the arena index
 *
 * Context: Process context, may sleep.
 * Return: 0, or -ENOMEM.
 */
int ma_heap_init(void)
{
	unsigned long top;
	unsigned int i;

	memset(&ma_heap, 0, sizeof(ma_heap));
	spin_lock_init(&ma_heap.lock);
	seqcount_spinlock_init(&ma_heap.seq, &ma_heap.lock);
	for (i = 0; i < MA_ARENA_MAX_PAGES; i++)
		INIT_LIST_HEAD(&ma_heap.free[i]);
	bitmap_zero(ma_heap.nonempty, MA_ARENA_MAX_PAGES);
	INIT_LIST_HEAD(&ma_heap.arenas);
	INIT_LIST_HEAD(&ma_heap.spanalloc.free);
	INIT_LIST_HEAD(&ma_heap.spanalloc.chunks);
	for (i = 0; i < MA_NUM_SIZE_CLASSES; i++)
		ma_central_init(&ma_heap.central[i], i, NULL);

	/*
	 * The top level covers the direct map up to high_memory, 64 GiB per
	 * entry (8 bytes for a machine of up to 64 GiB).  Memory hot-added
	 * above it cannot become a heap arena: ma_heap_grow() gives such a
	 * block back and fails.
	 */
	top = (unsigned long)high_memory - PAGE_OFFSET;
	ma_index_l1_size = DIV_ROUND_UP(top, 1UL << (MA_ARENA_MIN_SHIFT +
						   2 * MA_INDEX_NODE_BITS));
	ma_index = kcalloc(ma_index_l1_size, sizeof(*ma_index), GFP_KERNEL);
	if (!ma_index)
		return -ENOMEM;
	ma_heap.gc_sys = ma_index_l1_size * sizeof(*ma_index);
	return 0;
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
	struct ma_heap_arena *ha, *tmp;
	struct page *page, *ptmp;
	unsigned long leaked = 0, l1, l2;

	list_for_each_entry_safe(ha, tmp, &ma_heap.arenas, node) {
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
		pr_warn("memarena: %lu bytes of heap still hold objects at unload; left allocated\n",
			leaked);

	list_for_each_entry_safe(page, ptmp, &ma_heap.spanalloc.chunks, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	for (l1 = 0; l1 < ma_index_l1_size; l1++) {
		if (!ma_index[l1])
			continue;
		for (l2 = 0; l2 < MA_INDEX_NODE_SIZE; l2++)
			if (ma_index[l1]->leaf[l2])
				free_page((unsigned long)ma_index[l1]->leaf[l2]);
		free_page((unsigned long)ma_index[l1]);
	}
	kfree(ma_index);
	ma_index = NULL;
}
