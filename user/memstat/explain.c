// SPDX-License-Identifier: GPL-2.0
/*
 * memstat explain: where Sys goes.  Sys is split into non-overlapping
 * parts the way Go's runtime/metrics splits /memory/classes/total:bytes,
 *
 *	heap objects	HeapAlloc			/memory/classes/heap/objects
 *	heap unused	HeapInuse - HeapAlloc		/memory/classes/heap/unused
 *	heap free	HeapIdle - HeapReleased		/memory/classes/heap/free
 *	heap released	HeapReleased			/memory/classes/heap/released
 *	span metadata	MSpanSys			/memory/classes/metadata/mspan/{inuse,free}
 *	cache metadata	MCacheSys			/memory/classes/metadata/mcache/{inuse,free}
 *	GC metadata	GCSys				/memory/classes/metadata/other
 *	other		OtherSys + StackSys + BuckHashSys
 *
 * which add up to Sys exactly, by the identities of every snapshot
 * (Documentation/memstats.rst, "Consistency"): HeapInuse + HeapIdle is
 * HeapSys, and Sys is the sum of the *Sys fields.  Each part comes with its
 * size, its share and one sentence.  Then the two questions people ask
 * about these numbers are answered with this machine's: why HeapInuse is
 * bigger than HeapAlloc, and why HeapInuse can be bigger than TotalAlloc
 * early on.  Those answers use the size-class table too (span tails, the
 * classes with spans in use), which over netlink is read right after the
 * statistics, a second snapshot.  When memarena withholds the table from
 * this user, the answers go without it: span tails and free slots are
 * one figure, the classes with spans are not counted (null in JSON), and
 * a note on stderr says why.
 *
 * With --go FILE the numbers are a Go program's (gostats.c reads them),
 * explained the same way: the same parts and answers, worded for a Go
 * program (struct voice).  Go publishes no span counts, so its answers
 * take the path of a withheld table; BySize, from expvar's JSON, still
 * counts the size classes holding objects, a floor on the spans in use.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "memstat.h"

#define NPARTS	8

/*
 * Whose numbers these are: the sentences that differ between memarena's
 * and a Go program's.  The parts, the figures and the answers are shared.
 */
struct voice {
	const char *source;		/* JSON "source" */
	const char *intro;		/* what Sys is, after "Sys is 22 MB: " */
	const char *desc[NPARTS];	/* one sentence per part */
	const char *no_split;		/* why tails and free slots are one figure */
	const char *pages;		/* how large objects and frees count */
	const char *no_spans;		/* why the classes' spans are not counted */
	const char *bysize_missing;	/* the note when the input has no classes */
};

static const struct voice memarena_voice = {
	.source = "memarena",
	.intro = "the memory memarena has obtained from the kernel.  It splits into\n"
		 "these parts, which do not overlap, as Go's runtime/metrics /memory/classes do:\n\n",
	.desc = {
		"Objects allocated and not yet freed, each at its size class's size (large objects at whole 4 KiB pages).",
		"Spans in use but not holding live objects: free slots, free objects parked in the per-CPU caches, span tails.",
		"Free spans kept for reuse by any size class or large object, which could go back to the page allocator.",
		"Free spans the scavenger gave back to the page allocator; HeapSys still counts them.",
		"Pages the span structures (one per span, in use or free) are carved from; MSpanInuse of it is in use.",
		"The per-CPU caches, one per possible CPU, allocated when the module loads.",
		"Metadata mapping addresses to spans: the heap arena index and each heap arena's page-to-span table.",
		"The module image (text, data, bss), user arena structures, per-CPU drain work and the heap profile: its buckets (BuckHashSys) and the records of live sampled objects; no stacks.",
	},
	.no_split = " (the size-class table,\n"
		    "             which tells them apart, is withheld from this user).\n",
	.pages = "  Large objects get whole 4 KiB pages, counted alike in both.  Freeing objects\n"
		 "  lowers HeapAlloc at once, HeapInuse only when a span's last slot is free.\n",
	.no_spans = "(The size-class table, which says how many spans\n"
		    "  each class has, is withheld from this user.)",
};

