// SPDX-License-Identifier: GPL-2.0
/*
 * mksizeclasses - generate memarena's small-object size class tables
 * (module/sizeclasses.c and module/sizeclasses.h).
 *
 * This is a host program, not kernel code.  Build and run it with
 *
 *	cc -O2 -Wall -Werror -o build/mksizeclasses scripts/mksizeclasses.c
 *	build/mksizeclasses -o module/sizeclasses.c
 *	build/mksizeclasses --header -o module/sizeclasses.h
 *
 * or simply 'make sizeclasses'.  The output is committed; 'make
 * sizeclasses-check' fails when it no longer matches this program.
 *
 * The algorithm is the one of the Go runtime's mksizeclasses.go (The Go
 * Authors, BSD-style licence; src/runtime/mksizeclasses.go, in recent trees
 * src/runtime/_mkmalloc/mksizeclasses.go), reimplemented here in C, not
 * copied.  With the default span page size of 8192 bytes (Go's _PageSize)
 * it reproduces the object sizes of Go's current table (sizeclasses.go)
 * exactly: 67 size classes plus the dummy class 0, from 8 to 32768 bytes.
 * The spans are Go's too except where rule 7 lengthens them; with
 * --go-spans they are all Go's.
 *
 * Waste bounds
 * ------------
 * A small allocation of n bytes is rounded up to the size of the smallest
 * class that fits it, and is carved out of a span: a run of pages dedicated
 * to objects of one class.  Memory is lost in two places:
 *
 *   - round-up waste, inside each object.  The classes are spaced so that
 *     rounding up costs at most 12.5% (1.125x), except for the tiny classes
 *     where the minimum alignment dominates (a 1-byte request in the 8-byte
 *     class wastes 87.5%).
 *
 *   - tail waste, at the end of each span, where the space left over is
 *     smaller than one object.  Each class gets the smallest span that keeps
 *     the tail at or below 1/8 of the span, again 12.5% (1.125x).
 *
 * The two limits are independent and the wastes multiply, so the worst case
 * is 1.125 * 1.125 = 1.266x, i.e. 26.6% of overhead.  In practice only one of
 * them matters for a given class: below 512 bytes the waste is mostly
 * round-up, above it mostly tail.  The generated table prints, per class,
 * the tail waste and the "max waste": the share of the span lost when every
 * object holds a request one byte larger than the previous class, i.e. both
 * wastes at their worst at the same time.
 *
 * The rules, in the order they are applied
 * ----------------------------------------
 * 1. Candidate sizes are walked from 8 to MAX_SMALL_SIZE in steps of the
 *    current alignment, which is bumped each time the walk reaches a power
 *    of two:
 *
 *       size <   32:  step 8.  MIN_HEAP_ALIGN: every object is 8-byte
 *                     aligned, enough for any u64 or pointer.  Finer steps
 *                     would break that alignment.
 *       size >=  32:  step 16.  Go's heap bitmaps assume 16-byte alignment
 *                     from 32 bytes up; for us it means every object of
 *                     32 bytes or more can hold a 16-byte aligned type
 *                     (cmpxchg16b operands, __int128).
 *       size >= 128:  step size/8, i.e. 16, 32, 64, 128 for the octaves
 *                     starting at 128, 256, 512 and 1024, and 256 at
 *                     2048.  This is what bounds round-up waste by 1/8: within
 *                     an octave [2^k, 2^(k+1)) consecutive candidates are
 *                     2^k / 8 apart, so a request just above one candidate
 *                     wastes less than 2^k / 8 of the next one's size.
 *       size >= 2048: step fixed at 256 (below size/8 from 4096).  Here tail
 *                     waste dominates, and a finer walk offers rule 2 more
 *                     sizes that pack a span well; rule 3 merges away
 *                     those that do not differ, so fine steps only cost a
 *                     class where they buy something.  256 is a multiple
 *                     of LARGE_SIZE_DIV, which the lookup table needs.
 *
 * 2. Each candidate gets the smallest span, a multiple of the span page
 *    size, whose tail (span % size) is at most span / 8.  Multi-page spans
 *    exist because one page can be a bad fit: 1408-byte objects in one
 *    8 KiB page leave 1152 bytes (14%) unused, in two pages 896 (5.5%).
 *    The span is kept as small as possible because every span of a class
 *    is memory pinned by that class, per CPU cache and while partly used.
 *
 * 3. A candidate that gets the same span size and the same object count as
 *    the previous class replaces it (the class keeps the larger size).  The
 *    two would be indistinguishable from the span's point of view, and the
 *    larger one serves more requests for the same memory.  This is why the
 *    max waste column can exceed 12.5% above 512 bytes: the gap to the
 *    previous class widens, but the objects per span, hence the memory,
 *    stay the same.
 *
 * 4. Each class is then grown to the largest size that still gives the same
 *    object count in the same span, rounded down to LARGE_SIZE_DIV: e.g.
 *    8448 bytes, 6 objects in 7 pages, becomes 9472 bytes, still 6 objects
 *    in 7 pages.  The bigger size is free (it only eats tail waste) and
 *    serves more requests.  Rounding down to LARGE_SIZE_DIV keeps every
 *    class above SMALL_SIZE_MAX a multiple of 128, as the lookup needs.
 *    Our one addition to Go's rules: a class is not grown if that would
 *    make it reach the (grown) next class, which would then never be
 *    chosen.  Go's table never hits this; with --page-size 4096, 1408
 *    would grow into the next class, 1536.
 *
 * 5. The divide-free object index.  Finding an object's index from its
 *    offset in the span, offset / size, is on the free and scan paths; a
 *    64-bit divide costs tens of cycles on x86.  Instead
 *
 *	index = (offset * divmagic) >> 32,  divmagic = 0xffffffff / size + 1
 *
 *    (a 32x32->64 multiply and a shift).  After Lemire, Kaser and Kurz,
 *    "Faster Remainder by Direct Computation", arXiv:1902.01961, Algorithm
 *    2, n / d for n < 2^N is exact with a ceil(2^F / d) multiplier once F
 *    reaches log2(d) for a power of two d, else N + L for the smallest L
 *    with d <= (2^(N+L) mod d) + 2^L.  Spans are at most 80 KiB (N = 17) and
 *    that F never exceeds 32 for our classes, so 32 fractional bits are
 *    enough.  The generator checks the F bound and then brute-forces every
 *    offset 0..span of every class, and refuses to emit anything if a
 *    single quotient is wrong.
 *
 * 6. size -> class lookup uses two small tables instead of a search or a
 *    32 KiB table: one entry per SMALL_SIZE_DIV (8) bytes up to
 *    SMALL_SIZE_MAX (1024), 129 entries, and one per LARGE_SIZE_DIV (128)
 *    bytes from 1024 to 32768, 249 entries; 378 bytes in all, a few cache
 *    lines.  Rounding the request up to the table granularity gives the
 *    right class only if no class size falls strictly inside a granule:
 *    classes up to 1024 are multiples of 8 (rule 1) and classes above it
 *    multiples of 128 (rules 1 and 4).  The generator checks the result
 *    for every size 1..MAX_SMALL_SIZE.
 *
 * 7. memarena's divergence from Go: a class whose span holds fewer than
 *    MIN_SPAN_OBJS (8) objects gets a longer span, the shortest multiple
 *    of the span page size up to MAX_GROWN_SPAN (32 KiB) that holds 8 and
 *    keeps rule 2's tail bound, or else the longest within 32 KiB whose
 *    tail is no larger a share of it than the rule-2 span's (more
 *    objects, no more waste).  Object sizes stay Go's; only spans change:
 *    12 of the 16 classes whose Go span holds fewer than 8 objects and is
 *    shorter than 32 KiB, from 1152 to 16384 bytes (4864 and 6144 would
 *    waste more in 32 KiB, 12288 and 24576 would break the tail bound).
 *    Go's 4096-byte class puts two objects in 8 KiB, so every second
 *    allocation of a batch refills the per-CPU cache from the central
 *    list and carves a span from the page heap, and every second free
 *    gives one back: the worst cell of 'make bench' (batch, 4096 B).
 *    SLUB sizes its slabs the same way (calculate_order(): a minimum
 *    object count, up to PAGE_ALLOC_COSTLY_ORDER, 32 KiB), and its
 *    kmalloc-4k slab holds 8 objects.  Waste bounds: rule 2's tail bound
 *    holds for the longer spans too (checked below), round-up waste does
 *    not change, so the worst case stays 1.266x.  What grows is the memory
 *    a class pins while a span is partly used, in a CPU's cache or on a
 *    central list: up to 32 KiB per class instead of Go's span, the
 *    price SLUB pays for kmalloc-4k too.  --go-spans leaves rule 7 out
 *    and reproduces Go's table exactly.
 *
 * Why these limits
 * ----------------
 * MAX_SMALL_SIZE (32 KiB) ends the small classes because above it a large
 * object can get a run of kernel pages of its own: rounding it up to 4 KiB
 * pages wastes less than 4096 / 32768 = 12.5%, the bound classes give.
 * (It is also Go's _MaxSmallSize, which the table reproduction needs.)
 *
 * The span page size (--page-size, default 8192) is only the unit in which
 * span sizes are chosen, not the kernel's PAGE_SIZE; memarena's spans are
 * runs of 4 KiB pages whose length is a multiple of 8 KiB.  8192 is Go's
 * _PageSize; using it makes the object sizes equal to Go's, a table tuned
 * and measured on real workloads for years.  4096, 16384 and 32768 are
 * accepted for experiments; they give different tables (62, 71 and 72
 * classes), and the header's constants follow them.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest small object; see "Why these limits" above. */
