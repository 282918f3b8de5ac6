// SPDX-License-Identifier: GPL-2.0
/*
 * The heap profile, Go's mprof.go: sampled allocations by call stack.
 *
 * Each CPU counts allocated bytes down to its next sample (ma_mprof_next),
 * drawn from an exponential distribution whose mean is the profile rate,
 * as Go's nextSample() draws it; the allocation fast path pays one
 * subtraction and one branch for it (ma_mprof_tick()).  The allocation
 * that takes the count below zero is sampled: its kernel call stack, from
 * the allocator's caller outwards, and its size (the size class's, or the
 * whole pages of a large object, as TotalAlloc counts it) select a bucket,
 * made on first use and kept until unload, whose allocation counters go
 * up.  A record of the object (address, bucket, owning user arena) goes
 * into the sampled-object table and the object's span counts it in
 * nsampled, so that a free, on any CPU, looks an object up only in spans
 * that hold a sampled one (one load and one branch for the others), and
 * counts the free in the bucket.  A destroyed user arena's sampled
 * objects are found by their owner.
 *
 * Unlike Go's, the counts are current: a free counts when it happens,
 * there is no garbage collection cycle to wait for.
 *
 * Stacks are kept as return addresses and symbolised when the profile
 * is read, but for those of a module being unloaded: a module notifier
 * names their frames while the module's symbols still exist, and takes
 * the bucket out of the hash, so that another module loaded at the same
 * addresses gets buckets of its own.
 *
 * Memory: the buckets and their hash table are BuckHashSys, as in Go; the
 * object records and their table are OtherSys, like Go's specialprofile
 * records.
 *
 * Locking: ma_mprof_lock serialises bucket creation; buckets are found
 * under RCU and their counters are atomics.  The sampled-object table is
 * hash chains, each under one of MA_MPROF_OBJ_LOCKS striped locks.  Both
 * kinds of lock are irq-safe (allocations and frees come from hardirq
 * context; the kernel's rhashtable is only softirq-safe before 6.9),
 * innermost, taken with no other memarena lock held, one at a time.
 * Every allocation here is GFP_NOWAIT: a sample that cannot be recorded
 * is counted as dropped, never waited for.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/jhash.h>
#include <linux/kallsyms.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/hash.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/stacktrace.h>

#include "memarena.h"

/* Go's MemProfileRate: one sample per 512 KiB allocated, on average. */
#define MA_MPROF_DEFAULT_RATE	(512 * 1024)
/* Frames looked at above the caller: the allocator's own, the unwinder's. */
#define MA_MPROF_SKIP_MAX	8
/* Bucket hash chains (Go has 179999; kernel call sites are fewer). */
#define MA_MPROF_HASH_BITS	12
/*
 * Sampled-object chains, and their locks: at the default rate a GiB of
 * live heap is some 2048 records; at rate 1, every live object is one
 * and chains grow long (a debugging rate).
 */
#define MA_MPROF_OBJ_BITS	12
#define MA_MPROF_OBJ_LOCKS	64
/* Go's fastexprand(): 26 random bits, the mean capped to avoid overflow. */
#define MA_MPROF_RAND_BITS	26
#define MA_MPROF_MEAN_MAX	0x7000000
/* ln(2) in units of 2^-32 */
#define MA_MPROF_LN2_Q32	2977044472U

/*
 * struct ma_mprof_bucket - sampled allocations of one size from one stack
 *
 * Immutable but for the counters once on ma_mprof_hash.  Invariant: a
 * free is counted after its allocation (the object reaches its user only
 * once both counters went up), so a reader that reads @frees before
 * @allocs (smp_rmb()) sees allocs >= frees; the same for the bytes.
 */
