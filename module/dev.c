// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/memarena: the allocator driven from userspace, for load generators
 * (user/memload) and tests.  The ABI is the device section at the end of
 * include/uapi/linux/memarena.h; Documentation/userspace-api.rst tells
 * the story for users.
 *
 * Files.  Opening needs CAP_SYS_ADMIN (the node is 0600 as well).  Every
 * open file is a struct ma_dev_file: a user arena named "comm:pid"
 * after the opener, a table of the objects allocated through the file,
 * counters and limits.  Releasing the file frees every object it still
 * owns.  One mutex per file serialises its commands, so a command sees
 * and leaves the table consistent; threads that want to run in parallel
 * open one file each (a thread may still free another file's objects
 * through that file).
 *
 * Handles.  Objects are named by a handle: the slot's index in the low 32
 * bits and the slot's generation in the high 32 bits.  The generation is
 * never 0 and is bumped when the slot is freed, so a stale, forged or
 * double-freed handle matches no live slot and gets -ENOENT; nothing is
 * changed.  No address reaches userspace.
 *
 * Where objects come from.  ALLOC without MEMARENA_DEV_F_CPU takes them
 * from the file's user arena (memarena_arena_alloc(): its own spans,
 * freed at once by FREE_ALL and release).  With MEMARENA_DEV_F_CPU they
 * come from memarena_alloc() on that CPU, i.e. from that CPU's cache;
 * FREE with the flag frees on that CPU, into its cache.  The batch runs
 * right in the caller, with migration disabled, if the caller already is
 * on that CPU (a load generator pins its threads, so this is the fast
 * path); otherwise in a work item on that CPU (work_on_cpu_safe()), which
 * keeps the CPU online meanwhile and never touches the caller's affinity.
 * The operations are copied into the kernel before, and the results out
 * after, so the work item never touches user memory.
 *
 * Commands come through ioctl() and through io_uring IORING_OP_URING_CMD
 * (->uring_cmd, IORING_SETUP_SQE128): the same struct memarena_dev_cmd,
 * copied once, the same code, completed before ->uring_cmd returns (with
 * io_uring_cmd_done(), see compat.h).  io_uring first issues a command
 * non-blocking (IO_URING_F_NONBLOCK, under its ring lock); what could
 * block returns -EAGAIN there, and io_uring issues it again from a worker
 * that may block:
 *  - waiting for the file's mutex, or for another CPU (work_on_cpu_safe());
 *  - FREE_ALL and PATTERN, whose work grows with the whole table or with
 *    object sizes (they reschedule);
 *  - an ALLOC that would grow the table, an ALLOC or FREE of more than
 *    MA_DEV_INLINE_BYTES of objects, and one that needs memory the
 *    allocator cannot give without reclaim (GFP_NOWAIT): to copy the
 *    operations in, or for an object.  An ALLOC whose object fails frees
 *    the objects it already got before it returns -EAGAIN.
 * So -EAGAIN leaves the file's objects and counters as they were, and a
 * batch takes effect once.  STATS, and small ALLOC and FREE batches on
 * the issuing CPU, run inline.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "memarena.h"

/* The per-file object limit cannot be raised above this. */
#define MA_DEV_OBJECTS_CAP	BIT(24)

static unsigned long ma_dev_max_objects = 1UL << 20;
module_param_named(dev_max_objects, ma_dev_max_objects, ulong, 0644);
MODULE_PARM_DESC(dev_max_objects,
		 "live objects per open /dev/memarena file (read at open; at most 16777216)");

static unsigned long ma_dev_max_bytes = 512UL << 20;
module_param_named(dev_max_bytes, ma_dev_max_bytes, ulong, 0644);
MODULE_PARM_DESC(dev_max_bytes,
		 "live bytes (usable size) per open /dev/memarena file (read at open)");

#define MA_DEV_NIL	U32_MAX		/* end of the free slot list */

/*
 * struct ma_dev_slot - one entry of a file's object table
 * @obj: the object, NULL if the slot is free
 * @gen: generation of the slot's handle, never 0
 * @size: live: bytes requested
 * @next: free: index of the next free slot, or MA_DEV_NIL
 * @usable: live: memarena_size() of @obj
 * @arena: live: @obj belongs to the file's user arena
 */