#define MAX_SMALL_SIZE		32768
/* Smallest alignment, and first candidate size: a u64 or a pointer. */
#define MIN_HEAP_ALIGN		8
/* Granularity of the size -> class table up to SMALL_SIZE_MAX (rule 6). */
#define SMALL_SIZE_DIV		8
/* Where the lookup switches from SMALL_SIZE_DIV to LARGE_SIZE_DIV. */
#define SMALL_SIZE_MAX		1024
/* Granularity of the size -> class table above SMALL_SIZE_MAX (rule 6). */
#define LARGE_SIZE_DIV		128
/* Tail waste bound: tail <= span / TAIL_WASTE_DIV, i.e. 12.5% (rule 2). */
#define TAIL_WASTE_DIV		8

/* Rule 7: fewest objects per span, and the longest span grown to it. */
#define MIN_SPAN_OBJS		8
#define MAX_GROWN_SPAN		32768

/* Go's _PageSize, our default: with it the table must equal Go's. */
#define GO_PAGE_SIZE		8192
/* Go's class count (including class 0), checked like Go checks it. */
#define GO_NUM_SIZE_CLASSES	68

/*
 * --page-size limits.  Below 4096 spans would be smaller than a kernel
 * page; at 65536 the 19584-byte class gets a 192 KiB span, too long for a
 * 32-bit divmagic (rule 5 rejects it).
 */
