// SPDX-License-Identifier: GPL-2.0
/*
 * memstat [show]: every statistic, by section, aligned and humanised;
 * with --json one object shaped like Go's expvar "memstats" (Go's field
 * names, GCCPUFraction a float, EnableGC a boolean, the pause rings as
 * arrays, BySize as [{Size, Mallocs, Frees}]); with --prometheus or
 * --format=pprof the formats of prometheus.c and pprof.c.
 *
 * The size classes (--json, --prometheus) and the per-CPU figures
 * (--prometheus) are optional: when memarena withholds them from this
 * user, BySize is null and their metrics are left out, with a note on
 * stderr, and the statistics are shown all the same.  The per-node
 * figures (--prometheus) are everyone's.
 *
 * memstat fields: the names 'watch' takes, with units and meanings.
 */

#include <stdio.h>

#include "memstat.h"

static void print_stats(const struct ms_stats *st, const struct ms_table *classes)
{
	char fmt[16];
	int sec, attr;
	size_t i;

	snprintf(fmt, sizeof(fmt), "%%%ds", ms_value_width());
	open_json_object(NULL);
	for (sec = 0; sec < __SEC_COUNT; sec++) {
		print_fp("%s%s\n", sec ? "\n" : "", ms_section_names[sec]);
		ms_for_each_field(attr) {
			if (ms_fields[attr].section != (enum ms_section)sec)
				continue;
			print_fp("  %-14s", ms_fields[attr].name);
			ms_print_stat(st, attr, fmt);
			print_nl();
		}
	}
	if (classes && classes->withheld) {
		print_null(PRINT_JSON, "BySize", NULL, NULL);
	} else if (classes) {
		open_json_array("BySize");
		for (i = 0; i < classes->n; i++) {
			const struct ms_row *r = &classes->rows[i];

			open_json_object(NULL);
			print_u64(PRINT_JSON, "Size", NULL, r->v[MEMARENA_A_CLASS_SIZE]);
			print_u64(PRINT_JSON, "Mallocs", NULL, r->v[MEMARENA_A_CLASS_MALLOCS]);
			print_u64(PRINT_JSON, "Frees", NULL, r->v[MEMARENA_A_CLASS_FREES]);
			close_json_object();
		}
		close_json_array();
	}
	close_json_object();
}

static int cmd_show(struct ms_ctx *ctx, int argc, char **argv)
{
	bool with_classes = ctx->format == FMT_JSON ||
			    ctx->format == FMT_PROMETHEUS;
	struct ms_table classes = { .optional = true };
	struct ms_table cpus = { .optional = true };
	struct ms_table nodes = { 0 };
	struct ms_stats st;
	int rc;

	if (argc)
		return ms_usage_err("unknown command '%s'", argv[0]);
	if (ctx->format == FMT_PPROF && ctx->proc)
		return ms_usage_err("--format=pprof needs the PauseNs and PauseEnd rings, which %s does not have: drop --proc",
				    ctx->proc);
	rc = ms_read(ctx, &st, with_classes ? &classes : NULL);
	if (rc)
		goto out;
	switch (ctx->format) {
	case FMT_PPROF:
		ms_pprof(&st);
		break;
	case FMT_PROMETHEUS:
		/* Per-CPU and per-node figures exist over netlink only. */
		if (!ctx->proc) {
			rc = ms_read_cpus(ctx, &cpus);
			if (!rc)
				rc = ms_read_nodes(ctx, &nodes);
			if (rc)
				goto out;
		}
		ms_prom_stats(&st);
		if (!classes.withheld)
			ms_prom_classes(&classes);
		if (!ctx->proc && !cpus.withheld)
			ms_prom_cpus(&cpus);
		if (!ctx->proc)
			ms_prom_nodes(&nodes);
		if (classes.withheld || cpus.withheld)
			ms_note_withheld(classes.withheld && cpus.withheld ?
					 "the memarena_class_* and memarena_cpu_* metrics" :
					 classes.withheld ? "the memarena_class_* metrics" :
					 "the memarena_cpu_* metrics");
		break;
	default:
		print_stats(&st, with_classes ? &classes : NULL);
		if (with_classes && classes.withheld)
			ms_note_withheld("BySize (the size classes)");
	}
out:
	ms_table_free(&classes);
	ms_table_free(&cpus);
	ms_table_free(&nodes);
	return rc;
}

MEMSTAT_COMMAND(show, "show", "",
		FMTS_TEXT_JSON | FMT(FMT_PROMETHEUS) | FMT(FMT_PPROF), 0, 0,
		cmd_show,
		"every statistic (the default command)");

static int cmd_fields(struct ms_ctx *ctx, int argc, char **argv)
{
	int sec, attr;

	if (argc)
		return ms_usage_err("'fields' takes no arguments");
	open_json_object(NULL);
	open_json_array("fields");
	for (sec = 0; sec < __SEC_COUNT; sec++) {
		print_fp("%s%s\n", sec ? "\n" : "", ms_section_names[sec]);
		ms_for_each_field(attr) {
			const struct ms_field *f = &ms_fields[attr];

			if (f->section != (enum ms_section)sec)
				continue;
			open_json_object(NULL);
			print_string(PRINT_ANY, "name", "  %-14s", f->name);
			print_string(PRINT_JSON, "section", NULL, ms_section_names[sec]);
			print_string(PRINT_ANY, "unit", "%-22s", ms_kind_unit(f->kind));
			print_string(PRINT_ANY, "description", "%s", f->desc);
			if (f->prom)
				print_string(PRINT_JSON, "prometheus", NULL, f->prom);
			else
				print_null(PRINT_JSON, "prometheus", NULL, NULL);
			close_json_object();
			print_nl();
		}
	}
	close_json_array();
	close_json_object();
	return EXIT_OK;
}

MEMSTAT_COMMAND(fields, "fields", "", FMTS_TEXT_JSON, 0, 0, cmd_fields,
		"list the statistics: Go's names (what watch takes), units, meanings");
