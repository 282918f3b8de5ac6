// SPDX-License-Identifier: GPL-2.0
/*
 * ma_shim.c - the functions behind ma_shim.h: CPUs and hotplug, per-CPU
 * memory, checked locks with a small lockdep, work items, pages and
 * kmalloc with fault injection.  See the top of ma_shim.h.
 */
#include "ma_shim.h"
#include <sanitizer/asan_interface.h>

bool ma_shim_quiet;
bool ma_shim_init_on_alloc;
bool ma_shim_init_on_free;
__thread bool ma_shim_in_nmi;
unsigned int ma_shim_nr_cpus = 4;
unsigned int ma_shim_nr_nodes = 1;
static bool node_full[MA_SHIM_MAX_NODES];
unsigned int ma_shim_page_max_order = MA_BUDDY_MAX_ORDER;
__thread unsigned int ma_shim_cur_cpu;
void *high_memory = (void *)(1UL << 47);

void __sanitizer_print_stack_trace(void) __attribute__((weak));

void ma_shim_warn(const char *file, int line, const char *what)
{
	fflush(stdout);
	fprintf(stderr, "%sWARNING: %s:%d: %s\n", ma_shim_quiet ? "# " : "",
		file, line, what);
	if (__sanitizer_print_stack_trace && !ma_shim_quiet)
		__sanitizer_print_stack_trace();
	abort();
}

#define SHIM_WARN(what)	ma_shim_warn(__FILE__, __LINE__, what)

/* --- locks and a small lockdep ------------------------------------------ */

#define MA_SHIM_MAX_CLASSES	32
#define MA_SHIM_MAX_HELD	16

static __thread char self_tag;		/* its address names the thread */
static __thread struct ma_shim_lock *held[MA_SHIM_MAX_HELD];
static __thread unsigned int nheld, natomic, irqs_off, bh_off;
static __thread enum ma_shim_context context;

static pthread_mutex_t ld_mutex = PTHREAD_MUTEX_INITIALIZER;
static const char *ld_name[MA_SHIM_MAX_CLASSES];
static unsigned int ld_ncls;
/* ld_after[a][b]: b was taken while a was held */
static bool ld_after[MA_SHIM_MAX_CLASSES][MA_SHIM_MAX_CLASSES];
/* How each class was used, lockdep's usage bits. */
#define LD_IN_HARDIRQ		0x1
#define LD_IN_SOFTIRQ		0x2
#define LD_HARDIRQ_ON		0x4	/* taken with hardirqs enabled */
#define LD_SOFTIRQ_ON		0x8	/* taken with softirqs enabled */
static unsigned int ld_usage[MA_SHIM_MAX_CLASSES];
static const char *ld_usage_site[MA_SHIM_MAX_CLASSES][4];

void ma_shim_set_context(enum ma_shim_context ctx)
{
	context = ctx;
}

enum ma_shim_context ma_shim_get_context(void)
{
	return context;
}

void ma_shim_irq_save(void)
{
	irqs_off++;
}

void ma_shim_irq_restore(void)
{
	if (!irqs_off)
		SHIM_WARN("irq restore without save");
	irqs_off--;
}

void ma_shim_bh_disable(void)
{
	if (context == MA_CTX_HARDIRQ)
		SHIM_WARN("local_bh_disable() in hardirq context");
	bh_off++;
}

void ma_shim_bh_enable(void)
{
	if (!bh_off)
		SHIM_WARN("bh enable without disable");
	if (irqs_off)
		SHIM_WARN("local_bh_enable() with interrupts disabled");
	bh_off--;
}

void ma_shim_lock_init(struct ma_shim_lock *l, const char *name, bool atomic)
{
	pthread_mutex_init(&l->m, NULL);
	l->owner = NULL;
	l->name = name;
	l->cls = 0;
	l->atomic = atomic;
}

