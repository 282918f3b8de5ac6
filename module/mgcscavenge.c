// SPDX-License-Identifier: GPL-2.0
/*
 * The scavenger: giving idle memory back to the page allocator, as Go's
 * background scavenger gives it back to the OS (mgcscavenge.go).  memarena
 * has no garbage collector, so its "GC cycles" (NumGC, PauseNs, ...) are
 * the scavenger's reclaim cycles.  See malloc.c for the allocator and
 * Documentation/memstats.rst for the counters.
 *
 * A cycle
 *	1. drains per-CPU caches: those that were idle since the previous
 *	   cycle (background), or all of them (forced, shrinker); drained
 *	   objects go back to their spans, and spans left empty to the heap;
 *	   when something must go back, so do the empty spans the central
 *	   lists keep for reuse;
 *	2. gives memory back to the buddy allocator, node by node, while a
 *	   node's heap retained from the page allocator (HeapSys -
 *	   HeapReleased of the node) exceeds the node's goal, or the whole
 *	   footprint (Sys - HeapReleased) exceeds the memory limit, or
 *	   unconditionally when forced or shrinking: first heap arenas
 *	   without a page in use, whole (one per hold of the heap's lock,
 *	   and only one that the excess covers), then runs of free pages
 *	   inside heap arenas that still hold objects, largest first
 *	   (MA_RELEASE_SCAN runs per hold), which become holes in them;
 *	3. is recorded (ma_gc_record()) and passed to the cycle notifier
 *	   chain (netlink.c announces it on the "events" multicast group).
 *
 * A node's goal is its HeapInuse plus scavenge_percent (default 10%, Go's
 * retainExtraPercent) of it, so that one node's busy heap does not keep
 * another's idle pages.  The memory limit (GOMEMLIMIT's counterpart, a
 * soft limit on Sys - HeapReleased) is on the total; the goal reported
 * (NextGC) is the total HeapInuse plus scavenge_percent, at most the
 * limit.  NextGC reports the goal of the last cycle.  Growing the heap
 * past the limit kicks the scavenger at once.
 *
 * Everything given back is freed after one RCU grace period per cycle
 * (or per MA_SCAV_RUNS runs): a lockless lookup of a bad free may still
 * be looking at it.  The shrinker does not wait for it: its pages go back
 * from RCU callbacks.
 *
 * Cost: the background work wakes every scavenge_interval_ms and runs a
 * cycle only when there is something to give back; a cycle holds each
 * CPU's cache lock for one drain and a heap's lock for one heap arena or one
 * batch of runs at a time.
 * PauseNs is the sum of those holds, the time allocators could have
 * waited for the cycle.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/rcupdate.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "memarena.h"

static unsigned int scavenge_percent = 10;
module_param(scavenge_percent, uint, 0644);
MODULE_PARM_DESC(scavenge_percent,
		 "Idle heap kept beyond HeapInuse, in percent of it (default 10, as Go)");

static struct workqueue_struct *ma_scav_wq;
static struct delayed_work ma_scav_work;
/*
 * Whether ma_scav_work may be queued.  Set before the first queueing and
 * cleared under kernel_param_lock(THIS_MODULE) before the work is
 * cancelled: the parameter writers below hold that lock, so none queues
 * work after ma_scav_exit() has cancelled it (a sysfs write can race with
 * rmmod until the module's parameters are gone).
 */
static bool ma_scav_running;

static unsigned int scavenge_interval_ms = 1000;

static unsigned long ma_scav_interval(void)
{
	return msecs_to_jiffies(max(10U, READ_ONCE(scavenge_interval_ms)));
}

/* Writing the parameter acts at once: the next wake-up is one new period away. */
static int ma_param_set_interval(const char *val, const struct kernel_param *kp)
{
	int err = param_set_uint(val, kp);

	if (!err && READ_ONCE(ma_scav_running))
		mod_delayed_work(ma_scav_wq, &ma_scav_work, ma_scav_interval());
	return err;
}

