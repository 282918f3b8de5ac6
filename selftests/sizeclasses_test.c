// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace checks of the generated size class tables, module/sizeclasses.c,
 * against expectations that do not come from the generator: Go's published
 * table and the invariants the allocator relies on.
 *
 * Linked with module/sizeclasses.c itself (built for userspace, see the
 * note on types in sizeclasses.h) and built with -I module.
 */

#include <stddef.h>
#include <stdint.h>

#include "kselftest_harness.h"

#include "sizeclasses.h"

#define GO_NUM_SIZE_CLASSES	68
#define GO_PAGE_SIZE		8192

/*
 * Go's published tables, class_to_size (SizeClassToSize) and
 * class_to_allocnpages (SizeClassToNPages) in Go's
 * src/runtime/sizeclasses.go (in recent trees
 * src/internal/runtime/gc/sizeclasses.go).  Typed in from Go, not from
 * our generator, so that a generator bug cannot hide here.
 */
static const unsigned int go_class_size[GO_NUM_SIZE_CLASSES] = {
	0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208,
	224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704,
	768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072,
	3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728,
	10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760,
	24576, 27264, 28672, 32768,
};

static const unsigned int go_class_npages[GO_NUM_SIZE_CLASSES] = {
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2, 1, 2, 1, 3, 2, 3, 1, 3,
	2, 3, 4, 5, 6, 1, 7, 6, 5, 4, 3, 5, 7, 2, 9, 7, 5, 8, 3, 10, 7, 4,
};

TEST(constants_match_go)
{
	ASSERT_EQ(GO_NUM_SIZE_CLASSES, MA_NUM_SIZE_CLASSES);
	ASSERT_EQ(32768, MA_MAX_SMALL_SIZE);
	ASSERT_EQ(GO_PAGE_SIZE, MA_SPAN_PAGE_SIZE);
	ASSERT_EQ(1024, MA_SMALL_SIZE_MAX);
	ASSERT_EQ(8, MA_SMALL_SIZE_DIV);
	ASSERT_EQ(128, MA_LARGE_SIZE_DIV);
	ASSERT_EQ(129, MA_SIZE_TO_CLASS8_LEN);
	ASSERT_EQ(249, MA_SIZE_TO_CLASS128_LEN);
}

TEST(class_sizes_match_go)
{
	unsigned int i;

	for (i = 0; i < GO_NUM_SIZE_CLASSES; i++)
		EXPECT_EQ(go_class_size[i], ma_class_size[i])
			TH_LOG("class %u", i);
}

/*
 * memarena's spans (scripts/mksizeclasses.c, rule 7): Go's, except for
 * these classes, whose Go span holds fewer than 8 objects and is shorter
 * than 32 KiB; 4864 and 6144 keep Go's (32 KiB would waste more), 12288
 * and 24576 too (32 KiB would break the tail bound).  Typed in from the
 * rule, not from the generator.
 */
static const struct {
	unsigned int size, span;
} grown_spans[] = {
	{ 1152, 16384 }, { 1280, 16384 }, { 1536, 16384 }, { 2048, 16384 },
	{ 2304, 24576 }, { 2688, 24576 }, { 3200, 32768 }, { 3456, 32768 },
	{ 4096, 32768 }, { 5376, 32768 }, { 8192, 32768 }, { 16384, 32768 },
};

TEST(span_bytes_are_go_or_grown)
{
	unsigned int i, j, grown = 0;

	for (i = 1; i < GO_NUM_SIZE_CLASSES; i++) {
		unsigned int want = go_class_npages[i] * GO_PAGE_SIZE;

		for (j = 0; j < ARRAY_SIZE(grown_spans); j++) {
			if (grown_spans[j].size != go_class_size[i])
				continue;
			/* Only spans Go gives fewer than 8 objects grow. */
			EXPECT_GT(8U, want / go_class_size[i])
				TH_LOG("class %u", i);
			EXPECT_LT(want, grown_spans[j].span)
				TH_LOG("class %u", i);
			want = grown_spans[j].span;
			grown++;
		}
		EXPECT_EQ(want, ma_class_span_bytes[i])
			TH_LOG("class %u: size %u", i, go_class_size[i]);
	}
	ASSERT_EQ(ARRAY_SIZE(grown_spans), grown);
}

/*
 * Rule 7's bounds: a grown span is at most 32 KiB and holds 8 objects,
 * or else wastes no larger a share of it than Go's span.
 */