/* The lock's class number, interning its name on first use. */
static int ld_class(struct ma_shim_lock *l)
{
	int c = __atomic_load_n(&l->cls, __ATOMIC_ACQUIRE);
	unsigned int i;

	if (c)
		return c - 1;
	pthread_mutex_lock(&ld_mutex);
	for (i = 0; i < ld_ncls; i++)
		if (!strcmp(ld_name[i], l->name))
			break;
	if (i == ld_ncls) {
		if (ld_ncls == MA_SHIM_MAX_CLASSES)
			SHIM_WARN("lockdep: too many lock classes");
		ld_name[ld_ncls++] = l->name;
	}
	pthread_mutex_unlock(&ld_mutex);
	__atomic_store_n(&l->cls, (int)i + 1, __ATOMIC_RELEASE);
	return i;
}

/* Whether @to was ever taken, directly or not, while @from was held. */
static bool ld_reaches(unsigned int from, unsigned int to, unsigned int depth)
{
	unsigned int i;

	if (from == to)
		return true;
	if (depth > MA_SHIM_MAX_CLASSES)
		return false;
	for (i = 0; i < ld_ncls; i++)
		if (ld_after[from][i] && ld_reaches(i, to, depth + 1))
			return true;
	return false;
}

/* Record how @cls is taken now; WARN if it is both irq-used and irq-unsafe. */
static void ld_usage_check(struct ma_shim_lock *l, unsigned int cls,
			   const char *site)
{
	static const char *const what[] = {
		"in hardirq", "in softirq", "with hardirqs on", "with softirqs on",
	};
	unsigned int use = 0, old, i, bad;
	char msg[512];

	if (context == MA_CTX_HARDIRQ)
		use |= LD_IN_HARDIRQ;
	if (context == MA_CTX_SOFTIRQ)
		use |= LD_IN_SOFTIRQ;
	if (!irqs_off && context != MA_CTX_HARDIRQ)
		use |= LD_HARDIRQ_ON;
	if (!irqs_off && !bh_off && context == MA_CTX_PROCESS)
		use |= LD_SOFTIRQ_ON;
	old = __atomic_load_n(&ld_usage[cls], __ATOMIC_RELAXED);
	if ((old | use) == old)
		return;
	pthread_mutex_lock(&ld_mutex);
	for (i = 0; i < 4; i++)
		if ((use & (1U << i)) && !ld_usage_site[cls][i])
			ld_usage_site[cls][i] = site;
	old = ld_usage[cls] |= use;
	pthread_mutex_unlock(&ld_mutex);
	bad = 0;
	if ((old & LD_IN_HARDIRQ) && (old & LD_HARDIRQ_ON))
		bad = 0;
	else if ((old & LD_IN_SOFTIRQ) && (old & LD_SOFTIRQ_ON))
		bad = 1;
	else
		return;
	snprintf(msg, sizeof(msg),
		 "lockdep: inconsistent lock state: %s taken %s (first at %s) and %s (first at %s)",
		 l->name, what[bad], ld_usage_site[cls][bad], what[bad + 2],
		 ld_usage_site[cls][bad + 2]);
	SHIM_WARN(msg);
}

static void ld_acquire(struct ma_shim_lock *l, const char *site)
{
	unsigned int i, a, b = ld_class(l);
	char msg[512];

	if (l->atomic)
		ld_usage_check(l, b, site);

	for (i = 0; i < nheld; i++) {
		a = ld_class(held[i]);
		if (a == b) {
			snprintf(msg, sizeof(msg),
				 "lockdep: nested locking of class %s", l->name);
			SHIM_WARN(msg);
		}
		if (__atomic_load_n(&ld_after[a][b], __ATOMIC_RELAXED))
			continue;
		pthread_mutex_lock(&ld_mutex);
		if (ld_reaches(b, a, 0)) {
			snprintf(msg, sizeof(msg),
				 "lockdep: lock inversion: %s taken under %s, and the other way round before",
				 ld_name[b], ld_name[a]);
			SHIM_WARN(msg);
		}
		__atomic_store_n(&ld_after[a][b], true, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&ld_mutex);
	}
}

