// SPDX-License-Identifier: GPL-2.0
/*
 * memarena_load: a load generator for memarena, for tests that watch the
 * statistics while every CPU allocates and frees (selftests/stats_test.c).
 *
 * Loading the module starts one kthread per online CPU, bound to it, that
 * allocates and frees at random until the module is removed:
 *  - sizes mostly 8..1024 bytes, some up to 32 KiB, a few large ones up
 *    to 256 KiB;
 *  - from the global heap, and from an arena of its own, which is now
 *    and then destroyed with its objects and created again;
 *  - a quarter of the global frees handed to the next CPU's thread
 *    through a small ring;
 *  - the first thread calls memarena_drain() every 250 ms.
 * The live set stays under live_kb KiB in all (ring and thread stacks
 * aside).  Removing the module stops the threads and frees everything.
 * Nothing is checked here: the statistics are the subject.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/memarena.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>

static unsigned int live_kb = 8192;
module_param(live_kb, uint, 0444);
MODULE_PARM_DESC(live_kb,
		 "Bytes of live objects, all threads together, in KiB (default 8192)");

#define ML_MAX_LIVE	2048		/* global objects per thread */
#define ML_MAX_ARENA	256		/* arena objects per thread */
#define ML_RING		64		/* objects in flight to a thread */
#define ML_BATCH	64		/* operations between cond_resched() */
#define ML_MAX_SIZE	(256 << 10)	/* largest request */
#define ML_ARENA_CYCLE	4096		/* one arena destroy per this many ops */
#define ML_DRAIN_MS	250

struct ml_obj {
	void *p;
	size_t size;
};

struct ml_ring {
	spinlock_t lock;	/* protects head, count and slot[] */
	unsigned int head;
	unsigned int count;
	void *slot[ML_RING];
};

struct ml_worker {
	struct task_struct *task;
	struct ml_worker *next;		/* frees a share of our objects */
	unsigned int cpu;
	bool drainer;
	unsigned long next_drain;
	struct rnd_state rnd;
	size_t budget, arena_budget;
	struct ml_ring ring;		/* objects from the previous worker */
	void *in[ML_RING];
	struct ml_obj live[ML_MAX_LIVE];
	unsigned int nlive;
	size_t live_bytes;
	struct memarena_arena *arena;
	char arena_name[MEMARENA_NAME_LEN];
	struct ml_obj aobj[ML_MAX_ARENA];
	unsigned int naobj;
	size_t arena_bytes;
	u64 allocs, frees, handed, received, failed;
	u64 arena_allocs, arena_frees, arena_destroys, drains;
};

static struct ml_worker *ml_workers;
static unsigned int ml_nr;

static bool ml_ring_put(struct ml_ring *r, void *p)
{
	bool ok = false;

	spin_lock(&r->lock);
	if (r->count < ML_RING) {
		r->slot[(r->head + r->count) % ML_RING] = p;
		r->count++;
		ok = true;
	}
	spin_unlock(&r->lock);
	return ok;
}

static unsigned int ml_ring_take(struct ml_ring *r, void **out)
{
	unsigned int i, n;

	spin_lock(&r->lock);
	n = r->count;
	for (i = 0; i < n; i++)
		out[i] = r->slot[(r->head + i) % ML_RING];
	r->head = (r->head + n) % ML_RING;
	r->count = 0;
	spin_unlock(&r->lock);
	return n;
}

static size_t ml_size(struct rnd_state *rnd)
{
	u32 pick = prandom_u32_state(rnd) % 128;
	u32 r = prandom_u32_state(rnd);

	if (pick < 112)		/* 7/8: 8..1024 */
		return 8 + r % (1024 - 8 + 1);
	if (pick < 126)		/* 14/128: 1025..32768 */
		return 1025 + r % (MEMARENA_MAX_SMALL_SIZE - 1024);
	/* 2/128: large, up to 256 KiB */
	return MEMARENA_MAX_SMALL_SIZE + 1 +
	       r % (ML_MAX_SIZE - MEMARENA_MAX_SMALL_SIZE);
}