#define MIN_PAGE_SIZE		4096
#define MAX_PAGE_SIZE		32768
/* Class numbers are stored in u8 lookup tables. */
#define MAX_CLASSES		256
/* Object counts are stored as u16. */
#define MAX_NOBJS		65535
/* Width of the generated tables, tab counted as 8; checkpatch allows 100. */
#define LINE_WIDTH		80

#define SIZE_TO_CLASS8_LEN	(SMALL_SIZE_MAX / SMALL_SIZE_DIV + 1)
#define SIZE_TO_CLASS128_LEN \
	((MAX_SMALL_SIZE - SMALL_SIZE_MAX) / LARGE_SIZE_DIV + 1)

struct size_class {
	uint32_t size;		/* object size in bytes, 0 for class 0 */
	uint32_t npages;	/* span size in units of the span page size */
	uint32_t span;		/* span size in bytes */
	uint32_t nobjs;		/* objects per span */
	uint32_t divmagic;	/* 0xffffffff / size + 1, 0 for class 0 */
};

static const char *progname = "mksizeclasses";
static uint32_t page_size = GO_PAGE_SIZE;
static bool go_spans;

static struct size_class classes[MAX_CLASSES];
static unsigned int nclasses;
static uint8_t size_to_class8[SIZE_TO_CLASS8_LEN];
static uint8_t size_to_class128[SIZE_TO_CLASS128_LEN];

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...);

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static bool is_power_of_two(uint64_t x)
{
	return x && !(x & (x - 1));
}

/* Number of bits needed to represent x (Go's bits.Len). */
static unsigned int bit_len(uint64_t x)
{
	unsigned int n = 0;

	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}

static unsigned int log2_exact(uint64_t x)
{
	unsigned int n = 0;

	while (x > 1) {
		x >>= 1;
		n++;
	}
	return n;
}