void (*ma_shim_lock_hook)(struct ma_shim_lock *l);
long ma_shim_kmemleak_objects;

void ma_shim_lock_at(struct ma_shim_lock *l, const char *site)
{
	void (*hook)(struct ma_shim_lock *l) = ma_shim_lock_hook;

	if (hook)
		hook(l);
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == &self_tag)
		SHIM_WARN("recursive locking (self-deadlock)");
	if (nheld == MA_SHIM_MAX_HELD)
		SHIM_WARN("too many locks held");
	ld_acquire(l, site);
	pthread_mutex_lock(&l->m);
	__atomic_store_n(&l->owner, &self_tag, __ATOMIC_RELAXED);
	held[nheld++] = l;
	if (l->atomic)
		natomic++;
}

void ma_shim_unlock(struct ma_shim_lock *l)
{
	unsigned int i;

	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) != &self_tag)
		SHIM_WARN("unlocking a lock this thread does not hold");
	for (i = 0; i < nheld && held[i] != l; i++)
		;
	memmove(&held[i], &held[i + 1], (nheld - i - 1) * sizeof(held[0]));
	nheld--;
	if (l->atomic)
		natomic--;
	__atomic_store_n(&l->owner, NULL, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&l->m);
}

void ma_shim_assert_held(const struct ma_shim_lock *l, const char *file,
			 int line)
{
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) != &self_tag)
		ma_shim_warn(file, line, "lockdep_assert_held: lock not held by this thread");
}

void ma_shim_might_sleep(const char *file, int line)
{
	if (natomic || irqs_off || bh_off)
		ma_shim_warn(file, line, "sleeping function called with a spinlock or local lock held");
	if (context != MA_CTX_PROCESS)
		ma_shim_warn(file, line, "sleeping function called from interrupt context");
}

unsigned int ma_shim_locks_held(void)
{
	return nheld;
}

/* Nothing calls the page allocator (or kmalloc) under a memarena lock. */
static void check_alloc_context(gfp_t gfp)
{
	if (natomic)
		SHIM_WARN("memory allocation with a spinlock or local lock held");
	if (gfpflags_allow_blocking(gfp))
		ma_shim_might_sleep(__FILE__, __LINE__);
}

/* --- CPUs and hotplug --------------------------------------------------- */

static unsigned long online_mask = (1UL << MA_SHIM_MAX_CPUS) - 1;
static pthread_rwlock_t hotplug_lock = PTHREAD_RWLOCK_INITIALIZER;

struct cpuhp_slot {
	bool used;
	int (*startup)(unsigned int cpu);
	int (*teardown)(unsigned int cpu);
};
#define MA_SHIM_CPUHP_SLOTS	(CPUHP_BP_PREPARE_DYN_END - CPUHP_BP_PREPARE_DYN)
static struct cpuhp_slot cpuhp_slots[MA_SHIM_CPUHP_SLOTS];

bool cpu_online(unsigned int cpu)
{
	return cpu < nr_cpu_ids &&
	       (__atomic_load_n(&online_mask, __ATOMIC_ACQUIRE) >> cpu) & 1;
}

unsigned int num_online_cpus(void)
{
	return __builtin_popcountl(__atomic_load_n(&online_mask, __ATOMIC_ACQUIRE) &
				   ((1UL << nr_cpu_ids) - 1));
}

unsigned int ma_shim_next_online(unsigned int cpu)
{
	while (cpu < nr_cpu_ids && !cpu_online(cpu))
		cpu++;
	return cpu;
}

void ma_shim_set_cpu(unsigned int cpu)
{
	if (!cpu_online(cpu))
		SHIM_WARN("ma_shim_set_cpu: CPU not possible or offline");
	ma_shim_cur_cpu = cpu;
}

void cpus_read_lock(void)
{
	pthread_rwlock_rdlock(&hotplug_lock);
}

