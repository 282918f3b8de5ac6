// SPDX-License-Identifier: GPL-2.0
/*
 * memstat cpus: one line per possible CPU, from MEMARENA_CMD_GET_CPUS:
 * whether it is online, the free objects (and their bytes) its cache
 * holds, and the objects allocated and freed on it, then a total line.
 * A free counts on the CPU that frees, so one CPU's frees may exceed its
 * mallocs.  JSON keys are the attribute names of Documentation/netlink.rst
 * in snake case.  memarena answers CAP_SYS_ADMIN only, unless its
 * stats_public is set: anyone else gets one line saying so, and exit
 * status 1.
 */

#include <stdio.h>

#include "memstat.h"

static const struct ms_table_col columns[] = {
	{ .attr = MEMARENA_A_CPU_CPU, .width = 5 },
	{ .attr = MEMARENA_A_CPU_ONLINE, .width = 6 },
	{ .attr = MEMARENA_A_CPU_CACHED_OBJECTS, .width = 9 },
	{ .attr = MEMARENA_A_CPU_CACHED_BYTES, .width = 12 },
	{ .attr = MEMARENA_A_CPU_MALLOCS, .width = 14 },
	{ .attr = MEMARENA_A_CPU_FREES, .width = 14 },
};

static int cmd_cpus(struct ms_ctx *ctx, int argc, char **argv)
{
	struct ms_table t = { 0 };
	struct ms_row sum = { 0 };
	size_t i, j;
	int rc;

	if (argc)
		return ms_usage_err("'cpus' takes no arguments");
	rc = ms_read_cpus(ctx, &t);
	if (rc)
		goto out;
	if (ctx->format == FMT_PROMETHEUS) {
		ms_prom_cpus(&t);
		goto out;
	}

	open_json_object(NULL);
	ms_print_headings(ms_cpu_cols, columns, ARRAY_SIZE(columns));
	open_json_array("cpus");
	for (i = 0; i < t.n; i++) {
		open_json_object(NULL);
		ms_print_row(ms_cpu_cols, &t.rows[i], columns, ARRAY_SIZE(columns), 0);
		close_json_object();
		for (j = 2; j < ARRAY_SIZE(columns); j++) {
			sum.v[columns[j].attr] += t.rows[i].v[columns[j].attr];
			sum.has[columns[j].attr] = true;
		}
	}
	close_json_array();
	open_json_object("total");
	print_fp("%-*s", columns[0].width + 1 + columns[1].width, "total");
	ms_print_row(ms_cpu_cols, &sum, columns, ARRAY_SIZE(columns), 2);
	close_json_object();
	close_json_object();
out:
	ms_table_free(&t);
	return rc;
}

MEMSTAT_COMMAND(cpus, "cpus", "", FMTS_TEXT_JSON | FMT(FMT_PROMETHEUS), 0,
		CMD_NETLINK, cmd_cpus,
		"per CPU: online, free objects and bytes cached, objects allocated and freed;\n"
		"      needs CAP_SYS_ADMIN unless memarena's stats_public=1");
