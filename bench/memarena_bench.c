// SPDX-License-Identifier: GPL-2.0
/*
 * memarena_bench: memarena against the kernel's own allocators, in the
 * style of the in-kernel time_bench slab benchmarks.
 *
 * Loading the module runs every selected benchmark in a kthread bound to
 * one CPU (cpu=), prints one machine-readable line per measurement on the
 * kernel log and then fails the load with -EAGAIN, so that nothing stays
 * loaded.  bench/run collects the lines.
 *
 * Allocators: memarena_alloc()/memarena_free(); kmalloc()/kfree(); a
 * dedicated kmem_cache of the object size (created with a usercopy region
 * so that SLUB does not merge it with another cache: kmem_cache_create()
 * only looks for an alias when usersize is 0); kmem_cache_alloc_bulk()/
 * kmem_cache_free_bulk() on that cache; memarena_alloc_bulk()/
 * memarena_free_bulk() (memarena_bulk); a null allocator (out-of-line calls
 * that hand back a scratch slot) for reference.
 *
 * Workloads (workloads=):
 *  pair   alloc, write one word, free; repeated;
 *  batch  N allocs (each written) then N frees, in LIFO or FIFO order,
 *	   N in 16, 64, 1024, 16384;
 *  bulk   batches of 16 and 64: through kmem_cache_alloc_bulk()/
 *	   kmem_cache_free_bulk() and memarena_alloc_bulk()/
 *	   memarena_free_bulk() for the bulk allocators, as alloc/free loops
 *	   for the others;
 *  remote a kthread bound to cpu= allocates (writing one word) and passes
 *	   each object through a single-producer/single-consumer ring to a
 *	   kthread bound to another online CPU, which frees it; ns_per_op is
 *	   the elapsed time over the objects (one alloc+free pair each);
 *  larson two kthreads, on cpu= and on another CPU, each with 1024 live
 *	   objects in slots: an operation frees a random slot and allocates a
 *	   new object into it; order=r0, r10, r50: 0%, 10% or 50% of the
 *	   frees go through a ring to the other CPU, which frees them;
 *	   ops= operations per CPU, ns_per_op the elapsed time over them.
 *	   remote and larson run only at sizes 64, 256 and mixed, for
 *	   memarena, kmalloc and kmem_cache, with 3 * repeat= runs (their
 *	   spread between runs is wider), and are skipped with a "skip"
 *	   line when fewer than two CPUs are online.
 *  parallel  batch of 64, LIFO, on one kthread per online CPU at once,
 *	   each bound to its CPU, ops= operations each, and on one kthread
 *	   alone; the line gives both times and scaling = alone / all (1.0
 *	   is perfect weak scaling); the empty loop's own scaling is the
 *	   reference (sizes 64, 256, mixed; the empty loop, memarena,
 *	   kmalloc and kmem_cache);
 *  footprint  mixed sizes only: start as the replay does (after
 *	   memarena_drain() and 2 s for the scavenger), allocate until
 *	   footprint_kb= KiB are
 *	   requested and live, free a random half, allocate sizes of
 *	   1025..4096 bytes until as many bytes are live again, free
 *	   everything, wait 2 s (the scavenger's period is 1 s); for
 *	   memarena (Sys - HeapReleased from memarena_read_memstats(), after
 *	   memarena_drain()) and kmalloc (the kernel's unreclaimable slab
 *	   bytes, as /proc/meminfo's SUnreclaim): bytes held at the peak
 *	   above the start, over the live requested bytes, and the share
 *	   of them given back at the end;
 *  replay the kernel's own slab traffic, recorded from its kmem tracepoints
 *	   (bench/trace-record) and converted (bench/trace-convert) into a
 *	   trace read from replay_trace= (skipped without one): every
 *	   allocation and free, in trace order, on cpu=, for memarena and
 *	   kmalloc; ns_per_op per record (allocation or free), the empty
 *	   replay's time subtracted; and, from the first run, the bytes held
 *	   (as footprint counts them) at the peak of live requested bytes
 *	   above the start, over those live bytes (order=serial); with two
 *	   or more online CPUs also each trace CPU's events on a kthread of
 *	   its own, timings only (order=percpu);
 *  churn  only when asked for: batch of 64, LIFO, on every online CPU for
 *	   churn_ms= milliseconds; reports operations per second (bench/run
 *	   runs it with and without a statistics reader, bench/statread);
 *  statload  only when asked for (bench/run's icount-smp2 modes):
 *	   memarena's mixed churn on every online CPU but the last, for
 *	   statload_ms= milliseconds, while a kthread on the last CPU reads
 *	   /proc/memstats whole at 1 kHz, spins as long (the control), or
 *	   sleeps; operations per second and the reads' latency
 *	   (run_statload()).
 * Sizes (sizes=): any list of byte sizes and "mixed", a fixed pseudo-random
 * sequence uniform over 8..1024 bytes (no kmem_cache for mixed).
 *
 * Method: for each measurement a warm-up of ops/8 operations, then repeat=
 * runs of ops= operations in blocks of about BENCH_BLOCK, each block timed
 * with ktime_get_ns(), cond_resched() between blocks.  Before each run the
 * same loop with an inline "allocator" that returns a scratch slot (the
 * empty loop) is timed the same way and subtracted.  The fastest run is
 * reported, and the slowest for the spread.  One operation is one alloc
 * plus one free.
 *
 * Output, one line per measurement:
 *   memarena_bench: result alloc=A workload=W order=O n=N size=S cpu=C
 *	ops=K repeat=R ns_per_op=X.XX max_ns_per_op=Y.YY base_ns_per_op=Z.ZZ
 * and "config", "cache" and "done" lines (see bench_init()).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitfield.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/kernel_read_file.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/memarena.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

static char *workloads = "pair,batch,bulk,remote,larson,parallel,footprint,replay";
module_param(workloads, charp, 0444);
MODULE_PARM_DESC(workloads,
		 "Workloads: pair,batch,bulk,remote,larson,parallel,footprint,replay,churn,statload (default all but churn and statload)");

static char *sizes = "16,64,256,1024,4096,mixed";
module_param(sizes, charp, 0444);
MODULE_PARM_DESC(sizes,
		 "Object sizes in bytes and/or mixed (default 16,64,256,1024,4096,mixed)");

static char *allocs = "null,memarena,kmalloc,kmem_cache,kmem_cache_bulk,memarena_bulk";
module_param(allocs, charp, 0444);
MODULE_PARM_DESC(allocs,
		 "Allocators: null,memarena,kmalloc,kmem_cache,kmem_cache_bulk,memarena_bulk (default all)");

static unsigned int ops = 32768;
module_param(ops, uint, 0444);
MODULE_PARM_DESC(ops, "Timed alloc+free pairs per run (default 32768)");

static unsigned int repeat = 3;
module_param(repeat, uint, 0444);
MODULE_PARM_DESC(repeat, "Timed runs per measurement, the fastest reported (default 3)");

static unsigned int cpu;
module_param(cpu, uint, 0444);
MODULE_PARM_DESC(cpu, "CPU the benchmark kthread is bound to (default 0)");

static unsigned int footprint_kb = 16384;
module_param(footprint_kb, uint, 0444);
MODULE_PARM_DESC(footprint_kb, "footprint: live requested KiB (default 16384)");

static char *replay_trace = "";
module_param(replay_trace, charp, 0444);
MODULE_PARM_DESC(replay_trace,
		 "replay: path of the trace (bench/trace-convert's format); none: skipped");

static unsigned int churn_ms = 3000;
module_param(churn_ms, uint, 0444);
MODULE_PARM_DESC(churn_ms, "churn: milliseconds of churn on every CPU (default 3000)");

static unsigned int statload_ms = 100;
module_param(statload_ms, uint, 0444);
MODULE_PARM_DESC(statload_ms, "statload: milliseconds per run (default 100)");

static char *statload_file = "/proc/memstats";
module_param(statload_file, charp, 0444);
MODULE_PARM_DESC(statload_file,
		 "statload: the file the reader reads (default /proc/memstats)");

#define BENCH_BLOCK	1024		/* operations per timed block */
#define BENCH_MAX_N	16384		/* largest batch */
#define BENCH_NSIZES	4096		/* length of the size sequence */
#define BENCH_NSCRATCH	64		/* scratch slots of the empty loop */
#define BENCH_MAX_SIZES	16
#define BENCH_MIXED	0		/* "size" of the mixed distribution */
#define BENCH_MIXED_MIN	8
#define BENCH_MIXED_MAX	1024
#define BENCH_RING	1024		/* entries of a cross-CPU ring */
#define BENCH_SLOTS	1024		/* live objects per CPU in larson */
#define BENCH_XREPEAT	3		/* remote, larson: runs per repeat */
#define BENCH_MAX_FOOTPRINT_KB	(1024 * 1024)	/* 1 GiB live at most */
#define BENCH_MAX_CHURN_MS	600000		/* 10 minutes */
#define BENCH_STATREAD_HZ	1000		/* statload's reads per second */
#define BENCH_STATREAD_BUF	(256 * 1024)	/* bytes per kernel_read() */
#define BENCH_STATREAD_MAX	(16 << 20)	/* bytes per whole read */
#define BENCH_MAX_STATLOAD_MS	60000		/* below the hung task timeout */
#define BENCH_SPIN_CALIB	BIT(20)		/* statload: loops timed */

enum bench_alloc {
	BA_EMPTY,		/* the empty loop: inline, no call */
	BA_NULL,
	BA_MEMARENA,
	BA_KMALLOC,
	BA_CACHE,
	BA_CACHE_BULK,
	BA_MEMARENA_BULK,
	BA_NR,
};

static const char * const alloc_names[BA_NR] = {
	[BA_EMPTY] = "empty",
	[BA_NULL] = "null",
	[BA_MEMARENA] = "memarena",
	[BA_KMALLOC] = "kmalloc",
	[BA_CACHE] = "kmem_cache",
	[BA_CACHE_BULK] = "kmem_cache_bulk",
	[BA_MEMARENA_BULK] = "memarena_bulk",
};

enum bench_workload {
	BW_PAIR,
	BW_BATCH,
	BW_BULK,
	BW_REMOTE,
	BW_LARSON,
	BW_PARALLEL,
	BW_FOOTPRINT,
	BW_CHURN,
	BW_REPLAY,
	BW_STATLOAD,
	BW_NR,
};

static const char * const workload_names[BW_NR] = {
	[BW_PAIR] = "pair",
	[BW_BATCH] = "batch",
	[BW_BULK] = "bulk",
	[BW_REMOTE] = "remote",
	[BW_LARSON] = "larson",
	[BW_PARALLEL] = "parallel",
	[BW_FOOTPRINT] = "footprint",
	[BW_CHURN] = "churn",
	[BW_REPLAY] = "replay",
	[BW_STATLOAD] = "statload",
};

