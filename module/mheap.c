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
 */

#include "memarena.h"

/* How often ma_heap_alloc() retries when other CPUs take what it got. */
#define MA_HEAP_ALLOC_TRIES	64
#define MA_HEAP_GROW_TRIES	4
/* Free spans of arena size looked at per lock hold when releasing. */
#define MA_RELEASE_SCAN		32

struct ma_heap ma_heap;
struct ma_index_mid **ma_index;
unsigned long ma_index_l1_size;

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
	f->nfree--;
	f->inuse++;
	return s;
}

static void ma_spanalloc_put(struct ma_span *s)
{
	struct ma_fixalloc *f = &ma_heap.spanalloc;

	lockdep_assert_held(&ma_heap.lock);
	WRITE_ONCE(s->state, MA_SPAN_DEAD);
	list_add(&s->list, &f->free);
	f->nfree++;
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
		f->nfree += MA_SPANS_PER_CHUNK;
		ma_heap_unlock(flags);
	}
}

/* --- free span lists ---------------------------------------------------- */

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
	struct ma_span *s = NULL, *t;
	unsigned int i, first, pre, post;
	bool found = false;

	lockdep_assert_held(&ma_heap.lock);
	if (ma_heap.spanalloc.nfree < 2)
		return ERR_PTR(-EAGAIN);

	for (i = find_next_bit(ma_heap.nonempty, MA_ARENA_MAX_PAGES, npages - 1);
	     i < MA_ARENA_MAX_PAGES && !found;
	     i = find_next_bit(ma_heap.nonempty, MA_ARENA_MAX_PAGES, i + 1)) {
		list_for_each_entry(s, &ma_heap.free[i], list) {
			start = ALIGN(s->base, (unsigned long)align << PAGE_SHIFT);
			end = s->base + ((unsigned long)s->npages << PAGE_SHIFT);
			if (start + bytes <= end) {
				found = true;
				break;
			}
		}
	}
	if (!found)
		return NULL;

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
	for (i = 0; i < n; i++)
		smp_store_release(&lf->arena[l3 + i], val); /* see above */
}

/* --- growing the heap ---------------------------------------------------- */

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
	while (order < MA_ARENA_MAX_ORDER && (1U << order) < npages)
		order++;
	return order;
}

static int ma_heap_grow(unsigned int npages, gfp_t gfp)
{
	unsigned int order, min_order, meta_order;
	struct ma_index_mid *mid = NULL;
	struct ma_index_leaf *leaf = NULL;
	struct ma_heap_arena *ha;
	struct page *page = NULL, *meta;
	unsigned long flags, l1, l2, l3;
	struct ma_span *s;
	size_t meta_size;
	int err = -ENOMEM;
	u64 reuse;

	min_order = max_t(unsigned int, MA_ARENA_MIN_ORDER, order_base_2(npages));
	if (min_order > MA_ARENA_MAX_ORDER)
		return -E2BIG;
	/* Big first; fall back to smaller blocks under fragmentation. */
	for (order = max(ma_heap_grow_order(npages), min_order); ; order--) {
		gfp_t g = gfp | __GFP_NOWARN;

		if (order > min_order)
			g = (g | __GFP_NORETRY) & ~__GFP_NOFAIL;
		page = alloc_pages(g, order);
		if (page || order == min_order)
			break;
	}
	if (!page)
		return -ENOMEM;

	meta_size = struct_size(ha, spans, 1UL << order);
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

	if (ma_spanalloc_reserve(1, gfp))
		goto out_free_nodes;

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
	list_add_tail(&ha->node, &ma_heap.arenas);
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
	ma_heap_unlock(flags);

	if (mid)
		free_page((unsigned long)mid);
	if (leaf)
		free_page((unsigned long)leaf);
	ma_scav_heap_grew();
	return 0;

out_free_nodes:
	if (mid)
		free_page((unsigned long)mid);
	if (leaf)
		free_page((unsigned long)leaf);
out_free_meta:
	__free_pages(meta, meta_order);
out_free_pages:
	__free_pages(page, order);
	return err;
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
	unsigned long flags;
	struct ma_span *s;

	/* Zone, zeroing and compound flags are memarena's business. */
	gfp &= ~(__GFP_ZERO | __GFP_HIGHMEM | __GFP_MOVABLE | __GFP_COMP);

	/*
	 * Bounded: other CPUs may take the span structures we reserved
	 * (-EAGAIN: reserve again, do not grow) or the arena we added (grow
	 * again, a few times).
	 */
	for (tries = 0; tries < MA_HEAP_ALLOC_TRIES; tries++) {
		if (ma_spanalloc_reserve(2, gfp))
			return NULL;
		ma_heap_lock(&flags);
		s = ma_heap_carve(npages, align, state);
		ma_heap_unlock(flags);
		if (s == ERR_PTR(-EAGAIN))
			continue;
		if (s)
			return s;
		/* A new arena is aligned to its size, so to @align. */
		if (grown++ == MA_HEAP_GROW_TRIES || ma_heap_grow(npages, gfp))
			return NULL;
	}
	return NULL;
}

