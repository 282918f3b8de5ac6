// SPDX-License-Identifier: GPL-2.0
/*
 * memarena_test: in-kernel tests of the memarena allocator API of
 * <linux/memarena.h>.  Loading the module runs every test from the insmod
 * task and prints the results as KTAP, one line per test:
 *
 *	memarena_test: 1..15
 *	memarena_test: # class_boundaries: 145 objects, 1021 checks, 9 ms
 *	memarena_test: ok 1 class_boundaries
 *	memarena_test: not ok 3 gfp_zero
 *	memarena_test: ok 13 stress # SKIP stress_ms=0
 *
 * Diagnostic lines start with "# ".  Loading fails with -EINVAL when any
 * test failed; otherwise the module stays loaded, idle, until removed.
 * A failure is only ever a "not ok" line: no WARN() or BUG() here.
 *
 * Parameters: stress_ms, how long the multi-CPU stress test runs (0 skips
 * it), and stress_drain_ms, how often the loading task calls
 * memarena_drain() while it runs (0: never).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/irqflags.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/memarena.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/preempt.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/topology.h>
#include <linux/workqueue.h>

static unsigned int stress_ms = 3000;
module_param(stress_ms, uint, 0444);
MODULE_PARM_DESC(stress_ms,
		 "Run time of the multi-CPU stress test in ms, 0 skips it (default 3000)");

static unsigned int stress_drain_ms = 500;
module_param(stress_drain_ms, uint, 0444);
MODULE_PARM_DESC(stress_drain_ms,
		 "Period of memarena_drain() calls during the stress test in ms, 0 for none (default 500)");

/* ---------------------------------------------------------------------
 * Reporting
 */

/* Diagnostic lines printed per test for failed checks, at most. */
#define MT_MAX_DIAGS	16

/* State of the running test; the stress threads update it concurrently. */
static atomic_t mt_failures;
static atomic_long_t mt_checks;
static atomic_long_t mt_objects;
static const char *mt_skip_reason;

#define mt_diag(fmt, ...)	pr_info("# " fmt "\n", ##__VA_ARGS__)

static bool mt_pass(void)
{
	atomic_long_inc(&mt_checks);
	return true;
}

static __printf(2, 3) bool mt_fail(int line, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	atomic_long_inc(&mt_checks);
	if (atomic_inc_return(&mt_failures) > MT_MAX_DIAGS)
		return false;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_info("# line %d: %pV\n", line, &vaf);
	va_end(args);
	return false;
}

/*
 * MT_CHECK() - count a check; if @cond is false, fail the running test and
 * print a diagnostic.  The format arguments are only evaluated on failure.
 * Return: whether @cond held.
 */
#define MT_CHECK(cond, fmt, ...)					\
	(likely(cond) ? mt_pass() : mt_fail(__LINE__, fmt, ##__VA_ARGS__))

/* MT_FAIL() - a check that failed. */
#define MT_FAIL(fmt, ...)	mt_fail(__LINE__, fmt, ##__VA_ARGS__)

static bool mt_failed(void)
{
	return atomic_read(&mt_failures) != 0;
}

static void mt_skip(const char *reason)
{
	mt_skip_reason = reason;
}

/* ---------------------------------------------------------------------
 * Size rules and test objects
 */

/* Go's size classes: what memarena_size() reports for small objects. */
static const u32 mt_class_sizes[] = {
	8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208,
	224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704,
	768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072,
	3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472,
	9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480,
	21760, 24576, 27264, 28672, 32768,
};

#define MT_NR_CLASSES	ARRAY_SIZE(mt_class_sizes)

/* memarena_size() of an object of @size bytes; 0 if none is allocated. */
static size_t mt_expected_size(size_t size)
{
	unsigned int lo = 0, hi = MT_NR_CLASSES - 1, mid;

	if (!size || size > MEMARENA_MAX_SIZE)
		return 0;
	if (size > MEMARENA_MAX_SMALL_SIZE)
		return PAGE_ALIGN(size);
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (mt_class_sizes[mid] < size)
			lo = mid + 1;
		else
			hi = mid;
	}
	return mt_class_sizes[lo];
}

/*
 * An allocated object.  The byte-pattern tests fill all @size bytes with
 * the low byte of @seed; the stress test writes @seed into the first word
 * and a pattern derived from the address and @seed into the others.
 */
struct mt_obj {
	u8 *p;
	size_t size;	/* usable size: memarena_size(), as promised */
	u64 seed;
};

static bool mt_live(const struct mt_obj *o)
{
	return !ZERO_OR_NULL_PTR(o->p);
}

/*
 * Allocate @req bytes (1..MEMARENA_MAX_SIZE) from @arena, or from the
 * global heap if @arena is NULL, check its size, alignment and (with
 * __GFP_ZERO) contents, and fill it with the byte @pat.  @o->p is NULL if
 * the allocation failed, which is a failed check.
 */
static bool mt_obj_alloc(struct mt_obj *o, struct memarena_arena *arena,
			 size_t req, gfp_t gfp, u8 pat, const char *what)
{
	size_t want = mt_expected_size(req), got;
	unsigned long addr;
	u8 *p, *bad;

	o->p = NULL;
	o->size = 0;
	o->seed = pat;
	if (arena)
		p = memarena_arena_alloc(arena, req, gfp);
	else
		p = memarena_alloc(req, gfp);
	if (!MT_CHECK(!ZERO_OR_NULL_PTR(p), "%s: alloc(%zu) returned %p",
		      what, req, p))
		return false;
	atomic_long_inc(&mt_objects);
	o->p = p;
	addr = (unsigned long)p;
	got = memarena_size(p);
	MT_CHECK(got == want, "%s: memarena_size() of a %zu-byte object is %zu, not %zu",
		 what, req, got, want);
	o->size = min(got, want);
	MT_CHECK(IS_ALIGNED(addr, MEMARENA_MIN_ALIGN),
		 "%s: %zu-byte object at offset %lu from 8-byte alignment",
		 what, req, addr % MEMARENA_MIN_ALIGN);
	if (is_power_of_2(req) && req > MEMARENA_MIN_ALIGN)
		MT_CHECK(IS_ALIGNED(addr, req),
			 "%s: %zu-byte object not aligned to its size (offset %lu)",
			 what, req, addr & (req - 1));
	if (gfp & __GFP_ZERO) {
		bad = memchr_inv(p, 0, o->size);
		MT_CHECK(!bad, "%s: __GFP_ZERO %zu-byte object has 0x%02x at offset %td of %zu",
			 what, req, *bad, bad - p, o->size);
	}
	memset(p, pat, o->size);
	return true;
}

/* Check that @o still holds its byte pattern. */
static bool mt_obj_verify(const struct mt_obj *o, const char *what)
{
	u8 *bad;

	if (!mt_live(o))
		return true;
	bad = memchr_inv(o->p, (u8)o->seed, o->size);
	return MT_CHECK(!bad, "%s: %zu-byte object (pattern 0x%02x) has 0x%02x at offset %td",
			what, o->size, (u8)o->seed, *bad, bad - o->p);
}

/* Verify and free @o, if it was allocated. */
static void mt_obj_free(struct mt_obj *o, const char *what)
{
	if (!mt_live(o))
		return;
	mt_obj_verify(o, what);
	memarena_free(o->p);
	o->p = NULL;
}

static void mt_objs_free(struct mt_obj *objs, unsigned int n, const char *what)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		mt_obj_free(&objs[i], what);
}

static void mt_objs_verify(const struct mt_obj *objs, unsigned int n,
			   const char *what)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!mt_obj_verify(&objs[i], what))
			return;
}

struct mt_range {
	unsigned long start, end;
};