static const unsigned int batch_ns[] = { 16, 64, 1024, 16384 };
static const unsigned int bulk_ns[] = { 16, 64 };
static const unsigned int larson_pcts[] = { 0, 10, 50 };

struct bench {
	struct kmem_cache *cache;	/* of the current fixed size, or NULL */
	void **objs;			/* BENCH_MAX_N slots */
	unsigned int *sizes;		/* BENCH_NSIZES request sizes */
	unsigned int si;		/* next index into sizes */
	unsigned long scratch[BENCH_NSCRATCH];
	unsigned int scratch_i;
	bool failed;
	unsigned int runs;
	unsigned long workload_mask;
	unsigned long alloc_mask;
	unsigned int size_list[BENCH_MAX_SIZES];
	unsigned int nsizes;
	struct completion done;
	int ret;
};

/* The null allocator: real calls, no allocation. */
static noinline void *null_alloc(struct bench *b)
{
	return &b->scratch[b->scratch_i++ % BENCH_NSCRATCH];
}

static noinline void null_free(const void *p)
{
	barrier();
}

static __always_inline unsigned int next_size(struct bench *b)
{
	return b->sizes[b->si++ % BENCH_NSIZES];
}

static __always_inline void *b_alloc(struct bench *b, enum bench_alloc a,
				     size_t size)
{
	switch (a) {
	case BA_EMPTY:
		return &b->scratch[b->scratch_i++ % BENCH_NSCRATCH];
	case BA_NULL:
		return null_alloc(b);
	case BA_MEMARENA:
		return memarena_alloc(size, GFP_KERNEL);
	case BA_KMALLOC:
		return kmalloc(size, GFP_KERNEL);
	case BA_CACHE:
		return kmem_cache_alloc(b->cache, GFP_KERNEL);
	default:
		return NULL;
	}
}

static __always_inline void b_free(struct bench *b, enum bench_alloc a,
				   void *p)
{
	if (unlikely(!p))
		return;
	switch (a) {
	case BA_EMPTY:
		barrier();
		break;
	case BA_NULL:
		null_free(p);
		break;
	case BA_MEMARENA:
		memarena_free(p);
		break;
	case BA_KMALLOC:
		kfree(p);
		break;
	case BA_CACHE:
		kmem_cache_free(b->cache, p);
		break;
	default:
		break;
	}
}

/*
 * End of a benchmark kthread: say it is done, then wait to be stopped
 * (kthread_stop() must find it alive).
 */
static int bench_park(struct completion *done)
{
	complete(done);
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		schedule();
	}
	return 0;
}

/* Start together: wait until @n kthreads have arrived. */
static void bench_start_together(atomic_t *ready, unsigned int n)
{
	unsigned int i;

	atomic_inc_return(ready);
	for (i = 0; atomic_read_acquire(ready) < n; i++) {
		cpu_relax();
		if (i % 4096 == 4095)
			cond_resched();
	}
}

/* A size as printed: bytes, or "mixed". */
static void fmt_size(char *buf, size_t len, unsigned int size)
{
	if (size == BENCH_MIXED)
		strscpy(buf, "mixed", len);
	else
		snprintf(buf, len, "%u", size);
}

/* One word written to every object. */
static __always_inline void touch(void *p, unsigned long v)
{
	WRITE_ONCE(*(unsigned long *)p, v);
}

/* The same within @size bytes: traced requests may be under a word. */
static __always_inline void touch_sized(void *p, size_t size, unsigned long v)
{
	if (likely(size >= sizeof(unsigned long)))
		touch(p, v);
	else
		WRITE_ONCE(*(u8 *)p, v);
}

/* Returns nanoseconds spent in @count operations, blocks timed apart. */
static __always_inline u64 run_pair(struct bench *b, enum bench_alloc a,
				    unsigned int count)
{
	unsigned int done = 0, i, k;
	u64 total = 0, t0;
	void *p;

	while (done < count && !b->failed) {
		k = min_t(unsigned int, BENCH_BLOCK, count - done);
		t0 = ktime_get_ns();
		for (i = 0; i < k; i++) {
			p = b_alloc(b, a, next_size(b));
			if (unlikely(!p)) {
				b->failed = true;
				break;
			}
			touch(p, i);
			b_free(b, a, p);
		}
		total += ktime_get_ns() - t0;
		done += k;
		cond_resched();
	}
	return total;
}

static __always_inline void batch_once(struct bench *b, enum bench_alloc a,
				       unsigned int n, bool fifo)
{
	void **objs = b->objs;
	unsigned int i;
	void *p;

	for (i = 0; i < n; i++) {
		p = b_alloc(b, a, next_size(b));
		if (unlikely(!p))
			b->failed = true;
		else
			touch(p, i);
		objs[i] = p;
	}
	if (fifo) {
		for (i = 0; i < n; i++)
			b_free(b, a, objs[i]);
	} else {
		for (i = n; i-- > 0; )
			b_free(b, a, objs[i]);
	}
}

static __always_inline void bulk_once(struct bench *b, enum bench_alloc a,
				      unsigned int n)
{
	void **objs = b->objs;
	unsigned int i;
	int got;

	if (a == BA_MEMARENA_BULK)
		got = memarena_alloc_bulk(b->sizes[0], GFP_KERNEL, n, objs);
	else
		got = kmem_cache_alloc_bulk(b->cache, GFP_KERNEL, n, objs);
	if (got != n) {
		b->failed = true;
		return;
	}
	for (i = 0; i < n; i++)
		touch(objs[i], i);
	if (a == BA_MEMARENA_BULK)
		memarena_free_bulk(n, objs);
	else
		kmem_cache_free_bulk(b->cache, n, objs);
}

/* @count operations as batches of @n: alloc n, free n. */
static __always_inline u64 run_batch(struct bench *b, enum bench_alloc a,
				     unsigned int n, bool fifo,
				     unsigned int count)
{
	unsigned int per_block = max_t(unsigned int, 1, BENCH_BLOCK / n);
	unsigned int nbatch = max_t(unsigned int, 2, count / n);
	unsigned int done = 0, i, k;
	u64 total = 0, t0;

	while (done < nbatch && !b->failed) {
		k = min_t(unsigned int, per_block, nbatch - done);
		t0 = ktime_get_ns();
		for (i = 0; i < k; i++) {
			if (a == BA_CACHE_BULK || a == BA_MEMARENA_BULK)
				bulk_once(b, a, n);
			else
				batch_once(b, a, n, fifo);
		}
		total += ktime_get_ns() - t0;
		done += k;
		cond_resched();
	}
	return total;
}

/* Specialised per allocator, so that each loop has direct calls. */
static noinline u64 time_pair(struct bench *b, enum bench_alloc a,
			      unsigned int count)
{
	switch (a) {
	case BA_EMPTY:
		return run_pair(b, BA_EMPTY, count);
	case BA_NULL:
		return run_pair(b, BA_NULL, count);
	case BA_MEMARENA:
		return run_pair(b, BA_MEMARENA, count);
	case BA_KMALLOC:
		return run_pair(b, BA_KMALLOC, count);
	case BA_CACHE:
		return run_pair(b, BA_CACHE, count);
	default:
		return 0;
	}
}

static noinline u64 time_batch(struct bench *b, enum bench_alloc a,
			       unsigned int n, bool fifo, unsigned int count)
{
	switch (a) {
	case BA_EMPTY:
		return run_batch(b, BA_EMPTY, n, fifo, count);
	case BA_NULL:
		return run_batch(b, BA_NULL, n, fifo, count);
	case BA_MEMARENA:
		return run_batch(b, BA_MEMARENA, n, fifo, count);
	case BA_KMALLOC:
		return run_batch(b, BA_KMALLOC, n, fifo, count);
	case BA_CACHE:
		return run_batch(b, BA_CACHE, n, fifo, count);
	case BA_CACHE_BULK:
		return run_batch(b, BA_CACHE_BULK, n, fifo, count);
	case BA_MEMARENA_BULK:
		return run_batch(b, BA_MEMARENA_BULK, n, fifo, count);
	default:
		return 0;
	}
}

static u64 time_one(struct bench *b, enum bench_workload w,
		    enum bench_alloc a, unsigned int n, bool fifo,
		    unsigned int count)
{
	if (w == BW_PAIR)
		return time_pair(b, a, count);
	return time_batch(b, a, n, fifo, count);
}

/* Operations a measurement of @count really does (whole batches). */
static unsigned int real_ops(enum bench_workload w, unsigned int n,
			     unsigned int count)
{
	if (w == BW_PAIR)
		return count;
	return max_t(unsigned int, 2, count / n) * n;
}

/* Hundredths of a nanosecond, as "X.YY". */
static char *fmt_cns(char *buf, size_t len, u64 c)
{
	u32 rem;
	u64 q = div_u64_rem(c, 100, &rem);

	snprintf(buf, len, "%llu.%02u", q, rem);
	return buf;
}

static void measure(struct bench *b, enum bench_workload w,
		    enum bench_alloc a, unsigned int n, bool fifo,
		    unsigned int size)
{
	const char *order = w == BW_BATCH ? (fifo ? "fifo" : "lifo") : "-";
	unsigned int nops = real_ops(w, n, ops);
	u64 cns, cbase, net, best = U64_MAX, worst = 0, best_base = U64_MAX;
	unsigned int r;
	char sz[16], t[3][24];

	if (kthread_should_stop())
		return;
	b->failed = false;
	b->si = 0;
	/* Warm-up, untimed. */
	time_one(b, w, a, n, fifo, max_t(unsigned int, ops / 8, n));
	for (r = 0; r < repeat && !b->failed; r++) {
		b->si = 0;
		cbase = div_u64(time_one(b, w, BA_EMPTY, n, fifo, ops) * 100,
				nops);
		b->si = 0;
		cns = div_u64(time_one(b, w, a, n, fifo, ops) * 100, nops);
		net = cns > cbase ? cns - cbase : 0;
		best = min(best, net);
		worst = max(worst, net);
		best_base = min(best_base, cbase);
	}

	fmt_size(sz, sizeof(sz), size);
	if (b->failed)
		pr_info("result alloc=%s workload=%s order=%s n=%u size=%s cpu=%u ops=%u error=ENOMEM\n",
			alloc_names[a], workload_names[w], order, n, sz,
			raw_smp_processor_id(), nops);
	else
		pr_info("result alloc=%s workload=%s order=%s n=%u size=%s cpu=%u ops=%u repeat=%u ns_per_op=%s max_ns_per_op=%s base_ns_per_op=%s\n",
			alloc_names[a], workload_names[w], order, n, sz,
			raw_smp_processor_id(), nops, repeat,
			fmt_cns(t[0], sizeof(t[0]), best),
			fmt_cns(t[1], sizeof(t[1]), worst),
			fmt_cns(t[2], sizeof(t[2]), best_base));
	b->runs++;
}

