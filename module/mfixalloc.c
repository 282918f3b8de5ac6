// SPDX-License-Identifier: GPL-2.0
/*
 * Span structures, allocated like Go's fixalloc (mfixalloc.go): whole
 * pages cut into struct ma_span, kept on a free list per node heap and
 * never given back before module exit, so a lockless lookup that finds a
 * span pointer always reads a struct ma_span (see memarena.h).  Pages are
 * obtained outside the heap lock and used under it.  See malloc.c.
 */

#include "memarena.h"

#define MA_SPANS_PER_CHUNK	(PAGE_SIZE / sizeof(struct ma_span))

/**
 * ma_spanalloc_get() - take a free span structure
 * @h: the heap
 *
 * Context: Under @h->lock.
 * Return: a DEAD span, or NULL if none was reserved.
 */
struct ma_span *ma_spanalloc_get(struct ma_heap *h)
{
	struct ma_fixalloc *f = &h->spanalloc;
	struct ma_span *s;

	lockdep_assert_held(&h->lock);
	s = list_first_entry_or_null(&f->free, struct ma_span, list);
	if (!s)
		return NULL;
	list_del(&s->list);
	WRITE_ONCE(f->nfree, f->nfree - 1);
	WRITE_ONCE(f->inuse, f->inuse + 1);
	return s;
}

/**
 * ma_spanalloc_put() - give a span structure back
 * @h: the heap it came from
 * @s: a span on no list
 *
 * Context: Under @h->lock.
 */
void ma_spanalloc_put(struct ma_heap *h, struct ma_span *s)
{
	struct ma_fixalloc *f = &h->spanalloc;

	lockdep_assert_held(&h->lock);
	WRITE_ONCE(s->state, MA_SPAN_DEAD);
	list_add(&s->list, &f->free);
	WRITE_ONCE(f->nfree, f->nfree + 1);
	WRITE_ONCE(f->inuse, f->inuse - 1);
}

/**
 * ma_spanalloc_reserve() - make sure @want span structures are free
 * @h: the heap
 * @want: how many
 * @gfp: for the pages, allocated outside the lock, on @h's node if it
 *	has memory (whatever __GFP_THISNODE says: they are not objects)
 *
 * Context: As @gfp allows; takes and drops @h->lock.
 * Return: 0, or -ENOMEM.
 */
int ma_spanalloc_reserve(struct ma_heap *h, unsigned int want, gfp_t gfp)
{
	struct ma_fixalloc *f = &h->spanalloc;
	unsigned long flags;
	struct ma_span *s;
	struct page *page;
	unsigned int i;

	for (;;) {
		ma_heap_lock(h, &flags);
		if (f->nfree >= want) {
			ma_heap_unlock(h, flags);
			return 0;
		}
		ma_heap_unlock(h, flags);

		/* Metadata: the node's first, another's rather than none. */
		page = alloc_pages_node(h->nid, (gfp & ~__GFP_THISNODE) |
					__GFP_ZERO, 0);
		if (!page)
			return -ENOMEM;
		s = page_address(page);

		ma_heap_lock(h, &flags);
		list_add(&page->lru, &f->chunks);
		WRITE_ONCE(f->sys, f->sys + PAGE_SIZE);
		for (i = 0; i < MA_SPANS_PER_CHUNK; i++) {
			s[i].state = MA_SPAN_DEAD;
			list_add_tail(&s[i].list, &f->free);
		}
		WRITE_ONCE(f->nfree, f->nfree + MA_SPANS_PER_CHUNK);
		ma_heap_unlock(h, flags);
	}
}

/**
 * ma_spanalloc_exit() - give every page of span structures back
 * @h: the heap, no longer used
 *
 * Context: Process context, module exit.
 */
void ma_spanalloc_exit(struct ma_heap *h)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, &h->spanalloc.chunks, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}
