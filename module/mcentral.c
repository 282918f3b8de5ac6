// SPDX-License-Identifier: GPL-2.0
/*
 * Central free lists, Go's mcentral: for one size class, the spans that
 * still have free objects (partial) and those that have none (full), under
 * one lock.  Per-CPU caches refill from and flush to a central in
 * batches, so its lock is taken once per batch, not once per object.
 * Each node's heap has a central per class, and each user arena has
 * centrals of its own.  See malloc.c.
 */

#include "memarena.h"

u64 ma_central_hold_max_ns;
module_param_named(central_lock_max_hold_ns, ma_central_hold_max_ns, ullong, 0644);
MODULE_PARM_DESC(central_lock_max_hold_ns,
		 "Longest hold of a central list's lock seen, ns (write 0 to start again)");

/**
 * ma_central_init() - initialise an empty central
 * @c: the central
 * @class: its size class
 * @owner: the user arena it belongs to, NULL for a node's heap
 * @heap: the node's heap it belongs to, NULL for a user arena
 *
 * Context: Any context.
 */
void ma_central_init(struct ma_central *c, unsigned int class,
		     struct memarena_arena *owner, struct ma_heap *heap)
{
	spin_lock_init(&c->lock);
	INIT_LIST_HEAD(&c->partial);
	INIT_LIST_HEAD(&c->full);
	INIT_LIST_HEAD(&c->empty);
	c->nempty = 0;
	/* Class 0 (large objects) has no central use and no span size. */
	c->empty_max = owner || !class ? 0 :
		       max(1U, MA_CENTRAL_EMPTY_BYTES / ma_class_span_bytes[class]);
	c->nspans = 0;
	c->class = class;
	c->owner = owner;
	c->heap = heap;
}

/* Alignment of a class's spans, in pages: see malloc.c, "Alignment". */
static unsigned int ma_class_align(unsigned int class)
{
	unsigned int size = ma_class_size[class];

	if (size > PAGE_SIZE && is_power_of_2(size))
		return size >> PAGE_SHIFT;
	return 1;
}

static unsigned int ma_central_take(struct ma_central *c, void **objs,
				    unsigned int n)
{
	struct ma_span *s;
	unsigned int got = 0;

	lockdep_assert_held(&c->lock);
	while (got < n) {
		s = list_first_entry_or_null(&c->partial, struct ma_span, list);
		if (!s && c->nempty) {
			s = list_first_entry(&c->empty, struct ma_span, list);
			list_move(&s->list, &c->partial);
			WRITE_ONCE(c->nempty, c->nempty - 1);
		}
		if (!s)
			break;
		got += ma_span_take(s, objs + got, n - got);
		if (s->nalloc == s->nelems)
			list_move(&s->list, &c->full);
	}
	return got;
}

/**
 * ma_central_refill() - take free objects of the central's class
 * @c: the central
 * @objs: where to store them
 * @n: how many are wanted, at least 1
 * @gfp: how to get a new span if no listed span has a free object
 *
 * Objects taken are marked allocated in their span and keep their free
 * cookie; the caller clears it when it hands one to a user.
 *
 * Context: Any context @gfp allows; no memarena lock held.
 * Return: the number of objects stored, between 1 and @n, or 0 if no
 * memory could be obtained.
 */
unsigned int ma_central_refill(struct ma_central *c, void **objs,
			       unsigned int n, gfp_t gfp)
{
	unsigned long flags;
	struct ma_span *s;
	unsigned int got;

	/*
	 * An unlocked peek saves a lock round trip when the class needs a
	 * new span; one that misses a span just listed only grows a span
	 * early.
	 */
	if (!list_empty(&c->partial) || READ_ONCE(c->nempty)) {
		ma_central_lock(c, &flags);
		got = ma_central_take(c, objs, n);
		ma_central_unlock(c, flags);
		if (got)
			return got;
	}

	/*
	 * A node's central takes spans of its own heap only (memarena.h,
	 * struct ma_mcache); a user arena's, of the allocating CPU's node
	 * first.
	 */
	s = ma_heap_alloc(c->heap ?: ma_local_heap(), MA_SPAN_PAGES(c->class),
			  ma_class_align(c->class), MA_SPAN_INIT,
			  c->heap ? gfp | __GFP_THISNODE : gfp);
	if (!s)
		return 0;
	ma_span_init_small(s, c->class, c);

	ma_central_lock(c, &flags);
	list_add(&s->list, &c->partial);
	c->nspans++;
	got = ma_central_take(c, objs, n);
	ma_central_unlock(c, flags);
	return got;
}

