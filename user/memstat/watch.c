// SPDX-License-Identifier: GPL-2.0
/*
 * memstat watch [-i INTERVAL] [-n COUNT] [FIELD...]: one line per sample,
 *
 *	HeapAlloc:  148 kB HeapInuse:  401 kB TotalAlloc:  148 kB ...
 *
 * in text (values padded so that the columns stay put), one object per
 * line in JSON ({"elapsed": 1.000, "HeapAlloc": 151552, ...}), or CSV
 * for plotting: a header line "elapsed,HeapAlloc,...", then exact values.
 * elapsed is seconds since the first sample.  Samples are taken on a
 * fixed schedule (absolute CLOCK_MONOTONIC deadlines), so a slow sample
 * does not shift the following ones.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "memstat.h"

static const int default_fields[] = {
	MEMARENA_A_STATS_HEAP_ALLOC,
	MEMARENA_A_STATS_HEAP_INUSE,
	MEMARENA_A_STATS_TOTAL_ALLOC,
	MEMARENA_A_STATS_HEAP_SYS,
	MEMARENA_A_STATS_HEAP_RELEASED,
};

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static void csv_value(const struct ms_stats *st, int attr)
{
	uint64_t v = st->v[attr];

	if (!st->has[attr])
		return;		/* an empty CSV cell */
	if (ms_fields[attr].kind == K_PPB)
		printf("%" PRIu64 ".%09" PRIu64, v / 1000000000, v % 1000000000);
	else
		printf("%" PRIu64, v);
}

static void print_sample(const struct ms_ctx *ctx, const struct ms_stats *st,
			 const int *fields, int n, uint64_t elapsed_ns)
{
	const char *fmt;
	int i;

	if (ctx->format == FMT_CSV) {
		printf("%" PRIu64 ".%03" PRIu64, elapsed_ns / 1000000000,
		       elapsed_ns / 1000000 % 1000);
		for (i = 0; i < n; i++) {
			putchar(',');
			csv_value(st, fields[i]);
		}
		putchar('\n');
		return;
	}
	/* Wide enough for "1000 kB" (SI) or "1023 KiB" (IEC). */
	fmt = ctx->units == UNITS_IEC ? "%8s" : ctx->units == UNITS_SI ? "%7s" : "%s";
	open_json_object(NULL);
	print_float(PRINT_JSON, "elapsed", NULL, (double)(elapsed_ns / 1000000) / 1000);
	for (i = 0; i < n; i++) {
		print_fp("%s%s: ", i ? " " : "", ms_fields[fields[i]].name);
		ms_print_stat(st, fields[i], fmt);
	}
	close_json_object();
	print_nl();
}

static int cmd_watch(struct ms_ctx *ctx, int argc, char **argv)
{
	int fields[__MEMARENA_A_STATS_MAX], n = 0, i, attr, rc;
	struct timespec start, next, now;
	struct ms_stats st;
	uint64_t samples;

	for (i = 0; i < argc; i++) {
		attr = ms_field_lookup(argv[i]);
		if (attr < 0)
			return ms_usage_err("unknown field '%s' ('memstat fields' lists them)",
					    argv[i]);
		if (ms_fields[attr].kind == K_RING_NS ||
		    ms_fields[attr].kind == K_RING_TIME)
			return ms_usage_err("%s is a ring of 256 values, not one: watch PauseTotalNs or LastGC instead",
					    ms_fields[attr].name);
		if (n < (int)ARRAY_SIZE(fields))
			fields[n++] = attr;
	}
	if (!n) {
		memcpy(fields, default_fields, sizeof(default_fields));
		n = ARRAY_SIZE(default_fields);
	}

	if (ctx->format == FMT_CSV) {
		printf("elapsed");
		for (i = 0; i < n; i++)
			printf(",%s", ms_fields[fields[i]].name);
		putchar('\n');
	}

	clock_gettime(CLOCK_MONOTONIC, &start);
	next = start;
	for (samples = 0; !ctx->count || samples < ctx->count; samples++) {
		if (samples) {
			uint64_t t = ts_ns(&next) + ctx->interval_ns;

			next.tv_sec = t / 1000000000;
			next.tv_nsec = t % 1000000000;
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
					       &next, NULL) == EINTR)
				;
		}
		rc = ms_read(ctx, &st, NULL);
		if (rc)
			return rc;
		clock_gettime(CLOCK_MONOTONIC, &now);
		print_sample(ctx, &st, fields, n, ts_ns(&now) - ts_ns(&start));
	}
	return EXIT_OK;
}

MEMSTAT_COMMAND(watch, "watch", "[-i INTERVAL] [-n COUNT] [FIELD...]",
		FMTS_TEXT_JSON | FMT(FMT_CSV), OPT_INTERVAL | OPT_COUNT,
		CMD_STREAM, cmd_watch,
		"one line per sample of the FIELDs (default HeapAlloc HeapInuse TotalAlloc\n"
		"      HeapSys HeapReleased), every INTERVAL (default 1s), COUNT times or until\n"
		"      interrupted; --csv for plotting, --json for one object per line");