static const struct voice go_voice = {
	.source = "go",
	.intro = "the memory this Go program has obtained from the OS.  It splits\n"
		 "into these parts, which do not overlap, as runtime/metrics /memory/classes do:\n\n",
	.desc = {
		"Objects allocated and not yet freed by the GC's sweep (reachable or not), each at its size class's size (large objects at whole 8 KiB pages).",
		"Spans in use but not holding objects: free slots (the spans the mcaches allocate from among them), span tails.",
		"Free spans kept for reuse by any size class, large object or goroutine stack, which could go back to the OS.",
		"Free spans the scavenger returned to the OS; HeapSys still counts them, the program's RSS does not.",
		"Memory the mspan structures (one per span, in use or free) are allocated from; MSpanInuse of it is in use.",
		"Memory the mcache structures (one per P, GOMAXPROCS of them) are allocated from; MCacheInuse of it is in use.",
		"Metadata of the GC and the allocator: each heap arena's heap bitmap and page-to-span table, GC work buffers.",
		"Goroutine and OS thread stacks (StackSys), the profiling bucket hash table (BuckHashSys) and the runtime's other off-heap memory (OtherSys).",
	},
	.no_split = " (MemStats\n"
		    "             counts no spans, which would tell them apart).\n",
	.pages = "  Large objects get whole 8 KiB pages, counted alike in both.  The GC's sweep\n"
		 "  lowers HeapAlloc as it frees unreachable objects, HeapInuse only when it\n"
		 "  frees a span's last object.\n",
	.no_spans = "(MemStats does not say how many spans each size\n"
		    "  class has.)",
	.bysize_missing = "has no BySize (expvar's /debug/vars has it): the size classes holding objects are not counted",
};

struct part {
	const char *name;
	const char *fields;
	const char *metric;
	const char *desc;
	uint64_t bytes;
};

#define S(x)	(st->v[MEMARENA_A_STATS_##x])

/* The fields the parts need, all of which the kernel always sends. */
static const int needed[] = {
	MEMARENA_A_STATS_SYS, MEMARENA_A_STATS_HEAP_ALLOC,
	MEMARENA_A_STATS_HEAP_INUSE, MEMARENA_A_STATS_HEAP_IDLE,
	MEMARENA_A_STATS_HEAP_RELEASED, MEMARENA_A_STATS_MSPAN_SYS,
	MEMARENA_A_STATS_MCACHE_SYS, MEMARENA_A_STATS_GC_SYS,
	MEMARENA_A_STATS_OTHER_SYS, MEMARENA_A_STATS_STACK_SYS,
	MEMARENA_A_STATS_BUCK_HASH_SYS, MEMARENA_A_STATS_TOTAL_ALLOC,
};

static size_t make_parts(const struct ms_stats *st, const struct voice *v,
			 struct part *p)
{
	size_t n = 0;

	p[n++] = (struct part){
		"heap objects", "HeapAlloc", "/memory/classes/heap/objects:bytes",
		v->desc[0],
		S(HEAP_ALLOC) };
	p[n++] = (struct part){
		"heap unused", "HeapInuse - HeapAlloc", "/memory/classes/heap/unused:bytes",
		v->desc[1],
		S(HEAP_INUSE) - S(HEAP_ALLOC) };
	p[n++] = (struct part){
		"heap free", "HeapIdle - HeapReleased", "/memory/classes/heap/free:bytes",
		v->desc[2],
		S(HEAP_IDLE) - S(HEAP_RELEASED) };
	p[n++] = (struct part){
		"heap released", "HeapReleased", "/memory/classes/heap/released:bytes",
		v->desc[3],
		S(HEAP_RELEASED) };
	p[n++] = (struct part){
		"span metadata", "MSpanSys", "/memory/classes/metadata/mspan/{inuse,free}:bytes",
		v->desc[4],
		S(MSPAN_SYS) };
	p[n++] = (struct part){
		"cache metadata", "MCacheSys", "/memory/classes/metadata/mcache/{inuse,free}:bytes",
		v->desc[5],
		S(MCACHE_SYS) };
	p[n++] = (struct part){
		"GC metadata", "GCSys", "/memory/classes/metadata/other:bytes",
		v->desc[6],
		S(GC_SYS) };
	p[n++] = (struct part){
		"other", "OtherSys + StackSys + BuckHashSys",
		"/memory/classes/{other,os-stacks,heap/stacks,profiling/buckets}:bytes",
		v->desc[7],
		S(OTHER_SYS) + S(STACK_SYS) + S(BUCK_HASH_SYS) };
	return n;
}

static void print_share(uint64_t part, uint64_t whole)
{
	double share = whole ? (double)part / whole : 0;
	char buf[16];

	snprintf(buf, sizeof(buf), "%.1f%%", 100 * share);
	print_float(PRINT_JSON, "share", NULL, share);
	print_fp("%7s", buf);
}

