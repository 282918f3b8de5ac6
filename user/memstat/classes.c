// SPDX-License-Identifier: GPL-2.0
/*
 * memstat classes [-s FIELD]: the size-class table, one line per class,
 * like slabtop's: object size, span bytes, objects per span, live objects
 * and bytes, cumulative mallocs and frees, spans in use, free objects in
 * the per-CPU caches, and utilisation, the share of the class's in-use
 * span bytes that hold live objects (its part of HeapInuse - HeapAlloc is
 * the rest).  A total line ends the table.  JSON keys are the
 * /proc/memstats BySize column names, plus "util".  memarena shows the
 * table to CAP_SYS_ADMIN only, unless its stats_public is set: anyone
 * else gets one line saying so, and exit status 1.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memstat.h"

#define UTIL	(-1)	/* sort key: utilisation, not an attribute */

/* The columns in the order they are printed, with their text widths. */
static const struct {
	int attr;
	int width;
} columns[] = {
	{ MEMARENA_A_CLASS_CLASS, 5 },
	{ MEMARENA_A_CLASS_SIZE, 6 },
	{ MEMARENA_A_CLASS_SPAN_BYTES, 6 },
	{ MEMARENA_A_CLASS_OBJECTS_PER_SPAN, 9 },
	{ MEMARENA_A_CLASS_LIVE_OBJECTS, 9 },
	{ MEMARENA_A_CLASS_LIVE_BYTES, 10 },
	{ MEMARENA_A_CLASS_MALLOCS, 12 },
	{ MEMARENA_A_CLASS_FREES, 12 },
	{ MEMARENA_A_CLASS_SPANS, 6 },
	{ MEMARENA_A_CLASS_CACHED_OBJECTS, 7 },
	{ UTIL, 6 },
};

static const struct {
	const char *name;
	int attr;
} sort_aliases[] = {
	{ "live", MEMARENA_A_CLASS_LIVE_BYTES },
	{ "objects", MEMARENA_A_CLASS_LIVE_OBJECTS },
	{ "cached", MEMARENA_A_CLASS_CACHED_OBJECTS },
	{ "util", UTIL },
};

static int sort_attr;

/* Live bytes over in-use span bytes; < 0 when the class has no span. */
static double util(const struct ms_row *r)
{
	uint64_t span = r->v[MEMARENA_A_CLASS_SPANS] *
			r->v[MEMARENA_A_CLASS_SPAN_BYTES];

	return span ? (double)r->v[MEMARENA_A_CLASS_LIVE_BYTES] / span : -1;
}

static int row_cmp(const void *a, const void *b)
{
	const struct ms_row *x = a, *y = b;
	double ux, uy;

	if (sort_attr == UTIL) {
		ux = util(x);
		uy = util(y);
		if (ux != uy)
			return ux < uy ? 1 : -1;
	} else if (x->v[sort_attr] != y->v[sort_attr]) {
		/* Constants of the class ascending, the rest biggest first. */
		bool up = sort_attr <= MEMARENA_A_CLASS_OBJECTS_PER_SPAN;

		return (x->v[sort_attr] < y->v[sort_attr]) == up ? -1 : 1;
	}
	return x->v[MEMARENA_A_CLASS_CLASS] < y->v[MEMARENA_A_CLASS_CLASS] ? -1 : 1;
}

static int parse_sort(const char *key)
{
	size_t i;
	int attr;

	if (!key)
		return MEMARENA_A_CLASS_CLASS;
	for (i = 0; i < ARRAY_SIZE(sort_aliases); i++)
		if (!strcmp(key, sort_aliases[i].name))
			return sort_aliases[i].attr;
	for (attr = MEMARENA_A_CLASS_CLASS; attr < (int)ARRAY_SIZE(ms_class_cols); attr++)
		if (!strcmp(key, ms_class_cols[attr].name))
			return attr;
	return -2;
}

static void print_util(double u, int width)
{
	char buf[16];

	if (u < 0) {
		print_null(PRINT_JSON, "util", NULL, NULL);
		print_fp("%*s", width, "-");
		return;
	}
	snprintf(buf, sizeof(buf), "%.1f%%", 100 * u);
	print_float(PRINT_JSON, "util", NULL, u);
	print_fp("%*s", width, buf);
}

