// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_alloc.c - libFuzzer target for memarena's allocator core, built in
 * userspace against ma_shim.h (see Makefile).
 *
 * Each input is a fresh module load (the heap zeroed as .bss would be,
 * ma_malloc_init()), a sequence of operations read from the bytes, then
 * freeing everything and ma_malloc_exit().  The first byte picks the
 * policies (init_on_alloc, init_on_free) and the number of CPUs; then each
 * operation is an opcode byte and its argument bytes (missing bytes read
 * as 0).  A model keeps every live object with its usable size and fill
 * seed, and a ring of freed addresses for double frees.
 *
 * After every operation: the counters say Mallocs - Frees == live objects;
 * bad frees moved by exactly what the operation expects (one per bad
 * free, else none); every live object has its memarena_size() and intact
 * edges, and no two overlap.  Every 8 operations the whole state is
 * checked (ma_check()), and memarena_read_memstats() must keep its
 * promises and agree exactly with the model; every 64 operations and at
 * the end also every byte of every object (and of each object freed, when
 * it is freed).
 * OP_SCAVENGE gives memory back as the scavenger does, and checks that
 * nothing touches it afterwards (the shim poisons released pages).
 * At the end, freeing everything and draining leaves the heap idle
 * (inuse 0, each heap arena without holes one free span), and unloading leaves no page
 * or kmalloc allocation behind; LeakSanitizer checks the rest.
 *
 * Any violation aborts: a crash for libFuzzer, with the input saved.
 */
#include "ma_check.h"

#define MAX_LIVE	1024
#define MAX_ARENAS	3
#define FREED_RING	64
#define LARGE_BUDGET	(48UL << 20)	/* live large bytes at most */

enum op {
	OP_ALLOC_SMALL, OP_ALLOC_SMALL2, OP_ALLOC_LARGE, OP_ARENA_ALLOC,
	OP_FREE, OP_FREE2, OP_FREE_BOGUS, OP_DOUBLE_FREE, OP_CPU, OP_DRAIN,
	OP_HOTPLUG, OP_ARENA_DESTROY, OP_FAULT, OP_NMI, OP_CONTEXT,
	OP_BURST_ALLOC, OP_BURST_FREE, OP_SCAVENGE, OP_BULK_ALLOC, OP_BULK_FREE, NR_OPS
};

struct slot {
	char *p;
	size_t size;		/* usable */
	unsigned long seed;
	int arena;		/* index in arenas[], or -1 */
};

static struct {
	const u8 *data;
	size_t len, pos;
	struct slot live[MAX_LIVE];
	unsigned int nlive;
	struct { char *p; size_t size; } freed[FREED_RING];
	unsigned int nfreed;		/* entries written, ring index mod */
	struct memarena_arena *arenas[MAX_ARENAS];
	u64 bad_expected;
	size_t large_bytes;
	u64 live_bytes;
	struct memarena_memstats ms[2];	/* this and the previous snapshot */
	unsigned int op, nops, nsnap;
	enum ma_shim_context ctx;
} fz;

static unsigned long fz_global;

#define FZ_CHECK(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_alloc: op %u (%u): %s: " fmt "\n",	\
			fz.nops, fz.op, #cond, ##__VA_ARGS__);		\
		abort();						\
	}								\
} while (0)

static u8 byte(void)
{
	return fz.pos < fz.len ? fz.data[fz.pos++] : 0;
}

static unsigned int u16_(void)
{
	return byte() | byte() << 8;
}

static unsigned long u24(void)
{
	return u16_() | (unsigned long)byte() << 16;
}

static unsigned long word(const struct slot *s, size_t i)
{
	return s->seed ^ (i * 0x9e3779b97f4a7c15UL) ^ (unsigned long)s->p;
}

/*
 * The words of an object that carry its pattern: all of them up to 64 KiB,
 * then the first and last 64 and one in 64 (big objects are slow to fill).
 */
static size_t next_word(size_t i, size_t n)
{
	if (n <= 8192 || i < 63 || i + 65 >= n)
		return i + 1;
	return i % 64 ? ALIGN(i, 64) : min(i + 64, n - 64);
}

/*
 * The pattern loops are not instrumented: ASan sees a heap arena as one
 * allocation and cannot check inside it anyway, and they are the hot spot.
 */
#define NO_SAN __attribute__((no_sanitize("address", "undefined")))