/* Allocate a random size into @o, from @arena or the global heap. */
static void ml_alloc(struct ml_worker *w, struct memarena_arena *arena,
		     struct ml_obj *o, size_t *bytes)
{
	size_t size = ml_size(&w->rnd);
	void *p;

	if (arena)
		p = memarena_arena_alloc(arena, size, GFP_KERNEL);
	else
		p = memarena_alloc(size, GFP_KERNEL);
	o->p = p;
	o->size = size;
	if (!p) {
		w->failed++;
		return;
	}
	/* Touch the object, as a user would. */
	memset(p, 0x5a, min_t(size_t, size, 64));
	*bytes += size;
}

static void ml_global_step(struct ml_worker *w)
{
	bool alloc;
	unsigned int i;
	struct ml_obj o;

	if (!w->nlive)
		alloc = true;
	else if (w->nlive >= ML_MAX_LIVE || w->live_bytes >= w->budget)
		alloc = false;
	else	/* 5/8: the live set climbs to the budget and stays there */
		alloc = prandom_u32_state(&w->rnd) % 8 < 5;

	if (alloc) {
		ml_alloc(w, NULL, &w->live[w->nlive], &w->live_bytes);
		if (w->live[w->nlive].p) {
			w->nlive++;
			w->allocs++;
		}
		return;
	}
	i = prandom_u32_state(&w->rnd) % w->nlive;
	o = w->live[i];
	w->live[i] = w->live[--w->nlive];
	w->live_bytes -= o.size;
	if (!(prandom_u32_state(&w->rnd) % 4) && ml_ring_put(&w->next->ring, o.p)) {
		w->handed++;
		return;
	}
	memarena_free(o.p);
	w->frees++;
}

static void ml_arena_recreate(struct ml_worker *w)
{
	if (w->arena) {
		memarena_arena_destroy(w->arena);
		w->arena = NULL;
		w->naobj = 0;
		w->arena_bytes = 0;
		w->arena_destroys++;
	}
	w->arena = memarena_arena_create(w->arena_name);
	if (IS_ERR(w->arena)) {
		w->arena = NULL;
		w->failed++;
	}
}

static void ml_arena_step(struct ml_worker *w)
{
	bool alloc;
	unsigned int i;

	if (!w->arena || !(prandom_u32_state(&w->rnd) % ML_ARENA_CYCLE)) {
		ml_arena_recreate(w);
		return;
	}
	if (!w->naobj)
		alloc = true;
	else if (w->naobj >= ML_MAX_ARENA || w->arena_bytes >= w->arena_budget)
		alloc = false;
	else
		alloc = prandom_u32_state(&w->rnd) % 3;

	if (alloc) {
		ml_alloc(w, w->arena, &w->aobj[w->naobj], &w->arena_bytes);
		if (w->aobj[w->naobj].p) {
			w->naobj++;
			w->arena_allocs++;
		}
		return;
	}
	i = prandom_u32_state(&w->rnd) % w->naobj;
	memarena_free(w->aobj[i].p);
	w->arena_bytes -= w->aobj[i].size;
	w->aobj[i] = w->aobj[--w->naobj];
	w->arena_frees++;
}

static int ml_thread(void *arg)
{
	struct ml_worker *w = arg;
	unsigned int i, n;

	while (!kthread_should_stop()) {
		for (i = 0; i < ML_BATCH; i++) {
			if (prandom_u32_state(&w->rnd) % 8)
				ml_global_step(w);
			else
				ml_arena_step(w);
		}
		n = ml_ring_take(&w->ring, w->in);
		for (i = 0; i < n; i++)
			memarena_free(w->in[i]);
		w->received += n;
		if (w->drainer && time_after(jiffies, w->next_drain)) {
			memarena_drain();
			w->drains++;
			w->next_drain = jiffies + msecs_to_jiffies(ML_DRAIN_MS);
		}
		cond_resched();
	}
	return 0;
}

