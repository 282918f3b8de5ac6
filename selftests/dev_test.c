// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/memarena: commands through ioctl() and through io_uring
 * (IORING_OP_URING_CMD), handles, limits, errors, the arena of a file,
 * rmmod while a file is open, and memload's workloads with --verify.
 *
 * Expects memarena to be loaded when it starts, and leaves it loaded with
 * its default parameters and no /dev/memarena file open.
 */

/* The harness compares as it is given: counts are u64, results long. */
#pragma GCC diagnostic ignored "-Wsign-compare"

#include <grp.h>
#include <inttypes.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <liburing.h>
#include <sched.h>

#include "kselftest_harness.h"
#include "memarena_test.h"

#define NOBODY		65534
#define MAX_SIZE	(4ULL << 20)		/* MEMARENA_MAX_SIZE */
#define PARAMS		"/sys/module/memarena/parameters/"

/* --- engines ------------------------------------------------------------ */

struct eng {
	bool uring;
	struct io_uring ring;
};

static int eng_init(struct eng *e, bool uring)
{
	e->uring = uring;
	if (!uring)
		return 0;
	return io_uring_queue_init(8, &e->ring, IORING_SETUP_SQE128);
}

static void eng_exit(struct eng *e)
{
	if (e->uring)
		io_uring_queue_exit(&e->ring);
}

/*
 * Queue one URING_CMD on @ring, of @op, with @user_data; @c (if any) is
 * copied whole into a 128-byte SQE, its first 16 bytes into a 64-byte
 * one.  0 or -EBUSY.
 */
static int uring_queue(struct io_uring *ring, int fd, unsigned int op,
		       const struct memarena_dev_cmd *c, uint64_t user_data,
		       bool sqe128)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		return -EBUSY;
	memset(sqe, 0, sqe128 ? 2 * sizeof(*sqe) : sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = op;
	sqe->user_data = user_data;
	if (c)
		memcpy((char *)sqe + offsetof(struct io_uring_sqe, cmd), c,
		       sqe128 ? sizeof(*c) : 16);
	return 0;
}

/* Submit one URING_CMD on @ring, of @op, wait; cqe->res. */
static long uring_cmd(struct io_uring *ring, int fd, unsigned int op,
		      const struct memarena_dev_cmd *c, bool sqe128)
{
	struct io_uring_cqe *cqe;
	long ret;

	ret = uring_queue(ring, fd, op, c, 0, sqe128);
	if (ret)
		return ret;
	ret = io_uring_submit_and_wait(ring, 1);
	if (ret < 0)
		return ret;
	ret = io_uring_wait_cqe(ring, &cqe);
	if (ret < 0)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

/* One command: the device's result, or -errno. */
static long cmd(struct eng *e, int fd, unsigned int op,
		const struct memarena_dev_cmd *c)
{
	long ret;

	if (e->uring)
		return uring_cmd(&e->ring, fd, op, c, true);
	ret = ioctl(fd, op, c);
	return ret < 0 ? -errno : ret;
}

static long do_alloc(struct eng *e, int fd, struct memarena_dev_alloc_op *ops,
		     size_t n, uint64_t flags, uint64_t cpu)
{
	struct memarena_dev_cmd c = {
		.ops = (uintptr_t)ops, .count = n, .flags = flags, .cpu = cpu,
	};

	return cmd(e, fd, MEMARENA_IOC_ALLOC, &c);
}

static long do_free(struct eng *e, int fd, const void *h, size_t n,
		    uint64_t flags, uint64_t cpu)
{
	struct memarena_dev_cmd c = {
		.ops = (uintptr_t)h, .count = n, .flags = flags, .cpu = cpu,
	};

	return cmd(e, fd, MEMARENA_IOC_FREE, &c);
}

static long do_free_all(struct eng *e, int fd)
{
	struct memarena_dev_cmd c = { 0 };

	return cmd(e, fd, MEMARENA_IOC_FREE_ALL, &c);
}

static long do_pattern(struct eng *e, int fd,
		       struct memarena_dev_pattern_op *ops, size_t n)
{
	struct memarena_dev_cmd c = { .ops = (uintptr_t)ops, .count = n };

	return cmd(e, fd, MEMARENA_IOC_PATTERN, &c);
}

static long do_stats(struct eng *e, int fd, struct memarena_dev_stats *st)
{
	struct memarena_dev_cmd c = { .ops = (uintptr_t)st, .count = sizeof(*st) };

	memset(st, 0xff, sizeof(*st));
	return cmd(e, fd, MEMARENA_IOC_STATS, &c);
}

/* One pattern op on one handle: 0, or -errno; *bad: bad_offset. */
static long pattern1(struct eng *e, int fd, uint64_t h, uint64_t pat,
		     uint64_t flags, uint64_t *bad)
{
	struct memarena_dev_pattern_op op = {
		.handle = h, .pattern = pat, .flags = flags, .bad_offset = 12345,
	};
	long ret = do_pattern(e, fd, &op, 1);

	if (bad)
		*bad = op.bad_offset;
	return ret;
}

static uint64_t heap_alloc(void)
{
	char line[256];
	uint64_t v = 0;
	FILE *f;

	f = fopen(MEMARENA_PROC_PATH, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "HeapAlloc %" SCNu64, &v) == 1)
			break;
	fclose(f);
	return v;
}

static int write_param(const char *name, unsigned long long v)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	ret = fprintf(f, "%llu\n", v) < 0 ? -EIO : 0;
	if (fclose(f))
		ret = -errno;
	return ret;
}

