// SPDX-License-Identifier: GPL-2.0
/*
 * What memstat knows about each value the kernel sends: for every
 * MEMARENA_A_STATS_* statistic its Go name (the /proc/memstats name, the
 * JSON key and what 'watch' takes), its kind (how to print it), its
 * section, a one-line description, and the Prometheus metric it becomes;
 * for the size-class, CPU, arena, node and cycle attributes their
 * /proc/memstats column or JSON key, heading and metric.
 *
 * The uapi enums are the one definition of the statistics; these tables
 * are indexed by them and the static_asserts below fail the build when
 * an attribute is appended to the ABI without a row here.  The Go metric
 * names and help texts are client_golang's (prometheus/go_collector.go),
 * so that dashboards made for Go programs work unchanged.
 */

#include <string.h>
#include <strings.h>

#include "memstat.h"

const char *const ms_section_names[__SEC_COUNT] = {
	[SEC_GENERAL]	= "General",
	[SEC_HEAP]	= "Heap",
	[SEC_STACK]	= "Stacks",
	[SEC_OFFHEAP]	= "Off-heap memory",
	[SEC_GC]	= "Reclaim cycles (Go's GC fields)",
	[SEC_OWN]	= "memarena's own",
};

#define STAT(attr, _name, _kind, _sec, _desc, _prom, _ptype, _phelp)	\
	[MEMARENA_A_STATS_##attr] = {					\
		.name = _name, .kind = _kind, .section = _sec,		\
		.desc = _desc, .prom = _prom, .prom_type = _ptype,	\
		.prom_help = _phelp,					\
	}