void cpus_read_unlock(void)
{
	pthread_rwlock_unlock(&hotplug_lock);
}

static bool kmalloc_should_fail(void);

int cpuhp_setup_state_nocalls(enum cpuhp_state state, const char *name,
			      int (*startup)(unsigned int cpu),
			      int (*teardown)(unsigned int cpu))
{
	int i, ret = -ENOSPC;

	if (state != CPUHP_BP_PREPARE_DYN)
		SHIM_WARN("cpuhp: only CPUHP_BP_PREPARE_DYN is emulated");
	if (kmalloc_should_fail())
		return -ENOMEM;
	pthread_rwlock_wrlock(&hotplug_lock);
	for (i = 0; i < MA_SHIM_CPUHP_SLOTS; i++) {
		if (!cpuhp_slots[i].used) {
			cpuhp_slots[i].used = true;
			cpuhp_slots[i].startup = startup;
			cpuhp_slots[i].teardown = teardown;
			ret = CPUHP_BP_PREPARE_DYN + i;
			break;
		}
	}
	pthread_rwlock_unlock(&hotplug_lock);
	return ret;
}

void cpuhp_remove_state_nocalls(enum cpuhp_state state)
{
	int i = state - CPUHP_BP_PREPARE_DYN;

	if (i < 0 || i >= MA_SHIM_CPUHP_SLOTS || !cpuhp_slots[i].used)
		SHIM_WARN("cpuhp_remove_state_nocalls: state not set up");
	pthread_rwlock_wrlock(&hotplug_lock);
	memset(&cpuhp_slots[i], 0, sizeof(cpuhp_slots[i]));
	pthread_rwlock_unlock(&hotplug_lock);
}

/*
 * Take @cpu down: no thread may run as @cpu afterwards (the caller, if it
 * does, moves to the first online CPU); the dead callbacks run in the
 * caller, as on the control CPU.  The last online CPU stays.
 */
int ma_shim_cpu_offline(unsigned int cpu)
{
	int i, ret = 0;

	if (!cpu_online(cpu))
		return -EINVAL;
	pthread_rwlock_wrlock(&hotplug_lock);
	if (__atomic_load_n(&online_mask, __ATOMIC_RELAXED) == 1UL << cpu) {
		pthread_rwlock_unlock(&hotplug_lock);
		return -EBUSY;
	}
	__atomic_fetch_and(&online_mask, ~(1UL << cpu), __ATOMIC_RELEASE);
	if (ma_shim_cur_cpu == cpu)
		ma_shim_cur_cpu = ma_shim_next_online(0);
	for (i = MA_SHIM_CPUHP_SLOTS - 1; i >= 0; i--)
		if (cpuhp_slots[i].used && cpuhp_slots[i].teardown && !ret)
			ret = cpuhp_slots[i].teardown(cpu);
	pthread_rwlock_unlock(&hotplug_lock);
	return ret;
}

int ma_shim_cpu_online(unsigned int cpu)
{
	int i, ret = 0;

	if (cpu >= nr_cpu_ids || cpu_online(cpu))
		return -EINVAL;
	pthread_rwlock_wrlock(&hotplug_lock);
	for (i = 0; i < MA_SHIM_CPUHP_SLOTS; i++)
		if (cpuhp_slots[i].used && cpuhp_slots[i].startup && !ret)
			ret = cpuhp_slots[i].startup(cpu);
	if (!ret)
		__atomic_fetch_or(&online_mask, 1UL << cpu, __ATOMIC_RELEASE);
	pthread_rwlock_unlock(&hotplug_lock);
	return ret;
}

/* --- work items --------------------------------------------------------- */

bool queue_work_on(int cpu, struct workqueue_struct *wq,
		   struct work_struct *work)
{
	unsigned int saved = ma_shim_cur_cpu;

	(void)wq;
	if (!cpu_online(cpu))
		SHIM_WARN("queue_work_on: CPU offline");
	ma_shim_cur_cpu = cpu;
	work->func(work);
	ma_shim_cur_cpu = saved;
	return true;
}