static unsigned long long read_param(const char *name)
{
	unsigned long long v = 0;
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static int open_dev(void)
{
	return open(MEMARENA_DEV_PATH, O_RDWR | O_CLOEXEC);
}

/* --- both engines ------------------------------------------------------- */

FIXTURE(dev) {
	struct eng e;
	int fd;
};

FIXTURE_VARIANT(dev) {
	bool uring;
};

FIXTURE_VARIANT_ADD(dev, ioctl) {
	.uring = false,
};

FIXTURE_VARIANT_ADD(dev, io_uring) {
	.uring = true,
};

FIXTURE_SETUP(dev)
{
	self->fd = -1;
	if (!memarena_loaded())
		SKIP(return, "memarena is not loaded");
	ASSERT_EQ(0, eng_init(&self->e, variant->uring));
	self->fd = open_dev();
	ASSERT_LE(0, self->fd) {
		TH_LOG("open %s: %s", MEMARENA_DEV_PATH, strerror(errno));
	}
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0) {
		close(self->fd);
		eng_exit(&self->e);
	}
}

static const uint64_t sizes[] = {
	1, 7, 8, 16, 24, 100, 512, 1000, 4096, 8192, 10000, 32768,
	32769, 65536, 100000, 1 << 20, MAX_SIZE,
};
#define NSIZES	(sizeof(sizes) / sizeof(sizes[0]))

TEST_F(dev, alloc_verify_free)
{
	struct memarena_dev_alloc_op ops[NSIZES];
	struct memarena_dev_pattern_op pops[NSIZES];
	struct memarena_dev_stats st;
	uint64_t h[NSIZES];
	size_t i, j;

	for (i = 0; i < NSIZES; i++)
		ops[i] = (struct memarena_dev_alloc_op){ .size = sizes[i] };
	ASSERT_EQ(NSIZES, do_alloc(&self->e, self->fd, ops, NSIZES, 0, 0));
	for (i = 0; i < NSIZES; i++) {
		h[i] = ops[i].handle;
		EXPECT_NE(0, h[i]);
		EXPECT_EQ(sizes[i], ops[i].size);
		for (j = 0; j < i; j++)
			EXPECT_NE(h[j], h[i]);
	}
	ASSERT_EQ(sizeof(st), do_stats(&self->e, self->fd, &st));
	EXPECT_EQ(NSIZES, st.live_objects);
	EXPECT_EQ(NSIZES, st.arena_objects);
	EXPECT_EQ(NSIZES, st.mallocs);
	EXPECT_EQ(0, st.frees);
	EXPECT_EQ(MAX_SIZE, st.max_size);
	EXPECT_EQ(MEMARENA_DEV_MAX_BATCH, st.max_batch);

	/* Every object gets its own pattern; all read back intact. */
	for (i = 0; i < NSIZES; i++)
		pops[i] = (struct memarena_dev_pattern_op){
			.handle = h[i], .pattern = 0x0101010101010101ULL * (i + 1),
			.flags = MEMARENA_DEV_PATTERN_WRITE,
		};
	ASSERT_EQ(NSIZES, do_pattern(&self->e, self->fd, pops, NSIZES));
	for (i = 0; i < NSIZES; i++) {
		pops[i].flags = MEMARENA_DEV_PATTERN_CHECK;
		pops[i].bad_offset = 0;
	}
	ASSERT_EQ(NSIZES, do_pattern(&self->e, self->fd, pops, NSIZES));
	for (i = 0; i < NSIZES; i++)
		EXPECT_EQ(MEMARENA_DEV_PATTERN_GOOD, pops[i].bad_offset);

	ASSERT_EQ(NSIZES, do_free(&self->e, self->fd, h, NSIZES, 0, 0));
	ASSERT_EQ(sizeof(st), do_stats(&self->e, self->fd, &st));
	EXPECT_EQ(0, st.live_objects);
	EXPECT_EQ(0, st.live_bytes);
	EXPECT_EQ(0, st.live_requested);
	EXPECT_EQ(NSIZES, st.frees);
}

/* Objects of every path and many sizes, all live at once: no overlap. */
TEST_F(dev, live_objects_do_not_overlap)
{
	struct memarena_dev_pattern_op *pops;
	struct memarena_dev_alloc_op *ops;
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	const size_t n = 512;
	size_t i;
	long cpu;

	ops = calloc(n, sizeof(*ops));
	pops = calloc(n, sizeof(*pops));
	ASSERT_TRUE(ops && pops);
	for (i = 0; i < n; i++)
		ops[i].size = 8 + (i * 977) % 40000;
	/* A quarter from the arena, the rest from each CPU's cache. */
	ASSERT_EQ(n / 4, do_alloc(&self->e, self->fd, ops, n / 4, 0, 0));
	for (i = n / 4, cpu = 0; i < n; i += n / 4, cpu = (cpu + 1) % ncpus)
		ASSERT_EQ(n / 4, do_alloc(&self->e, self->fd, ops + i, n / 4,
					  MEMARENA_DEV_F_CPU, cpu));
	for (i = 0; i < n; i++)
		pops[i] = (struct memarena_dev_pattern_op){
			.handle = ops[i].handle, .pattern = ~ops[i].handle * 31,
			.flags = MEMARENA_DEV_PATTERN_WRITE,
		};
	ASSERT_EQ(n, do_pattern(&self->e, self->fd, pops, n));
	for (i = 0; i < n; i++)
		pops[i].flags = MEMARENA_DEV_PATTERN_CHECK;
	ASSERT_EQ(n, do_pattern(&self->e, self->fd, pops, n));
	EXPECT_EQ(n, do_free_all(&self->e, self->fd));
	free(ops);
	free(pops);
}