/* Rule 1: the step between candidates, bumped at each power of two. */
static uint32_t next_align(uint32_t size, uint32_t align)
{
	if (!is_power_of_two(size))
		return align;
	if (size >= 2048)
		return 256;
	if (size >= 128)
		return size / 8;
	if (size >= 32)
		return 16;
	return align;
}

/* Rule 2: smallest span, in pages, with tail waste <= span / 8. */
static uint32_t span_pages(uint32_t size)
{
	uint64_t span = page_size;

	while (span % size > span / TAIL_WASTE_DIV)
		span += page_size;
	return (uint32_t)(span / page_size);
}

/*
 * Rule 7: the span for a class of @size whose rule-2 span is @npages
 * pages: that span if it holds MIN_SPAN_OBJS, else the shortest longer
 * one up to MAX_GROWN_SPAN that does and keeps the tail bound, else the
 * longest within MAX_GROWN_SPAN whose tail is no larger a share of it
 * than the rule-2 span's.
 */
static uint32_t grown_span_pages(uint32_t size, uint32_t npages)
{
	uint32_t go_span = npages * page_size, best = go_span;
	uint64_t go_tail = go_span % size;
	uint32_t span;

	if (go_span / size >= MIN_SPAN_OBJS)
		return npages;
	for (span = go_span + page_size; span <= MAX_GROWN_SPAN;
	     span += page_size) {
		if (span % size > span / TAIL_WASTE_DIV)
			continue;
		if (span / size >= MIN_SPAN_OBJS)
			return span / page_size;
		if ((uint64_t)(span % size) * go_span <= go_tail * span)
			best = span;
	}
	return best / page_size;
}

static void make_classes(void)
{
	uint32_t align = MIN_HEAP_ALIGN;
	uint32_t size;
	unsigned int i;

	nclasses = 1;	/* class 0 is a dummy: "no small class" */
	memset(&classes[0], 0, sizeof(classes[0]));

	for (size = align; size <= MAX_SMALL_SIZE; size += align) {
		struct size_class *prev = &classes[nclasses - 1];
		uint32_t npages, span;

		align = next_align(size, align);
		if (!is_power_of_two(align))
			die("alignment %u at size %u is not a power of two",
			    align, size);

		npages = span_pages(size);
		span = npages * page_size;

		/* Rule 3: same span, same count as the previous class. */
		if (nclasses > 1 && npages == prev->npages &&
		    span / size == span / prev->size) {
			prev->size = size;
			continue;
		}
		if (nclasses == MAX_CLASSES)
			die("more than %d size classes", MAX_CLASSES);
		classes[nclasses].size = size;
		classes[nclasses].npages = npages;
		nclasses++;
	}

	/*
	 * Rule 4: grow each class into its share of the span, but never up
	 * to the next class once that one has grown (not a Go rule, a no-op
	 * at Go's page size).  Top down, so the next class is final.
	 */
	for (i = nclasses - 1; i >= 1; i--) {
		struct size_class *c = &classes[i];
		uint32_t span = c->npages * page_size;
		uint32_t grown = (span / (span / c->size)) & ~(LARGE_SIZE_DIV - 1u);

		if (grown > c->size &&
		    (i + 1 == nclasses || grown < classes[i + 1].size))
			c->size = grown;
	}

	if (page_size == GO_PAGE_SIZE && nclasses != GO_NUM_SIZE_CLASSES)
		die("number of size classes changed: %u, Go has %d",
		    nclasses, GO_NUM_SIZE_CLASSES);

	/* Rule 7: sizes are final; lengthen the spans that hold too few. */
	for (i = 1; i < nclasses && !go_spans; i++)
		classes[i].npages = grown_span_pages(classes[i].size,
						     classes[i].npages);

	for (i = 1; i < nclasses; i++) {
		struct size_class *c = &classes[i];

		c->span = c->npages * page_size;
		c->nobjs = c->span / c->size;
		if (c->size <= classes[i - 1].size)
			die("class %u: size %u not above class %u's %u",
			    i, c->size, i - 1, classes[i - 1].size);
		if (c->nobjs > MAX_NOBJS)
			die("class %u: %u objects do not fit a u16",
			    i, c->nobjs);
		if ((uint64_t)(c->span - c->nobjs * c->size) * TAIL_WASTE_DIV >
		    c->span)
			die("class %u: tail waste above 1/%d", i,
			    TAIL_WASTE_DIV);
		if (c->size <= SMALL_SIZE_MAX ? c->size % SMALL_SIZE_DIV :
						c->size % LARGE_SIZE_DIV)
			die("class %u: size %u breaks the lookup granularity",
			    i, c->size);
	}
	if (classes[nclasses - 1].size != MAX_SMALL_SIZE)
		die("largest class is %u, not %d",
		    classes[nclasses - 1].size, MAX_SMALL_SIZE);
}