struct ma_dev_slot {
	void *obj;
	u32 gen;
	union {
		u32 size;
		u32 next;
	};
	u32 usable;
	u32 arena;
};

/*
 * struct ma_dev_file - one open /dev/memarena
 * @lock: serialises the commands; protects everything below
 * @arena: the user arena that owns the objects allocated without
 *	MEMARENA_DEV_F_CPU
 * @slots: the object table, @nslots entries
 * @free_head: first free slot, or MA_DEV_NIL
 * @max_objects, @max_bytes: the limits, read from the parameters at open
 * @st: the counters STATS reports (the limits are filled in there)
 * @name: the user arena's name, "comm:pid" of the opener
 */
struct ma_dev_file {
	struct mutex lock;		/* see the comment above */
	struct memarena_arena *arena;
	struct ma_dev_slot *slots;
	u32 nslots;
	u32 free_head;
	u64 max_objects;
	u64 max_bytes;
	struct memarena_dev_stats st;
	char name[MEMARENA_NAME_LEN];
};

/* One batch handed to the CPU that runs it. */
struct ma_dev_job {
	struct ma_dev_file *f;
	const struct memarena_dev_cmd *cmd;
	void *ops;
	u32 n;
	bool fresh_arena;		/* FREE_ALL: leave f->arena's objects */
	bool nowait;			/* io_uring's non-blocking issue */
};

static u64 ma_dev_handle(const struct ma_dev_file *f,
			 const struct ma_dev_slot *s)
{
	return (u64)s->gen << 32 | (u32)(s - f->slots);
}

static struct ma_dev_slot *ma_dev_lookup(struct ma_dev_file *f, u64 handle)
{
	u32 idx = lower_32_bits(handle);
	struct ma_dev_slot *s;

	if (idx >= f->nslots)
		return NULL;
	s = &f->slots[array_index_nospec(idx, f->nslots)];
	if (!s->obj || s->gen != upper_32_bits(handle))
		return NULL;
	return s;
}

/* Give a slot back: a new generation, at the head of the free list. */
static void ma_dev_put_slot(struct ma_dev_file *f, struct ma_dev_slot *s)
{
	s->obj = NULL;
	s->gen = s->gen + 1 ? : 1;
	s->next = f->free_head;
	f->free_head = s - f->slots;
}

/*
 * Make room in the table for @n more objects, or as many as the object
 * limit allows.  The table at least doubles when it grows.
 */
static int ma_dev_reserve(struct ma_dev_file *f, u64 n)
{
	u64 want = min(f->st.live_objects + n, f->max_objects);
	struct ma_dev_slot *slots;
	u64 size;
	u32 i;

	if (want <= f->nslots)
		return 0;
	size = max3(want, 2ULL * f->nslots, 64ULL);
	size = min(size, f->max_objects);
	slots = kvmalloc_array(size, sizeof(*slots), GFP_KERNEL_ACCOUNT);
	if (!slots)
		return -ENOMEM;
	if (f->nslots)
		memcpy(slots, f->slots, f->nslots * sizeof(*slots));
	kvfree(f->slots);
	f->slots = slots;
	/* New slots go on the free list lowest index first. */
	for (i = size; i-- > f->nslots; ) {
		slots[i].obj = NULL;
		slots[i].gen = 1;
		slots[i].next = f->free_head;
		f->free_head = i;
	}
	f->nslots = size;
	return 0;
}

/* The usable size memarena will give a request of @size bytes. */
static u64 ma_dev_usable(u64 size)
{
	if (size > MEMARENA_MAX_SMALL_SIZE)
		return PAGE_ALIGN(size);
	return ma_class_size[ma_size_to_class(size)];
}

/*
 * io_uring's non-blocking issue: whether a batch is small enough to run
 * inline, with no table to grow and at most MA_DEV_INLINE_BYTES of
 * objects (zeroing and init_on_alloc/free touch every byte, and nothing
 * reschedules inline).  Checked before anything is done.
 */
#define MA_DEV_INLINE_BYTES	(256 * 1024)