struct workqueue_struct {
	unsigned int flags;
};

struct workqueue_struct *alloc_workqueue(const char *fmt, unsigned int flags,
					 int max_active, ...)
{
	struct workqueue_struct *wq = malloc(sizeof(*wq));

	(void)fmt;
	(void)max_active;
	if (wq)
		wq->flags = flags;
	return wq;
}

void destroy_workqueue(struct workqueue_struct *wq)
{
	free(wq);
}

bool flush_work(struct work_struct *work)
{
	(void)work;
	return false;	/* queue_work_on() already ran it */
}

/* --- fault injection and accounting ------------------------------------- */

static unsigned long fail_page_nth, fail_kmalloc_nth, page_allocs;
static bool fail_pages_all, fault_fired;
static long pages_out, kmallocs_out;

void ma_shim_fail_page_nth(unsigned long n)
{
	__atomic_store_n(&fail_page_nth, n, __ATOMIC_RELAXED);
}

void ma_shim_fail_pages(bool all)
{
	__atomic_store_n(&fail_pages_all, all, __ATOMIC_RELAXED);
}

void ma_shim_fail_kmalloc_nth(unsigned long n)
{
	__atomic_store_n(&fail_kmalloc_nth, n, __ATOMIC_RELAXED);
}

bool ma_shim_fault_fired(void)
{
	return __atomic_exchange_n(&fault_fired, false, __ATOMIC_RELAXED);
}

long ma_shim_pages_outstanding(void)
{
	return __atomic_load_n(&pages_out, __ATOMIC_RELAXED);
}

long ma_shim_kmallocs_outstanding(void)
{
	return __atomic_load_n(&kmallocs_out, __ATOMIC_RELAXED);
}

unsigned long ma_shim_page_allocs(void)
{
	return __atomic_load_n(&page_allocs, __ATOMIC_RELAXED);
}

