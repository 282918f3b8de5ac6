// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics: Go's runtime.MemStats for memarena, read without stopping
 * anyone.  Every scalar is defined once, by its MEMARENA_A_STATS_*
 * attribute (include/uapi/linux/memarena.h); ma_stat_descs[] below gives
 * each attribute its Go name, wire type and snapshot field, and drives
 * both /proc/memstats (proc.c) and the netlink replies (netlink.c), so the
 * two cannot disagree; ma_stats_check() refuses to load with a hole.  What each field means is in
 * Documentation/memstats.rst.  See malloc.c for the allocator.
 */

#include "memarena.h"

#ifdef __KERNEL__
#include <linux/export.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/workqueue.h>
#endif

#define MA_STAT(attr, field, goname, wire)				\
	[MEMARENA_A_STATS_##attr] = {					\
		.name = goname,						\
		.type = MA_STAT_##wire,					\
		.offset = offsetof(struct memarena_memstats, field),	\
	}

/*
 * The statistics by attribute: the name /proc/memstats and the
 * documentation use, the wire type, the field of the snapshot.  Indexed
 * by attribute, so /proc prints them in attribute order, which is Go's.
 * UNSPEC, PAD and the two rings have no entry; ma_stats_check() makes
 * sure every other attribute has one.
 */
const struct ma_stat_desc ma_stat_descs[__MEMARENA_A_STATS_MAX] = {
	MA_STAT(ALLOC,	alloc,	"Alloc",	U64),
	MA_STAT(TOTAL_ALLOC,	total_alloc,	"TotalAlloc",	U64),
	MA_STAT(SYS,	sys,	"Sys",	U64),
	MA_STAT(LOOKUPS,	lookups,	"Lookups",	U64),
	MA_STAT(MALLOCS,	mallocs,	"Mallocs",	U64),
	MA_STAT(FREES,	frees,	"Frees",	U64),
	MA_STAT(HEAP_ALLOC,	heap_alloc,	"HeapAlloc",	U64),
	MA_STAT(HEAP_SYS,	heap_sys,	"HeapSys",	U64),
	MA_STAT(HEAP_IDLE,	heap_idle,	"HeapIdle",	U64),
	MA_STAT(HEAP_INUSE,	heap_inuse,	"HeapInuse",	U64),
	MA_STAT(HEAP_RELEASED,	heap_released,	"HeapReleased",	U64),
	MA_STAT(HEAP_OBJECTS,	heap_objects,	"HeapObjects",	U64),
	MA_STAT(STACK_INUSE,	stack_inuse,	"StackInuse",	U64),
	MA_STAT(STACK_SYS,	stack_sys,	"StackSys",	U64),
	MA_STAT(MSPAN_INUSE,	mspan_inuse,	"MSpanInuse",	U64),
	MA_STAT(MSPAN_SYS,	mspan_sys,	"MSpanSys",	U64),
	MA_STAT(MCACHE_INUSE,	mcache_inuse,	"MCacheInuse",	U64),
	MA_STAT(MCACHE_SYS,	mcache_sys,	"MCacheSys",	U64),
	MA_STAT(BUCK_HASH_SYS,	buck_hash_sys,	"BuckHashSys",	U64),
	MA_STAT(GC_SYS,	gc_sys,	"GCSys",	U64),
	MA_STAT(OTHER_SYS,	other_sys,	"OtherSys",	U64),
	MA_STAT(NEXT_GC,	next_gc,	"NextGC",	U64),
	MA_STAT(LAST_GC,	last_gc,	"LastGC",	U64),
	MA_STAT(PAUSE_TOTAL_NS,	pause_total_ns,	"PauseTotalNs",	U64),
	MA_STAT(NUM_GC,	num_gc,	"NumGC",	U32),
	MA_STAT(NUM_FORCED_GC,	num_forced_gc,	"NumForcedGC",	U32),
	MA_STAT(GC_CPU_FRACTION,	gc_cpu_fraction,	"GCCPUFraction",	PPB),
	MA_STAT(ENABLE_GC,	enable_gc,	"EnableGC",	U32),
	MA_STAT(DEBUG_GC,	debug_gc,	"DebugGC",	U32),
	MA_STAT(BAD_FREES,	bad_frees,	"BadFrees",	U64),
	MA_STAT(CACHED_OBJECTS,	cached_objects,	"CachedObjects",	U64),
	MA_STAT(CACHED_BYTES,	cached_bytes,	"CachedBytes",	U64),
	MA_STAT(ARENAS,	arenas,	"Arenas",	U64),
	MA_STAT(HEAP_ARENAS,	heap_arenas,	"HeapArenas",	U64),
	MA_STAT(MCACHE_BOUND,	mcache_bound,	"MCacheBound",	U64),
};