static bool ma_dev_inline_alloc(const struct ma_dev_file *f,
				const struct memarena_dev_alloc_op *ops, u32 n)
{
	u64 bytes = 0;
	u32 i;

	if (f->st.live_objects + n > f->nslots && f->nslots < f->max_objects)
		return false;			/* kvmalloc(), kvfree() */
	for (i = 0; i < n && bytes <= MA_DEV_INLINE_BYTES; i++)
		bytes += min_t(u64, ops[i].size, MEMARENA_MAX_SIZE);
	return bytes <= MA_DEV_INLINE_BYTES;
}

static bool ma_dev_inline_free(struct ma_dev_file *f, const u64 *handles,
			       u32 n)
{
	struct ma_dev_slot *s;
	u64 bytes = 0;
	u32 i;

	for (i = 0; i < n && bytes <= MA_DEV_INLINE_BYTES; i++) {
		s = ma_dev_lookup(f, handles[i]);
		if (s)
			bytes += s->usable;
	}
	return bytes <= MA_DEV_INLINE_BYTES;
}

static int ma_dev_alloc_one(struct ma_dev_file *f, u64 size, gfp_t gfp,
			    bool on_arena, u64 *handle)
{
	struct ma_dev_slot *s;
	void *p;

	if (!size || size > MEMARENA_MAX_SIZE)
		return -EINVAL;
	if (f->st.live_objects >= f->max_objects ||
	    f->st.live_bytes + ma_dev_usable(size) > f->max_bytes)
		return -EDQUOT;
	if (f->free_head == MA_DEV_NIL)		/* ma_dev_reserve() failed */
		return -ENOMEM;
	if (on_arena)
		p = memarena_arena_alloc(f->arena, size, gfp);
	else
		p = memarena_alloc(size, gfp);
	if (!p)
		return -ENOMEM;

	s = &f->slots[f->free_head];
	f->free_head = s->next;
	s->obj = p;
	s->size = size;
	/* memarena_size(), which would make all of it valid for KASAN. */
	s->usable = ma_dev_usable(size);
	s->arena = on_arena;
	f->st.live_objects++;
	f->st.live_bytes += s->usable;
	f->st.live_requested += size;
	f->st.mallocs++;
	if (on_arena) {
		f->st.arena_objects++;
		f->st.arena_bytes += s->usable;
	}
	*handle = ma_dev_handle(f, s);
	return 0;
}

/* Forget a live slot's object (the caller frees it, or not). */
static void *ma_dev_take(struct ma_dev_file *f, struct ma_dev_slot *s)
{
	void *p = s->obj;

	f->st.live_objects--;
	f->st.live_bytes -= s->usable;
	f->st.live_requested -= s->size;
	f->st.frees++;
	if (s->arena) {
		f->st.arena_objects--;
		f->st.arena_bytes -= s->usable;
	}
	ma_dev_put_slot(f, s);
	return p;
}

static int ma_dev_free_one(struct ma_dev_file *f, u64 handle)
{
	struct ma_dev_slot *s = ma_dev_lookup(f, handle);

	if (!s)
		return -ENOENT;
	memarena_free(ma_dev_take(f, s));
	return 0;
}

static long ma_dev_alloc_job(void *arg)
{
	struct ma_dev_job *job = arg;
	struct memarena_dev_alloc_op *ops = job->ops;
	bool on_arena = !(job->cmd->flags & MEMARENA_DEV_F_CPU);
	gfp_t gfp = GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL;
	u32 i, k;
	int err = 0;

	if (job->nowait)
		gfp = GFP_NOWAIT | __GFP_NOWARN;
	if (job->cmd->flags & MEMARENA_DEV_F_ZERO)
		gfp |= __GFP_ZERO;
	for (i = 0; i < job->n; i++) {
		err = ma_dev_alloc_one(job->f, ops[i].size, gfp, on_arena,
				       &ops[i].handle);
		if (err)
			break;
	}
	if (err == -ENOMEM && job->nowait) {
		/*
		 * Undone, to be run again where it may block: the file's
		 * counters too (memarena's own count what happened).
		 */
		for (k = 0; k < i; k++)
			ma_dev_free_one(job->f, ops[k].handle);
		job->f->st.mallocs -= i;
		job->f->st.frees -= i;
		return -EAGAIN;
	}
	return i ? (long)i : err;
}