TEST(grown_spans_hold_eight_or_waste_no_more)
{
	unsigned int i;

	for (i = 1; i < MA_NUM_SIZE_CLASSES; i++) {
		unsigned long go_span = go_class_npages[i] * GO_PAGE_SIZE;
		unsigned long span = ma_class_span_bytes[i];
		unsigned long size = ma_class_size[i];

		if (span == go_span)
			continue;
		EXPECT_GE(32768UL, span) TH_LOG("class %u", i);
		EXPECT_TRUE(ma_class_nobjs[i] >= 8 ||
			    span % size * go_span <= go_span % size * span)
			TH_LOG("class %u: %u objects", i, ma_class_nobjs[i]);
	}
}

TEST(sizes_increase_to_max_small_size)
{
	unsigned int i;

	ASSERT_EQ(0U, ma_class_size[0]);
	for (i = 1; i < MA_NUM_SIZE_CLASSES; i++)
		ASSERT_LT(ma_class_size[i - 1], ma_class_size[i])
			TH_LOG("class %u", i);
	ASSERT_EQ(32768U, ma_class_size[MA_NUM_SIZE_CLASSES - 1]);
}

TEST(span_bytes_multiple_of_8192)
{
	unsigned int i;

	ASSERT_EQ(0U, ma_class_span_bytes[0]);
	for (i = 1; i < MA_NUM_SIZE_CLASSES; i++) {
		ASSERT_NE(0U, ma_class_span_bytes[i]) TH_LOG("class %u", i);
		ASSERT_EQ(0U, ma_class_span_bytes[i] % 8192)
			TH_LOG("class %u: span %u", i, ma_class_span_bytes[i]);
	}
}

TEST(nobjs_is_span_over_size)
{
	unsigned int i;

	ASSERT_EQ(0, ma_class_nobjs[0]);
	for (i = 1; i < MA_NUM_SIZE_CLASSES; i++)
		ASSERT_EQ(ma_class_span_bytes[i] / ma_class_size[i],
			  (unsigned int)ma_class_nobjs[i])
			TH_LOG("class %u", i);
}

/* Tail waste, the span bytes too small for one more object, <= 12.5%. */
TEST(tail_waste_at_most_one_eighth)
{
	unsigned int i;

	for (i = 1; i < MA_NUM_SIZE_CLASSES; i++) {
		unsigned int span = ma_class_span_bytes[i];
		unsigned int tail = span - ma_class_nobjs[i] * ma_class_size[i];

		ASSERT_LT(tail, ma_class_size[i]) TH_LOG("class %u", i);
		ASSERT_LE(tail * 8, span)
			TH_LOG("class %u: tail %u of %u bytes", i, tail, span);
	}
}

/* Smallest class that fits @size, by a scan of Go's table. */
static unsigned int go_smallest_class(unsigned int size)
{
	unsigned int i;

	for (i = 1; i < GO_NUM_SIZE_CLASSES; i++)
		if (go_class_size[i] >= size)
			return i;
	return 0;
}

TEST(size_to_class_is_smallest_fit)
{
	unsigned int size;

	for (size = 1; size <= 32768; size++) {
		unsigned int cls = ma_size_to_class(size);

		ASSERT_EQ(go_smallest_class(size), cls)
			TH_LOG("size %u", size);
		ASSERT_LE(size, ma_class_size[cls]) TH_LOG("size %u", size);
		ASSERT_GT(size, ma_class_size[cls - 1])
			TH_LOG("size %u", size);
	}
}

TEST(size_to_class_out_of_range)
{
	ASSERT_EQ(0U, ma_size_to_class(0));
	ASSERT_EQ(0U, ma_size_to_class(32769));
	ASSERT_EQ(0U, ma_size_to_class(SIZE_MAX));
}

/* (offset * divmagic) >> 32 == offset / size for every offset in a span. */
TEST(divmagic_every_offset)
{
	unsigned int i, off;

	ASSERT_EQ(0U, ma_class_divmagic[0]);
	for (i = 1; i < MA_NUM_SIZE_CLASSES; i++) {
		unsigned long long magic = ma_class_divmagic[i];
		unsigned int size = ma_class_size[i];

		ASSERT_EQ(0xffffffffU / size + 1, ma_class_divmagic[i])
			TH_LOG("class %u", i);
		for (off = 0; off <= ma_class_span_bytes[i]; off++)
			ASSERT_EQ(off / size,
				  (unsigned int)((off * magic) >> 32))
				TH_LOG("class %u (%u bytes), offset %u",
				       i, size, off);
	}
}

TEST_HARNESS_MAIN