/* Allocated on each CPU, freed on the next one. */
TEST_F(dev, cpu_caches_remote_free)
{
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct memarena_dev_alloc_op ops[64];
	struct memarena_dev_stats st;
	uint64_t h[64];
	long cpu, i;

	for (cpu = 0; cpu < ncpus; cpu++) {
		for (i = 0; i < 64; i++)
			ops[i] = (struct memarena_dev_alloc_op){ .size = 16 << (i % 12) };
		ASSERT_EQ(64, do_alloc(&self->e, self->fd, ops, 64,
				       MEMARENA_DEV_F_CPU | MEMARENA_DEV_F_ZERO, cpu));
		for (i = 0; i < 64; i++) {
			uint64_t bad;

			h[i] = ops[i].handle;
			/* zeroed */
			ASSERT_EQ(1, pattern1(&self->e, self->fd, h[i], 0,
					      MEMARENA_DEV_PATTERN_CHECK, &bad));
			EXPECT_EQ(MEMARENA_DEV_PATTERN_GOOD, bad);
		}
		ASSERT_EQ(sizeof(st), do_stats(&self->e, self->fd, &st));
		EXPECT_EQ(64, st.live_objects);
		EXPECT_EQ(0, st.arena_objects);
		ASSERT_EQ(64, do_free(&self->e, self->fd, h, 64,
				      MEMARENA_DEV_F_CPU, (cpu + 1) % ncpus));
	}
	/* A CPU that does not exist. */
	ops[0].size = 64;
	EXPECT_EQ(-EINVAL, do_alloc(&self->e, self->fd, ops, 1,
				    MEMARENA_DEV_F_CPU, 1 << 20));
}

/* Closing the file frees what it owns: HeapAlloc comes back. */
TEST_F(dev, close_returns_heap_alloc)
{
	struct memarena_dev_alloc_op ops[256];
	struct memarena_dev_stats st;
	uint64_t before, during, after;
	int i, fd;

	before = heap_alloc();
	fd = open_dev();
	ASSERT_LE(0, fd);
	for (i = 0; i < 256; i++)
		ops[i].size = 1 + (i * 4099) % (256 << 10);
	ASSERT_EQ(128, do_alloc(&self->e, fd, ops, 128, 0, 0));
	ASSERT_EQ(128, do_alloc(&self->e, fd, ops + 128, 128,
				MEMARENA_DEV_F_CPU, 0));
	ASSERT_EQ(sizeof(st), do_stats(&self->e, fd, &st));
	during = heap_alloc();
	EXPECT_EQ(before + st.live_bytes, during) {
		TH_LOG("HeapAlloc %llu before, %llu with %llu live bytes",
		       (unsigned long long)before, (unsigned long long)during,
		       (unsigned long long)st.live_bytes);
	}
	EXPECT_LT(st.live_requested, st.live_bytes + 1);
	close(fd);
	after = heap_alloc();
	EXPECT_EQ(before, after);
}

TEST_F(dev, free_all_then_reuse)
{
	struct memarena_dev_alloc_op ops[100];
	struct memarena_dev_stats st;
	uint64_t old[100];
	int i;

	for (i = 0; i < 100; i++)
		ops[i].size = 100 + i * 700;
	ASSERT_EQ(50, do_alloc(&self->e, self->fd, ops, 50, 0, 0));
	ASSERT_EQ(50, do_alloc(&self->e, self->fd, ops + 50, 50,
			       MEMARENA_DEV_F_CPU, 0));
	for (i = 0; i < 100; i++)
		old[i] = ops[i].handle;
	ASSERT_EQ(100, do_free_all(&self->e, self->fd));
	ASSERT_EQ(0, do_free_all(&self->e, self->fd));
	/* Old handles are stale now, even once their slots are reused. */
	ASSERT_EQ(100, do_alloc(&self->e, self->fd, ops, 100, 0, 0));
	for (i = 0; i < 100; i++)
		EXPECT_EQ(-ENOENT, do_free(&self->e, self->fd, &old[i], 1, 0, 0));
	ASSERT_EQ(sizeof(st), do_stats(&self->e, self->fd, &st));
	EXPECT_EQ(100, st.live_objects);
	EXPECT_EQ(200, st.mallocs);
	EXPECT_EQ(100, st.frees);
}

TEST_F(dev, bad_handles_change_nothing)
{
	struct memarena_dev_alloc_op ops[4] = {
		{ .size = 64 }, { .size = 64 }, { .size = 64 }, { .size = 64 },
	};
	struct memarena_dev_stats st0, st;
	uint64_t h, forged[] = {
		0, 1, ~0ULL, 1ULL << 32, (1ULL << 32) | 1000000, 0xdeadbeefcafeULL,
	};
	uint64_t pair[2];
	size_t i;

	ASSERT_EQ(4, do_alloc(&self->e, self->fd, ops, 4, 0, 0));
	h = ops[0].handle;
	ASSERT_EQ(sizeof(st0), do_stats(&self->e, self->fd, &st0));

	for (i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		if (forged[i] == ops[0].handle || forged[i] == ops[1].handle ||
		    forged[i] == ops[2].handle || forged[i] == ops[3].handle)
			continue;
		EXPECT_EQ(-ENOENT, do_free(&self->e, self->fd, &forged[i], 1, 0, 0));
		EXPECT_EQ(-ENOENT, pattern1(&self->e, self->fd, forged[i], 0,
					    MEMARENA_DEV_PATTERN_WRITE, NULL));
	}
	/* Another generation of a live slot. */
	forged[0] = h + (1ULL << 32);
	EXPECT_EQ(-ENOENT, do_free(&self->e, self->fd, &forged[0], 1, 0, 0));
	forged[0] = h - (1ULL << 32);
	EXPECT_EQ(-ENOENT, do_free(&self->e, self->fd, &forged[0], 1, 0, 0));
	ASSERT_EQ(sizeof(st), do_stats(&self->e, self->fd, &st));
	EXPECT_EQ(0, memcmp(&st0, &st, sizeof(st)));

	/* Double free: in one batch the second stops it; then alone. */
	pair[0] = pair[1] = h;
	EXPECT_EQ(1, do_free(&self->e, self->fd, pair, 2, 0, 0));
	EXPECT_EQ(-ENOENT, do_free(&self->e, self->fd, pair + 1, 1, 0, 0));
	EXPECT_EQ(-ENOENT, do_free(&self->e, self->fd, &h, 1, 0, 0));
	EXPECT_EQ(-ENOENT, pattern1(&self->e, self->fd, h, 0,
				    MEMARENA_DEV_PATTERN_CHECK, NULL));
	/* The slot is reused with a new generation: h stays stale. */
	ASSERT_EQ(1, do_alloc(&self->e, self->fd, ops, 1, 0, 0));
	EXPECT_NE(h, ops[0].handle);
	EXPECT_EQ(-ENOENT, do_free(&self->e, self->fd, &h, 1, 0, 0));
	ASSERT_EQ(sizeof(st), do_stats(&self->e, self->fd, &st));
	EXPECT_EQ(4, st.live_objects);
	EXPECT_EQ(1, st.frees);

}