static int mt_range_cmp(const void *a, const void *b)
{
	const struct mt_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/* Check that no two of the live objects in @objs share a byte. */
static bool mt_check_overlap(const struct mt_obj *objs, size_t n,
			     const char *what)
{
	struct mt_range *r;
	size_t i, m = 0;
	bool ok = true;

	r = kvmalloc_array(max_t(size_t, n, 1), sizeof(*r), GFP_KERNEL);
	if (!MT_CHECK(r, "%s: no memory for the overlap check", what))
		return false;
	for (i = 0; i < n; i++) {
		if (!mt_live(&objs[i]))
			continue;
		r[m].start = (unsigned long)objs[i].p;
		r[m].end = r[m].start + max_t(size_t, objs[i].size, 1);
		m++;
	}
	sort(r, m, sizeof(*r), mt_range_cmp, NULL);
	for (i = 1; i < m && ok; i++)
		ok = MT_CHECK(r[i - 1].end <= r[i].start,
			      "%s: objects of %lu and %lu bytes overlap by %lu bytes",
			      what, r[i - 1].end - r[i - 1].start,
			      r[i].end - r[i].start, r[i - 1].end - r[i].start);
	kvfree(r);
	return ok;
}

static struct mt_obj *mt_objs_alloc(unsigned int n)
{
	struct mt_obj *objs = kvcalloc(n, sizeof(*objs), GFP_KERNEL);

	MT_CHECK(objs, "no memory for %u test objects", n);
	return objs;
}

/* A distinct non-zero byte pattern for object @i. */
static u8 mt_pat(unsigned int i)
{
	return (i * 37) % 255 + 1;
}

/* ---------------------------------------------------------------------
 * class_boundaries: zero and NULL, every size class edge, too large
 */

static void test_class_boundaries(void)
{
	static const size_t too_big[] = {
		MEMARENA_MAX_SIZE + 1, MEMARENA_MAX_SIZE + PAGE_SIZE,
		2 * MEMARENA_MAX_SIZE, SIZE_MAX / 2 + 1,
		SIZE_MAX - PAGE_SIZE + 2, SIZE_MAX,
	};
	static const size_t large[] = {
		9 * PAGE_SIZE, 9 * PAGE_SIZE + 1, 65536, 65537,
		MEMARENA_MAX_SIZE / 2 + 1, MEMARENA_MAX_SIZE - 1,
		MEMARENA_MAX_SIZE,
	};
	unsigned int i, n = 0, max = 1 + 2 * MT_NR_CLASSES + ARRAY_SIZE(large);
	struct mt_obj *objs;
	size_t *sizes;
	void *p;

	p = memarena_alloc(0, GFP_KERNEL);
	MT_CHECK(p == ZERO_SIZE_PTR, "alloc(0) returned %p, not ZERO_SIZE_PTR", p);
	if (!ZERO_OR_NULL_PTR(p))
		memarena_free(p);
	memarena_free(NULL);
	memarena_free(ZERO_SIZE_PTR);
	MT_CHECK(memarena_size(NULL) == 0, "memarena_size(NULL) is %zu",
		 memarena_size(NULL));
	MT_CHECK(memarena_size(ZERO_SIZE_PTR) == 0,
		 "memarena_size(ZERO_SIZE_PTR) is %zu",
		 memarena_size(ZERO_SIZE_PTR));

	for (i = 0; i < ARRAY_SIZE(too_big); i++) {
		p = memarena_alloc(too_big[i], GFP_KERNEL);
		MT_CHECK(!p, "alloc(%zu) returned %p, not NULL", too_big[i], p);
		if (!ZERO_OR_NULL_PTR(p))
			memarena_free(p);
		p = memarena_alloc(too_big[i], GFP_KERNEL | __GFP_ZERO);
		MT_CHECK(!p, "alloc(%zu, __GFP_ZERO) returned %p, not NULL",
			 too_big[i], p);
		if (!ZERO_OR_NULL_PTR(p))
			memarena_free(p);
	}

	objs = mt_objs_alloc(max);
	sizes = kcalloc(max, sizeof(*sizes), GFP_KERNEL);
	if (!MT_CHECK(sizes, "no memory for the size list") || !objs)
		goto out;
	sizes[n++] = 1;
	for (i = 0; i < MT_NR_CLASSES; i++) {
		sizes[n++] = mt_class_sizes[i];
		sizes[n++] = mt_class_sizes[i] + 1;
	}
	for (i = 0; i < ARRAY_SIZE(large); i++)
		sizes[n++] = large[i];

	/* Each object alone: fill its whole usable size, read it back. */
	for (i = 0; i < n; i++) {
		if (mt_obj_alloc(&objs[i], NULL, sizes[i], GFP_KERNEL,
				 mt_pat(i), "single"))
			mt_obj_free(&objs[i], "single");
	}
	/* All at once: no object overlaps or overruns another. */
	for (i = 0; i < n; i++)
		mt_obj_alloc(&objs[i], NULL, sizes[i], GFP_KERNEL, mt_pat(i),
			     "all live");
	mt_check_overlap(objs, n, "all live");
	mt_objs_verify(objs, n, "all live");
	mt_objs_free(objs, n, "all live");
out:
	kfree(sizes);
	kvfree(objs);
}

/* ---------------------------------------------------------------------
 * alignment: 8 bytes always, power-of-two sizes to their size
 */

#define MT_ALIGN_OBJS	4

static void test_alignment(void)
{
	struct mt_obj objs[MT_ALIGN_OBJS];
	unsigned int i, j;
	size_t size;

	/* Several live at once, so that they sit at different addresses. */
	for (size = 1; size <= MEMARENA_MAX_SIZE; size <<= 1) {
		for (j = 0; j < MT_ALIGN_OBJS; j++)
			mt_obj_alloc(&objs[j], NULL, size, GFP_KERNEL,
				     mt_pat(j), "power of two");
		mt_objs_free(objs, MT_ALIGN_OBJS, "power of two");
	}
	for (i = 0; i < MT_NR_CLASSES; i++) {
		size = mt_class_sizes[i];
		for (j = 0; j < MT_ALIGN_OBJS; j++)
			mt_obj_alloc(&objs[j], NULL, size - j % 2 * 3,
				     GFP_KERNEL, mt_pat(j), "class size");
		mt_objs_free(objs, MT_ALIGN_OBJS, "class size");
	}
	for (size = 1; size < 200; size += 3) {
		for (j = 0; j < MT_ALIGN_OBJS; j++)
			mt_obj_alloc(&objs[j], NULL, size + j, GFP_KERNEL,
				     mt_pat(j), "odd size");
		mt_objs_free(objs, MT_ALIGN_OBJS, "odd size");
	}
}

/* ---------------------------------------------------------------------
 * gfp_zero: __GFP_ZERO clears the whole usable size of reused memory
 */

#define MT_ZERO_ROUNDS	5

/*
 * Allocate @n objects of @req bytes, fill them with 0xAA, free them, and
 * again, now with __GFP_ZERO, checking that they come back zeroed.  They
 * are freed in reverse order so that the next round gets the same memory.
 */
static void mt_gfp_zero_size(struct mt_obj *objs, unsigned int n, size_t req)
{
	unsigned int round, i;
	gfp_t gfp;

	for (round = 0; round < MT_ZERO_ROUNDS && !mt_failed(); round++) {
		gfp = round ? GFP_KERNEL | __GFP_ZERO : GFP_KERNEL;
		for (i = 0; i < n; i++)
			mt_obj_alloc(&objs[i], NULL, req, gfp, 0xaa, "gfp_zero");
		for (i = n; i-- > 0;)
			mt_obj_free(&objs[i], "gfp_zero");
	}
}

static void test_gfp_zero(void)
{
	static const size_t large[] = {
		MEMARENA_MAX_SMALL_SIZE + 1, 65536, 100001, 262144,
		(1 << 20) + 1,
	};
	struct mt_obj *objs = mt_objs_alloc(64);
	unsigned int i;
	size_t req;

	if (!objs)
		return;
	/* The smallest request of each class leaves the most to clear. */
	for (i = 0; i < MT_NR_CLASSES; i++) {
		req = i ? mt_class_sizes[i - 1] + 1 : 1;
		mt_gfp_zero_size(objs, req <= 1024 ? 64 : 16, req);
	}
	for (i = 0; i < ARRAY_SIZE(large); i++)
		mt_gfp_zero_size(objs, 4, large[i]);
	kvfree(objs);
}

/* ---------------------------------------------------------------------
 * atomic_contexts: GFP_ATOMIC in a timer, an hrtimer (hardirq), with IRQs
 * off, under a BH lock
 */

static const size_t mt_atomic_sizes[] = {
	8, 24, 64, 200, 1024, 3000, 4096, 10000, MEMARENA_MAX_SMALL_SIZE,
	MEMARENA_MAX_SMALL_SIZE + 1, 65536,
};

#define MT_NR_ATOMIC	ARRAY_SIZE(mt_atomic_sizes)

struct mt_atomic {
	struct timer_list timer;
	struct hrtimer hrtimer;
	struct completion done;
	bool in_softirq;
	bool in_hardirq;
	/* Allocated in process context, freed in the atomic one... */
	struct mt_obj from_process[MT_NR_ATOMIC];
	/* ...and the other way round. */
	struct mt_obj from_atomic[MT_NR_ATOMIC];
};

static DEFINE_SPINLOCK(mt_bh_lock);	/* taken with spin_lock_bh() */
static DEFINE_SPINLOCK(mt_irq_lock);	/* PREEMPT_RT: spin_lock_irqsave() */

static void mt_atomic_work(struct mt_atomic *a, const char *ctx)
{
	struct mt_obj o;
	unsigned int i;

	for (i = 0; i < MT_NR_ATOMIC; i++) {
		if (mt_obj_alloc(&o, NULL, mt_atomic_sizes[i], GFP_ATOMIC,
				 mt_pat(i), ctx))
			mt_obj_free(&o, ctx);
		if (mt_obj_alloc(&o, NULL, mt_atomic_sizes[i],
				 GFP_ATOMIC | __GFP_ZERO, mt_pat(i + 1), ctx))
			mt_obj_free(&o, ctx);
	}
	for (i = 0; i < MT_NR_ATOMIC; i++) {
		mt_obj_free(&a->from_process[i], ctx);
		mt_obj_alloc(&a->from_atomic[i], NULL, mt_atomic_sizes[i],
			     GFP_ATOMIC, mt_pat(i + 2), ctx);
	}
}

static void mt_atomic_timer_fn(struct timer_list *t)
{
	struct mt_atomic *a = from_timer(a, t, timer);

	a->in_softirq = in_serving_softirq();
	mt_atomic_work(a, "timer");
	complete(&a->done);
}

static enum hrtimer_restart mt_atomic_hrtimer_fn(struct hrtimer *t)
{
	struct mt_atomic *a = container_of(t, struct mt_atomic, hrtimer);

	a->in_hardirq = in_hardirq();
	mt_atomic_work(a, "hardirq");
	complete(&a->done);
	return HRTIMER_NORESTART;
}

/* Give the atomic context objects to free, and free what it allocated. */
static void mt_atomic_prepare(struct mt_atomic *a, const char *ctx)
{
	unsigned int i;

	for (i = 0; i < MT_NR_ATOMIC; i++)
		mt_obj_alloc(&a->from_process[i], NULL, mt_atomic_sizes[i],
			     GFP_KERNEL, mt_pat(i + 3), ctx);
}

static void mt_atomic_finish(struct mt_atomic *a, const char *ctx)
{
	mt_objs_free(a->from_process, MT_NR_ATOMIC, ctx);
	mt_objs_free(a->from_atomic, MT_NR_ATOMIC, ctx);
}

static void test_atomic_contexts(void)
{
	struct mt_atomic *a = kzalloc(sizeof(*a), GFP_KERNEL);
	unsigned long flags;

	if (!MT_CHECK(a, "no memory"))
		return;

	/* Softirq: a timer callback. */
	init_completion(&a->done);
	timer_setup(&a->timer, mt_atomic_timer_fn, 0);
	mt_atomic_prepare(a, "timer");
	mod_timer(&a->timer, jiffies + 1);
	MT_CHECK(wait_for_completion_timeout(&a->done, 10 * HZ),
		 "the timer did not run within 10 s");
	del_timer_sync(&a->timer);
	MT_CHECK(a->in_softirq, "the timer callback did not run in softirq");
	mt_atomic_finish(a, "after timer");

	/* Hardirq: an hrtimer callback (not on PREEMPT_RT, as kmalloc()). */
	if (!IS_ENABLED(CONFIG_PREEMPT_RT)) {
		reinit_completion(&a->done);
		hrtimer_init(&a->hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
		a->hrtimer.function = mt_atomic_hrtimer_fn;
		mt_atomic_prepare(a, "hardirq");
		hrtimer_start(&a->hrtimer, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
		MT_CHECK(wait_for_completion_timeout(&a->done, 10 * HZ),
			 "the hrtimer did not run within 10 s");
		hrtimer_cancel(&a->hrtimer);
		MT_CHECK(a->in_hardirq, "the hrtimer callback did not run in hardirq");
		mt_atomic_finish(a, "after hardirq");
	}

	/*
	 * Hard interrupts disabled.  On PREEMPT_RT memarena's locks sleep,
	 * and, as for kmalloc(), nobody may call it with interrupts or
	 * preemption really disabled: there the test takes the RT
	 * counterparts, a spinlock_t with spin_lock_irqsave() and
	 * migrate_disable().
	 */
	if (IS_ENABLED(CONFIG_PREEMPT_RT)) {
		mt_atomic_prepare(a, "spin_lock_irqsave (RT)");
		spin_lock_irqsave(&mt_irq_lock, flags);
		mt_atomic_work(a, "spin_lock_irqsave (RT)");
		spin_unlock_irqrestore(&mt_irq_lock, flags);
		mt_atomic_finish(a, "after spin_lock_irqsave (RT)");
	} else {
		mt_atomic_prepare(a, "irqs off");
		local_irq_save(flags);
		MT_CHECK(irqs_disabled(), "interrupts are enabled");
		mt_atomic_work(a, "irqs off");
		local_irq_restore(flags);
		mt_atomic_finish(a, "after irqs off");
	}

	/* Softirqs disabled and a spinlock held. */
	mt_atomic_prepare(a, "spin_lock_bh");
	spin_lock_bh(&mt_bh_lock);
	mt_atomic_work(a, "spin_lock_bh");
	spin_unlock_bh(&mt_bh_lock);
	mt_atomic_finish(a, "after spin_lock_bh");

	/* Preemption disabled (RT: migration disabled). */
	if (IS_ENABLED(CONFIG_PREEMPT_RT)) {
		mt_atomic_prepare(a, "migrate off (RT)");
		migrate_disable();
		mt_atomic_work(a, "migrate off (RT)");
		migrate_enable();
		mt_atomic_finish(a, "after migrate off (RT)");
	} else {
		mt_atomic_prepare(a, "preempt off");
		preempt_disable();
		mt_atomic_work(a, "preempt off");
		preempt_enable();
		mt_atomic_finish(a, "after preempt off");
	}

	kfree(a);
}

/* ---------------------------------------------------------------------
 * Bulk allocation
 */

#define MT_BULK	100

/* memarena_alloc_bulk() in one context: distinct, usable, zeroed if asked. */
static void mt_bulk_once(void **p, size_t size, gfp_t gfp, const char *ctx)
{
	size_t usable;
	unsigned int i, j;
	int got;

	got = memarena_alloc_bulk(size, gfp, MT_BULK, p);
	if (!MT_CHECK(got == MT_BULK, "%s: bulk of %d x %zu: %d", ctx, MT_BULK,
		      size, got))
		return;
	for (i = 0; i < MT_BULK; i++) {
		usable = memarena_size(p[i]);
		MT_CHECK(usable >= size, "%s: %p: size %zu < %zu", ctx, p[i],
			 usable, size);
		if ((gfp & __GFP_ZERO) && !MT_CHECK(!memchr_inv(p[i], 0, size),
						    "%s: %p not zeroed", ctx, p[i]))
			break;
		memset(p[i], i, size);
	}
	for (i = 0; i < MT_BULK; i++)
		for (j = 0; j < size; j++)
			if (!MT_CHECK(((u8 *)p[i])[j] == (u8)i,
				      "%s: object %u overwritten at %u", ctx, i, j))
				goto out;
out:
	memarena_free_bulk(MT_BULK, p);
}

static void test_bulk(void)
{
	static const size_t sizes[] = { 8, 256, 4096, 32768, 65536 };
	struct memarena_memstats *ms = kmalloc(sizeof(*ms), GFP_KERNEL);
	void **p = kcalloc(MT_BULK, sizeof(*p), GFP_KERNEL);
	unsigned long flags;
	u64 mallocs, frees;
	unsigned int i;

	if (!MT_CHECK(ms && p, "no memory"))
		goto out;
	memarena_read_memstats(ms);
	mallocs = ms->mallocs;
	frees = ms->frees;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		mt_bulk_once(p, sizes[i], GFP_KERNEL, "process");
		mt_bulk_once(p, sizes[i], GFP_KERNEL | __GFP_ZERO, "process, zero");
	}
	/* As in test_atomic(): on PREEMPT_RT, its counterpart. */
	if (IS_ENABLED(CONFIG_PREEMPT_RT)) {
		spin_lock_irqsave(&mt_irq_lock, flags);
		mt_bulk_once(p, 256, GFP_ATOMIC, "spin_lock_irqsave (RT)");
		spin_unlock_irqrestore(&mt_irq_lock, flags);
	} else {
		local_irq_save(flags);
		mt_bulk_once(p, 256, GFP_ATOMIC, "irqs off");
		local_irq_restore(flags);
	}
	memarena_read_memstats(ms);
	MT_CHECK(ms->mallocs - mallocs == (2 * ARRAY_SIZE(sizes) + 1) * MT_BULK,
		 "Mallocs moved by %llu", ms->mallocs - mallocs);
	MT_CHECK(ms->frees - frees == (2 * ARRAY_SIZE(sizes) + 1) * MT_BULK,
		 "Frees moved by %llu", ms->frees - frees);
	MT_CHECK(!memarena_alloc_bulk(0, GFP_KERNEL, 4, p), "bulk of size 0");
	MT_CHECK(!memarena_alloc_bulk(MEMARENA_MAX_SIZE + 1, GFP_KERNEL, 1, p),
		 "bulk above MEMARENA_MAX_SIZE");
out:
	kfree(p);
	kfree(ms);
}

/* ---------------------------------------------------------------------
 * Bad frees: ignored, and the heap stays intact
 */

#define MT_DF_OBJS	66

/* Free one object twice, then allocate: every object must be distinct. */
static void mt_double_free_size(struct mt_obj *objs, size_t size)
{
	struct mt_obj victim;
	unsigned int i;

	if (!mt_obj_alloc(&victim, NULL, size, GFP_KERNEL, 0x11, "victim"))
		return;
	memarena_free(victim.p);
	memarena_free(victim.p);	/* ignored */

	for (i = 0; i < 2; i++)
		mt_obj_alloc(&objs[i], NULL, size, GFP_KERNEL, mt_pat(i),
			     "double free");
	MT_CHECK(objs[0].p != objs[1].p,
		 "the 2 objects of %zu bytes after a double free are the same",
		 size);
	mt_check_overlap(objs, 2, "double free, 2 objects");
	for (; i < MT_DF_OBJS; i++)
		mt_obj_alloc(&objs[i], NULL, size, GFP_KERNEL, mt_pat(i),
			     "double free");
	mt_check_overlap(objs, MT_DF_OBJS, "double free, 66 objects");
	mt_objs_verify(objs, MT_DF_OBJS, "double free");
	mt_objs_free(objs, MT_DF_OBJS, "double free");
}

static void test_double_free(void)
{
	static const size_t sizes[] = { 64, 8, 1000, 4096, 32768 };
	struct mt_obj *objs = mt_objs_alloc(MT_DF_OBJS);
	unsigned int i;

	if (!objs)
		return;
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		mt_double_free_size(objs, sizes[i]);
	kvfree(objs);
}

#define MT_FOREIGN	6
#define MT_FOREIGN_OBJS	128

static u64 mt_static_buf[8];

static void test_foreign_free(void)
{
	static const size_t kmalloc_sizes[] = { 64, 4096, 65536 };
	struct mt_obj foreign[MT_FOREIGN] = {};
	struct mt_obj *objs;
	u64 stack_buf[8];
	unsigned int i, n = 0;
	size_t size;

	for (i = 0; i < ARRAY_SIZE(kmalloc_sizes); i++) {
		foreign[n].p = kmalloc(kmalloc_sizes[i], GFP_KERNEL);
		if (!MT_CHECK(foreign[n].p, "kmalloc(%zu) failed",
			      kmalloc_sizes[i]))
			goto out;
		foreign[n++].size = kmalloc_sizes[i];
	}
	foreign[n].p = (u8 *)stack_buf;
	foreign[n++].size = sizeof(stack_buf);
	foreign[n].p = (u8 *)mt_static_buf;
	foreign[n++].size = sizeof(mt_static_buf);

	for (i = 0; i < n; i++) {
		foreign[i].seed = mt_pat(i);
		memset(foreign[i].p, (u8)foreign[i].seed, foreign[i].size);
		size = memarena_size(foreign[i].p);
		MT_CHECK(size == 0, "memarena_size() of foreign pointer %u is %zu",
			 i, size);
		memarena_free(foreign[i].p);	/* ignored */
		mt_obj_verify(&foreign[i], "foreign free");
	}
	size = memarena_size(mt_class_sizes);
	MT_CHECK(size == 0, "memarena_size() of a read-only pointer is %zu",
		 size);
	memarena_free(mt_class_sizes);	/* ignored */

	/* The heap did not take them in. */
	objs = mt_objs_alloc(MT_FOREIGN_OBJS + MT_FOREIGN);
	if (objs) {
		for (i = 0; i < MT_FOREIGN_OBJS; i++)
			mt_obj_alloc(&objs[i], NULL, i % 2 ? 64 : 4096,
				     GFP_KERNEL, mt_pat(i + 100), "after");
		memcpy(&objs[MT_FOREIGN_OBJS], foreign, sizeof(foreign));
		mt_check_overlap(objs, MT_FOREIGN_OBJS + n, "foreign free");
		mt_objs_free(objs, MT_FOREIGN_OBJS, "after");
		kvfree(objs);
	}
	for (i = 0; i < n; i++)
		mt_obj_verify(&foreign[i], "foreign free");
out:
	for (i = 0; i < ARRAY_SIZE(kmalloc_sizes); i++)
		kfree(foreign[i].p);
}

/* Free an interior pointer of a live object: ignored. */
static void mt_interior_free(struct mt_obj *objs, size_t size, size_t off)
{
	unsigned int i, n = clamp_t(size_t, 65536 / size, 4, 160);
	struct mt_obj victim;
	size_t got;

	if (!mt_obj_alloc(&victim, NULL, size, GFP_KERNEL, 0x3c, "victim"))
		return;
	got = memarena_size(victim.p + off);
	MT_CHECK(got == 0,
		 "memarena_size() of a %zu-byte object + %zu is %zu",
		 size, off, got);
	memarena_free(victim.p + off);	/* ignored */

	for (i = 0; i < n; i++) {
		mt_obj_alloc(&objs[i], NULL, size, GFP_KERNEL, mt_pat(i),
			     "after interior free");
		MT_CHECK(objs[i].p != victim.p,
			 "a %zu-byte object freed at +%zu was handed out again",
			 size, off);
	}
	objs[n] = victim;
	mt_check_overlap(objs, n + 1, "interior free");
	mt_objs_free(objs, n, "after interior free");
	mt_obj_free(&victim, "victim of interior free");
}

static void test_interior_free(void)
{
	static const size_t cases[][2] = {
		{ 64, 8 }, { 64, 1 }, { 64, 56 }, { 8, 4 }, { 1024, 512 },
		{ 8192, 4096 }, { 32768, 8 },
	};
	struct mt_obj *objs = mt_objs_alloc(161);
	unsigned int i;

	if (!objs)
		return;
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		mt_interior_free(objs, cases[i][0], cases[i][1]);
	kvfree(objs);
}

#define MT_LARGE_OBJS	24

static void test_large_double_free(void)
{
	static const size_t sizes[] = {
		MEMARENA_MAX_SMALL_SIZE + 1, 65536, 100000, 131072, 262144,
		1 << 20,
	};
	struct mt_obj *objs = mt_objs_alloc(MT_LARGE_OBJS + 1);
	struct mt_obj live, q;
	unsigned int i;
	size_t got;

	if (!objs)
		return;
	if (!mt_obj_alloc(&live, NULL, 65536, GFP_KERNEL, 0x77, "live"))
		goto out;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (!mt_obj_alloc(&q, NULL, sizes[i], GFP_KERNEL, 0x78, "q"))
			continue;
		memarena_free(q.p);
		memarena_free(q.p);	/* ignored */
	}
	if (mt_obj_alloc(&q, NULL, MEMARENA_MAX_SIZE, GFP_KERNEL, 0x79, "q")) {
		memarena_free(q.p);
		memarena_free(q.p);	/* ignored */
	}

	/* Interior pointers of a large object: ignored too. */
	got = memarena_size(live.p + PAGE_SIZE);
	MT_CHECK(got == 0, "memarena_size() of a large object + PAGE_SIZE is %zu",
		 got);
	got = memarena_size(live.p + 8);
	MT_CHECK(got == 0, "memarena_size() of a large object + 8 is %zu", got);
	memarena_free(live.p + PAGE_SIZE);
	memarena_free(live.p + 8);

	for (i = 0; i < MT_LARGE_OBJS; i++)
		mt_obj_alloc(&objs[i], NULL, sizes[i % ARRAY_SIZE(sizes)],
			     GFP_KERNEL, mt_pat(i), "after large double free");
	if (mt_obj_alloc(&q, NULL, MEMARENA_MAX_SIZE, GFP_KERNEL, 0x7a,
			 "after large double free"))
		objs[MT_LARGE_OBJS] = q;
	mt_check_overlap(objs, MT_LARGE_OBJS + 1, "large double free");
	mt_obj_verify(&live, "live large object");
	mt_objs_free(objs, MT_LARGE_OBJS + 1, "after large double free");
	mt_obj_free(&live, "live large object");
out:
	kvfree(objs);
}

/* ---------------------------------------------------------------------
 * Arenas
 */

static void mt_check_stats(struct memarena_arena *arena,
			   const struct memarena_arena_stats *want,
			   const char *what)
{
	struct memarena_arena_stats s;

	memset(&s, 0xff, sizeof(s));
	memarena_arena_get_stats(arena, &s);
	MT_CHECK(s.live_objects == want->live_objects &&
		 s.live_bytes == want->live_bytes &&
		 s.mallocs == want->mallocs && s.frees == want->frees,
		 "%s: live_objects %llu live_bytes %llu mallocs %llu frees %llu, expected %llu %llu %llu %llu",
		 what, s.live_objects, s.live_bytes, s.mallocs, s.frees,
		 want->live_objects, want->live_bytes, want->mallocs,
		 want->frees);
}

static void mt_stats_alloc(struct memarena_arena_stats *st,
			   const struct mt_obj *o)
{
	if (!mt_live(o))
		return;
	st->live_objects++;
	st->live_bytes += o->size;
	st->mallocs++;
}

static void mt_stats_free(struct memarena_arena_stats *st, struct mt_obj *o,
			  const char *what)
{
	if (!mt_live(o))
		return;
	st->live_objects--;
	st->live_bytes -= o->size;
	st->frees++;
	mt_obj_free(o, what);
}

static void mt_expect_einval(const char *name, const char *what)
{
	struct memarena_arena *arena = memarena_arena_create(name);

	if (IS_ERR(arena)) {
		MT_CHECK(PTR_ERR(arena) == -EINVAL,
			 "create(%s) returned %ld, not -EINVAL", what,
			 PTR_ERR(arena));
		return;
	}
	MT_FAIL("create(%s) returned an arena, not -EINVAL", what);
	if (arena)
		memarena_arena_destroy(arena);
}

static struct memarena_arena *mt_arena_create(const char *name)
{
	struct memarena_arena *arena = memarena_arena_create(name);

	if (!MT_CHECK(!IS_ERR_OR_NULL(arena), "create(\"%s\") returned %ld",
		      name, PTR_ERR(arena)))
		return NULL;
	return arena;
}

static void test_arena_create(void)
{
	static const struct memarena_arena_stats zero;
	char name[MEMARENA_NAME_LEN + 8];
	struct memarena_arena *arena;

	mt_expect_einval(NULL, "NULL");
	mt_expect_einval("", "\"\"");
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	mt_expect_einval(name, "a name of 39 characters");
	name[MEMARENA_NAME_LEN] = '\0';
	mt_expect_einval(name, "a name of MEMARENA_NAME_LEN characters");

	name[MEMARENA_NAME_LEN - 1] = '\0';
	arena = mt_arena_create(name);
	if (arena) {
		mt_check_stats(arena, &zero, "new arena, longest name");
		memarena_arena_destroy(arena);
	}
	arena = mt_arena_create("a");
	if (arena) {
		mt_check_stats(arena, &zero, "new arena, 1-character name");
		memarena_arena_destroy(arena);
	}
}

static const size_t mt_arena_sizes[] = {
	1, 8, 17, 64, 100, 1000, 4096, 5000, MEMARENA_MAX_SMALL_SIZE,
	MEMARENA_MAX_SMALL_SIZE + 1, 65536, 100000, 1 << 20,
};

#define MT_STATS_ROUNDS	3
#define MT_STATS_OBJS	(MT_STATS_ROUNDS * ARRAY_SIZE(mt_arena_sizes))
#define MT_STATS_GLOBAL	4

static void test_arena_stats(void)
{
	struct memarena_arena_stats want = {};
	struct memarena_arena *arena;
	struct mt_obj *objs, g[MT_STATS_GLOBAL];
	unsigned int i, n = MT_STATS_OBJS;
	void *p;

	objs = mt_objs_alloc(n + MT_STATS_GLOBAL);
	if (!objs)
		return;
	arena = mt_arena_create("memarena_test");
	if (!arena)
		goto out;
	mt_check_stats(arena, &want, "new arena");

	/* Interleaved with global objects, which it must not count. */
	for (i = 0; i < n; i++) {
		mt_obj_alloc(&objs[i], arena,
			     mt_arena_sizes[i % ARRAY_SIZE(mt_arena_sizes)],
			     i % 4 == 3 ? GFP_KERNEL | __GFP_ZERO : GFP_KERNEL,
			     mt_pat(i), "arena object");
		mt_stats_alloc(&want, &objs[i]);
		if (i % 10 == 0)
			mt_obj_alloc(&g[i / 10], NULL, i % 20 ? 65536 : 64,
				     GFP_KERNEL, 0xee, "global object");
	}
	mt_check_stats(arena, &want, "after allocating");
	memcpy(&objs[n], g, sizeof(g));
	mt_check_overlap(objs, n + MT_STATS_GLOBAL, "arena and global objects");
	mt_objs_free(g, MT_STATS_GLOBAL, "global object");
	mt_check_stats(arena, &want, "after freeing global objects");

	p = memarena_arena_alloc(arena, MEMARENA_MAX_SIZE + 1, GFP_KERNEL);
	MT_CHECK(!p, "arena alloc(MEMARENA_MAX_SIZE + 1) returned %p", p);
	if (!ZERO_OR_NULL_PTR(p))
		memarena_free(p);
	mt_check_stats(arena, &want, "after a too large allocation");

	/* Free every other object one by one. */
	for (i = 0; i < n; i += 2)
		mt_stats_free(&want, &objs[i], "arena object");
	mt_check_stats(arena, &want, "after freeing half");
	mt_objs_verify(objs, n, "arena object");

	/* A double free of an arena object is ignored, counters too. */
	p = memarena_arena_alloc(arena, 64, GFP_KERNEL);
	if (MT_CHECK(p, "arena alloc(64) failed")) {
		want.mallocs++;
		want.frees++;
		memarena_free(p);
		memarena_free(p);	/* ignored */
		mt_check_stats(arena, &want, "after a double free");
	}

	/* Reuse the freed slots. */
	for (i = 0; i < n; i += 2) {
		mt_obj_alloc(&objs[i], arena,
			     mt_arena_sizes[i % ARRAY_SIZE(mt_arena_sizes)],
			     GFP_KERNEL | __GFP_ZERO, mt_pat(i + 1),
			     "arena object");
		mt_stats_alloc(&want, &objs[i]);
	}
	mt_check_stats(arena, &want, "after reallocating");
	mt_check_overlap(objs, n, "arena objects");
	mt_objs_verify(objs, n, "arena object");

	/* Destroy frees the rest. */
	memarena_arena_destroy(arena);
	for (i = 0; i < n; i++)
		objs[i].p = NULL;
	for (i = 0; i < n; i++)
		mt_obj_alloc(&objs[i], NULL,
			     mt_arena_sizes[i % ARRAY_SIZE(mt_arena_sizes)],
			     GFP_KERNEL, mt_pat(i), "after destroy");
	mt_check_overlap(objs, n, "after destroy");
	mt_objs_free(objs, n, "after destroy");
out:
	kvfree(objs);
}

#define MT_NR_ARENAS	16
#define MT_ARENA_OBJS	24

struct mt_many {
	struct memarena_arena *arena[MT_NR_ARENAS];
	struct memarena_arena_stats want[MT_NR_ARENAS];
	/* Row MT_NR_ARENAS: global objects, allocated between them. */
	struct mt_obj objs[MT_NR_ARENAS + 1][MT_ARENA_OBJS];
	char name[MEMARENA_NAME_LEN];
};

static void mt_many_verify(struct mt_many *m, const char *what)
{
	unsigned int i;

	for (i = 0; i < MT_NR_ARENAS; i++) {
		if (!m->arena[i])
			continue;
		mt_objs_verify(m->objs[i], MT_ARENA_OBJS, what);
		mt_check_stats(m->arena[i], &m->want[i], what);
	}
	mt_objs_verify(m->objs[MT_NR_ARENAS], MT_ARENA_OBJS, what);
}

static void test_arena_many(void)
{
	struct mt_many *m = kvzalloc(sizeof(*m), GFP_KERNEL);
	unsigned int i, j, k;
	size_t size;

	if (!MT_CHECK(m, "no memory"))
		return;
	for (i = 0; i < MT_NR_ARENAS; i++) {
		snprintf(m->name, sizeof(m->name), "memarena_test-%u", i);
		m->arena[i] = mt_arena_create(m->name);
	}
	/* Arena i holds 8 + i objects, allocated round-robin. */
	for (j = 0; j < MT_ARENA_OBJS; j++) {
		for (i = 0; i < MT_NR_ARENAS; i++) {
			if (!m->arena[i] || j >= 8 + i)
				continue;
			k = (i * 5 + j * 3) % ARRAY_SIZE(mt_arena_sizes);
			mt_obj_alloc(&m->objs[i][j], m->arena[i],
				     mt_arena_sizes[k], GFP_KERNEL,
				     mt_pat(i * MT_ARENA_OBJS + j), "arena");
			mt_stats_alloc(&m->want[i], &m->objs[i][j]);
		}
		size = mt_arena_sizes[j % ARRAY_SIZE(mt_arena_sizes)];
		mt_obj_alloc(&m->objs[MT_NR_ARENAS][j], NULL, size,
			     GFP_KERNEL, 0xef, "global");
	}
	mt_check_overlap(&m->objs[0][0], (MT_NR_ARENAS + 1) * MT_ARENA_OBJS,
			 "arenas and global objects");
	mt_many_verify(m, "all arenas");

	/* Free some one by one. */
	for (i = 0; i < MT_NR_ARENAS; i++)
		for (j = i % 3; j < MT_ARENA_OBJS; j += 5)
			mt_stats_free(&m->want[i], &m->objs[i][j], "arena");
	mt_many_verify(m, "after frees");

	/* Destroy in another order; the others stay intact. */
	for (k = 0; k < MT_NR_ARENAS; k++) {
		i = (k * 7 + 3) % MT_NR_ARENAS;
		if (!m->arena[i])
			continue;
		memarena_arena_destroy(m->arena[i]);
		m->arena[i] = NULL;
		for (j = 0; j < MT_ARENA_OBJS; j++)
			m->objs[i][j].p = NULL;
		mt_many_verify(m, "after a destroy");
	}
	mt_objs_free(m->objs[MT_NR_ARENAS], MT_ARENA_OBJS, "global");
	kvfree(m);
}

/* ---------------------------------------------------------------------
 * drain: memarena_drain() keeps live objects, allocations go on
 */

static void test_drain(void)
{
	static const size_t large[] = {
		MEMARENA_MAX_SMALL_SIZE + 1, 65536, 262144, 1 << 20,
	};
	unsigned int i, n = 2 * (MT_NR_CLASSES + ARRAY_SIZE(large));
	struct mt_obj *objs = mt_objs_alloc(n);
	size_t size;

	if (!objs)
		return;
	for (i = 0; i < n; i++) {
		size = i / 2 < MT_NR_CLASSES ? mt_class_sizes[i / 2] :
		       large[i / 2 - MT_NR_CLASSES];
		mt_obj_alloc(&objs[i], NULL, size, GFP_KERNEL, mt_pat(i),
			     "before drain");
	}
	for (i = 0; i < n; i += 2)
		mt_obj_free(&objs[i], "before drain");
	memarena_drain();
	mt_objs_verify(objs, n, "live across drain");

	for (i = 0; i < n; i += 2) {
		size = i / 2 < MT_NR_CLASSES ? mt_class_sizes[i / 2] :
		       large[i / 2 - MT_NR_CLASSES];
		mt_obj_alloc(&objs[i], NULL, size, GFP_KERNEL, mt_pat(i + 1),
			     "after drain");
	}
	mt_check_overlap(objs, n, "after drain");
	mt_objs_free(objs, n, "after drain");
	memarena_drain();
	memarena_drain();

	for (i = 0; i < n; i++) {
		size = i / 2 < MT_NR_CLASSES ? mt_class_sizes[i / 2] :
		       large[i / 2 - MT_NR_CLASSES];
		mt_obj_alloc(&objs[i], NULL, size, GFP_KERNEL | __GFP_ZERO,
			     mt_pat(i), "after second drain");
	}
	mt_check_overlap(objs, n, "after second drain");
	mt_objs_free(objs, n, "after second drain");
	kvfree(objs);
}

/* ---------------------------------------------------------------------
 * stress: one thread per online CPU, random sizes, cross-CPU frees
 */

#define MT_STRESS_LIVE		256	/* live objects per thread, at most */
#define MT_STRESS_RING		32	/* objects in flight to a thread */
#define MT_STRESS_BATCH		64	/* operations between cond_resched() */
#define MT_STRESS_MAX		(256 << 10)	/* largest request */

struct mt_ring {
	spinlock_t lock;	/* protects head, count and slot[] */
	unsigned int head;
	unsigned int count;
	struct mt_obj slot[MT_STRESS_RING];
};

struct mt_worker {
	struct task_struct *task;
	struct mt_worker *next;		/* gets a share of our objects */
	unsigned long deadline;
	size_t byte_budget;
	unsigned int cpu;
	struct rnd_state rnd;
	struct mt_ring ring;		/* objects from the previous worker */
	struct mt_obj in[MT_STRESS_RING];
	unsigned int nin;
	struct mt_obj live[MT_STRESS_LIVE];
	unsigned int nlive;
	size_t live_bytes;
	u64 allocs, zeroed, large, frees, handed, received;
};

static u64 mt_word(const struct mt_obj *o, size_t i)
{
	return (o->seed ^ (unsigned long)o->p) + i * 0x9e3779b97f4a7c15ULL;
}

static void mt_stress_fill(const struct mt_obj *o)
{
	u64 *w = (u64 *)o->p;
	size_t i, n = o->size / sizeof(u64);

	if (!n)
		return;
	w[0] = o->seed;
	for (i = 1; i < n; i++)
		w[i] = mt_word(o, i);
}

static bool mt_stress_verify(const struct mt_obj *o, unsigned int cpu,
			     const char *how)
{
	const u64 *w = (const u64 *)o->p;
	size_t i, n = o->size / sizeof(u64);

	if (!n)
		return true;
	i = 0;
	if (w[0] == o->seed) {
		for (i = 1; i < n; i++)
			if (w[i] != mt_word(o, i))
				break;
	}
	return MT_CHECK(i == n,
			"stress cpu%u: %zu-byte object freed %s changed at offset %zu",
			cpu, o->size, how, i * sizeof(u64));
}

static bool mt_ring_put(struct mt_ring *r, const struct mt_obj *o)
{
	bool ok = false;

	spin_lock(&r->lock);
	if (r->count < MT_STRESS_RING) {
		r->slot[(r->head + r->count) % MT_STRESS_RING] = *o;
		r->count++;
		ok = true;
	}
	spin_unlock(&r->lock);
	return ok;
}

static unsigned int mt_ring_take(struct mt_ring *r, struct mt_obj *out)
{
	unsigned int i, n;

	spin_lock(&r->lock);
	n = r->count;
	for (i = 0; i < n; i++)
		out[i] = r->slot[(r->head + i) % MT_STRESS_RING];
	r->head = (r->head + n) % MT_STRESS_RING;
	r->count = 0;
	spin_unlock(&r->lock);
	return n;
}

static size_t mt_stress_size(struct rnd_state *rnd)
{
	u32 pick = prandom_u32_state(rnd) % 128;
	u32 r = prandom_u32_state(rnd);
	size_t size;

	if (pick < 112)		/* 7/8: 8..1024 */
		size = 8 + r % (1024 - 8 + 1);
	else if (pick < 126)	/* 14/128: 1025..32768 */
		size = 1025 + r % (MEMARENA_MAX_SMALL_SIZE - 1024);
	else			/* 2/128: large, up to 256 KiB */
		size = MEMARENA_MAX_SMALL_SIZE + 1 +
		       r % (MT_STRESS_MAX - MEMARENA_MAX_SMALL_SIZE);
	/* One in 16 a power of two, to check its alignment. */
	if (!(pick & 15) && size < MT_STRESS_MAX)
		size = roundup_pow_of_two(size);
	return size;
}

static void mt_stress_alloc(struct mt_worker *w)
{
	struct mt_obj *o = &w->live[w->nlive];
	bool zero = !(prandom_u32_state(&w->rnd) % 16);
	size_t req = mt_stress_size(&w->rnd);
	size_t want = mt_expected_size(req), got, align;
	unsigned long addr, end, q;
	unsigned int i;
	u8 *p, *bad;

	p = memarena_alloc(req, zero ? GFP_KERNEL | __GFP_ZERO : GFP_KERNEL);
	if (!MT_CHECK(!ZERO_OR_NULL_PTR(p), "stress cpu%u: alloc(%zu) returned %p",
		      w->cpu, req, p))
		return;
	addr = (unsigned long)p;
	got = memarena_size(p);
	MT_CHECK(got == want,
		 "stress cpu%u: memarena_size() of a %zu-byte object is %zu, not %zu",
		 w->cpu, req, got, want);
	align = is_power_of_2(req) ? req : MEMARENA_MIN_ALIGN;
	MT_CHECK(IS_ALIGNED(addr, align),
		 "stress cpu%u: %zu-byte object at offset %lu from %zu-byte alignment",
		 w->cpu, req, addr & (align - 1), align);
	o->p = p;
	o->size = round_down(min(got, want), sizeof(u64));
	o->seed = ((u64)prandom_u32_state(&w->rnd) << 32) |
		  prandom_u32_state(&w->rnd);
	if (zero) {
		bad = memchr_inv(p, 0, o->size);
		MT_CHECK(!bad,
			 "stress cpu%u: __GFP_ZERO %zu-byte object has 0x%02x at offset %td",
			 w->cpu, o->size, *bad, bad - p);
		w->zeroed++;
	}
	end = addr + max_t(size_t, o->size, 1);
	for (i = 0; i < w->nlive; i++) {
		q = (unsigned long)w->live[i].p;
		if (!MT_CHECK(end <= q || q + w->live[i].size <= addr,
			      "stress cpu%u: new %zu-byte object overlaps a live %zu-byte one",
			      w->cpu, o->size, w->live[i].size))
			break;
	}
	mt_stress_fill(o);
	w->nlive++;
	w->live_bytes += o->size;
	w->allocs++;
	if (req > MEMARENA_MAX_SMALL_SIZE)
		w->large++;
}

static void mt_stress_free(struct mt_worker *w, const struct mt_obj *o,
			   const char *how)
{
	size_t got;

	mt_stress_verify(o, w->cpu, how);
	got = memarena_size(o->p);
	MT_CHECK(got >= o->size && got < o->size + sizeof(u64),
		 "stress cpu%u: memarena_size() of a %zu-byte object freed %s is %zu",
		 w->cpu, o->size, how, got);
	memarena_free(o->p);
	w->frees++;
}

/* Take a random live object; free it here or hand it to the next CPU. */
static void mt_stress_release(struct mt_worker *w)
{
	unsigned int i = prandom_u32_state(&w->rnd) % w->nlive;
	struct mt_obj o = w->live[i];

	w->live[i] = w->live[--w->nlive];
	w->live_bytes -= o.size;
	if (!(prandom_u32_state(&w->rnd) % 4) && mt_ring_put(&w->next->ring, &o)) {
		w->handed++;
		return;
	}
	mt_stress_free(w, &o, "locally");
}

static bool mt_stress_want_alloc(struct mt_worker *w)
{
	if (!w->nlive)
		return true;
	if (w->nlive >= MT_STRESS_LIVE || w->live_bytes >= w->byte_budget)
		return false;
	return prandom_u32_state(&w->rnd) & 1;
}

static int mt_stress_thread(void *arg)
{
	struct mt_worker *w = arg;
	unsigned int i, n;

	while (!kthread_should_stop() && time_before(jiffies, w->deadline) &&
	       !mt_failed()) {
		for (i = 0; i < MT_STRESS_BATCH; i++) {
			if (mt_stress_want_alloc(w))
				mt_stress_alloc(w);
			else
				mt_stress_release(w);
		}
		n = mt_ring_take(&w->ring, w->in);
		for (i = 0; i < n; i++)
			mt_stress_free(w, &w->in[i], "from another CPU");
		w->received += n;
		cond_resched();
	}

	/* The live objects stay for the final check: wait to be stopped. */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* After the threads: all objects left must be disjoint and intact. */
static void mt_stress_finish(struct mt_worker *workers, unsigned int nr)
{
	struct mt_obj *objs;
	size_t total = 0, n = 0;
	unsigned int i, j;

	for (i = 0; i < nr; i++) {
		struct mt_worker *w = &workers[i];

		w->nin = mt_ring_take(&w->ring, w->in);
		w->received += w->nin;
		total += w->nlive + w->nin;
	}
	objs = kvmalloc_array(max_t(size_t, total, 1), sizeof(*objs),
			      GFP_KERNEL);
	if (MT_CHECK(objs, "no memory for the final overlap check")) {
		for (i = 0; i < nr; i++) {
			struct mt_worker *w = &workers[i];

			memcpy(&objs[n], w->live, w->nlive * sizeof(*objs));
			n += w->nlive;
			memcpy(&objs[n], w->in, w->nin * sizeof(*objs));
			n += w->nin;
		}
		mt_check_overlap(objs, n, "stress, at the end");
		kvfree(objs);
	}
	for (i = 0; i < nr; i++) {
		struct mt_worker *w = &workers[i];

		for (j = 0; j < w->nlive; j++)
			mt_stress_free(w, &w->live[j], "at the end");
		for (j = 0; j < w->nin; j++)
			mt_stress_free(w, &w->in[j], "from another CPU at the end");
		w->nlive = 0;
		w->nin = 0;
	}
}

static void mt_stress_report(struct mt_worker *workers, unsigned int nr,
			     unsigned int drains)
{
	u64 allocs = 0, frees = 0, handed = 0;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		struct mt_worker *w = &workers[i];

		mt_diag("stress cpu%u: %llu allocs (%llu zeroed, %llu large), %llu frees",
			w->cpu, w->allocs, w->zeroed, w->large, w->frees);
		mt_diag("stress cpu%u: %llu handed over, %llu received",
			w->cpu, w->handed, w->received);
		allocs += w->allocs;
		frees += w->frees;
		handed += w->handed;
	}
	mt_diag("stress: %u threads, %llu allocs, %llu frees (%llu cross-CPU), %u drains",
		nr, allocs, frees, handed, drains);
	MT_CHECK(allocs == frees, "stress: %llu allocs but %llu frees",
		 allocs, frees);
	atomic_long_add(allocs, &mt_objects);
}

static void test_stress(void)
{
	unsigned int cpu, i, nr, drains = 0;
	struct mt_worker *workers;
	unsigned long deadline;
	size_t budget;
	long left;

	if (!stress_ms) {
		mt_skip("stress_ms=0");
		return;
	}
	nr = num_online_cpus();
	workers = kvcalloc(nr, sizeof(*workers), GFP_KERNEL);
	if (!MT_CHECK(workers, "no memory for %u workers", nr))
		return;
	budget = (totalram_pages() << PAGE_SHIFT) / 8 / nr;
	budget = clamp_t(size_t, budget, 1 << 20, 8 << 20);
	deadline = jiffies + msecs_to_jiffies(stress_ms);

	i = 0;
	for_each_online_cpu(cpu) {
		struct mt_worker *w;

		if (i == nr)
			break;
		w = &workers[i];
		w->cpu = cpu;
		w->deadline = deadline;
		w->byte_budget = budget;
		spin_lock_init(&w->ring.lock);
		prandom_seed_state(&w->rnd, get_random_u64());
		w->task = kthread_create_on_cpu(mt_stress_thread, w, cpu,
						"memarena_test/%u");
		if (!MT_CHECK(!IS_ERR(w->task), "kthread on cpu%u: error %ld",
			      cpu, PTR_ERR(w->task))) {
			w->task = NULL;
			break;
		}
		i++;
	}
	nr = i;
	for (i = 0; i < nr; i++)
		workers[i].next = &workers[(i + 1) % nr];

	/* Threads not woken up are stopped before they run. */
	if (!mt_failed()) {
		for (i = 0; i < nr; i++)
			wake_up_process(workers[i].task);
		for (;;) {
			left = (long)(deadline - jiffies);
			if (left <= 0 || mt_failed())
				break;
			if (stress_drain_ms)
				left = min_t(long, left,
					     msecs_to_jiffies(stress_drain_ms));
			schedule_timeout_interruptible(left);
			if (signal_pending(current)) {
				mt_diag("stress: interrupted by a signal");
				break;
			}
			if (stress_drain_ms) {
				memarena_drain();
				drains++;
			}
		}
	}
	for (i = 0; i < nr; i++)
		kthread_stop(workers[i].task);

	mt_stress_finish(workers, nr);
	mt_stress_report(workers, nr, drains);
	kvfree(workers);
}

/* ---------------------------------------------------------------------
 * Statistics: the snapshot contract of module/stats.c, exact counts
 */

/* Check the identities every snapshot satisfies (module/stats.c). */
static void mt_stats_identities(const struct memarena_memstats *ms,
				const char *what)
{
	u64 sm = 0, sf = 0, sbm = 0, sbf = 0, freed, lm, lf, lbm, lbf, sys;
	const u64 min_large = PAGE_ALIGN(MEMARENA_MAX_SMALL_SIZE + 1);
	const struct memarena_class_stats *b;
	unsigned int c;

	MT_CHECK(ms->alloc == ms->heap_alloc, "%s: Alloc %llu, HeapAlloc %llu",
		 what, ms->alloc, ms->heap_alloc);
	MT_CHECK(ms->heap_idle + ms->heap_inuse == ms->heap_sys,
		 "%s: HeapIdle %llu + HeapInuse %llu != HeapSys %llu", what,
		 ms->heap_idle, ms->heap_inuse, ms->heap_sys);
	sys = ms->heap_sys + ms->stack_sys + ms->mspan_sys + ms->mcache_sys +
	      ms->buck_hash_sys + ms->gc_sys + ms->other_sys;
	MT_CHECK(ms->sys == sys, "%s: Sys %llu, sum of its parts %llu", what,
		 ms->sys, sys);
	MT_CHECK(ms->heap_objects == ms->mallocs - ms->frees,
		 "%s: HeapObjects %llu, Mallocs %llu, Frees %llu", what,
		 ms->heap_objects, ms->mallocs, ms->frees);
	MT_CHECK(ms->frees <= ms->mallocs, "%s: Frees %llu > Mallocs %llu",
		 what, ms->frees, ms->mallocs);
	MT_CHECK(ms->heap_alloc <= ms->heap_inuse,
		 "%s: HeapAlloc %llu > HeapInuse %llu", what, ms->heap_alloc,
		 ms->heap_inuse);
	MT_CHECK(ms->heap_released <= ms->heap_idle,
		 "%s: HeapReleased %llu > HeapIdle %llu", what,
		 ms->heap_released, ms->heap_idle);
	MT_CHECK(ms->mspan_inuse <= ms->mspan_sys,
		 "%s: MSpanInuse %llu > MSpanSys %llu", what, ms->mspan_inuse,
		 ms->mspan_sys);
	MT_CHECK(ms->mcache_inuse <= ms->mcache_sys,
		 "%s: MCacheInuse %llu > MCacheSys %llu", what,
		 ms->mcache_inuse, ms->mcache_sys);
	MT_CHECK(ms->heap_alloc <= ms->total_alloc,
		 "%s: HeapAlloc %llu > TotalAlloc %llu", what, ms->heap_alloc,
		 ms->total_alloc);

	for (c = 1; c < MEMARENA_NUM_CLASSES; c++) {
		b = &ms->by_size[c];
		MT_CHECK(c <= MT_NR_CLASSES && b->size == mt_class_sizes[c - 1],
			 "%s: class %u has size %llu", what, c, b->size);
		MT_CHECK(b->frees <= b->mallocs,
			 "%s: class %u: frees %llu > mallocs %llu", what, c,
			 b->frees, b->mallocs);
		sm += b->mallocs;
		sf += b->frees;
		sbm += b->mallocs * b->size;
		sbf += b->frees * b->size;
	}
	freed = ms->total_alloc - ms->heap_alloc;
	if (!MT_CHECK(sm <= ms->mallocs && sf <= ms->frees &&
		      sbm <= ms->total_alloc && sbf <= freed,
		      "%s: BySize %llu mallocs (%llu bytes), %llu frees (%llu bytes); totals %llu, %llu, TotalAlloc %llu, freed %llu",
		      what, sm, sbm, sf, sbf, ms->mallocs, ms->frees,
		      ms->total_alloc, freed))
		return;
	/* Large objects are the difference: whole pages, more than 32 KiB. */
	lm = ms->mallocs - sm;
	lf = ms->frees - sf;
	lbm = ms->total_alloc - sbm;
	lbf = freed - sbf;
	MT_CHECK(lf <= lm && lbf <= lbm,
		 "%s: large: %llu frees (%llu bytes) of %llu mallocs (%llu bytes)",
		 what, lf, lbf, lm, lbm);
	MT_CHECK(PAGE_ALIGNED(lbm) && lbm >= lm * min_large &&
		 lbm <= lm * MEMARENA_MAX_SIZE,
		 "%s: %llu large mallocs of %llu bytes", what, lm, lbm);
	MT_CHECK(PAGE_ALIGNED(lbf) && lbf >= lf * min_large &&
		 lbf <= lf * MEMARENA_MAX_SIZE,
		 "%s: %llu large frees of %llu bytes", what, lf, lbf);
}

/* A u64 field of a snapshot, by offset. */
static u64 mt_field(const struct memarena_memstats *ms, size_t off)
{
	return *(const u64 *)((const char *)ms + off);
}

static bool mt_grows(int line, const char *what, const char *name,
		     const struct memarena_memstats *prev,
		     const struct memarena_memstats *ms, size_t off)
{
	u64 a = mt_field(prev, off), b = mt_field(ms, off);

	if (likely(b >= a))
		return mt_pass();
	return mt_fail(line, "%s: %s went from %llu to %llu", what, name, a, b);
}

#define MT_OFF(field)	offsetof(struct memarena_memstats, field)

#define MT_GROWS(prev, ms, field, what)					\
	mt_grows(__LINE__, what, #field, prev, ms, MT_OFF(field))

/* No cumulative counter goes back between two snapshots. */
static void mt_stats_monotonic(const struct memarena_memstats *prev,
			       const struct memarena_memstats *ms,
			       const char *what)
{
	unsigned int c;

	MT_GROWS(prev, ms, total_alloc, what);
	MT_GROWS(prev, ms, lookups, what);
	MT_GROWS(prev, ms, mallocs, what);
	MT_GROWS(prev, ms, frees, what);
	MT_GROWS(prev, ms, bad_frees, what);
	MT_GROWS(prev, ms, num_gc, what);
	MT_GROWS(prev, ms, num_forced_gc, what);
	MT_GROWS(prev, ms, pause_total_ns, what);
	for (c = 1; c < MEMARENA_NUM_CLASSES; c++) {
		MT_GROWS(prev, ms, by_size[c].mallocs, what);
		MT_GROWS(prev, ms, by_size[c].frees, what);
	}
}

/* Take a snapshot into @ms and check it, against @prev if not NULL. */
static void mt_snapshot(struct memarena_memstats *ms,
			const struct memarena_memstats *prev, const char *what)
{
	memarena_read_memstats(ms);
	mt_stats_identities(ms, what);
	if (prev)
		mt_stats_monotonic(prev, ms, what);
}

static bool mt_delta(int line, const char *what, const char *name,
		     const struct memarena_memstats *base,
		     const struct memarena_memstats *cur, size_t off, u64 delta)
{
	u64 a = mt_field(base, off), b = mt_field(cur, off);

	if (likely(b - a == delta))
		return mt_pass();
	return mt_fail(line, "%s: %s %llu, baseline %llu: +%llu, not +%llu",
		       what, name, b, a, b - a, delta);
}

/* @cur->field is @base->field + @delta exactly. */
#define MT_DELTA(base, cur, field, delta, what)				\
	mt_delta(__LINE__, what, #field, base, cur, MT_OFF(field), delta)

#define MT_SAME(base, cur, field, what)	MT_DELTA(base, cur, field, 0, what)

#define MT_EXACT_N	100		/* objects of one class */
#define MT_EXACT_SIZE	200		/* -> class 208 */
#define MT_EXACT_LARGE	100000		/* -> 25 pages */
#define MT_EXACT_M	40		/* arena objects */
#define MT_EXACT_MFREE	10		/* of them freed one by one */

static const size_t mt_exact_arena_sizes[] = { 64, 64, 64, 3000 };

static unsigned int mt_class_of_size(const struct memarena_memstats *ms,
				     size_t size)
{
	unsigned int c;

	for (c = 1; c < MEMARENA_NUM_CLASSES; c++)
		if (ms->by_size[c].size == size)
			return c;
	return 0;
}

/*
 * A controlled workload on a quiescent heap: every counter it moves must
 * move by exactly what it did.  Allocations and frees of the global heap,
 * a large object, a double free, a drain, and an arena.
 */
static void test_stats_exact(void)
{
	const size_t osize = mt_expected_size(MT_EXACT_SIZE);
	const size_t lsize = PAGE_ALIGN(MT_EXACT_LARGE);
	struct memarena_memstats *base, *cur, *prev;
	struct memarena_arena_stats as;
	unsigned int i, cls, cls64;
	struct memarena_arena *arena;
	u64 total, abytes = 0, n64 = 0;
	void **objs, *large, *p;
	size_t size;

	base = kmalloc_array(3, sizeof(*base), GFP_KERNEL);
	objs = kcalloc(MT_EXACT_M + MT_EXACT_N, sizeof(*objs), GFP_KERNEL);
	if (!MT_CHECK(base && objs, "no memory for snapshots"))
		goto out;
	cur = base + 1;
	prev = base + 2;

	memarena_drain();
	mt_snapshot(base, NULL, "baseline");
	MT_CHECK(!base->cached_objects && !base->cached_bytes,
		 "after memarena_drain(): %llu objects (%llu bytes) cached",
		 base->cached_objects, base->cached_bytes);
	cls = mt_class_of_size(base, osize);
	cls64 = mt_class_of_size(base, 64);
	if (!MT_CHECK(cls && cls64, "no class of %zu or 64 bytes", osize))
		goto out;

	/* N objects of one class. */
	for (i = 0; i < MT_EXACT_N; i++) {
		objs[i] = memarena_alloc(MT_EXACT_SIZE, GFP_KERNEL);
		MT_CHECK(objs[i], "alloc(%d) failed", MT_EXACT_SIZE);
	}
	mt_snapshot(cur, base, "after N allocs");
	MT_DELTA(base, cur, mallocs, MT_EXACT_N, "after N allocs");
	MT_SAME(base, cur, frees, "after N allocs");
	MT_DELTA(base, cur, heap_objects, MT_EXACT_N, "after N allocs");
	MT_DELTA(base, cur, total_alloc, MT_EXACT_N * osize, "after N allocs");
	MT_DELTA(base, cur, heap_alloc, MT_EXACT_N * osize, "after N allocs");
	MT_DELTA(base, cur, by_size[cls].mallocs, MT_EXACT_N, "after N allocs");
	MT_SAME(base, cur, by_size[cls].frees, "after N allocs");
	MT_SAME(base, cur, bad_frees, "after N allocs");
	MT_CHECK(cur->heap_inuse >= base->heap_inuse + MT_EXACT_N * osize,
		 "after N allocs: HeapInuse %llu, baseline %llu",
		 cur->heap_inuse, base->heap_inuse);
	memcpy(prev, cur, sizeof(*cur));

	/* One large object: whole pages, counted apart from the classes. */
	large = memarena_alloc(MT_EXACT_LARGE, GFP_KERNEL);
	MT_CHECK(large, "alloc(%d) failed", MT_EXACT_LARGE);
	mt_snapshot(cur, prev, "after a large alloc");
	MT_DELTA(prev, cur, mallocs, 1, "after a large alloc");
	MT_DELTA(prev, cur, heap_objects, 1, "after a large alloc");
	MT_DELTA(prev, cur, heap_alloc, lsize, "after a large alloc");
	MT_DELTA(prev, cur, total_alloc, lsize, "after a large alloc");
	MT_SAME(prev, cur, by_size[cls].mallocs, "after a large alloc");
	MT_CHECK(cur->heap_inuse >= prev->heap_inuse + lsize,
		 "after a large alloc: HeapInuse %llu, before %llu",
		 cur->heap_inuse, prev->heap_inuse);
	total = cur->total_alloc;
	memcpy(prev, cur, sizeof(*cur));

	/* Free everything: back to the baseline but for the counters. */
	for (i = 0; i < MT_EXACT_N; i++)
		memarena_free(objs[i]);
	memarena_free(large);
	mt_snapshot(cur, prev, "after the frees");
	MT_DELTA(base, cur, mallocs, MT_EXACT_N + 1, "after the frees");
	MT_DELTA(base, cur, frees, MT_EXACT_N + 1, "after the frees");
	MT_SAME(base, cur, heap_objects, "after the frees");
	MT_SAME(base, cur, heap_alloc, "after the frees");
	MT_SAME(prev, cur, total_alloc, "after the frees");
	MT_DELTA(base, cur, by_size[cls].frees, MT_EXACT_N, "after the frees");
	MT_SAME(base, cur, bad_frees, "after the frees");
	memcpy(prev, cur, sizeof(*cur));

	/* A double free is a bad free, not a free. */
	p = memarena_alloc(64, GFP_KERNEL);
	MT_CHECK(p, "alloc(64) failed");
	memarena_free(p);
	memarena_free(p);	/* ignored, counted */
	mt_snapshot(cur, prev, "after a double free");
	MT_DELTA(prev, cur, mallocs, 1, "after a double free");
	MT_DELTA(prev, cur, frees, 1, "after a double free");
	MT_DELTA(prev, cur, bad_frees, 1, "after a double free");
	MT_DELTA(prev, cur, total_alloc, 64, "after a double free");
	MT_SAME(base, cur, heap_alloc, "after a double free");
	memcpy(prev, cur, sizeof(*cur));

	/* The caches hold the freed objects until a drain gives back spans. */
	memarena_drain();
	mt_snapshot(cur, prev, "after the drain");
	MT_SAME(base, cur, heap_inuse, "after the drain");
	MT_SAME(base, cur, cached_objects, "after the drain");
	MT_SAME(base, cur, cached_bytes, "after the drain");
	MT_SAME(base, cur, heap_alloc, "after the drain");
	MT_SAME(prev, cur, mallocs, "after the drain");
	MT_SAME(prev, cur, frees, "after the drain");
	MT_SAME(prev, cur, total_alloc, "after the drain");
	memcpy(base, cur, sizeof(*cur));

	/* An arena: its objects count like any, destroy frees the rest. */
	arena = memarena_arena_create("memarena_test-stats");
	if (!MT_CHECK(!IS_ERR_OR_NULL(arena), "arena create: %ld",
		      PTR_ERR(arena)))
		goto out;
	mt_snapshot(cur, base, "new arena");
	MT_DELTA(base, cur, arenas, 1, "new arena");
	MT_SAME(base, cur, mallocs, "new arena");
	for (i = 0; i < MT_EXACT_M; i++) {
		size = mt_exact_arena_sizes[i % ARRAY_SIZE(mt_exact_arena_sizes)];
		if (i == MT_EXACT_M - 1)
			size = MT_EXACT_LARGE / 2;
		objs[i] = memarena_arena_alloc(arena, size, GFP_KERNEL);
		if (!MT_CHECK(objs[i], "arena alloc(%zu) failed", size))
			continue;
		abytes += mt_expected_size(size);
		n64 += size == 64;
	}
	mt_snapshot(cur, base, "arena allocs");
	MT_DELTA(base, cur, mallocs, MT_EXACT_M, "arena allocs");
	MT_SAME(base, cur, frees, "arena allocs");
	MT_DELTA(base, cur, heap_objects, MT_EXACT_M, "arena allocs");
	MT_DELTA(base, cur, total_alloc, abytes, "arena allocs");
	MT_DELTA(base, cur, heap_alloc, abytes, "arena allocs");
	MT_DELTA(base, cur, by_size[cls64].mallocs, n64, "arena allocs");
	MT_SAME(base, cur, cached_objects, "arena allocs");
	memarena_arena_get_stats(arena, &as);
	MT_CHECK(as.mallocs == MT_EXACT_M && as.live_objects == MT_EXACT_M &&
		 as.live_bytes == abytes && !as.frees,
		 "arena stats: mallocs %llu live %llu (%llu bytes) frees %llu",
		 as.mallocs, as.live_objects, as.live_bytes, as.frees);
	memcpy(prev, cur, sizeof(*cur));

	/* Some freed one by one (64-byte ones), the rest by destroy. */
	for (i = 0; i < MT_EXACT_MFREE; i++)
		memarena_free(objs[i * ARRAY_SIZE(mt_exact_arena_sizes)]);
	mt_snapshot(cur, prev, "arena frees");
	MT_DELTA(prev, cur, frees, MT_EXACT_MFREE, "arena frees");
	MT_DELTA(prev, cur, by_size[cls64].frees, MT_EXACT_MFREE, "arena frees");
	MT_SAME(base, cur, cached_objects, "arena frees");
	memcpy(prev, cur, sizeof(*cur));

	memarena_arena_destroy(arena);
	mt_snapshot(cur, prev, "arena destroyed");
	MT_DELTA(base, cur, mallocs, MT_EXACT_M, "arena destroyed");
	MT_DELTA(base, cur, frees, MT_EXACT_M, "arena destroyed");
	MT_DELTA(base, cur, total_alloc, abytes, "arena destroyed");
	MT_DELTA(base, cur, by_size[cls64].frees, n64, "arena destroyed");
	MT_SAME(base, cur, heap_objects, "arena destroyed");
	MT_SAME(base, cur, heap_alloc, "arena destroyed");
	MT_SAME(base, cur, heap_inuse, "arena destroyed");
	MT_SAME(base, cur, arenas, "arena destroyed");
	MT_SAME(base, cur, cached_objects, "arena destroyed");
	MT_SAME(base, cur, bad_frees, "arena destroyed");
	atomic_long_add(MT_EXACT_N + 2 + MT_EXACT_M, &mt_objects);
out:
	kfree(objs);
	kfree(base);
}

/*
 * The identities in every snapshot while one thread per CPU allocates and
 * frees (the stress test's threads), then back to the baseline.  Snapshots
 * go on for MT_IDENT_MS, and until there are MT_IDENT_SNAPS of them and the
 * threads allocated MT_IDENT_MALLOCS objects: a slow machine takes longer,
 * it does not fail.  MT_IDENT_MAX_MS is only for threads or a reader that
 * make no progress at all.
 */
#define MT_IDENT_SNAPS		1000
#define MT_IDENT_MALLOCS	1000
#define MT_IDENT_MS		1000
#define MT_IDENT_MAX_MS		120000

static void test_stats_identities(void)
{
	struct memarena_memstats *base, *cur, *prev;
	unsigned long start, min_end, max_end;
	unsigned int cpu, i, nr, ms, snaps = 0;
	struct mt_worker *workers;

	nr = num_online_cpus();
	base = kmalloc_array(3, sizeof(*base), GFP_KERNEL);
	workers = kvcalloc(nr, sizeof(*workers), GFP_KERNEL);
	if (!MT_CHECK(base && workers, "no memory for %u workers", nr))
		goto out;
	cur = base + 1;
	prev = base + 2;

	memarena_drain();
	mt_snapshot(base, NULL, "baseline");
	memcpy(prev, base, sizeof(*base));

	start = jiffies;
	min_end = start + msecs_to_jiffies(MT_IDENT_MS);
	max_end = start + msecs_to_jiffies(MT_IDENT_MAX_MS);
	i = 0;
	for_each_online_cpu(cpu) {
		struct mt_worker *w;

		if (i == nr)
			break;
		w = &workers[i];
		w->cpu = cpu;
		w->deadline = max_end;
		w->byte_budget = 1 << 20;
		spin_lock_init(&w->ring.lock);
		prandom_seed_state(&w->rnd, get_random_u64());
		w->task = kthread_create_on_cpu(mt_stress_thread, w, cpu,
						"memarena_test/%u");
		if (!MT_CHECK(!IS_ERR(w->task), "kthread on cpu%u: error %ld",
			      cpu, PTR_ERR(w->task))) {
			w->task = NULL;
			break;
		}
		i++;
	}
	nr = i;
	for (i = 0; i < nr; i++)
		workers[i].next = &workers[(i + 1) % nr];

	if (!mt_failed()) {
		for (i = 0; i < nr; i++)
			wake_up_process(workers[i].task);
		while (!mt_failed() && time_before(jiffies, max_end) &&
		       (snaps < MT_IDENT_SNAPS || time_before(jiffies, min_end) ||
			prev->mallocs - base->mallocs < MT_IDENT_MALLOCS)) {
			mt_snapshot(cur, prev, "under stress");
			swap(cur, prev);
			snaps++;
			cond_resched();
		}
	}
	for (i = 0; i < nr; i++)
		kthread_stop(workers[i].task);
	mt_stress_finish(workers, nr);
	mt_stress_report(workers, nr, 0);
	ms = jiffies_to_msecs(jiffies - start);
	mt_diag("stats_identities: %u snapshots in %u ms under stress, Mallocs +%llu",
		snaps, ms, prev->mallocs - base->mallocs);
	/* Unless a failed check stopped everything early. */
	if (!mt_failed()) {
		MT_CHECK(snaps >= MT_IDENT_SNAPS, "only %u snapshots in %u ms",
			 snaps, ms);
		MT_CHECK(prev->mallocs - base->mallocs >= MT_IDENT_MALLOCS,
			 "the threads allocated only %llu objects",
			 prev->mallocs - base->mallocs);
	}

	/* Everything freed and drained: the gauges are back. */
	memarena_drain();
	mt_snapshot(cur, prev, "after stress");
	MT_SAME(base, cur, heap_objects, "after stress");
	MT_SAME(base, cur, heap_alloc, "after stress");
	MT_SAME(base, cur, heap_inuse, "after stress");
	MT_SAME(base, cur, cached_objects, "after stress");
	MT_SAME(base, cur, bad_frees, "after stress");
out:
	kvfree(workers);
	kfree(base);
}

/* ---------------------------------------------------------------------
 * CPU hotplug: a CPU that goes offline gives its cached objects back
 */

struct mt_on_cpu {
	struct completion done;
	size_t size;
	unsigned int n;
	bool ok;
};

/* Allocate and free n objects, leaving them in this CPU's cache. */
static int mt_fill_cache_thread(void *arg)
{
	struct mt_on_cpu *w = arg;
	void *p[32];
	unsigned int i;

	w->ok = true;
	for (i = 0; i < w->n; i++) {
		p[i] = memarena_alloc(w->size, GFP_KERNEL);
		if (!p[i])
			w->ok = false;
	}
	for (i = 0; i < w->n; i++)
		memarena_free(p[i]);
	complete(&w->done);
	return 0;
}

/*
 * The background scavenger drains the cache of a CPU that stayed idle for
 * a whole scavenge_interval_ms: should that happen between the fill and
 * the check (a stalled vCPU), the cache is filled again, a few times.
 */
#define MT_FILL_TRIES	5

static void test_cpu_offline_drain(void)
{
	struct memarena_memstats *ms;
	struct task_struct *t;
	struct mt_on_cpu w;
	unsigned int cpu, tries;
	u64 before;
	int err;

	cpu = cpumask_last(cpu_online_mask);
	if (num_online_cpus() < 2 || !cpu) {
		mt_skip("needs a second online CPU");
		return;
	}
	ms = kmalloc(sizeof(*ms), GFP_KERNEL);
	if (!ms) {
		MT_FAIL("no memory for a snapshot");
		return;
	}
	memarena_drain();
	memarena_read_memstats(ms);
	before = ms->cached_objects;

	for (tries = 1; ; tries++) {
		init_completion(&w.done);
		w.size = 200;
		w.n = 16;
		t = kthread_create(mt_fill_cache_thread, &w, "mt_fill/%u", cpu);
		if (IS_ERR(t)) {
			MT_FAIL("kthread_create: %ld", PTR_ERR(t));
			goto out;
		}
		kthread_bind(t, cpu);
		wake_up_process(t);
		wait_for_completion(&w.done);
		MT_CHECK(w.ok, "allocation on cpu%u failed", cpu);

		memarena_read_memstats(ms);
		if (ms->cached_objects >= before + w.n || tries == MT_FILL_TRIES)
			break;
		mt_diag("cpu%u's cache was drained before the check, again", cpu);
	}
	MT_CHECK(ms->cached_objects >= before + w.n,
		 "cpu%u cached %llu objects, want >= %llu", cpu,
		 ms->cached_objects, before + w.n);

	err = remove_cpu(cpu);
	if (err) {
		mt_skip("remove_cpu() failed");
		goto out;
	}
	memarena_read_memstats(ms);
	MT_CHECK(ms->cached_objects == before,
		 "after cpu%u went offline %llu objects cached, want %llu",
		 cpu, ms->cached_objects, before);
	MT_CHECK(ms->heap_alloc <= ms->heap_inuse, "HeapAlloc > HeapInuse");
	err = add_cpu(cpu);
	MT_CHECK(!err, "add_cpu(%u): %d", cpu, err);
out:
	kfree(ms);
}

/* ---------------------------------------------------------------------
 * numa_nodes: objects on the node asked for, each CPU's on its own node,
 * and a free of another node's objects that leaves the freeing CPU's
 * cache alone (run under selftests/vm-run --numa 2)
 */

static const size_t mt_numa_sizes[] = {
	8, 256, 4096, 32768, MEMARENA_MAX_SMALL_SIZE + 1, SZ_1M,
};

#define MT_NUMA_OBJS	256

struct mt_numa {
	size_t size;
	unsigned int n;
	void *objs[MT_NUMA_OBJS];
};

static int mt_obj_nid(const void *p)
{
	return page_to_nid(virt_to_page(p));
}

/* Allocate @n objects on the CPU it runs on: each must be on its node. */
static long mt_numa_alloc_local(void *arg)
{
	struct mt_numa *w = arg;
	int nid = numa_mem_id();
	unsigned int n;
	void *p;

	/* At most 16 MiB: the guest's nodes are small. */
	n = clamp_t(size_t, SZ_16M / w->size, 1, MT_NUMA_OBJS);
	for (w->n = 0; w->n < n; w->n++) {
		p = memarena_alloc(w->size, GFP_KERNEL);
		if (!MT_CHECK(p, "cpu%d: memarena_alloc(%zu) failed",
			      raw_smp_processor_id(), w->size))
			break;
		w->objs[w->n] = p;
		atomic_long_inc(&mt_objects);
		MT_CHECK(mt_obj_nid(p) == nid,
			 "cpu%d (node %d): object %p of %zu bytes on node %d",
			 raw_smp_processor_id(), nid, p, w->size, mt_obj_nid(p));
	}
	return 0;
}

/* Free what the worker holds, on the CPU it runs on. */
static long mt_numa_free(void *arg)
{
	struct mt_numa *w = arg;

	memarena_free_bulk(w->n, w->objs);
	w->n = 0;
	return 0;
}

static void mt_numa_asked(int nid)
{
	void *p, *bulk[32];
	unsigned int i, k;
	gfp_t gfp;

	for (i = 0; i < ARRAY_SIZE(mt_numa_sizes); i++) {
		for (k = 0; k < 2; k++) {
			gfp = GFP_KERNEL | (k ? __GFP_THISNODE : 0);
			p = memarena_alloc_node(mt_numa_sizes[i], gfp, nid);
			if (!MT_CHECK(p, "memarena_alloc_node(%zu, %#x, %d) failed",
				      mt_numa_sizes[i], gfp, nid))
				continue;
			atomic_long_inc(&mt_objects);
			MT_CHECK(mt_obj_nid(p) == nid,
				 "memarena_alloc_node(%zu, %#x, %d): on node %d",
				 mt_numa_sizes[i], gfp, nid, mt_obj_nid(p));
			memarena_free(p);
		}
		if (!MT_CHECK(memarena_alloc_bulk_node(mt_numa_sizes[i], GFP_KERNEL,
						       ARRAY_SIZE(bulk), bulk,
						       nid) == ARRAY_SIZE(bulk),
			      "memarena_alloc_bulk_node(%zu, node %d) failed",
			      mt_numa_sizes[i], nid))
			continue;
		for (k = 0; k < ARRAY_SIZE(bulk); k++)
			MT_CHECK(mt_obj_nid(bulk[k]) == nid,
				 "memarena_alloc_bulk_node(%zu, node %d): object %u on node %d",
				 mt_numa_sizes[i], nid, k, mt_obj_nid(bulk[k]));
		memarena_free_bulk(ARRAY_SIZE(bulk), bulk);
	}
}

static void test_numa_nodes(void)
{
	struct mt_numa *w, *remote;
	int nid, other = NUMA_NO_NODE;
	unsigned int cpu, i;

	if (num_node_state(N_MEMORY) < 2) {
		mt_skip("one memory node (selftests/vm-run --numa 2 gives two)");
		return;
	}
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	remote = kzalloc(sizeof(*remote), GFP_KERNEL);
	if (!MT_CHECK(w && remote, "no memory"))
		goto out;

	/* The node asked for, from whichever CPU. */
	for_each_node_state(nid, N_MEMORY)
		mt_numa_asked(nid);
	MT_CHECK(!memarena_alloc_node(8, GFP_KERNEL, MAX_NUMNODES),
		 "memarena_alloc_node() of node MAX_NUMNODES succeeded");
	MT_CHECK(!memarena_alloc_node(8, GFP_KERNEL, -5),
		 "memarena_alloc_node() of node -5 succeeded");

	/* Every CPU's own node, small and large. */
	for (i = 0; i < ARRAY_SIZE(mt_numa_sizes); i++) {
		for_each_online_cpu(cpu) {
			w->size = mt_numa_sizes[i];
			work_on_cpu(cpu, mt_numa_alloc_local, w);
			work_on_cpu(cpu, mt_numa_free, w);
		}
	}

	/*
	 * Remote frees: a CPU frees objects of another node, then allocates
	 * as many of the same size.  Its stack is LIFO: had the frees gone
	 * onto it, the allocations would get the other node's objects back.
	 */
	cpu = cpumask_first(cpu_online_mask);
	for_each_node_state(nid, N_MEMORY)
		if (nid != cpu_to_mem(cpu))
			other = nid;
	for (i = 0; i < 2 && other != NUMA_NO_NODE; i++) {
		remote->size = i ? 4096 : 256;
		w->size = remote->size;
		for (remote->n = 0; remote->n < MT_NUMA_OBJS; remote->n++) {
			remote->objs[remote->n] =
				memarena_alloc_node(remote->size, GFP_KERNEL, other);
			if (!MT_CHECK(remote->objs[remote->n], "no memory"))
				break;
		}
		work_on_cpu(cpu, mt_numa_free, remote);
		work_on_cpu(cpu, mt_numa_alloc_local, w);
		work_on_cpu(cpu, mt_numa_free, w);
	}
out:
	kfree(remote);
	kfree(w);
}

/* ---------------------------------------------------------------------
 * The runner
 */

struct mt_case {
	const char *name;
	void (*fn)(void);
};

static const struct mt_case mt_cases[] = {
	{ "class_boundaries", test_class_boundaries },
	{ "alignment", test_alignment },
	{ "gfp_zero", test_gfp_zero },
	{ "atomic_contexts", test_atomic_contexts },
	{ "bulk", test_bulk },
	{ "double_free", test_double_free },
	{ "foreign_free", test_foreign_free },
	{ "interior_free", test_interior_free },
	{ "large_double_free", test_large_double_free },
	{ "arena_create", test_arena_create },
	{ "arena_stats", test_arena_stats },
	{ "arena_many", test_arena_many },
	{ "drain", test_drain },
	{ "stress", test_stress },
	{ "stats_exact", test_stats_exact },
	{ "stats_identities", test_stats_identities },
	{ "cpu_offline_drain", test_cpu_offline_drain },
	{ "numa_nodes", test_numa_nodes },
};

static char *cases;
module_param(cases, charp, 0444);
MODULE_PARM_DESC(cases, "Comma-separated names of the cases to run (default: all)");

/* Whether the cases parameter selects @name. */
static bool mt_selected(const char *name)
{
	size_t len = strlen(name);
	const char *p = cases;

	if (!p)
		return true;
	while ((p = strstr(p, name))) {
		if ((p == cases || p[-1] == ',') && (!p[len] || p[len] == ','))
			return true;
		p += len;
	}
	return false;
}

static int __init memarena_test_init(void)
{
	unsigned int i, failed = 0, skipped = 0, nfail;
	const struct mt_case *c;
	ktime_t start;

	pr_info("1..%zu\n", ARRAY_SIZE(mt_cases));
	for (i = 0; i < ARRAY_SIZE(mt_cases); i++) {
		c = &mt_cases[i];
		if (!mt_selected(c->name)) {
			pr_info("ok %u %s # SKIP not in cases=\n", i + 1, c->name);
			skipped++;
			continue;
		}
		atomic_set(&mt_failures, 0);
		atomic_long_set(&mt_checks, 0);
		atomic_long_set(&mt_objects, 0);
		mt_skip_reason = NULL;

		start = ktime_get();
		c->fn();
		nfail = atomic_read(&mt_failures);
		if (nfail > MT_MAX_DIAGS)
			mt_diag("%u more failed checks not shown",
				nfail - MT_MAX_DIAGS);
		mt_diag("%s: %ld objects, %ld checks, %u failed, %lld ms",
			c->name, atomic_long_read(&mt_objects),
			atomic_long_read(&mt_checks), nfail,
			ktime_ms_delta(ktime_get(), start));
		if (nfail) {
			pr_info("not ok %u %s\n", i + 1, c->name);
			failed++;
		} else if (mt_skip_reason) {
			pr_info("ok %u %s # SKIP %s\n", i + 1, c->name,
				mt_skip_reason);
			skipped++;
		} else {
			pr_info("ok %u %s\n", i + 1, c->name);
		}
		cond_resched();
	}
	mt_diag("totals: pass:%zu fail:%u skip:%u",
		ARRAY_SIZE(mt_cases) - failed - skipped, failed, skipped);
	return failed ? -EINVAL : 0;
}

static void __exit memarena_test_exit(void)
{
}

module_init(memarena_test_init);
module_exit(memarena_test_exit);

MODULE_INFO(test, "Y");
MODULE_DESCRIPTION("In-kernel tests of the memarena allocator API");
MODULE_LICENSE("GPL");
