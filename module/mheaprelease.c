// SPDX-License-Identifier: GPL-2.0
/*
 * Giving a node heap's pages back, for the scavenger (mgcscavenge.c): a
 * heap arena with no page in use leaves the heap whole; otherwise runs
 * of free pages become released spans, holes that stay in their heap arena
 * until it goes.  Physical pages given back cannot be had again at the
 * same address, so a hole is never carved; the heap grows into new heap
 * arenas instead, reusing the released capacity first (HeapReleased
 * moves back into the retained heap, as in Go).  Everything taken out is
 * given to the page allocator after an RCU grace period: a lockless
 * lookup (a bad free) may still be reading it.  See mheap.c.
 */

#include "memarena.h"

/* Take every span of an idle heap arena off the heap's lists. */
static void ma_heap_arena_unlink(struct ma_heap *h, struct ma_heap_arena *ha)
{
	unsigned int p = 0, n = 1U << ha->order;
	struct ma_span *s;

	lockdep_assert_held(&h->lock);
	/* Only free and released spans: their first page is a boundary tag. */
	while (p < n) {
		s = ha->spans[p];
		p += s->npages;
		if (s->state == MA_SPAN_FREE)
			ma_free_del(s);
		ma_spanalloc_put(h, s);
	}
}

/**
 * ma_heap_release_one() - take one heap arena without a page in use out
 * of a node's heap
 * @h: the heap
 * @max_bytes: give back at most this many bytes held from the page
 *	allocator (a heap arena made of released spans only is always taken)
 * @bytes: set to the bytes it held (the pages not released before)
 * @pause_ns: incremented by the time @h->lock was held
 *
 * Looks at most at MA_RELEASE_SCAN heap arenas (bounded work under the
 * lock).  Its spans leave the heap, it leaves the heap's list and the heap
 * arena index, and its bytes move to HeapReleased (they stay in HeapSys,
 * as Go counts released address space).  The caller frees it with
 * ma_heap_arena_free() after an RCU grace period, since lockless lookups
 * (bad frees) may still be reading its span table.
 *
 * Context: Any context; takes @h->lock.
 * Return: the heap arena, or NULL if none without a page in use fits.
 */
struct ma_heap_arena *ma_heap_release_one(struct ma_heap *h, u64 max_bytes,
					  u64 *bytes, u64 *pause_ns)
{
	struct ma_index_nodes nodes = { };
	struct ma_heap_arena *ha, *found = NULL;
	unsigned int seen = 0;
	unsigned long flags;
	u64 t0, held = 0;

	t0 = ktime_get_ns();
	ma_heap_lock(h, &flags);
	list_for_each_entry(ha, &h->heap_arenas, node) {
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
		ma_heap_arena_unlink(h, ha);
		list_del(&ha->node);
		WRITE_ONCE(h->nheap_arenas, h->nheap_arenas - 1);
		WRITE_ONCE(h->released, h->released + held);
		WRITE_ONCE(h->gc_sys, h->gc_sys - (PAGE_SIZE << ha->meta_order));
		/* The path exists: ma_index_set() needs no new node. */
		ma_index_set(ha, NULL, &nodes);
		*bytes = held;
	}
	ma_heap_unlock(h, flags);
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

	lockdep_assert_held(&ha->heap->lock);
	bitmap_set(ha->released, first, s->npages);
	ha->released_pages += s->npages;
	ha->heap->released += (u64)s->npages << PAGE_SHIFT;
	WRITE_ONCE(s->state, MA_SPAN_RELEASED);
	ma_span_absorb(s, MA_SPAN_RELEASED);
	first = ma_span_first_page(s);
	WRITE_ONCE(ha->spans[first], s);
	WRITE_ONCE(ha->spans[first + s->npages - 1], s);
}

/**
 * ma_heap_release_pages() - take runs of free pages out of a node's heap
 * @h: the heap
 * @want: bytes to take, rounded up to pages
 * @runs: where to store the runs taken
 * @max: room in @runs; at most MA_RELEASE_SCAN are taken per call
 * @bytes: set to the bytes taken
 * @pause_ns: incremented by the time @h->lock was held
 *
 * Takes the largest free spans first, and of a span larger than what is
 * still wanted only its top pages.  They become released spans (holes
 * in their heap arena, HeapReleased); the caller gives each run to the page
 * allocator with ma_heap_free_run() after an RCU grace period.
 *
 * Context: Process context (may allocate span structures); takes
 * @h->lock once.
 * Return: the number of runs stored, 0 if the heap has no free page.
 */
unsigned int ma_heap_release_pages(struct ma_heap *h, u64 want,
				   struct ma_page_run *runs, unsigned int max,
				   u64 *bytes, u64 *pause_ns)
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
	ma_spanalloc_reserve(h, max, GFP_NOWAIT | __GFP_NOWARN);

	t0 = ktime_get_ns();
	ma_heap_lock(h, &flags);
	while (n < max && want) {
		i = find_last_bit(h->nonempty, MA_HEAP_ARENA_MAX_PAGES);
		if (i >= MA_HEAP_ARENA_MAX_PAGES)
			break;
		s = list_first_entry(&h->free[i], struct ma_span, list);
		/* Pages wanted, rounded up (without overflow: @want may be ~0). */
		take = min_t(u64, s->npages,
			     (want >> PAGE_SHIFT) + !!(want & ~PAGE_MASK));
		t = NULL;
		if (take < s->npages) {
			t = ma_spanalloc_get(h);
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
	ma_heap_unlock(h, flags);
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