static long ma_dev_free_job(void *arg)
{
	struct ma_dev_job *job = arg;
	const u64 *handles = job->ops;
	u32 i;
	int err = 0;

	for (i = 0; i < job->n; i++) {
		err = ma_dev_free_one(job->f, handles[i]);
		if (err)
			break;
	}
	return i ? (long)i : err;
}

/*
 * Free every object of the file, highest slot first (so that the free
 * list hands out low indexes first again).  User arena objects are only
 * forgotten if the caller destroys the user arena (job->fresh_arena).
 */
static long ma_dev_free_all_job(void *arg)
{
	struct ma_dev_job *job = arg;
	struct ma_dev_file *f = job->f;
	struct ma_dev_slot *s;
	long n = 0;
	void *p;
	u32 i;

	for (i = f->nslots; i-- > 0; ) {
		s = &f->slots[i];
		if (!s->obj)
			continue;
		p = ma_dev_take(f, s);
		if (!s->arena || !job->fresh_arena)
			memarena_free(p);
		if (!(++n % 1024))
			cond_resched();
	}
	return n;
}

/*
 * Run @fn(@job) with memarena_alloc() and memarena_free() working on the
 * cache of the CPU the command names, if it names one: in the caller if
 * it is already there, else in a work item on that CPU.
 */
static long ma_dev_on_cpu(struct ma_dev_job *job, long (*fn)(void *))
{
	const struct memarena_dev_cmd *c = job->cmd;
	long ret;

	if (!(c->flags & MEMARENA_DEV_F_CPU))
		return fn(job);
	migrate_disable();
	if (smp_processor_id() == c->cpu) {
		ret = fn(job);
		migrate_enable();
		return ret;
	}
	migrate_enable();
	if (job->nowait)
		return -EAGAIN;
	/* -ENODEV if the CPU is offline. */
	return work_on_cpu_safe(c->cpu, fn, job);
}

/*
 * Copy the operations in: into @buf if they fit, else into a new buffer
 * (free it with kvfree() if it is not @buf); with @nowait, a new buffer
 * only if one comes without reclaim, else ERR_PTR(-EAGAIN).
 */
static void *ma_dev_copy_in(const struct memarena_dev_cmd *c, size_t opsize,
			    void *buf, size_t bufsize, bool nowait)
{
	size_t bytes = c->count * opsize;

	if (bytes > bufsize && !nowait)
		return vmemdup_user(u64_to_user_ptr(c->ops), bytes);
	if (bytes > bufsize) {
		buf = kmalloc(bytes, GFP_NOWAIT | __GFP_NOWARN);
		if (!buf)
			return ERR_PTR(-EAGAIN);
		bufsize = 0;		/* a new buffer: freed on error */
	}
	if (copy_from_user(buf, u64_to_user_ptr(c->ops), bytes)) {
		if (!bufsize)
			kfree(buf);
		return ERR_PTR(-EFAULT);
	}
	return buf;
}

static void ma_dev_copy_done(void *ops, void *buf)
{
	if (ops != buf)
		kvfree(ops);
}

static long ma_dev_cmd_alloc(struct ma_dev_file *f,
			     const struct memarena_dev_cmd *c, bool nowait,
			     void *buf, size_t bufsize)
{
	struct ma_dev_job job = { .f = f, .cmd = c, .n = c->count,
				  .nowait = nowait };
	struct memarena_dev_alloc_op *ops;
	long ret, i;

	ops = ma_dev_copy_in(c, sizeof(*ops), buf, bufsize, nowait);
	if (IS_ERR(ops))
		return PTR_ERR(ops);
	if (nowait && !ma_dev_inline_alloc(f, ops, c->count)) {
		ret = -EAGAIN;
		goto out_free_ops;
	}
	ret = ma_dev_reserve(f, c->count);
	if (ret)
		goto out_free_ops;
	job.ops = ops;
	ret = ma_dev_on_cpu(&job, ma_dev_alloc_job);
	if (ret > 0 &&
	    copy_to_user(u64_to_user_ptr(c->ops), ops, ret * sizeof(*ops))) {
		/* Nobody could name them: free them again. */
		for (i = 0; i < ret; i++)
			ma_dev_free_one(f, ops[i].handle);
		ret = -EFAULT;
	}
out_free_ops:
	ma_dev_copy_done(ops, buf);
	return ret;
}

