/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ma_shim.h - just enough of the kernel, in userspace, to compile and test
 * memarena's allocator core (module/{malloc,mheap,mheaprelease,mfixalloc,
 * mheapindex,numa,mspan,mcentral,mcache,userarena,sizeclasses,stats}.c)
 * unchanged, in the manner of tools/testing/vma.
 * module/memarena.h includes this file when __KERNEL__ is not defined;
 * include/linux/{gfp,cpu,cpuhotplug,mutex,workqueue}.h (next to this file)
 * only include it, for the kernel header names the core includes
 * unconditionally.  Everything here is written for memarena; nothing is
 * taken from the kernel.
 *
 * What is emulated, and how (the functions are in ma_shim.c):
 *
 * CPUs          ma_shim_nr_cpus possible CPUs (default 4, at most
 *               MA_SHIM_MAX_CPUS; set it before ma_malloc_init()).  The
 *               current CPU is a thread-local variable set by the test,
 *               ma_shim_set_cpu(); threads never migrate by themselves.
 *               ma_shim_cpu_offline()/ma_shim_cpu_online() run the
 *               cpuhp teardown/startup callbacks registered with
 *               cpuhp_setup_state_nocalls(), under the hotplug lock that
 *               cpus_read_lock() takes for reading.
 * nodes         ma_shim_nr_nodes memory nodes (default 1, at most
 *               MA_SHIM_MAX_NODES; set it before ma_malloc_init()); CPU c
 *               is on node c % nodes; distance 10 to itself, 20 to the
 *               others.  A page remembers the node it was allocated on
 *               (page_to_nid()); ma_shim_node_full(nid, true) makes
 *               __GFP_THISNODE allocations on nid fail (others go to the
 *               next node), as a node whose memory ran out.
 * per-CPU data  __alloc_percpu() allocates one zeroed block holding every
 *               CPU's copy; per_cpu_ptr(p, cpu) finds the block containing
 *               p (any address inside CPU 0's copy) and adds cpu * unit.
 *               As in the kernel, more than 32 KiB or an alignment above
 *               PAGE_SIZE is refused with a WARN.
 * locks         spinlock_t, local_lock_t and struct mutex are pthread
 *               mutexes that record their owner thread, so that
 *               lockdep_assert_held() is a real check, recursive locking
 *               is caught, and a small lockdep learns the order of lock
 *               classes (one class per spin_lock_init()/DEFINE_* site) and
 *               reports an inversion.  A spinlock or local lock held means
 *               "atomic context": might_sleep() and every page or kmalloc
 *               allocation then WARN (memarena.h: nothing calls the page
 *               allocator under a memarena lock).  local_lock_irqsave()
 *               locks the current CPU's instance and remembers which in
 *               the flags.  spin_lock_bh() disables "softirqs" for the
 *               lockdep.  seqcount_spinlock_t checks that its writers hold
 *               the lock.
 * work items    queue_work_on(cpu, ...) runs the function at once, in the
 *               caller's thread, with the current CPU switched to @cpu;
 *               flush_work() has nothing left to wait for.
 * pages         alloc_pages() returns an array of struct page, one per page,
 *               and naturally aligned memory (aligned_alloc), zeroed
 *               with __GFP_ZERO, else filled with 0x6b so that nothing
 *               relies on fresh pages being zero.  After split_page() the
 *               pages are freed one by one; a freed page is poisoned for
 *               AddressSanitizer until the whole block is freed, so any
 *               touch of memory given back is a use-after-free report.  Fault injection:
 *               ma_shim_fail_page_nth(n) fails the n-th next page
 *               allocation, ma_shim_fail_pages(true) all of them,
 *               ma_shim_page_max_order fails larger orders
 *               (fragmentation).  __GFP_NOFAIL is never failed.
 *               Outstanding page blocks and kmalloc/percpu objects are
 *               counted (pages stay reachable from the shim's lookup table,
 *               so these counters, not LeakSanitizer, catch their leaks);
 *               kmalloc has its own fault injection (ma_shim_fail_kmalloc_nth).
 *               The "direct map" is the user address space: PAGE_OFFSET 0,
 *               high_memory 1 << 47 (a test may lower it).
 * policies      init_on_alloc/init_on_free are the variables
 *               ma_shim_init_on_alloc/ma_shim_init_on_free; in_nmi() is
 *               the thread-local ma_shim_in_nmi.
 * contexts      ma_shim_set_context() puts a thread in "softirq" or
 *               "hardirq" context: sleeping there WARNs, and the lockdep
 *               checks each lock class's irq safety as the kernel's does.
 * WARN          WARN_ON_ONCE() and the lock checks print the condition, a
 *               stack trace, and abort(): a WARN means an allocator
 *               invariant broke, and must fail the test (or the fuzz run).
 *               might_sleep() and might_alloc() are checks, not no-ops.
 * pr_*          print to stderr; pr_warn_once() once per call site.
 *               ma_shim_quiet silences pr_*() and WARN stack traces.
 * gfp_t         GFP flag values are the shim's own, not the kernel's.
 */
#ifndef _MA_SHIM_H
#define _MA_SHIM_H

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/types.h>
#include <linux/types.h>	/* the uapi header: __u8 ... __u64 */

/* --- types and compiler ------------------------------------------------- */

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
#define U64_MAX		((u64)~0ULL)
typedef __s64 s64;

#define __percpu
#define __read_mostly
#define __init
#define __exit
#ifndef noinline
#define noinline __attribute__((__noinline__))
#endif
#ifndef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#endif
#define __acquires(x)
#define __releases(x)
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define _RET_IP_	((unsigned long)__builtin_return_address(0))

#ifndef KBUILD_MODNAME
#define KBUILD_MODNAME "memarena"
#endif

#define EXPORT_SYMBOL_GPL(sym) \
	_Static_assert(sizeof(&(sym)) != 0, "exported: " #sym)
/* The kernel's static_assert(): the message is optional. */
#undef static_assert
#define static_assert(expr, ...) __ma_static_assert(expr, ##__VA_ARGS__, #expr)
#define __ma_static_assert(expr, msg, ...) _Static_assert(expr, msg)
#define BUILD_BUG_ON(cond) \
	do { _Static_assert(!(cond), "BUILD_BUG_ON(" #cond ")"); } while (0)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))
#endif

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* --- WARN, printk ------------------------------------------------------- */

extern bool ma_shim_quiet;

void ma_shim_warn(const char *file, int line, const char *what)
	__attribute__((__noreturn__));

/* Not "once": any WARN is fatal here, the first is the only one. */
#define WARN_ON_ONCE(cond) ({						\
	bool __warn_c = !!(cond);					\
	if (unlikely(__warn_c))						\
		ma_shim_warn(__FILE__, __LINE__, "WARN_ON_ONCE(" #cond ")"); \
	unlikely(__warn_c);						\
})
#define WARN_ON(cond)	WARN_ON_ONCE(cond)

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
#define ma_shim_printk(lvl, fmt, ...) do {				\
	if (!ma_shim_quiet)						\
		fprintf(stderr, "[" lvl "] " fmt, ##__VA_ARGS__);	\
} while (0)
#define pr_info(fmt, ...) ma_shim_printk("info", pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...) ma_shim_printk("err", pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...) ma_shim_printk("warn", pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn_once(fmt, ...) do {					\
	static bool __pr_done;						\
	if (!__atomic_exchange_n(&__pr_done, true, __ATOMIC_RELAXED))	\
		pr_warn(fmt, ##__VA_ARGS__);				\
} while (0)

/* --- arithmetic --------------------------------------------------------- */

#define __ma_minmax(a, b, op) ({					\
	__typeof__(a) __mm_a = (a);					\
	__typeof__(b) __mm_b = (b);					\
	(void)(&__mm_a == &__mm_b);	/* same types, as the kernel's */ \
	__mm_a op __mm_b ? __mm_a : __mm_b;				\
})
#define min(a, b)	__ma_minmax(a, b, <)
#define max(a, b)	__ma_minmax(a, b, >)
#define min_t(type, a, b)	__ma_minmax((type)(a), (type)(b), <)
#define max_t(type, a, b)	__ma_minmax((type)(a), (type)(b), >)
#define clamp_t(type, val, lo, hi) ({					\
	type __cl_v = (type)(val), __cl_lo = (type)(lo), __cl_hi = (type)(hi); \
	__cl_v < __cl_lo ? __cl_lo : __cl_v > __cl_hi ? __cl_hi : __cl_v; \
})