/* With every thread stopped: free what is left. */
static void ml_free_all(void)
{
	unsigned int i, j, n;

	for (i = 0; i < ml_nr; i++) {
		struct ml_worker *w = &ml_workers[i];

		for (j = 0; j < w->nlive; j++)
			memarena_free(w->live[j].p);
		w->frees += w->nlive;
		w->nlive = 0;
		n = ml_ring_take(&w->ring, w->in);
		for (j = 0; j < n; j++)
			memarena_free(w->in[j]);
		w->received += n;
		/* Half the arena objects one by one, the rest by destroy. */
		for (j = 0; j < w->naobj; j += 2)
			memarena_free(w->aobj[j].p);
		w->naobj = 0;
		if (w->arena)
			memarena_arena_destroy(w->arena);
		w->arena = NULL;
	}
}

static void ml_stop(void)
{
	u64 allocs = 0, frees = 0, handed = 0, aallocs = 0, destroys = 0;
	u64 drains = 0, failed = 0;
	unsigned int i;

	for (i = 0; i < ml_nr; i++)
		kthread_stop(ml_workers[i].task);
	ml_free_all();
	for (i = 0; i < ml_nr; i++) {
		struct ml_worker *w = &ml_workers[i];

		allocs += w->allocs;
		frees += w->frees + w->received;
		handed += w->handed;
		aallocs += w->arena_allocs;
		destroys += w->arena_destroys;
		drains += w->drains;
		failed += w->failed;
	}
	pr_info("%u threads: %llu allocs, %llu frees (%llu cross-CPU), %llu arena allocs, %llu arena destroys, %llu drains, %llu failed\n",
		ml_nr, allocs, frees, handed, aallocs, destroys, drains,
		failed);
	vfree(ml_workers);
	ml_workers = NULL;
	ml_nr = 0;
}

static int __init memarena_load_init(void)
{
	unsigned int cpu, i = 0, nr = num_online_cpus();
	size_t budget;

	if (!live_kb)
		return -EINVAL;
	ml_workers = vzalloc(array_size(nr, sizeof(*ml_workers)));
	if (!ml_workers)
		return -ENOMEM;
	budget = max_t(size_t, (size_t)live_kb * 1024 / nr, PAGE_SIZE);

	for_each_online_cpu(cpu) {
		struct ml_worker *w;

		if (i == nr)
			break;
		w = &ml_workers[i];
		w->cpu = cpu;
		w->drainer = !i;
		w->next_drain = jiffies + msecs_to_jiffies(ML_DRAIN_MS);
		/* Three quarters for the global heap, a quarter for the arena. */
		w->budget = budget - budget / 4;
		w->arena_budget = budget / 4;
		spin_lock_init(&w->ring.lock);
		prandom_seed_state(&w->rnd, get_random_u64());
		snprintf(w->arena_name, sizeof(w->arena_name),
			 "memarena_load/%u", cpu);
		w->task = kthread_create_on_cpu(ml_thread, w, cpu,
						"memarena_load/%u");
		if (IS_ERR(w->task)) {
			int err = PTR_ERR(w->task);

			pr_err("no kthread on cpu%u: error %d\n", cpu, err);
			ml_nr = i;
			ml_stop();
			return err;
		}
		i++;
	}
	ml_nr = i;
	for (i = 0; i < ml_nr; i++)
		ml_workers[i].next = &ml_workers[(i + 1) % ml_nr];
	for (i = 0; i < ml_nr; i++)
		wake_up_process(ml_workers[i].task);
	pr_info("%u threads, live_kb=%u\n", ml_nr, live_kb);
	return 0;
}

static void __exit memarena_load_exit(void)
{
	ml_stop();
}

module_init(memarena_load_init);
module_exit(memarena_load_exit);

MODULE_DESCRIPTION("Load generator for the memarena allocator statistics tests");
MODULE_LICENSE("GPL");