const struct ms_field ms_fields[] = {
	STAT(ALLOC, "Alloc", K_BYTES, SEC_GENERAL,
	     "bytes of allocated objects (same as HeapAlloc)",
	     "go_memstats_alloc_bytes", PROM_GAUGE,
	     "Number of bytes allocated in heap and currently in use. Equals to /memory/classes/heap/objects:bytes."),
	STAT(TOTAL_ALLOC, "TotalAlloc", K_BYTES, SEC_GENERAL,
	     "bytes ever allocated, cumulative",
	     "go_memstats_alloc_bytes_total", PROM_COUNTER,
	     "Total number of bytes allocated in heap until now, even if released already. Equals to /gc/heap/allocs:bytes."),
	STAT(SYS, "Sys", K_BYTES, SEC_GENERAL,
	     "bytes obtained from the kernel, the sum of the *Sys fields",
	     "go_memstats_sys_bytes", PROM_GAUGE,
	     "Number of bytes obtained from system. Equals to /memory/classes/total:byte."),
	STAT(LOOKUPS, "Lookups", K_COUNT, SEC_GENERAL,
	     "pointer lookups, cumulative (always 0)",
	     "go_memstats_lookups_total", PROM_COUNTER,
	     "Total number of pointer lookups."),
	STAT(MALLOCS, "Mallocs", K_COUNT, SEC_GENERAL,
	     "objects allocated, cumulative",
	     "go_memstats_mallocs_total", PROM_COUNTER,
	     "Total number of heap objects allocated, both live and gc-ed. Semantically a counter version for go_memstats_heap_objects gauge. Equals to /gc/heap/allocs:objects + /gc/heap/tiny/allocs:objects."),
	STAT(FREES, "Frees", K_COUNT, SEC_GENERAL,
	     "objects freed, cumulative",
	     "go_memstats_frees_total", PROM_COUNTER,
	     "Total number of heap objects frees. Equals to /gc/heap/frees:objects + /gc/heap/tiny/allocs:objects."),
	STAT(HEAP_ALLOC, "HeapAlloc", K_BYTES, SEC_HEAP,
	     "bytes of allocated objects",
	     "go_memstats_heap_alloc_bytes", PROM_GAUGE,
	     "Number of heap bytes allocated and currently in use, same as go_memstats_alloc_bytes. Equals to /memory/classes/heap/objects:bytes."),
	STAT(HEAP_SYS, "HeapSys", K_BYTES, SEC_HEAP,
	     "bytes of heap arenas, HeapIdle + HeapInuse",
	     "go_memstats_heap_sys_bytes", PROM_GAUGE,
	     "Number of heap bytes obtained from system. Equals to /memory/classes/heap/objects:bytes + /memory/classes/heap/unused:bytes + /memory/classes/heap/released:bytes + /memory/classes/heap/free:bytes."),
	STAT(HEAP_IDLE, "HeapIdle", K_BYTES, SEC_HEAP,
	     "bytes in free spans",
	     "go_memstats_heap_idle_bytes", PROM_GAUGE,
	     "Number of heap bytes waiting to be used. Equals to /memory/classes/heap/released:bytes + /memory/classes/heap/free:bytes."),
	STAT(HEAP_INUSE, "HeapInuse", K_BYTES, SEC_HEAP,
	     "bytes in spans in use (objects, free slots, span tails)",
	     "go_memstats_heap_inuse_bytes", PROM_GAUGE,
	     "Number of heap bytes that are in use. Equals to /memory/classes/heap/objects:bytes + /memory/classes/heap/unused:bytes"),
	STAT(HEAP_RELEASED, "HeapReleased", K_BYTES, SEC_HEAP,
	     "bytes of idle heap given back to the page allocator",
	     "go_memstats_heap_released_bytes", PROM_GAUGE,
	     "Number of heap bytes released to OS. Equals to /memory/classes/heap/released:bytes."),
	STAT(HEAP_OBJECTS, "HeapObjects", K_COUNT, SEC_HEAP,
	     "objects allocated now, Mallocs - Frees",
	     "go_memstats_heap_objects", PROM_GAUGE,
	     "Number of currently allocated objects. Equals to /gc/heap/objects:objects."),
	STAT(STACK_INUSE, "StackInuse", K_BYTES, SEC_STACK,
	     "bytes of stack spans (always 0: no goroutines)",
	     "go_memstats_stack_inuse_bytes", PROM_GAUGE,
	     "Number of bytes obtained from system for stack allocator in non-CGO environments. Equals to /memory/classes/heap/stacks:bytes."),
	STAT(STACK_SYS, "StackSys", K_BYTES, SEC_STACK,
	     "bytes of stack memory (always 0)",
	     "go_memstats_stack_sys_bytes", PROM_GAUGE,
	     "Number of bytes obtained from system for stack allocator. Equals to /memory/classes/heap/stacks:bytes + /memory/classes/os-stacks:bytes."),
	STAT(MSPAN_INUSE, "MSpanInuse", K_BYTES, SEC_OFFHEAP,
	     "bytes of span structures in use",
	     "go_memstats_mspan_inuse_bytes", PROM_GAUGE,
	     "Number of bytes in use by mspan structures. Equals to /memory/classes/metadata/mspan/inuse:bytes."),
	STAT(MSPAN_SYS, "MSpanSys", K_BYTES, SEC_OFFHEAP,
	     "bytes of pages span structures are carved from",
	     "go_memstats_mspan_sys_bytes", PROM_GAUGE,
	     "Number of bytes used for mspan structures obtained from system. Equals to /memory/classes/metadata/mspan/inuse:bytes + /memory/classes/metadata/mspan/free:bytes."),
	STAT(MCACHE_INUSE, "MCacheInuse", K_BYTES, SEC_OFFHEAP,
	     "bytes of the per-CPU caches of online CPUs",
	     "go_memstats_mcache_inuse_bytes", PROM_GAUGE,
	     "Number of bytes in use by mcache structures. Equals to /memory/classes/metadata/mcache/inuse:bytes."),
	STAT(MCACHE_SYS, "MCacheSys", K_BYTES, SEC_OFFHEAP,
	     "bytes of the per-CPU caches of possible CPUs",
	     "go_memstats_mcache_sys_bytes", PROM_GAUGE,
	     "Number of bytes used for mcache structures obtained from system. Equals to /memory/classes/metadata/mcache/inuse:bytes + /memory/classes/metadata/mcache/free:bytes."),
	STAT(BUCK_HASH_SYS, "BuckHashSys", K_BYTES, SEC_OFFHEAP,
	     "bytes of profiling buckets (always 0)",
	     "go_memstats_buck_hash_sys_bytes", PROM_GAUGE,
	     "Number of bytes used by the profiling bucket hash table. Equals to /memory/classes/profiling/buckets:bytes."),
	STAT(GC_SYS, "GCSys", K_BYTES, SEC_OFFHEAP,
	     "bytes of allocator metadata (heap arena index and maps)",
	     "go_memstats_gc_sys_bytes", PROM_GAUGE,
	     "Number of bytes used for garbage collection system metadata. Equals to /memory/classes/metadata/other:bytes."),
	STAT(OTHER_SYS, "OtherSys", K_BYTES, SEC_OFFHEAP,
	     "bytes of other memory (module image, user arena structures)",
	     "go_memstats_other_sys_bytes", PROM_GAUGE,
	     "Number of bytes used for other system allocations. Equals to /memory/classes/other:bytes."),
	STAT(NEXT_GC, "NextGC", K_BYTES, SEC_GC,
	     "heap size at which the next reclaim cycle is due",
	     "go_memstats_next_gc_bytes", PROM_GAUGE,
	     "Number of heap bytes when next garbage collection will take place. Equals to /gc/heap/goal:bytes."),
	STAT(LAST_GC, "LastGC", K_TIME, SEC_GC,
	     "when the last reclaim cycle ended (ns since the epoch)",
	     "go_memstats_last_gc_time_seconds", PROM_GAUGE,
	     "Number of seconds since 1970 of last garbage collection."),
	STAT(PAUSE_TOTAL_NS, "PauseTotalNs", K_DURATION, SEC_GC,
	     "time allocators waited for reclaim cycles, cumulative",
	     NULL, PROM_NONE, NULL),
	STAT(PAUSE_NS, "PauseNs", K_RING_NS, SEC_GC,
	     "pauses of the last 256 cycles (ring, ns)",
	     NULL, PROM_NONE, NULL),
	STAT(PAUSE_END, "PauseEnd", K_RING_TIME, SEC_GC,
	     "end times of the last 256 pauses (ring, ns since the epoch)",
	     NULL, PROM_NONE, NULL),
	STAT(NUM_GC, "NumGC", K_COUNT, SEC_GC,
	     "reclaim cycles completed, cumulative",
	     "memarena_gc_cycles_total", PROM_COUNTER,
	     "Reclaim cycles completed (Go's NumGC)."),
	STAT(NUM_FORCED_GC, "NumForcedGC", K_COUNT, SEC_GC,
	     "reclaim cycles run on request, cumulative",
	     "memarena_gc_forced_cycles_total", PROM_COUNTER,
	     "Reclaim cycles run on request rather than by the scavenger (Go's NumForcedGC)."),
	STAT(GC_CPU_FRACTION, "GCCPUFraction", K_PPB, SEC_GC,
	     "fraction of CPU time spent in reclaim",
	     "go_memstats_gc_cpu_fraction", PROM_GAUGE,
	     "The fraction of this program's available CPU time used by the GC since the program started."),
	STAT(ENABLE_GC, "EnableGC", K_BOOL, SEC_GC,
	     "reclaim enabled (always true)",
	     NULL, PROM_NONE, NULL),
	STAT(DEBUG_GC, "DebugGC", K_BOOL, SEC_GC,
	     "unused (always false)",
	     NULL, PROM_NONE, NULL),
	STAT(BAD_FREES, "BadFrees", K_COUNT, SEC_OWN,
	     "frees refused as wrong (double, foreign, interior), cumulative",
	     "memarena_bad_frees_total", PROM_COUNTER,
	     "Frees memarena detected as wrong and ignored (double, foreign, interior, in free pages, from NMI)."),
	STAT(CACHED_OBJECTS, "CachedObjects", K_COUNT, SEC_OWN,
	     "free objects held in the per-CPU caches",
	     "memarena_cached_objects", PROM_GAUGE,
	     "Free objects held in the per-CPU caches of all CPUs; they keep their spans in use."),
	STAT(CACHED_BYTES, "CachedBytes", K_BYTES, SEC_OWN,
	     "their bytes, at class size",
	     "memarena_cached_bytes", PROM_GAUGE,
	     "Bytes of the free objects held in the per-CPU caches, at class size."),
	STAT(ARENAS, "Arenas", K_COUNT, SEC_OWN,
	     "struct memarena_arena objects that exist",
	     "memarena_arenas", PROM_GAUGE,
	     "memarena_arena objects created and not yet destroyed."),
	STAT(HEAP_ARENAS, "HeapArenas", K_COUNT, SEC_OWN,
	     "heap arenas (buddy blocks of 256 KiB to 4 MiB) in HeapSys",
	     "memarena_heap_arenas", PROM_GAUGE,
	     "Heap arenas, buddy-allocator blocks of 256 KiB to 4 MiB making up go_memstats_heap_sys_bytes."),
	STAT(MCACHE_BOUND, "MCacheBound", K_BYTES, SEC_OWN,
	     "most bytes of free objects one CPU's cache can hold",
	     "memarena_mcache_bound_bytes", PROM_GAUGE,
	     "Most bytes of free objects one CPU's cache can hold."),
};