/* Rule 5: compute divmagic, prove it with Lemire et al., then brute force. */
static void compute_divmagic(unsigned int cls)
{
	struct size_class *c = &classes[cls];
	uint64_t d = c->size;
	uint64_t max = c->span;	/* largest offset the formula must handle */
	unsigned int n_bits = bit_len(max);
	unsigned int f, l;
	uint64_t m, n;

	if (is_power_of_two(d)) {
		f = log2_exact(d);
	} else {
		for (l = 0;; l++) {
			if (n_bits + l >= 63)
				die("class %u: no precision bound for size %u",
				    cls, c->size);
			if (d <= ((UINT64_C(1) << (n_bits + l)) % d) +
				 (UINT64_C(1) << l))
				break;
		}
		f = n_bits + l;
	}
	if (f > 32)
		die("class %u: size %u span %u needs %u bits of precision",
		    cls, c->size, c->span, f);

	m = UINT32_MAX / c->size + 1;
	for (n = 0; n <= max; n++) {
		if (((n * m) >> 32) != n / d)
			die("class %u: bad divmagic %#llx for size %u at offset %llu",
			    cls, (unsigned long long)m, c->size,
			    (unsigned long long)n);
	}
	c->divmagic = (uint32_t)m;
}

static unsigned int smallest_class(uint32_t size)
{
	unsigned int i;

	for (i = 0; i < nclasses; i++)
		if (classes[i].size >= size)
			return i;
	die("no class for size %u", size);
}

/* Rule 6: build the two lookup tables and check them for every size. */
static void make_lookup(void)
{
	uint32_t size;
	unsigned int i;

	for (i = 0; i < SIZE_TO_CLASS8_LEN; i++)
		size_to_class8[i] = smallest_class(i * SMALL_SIZE_DIV);
	for (i = 0; i < SIZE_TO_CLASS128_LEN; i++)
		size_to_class128[i] =
			smallest_class(SMALL_SIZE_MAX + i * LARGE_SIZE_DIV);

	/* Same arithmetic as ma_size_to_class() in the generated header. */
	for (size = 1; size <= MAX_SMALL_SIZE; size++) {
		unsigned int got;

		if (size <= SMALL_SIZE_MAX)
			got = size_to_class8[(size + SMALL_SIZE_DIV - 1) /
					     SMALL_SIZE_DIV];
		else
			got = size_to_class128[(size - SMALL_SIZE_MAX +
						LARGE_SIZE_DIV - 1) /
					       LARGE_SIZE_DIV];
		if (got != smallest_class(size))
			die("lookup gives class %u for size %u, want %u",
			    got, size, smallest_class(size));
	}
}

/*
 * Percentage with two decimals, rounded half up, without floating point so
 * that the output cannot depend on the C library's printf.
 */
static void print_percent(FILE *out, uint64_t num, uint64_t den)
{
	uint64_t hundredths = (num * 20000 + den) / (2 * den);

	fprintf(out, "%5llu.%02llu%%", (unsigned long long)(hundredths / 100),
		(unsigned long long)(hundredths % 100));
}

