// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU object caches, Go's mcache (per P in Go, per CPU here): for each
 * size class a bounded stack of free objects.  Allocation pops, free
 * pushes, both under the CPU's local_lock with interrupts off and without
 * any atomic read-modify-write.  An empty stack refills a batch from the
 * central list of the CPU's node, a full one flushes its oldest half to
 * it.  See malloc.c.
 *
 * Nodes: a CPU's stacks hold only objects of its node's centrals (the
 * invariant at struct ma_mcache).  An object of another node's central
 * is freed straight to that central, as SLUB's sheaves let remote-node
 * frees bypass them, and an allocation for another node takes one object
 * from that node's central.
 *
 * Hoarding bound: a CPU keeps at most MA_MCACHE_CLASS_BYTES of free
 * objects per class, but never more than MA_MCACHE_MAX_OBJS nor fewer
 * than MA_MCACHE_MIN_OBJS objects (MA_MCACHE_MIN_PAGE_OBJS for classes up
 * to a page); ma_mcache_bytes_bound is the sum over
 * the classes, computed at load time and reported in the documentation
 * and the statistics.
 */

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>

#include "memarena.h"

/*
 * 16 KiB per class: two Go pages, enough for a refill to amortise the
 * central lock over a batch of cap / 2 objects (64 objects per batch for
 * every class up to 128 bytes, 32 at 256 bytes), while the whole cache of
 * a CPU stays small (MCacheBound; Documentation/design.rst has the sum).
 */
#define MA_MCACHE_CLASS_BYTES	(16 * 1024)
/* Bigger stacks buy little: one lock per 64 objects is already cheap. */
#define MA_MCACHE_MAX_OBJS	128
/* Even 32 KiB objects get a pair, so alloc/free ping-pong stays local. */
#define MA_MCACHE_MIN_OBJS	2
/*
 * Classes up to a page keep at least 16, so that a refill or a flush
 * moves 8 objects: a whole span of the 4096-byte class (size class rule
 * 7), as SLUB's kmalloc-4k slab holds 8.  Measured by make bench's batch
 * workload (Documentation/design.rst, "The per-CPU hoarding bound").
 */
#define MA_MCACHE_MIN_PAGE_OBJS	16
#define MA_MCACHE_MAX_BATCH	(MA_MCACHE_MAX_OBJS / 2)

struct ma_mcache __percpu *ma_mcaches;
unsigned long ma_mcache_bytes_bound;
size_t ma_mcache_size;
static u16 ma_mcache_cap[MA_NUM_SIZE_CLASSES];
static int ma_cpuhp_state = -1;

static unsigned int ma_mcache_batch(unsigned int cls)
{
	return max(1U, ma_mcache_cap[cls] / 2U);
}

/*
 * Take the top of a stack.  kmemleak scans the stacks (per-CPU memory):
 * with it on, no stale copy of a handed-out object may stay behind, or
 * that object could never be reported as leaked.
 */
static __always_inline void *ma_mcache_pop(struct ma_mcache_class *mc)
{
	void *p = mc->objs[--mc->n];

#ifdef CONFIG_DEBUG_KMEMLEAK
	mc->objs[mc->n] = NULL;
#endif
	return p;
}

/* An object from @h's central: a batch for the stack if @h is local. */
static void *ma_mcache_alloc_slow(unsigned int cls, gfp_t gfp,
				  struct ma_heap *h, bool local)
{
	struct ma_central *c = &h->central[cls];
	void *buf[MA_MCACHE_MAX_BATCH];
	struct ma_mcache_class *mc;
	unsigned long flags;
	unsigned int n;
	void *p;

	n = ma_central_refill(c, buf, local ? ma_mcache_batch(cls) : 1, gfp);
	if (!n)
		return NULL;

