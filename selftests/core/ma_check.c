// SPDX-License-Identifier: GPL-2.0
/*
 * ma_check.c - whole-state consistency checks of the allocator core, for
 * the userspace tests.  See ma_check.h.
 */
#include "ma_check.h"

static char msg[512];

#define MA_INDEX_GRANULE_PAGES	(1UL << MA_HEAP_ARENA_MIN_ORDER)

#define CHECK(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		snprintf(msg, sizeof(msg), "%s:%d: %s: " fmt, __func__,	\
			 __LINE__, #cond, ##__VA_ARGS__);		\
		return msg;						\
	}								\
} while (0)
#define TRY(expr) do {							\
	const char *__e = (expr);					\
	if (__e)							\
		return __e;						\
} while (0)

struct tally {
	unsigned long spans;		/* non-DEAD span structures */
	unsigned long free_spans;
	unsigned long small_spans;
	unsigned long owned_large;	/* LARGE spans with an owner */
	unsigned long large;		/* LARGE spans */
	u64 large_bytes;
	u64 nalloc[MA_NUM_SIZE_CLASSES];	/* bits set in SMALL spans */
	u64 inuse;
	u64 held;			/* heap arena pages not released */
	bool busy_seen;			/* a heap arena with pages in use */
};

static bool is_user_arena_central(const struct ma_central *c,
			     struct memarena_arena *const *user_arenas,
			     unsigned int nuser_arenas)
{
	unsigned int i;

	if (c->heap && c == &c->heap->central[c->class])
		return true;
	for (i = 0; i < nuser_arenas; i++)
		if (c == &user_arenas[i]->central[c->class])
			return true;
	return false;
}

static const char *check_small(const struct ma_span *s, unsigned int flags,
			       struct memarena_arena *const *user_arenas,
			       unsigned int nuser_arenas)
{
	unsigned int cls = s->class, size, i, n = 0;
	void *obj;

	CHECK(cls >= 1 && cls < MA_NUM_SIZE_CLASSES, "class %u", cls);
	size = ma_class_size[cls];
	CHECK(s->npages == MA_SPAN_PAGES(cls), "span %#lx: %u pages, class %u",
	      s->base, s->npages, cls);
	CHECK(s->nelems == ma_class_nobjs[cls], "span %#lx", s->base);
	CHECK(s->central && s->central->class == cls, "span %#lx", s->base);
	CHECK(is_user_arena_central(s->central, user_arenas, nuser_arenas),
	      "span %#lx: central of an unknown user arena", s->base);
	CHECK(!s->owner, "span %#lx", s->base);
	if (size > PAGE_SIZE && is_power_of_2(size))
		CHECK(!(s->base & (size - 1)), "span %#lx of class %u misaligned",
		      s->base, cls);
	for (i = 0; i < MA_MAX_OBJS_PER_SPAN; i++) {
		if (!test_bit(i, s->allocbits)) {
			if (i < s->nelems && (flags & MA_CHECK_COOKIES)) {
				obj = (void *)(s->base + (unsigned long)i * size);
				CHECK(*(unsigned long *)obj == ma_free_cookie(obj),
				      "free object %p lost its cookie", obj);
			}
			continue;
		}
		CHECK(i < s->nelems, "span %#lx: bit %u set past nelems", s->base, i);
		n++;
	}
	CHECK(n == s->nalloc, "span %#lx: %u bits set, nalloc %u", s->base, n,
	      s->nalloc);
	CHECK(s->freeindex <= s->nelems, "span %#lx", s->base);
	CHECK(find_next_zero_bit(s->allocbits, s->nelems, 0) >= s->freeindex,
	      "span %#lx: clear bit below freeindex %u", s->base, s->freeindex);
	return NULL;
}