/* Move @s between @c's lists after a put; @was_full: it was before. */
static void ma_central_relist(struct ma_central *c, struct ma_span *s,
			      bool was_full, struct list_head *empty)
{
	if (!s->nalloc && c->nempty < c->empty_max) {
		list_move(&s->list, &c->empty);
		WRITE_ONCE(c->nempty, c->nempty + 1);
	} else if (!s->nalloc) {
		list_move(&s->list, empty);
		c->nspans--;
	} else if (was_full) {
		list_move(&s->list, &c->partial);
	}
}

/* Put one object back; move its span as its fill changes. */
static bool ma_central_put(struct ma_central *c, struct ma_span *s, void *p,
			   struct list_head *empty)
{
	bool was_full = s->nalloc == s->nelems;

	lockdep_assert_held(&c->lock);
	if (!ma_span_put(s, p))
		return false;
	ma_central_relist(c, s, was_full, empty);
	return true;
}

/**
 * ma_central_flush() - return free objects to their spans
 * @objs: the objects, each carrying its free cookie, of nodes' centrals
 *	(runs of one central: a CPU's stack is of one)
 * @n: how many
 *
 * Spans left without any allocated object go back to the heap.
 *
 * Context: Any context; may be called with the caller's per-CPU cache
 * lock held (lock order: mcache, central, heap).
 */
void ma_central_flush(void **objs, unsigned int n)
{
	struct ma_central *c;
	unsigned long flags, len;
	struct ma_span *s;
	unsigned int i = 0, j;
	LIST_HEAD(empty);
	bool was_full;

	while (i < n) {
		s = ma_span_of(objs[i]);
		c = s->central;
		ma_central_lock(c, &flags);
		while (i < n) {
			/*
			 * Neighbours in a stack often share a span: put each
			 * run of one span at once.  A run ends inside the
			 * span's pages, so no object is looked at after its
			 * span went back to the heap.
			 */
			len = (unsigned long)s->npages << PAGE_SHIFT;
			for (j = i + 1; j < n; j++)
				if ((unsigned long)objs[j] - s->base >= len)
					break;
			was_full = s->nalloc == s->nelems;
			/* Checked when each object was freed: cannot fail. */
			WARN_ON_ONCE(ma_span_put_run(s, objs + i, j - i));
			ma_central_relist(c, s, was_full, &empty);
			i = j;
			if (i == n)
				break;
			s = ma_span_of(objs[i]);
			if (s->central != c)
				break;
		}
		ma_central_unlock(c, flags);
	}
	ma_heap_free_list(&empty);
}

/**
 * ma_central_free_one() - free one object of a central without a cache
 * @c: the object's central (a user arena's)
 * @s: the object's span
 * @p: the object, already carrying its free cookie
 * @empty: receives @s if it is left without objects; the caller counts
 *	the free, then gives the list to ma_heap_free_list()
 *
 * Context: Any context.
 * Return: false if @p was not allocated (a double free): nothing changed.
 */
bool ma_central_free_one(struct ma_central *c, struct ma_span *s, void *p,
			 struct list_head *empty)
{
	unsigned long flags;
	bool ok;

	ma_central_lock(c, &flags);
	/* The caller's view may be stale (a racing bad free): check again. */
	ok = READ_ONCE(s->central) == c && s->state == MA_SPAN_SMALL &&
	     ma_central_put(c, s, p, empty);
	ma_central_unlock(c, flags);
	return ok;
}

