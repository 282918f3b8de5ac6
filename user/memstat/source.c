// SPDX-License-Identifier: GPL-2.0
/*
 * Where the numbers come from: netlink (netlink.c) unless --proc asked
 * for /proc/memstats (proc.c).  Over netlink the statistics and the size
 * classes are two requests, so two snapshots; from the file they are one.
 */

#include <stdlib.h>
#include <string.h>

#include "memstat.h"

/**
 * ms_read() - the statistics and/or the size classes
 * @ctx: memstat's context (--proc or netlink)
 * @st: filled with the statistics, or NULL
 * @classes: filled with one row per size class, or NULL
 *
 * Return: 0, or an exit status after reporting the error.
 */
int ms_read(struct ms_ctx *ctx, struct ms_stats *st, struct ms_table *classes)
{
	struct ms_stats scratch;
	int err = 0;

	if (ctx->proc)
		return ms_proc_read(ctx->proc, st ? st : &scratch, classes);
	if (st)
		err = ms_nl_stats(ctx, st);
	if (!err && classes)
		err = ms_nl_classes(ctx, classes);
	return err;
}

/**
 * ms_read_cpus() - one row per possible CPU (netlink only)
 * @ctx: memstat's context
 * @cpus: filled
 *
 * Return: 0, or an exit status after reporting the error.
 */
int ms_read_cpus(struct ms_ctx *ctx, struct ms_table *cpus)
{
	if (ctx->proc)
		return ms_usage_err("per-CPU statistics are not in %s; read them over netlink (without --proc)",
				    ctx->proc);
	return ms_nl_cpus(ctx, cpus);
}

/**
 * ms_read_arenas() - one row per arena (netlink only)
 * @ctx: memstat's context
 * @arenas: filled
 *
 * Return: 0, or an exit status after reporting the error.
 */
int ms_read_arenas(struct ms_ctx *ctx, struct ms_table *arenas)
{
	if (ctx->proc)
		return ms_usage_err("per-arena statistics are not in %s; read them over netlink (without --proc)",
				    ctx->proc);
	return ms_nl_arenas(ctx, arenas);
}

/**
 * ms_read_nodes() - one row per possible memory node (netlink only)
 * @ctx: memstat's context
 * @nodes: filled
 *
 * Return: 0, or an exit status after reporting the error.
 */
int ms_read_nodes(struct ms_ctx *ctx, struct ms_table *nodes)
{
	if (ctx->proc)
		return ms_usage_err("per-node statistics are not in %s; read them over netlink (without --proc)",
				    ctx->proc);
	return ms_nl_nodes(ctx, nodes);
}

struct ms_row *ms_table_add(struct ms_table *t)
{
	struct ms_row *rows;

	if (t->n == t->cap) {
		rows = realloc(t->rows, (t->cap ? 2 * t->cap : 64) * sizeof(*rows));
		if (!rows)
			return NULL;
		t->rows = rows;
		t->cap = t->cap ? 2 * t->cap : 64;
	}
	memset(&t->rows[t->n], 0, sizeof(t->rows[0]));
	return &t->rows[t->n++];
}

void ms_table_free(struct ms_table *t)
{
	free(t->rows);
	memset(t, 0, sizeof(*t));
}