/* The allocators that take part in workload @w at size @size. */
static bool alloc_applies(struct bench *b, enum bench_workload w,
			  enum bench_alloc a, unsigned int size)
{
	if (!test_bit(a, &b->alloc_mask))
		return false;
	if ((a == BA_CACHE || a == BA_CACHE_BULK || a == BA_MEMARENA_BULK) &&
	    size == BENCH_MIXED)
		return false;
	if ((a == BA_CACHE_BULK || a == BA_MEMARENA_BULK) && w != BW_BULK)
		return false;
	if ((w == BW_REMOTE || w == BW_LARSON || w == BW_PARALLEL ||
	     w == BW_CHURN) &&
	    a != BA_MEMARENA && a != BA_KMALLOC && a != BA_CACHE)
		return false;
	if ((w == BW_FOOTPRINT || w == BW_REPLAY) &&
	    a != BA_MEMARENA && a != BA_KMALLOC)
		return false;
	if (w == BW_STATLOAD && a != BA_MEMARENA)
		return false;
	return true;
}

/*
 * Cross-CPU workloads (remote, larson): two kthreads, each bound to its
 * CPU, and a single-producer/single-consumer ring from each to the other.
 */
struct bench_ring {
	void *slot[BENCH_RING];
	unsigned int head;		/* written by the producer only */
	unsigned int tail;		/* written by the consumer only */
};

struct xrun;

struct xthread {
	struct xrun *x;
	unsigned int id;
	struct completion done;
	unsigned long scratch[BENCH_NSCRATCH];	/* the empty loop's */
	unsigned int scratch_i;
	unsigned int si;		/* next index into sizes */
	u32 rnd;			/* xorshift32 state */
	bool failed;
	u64 t_start, t_end;
	void *slots[BENCH_SLOTS];	/* larson's live objects */
};

struct xrun {
	struct bench *b;
	enum bench_workload w;
	enum bench_alloc a;
	unsigned int count;		/* operations per kthread */
	unsigned int pct;		/* larson: % of frees sent remote */
	atomic_t ready;
	atomic_t finished;
	struct bench_ring ring[2];	/* ring[i]: from kthread i to 1 - i */
	struct xthread t[2];
};

static __always_inline bool ring_push(struct bench_ring *r, void *p)
{
	unsigned int head = r->head;

	/* Pairs with ring_pop()'s release: the slot has been read. */
	if (head - smp_load_acquire(&r->tail) >= BENCH_RING)
		return false;
	r->slot[head % BENCH_RING] = p;
	/* Pairs with ring_pop()'s acquire: the slot is written first. */
	smp_store_release(&r->head, head + 1);
	return true;
}

static __always_inline bool ring_pop(struct bench_ring *r, void **pp)
{
	unsigned int tail = r->tail;

	/* Pairs with ring_push()'s release: the slot is visible. */
	if (tail == smp_load_acquire(&r->head))
		return false;
	*pp = r->slot[tail % BENCH_RING];
	/* Pairs with ring_push()'s acquire: read before it is reused. */
	smp_store_release(&r->tail, tail + 1);
	return true;
}

static __always_inline u32 x_rand(struct xthread *t)
{
	u32 x = t->rnd;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	t->rnd = x;
	return x;
}

static __always_inline void *x_alloc(struct xthread *t, enum bench_alloc a)
{
	struct bench *b = t->x->b;
	unsigned int size = b->sizes[t->si++ % BENCH_NSIZES];
	void *p;

	if (a == BA_EMPTY)
		p = &t->scratch[t->scratch_i++ % BENCH_NSCRATCH];
	else
		p = b_alloc(b, a, size);
	if (unlikely(!p))
		t->failed = true;
	else
		touch(p, size);
	return p;
}

/* Frees what the other kthread sent; the number of objects freed. */
static __always_inline unsigned int x_drain(struct xthread *t,
					    enum bench_alloc a,
					    struct bench_ring *in)
{
	unsigned int n = 0;
	void *p;

	while (ring_pop(in, &p)) {
		b_free(t->x->b, a, p);
		n++;
	}
	return n;
}

static __always_inline void remote_run(struct xthread *t, enum bench_alloc a)
{
	struct xrun *x = t->x;
	struct bench_ring *r = &x->ring[0];
	unsigned int i, spins;
	void *p;

	if (t->id == 0) {
		for (i = 0; i < x->count; i++) {
			p = x_alloc(t, a);
			for (spins = 0; !ring_push(r, p); spins++) {
				cpu_relax();
				if (spins % 4096 == 4095)
					cond_resched();
			}
			if (i % BENCH_BLOCK == BENCH_BLOCK - 1)
				cond_resched();
		}
	} else {
		for (i = 0, spins = 0; i < x->count; spins++) {
			i += x_drain(t, a, r);
			cpu_relax();
			if (spins % 4096 == 4095)
				cond_resched();
		}
	}
}

static __always_inline void larson_run(struct xthread *t, enum bench_alloc a)
{
	struct xrun *x = t->x;
	struct bench_ring *out = &x->ring[t->id];
	struct bench_ring *in = &x->ring[1 - t->id];
	unsigned int i, j;
	void *p;

	for (i = 0; i < x->count; i++) {
		j = x_rand(t) % BENCH_SLOTS;
		p = t->slots[j];
		if (x->pct && x_rand(t) % 100 < x->pct) {
			while (!ring_push(out, p)) {
				x_drain(t, a, in);
				cpu_relax();
			}
		} else {
			b_free(x->b, a, p);
		}
		t->slots[j] = x_alloc(t, a);
		if (x->pct && i % 16 == 15)
			x_drain(t, a, in);
		if (i % BENCH_BLOCK == BENCH_BLOCK - 1)
			cond_resched();
	}
	/* Keep freeing what the other sends until it is done too. */
	atomic_inc_return(&x->finished);
	for (i = 0; atomic_read_acquire(&x->finished) < 2; i++) {
		x_drain(t, a, in);
		cpu_relax();
		if (i % 4096 == 4095)
			cond_resched();
	}
	x_drain(t, a, in);
}

/* Specialised per allocator, so that each loop has direct calls. */
static noinline void x_work(struct xthread *t)
{
	bool larson = t->x->w == BW_LARSON;

	switch (t->x->a) {
	case BA_EMPTY:
		if (larson)
			larson_run(t, BA_EMPTY);
		else
			remote_run(t, BA_EMPTY);
		break;
	case BA_MEMARENA:
		if (larson)
			larson_run(t, BA_MEMARENA);
		else
			remote_run(t, BA_MEMARENA);
		break;
	case BA_KMALLOC:
		if (larson)
			larson_run(t, BA_KMALLOC);
		else
			remote_run(t, BA_KMALLOC);
		break;
	case BA_CACHE:
		if (larson)
			larson_run(t, BA_CACHE);
		else
			remote_run(t, BA_CACHE);
		break;
	default:
		break;
	}
}

static int x_thread(void *data)
{
	struct xthread *t = data;
	struct xrun *x = t->x;
	unsigned int i;

	if (x->w == BW_LARSON) {
		for (i = 0; i < BENCH_SLOTS; i++)
			t->slots[i] = x_alloc(t, x->a);
	}
	bench_start_together(&x->ready, 2);
	t->t_start = ktime_get_ns();
	x_work(t);
	t->t_end = ktime_get_ns();
	if (x->w == BW_LARSON) {
		for (i = 0; i < BENCH_SLOTS; i++)
			b_free(x->b, x->a, t->slots[i]);
	}

	return bench_park(&t->done);
}

/*
 * One run of @count operations per kthread on @cpus; hundredths of a
 * nanosecond per operation, or U64_MAX if it could not run.
 */
static u64 x_time(struct xrun *x, enum bench_alloc a, unsigned int count,
		  const unsigned int *cpus)
{
	struct task_struct *task[2];
	unsigned int i;
	u64 t0, t1;

	memset(x->ring, 0, sizeof(x->ring));
	x->a = a;
	x->count = count;
	atomic_set(&x->ready, 0);
	atomic_set(&x->finished, 0);
	for (i = 0; i < 2; i++) {
		x->t[i].failed = false;
		init_completion(&x->t[i].done);
		task[i] = kthread_create_on_cpu(x_thread, &x->t[i], cpus[i],
						"memarena_bx/%u");
		if (IS_ERR(task[i])) {
			if (i)
				kthread_stop(task[0]);
			x->t[0].failed = true;
			return U64_MAX;
		}
	}
	for (i = 0; i < 2; i++)
		wake_up_process(task[i]);
	for (i = 0; i < 2; i++) {
		wait_for_completion(&x->t[i].done);
		kthread_stop(task[i]);
	}
	t0 = min(x->t[0].t_start, x->t[1].t_start);
	t1 = max(x->t[0].t_end, x->t[1].t_end);
	return div_u64((t1 - t0) * 100, count);
}

static void measure_x(struct bench *b, struct xrun *x, enum bench_workload w,
		      enum bench_alloc a, unsigned int pct, unsigned int size,
		      const unsigned int *cpus)
{
	u64 cns, best = U64_MAX, worst = 0, best_base = U64_MAX;
	unsigned int r, n = w == BW_LARSON ? BENCH_SLOTS : 1;
	unsigned int reps = BENCH_XREPEAT * repeat;
	char sz[16], order[8], t[3][24];
	bool failed;

	if (kthread_should_stop())
		return;
	x->w = w;
	x->pct = pct;
	x->t[0].si = 0;
	x->t[1].si = BENCH_NSIZES / 2;
	x->t[0].rnd = 2463534242U;
	x->t[1].rnd = 88675123U;
	/* Warm-up, untimed. */
	x_time(x, a, max_t(unsigned int, ops / 8, 1), cpus);
	failed = x->t[0].failed || x->t[1].failed;
	/*
	 * The two kthreads' interplay makes single runs, the empty loop's
	 * too, vary more than in the one-CPU workloads: the fastest empty
	 * run is subtracted from the fastest and the slowest runs.
	 */
	for (r = 0; r < reps && !failed; r++) {
		best_base = min(best_base, x_time(x, BA_EMPTY, ops, cpus));
		cns = x_time(x, a, ops, cpus);
		failed = x->t[0].failed || x->t[1].failed;
		best = min(best, cns);
		worst = max(worst, cns);
	}
	best = best > best_base ? best - best_base : 0;
	worst = worst > best_base ? worst - best_base : 0;

	fmt_size(sz, sizeof(sz), size);
	if (w == BW_LARSON)
		snprintf(order, sizeof(order), "r%u", pct);
	else
		strscpy(order, "-", sizeof(order));
	if (failed)
		pr_info("result alloc=%s workload=%s order=%s n=%u size=%s cpu=%u ops=%u error=ENOMEM\n",
			alloc_names[a], workload_names[w], order, n, sz,
			cpus[0], ops);
	else
		pr_info("result alloc=%s workload=%s order=%s n=%u size=%s cpu=%u ops=%u repeat=%u ns_per_op=%s max_ns_per_op=%s base_ns_per_op=%s\n",
			alloc_names[a], workload_names[w], order, n, sz,
			cpus[0], ops, reps,
			fmt_cns(t[0], sizeof(t[0]), best),
			fmt_cns(t[1], sizeof(t[1]), worst),
			fmt_cns(t[2], sizeof(t[2]), best_base));
	b->runs++;
}