static_assert(MEMARENA_NUM_CLASSES == MA_NUM_SIZE_CLASSES);

#ifdef __KERNEL__
/*
 * Who may read what.  The MemStats scalars are machine-wide totals, like
 * /proc/meminfo (0444): everyone may read them.  The size-class table
 * (BySize on /proc/memstats, MEMARENA_CMD_GET_CLASSES), the per-CPU
 * figures (MEMARENA_CMD_GET_CPUS) and the per-user-arena ones
 * (MEMARENA_CMD_GET_ARENAS) show, from one read to the next, how many
 * objects of each size are live, what each CPU's cache holds and what
 * each user arena's owner does:
 * what someone grooming the heap for an exploit watches, which is why
 * /proc/slabinfo and /proc/allocinfo are 0400.  They need CAP_SYS_ADMIN
 * in the initial user namespace unless root sets stats_public (for demo
 * and teaching machines).  Why that capability:
 *  - 0400 root lets uid 0 read, and others with CAP_DAC_READ_SEARCH or
 *    CAP_DAC_OVERRIDE; a mode cannot say that for one section of a 0444
 *    file, nor for netlink, so a capability must.
 *  - CAP_SYS_ADMIN is what pagemap asks before it shows page frame
 *    numbers ("attack vector"), the nearest kernel precedent for layout
 *    data kept from the unprivileged, and what opens /dev/memarena: who
 *    may drive the allocator may watch it.
 *  - Not CAP_NET_ADMIN, which GENL_ADMIN_PERM asks for our admin commands:
 *    it is about running the network (a network daemon may hold it), not
 *    about seeing kernel memory.  Not CAP_SYSLOG, which guards kernel
 *    addresses and the log (kptr_restrict, dmesg_restrict): these are
 *    counts.
 * proc.c and netlink.c check it; MA_STATS_DETAIL_PRIV says so when they
 * withhold something.
 */
bool ma_stats_public __read_mostly;
module_param_named(stats_public, ma_stats_public, bool, 0644);
MODULE_PARM_DESC(stats_public,
		 "Per-size-class and per-CPU statistics readable by everyone, not only by CAP_SYS_ADMIN (default N)");
#endif

/**
 * ma_stats_check() - every statistic attribute has a descriptor
 *
 * Context: Module init.
 * Return: 0, or -EINVAL (and a message) if the table has a hole.
 */