	/*
	 * We may run on another CPU now: fill whichever stack is ours, if
	 * it is of @h's node (the invariant at struct ma_mcache).
	 */
	local_lock_irqsave(&ma_mcaches->lock, flags);
	mc = this_cpu_ptr(&ma_mcaches->cls[cls]);
	p = buf[--n];
	WRITE_ONCE(mc->nmalloc, mc->nmalloc + 1);
	if (ma_local_heap() == h)
		while (n && mc->n < mc->cap)
			mc->objs[mc->n++] = buf[--n];
	if (n)
		ma_central_flush(buf, n);
	local_unlock_irqrestore(&ma_mcaches->lock, flags);
#ifdef CONFIG_DEBUG_KMEMLEAK
	memzero_explicit(buf, sizeof(buf));	/* as in ma_mcache_pop() */
#endif
	return p;
}

/**
 * ma_mcache_alloc() - allocate a small object from this CPU's cache
 * @cls: size class, 1 .. MA_NUM_SIZE_CLASSES - 1
 * @gfp: allocation flags for a refill
 * @nid: the node the object must be on, a node with memory, or
 *	NUMA_NO_NODE for this CPU's (the nearest with memory)
 *
 * The object still carries its free cookie; the caller clears it.
 *
 * Context: Any context but NMI, as @gfp allows.
 * Return: the object, or NULL.
 */
void *ma_mcache_alloc(unsigned int cls, gfp_t gfp, int nid)
{
	struct ma_mcache_class *mc;
	unsigned long flags;
	struct ma_heap *h;
	bool local;
	void *p;

	local_lock_irqsave(&ma_mcaches->lock, flags);
	mc = this_cpu_ptr(&ma_mcaches->cls[cls]);
	local = nid == NUMA_NO_NODE || nid == numa_mem_id();
	if (likely(mc->n && local)) {
		p = ma_mcache_pop(mc);
		WRITE_ONCE(mc->nmalloc, mc->nmalloc + 1);
		local_unlock_irqrestore(&ma_mcaches->lock, flags);
		return p;
	}
	h = local ? ma_local_heap() : ma_heaps[nid];
	local_unlock_irqrestore(&ma_mcaches->lock, flags);
	return ma_mcache_alloc_slow(cls, gfp, h, local);
}

/**
 * ma_mcache_alloc_bulk() - allocate small objects of one class
 * @cls: size class, 1 .. MA_NUM_SIZE_CLASSES - 1
 * @gfp: allocation flags for refills
 * @n: how many
 * @p: where to store them
 * @nid: as for ma_mcache_alloc()
 *
 * Takes what this CPU's stack has in one lock hold (if the node is this
 * CPU's), then the rest from the node's central list straight into @p.
 * The objects still carry their free cookies.
 *
 * Context: Any context but NMI, as @gfp allows.
 * Return: the number stored, @n unless memory ran short.
 */
size_t ma_mcache_alloc_bulk(unsigned int cls, gfp_t gfp, size_t n, void **p,
			    int nid)
{
	struct ma_mcache_class *mc;
	struct ma_central *c;
	unsigned long flags;
	size_t got = 0, k;

	local_lock_irqsave(&ma_mcaches->lock, flags);
	mc = this_cpu_ptr(&ma_mcaches->cls[cls]);
	if (nid == NUMA_NO_NODE || nid == numa_mem_id()) {
		got = min_t(size_t, n, mc->n);
		for (k = 0; k < got; k++)
			p[k] = ma_mcache_pop(mc);
		WRITE_ONCE(mc->nmalloc, mc->nmalloc + got);
		c = &ma_local_heap()->central[cls];
	} else {
		c = &ma_heaps[nid]->central[cls];
	}
	local_unlock_irqrestore(&ma_mcaches->lock, flags);

	while (got < n) {
		/* A batch per central lock hold: interrupts are off there. */
		k = ma_central_refill(c, p + got,
				      min_t(size_t, n - got, MA_MCACHE_MAX_BATCH),
				      gfp);
		if (!k)
			break;
		ma_mcache_count(cls, k, 0);
		got += k;
	}
	return got;
}

/* Flush the @n oldest objects (the bottom of the stack) to the central. */
static void ma_mcache_flush(struct ma_mcache_class *mc, unsigned int cls,
			    unsigned int n)
{
	ma_central_flush(mc->objs, n);
	memmove(mc->objs, mc->objs + n, (mc->n - n) * sizeof(*mc->objs));
	mc->n -= n;
#ifdef CONFIG_DEBUG_KMEMLEAK
	/* As in ma_mcache_pop(): the objects may be handed out elsewhere. */
	memset(mc->objs + mc->n, 0, n * sizeof(*mc->objs));
#endif
}