_Static_assert(ARRAY_SIZE(ms_fields) == __MEMARENA_A_STATS_MAX,
	       "every MEMARENA_A_STATS_* attribute needs a row in ms_fields[]");

#define COL(set, attr, _name, _heading, _kind, _prom, _ptype, _phelp)	\
	[MEMARENA_A_##set##_##attr] = {					\
		.name = _name, .heading = _heading, .kind = _kind,	\
		.prom = _prom, .prom_type = _ptype, .prom_help = _phelp, \
	}

/* The names are the /proc/memstats "# BySize" columns. */
const struct ms_column ms_class_cols[] = {
	COL(CLASS, CLASS, "class", "CLASS", K_INT, NULL, PROM_NONE, NULL),
	COL(CLASS, SIZE, "size", "SIZE", K_INT, NULL, PROM_NONE, NULL),
	COL(CLASS, SPAN_BYTES, "span_bytes", "SPAN", K_INT,
	    "span_bytes", PROM_GAUGE, "Bytes per span of the size class."),
	COL(CLASS, OBJECTS_PER_SPAN, "span_objects", "OBJS/SPAN", K_INT,
	    "span_objects", PROM_GAUGE, "Objects per span of the size class."),
	COL(CLASS, MALLOCS, "mallocs", "MALLOCS", K_COUNT,
	    "mallocs_total", PROM_COUNTER, "Objects of the size class allocated."),
	COL(CLASS, FREES, "frees", "FREES", K_COUNT,
	    "frees_total", PROM_COUNTER, "Objects of the size class freed."),
	COL(CLASS, LIVE_OBJECTS, "live_objects", "LIVE", K_COUNT,
	    "live_objects", PROM_GAUGE, "Objects of the size class allocated now."),
	COL(CLASS, LIVE_BYTES, "live_bytes", "LIVE BYTES", K_BYTES,
	    "live_bytes", PROM_GAUGE, "Bytes of the live objects of the size class."),
	COL(CLASS, CACHED_OBJECTS, "cached_objects", "CACHED", K_COUNT,
	    "cached_objects", PROM_GAUGE, "Free objects of the size class in the per-CPU caches."),
	COL(CLASS, SPANS, "spans", "SPANS", K_COUNT,
	    "spans", PROM_GAUGE, "Spans of the size class in use."),
};