static void print_banner(FILE *out, bool header)
{
	unsigned int i;
	uint32_t prev = 0;

	if (header)
		fputs("/* SPDX-License-Identifier: GPL-2.0 */\n", out);
	else
		fputs("// SPDX-License-Identifier: GPL-2.0\n", out);
	fputs("/* Code generated by scripts/mksizeclasses.c; DO NOT EDIT. */\n\n",
	      out);
	fputs("/*\n", out);
	fprintf(out,
		" * memarena small-object size classes, for a span page size of %u bytes.\n",
		page_size);
	fputs(" * Regenerate with 'make sizeclasses'.  Why the classes are what they are\n"
	      " * is explained at the top of scripts/mksizeclasses.c.\n"
	      " *\n", out);
	fprintf(out, " * %-5s  %-9s  %-10s  %-7s  %-10s  %-9s\n", "class",
		"bytes/obj", "bytes/span", "objects", "tail waste",
		"max waste");
	for (i = 1; i < nclasses; i++) {
		const struct size_class *c = &classes[i];
		uint32_t tail = c->span - c->nobjs * c->size;

		fprintf(out, " * %5u  %9u  %10u  %7u  %10u  ", i, c->size,
			c->span, c->nobjs, tail);
		print_percent(out,
			      (uint64_t)(c->size - prev - 1) * c->nobjs + tail,
			      c->span);
		fputc('\n', out);
		prev = c->size;
	}
	fputs(" *\n"
	      " * tail waste: bytes at the end of each span too small for an object.\n"
	      " * max waste: share of the span lost when every object holds a request\n"
	      " * one byte larger than the previous class (round-up and tail waste).\n"
	      " */\n", out);
}

/* Print an array body, right-aligned in columns, within LINE_WIDTH. */
static void print_values(FILE *out, const uint32_t *v, unsigned int n,
			 bool hex)
{
	unsigned int width = 0, per_line, i;
	char buf[32];

	for (i = 0; i < n; i++) {
		int len = hex ? snprintf(buf, sizeof(buf), "0x%08x", v[i]) :
				snprintf(buf, sizeof(buf), "%u", v[i]);

		if ((unsigned int)len > width)
			width = len;
	}
	/* A tab, then "value," entries separated by one space. */
	per_line = (LINE_WIDTH - 8 + 1) / (width + 2);

	for (i = 0; i < n; i++) {
		if (i % per_line == 0)
			fputc('\t', out);
		if (hex)
			fprintf(out, "0x%08x,", v[i]);
		else
			fprintf(out, "%*u,", (int)width, v[i]);
		fputc(i % per_line == per_line - 1 || i == n - 1 ? '\n' : ' ',
		      out);
	}
}

static void print_array(FILE *out, const char *decl, const uint32_t *v,
			unsigned int n, bool hex)
{
	fprintf(out, "\n%s = {\n", decl);
	print_values(out, v, n, hex);
	fputs("};\n", out);
}

static void print_source(FILE *out)
{
	/* Room for the longest array: classes or the 128-byte lookup. */
	uint32_t v[MAX_CLASSES + SIZE_TO_CLASS128_LEN];
	unsigned int i;

	print_banner(out, false);
	fputs("\n#include \"sizeclasses.h\"\n", out);

	for (i = 0; i < nclasses; i++)
		v[i] = classes[i].size;
	print_array(out, "const u32 ma_class_size[MA_NUM_SIZE_CLASSES]",
		    v, nclasses, false);
	for (i = 0; i < nclasses; i++)
		v[i] = classes[i].span;
	print_array(out, "const u32 ma_class_span_bytes[MA_NUM_SIZE_CLASSES]",
		    v, nclasses, false);
	for (i = 0; i < nclasses; i++)
		v[i] = classes[i].nobjs;
	print_array(out, "const u16 ma_class_nobjs[MA_NUM_SIZE_CLASSES]",
		    v, nclasses, false);
	for (i = 0; i < nclasses; i++)
		v[i] = classes[i].divmagic;
	print_array(out, "const u32 ma_class_divmagic[MA_NUM_SIZE_CLASSES]",
		    v, nclasses, true);
	for (i = 0; i < SIZE_TO_CLASS8_LEN; i++)
		v[i] = size_to_class8[i];
	print_array(out, "const u8 ma_size_to_class8[MA_SIZE_TO_CLASS8_LEN]",
		    v, SIZE_TO_CLASS8_LEN, false);
	for (i = 0; i < SIZE_TO_CLASS128_LEN; i++)
		v[i] = size_to_class128[i];
	print_array(out,
		    "const u8 ma_size_to_class128[MA_SIZE_TO_CLASS128_LEN]",
		    v, SIZE_TO_CLASS128_LEN, false);
}

