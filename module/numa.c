// SPDX-License-Identifier: GPL-2.0
/*
 * Memory nodes: which node to fall back to, which node numbers callers
 * may pass, and each node's page heap as the statistics show it.  Every
 * possible node has a heap of its own (mheap.c); the rules that keep a
 * CPU's objects on its node are at the top of Documentation/design.rst's
 * "Memory nodes" and at struct ma_mcache.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "memarena.h"

/**
 * ma_node_next() - the next node to fall back to
 * @home: the node asked for
 * @prev: the node returned by the previous call, NUMA_NO_NODE at first
 * @dist: its distance from @home, -1 at first; updated
 *
 * Nodes with memory other than @home, by distance from @home and then
 * by id, as the page allocator's zonelists order them.
 *
 * Context: Any context.
 * Return: the node after @prev, or NUMA_NO_NODE when there is none.
 */
int ma_node_next(int home, int prev, int *dist)
{
	int nid, d, best = NUMA_NO_NODE, best_d = INT_MAX;

	for_each_node_state(nid, N_MEMORY) {
		d = node_distance(home, nid);
		if (nid == home || !ma_heaps[nid] || d < *dist ||
		    (d == *dist && nid <= prev))
			continue;
		if (d < best_d) {
			best_d = d;
			best = nid;
		}
	}
	*dist = best_d;
	return best;
}

/**
 * ma_node_valid() - whether a node number may be passed to memarena
 * @nid: from memarena_alloc_node() or memarena_alloc_bulk_node()
 *
 * Logs the first refusal.
 *
 * Context: Any context.
 * Return: true for NUMA_NO_NODE and for possible nodes.
 */
bool ma_node_valid(int nid)
{
	if (nid == NUMA_NO_NODE ||
	    (nid >= 0 && nid < nr_node_ids && node_possible(nid)))
		return true;
	pr_warn_once("node %d passed to memarena_alloc_node() is not a possible node\n",
		     nid);
	return false;
}

/**
 * ma_node_stats() - a node's page heap, for MEMARENA_CMD_GET_NODES
 * @nid: a possible node
 * @st: filled in, its gauges consistent with each other
 *
 * Context: Process context.
 * Return: 0, or -ENOENT if @nid has no heap.
 */
int ma_node_stats(int nid, struct ma_node_stats *st)
{
	struct ma_heap_gauges g;

	if (nid < 0 || nid >= nr_node_ids || !ma_heaps[nid])
		return -ENOENT;
	ma_heap_read(ma_heaps[nid], &g);
	st->memory = node_state(nid, N_MEMORY);
	st->heap_sys = g.sys;
	st->heap_inuse = g.inuse;
	st->heap_idle = g.sys - g.inuse;
	st->heap_released = g.released;
	st->heap_arenas = g.nheap_arenas;
	st->spans = g.nspans;
	st->mspan_sys = g.mspan_sys;
	return 0;
}