_Static_assert(ARRAY_SIZE(ms_class_cols) == __MEMARENA_A_CLASS_MAX,
	       "every MEMARENA_A_CLASS_* attribute needs a row in ms_class_cols[]");

const struct ms_column ms_cpu_cols[] = {
	COL(CPU, CPU, "cpu", "CPU", K_INT, NULL, PROM_NONE, NULL),
	COL(CPU, ONLINE, "online", "ONLINE", K_BOOL,
	    "online", PROM_GAUGE, "Whether the CPU is online (1) or not (0)."),
	COL(CPU, CACHED_OBJECTS, "cached_objects", "CACHED", K_COUNT,
	    "cached_objects", PROM_GAUGE, "Free objects in the CPU's cache."),
	COL(CPU, CACHED_BYTES, "cached_bytes", "CACHED BYTES", K_BYTES,
	    "cached_bytes", PROM_GAUGE, "Bytes of the free objects in the CPU's cache, at class size."),
	COL(CPU, MALLOCS, "mallocs", "MALLOCS", K_COUNT,
	    "mallocs_total", PROM_COUNTER, "Objects allocated on the CPU."),
	COL(CPU, FREES, "frees", "FREES", K_COUNT,
	    "frees_total", PROM_COUNTER, "Objects freed on the CPU."),
};