static const char *check_harena(struct ma_heap_arena *ha, unsigned int flags,
				struct memarena_arena *const *user_arenas,
				unsigned int nuser_arenas, struct tally *t)
{
	unsigned int npages = 1U << ha->order, p = 0, i;
	unsigned int inuse_pages = 0, released_pages = 0;
	bool prev_free = false, prev_released = false;
	struct ma_span *s;

	CHECK(ha->order >= MA_HEAP_ARENA_MIN_ORDER && ha->order <= MA_HEAP_ARENA_MAX_ORDER,
	      "order %u", ha->order);
	CHECK(!(ha->base & ((PAGE_SIZE << ha->order) - 1)),
	      "heap arena %#lx not aligned to its size", ha->base);
	CHECK(ha->base == (unsigned long)page_address(ha->page), "%#lx", ha->base);
	/* Every page of a node's heap is on that node. */
	CHECK(page_to_nid(ha->page) == ha->heap->nid,
	      "heap arena %#lx of node %d is on node %d", ha->base,
	      ha->heap->nid, page_to_nid(ha->page));
	CHECK(page_address(ha->meta_page) == (void *)ha, "heap arena %#lx", ha->base);
	while (p < npages) {
		s = ha->spans[p];
		CHECK(s, "heap arena %#lx: page %u has no span", ha->base, p);
		CHECK(s->harena == ha, "page %u", p);
		CHECK(s->base == ha->base + ((unsigned long)p << PAGE_SHIFT),
		      "heap arena %#lx page %u: span base %#lx", ha->base, p, s->base);
		CHECK(s->npages >= 1 && p + s->npages <= npages,
		      "span %#lx: %u pages", s->base, s->npages);
		t->spans++;
		switch (s->state) {
		case MA_SPAN_FREE:
			CHECK(!prev_free, "free spans at %#lx and before not coalesced",
			      s->base);
			CHECK(ha->spans[p + s->npages - 1] == s,
			      "free span %#lx: no boundary tag at its end", s->base);
			for (i = 0; i < s->npages; i++)
				CHECK(!test_bit(p + i, ha->released),
				      "free span %#lx: page %u marked released",
				      s->base, i);
			prev_free = true;
			prev_released = false;
			t->free_spans++;
			break;
		case MA_SPAN_RELEASED:
			CHECK(!prev_released, "released spans at %#lx and before not merged",
			      s->base);
			CHECK(ha->spans[p + s->npages - 1] == s,
			      "released span %#lx: no boundary tag at its end", s->base);
			for (i = 0; i < s->npages; i++)
				CHECK(test_bit(p + i, ha->released),
				      "released span %#lx: page %u not marked",
				      s->base, i);
			released_pages += s->npages;
			prev_released = true;
			prev_free = false;
			break;
		case MA_SPAN_SMALL:
		case MA_SPAN_LARGE:
			for (i = 0; i < s->npages; i++)
				CHECK(ha->spans[p + i] == s,
				      "span %#lx: page %u maps elsewhere", s->base, i);
			if (s->state == MA_SPAN_SMALL) {
				TRY(check_small(s, flags, user_arenas, nuser_arenas));
				t->small_spans++;
				t->nalloc[s->class] += s->nalloc;
			} else {
				CHECK(!s->central, "large span %#lx", s->base);
				if (s->owner)
					t->owned_large++;
				t->large++;
				t->large_bytes += (u64)s->npages << PAGE_SHIFT;
			}
			for (i = 0; i < s->npages; i++)
				CHECK(!test_bit(p + i, ha->released),
				      "span %#lx in use: page %u marked released",
				      s->base, i);
			t->inuse += (u64)s->npages << PAGE_SHIFT;
			inuse_pages += s->npages;
			prev_free = false;
			prev_released = false;
			break;
		default:
			CHECK(0, "span %#lx in state %u at rest", s->base, s->state);
		}
		p += s->npages;
	}
	CHECK(inuse_pages == ha->inuse_pages, "heap arena %#lx: %u pages in use, says %u",
	      ha->base, inuse_pages, ha->inuse_pages);
	CHECK(released_pages == ha->released_pages,
	      "heap arena %#lx: %u pages released, says %u", ha->base,
	      released_pages, ha->released_pages);
	CHECK(released_pages < npages || !inuse_pages, "heap arena %#lx", ha->base);
	/* Arenas without a page in use come first in the list. */
	CHECK(inuse_pages || !t->busy_seen,
	      "idle heap arena %#lx after one in use", ha->base);
	if (inuse_pages)
		t->busy_seen = true;
	t->held += (u64)(npages - released_pages) << PAGE_SHIFT;
	return NULL;
}