/* remote and larson, at 64, 256 and mixed only. */
static void run_cross(struct bench *b, unsigned int size)
{
	unsigned long mask = BIT(BW_REMOTE) | BIT(BW_LARSON);
	unsigned int cpus[2], i;
	enum bench_alloc a;
	struct xrun *x;

	if (!(b->workload_mask & mask))
		return;
	if (size != 64 && size != 256 && size != BENCH_MIXED)
		return;
	cpus[0] = raw_smp_processor_id();
	cpus[1] = cpumask_any_but(cpu_online_mask, cpus[0]);
	if (num_online_cpus() < 2 || cpus[1] >= nr_cpu_ids) {
		pr_info("skip workloads=remote,larson reason=fewer than 2 online CPUs (%u)\n",
			num_online_cpus());
		return;
	}
	x = vzalloc(sizeof(*x));
	if (!x) {
		b->ret = -ENOMEM;
		return;
	}
	x->b = b;
	for (i = 0; i < 2; i++) {
		x->t[i].x = x;
		x->t[i].id = i;
	}
	if (test_bit(BW_REMOTE, &b->workload_mask)) {
		for (a = BA_NULL; a < BA_NR; a++) {
			if (alloc_applies(b, BW_REMOTE, a, size))
				measure_x(b, x, BW_REMOTE, a, 0, size, cpus);
		}
	}
	if (test_bit(BW_LARSON, &b->workload_mask)) {
		for (i = 0; i < ARRAY_SIZE(larson_pcts); i++) {
			for (a = BA_NULL; a < BA_NR; a++) {
				if (alloc_applies(b, BW_LARSON, a, size))
					measure_x(b, x, BW_LARSON, a,
						  larson_pcts[i], size, cpus);
			}
		}
	}
	vfree(x);
}

/*
 * Per-CPU workloads (parallel, churn): one kthread per online CPU, bound
 * to it, each with its own copy of the bench state (object slots, size
 * index, scratch), started together.
 */
#define BENCH_PAR_N	64		/* parallel, churn: batch size */

struct pthread_ctx {
	struct bench b;			/* private copy; objs its own */
	struct prun *pr;
	unsigned int cpu;
	u64 ns;				/* timed blocks */
	u64 ops;
	struct completion done;
};

struct prun {
	enum bench_alloc a;
	unsigned int count;		/* parallel: operations per kthread */
	u64 deadline;			/* churn: ktime_get_ns() to stop at */
	atomic_t ready;
	unsigned int nthreads;
	struct pthread_ctx *t;		/* nr_cpu_ids entries */
};

static int p_thread(void *data)
{
	struct pthread_ctx *c = data;
	struct prun *pr = c->pr;

	bench_start_together(&pr->ready, pr->nthreads);
	if (pr->deadline) {
		/* churn: whole blocks until the deadline. */
		while (ktime_get_ns() < pr->deadline && !c->b.failed) {
			c->ns += time_batch(&c->b, pr->a, BENCH_PAR_N, false,
					    BENCH_BLOCK);
			c->ops += BENCH_BLOCK;
		}
	} else {
		c->ns = time_batch(&c->b, pr->a, BENCH_PAR_N, false, pr->count);
		c->ops = real_ops(BW_BATCH, BENCH_PAR_N, pr->count);
	}
	return bench_park(&c->done);
}

/*
 * Run @pr on every CPU of @cpus at once; false if a kthread could not be
 * started or an allocation failed.  Each kthread's ns and ops are left in
 * pr->t[cpu].
 */
static bool p_run(struct bench *b, struct prun *pr, const struct cpumask *cpus)
{
	struct task_struct **task;
	unsigned int c, started = 0;
	bool ok = true;

	task = kcalloc(nr_cpu_ids, sizeof(*task), GFP_KERNEL);
	if (!task)
		return false;
	atomic_set(&pr->ready, 0);
	pr->nthreads = cpumask_weight(cpus);
	for_each_cpu(c, cpus) {
		struct pthread_ctx *ctx = &pr->t[c];

		ctx->b.failed = false;
		ctx->b.si = c * (BENCH_NSIZES / 8);
		ctx->b.cache = b->cache;
		ctx->ns = 0;
		ctx->ops = 0;
		ctx->pr = pr;
		ctx->cpu = c;
		init_completion(&ctx->done);
		task[c] = kthread_create_on_cpu(p_thread, ctx, c,
						"memarena_bp/%u");
		if (IS_ERR(task[c])) {
			task[c] = NULL;
			ok = false;
			break;
		}
		started++;
	}
	if (!ok) {
		/* Never woken: stopping them runs nothing of p_thread(). */
		for_each_cpu(c, cpus)
			if (task[c])
				kthread_stop(task[c]);
		kfree(task);
		return false;
	}
	for_each_cpu(c, cpus)
		wake_up_process(task[c]);
	for_each_cpu(c, cpus) {
		wait_for_completion(&pr->t[c].done);
		kthread_stop(task[c]);
		ok &= !pr->t[c].b.failed;
	}
	kfree(task);
	return ok;
}

/* The slowest kthread's hundredths of ns per operation. */
static u64 p_cns(struct prun *pr, const struct cpumask *cpus)
{
	u64 worst = 0;
	unsigned int c;

	for_each_cpu(c, cpus)
		worst = max(worst, div_u64(pr->t[c].ns * 100, pr->t[c].ops ?: 1));
	return worst;
}

static void p_free(struct prun *pr)
{
	unsigned int c;

	for (c = 0; c < nr_cpu_ids; c++)
		vfree(pr->t[c].b.objs);
	vfree(pr->t);
	kfree(pr);
}

/* Slots for every possible CPU: one that comes online later has its own. */
static struct prun *p_alloc(struct bench *b)
{
	struct prun *pr;
	unsigned int c;

	pr = kzalloc(sizeof(*pr), GFP_KERNEL);
	if (!pr)
		return NULL;
	pr->t = vzalloc(array_size(nr_cpu_ids, sizeof(*pr->t)));
	if (!pr->t) {
		kfree(pr);
		return NULL;
	}
	for_each_possible_cpu(c) {
		pr->t[c].b.sizes = b->sizes;
		pr->t[c].b.objs = vmalloc(array_size(BENCH_PAR_N,
						     sizeof(void *)));
		if (!pr->t[c].b.objs) {
			p_free(pr);
			return NULL;
		}
	}
	return pr;
}

/*
 * parallel: fastest of repeat= runs alone (on cpu=) and on every online
 * CPU; scaling = alone / all, in thousandths.
 */
static void measure_parallel(struct bench *b, struct prun *pr,
			     enum bench_alloc a, unsigned int size)
{
	u64 one = U64_MAX, all = U64_MAX;
	cpumask_var_t self;
	unsigned int r;
	char sz[16], t[2][24];
	bool ok = true;

	if (kthread_should_stop())
		return;
	if (!zalloc_cpumask_var(&self, GFP_KERNEL)) {
		b->ret = -ENOMEM;
		return;
	}
	cpumask_set_cpu(cpu, self);
	pr->a = a;
	pr->count = ops;
	pr->deadline = 0;
	/* Warm-up on every CPU, untimed. */
	ok = p_run(b, pr, cpu_online_mask);
	for (r = 0; r < repeat && ok; r++) {
		ok = p_run(b, pr, self);
		one = min(one, p_cns(pr, self));
		ok = ok && p_run(b, pr, cpu_online_mask);
		all = min(all, p_cns(pr, cpu_online_mask));
	}
	free_cpumask_var(self);

	fmt_size(sz, sizeof(sz), size);
	if (!ok)
		pr_info("result alloc=%s workload=parallel order=lifo n=%u size=%s cpu=all ops=%u error=ENOMEM\n",
			alloc_names[a], BENCH_PAR_N, sz, ops);
	else
		pr_info("result alloc=%s workload=parallel order=lifo n=%u size=%s cpu=all ops=%u repeat=%u threads=%u ns_per_op=%s alone_ns_per_op=%s scaling_milli=%llu\n",
			alloc_names[a], BENCH_PAR_N, sz, ops, repeat,
			num_online_cpus(), fmt_cns(t[0], sizeof(t[0]), all),
			fmt_cns(t[1], sizeof(t[1]), one),
			div64_u64(one * 1000, all ?: 1));
	b->runs++;
}

/* churn: every online CPU for churn_ms; operations per second. */
static void measure_churn(struct bench *b, struct prun *pr,
			  enum bench_alloc a, unsigned int size)
{
	u64 t0, elapsed, total = 0;
	char sz[16];
	unsigned int c;
	bool ok;

	if (kthread_should_stop())
		return;
	pr->a = a;
	t0 = ktime_get_ns();
	pr->deadline = t0 + (u64)churn_ms * NSEC_PER_MSEC;
	ok = p_run(b, pr, cpu_online_mask);
	elapsed = ktime_get_ns() - t0;
	pr->deadline = 0;
	for_each_online_cpu(c)
		total += pr->t[c].ops;
	fmt_size(sz, sizeof(sz), size);
	if (!ok)
		pr_info("result alloc=%s workload=churn order=lifo n=%u size=%s cpu=all error=ENOMEM\n",
			alloc_names[a], BENCH_PAR_N, sz);
	else
		pr_info("result alloc=%s workload=churn order=lifo n=%u size=%s cpu=all threads=%u ops=%llu elapsed_ms=%llu ops_per_sec=%llu\n",
			alloc_names[a], BENCH_PAR_N, sz, num_online_cpus(),
			total, div_u64(elapsed, NSEC_PER_MSEC),
			mul_u64_u64_div_u64(total, NSEC_PER_SEC, elapsed ?: 1));
	b->runs++;
}

/*
 * statload: what a statistics reader costs the allocators beyond its own
 * CPU time, deterministic in bench/run's icount-smp2 modes.  memarena's
 * churn as above on every online CPU but the last, for statload_ms,
 * while a kthread on the last CPU, BENCH_STATREAD_HZ times a second,
 *   file: reads statload_file (/proc/memstats; /proc/meminfo for a
 *	comparison) whole (kernel_read() from offset 0 until EOF, as
 *	statread's pread());
 *   spin: runs as many instructions as a read alone, in a loop that
 *	touches nothing of memarena (the control; run_statload() calibrates
 *	its count);
 *   none: sleeps;
 * in the order none, file, spin, none, file, spin, none.  With -icount
 * and round-robin vCPUs a busy reader CPU slows the other vCPUs' clock
 * whatever it runs, so the control takes that out: what the churn loses
 * with the file reader beyond what it loses with the spinner is
 * interference (locks, IPIs, work the reader makes the allocators do),
 * not cache-line traffic, which TCG does not model.  The reads' latency
 * counts the other vCPU's turns too, and a read that ends past its next
 * tick delays that one (no catching up), so under churn fewer than
 * BENCH_STATREAD_HZ reads a second are made: the spinner's count is
 * reported as well.  The churn counts whole blocks of BENCH_BLOCK
 * operations.  Only /proc/memstats: /proc/slabinfo has no read_iter
 * (6.1, 6.12), so kernel_read() cannot read it.
 */