_Static_assert(ARRAY_SIZE(ms_cpu_cols) == __MEMARENA_A_CPU_MAX,
	       "every MEMARENA_A_CPU_* attribute needs a row in ms_cpu_cols[]");

const struct ms_column ms_cycle_cols[] = {
	COL(CYCLE, NUM, "num", "NumGC", K_COUNT, NULL, PROM_NONE, NULL),
	COL(CYCLE, FORCED, "forced", "forced", K_BOOL, NULL, PROM_NONE, NULL),
	COL(CYCLE, RELEASED, "released", "released", K_BYTES, NULL, PROM_NONE, NULL),
	COL(CYCLE, DURATION_NS, "duration_ns", "in", K_DURATION, NULL, PROM_NONE, NULL),
	COL(CYCLE, PAUSE_NS, "pause_ns", "paused", K_DURATION, NULL, PROM_NONE, NULL),
	COL(CYCLE, END, "end", "end", K_TIME, NULL, PROM_NONE, NULL),
	COL(CYCLE, HEAP_RELEASED, "heap_released", "HeapReleased", K_BYTES, NULL, PROM_NONE, NULL),
	COL(CYCLE, HEAP_IDLE, "heap_idle", "HeapIdle", K_BYTES, NULL, PROM_NONE, NULL),
	COL(CYCLE, GOAL, "goal", "NextGC", K_BYTES, NULL, PROM_NONE, NULL),
};

_Static_assert(ARRAY_SIZE(ms_cycle_cols) == __MEMARENA_A_CYCLE_MAX,
	       "every MEMARENA_A_CYCLE_* attribute needs a row in ms_cycle_cols[]");

const struct ms_column ms_arena_cols[] = {
	COL(ARENA, ID, "id", "ID", K_INT, NULL, PROM_NONE, NULL),
	/* The name is a string: struct ms_row's @name, printed apart. */
	COL(ARENA, NAME, "name", "NAME", K_INT, NULL, PROM_NONE, NULL),
	COL(ARENA, CREATED, "created", "CREATED", K_TIME,
	    "created_seconds", PROM_GAUGE, "When the arena was created, seconds since 1970."),
	COL(ARENA, LIVE_OBJECTS, "live_objects", "LIVE", K_COUNT,
	    "live_objects", PROM_GAUGE, "Objects allocated from the arena and not freed."),
	COL(ARENA, LIVE_BYTES, "live_bytes", "LIVE BYTES", K_BYTES,
	    "live_bytes", PROM_GAUGE, "Bytes of those objects, at size-class size."),
	COL(ARENA, MALLOCS, "mallocs", "MALLOCS", K_COUNT,
	    "mallocs_total", PROM_COUNTER, "Objects allocated from the arena."),
	COL(ARENA, FREES, "frees", "FREES", K_COUNT,
	    "frees_total", PROM_COUNTER, "Objects of the arena freed."),
	COL(ARENA, SPANS, "spans", "SPANS", K_COUNT,
	    "spans", PROM_GAUGE, "Spans the arena owns."),
	COL(ARENA, SPAN_BYTES, "span_bytes", "SPAN BYTES", K_BYTES,
	    "span_bytes", PROM_GAUGE, "Bytes of those spans: the arena's part of HeapInuse."),
};

