// SPDX-License-Identifier: GPL-2.0
/*
 * memload - put load on memarena from userspace, through /dev/memarena
 *
 *   memload [OPTIONS] seed|churn|remote|fill
 *
 * Every thread opens the device (its own arena) and, unless --ioctl, an
 * io_uring of its own (IORING_SETUP_SQE128), and sends batches of
 * operations, one command at a time.  Workloads:
 *
 *   seed    Go's classic example: allocate --step (256 KiB) every
 *           --interval (100 ms) and print HeapAlloc / HeapInuse /
 *           TotalAlloc each step; every --every (10) steps free
 *           everything.  One thread.
 *   churn   random sizes (--dist), random frees, around a --live size.
 *   remote  one thread per CPU (--cpus), pinned; a --share of the
 *           objects a thread allocates is freed by another thread, on
 *           its CPU (producer/consumer).
 *   fill    grow to --size live bytes, then free everything.
 *
 * With --cpus, threads are pinned round-robin to those CPUs and allocate
 * from their CPU's cache (MEMARENA_DEV_F_CPU); without, from their
 * file's arena (remote always uses CPUs: all of ours by default).
 * --verify writes a pattern into every object when it is allocated and
 * checks it before the object is freed.  At the end: ops/s, latency per
 * command and operation, and the MemStats deltas of the run.
 */

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "humanize.h"
#include "memload.h"
#include "output.h"

enum workload { W_SEED, W_CHURN, W_REMOTE, W_FILL };
static const char *const workload_names[] = { "seed", "churn", "remote", "fill" };

enum dist { D_UNIFORM, D_POWER, D_FIXED };
static const char *const dist_names[] = { "uniform", "power", "fixed" };

/* What a latency sample is of. */
enum ml_op { OP_ALLOC, OP_FREE, OP_VERIFY, OP_FREE_ALL, OP_N };
static const char *const op_names[] = { "alloc", "free", "verify", "free-all" };

static struct {
	enum workload wl;
	bool uring;
	bool verify;
	bool json;
	bool zero;
	bool quiet;
	unsigned int threads;		/* 0: default */
	int cpus[CPU_SETSIZE];
	unsigned int ncpus;
	bool cpus_given;
	uint64_t duration_ns;		/* 0: workload's default */
	uint64_t ops;			/* 0: no limit */
	unsigned int batch;
	enum dist dist;
	bool dist_given;
	uint64_t min_size, max_size, obj_size;
	double alpha;
	uint64_t live;			/* churn, remote: target, all threads */
	uint64_t fill;			/* fill: target */
	unsigned int share;		/* remote: percent of frees cross-CPU */
	uint64_t step;			/* seed */
	uint64_t interval_ns;
	unsigned int every;
} cfg = {
	.uring = true,
	.batch = 16,
	.dist = D_POWER,
	.min_size = 16,
	.max_size = 32768,
	.obj_size = 65536,
	.alpha = 1.5,
	.live = 64ULL << 20,
	.fill = 256ULL << 20,
	.share = 50,
	.step = 256 << 10,
	.interval_ns = 100000000,
	.every = 10,
};

struct obj {
	uint64_t handle;
	uint64_t size;
};

/* An object handed to another thread to free: a handle of @owner's file. */
struct note {
	uint64_t handle;
	unsigned int owner;
};

struct thr {
	unsigned int id;
	int cpu;			/* pinned and allocating here, or -1 */
	pthread_t tid;
	struct ml_dev dev;
	uint64_t rng;

	struct obj *objs;		/* live objects this thread frees */
	size_t nobjs, capobjs;
	uint64_t live_bytes;		/* of objs[]; read by the monitor */
	uint64_t target;		/* live bytes to stay around */
	uint64_t budget;		/* ops to do, 0: no limit */
	uint64_t ops;			/* objects allocated and freed */

	/* scratch for one batch */
	struct memarena_dev_alloc_op *aops;
	struct memarena_dev_pattern_op *pops;
	uint64_t *handles;
	struct note *notes;

	/* remote: objects others allocated for this thread to free */
	pthread_mutex_t lock;
	struct note *inbox;
	size_t nin, capin;

	struct ml_hist hist[OP_N];	/* latency per command */
	uint64_t count[OP_N];		/* objects */
	uint64_t remote_frees;
	uint64_t corrupt;
	uint64_t edquot, enomem, errors;
	int first_error;
};

static struct thr *thr;
static unsigned int nthr;
static volatile sig_atomic_t stop;
static pthread_barrier_t thr_barrier;	/* among the threads */

/* The end of the work phase: the main thread snapshots, then lets go. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static unsigned int gate_arrived;
static bool gate_open;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("memload: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		die("out of memory");
	return p;
}

static uint64_t rnd(struct thr *t)
{
	/* xorshift64* */
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545F4914F6CDD1DULL;
}

static double rnd01(struct thr *t)
{
	return (rnd(t) >> 11) * (1.0 / 9007199254740992.0);
}

