// SPDX-License-Identifier: GPL-2.0
/*
 * --format=pprof: the "# runtime.MemStats" block that Go's
 * /debug/pprof/heap?debug=1 ends with (writeHeapInternal() in
 * src/runtime/pprof/pprof.go), line for line in Go's order and Go's fmt
 * formats: %d integers, "Inuse / Sys" pairs, the 256-entry rings as Go
 * prints arrays ("[0 0 ...]"), GCCPUFraction and DebugGC as %v.  So it
 * can be diffed against a Go program's.  Go's profile records before the
 * block, and the "# MaxRSS" line recent Go versions add after it (the
 * process's peak RSS), have no memarena counterpart and are left out.
 * The table of lines is also what gostats.c reads a Go program's block by.
 */

#include <inttypes.h>
#include <stdio.h>

#include "memstat.h"

/* One "# Name = value" line, or "# Name = inuse / sys" with two. */
#define L(name, attr)		{ name, MEMARENA_A_STATS_##attr, 0 }
#define PAIR(name, a, b)	{ name, MEMARENA_A_STATS_##a, MEMARENA_A_STATS_##b }

const struct ms_pprof_line ms_pprof_lines[] = {
	L("Alloc", ALLOC),
	L("TotalAlloc", TOTAL_ALLOC),
	L("Sys", SYS),
	L("Lookups", LOOKUPS),
	L("Mallocs", MALLOCS),
	L("Frees", FREES),
	L("HeapAlloc", HEAP_ALLOC),
	L("HeapSys", HEAP_SYS),
	L("HeapIdle", HEAP_IDLE),
	L("HeapInuse", HEAP_INUSE),
	L("HeapReleased", HEAP_RELEASED),
	L("HeapObjects", HEAP_OBJECTS),
	PAIR("Stack", STACK_INUSE, STACK_SYS),
	PAIR("MSpan", MSPAN_INUSE, MSPAN_SYS),
	PAIR("MCache", MCACHE_INUSE, MCACHE_SYS),
	L("BuckHashSys", BUCK_HASH_SYS),
	L("GCSys", GC_SYS),
	L("OtherSys", OTHER_SYS),
	L("NextGC", NEXT_GC),
	L("LastGC", LAST_GC),
	L("PauseNs", PAUSE_NS),
	L("PauseEnd", PAUSE_END),
	L("NumGC", NUM_GC),
	L("NumForcedGC", NUM_FORCED_GC),
	L("GCCPUFraction", GC_CPU_FRACTION),
	L("DebugGC", DEBUG_GC),
};
const size_t ms_pprof_nlines = ARRAY_SIZE(ms_pprof_lines);

static void print_ring(const uint64_t *ring)
{
	unsigned int i;

	putchar('[');
	for (i = 0; i < MEMARENA_PAUSE_RING; i++)
		printf(i ? " %" PRIu64 : "%" PRIu64, ring[i]);
	putchar(']');
}

/**
 * ms_pprof() - print the block
 * @st: the statistics, read over netlink (the rings are needed)
 */
void ms_pprof(const struct ms_stats *st)
{
	char buf[HUMAN_BUFSZ];
	unsigned int i;
	int attr;

	printf("# runtime.MemStats\n");
	for (i = 0; i < ARRAY_SIZE(ms_pprof_lines); i++) {
		attr = ms_pprof_lines[i].attr;
		printf("# %s = ", ms_pprof_lines[i].name);
		if (ms_pprof_lines[i].attr2)
			printf("%" PRIu64 " / %" PRIu64, st->v[attr],
			       st->v[ms_pprof_lines[i].attr2]);
		else if (attr == MEMARENA_A_STATS_PAUSE_NS)
			print_ring(st->pause_ns);
		else if (attr == MEMARENA_A_STATS_PAUSE_END)
			print_ring(st->pause_end);
		else if (ms_fields[attr].kind == K_PPB)
			fputs(human_float(buf, sizeof(buf), st->v[attr] / 1e9), stdout);
		else if (ms_fields[attr].kind == K_BOOL)
			fputs(st->v[attr] ? "true" : "false", stdout);
		else
			printf("%" PRIu64, st->v[attr]);
		putchar('\n');
	}
}
