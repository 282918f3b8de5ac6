/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernel versions memarena builds on (Debian's
 * 6.1 and 6.12), in one place.  Every other file uses the names below.
 */
#ifndef _MEMARENA_COMPAT_H
#define _MEMARENA_COMPAT_H

#ifdef __KERNEL__
#include <linux/mmzone.h>

/*
 * MA_BUDDY_MAX_ORDER: the largest order alloc_pages() serves.  MAX_ORDER
 * was exclusive until 6.4 (Debian 12's 6.1) and the inclusive
 * MAX_PAGE_ORDER from 6.8 (Debian's 6.12).  6.4 to 6.7, with an inclusive
 * MAX_ORDER, are not supported: there this value is one too small and
 * the build fails on a BUILD_BUG_ON() rather than misbehave.
 */
#ifdef MAX_PAGE_ORDER
#define MA_BUDDY_MAX_ORDER	MAX_PAGE_ORDER
#else
#define MA_BUDDY_MAX_ORDER	(MAX_ORDER - 1)
#endif

#include <linux/module.h>

/*
 * ma_module_bytes(): memory of a loaded module's image (text, data, bss).
 * 6.4 replaced core_layout/data_layout with mem[MOD_*].
 */
static inline unsigned long ma_module_bytes(const struct module *mod)
{
#ifdef for_each_mod_mem_type
	unsigned long bytes = 0;

	for_each_mod_mem_type(type)
		bytes += mod->mem[type].size;
	return bytes;
#elif defined(CONFIG_ARCH_WANTS_MODULES_DATA_IN_VMALLOC)
	return mod->core_layout.size + mod->data_layout.size;
#else
	return mod->core_layout.size;
#endif
}

#include <linux/shrinker.h>
#include <linux/slab.h>

/*
 * Shrinkers: 6.7 replaced register_shrinker() on a caller's struct with
 * shrinker_alloc()/shrinker_register()/shrinker_free().
 */
static inline struct shrinker *
ma_shrinker_create(unsigned long (*count)(struct shrinker *, struct shrink_control *),
		   unsigned long (*scan)(struct shrinker *, struct shrink_control *),
		   const char *name)
{
	struct shrinker *sh;

#ifdef SHRINKER_ALLOCATED
	sh = shrinker_alloc(0, "%s", name);
	if (!sh)
		return NULL;
	sh->count_objects = count;
	sh->scan_objects = scan;
	sh->seeks = DEFAULT_SEEKS;
	shrinker_register(sh);
#else
	sh = kzalloc(sizeof(*sh), GFP_KERNEL);
	if (!sh)
		return NULL;
	sh->count_objects = count;
	sh->scan_objects = scan;
	sh->seeks = DEFAULT_SEEKS;
	if (register_shrinker(sh, "%s", name)) {
		kfree(sh);
		return NULL;
	}
#endif
	return sh;
}

static inline void ma_shrinker_destroy(struct shrinker *sh)
{
#ifdef SHRINKER_ALLOCATED
	shrinker_free(sh);
#else
	unregister_shrinker(sh);
	kfree(sh);
#endif
}

/*
 * io_uring command passthrough (dev.c).  6.5 gave ->uring_cmd the whole
 * SQE (cmd->sqe, read with io_uring_sqe_cmd()) instead of a pointer to
 * its cmd area (cmd->cmd); 6.7 moved struct io_uring_cmd from
 * <linux/io_uring.h> to <linux/io_uring/cmd.h> and added the uapi
 * IORING_URING_CMD_MASK, which is what tells the two apart here (6.4 to
 * 6.7 are not supported, see above).  Either way the pointer may be to
 * the SQE ring, which userspace can still write: copy once.
 *
 * Completion: 6.1 only completes a ->uring_cmd that returns 0 or an error
 * (a positive return from an io-wq worker is dropped and the request
 * never completes), so commands complete with io_uring_cmd_done() before
 * ->uring_cmd returns -EIOCBQUEUED, as ublk does.  Its issue_flags
 * argument came in 6.4; Debian's 6.1.192 has it backported, so the call
 * is the same on both kernels.
 */
#include <linux/io_uring.h>
#ifdef IORING_URING_CMD_MASK
#include <linux/io_uring/cmd.h>

static inline const void *ma_uring_cmd_payload(const struct io_uring_cmd *cmd)
{
	return io_uring_sqe_cmd(cmd->sqe);
}
#else
static inline const void *ma_uring_cmd_payload(const struct io_uring_cmd *cmd)
{
	return cmd->cmd;
}
#endif

static inline void ma_uring_cmd_done(struct io_uring_cmd *cmd, long ret,
				     unsigned int issue_flags)
{
	io_uring_cmd_done(cmd, ret, 0, issue_flags);
}
#endif /* __KERNEL__ */

#endif /* _MEMARENA_COMPAT_H */