#define ALIGN(x, a)	(((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define BITS_PER_LONG	64
#define BIT(nr)		(1UL << (nr))
#define BITS_TO_LONGS(nr)	DIV_ROUND_UP(nr, BITS_PER_LONG)

static inline bool is_power_of_2(unsigned long n)
{
	return n && !(n & (n - 1));
}

/* ceil(log2(n)), 0 for n <= 1 */
static inline int order_base_2(unsigned long n)
{
	return n > 1 ? BITS_PER_LONG - __builtin_clzl(n - 1) : 0;
}

/* Saturating, like the kernel's: an overflow gives SIZE_MAX. */
#define struct_size(p, member, n) ({					\
	size_t __ss;							\
	if (__builtin_mul_overflow((size_t)(n), sizeof((p)->member[0]), &__ss) || \
	    __builtin_add_overflow(__ss, sizeof(*(p)), &__ss))		\
		__ss = SIZE_MAX;					\
	__ss;								\
})

/* --- atomics and memory ordering ---------------------------------------- */

#define READ_ONCE(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) \
	__atomic_store_n(&(x), (__typeof__(x))(v), __ATOMIC_RELAXED)
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)
#define smp_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_store_release(p, v) \
	__atomic_store_n((p), (__typeof__(*(p)))(v), __ATOMIC_RELEASE)