static void print_row(const struct ms_row *r)
{
	char fmt[16];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(columns); i++) {
		if (i)
			print_fp(" ");
		if (columns[i].attr == UTIL) {
			print_util(util(r), columns[i].width);
			continue;
		}
		snprintf(fmt, sizeof(fmt), "%%%ds", columns[i].width);
		ms_print_col(ms_class_cols, r, columns[i].attr, fmt);
	}
	print_nl();
}

/* The total line: sums of the per-class counts, and the overall share. */
static void print_total(const struct ms_table *t)
{
	static const int summed[] = {
		MEMARENA_A_CLASS_LIVE_OBJECTS, MEMARENA_A_CLASS_LIVE_BYTES,
		MEMARENA_A_CLASS_MALLOCS, MEMARENA_A_CLASS_FREES,
		MEMARENA_A_CLASS_SPANS, MEMARENA_A_CLASS_CACHED_OBJECTS,
	};
	uint64_t span_bytes = 0;
	struct ms_row sum = { 0 };
	char fmt[16];
	size_t i, j;

	for (i = 0; i < t->n; i++) {
		for (j = 0; j < ARRAY_SIZE(summed); j++) {
			sum.v[summed[j]] += t->rows[i].v[summed[j]];
			sum.has[summed[j]] = true;
		}
		span_bytes += t->rows[i].v[MEMARENA_A_CLASS_SPANS] *
			      t->rows[i].v[MEMARENA_A_CLASS_SPAN_BYTES];
	}
	open_json_object("total");
	print_fp("%-*s", columns[0].width + 1 + columns[1].width + 1 +
		 columns[2].width + 1 + columns[3].width, "total");
	for (i = 4; i < ARRAY_SIZE(columns); i++) {
		print_fp(" ");
		if (columns[i].attr == UTIL) {
			print_util(span_bytes ? (double)sum.v[MEMARENA_A_CLASS_LIVE_BYTES] /
				   span_bytes : -1, columns[i].width);
			continue;
		}
		snprintf(fmt, sizeof(fmt), "%%%ds", columns[i].width);
		ms_print_col(ms_class_cols, &sum, columns[i].attr, fmt);
	}
	print_size(PRINT_JSON, "span_bytes_in_use", NULL, span_bytes);
	close_json_object();
	print_nl();
}

static int cmd_classes(struct ms_ctx *ctx, int argc, char **argv)
{
	struct ms_table t = { 0 };
	size_t i;
	int rc;

	if (argc)
		return ms_usage_err("'classes' takes no arguments");
	sort_attr = parse_sort(ctx->sort);
	if (sort_attr == -2)
		return ms_usage_err("unknown sort field '%s' (class, size, span_bytes, span_objects, live, live_bytes, objects, live_objects, mallocs, frees, spans, cached, util)",
				    ctx->sort);
	rc = ms_read(ctx, NULL, &t);
	if (rc)
		goto out;
	qsort(t.rows, t.n, sizeof(t.rows[0]), row_cmp);

	if (ctx->format == FMT_PROMETHEUS) {
		ms_prom_classes(&t);
		goto out;
	}
	open_json_object(NULL);
	for (i = 0; i < ARRAY_SIZE(columns); i++)
		print_fp("%s%*s", i ? " " : "", columns[i].width,
			 columns[i].attr == UTIL ? "UTIL" :
			 ms_class_cols[columns[i].attr].heading);
	print_nl();
	open_json_array("classes");
	for (i = 0; i < t.n; i++) {
		open_json_object(NULL);
		print_row(&t.rows[i]);
		close_json_object();
	}
	close_json_array();
	print_total(&t);
	close_json_object();
out:
	ms_table_free(&t);
	return rc;
}

MEMSTAT_COMMAND(classes, "classes", "[-s FIELD]",
		FMTS_TEXT_JSON | FMT(FMT_PROMETHEUS), OPT_SORT, 0, cmd_classes,
		"the size-class table: size, span bytes, objects per span, live objects and\n"
		"      bytes, mallocs, frees, spans in use, cached objects, utilisation (live\n"
		"      bytes / in-use span bytes); -s sorts by class, size, live, objects,\n"
		"      mallocs, frees, spans, cached, util or any JSON key, biggest first;\n"
		"      needs CAP_SYS_ADMIN unless memarena's stats_public=1");