/* A handle of another file is not a handle of this one. */
TEST_F(dev, handles_are_per_file)
{
	struct memarena_dev_alloc_op op = { .size = 64 };
	uint64_t h2;
	int fd2;

	fd2 = open_dev();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(1, do_alloc(&self->e, fd2, &op, 1, 0, 0));
	h2 = op.handle;
	/* Slot 0, generation 1 here too: live in fd2 only. */
	EXPECT_EQ(-ENOENT, do_free(&self->e, self->fd, &h2, 1, 0, 0));
	EXPECT_EQ(1, do_free(&self->e, fd2, &h2, 1, 0, 0));
	close(fd2);
}

TEST_F(dev, half_failed_batch)
{
	struct memarena_dev_alloc_op ops[3] = {
		{ .size = 64, .handle = 7 }, { .size = 0, .handle = 7 },
		{ .size = 64, .handle = 7 },
	};
	struct memarena_dev_pattern_op pops[3];
	struct memarena_dev_stats st;
	uint64_t h[3];

	EXPECT_EQ(1, do_alloc(&self->e, self->fd, ops, 3, 0, 0));
	EXPECT_NE(7, ops[0].handle);
	EXPECT_EQ(7, ops[1].handle);
	EXPECT_EQ(7, ops[2].handle);
	EXPECT_EQ(-EINVAL, do_alloc(&self->e, self->fd, ops + 1, 2, 0, 0));
	ASSERT_EQ(sizeof(st), do_stats(&self->e, self->fd, &st));
	EXPECT_EQ(1, st.live_objects);

	/* A free batch with a bad handle in the middle. */
	ops[1].size = 64;
	ASSERT_EQ(2, do_alloc(&self->e, self->fd, ops + 1, 2, 0, 0));
	h[0] = ops[0].handle;
	h[1] = 12345;
	h[2] = ops[2].handle;
	EXPECT_EQ(1, do_free(&self->e, self->fd, h, 3, 0, 0));
	ASSERT_EQ(sizeof(st), do_stats(&self->e, self->fd, &st));
	EXPECT_EQ(2, st.live_objects);

	/* A pattern mismatch stops a batch, and says where. */
	h[0] = ops[1].handle;
	ASSERT_EQ(1, pattern1(&self->e, self->fd, h[0], 0x1111111111111111ULL,
			      MEMARENA_DEV_PATTERN_WRITE, NULL));
	ASSERT_EQ(1, pattern1(&self->e, self->fd, h[2], 0x2222222222222222ULL,
			      MEMARENA_DEV_PATTERN_WRITE, NULL));
	pops[0] = (struct memarena_dev_pattern_op){ h[0], 0x1111111111111111ULL,
		MEMARENA_DEV_PATTERN_CHECK, 0 };
	pops[1] = (struct memarena_dev_pattern_op){ h[2], 0x2222222222222233ULL,
		MEMARENA_DEV_PATTERN_CHECK, 0 };
	pops[2] = (struct memarena_dev_pattern_op){ h[2], 0x2222222222222222ULL,
		MEMARENA_DEV_PATTERN_CHECK, 77 };
	EXPECT_EQ(1, do_pattern(&self->e, self->fd, pops, 3));
	EXPECT_EQ(MEMARENA_DEV_PATTERN_GOOD, pops[0].bad_offset);
	EXPECT_EQ(77, pops[2].bad_offset);
	EXPECT_EQ(-EBADMSG, do_pattern(&self->e, self->fd, pops + 1, 2));
	EXPECT_EQ(0, pops[1].bad_offset);	/* first byte differs (LE) */
	EXPECT_EQ(77, pops[2].bad_offset);
	/* Bad pattern flags. */
	EXPECT_EQ(-EINVAL, pattern1(&self->e, self->fd, h[0], 0, 0, NULL));
	EXPECT_EQ(-EINVAL, pattern1(&self->e, self->fd, h[0], 0, 4, NULL));
}

TEST_F(dev, sizes)
{
	struct memarena_dev_alloc_op op;
	struct memarena_dev_stats st;
	const uint64_t bad[] = { 0, MAX_SIZE + 1, 1ULL << 32, 1ULL << 63, ~0ULL };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		op = (struct memarena_dev_alloc_op){ .size = bad[i] };
		EXPECT_EQ(-EINVAL, do_alloc(&self->e, self->fd, &op, 1, 0, 0));
		EXPECT_EQ(-EINVAL, do_alloc(&self->e, self->fd, &op, 1,
					    MEMARENA_DEV_F_CPU, 0));
	}
	ASSERT_EQ(sizeof(st), do_stats(&self->e, self->fd, &st));
	EXPECT_EQ(0, st.live_objects);
	EXPECT_EQ(0, st.mallocs);
	/* Usable sizes: size classes, whole pages above 32 KiB. */
	op.size = 33;
	ASSERT_EQ(1, do_alloc(&self->e, self->fd, &op, 1, 0, 0));
	op.size = MAX_SIZE;
	ASSERT_EQ(1, do_alloc(&self->e, self->fd, &op, 1, MEMARENA_DEV_F_CPU, 0));
	op.size = 32769;
	ASSERT_EQ(1, do_alloc(&self->e, self->fd, &op, 1, 0, 0));
	ASSERT_EQ(sizeof(st), do_stats(&self->e, self->fd, &st));
	EXPECT_EQ(48 + MAX_SIZE + 36864, st.live_bytes);
	EXPECT_EQ(33 + MAX_SIZE + 32769, st.live_requested);
	EXPECT_EQ(48 + 36864, st.arena_bytes);
}

