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

static const struct {
	int attr;
	int width;
} columns[] = {
	{ MEMARENA_A_CPU_CPU, 5 },
	{ MEMARENA_A_CPU_ONLINE, 6 },
	{ MEMARENA_A_CPU_CACHED_OBJECTS, 9 },
	{ MEMARENA_A_CPU_CACHED_BYTES, 12 },
	{ MEMARENA_A_CPU_MALLOCS, 14 },
	{ MEMARENA_A_CPU_FREES, 14 },
};

static void print_row(const struct ms_row *r, size_t first)
{
	char fmt[16];
	size_t i;

	for (i = first; i < ARRAY_SIZE(columns); i++) {
		if (i)
			print_fp(" ");
		snprintf(fmt, sizeof(fmt), "%%%ds", columns[i].width);
		ms_print_col(ms_cpu_cols, r, columns[i].attr, fmt);
	}
	print_nl();
}

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
	for (i = 0; i < ARRAY_SIZE(columns); i++)
		print_fp("%s%*s", i ? " " : "", columns[i].width,
			 ms_cpu_cols[columns[i].attr].heading);
	print_nl();
	open_json_array("cpus");
	for (i = 0; i < t.n; i++) {
		open_json_object(NULL);
		print_row(&t.rows[i], 0);
		close_json_object();
		for (j = 2; j < ARRAY_SIZE(columns); j++) {
			sum.v[columns[j].attr] += t.rows[i].v[columns[j].attr];
			sum.has[columns[j].attr] = true;
		}
	}
	close_json_array();
	open_json_object("total");
	print_fp("%-*s", columns[0].width + 1 + columns[1].width, "total");
	print_row(&sum, 2);
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