struct ma_mprof_bucket {
	struct hlist_node hnode;	/* ma_mprof_hash chain, RCU */
	struct list_head node;		/* ma_mprof_buckets, RCU, append only */
	u64 id;				/* 1, 2, ... in order of creation */
	u64 size;
	atomic64_t allocs;
	atomic64_t alloc_bytes;
	atomic64_t frees;
	atomic64_t free_bytes;
	/*
	 * NULL while the stack's code is loaded; then the frames' names,
	 * each NUL-terminated, or ma_mprof_unnamed: set once, with release,
	 * by ma_mprof_module_going(), and the bucket is off the hash.
	 */
	const char *names;
	u32 hash;
	u32 nstk;
	unsigned long stk[];		/* return addresses, caller first */
};

/* The names of a bucket whose module went while memory was short. */
static const char ma_mprof_unnamed[] = "";

/* struct ma_mprof_obj - a live sampled object (Go's specialprofile) */
struct ma_mprof_obj {
	struct hlist_node node;		/* its chain, under the chain's lock */
	unsigned long addr;		/* the key */
	struct ma_mprof_bucket *b;
	struct memarena_arena *owner;	/* user arena, or NULL */
};

/* Bytes to allocate on this CPU before the next sample; < 0: sample. */
DEFINE_PER_CPU(long, ma_mprof_next) = LONG_MAX;

static unsigned int ma_mprof_rate = MA_MPROF_DEFAULT_RATE;
/* The tables below exist; cleared under kernel_param_lock() at exit. */
static bool ma_mprof_ready;
static DEFINE_MUTEX(ma_mprof_rate_mutex);

static DEFINE_SPINLOCK(ma_mprof_lock);
static struct hlist_head *ma_mprof_hash;	/* ma_mprof_lock for writers */
static LIST_HEAD(ma_mprof_buckets);		/* ma_mprof_lock for writers */
static u64 ma_mprof_nbuckets;			/* ma_mprof_lock */
static atomic64_t ma_mprof_bucket_bytes;	/* BuckHashSys */
static struct hlist_head *ma_mprof_objs;	/* BIT(MA_MPROF_OBJ_BITS) */
static spinlock_t ma_mprof_obj_locks[MA_MPROF_OBJ_LOCKS];	/* chain i: i % LOCKS */
static atomic_long_t ma_mprof_nobjs;		/* records, for OtherSys */
static atomic_long_t ma_mprof_user_arena_objs;	/* of them, in user arenas */
static atomic64_t ma_mprof_dropped;

/* log2(@x) in units of 2^-16, for 1 <= @x < 2^32: no FPU in the kernel. */
static u32 ma_log2_q16(u32 x)
{
	unsigned int ip = fls(x) - 1, i;
	u64 m = (u64)x << (31 - ip);	/* in [2^31, 2^32): 1.0 .. 2.0 */
	u32 r = ip << 16;

	for (i = 16; i-- > 0; ) {
		m = (m * m) >> 31;
		if (m >= BIT_ULL(32)) {
			m >>= 1;
			r |= BIT(i);
		}
	}
	return r;
}

/*
 * ma_mprof_draw() - bytes to the next sample, Go's nextSample(): an
 * exponential variate of mean @rate, -ln(q / 2^26) * rate for q uniform
 * in 1 .. 2^26; LONG_MAX (never) for 0, 0 (every allocation) for 1.
 */
static long ma_mprof_draw(unsigned int rate)
{
	u32 q;
	u64 d;

	if (!rate)
		return LONG_MAX;
	if (rate == 1)
		return 0;
	q = (get_random_u32() >> (32 - MA_MPROF_RAND_BITS)) + 1;
	/* -log2(q / 2^26) >= 0, in units of 2^-16; times the mean. */
	d = ((u64)MA_MPROF_RAND_BITS << 16) - ma_log2_q16(q);
	d = (d * min_t(u32, rate, MA_MPROF_MEAN_MAX)) >> 16;
	return mul_u64_u32_shr(d, MA_MPROF_LN2_Q32, 32) + 1;
}