enum statreader_kind { SR_NONE, SR_FILE, SR_SPIN };

static const char * const statreader_names[] = {
	[SR_NONE] = "none", [SR_SPIN] = "spin",	/* SR_FILE: the file's name */
};

struct statreader {
	enum statreader_kind kind;
	u64 deadline;
	u64 spin_loops;			/* SR_SPIN: per tick */
	u64 quiet_ns;			/* mean read, no churn */
	char *buf;
	u64 *lat;			/* ns per read */
	unsigned int nlat, maxlat;
	u64 bytes;			/* of the last read */
	int err;
	struct completion done;
};

/*
 * One whole read of @f from offset 0: its bytes, or -errno; -EFBIG for
 * a file that does not end within BENCH_STATREAD_MAX bytes.
 */
static ssize_t statread_once(struct file *f, char *buf)
{
	ssize_t n, total = 0;
	loff_t pos = 0;

	do {
		if (total > BENCH_STATREAD_MAX)
			return -EFBIG;
		n = kernel_read(f, buf, BENCH_STATREAD_BUF, &pos);
		if (n < 0)
			return n;
		total += n;
	} while (n > 0);
	return total;
}

/*
 * The control's work: a loop count, not a time (with round-robin vCPUs
 * the clock also runs while the churn's vCPU has its turn), timed by
 * run_statload() through this same function.  No cpu_relax(): TCG ends a
 * vCPU's turn at PAUSE.
 */
static noinline void statload_spin(u64 loops)
{
	u64 i;

	for (i = 0; i < loops; i++)
		barrier();
}

static int statreader_thread(void *data)
{
	struct statreader *r = data;
	u64 next = ktime_get_ns(), t0;
	struct file *f = NULL;
	ktime_t wake;
	ssize_t n;

	if (r->kind == SR_FILE) {
		f = filp_open(statload_file, O_RDONLY | O_NONBLOCK, 0);
		if (IS_ERR(f)) {
			r->err = PTR_ERR(f);
			goto out;
		}
	}
	while (!kthread_should_stop()) {
		if (r->kind == SR_NONE)	/* one sleep to the deadline */
			next = r->deadline;
		wake = ns_to_ktime(next);
		set_current_state(TASK_IDLE);
		schedule_hrtimeout(&wake, HRTIMER_MODE_ABS);
		t0 = ktime_get_ns();
		if (r->kind == SR_NONE || t0 >= r->deadline)
			break;
		if (f) {
			n = statread_once(f, r->buf);
			if (n < 0) {
				r->err = n;
				break;
			}
			r->bytes = n;
		} else {
			statload_spin(r->spin_loops);
		}
		if (r->nlat < r->maxlat)
			r->lat[r->nlat++] = ktime_get_ns() - t0;
		next += NSEC_PER_SEC / BENCH_STATREAD_HZ;
		next = max(next, ktime_get_ns());	/* no catching up */
	}
	if (f)
		filp_close(f, NULL);
out:
	return bench_park(&r->done);
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* One run; 0, or -errno after its error line. */
static int measure_statload(struct bench *b, struct prun *pr,
			    struct statreader *r, enum statreader_kind kind,
			    const struct cpumask *churn, unsigned int rcpu)
{
	const char *name = kind == SR_FILE ? kbasename(statload_file) :
			   statreader_names[kind];
	u64 t0, elapsed, total = 0, sum = 0;
	struct task_struct *t;
	unsigned int c, i;
	bool ok;

	if (kthread_should_stop())
		return -EINTR;
	pr->a = BA_MEMARENA;
	r->kind = kind;
	r->nlat = 0;
	r->bytes = 0;
	r->err = 0;
	init_completion(&r->done);
	t0 = ktime_get_ns();
	pr->deadline = t0 + (u64)statload_ms * NSEC_PER_MSEC;
	r->deadline = pr->deadline;
	t = kthread_create_on_cpu(statreader_thread, r, rcpu,
				  "memarena_br/%u");
	if (IS_ERR(t)) {
		pr_info("result alloc=memarena workload=statload order=lifo n=%u size=mixed cpu=all reader=%s error=ESRCH\n",
			BENCH_PAR_N, name);
		return PTR_ERR(t);
	}
	wake_up_process(t);
	ok = !churn || p_run(b, pr, churn);
	wait_for_completion(&r->done);
	elapsed = ktime_get_ns() - t0;
	kthread_stop(t);
	pr->deadline = 0;
	if (churn)
		for_each_cpu(c, churn)
			total += pr->t[c].ops;
	if (!ok || r->err) {
		pr_info("result alloc=memarena workload=statload order=lifo n=%u size=mixed cpu=all reader=%s error=%s\n",
			BENCH_PAR_N, name, !ok ? "ENOMEM" : "EREAD");
		if (r->err)
			pr_err("statload: reading %s: %d\n", statload_file,
			       r->err);
		return !ok ? -ENOMEM : r->err;
	}
	for (i = 0; i < r->nlat; i++)
		sum += r->lat[i];
	if (!churn)
		r->quiet_ns = r->nlat ? div_u64(sum, r->nlat) : 0;
	sort(r->lat, r->nlat, sizeof(*r->lat), cmp_u64, NULL);
	pr_info("result alloc=memarena workload=statload order=lifo n=%u size=mixed cpu=all threads=%u reader=%s reader_cpu=%u ops=%llu elapsed_ms=%llu ops_per_sec=%llu reads=%u read_bytes=%llu read_mean_ns=%llu read_p50_ns=%llu read_p99_ns=%llu read_max_ns=%llu\n",
		BENCH_PAR_N, churn ? cpumask_weight(churn) : 0, name,
		rcpu, total, div_u64(elapsed, NSEC_PER_MSEC),
		mul_u64_u64_div_u64(total, NSEC_PER_SEC, elapsed ?: 1), r->nlat,
		r->bytes, r->nlat ? div_u64(sum, r->nlat) : 0,
		r->nlat ? r->lat[r->nlat / 2] : 0,
		r->nlat ? r->lat[(r->nlat * 99) / 100] : 0,
		r->nlat ? r->lat[r->nlat - 1] : 0);
	b->runs++;
	return 0;
}

static void run_statload(struct bench *b, struct prun *pr)
{
	static const enum statreader_kind order[] = {
		SR_NONE, SR_FILE, SR_SPIN, SR_NONE, SR_FILE, SR_SPIN, SR_NONE,
	};
	unsigned int i, rcpu = cpumask_last(cpu_online_mask);
	struct statreader r = {};
	cpumask_var_t churn;
	int ret = 0;
	u64 t0, t1;
	bool ok;

	if (!alloc_applies(b, BW_STATLOAD, BA_MEMARENA, BENCH_MIXED))
		return;
	if (num_online_cpus() < 2) {
		pr_info("skip workloads=statload reason=fewer than 2 online CPUs (%u)\n",
			num_online_cpus());
		return;
	}
	if (!zalloc_cpumask_var(&churn, GFP_KERNEL)) {
		b->ret = -ENOMEM;
		return;
	}
	cpumask_copy(churn, cpu_online_mask);
	cpumask_clear_cpu(rcpu, churn);
	r.maxlat = statload_ms * BENCH_STATREAD_HZ / MSEC_PER_SEC + 1;
	r.lat = kvmalloc_array(r.maxlat, sizeof(*r.lat), GFP_KERNEL);
	r.buf = kvmalloc(BENCH_STATREAD_BUF, GFP_KERNEL);
	if (!r.lat || !r.buf) {
		b->ret = -ENOMEM;
		goto out_free;
	}
	/* Warm-up, not reported: the first run grows the heap. */
	pr->a = BA_MEMARENA;
	pr->deadline = ktime_get_ns() + (u64)statload_ms * NSEC_PER_MSEC;
	ok = p_run(b, pr, churn);
	pr->deadline = 0;
	if (!ok) {
		pr_info("result alloc=memarena workload=statload order=lifo n=%u size=mixed cpu=all reader=warm-up error=ENOMEM\n",
			BENCH_PAR_N);
		b->ret = -ENOMEM;
		goto out_free;
	}
	/*
	 * The reads alone (threads=0), the other CPUs idle: the clock then
	 * counts the reader's instructions only.  The spinner's loop is
	 * timed the same way, here, and spins as many instructions.
	 */
	ret = measure_statload(b, pr, &r, SR_FILE, NULL, rcpu);
	if (!ret) {
		t0 = ktime_get_ns();
		statload_spin(BENCH_SPIN_CALIB);
		t1 = ktime_get_ns();
		r.spin_loops = t1 > t0 ?
			div64_u64(r.quiet_ns * BENCH_SPIN_CALIB, t1 - t0) : 0;
		pr_info("statload spin_loops=%llu calib_loops=%lu calib_ns=%llu quiet_read_ns=%llu\n",
			r.spin_loops, BENCH_SPIN_CALIB, t1 - t0, r.quiet_ns);
	}
	for (i = 0; i < ARRAY_SIZE(order) && !ret; i++)
		ret = measure_statload(b, pr, &r, order[i], churn, rcpu);
	if (ret && ret != -EINTR)
		b->ret = ret;
out_free:
	kvfree(r.buf);
	kvfree(r.lat);
	free_cpumask_var(churn);
}

/* parallel and churn, at 64, 256 and mixed only; statload at mixed. */
static void run_percpu(struct bench *b, unsigned int size)
{
	enum bench_alloc a;
	struct prun *pr;

	if (!(b->workload_mask & (BIT(BW_PARALLEL) | BIT(BW_CHURN) |
				  BIT(BW_STATLOAD))))
		return;
	if (size != 64 && size != 256 && size != BENCH_MIXED)
		return;
	pr = p_alloc(b);
	if (!pr) {
		b->ret = -ENOMEM;
		return;
	}
	if (test_bit(BW_PARALLEL, &b->workload_mask) && num_online_cpus() < 2) {
		pr_info("skip workloads=parallel reason=fewer than 2 online CPUs (%u)\n",
			num_online_cpus());
	} else if (test_bit(BW_PARALLEL, &b->workload_mask)) {
		measure_parallel(b, pr, BA_EMPTY, size);
		for (a = BA_NULL; a < BA_NR; a++)
			if (alloc_applies(b, BW_PARALLEL, a, size))
				measure_parallel(b, pr, a, size);
	}
	if (test_bit(BW_CHURN, &b->workload_mask)) {
		for (a = BA_NULL; a < BA_NR; a++)
			if (alloc_applies(b, BW_CHURN, a, size))
				measure_churn(b, pr, a, size);
	}
	if (test_bit(BW_STATLOAD, &b->workload_mask) && size == BENCH_MIXED)
		run_statload(b, pr);
	p_free(pr);
}

/*
 * footprint: bytes held, from the allocator's own view.  memarena:
 * Sys - HeapReleased; kmalloc: the kernel's unreclaimable slab bytes
 * (all caches: the VM is otherwise idle).
 */
static u64 fp_held(enum bench_alloc a, struct memarena_memstats *ms)
{
	if (a == BA_MEMARENA) {
		memarena_read_memstats(ms);
		return ms->sys - ms->heap_released;
	}
	return global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B) << PAGE_SHIFT;
}