static const char *check_central(struct ma_central *c, unsigned int cls,
				 unsigned long *nsmall)
{
	unsigned long n = 0, nempty = 0;
	struct ma_span *s;

	CHECK(c->class == cls, "central of class %u says %u", cls, c->class);
	list_for_each_entry(s, &c->partial, list) {
		CHECK(s->state == MA_SPAN_SMALL && s->central == c && s->class == cls,
		      "span %#lx on partial list of class %u", s->base, cls);
		CHECK(s->nalloc > 0 && s->nalloc < s->nelems,
		      "span %#lx on partial list with %u/%u allocated", s->base,
		      s->nalloc, s->nelems);
		CHECK(!c->heap || s->harena->heap == c->heap,
		      "span %#lx of another node on node %d's central", s->base,
		      c->heap->nid);
		n++;
	}
	list_for_each_entry(s, &c->full, list) {
		CHECK(s->state == MA_SPAN_SMALL && s->central == c && s->class == cls,
		      "span %#lx on full list of class %u", s->base, cls);
		CHECK(s->nalloc == s->nelems, "span %#lx on full list with %u/%u",
		      s->base, s->nalloc, s->nelems);
		CHECK(!c->heap || s->harena->heap == c->heap,
		      "span %#lx of another node on node %d's central", s->base,
		      c->heap->nid);
		n++;
	}
	list_for_each_entry(s, &c->empty, list) {
		CHECK(s->state == MA_SPAN_SMALL && s->central == c && s->class == cls,
		      "span %#lx on empty list of class %u", s->base, cls);
		CHECK(!c->heap || s->harena->heap == c->heap,
		      "span %#lx of another node on node %d's central", s->base,
		      c->heap->nid);
		CHECK(s->nalloc == 0, "span %#lx on empty list with %u/%u", s->base,
		      s->nalloc, s->nelems);
		n++;
		nempty++;
	}
	CHECK(nempty == c->nempty, "class %u: %lu empty spans listed, nempty %u",
	      cls, nempty, c->nempty);
	CHECK(c->nempty <= c->empty_max, "class %u: %u empty spans kept, max %u",
	      cls, c->nempty, c->empty_max);
	CHECK(n == c->nspans, "class %u: %lu spans listed, nspans %lu", cls, n,
	      c->nspans);
	*nsmall += n;
	return NULL;
}

static const char *check_user_arena(struct memarena_arena *a, unsigned long *nsmall,
			       unsigned long *nlarge)
{
	u64 objs = 0, bytes = 0;
	unsigned int cls;
	struct ma_span *s;

	for (cls = 0; cls < MA_NUM_SIZE_CLASSES; cls++) {
		TRY(check_central(&a->central[cls], cls, nsmall));
		list_for_each_entry(s, &a->central[cls].partial, list) {
			objs += s->nalloc;
			bytes += (u64)s->nalloc * ma_class_size[cls];
		}
		list_for_each_entry(s, &a->central[cls].full, list) {
			objs += s->nalloc;
			bytes += (u64)s->nalloc * ma_class_size[cls];
		}
	}
	list_for_each_entry(s, &a->large, list) {
		CHECK(s->state == MA_SPAN_LARGE && s->owner == a,
		      "span %#lx on user arena %s's large list", s->base, a->name);
		objs++;
		bytes += (u64)s->npages << PAGE_SHIFT;
		(*nlarge)++;
	}
	CHECK(atomic64_read(&a->live_objects) == (s64)objs,
	      "user arena %s: live_objects %lld, spans hold %llu", a->name,
	      (long long)atomic64_read(&a->live_objects), objs);
	CHECK(atomic64_read(&a->live_bytes) == (s64)bytes,
	      "user arena %s: live_bytes %lld, spans hold %llu", a->name,
	      (long long)atomic64_read(&a->live_bytes), bytes);
	CHECK(atomic64_read(&a->mallocs) - atomic64_read(&a->frees) == (s64)objs,
	      "user arena %s", a->name);
	return NULL;
}