/* What the size-class table says about the heap's in-use spans. */
struct span_facts {
	bool known;		/* the table was read, with span counts */
	bool live_known;	/* the table has live objects per class */
	unsigned int live_classes;	/* classes with live objects */
	uint64_t tails;		/* span bytes too small for one more object */
	uint64_t span_bytes;	/* bytes of small-object spans in use */
	uint64_t spans;		/* small-object spans in use */
	unsigned int classes;	/* classes with a span in use */
	uint64_t first_size;	/* the smallest class: object size */
	uint64_t first_span;	/* ... and span bytes */
};

static void span_facts(const struct ms_table *t, struct span_facts *f)
{
	const struct ms_row *r;
	size_t i;

	*f = (struct span_facts){
		.known = !t->withheld && t->n && t->rows[0].has[MEMARENA_A_CLASS_SPANS],
		.live_known = !t->withheld && t->n &&
			      t->rows[0].has[MEMARENA_A_CLASS_LIVE_OBJECTS],
	};
	for (i = 0; i < t->n; i++) {
		r = &t->rows[i];
		if (r->v[MEMARENA_A_CLASS_LIVE_OBJECTS])
			f->live_classes++;
		if (r->v[MEMARENA_A_CLASS_CLASS] == 1) {
			f->first_size = r->v[MEMARENA_A_CLASS_SIZE];
			f->first_span = r->v[MEMARENA_A_CLASS_SPAN_BYTES];
		}
		if (!r->v[MEMARENA_A_CLASS_SPANS])
			continue;
		f->classes++;
		f->spans += r->v[MEMARENA_A_CLASS_SPANS];
		f->span_bytes += r->v[MEMARENA_A_CLASS_SPANS] *
				 r->v[MEMARENA_A_CLASS_SPAN_BYTES];
		f->tails += r->v[MEMARENA_A_CLASS_SPANS] *
			    (r->v[MEMARENA_A_CLASS_SPAN_BYTES] -
			     r->v[MEMARENA_A_CLASS_OBJECTS_PER_SPAN] *
			     r->v[MEMARENA_A_CLASS_SIZE]);
	}
}

static const char *hb(char *buf, uint64_t v)
{
	return human_bytes(buf, HUMAN_BUFSZ, v, output_units());
}

/* Why HeapInuse > HeapAlloc, with this machine's numbers. */
static void why_inuse_alloc(const struct ms_stats *st, const struct voice *v,
			    const struct span_facts *f)
{
	bool has_cache = st->has[MEMARENA_A_STATS_CACHED_BYTES];
	uint64_t unused = S(HEAP_INUSE) - S(HEAP_ALLOC);
	uint64_t cached = has_cache ? S(CACHED_BYTES) : 0;
	uint64_t nobj = S(CACHED_OBJECTS), tails = f->tails, slots;
	char a[HUMAN_BUFSZ], b[HUMAN_BUFSZ], c[HUMAN_BUFSZ];

	/* Separate reads: clamp rather than print a negative remainder. */
	if (cached > unused)
		cached = unused;
	if (tails > unused - cached)
		tails = unused - cached;
	slots = unused - cached - tails;

	open_json_object("heap_inuse_over_heap_alloc");
	print_size(PRINT_JSON, "heap_inuse", NULL, S(HEAP_INUSE));
	print_size(PRINT_JSON, "heap_alloc", NULL, S(HEAP_ALLOC));
	print_size(PRINT_JSON, "difference", NULL, unused);
	if (has_cache) {
		print_size(PRINT_JSON, "cached_bytes", NULL, cached);
		print_count(PRINT_JSON, "cached_objects", NULL, nobj);
	} else {
		print_null(PRINT_JSON, "cached_bytes", NULL, NULL);
		print_null(PRINT_JSON, "cached_objects", NULL, NULL);
	}
	if (f->known) {
		print_size(PRINT_JSON, "span_tails", NULL, tails);
		print_size(PRINT_JSON, "free_slots", NULL, slots);
	} else {
		print_null(PRINT_JSON, "span_tails", NULL, NULL);
		print_null(PRINT_JSON, "free_slots", NULL, NULL);
	}
	close_json_object();

	print_fp("\nWhy is HeapInuse (%s) bigger than HeapAlloc (%s)?\n",
		 hb(a, S(HEAP_INUSE)), hb(b, S(HEAP_ALLOC)));
	print_fp("  HeapInuse counts whole spans in use, HeapAlloc only the objects allocated in\n"
		 "  them: a span stays in use while any of its slots is taken.  Here the %s\n"
		 "  between them (heap unused, above) is:\n", hb(a, unused));
	if (has_cache)
		print_fp("  %9s  in %s free objects held in the per-CPU caches (CachedBytes): free\n"
			 "             for HeapAlloc, but they keep their slots, so their spans stay in use;\n",
			 hb(a, cached), human_count(c, sizeof(c), nobj, output_units()));
	if (!f->known) {
		print_fp("  %9s  in span tails, the end of each span too small for one more object,\n"
			 "             and in free slots of partly used spans%s",
			 hb(a, unused - cached), v->no_split);
	} else {
		print_fp("  %9s  in span tails, the end of each span too small for one more object\n"
			 "             (the size-class table: spans x (span bytes - objects x size));\n",
			 hb(a, tails));
		print_fp("  %9s  in free slots of partly used spans, ready for the next allocations.\n",
			 hb(a, slots));
	}
	print_fp("%s", v->pages);
}