static long ma_dev_cmd_free(struct ma_dev_file *f,
			    const struct memarena_dev_cmd *c, bool nowait,
			    void *buf, size_t bufsize)
{
	struct ma_dev_job job = { .f = f, .cmd = c, .n = c->count,
				  .nowait = nowait };
	long ret;

	job.ops = ma_dev_copy_in(c, sizeof(u64), buf, bufsize, nowait);
	if (IS_ERR(job.ops))
		return PTR_ERR(job.ops);
	if (nowait && !ma_dev_inline_free(f, job.ops, c->count))
		ret = -EAGAIN;
	else
		ret = ma_dev_on_cpu(&job, ma_dev_free_job);
	ma_dev_copy_done(job.ops, buf);
	return ret;
}

/*
 * FREE_ALL: objects of the CPU caches are freed one by one; the user
 * arena is replaced by a new one and destroyed, which frees its objects a
 * span at a time.  If no new user arena can be had, its objects are freed
 * one by one too.
 */
static long ma_dev_cmd_free_all(struct ma_dev_file *f,
				const struct memarena_dev_cmd *c)
{
	struct ma_dev_job job = { .f = f, .cmd = c };
	struct memarena_arena *fresh = NULL;
	long ret;

	if (f->st.arena_objects) {
		fresh = memarena_arena_create(f->name);
		if (IS_ERR(fresh))
			fresh = NULL;
	}
	job.fresh_arena = fresh;
	ret = ma_dev_on_cpu(&job, ma_dev_free_all_job);
	if (ret < 0) {
		/* The CPU is offline: nothing was freed. */
		memarena_arena_destroy(fresh);
		return ret;
	}
	if (fresh) {
		memarena_arena_destroy(f->arena);
		f->arena = fresh;
	}
	return ret;
}

static void ma_dev_fill(void *p, u64 size, u64 pattern)
{
	memset64(p, pattern, size / 8);
	memcpy(p + (size & ~7ULL), &pattern, size & 7);
}

/* Offset of the first byte of @p that differs from the pattern, or GOOD. */
static u64 ma_dev_check(const void *p, u64 size, u64 pattern)
{
	const u8 *want = (const u8 *)&pattern;
	const u64 *w = p;
	const u8 *b;
	u64 i;

	for (i = 0; i < size / 8; i++)
		if (unlikely(w[i] != pattern))
			break;
	for (i *= 8, b = p; i < size; i++)
		if (b[i] != want[i & 7])
			return i;
	return MEMARENA_DEV_PATTERN_GOOD;
}

static int ma_dev_pattern_one(struct ma_dev_file *f,
			      struct memarena_dev_pattern_op *op)
{
	const u64 all = MEMARENA_DEV_PATTERN_WRITE | MEMARENA_DEV_PATTERN_CHECK;
	struct ma_dev_slot *s;

	if (!op->flags || (op->flags & ~all))
		return -EINVAL;
	s = ma_dev_lookup(f, op->handle);
	if (!s)
		return -ENOENT;
	if (op->flags & MEMARENA_DEV_PATTERN_WRITE)
		ma_dev_fill(s->obj, s->size, op->pattern);
	if (op->flags & MEMARENA_DEV_PATTERN_CHECK) {
		op->bad_offset = ma_dev_check(s->obj, s->size, op->pattern);
		if (op->bad_offset != MEMARENA_DEV_PATTERN_GOOD)
			return -EBADMSG;
	}
	return 0;
}

static long ma_dev_cmd_pattern(struct ma_dev_file *f,
			       const struct memarena_dev_cmd *c,
			       void *buf, size_t bufsize)
{
	struct memarena_dev_pattern_op *ops;
	long ret = 0, out;
	u32 i;

	ops = ma_dev_copy_in(c, sizeof(*ops), buf, bufsize, false);
	if (IS_ERR(ops))
		return PTR_ERR(ops);
	for (i = 0; i < c->count; i++) {
		ret = ma_dev_pattern_one(f, &ops[i]);
		if (ret)
			break;
		cond_resched();
	}
	/* A mismatch also reports its offset. */
	out = ret == -EBADMSG ? i + 1 : i;
	if (out && copy_to_user(u64_to_user_ptr(c->ops), ops, out * sizeof(*ops)))
		ret = -EFAULT;
	else if (i)
		ret = i;
	ma_dev_copy_done(ops, buf);
	return ret;
}