/* The pattern of an object: a function of its file and its handle. */
static uint64_t pattern_of(unsigned int owner, uint64_t handle)
{
	uint64_t z = handle + ((uint64_t)owner << 48) + 0x9E3779B97F4A7C15ULL;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static uint64_t sample_size(struct thr *t)
{
	double lo = cfg.min_size, hi = cfg.max_size, u = rnd01(t), a, s;

	switch (cfg.dist) {
	case D_FIXED:
		return cfg.obj_size;
	case D_UNIFORM:
		return cfg.min_size + rnd(t) % (cfg.max_size - cfg.min_size + 1);
	case D_POWER:
		/* p(s) ~ s^-alpha on [min, max], by inverting the CDF */
		a = 1.0 - cfg.alpha;
		if (fabs(a) < 1e-9)
			s = lo * pow(hi / lo, u);
		else
			s = pow(pow(lo, a) + u * (pow(hi, a) - pow(lo, a)), 1.0 / a);
		if (s < lo)
			s = lo;
		if (s > hi)
			s = hi;
		return (uint64_t)s;
	}
	return cfg.min_size;
}

static bool should_stop(const struct thr *t)
{
	return stop || (t->budget && t->ops >= t->budget);
}

static void add_ops(struct thr *t, uint64_t n)
{
	__atomic_store_n(&t->ops, t->ops + n, __ATOMIC_RELAXED);
}

static void set_live(struct thr *t, uint64_t bytes)
{
	__atomic_store_n(&t->live_bytes, bytes, __ATOMIC_RELAXED);
}

/* EDQUOT and ENOMEM are what a load can expect; the rest are failures. */
static void note_error(struct thr *t, const char *what, int err)
{
	if (err == EDQUOT) {
		t->edquot++;
	} else if (err == ENOMEM) {
		t->enomem++;
	} else {
		if (!t->errors++)
			fprintf(stderr, "memload: thread %u: %s: %s\n",
				t->id, what, strerror(err));
		if (!t->first_error)
			t->first_error = err;
	}
}

/*
 * A snapshot of /proc/memstats.  Opening it allocates; under the memory
 * pressure memload itself creates that can fail for a moment, so ENOMEM
 * is retried (SNAPSHOT_TRIES times, a millisecond apart); anything else,
 * or ENOMEM that lasts, ends the run with the reason.
 */
#define SNAPSHOT_TRIES	1000

static void snapshot(struct ml_memstats *ms, const char *when)
{
	const struct timespec ms1 = { .tv_nsec = 1000000 };
	unsigned int tries = 0;
	int err;

	while ((err = ml_memstats_read(ms)) == -ENOMEM && ++tries < SNAPSHOT_TRIES)
		nanosleep(&ms1, NULL);
	if (err)
		die("cannot read %s %s: %s%s", MEMARENA_PROC_PATH, when,
		    strerror(-err), err == -ENOENT ? " (is memarena loaded?)" : "");
}

static long timed_cmd(struct thr *t, int fd, unsigned int op, enum ml_op kind,
		      const struct memarena_dev_cmd *c)
{
	uint64_t t0 = ml_now_ns();
	long ret = ml_dev_cmd(&t->dev, fd, op, c);

	ml_hist_add(&t->hist[kind], ml_now_ns() - t0);
	return ret;
}

/*
 * Run a batch to its end: the device stops at the first operation that
 * fails and says how many succeeded; issuing the rest gives the error.
 * Return: the operations that succeeded (a pattern mismatch is reported,
 * counted and passed over); *err: the errno that stopped the batch, or 0.
 */
static size_t run_batch(struct thr *t, int fd, unsigned int op,
			enum ml_op kind, uint64_t flags, void *ops,
			size_t opsize, size_t n, int *err)
{
	struct memarena_dev_cmd c = {
		.flags = flags,
		.cpu = (flags & MEMARENA_DEV_F_CPU) ? t->cpu : 0,
	};
	size_t done = 0;
	long ret;

	*err = 0;
	while (done < n) {
		c.ops = (uintptr_t)ops + done * opsize;
		c.count = n - done;
		ret = timed_cmd(t, fd, op, kind, &c);
		if (ret > 0) {
			done += ret;
			continue;
		}
		if (ret == -EBADMSG && op == MEMARENA_IOC_PATTERN) {
			const struct memarena_dev_pattern_op *p =
				(const struct memarena_dev_pattern_op *)ops + done;

			fprintf(stderr, "memload: thread %u: CORRUPTION: object %#llx differs from its pattern at byte %llu\n",
				t->id, (unsigned long long)p->handle,
				(unsigned long long)p->bad_offset);
			t->corrupt++;
			done++;
			continue;
		}
		*err = ret ? -ret : EIO;
		break;
	}
	return done;
}

static void keep(struct thr *t, uint64_t handle, uint64_t size)
{
	if (t->nobjs == t->capobjs) {
		t->capobjs = t->capobjs ? 2 * t->capobjs : 1024;
		t->objs = realloc(t->objs, t->capobjs * sizeof(*t->objs));
		if (!t->objs)
			die("out of memory");
	}
	t->objs[t->nobjs].handle = handle;
	t->objs[t->nobjs].size = size;
	t->nobjs++;
	set_live(t, t->live_bytes + size);
}

/*
 * --verify: objects t->aops[@from..@to) whose pattern could not be written
 * (the device ran out of memory copying the batch in) could never be
 * checked: free them at once, unchecked, and do not keep them.  ENOMEM
 * is retried; anything else leaves them to the file's release.
 */
static void drop_unwritten(struct thr *t, uint64_t flags, size_t from,
			   size_t to)
{
	size_t i, n = to - from, done = 0, freed;
	unsigned int tries = 0;
	int err;

	for (i = from; i < to; i++)
		t->handles[i - from] = t->aops[i].handle;
	while (done < n) {
		freed = run_batch(t, t->dev.fd, MEMARENA_IOC_FREE, OP_FREE, flags,
				  t->handles + done, sizeof(*t->handles),
				  n - done, &err);
		done += freed;
		t->count[OP_FREE] += freed;
		add_ops(t, freed);
		if (err)
			note_error(t, "FREE", err);
		if (err != ENOMEM || ++tries == 1000)
			break;
	}
}

/* Allocate @n objects into t->aops[]; with --verify, write their pattern. */
static size_t alloc_batch(struct thr *t, size_t n)
{
	uint64_t flags = cfg.zero ? MEMARENA_DEV_F_ZERO : 0;
	size_t i, done, written;
	int err;

	if (t->cpu >= 0)
		flags |= MEMARENA_DEV_F_CPU;
	for (i = 0; i < n; i++) {
		t->aops[i].size = sample_size(t);
		t->aops[i].handle = 0;
	}
	done = run_batch(t, t->dev.fd, MEMARENA_IOC_ALLOC, OP_ALLOC, flags,
			 t->aops, sizeof(*t->aops), n, &err);
	if (err)
		note_error(t, "ALLOC", err);
	t->count[OP_ALLOC] += done;
	add_ops(t, done);
	if (cfg.verify && done) {
		for (i = 0; i < done; i++) {
			t->pops[i].handle = t->aops[i].handle;
			t->pops[i].pattern = pattern_of(t->id, t->aops[i].handle);
			t->pops[i].flags = MEMARENA_DEV_PATTERN_WRITE;
			t->pops[i].bad_offset = 0;
		}
		written = run_batch(t, t->dev.fd, MEMARENA_IOC_PATTERN, OP_VERIFY,
				    0, t->pops, sizeof(*t->pops), done, &err);
		if (err)
			note_error(t, "PATTERN write", err);
		t->count[OP_VERIFY] += written;
		if (written < done)
			drop_unwritten(t, flags & MEMARENA_DEV_F_CPU, written, done);
		done = written;
	}
	return done;
}

/* Check the patterns of @n objects of @owner's file (--verify). */
static void check_batch(struct thr *t, unsigned int owner, const uint64_t *h,
			size_t n)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		t->pops[i].handle = h[i];
		t->pops[i].pattern = pattern_of(owner, h[i]);
		t->pops[i].flags = MEMARENA_DEV_PATTERN_CHECK;
		t->pops[i].bad_offset = 0;
	}
	run_batch(t, thr[owner].dev.fd, MEMARENA_IOC_PATTERN, OP_VERIFY, 0,
		  t->pops, sizeof(*t->pops), n, &err);
	if (err)
		note_error(t, "PATTERN check", err);
	t->count[OP_VERIFY] += n;
}

