// SPDX-License-Identifier: GPL-2.0
/*
 * The heap arena index, Go's mheap_.arenas[][] map: a three-level radix
 * tree from a direct-map address to the heap arena covering it, shared by
 * the heaps of all nodes.  ma_span_of() (memarena.h) walks it without a
 * lock; the heaps publish and withdraw their heap arenas here under
 * ma_index_lock.  (Go keeps it in mheap.go; here it has its own file, next
 * to mheap.c and mheaprelease.c.)
 * Nodes are one page of pointers each, obtained before any lock is taken
 * and freed only at module exit.  See malloc.c.
 */

#include "memarena.h"

struct ma_index_mid **ma_index;
unsigned long ma_index_l1_size;
u64 ma_index_sys;

/* Innermost (memarena.h, lock order 5): the index entries' writers. */
static DEFINE_SPINLOCK(ma_index_lock);

static void ma_index_key(unsigned long addr, unsigned long *l1,
			 unsigned long *l2, unsigned long *l3)
{
	unsigned long key = (addr - PAGE_OFFSET) >> MA_HEAP_ARENA_MIN_SHIFT;

	*l1 = key >> (2 * MA_INDEX_NODE_BITS);
	*l2 = (key >> MA_INDEX_NODE_BITS) & MA_INDEX_NODE_MASK;
	*l3 = key & MA_INDEX_NODE_MASK;
}

/**
 * ma_index_prepare() - get the index nodes a new heap arena may need
 * @base: the heap arena's address
 * @gfp: for the nodes
 * @nodes: set to zeroed pages for the path to @base where it is missing;
 *	give what ma_index_set() did not use to ma_index_unprepare()
 *
 * Context: As @gfp allows; no memarena lock held.
 * Return: 0; -ERANGE if @base is above what the index covers (memory
 * hot-added above high_memory at load); -ENOMEM.
 */
int ma_index_prepare(unsigned long base, gfp_t gfp, struct ma_index_nodes *nodes)
{
	unsigned long l1, l2, l3;

	nodes->mid = NULL;
	nodes->leaf = NULL;
	ma_index_key(base, &l1, &l2, &l3);
	if (l1 >= ma_index_l1_size)
		return -ERANGE;
	/* Nodes are never freed before module exit: one seen stays. */
	if (!READ_ONCE(ma_index[l1])) {
		nodes->mid = (void *)get_zeroed_page(gfp);
		nodes->leaf = (void *)get_zeroed_page(gfp);
	} else if (!READ_ONCE(ma_index[l1]->leaf[l2])) {
		nodes->leaf = (void *)get_zeroed_page(gfp);
	} else {
		return 0;
	}
	if ((!READ_ONCE(ma_index[l1]) && !nodes->mid) || !nodes->leaf) {
		ma_index_unprepare(nodes);
		return -ENOMEM;
	}
	return 0;
}

/**
 * ma_index_unprepare() - free the prepared nodes ma_index_set() left
 * @nodes: from ma_index_prepare()
 *
 * Context: Any context.
 */
void ma_index_unprepare(struct ma_index_nodes *nodes)
{
	if (nodes->mid)
		free_page((unsigned long)nodes->mid);
	if (nodes->leaf)
		free_page((unsigned long)nodes->leaf);
	nodes->mid = NULL;
	nodes->leaf = NULL;
}

/**
 * ma_index_set() - point the index entries covering a heap arena at it
 * @ha: the heap arena
 * @val: @ha to publish it, NULL to withdraw it
 * @nodes: from ma_index_prepare() when publishing (another node's heap
 *	may have built the path since: then they stay unused); the ones
 *	used are set to NULL
 *
 * A heap arena is aligned to its size, at most MA_HEAP_ARENA_MAX_ORDER, so
 * it never straddles a leaf.
 *
 * Context: Any context; takes ma_index_lock (under a heap's lock).
 */
void ma_index_set(struct ma_heap_arena *ha, struct ma_heap_arena *val,
		  struct ma_index_nodes *nodes)
{
	unsigned long l1, l2, l3, n, i, flags;
	struct ma_index_leaf *lf;

	ma_index_key(ha->base, &l1, &l2, &l3);
	spin_lock_irqsave(&ma_index_lock, flags);
	/*
	 * The releases below pair with the address dependencies of the
	 * READ_ONCE() walk in ma_span_of(): a reader that sees a pointer sees
	 * what it points to initialised.
	 */
	if (!ma_index[l1]) {
		smp_store_release(&ma_index[l1], nodes->mid); /* zeroed */
		nodes->mid = NULL;
		WRITE_ONCE(ma_index_sys, ma_index_sys + PAGE_SIZE);
	}
	lf = ma_index[l1]->leaf[l2];
	if (!lf) {
		lf = nodes->leaf;
		smp_store_release(&ma_index[l1]->leaf[l2], lf); /* zeroed */
		nodes->leaf = NULL;
		WRITE_ONCE(ma_index_sys, ma_index_sys + PAGE_SIZE);
	}
	n = 1UL << (ha->order - MA_HEAP_ARENA_MIN_ORDER);
	for (i = 0; i < n; i++) {
		/*
		 * Pages of a heap arena's holes go back to the buddy
		 * allocator, which may merge them and hand them out again as
		 * a new heap arena inside the old one's range (of any node's
		 * heap): the new one's entries replace the old one's, and the
		 * old one, when it goes, must not clear them.
		 */
		if (!val && lf->harena[l3 + i] != ha)
			continue;
		smp_store_release(&lf->harena[l3 + i], val); /* see above */
	}
	spin_unlock_irqrestore(&ma_index_lock, flags);
}

/**
 * ma_index_init() - an empty index covering the direct map
 *
 * Context: Process context, may sleep.
 * Return: 0, or -ENOMEM.
 */
int ma_index_init(void)
{
	unsigned long top;

	/*
	 * The top level covers the direct map up to high_memory, 64 GiB per
	 * entry (8 bytes for a machine of up to 64 GiB).  Memory hot-added
	 * above it cannot become a heap arena: ma_heap_grow() gives such a
	 * block back and fails.
	 */
	top = (unsigned long)high_memory - PAGE_OFFSET;
	ma_index_l1_size = DIV_ROUND_UP(top, 1UL << (MA_HEAP_ARENA_MIN_SHIFT +
						   2 * MA_INDEX_NODE_BITS));
	ma_index = kcalloc(ma_index_l1_size, sizeof(*ma_index), GFP_KERNEL);
	if (!ma_index)
		return -ENOMEM;
	ma_index_sys = ma_index_l1_size * sizeof(*ma_index);
	return 0;
}

/**
 * ma_index_exit() - free the index
 *
 * Context: Process context, module exit, after the heaps are gone.
 */
void ma_index_exit(void)
{
	unsigned long l1, l2;

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