static long ma_dev_cmd_stats(struct ma_dev_file *f,
			     const struct memarena_dev_cmd *c)
{
	struct memarena_dev_stats st = f->st;
	size_t bytes = min_t(u64, c->count, sizeof(st));

	st.max_objects = f->max_objects;
	st.max_bytes = f->max_bytes;
	st.max_size = MEMARENA_MAX_SIZE;
	st.max_batch = MEMARENA_DEV_MAX_BATCH;
	if (copy_to_user(u64_to_user_ptr(c->ops), &st, bytes))
		return -EFAULT;
	return bytes;
}

static bool ma_dev_known(unsigned int cmd)
{
	switch (cmd) {
	case MEMARENA_IOC_ALLOC:
	case MEMARENA_IOC_FREE:
	case MEMARENA_IOC_FREE_ALL:
	case MEMARENA_IOC_PATTERN:
	case MEMARENA_IOC_STATS:
		return true;
	}
	return false;
}

/* The fields of a command that do not depend on its operations. */
static int ma_dev_validate(unsigned int cmd, const struct memarena_dev_cmd *c)
{
	u64 flags = 0;

	if (memchr_inv(c->reserved, 0, sizeof(c->reserved)))
		return -EINVAL;
	if (cmd == MEMARENA_IOC_ALLOC)
		flags = MEMARENA_DEV_F_CPU | MEMARENA_DEV_F_ZERO;
	else if (cmd == MEMARENA_IOC_FREE || cmd == MEMARENA_IOC_FREE_ALL)
		flags = MEMARENA_DEV_F_CPU;
	if (c->flags & ~flags)
		return -EINVAL;
	if (!(c->flags & MEMARENA_DEV_F_CPU) && c->cpu)
		return -EINVAL;
	if ((c->flags & MEMARENA_DEV_F_CPU) &&
	    (c->cpu >= nr_cpu_ids || !cpu_possible(c->cpu)))
		return -EINVAL;

	switch (cmd) {
	case MEMARENA_IOC_FREE_ALL:
		return c->ops || c->count ? -EINVAL : 0;
	case MEMARENA_IOC_STATS:
		return c->count ? 0 : -EINVAL;
	}
	if (!c->count)
		return -EINVAL;
	if (c->count > MEMARENA_DEV_MAX_BATCH)
		return -E2BIG;
	return 0;
}

/*
 * Run one command; the caller holds f->lock.  @nowait: io_uring's
 * non-blocking issue, -EAGAIN for what could block (see the top).
 */
static long ma_dev_exec(struct ma_dev_file *f, unsigned int cmd,
			const struct memarena_dev_cmd *c, bool nowait)
{
	u64 buf[32];	/* small batches are copied here */
	long ret;

	lockdep_assert_held(&f->lock);
	ret = ma_dev_validate(cmd, c);
	if (ret)
		return ret;
	if (nowait && (cmd == MEMARENA_IOC_FREE_ALL || cmd == MEMARENA_IOC_PATTERN))
		return -EAGAIN;
	switch (cmd) {
	case MEMARENA_IOC_ALLOC:
		return ma_dev_cmd_alloc(f, c, nowait, buf, sizeof(buf));
	case MEMARENA_IOC_FREE:
		return ma_dev_cmd_free(f, c, nowait, buf, sizeof(buf));
	case MEMARENA_IOC_FREE_ALL:
		return ma_dev_cmd_free_all(f, c);
	case MEMARENA_IOC_PATTERN:
		return ma_dev_cmd_pattern(f, c, buf, sizeof(buf));
	case MEMARENA_IOC_STATS:
		return ma_dev_cmd_stats(f, c);
	}
	return -ENOTTY;
}