TEST_F(dev, bad_commands)
{
	struct memarena_dev_alloc_op ops[2] = { { .size = 64 }, { .size = 64 } };
	struct memarena_dev_alloc_op *big;
	struct memarena_dev_cmd c;
	struct memarena_dev_stats st;
	uint64_t h = 1;
	void *ro;

	/* Zero counts, oversized batches. */
	c = (struct memarena_dev_cmd){ .ops = (uintptr_t)ops };
	EXPECT_EQ(-EINVAL, cmd(&self->e, self->fd, MEMARENA_IOC_ALLOC, &c));
	EXPECT_EQ(-EINVAL, cmd(&self->e, self->fd, MEMARENA_IOC_FREE, &c));
	EXPECT_EQ(-EINVAL, cmd(&self->e, self->fd, MEMARENA_IOC_PATTERN, &c));
	EXPECT_EQ(-EINVAL, cmd(&self->e, self->fd, MEMARENA_IOC_STATS, &c));
	big = calloc(MEMARENA_DEV_MAX_BATCH + 1, sizeof(*big));
	ASSERT_NE(NULL, big);
	c.ops = (uintptr_t)big;
	c.count = MEMARENA_DEV_MAX_BATCH + 1;
	EXPECT_EQ(-E2BIG, cmd(&self->e, self->fd, MEMARENA_IOC_ALLOC, &c));
	EXPECT_EQ(-E2BIG, cmd(&self->e, self->fd, MEMARENA_IOC_FREE, &c));
	EXPECT_EQ(-E2BIG, cmd(&self->e, self->fd, MEMARENA_IOC_PATTERN, &c));
	c.count = ~0ULL;
	EXPECT_EQ(-E2BIG, cmd(&self->e, self->fd, MEMARENA_IOC_ALLOC, &c));
	free(big);

	/* Fields that must be 0, flags a command does not take. */
	c = (struct memarena_dev_cmd){ .ops = (uintptr_t)ops, .count = 1 };
	c.reserved[3] = 1;
	EXPECT_EQ(-EINVAL, cmd(&self->e, self->fd, MEMARENA_IOC_ALLOC, &c));
	c.reserved[3] = 0;
	c.flags = 1ULL << 40;
	EXPECT_EQ(-EINVAL, cmd(&self->e, self->fd, MEMARENA_IOC_ALLOC, &c));
	c.flags = 0;
	c.cpu = 1;
	EXPECT_EQ(-EINVAL, cmd(&self->e, self->fd, MEMARENA_IOC_ALLOC, &c));
	c.cpu = 0;
	c.flags = MEMARENA_DEV_F_ZERO;
	c.ops = (uintptr_t)&h;
	EXPECT_EQ(-EINVAL, cmd(&self->e, self->fd, MEMARENA_IOC_FREE, &c));
	c.flags = MEMARENA_DEV_F_CPU;
	EXPECT_EQ(-EINVAL, cmd(&self->e, self->fd, MEMARENA_IOC_PATTERN, &c));
	c = (struct memarena_dev_cmd){ .ops = (uintptr_t)ops, .count = 1 };
	EXPECT_EQ(-EINVAL, cmd(&self->e, self->fd, MEMARENA_IOC_FREE_ALL, &c));
	c.flags = MEMARENA_DEV_F_CPU;
	c.cpu = ~0ULL;
	c.ops = (uintptr_t)ops;
	EXPECT_EQ(-EINVAL, cmd(&self->e, self->fd, MEMARENA_IOC_ALLOC, &c));

	/* Bad pointers: nothing allocated, nothing leaked. */
	c = (struct memarena_dev_cmd){ .ops = 16, .count = 2 };
	EXPECT_EQ(-EFAULT, cmd(&self->e, self->fd, MEMARENA_IOC_ALLOC, &c));
	EXPECT_EQ(-EFAULT, cmd(&self->e, self->fd, MEMARENA_IOC_FREE, &c));
	EXPECT_EQ(-EFAULT, cmd(&self->e, self->fd, MEMARENA_IOC_PATTERN, &c));
	c.count = sizeof(st);
	EXPECT_EQ(-EFAULT, cmd(&self->e, self->fd, MEMARENA_IOC_STATS, &c));
	/* Readable but not writable: allocated, then freed again. */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	memcpy(ro, ops, sizeof(ops));
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	c = (struct memarena_dev_cmd){ .ops = (uintptr_t)ro, .count = 2 };
	EXPECT_EQ(-EFAULT, cmd(&self->e, self->fd, MEMARENA_IOC_ALLOC, &c));
	munmap(ro, 4096);
	ASSERT_EQ(sizeof(st), do_stats(&self->e, self->fd, &st));
	EXPECT_EQ(0, st.live_objects);

	/* A short stats buffer gets the head of the structure. */
	c = (struct memarena_dev_cmd){ .ops = (uintptr_t)&st, .count = 8 };
	EXPECT_EQ(8, cmd(&self->e, self->fd, MEMARENA_IOC_STATS, &c));

	/* Commands the device does not have. */
	c = (struct memarena_dev_cmd){ 0 };
	EXPECT_EQ(-ENOTTY, cmd(&self->e, self->fd,
			       _IOWR(MEMARENA_IOC_MAGIC, 0x06, struct memarena_dev_cmd), &c));
	EXPECT_EQ(-ENOTTY, cmd(&self->e, self->fd,
			       _IOWR(MEMARENA_IOC_MAGIC, 0x01, struct memarena_dev_alloc_op), &c));
	EXPECT_EQ(-ENOTTY, cmd(&self->e, self->fd, 0, &c));
}