/* Count down an n-th counter; true when it hits zero (one-shot). */
static bool countdown(unsigned long *nth)
{
	unsigned long n = __atomic_load_n(nth, __ATOMIC_RELAXED);

	while (n) {
		if (__atomic_compare_exchange_n(nth, &n, n - 1, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return n == 1;
	}
	return false;
}

static bool kmalloc_should_fail(void)
{
	if (!countdown(&fail_kmalloc_nth))
		return false;
	__atomic_store_n(&fault_fired, true, __ATOMIC_RELAXED);
	return true;
}

void ma_shim_reset(void)
{
	unsigned int i;

	online_mask = 0;
	for (i = 0; i < nr_cpu_ids; i++)
		online_mask |= 1UL << i;
	ma_shim_cur_cpu = 0;
	ma_shim_init_on_alloc = false;
	ma_shim_init_on_free = false;
	ma_shim_in_nmi = false;
	ma_shim_lock_hook = NULL;
	context = MA_CTX_PROCESS;
	ma_shim_page_max_order = MA_BUDDY_MAX_ORDER;
	fail_page_nth = 0;
	fail_kmalloc_nth = 0;
	fail_pages_all = false;
	fault_fired = false;
	for (i = 0; i < MA_SHIM_MAX_NODES; i++)
		node_full[i] = false;
}

/* --- per-CPU memory ----------------------------------------------------- */

struct pcpu_chunk {
	char *base;		/* CPU 0's copy; CPU n's at base + n * unit */
	size_t unit;
};
#define MA_SHIM_PCPU_CHUNKS	16
static struct pcpu_chunk pcpu_chunks[MA_SHIM_PCPU_CHUNKS];
static pthread_mutex_t pcpu_mutex = PTHREAD_MUTEX_INITIALIZER;

void *__alloc_percpu(size_t size, size_t align)
{
	size_t unit, a = align > 64 ? align : 64;
	char *base;
	int i;

	check_alloc_context(GFP_KERNEL);
	if (!size || size > (32 << 10) || align > PAGE_SIZE || !is_power_of_2(align))
		SHIM_WARN("__alloc_percpu: illegal size or alignment");
	if (kmalloc_should_fail())
		return NULL;
	unit = ALIGN(size, a);
	base = aligned_alloc(a, unit * nr_cpu_ids);
	if (!base)
		return NULL;
	memset(base, 0, unit * nr_cpu_ids);
	pthread_mutex_lock(&pcpu_mutex);
	for (i = 0; i < MA_SHIM_PCPU_CHUNKS; i++) {
		if (!pcpu_chunks[i].base) {
			__atomic_store_n(&pcpu_chunks[i].unit, unit, __ATOMIC_RELAXED);
			__atomic_store_n(&pcpu_chunks[i].base, base, __ATOMIC_RELEASE);
			break;
		}
	}
	pthread_mutex_unlock(&pcpu_mutex);
	if (i == MA_SHIM_PCPU_CHUNKS)
		SHIM_WARN("__alloc_percpu: too many per-CPU areas");
	__atomic_fetch_add(&kmallocs_out, 1, __ATOMIC_RELAXED);
	return base;
}

void free_percpu(void *p)
{
	int i;

	if (!p)
		return;
	pthread_mutex_lock(&pcpu_mutex);
	for (i = 0; i < MA_SHIM_PCPU_CHUNKS; i++)
		if (pcpu_chunks[i].base == p)
			break;
	if (i == MA_SHIM_PCPU_CHUNKS)
		SHIM_WARN("free_percpu: not a per-CPU area");
	__atomic_store_n(&pcpu_chunks[i].base, NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&pcpu_mutex);
	free(p);
	__atomic_fetch_sub(&kmallocs_out, 1, __ATOMIC_RELAXED);
}

void *ma_shim_per_cpu_ptr(const void *p, unsigned int cpu)
{
	const char *c = p;
	char *base;
	size_t unit;
	int i;

	if (cpu >= nr_cpu_ids)
		SHIM_WARN("per_cpu_ptr: CPU not possible");
	for (i = 0; i < MA_SHIM_PCPU_CHUNKS; i++) {
		base = __atomic_load_n(&pcpu_chunks[i].base, __ATOMIC_ACQUIRE);
		unit = __atomic_load_n(&pcpu_chunks[i].unit, __ATOMIC_RELAXED);
		if (base && c >= base && c < base + unit)
			return (char *)c + cpu * unit;
	}
	SHIM_WARN("per_cpu_ptr: not a per-CPU address");
}

/* --- pages -------------------------------------------------------------- */

#define PAGE_HASH_BITS	10
static struct page *page_hash[1 << PAGE_HASH_BITS];
static pthread_mutex_t page_mutex = PTHREAD_MUTEX_INITIALIZER;

static struct page **page_bucket(const void *addr)
{
	unsigned long k = (unsigned long)addr >> PAGE_SHIFT;

	return &page_hash[(k * 0x9e3779b97f4a7c15UL) >> (64 - PAGE_HASH_BITS)];
}


void ma_shim_node_full(int nid, bool full)
{
	__atomic_store_n(&node_full[nid], full, __ATOMIC_RELAXED);
}

/* As the kernel's: @nid first, the other nodes unless __GFP_THISNODE. */
struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order)
{
	struct page *page;
	size_t i;
	int n;

	if (nid == NUMA_NO_NODE)
		nid = numa_mem_id();
	if (!node_possible(nid))
		SHIM_WARN("alloc_pages_node: not a possible node");
	for (n = 0; n < nr_node_ids; n++) {
		int try = (nid + n) % nr_node_ids;

		if (__atomic_load_n(&node_full[try], __ATOMIC_RELAXED)) {
			if (gfp & __GFP_THISNODE)
				return NULL;
			continue;
		}
		page = alloc_pages(gfp & ~__GFP_THISNODE, order);
		if (page)
			for (i = 0; i < 1UL << order; i++)
				page[i].nid = try;
		return page;
	}
	return NULL;
}

void free_pages(unsigned long addr, unsigned int order)
{
	if (addr)
		__free_pages(virt_to_page((void *)addr), order);
}

struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	struct page *page, **b;
	size_t size, i;
	bool fail;

	check_alloc_context(gfp);
	if (gfp & (__GFP_DMA | __GFP_DMA32))
		SHIM_WARN("alloc_pages: memarena asked for a DMA zone");
	if (order > MA_BUDDY_MAX_ORDER) {
		if (!(gfp & __GFP_NOWARN))
			SHIM_WARN("alloc_pages: order above the buddy allocator's maximum");
		return NULL;
	}
	__atomic_fetch_add(&page_allocs, 1, __ATOMIC_RELAXED);
	if (!(gfp & __GFP_NOFAIL)) {
		fail = countdown(&fail_page_nth) ||
		       __atomic_load_n(&fail_pages_all, __ATOMIC_RELAXED) ||
		       order > __atomic_load_n(&ma_shim_page_max_order, __ATOMIC_RELAXED);
		if (fail) {
			__atomic_store_n(&fault_fired, true, __ATOMIC_RELAXED);
			return NULL;
		}
	}
	size = PAGE_SIZE << order;
	page = calloc(1UL << order, sizeof(*page));
	if (!page)
		return NULL;
	page->addr = aligned_alloc(size, size);
	if (!page->addr) {
		free(page);
		return NULL;
	}
	memset(page->addr, gfp & __GFP_ZERO ? 0 : 0x6b, size);
	for (i = 0; i < 1UL << order; i++) {
		page[i].addr = (char *)page->addr + i * PAGE_SIZE;
		page[i].head = page;
		page[i].nid = numa_mem_id();
		INIT_LIST_HEAD(&page[i].lru);
	}
	page->order = order;
	pthread_mutex_lock(&page_mutex);
	b = page_bucket(page->addr);
	page->hnext = *b;
	*b = page;
	pthread_mutex_unlock(&page_mutex);
	__atomic_fetch_add(&pages_out, 1, __ATOMIC_RELAXED);
	return page;
}