typedef struct {
	s64 counter;
} atomic64_t;

static inline s64 atomic64_read(const atomic64_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}

static inline void atomic64_set(atomic64_t *v, s64 i)
{
	__atomic_store_n(&v->counter, i, __ATOMIC_RELAXED);
}

static inline void atomic64_add(s64 i, atomic64_t *v)
{
	__atomic_fetch_add(&v->counter, i, __ATOMIC_RELAXED);
}

static inline void atomic64_inc(atomic64_t *v)
{
	atomic64_add(1, v);
}

static inline s64 atomic64_xchg(atomic64_t *v, s64 i)
{
	return __atomic_exchange_n(&v->counter, i, __ATOMIC_SEQ_CST);
}

typedef struct {
	int counter;
} atomic_t;

static inline int atomic_read(const atomic_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}

/* --- error pointers ----------------------------------------------------- */

#define MAX_ERRNO	4095
#define IS_ERR_VALUE(x)	((unsigned long)(x) >= (unsigned long)-MAX_ERRNO)

static inline void *ERR_PTR(long error)
{
	return (void *)error;
}

static inline long PTR_ERR(const void *ptr)
{
	return (long)ptr;
}

static inline bool IS_ERR(const void *ptr)
{
	return IS_ERR_VALUE(ptr);
}

static inline bool IS_ERR_OR_NULL(const void *ptr)
{
	return !ptr || IS_ERR_VALUE(ptr);
}

/* --- lists -------------------------------------------------------------- */

struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name)	{ &(name), &(name) }
#define LIST_HEAD(name)		struct list_head name = LIST_HEAD_INIT(name)
/* Non-canonical addresses: a use after list_del() faults. */
#define MA_LIST_POISON1	((struct list_head *)0xdead000000000100UL)
#define MA_LIST_POISON2	((struct list_head *)0xdead000000000122UL)

static inline void INIT_LIST_HEAD(struct list_head *h)
{
	h->next = h;
	h->prev = h;
}

static inline void __list_link(struct list_head *n, struct list_head *prev,
			       struct list_head *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}

static inline void list_add(struct list_head *n, struct list_head *h)
{
	__list_link(n, h, h->next);
}

static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	__list_link(n, h->prev, h);
}

static inline void __list_unlink(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
}

static inline void list_del(struct list_head *e)
{
	__list_unlink(e);
	e->next = MA_LIST_POISON1;
	e->prev = MA_LIST_POISON2;
}

static inline void list_move(struct list_head *e, struct list_head *h)
{
	__list_unlink(e);
	list_add(e, h);
}

static inline void list_move_tail(struct list_head *e, struct list_head *h)
{
	__list_unlink(e);
	list_add_tail(e, h);
}

static inline bool list_empty(const struct list_head *h)
{
	return READ_ONCE(h->next) == h;
}

/* Move every entry of @from to the front of @to; @from is left empty. */
static inline void list_splice_init(struct list_head *from, struct list_head *to)
{
	if (list_empty(from))
		return;
	from->next->prev = to;
	from->prev->next = to->next;
	to->next->prev = from->prev;
	to->next = from->next;
	INIT_LIST_HEAD(from);
}

#define list_entry(ptr, type, member)	container_of(ptr, type, member)
#define list_first_entry(h, type, member) list_entry((h)->next, type, member)
#define list_first_entry_or_null(h, type, member) \
	(list_empty(h) ? NULL : list_first_entry(h, type, member))
#define list_next_entry(pos, member) \
	list_entry((pos)->member.next, __typeof__(*(pos)), member)