/* Why HeapInuse can exceed TotalAlloc early on. */
static void why_inuse_total(const struct ms_stats *st, const struct voice *v,
			    const struct span_facts *f)
{
	uint64_t inuse = S(HEAP_INUSE), total = S(TOTAL_ALLOC);
	char a[HUMAN_BUFSZ], b[HUMAN_BUFSZ], c[HUMAN_BUFSZ];

	open_json_object("heap_inuse_over_total_alloc");
	print_size(PRINT_JSON, "heap_inuse", NULL, inuse);
	print_size(PRINT_JSON, "total_alloc", NULL, total);
	print_bool(PRINT_JSON, "heap_inuse_is_bigger", NULL, inuse > total);
	if (f->live_known)
		print_count(PRINT_JSON, "classes_with_objects", NULL, f->live_classes);
	else
		print_null(PRINT_JSON, "classes_with_objects", NULL, NULL);
	if (f->known) {
		print_count(PRINT_JSON, "classes_with_spans", NULL, f->classes);
		print_count(PRINT_JSON, "spans", NULL, f->spans);
		print_size(PRINT_JSON, "span_bytes", NULL, f->span_bytes);
		print_size(PRINT_JSON, "smallest_object", NULL, f->first_size);
		print_size(PRINT_JSON, "smallest_span", NULL, f->first_span);
	} else {
		print_null(PRINT_JSON, "classes_with_spans", NULL, NULL);
		print_null(PRINT_JSON, "spans", NULL, NULL);
		print_null(PRINT_JSON, "span_bytes", NULL, NULL);
		print_null(PRINT_JSON, "smallest_object", NULL, NULL);
		print_null(PRINT_JSON, "smallest_span", NULL, NULL);
	}
	close_json_object();

	print_fp("\nWhy can HeapInuse be bigger than TotalAlloc early on?\n");
	if (!f->known) {
		print_fp("  TotalAlloc counts the bytes of objects ever allocated, HeapInuse the spans that\n"
			 "  hold objects now, and the first object of a size class takes a whole span of\n"
			 "  8 KiB or more.  Until the objects allocated outweigh the spans they opened,\n"
			 "  HeapInuse is the bigger.  %s", v->no_spans);
		if (f->live_known)
			print_fp("\n  Here %u size classes hold objects (BySize), so at least %u spans of\n"
				 "  8 KiB or more, %s, are in use, and\n", f->live_classes,
				 f->live_classes, hb(a, (uint64_t)f->live_classes * 8192));
		else
			print_fp("  Here:\n");
	} else {
		print_fp("  TotalAlloc counts the bytes of objects ever allocated, HeapInuse the spans that\n"
			 "  hold objects now, and the first object of a size class takes a whole span: one\n"
			 "  %s object adds %s to TotalAlloc and a span of %s to HeapInuse.  Until the\n"
			 "  objects allocated outweigh the spans they opened, HeapInuse is the bigger.\n",
			 hb(a, f->first_size), hb(b, f->first_size), hb(c, f->first_span));
		print_fp("  Here %u size classes have %s spans in use, %s of span memory, and\n",
			 f->classes, human_count(c, sizeof(c), f->spans, output_units()),
			 hb(a, f->span_bytes));
	}
	if (inuse == total)
		print_fp("  HeapInuse and TotalAlloc are both %s.\n", hb(a, inuse));
	else if (inuse > total)
		print_fp("  HeapInuse (%s) is bigger than TotalAlloc (%s) by %s.\n",
			 hb(a, inuse), hb(b, total), hb(c, inuse - total));
	else
		print_fp("  TotalAlloc (%s) has overtaken HeapInuse (%s): TotalAlloc only grows,\n"
			 "  while HeapInuse follows the live objects and the spans they need.\n",
			 hb(a, total), hb(b, inuse));
}