/* Free @n objects of @owner's file, on this thread's CPU if it has one. */
static void free_batch(struct thr *t, unsigned int owner, uint64_t *h, size_t n)
{
	uint64_t flags = t->cpu >= 0 ? MEMARENA_DEV_F_CPU : 0;
	size_t done;
	int err;

	if (cfg.verify)
		check_batch(t, owner, h, n);
	done = run_batch(t, thr[owner].dev.fd, MEMARENA_IOC_FREE, OP_FREE,
			 flags, h, sizeof(*h), n, &err);
	if (err)
		note_error(t, "FREE", err);
	t->count[OP_FREE] += done;
	if (owner != t->id)
		t->remote_frees += done;
	add_ops(t, done);
}

/* Free @m of this thread's objects, chosen at random. */
static void free_random(struct thr *t, size_t m)
{
	uint64_t live = t->live_bytes;
	size_t k, j, last;
	struct obj tmp;

	for (k = 0; k < m; k++) {
		last = t->nobjs - 1 - k;
		j = rnd(t) % (last + 1);
		tmp = t->objs[j];
		t->objs[j] = t->objs[last];
		t->objs[last] = tmp;
		t->handles[k] = tmp.handle;
		live -= tmp.size;
	}
	t->nobjs -= m;
	set_live(t, live);
	free_batch(t, t->id, t->handles, m);
}

/* Free everything this thread's file still holds (--verify: check first). */
static uint64_t free_all(struct thr *t)
{
	struct memarena_dev_cmd c = { 0 };
	size_t i, n;
	long ret;

	if (cfg.verify) {
		for (i = 0; i < t->nobjs; i += n) {
			n = t->nobjs - i < cfg.batch ? t->nobjs - i : cfg.batch;
			for (size_t k = 0; k < n; k++)
				t->handles[k] = t->objs[i + k].handle;
			check_batch(t, t->id, t->handles, n);
		}
	}
	if (t->cpu >= 0) {
		c.flags = MEMARENA_DEV_F_CPU;
		c.cpu = t->cpu;
	}
	ret = timed_cmd(t, t->dev.fd, MEMARENA_IOC_FREE_ALL, OP_FREE_ALL, &c);
	t->nobjs = 0;
	set_live(t, 0);
	if (ret < 0) {
		note_error(t, "FREE_ALL", -ret);
		return 0;
	}
	t->count[OP_FREE_ALL] += ret;
	return ret;
}

/* --- workloads --------------------------------------------------------- */

static void churn(struct thr *t)
{
	size_t done, m;
	bool alloc;

	while (!should_stop(t)) {
		alloc = !t->nobjs ||
			rnd01(t) < (t->live_bytes < t->target ? 0.75 : 0.25);
		if (alloc) {
			done = alloc_batch(t, cfg.batch);
			for (size_t i = 0; i < done; i++)
				keep(t, t->aops[i].handle, t->aops[i].size);
			if (!done && !t->nobjs)
				break;		/* nothing can be allocated */
		} else {
			m = t->nobjs < cfg.batch ? t->nobjs : cfg.batch;
			free_random(t, m);
		}
	}
}

static void fill(struct thr *t)
{
	size_t done;

	while (!should_stop(t) && t->live_bytes < t->target) {
		done = alloc_batch(t, cfg.batch);
		for (size_t i = 0; i < done; i++)
			keep(t, t->aops[i].handle, t->aops[i].size);
		if (done < cfg.batch)
			break;			/* the limit, or memory */
	}
}