#define list_for_each_entry(pos, h, member)				\
	for (pos = list_first_entry(h, __typeof__(*pos), member);	\
	     &pos->member != (h);					\
	     pos = list_next_entry(pos, member))
#define list_for_each_entry_safe(pos, n, h, member)			\
	for (pos = list_first_entry(h, __typeof__(*pos), member),	\
	     n = list_next_entry(pos, member);				\
	     &pos->member != (h);					\
	     pos = n, n = list_next_entry(n, member))

/* --- bitmaps ------------------------------------------------------------ */

#define DECLARE_BITMAP(name, bits)	unsigned long name[BITS_TO_LONGS(bits)]

static inline void __set_bit(unsigned long nr, unsigned long *map)
{
	map[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG);
}

static inline void __clear_bit(unsigned long nr, unsigned long *map)
{
	map[nr / BITS_PER_LONG] &= ~(1UL << (nr % BITS_PER_LONG));
}

static inline bool test_bit(unsigned long nr, const unsigned long *map)
{
	return (map[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG)) & 1;
}

static inline bool __test_and_clear_bit(unsigned long nr, unsigned long *map)
{
	bool old = test_bit(nr, map);

	__clear_bit(nr, map);
	return old;
}

static inline void bitmap_zero(unsigned long *map, unsigned int nbits)
{
	memset(map, 0, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

static inline void bitmap_set(unsigned long *map, unsigned int start,
			      unsigned int nbits)
{
	while (nbits--)
		__set_bit(start++, map);
}

/* First bit at or after @off whose value is not @invert, or @size. */
static inline unsigned long __ma_find_bit(const unsigned long *map,
					  unsigned long size, unsigned long off,
					  unsigned long invert)
{
	unsigned long w;

	while (off < size) {
		w = (map[off / BITS_PER_LONG] ^ invert) >> (off % BITS_PER_LONG);
		if (w) {
			off += __builtin_ctzl(w);
			return off < size ? off : size;
		}
		off = ALIGN(off + 1, BITS_PER_LONG);
	}
	return size;
}

static inline unsigned long find_next_bit(const unsigned long *map,
					  unsigned long size, unsigned long off)
{
	return __ma_find_bit(map, size, off, 0);
}

static inline unsigned long find_next_zero_bit(const unsigned long *map,
					       unsigned long size,
					       unsigned long off)
{
	return __ma_find_bit(map, size, off, ~0UL);
}

#define for_each_set_bit(bit, map, size)				\
	for ((bit) = find_next_bit(map, size, 0); (bit) < (size);	\
	     (bit) = find_next_bit(map, size, (bit) + 1))

/* Index of the lowest set bit; @w must not be 0. */
static inline unsigned long __ffs(unsigned long w)
{
	return __builtin_ctzl(w);
}

/* Last set bit below @size, or @size if none. */
static inline unsigned long find_last_bit(const unsigned long *map,
					  unsigned long size)
{
	unsigned long i = size;

	while (i--)
		if (test_bit(i, map))
			return i;
	return size;
}

/* --- locks -------------------------------------------------------------- */

/*
 * One lock type behind spinlock_t, local_lock_t and struct mutex.  @name
 * is the lock class (its init or definition site); @cls is its number in
 * the shim's lockdep, 0 until first use.
 */
struct ma_shim_lock {
	pthread_mutex_t m;
	const void *owner;		/* thread tag, NULL when free */
	const char *name;
	int cls;
	bool atomic;			/* spinlock or local lock */
};

#define MA_SHIM_LOCK_INIT(n, a) \
	{ .m = PTHREAD_MUTEX_INITIALIZER, .name = (n), .atomic = (a) }
#define MA_SHIM_SITE	__FILE__ ":" __stringify(__LINE__)
#define __stringify_1(x)	#x
#define __stringify(x)		__stringify_1(x)

void ma_shim_lock_init(struct ma_shim_lock *l, const char *name, bool atomic);
void ma_shim_lock_at(struct ma_shim_lock *l, const char *site);
/*
 * Interleaving hook for tests: if set, called (in the locking thread, with
 * no shim bookkeeping done yet) before any lock is taken; it may run
 * other "CPUs'" code to force a race window open.
 */
extern void (*ma_shim_lock_hook)(struct ma_shim_lock *l);
#define ma_shim_lock(l)	ma_shim_lock_at(l, MA_SHIM_SITE)
void ma_shim_unlock(struct ma_shim_lock *l);
void ma_shim_assert_held(const struct ma_shim_lock *l, const char *file,
			 int line);
void ma_shim_might_sleep(const char *file, int line);

/*
 * Contexts.  A thread is in process context unless a test says otherwise
 * (ma_shim_set_context()); the irqsave lock variants count "interrupts
 * off".  The lockdep above also records, per lock class, whether it was
 * taken in hardirq or softirq context and whether with interrupts on, and
 * WARNs on a class used both ways (the deadlock lockdep calls
 * "inconsistent lock state").
 */
enum ma_shim_context { MA_CTX_PROCESS, MA_CTX_SOFTIRQ, MA_CTX_HARDIRQ };
void ma_shim_set_context(enum ma_shim_context ctx);
enum ma_shim_context ma_shim_get_context(void);
void ma_shim_irq_save(void);
void ma_shim_irq_restore(void);
void ma_shim_bh_disable(void);
void ma_shim_bh_enable(void);

typedef struct ma_shim_lock spinlock_t;
#define DEFINE_SPINLOCK(x)	spinlock_t x = MA_SHIM_LOCK_INIT(#x, true)
#define spin_lock_init(l)	ma_shim_lock_init(l, MA_SHIM_SITE, true)
#define spin_lock(l)		ma_shim_lock(l)
#define spin_unlock(l)		ma_shim_unlock(l)
#define spin_lock_irqsave(l, flags) \
	do { (flags) = 0; ma_shim_irq_save(); ma_shim_lock(l); } while (0)
#define spin_unlock_irqrestore(l, flags) \
	do { (void)(flags); ma_shim_unlock(l); ma_shim_irq_restore(); } while (0)
#define spin_lock_bh(l) \
	do { ma_shim_bh_disable(); ma_shim_lock(l); } while (0)
#define spin_unlock_bh(l) \
	do { ma_shim_unlock(l); ma_shim_bh_enable(); } while (0)
#define lockdep_assert_held(l)	ma_shim_assert_held(l, __FILE__, __LINE__)

/*
 * Sequence counters: writers (under the associated lock, checked) make the
 * count odd for the duration of their section; readers retry.
 */
typedef struct {
	unsigned int sequence;
	spinlock_t *lock;
} seqcount_spinlock_t;

static inline void seqcount_spinlock_init(seqcount_spinlock_t *s,
					  spinlock_t *lock)
{
	s->sequence = 0;
	s->lock = lock;
}

#define write_seqcount_begin(s) do {						lockdep_assert_held((s)->lock);						__atomic_fetch_add(&(s)->sequence, 1, __ATOMIC_RELAXED);		__atomic_thread_fence(__ATOMIC_RELEASE);			} while (0)
#define write_seqcount_end(s) \
	__atomic_fetch_add(&(s)->sequence, 1, __ATOMIC_RELEASE)
#define raw_read_seqcount(s) \
	__atomic_load_n(&(s)->sequence, __ATOMIC_ACQUIRE)
#define read_seqcount_begin(s) ({					\
	unsigned int __seq;						\
	while ((__seq = raw_read_seqcount(s)) & 1)			\
		;							\
	__seq;								\
})
#define read_seqcount_retry(s, start) ({				\
	__atomic_thread_fence(__ATOMIC_ACQUIRE);			\
	raw_read_seqcount(s) != (start);				\
})