static void measure_footprint(struct bench *b, enum bench_alloc a)
{
	u64 live_goal = (u64)footprint_kb << 10, live = 0, base, peak, after;
	unsigned int n = 0, max = 0, i, j;
	struct memarena_memstats *ms;
	u32 x = 2463534242U;
	size_t *sizes = NULL;
	void **objs = NULL;
	bool ok = false;

	if (kthread_should_stop())
		return;
	ms = kmalloc(sizeof(*ms), GFP_KERNEL);
	/* Enough slots for the smallest sizes. */
	max = div_u64(live_goal, BENCH_MIXED_MIN) / 4 + 1024;
	objs = vmalloc(array_size(max, sizeof(*objs)));
	sizes = vmalloc(array_size(max, sizeof(*sizes)));
	if (!ms || !objs || !sizes)
		goto out;
	/*
	 * As the replay: idle memory left by the workloads before is given
	 * back first, or its reuse would hide what this one needs.
	 */
	if (a == BA_MEMARENA)
		memarena_drain();
	msleep(2000);
	base = fp_held(a, ms);
	peak = base;
	/* Fill with the mixed distribution. */
	while (live < live_goal && n < max) {
		sizes[n] = b->sizes[n % BENCH_NSIZES];
		objs[n] = b_alloc(b, a, sizes[n]);
		if (!objs[n])
			goto out_free_objs;
		touch(objs[n], n);
		live += sizes[n++];
	}
	peak = max(peak, fp_held(a, ms));
	/* Free a random half (xorshift32, fixed seed). */
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		if (x & 1) {
			b_free(b, a, objs[i]);
			live -= sizes[i];
			objs[i] = NULL;
		}
	}
	/* Refill the holes with other sizes, 1025..4096 bytes. */
	for (i = 0; i < n && live < live_goal; i++) {
		if (objs[i])
			continue;
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		sizes[i] = 1025 + x % 3072;
		objs[i] = b_alloc(b, a, sizes[i]);
		if (!objs[i])
			goto out_free_objs;
		touch(objs[i], i);
		live += sizes[i];
	}
	peak = max(peak, fp_held(a, ms));
	ok = true;
out_free_objs:
	for (j = 0; j < n; j++)
		b_free(b, a, objs[j]);
	if (a == BA_MEMARENA)
		memarena_drain();
	/* The scavenger's period is 1 s: give it two. */
	msleep(2000);
	after = fp_held(a, ms);
	if (!ok)
		pr_info("result alloc=%s workload=footprint order=- n=%u size=mixed cpu=%u error=ENOMEM\n",
			alloc_names[a], n, cpu);
	else
		pr_info("result alloc=%s workload=footprint order=- n=%u size=mixed cpu=%u live_bytes=%llu base_bytes=%llu peak_bytes=%llu after_bytes=%llu overhead_milli=%llu returned_milli=%llu\n",
			alloc_names[a], n, cpu, live_goal, base, peak, after,
			div64_u64((peak - base) * 1000, live_goal),
			peak > base && after < peak ?
			div64_u64((peak - min(max(after, base), peak)) * 1000,
				  peak - base) : 0);
	b->runs++;
out:
	vfree(sizes);
	vfree(objs);
	kfree(ms);
}

/*
 * replay: a recorded sequence of the kernel's own slab traffic
 * (bench/trace-record, bench/trace-convert; read by bench_init() from
 * replay_trace=): 16 bytes of header ("MATRACE1", le32 records, le32
 * allocations) and two le32 words per record.  Word 0: REPLAY_FREE, the
 * CPU (REPLAY_CPU) and the requested size (REPLAY_SIZE, of the freed
 * object for a free); word 1 of a free: how many allocations back the
 * freed one is.  Allocations are numbered from 0 in trace order.
 */
#define REPLAY_MAGIC	"MATRACE1"
#define REPLAY_HDR	16
#define REPLAY_FREE	BIT(31)
#define REPLAY_CPU	GENMASK(30, 24)
#define REPLAY_SIZE	GENMASK(23, 0)
#define REPLAY_MAX_BYTES	(256U << 20)	/* largest trace file */
#define REPLAY_SAMPLE	65536		/* records between footprint samples */
#define BENCH_REPLAY_THREADS	8	/* percpu replay: kthreads at most */

struct replay {
	void *file;			/* as read, vmalloc()ed */
	const __le32 *rec;		/* 2 words per record */
	u32 nrec;
	u32 nalloc;
	u32 ncpus;			/* highest CPU in the trace + 1 */
	u32 peak_rec;			/* where live requested bytes peak */
	u64 peak_live;			/* live requested bytes there */
	u64 total_bytes;		/* requested over all allocations */
	u32 left;			/* allocations never freed */
	u32 cross;			/* frees on another CPU than the alloc */
	void **obj;			/* nalloc slots, one per allocation */
};

static struct replay *bench_replay;

static __always_inline u32 r_w0(const struct replay *rp, u32 i)
{
	return le32_to_cpu(rp->rec[2 * i]);
}

static __always_inline u32 r_w1(const struct replay *rp, u32 i)
{
	return le32_to_cpu(rp->rec[2 * i + 1]);
}

static void replay_put(struct replay *rp)
{
	if (!rp)
		return;
	vfree(rp->obj);
	vfree(rp->file);
	kfree(rp);
}

/*
 * Read and check the trace: every free frees an earlier allocation that
 * no other free frees, every size is 1..MEMARENA_MAX_SIZE.  Also finds
 * the peak of live requested bytes.  Runs in bench_init(), in the
 * insmod process, so that @path resolves as the caller sees it.
 */
static int replay_load(const char *path, struct replay **out)
{
	unsigned long *freed = NULL;
	u8 *cpu_of = NULL;
	struct replay *rp;
	size_t fsize = 0;
	u64 live = 0;
	u32 i, id = 0, w0, size, back, a, c;
	ssize_t got;
	int ret;

	rp = kzalloc(sizeof(*rp), GFP_KERNEL);
	if (!rp)
		return -ENOMEM;
	got = kernel_read_file_from_path(path, 0, &rp->file, REPLAY_MAX_BYTES,
					 &fsize, READING_UNKNOWN);
	if (got < 0) {
		pr_err("replay: cannot read %s: %zd\n", path, got);
		ret = got;
		goto err;
	}
	ret = -EINVAL;
	if (got < REPLAY_HDR || memcmp(rp->file, REPLAY_MAGIC, 8)) {
		pr_err("replay: %s is not a replay trace\n", path);
		goto err;
	}
	/* vmalloc()ed: the header's words are aligned. */
	rp->nrec = le32_to_cpu(((__le32 *)rp->file)[2]);
	rp->nalloc = le32_to_cpu(((__le32 *)rp->file)[3]);
	rp->rec = rp->file + REPLAY_HDR;
	if ((got - REPLAY_HDR) / 8 != rp->nrec || !rp->nalloc ||
	    rp->nalloc > rp->nrec) {
		pr_err("replay: %s: %u records in %zd bytes\n", path, rp->nrec,
		       got);
		goto err;
	}
	ret = -ENOMEM;
	rp->obj = vzalloc(array_size(rp->nalloc, sizeof(*rp->obj)));
	freed = vzalloc(BITS_TO_LONGS(rp->nalloc) * sizeof(long));
	/* The CPU of each allocation, to count cross-CPU frees. */
	cpu_of = vzalloc(array_size(rp->nalloc, sizeof(u8)));
	if (!rp->obj || !freed || !cpu_of)
		goto err;
	ret = -EINVAL;
	for (i = 0; i < rp->nrec; i++) {
		w0 = r_w0(rp, i);
		size = w0 & REPLAY_SIZE;
		c = FIELD_GET(REPLAY_CPU, w0);
		rp->ncpus = max(rp->ncpus, c + 1);
		if (!size || size > MEMARENA_MAX_SIZE)
			break;
		if (!(w0 & REPLAY_FREE)) {
			if (id == rp->nalloc)
				break;
			cpu_of[id++] = c;
			live += size;
			rp->total_bytes += size;
			if (live > rp->peak_live) {
				rp->peak_live = live;
				rp->peak_rec = i;
			}
			continue;
		}
		back = r_w1(rp, i);
		if (!back || back > id)
			break;
		a = id - back;
		if (__test_and_set_bit(a, freed))
			break;
		if (cpu_of[a] != c)
			rp->cross++;
		live -= size;
	}
	if (i != rp->nrec || id != rp->nalloc) {
		pr_err("replay: %s: bad record %u\n", path, i);
		goto err;
	}
	rp->left = rp->nalloc - bitmap_weight(freed, rp->nalloc);
	vfree(cpu_of);
	vfree(freed);
	pr_info("replay trace=%s records=%u allocs=%u cpus=%u bytes=%llu peak_live_bytes=%llu peak_record=%u left_live=%u cross_cpu_frees=%u\n",
		path, rp->nrec, rp->nalloc, rp->ncpus, rp->total_bytes,
		rp->peak_live, rp->peak_rec, rp->left, rp->cross);
	*out = rp;
	return 0;
err:
	vfree(cpu_of);
	vfree(freed);
	replay_put(rp);
	return ret;
}

/* Frees whatever the trace left live; the objects freed. */
static u32 replay_free_left(struct bench *b, struct replay *rp,
			    enum bench_alloc a)
{
	u32 i, n = 0;

	for (i = 0; i < rp->nalloc; i++) {
		if (rp->obj[i]) {
			b_free(b, a, rp->obj[i]);
			rp->obj[i] = NULL;
			n++;
		}
		if (i % BENCH_BLOCK == 0)
			cond_resched();
	}
	return n;
}

struct replay_fp {
	struct memarena_memstats *ms;
	u64 at_peak;			/* held at the peak of live bytes */
	u64 max;			/* the most held at any sample */
	/* memarena's at the peak: HeapAlloc, HeapInuse, HeapIdle - HeapReleased */
	u64 heap_alloc, heap_inuse, heap_unreleased;
};

/*
 * One replay of the whole trace on this CPU, in trace order; returns the
 * nanoseconds of its timed blocks.  With @fp, samples the bytes held at
 * the peak of live requested bytes and every REPLAY_SAMPLE records,
 * outside the timed blocks.
 */