static void print_header(FILE *out)
{
	uint32_t max_nobjs = 0, max_span = 0;
	unsigned int i;

	for (i = 1; i < nclasses; i++) {
		if (classes[i].nobjs > max_nobjs)
			max_nobjs = classes[i].nobjs;
		if (classes[i].span > max_span)
			max_span = classes[i].span;
	}

	print_banner(out, true);
	fputs("\n#ifndef _MEMARENA_SIZECLASSES_H\n"
	      "#define _MEMARENA_SIZECLASSES_H\n"
	      "\n"
	      "/*\n"
	      " * In the kernel <linux/types.h> provides u8/u16/u32 and size_t.  In\n"
	      " * userspace (the selftests) it is the uapi header, which only has\n"
	      " * __u8/__u16/__u32: define the kernel names from them, as\n"
	      " * tools/include/linux/types.h does.  C11 allows repeating a typedef\n"
	      " * of the same type, so test code may define these types itself too.\n"
	      " */\n"
	      "#include <linux/types.h>\n"
	      "#ifndef __KERNEL__\n"
	      "#include <stddef.h>\n"
	      "typedef __u8 u8;\n"
	      "typedef __u16 u16;\n"
	      "typedef __u32 u32;\n"
	      "#endif\n"
	      "\n", out);
	fprintf(out,
		"/* Number of size classes, including the dummy class 0. */\n"
		"#define MA_NUM_SIZE_CLASSES\t%u\n"
		"/* Largest small object; larger requests get their own pages. */\n"
		"#define MA_MAX_SMALL_SIZE\t%d\n"
		"/* Unit of span sizes the table was generated for (not PAGE_SIZE). */\n"
		"#define MA_SPAN_PAGE_SIZE\t%u\n"
		"/* Lookup granularity: MA_SMALL_SIZE_DIV up to MA_SMALL_SIZE_MAX... */\n"
		"#define MA_SMALL_SIZE_MAX\t%d\n"
		"#define MA_SMALL_SIZE_DIV\t%d\n"
		"/* ...and MA_LARGE_SIZE_DIV above it. */\n"
		"#define MA_LARGE_SIZE_DIV\t%d\n"
		"/* Most objects in any span, and the largest span, in bytes. */\n"
		"#define MA_MAX_OBJS_PER_SPAN\t%u\n"
		"#define MA_MAX_SPAN_BYTES\t%u\n"
		"\n"
		"#define MA_SIZE_TO_CLASS8_LEN\t(MA_SMALL_SIZE_MAX / MA_SMALL_SIZE_DIV + 1)\n"
		"#define MA_SIZE_TO_CLASS128_LEN\t\\\n"
		"\t((MA_MAX_SMALL_SIZE - MA_SMALL_SIZE_MAX) / MA_LARGE_SIZE_DIV + 1)\n",
		nclasses, MAX_SMALL_SIZE, page_size, SMALL_SIZE_MAX,
		SMALL_SIZE_DIV, LARGE_SIZE_DIV, max_nobjs, max_span);
	fputs("\n"
	      "/* Object size in bytes; class 0 is 0. */\n"
	      "extern const u32 ma_class_size[MA_NUM_SIZE_CLASSES];\n"
	      "/* Span size in bytes, a multiple of MA_SPAN_PAGE_SIZE. */\n"
	      "extern const u32 ma_class_span_bytes[MA_NUM_SIZE_CLASSES];\n"
	      "/* Objects per span: ma_class_span_bytes / ma_class_size. */\n"
	      "extern const u16 ma_class_nobjs[MA_NUM_SIZE_CLASSES];\n"
	      "/*\n"
	      " * 0xffffffff / size + 1: for every offset 0..span bytes of a class,\n"
	      " * ((u64)offset * ma_class_divmagic[class]) >> 32 == offset / size.\n"
	      " * Checked exhaustively by the generator.\n"
	      " */\n"
	      "extern const u32 ma_class_divmagic[MA_NUM_SIZE_CLASSES];\n"
	      "/* Class by size rounded up to 8: index DIV_ROUND_UP(size, 8). */\n"
	      "extern const u8 ma_size_to_class8[MA_SIZE_TO_CLASS8_LEN];\n"
	      "/* Above 1024: index DIV_ROUND_UP(size - 1024, 128). */\n"
	      "extern const u8 ma_size_to_class128[MA_SIZE_TO_CLASS128_LEN];\n"
	      "\n"
	      "/**\n"
	      " * ma_size_to_class() - size class for a small allocation\n"
	      " * @size: request size in bytes\n"
	      " *\n"
	      " * Return: the smallest class whose object size is at least @size, for\n"
	      " * @size in 1..MA_MAX_SMALL_SIZE; 0 (no small class) for 0 and for sizes\n"
	      " * above MA_MAX_SMALL_SIZE, which callers must handle before, as large\n"
	      " * allocations or errors.\n"
	      " */\n"
	      "static inline unsigned int ma_size_to_class(size_t size)\n"
	      "{\n"
	      "\tsize_t idx;\n"
	      "\n"
	      "\tif (size <= MA_SMALL_SIZE_MAX) {\n"
	      "\t\tidx = (size + MA_SMALL_SIZE_DIV - 1) / MA_SMALL_SIZE_DIV;\n"
	      "\t\treturn ma_size_to_class8[idx];\n"
	      "\t}\n"
	      "\tif (size <= MA_MAX_SMALL_SIZE) {\n"
	      "\t\tidx = (size - MA_SMALL_SIZE_MAX + MA_LARGE_SIZE_DIV - 1) /\n"
	      "\t\t      MA_LARGE_SIZE_DIV;\n"
	      "\t\treturn ma_size_to_class128[idx];\n"
	      "\t}\n"
	      "\treturn 0;\n"
	      "}\n"
	      "\n"
	      "#endif /* _MEMARENA_SIZECLASSES_H */\n", out);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s [--header] [--page-size N] [--go-spans] [-o FILE]\n"
		"  Generate memarena's size class tables (Go's mksizeclasses).\n"
		"  --header       write sizeclasses.h instead of sizeclasses.c\n"
		"  --page-size N  span page size, a power of two in %d..%d\n"
		"                 (default %d, Go's _PageSize)\n"
		"  --go-spans     Go's span sizes everywhere (no rule 7)\n"
		"  -o FILE        write to FILE (atomically) instead of stdout\n",
		progname, MIN_PAGE_SIZE, MAX_PAGE_SIZE, GO_PAGE_SIZE);
}