/* Whether two stacks and sizes are one bucket's. */
static bool ma_mprof_match(const struct ma_mprof_bucket *b, u32 hash,
			   const unsigned long *stk, unsigned int n, u64 size)
{
	return b->hash == hash && b->size == size && b->nstk == n &&
	       !READ_ONCE(b->names) &&
	       !memcmp(b->stk, stk, n * sizeof(*stk));
}

/* The bucket of @stk and @size, made if new; NULL when memory is short. */
static struct ma_mprof_bucket *ma_mprof_bucket(const unsigned long *stk,
					       unsigned int n, u64 size)
{
	u32 hash = jhash(stk, n * sizeof(*stk), (u32)size);
	struct hlist_head *head = &ma_mprof_hash[hash_32(hash, MA_MPROF_HASH_BITS)];
	struct ma_mprof_bucket *b, *nb;
	unsigned long flags;
	size_t bytes;

	rcu_read_lock();
	hlist_for_each_entry_rcu(b, head, hnode)
		if (ma_mprof_match(b, hash, stk, n, size))
			goto out_unlock_rcu;
	rcu_read_unlock();

	bytes = struct_size(nb, stk, n);
	nb = kmalloc(bytes, GFP_NOWAIT | __GFP_NOWARN);
	if (!nb)
		return NULL;
	nb->size = size;
	nb->names = NULL;
	nb->hash = hash;
	nb->nstk = n;
	memcpy(nb->stk, stk, n * sizeof(*stk));
	atomic64_set(&nb->allocs, 0);
	atomic64_set(&nb->alloc_bytes, 0);
	atomic64_set(&nb->frees, 0);
	atomic64_set(&nb->free_bytes, 0);

	spin_lock_irqsave(&ma_mprof_lock, flags);
	/* Another CPU may have made it meanwhile. */
	hlist_for_each_entry(b, head, hnode)
		if (ma_mprof_match(b, hash, stk, n, size))
			break;
	if (!b) {
		nb->id = ++ma_mprof_nbuckets;
		hlist_add_head_rcu(&nb->hnode, head);
		list_add_tail_rcu(&nb->node, &ma_mprof_buckets);
		atomic64_add(kmalloc_size_roundup(bytes), &ma_mprof_bucket_bytes);
		b = nb;
		nb = NULL;
	}
	spin_unlock_irqrestore(&ma_mprof_lock, flags);
	kfree(nb);
	return b;

out_unlock_rcu:
	rcu_read_unlock();
	return b;
}

/* The chain of @addr, and the lock that covers it. */
static struct hlist_head *ma_mprof_chain(unsigned long addr, spinlock_t **lock)
{
	u32 h = hash_long(addr, MA_MPROF_OBJ_BITS);

	*lock = &ma_mprof_obj_locks[h % MA_MPROF_OBJ_LOCKS];
	return &ma_mprof_objs[h];
}

/**
 * ma_mprof_alloc() - record a sampled allocation, Go's profilealloc()
 * @p: the object, live and not yet returned to the caller
 * @size: its bytes as TotalAlloc counts them
 * @owner: the user arena it belongs to, or NULL
 * @ip: the return address into the allocator's caller (_RET_IP_ of the
 *	exported entry point): the stack is kept from that frame outwards
 *
 * Draws this CPU's next sample first, then records the object.  Called
 * when ma_mprof_tick() says so.
 *
 * Context: As the allocation: any context but NMI, never sleeps.
 */
