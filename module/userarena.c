// SPDX-License-Identifier: GPL-2.0
/*
 * User arenas: sets of objects that are freed all at once, like Go's
 * arena experiment (runtime userArena).  The public API calls them
 * "arenas" (memarena_arena_*(), struct memarena_arena); inside memarena
 * they are "user arenas", apart from the heap arenas of mheap.c.  Small
 * objects of a user arena come from spans it owns (its own centrals, no
 * per-CPU cache), large ones are on its list, so destroying it gives back
 * whole spans without looking at objects.  memarena_free() works on user
 * arena objects too.  See malloc.c.
 */

#include "memarena.h"

#ifdef __KERNEL__
#include <linux/err.h>
#include <linux/export.h>
#include <linux/slab.h>
#include <linux/string.h>
#endif

static LIST_HEAD(ma_user_arenas);		/* in order of creation: by id */
static DEFINE_SPINLOCK(ma_user_arenas_lock);
static unsigned long ma_nuser_arenas;
static u64 ma_user_arenas_last_id;		/* ma_user_arenas_lock */

static void ma_user_arena_account(struct memarena_arena *a, long objs,
				  long bytes)
{
	if (objs > 0)
		atomic64_add(objs, &a->mallocs);
	else
		atomic64_add(-objs, &a->frees);
	atomic64_add(objs, &a->live_objects);
	atomic64_add(bytes, &a->live_bytes);
}

/**
 * memarena_arena_create() - create a user arena
 * @name: a name for the statistics, 1 to %MEMARENA_NAME_LEN - 1 characters
 *
 * Context: Process context, may sleep.
 * Return: the user arena, ERR_PTR(-EINVAL) for a missing, empty or too
 * long name, ERR_PTR(-ENOMEM) if memory is short.
 */
struct memarena_arena *memarena_arena_create(const char *name)
{
	struct memarena_arena *a;
	unsigned int cls;

	if (!name || !*name || strnlen(name, MEMARENA_NAME_LEN) >= MEMARENA_NAME_LEN)
		return ERR_PTR(-EINVAL);
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return ERR_PTR(-ENOMEM);
	strscpy(a->name, name, sizeof(a->name));
	a->created = ktime_get_real_ns();
	spin_lock_init(&a->lock);
	INIT_LIST_HEAD(&a->large);
	for (cls = 0; cls < MA_NUM_SIZE_CLASSES; cls++)
		ma_central_init(&a->central[cls], cls, a, NULL);

	spin_lock_bh(&ma_user_arenas_lock);
	a->id = ++ma_user_arenas_last_id;
	list_add_tail(&a->node, &ma_user_arenas);
	ma_nuser_arenas++;
	spin_unlock_bh(&ma_user_arenas_lock);
	return a;
}
EXPORT_SYMBOL_GPL(memarena_arena_create);

/**
 * memarena_arena_alloc() - allocate memory owned by a user arena
 * @arena: the user arena
 * @size: bytes wanted, up to %MEMARENA_MAX_SIZE
 * @gfp: GFP flags, as for memarena_alloc()
 *
 * Same sizes, alignment and zeroing as memarena_alloc().  Allocations
 * take the user arena's per-class lock: use the global heap for the
 * lock-free per-CPU path.
 *
 * Context: As memarena_alloc(); @arena must not be being destroyed.
 * Return: the object, ZERO_SIZE_PTR if @size is 0, or NULL.
 */
void *memarena_arena_alloc(struct memarena_arena *arena, size_t size,
			   gfp_t gfp)
{
	unsigned int cls;
	void *p;

	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (unlikely(ma_gfp_invalid(gfp)))
		return NULL;
	might_alloc(gfp);
	if (size > MEMARENA_MAX_SMALL_SIZE)
		return ma_large_alloc(arena, size, gfp, NUMA_NO_NODE, _RET_IP_);

	cls = ma_size_to_class(size);
	if (!ma_central_refill(&arena->central[cls], &p, 1, gfp))
		return NULL;
	ma_obj_init(p, ma_class_size[cls], gfp);
	ma_checkers_alloc(p, size, ma_class_size[cls], gfp);
	ma_mcache_count(cls, 1, 0);
	ma_user_arena_account(arena, 1, ma_class_size[cls]);
	if (ma_mprof_tick(ma_class_size[cls]))
		ma_mprof_alloc(p, ma_class_size[cls], arena, _RET_IP_);
	return p;
}
EXPORT_SYMBOL_GPL(memarena_arena_alloc);

/**
 * ma_user_arena_free_small() - memarena_free() of a small user arena object
 * @s: its span, SMALL, owned by a user arena
 * @p: the object, validated, carrying its free cookie
 *
 * Context: Any context but NMI.
 */
void ma_user_arena_free_small(struct ma_central *c, struct ma_span *s, void *p)
{
	unsigned int cls = c->class;
	LIST_HEAD(empty);

	if (!ma_central_free_one(c, s, p, &empty)) {
		ma_bad_free(p, "double free");
		return;
	}
	/* Counted before the span may leave HeapInuse: see stats.c. */
	ma_mcache_count(cls, -1, 0);
	ma_user_arena_account(c->owner, -1, -(long)ma_class_size[cls]);
	ma_heap_free_list(&empty);
}

/**
 * ma_user_arena_free_large() - unlink a large user arena object being freed
 * @s: its span, claimed by the caller
 *
 * Context: Any context but NMI.
 */
void ma_user_arena_free_large(struct ma_span *s)
{
	struct memarena_arena *a = s->owner;
	unsigned long flags;

	spin_lock_irqsave(&a->lock, flags);
	list_del(&s->list);
	a->nlarge--;
	a->large_bytes -= (u64)s->npages << PAGE_SHIFT;
	spin_unlock_irqrestore(&a->lock, flags);
	ma_user_arena_account(a, -1, -((long)s->npages << PAGE_SHIFT));
	s->owner = NULL;
}