/* Free what other threads left for this one, on this thread's CPU. */
static void drain_inbox(struct thr *t)
{
	size_t n, i, j, k;
	struct note *mine;

	pthread_mutex_lock(&t->lock);
	mine = t->inbox;
	n = t->nin;
	t->inbox = t->notes;
	t->notes = mine;
	t->nin = 0;
	pthread_mutex_unlock(&t->lock);

	/* Runs of one owner, a batch at a time. */
	for (i = 0; i < n; i = j) {
		for (j = i, k = 0; j < n && k < cfg.batch &&
		     mine[j].owner == mine[i].owner; j++, k++)
			t->handles[k] = mine[j].handle;
		free_batch(t, mine[i].owner, t->handles, k);
	}
}

/* Hand a --share of the new objects in t->aops[] to another thread. */
static void distribute(struct thr *t, size_t done)
{
	struct thr *d;
	size_t i, n = 0;

	d = &thr[(t->id + 1 + rnd(t) % (nthr - 1)) % nthr];
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < done; i++) {
		if (d->nin < d->capin && rnd(t) % 100 < cfg.share) {
			d->inbox[d->nin].handle = t->aops[i].handle;
			d->inbox[d->nin].owner = t->id;
			d->nin++;
			n++;
		} else {
			t->aops[i - n] = t->aops[i];
		}
	}
	pthread_mutex_unlock(&d->lock);
	for (i = 0; i < done - n; i++)
		keep(t, t->aops[i].handle, t->aops[i].size);
}

static void remote(struct thr *t)
{
	size_t done, m;

	while (!should_stop(t)) {
		drain_inbox(t);
		if (!t->nobjs || t->live_bytes < t->target) {
			done = alloc_batch(t, cfg.batch);
			if (nthr > 1)
				distribute(t, done);
			else
				for (size_t i = 0; i < done; i++)
					keep(t, t->aops[i].handle, t->aops[i].size);
			if (!done && !t->nobjs)
				break;
		} else {
			m = t->nobjs < cfg.batch ? t->nobjs : cfg.batch;
			free_random(t, m);
		}
	}
	/* Once nobody hands out objects any more, free what is left. */
	pthread_barrier_wait(&thr_barrier);
	drain_inbox(t);
}

static void *thread_main(void *arg)
{
	struct thr *t = arg;
	cpu_set_t set;
	int err;

	if (t->cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(t->cpu, &set);
		err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
		if (err)
			die("thread %u: cannot run on CPU %d: %s", t->id, t->cpu,
			    strerror(err));
	}
	switch (cfg.wl) {
	case W_CHURN:
		churn(t);
		break;
	case W_FILL:
		fill(t);
		break;
	case W_REMOTE:
		remote(t);
		break;
	case W_SEED:
		break;
	}

	/* The main thread takes the "end" snapshot, then lets us go. */
	pthread_mutex_lock(&gate_lock);
	gate_arrived++;
	pthread_cond_broadcast(&gate_cond);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);

	free_all(t);
	return NULL;
}

/* --- output ------------------------------------------------------------ */

static uint64_t stat_of(const struct ml_memstats *ms, const char *name)
{
	uint64_t v;

	ml_memstats_get(ms, name, &v);
	return v;
}

static const char *signed_human(char *buf, size_t len, uint64_t a, uint64_t b,
				bool bytes)
{
	char h[HUMAN_BUFSZ - 1];
	uint64_t d = b >= a ? b - a : a - b;

	if (bytes)
		human_bytes(h, sizeof(h), d, UNITS_IEC);
	else
		human_count(h, sizeof(h), d, UNITS_IEC);
	snprintf(buf, len, "%s%s", d ? (b >= a ? "+" : "-") : "", h);
	return buf;
}

static void print_memstats_json(const char *key, const struct ml_memstats *ms)
{
	int i;

	open_json_object(key);
	for (i = 0; i < ms->n; i++)
		print_u64(PRINT_JSON, ms->name[i], NULL, ms->v[i]);
	close_json_object();
}

static void print_memstats(const struct ml_memstats *before,
			   const struct ml_memstats *end,
			   const struct ml_memstats *after)
{
	static const struct {
		const char *name;
		bool bytes;
	} rows[] = {
		{ "HeapAlloc", true }, { "HeapInuse", true },
		{ "HeapIdle", true }, { "HeapSys", true },
		{ "HeapReleased", true }, { "HeapObjects", false },
		{ "TotalAlloc", true }, { "Mallocs", false },
		{ "Frees", false }, { "Sys", true },
		{ "CachedBytes", true }, { "BadFrees", false },
		{ "NumGC", false },
	};
	char b[3][HUMAN_BUFSZ], d1[HUMAN_BUFSZ + 1], d2[HUMAN_BUFSZ + 1];
	uint64_t v0, v1, v2;
	unsigned int i;

	if (output_is_json()) {
		open_json_object("memstats");
		print_memstats_json("before", before);
		print_memstats_json("end", end);
		print_memstats_json("after", after);
		close_json_object();
		return;
	}
	printf("  %-13s %11s %11s %11s %12s %12s\n", "MemStats", "before",
	       "end", "after close", "end-before", "after-before");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		v0 = stat_of(before, rows[i].name);
		v1 = stat_of(end, rows[i].name);
		v2 = stat_of(after, rows[i].name);
		if (rows[i].bytes) {
			human_bytes(b[0], HUMAN_BUFSZ, v0, UNITS_IEC);
			human_bytes(b[1], HUMAN_BUFSZ, v1, UNITS_IEC);
			human_bytes(b[2], HUMAN_BUFSZ, v2, UNITS_IEC);
		} else {
			human_count(b[0], HUMAN_BUFSZ, v0, UNITS_IEC);
			human_count(b[1], HUMAN_BUFSZ, v1, UNITS_IEC);
			human_count(b[2], HUMAN_BUFSZ, v2, UNITS_IEC);
		}
		printf("  %-13s %11s %11s %11s %12s %12s\n", rows[i].name,
		       b[0], b[1], b[2],
		       signed_human(d1, sizeof(d1), v0, v1, rows[i].bytes),
		       signed_human(d2, sizeof(d2), v0, v2, rows[i].bytes));
	}
}