/*
 * Free an object of another node's central straight to it.  Counted
 * before its span may leave HeapInuse (stats.c), after the put that a
 * racing double free could make fail.
 */
static void ma_mcache_free_remote(struct ma_span *s, void *p)
{
	LIST_HEAD(empty);

	if (!ma_central_free_one(s->central, s, p, &empty)) {
		ma_bad_free(p, "double free");
		return;
	}
	ma_mcache_count(s->class, -1, 0);
	ma_heap_free_list(&empty);
}

/**
 * ma_mcache_free() - free a small object into this CPU's cache
 * @s: the object's span, SMALL, of a node's heap
 * @p: the object, validated and carrying its free cookie
 *
 * An object of another node goes straight back to its central.
 *
 * Context: Any context but NMI.
 */
void ma_mcache_free(struct ma_span *s, void *p)
{
	unsigned long flags;

	local_lock_irqsave(&ma_mcaches->lock, flags);
	if (unlikely(!ma_mcache_local(s))) {
		local_unlock_irqrestore(&ma_mcaches->lock, flags);
		ma_mcache_free_remote(s, p);
		return;
	}
	ma_mcache_push(s, p);
	local_unlock_irqrestore(&ma_mcaches->lock, flags);
}

/**
 * ma_mcache_flush_full() - make room on a full stack
 * @mc: this CPU's stack of @cls, full
 * @cls: its size class
 *
 * Flushes the oldest half to the central, for ma_mcache_push().
 *
 * Context: ma_mcaches->lock held.
 */
void ma_mcache_flush_full(struct ma_mcache_class *mc, unsigned int cls)
{
	ma_mcache_flush(mc, cls, ma_mcache_batch(cls));
}

/**
 * ma_mcache_count() - count allocations or frees that bypassed the stacks
 * @cls: size class, or 0 for large objects
 * @objs: objects allocated (> 0) or freed (< 0)
 * @bytes: large objects: their bytes, with the sign of @objs
 *
 * User arena objects and large objects are counted here, on this CPU, so the
 * totals are the sums over CPUs like those of the fast path.
 *
 * Context: Any context but NMI.
 */
void ma_mcache_count(unsigned int cls, long objs, long bytes)
{
	struct ma_mcache *m;
	unsigned long flags;

	local_lock_irqsave(&ma_mcaches->lock, flags);
	m = this_cpu_ptr(ma_mcaches);
	/* Single-writer counters read by stats.c: see its contract. */
	if (cls) {
		if (objs > 0)
			WRITE_ONCE(m->cls[cls].nmalloc, m->cls[cls].nmalloc + objs);
		else
			WRITE_ONCE(m->cls[cls].nfree, m->cls[cls].nfree - objs);
	} else if (objs > 0) {
		WRITE_ONCE(m->large_mallocs, m->large_mallocs + objs);
		WRITE_ONCE(m->large_bytes_alloc, m->large_bytes_alloc + bytes);
	} else {
		WRITE_ONCE(m->large_frees, m->large_frees - objs);
		WRITE_ONCE(m->large_bytes_freed, m->large_bytes_freed - bytes);
	}
	local_unlock_irqrestore(&ma_mcaches->lock, flags);
}

/**
 * ma_mcache_count_bad_free() - count a detected bad free on this CPU
 *
 * Context: Any context but NMI.
 */
void ma_mcache_count_bad_free(void)
{
	this_cpu_inc(ma_mcaches->bad_frees);
}

/* Give every cached object of @m back to the centrals. */
static void ma_mcache_drain(struct ma_mcache *m)
{
	struct ma_mcache_class *mc;
	unsigned int cls;

	for (cls = 1; cls < MA_NUM_SIZE_CLASSES; cls++) {
		mc = &m->cls[cls];
		if (mc->n)
			ma_mcache_flush(mc, cls, mc->n);
	}
}

/* Time the drains held their CPU's cache (allocators there wait). */
static atomic64_t ma_drain_pause_ns;