/* --- limits --------------------------------------------------------------- */

FIXTURE(limits) {
	struct eng e;
	unsigned long long objects, bytes;
};

FIXTURE_SETUP(limits)
{
	if (!memarena_loaded())
		SKIP(return, "memarena is not loaded");
	self->objects = read_param("dev_max_objects");
	self->bytes = read_param("dev_max_bytes");
	ASSERT_LT(0, self->objects);
	ASSERT_LT(0, self->bytes);
	ASSERT_EQ(0, eng_init(&self->e, false));
}

FIXTURE_TEARDOWN(limits)
{
	if (self->objects)
		write_param("dev_max_objects", self->objects);
	if (self->bytes)
		write_param("dev_max_bytes", self->bytes);
}

TEST_F(limits, objects_and_bytes)
{
	struct memarena_dev_alloc_op ops[12];
	struct memarena_dev_stats st;
	int i, fd, fd2;

	ASSERT_EQ(0, write_param("dev_max_objects", 10));
	ASSERT_EQ(0, write_param("dev_max_bytes", 64 << 10));
	fd = open_dev();
	ASSERT_LE(0, fd);
	/* The limits are taken at open: later changes do not matter. */
	ASSERT_EQ(0, write_param("dev_max_objects", self->objects));
	ASSERT_EQ(0, write_param("dev_max_bytes", self->bytes));

	for (i = 0; i < 12; i++)
		ops[i].size = 16;
	EXPECT_EQ(10, do_alloc(&self->e, fd, ops, 12, 0, 0));
	EXPECT_EQ(-EDQUOT, do_alloc(&self->e, fd, ops + 10, 2, 0, 0));
	EXPECT_EQ(-EDQUOT, do_alloc(&self->e, fd, ops + 10, 1,
				    MEMARENA_DEV_F_CPU, 0));
	ASSERT_EQ(sizeof(st), do_stats(&self->e, fd, &st));
	EXPECT_EQ(10, st.max_objects);
	EXPECT_EQ(64 << 10, st.max_bytes);
	EXPECT_EQ(10, st.live_objects);
	ASSERT_EQ(10, do_free_all(&self->e, fd));

	/* Bytes: usable size, 32 KiB + 32 KiB fit, one byte more does not. */
	ops[0].size = 32768;
	ops[1].size = 32768;
	ops[2].size = 1;
	EXPECT_EQ(2, do_alloc(&self->e, fd, ops, 3, 0, 0));
	EXPECT_EQ(-EDQUOT, do_alloc(&self->e, fd, ops + 2, 1, 0, 0));
	ops[2].size = MAX_SIZE;
	EXPECT_EQ(-EDQUOT, do_alloc(&self->e, fd, ops + 2, 1, 0, 0));
	/* Freeing makes room again. */
	EXPECT_EQ(1, do_free(&self->e, fd, &ops[0].handle, 1, 0, 0));
	ops[2].size = 30000;
	EXPECT_EQ(1, do_alloc(&self->e, fd, ops + 2, 1, 0, 0));
	close(fd);

	/* A new file has the defaults again. */
	fd2 = open_dev();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(sizeof(st), do_stats(&self->e, fd2, &st));
	EXPECT_EQ(self->objects, st.max_objects);
	EXPECT_EQ(self->bytes, st.max_bytes);
	close(fd2);
}

/* --- io_uring specifics ----------------------------------------------------- */

TEST(uring_needs_sqe128_and_known_ops)
{
	struct memarena_dev_stats st;
	struct memarena_dev_cmd c = { .ops = (uintptr_t)&st, .count = sizeof(st) };
	struct io_uring ring;
	int fd, pfd[2];

	if (!memarena_loaded())
		SKIP(return, "memarena is not loaded");
	fd = open_dev();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	EXPECT_EQ(-EINVAL, uring_cmd(&ring, fd, MEMARENA_IOC_STATS, &c, false));
	io_uring_queue_exit(&ring);

	ASSERT_EQ(0, io_uring_queue_init(4, &ring, IORING_SETUP_SQE128));
	EXPECT_EQ(sizeof(st), uring_cmd(&ring, fd, MEMARENA_IOC_STATS, &c, true));
	EXPECT_EQ(-ENOTTY, uring_cmd(&ring, fd, 0x1234, &c, true));
	/* Not our file: io_uring's own answer. */
	ASSERT_EQ(0, pipe(pfd));
	EXPECT_EQ(-EOPNOTSUPP, uring_cmd(&ring, pfd[0], MEMARENA_IOC_STATS, &c, true));
	close(pfd[0]);
	close(pfd[1]);
	io_uring_queue_exit(&ring);
	close(fd);
}

/* Several commands in flight on one ring, to one file. */
TEST(uring_many_in_flight)
{
	struct memarena_dev_alloc_op ops[8][16];
	struct memarena_dev_cmd c[8];
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int fd, i, j;

	if (!memarena_loaded())
		SKIP(return, "memarena is not loaded");
	fd = open_dev();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, IORING_SETUP_SQE128));
	for (i = 0; i < 8; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		for (j = 0; j < 16; j++)
			ops[i][j].size = 32 * (i + 1);
		c[i] = (struct memarena_dev_cmd){ .ops = (uintptr_t)ops[i], .count = 16 };
		memset(sqe, 0, 2 * sizeof(*sqe));
		sqe->opcode = IORING_OP_URING_CMD;
		sqe->fd = fd;
		sqe->cmd_op = MEMARENA_IOC_ALLOC;
		sqe->user_data = i;
		if (i % 2)
			sqe->flags = IOSQE_ASYNC;	/* from io-wq */
		memcpy((char *)sqe + offsetof(struct io_uring_sqe, cmd), &c[i],
		       sizeof(c[i]));
	}
	ASSERT_EQ(8, io_uring_submit_and_wait(&ring, 8));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
		EXPECT_EQ(16, cqe->res);
		io_uring_cqe_seen(&ring, cqe);
	}
	for (i = 0; i < 8; i++)
		for (j = 0; j < 16; j++)
			EXPECT_NE(0, ops[i][j].handle);
	io_uring_queue_exit(&ring);
	close(fd);
}