static long ma_dev_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct ma_dev_file *f = file->private_data;
	struct memarena_dev_cmd c;
	long ret;

	if (!ma_dev_known(cmd))
		return -ENOTTY;
	if (copy_from_user(&c, (void __user *)arg, sizeof(c)))
		return -EFAULT;
	if (mutex_lock_killable(&f->lock))
		return -EINTR;
	ret = ma_dev_exec(f, cmd, &c, false);
	mutex_unlock(&f->lock);
	return ret;
}

static int ma_dev_uring_cmd(struct io_uring_cmd *ioucmd,
			    unsigned int issue_flags)
{
	bool nowait = issue_flags & IO_URING_F_NONBLOCK;
	struct ma_dev_file *f = ioucmd->file->private_data;
	struct memarena_dev_cmd c;
	long ret;

	/* The command must fit in the 80-byte cmd area of a 128-byte SQE. */
	BUILD_BUG_ON(sizeof(c) > 2 * sizeof(struct io_uring_sqe) -
		     offsetof(struct io_uring_sqe, cmd));
	if (!(issue_flags & IO_URING_F_SQE128)) {
		ret = -EINVAL;
		goto out_done;
	}
	if (!ma_dev_known(ioucmd->cmd_op)) {
		ret = -ENOTTY;
		goto out_done;
	}
	memcpy(&c, ma_uring_cmd_payload(ioucmd), sizeof(c));

	if (nowait) {
		if (!mutex_trylock(&f->lock))
			return -EAGAIN;		/* retried from io-wq */
	} else if (mutex_lock_killable(&f->lock)) {
		ret = -EINTR;
		goto out_done;
	}
	ret = ma_dev_exec(f, ioucmd->cmd_op, &c, nowait);
	mutex_unlock(&f->lock);
	if (ret == -EAGAIN && nowait)
		return -EAGAIN;			/* nothing done; from io-wq */
out_done:
	/* Synchronous completion; see ma_uring_cmd_done() in compat.h. */
	ma_uring_cmd_done(ioucmd, ret, issue_flags);
	return -EIOCBQUEUED;
}

static int ma_dev_open(struct inode *inode, struct file *file)
{
	char comm[TASK_COMM_LEN];
	struct ma_dev_file *f;
	int err = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	get_task_comm(comm, current);
	snprintf(f->name, sizeof(f->name), "%s:%d", comm,
		 task_tgid_nr(current));
	f->arena = memarena_arena_create(f->name);
	if (IS_ERR(f->arena)) {
		err = PTR_ERR(f->arena);
		goto out_free_file;
	}
	mutex_init(&f->lock);
	f->free_head = MA_DEV_NIL;
	f->max_objects = min(READ_ONCE(ma_dev_max_objects), MA_DEV_OBJECTS_CAP);
	f->max_bytes = READ_ONCE(ma_dev_max_bytes);
	file->private_data = f;
	return 0;

out_free_file:
	kfree(f);
	return err;
}

static int ma_dev_release(struct inode *inode, struct file *file)
{
	struct ma_dev_file *f = file->private_data;
	struct ma_dev_job job = { .f = f, .fresh_arena = true };

	/* Objects of the CPU caches one by one, the user arena all at once. */
	ma_dev_free_all_job(&job);
	memarena_arena_destroy(f->arena);
	kvfree(f->slots);
	mutex_destroy(&f->lock);
	kfree(f);
	return 0;
}

static const struct file_operations ma_dev_fops = {
	.owner		= THIS_MODULE,	/* no rmmod while a file is open */
	.open		= ma_dev_open,
	.release	= ma_dev_release,
	.unlocked_ioctl	= ma_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.uring_cmd	= ma_dev_uring_cmd,
	.llseek		= noop_llseek,
};

static struct miscdevice ma_miscdev = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= "memarena",
	.fops		= &ma_dev_fops,
	.mode		= 0600,
};

/**
 * ma_dev_init() - register /dev/memarena
 *
 * Context: Process context, module init, after the allocator is up.
 * Return: 0, or a negative errno from misc_register().
 */
int __init ma_dev_init(void)
{
	return misc_register(&ma_miscdev);
}

/**
 * ma_dev_exit() - unregister /dev/memarena
 *
 * No file can be open: each holds a reference on the module.
 *
 * Context: Process context, module exit.
 */
void ma_dev_exit(void)
{
	misc_deregister(&ma_miscdev);
}
