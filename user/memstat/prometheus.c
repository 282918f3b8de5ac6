// SPDX-License-Identifier: GPL-2.0
/*
 * --prometheus: the Prometheus text exposition format (version 0.0.4),
 * for scraping through node_exporter's textfile collector (-o FILE).
 *
 * The statistics Go's client_golang exports for every Go program come
 * out under its names, types and help texts (ms_fields[]): the
 * go_memstats_* gauges and counters, go_memstats_last_gc_time_seconds,
 * and the go_gc_duration_seconds summary computed from the PauseNs ring
 * the way debug.ReadGCStats() does.  go_memstats_lookups_total and
 * go_memstats_gc_cpu_fraction, which older client_golang releases export,
 * are kept for the dashboards that still chart them.  What Go has not
 * comes as memarena_*: memarena's own statistics, and one series per
 * size class (labels class and size), per CPU (label cpu), per arena
 * (labels arena and id) or per memory node (label node).
 *
 * Families come out sorted by name, as client_golang's registry gathers
 * them; values are exact decimals (integers, or seconds and fractions
 * with nine decimals).
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memstat.h"

#define GC_DURATION		"go_gc_duration_seconds"
#define GC_DURATION_HELP	"A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles."

static const char *type_name(enum ms_prom_type t)
{
	return t == PROM_COUNTER ? "counter" : "gauge";
}

static void family(const char *name, const char *type, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A value of @kind in the metric's base unit (seconds, fractions). */
static void value(enum ms_kind kind, uint64_t v)
{
	switch (kind) {
	case K_TIME:
	case K_DURATION:
	case K_PPB:
		printf("%" PRIu64 ".%09" PRIu64 "\n", v / 1000000000,
		       v % 1000000000);
		break;
	default:
		printf("%" PRIu64 "\n", v);
	}
}

static int u64_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* go_gc_duration_seconds: quantiles 0, .25, .5, .75, 1 of recent pauses. */
static void gc_duration(const struct ms_stats *st)
{
	static const char *const q[] = { "0", "0.25", "0.5", "0.75", "1" };
	uint64_t pauses[MEMARENA_PAUSE_RING], v;
	unsigned int n, i;

	n = ms_recent_pauses(st, pauses, MEMARENA_PAUSE_RING);
	qsort(pauses, n, sizeof(pauses[0]), u64_cmp);
	family(GC_DURATION, "summary", GC_DURATION_HELP);
	for (i = 0; i < ARRAY_SIZE(q); i++) {
		if (n == 0)
			v = 0;
		else if (i == ARRAY_SIZE(q) - 1)
			v = pauses[n - 1];
		else
			v = pauses[n * i / (ARRAY_SIZE(q) - 1)];
		printf("%s{quantile=\"%s\"} ", GC_DURATION, q[i]);
		value(K_DURATION, v);
	}
	printf("%s_sum ", GC_DURATION);
	value(K_DURATION, st->v[MEMARENA_A_STATS_PAUSE_TOTAL_NS]);
	printf("%s_count ", GC_DURATION);
	value(K_COUNT, st->v[MEMARENA_A_STATS_NUM_GC]);
}

/* Sort key of a statistic's family; -1 stands for go_gc_duration_seconds. */
static const char *family_name(int attr)
{
	return attr < 0 ? GC_DURATION : ms_fields[attr].prom;
}

static int family_cmp(const void *a, const void *b)
{
	return strcmp(family_name(*(const int *)a), family_name(*(const int *)b));
}

/**
 * ms_prom_stats() - the statistics as metric families
 * @st: the statistics; those the kernel did not send are left out
 */
void ms_prom_stats(const struct ms_stats *st)
{
	int order[__MEMARENA_A_STATS_MAX + 1], attr;
	size_t n = 0, i;

	ms_for_each_field(attr)
		if (ms_fields[attr].prom && st->has[attr])
			order[n++] = attr;
	if (st->has[MEMARENA_A_STATS_PAUSE_NS] && st->has[MEMARENA_A_STATS_NUM_GC] &&
	    st->has[MEMARENA_A_STATS_PAUSE_TOTAL_NS])
		order[n++] = -1;
	qsort(order, n, sizeof(order[0]), family_cmp);

	for (i = 0; i < n; i++) {
		const struct ms_field *f = &ms_fields[order[i]];

		if (order[i] < 0) {
			gc_duration(st);
			continue;
		}
		family(f->prom, type_name(f->prom_type), f->prom_help);
		printf("%s ", f->prom);
		value(f->kind, st->v[order[i]]);
	}
}

/* One family per column, one series per row, labelled by @label(row). */
static void prom_table(const struct ms_table *t, const struct ms_column *cols,
		       int ncols, const char *prefix,
		       void (*label)(const struct ms_row *row))
{
	char name[96];
	size_t i;
	int attr;

	for (attr = 0; attr < ncols; attr++) {
		if (!cols[attr].prom)
			continue;
		snprintf(name, sizeof(name), "%s%s", prefix, cols[attr].prom);
		family(name, type_name(cols[attr].prom_type), cols[attr].prom_help);
		for (i = 0; i < t->n; i++) {
			if (!t->rows[i].has[attr])
				continue;
			printf("%s", name);
			label(&t->rows[i]);
			value(cols[attr].kind, t->rows[i].v[attr]);
		}
	}
}

static void class_label(const struct ms_row *row)
{
	printf("{class=\"%" PRIu64 "\",size=\"%" PRIu64 "\"} ",
	       row->v[MEMARENA_A_CLASS_CLASS], row->v[MEMARENA_A_CLASS_SIZE]);
}

static void cpu_label(const struct ms_row *row)
{
	printf("{cpu=\"%" PRIu64 "\"} ", row->v[MEMARENA_A_CPU_CPU]);
}

void ms_prom_classes(const struct ms_table *classes)
{
	prom_table(classes, ms_class_cols, ARRAY_SIZE(ms_class_cols),
		   "memarena_class_", class_label);
}

void ms_prom_cpus(const struct ms_table *cpus)
{
	prom_table(cpus, ms_cpu_cols, ARRAY_SIZE(ms_cpu_cols),
		   "memarena_cpu_", cpu_label);
}

/* A label value as the exposition format wants it: \\, \" and \n escaped. */
static void label_value(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			printf("\\%c", *s);
		else if (*s == '\n')
			printf("\\n");
		else
			putchar(*s);
	}
}

static void arena_label(const struct ms_row *row)
{
	printf("{arena=\"");
	label_value(row->name);
	printf("\",id=\"%" PRIu64 "\"} ", row->v[MEMARENA_A_ARENA_ID]);
}

void ms_prom_arenas(const struct ms_table *arenas)
{
	prom_table(arenas, ms_arena_cols, ARRAY_SIZE(ms_arena_cols),
		   "memarena_arena_", arena_label);
}

static void node_label(const struct ms_row *row)
{
	printf("{node=\"%" PRIu64 "\"} ", row->v[MEMARENA_A_NODE_NODE]);
}

void ms_prom_nodes(const struct ms_table *nodes)
{
	prom_table(nodes, ms_node_cols, ARRAY_SIZE(ms_node_cols),
		   "memarena_node_", node_label);
}