/* tracefs: where the io_uring_queue_async_work event is switched on. */
#define TRACING		"/sys/kernel/tracing/"
#define ASYNC_EVENT	TRACING "events/io_uring/io_uring_queue_async_work/enable"

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

/*
 * io_uring issues a command non-blocking first.  What could block (the
 * other CPU's work item, FREE_ALL, PATTERN) is handed to an io-wq worker,
 * which io_uring traces as io_uring_queue_async_work; STATS, ALLOC and
 * FREE on the submitter's CPU run inline.  Each command runs once.
 */
TEST(uring_what_could_block_goes_to_a_worker)
{
	struct memarena_dev_alloc_op ops[16], warm[16];
	struct memarena_dev_pattern_op pat = { 0 };
	struct memarena_dev_cmd c[7];
	struct memarena_dev_stats st;
	uint64_t h[16], punted = 0, want;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	char line[512], *u;
	cpu_set_t set;
	int fd, i, n;
	FILE *tr;
	bool ok;

	if (!memarena_loaded())
		SKIP(return, "memarena is not loaded");
	if (access(ASYNC_EVENT, W_OK))
		mount("nodev", TRACING, "tracefs", 0, NULL);
	if (access(ASYNC_EVENT, W_OK))
		SKIP(return, "no tracefs event io_uring_queue_async_work");
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	fd = open_dev();
	ASSERT_LE(0, fd);
	/* Objects in CPU 0's cache, room in the table: nothing to wait for. */
	for (i = 0; i < 16; i++)
		warm[i].size = ops[i].size = 64;
	ASSERT_EQ(16, ioctl(fd, MEMARENA_IOC_ALLOC, &(struct memarena_dev_cmd){
		.ops = (uintptr_t)warm, .count = 16, .flags = MEMARENA_DEV_F_CPU }));
	for (i = 0; i < 16; i++)
		h[i] = warm[i].handle;
	ASSERT_EQ(16, ioctl(fd, MEMARENA_IOC_FREE, &(struct memarena_dev_cmd){
		.ops = (uintptr_t)h, .count = 16, .flags = MEMARENA_DEV_F_CPU }));
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, IORING_SETUP_SQE128));

	ASSERT_EQ(0, write_file(TRACING "trace", ""));
	ASSERT_EQ(0, write_file(ASYNC_EVENT, "1"));
	ASSERT_EQ(0, write_file(TRACING "tracing_on", "1"));
	/* One at a time, in order: 1 STATS, 2 ALLOC, 3 PATTERN, 4 FREE_ALL. */
	c[1] = (struct memarena_dev_cmd){ .ops = (uintptr_t)&st, .count = sizeof(st) };
	c[2] = (struct memarena_dev_cmd){ .ops = (uintptr_t)ops, .count = 16,
					  .flags = MEMARENA_DEV_F_CPU };
	c[3] = (struct memarena_dev_cmd){ .ops = (uintptr_t)&pat, .count = 1 };
	c[4] = (struct memarena_dev_cmd){ 0 };
	c[5] = (struct memarena_dev_cmd){ .ops = (uintptr_t)ops, .count = 1,
					  .flags = MEMARENA_DEV_F_CPU, .cpu = 1 };
	c[6] = (struct memarena_dev_cmd){ .ops = (uintptr_t)h, .count = 1,
					  .flags = MEMARENA_DEV_F_CPU };
	n = get_nprocs() > 1 ? 6 : 4;
	for (i = 1; i <= n; i++) {
		static const unsigned int op[] = { 0, MEMARENA_IOC_STATS,
			MEMARENA_IOC_ALLOC, MEMARENA_IOC_PATTERN,
			MEMARENA_IOC_FREE_ALL, MEMARENA_IOC_ALLOC, MEMARENA_IOC_FREE };

		if (i == 3) {
			pat.handle = ops[0].handle;
			pat.pattern = 0x5a5a5a5a5a5a5a5aULL;
			pat.flags = MEMARENA_DEV_PATTERN_WRITE;
		}
		if (i == 6)
			h[0] = ops[0].handle;	/* from 5, on CPU 1 */
		/* No ASSERT until the event is turned off below. */
		ok = !uring_queue(&ring, fd, op[i], &c[i], 0x3a0 + i, true) &&
		     io_uring_submit_and_wait(&ring, 1) == 1 &&
		     !io_uring_wait_cqe(&ring, &cqe);
		EXPECT_TRUE(ok) TH_LOG("command %d not submitted or completed", i);
		if (!ok)
			break;
		EXPECT_EQ(0x3a0 + i, cqe->user_data);
		/* ALLOC: 16; PATTERN: 1; FREE_ALL: the 16; ALLOC, FREE: 1. */
		EXPECT_EQ(i == 1 ? (int)sizeof(st) : i == 2 ? 16 : i == 4 ? 16 : 1,
			  cqe->res) TH_LOG("command %d", i);
		io_uring_cqe_seen(&ring, cqe);
	}
	ASSERT_EQ(0, write_file(ASYNC_EVENT, "0"));

	tr = fopen(TRACING "trace", "r");
	ASSERT_TRUE(tr != NULL);
	while (fgets(line, sizeof(line), tr)) {
		unsigned long long ud;

		u = strstr(line, "user_data 0x");
		if (u && sscanf(u, "user_data 0x%llx", &ud) == 1 &&
		    ud > 0x3a0 && ud <= 0x3a6) {
			punted |= 1ULL << (ud - 0x3a0);
		}
	}
	fclose(tr);
	/* PATTERN and FREE_ALL; ALLOC for CPU 1; not FREE on CPU 0. */
	want = 1 << 3 | 1 << 4 | (n > 4 ? 1 << 5 : 0);
	EXPECT_EQ(want, punted) TH_LOG("punted %#llx, want %#llx",
				       (unsigned long long)punted,
				       (unsigned long long)want);
	io_uring_queue_exit(&ring);
	close(fd);
	CPU_ZERO(&set);
	for (i = 0; i < get_nprocs_conf(); i++)
		CPU_SET(i, &set);	/* back to every CPU */
	sched_setaffinity(0, sizeof(set), &set);
}