int ma_stats_check(void)
{
	unsigned int attr;

	for (attr = MA_STAT_FIRST; attr < __MEMARENA_A_STATS_MAX; attr++) {
		if (attr == MEMARENA_A_STATS_PAUSE_NS ||
		    attr == MEMARENA_A_STATS_PAUSE_END)
			continue;
		if (!ma_stat_descs[attr].name) {
			pr_err("memarena: statistic attribute %u has no descriptor\n",
			       attr);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The snapshot contract
 * =====================
 *
 * memarena_read_memstats() runs while every CPU allocates and frees.  It
 * takes no lock that an allocation or free fast path takes, sends no IPI,
 * and the fast paths do nothing for it but plain per-CPU stores under
 * their local_lock.  Yet every snapshot satisfies, exactly:
 *
 *	Alloc == HeapAlloc <= HeapInuse,  HeapAlloc <= TotalAlloc,
 *	HeapIdle + HeapInuse == HeapSys,  HeapReleased <= HeapIdle,
 *	Sys == HeapSys + StackSys + MSpanSys + MCacheSys + BuckHashSys +
 *	       GCSys + OtherSys,
 *	HeapObjects == Mallocs - Frees,  MSpanInuse <= MSpanSys,
 *	MCacheInuse <= MCacheSys,  BySize[c].Frees <= BySize[c].Mallocs,
 *	Mallocs == sum of BySize[].Mallocs + large objects (same for Frees),
 *	and no cumulative counter is smaller than in an earlier snapshot.
 *
 * Writers:
 *  - Each CPU counts its own allocations and frees (per class, and bytes
 *    for large objects) in its struct ma_mcache, with WRITE_ONCE() of a
 *    counter only that CPU writes, inside its local_lock section.  The
 *    counters only grow; live counts are differences.
 *  - The heap-level gauges (HeapSys, HeapInuse, HeapReleased, MSpan*,
 *    GCSys) of each node's heap change only inside ma_heap_lock()
 *    sections, which are write sections of that heap's seq.
 *  - An object is counted allocated only after its span is counted in
 *    HeapInuse (a span is carved before its objects are handed out), and
 *    a span leaves HeapInuse only after all its objects were counted
 *    freed (a span is returned after its last object is flushed, which
 *    follows the free on the same CPU).
 *
 * The reader takes no lock that allocating or freeing takes:
 *  1. sums every CPU's free counters, then (smp_rmb()) every CPU's
 *     allocation counters: an object whose free is seen was allocated
 *     before, so its allocation is seen too, and frees never exceed
 *     allocations, per class and in total;
 *  2. (smp_rmb()) reads each node's heap gauges in one read section of
 *     its seq, a handful of loads, so they agree with each other, and
 *     sums them (ma_heap_read_all()): the identities between them hold
 *     per node, so for the sums;
 *  3. keeps the result if HeapAlloc <= HeapInuse, else starts again.
 *     Every object counted live had its span counted in HeapInuse before
 *     its allocation was counted, so it is in the gauges read after.
 *     But a CPU's frees are read before its allocations: an object
 *     allocated and freed in between counts as live, so HeapAlloc is
 *     high by the churn during the pass, and also by objects whose spans
 *     went back to the heap during it.  A pass fails only when that
 *     exceeds the heap's slack (cached objects, free slots, kept spans).
 *     After MA_STATS_TRIES failed passes in a row the last one is kept
 *     with HeapAlloc (and Alloc) lowered to HeapInuse, which the true
 *     value never exceeds: the identities hold, TotalAlloc - HeapAlloc
 *     is then more than the bytes freed, by at most that churn.
 *     Writers never wait for a reader.  (On PREEMPT_RT a reader that
 *     finds a writer inside the seqcount section takes and drops
 *     that heap's lock to wait for it, as seqcount_spinlock_t does there,
 *     doing no work under it.)
 * Derived fields (Alloc, HeapIdle, HeapObjects, Sys, the totals) are
 * computed from the values read, so the identities hold by construction.
 *
 * What a reader may not assume: that the snapshot is an instant (each
 * CPU's counters are read at a slightly different time), that gauges
 * outside the identities above (CachedObjects, per-class spans) agree
 * with the rest, or that two objects allocated by different CPUs appear
 * in the order they were allocated.  The ordering argument relies on the
 * architecture being other-multicopy-atomic (x86, arm64).
 */

#define MA_STATS_TRIES		8

/*
 * Reclaim cycles.  The scavenger records each cycle at its end under
 * @lock (a seqlock: cycles are rare, readers many); a reader copies the
 * whole state in one read section, so Go's checks hold in every
 * snapshot: LastGC == PauseEnd[(NumGC + 255) % 256], PauseTotalNs == the
 * sum of PauseNs while NumGC < 256, NumForcedGC <= NumGC.
 */
static struct ma_gc_state {
	seqlock_t lock;
	u32 num_gc;
	u32 num_forced_gc;
	u64 pause_total_ns;
	u64 last_gc;		/* ns since the epoch */
	u64 next_gc;		/* goal computed by the last cycle */
	u64 cpu_ns;		/* CPU time of all cycles */
	u64 start_ns;		/* ktime_get_ns() at load */
	u64 cpu_fraction;	/* GCCPUFraction at the last cycle, ppb */
	u64 pause_ns[MEMARENA_PAUSE_RING];
	u64 pause_end[MEMARENA_PAUSE_RING];
} ma_gc;

/**
 * ma_gc_init() - no cycle yet; the CPU-time clock starts now
 *
 * Context: Module init.
 */
void ma_gc_init(void)
{
	memset(&ma_gc, 0, sizeof(ma_gc));
	seqlock_init(&ma_gc.lock);
	ma_gc.start_ns = ktime_get_ns();
}

/**
 * ma_gc_record() - account a completed reclaim cycle
 * @c: the cycle; its @num is set to the new NumGC
 *
 * Context: Process context (the scavenger), cycles serialised.
 * Return: the new NumGC.
 */
u32 ma_gc_record(struct ma_cycle *c)
{
	unsigned int i;
	u64 elapsed;

	write_seqlock(&ma_gc.lock);
	ma_gc.num_gc++;
	if (c->forced)
		ma_gc.num_forced_gc++;
	/* Go: the most recent cycle is at (NumGC + 255) % 256. */
	i = (ma_gc.num_gc + MEMARENA_PAUSE_RING - 1) % MEMARENA_PAUSE_RING;
	ma_gc.pause_ns[i] = c->pause_ns;
	ma_gc.pause_end[i] = c->end;
	ma_gc.last_gc = c->end;
	ma_gc.pause_total_ns += c->pause_ns;
	/* The cycle's work (drains, releases), not its waits: see PauseNs. */
	ma_gc.cpu_ns += c->pause_ns;
	ma_gc.next_gc = c->goal;
	/*
	 * As Go, at the end of each cycle: cycle CPU time over the time of
	 * all online CPUs since load.
	 */
	elapsed = (ktime_get_ns() - ma_gc.start_ns) * num_online_cpus();
	ma_gc.cpu_fraction = elapsed ?
		mul_u64_u64_div_u64(ma_gc.cpu_ns, NSEC_PER_SEC, elapsed) : 0;
	c->num = ma_gc.num_gc;
	write_sequnlock(&ma_gc.lock);
	return c->num;
}

static void ma_gc_read(struct memarena_memstats *ms)
{
	unsigned int seq;

	do {
		seq = read_seqbegin(&ma_gc.lock);
		ms->num_gc = ma_gc.num_gc;
		ms->num_forced_gc = ma_gc.num_forced_gc;
		ms->pause_total_ns = ma_gc.pause_total_ns;
		ms->last_gc = ma_gc.last_gc;
		ms->next_gc = ma_gc.next_gc;
		memcpy(ms->pause_ns, ma_gc.pause_ns, sizeof(ms->pause_ns));
		memcpy(ms->pause_end, ma_gc.pause_end, sizeof(ms->pause_end));
		ms->gc_cpu_fraction = ma_gc.cpu_fraction;
	} while (read_seqretry(&ma_gc.lock, seq));
}

struct ma_large_sums {
	u64 mallocs, frees, bytes_alloc, bytes_freed;
};

static void ma_stats_read_cpus(struct memarena_memstats *ms,
			       struct ma_large_sums *large)
{
	struct ma_mcache *m;
	unsigned int cpu, c;

	memset(large, 0, sizeof(*large));
	for (c = 0; c < MA_NUM_SIZE_CLASSES; c++) {
		ms->by_size[c].mallocs = 0;
		ms->by_size[c].frees = 0;
	}
	ms->bad_frees = 0;

	/* Frees first: see the snapshot contract, step 2. */
	for_each_possible_cpu(cpu) {
		m = per_cpu_ptr(ma_mcaches, cpu);
		for (c = 1; c < MA_NUM_SIZE_CLASSES; c++)
			ms->by_size[c].frees += READ_ONCE(m->cls[c].nfree);
		large->frees += READ_ONCE(m->large_frees);
		large->bytes_freed += READ_ONCE(m->large_bytes_freed);
	}
	/* Pairs with the release of the object between CPUs by its user. */
	smp_rmb();
	for_each_possible_cpu(cpu) {
		m = per_cpu_ptr(ma_mcaches, cpu);
		for (c = 1; c < MA_NUM_SIZE_CLASSES; c++)
			ms->by_size[c].mallocs += READ_ONCE(m->cls[c].nmalloc);
		large->mallocs += READ_ONCE(m->large_mallocs);
		large->bytes_alloc += READ_ONCE(m->large_bytes_alloc);
		ms->bad_frees += READ_ONCE(m->bad_frees);
	}
}

static void ma_stats_read_heap(struct memarena_memstats *ms)
{
	struct ma_heap_gauges g;

	ma_heap_read_all(&g);
	ms->heap_sys = g.sys;
	ms->heap_inuse = g.inuse;
	ms->heap_released = g.released;
	ms->heap_arenas = g.nheap_arenas;
	ms->mspan_inuse = g.mspan_inuse;
	ms->mspan_sys = g.mspan_sys;
	ms->gc_sys = g.gc_sys;
}

/* Gauges outside the contract: per-CPU stacks and spans per class. */
static void ma_stats_read_gauges(struct memarena_memstats *ms)
{
	struct ma_mcache *m;
	unsigned int cpu, c;
	struct ma_heap *h;
	u64 n;

	ms->cached_objects = 0;
	ms->cached_bytes = 0;
	for (c = 0; c < MA_NUM_SIZE_CLASSES; c++) {
		ms->by_size[c].size = ma_class_size[c];
		ms->by_size[c].cached_objects = 0;
		ms->by_size[c].spans = 0;
		for (h = ma_heap_next(NULL); h; h = ma_heap_next(h))
			ms->by_size[c].spans += READ_ONCE(h->central[c].nspans);
	}
	ma_user_arena_count_spans(ms->by_size);
	for_each_possible_cpu(cpu) {
		m = per_cpu_ptr(ma_mcaches, cpu);
		for (c = 1; c < MA_NUM_SIZE_CLASSES; c++) {
			n = READ_ONCE(m->cls[c].n);
			ms->by_size[c].cached_objects += n;
			ms->cached_objects += n;
			ms->cached_bytes += n * ma_class_size[c];
		}
	}
}

/**
 * memarena_read_memstats() - take a snapshot of memarena's statistics
 * @ms: filled in; every field is written
 *
 * The snapshot is consistent as described at the top of stats.c and in
 * Documentation/memstats.rst: its identities hold exactly even while every
 * CPU allocates and frees.  Nothing that allocates or frees waits for
 * it, and it makes at most MA_STATS_TRIES passes.
 *
 * Context: Process or softirq context; does not sleep.
 */
void memarena_read_memstats(struct memarena_memstats *ms)
{
	struct ma_large_sums large;
	unsigned int tries, c;
	u64 freed_bytes;

	for (tries = 1; ; tries++) {
		ma_stats_read_cpus(ms, &large);
		/* Gauges after counters: step 2 of the snapshot contract. */
		smp_rmb();
		ma_stats_read_heap(ms);

		ms->mallocs = large.mallocs;
		ms->frees = large.frees;
		ms->total_alloc = large.bytes_alloc;
		freed_bytes = large.bytes_freed;
		for (c = 1; c < MA_NUM_SIZE_CLASSES; c++) {
			ms->mallocs += ms->by_size[c].mallocs;
			ms->frees += ms->by_size[c].frees;
			ms->total_alloc += ms->by_size[c].mallocs * ma_class_size[c];
			freed_bytes += ms->by_size[c].frees * ma_class_size[c];
		}
		ms->heap_alloc = ms->total_alloc - freed_bytes;
		if (ms->heap_alloc <= ms->heap_inuse)
			break;
		if (tries == MA_STATS_TRIES) {
			/* Step 3: too much churn during every pass. */
			ms->heap_alloc = ms->heap_inuse;
			break;
		}
	}
	ma_stats_read_gauges(ms);

	ms->alloc = ms->heap_alloc;
	ms->heap_objects = ms->mallocs - ms->frees;
	ms->heap_idle = ms->heap_sys - ms->heap_inuse;
	ms->lookups = 0;

	/* No goroutine stacks in the kernel. */
	ms->stack_inuse = 0;
	ms->stack_sys = 0;

	ms->mcache_sys = (u64)ma_mcache_size * num_possible_cpus();
	ms->mcache_inuse = (u64)ma_mcache_size * num_online_cpus();
	ms->mcache_bound = ma_mcache_bytes_bound;
	ms->arenas = ma_user_arena_count();
	ms->other_sys = ma_other_sys_bytes(ms->arenas) +
			ma_mprof_sys(&ms->buck_hash_sys);

	ms->sys = ms->heap_sys + ms->stack_sys + ms->mspan_sys +
		  ms->mcache_sys + ms->buck_hash_sys + ms->gc_sys +
		  ms->other_sys;

	ma_gc_read(ms);
	ms->enable_gc = 1;
	ms->debug_gc = 0;
}
EXPORT_SYMBOL_GPL(memarena_read_memstats);

/**
 * ma_stats_cpu() - one CPU's share of the statistics
 * @cpu: a possible CPU
 * @st: filled in
 *
 * Gauges read without synchronisation: exact on an idle CPU.
 *
 * Context: Any context.
 */
void ma_stats_cpu(unsigned int cpu, struct ma_cpu_stats *st)
{
	struct ma_mcache *m = per_cpu_ptr(ma_mcaches, cpu);
	unsigned int c;
	u64 n;

	memset(st, 0, sizeof(*st));
	for (c = 1; c < MA_NUM_SIZE_CLASSES; c++) {
		n = READ_ONCE(m->cls[c].n);
		st->cached_objects += n;
		st->cached_bytes += n * ma_class_size[c];
		st->mallocs += READ_ONCE(m->cls[c].nmalloc);
		st->frees += READ_ONCE(m->cls[c].nfree);
	}
	st->mallocs += READ_ONCE(m->large_mallocs);
	st->frees += READ_ONCE(m->large_frees);
}

/**
 * ma_other_sys_bytes() - OtherSys: memarena's own memory outside the heap,
 * but the heap profile's (ma_mprof_sys())
 * @user_arenas: number of user arenas (struct memarena_arena)
 *
 * The module image (text, data and bss), the user arena structures, the
 * table of node heaps and the per-CPU drain work items.  Span structures,
 * per-CPU caches, the node heaps and heap arena (and index) metadata have
 * fields of their own.
 *
 * Context: Any context.
 * Return: bytes.
 */
u64 ma_other_sys_bytes(u64 user_arenas)
{
	u64 bytes = (u64)sizeof(struct work_struct) * num_possible_cpus();

#ifdef __KERNEL__
	bytes += user_arenas * kmalloc_size_roundup(sizeof(struct memarena_arena));
	bytes += kmalloc_size_roundup(nr_node_ids * sizeof(*ma_heaps));
	bytes += ma_module_bytes(THIS_MODULE);
#else
	bytes += user_arenas * sizeof(struct memarena_arena);
#endif
	return bytes;
}
