/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * memarena: Go's allocator design as a kernel module, with Go's MemStats.
 *
 * This header is the user/kernel ABI: the "memarena" generic netlink
 * family.  It is described for YNL in
 * Documentation/netlink/specs/memarena.yaml, and every statistic is
 * defined in Documentation/memstats.rst.  It is extended by appending
 * only: a value, once released, never changes meaning.
 *
 * Every statistic is its own attribute with one scalar: counters and byte
 * counts are u64 (put with a MEMARENA_A_*_PAD attribute for alignment),
 * small counts and flags u32.  Per-class and per-CPU data come one
 * message per class or CPU from dump commands.
 *
 * Two kinds of arena, named apart as Go names them: an "arena" in this ABI
 * (MEMARENA_CMD_GET_ARENAS, MEMARENA_A_ARENA_*, MEMARENA_A_STATS_ARENAS,
 * the /dev/memarena file's arena) is always a user arena, a set of objects
 * freed at once (Go's userArena, memarena_arena_create()); a "heap arena"
 * (MEMARENA_A_STATS_HEAP_ARENAS, MEMARENA_A_NODE_HEAP_ARENAS, Go's
 * heapArena) is a block of pages from the buddy allocator that the heap
 * is made of.  Documentation/design.rst, "Glossary".
 */
#ifndef _UAPI_LINUX_MEMARENA_H
#define _UAPI_LINUX_MEMARENA_H

#define MEMARENA_FAMILY_NAME		"memarena"
#define MEMARENA_FAMILY_VERSION		1

/* Kept for the skeleton's users: the same values. */
#define MEMARENA_GENL_NAME		MEMARENA_FAMILY_NAME
#define MEMARENA_GENL_VERSION		MEMARENA_FAMILY_VERSION

#define MEMARENA_MCGRP_EVENTS		"events"

/* Path of the text interface, for tools that cannot speak netlink. */
#define MEMARENA_PROC_PATH		"/proc/memstats"

/* Entries of the PauseNs and PauseEnd rings, as in Go. */
#define MEMARENA_PAUSE_RING		256

/*
 * Attributes of MEMARENA_CMD_GET replies, one per statistic: Go's
 * runtime.MemStats fields in Go's order, then memarena's own.  This enum
 * is the one definition of the statistics: /proc/memstats prints them in
 * this order under the names of Documentation/memstats.rst.  Units in the
 * comments.
 */
enum {
	MEMARENA_A_STATS_UNSPEC,
	MEMARENA_A_STATS_PAD,
	MEMARENA_A_STATS_ALLOC,			/* u64, bytes */
	MEMARENA_A_STATS_TOTAL_ALLOC,		/* u64, bytes, cumulative */
	MEMARENA_A_STATS_SYS,			/* u64, bytes */
	MEMARENA_A_STATS_LOOKUPS,		/* u64, count, cumulative */
	MEMARENA_A_STATS_MALLOCS,		/* u64, count, cumulative */
	MEMARENA_A_STATS_FREES,			/* u64, count, cumulative */
	MEMARENA_A_STATS_HEAP_ALLOC,		/* u64, bytes */
	MEMARENA_A_STATS_HEAP_SYS,		/* u64, bytes */
	MEMARENA_A_STATS_HEAP_IDLE,		/* u64, bytes */
	MEMARENA_A_STATS_HEAP_INUSE,		/* u64, bytes */
	MEMARENA_A_STATS_HEAP_RELEASED,		/* u64, bytes */
	MEMARENA_A_STATS_HEAP_OBJECTS,		/* u64, count */
	MEMARENA_A_STATS_STACK_INUSE,		/* u64, bytes */
	MEMARENA_A_STATS_STACK_SYS,		/* u64, bytes */
	MEMARENA_A_STATS_MSPAN_INUSE,		/* u64, bytes */
	MEMARENA_A_STATS_MSPAN_SYS,		/* u64, bytes */
	MEMARENA_A_STATS_MCACHE_INUSE,		/* u64, bytes */
	MEMARENA_A_STATS_MCACHE_SYS,		/* u64, bytes */
	MEMARENA_A_STATS_BUCK_HASH_SYS,		/* u64, bytes */
	MEMARENA_A_STATS_GC_SYS,		/* u64, bytes */
	MEMARENA_A_STATS_OTHER_SYS,		/* u64, bytes */
	MEMARENA_A_STATS_NEXT_GC,		/* u64, bytes */
	MEMARENA_A_STATS_LAST_GC,		/* u64, ns since the epoch */
	MEMARENA_A_STATS_PAUSE_TOTAL_NS,	/* u64, ns, cumulative */
	/*
	 * The rings are nests of 256 u64 items whose types 1..256 are Go's
	 * indexes 0..255 plus one.  Where the architecture needs 64-bit
	 * alignment, an item may be preceded by a padding attribute of type
	 * 0, to be skipped.
	 */
	MEMARENA_A_STATS_PAUSE_NS,		/* nest, 256 x u64 ns (ring) */
	MEMARENA_A_STATS_PAUSE_END,		/* nest, 256 x u64 ns since epoch */
	MEMARENA_A_STATS_NUM_GC,		/* u32, count, cumulative */
	MEMARENA_A_STATS_NUM_FORCED_GC,		/* u32, count, cumulative */
	MEMARENA_A_STATS_GC_CPU_FRACTION,	/* u64, parts per 10^9 */
	MEMARENA_A_STATS_ENABLE_GC,		/* u32, 0 or 1 */
	MEMARENA_A_STATS_DEBUG_GC,		/* u32, 0 or 1 */
	/* memarena's own, not in Go's MemStats */
	MEMARENA_A_STATS_BAD_FREES,		/* u64, count, cumulative */
	MEMARENA_A_STATS_CACHED_OBJECTS,	/* u64, count */
	MEMARENA_A_STATS_CACHED_BYTES,		/* u64, bytes */
	MEMARENA_A_STATS_ARENAS,		/* u64, count of user arenas */
	MEMARENA_A_STATS_HEAP_ARENAS,		/* u64, count of heap arenas */
	MEMARENA_A_STATS_MCACHE_BOUND,		/* u64, bytes per CPU */

	__MEMARENA_A_STATS_MAX,
	MEMARENA_A_STATS_MAX = __MEMARENA_A_STATS_MAX - 1
};

/* Attributes of MEMARENA_CMD_GET_CLASSES messages, one per size class. */
enum {
	MEMARENA_A_CLASS_UNSPEC,
	MEMARENA_A_CLASS_PAD,
	MEMARENA_A_CLASS_CLASS,			/* u32, size class 1..67 */
	MEMARENA_A_CLASS_SIZE,			/* u32, bytes per object */
	MEMARENA_A_CLASS_SPAN_BYTES,		/* u32, bytes per span */
	MEMARENA_A_CLASS_OBJECTS_PER_SPAN,	/* u32, count */
	MEMARENA_A_CLASS_MALLOCS,		/* u64, count, cumulative */
	MEMARENA_A_CLASS_FREES,			/* u64, count, cumulative */
	MEMARENA_A_CLASS_LIVE_OBJECTS,		/* u64, count */
	MEMARENA_A_CLASS_LIVE_BYTES,		/* u64, bytes */
	MEMARENA_A_CLASS_CACHED_OBJECTS,	/* u64, count */
	MEMARENA_A_CLASS_SPANS,			/* u64, count of spans in use */

	__MEMARENA_A_CLASS_MAX,
	MEMARENA_A_CLASS_MAX = __MEMARENA_A_CLASS_MAX - 1
};

/* Attributes of MEMARENA_CMD_GET_CPUS messages, one per possible CPU. */
enum {
	MEMARENA_A_CPU_UNSPEC,
	MEMARENA_A_CPU_PAD,
	MEMARENA_A_CPU_CPU,			/* u32, CPU number */
	MEMARENA_A_CPU_ONLINE,			/* u32, 0 or 1 */
	MEMARENA_A_CPU_CACHED_OBJECTS,		/* u64, count */
	MEMARENA_A_CPU_CACHED_BYTES,		/* u64, bytes */
	MEMARENA_A_CPU_MALLOCS,			/* u64, count, cumulative */
	MEMARENA_A_CPU_FREES,			/* u64, count, cumulative */

	__MEMARENA_A_CPU_MAX,
	MEMARENA_A_CPU_MAX = __MEMARENA_A_CPU_MAX - 1
};

/* Attributes of the admin commands MEMARENA_CMD_GC and _SET_LIMIT. */
enum {
	MEMARENA_A_CTL_UNSPEC,
	MEMARENA_A_CTL_PAD,
	MEMARENA_A_CTL_LIMIT,			/* u64, bytes, 0 = no limit */
	MEMARENA_A_CTL_PROFILE_RATE,		/* u32, bytes, 0 = off */

	__MEMARENA_A_CTL_MAX,
	MEMARENA_A_CTL_MAX = __MEMARENA_A_CTL_MAX - 1
};

/*
 * Attributes of MEMARENA_CMD_CYCLE messages: one reclaim cycle of the
 * scavenger, multicast on the "events" group when it ends, and the reply
 * to MEMARENA_CMD_GC.
 */
enum {
	MEMARENA_A_CYCLE_UNSPEC,
	MEMARENA_A_CYCLE_PAD,
	MEMARENA_A_CYCLE_NUM,			/* u32, NumGC after the cycle */
	MEMARENA_A_CYCLE_FORCED,		/* u32, 1 if forced (admin) */
	MEMARENA_A_CYCLE_RELEASED,		/* u64, bytes given back */
	MEMARENA_A_CYCLE_DURATION_NS,		/* u64, ns the cycle ran */
	MEMARENA_A_CYCLE_PAUSE_NS,		/* u64, ns allocators waited */
	MEMARENA_A_CYCLE_END,			/* u64, ns since the epoch */
	MEMARENA_A_CYCLE_HEAP_RELEASED,		/* u64, bytes, after it */
	MEMARENA_A_CYCLE_HEAP_IDLE,		/* u64, bytes, after it */
	MEMARENA_A_CYCLE_GOAL,			/* u64, bytes, NextGC after it */

	__MEMARENA_A_CYCLE_MAX,
	MEMARENA_A_CYCLE_MAX = __MEMARENA_A_CYCLE_MAX - 1
};

/*
 * Attributes of MEMARENA_CMD_GET_ARENAS messages, one per user arena
 * (memarena_arena_create()).  Each counter is read on its own.
 */
enum {
	MEMARENA_A_ARENA_UNSPEC,
	MEMARENA_A_ARENA_PAD,
	MEMARENA_A_ARENA_ID,			/* u64, 1, 2, ... by creation */
	MEMARENA_A_ARENA_NAME,			/* string, the creator's */
	MEMARENA_A_ARENA_CREATED,		/* u64, ns since the epoch */
	MEMARENA_A_ARENA_LIVE_OBJECTS,		/* u64, count */
	MEMARENA_A_ARENA_LIVE_BYTES,		/* u64, bytes (size classes) */
	MEMARENA_A_ARENA_MALLOCS,		/* u64, count, cumulative */
	MEMARENA_A_ARENA_FREES,			/* u64, count, cumulative */
	MEMARENA_A_ARENA_SPANS,			/* u64, spans it owns */
	MEMARENA_A_ARENA_SPAN_BYTES,		/* u64, their bytes */

	__MEMARENA_A_ARENA_MAX,
	MEMARENA_A_ARENA_MAX = __MEMARENA_A_ARENA_MAX - 1
};

/*
 * One bucket of the heap profile: sampled allocations of one size from one
 * call stack.  Counts are of samples, not unsampled estimates.
 */
enum {
	MEMARENA_A_PROFILE_UNSPEC,
	MEMARENA_A_PROFILE_PAD,
	MEMARENA_A_PROFILE_RATE,		/* u32, bytes, when dumped */
	MEMARENA_A_PROFILE_DROPPED,		/* u64, samples not recorded */
	MEMARENA_A_PROFILE_ID,			/* u64, bucket, 1, 2, ... */
	MEMARENA_A_PROFILE_SIZE,		/* u64, bytes of each object */
	MEMARENA_A_PROFILE_ALLOCS,		/* u64, count, cumulative */
	MEMARENA_A_PROFILE_ALLOC_BYTES,		/* u64, bytes, cumulative */
	MEMARENA_A_PROFILE_FREES,		/* u64, count, cumulative */
	MEMARENA_A_PROFILE_FREE_BYTES,		/* u64, bytes, cumulative */
	MEMARENA_A_PROFILE_FRAME,		/* string, "function+0xoff [module]",
						 * repeated, the allocator's
						 * caller first
						 */

	__MEMARENA_A_PROFILE_MAX,
	MEMARENA_A_PROFILE_MAX = __MEMARENA_A_PROFILE_MAX - 1
};

/*
 * Attributes of MEMARENA_CMD_GET_NODES messages, one per possible memory
 * node: that node's page heap.  The global HeapSys, HeapInuse,
 * HeapReleased and HeapArenas are the sums over the nodes.
 */
enum {
	MEMARENA_A_NODE_UNSPEC,
	MEMARENA_A_NODE_PAD,
	MEMARENA_A_NODE_NODE,			/* u32, node number */
	MEMARENA_A_NODE_MEMORY,			/* u32, 1 if it has memory */
	MEMARENA_A_NODE_HEAP_SYS,		/* u64, bytes */
	MEMARENA_A_NODE_HEAP_INUSE,		/* u64, bytes */
	MEMARENA_A_NODE_HEAP_IDLE,		/* u64, bytes */
	MEMARENA_A_NODE_HEAP_RELEASED,		/* u64, bytes */
	MEMARENA_A_NODE_HEAP_ARENAS,		/* u64, count of heap arenas */
	MEMARENA_A_NODE_SPANS,			/* u64, count of spans in use */
	MEMARENA_A_NODE_MSPAN_SYS,		/* u64, bytes */

	__MEMARENA_A_NODE_MAX,
	MEMARENA_A_NODE_MAX = __MEMARENA_A_NODE_MAX - 1
};

/**
 * enum memarena_cmd - commands of the "memarena" family
 * @MEMARENA_CMD_UNSPEC: never used
 * @MEMARENA_CMD_GET: do: one snapshot of every MEMARENA_A_STATS_*
 *	statistic, consistent as Documentation/memstats.rst describes
 * @MEMARENA_CMD_GET_CLASSES: dump: one message of MEMARENA_A_CLASS_*
 *	attributes per size class; needs CAP_SYS_ADMIN (EPERM otherwise)
 *	unless memarena's module parameter stats_public is set
 * @MEMARENA_CMD_GET_CPUS: dump: one message of MEMARENA_A_CPU_*
 *	attributes per possible CPU; needs CAP_SYS_ADMIN like GET_CLASSES
 * @MEMARENA_CMD_GC: do, admin (CAP_NET_ADMIN): run a full reclaim cycle
 *	now (counted in NumForcedGC); the reply, of command GC, carries the
 *	MEMARENA_A_CYCLE_* attributes of the cycle
 * @MEMARENA_CMD_SET_LIMIT: do, admin: set the soft memory limit to
 *	MEMARENA_A_CTL_LIMIT (required)
 * @MEMARENA_CMD_CYCLE: notification on the "events" group, one per
 *	completed reclaim cycle, MEMARENA_A_CYCLE_* attributes
 * @MEMARENA_CMD_GET_ARENAS: dump: one message of MEMARENA_A_ARENA_*
 *	attributes per user arena, in order of creation; needs CAP_SYS_ADMIN
 *	like GET_CLASSES
 * @MEMARENA_CMD_SET_PROFILE_RATE: admin: set the heap profile's sampling
 *	rate (MEMARENA_A_CTL_PROFILE_RATE, required), as the profile_rate
 *	module parameter
 * @MEMARENA_CMD_GET_PROFILE: dump: the heap profile, one message of
 *	MEMARENA_A_PROFILE_* attributes per bucket, in order of creation;
 *	needs CAP_SYS_ADMIN (call stacks), whatever stats_public says
 * @MEMARENA_CMD_GET_NODES: dump: one message of MEMARENA_A_NODE_*
 *	attributes per possible memory node, for everyone like GET
 * @__MEMARENA_CMD_MAX: number of commands, do not use
 * @MEMARENA_CMD_MAX: highest command number
 *
 * GET, GET_CLASSES, GET_CPUS, GET_ARENAS, GET_PROFILE, GET_NODES and GC
 * take no attributes; a request carrying any, or a SET_LIMIT or
 * SET_PROFILE_RATE carrying others than the one it needs, is refused with
 * EINVAL and an extack message.
 */
enum memarena_cmd {
	MEMARENA_CMD_UNSPEC,
	MEMARENA_CMD_GET,
	MEMARENA_CMD_GET_CLASSES,
	MEMARENA_CMD_GET_CPUS,
	MEMARENA_CMD_GC,
	MEMARENA_CMD_SET_LIMIT,
	MEMARENA_CMD_CYCLE,
	MEMARENA_CMD_GET_ARENAS,
	MEMARENA_CMD_SET_PROFILE_RATE,
	MEMARENA_CMD_GET_PROFILE,
	MEMARENA_CMD_GET_NODES,

	__MEMARENA_CMD_MAX,
	MEMARENA_CMD_MAX = __MEMARENA_CMD_MAX - 1
};

/* === /dev/memarena: the device ABI ======================================
 *
 * Everything from here to the end of the header is the ABI of the misc
 * device /dev/memarena (Documentation/userspace-api.rst), not of the
 * netlink family: names start with MEMARENA_DEV_, MEMARENA_IOC_ or
 * struct memarena_dev_.
 *
 * Every open file is a user arena that owns the objects allocated through it;
 * closing the file frees them.  Objects are named by opaque handles (an
 * index and a generation, never an address; 0 is never a handle).  Each
 * command carries one struct memarena_dev_cmd: as the ioctl argument, or
 * in the cmd area of an IORING_OP_URING_CMD SQE (IORING_SETUP_SQE128
 * required) with sqe->cmd_op set to the same MEMARENA_IOC_* number.  The
 * command points to an array of @count operations, copied in once; the
 * kernel writes results back into that array.
 *
 * Result (ioctl return value, or cqe->res): operations run in order and
 * stop at the first that fails.  If none succeeded, the error (-1 and
 * errno for ioctl, -errno in cqe->res); otherwise the number that
 * succeeded, which is less than @count if one failed: the failed one and
 * those after it were not touched (issue them again to get the error).
 * Errors: EINVAL (bad command field, flag, size or CPU), E2BIG (@count
 * above MEMARENA_DEV_MAX_BATCH), EFAULT, ENOENT (not a live handle of
 * this file), EDQUOT (the file's limit on live objects or bytes),
 * ENOMEM, ENODEV (the CPU is offline), EBADMSG (pattern mismatch),
 * ENOTTY (unknown command).
 */
#include <linux/ioctl.h>
#include <linux/types.h>

#define MEMARENA_DEV_PATH		"/dev/memarena"

/* Operations per command, at most. */
#define MEMARENA_DEV_MAX_BATCH		4096

/* memarena_dev_cmd.flags */
#define MEMARENA_DEV_F_CPU		(1ULL << 0)	/* run on CPU @cpu */
#define MEMARENA_DEV_F_ZERO		(1ULL << 1)	/* ALLOC: zeroed objects */

/* memarena_dev_pattern_op.flags (one or both) */
#define MEMARENA_DEV_PATTERN_WRITE	(1ULL << 0)
#define MEMARENA_DEV_PATTERN_CHECK	(1ULL << 1)

/* memarena_dev_pattern_op.bad_offset of a CHECK that found no mismatch */
#define MEMARENA_DEV_PATTERN_GOOD	(~0ULL)

/**
 * struct memarena_dev_cmd - one command (80-byte SQE cmd area: 64 used)
 * @ops: user pointer to the operations: an array of @count
 *	struct memarena_dev_alloc_op (ALLOC), of @count __u64 handles
 *	(FREE), of @count struct memarena_dev_pattern_op (PATTERN), or one
 *	struct memarena_dev_stats of @count bytes (STATS); 0 for FREE_ALL
 * @count: operations, 1 to MEMARENA_DEV_MAX_BATCH (STATS: buffer bytes;
 *	FREE_ALL: 0)
 * @flags: MEMARENA_DEV_F_*: F_CPU for ALLOC, FREE and FREE_ALL, F_ZERO
 *	for ALLOC; others must be 0
 * @cpu: with MEMARENA_DEV_F_CPU, the CPU whose cache serves the
 *	operations; otherwise 0
 * @reserved: must be 0
 */
struct memarena_dev_cmd {
	__u64 ops;
	__u64 count;
	__u64 flags;
	__u64 cpu;
	__u64 reserved[4];
};

/**
 * struct memarena_dev_alloc_op - one allocation
 * @size: in: bytes, 1 to memarena_dev_stats.max_size (4 MiB)
 * @handle: out: the new object's handle
 */
struct memarena_dev_alloc_op {
	__u64 size;
	__u64 handle;
};

/**
 * struct memarena_dev_pattern_op - write or check a pattern in an object
 * @handle: in: the object
 * @pattern: in: its bytes, repeated over the object's requested size
 * @flags: in: MEMARENA_DEV_PATTERN_WRITE, _CHECK or both (write, then
 *	read back)
 * @bad_offset: out (CHECK): MEMARENA_DEV_PATTERN_GOOD, or the offset of
 *	the first byte that differs (and the command fails with EBADMSG)
 */
struct memarena_dev_pattern_op {
	__u64 handle;
	__u64 pattern;
	__u64 flags;
	__u64 bad_offset;
};

/**
 * struct memarena_dev_stats - the counters of one open file (STATS)
 * @live_objects: objects allocated through the file and not freed
 * @live_bytes: their usable size (size class, or whole pages)
 * @live_requested: their requested size
 * @mallocs: objects ever allocated through the file
 * @frees: objects freed (FREE, FREE_ALL)
 * @arena_objects: of @live_objects, those in the file's user arena (ALLOC
 *	without MEMARENA_DEV_F_CPU)
 * @arena_bytes: their usable size
 * @max_objects: the file's limit on @live_objects
 * @max_bytes: the file's limit on @live_bytes
 * @max_size: the largest object
 * @max_batch: MEMARENA_DEV_MAX_BATCH
 */
struct memarena_dev_stats {
	__u64 live_objects;
	__u64 live_bytes;
	__u64 live_requested;
	__u64 mallocs;
	__u64 frees;
	__u64 arena_objects;
	__u64 arena_bytes;
	__u64 max_objects;
	__u64 max_bytes;
	__u64 max_size;
	__u64 max_batch;
};

#define MEMARENA_IOC_MAGIC		0xBA
#define MEMARENA_IOC_ALLOC	_IOWR(MEMARENA_IOC_MAGIC, 0x01, struct memarena_dev_cmd)
#define MEMARENA_IOC_FREE	_IOWR(MEMARENA_IOC_MAGIC, 0x02, struct memarena_dev_cmd)
#define MEMARENA_IOC_FREE_ALL	_IOWR(MEMARENA_IOC_MAGIC, 0x03, struct memarena_dev_cmd)
#define MEMARENA_IOC_PATTERN	_IOWR(MEMARENA_IOC_MAGIC, 0x04, struct memarena_dev_cmd)
#define MEMARENA_IOC_STATS	_IOWR(MEMARENA_IOC_MAGIC, 0x05, struct memarena_dev_cmd)

/* === end of the /dev/memarena device ABI ================================ */

#endif /* _UAPI_LINUX_MEMARENA_H */