void ma_mprof_alloc(void *p, u64 size, struct memarena_arena *owner,
		    unsigned long ip)
{
	unsigned long entries[MA_MPROF_DEPTH + MA_MPROF_SKIP_MAX];
	unsigned int rate = READ_ONCE(ma_mprof_rate);
	struct ma_mprof_bucket *b;
	struct hlist_head *chain;
	struct ma_mprof_obj *o;
	unsigned long flags;
	unsigned int n, i;
	struct ma_span *s;
	spinlock_t *lock;		/* of the chain */

	/* Migration since the tick re-arms another CPU: harmless. */
	this_cpu_write(ma_mprof_next, ma_mprof_draw(rate));
	if (!rate || !READ_ONCE(ma_mprof_ready))
		return;

	n = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
	for (i = 0; i < n && entries[i] != ip; i++)
		;
	if (i == n) {		/* not found by the unwinder: the caller alone */
		entries[0] = ip;
		i = 0;
		n = 1;
	}
	b = ma_mprof_bucket(entries + i, min_t(unsigned int, n - i, MA_MPROF_DEPTH),
			    size);
	if (!b)
		goto out_dropped;
	o = kmalloc(sizeof(*o), GFP_NOWAIT | __GFP_NOWARN);
	if (!o)
		goto out_dropped;
	o->addr = (unsigned long)p;
	o->b = b;
	o->owner = owner;

	rcu_read_lock();
	s = ma_span_of(p);	/* stable: @p is live */
	atomic_inc(&s->nsampled);
	rcu_read_unlock();
	chain = ma_mprof_chain(o->addr, &lock);
	spin_lock_irqsave(lock, flags);
	hlist_add_head(&o->node, chain);
	spin_unlock_irqrestore(lock, flags);
	atomic_long_inc(&ma_mprof_nobjs);
	if (owner)
		atomic_long_inc(&ma_mprof_user_arena_objs);
	atomic64_add(size, &b->alloc_bytes);
	atomic64_inc(&b->allocs);
	return;

out_dropped:
	atomic64_inc(&ma_mprof_dropped);
}

/* Count the free of a record's object; the record is off its chain. */
static void ma_mprof_forget(struct ma_span *s, struct ma_mprof_obj *o)
{
	struct ma_mprof_bucket *b = o->b;

	atomic_dec(&s->nsampled);
	atomic_long_dec(&ma_mprof_nobjs);
	if (o->owner)
		atomic_long_dec(&ma_mprof_user_arena_objs);
	atomic64_add(b->size, &b->free_bytes);
	atomic64_inc(&b->frees);
	kfree(o);
}

/**
 * ma_mprof_free() - count the free of an object of a span with sampled ones
 * @s: the object's span, whose nsampled is not zero
 * @p: the object, validated, not yet given back
 *
 * Context: Any context but NMI, under rcu_read_lock().
 */
void ma_mprof_free(struct ma_span *s, const void *p)
{
	unsigned long addr = (unsigned long)p, flags;
	struct hlist_head *chain;
	struct ma_mprof_obj *o;
	spinlock_t *lock;		/* of the chain */

	chain = ma_mprof_chain(addr, &lock);
	spin_lock_irqsave(lock, flags);
	hlist_for_each_entry(o, chain, node)
		if (o->addr == addr)
			break;
	/* Only one of two racing (bad) frees finds it. */
	if (o)
		hlist_del(&o->node);
	spin_unlock_irqrestore(lock, flags);
	if (o)
		ma_mprof_forget(s, o);
}

/**
 * ma_mprof_user_arena_destroy() - count the frees of a user arena's sampled
 * objects
 * @owner: the user arena, whose objects are about to be freed all at once
 *
 * Context: Process context, before the user arena's spans are given back.
 */
void ma_mprof_user_arena_destroy(struct memarena_arena *owner)
{
	struct ma_mprof_obj *o;
	struct hlist_node *tmp;
	unsigned long flags;
	spinlock_t *lock;		/* of the chain */
	unsigned int i;
	HLIST_HEAD(gone);

	if (!atomic_long_read(&ma_mprof_user_arena_objs))
		return;
	/* One chain per lock hold: interrupts are off. */
	for (i = 0; i < BIT(MA_MPROF_OBJ_BITS); i++) {
		lock = &ma_mprof_obj_locks[i % MA_MPROF_OBJ_LOCKS];
		spin_lock_irqsave(lock, flags);
		hlist_for_each_entry_safe(o, tmp, &ma_mprof_objs[i], node) {
			if (o->owner == owner) {
				hlist_del(&o->node);
				hlist_add_head(&o->node, &gone);
			}
		}
		spin_unlock_irqrestore(lock, flags);
		cond_resched();
	}
	rcu_read_lock();
	hlist_for_each_entry_safe(o, tmp, &gone, node)
		ma_mprof_forget(ma_span_of((void *)o->addr), o);
	rcu_read_unlock();
}