static NO_SAN void fill(const struct slot *s)
{
	unsigned long *w = (unsigned long *)s->p;
	size_t i, n = s->size / 8;

	for (i = 0; i < n; i = next_word(i, n))
		w[i] = word(s, i);
}

static NO_SAN void check_slot(const struct slot *s, bool full)
{
	const unsigned long *w = (const unsigned long *)s->p;
	size_t i, n = s->size / 8;

	FZ_CHECK(memarena_size(s->p) == s->size, "%p: size %zu, memarena_size %zu",
		 s->p, s->size, memarena_size(s->p));
	if (full) {
		for (i = 0; i < n; i = next_word(i, n))
			FZ_CHECK(w[i] == word(s, i), "%p (%zu bytes) damaged at word %zu",
				 s->p, s->size, i);
	} else {
		FZ_CHECK(w[0] == word(s, 0) && w[n - 1] == word(s, n - 1) &&
			 w[n / 2 & ~63UL] == word(s, n / 2 & ~63UL),
			 "%p (%zu bytes) damaged", s->p, s->size);
	}
}

static int cmp_slot(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	return x->p < y->p ? -1 : x->p > y->p;
}

static bool inside_live(const char *p)
{
	unsigned int i;

	for (i = 0; i < fz.nlive; i++)
		if (p >= fz.live[i].p && p < fz.live[i].p + fz.live[i].size)
			return true;
	return false;
}

