// SPDX-License-Identifier: GPL-2.0
/*
 * memstat nodes: one line per possible memory node, from
 * MEMARENA_CMD_GET_NODES: whether it has memory, and its page heap's
 * HeapSys, HeapInuse, HeapIdle and HeapReleased, heap arenas, spans in
 * use and span structures' bytes; then a total line.  Each node's
 * figures are consistent with each other; the nodes are read one after
 * the other, so the total is the global HeapSys and the rest only while
 * the heap is quiet.  JSON keys are the attribute names of
 * Documentation/netlink.rst in snake case.  Everyone may read them.
 */

#include <stdio.h>

#include "memstat.h"

static const struct ms_table_col columns[] = {
	{ .attr = MEMARENA_A_NODE_NODE, .width = 5 },
	{ .attr = MEMARENA_A_NODE_MEMORY, .width = 6 },
	{ .attr = MEMARENA_A_NODE_HEAP_SYS, .width = 11 },
	{ .attr = MEMARENA_A_NODE_HEAP_INUSE, .width = 11 },
	{ .attr = MEMARENA_A_NODE_HEAP_IDLE, .width = 11 },
	{ .attr = MEMARENA_A_NODE_HEAP_RELEASED, .width = 11 },
	{ .attr = MEMARENA_A_NODE_HEAP_ARENAS, .width = 11 },
	{ .attr = MEMARENA_A_NODE_SPANS, .width = 8 },
	{ .attr = MEMARENA_A_NODE_MSPAN_SYS, .width = 11 },
};

static int cmd_nodes(struct ms_ctx *ctx, int argc, char **argv)
{
	struct ms_table t = { 0 };
	struct ms_row sum = { 0 };
	size_t i, j;
	int attr, rc;

	if (argc)
		return ms_usage_err("'nodes' takes no arguments");
	rc = ms_read_nodes(ctx, &t);
	if (rc)
		goto out;
	if (ctx->format == FMT_PROMETHEUS) {
		ms_prom_nodes(&t);
		goto out;
	}

	for (j = 2; j < ARRAY_SIZE(columns); j++)
		sum.has[columns[j].attr] = true;
	open_json_object(NULL);
	ms_print_headings(ms_node_cols, columns, ARRAY_SIZE(columns));
	open_json_array("nodes");
	for (i = 0; i < t.n; i++) {
		open_json_object(NULL);
		ms_print_row(ms_node_cols, &t.rows[i], columns, ARRAY_SIZE(columns), 0);
		close_json_object();
		for (j = 2; j < ARRAY_SIZE(columns); j++) {
			attr = columns[j].attr;
			sum.v[attr] += t.rows[i].v[attr];
		}
	}
	close_json_array();
	open_json_object("total");
	print_fp("%-*s", columns[0].width + 1 + columns[1].width, "total");
	ms_print_row(ms_node_cols, &sum, columns, ARRAY_SIZE(columns), 2);
	close_json_object();
	close_json_object();
out:
	ms_table_free(&t);
	return rc;
}

MEMSTAT_COMMAND(nodes, "nodes", "", FMTS_TEXT_JSON | FMT(FMT_PROMETHEUS), 0,
		CMD_NETLINK, cmd_nodes,
		"per memory node: whether it has memory, its heap's bytes obtained, in use,\n"
		"      idle and released, heap arenas, spans in use, span structures' bytes");