static uint32_t parse_page_size(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < MIN_PAGE_SIZE ||
	    v > MAX_PAGE_SIZE || !is_power_of_two(v))
		die("--page-size: '%s' is not a power of two in %d..%d",
		    s, MIN_PAGE_SIZE, MAX_PAGE_SIZE);
	return (uint32_t)v;
}

int main(int argc, char **argv)
{
	const char *outfile = NULL;
	bool header = false;
	char *tmpfile = NULL;
	FILE *out = stdout;
	unsigned int i;
	int arg, bad;

	for (arg = 1; arg < argc; arg++) {
		const char *a = argv[arg];

		if (!strcmp(a, "--header")) {
			header = true;
		} else if (!strcmp(a, "--page-size") && arg + 1 < argc) {
			page_size = parse_page_size(argv[++arg]);
		} else if (!strncmp(a, "--page-size=", 12)) {
			page_size = parse_page_size(a + 12);
		} else if (!strcmp(a, "--go-spans")) {
			go_spans = true;
		} else if (!strcmp(a, "-o") && arg + 1 < argc) {
			outfile = argv[++arg];
		} else {
			bool help = !strcmp(a, "-h") || !strcmp(a, "--help");

			usage(help ? stdout : stderr);
			return help ? 0 : 2;
		}
	}

	/* Everything is computed and checked before a byte is written. */
	make_classes();
	for (i = 1; i < nclasses; i++)
		compute_divmagic(i);
	make_lookup();

	if (outfile) {
		size_t len = strlen(outfile) + sizeof(".tmp");

		tmpfile = malloc(len);
		if (!tmpfile)
			die("out of memory");
		snprintf(tmpfile, len, "%s.tmp", outfile);
		out = fopen(tmpfile, "w");
		if (!out)
			die("%s: %s", tmpfile, strerror(errno));
	}

	if (header)
		print_header(out);
	else
		print_source(out);

	bad = ferror(out);
	if (out == stdout)
		bad |= fflush(out);
	else
		bad |= fclose(out);
	if (bad) {
		if (tmpfile)
			remove(tmpfile);
		die("%s: write error", tmpfile ? tmpfile : "stdout");
	}
	if (tmpfile) {
		if (rename(tmpfile, outfile)) {
			remove(tmpfile);
			die("%s: %s", outfile, strerror(errno));
		}
		free(tmpfile);
	}
	return 0;
}