static NO_SAN bool all_zero(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static gfp_t pick_gfp(u8 b)
{
	gfp_t gfp = fz.ctx != MA_CTX_PROCESS || (b & 2) ? GFP_ATOMIC : GFP_KERNEL;

	if (b & 1)
		gfp |= __GFP_ZERO;
	if ((b & 0x1c) == 0x1c)
		gfp |= __GFP_NOWARN | __GFP_NORETRY;
	if ((b & 0xe0) == 0xe0)
		gfp |= b & 1 ? __GFP_DMA : __GFP_DMA32;	/* refused */
	return gfp;
}

/* A small size in class 1 + @c % 67, anywhere in the class. */
static size_t small_size(u8 c, u8 sub)
{
	unsigned int cls = 1 + c % (MA_NUM_SIZE_CLASSES - 1);
	size_t lo = ma_class_size[cls - 1], hi = ma_class_size[cls];

	return lo + 1 + sub % (hi - lo);
}

static size_t large_size(void)
{
	u8 kind = byte();
	unsigned long r = u24();

	switch (kind % 8) {
	case 0:
		return 1UL << (16 + r % 7);			/* 64 KiB .. 4 MiB */
	case 1:
		return MEMARENA_MAX_SIZE + 1 + r % 4096;	/* too big */
	case 2:
		return MEMARENA_MAX_SMALL_SIZE + 1 + r % (MEMARENA_MAX_SIZE - MEMARENA_MAX_SMALL_SIZE);
	default:
		return MEMARENA_MAX_SMALL_SIZE + 1 + r % (256 << 10);
	}
}

static void add_live(char *p, size_t req, gfp_t gfp, int arena)
{
	struct slot *s;

	FZ_CHECK(fz.nlive < MAX_LIVE, "model full");
	s = &fz.live[fz.nlive];
	s->p = p;
	s->size = memarena_size(p);
	s->arena = arena;
	s->seed = ((unsigned long)fz.nops << 32) ^ fz.pos ^ 0x5bd1e995UL;
	if (req <= MEMARENA_MAX_SMALL_SIZE) {
		size_t want = 0;
		unsigned int c;

		for (c = 1; c < MA_NUM_SIZE_CLASSES && !want; c++)
			if (ma_class_size[c] >= req)
				want = ma_class_size[c];
		FZ_CHECK(s->size == want, "request %zu: size %zu, class %zu", req,
			 s->size, want);
		FZ_CHECK(ma_shim_init_on_alloc || (gfp & __GFP_ZERO) ||
			 !*(unsigned long *)p, "%p: free cookie not cleared", p);
	} else {
		FZ_CHECK(s->size == PAGE_ALIGN(req), "request %zu: size %zu", req, s->size);
		fz.large_bytes += s->size;
	}
	FZ_CHECK(!((unsigned long)p % 8), "%p misaligned", p);
	if (is_power_of_2(req))
		FZ_CHECK(!((unsigned long)p % max_t(size_t, req, 8)),
			 "%p not aligned to %zu", p, req);
	if (ma_shim_init_on_alloc || (gfp & __GFP_ZERO))
		FZ_CHECK(all_zero(p, s->size), "%p (%zu bytes) not zeroed", p, s->size);
	fill(s);
	fz.nlive++;
	fz.live_bytes += s->size;
}

static void remember_freed(char *p, size_t size)
{
	fz.freed[fz.nfreed % FREED_RING].p = p;
	fz.freed[fz.nfreed % FREED_RING].size = size;
	fz.nfreed++;
}

static void remove_live(unsigned int i)
{
	if (fz.live[i].size > MEMARENA_MAX_SMALL_SIZE)
		fz.large_bytes -= fz.live[i].size;
	fz.live_bytes -= fz.live[i].size;
	remember_freed(fz.live[i].p, fz.live[i].size);
	fz.live[i] = fz.live[--fz.nlive];
}

static void free_live(unsigned int i)
{
	struct slot s = fz.live[i];

	check_slot(&s, true);
	memarena_free(s.p);
	remove_live(i);
	if (ma_shim_init_on_free) {
		if (s.size <= MEMARENA_MAX_SMALL_SIZE)
			FZ_CHECK(all_zero(s.p + 8, s.size - 8), "%p not zeroed on free", s.p);
		else
			FZ_CHECK(all_zero(s.p, s.size), "%p not zeroed on free", s.p);
	}
}

/* A free that memarena must refuse and count once. */
static void bad_free(const void *p)
{
	memarena_free(p);
	fz.bad_expected++;
}

static void do_alloc(size_t size, gfp_t gfp, int arena)
{
	char *p;

	if (fz.nlive == MAX_LIVE)
		return;
	if (size > MEMARENA_MAX_SMALL_SIZE && fz.large_bytes + size > LARGE_BUDGET)
		return;
	p = arena >= 0 ? memarena_arena_alloc(fz.arenas[arena], size, gfp) :
			 memarena_alloc(size, gfp);
	if (size > MEMARENA_MAX_SIZE || (gfp & (__GFP_DMA | __GFP_DMA32))) {
		FZ_CHECK(!p, "%zu bytes allocated (gfp %#x)", size, gfp);
		return;
	}
	if (!p) {
		/* Only injected failures: this machine has the memory. */
		FZ_CHECK(ma_shim_fault_fired(), "%zu bytes: NULL without a fault", size);
		return;
	}
	add_live(p, size, gfp, arena);
}

static void process_context(void)
{
	ma_shim_set_context(MA_CTX_PROCESS);
}

static void restore_context(void)
{
	ma_shim_set_context(fz.ctx);
}

/*
 * The scavenger's part of a cycle (mgcscavenge.c is kernel-only): give
 * back @want bytes, whole heap arenas first when @arenas, then runs of
 * free pages.  The shim has no RCU readers: runs and arenas are freed at
 * once, and their pages poisoned, so any later touch is an ASan report.
 * A free of an address in a run just released must be refused without
 * touching it.
 */
static void scavenge(u64 want, bool arenas)
{
	struct ma_heap *h = ma_heaps[byte() % nr_node_ids];
	struct ma_page_run runs[8];
	struct ma_heap_arena *ha;
	u64 bytes, pause = 0, released;
	unsigned int n, i;
	char *hole;

	while (arenas && want) {
		released = h->released;
		ha = ma_heap_release_one(h, want, &bytes, &pause);
		if (!ha)
			break;
		FZ_CHECK(bytes <= want, "arena of %llu bytes for %llu", bytes, want);
		FZ_CHECK(h->released == released + bytes, "released %llu + %llu",
			 released, bytes);
		ma_heap_arena_free(ha);
		want -= bytes;
	}
	while (want) {
		released = h->released;
		n = ma_heap_release_pages(h, want, runs, ARRAY_SIZE(runs), &bytes,
					  &pause);
		if (!n)
			break;
		FZ_CHECK(n <= ARRAY_SIZE(runs), "%u runs", n);
		/* At most @want rounded up to a page. */
		FZ_CHECK(bytes <= want || bytes - want < PAGE_SIZE,
			 "%llu bytes for %llu",
			 bytes, want);
		FZ_CHECK(h->released == released + bytes, "released %llu + %llu",
			 released, bytes);
		hole = (char *)page_address(runs[0].page) +
		       byte() % runs[0].npages * PAGE_SIZE;
		for (i = 0; i < n; i++)
			ma_heap_free_run(&runs[i]);
		bad_free(hole);
		want -= min(want, bytes);
	}
	/* Everything asked for was given back, or no free page is held. */
	FZ_CHECK(!want || h->sys - h->released == h->inuse,
		 "%llu bytes wanted, %llu held, %llu in use", want,
		 h->sys - h->released, h->inuse);
}

static void do_op(enum op op)
{
	unsigned int i, cpu;
	struct slot *s;
	char name[16];
	size_t size;
	void *p;
	u8 b;

	switch (op) {
	case OP_ALLOC_SMALL:
	case OP_ALLOC_SMALL2:
		b = byte();
		size = small_size(b, byte());
		do_alloc(size, pick_gfp(byte()), -1);
		break;
	case OP_ALLOC_LARGE:
		size = large_size();
		do_alloc(size, pick_gfp(byte()), -1);
		break;
	case OP_ARENA_ALLOC:
		i = byte() % MAX_ARENAS;
		if (!fz.arenas[i]) {
			snprintf(name, sizeof(name), "fuzz%u", i);
			process_context();
			p = memarena_arena_create(name);
			restore_context();
			if (IS_ERR(p)) {
				FZ_CHECK(PTR_ERR(p) == -ENOMEM && ma_shim_fault_fired(),
					 "arena create: %ld", PTR_ERR(p));
				break;
			}
			fz.arenas[i] = p;
		}
		b = byte();
		size = b & 0x80 ? large_size() : small_size(b, byte());
		do_alloc(size, pick_gfp(byte()), i);
		break;
	case OP_FREE:
	case OP_FREE2:
		if (fz.nlive)
			free_live(u16_() % fz.nlive);
		break;
	case OP_FREE_BOGUS:
		b = byte();
		switch (b % 6) {
		case 0:
			p = malloc(64);
			FZ_CHECK(p, "malloc");
			bad_free(p);
			free(p);
			break;
		case 1:
			if (!fz.nlive)
				break;
			s = &fz.live[u16_() % fz.nlive];
			bad_free(s->p + 1 + u24() % (s->size - 1));
			break;
		case 2:
			bad_free(&b);
			break;
		case 3:
			bad_free(&fz_global);
			break;
		case 4:
			p = (void *)((unsigned long)byte() << 40 | u24() << 12 | 0x100000);
			if (!inside_live(p))
				bad_free(p);
			break;
		case 5:
			/* Somewhere in memory that was an object. */
			if (!fz.nfreed)
				break;
			i = u16_() % min(fz.nfreed, (unsigned int)FREED_RING);
			p = fz.freed[i].p + u24() % fz.freed[i].size;
			if (!inside_live(p))
				bad_free(p);
			break;
		}
		break;
	case OP_DOUBLE_FREE:
		if (!fz.nfreed)
			break;
		i = u16_() % min(fz.nfreed, (unsigned int)FREED_RING);
		if (!inside_live(fz.freed[i].p))
			bad_free(fz.freed[i].p);
		break;
	case OP_CPU:
		cpu = byte() % nr_cpu_ids;
		if (cpu_online(cpu))
			ma_shim_set_cpu(cpu);
		break;
	case OP_DRAIN:
		process_context();
		memarena_drain();
		restore_context();
		for_each_online_cpu(cpu)
			FZ_CHECK(!ma_cached_objs(cpu), "cpu %u keeps objects after drain", cpu);
		break;
	case OP_HOTPLUG:
		cpu = byte() % nr_cpu_ids;
		process_context();
		if (cpu_online(cpu)) {
			if (!ma_shim_cpu_offline(cpu))
				FZ_CHECK(!ma_cached_objs(cpu), "offline cpu %u keeps objects", cpu);
		} else {
			FZ_CHECK(!ma_shim_cpu_online(cpu), "online %u", cpu);
		}
		restore_context();
		break;
	case OP_ARENA_DESTROY:
		i = byte() % MAX_ARENAS;
		if (!fz.arenas[i])
			break;
		process_context();
		memarena_arena_destroy(fz.arenas[i]);
		restore_context();
		fz.arenas[i] = NULL;
		for (cpu = 0; cpu < fz.nlive; ) {
			if (fz.live[cpu].arena == (int)i)
				remove_live(cpu);
			else
				cpu++;
		}
		break;
	case OP_FAULT:
		/* Fail a page (or kmalloc) allocation of the next operation. */
		b = byte();
		ma_shim_fault_fired();
		if (b & 1)
			ma_shim_fail_kmalloc_nth(1 + b % 4);
		else
			ma_shim_fail_page_nth(1 + b % 8);
		fz.op = byte() % NR_OPS;
		if (fz.op != OP_FAULT)
			do_op(fz.op);
		ma_shim_fail_page_nth(0);
		ma_shim_fail_kmalloc_nth(0);
		break;
	case OP_NMI:
		ma_shim_in_nmi = true;
		FZ_CHECK(!memarena_alloc(64, GFP_ATOMIC), "allocation in NMI");
		if (fz.nlive)
			bad_free(fz.live[u16_() % fz.nlive].p);
		ma_shim_in_nmi = false;
		break;
	case OP_CONTEXT:
		fz.ctx = byte() % 3;
		restore_context();
		break;
	case OP_BURST_ALLOC:
		/* Many objects of one size: fills spans and per-CPU stacks. */
		b = byte();
		i = 1 + b % 128;
		size = b & 0x80 && !(byte() & 7) ? large_size() : small_size(byte(), byte());
		b = byte();
		while (i--)
			do_alloc(size, pick_gfp(b), -1);
		break;
	case OP_BURST_FREE:
		/* Free many: from the newest, or spread out. */
		b = byte();
		for (i = 1 + b % 128; i-- && fz.nlive; )
			free_live(b & 0x80 ? fz.nlive - 1 : (i * 7919) % fz.nlive);
		break;
	case OP_BULK_ALLOC:
		/* All or nothing: NULL only from an injected failure. */
		b = byte();
		i = 1 + b % 64;
		size = b & 0x80 && !(byte() & 7) ? large_size() : small_size(byte(), byte());
		if (fz.nlive + i > MAX_LIVE ||
		    (size > MEMARENA_MAX_SMALL_SIZE &&
		     fz.large_bytes + i * PAGE_ALIGN(size) > LARGE_BUDGET))
			break;
		{
			void *bp[64];
			gfp_t gfp = pick_gfp(byte());
			int got = memarena_alloc_bulk(size, gfp, i, bp);
			bool refused = (gfp & (__GFP_DMA | __GFP_DMA32)) ||
				       size > MEMARENA_MAX_SIZE;

			FZ_CHECK(got == 0 || (got == (int)i && !refused),
				 "bulk of %u: %d", i, got);
			FZ_CHECK(got || refused || ma_shim_fault_fired(),
				 "bulk of %u x %zu failed without a fault", i, size);
			for (cpu = 0; cpu < (unsigned int)got; cpu++)
				add_live(bp[cpu], size, gfp, -1);
		}
		break;
	case OP_BULK_FREE:
		/* Some live objects, a NULL and maybe a bad free, at once. */
		b = byte();
		{
			void *bp[66];
			unsigned int n = 0;

			for (i = 1 + b % 64; i-- && fz.nlive; ) {
				cpu = (i * 7919 + b) % fz.nlive;
				check_slot(&fz.live[cpu], true);
				bp[n++] = fz.live[cpu].p;
				remove_live(cpu);
			}
			bp[n++] = NULL;
			if (b & 0x80 && fz.nfreed) {
				i = u16_() % min(fz.nfreed, (unsigned int)FREED_RING);
				if (!inside_live(fz.freed[i].p)) {
					bp[n++] = fz.freed[i].p;
					fz.bad_expected++;
				}
			}
			memarena_free_bulk(n, bp);
		}
		break;
	case OP_SCAVENGE:
		b = byte();
		process_context();
		scavenge(b & 0x40 ? U64_MAX : ((u64)u16_() + 1) << (PAGE_SHIFT - 2),
			 b & 0x80);
		restore_context();
		break;
	case NR_OPS:
		break;
	}
}

/* @state: also ma_check(); @full: also every byte of every object. */
static void check_all(bool state, bool full)
{
	struct memarena_arena *a[MAX_ARENAS];
	static struct slot sorted[MAX_LIVE];
	struct memarena_memstats *ms;
	struct ma_heap_gauges g;
	unsigned long cached;
	unsigned int n = 0;
	struct ma_counts c;
	const char *e;
	unsigned int i;

	ma_counts(&c);
	FZ_CHECK(c.mallocs - c.frees == fz.nlive, "Mallocs %llu - Frees %llu, %u live",
		 c.mallocs, c.frees, fz.nlive);
	FZ_CHECK(c.bad_frees == fz.bad_expected, "%llu bad frees counted, %llu made",
		 c.bad_frees, fz.bad_expected);
	for (i = 0; i < fz.nlive; i++)
		check_slot(&fz.live[i], full);
	if (!state)
		return;

	/* The statistics agree with the model, exactly: nothing runs now. */
	ms = &fz.ms[fz.nsnap & 1];
	process_context();		/* memarena_read_memstats()'s context */
	memarena_read_memstats(ms);
	restore_context();
	e = ma_check_memstats(ms, fz.nsnap ? &fz.ms[!(fz.nsnap & 1)] : NULL);
	fz.nsnap++;
	FZ_CHECK(!e, "memstats: %s", e);
	FZ_CHECK(ms->heap_objects == fz.nlive, "HeapObjects %llu", ms->heap_objects);
	FZ_CHECK(ms->heap_alloc == fz.live_bytes, "HeapAlloc %llu, live %llu",
		 ms->heap_alloc, fz.live_bytes);
	FZ_CHECK(ms->bad_frees == fz.bad_expected, "BadFrees %llu", ms->bad_frees);
	ma_heap_read_all(&g);
	FZ_CHECK(ms->heap_inuse == g.inuse && ms->heap_sys == g.sys,
		 "HeapInuse %llu HeapSys %llu", ms->heap_inuse, ms->heap_sys);
	for (i = 0, cached = 0; i < nr_cpu_ids; i++)
		cached += ma_cached_objs(i);
	FZ_CHECK(ms->cached_objects == cached, "CachedObjects %llu, %lu cached",
		 ms->cached_objects, cached);

	memcpy(sorted, fz.live, fz.nlive * sizeof(sorted[0]));
	qsort(sorted, fz.nlive, sizeof(sorted[0]), cmp_slot);
	for (i = 1; i < fz.nlive; i++)
		FZ_CHECK(sorted[i - 1].p + sorted[i - 1].size <= sorted[i].p,
			 "%p (%zu bytes) overlaps %p", sorted[i - 1].p,
			 sorted[i - 1].size, sorted[i].p);
	for (i = 0; i < MAX_ARENAS; i++)
		if (fz.arenas[i])
			a[n++] = fz.arenas[i];
	e = ma_check(a, n, MA_CHECK_ALL);
	FZ_CHECK(!e, "%s", e);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t len)
{
	const char *e;
	unsigned int i;
	u8 cfg;

	memset(&fz, 0, sizeof(fz));
	fz.data = data;
	fz.len = len;
	cfg = byte();

	/* A fresh module load. */
	ma_shim_quiet = true;
	ma_shim_nr_cpus = 1 + (cfg >> 2) % 4;
	ma_shim_reset();
	ma_shim_forget_pages();
	ma_shim_init_on_alloc = cfg & 1;
	ma_shim_init_on_free = cfg & 2;
	/* One node or two: CPU c is on node c % nodes (ma_shim.h). */
	ma_shim_nr_nodes = 1 + (cfg >> 4) % 2;
	FZ_CHECK(ma_malloc_init() == 0, "init");

	while (fz.pos < fz.len) {
		fz.op = byte() % NR_OPS;
		do_op(fz.op);
		fz.nops++;
		check_all(fz.nops % 8 == 0, fz.nops % 64 == 0);
	}
	fz.ctx = MA_CTX_PROCESS;
	process_context();
	check_all(true, true);

	/* Free everything: the heap must end up idle. */
	while (fz.nlive)
		free_live(fz.nlive - 1);
	for (i = 0; i < MAX_ARENAS; i++)
		if (fz.arenas[i])
			memarena_arena_destroy(fz.arenas[i]);
	memset(fz.arenas, 0, sizeof(fz.arenas));
	memarena_drain();
	check_all(true, true);
	e = ma_check_idle();
	FZ_CHECK(!e, "%s", e);

	ma_malloc_exit();
	FZ_CHECK(!ma_shim_pages_outstanding(), "%ld page blocks leaked",
		 ma_shim_pages_outstanding());
	FZ_CHECK(!ma_shim_kmallocs_outstanding(), "%ld kmalloc blocks leaked",
		 ma_shim_kmallocs_outstanding());
	ma_shim_reset();
	return 0;
}