/* A seqlock: a sequence counter with its own writer lock. */
typedef struct {
	spinlock_t lock;
	seqcount_spinlock_t seq;
} seqlock_t;

#define seqlock_init(sl) do {						\
	spin_lock_init(&(sl)->lock);					\
	seqcount_spinlock_init(&(sl)->seq, &(sl)->lock);		\
} while (0)
#define write_seqlock(sl) do {						\
	spin_lock(&(sl)->lock);						\
	write_seqcount_begin(&(sl)->seq);				\
} while (0)
#define write_sequnlock(sl) do {					\
	write_seqcount_end(&(sl)->seq);					\
	spin_unlock(&(sl)->lock);					\
} while (0)
#define read_seqbegin(sl)	read_seqcount_begin(&(sl)->seq)
#define read_seqretry(sl, s)	read_seqcount_retry(&(sl)->seq, s)

/*
 * RCU: the userspace build never frees heap arenas before exit, and no
 * free races with a user arena's destruction.
 */
#define rcu_read_lock()		do { } while (0)
#define rcu_read_unlock()	do { } while (0)
#define rcu_read_lock_sched()	do { } while (0)
#define rcu_read_unlock_sched()	do { } while (0)
struct rcu_head {
	void *next;
};
#define kfree_rcu(p, field)	kfree(p)
typedef void (*rcu_callback_t)(struct rcu_head *head);
static inline void call_rcu(struct rcu_head *head, rcu_callback_t fn)
{
	fn(head);
}