static const struct kernel_param_ops ma_interval_ops = {
	.set	= ma_param_set_interval,
	.get	= param_get_uint,
};
module_param_cb(scavenge_interval_ms, &ma_interval_ops, &scavenge_interval_ms, 0644);
MODULE_PARM_DESC(scavenge_interval_ms,
		 "Background scavenger period in milliseconds (default 1000, at least 10)");

static unsigned long memory_limit;

/* Writing the parameter acts at once, like MEMARENA_CMD_SET_LIMIT. */
static int ma_param_set_limit(const char *val, const struct kernel_param *kp)
{
	unsigned long limit;
	int err = kstrtoul(val, 0, &limit);

	if (err)
		return err;
	ma_scav_set_limit(limit);
	return 0;
}

static const struct kernel_param_ops ma_limit_ops = {
	.set	= ma_param_set_limit,
	.get	= param_get_ulong,
};
module_param_cb(memory_limit, &ma_limit_ops, &memory_limit, 0644);
MODULE_PARM_DESC(memory_limit,
		 "Soft limit on Sys - HeapReleased in bytes, like GOMEMLIMIT (0: none)");

static DEFINE_MUTEX(ma_cycle_mutex);	/* one cycle at a time */
/* Told of each recorded cycle, from the context it ran in (reclaim too). */
static ATOMIC_NOTIFIER_HEAD(ma_cycle_chain);
static u64 *ma_cpu_activity;		/* per CPU id, for idle drains */

/* Runs of pages waiting for a grace period; ma_cycle_mutex. */
#define MA_SCAV_RUNS	256
static struct ma_page_run ma_scav_runs[MA_SCAV_RUNS];

enum ma_cycle_kind {
	MA_CYCLE_BACKGROUND,
	MA_CYCLE_FORCED,
	MA_CYCLE_SHRINK,
};

/* Heap the scavenger aims at: HeapInuse + scavenge_percent, or the limit. */
static u64 ma_scav_goal(u64 inuse)
{
	u64 goal = inuse + div_u64(inuse * READ_ONCE(scavenge_percent), 100);
	u64 limit = READ_ONCE(memory_limit);

	return limit ? min(goal, limit) : goal;
}

/* Bytes held from the page allocator that are not heap objects' spans. */
static u64 ma_scav_footprint(u64 *heap_retained, u64 *inuse)
{
	struct ma_heap_gauges g;
	u64 profile, buck_hash;

	ma_heap_read_all(&g);
	/* Empty spans the centrals keep are idle, whatever HeapInuse says. */
	*inuse = g.inuse - min(g.inuse, ma_central_empty_bytes(NULL));
	*heap_retained = g.sys - g.released;
	/* The heap profile's share of OtherSys, and BuckHashSys: as stats.c. */
	profile = ma_mprof_sys(&buck_hash);
	return *heap_retained + g.mspan_sys + g.gc_sys +
	       (u64)ma_mcache_size * num_possible_cpus() +
	       ma_other_sys_bytes(ma_user_arena_count()) + profile + buck_hash;
}

static bool ma_scav_over_limit(void)
{
	u64 retained, inuse, limit = READ_ONCE(memory_limit);

	return limit && ma_scav_footprint(&retained, &inuse) > limit;
}

/**
 * ma_scav_limit_room() - whether the footprint may grow by @bytes
 * @bytes: a heap arena about to be obtained
 *
 * Context: Any context.
 * Return: false if a memory limit is set and @bytes more would pass it.
 */
bool ma_scav_limit_room(u64 bytes)
{
	u64 retained, inuse, limit = READ_ONCE(memory_limit);

	return !limit || ma_scav_footprint(&retained, &inuse) + bytes <= limit;
}

/*
 * Bytes still to give back in this cycle: in the background, above the
 * limit, or above @h's goal (the total's, if @h is NULL); what is left of
 * @budget otherwise.
 */
static u64 ma_scav_excess(enum ma_cycle_kind kind, u64 budget, u64 released,
			  struct ma_heap *h)
{
	u64 retained, inuse, footprint, goal, limit = READ_ONCE(memory_limit);
	struct ma_heap_gauges g;
	u64 over = 0;