struct page *virt_to_page(const void *addr)
{
	struct page *page;

	pthread_mutex_lock(&page_mutex);
	for (page = *page_bucket(addr); page && page->addr != addr; page = page->hnext)
		;
	pthread_mutex_unlock(&page_mutex);
	if (!page)
		SHIM_WARN("virt_to_page: not the start of an allocated page block");
	return page;
}

/*
 * Descriptors of split blocks whose pages are all freed: struct page
 * outlives the memory, as the kernel's memmap does (memarena may still
 * read ha->page of a heap arena whose pages it gave back).  Freed by
 * ma_shim_forget_pages().
 */
static struct page *dead_blocks;

void ma_shim_forget_pages(void)
{
	struct page *p;

	while ((p = dead_blocks)) {
		dead_blocks = p->hnext;
		free(p);
	}
}

/* Take a whole block out of the lookup table and free it. */
static void free_block(struct page *page)
{
	struct page **pp;
	bool found;

	pthread_mutex_lock(&page_mutex);
	for (pp = page_bucket(page->addr); *pp && *pp != page; pp = &(*pp)->hnext)
		;
	found = *pp;
	if (found)
		*pp = page->hnext;
	pthread_mutex_unlock(&page_mutex);
	if (!found)
		SHIM_WARN("__free_pages: page not allocated");
	ASAN_UNPOISON_MEMORY_REGION(page->addr, PAGE_SIZE << page->order);
	free(page->addr);
	if (page->split) {
		pthread_mutex_lock(&page_mutex);
		page->hnext = dead_blocks;
		dead_blocks = page;
		pthread_mutex_unlock(&page_mutex);
	} else {
		free(page);
	}
	__atomic_fetch_sub(&pages_out, 1, __ATOMIC_RELAXED);
}