struct mutex {
	struct ma_shim_lock l;
};
#define DEFINE_MUTEX(x)	struct mutex x = { MA_SHIM_LOCK_INIT(#x, false) }
#define mutex_lock(x) \
	do { ma_shim_might_sleep(__FILE__, __LINE__); ma_shim_lock(&(x)->l); } while (0)
#define mutex_unlock(x)	ma_shim_unlock(&(x)->l)
/* Only the kernel's reclaim path tries; here it always gets the lock. */
#define mutex_trylock(x)	({ mutex_lock(x); 1; })

#define might_sleep()	ma_shim_might_sleep(__FILE__, __LINE__)

/* --- CPUs and per-CPU data ---------------------------------------------- */

#define MA_SHIM_MAX_CPUS	16
#define NR_CPUS			MA_SHIM_MAX_CPUS
extern unsigned int ma_shim_nr_cpus;	/* possible CPUs, default 4 */
#define nr_cpu_ids		ma_shim_nr_cpus

extern __thread unsigned int ma_shim_cur_cpu;
void ma_shim_set_cpu(unsigned int cpu);
static inline unsigned int ma_shim_cpu(void)
{
	return ma_shim_cur_cpu;
}
#define smp_processor_id()	ma_shim_cpu()

bool cpu_online(unsigned int cpu);
unsigned int num_online_cpus(void);
#define num_possible_cpus()	nr_cpu_ids
unsigned int ma_shim_next_online(unsigned int cpu);
#define for_each_possible_cpu(cpu) \
	for ((cpu) = 0; (cpu) < nr_cpu_ids; (cpu)++)
#define for_each_online_cpu(cpu)				\
	for ((cpu) = ma_shim_next_online(0); (cpu) < nr_cpu_ids;	\
	     (cpu) = ma_shim_next_online((cpu) + 1))
void cpus_read_lock(void);
void cpus_read_unlock(void);
static inline bool cpus_read_trylock(void)
{
	cpus_read_lock();
	return true;
}

/* CPU masks, as many bits as possible CPUs. */
typedef struct {
	unsigned long bits[BITS_TO_LONGS(MA_SHIM_MAX_CPUS)];
} cpumask_var_t[1];
static inline bool zalloc_cpumask_var(cpumask_var_t *m, unsigned int gfp)
{
	memset(*m, 0, sizeof(*m));
	return true;
}
#define free_cpumask_var(m)	do { } while (0)
#define cpumask_set_cpu(cpu, m)	__set_bit(cpu, (m)->bits)
#define for_each_cpu(cpu, m)					\
	for ((cpu) = 0; (cpu) < nr_cpu_ids; (cpu)++)		\
		if (test_bit(cpu, (m)->bits))

/* Time. */
#define NSEC_PER_SEC	1000000000ULL
static inline u64 ktime_get_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static inline u64 local_clock(void)
{
	return ktime_get_ns();
}

static inline bool try_cmpxchg64(u64 *p, u64 *old, u64 new)
{
	return __atomic_compare_exchange_n(p, old, new, false, __ATOMIC_RELAXED,
					   __ATOMIC_RELAXED);
}

/* Module parameters: plain variables here. */
#define module_param_named(name, var, type, perm)
#define MODULE_PARM_DESC(name, desc)

static inline u64 ktime_get_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static inline u64 mul_u64_u64_div_u64(u64 a, u64 b, u64 c)
{
	return (u64)((unsigned __int128)a * b / c);
}
/* Simulated hotplug: run the teardown (dead) callbacks, or startup. */
int ma_shim_cpu_offline(unsigned int cpu);
int ma_shim_cpu_online(unsigned int cpu);

enum cpuhp_state {
	CPUHP_INVALID = -1,
	CPUHP_OFFLINE = 0,
	CPUHP_BP_PREPARE_DYN = 16,
	CPUHP_BP_PREPARE_DYN_END = 24,
};
int cpuhp_setup_state_nocalls(enum cpuhp_state state, const char *name,
			      int (*startup)(unsigned int cpu),
			      int (*teardown)(unsigned int cpu));
void cpuhp_remove_state_nocalls(enum cpuhp_state state);

void *__alloc_percpu(size_t size, size_t align);
#define alloc_percpu(type) \
	((type *)__alloc_percpu(sizeof(type), __alignof__(type)))