/**
 * ma_mprof_for_each() - call a function for each bucket, in order of id
 * @next_id: the first id to report; on return, the id to start from next
 *	time (one past the last bucket @fn accepted)
 * @fn: called under rcu_read_lock() for each bucket with an id of at
 *	least *@next_id; a non-zero return stops the walk there
 * @arg: passed to @fn
 *
 * Context: Process context.
 * Return: 0 after the last bucket, or what @fn returned.
 */
int ma_mprof_for_each(u64 *next_id,
		      int (*fn)(const struct ma_mprof_info *info, void *arg),
		      void *arg)
{
	struct ma_mprof_bucket *b;
	struct ma_mprof_info info;
	int err = 0;

	info.rate = READ_ONCE(ma_mprof_rate);
	info.dropped = atomic64_read(&ma_mprof_dropped);
	rcu_read_lock();
	list_for_each_entry_rcu(b, &ma_mprof_buckets, node) {
		if (b->id < *next_id)
			continue;
		info.id = b->id;
		info.size = b->size;
		info.frees = atomic64_read(&b->frees);
		info.free_bytes = atomic64_read(&b->free_bytes);
		/* Frees before allocations: see struct ma_mprof_bucket. */
		smp_rmb();
		info.allocs = atomic64_read(&b->allocs);
		info.alloc_bytes = atomic64_read(&b->alloc_bytes);
		info.stk = b->stk;
		info.nstk = b->nstk;
		/* Pairs with ma_mprof_module_going(): the names, written. */
		info.names = smp_load_acquire(&b->names);
		err = fn(&info, arg);
		if (err)
			break;
		*next_id = b->id + 1;
	}
	rcu_read_unlock();
	return err;
}

/* A return address as userspace may see it: "function+0xoff [module]". */
static void ma_mprof_name(char *buf, size_t len, unsigned long ip)
{
	char *slash, *end;

	/* %pB: the call's symbol, though a return address may be past it. */
	snprintf(buf, len, "%pB", (void *)ip);
	if (!strncmp(buf, "0x", 2)) {	/* never the address itself */
		strscpy(buf, "?", len);
		return;
	}
	/* "f+0x1c/0x80 [mod]" -> "f+0x1c [mod]" */
	slash = strchr(buf, '/');
	if (slash) {
		end = strchr(slash, ' ');
		memmove(slash, end ? end : "", strlen(end ? end : "") + 1);
	}
}

/**
 * ma_mprof_frame() - one frame of a bucket, as userspace may see it
 * @info: the bucket, from ma_mprof_for_each()
 * @i: the frame, below @info->nstk
 * @buf: where to write "function+0xoff [module]"
 * @len: its size
 *
 * Never an address: "?" where kallsyms has no name.
 *
 * Context: Any context.
 */
void ma_mprof_frame(const struct ma_mprof_info *info, unsigned int i,
		    char *buf, size_t len)
{
	const char *name = info->names;

	if (!name) {
		ma_mprof_name(buf, len, info->stk[i]);
		return;
	}
	if (name == ma_mprof_unnamed) {
		strscpy(buf, "?", len);
		return;
	}
	while (i--)
		name += strlen(name) + 1;
	strscpy(buf, name, len);
}

/*
 * A module is going: name the frames of every bucket with one in its
 * code while its symbols exist, and retire the bucket from the hash.
 * Buckets are never freed while the notifier is registered.
 */