static void ma_mcache_drain_local(struct work_struct *unused)
{
	unsigned long flags;
	u64 t0 = ktime_get_ns();

	local_lock_irqsave(&ma_mcaches->lock, flags);
	ma_mcache_drain(this_cpu_ptr(ma_mcaches));
	local_unlock_irqrestore(&ma_mcaches->lock, flags);
	atomic64_add(ktime_get_ns() - t0, &ma_drain_pause_ns);
}

/* Allocations plus frees ever done on @cpu, and objects cached there. */
static u64 ma_mcache_activity(unsigned int cpu, u64 *cached)
{
	struct ma_mcache *m = per_cpu_ptr(ma_mcaches, cpu);
	unsigned int c;
	u64 ops = 0;

	*cached = 0;
	for (c = 1; c < MA_NUM_SIZE_CLASSES; c++) {
		ops += READ_ONCE(m->cls[c].nmalloc) + READ_ONCE(m->cls[c].nfree);
		*cached += READ_ONCE(m->cls[c].n);
	}
	return ops;
}

/*
 * The drains run here, never on the queue of whoever waits for them: a
 * scavenger work item flushing drains queued on its own WQ_MEM_RECLAIM
 * queue could wait, under memory pressure, for work only its rescuer
 * thread (busy with that very item) would run.  WQ_MEM_RECLAIM because
 * reclaim (the shrinker) waits for them too.
 */
static struct workqueue_struct *ma_drain_wq;
static struct work_struct __percpu *ma_drain_works;
static DEFINE_MUTEX(ma_drain_mutex);

/**
 * ma_mcache_drain_cpus() - empty the caches of online CPUs
 * @activity: NULL to drain every CPU; else, per CPU id, the activity seen
 *	by the previous call: only CPUs that did nothing since and hold
 *	objects are drained, and the array is updated
 * @pause_ns: if not NULL, incremented by the time the drains waited for
 *	held the caches (allocations on those CPUs waited that long at
 *	most), and by that of drains queued earlier and not waited for
 * @reclaim: called from memory reclaim: never wait; give up rather than
 *	wait for CPU hotplug or another drain (either may be allocating
 *	memory), queue the drains without waiting for them (their objects
 *	are idle memory for the next scan), and skip CPUs whose drain is
 *	still pending
 *
 * Each CPU drains its own cache from a work item queued on it (as
 * lru_add_drain_all() does) on memarena's own drain workqueue; offline
 * CPUs were drained when they went down.
 *
 * Context: Process context, may sleep; not from a work item of a
 * WQ_MEM_RECLAIM queue that a drain could wait behind.
 * Return: the number of CPUs drained (queued, with @reclaim).
 */
unsigned int ma_mcache_drain_cpus(u64 *activity, u64 *pause_ns, bool reclaim)
{
	unsigned int cpu, n = 0;
	cpumask_var_t queued;
	u64 ops, cached;

	if (!zalloc_cpumask_var(&queued, reclaim ? GFP_NOWAIT : GFP_KERNEL))
		return 0;
	if (reclaim) {
		if (!mutex_trylock(&ma_drain_mutex))
			goto out_free_mask;
		if (!cpus_read_trylock()) {
			mutex_unlock(&ma_drain_mutex);
			goto out_free_mask;
		}
	} else {
		mutex_lock(&ma_drain_mutex);
		cpus_read_lock();
	}
	for_each_online_cpu(cpu) {
		struct work_struct *w = per_cpu_ptr(ma_drain_works, cpu);

		ops = ma_mcache_activity(cpu, &cached);
		if (activity) {
			bool idle = ops == activity[cpu];

			activity[cpu] = ops;
			if (!idle)
				continue;
		}
		if (!cached)
			continue;
		/*
		 * False if still pending from a reclaim call: reclaim leaves
		 * it to run; everyone else waits for it like for their own.
		 */
		if (!queue_work_on(cpu, ma_drain_wq, w) && reclaim)
			continue;
		cpumask_set_cpu(cpu, queued);
		n++;
	}
	if (!reclaim)
		for_each_cpu(cpu, queued)
			flush_work(per_cpu_ptr(ma_drain_works, cpu));
	cpus_read_unlock();
	if (pause_ns)
		*pause_ns += atomic64_xchg(&ma_drain_pause_ns, 0);
	mutex_unlock(&ma_drain_mutex);
out_free_mask:
	free_cpumask_var(queued);
	return n;
}