/* A latency: nanoseconds in JSON, 3 digits or so in text ("88.1µs"). */
static void print_latency(const char *key, uint64_t ns)
{
	char buf[32];

	if (ns < 1000)
		snprintf(buf, sizeof(buf), "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, sizeof(buf), "%.1fµs", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, sizeof(buf), "%.1fms", ns / 1e6);
	else
		snprintf(buf, sizeof(buf), "%.2fs", ns / 1e9);
	print_u64(PRINT_JSON, key, NULL, ns);
	/* µ is two bytes: pad by hand */
	print_string(PRINT_FP, NULL, strstr(buf, "µ") ? " %10s" : " %9s", buf);
}

static const char *cpus_desc(char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	if (thr[0].cpu < 0)
		return "arena";
	off += snprintf(buf, len, "CPU");
	for (i = 0; i < nthr && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%d", i ? "," : " ",
				thr[i].cpu);
	return buf;
}

static int report(uint64_t elapsed, const struct ml_memstats *before,
		  const struct ml_memstats *end, const struct ml_memstats *after)
{
	struct ml_hist *h = xcalloc(OP_N, sizeof(*h));
	uint64_t count[OP_N] = { 0 }, ops = 0, cmds = 0, remote_frees = 0;
	uint64_t corrupt = 0, edquot = 0, enomem = 0, errors = 0;
	double secs = elapsed / 1e9, rate;
	static const double pcts[] = { 50, 90, 99, 99.9 };
	static const char *const pct_keys[] = { "p50_ns", "p90_ns", "p99_ns",
						"p99_9_ns" };
	char buf[256];
	unsigned int i, k;

	for (i = 0; i < nthr; i++) {
		for (k = 0; k < OP_N; k++) {
			ml_hist_merge(&h[k], &thr[i].hist[k]);
			count[k] += thr[i].count[k];
		}
		ops += thr[i].ops;
		remote_frees += thr[i].remote_frees;
		corrupt += thr[i].corrupt;
		edquot += thr[i].edquot;
		enomem += thr[i].enomem;
		errors += thr[i].errors;
	}
	for (k = 0; k < OP_N; k++)
		cmds += h[k].n;

	open_json_object(NULL);
	print_string(PRINT_ANY, "workload", "memload %s:", workload_names[cfg.wl]);
	print_string(PRINT_ANY, "engine", " %s,", cfg.uring ? "io_uring" : "ioctl");
	print_u64(PRINT_ANY, "threads", " %llu thread(s)", nthr);
	print_string(PRINT_ANY, "cpus", " (%s),", cpus_desc(buf, sizeof(buf)));
	print_u64(PRINT_ANY, "batch", " batch %llu,", cfg.batch);
	print_bool(PRINT_ANY, "verify", " verify %s", cfg.verify);
	print_nl();
	rate = secs > 0 ? ops / secs : 0;
	print_u64(PRINT_JSON, "elapsed_ns", NULL, elapsed);
	print_float(PRINT_FP, NULL, "  ran %.2fs:", secs);
	print_count(PRINT_ANY, "ops", " %s ops (allocs and frees),", ops);
	print_float(PRINT_ANY, "ops_per_sec", " %.0f ops/s,", rate);
	print_float(PRINT_ANY, "commands_per_sec", " %.0f commands/s",
		    secs > 0 ? cmds / secs : 0);
	print_nl();

	print_fp("  %-9s %10s %11s %9s %9s %9s %9s %9s %9s %9s\n", "op",
		 "objects", "ops/s", "commands", "ns/op", "p50", "p90", "p99",
		 "p99.9", "max");
	open_json_array("by_op");
	for (k = 0; k < OP_N; k++) {
		if (!h[k].n)
			continue;
		open_json_object(NULL);
		print_string(PRINT_ANY, "op", "  %-9s", op_names[k]);
		print_count(PRINT_ANY, "objects", " %10s", count[k]);
		/* free-all runs after the timed phase: rate of its own time */
		if (k == OP_FREE_ALL)
			rate = h[k].sum ? count[k] / (h[k].sum / 1e9) : 0;
		else
			rate = secs > 0 ? count[k] / secs : 0;
		print_float(PRINT_ANY, "ops_per_sec", " %11.0f", rate);
		print_count(PRINT_ANY, "commands", " %9s", h[k].n);
		print_float(PRINT_ANY, "ns_per_op", " %9.0f",
			    count[k] ? (double)h[k].sum / count[k] : 0);
		for (i = 0; i < 4; i++)
			print_latency(pct_keys[i], ml_hist_pct(&h[k], pcts[i]));
		print_latency("max_ns", h[k].max);
		close_json_object();
		print_nl();
	}
	close_json_array();
	print_fp("  (latency: of one command of up to %u operations)\n", cfg.batch);

	if (cfg.wl == W_REMOTE) {
		print_count(PRINT_ANY, "remote_frees", "  cross-CPU frees: %s", remote_frees);
		print_float(PRINT_ANY, "remote_share", " (%.1f%% of frees)",
			    count[OP_FREE] ? 100.0 * remote_frees / count[OP_FREE] : 0);
		print_nl();
	}
	open_json_object("errors");
	print_u64(PRINT_ANY, "edquot", "  errors: EDQUOT %llu,", edquot);
	print_u64(PRINT_ANY, "enomem", " ENOMEM %llu,", enomem);
	print_u64(PRINT_ANY, "other", " other %llu;", errors);
	print_u64(PRINT_ANY, "corrupt", " pattern mismatches %llu", corrupt);
	close_json_object();
	print_nl();
	print_memstats(before, end, after);
	close_json_object();
	free(h);
	if (corrupt)
		fprintf(stderr, "memload: %llu objects failed verification\n",
			(unsigned long long)corrupt);
	return corrupt || errors ? 1 : 0;
}

static void progress(uint64_t elapsed, uint64_t *last_ops, uint64_t *last_ns)
{
	char c1[HUMAN_BUFSZ], c2[HUMAN_BUFSZ], b1[HUMAN_BUFSZ], b2[HUMAN_BUFSZ];
	struct ml_memstats ms;
	uint64_t ops = 0, live = 0, heap = 0;
	unsigned int i;

	for (i = 0; i < nthr; i++) {
		ops += __atomic_load_n(&thr[i].ops, __ATOMIC_RELAXED);
		live += __atomic_load_n(&thr[i].live_bytes, __ATOMIC_RELAXED);
	}
	if (!ml_memstats_read(&ms))
		ml_memstats_get(&ms, "HeapAlloc", &heap);
	fprintf(stderr, "memload: %5.1fs  %s ops  %s ops/s  live %s  HeapAlloc %s\n",
		elapsed / 1e9, human_count(c1, sizeof(c1), ops, UNITS_SI),
		human_count(c2, sizeof(c2),
			    (ops - *last_ops) * 1000000000ULL /
			    (elapsed - *last_ns ? elapsed - *last_ns : 1), UNITS_SI),
		human_bytes(b1, sizeof(b1), live, UNITS_IEC),
		human_bytes(b2, sizeof(b2), heap, UNITS_IEC));
	*last_ops = ops;
	*last_ns = elapsed;
}

/* --- seed --------------------------------------------------------------- */

/* Go's example: a 256 KiB allocation every 100 ms, a free-all every K. */
static uint64_t seed(struct thr *t)
{
	uint64_t start = ml_now_ns(), step, v;
	struct ml_memstats ms;
	struct timespec ts;
	uint64_t next = start, freed;

	for (step = 1; !stop; step++) {
		if (cfg.ops && step > cfg.ops)
			break;
		if (ml_now_ns() - start >= cfg.duration_ns)
			break;
		if (alloc_batch(t, 1) == 1)
			keep(t, t->aops[0].handle, t->aops[0].size);
		freed = 0;
		if (!(step % cfg.every))
			freed = free_all(t);
		snapshot(&ms, "after a step");
		open_json_object(NULL);
		print_u64(PRINT_ANY, "step", "step %3llu", step);
		ml_memstats_get(&ms, "HeapAlloc", &v);
		print_size(PRINT_ANY, "heap_alloc", "  HeapAlloc %9s", v);
		ml_memstats_get(&ms, "HeapInuse", &v);
		print_size(PRINT_ANY, "heap_inuse", "  HeapInuse %9s", v);
		ml_memstats_get(&ms, "TotalAlloc", &v);
		print_size(PRINT_ANY, "total_alloc", "  TotalAlloc %9s", v);
		if (freed)
			print_u64(PRINT_ANY, "freed", "  (freed %llu objects)", freed);
		close_json_object();
		print_nl();
		fflush(stdout);

		next += cfg.interval_ns;
		ts.tv_sec = next / 1000000000ULL;
		ts.tv_nsec = next % 1000000000ULL;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	return ml_now_ns() - start;
}

/* --- options ------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
"usage: memload [OPTIONS] seed|churn|remote|fill\n"
"\n"
"Put load on memarena through " MEMARENA_DEV_PATH " (root).\n"
"\n"
"  seed     allocate --step every --interval, print HeapAlloc/HeapInuse/\n"
"           TotalAlloc, free everything every --every steps\n"
"  churn    random sizes (--dist), random frees, around --live bytes\n"
"  remote   a thread per CPU; --share %% of objects freed by another CPU\n"
"  fill     grow to --size live bytes, then free everything\n"
"\n"
"  --ioctl            ioctl() instead of io_uring (IORING_OP_URING_CMD)\n"
"  --threads N        threads (default 1; remote: one per CPU of --cpus)\n"
"  --cpus LIST        pin threads to these CPUs (e.g. 0-3,6) and allocate\n"
"                     from their per-CPU caches (default: the file's arena;\n"
"                     remote: every CPU we may run on)\n"
"  --duration T       run this long (10s; seed 5s; fill: until full)\n"
"  --ops N            stop after N allocations and frees (seed: N steps)\n"
"  --batch N          operations per command, 1..%d (16)\n"
"  --verify           write a pattern into every object, check it before\n"
"                     freeing the object; mismatches fail the run\n"
"  --zero             allocate zeroed objects\n"
"  --json             one JSON object (seed: one per step, then one)\n"
"  --quiet            no progress lines on stderr\n"
"  --dist D           uniform, power or fixed sizes (power; fill: fixed)\n"
"  --min S, --max S   size range of uniform and power (16, 32768)\n"
"  --alpha A          exponent of the power law (1.5)\n"
"  --object-size S    size of fixed (64K)\n"
"  --live S           churn, remote: live bytes to stay around (64M)\n"
"  --size S           fill: live bytes to reach (256M)\n"
"  --share P          remote: percent of objects freed on another CPU (50)\n"
"  --step S           seed: bytes per step (256K)\n"
"  --interval T       seed: time per step (100ms)\n"
"  --every K          seed: free everything every K steps (10)\n"
"\n"
"Sizes take k/M/G (1000s) or Ki/Mi/Gi (1024s); times 100ms, 2s.  The end\n"
"report gives ops/s, latency percentiles per command and the MemStats\n"
"deltas (/proc/memstats before, at the end, after closing).\n",
		MEMARENA_DEV_MAX_BATCH);
}

static void bad(const char *opt, const char *arg)
{
	fprintf(stderr, "memload: bad value for %s: '%s'\n", opt, arg);
	exit(2);
}

static uint64_t opt_size(const char *opt, const char *arg)
{
	uint64_t v;

	if (parse_size(arg, &v))
		bad(opt, arg);
	return v;
}

static uint64_t opt_count(const char *opt, const char *arg, uint64_t lo,
			  uint64_t hi)
{
	uint64_t v;

	if (parse_count(arg, &v) || v < lo || v > hi)
		bad(opt, arg);
	return v;
}

static uint64_t opt_time(const char *opt, const char *arg)
{
	uint64_t v;

	if (parse_interval(arg, &v))
		bad(opt, arg);
	return v;
}

static void parse_cpus(const char *arg)
{
	const char *p = arg;
	char *end;
	long a, b;

	cfg.ncpus = 0;
	while (*p) {
		a = strtol(p, &end, 10);
		if (end == p || a < 0 || a >= CPU_SETSIZE)
			bad("--cpus", arg);
		b = a;
		if (*end == '-') {
			p = end + 1;
			b = strtol(p, &end, 10);
			if (end == p || b < a || b >= CPU_SETSIZE)
				bad("--cpus", arg);
		}
		for (; a <= b; a++)
			cfg.cpus[cfg.ncpus++] = a;
		if (*end == ',')
			end++;
		else if (*end)
			bad("--cpus", arg);
		p = end;
	}
	if (!cfg.ncpus)
		bad("--cpus", arg);
	cfg.cpus_given = true;
}

static void default_cpus(void)
{
	cpu_set_t set;
	int c;

	if (sched_getaffinity(0, sizeof(set), &set))
		die("sched_getaffinity: %s", strerror(errno));
	cfg.ncpus = 0;
	for (c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			cfg.cpus[cfg.ncpus++] = c;
}

enum {
	O_IOCTL = 256, O_THREADS, O_CPUS, O_DURATION, O_OPS, O_BATCH, O_VERIFY,
	O_ZERO, O_JSON, O_QUIET, O_DIST, O_MIN, O_MAX, O_ALPHA, O_OBJSIZE,
	O_LIVE, O_SIZE, O_SHARE, O_STEP, O_INTERVAL, O_EVERY,
};

static const struct option options[] = {
	{ "ioctl", no_argument, NULL, O_IOCTL },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "cpus", required_argument, NULL, O_CPUS },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "ops", required_argument, NULL, O_OPS },
	{ "batch", required_argument, NULL, O_BATCH },
	{ "verify", no_argument, NULL, O_VERIFY },
	{ "zero", no_argument, NULL, O_ZERO },
	{ "json", no_argument, NULL, O_JSON },
	{ "quiet", no_argument, NULL, O_QUIET },
	{ "dist", required_argument, NULL, O_DIST },
	{ "min", required_argument, NULL, O_MIN },
	{ "max", required_argument, NULL, O_MAX },
	{ "alpha", required_argument, NULL, O_ALPHA },
	{ "object-size", required_argument, NULL, O_OBJSIZE },
	{ "live", required_argument, NULL, O_LIVE },
	{ "size", required_argument, NULL, O_SIZE },
	{ "share", required_argument, NULL, O_SHARE },
	{ "step", required_argument, NULL, O_STEP },
	{ "interval", required_argument, NULL, O_INTERVAL },
	{ "every", required_argument, NULL, O_EVERY },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void parse_args(int argc, char **argv)
{
	unsigned int i;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case O_IOCTL:
			cfg.uring = false;
			break;
		case O_THREADS:
			cfg.threads = opt_count("--threads", optarg, 1, 1024);
			break;
		case O_CPUS:
			parse_cpus(optarg);
			break;
		case O_DURATION:
			cfg.duration_ns = opt_time("--duration", optarg);
			break;
		case O_OPS:
			cfg.ops = opt_count("--ops", optarg, 1, UINT64_MAX);
			break;
		case O_BATCH:
			cfg.batch = opt_count("--batch", optarg, 1,
					      MEMARENA_DEV_MAX_BATCH);
			break;
		case O_VERIFY:
			cfg.verify = true;
			break;
		case O_ZERO:
			cfg.zero = true;
			break;
		case O_JSON:
			cfg.json = true;
			break;
		case O_QUIET:
			cfg.quiet = true;
			break;
		case O_DIST:
			for (i = 0; i < 3; i++)
				if (!strcmp(optarg, dist_names[i]))
					break;
			if (i == 3)
				bad("--dist", optarg);
			cfg.dist = i;
			cfg.dist_given = true;
			break;
		case O_MIN:
			cfg.min_size = opt_size("--min", optarg);
			break;
		case O_MAX:
			cfg.max_size = opt_size("--max", optarg);
			break;
		case O_ALPHA:
			cfg.alpha = strtod(optarg, &end);
			if (*end || end == optarg || cfg.alpha <= 0)
				bad("--alpha", optarg);
			break;
		case O_OBJSIZE:
			cfg.obj_size = opt_size("--object-size", optarg);
			break;
		case O_LIVE:
			cfg.live = opt_size("--live", optarg);
			break;
		case O_SIZE:
			cfg.fill = opt_size("--size", optarg);
			break;
		case O_SHARE:
			cfg.share = opt_count("--share", optarg, 0, 100);
			break;
		case O_STEP:
			cfg.step = opt_size("--step", optarg);
			break;
		case O_INTERVAL:
			cfg.interval_ns = opt_time("--interval", optarg);
			break;
		case O_EVERY:
			cfg.every = opt_count("--every", optarg, 1, UINT_MAX);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		exit(2);
	}
	for (i = 0; i < 4; i++)
		if (!strcmp(argv[optind], workload_names[i]))
			break;
	if (i == 4) {
		fprintf(stderr, "memload: unknown workload '%s'\n", argv[optind]);
		exit(2);
	}
	cfg.wl = i;

	if (!cfg.min_size || cfg.min_size > cfg.max_size)
		bad("--min/--max", "min must be 1..max");
	if (!cfg.obj_size || !cfg.step)
		bad("--object-size/--step", "0");
	if (cfg.wl == W_FILL && !cfg.dist_given)
		cfg.dist = D_FIXED;
	if (cfg.wl == W_SEED) {
		if (cfg.threads > 1)
			bad("--threads", "seed runs one thread");
		cfg.threads = 1;
		cfg.dist = D_FIXED;
		cfg.obj_size = cfg.step;
		if (!cfg.duration_ns)
			cfg.duration_ns = 5000000000ULL;
	}
	if (cfg.wl == W_REMOTE && !cfg.cpus_given)
		default_cpus();
	if (!cfg.threads)
		cfg.threads = cfg.wl == W_REMOTE ? cfg.ncpus : 1;
	if (!cfg.duration_ns && (cfg.wl == W_CHURN || cfg.wl == W_REMOTE))
		cfg.duration_ns = 10000000000ULL;
}

static void on_signal(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	struct ml_memstats before, end, after;
	uint64_t start, elapsed, last_ops = 0, last_ns = 0, now;
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned int i;
	int err;

	parse_args(argc, argv);
	output_init(cfg.json ? OUTPUT_JSON : OUTPUT_TEXT, UNITS_IEC);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	nthr = cfg.threads;
	thr = xcalloc(nthr, sizeof(*thr));
	for (i = 0; i < nthr; i++) {
		struct thr *t = &thr[i];

		t->id = i;
		t->cpu = cfg.ncpus ? cfg.cpus[i % cfg.ncpus] : -1;
		t->rng = 0x9E3779B97F4A7C15ULL * (i + 1) ^ (uint64_t)getpid() << 20 ^
			 ml_now_ns();
		if (!t->rng)
			t->rng = 1;
		t->aops = xcalloc(cfg.batch, sizeof(*t->aops));
		t->pops = xcalloc(cfg.batch, sizeof(*t->pops));
		t->handles = xcalloc(cfg.batch, sizeof(*t->handles));
		t->capin = 64 * (size_t)cfg.batch;
		t->inbox = xcalloc(t->capin, sizeof(*t->inbox));
		t->notes = xcalloc(t->capin, sizeof(*t->notes));
		pthread_mutex_init(&t->lock, NULL);
		t->target = (cfg.wl == W_FILL ? cfg.fill : cfg.live) / nthr;
		if (cfg.ops)
			t->budget = cfg.ops / nthr + (i < cfg.ops % nthr);
		err = ml_dev_open(&t->dev, cfg.uring);
		if (err)
			die("%s%s: %s", cfg.uring && err != -ENOENT && err != -EACCES &&
			    err != -EPERM ? "io_uring on " : "", MEMARENA_DEV_PATH,
			    strerror(-err));
	}
	pthread_barrier_init(&thr_barrier, NULL, nthr);

	snapshot(&before, "before the run");

	if (cfg.wl == W_SEED) {
		elapsed = seed(&thr[0]);
		snapshot(&end, "at the end of the run");
		free_all(&thr[0]);
	} else {
		start = ml_now_ns();
		for (i = 0; i < nthr; i++) {
			err = pthread_create(&thr[i].tid, NULL, thread_main, &thr[i]);
			if (err)
				die("pthread_create: %s", strerror(err));
		}
		pthread_mutex_lock(&gate_lock);
		while (gate_arrived < nthr) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&gate_cond, &gate_lock, &ts);
			if (gate_arrived == nthr)
				break;
			now = ml_now_ns() - start;
			if (cfg.duration_ns && now >= cfg.duration_ns)
				stop = 1;
			if (!cfg.quiet && now >= 1000000000ULL) {
				pthread_mutex_unlock(&gate_lock);
				progress(now, &last_ops, &last_ns);
				pthread_mutex_lock(&gate_lock);
			}
		}
		elapsed = ml_now_ns() - start;
		snapshot(&end, "at the end of the run");
		gate_open = true;
		pthread_cond_broadcast(&gate_cond);
		pthread_mutex_unlock(&gate_lock);
		for (i = 0; i < nthr; i++)
			pthread_join(thr[i].tid, NULL);
	}

	for (i = 0; i < nthr; i++)
		ml_dev_close(&thr[i].dev);
	snapshot(&after, "after closing");
	return report(elapsed, &before, &end, &after);
}