static int cmd_explain(struct ms_ctx *ctx, int argc, char **argv)
{
	const struct voice *v = ctx->go ? &go_voice : &memarena_voice;
	struct ms_table classes = { .optional = true };
	struct span_facts facts;
	struct part parts[NPARTS];
	uint64_t sum = 0;
	struct ms_stats st_;
	const struct ms_stats *st = &st_;
	char fmt[16], a[HUMAN_BUFSZ];
	size_t n, i;
	int rc;

	if (argc)
		return ms_usage_err("'explain' takes no arguments (a Go program's file goes with --go FILE)");
	rc = ctx->go ? ms_go_read(ctx->go, &st_, &classes) :
		       ms_read(ctx, &st_, &classes);
	if (rc)
		goto out;
	for (i = 0; i < ARRAY_SIZE(needed); i++) {
		if (!st->has[needed[i]]) {
			ms_err("%s is missing from the statistics", ms_fields[needed[i]].name);
			rc = EXIT_ERROR;
			goto out;
		}
	}
	if (S(HEAP_INUSE) < S(HEAP_ALLOC) || S(HEAP_IDLE) < S(HEAP_RELEASED)) {
		ms_err("inconsistent statistics: HeapInuse < HeapAlloc or HeapIdle < HeapReleased");
		rc = EXIT_ERROR;
		goto out;
	}
	n = make_parts(st, v, parts);
	span_facts(&classes, &facts);

	snprintf(fmt, sizeof(fmt), "%%%ds", ms_value_width());
	open_json_object(NULL);
	print_string(PRINT_JSON, "source", NULL, v->source);
	print_size(PRINT_JSON, "Sys", NULL, S(SYS));
	print_fp("Sys is %s: %s", hb(a, S(SYS)), v->intro);
	open_json_array("parts");
	for (i = 0; i < n; i++) {
		open_json_object(NULL);
		print_string(PRINT_ANY, "name", "  %-15s", parts[i].name);
		print_size(PRINT_ANY, "bytes", fmt, parts[i].bytes);
		print_share(parts[i].bytes, S(SYS));
		print_string(PRINT_ANY, "fields", "  %s\n", parts[i].fields);
		print_string(PRINT_JSON, "metric", NULL, parts[i].metric);
		print_string(PRINT_ANY, "description", "      %s\n", parts[i].desc);
		close_json_object();
		sum += parts[i].bytes;
	}
	close_json_array();
	print_fp("  %-15s", "total");
	print_size(PRINT_ANY, "sum", fmt, sum);
	print_share(sum, S(SYS));
	print_fp("  %s\n", sum == S(SYS) ? "= Sys" : "!= Sys");

	why_inuse_alloc(st, v, &facts);
	why_inuse_total(st, v, &facts);
	close_json_object();

	if (classes.withheld)
		ms_note_withheld("the size-class figures (span tails, classes with spans)");
	if (v->bysize_missing && !facts.live_known)
		ms_err("note: %s %s", strcmp(ctx->go, "-") ? ctx->go : "standard input",
		       v->bysize_missing);
	if (sum != S(SYS)) {
		ms_err("the parts add up to %" PRIu64 " bytes, but Sys is %" PRIu64
		       ": inconsistent statistics", sum, S(SYS));
		rc = EXIT_ERROR;
	}
out:
	ms_table_free(&classes);
	return rc;
}

MEMSTAT_COMMAND(explain, "explain", "[--go FILE]", FMTS_TEXT_JSON, OPT_GO, 0, cmd_explain,
		"Sys in non-overlapping parts (as Go's /memory/classes), each with its size,\n"
		"      share and meaning; why HeapInuse exceeds HeapAlloc, and why it can exceed\n"
		"      TotalAlloc early on, with this machine's numbers; --go FILE: with a Go\n"
		"      program's, from its /debug/pprof/heap?debug=1 or /debug/vars output");