/* --- access ----------------------------------------------------------------- */

TEST(node_is_root_only)
{
	struct stat st;

	if (!memarena_loaded())
		SKIP(return, "memarena is not loaded");
	ASSERT_EQ(0, stat(MEMARENA_DEV_PATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(10, major(st.st_rdev));	/* misc */
}

static int child_open(bool nobody, bool drop_cap)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (!pid) {
		struct __user_cap_header_struct hdr = {
			.version = _LINUX_CAPABILITY_VERSION_3,
		};
		struct __user_cap_data_struct data[2];

		if (nobody && (setgroups(0, NULL) || setgid(NOBODY) ||
			       setuid(NOBODY)))
			_exit(100);
		if (drop_cap) {
			if (syscall(SYS_capget, &hdr, data))
				_exit(101);
			data[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
			if (syscall(SYS_capset, &hdr, data))
				_exit(102);
		}
		if (open_dev() >= 0)
			_exit(0);
		_exit(errno);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST(unprivileged_cannot_open)
{
	if (!memarena_loaded())
		SKIP(return, "memarena is not loaded");
	/* Not root: the mode says no. */
	EXPECT_EQ(EACCES, child_open(true, false));
	/* Root without CAP_SYS_ADMIN: open says no. */
	EXPECT_EQ(EPERM, child_open(false, true));
	EXPECT_EQ(0, child_open(false, false));
}

/* --- module lifetime --------------------------------------------------------- */

TEST(rmmod_refused_while_open)
{
	struct memarena_dev_alloc_op op = { .size = 1000 };
	struct eng e;
	int fd;

	if (!memarena_loaded())
		SKIP(return, "memarena is not loaded");
	ASSERT_EQ(0, eng_init(&e, true));
	fd = open_dev();
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, do_alloc(&e, fd, &op, 1, 0, 0));
	EXPECT_EQ(-EWOULDBLOCK, unload_module("memarena"));
	EXPECT_TRUE(memarena_loaded());
	/* The file still works. */
	EXPECT_EQ(1, do_free(&e, fd, &op.handle, 1, 0, 0));
	close(fd);
	eng_exit(&e);
	/*
	 * io_uring may drop its file reference a moment later (its ring is
	 * torn down by a work item): wait for it, 60 s at most, which only a
	 * reference that never goes takes.
	 */
	for (int i = 0; i < 600 && unload_module("memarena") == -EWOULDBLOCK; i++)
		usleep(100000);
	EXPECT_FALSE(memarena_loaded());
	ASSERT_EQ(0, load_module_file(memarena_ko_path()));
	ASSERT_EQ(0, access(MEMARENA_DEV_PATH, F_OK));
}

/* --- memload ------------------------------------------------------------------ */

static const char *memload_path(void)
{
	static char path[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return "build/user/memload";
	exe[n] = '\0';
	snprintf(path, sizeof(path), "%s/../user/memload", dirname(exe));
	return path;
}

/* Run memload with @args; its output goes to the log as TAP comments. */
static int run_memload(struct __test_metadata *_metadata, const char *args)
{
	char command[PATH_MAX + 512], line[512];
	int status;
	FILE *p;

	snprintf(command, sizeof(command), "%s %s 2>&1", memload_path(), args);
	printf("# $ memload %s\n", args);
	fflush(stdout);
	p = popen(command, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p))
		printf("#   %s", line);
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

FIXTURE(memload) {
	uint64_t heap_before;
};

FIXTURE_SETUP(memload)
{
	if (!memarena_loaded())
		SKIP(return, "memarena is not loaded");
	if (access(memload_path(), X_OK))
		SKIP(return, "%s not built", memload_path());
	self->heap_before = heap_alloc();
}

FIXTURE_TEARDOWN(memload)
{
	if (self->heap_before)
		EXPECT_EQ(self->heap_before, heap_alloc());
}

TEST_F_TIMEOUT(memload, remote_verify_all_cpus_io_uring, 120)
{
	EXPECT_EQ(0, run_memload(_metadata, "remote --verify --duration 3s --batch 32 --quiet"));
}

TEST_F_TIMEOUT(memload, remote_verify_all_cpus_ioctl, 120)
{
	EXPECT_EQ(0, run_memload(_metadata, "remote --verify --ioctl --duration 3s --share 100 --quiet"));
}

TEST_F_TIMEOUT(memload, churn_verify, 120)
{
	EXPECT_EQ(0, run_memload(_metadata, "churn --verify --threads 2 --duration 2s --live 4M --quiet"));
}

TEST_F_TIMEOUT(memload, fill_and_free, 120)
{
	EXPECT_EQ(0, run_memload(_metadata, "fill --size 32Mi --verify --cpus 0 --quiet"));
}

TEST_F_TIMEOUT(memload, seed, 120)
{
	EXPECT_EQ(0, run_memload(_metadata, "seed --duration 1s --interval 50ms --every 5"));
}

TEST_HARNESS_MAIN
