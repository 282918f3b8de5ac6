// SPDX-License-Identifier: GPL-2.0
/*
 * Spans, Go's mspan: a run of pages holding objects of one size class,
 * with an allocation bitmap.  Object boundaries are checked with the
 * generated division magic instead of a division.  See malloc.c for the
 * whole design; the span states are documented at struct ma_span.
 */

#include "memarena.h"

/**
 * ma_span_init_small() - lay out a freshly carved span for a size class
 * @s: span in state MA_SPAN_INIT, owned by the caller
 * @class: its size class
 * @c: the central it will be listed on
 *
 * Every object gets its free cookie; only then is the span marked SMALL,
 * so a racing bad free never sees an object that looks allocated but is
 * not.
 *
 * Context: Any context; no lock needed, nobody else can reach @s yet.
 */
void ma_span_init_small(struct ma_span *s, unsigned int class,
			struct ma_central *c)
{
	unsigned int size = ma_class_size[class];
	unsigned int i;
	void *obj;

	s->class = class;
	s->nelems = ma_class_nobjs[class];
	s->nalloc = 0;
	s->freeindex = 0;
	s->central = c;
	bitmap_zero(s->allocbits, MA_MAX_OBJS_PER_SPAN);
	for (i = 0; i < s->nelems; i++) {
		obj = (void *)(s->base + (unsigned long)i * size);
		*(unsigned long *)obj = ma_free_cookie(obj);
	}
	/* Pairs with the acquire in memarena_free(): cookies before state. */
	smp_store_release(&s->state, MA_SPAN_SMALL);
}

/**
 * ma_span_take() - hand out free objects of a span
 * @s: a SMALL span with free objects
 * @objs: where to store them
 * @max: how many at most
 *
 * Context: @s->central->lock held.
 * Return: the number of objects stored.
 */
unsigned int ma_span_take(struct ma_span *s, void **objs, unsigned int max)
{
	unsigned int size = ma_class_size[s->class];
	unsigned int w = s->freeindex / BITS_PER_LONG, n = 0, b, i = 0;
	unsigned int nwords = BITS_TO_LONGS(s->nelems);
	unsigned long bits, taken;

	lockdep_assert_held(&s->central->lock);
	if (!s->nalloc && max >= s->nelems) {
		/* The whole span, as an empty span of a big class goes. */
		for (n = 0; n < s->nelems; n++)
			objs[n] = (void *)(s->base + (unsigned long)n * size);
		bitmap_set(s->allocbits, 0, n);
		s->nalloc = n;
		s->freeindex = n;
		return n;
	}
	max = min_t(unsigned int, max, s->nelems - s->nalloc);
	/* A word of the bitmap at a time: its clear bits are free objects. */
	for (; n < max && w < nwords; w++) {
		bits = ~s->allocbits[w];
		if (w == s->freeindex / BITS_PER_LONG)
			bits &= ~0UL << (s->freeindex % BITS_PER_LONG);
		if (w == nwords - 1 && s->nelems % BITS_PER_LONG)
			bits &= ~0UL >> (BITS_PER_LONG - s->nelems % BITS_PER_LONG);
		taken = 0;
		while (bits && n < max) {
			b = __ffs(bits);
			bits &= bits - 1;
			taken |= 1UL << b;
			i = w * BITS_PER_LONG + b;
			objs[n++] = (void *)(s->base + (unsigned long)i * size);
		}
		s->allocbits[w] |= taken;
	}
	s->nalloc += n;
	/* No clear bit below: all taken up to the last one handed out. */
	if (n)
		s->freeindex = i + 1;
	return n;
}

/**
 * ma_span_put() - return one object to its span
 * @s: the object's SMALL span
 * @p: the object, already carrying its free cookie
 *
 * Context: @s->central->lock held.
 * Return: false if @p was not allocated (a bad free, nothing changed).
 */
bool ma_span_put(struct ma_span *s, void *p)
{
	int idx = ma_span_obj_index(s, p);

	lockdep_assert_held(&s->central->lock);
	if (idx < 0 || !test_bit(idx, s->allocbits))
		return false;
	__clear_bit(idx, s->allocbits);
	s->nalloc--;
	if (idx < s->freeindex)
		s->freeindex = idx;
	return true;
}

/**
 * ma_span_put_run() - return objects of one span, flushed from a stack
 * @s: their SMALL span
 * @objs: objects of @s, each validated by the free that stacked it
 * @n: how many, at least 1
 *
 * ma_span_put() for a run: the span's fields are read and written once.
 *
 * Context: @s->central->lock held.
 * Return: the number of objects that were not allocated (0 unless the
 * span's state is corrupt: nothing is changed for them).
 */
unsigned int ma_span_put_run(struct ma_span *s, void *const *objs,
			     unsigned int n)
{
	u32 magic = ma_class_divmagic[s->class], size = ma_class_size[s->class];
	unsigned int minidx = s->freeindex, bad = 0, k;
	unsigned long base = s->base, off, idx;

	lockdep_assert_held(&s->central->lock);
	for (k = 0; k < n; k++) {
		off = (unsigned long)objs[k] - base;
		idx = ((u64)off * magic) >> 32;
		/* Stacked objects were checked: only corruption fails here. */
		if (idx >= s->nelems || idx * size != off ||
		    !__test_and_clear_bit(idx, s->allocbits)) {
			bad++;
			continue;
		}
		if (idx < minidx)
			minidx = idx;
	}
	s->nalloc -= n - bad;
	s->freeindex = minidx;
	return bad;
}
