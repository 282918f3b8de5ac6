// SPDX-License-Identifier: GPL-2.0
/*
 * memstat arenas: one line per arena (memarena_arena_create(), one per
 * open /dev/memarena), from MEMARENA_CMD_GET_ARENAS, in order of
 * creation: its id and name, its live objects and bytes, the objects
 * allocated from it and freed, the spans it owns and their bytes (its
 * part of HeapInuse), and when it was created; then a total line.  Each
 * arena's counters are read one by one, as memarena_arena_get_stats()
 * does.  JSON keys are the attribute names of Documentation/netlink.rst
 * in snake case; Prometheus series are labelled {arena="NAME",id="ID"}.
 * memarena answers CAP_SYS_ADMIN only, unless its stats_public is set:
 * anyone else gets one line saying so, and exit status 1.
 */

#include <stdio.h>
#include <string.h>

#include "memstat.h"

static const struct ms_table_col columns[] = {
	{ .attr = MEMARENA_A_ARENA_ID, .width = 4 },
	{ .attr = MEMARENA_A_ARENA_NAME, .width = -24, .name = true },
	{ .attr = MEMARENA_A_ARENA_LIVE_OBJECTS, .width = 10 },
	{ .attr = MEMARENA_A_ARENA_LIVE_BYTES, .width = 11 },
	{ .attr = MEMARENA_A_ARENA_MALLOCS, .width = 12 },
	{ .attr = MEMARENA_A_ARENA_FREES, .width = 12 },
	{ .attr = MEMARENA_A_ARENA_SPANS, .width = 7 },
	{ .attr = MEMARENA_A_ARENA_SPAN_BYTES, .width = 11 },
	{ .attr = MEMARENA_A_ARENA_CREATED, .width = 23 },
};

static int cmd_arenas(struct ms_ctx *ctx, int argc, char **argv)
{
	struct ms_table t = { 0 };
	struct ms_row sum = { 0 };
	size_t i, j;
	int attr, rc;

	if (argc)
		return ms_usage_err("'arenas' takes no arguments");
	rc = ms_read_arenas(ctx, &t);
	if (rc)
		goto out;
	if (ctx->format == FMT_PROMETHEUS) {
		ms_prom_arenas(&t);
		goto out;
	}

	for (j = 2; j < ARRAY_SIZE(columns); j++)
		sum.has[columns[j].attr] = true;	/* 0 without arenas */
	open_json_object(NULL);
	ms_print_headings(ms_arena_cols, columns, ARRAY_SIZE(columns));
	open_json_array("arenas");
	for (i = 0; i < t.n; i++) {
		open_json_object(NULL);
		ms_print_row(ms_arena_cols, &t.rows[i], columns, ARRAY_SIZE(columns), 0);
		close_json_object();
		for (j = 2; j < ARRAY_SIZE(columns); j++) {
			attr = columns[j].attr;
			if (attr != MEMARENA_A_ARENA_CREATED)
				sum.v[attr] += t.rows[i].v[attr];
		}
	}
	close_json_array();
	open_json_object("total");
	print_fp("%-*s", columns[0].width + 1 - columns[1].width, "total");
	/* No creation time for the total. */
	ms_print_row(ms_arena_cols, &sum, columns, ARRAY_SIZE(columns) - 1, 2);
	close_json_object();
	close_json_object();
out:
	ms_table_free(&t);
	return rc;
}

MEMSTAT_COMMAND(arenas, "arenas", "", FMTS_TEXT_JSON | FMT(FMT_PROMETHEUS), 0,
		CMD_NETLINK, cmd_arenas,
		"per arena: live objects and bytes, objects allocated and freed, spans\n"
		"      and bytes in use, when created; needs CAP_SYS_ADMIN unless\n"
		"      memarena's stats_public=1");