void free_percpu(void *p);
void *ma_shim_per_cpu_ptr(const void *p, unsigned int cpu);
#define per_cpu_ptr(p, cpu) \
	((__typeof__(p))ma_shim_per_cpu_ptr((const void *)(p), (cpu)))
#define this_cpu_ptr(p)	per_cpu_ptr(p, ma_shim_cpu())
/* Atomic: a work item may run "on" a CPU beside that CPU's thread. */
#define this_cpu_inc(pcp) \
	((void)__atomic_fetch_add(this_cpu_ptr(&(pcp)), 1, __ATOMIC_RELAXED))

/* Local locks: the current CPU's instance; the flags remember which. */
typedef struct ma_shim_lock local_lock_t;
#define local_lock_init(l)	ma_shim_lock_init(l, MA_SHIM_SITE, true)
#define local_lock_irqsave(l, flags) do {			\
	(flags) = ma_shim_cpu();					\
	ma_shim_irq_save();						\
	ma_shim_lock(per_cpu_ptr(l, (flags)));				\
} while (0)
#define local_unlock_irqrestore(l, flags) do {				\
	ma_shim_unlock(per_cpu_ptr(l, (flags)));			\
	ma_shim_irq_restore();						\
} while (0)

/* --- work items --------------------------------------------------------- */

struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);
struct work_struct {
	work_func_t func;
};
struct workqueue_struct;
#define system_wq	((struct workqueue_struct *)NULL)
#define INIT_WORK(w, f)	do { (w)->func = (f); } while (0)
bool queue_work_on(int cpu, struct workqueue_struct *wq,
		   struct work_struct *work);
bool flush_work(struct work_struct *work);
#define WQ_MEM_RECLAIM	(1u << 3)
/* Work runs at once in queue_work_on(): a queue is only a name here. */
struct workqueue_struct *alloc_workqueue(const char *fmt, unsigned int flags,
					 int max_active, ...);
void destroy_workqueue(struct workqueue_struct *wq);

/* --- gfp flags, policies, contexts -------------------------------------- */

typedef unsigned int gfp_t;

#define __GFP_DMA		0x00001u
#define __GFP_HIGHMEM		0x00002u
#define __GFP_DMA32		0x00004u
#define __GFP_MOVABLE		0x00008u
#define __GFP_HIGH		0x00020u
#define __GFP_IO		0x00040u
#define __GFP_FS		0x00080u
#define __GFP_ZERO		0x00100u
#define __GFP_DIRECT_RECLAIM	0x00400u
#define __GFP_KSWAPD_RECLAIM	0x00800u
#define __GFP_NOWARN		0x02000u
#define __GFP_RETRY_MAYFAIL	0x04000u
#define __GFP_NOFAIL		0x08000u
#define __GFP_NORETRY		0x10000u
#define __GFP_COMP		0x40000u
#define __GFP_ACCOUNT		0x400000u
#define __GFP_MEMALLOC		0x20000u
#define __GFP_NOMEMALLOC	0x80000u
#define __GFP_HARDWALL		0x100000u
#define __GFP_THISNODE		0x200000u
#define __GFP_NOLOCKDEP		0x800000u
#define __GFP_RECLAIM		(__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)
#define GFP_ATOMIC		(__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_NOWAIT		__GFP_KSWAPD_RECLAIM
#define GFP_KERNEL		(__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_DMA			__GFP_DMA
#define GFP_DMA32		__GFP_DMA32

static inline bool gfpflags_allow_blocking(gfp_t gfp)
{
	return gfp & __GFP_DIRECT_RECLAIM;
}

#define might_alloc(gfp) do {						\
	if (gfpflags_allow_blocking(gfp))				\
		ma_shim_might_sleep(__FILE__, __LINE__);		\
} while (0)

extern bool ma_shim_init_on_alloc;
extern bool ma_shim_init_on_free;
extern __thread bool ma_shim_in_nmi;

static inline bool want_init_on_alloc(gfp_t gfp)
{
	return ma_shim_init_on_alloc || (gfp & __GFP_ZERO);
}

static inline bool want_init_on_free(void)
{
	return ma_shim_init_on_free;
}

static inline bool in_nmi(void)
{
	return READ_ONCE(ma_shim_in_nmi);
}

unsigned long get_random_long(void);

/* --- pages -------------------------------------------------------------- */