/* The checkers (checkers.h): a released span's live objects are freed. */
static void ma_central_forget_objects(struct ma_span *s)
{
	size_t size = ma_class_size[s->class];
	unsigned int i;

	if (!MA_CHECKERS)
		return;
	for (i = find_next_bit(s->allocbits, s->nelems, 0); i < s->nelems;
	     i = find_next_bit(s->allocbits, s->nelems, i + 1))
		ma_checkers_free((void *)s->base + i * size, size);
	ma_kasan_poison_free((void *)s->base, (size_t)s->npages << PAGE_SHIFT);
}

/**
 * ma_central_release_all() - free every span of a central at once
 * @c: the central (of a user arena being destroyed)
 *
 * Objects still allocated are counted as freed before their spans leave
 * HeapInuse (the statistics contract in stats.c).  The central's lock is
 * held for constant time, the heap's for MA_FREE_BATCH spans at a time.
 *
 * Context: Any context; nobody else may use @c any more.
 * Return: the number of objects that were still allocated.
 */
u64 ma_central_release_all(struct ma_central *c)
{
	unsigned long flags;
	struct ma_span *s;
	LIST_HEAD(spans);
	u64 n = 0;

	/* Constant work under the lock; the spans are counted after. */
	ma_central_lock(c, &flags);
	list_splice_init(&c->partial, &spans);
	list_splice_init(&c->full, &spans);
	list_splice_init(&c->empty, &spans);
	WRITE_ONCE(c->nempty, 0);
	c->nspans = 0;
	ma_central_unlock(c, flags);
	list_for_each_entry(s, &spans, list) {
		n += s->nalloc;
		ma_central_forget_objects(s);
	}
	if (n)
		ma_mcache_count(c->class, -(long)n, 0);
	if (want_init_on_free())
		list_for_each_entry(s, &spans, list)
			memset((void *)s->base, 0, (size_t)s->npages << PAGE_SHIFT);
	ma_heap_free_list(&spans);
	return n;
}

/**
 * ma_central_trim_heap() - give a node's centrals' empty spans to its heap
 * @h: the heap
 *
 * Context: Any context; takes each central's lock, then @h->lock, once
 * per class that keeps a span.
 * Return: the number of spans given back.
 */
unsigned long ma_central_trim_heap(struct ma_heap *h)
{
	unsigned long flags, n = 0;
	struct ma_central *c;
	unsigned int cls;
	LIST_HEAD(spans);

	for (cls = 1; cls < MA_NUM_SIZE_CLASSES; cls++) {
		c = &h->central[cls];
		if (!READ_ONCE(c->nempty))
			continue;
		ma_central_lock(c, &flags);
		list_splice_init(&c->empty, &spans);
		n += c->nempty;
		c->nspans -= c->nempty;
		WRITE_ONCE(c->nempty, 0);
		ma_central_unlock(c, flags);
		ma_heap_free_list(&spans);
	}
	return n;
}

/**
 * ma_central_trim_all() - ma_central_trim_heap() for every node
 *
 * Context: As ma_central_trim_heap().
 * Return: the number of spans given back.
 */
unsigned long ma_central_trim_all(void)
{
	unsigned long n = 0;
	struct ma_heap *h;

	for (h = ma_heap_next(NULL); h; h = ma_heap_next(h))
		n += ma_central_trim_heap(h);
	return n;
}

/**
 * ma_central_empty_bytes() - bytes of the empty spans the centrals keep
 * @h: the heap of one node, NULL for all of them
 *
 * A racy sum, for the scavenger's decisions and the shrinker's count.
 *
 * Context: Any context.
 * Return: the bytes, counted in HeapInuse, that ma_central_trim_heap()
 * would give back to the heap.
 */
u64 ma_central_empty_bytes(struct ma_heap *h)
{
	unsigned int cls;
	u64 bytes = 0;

	if (!h) {
		for (h = ma_heap_next(NULL); h; h = ma_heap_next(h))
			bytes += ma_central_empty_bytes(h);
		return bytes;
	}
	for (cls = 1; cls < MA_NUM_SIZE_CLASSES; cls++)
		bytes += (u64)READ_ONCE(h->central[cls].nempty) *
			 ma_class_span_bytes[cls];
	return bytes;
}