void split_page(struct page *page, unsigned int order)
{
	if (!page || page->head != page || page->split || page->order != order)
		SHIM_WARN("split_page: not a whole unsplit block of that order");
	page->split = true;
	page->nleft = 1U << order;
}

void __free_pages(struct page *page, unsigned int order)
{
	struct page *head;
	unsigned int left;

	if (!page)
		SHIM_WARN("__free_pages(NULL)");
	head = page->head;
	if (!head->split) {
		if (page != head || page->order != order)
			SHIM_WARN("__free_pages: order differs from alloc_pages()");
		free_block(page);
		return;
	}
	if (order)
		SHIM_WARN("__free_pages: a split page freed with an order");
	if (__atomic_exchange_n(&page->freed, true, __ATOMIC_RELAXED))
		SHIM_WARN("__free_pages: split page freed twice");
	memset(page->addr, 0x6b, PAGE_SIZE);
	ASAN_POISON_MEMORY_REGION(page->addr, PAGE_SIZE);
	left = __atomic_sub_fetch(&head->nleft, 1, __ATOMIC_RELAXED);
	if (!left)
		free_block(head);
}

unsigned long get_zeroed_page(gfp_t gfp)
{
	struct page *page = alloc_pages(gfp | __GFP_ZERO, 0);

	return page ? (unsigned long)page_address(page) : 0;
}

void free_page(unsigned long addr)
{
	if (addr)
		__free_pages(virt_to_page((void *)addr), 0);
}

/* --- kmalloc and friends ------------------------------------------------ */

void *kzalloc(size_t size, gfp_t gfp)
{
	void *p;

	check_alloc_context(gfp);
	if (!size)
		return ZERO_SIZE_PTR;
	if (kmalloc_should_fail())
		return NULL;
	p = calloc(1, size);
	if (p)
		__atomic_fetch_add(&kmallocs_out, 1, __ATOMIC_RELAXED);
	return p;
}

void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kzalloc(bytes, gfp);
}

void kfree(const void *p)
{
	if (ZERO_OR_NULL_PTR(p))
		return;
	free((void *)p);
	__atomic_fetch_sub(&kmallocs_out, 1, __ATOMIC_RELAXED);
}

ssize_t strscpy(char *dst, const char *src, size_t size)
{
	size_t len;

	if (!size)
		return -E2BIG;
	len = strnlen(src, size);
	if (len == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, len + 1);
	return len;
}

/* --- randomness --------------------------------------------------------- */

static unsigned long random_state = 0x243f6a8885a308d3UL;

unsigned long get_random_long(void)
{
	unsigned long z = __atomic_add_fetch(&random_state, 0x9e3779b97f4a7c15UL,
					     __ATOMIC_RELAXED);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
	return z ^ (z >> 31);
}

/*
 * The scavenger (module/mgcscavenge.c) is kernel-only: workqueues,
 * shrinkers and netlink events.  The core sees it through these hooks.
 */
int ma_scav_init(void)
{
	return 0;
}

void ma_scav_exit(void)
{
}

void ma_scav_heap_grew(void)
{
}

bool ma_scav_limit_room(u64 bytes)
{
	return true;
}

/*
 * The heap profile (module/mprof.c) is kernel-only: stack traces, an
 * rhashtable, IPIs.  ma_mprof_tick() never fires here, so no span ever
 * has a sampled object.
 */
struct ma_span;
struct memarena_arena;

int ma_mprof_init(void)
{
	return 0;
}

void ma_mprof_exit(void)
{
}

void ma_mprof_alloc(void *p, u64 size, struct memarena_arena *owner,
		    unsigned long ip)
{
}

void ma_mprof_free(struct ma_span *s, const void *p)
{
}

void ma_mprof_user_arena_destroy(struct memarena_arena *owner)
{
}

u64 ma_mprof_sys(u64 *buck_hash_sys)
{
	*buck_hash_sys = 0;
	return 0;
}