#undef PAGE_SHIFT
#undef PAGE_SIZE
#undef PAGE_MASK
#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#define PAGE_ALIGN(x)	ALIGN(x, PAGE_SIZE)
#define PAGE_OFFSET	0UL
#define MAX_PHYSMEM_BITS 48		/* user addresses are 47-bit */
extern void *high_memory;		/* top of the "direct map": 1 << 47 */
#define MA_BUDDY_MAX_ORDER 10		/* compat.h's, for 4 KiB pages */

#define MA_SHIM_MAX_NODES	4
#define NUMA_NO_NODE		(-1)
#define N_MEMORY		1
extern unsigned int ma_shim_nr_nodes;	/* memory nodes, default 1 */
#define nr_node_ids		((int)ma_shim_nr_nodes)
#define node_possible(nid)	((nid) >= 0 && (nid) < nr_node_ids)
#define node_state(nid, st)	node_possible(nid)
#define for_each_node(nid)	for ((nid) = 0; (nid) < nr_node_ids; (nid)++)
#define for_each_node_state(nid, st)	for_each_node(nid)
#define node_distance(a, b)	((a) == (b) ? 10 : 20)
static inline int numa_mem_id(void)
{
	return ma_shim_cpu() % ma_shim_nr_nodes;
}
void ma_shim_node_full(int nid, bool full);

struct page {
	struct list_head lru;
	int nid;			/* shim: its node */
	void *addr;			/* shim: the memory */
	unsigned int order;		/* shim: checked on free */
	struct page *hnext;		/* shim: address lookup */
	struct page *head;		/* shim: first page of the block */
	bool split;			/* shim, head: split_page() done */
	bool freed;			/* shim, split block: page freed */
	unsigned int nleft;		/* shim, head: split pages not freed */
};

struct page *alloc_pages(gfp_t gfp, unsigned int order);
struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order);
#define alloc_page(gfp)	alloc_pages(gfp, 0)
#define page_to_nid(page)	((page)->nid)
void __free_pages(struct page *page, unsigned int order);
void free_pages(unsigned long addr, unsigned int order);
#define __free_page(page)	__free_pages(page, 0)
void split_page(struct page *page, unsigned int order);
struct page *virt_to_page(const void *addr);
unsigned long get_zeroed_page(gfp_t gfp);
void free_page(unsigned long addr);

static inline void *page_address(const struct page *page)
{
	return page->addr;
}

/* Smallest order whose block holds @size bytes. */
static inline int get_order(unsigned long size)
{
	size = (size - 1) >> PAGE_SHIFT;
	return size ? BITS_PER_LONG - __builtin_clzl(size) : 0;
}

/* --- kmalloc ------------------------------------------------------------ */

#define ZERO_SIZE_PTR		((void *)16)
#define ZERO_OR_NULL_PTR(x)	((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)

void *kzalloc(size_t size, gfp_t gfp);
void *kcalloc(size_t n, size_t size, gfp_t gfp);
void kfree(const void *p);

ssize_t strscpy(char *dst, const char *src, size_t size);

/*
 * kmemleak (module/checkers.h): objects registered and not yet freed;
 * ma_check_idle() wants none left.
 */
extern long ma_shim_kmemleak_objects;

static inline void kmemleak_alloc(const void *p, size_t size, int min_count,
				  gfp_t gfp)
{
	__atomic_add_fetch(&ma_shim_kmemleak_objects, 1, __ATOMIC_RELAXED);
}

static inline void kmemleak_free(const void *p)
{
	__atomic_sub_fetch(&ma_shim_kmemleak_objects, 1, __ATOMIC_RELAXED);
}

/* --- test controls (ma_shim.c) ------------------------------------------ */

extern unsigned int ma_shim_page_max_order;	/* larger orders fail */
void ma_shim_fail_page_nth(unsigned long n);	/* 0: off, 1: the next one */
void ma_shim_fail_pages(bool all);
void ma_shim_fail_kmalloc_nth(unsigned long n);
bool ma_shim_fault_fired(void);		/* an injected failure happened */
long ma_shim_pages_outstanding(void);	/* page blocks not freed */
long ma_shim_kmallocs_outstanding(void);	/* kmalloc + percpu blocks */
unsigned long ma_shim_page_allocs(void);	/* alloc_pages() calls */
unsigned int ma_shim_locks_held(void);	/* by this thread, any kind */
/* Free the struct pages of split blocks given back (before a fresh load). */
void ma_shim_forget_pages(void);
/* Back to defaults: 4 CPUs all online, CPU 0, policies off, no faults. */
void ma_shim_reset(void);

#endif /* _MA_SHIM_H */