static __always_inline u64 replay_serial(struct bench *b, struct replay *rp,
					 enum bench_alloc a,
					 struct replay_fp *fp)
{
	u32 i, id = 0, w0, k, end;
	u64 total = 0, t0, held;
	void **slot, *p;

	for (i = 0; i < rp->nrec && !b->failed; ) {
		end = min(rp->nrec, i + BENCH_BLOCK);
		t0 = ktime_get_ns();
		for (k = i; k < end; k++) {
			w0 = r_w0(rp, k);
			if (w0 & REPLAY_FREE) {
				slot = &rp->obj[id - r_w1(rp, k)];
				b_free(b, a, *slot);
				*slot = NULL;
			} else {
				p = b_alloc(b, a, w0 & REPLAY_SIZE);
				if (unlikely(!p)) {
					b->failed = true;
					break;
				}
				touch_sized(p, w0 & REPLAY_SIZE, k);
				rp->obj[id++] = p;
			}
			if (fp && (k == rp->peak_rec ||
				   k % REPLAY_SAMPLE == 0)) {
				total += ktime_get_ns() - t0;
				held = fp_held(a, fp->ms);
				if (k == rp->peak_rec) {
					fp->at_peak = held;
					fp->heap_alloc = fp->ms->heap_alloc;
					fp->heap_inuse = fp->ms->heap_inuse;
					fp->heap_unreleased = fp->ms->heap_idle -
						fp->ms->heap_released;
				}
				fp->max = max(fp->max, held);
				t0 = ktime_get_ns();
			}
		}
		total += ktime_get_ns() - t0;
		i = end;
		cond_resched();
	}
	return total;
}

static noinline u64 time_replay(struct bench *b, struct replay *rp,
				enum bench_alloc a, struct replay_fp *fp)
{
	switch (a) {
	case BA_EMPTY:
		return replay_serial(b, rp, BA_EMPTY, NULL);
	case BA_MEMARENA:
		return replay_serial(b, rp, BA_MEMARENA, fp);
	case BA_KMALLOC:
		return replay_serial(b, rp, BA_KMALLOC, fp);
	default:
		return 0;
	}
}

/*
 * replay, serial: the whole trace on cpu=, in trace order, whatever CPU
 * ran each event.  Timed as the other workloads (blocks, the empty
 * replay's time subtracted, fastest of repeat=); the footprint is the
 * first run's: bytes held at the peak of live requested bytes above
 * those held before (after memarena_drain() and 2 s for the scavenger),
 * over the live bytes there.
 */
static void measure_replay(struct bench *b, struct replay *rp,
			   enum bench_alloc a)
{
	u64 cns, cbase, net, best = U64_MAX, worst = 0, best_base = U64_MAX;
	struct replay_fp fp = {};
	u64 base = 0;
	u32 left = 0;
	unsigned int r;
	char t[3][24];

	if (kthread_should_stop())
		return;
	fp.ms = kmalloc(sizeof(*fp.ms), GFP_KERNEL);
	if (!fp.ms) {
		b->ret = -ENOMEM;
		return;
	}
	b->failed = false;
	for (r = 0; r < repeat && !b->failed; r++) {
		cbase = div_u64(time_replay(b, rp, BA_EMPTY, NULL) * 100,
				rp->nrec);
		replay_free_left(b, rp, BA_EMPTY);
		if (r == 0) {
			if (a == BA_MEMARENA)
				memarena_drain();
			msleep(2000);
			base = fp_held(a, fp.ms);
		}
		cns = div_u64(time_replay(b, rp, a, r ? NULL : &fp) * 100,
			      rp->nrec);
		left = replay_free_left(b, rp, a);
		net = cns > cbase ? cns - cbase : 0;
		best = min(best, net);
		worst = max(worst, net);
		best_base = min(best_base, cbase);
	}
	if (!b->failed && a == BA_MEMARENA)
		pr_info("replay_heap alloc=%s heap_alloc=%llu heap_inuse=%llu heap_unreleased=%llu\n",
			alloc_names[a], fp.heap_alloc, fp.heap_inuse,
			fp.heap_unreleased);
	if (b->failed)
		pr_info("result alloc=%s workload=replay order=serial n=%u size=trace cpu=%u ops=%u error=ENOMEM\n",
			alloc_names[a], rp->nalloc, cpu, rp->nrec);
	else
		pr_info("result alloc=%s workload=replay order=serial n=%u size=trace cpu=%u ops=%u repeat=%u ns_per_op=%s max_ns_per_op=%s base_ns_per_op=%s live_bytes=%llu base_bytes=%llu peak_bytes=%llu max_bytes=%llu overhead_milli=%llu left_live=%u\n",
			alloc_names[a], rp->nalloc, cpu, rp->nrec, repeat,
			fmt_cns(t[0], sizeof(t[0]), best),
			fmt_cns(t[1], sizeof(t[1]), worst),
			fmt_cns(t[2], sizeof(t[2]), best_base),
			rp->peak_live, base, fp.at_peak, fp.max,
			div64_u64((fp.at_peak - min(base, fp.at_peak)) * 1000,
				  rp->peak_live),
			left);
	kfree(fp.ms);
	b->runs++;
}

/*
 * replay, percpu: the CPU of each event honoured, as far as the online
 * CPUs allow: one kthread per online CPU (up to the trace's CPUs), the
 * trace's CPU c replayed by kthread c % kthreads, each in trace order.
 * A free of an object allocated by another kthread waits until it has
 * been allocated; the trace's global clock puts every allocation before
 * its free, so no two kthreads wait for each other.  The order between
 * kthreads is otherwise free: timings only, no footprint.
 */
struct rrun;

struct rthread {
	struct rrun *rr;
	unsigned int slot;		/* replays trace CPUs slot + k*n */
	unsigned long scratch[BENCH_NSCRATCH];	/* the empty replay's */
	unsigned int scratch_i;
	bool failed;
	u64 t_start, t_end;
	struct completion done;
};

struct rrun {
	struct bench *b;
	struct replay *rp;
	enum bench_alloc a;
	unsigned int nthreads;
	atomic_t ready;
	bool abort;			/* an allocation failed: all stop */
	struct rthread t[];
};

static __always_inline void replay_percpu(struct rthread *t,
					  enum bench_alloc a)
{
	struct rrun *rr = t->rr;
	struct replay *rp = rr->rp;
	u32 i, id = 0, w0, n = 0;
	unsigned int spins;
	void **slot, *p;

	for (i = 0; i < rp->nrec; i++) {
		w0 = r_w0(rp, i);
		if (FIELD_GET(REPLAY_CPU, w0) % rr->nthreads != t->slot) {
			if (!(w0 & REPLAY_FREE))
				id++;
			continue;
		}
		if (w0 & REPLAY_FREE) {
			slot = &rp->obj[id - r_w1(rp, i)];
			/* Pairs with the allocating kthread's release. */
			for (spins = 0; !(p = smp_load_acquire(slot)); spins++) {
				if (READ_ONCE(rr->abort))
					return;
				cpu_relax();
				if (spins % 4096 == 4095)
					cond_resched();
			}
			if (a != BA_EMPTY)
				b_free(rr->b, a, p);
			WRITE_ONCE(*slot, NULL);
		} else {
			if (a == BA_EMPTY)
				p = &t->scratch[t->scratch_i++ % BENCH_NSCRATCH];
			else
				p = b_alloc(rr->b, a, w0 & REPLAY_SIZE);
			if (unlikely(!p)) {
				t->failed = true;
				WRITE_ONCE(rr->abort, true);
				return;
			}
			touch_sized(p, w0 & REPLAY_SIZE, i);
			/* Pairs with a freeing kthread's acquire. */
			smp_store_release(&rp->obj[id++], p);
		}
		if (++n % BENCH_BLOCK == 0)
			cond_resched();
	}
}

static int r_thread(void *data)
{
	struct rthread *t = data;
	struct rrun *rr = t->rr;

	bench_start_together(&rr->ready, rr->nthreads);
	t->t_start = ktime_get_ns();
	switch (rr->a) {
	case BA_EMPTY:
		replay_percpu(t, BA_EMPTY);
		break;
	case BA_MEMARENA:
		replay_percpu(t, BA_MEMARENA);
		break;
	case BA_KMALLOC:
		replay_percpu(t, BA_KMALLOC);
		break;
	default:
		break;
	}
	t->t_end = ktime_get_ns();
	return bench_park(&t->done);
}

/* One percpu replay; its elapsed ns, or 0 if it failed. */
static u64 rrun_once(struct rrun *rr, enum bench_alloc a)
{
	struct task_struct *task[BENCH_REPLAY_THREADS];
	u64 start = U64_MAX, end = 0;
	unsigned int i, c, n = 0;
	bool ok = true;

	rr->a = a;
	atomic_set(&rr->ready, 0);
	WRITE_ONCE(rr->abort, false);
	c = cpu;
	for (i = 0; i < rr->nthreads; i++) {
		struct rthread *t = &rr->t[i];

		t->failed = false;
		init_completion(&t->done);
		task[i] = kthread_create_on_cpu(r_thread, t, c,
						"memarena_br/%u");
		if (IS_ERR(task[i]))
			break;
		n++;
		c = cpumask_next(c, cpu_online_mask);
		if (c >= nr_cpu_ids)
			c = cpumask_first(cpu_online_mask);
	}
	if (n < rr->nthreads) {
		/* Never woken: stopping them runs nothing of r_thread(). */
		while (n--)
			kthread_stop(task[n]);
		return 0;
	}
	for (i = 0; i < n; i++)
		wake_up_process(task[i]);
	for (i = 0; i < n; i++) {
		wait_for_completion(&rr->t[i].done);
		kthread_stop(task[i]);
		ok &= !rr->t[i].failed;
		start = min(start, rr->t[i].t_start);
		end = max(end, rr->t[i].t_end);
	}
	replay_free_left(rr->b, rr->rp, a);
	return ok && end > start ? end - start : 0;
}

static void measure_replay_percpu(struct bench *b, struct replay *rp,
				  enum bench_alloc a)
{
	u64 ns, nsb, cns, cbase, net, best = U64_MAX, worst = 0;
	u64 best_base = U64_MAX;
	unsigned int r, i, nthreads;
	struct rrun *rr;
	bool ok = true;
	char t[3][24];