	if (kind != MA_CYCLE_BACKGROUND)
		return budget > released ? budget - released : 0;
	footprint = ma_scav_footprint(&retained, &inuse);
	if (limit && footprint > limit)
		over = footprint - limit;
	if (h) {
		ma_heap_read(h, &g);
		inuse = g.inuse - min(g.inuse, ma_central_empty_bytes(h));
		retained = g.sys - g.released;
		goal = inuse + div_u64(inuse * READ_ONCE(scavenge_percent), 100);
	} else {
		goal = ma_scav_goal(inuse);
	}
	if (retained > goal)
		over = max(over, retained - goal);
	return over;
}

/*
 * Give what the cycle took out of the heap to the page allocator.  Reclaim
 * (@deferred) must not wait for a grace period: there each heap arena and run
 * goes back from an RCU callback after one.
 */
static void ma_scav_free(struct list_head *harenas, unsigned int nruns,
			 u64 *rcu_ns, bool deferred)
{
	struct ma_heap_arena *ha, *tmp;
	unsigned int i;
	u64 t0;

	if (list_empty(harenas) && !nruns)
		return;
	if (deferred) {
		list_for_each_entry_safe(ha, tmp, harenas, node) {
			list_del(&ha->node);
			ma_heap_arena_free_rcu(ha);
		}
		for (i = 0; i < nruns; i++)
			ma_heap_free_run_rcu(&ma_scav_runs[i]);
		return;
	}
	/* Lockless lookups (bad frees) may still read them. */
	t0 = ktime_get_ns();
	synchronize_rcu();
	*rcu_ns += ktime_get_ns() - t0;
	list_for_each_entry_safe(ha, tmp, harenas, node) {
		list_del(&ha->node);
		ma_heap_arena_free(ha);
		cond_resched();
	}
	for (i = 0; i < nruns; i++) {
		ma_heap_free_run(&ma_scav_runs[i]);
		cond_resched();
	}
}

/*
 * Run a cycle.  A background or shrinker cycle that found nothing to do
 * (no cache to drain, no heap arena to give back) is not recorded: NumGC counts
 * forced cycles and cycles that reclaimed.  @budget: the bytes a forced or
 * shrinker cycle gives back at most.  Returns whether the cycle was
 * recorded.
 */
static bool ma_cycle_run(enum ma_cycle_kind kind, struct ma_cycle *c,
			 u64 budget)
{
	bool reclaim = kind == MA_CYCLE_SHRINK;
	u64 t0, rcu_ns = 0, inuse, retained, excess, bytes;
	unsigned int drained, nruns = 0, n;
	struct ma_heap_gauges g;
	struct ma_heap_arena *ha;
	struct ma_heap *h;
	LIST_HEAD(freed);
	bool over;

	lockdep_assert_held(&ma_cycle_mutex);
	memset(c, 0, sizeof(*c));
	c->forced = kind == MA_CYCLE_FORCED;
	t0 = ktime_get_ns();

	/* Over the limit, busy CPUs' caches go too: they pin spans. */
	over = ma_scav_over_limit();
	drained = ma_mcache_drain_cpus(kind == MA_CYCLE_BACKGROUND && !over ?
				       ma_cpu_activity : NULL, &c->pause_ns,
				       reclaim);

	/* The centrals' spare empty spans, when something must go back. */
	if (kind != MA_CYCLE_BACKGROUND || over ||
	    ma_scav_excess(kind, budget, 0, NULL))
		drained += ma_central_trim_all();

	/*
	 * Whole heap arenas first: they take their metadata with them.  With
	 * no excess, only heap arenas that are all holes go.
	 */
	for (h = ma_heap_next(NULL); h; h = ma_heap_next(h)) {
		for (;;) {
			excess = ma_scav_excess(kind, budget, c->released, h);
			ha = ma_heap_release_one(h, excess, &bytes, &c->pause_ns);
			if (!ha)
				break;
			c->released += bytes;
			list_add(&ha->node, &freed);
			cond_resched();
		}
	}
	for (h = ma_heap_next(NULL); h; h = ma_heap_next(h)) {
		while ((excess = ma_scav_excess(kind, budget, c->released, h))) {
			n = ma_heap_release_pages(h, excess, ma_scav_runs + nruns,
						  MA_SCAV_RUNS - nruns, &bytes,
						  &c->pause_ns);
			if (!n)
				break;
			c->released += bytes;
			nruns += n;
			if (nruns == MA_SCAV_RUNS) {
				ma_scav_free(&freed, nruns, &rcu_ns, reclaim);
				nruns = 0;
			}
			cond_resched();
		}
	}
	ma_scav_free(&freed, nruns, &rcu_ns, reclaim);

	if (kind != MA_CYCLE_FORCED && !drained && !c->released)
		return false;
	ma_scav_footprint(&retained, &inuse);
	ma_heap_read_all(&g);
	c->heap_released = g.released;
	c->heap_idle = g.sys - g.inuse;
	c->goal = ma_scav_goal(inuse);
	c->end = ktime_get_real_ns();
	c->duration_ns = ktime_get_ns() - t0 - rcu_ns;
	ma_gc_record(c);
	atomic_notifier_call_chain(&ma_cycle_chain, 0, c);
	return true;
}