static int ma_mprof_module_going(struct notifier_block *nb,
				 unsigned long action, void *data)
{
	struct ma_mprof_bucket *b;
	struct module *mod = data;
	char name[KSYM_SYMBOL_LEN];
	unsigned int i, n;
	size_t bytes;
	char *names;

	if (action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	list_for_each_entry_rcu(b, &ma_mprof_buckets, node, true) {
		if (READ_ONCE(b->names))
			continue;
		for (i = 0; i < b->nstk && !within_module(b->stk[i], mod); i++)
			;
		if (i == b->nstk)
			continue;
		for (bytes = 0, i = 0; i < b->nstk; i++) {
			ma_mprof_name(name, sizeof(name), b->stk[i]);
			bytes += strlen(name) + 1;
		}
		names = kmalloc(bytes, GFP_KERNEL);
		if (names) {
			for (n = 0, i = 0; i < b->nstk; i++) {
				ma_mprof_name(name, sizeof(name), b->stk[i]);
				n += strscpy(names + n, name, bytes - n) + 1;
			}
			atomic64_add(kmalloc_size_roundup(bytes), &ma_mprof_bucket_bytes);
		}
		/* Pairs with ma_mprof_for_each(): publish them written. */
		smp_store_release(&b->names, names ? names : ma_mprof_unnamed);
	}
	return NOTIFY_OK;
}

static struct notifier_block ma_mprof_module_nb = {
	.notifier_call = ma_mprof_module_going,
};

/**
 * ma_mprof_sys() - memory the profile holds
 * @buck_hash_sys: set to the bytes of buckets and their hash table
 *
 * Context: Any context.
 * Return: the bytes of sampled-object records and their table (OtherSys).
 */
u64 ma_mprof_sys(u64 *buck_hash_sys)
{
	u64 bytes;

	if (!READ_ONCE(ma_mprof_ready)) {
		*buck_hash_sys = 0;
		return 0;
	}
	*buck_hash_sys = atomic64_read(&ma_mprof_bucket_bytes) +
			 sizeof(*ma_mprof_hash) * BIT(MA_MPROF_HASH_BITS);
	bytes = atomic_long_read(&ma_mprof_nobjs) *
		kmalloc_size_roundup(sizeof(struct ma_mprof_obj));
	return bytes + sizeof(*ma_mprof_objs) * BIT(MA_MPROF_OBJ_BITS);
}

/* Each CPU takes its draw from @arg, indexed by CPU id: see below. */
static void ma_mprof_arm_cpu(void *arg)
{
	this_cpu_write(ma_mprof_next, ((long *)arg)[smp_processor_id()]);
}

/*
 * Re-arm every CPU for @rate.  A CPU's count may only be written by that
 * CPU (the tick's subtraction is not atomic against other CPUs), so the
 * draws are made here and written by each CPU in an IPI; offline CPUs
 * are written directly.
 */
static int ma_mprof_arm(unsigned int rate)
{
	unsigned int cpu;
	long *next;

	next = kmalloc_array(nr_cpu_ids, sizeof(*next), GFP_KERNEL);
	if (!next)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		next[cpu] = ma_mprof_draw(rate);
	cpus_read_lock();
	on_each_cpu(ma_mprof_arm_cpu, next, 1);
	for_each_possible_cpu(cpu)
		if (!cpu_online(cpu))
			per_cpu(ma_mprof_next, cpu) = next[cpu];
	cpus_read_unlock();
	kfree(next);
	return 0;
}

/**
 * ma_mprof_set_rate() - set the profile rate, as Go's MemProfileRate
 * @rate: mean bytes between samples; 0 off, 1 every allocation
 *
 * Takes effect at once on every CPU.  Buckets keep their counts: a
 * profile read after a change scales earlier samples with the new rate,
 * as Go's does (set it once, early).
 *
 * Context: Process context, may sleep.
 * Return: 0, or -ENOMEM.
 */
int ma_mprof_set_rate(unsigned int rate)
{
	int err = 0;

	mutex_lock(&ma_mprof_rate_mutex);
	WRITE_ONCE(ma_mprof_rate, rate);
	if (READ_ONCE(ma_mprof_ready))
		err = ma_mprof_arm(rate);
	mutex_unlock(&ma_mprof_rate_mutex);
	return err;
}

static int ma_param_set_profile_rate(const char *val,
				     const struct kernel_param *kp)
{
	unsigned int rate;
	int err = kstrtouint(val, 0, &rate);

	return err ? err : ma_mprof_set_rate(rate);
}

static const struct kernel_param_ops ma_profile_rate_ops = {
	.set	= ma_param_set_profile_rate,
	.get	= param_get_uint,
};
module_param_cb(profile_rate, &ma_profile_rate_ops, &ma_mprof_rate, 0644);
MODULE_PARM_DESC(profile_rate,
		 "Heap profile: mean bytes allocated between samples (default 524288, as Go's MemProfileRate; 0: off; 1: every allocation)");

/**
 * ma_mprof_init() - make the profile's tables and arm every CPU
 *
 * Context: Process context, module init.
 * Return: 0, or a negative errno.
 */
int ma_mprof_init(void)
{
	unsigned int i;
	int err;

	ma_mprof_hash = kcalloc(BIT(MA_MPROF_HASH_BITS), sizeof(*ma_mprof_hash),
				GFP_KERNEL);
	if (!ma_mprof_hash)
		return -ENOMEM;
	ma_mprof_objs = kcalloc(BIT(MA_MPROF_OBJ_BITS), sizeof(*ma_mprof_objs),
				GFP_KERNEL);
	if (!ma_mprof_objs) {
		err = -ENOMEM;
		goto out_free_hash;
	}
	for (i = 0; i < MA_MPROF_OBJ_LOCKS; i++)
		spin_lock_init(&ma_mprof_obj_locks[i]);
	err = register_module_notifier(&ma_mprof_module_nb);
	if (err)
		goto out_free_objs;
	mutex_lock(&ma_mprof_rate_mutex);
	err = ma_mprof_arm(ma_mprof_rate);
	if (!err)
		WRITE_ONCE(ma_mprof_ready, true);
	mutex_unlock(&ma_mprof_rate_mutex);
	if (err)
		goto out_unregister_notifier;
	return 0;

out_unregister_notifier:
	unregister_module_notifier(&ma_mprof_module_nb);
out_free_objs:
	kfree(ma_mprof_objs);
	ma_mprof_objs = NULL;
out_free_hash:
	kfree(ma_mprof_hash);
	ma_mprof_hash = NULL;
	return err;
}

/**
 * ma_mprof_exit() - free the profile
 *
 * Records of objects never freed (leaks, reported by the heap) go too.
 *
 * Context: Process context, module exit: nobody allocates any more.
 */
void ma_mprof_exit(void)
{
	struct ma_mprof_bucket *b, *tmp;
	struct ma_mprof_obj *o;
	struct hlist_node *n;
	unsigned int i;

	kernel_param_lock(THIS_MODULE);
	mutex_lock(&ma_mprof_rate_mutex);
	WRITE_ONCE(ma_mprof_ready, false);
	mutex_unlock(&ma_mprof_rate_mutex);
	kernel_param_unlock(THIS_MODULE);
	unregister_module_notifier(&ma_mprof_module_nb);

	for (i = 0; i < BIT(MA_MPROF_OBJ_BITS); i++)
		hlist_for_each_entry_safe(o, n, &ma_mprof_objs[i], node)
			kfree(o);
	kfree(ma_mprof_objs);
	ma_mprof_objs = NULL;
	atomic_long_set(&ma_mprof_nobjs, 0);
	atomic_long_set(&ma_mprof_user_arena_objs, 0);
	list_for_each_entry_safe(b, tmp, &ma_mprof_buckets, node) {
		if (b->names != ma_mprof_unnamed)
			kfree(b->names);
		kfree(b);
	}
	INIT_LIST_HEAD(&ma_mprof_buckets);
	ma_mprof_nbuckets = 0;
	atomic64_set(&ma_mprof_bucket_bytes, 0);
	kfree(ma_mprof_hash);
	ma_mprof_hash = NULL;
}