	nthreads = min3(num_online_cpus(), rp->ncpus, (u32)BENCH_REPLAY_THREADS);
	if (kthread_should_stop() || nthreads < 2)
		return;
	rr = kzalloc(struct_size(rr, t, nthreads), GFP_KERNEL);
	if (!rr) {
		b->ret = -ENOMEM;
		return;
	}
	rr->b = b;
	rr->rp = rp;
	rr->nthreads = nthreads;
	for (i = 0; i < nthreads; i++) {
		rr->t[i].rr = rr;
		rr->t[i].slot = i;
	}
	for (r = 0; r < repeat && ok; r++) {
		nsb = rrun_once(rr, BA_EMPTY);
		ns = rrun_once(rr, a);
		ok = ns && nsb;
		cbase = div_u64(nsb * 100, rp->nrec);
		cns = div_u64(ns * 100, rp->nrec);
		net = cns > cbase ? cns - cbase : 0;
		best = min(best, net);
		worst = max(worst, net);
		best_base = min(best_base, cbase);
	}
	if (!ok)
		pr_info("result alloc=%s workload=replay order=percpu n=%u size=trace cpu=all ops=%u error=ENOMEM\n",
			alloc_names[a], rp->nalloc, rp->nrec);
	else
		pr_info("result alloc=%s workload=replay order=percpu n=%u size=trace cpu=all ops=%u repeat=%u threads=%u ns_per_op=%s max_ns_per_op=%s base_ns_per_op=%s\n",
			alloc_names[a], rp->nalloc, rp->nrec, repeat, nthreads,
			fmt_cns(t[0], sizeof(t[0]), best),
			fmt_cns(t[1], sizeof(t[1]), worst),
			fmt_cns(t[2], sizeof(t[2]), best_base));
	kfree(rr);
	b->runs++;
}

static void run_size(struct bench *b, unsigned int size)
{
	enum bench_alloc a;
	unsigned int i, j;

	for (a = BA_NULL; a < BA_NR; a++) {
		if (test_bit(BW_PAIR, &b->workload_mask) &&
		    alloc_applies(b, BW_PAIR, a, size))
			measure(b, BW_PAIR, a, 1, false, size);
	}
	if (test_bit(BW_BATCH, &b->workload_mask)) {
		for (i = 0; i < ARRAY_SIZE(batch_ns); i++) {
			for (j = 0; j < 2; j++) {
				for (a = BA_NULL; a < BA_NR; a++) {
					if (alloc_applies(b, BW_BATCH, a, size))
						measure(b, BW_BATCH, a,
							batch_ns[i], j, size);
				}
			}
		}
	}
	if (test_bit(BW_BULK, &b->workload_mask)) {
		for (i = 0; i < ARRAY_SIZE(bulk_ns); i++) {
			for (a = BA_NULL; a < BA_NR; a++) {
				if (alloc_applies(b, BW_BULK, a, size))
					measure(b, BW_BULK, a, bulk_ns[i],
						false, size);
			}
		}
	}
	run_cross(b, size);
	run_percpu(b, size);
	if (test_bit(BW_FOOTPRINT, &b->workload_mask) && size == BENCH_MIXED) {
		for (a = BA_NULL; a < BA_NR; a++)
			if (alloc_applies(b, BW_FOOTPRINT, a, size))
				measure_footprint(b, a);
	}
}

static void fill_sizes(struct bench *b, unsigned int size)
{
	u32 x = 2463534242U;	/* xorshift32, fixed seed: same sequence */
	unsigned int i;

	for (i = 0; i < BENCH_NSIZES; i++) {
		if (size != BENCH_MIXED) {
			b->sizes[i] = size;
			continue;
		}
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b->sizes[i] = BENCH_MIXED_MIN +
			x % (BENCH_MIXED_MAX - BENCH_MIXED_MIN + 1);
	}
}

/*
 * Whether SLUB merges two caches of @size made the same way: if it does,
 * the second kmem_cache_create() hands back the first cache.  The
 * benchmark's cache is made with a usercopy region, as SLUB never merges
 * those; a plain cache is tried for comparison.  -ENOMEM if one could not
 * be created.
 */
static int cache_merges(unsigned int size, bool usercopy)
{
	struct kmem_cache *c[2];
	unsigned int uc = usercopy ? size : 0;
	int ret;

	c[0] = kmem_cache_create_usercopy("memarena_bench_m0", size, 0, 0, 0,
					  uc, NULL);
	c[1] = kmem_cache_create_usercopy("memarena_bench_m1", size, 0, 0, 0,
					  uc, NULL);
	ret = c[0] && c[1] ? c[0] == c[1] : -ENOMEM;
	kmem_cache_destroy(c[1]);
	kmem_cache_destroy(c[0]);
	return ret;
}

static int bench_thread(void *data)
{
	struct bench *b = data;
	char name[32];
	unsigned int i, size;

	for (i = 0; i < b->nsizes && !kthread_should_stop(); i++) {
		size = b->size_list[i];
		fill_sizes(b, size);
		b->cache = NULL;
		if (size != BENCH_MIXED) {
			snprintf(name, sizeof(name), "memarena_bench_%u", size);
			b->cache = kmem_cache_create_usercopy(name, size, 0, 0,
							      0, size, NULL);
			if (!b->cache) {
				pr_err("cannot create kmem_cache %s\n", name);
				b->ret = -ENOMEM;
				break;
			}
			pr_info("cache size=%u name=%s usercopy_merged=%d plain_merged=%d\n",
				size, name, cache_merges(size, true),
				cache_merges(size, false));
		}
		run_size(b, size);
		kmem_cache_destroy(b->cache);
		b->cache = NULL;
	}
	if (bench_replay) {
		enum bench_alloc a;

		for (a = BA_NULL; a < BA_NR; a++)
			if (alloc_applies(b, BW_REPLAY, a, 0))
				measure_replay(b, bench_replay, a);
		if (num_online_cpus() < 2 || bench_replay->ncpus < 2)
			pr_info("skip workloads=replay order=percpu reason=%u online CPUs, %u in the trace\n",
				num_online_cpus(), bench_replay->ncpus);
		for (a = BA_NULL; a < BA_NR; a++)
			if (alloc_applies(b, BW_REPLAY, a, 0))
				measure_replay_percpu(b, bench_replay, a);
	}

	return bench_park(&b->done);
}

static int parse_names(const char *list, const char * const *names,
		       unsigned int nr, unsigned long *mask)
{
	char *copy, *s, *tok;
	unsigned int i;
	int ret = 0;

	copy = kstrdup(list, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	*mask = 0;
	s = copy;
	while ((tok = strsep(&s, ",")) != NULL) {
		if (!*tok)
			continue;
		for (i = 0; i < nr; i++) {
			if (names[i] && !strcmp(tok, names[i]))
				break;
		}
		if (i == nr) {
			pr_err("unknown name '%s'\n", tok);
			ret = -EINVAL;
			break;
		}
		__set_bit(i, mask);
	}
	kfree(copy);
	return ret;
}

static int parse_sizes(struct bench *b, const char *list)
{
	char *copy, *s, *tok;
	unsigned int size;
	int ret = 0;

	copy = kstrdup(list, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	b->nsizes = 0;
	s = copy;
	while ((tok = strsep(&s, ",")) != NULL) {
		if (!*tok)
			continue;
		if (!strcmp(tok, "mixed")) {
			size = BENCH_MIXED;
		} else if (kstrtouint(tok, 0, &size) || size < sizeof(long) ||
			   size > MEMARENA_MAX_SMALL_SIZE) {
			pr_err("bad size '%s' (%zu..%u or mixed)\n", tok,
			       sizeof(long), MEMARENA_MAX_SMALL_SIZE);
			ret = -EINVAL;
			break;
		}
		if (b->nsizes == BENCH_MAX_SIZES) {
			pr_err("more than %d sizes\n", BENCH_MAX_SIZES);
			ret = -EINVAL;
			break;
		}
		b->size_list[b->nsizes++] = size;
	}
	kfree(copy);
	return ret;
}

static int __init bench_init(void)
{
	struct task_struct *t;
	struct bench *b;
	u64 t0;
	int ret;

	if (cpu >= nr_cpu_ids || !cpu_online(cpu)) {
		pr_err("cpu %u is not online\n", cpu);
		return -EINVAL;
	}
	if (!ops || !repeat) {
		pr_err("ops and repeat must be positive\n");
		return -EINVAL;
	}
	if (!footprint_kb || footprint_kb > BENCH_MAX_FOOTPRINT_KB) {
		pr_err("footprint_kb must be 1..%u\n", BENCH_MAX_FOOTPRINT_KB);
		return -EINVAL;
	}
	if (!churn_ms || churn_ms > BENCH_MAX_CHURN_MS) {
		pr_err("churn_ms must be 1..%u\n", BENCH_MAX_CHURN_MS);
		return -EINVAL;
	}
	if (!statload_ms || statload_ms > BENCH_MAX_STATLOAD_MS) {
		pr_err("statload_ms must be 1..%u\n", BENCH_MAX_STATLOAD_MS);
		return -EINVAL;
	}
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	ret = parse_names(workloads, workload_names, BW_NR, &b->workload_mask);
	if (!ret)
		ret = parse_names(allocs, alloc_names, BA_NR, &b->alloc_mask);
	if (!ret)
		ret = parse_sizes(b, sizes);
	if (ret)
		goto out;
	__clear_bit(BA_EMPTY, &b->alloc_mask);

	if (test_bit(BW_REPLAY, &b->workload_mask) && !*replay_trace) {
		pr_info("skip workloads=replay reason=no replay_trace given\n");
	} else if (test_bit(BW_REPLAY, &b->workload_mask)) {
		ret = replay_load(replay_trace, &bench_replay);
		if (ret)
			goto out;
	}

	ret = -ENOMEM;
	b->objs = vmalloc(array_size(BENCH_MAX_N, sizeof(*b->objs)));
	b->sizes = vmalloc(array_size(BENCH_NSIZES, sizeof(*b->sizes)));
	if (!b->objs || !b->sizes)
		goto out;
	init_completion(&b->done);

	pr_info("config cpu=%u ops=%u repeat=%u block=%u init_on_alloc=%d init_on_free=%d online_cpus=%u workloads=%s sizes=%s allocs=%s\n",
		cpu, ops, repeat, BENCH_BLOCK, want_init_on_alloc(GFP_KERNEL),
		want_init_on_free(), num_online_cpus(), workloads, sizes,
		allocs);

	t0 = ktime_get_ns();
	t = kthread_create_on_cpu(bench_thread, b, cpu, "memarena_bench/%u");
	if (IS_ERR(t)) {
		ret = PTR_ERR(t);
		goto out;
	}
	wake_up_process(t);
	/* Killable: not reported as a hung task however long it takes. */
	ret = wait_for_completion_killable(&b->done);
	kthread_stop(t);
	if (!ret)
		ret = b->ret;
	pr_info("done runs=%u elapsed_ms=%llu status=%d\n", b->runs,
		div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC), ret);
	/* Nothing to keep loaded: the results are on the kernel log. */
	if (!ret)
		ret = -EAGAIN;
out:
	replay_put(bench_replay);
	bench_replay = NULL;
	vfree(b->sizes);
	vfree(b->objs);
	kfree(b);
	return ret;
}
module_init(bench_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("memarena benchmark against kmalloc and kmem_cache");