static void ma_scav_workfn(struct work_struct *work)
{
	struct ma_cycle c;

	if (mutex_trylock(&ma_cycle_mutex)) {
		ma_cycle_run(MA_CYCLE_BACKGROUND, &c, 0);
		mutex_unlock(&ma_cycle_mutex);
	}
	if (READ_ONCE(ma_scav_running))
		queue_delayed_work(ma_scav_wq, &ma_scav_work, ma_scav_interval());
}

/**
 * ma_scav_force() - run a full reclaim cycle now (MEMARENA_CMD_GC)
 * @c: filled with the cycle, as recorded
 *
 * Every per-CPU cache is drained and every free page given back (heap
 * arenas without a page in use whole, the rest as runs), whatever the
 * goal.  Counted in NumForcedGC.
 *
 * Context: Process context, may sleep.
 * Return: 0, or -EINTR if interrupted while waiting for a running cycle.
 */
int ma_scav_force(struct ma_cycle *c)
{
	if (mutex_lock_interruptible(&ma_cycle_mutex))
		return -EINTR;
	ma_cycle_run(MA_CYCLE_FORCED, c, U64_MAX);
	mutex_unlock(&ma_cycle_mutex);
	return 0;
}

/**
 * ma_scav_register_notifier() - be told of every recorded cycle
 * @nb: its notifier_call gets the struct ma_cycle as data
 *
 * The callback runs where the cycle ran, memory reclaim included: it must
 * not sleep, allocate or take a lock that reclaim could wait for.
 *
 * Context: Process context.
 * Return: 0.
 */
int ma_scav_register_notifier(struct notifier_block *nb)
{
	return atomic_notifier_chain_register(&ma_cycle_chain, nb);
}

/**
 * ma_scav_unregister_notifier() - stop telling @nb of cycles
 * @nb: as registered
 *
 * Context: Process context, may sleep: returns once no callback to @nb
 * is running.
 */
void ma_scav_unregister_notifier(struct notifier_block *nb)
{
	atomic_notifier_chain_unregister(&ma_cycle_chain, nb);
}

/**
 * ma_scav_set_limit() - set the soft memory limit and act on it
 * @bytes: limit on Sys - HeapReleased, 0 for none
 *
 * Context: Any context, before ma_scav_exit() begins: netlink callers are
 * gone by then (the family is unregistered first); the memory_limit
 * parameter's writer holds kernel_param_lock().
 */
void ma_scav_set_limit(u64 bytes)
{
	WRITE_ONCE(memory_limit, bytes);
	if (READ_ONCE(ma_scav_running))
		mod_delayed_work(ma_scav_wq, &ma_scav_work, 0);
}

/**
 * ma_scav_heap_grew() - the heap took a new heap arena: check the limit
 *
 * Context: Any context.
 */