_Static_assert(ARRAY_SIZE(ms_arena_cols) == __MEMARENA_A_ARENA_MAX,
	       "every MEMARENA_A_ARENA_* attribute needs a row in ms_arena_cols[]");

/* One page heap per memory node; its gauges add up to the global ones. */
const struct ms_column ms_node_cols[] = {
	COL(NODE, NODE, "node", "NODE", K_INT, NULL, PROM_NONE, NULL),
	COL(NODE, MEMORY, "memory", "MEMORY", K_BOOL,
	    "has_memory", PROM_GAUGE, "Whether the node has memory (1) or not (0)."),
	COL(NODE, HEAP_SYS, "heap_sys", "HEAP SYS", K_BYTES,
	    "heap_sys_bytes", PROM_GAUGE,
	    "Bytes of heap arenas the node's heap obtained: its part of HeapSys."),
	COL(NODE, HEAP_INUSE, "heap_inuse", "HEAP INUSE", K_BYTES,
	    "heap_inuse_bytes", PROM_GAUGE,
	    "Bytes in the node's spans in use: its part of HeapInuse."),
	COL(NODE, HEAP_IDLE, "heap_idle", "HEAP IDLE", K_BYTES,
	    "heap_idle_bytes", PROM_GAUGE,
	    "Bytes of the node's heap not in spans in use: its part of HeapIdle."),
	COL(NODE, HEAP_RELEASED, "heap_released", "RELEASED", K_BYTES,
	    "heap_released_bytes", PROM_GAUGE,
	    "Bytes of the node's heap given back: its part of HeapReleased."),
	COL(NODE, HEAP_ARENAS, "heap_arenas", "HEAP ARENAS", K_COUNT,
	    "heap_arenas", PROM_GAUGE, "Heap arenas of the node's heap: its part of HeapArenas."),
	COL(NODE, SPANS, "spans", "SPANS", K_COUNT,
	    "spans", PROM_GAUGE, "Spans of the node's heap in use, small and large."),
	COL(NODE, MSPAN_SYS, "mspan_sys", "MSPAN SYS", K_BYTES,
	    "mspan_sys_bytes", PROM_GAUGE,
	    "Bytes of the span structures of the node's heap: its part of MSpanSys."),
};

_Static_assert(ARRAY_SIZE(ms_node_cols) == __MEMARENA_A_NODE_MAX,
	       "every MEMARENA_A_NODE_* attribute needs a row in ms_node_cols[]");

_Static_assert(__MEMARENA_A_CLASS_MAX <= MS_ROW_MAX &&
	       __MEMARENA_A_CPU_MAX <= MS_ROW_MAX &&
	       __MEMARENA_A_CYCLE_MAX <= MS_ROW_MAX &&
	       __MEMARENA_A_ARENA_MAX <= MS_ROW_MAX &&
	       __MEMARENA_A_NODE_MAX <= MS_ROW_MAX,
	       "struct ms_row is too small");

/**
 * ms_field_lookup() - a statistic by its Go name, in any case
 * @name: "HeapAlloc", "heapalloc", ...
 *
 * Return: its MEMARENA_A_STATS_* attribute, or -1.
 */
int ms_field_lookup(const char *name)
{
	int attr;

	ms_for_each_field(attr)
		if (!strcasecmp(name, ms_fields[attr].name))
			return attr;
	return -1;
}

const char *ms_kind_unit(enum ms_kind kind)
{
	switch (kind) {
	case K_BYTES:		return "bytes";
	case K_COUNT:		return "count";
	case K_INT:		return "number";
	case K_DURATION:	return "ns";
	case K_TIME:		return "ns since epoch";
	case K_PPB:		return "fraction";
	case K_BOOL:		return "bool";
	case K_RING_NS:		return "256 x ns";
	case K_RING_TIME:	return "256 x ns since epoch";
	}
	return "";
}