/* CPU hotplug: a dead CPU's cache is drained by the CPU taking it down. */
static int ma_mcache_cpu_dead(unsigned int cpu)
{
	ma_mcache_drain(per_cpu_ptr(ma_mcaches, cpu));
	return 0;
}

/**
 * ma_mcache_init() - allocate every CPU's cache and size its stacks
 *
 * Context: Process context, may sleep.
 * Return: 0, or a negative errno.
 */
int ma_mcache_init(void)
{
	unsigned int cls, cpu, total = 0, cap;
	struct ma_mcache *m;
	void **storage;
	int ret;

	ma_mcache_bytes_bound = 0;
	for (cls = 1; cls < MA_NUM_SIZE_CLASSES; cls++) {
		cap = MA_MCACHE_CLASS_BYTES / ma_class_size[cls];
		cap = clamp_t(unsigned int, cap,
			      ma_class_size[cls] <= PAGE_SIZE ?
			      MA_MCACHE_MIN_PAGE_OBJS : MA_MCACHE_MIN_OBJS,
			      MA_MCACHE_MAX_OBJS);
		ma_mcache_cap[cls] = cap;
		total += cap;
		ma_mcache_bytes_bound += (unsigned long)cap * ma_class_size[cls];
	}

	ma_drain_wq = alloc_workqueue("memarena_drain", WQ_MEM_RECLAIM, 0);
	if (!ma_drain_wq)
		return -ENOMEM;
	ma_drain_works = alloc_percpu(struct work_struct);
	if (!ma_drain_works) {
		ret = -ENOMEM;
		goto out_destroy_wq;
	}
	/* Initialised once: a reclaim drain may still be pending at the next. */
	for_each_possible_cpu(cpu)
		INIT_WORK(per_cpu_ptr(ma_drain_works, cpu), ma_mcache_drain_local);
	ma_mcache_size = struct_size(m, storage, total);
	ma_mcaches = __alloc_percpu(ma_mcache_size, __alignof__(*m));
	if (!ma_mcaches) {
		ret = -ENOMEM;
		goto out_free_works;
	}

	for_each_possible_cpu(cpu) {
		m = per_cpu_ptr(ma_mcaches, cpu);
		local_lock_init(&m->lock);
		storage = m->storage;
		for (cls = 1; cls < MA_NUM_SIZE_CLASSES; cls++) {
			m->cls[cls].objs = storage;
			m->cls[cls].cap = ma_mcache_cap[cls];
			storage += ma_mcache_cap[cls];
		}
	}

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "mm/memarena:dead",
					NULL, ma_mcache_cpu_dead);
	if (ret < 0)
		goto out_free_mcaches;
	ma_cpuhp_state = ret;
	return 0;

out_free_mcaches:
	free_percpu(ma_mcaches);
	ma_mcaches = NULL;
out_free_works:
	free_percpu(ma_drain_works);
	ma_drain_works = NULL;
out_destroy_wq:
	destroy_workqueue(ma_drain_wq);
	ma_drain_wq = NULL;
	return ret;
}

/**
 * ma_mcache_exit() - drain every cache and free them
 *
 * Context: Process context, module exit: nobody allocates any more.
 */
void ma_mcache_exit(void)
{
	unsigned int cpu;

	if (ma_cpuhp_state >= 0)
		cpuhp_remove_state_nocalls(ma_cpuhp_state);
	/* Runs the drains reclaim queued and did not wait for. */
	destroy_workqueue(ma_drain_wq);
	ma_drain_wq = NULL;
	for_each_possible_cpu(cpu)
		ma_mcache_drain(per_cpu_ptr(ma_mcaches, cpu));
	free_percpu(ma_mcaches);
	ma_mcaches = NULL;
	free_percpu(ma_drain_works);
	ma_drain_works = NULL;
}