void ma_scav_heap_grew(void)
{
	u64 retained, inuse, limit = READ_ONCE(memory_limit);

	if (limit && READ_ONCE(ma_scav_running) &&
	    ma_scav_footprint(&retained, &inuse) > limit)
		mod_delayed_work(ma_scav_wq, &ma_scav_work, 0);
}

/* --- shrinker: memory pressure gives back what is idle ------------------ */

/*
 * Idle memory, in pages: free heap pages still held from the page
 * allocator, the centrals' spare empty spans and the per-CPU caches.  The
 * gauges are read without a lock and may be mid-update: clamped, never
 * negative.
 */
static unsigned long ma_shrink_count(struct shrinker *sh,
				     struct shrink_control *sc)
{
	struct ma_heap_gauges g;
	struct ma_cpu_stats st;
	unsigned int cpu;
	u64 idle = 0;

	ma_heap_read_all(&g);
	if (g.sys > g.released + g.inuse)
		idle = g.sys - g.released - g.inuse;
	idle += ma_central_empty_bytes(NULL);
	for_each_online_cpu(cpu) {
		ma_stats_cpu(cpu, &st);
		idle += st.cached_bytes;
	}
	return idle >> PAGE_SHIFT ?: SHRINK_EMPTY;
}

/*
 * Give back about sc->nr_to_scan pages without blocking reclaim: the
 * drains are queued, not waited for (what they free is idle memory for
 * the next call), and the pages go to the page allocator from RCU
 * callbacks.  memarena does no I/O and touches no filesystem, so every
 * reclaim context (sc->gfp_mask) may use it; it only trylocks what another
 * cycle or CPU hotplug may hold.
 */
static unsigned long ma_shrink_scan(struct shrinker *sh,
				    struct shrink_control *sc)
{
	struct ma_cycle c;
	bool recorded;

	if (!mutex_trylock(&ma_cycle_mutex))
		return SHRINK_STOP;
	recorded = ma_cycle_run(MA_CYCLE_SHRINK, &c,
				(u64)sc->nr_to_scan << PAGE_SHIFT);
	mutex_unlock(&ma_cycle_mutex);
	if (!recorded || !c.released)
		return SHRINK_STOP;
	return c.released >> PAGE_SHIFT;
}

static struct shrinker *ma_shrinker;

/**
 * ma_scav_init() - start the background scavenger and the shrinker
 *
 * Context: Process context, module init.
 * Return: 0, or a negative errno.
 */
int ma_scav_init(void)
{
	int err = -ENOMEM;

	ma_cpu_activity = kcalloc(nr_cpu_ids, sizeof(*ma_cpu_activity),
				  GFP_KERNEL);
	if (!ma_cpu_activity)
		return -ENOMEM;
	ma_scav_wq = alloc_workqueue("memarena", WQ_MEM_RECLAIM, 0);
	if (!ma_scav_wq)
		goto out_free_activity;
	ma_shrinker = ma_shrinker_create(ma_shrink_count, ma_shrink_scan,
					 "memarena");
	if (!ma_shrinker)
		goto out_destroy_wq;
	INIT_DELAYED_WORK(&ma_scav_work, ma_scav_workfn);
	kernel_param_lock(THIS_MODULE);
	WRITE_ONCE(ma_scav_running, true);
	queue_delayed_work(ma_scav_wq, &ma_scav_work, ma_scav_interval());
	kernel_param_unlock(THIS_MODULE);
	return 0;

out_destroy_wq:
	destroy_workqueue(ma_scav_wq);
out_free_activity:
	kfree(ma_cpu_activity);
	return err;
}

/**
 * ma_scav_exit() - stop the scavenger and the shrinker
 *
 * Context: Process context, module exit.
 */
void ma_scav_exit(void)
{
	kernel_param_lock(THIS_MODULE);
	WRITE_ONCE(ma_scav_running, false);
	kernel_param_unlock(THIS_MODULE);
	ma_shrinker_destroy(ma_shrinker);
	cancel_delayed_work_sync(&ma_scav_work);
	rcu_barrier();		/* the shrinker's deferred frees */
	destroy_workqueue(ma_scav_wq);
	kfree(ma_cpu_activity);
}