/**
 * memarena_arena_destroy() - free a user arena and every object in it
 * @arena: the user arena; NULL or an error pointer is ignored
 *
 * Objects still allocated are freed without being looked at (they count
 * as frees; with init_on_free their spans are zeroed); pointers to them
 * must not be used any more.
 *
 * Context: Process context; nobody may allocate from or free into @arena
 * concurrently.
 */
void memarena_arena_destroy(struct memarena_arena *arena)
{
	struct ma_span *s, *tmp;
	unsigned long flags;
	unsigned int cls;
	LIST_HEAD(large);

	if (IS_ERR_OR_NULL(arena))
		return;
	spin_lock_bh(&ma_user_arenas_lock);
	list_del(&arena->node);
	ma_nuser_arenas--;
	spin_unlock_bh(&ma_user_arenas_lock);

	/* While the objects' spans are still the user arena's. */
	ma_mprof_user_arena_destroy(arena);
	for (cls = 1; cls < MA_NUM_SIZE_CLASSES; cls++)
		ma_central_release_all(&arena->central[cls]);

	spin_lock_irqsave(&arena->lock, flags);
	list_splice_init(&arena->large, &large);
	arena->nlarge = 0;
	arena->large_bytes = 0;
	spin_unlock_irqrestore(&arena->lock, flags);
	list_for_each_entry_safe(s, tmp, &large, list) {
		long bytes = (long)s->npages << PAGE_SHIFT;

		list_del(&s->list);
		s->owner = NULL;
		ma_checkers_free((void *)s->base, bytes);
		if (want_init_on_free())
			memset((void *)s->base, 0, bytes);
		ma_mcache_count(0, -1, -bytes);
		ma_heap_free(s);
	}
	/* Small frees look up in an RCU reader (malloc.c): a bad one may still lock it. */
	kfree_rcu(arena, rcu);
}
EXPORT_SYMBOL_GPL(memarena_arena_destroy);

/**
 * memarena_arena_get_stats() - read a user arena's counters
 * @arena: the user arena
 * @stats: filled in
 *
 * The counters are read one by one without stopping allocators: each is
 * exact, the set is consistent only if the user arena is quiescent.
 *
 * Context: Any context.
 */
void memarena_arena_get_stats(struct memarena_arena *arena,
			      struct memarena_arena_stats *stats)
{
	stats->mallocs = atomic64_read(&arena->mallocs);
	stats->frees = atomic64_read(&arena->frees);
	stats->live_objects = atomic64_read(&arena->live_objects);
	stats->live_bytes = atomic64_read(&arena->live_bytes);
}
EXPORT_SYMBOL_GPL(memarena_arena_get_stats);

/**
 * ma_user_arena_for_each() - call a function for each user arena, by id
 * @next_id: the first id to report; on return, the id to start from next
 *	time (one past the last user arena @fn accepted)
 * @fn: called under ma_user_arenas_lock (softirqs off) for each user arena
 *	with an id of at least *@next_id; a non-zero return stops the walk
 *	there, and that user arena is reported again next time
 * @arg: passed to @fn
 *
 * For a dump in several parts: user arenas created meanwhile come after the
 * ones reported, and one destroyed meanwhile is simply not seen.
 *
 * Context: Process or softirq context.
 * Return: 0 after the last user arena, or what @fn returned.
 */
int ma_user_arena_for_each(u64 *next_id,
			   int (*fn)(const struct ma_user_arena_info *info,
				     void *arg),
			   void *arg)
{
	struct ma_user_arena_info info;
	struct memarena_arena *a;
	unsigned long flags;
	unsigned int c;
	int err = 0;

	spin_lock_bh(&ma_user_arenas_lock);
	list_for_each_entry(a, &ma_user_arenas, node) {
		if (a->id < *next_id)
			continue;
		memcpy(info.name, a->name, sizeof(info.name));
		info.id = a->id;
		info.created = a->created;
		memarena_arena_get_stats(a, &info.st);
		info.spans = 0;
		info.span_bytes = 0;
		for (c = 1; c < MA_NUM_SIZE_CLASSES; c++) {
			u64 n = READ_ONCE(a->central[c].nspans);

			info.spans += n;
			info.span_bytes += n * ma_class_span_bytes[c];
		}
		spin_lock_irqsave(&a->lock, flags);
		info.spans += a->nlarge;
		info.span_bytes += a->large_bytes;
		spin_unlock_irqrestore(&a->lock, flags);
		err = fn(&info, arg);
		if (err)
			break;
		*next_id = a->id + 1;
	}
	spin_unlock_bh(&ma_user_arenas_lock);
	return err;
}

/**
 * ma_user_arena_count() - number of user arenas that exist
 *
 * Context: Any context.
 * Return: the count.
 */
unsigned long ma_user_arena_count(void)
{
	return READ_ONCE(ma_nuser_arenas);
}

/**
 * ma_user_arena_count_spans() - add every user arena's spans per class
 * @by_size: ->spans incremented by the spans of each class
 *
 * Context: Process or softirq context.
 */
void ma_user_arena_count_spans(struct memarena_class_stats *by_size)
{
	struct memarena_arena *a;
	unsigned int c;

	spin_lock_bh(&ma_user_arenas_lock);
	list_for_each_entry(a, &ma_user_arenas, node)
		for (c = 1; c < MA_NUM_SIZE_CLASSES; c++)
			by_size[c].spans += READ_ONCE(a->central[c].nspans);
	spin_unlock_bh(&ma_user_arenas_lock);
}