static void ma_heap_free_locked(struct ma_span *s)
{
	struct ma_heap_arena *ha = s->harena;
	unsigned int first = ma_span_first_page(s);
	unsigned int last = first + s->npages;
	struct ma_span *t;

	lockdep_assert_held(&ma_heap.lock);
	ma_heap.inuse -= (u64)s->npages << PAGE_SHIFT;
	s->owner = NULL;
	s->central = NULL;

	if (first) {
		t = ha->spans[first - 1];
		if (t && t->state == MA_SPAN_FREE && t->harena == ha &&
		    t->base + ((unsigned long)t->npages << PAGE_SHIFT) == s->base) {
			ma_free_del(t);
			s->base = t->base;
			s->npages += t->npages;
			ma_spanalloc_put(t);
		}
	}
	if (last < (1U << ha->order)) {
		t = ha->spans[last];
		if (t && t->state == MA_SPAN_FREE && t->harena == ha &&
		    t->base == s->base + ((unsigned long)s->npages << PAGE_SHIFT)) {
			ma_free_del(t);
			s->npages += t->npages;
			ma_spanalloc_put(t);
		}
	}
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
 * Context: Any context; takes ma_heap.lock once.
 */
void ma_heap_free_list(struct list_head *spans)
{
	struct ma_span *s, *tmp;
	unsigned long flags;

	if (list_empty(spans))
		return;
	ma_heap_lock(&flags);
	list_for_each_entry_safe(s, tmp, spans, list) {
		list_del(&s->list);
		ma_heap_free_locked(s);
	}
	ma_heap_unlock(flags);
}

/**
 * ma_heap_release_one() - take one entirely free heap arena out of the heap
 * @pause_ns: incremented by the time ma_heap.lock was held
 *
 * Looks at most at MA_RELEASE_SCAN free spans of arena size (bounded work
 * under the lock).  The arena is unlinked from the free lists, the arena
 * list and the index, and its bytes move to HeapReleased (they stay in
 * HeapSys, as Go counts released address space).  The caller frees it
 * with ma_heap_arena_free() after an RCU grace period, since lockless
 * lookups (bad frees) may still be reading its span table.
 *
 * Context: Any context; takes ma_heap.lock.
 * Return: the arena, or NULL if none is entirely free.
 */
struct ma_heap_arena *ma_heap_release_one(u64 *pause_ns)
{
	struct ma_index_mid *mid = NULL;
	struct ma_index_leaf *leaf = NULL;
	struct ma_heap_arena *ha = NULL;
	unsigned int order, seen = 0;
	unsigned long flags;
	struct ma_span *s;
	u64 t0;

	t0 = ktime_get_ns();
	ma_heap_lock(&flags);
	for (order = MA_ARENA_MAX_ORDER;
	     order >= MA_ARENA_MIN_ORDER && !ha && seen < MA_RELEASE_SCAN;
	     order--) {
		list_for_each_entry(s, &ma_heap.free[(1U << order) - 1], list) {
			if (s->harena->order == order) {
				ha = s->harena;
				break;
			}
			if (++seen >= MA_RELEASE_SCAN)
				break;
		}
	}
	if (ha) {
		ma_free_del(s);
		ma_spanalloc_put(s);
		list_del(&ha->node);
		ma_heap.narenas--;
		ma_heap.released += PAGE_SIZE << ha->order;
		ma_heap.gc_sys -= PAGE_SIZE << ha->meta_order;
		/* The path exists: ma_index_set() needs no new node. */
		ma_index_set(ha, NULL, &mid, &leaf);
	}
	ma_heap_unlock(flags);
	*pause_ns += ktime_get_ns() - t0;
	return ha;
}

/**
 * ma_heap_arena_free() - give a released heap arena to the page allocator
 * @ha: from ma_heap_release_one(), after an RCU grace period
 *
 * Context: Process context.
 */
void ma_heap_arena_free(struct ma_heap_arena *ha)
{
	__free_pages(ha->page, ha->order);
	__free_pages(ha->meta_page, ha->meta_order);
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
	struct ma_span *s;

	list_for_each_entry_safe(ha, tmp, &ma_heap.arenas, node) {
		s = ha->spans[0];
		list_del(&ha->node);
		if (s && s->state == MA_SPAN_FREE &&
		    s->npages == (1U << ha->order))
			__free_pages(ha->page, ha->order);
		else
			leaked += PAGE_SIZE << ha->order;
		__free_pages(ha->meta_page, ha->meta_order);
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