static int cmp_ptr(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

static const char *check_mcaches(void)
{
	unsigned long *all, nall = 0, bytes, i, total = 0;
	struct ma_mcache_class *mc;
	struct ma_mcache *m;
	unsigned int cpu, cls, j;
	struct ma_span *s;
	const char *err = NULL;
	void *obj;

	for_each_possible_cpu(cpu)
		total += ma_cached_objs(cpu);
	all = malloc((total + 1) * sizeof(*all));
	CHECK(all, "out of memory");
	for_each_possible_cpu(cpu) {
		m = per_cpu_ptr(ma_mcaches, cpu);
		bytes = 0;
		for (cls = 1; cls < MA_NUM_SIZE_CLASSES; cls++) {
			mc = &m->cls[cls];
			if (mc->n > mc->cap) {
				snprintf(msg, sizeof(msg), "cpu %u class %u: %u cached, cap %u",
					 cpu, cls, mc->n, mc->cap);
				err = msg;
				goto out;
			}
			for (j = 0; j < mc->n && !err; j++) {
				obj = mc->objs[j];
				s = ma_span_of(obj);
				if (!s || s->state != MA_SPAN_SMALL || s->class != cls ||
				    s->central != &ma_heaps[cpu % ma_shim_nr_nodes]->central[cls] ||
				    ma_span_obj_index(s, obj) < 0 ||
				    !test_bit(ma_span_obj_index(s, obj), s->allocbits) ||
				    *(unsigned long *)obj != ma_free_cookie(obj)) {
					snprintf(msg, sizeof(msg),
						 "cpu %u class %u: cached object %p is not a free object of its class",
						 cpu, cls, obj);
					err = msg;
				}
				all[nall++] = (unsigned long)obj;
			}
			bytes += (unsigned long)mc->n * ma_class_size[cls];
		}
		if (!err && bytes > ma_mcache_bytes_bound) {
			snprintf(msg, sizeof(msg), "cpu %u caches %lu bytes, bound %lu",
				 cpu, bytes, ma_mcache_bytes_bound);
			err = msg;
		}
		if (!err && bytes && !cpu_online(cpu)) {
			snprintf(msg, sizeof(msg), "offline cpu %u caches %lu bytes",
				 cpu, bytes);
			err = msg;
		}
		if (err)
			goto out;
	}
	qsort(all, nall, sizeof(*all), cmp_ptr);
	for (i = 1; i < nall; i++) {
		if (all[i] == all[i - 1]) {
			snprintf(msg, sizeof(msg), "object %#lx cached twice", all[i]);
			err = msg;
			break;
		}
	}
out:
	free(all);
	return err;
}

static const char *check_index(void)
{
	unsigned long l1, l2, l3, key, mids = 0, leaves = 0, entries = 0, granules = 0;
	struct ma_heap_arena *ha, *other;
	unsigned long g, n, first;
	struct ma_heap *h;

	for (l1 = 0; l1 < ma_index_l1_size; l1++) {
		if (!ma_index[l1])
			continue;
		mids++;
		for (l2 = 0; l2 < MA_INDEX_NODE_SIZE; l2++) {
			if (!ma_index[l1]->leaf[l2])
				continue;
			leaves++;
			for (l3 = 0; l3 < MA_INDEX_NODE_SIZE; l3++)
				entries += !!ma_index[l1]->leaf[l2]->harena[l3];
		}
	}
	for (h = ma_heap_next(NULL); h; h = ma_heap_next(h))
	list_for_each_entry(ha, &h->heap_arenas, node) {
		n = 1UL << (ha->order - MA_HEAP_ARENA_MIN_ORDER);
		for (g = 0; g < n; g++) {
			key = ((ha->base - PAGE_OFFSET) >> MA_HEAP_ARENA_MIN_SHIFT) + g;
			l1 = key >> (2 * MA_INDEX_NODE_BITS);
			l2 = (key >> MA_INDEX_NODE_BITS) & MA_INDEX_NODE_MASK;
			l3 = key & MA_INDEX_NODE_MASK;
			CHECK(l1 < ma_index_l1_size && ma_index[l1] &&
			      ma_index[l1]->leaf[l2] &&
			      ma_index[l1]->leaf[l2]->harena[l3],
			      "heap arena %#lx: no index entry %lu", ha->base, g);
			other = ma_index[l1]->leaf[l2]->harena[l3];
			if (other == ha) {
				granules++;
				continue;
			}
			/*
			 * Pages of holes given back and handed out again as a
			 * newer heap arena inside this one's range: that one's
			 * entry, and none of this one's pages left there.
			 */
			CHECK(other->base <= ha->base + (g << MA_HEAP_ARENA_MIN_SHIFT) &&
			      ha->base + ((g + 1) << MA_HEAP_ARENA_MIN_SHIFT) <=
			      other->base + (PAGE_SIZE << other->order),
			      "heap arena %#lx: index entry %lu points elsewhere",
			      ha->base, g);
			first = g << (MA_HEAP_ARENA_MIN_SHIFT - PAGE_SHIFT);
			CHECK(find_next_zero_bit(ha->released, first + MA_INDEX_GRANULE_PAGES,
						 first) >= first + MA_INDEX_GRANULE_PAGES,
			      "heap arena %#lx: entry %lu taken over with pages held",
			      ha->base, g);
		}
		CHECK(ha->meta_order ==
		      (unsigned int)get_order(struct_size(ha, spans, 1UL << ha->order) +
					      BITS_TO_LONGS(1UL << ha->order) * sizeof(long)),
		      "heap arena %#lx", ha->base);
		CHECK(ha->released == (unsigned long *)&ha->spans[1UL << ha->order],
		      "heap arena %#lx", ha->base);
	}
	CHECK(entries == granules, "%lu index entries for %lu granules", entries,
	      granules);
	CHECK(ma_index_sys == ma_index_l1_size * sizeof(*ma_index) +
	      (mids + leaves) * PAGE_SIZE, "index sys %llu, %lu nodes",
	      ma_index_sys, mids + leaves);
	return NULL;
}

static const char *check_counts(const struct tally *t)
{
	struct ma_mcache *m;
	unsigned int cpu, cls;
	struct ma_counts c;
	u64 counted;

	for (cls = 1; cls < MA_NUM_SIZE_CLASSES; cls++) {
		counted = 0;
		for_each_possible_cpu(cpu) {
			m = per_cpu_ptr(ma_mcaches, cpu);
			counted += m->cls[cls].nmalloc - m->cls[cls].nfree +
				   m->cls[cls].n;
		}
		CHECK(counted == t->nalloc[cls],
		      "class %u: %llu objects allocated in spans, counters and stacks say %llu",
		      cls, t->nalloc[cls], counted);
	}
	ma_counts(&c);
	CHECK(c.large_mallocs - c.large_frees == t->large,
	      "%lu large spans, counters say %llu", t->large,
	      c.large_mallocs - c.large_frees);
	CHECK(c.large_bytes_alloc - c.large_bytes_freed == t->large_bytes,
	      "%llu bytes in large spans, counters say %llu", t->large_bytes,
	      c.large_bytes_alloc - c.large_bytes_freed);
	return NULL;
}

/* The checks of one node's heap; @t gets its tally. */
static const char *check_heap(struct ma_heap *h,
			      struct memarena_arena *const *user_arenas,
			      unsigned int nuser_arenas, unsigned int flags,
			      struct tally *t, unsigned long *nsmall)
{
	struct ma_fixalloc *f = &h->spanalloc;
	unsigned long nlisted = 0, n, nharenas = 0;
	struct ma_heap_arena *ha;
	struct page *page;
	struct ma_span *s;
	unsigned int i;
	u64 gc;

	memset(t, 0, sizeof(*t));
	gc = PAGE_SIZE << get_order(sizeof(*h));
	list_for_each_entry(ha, &h->heap_arenas, node) {
		CHECK(ha->heap == h, "heap arena %#lx on node %d's list", ha->base,
		      h->nid);
		TRY(check_harena(ha, flags, user_arenas, nuser_arenas, t));
		gc += PAGE_SIZE << ha->meta_order;
		nharenas++;
	}
	CHECK(gc == h->gc_sys, "node %d: gc_sys %llu, expected %llu", h->nid,
	      h->gc_sys, gc);
	CHECK(nharenas == h->nheap_arenas, "%lu heap arenas listed, nheap_arenas %lu",
	      nharenas, h->nheap_arenas);
	/*
	 * HeapSys grows only by what a new heap arena could not take from released
	 * capacity: the heap holds exactly its heap arenas' pages not released.
	 */
	CHECK(h->released <= h->sys, "released %llu, sys %llu",
	      h->released, h->sys);
	CHECK(h->sys - h->released == t->held,
	      "sys %llu - released %llu, heap arenas hold %llu", h->sys,
	      h->released, t->held);
	CHECK(t->inuse == h->inuse, "inuse %llu, spans in use %llu",
	      h->inuse, t->inuse);
	CHECK(t->small_spans + t->large == h->nspans,
	      "node %d: %lu spans in use, nspans %lu", h->nid,
	      t->small_spans + t->large, h->nspans);

	for (i = 0; i < MA_HEAP_ARENA_MAX_PAGES; i++) {
		CHECK(test_bit(i, h->nonempty) == !list_empty(&h->free[i]),
		      "nonempty bit %u", i);
		list_for_each_entry(s, &h->free[i], list) {
			CHECK(s->state == MA_SPAN_FREE && s->npages == i + 1,
			      "span %#lx (%u pages, state %u) on free list %u",
			      s->base, s->npages, s->state, i);
			CHECK(s->harena->heap == h, "span %#lx of node %d on node %d's free list",
			      s->base, s->harena->heap->nid, h->nid);
			n = (s->base - s->harena->base) >> PAGE_SHIFT;
			CHECK(s->harena->spans[n] == s &&
			      s->harena->spans[n + s->npages - 1] == s,
			      "free span %#lx: boundary tags", s->base);
			nlisted++;
		}
	}
	CHECK(nlisted == t->free_spans, "%lu spans on free lists, %lu free spans",
	      nlisted, t->free_spans);

	n = 0;
	list_for_each_entry(s, &f->free, list) {
		CHECK(s->state == MA_SPAN_DEAD, "span structure on free list in state %u",
		      s->state);
		n++;
	}
	CHECK(n == f->nfree, "%lu free span structures, nfree %lu", n, f->nfree);
	CHECK(f->inuse == t->spans, "span structures in use %lu, spans %lu",
	      f->inuse, t->spans);
	n = 0;
	list_for_each_entry(page, &f->chunks, lru)
		n++;
	CHECK(n * PAGE_SIZE == f->sys, "%lu chunks, sys %lu", n, f->sys);
	CHECK(n * (PAGE_SIZE / sizeof(struct ma_span)) == f->nfree + f->inuse,
	      "span structures lost: %lu chunks, %lu free + %lu in use", n,
	      f->nfree, f->inuse);

	for (i = 0; i < MA_NUM_SIZE_CLASSES; i++) {
		CHECK(h->central[i].heap == h, "node %d class %u", h->nid, i);
		TRY(check_central(&h->central[i], i, nsmall));
	}
	return NULL;
}

const char *ma_check(struct memarena_arena *const *user_arenas,
		     unsigned int nuser_arenas, unsigned int flags)
{
	unsigned long nsmall = 0, nlarge = 0, small = 0, owned_large = 0;
	static struct tally t, total;
	struct ma_heap *h;
	unsigned int i;
	int nid;

	memset(&total, 0, sizeof(total));
	for (nid = 0; nid < nr_node_ids; nid++)
		CHECK(ma_heaps[nid] && ma_heaps[nid]->nid == nid,
		      "heap of node %d missing or misnumbered", nid);
	for (h = ma_heap_next(NULL); h; h = ma_heap_next(h)) {
		TRY(check_heap(h, user_arenas, nuser_arenas, flags, &t, &nsmall));
		small += t.small_spans;
		owned_large += t.owned_large;
		total.large += t.large;
		total.large_bytes += t.large_bytes;
		for (i = 0; i < MA_NUM_SIZE_CLASSES; i++)
			total.nalloc[i] += t.nalloc[i];
	}
	for (i = 0; i < nuser_arenas; i++)
		TRY(check_user_arena(user_arenas[i], &nsmall, &nlarge));
	CHECK(nsmall == small, "%lu spans on centrals, %lu small spans",
	      nsmall, small);
	CHECK(nlarge == owned_large, "%lu on user arena lists, %lu owned large spans",
	      nlarge, owned_large);
	CHECK(ma_user_arena_count() == nuser_arenas, "%lu user arenas exist, %u given",
	      ma_user_arena_count(), nuser_arenas);

	TRY(check_index());
	TRY(check_mcaches());
	if (flags & MA_CHECK_COUNTS)
		TRY(check_counts(&total));
	return NULL;
}

const char *ma_check_idle(void)
{
	struct ma_heap_arena *ha;
	struct ma_span *s;
	struct ma_heap *h;

	CHECK(!ma_shim_kmemleak_objects, "%ld objects still registered with kmemleak",
	      ma_shim_kmemleak_objects);
	for (h = ma_heap_next(NULL); h; h = ma_heap_next(h)) {
		CHECK(h->inuse == 0, "node %d: inuse %llu", h->nid, h->inuse);
		list_for_each_entry(ha, &h->heap_arenas, node) {
			CHECK(!ha->inuse_pages, "heap arena %#lx", ha->base);
			if (ha->released_pages)
				continue;	/* free and released spans alternate */
			s = ha->spans[0];
			CHECK(s && s->state == MA_SPAN_FREE &&
			      s->npages == 1U << ha->order,
			      "heap arena %#lx is not one free span", ha->base);
			CHECK(s->base == ha->base, "heap arena %#lx", ha->base);
		}
	}
	return NULL;
}

const char *ma_check_memstats(const struct memarena_memstats *ms,
			      const struct memarena_memstats *prev)
{
	u64 mallocs = 0, frees = 0;
	unsigned int c;

	CHECK(ms->alloc == ms->heap_alloc, "%llu %llu", ms->alloc, ms->heap_alloc);
	CHECK(ms->heap_alloc <= ms->heap_inuse, "HeapAlloc %llu HeapInuse %llu",
	      ms->heap_alloc, ms->heap_inuse);
	CHECK(ms->heap_alloc <= ms->total_alloc, "%llu %llu", ms->heap_alloc,
	      ms->total_alloc);
	CHECK(ms->heap_idle + ms->heap_inuse == ms->heap_sys, "%llu + %llu != %llu",
	      ms->heap_idle, ms->heap_inuse, ms->heap_sys);
	CHECK(ms->heap_released <= ms->heap_idle, "%llu %llu", ms->heap_released,
	      ms->heap_idle);
	CHECK(ms->sys == ms->heap_sys + ms->stack_sys + ms->mspan_sys +
	      ms->mcache_sys + ms->buck_hash_sys + ms->gc_sys + ms->other_sys,
	      "Sys %llu", ms->sys);
	CHECK(ms->heap_objects == ms->mallocs - ms->frees, "%llu %llu %llu",
	      ms->heap_objects, ms->mallocs, ms->frees);
	CHECK(ms->frees <= ms->mallocs, "Frees %llu Mallocs %llu", ms->frees,
	      ms->mallocs);
	CHECK(ms->mspan_inuse <= ms->mspan_sys, "%llu %llu", ms->mspan_inuse,
	      ms->mspan_sys);
	CHECK(ms->mcache_inuse <= ms->mcache_sys, "%llu %llu", ms->mcache_inuse,
	      ms->mcache_sys);
	for (c = 0; c < MA_NUM_SIZE_CLASSES; c++) {
		CHECK(ms->by_size[c].size == ma_class_size[c], "class %u", c);
		CHECK(ms->by_size[c].frees <= ms->by_size[c].mallocs,
		      "class %u: Frees %llu Mallocs %llu", c, ms->by_size[c].frees,
		      ms->by_size[c].mallocs);
		mallocs += ms->by_size[c].mallocs;
		frees += ms->by_size[c].frees;
	}
	CHECK(mallocs <= ms->mallocs && frees <= ms->frees, "BySize sums");
	CHECK(ms->mallocs - mallocs >= ms->frees - frees,
	      "more large frees than large mallocs");
	CHECK(ms->mcache_bound == ma_mcache_bytes_bound, "%llu", ms->mcache_bound);
	if (!prev)
		return NULL;
	CHECK(ms->mallocs >= prev->mallocs && ms->frees >= prev->frees &&
	      ms->total_alloc >= prev->total_alloc &&
	      ms->bad_frees >= prev->bad_frees, "a cumulative counter went down");
	for (c = 0; c < MA_NUM_SIZE_CLASSES; c++)
		CHECK(ms->by_size[c].mallocs >= prev->by_size[c].mallocs &&
		      ms->by_size[c].frees >= prev->by_size[c].frees,
		      "class %u: a cumulative counter went down", c);
	return NULL;
}

void ma_counts(struct ma_counts *c)
{
	struct ma_mcache *m;
	unsigned int cpu, cls;

	memset(c, 0, sizeof(*c));
	for_each_possible_cpu(cpu) {
		m = per_cpu_ptr(ma_mcaches, cpu);
		for (cls = 1; cls < MA_NUM_SIZE_CLASSES; cls++) {
			c->mallocs += READ_ONCE(m->cls[cls].nmalloc);
			c->frees += READ_ONCE(m->cls[cls].nfree);
		}
		c->large_mallocs += READ_ONCE(m->large_mallocs);
		c->large_frees += READ_ONCE(m->large_frees);
		c->large_bytes_alloc += READ_ONCE(m->large_bytes_alloc);
		c->large_bytes_freed += READ_ONCE(m->large_bytes_freed);
		c->bad_frees += READ_ONCE(m->bad_frees);
	}
	c->mallocs += c->large_mallocs;
	c->frees += c->large_frees;
}

unsigned long ma_cached_objs(unsigned int cpu)
{
	struct ma_mcache *m = per_cpu_ptr(ma_mcaches, cpu);
	unsigned long n = 0;
	unsigned int cls;

	for (cls = 1; cls < MA_NUM_SIZE_CLASSES; cls++)
		n += m->cls[cls].n;
	return n;
}

unsigned long ma_cached_bytes(unsigned int cpu)
{
	struct ma_mcache *m = per_cpu_ptr(ma_mcaches, cpu);
	unsigned long n = 0;
	unsigned int cls;

	for (cls = 1; cls < MA_NUM_SIZE_CLASSES; cls++)
		n += (unsigned long)m->cls[cls].n * ma_class_size[cls];
	return n;
}

u64 ma_bad_frees(unsigned int cpu)
{
	return READ_ONCE(per_cpu_ptr(ma_mcaches, cpu)->bad_frees);
}
