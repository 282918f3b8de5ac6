// SPDX-License-Identifier: GPL-2.0
/*
 * memstat profile: memarena's heap profile (MEMARENA_CMD_GET_PROFILE,
 * Documentation/memstats.rst "The heap profile") in Go's forms:
 *
 *   -f pprof  a gzipped profile.proto that 'go tool pprof' reads, as Go's
 *             writeHeapProto() writes it: sample types alloc_objects/count,
 *             alloc_space/bytes, inuse_objects/count, inuse_space/bytes;
 *             period type space/bytes, period the rate; each bucket's
 *             values scaled by 1 / (1 - exp(-avg / rate)) (Go's
 *             scaleHeapSample()); one Function and one Location per frame
 *             (no addresses: the kernel sends none); a "bytes" label, the
 *             object size.  The default when -o names a .pb.gz file.
 *   -f text   Go's /debug/pprof/heap?debug=1 text (writeHeapInternal()):
 *             "heap profile: ... @ heap/2*RATE", one record per bucket,
 *             largest in-use bytes first, with unscaled sample counts and
 *             its frames, tab-aligned as Go's text/tabwriter aligns
 *             them, then the "# runtime.MemStats" block.  Where Go
 *             prints program counters, memstat prints the location ids of
 *             the pprof form (0x1, 0x2, ...), and the file is the module
 *             ("vmlinux" for the kernel's own), line 0.
 *   --json    the buckets as the kernel sends them, plus the scaled
 *             estimates.
 *
 * memstat profile-rate RATE sets the rate (MEMARENA_CMD_SET_PROFILE_RATE).
 *
 * The protobuf code is protoc-c's, generated at build time from the
 * profile.proto of Debian's golang-github-google-pprof-dev, linked with
 * libprotobuf-c; gzip is zlib's.
 */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "memstat.h"
#include "profile.pb-c.h"

struct bucket {
	uint64_t v[__MEMARENA_A_PROFILE_MAX];	/* by attribute type */
	char **frames;
	size_t nframes;
};

struct profile {
	uint32_t rate;
	bool has_rate;
	uint64_t dropped;
	struct bucket *b;
	size_t n, cap;
};

#define B(b, x)		((b)->v[MEMARENA_A_PROFILE_##x])

static void profile_free(struct profile *p)
{
	size_t i, j;

	for (i = 0; i < p->n; i++) {
		for (j = 0; j < p->b[i].nframes; j++)
			free(p->b[i].frames[j]);
		free(p->b[i].frames);
	}
	free(p->b);
}

/* One GET_PROFILE message: scalars by type, frames in order. */
static int bucket_reply(struct nlmsghdr *nlh, void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct profile *p = arg;
	struct nlattr *a;
	struct bucket *b;
	char **frames;
	int rem, type;

	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct bucket *nb = realloc(p->b, cap * sizeof(*nb));

		if (!nb)
			return -ENOMEM;
		p->b = nb;
		p->cap = cap;
	}
	b = &p->b[p->n];
	memset(b, 0, sizeof(*b));
	p->n++;
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), rem) {
		type = nla_type(a);
		if (type == MEMARENA_A_PROFILE_FRAME) {
			frames = realloc(b->frames, (b->nframes + 1) * sizeof(*frames));
			if (!frames)
				return -ENOMEM;
			b->frames = frames;
			b->frames[b->nframes] = strndup(nla_data(a), nla_len(a));
			if (!b->frames[b->nframes])
				return -ENOMEM;
			b->nframes++;
		} else if (type == MEMARENA_A_PROFILE_RATE && nla_len(a) == 4) {
			p->rate = nla_get_u32(a);
			p->has_rate = true;
		} else if (type > MEMARENA_A_PROFILE_PAD &&
			   type < __MEMARENA_A_PROFILE_MAX && nla_len(a) == 8) {
			b->v[type] = nla_get_u64(a);
		}
	}
	p->dropped = B(b, DROPPED);
	if (B(b, FREES) > B(b, ALLOCS) || !b->nframes)
		return -EPROTO;
	return 0;
}

/* The rate, when no bucket carried it: the module parameter. */
static int read_rate_param(struct profile *p)
{
	FILE *f = fopen("/sys/module/memarena/parameters/profile_rate", "r");
	unsigned int rate;
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%u", &rate) == 1;
	fclose(f);
	if (!ok)
		return -EPROTO;
	p->rate = rate;
	p->has_rate = true;
	return 0;
}

static int read_profile(struct ms_ctx *ctx, struct profile *p)
{
	struct genl_error e;
	int err;

	err = ms_nl_open(ctx);
	if (err)
		return err;
	err = genl_conn_call(&ctx->nl, MEMARENA_CMD_GET_PROFILE, NLM_F_DUMP,
			     NULL, NULL, bucket_reply, p, &e);
	if (err == -EPERM)
		return ms_kernel_err_hint("reading the heap profile", err, &e,
					  "; it needs CAP_SYS_ADMIN (run memstat as root)");
	if (err)
		return ms_kernel_err("reading the heap profile", err, &e);
	if (!p->has_rate && read_rate_param(p)) {
		ms_err("reading the heap profile: no bucket, and no profile_rate parameter to read");
		return EXIT_ERROR;
	}
	return 0;
}

/* Go's scaleHeapSample(): estimates of what the samples stand for. */
static void scale(uint64_t count, uint64_t bytes, uint32_t rate,
		  int64_t *ecount, int64_t *ebytes)
{
	double s;

	if (!count || !bytes) {
		*ecount = 0;
		*ebytes = 0;
		return;
	}
	if (rate <= 1) {
		*ecount = count;
		*ebytes = bytes;
		return;
	}
	s = 1 / (1 - exp(-((double)bytes / count) / rate));
	*ecount = (int64_t)(count * s);
	*ebytes = (int64_t)(bytes * s);
}

/* "f+0x1c [mod]" -> function "f", offset 0x1c, file "mod.ko" ("vmlinux"). */
static void split_frame(const char *frame, char *fn, size_t fnlen,
			uint64_t *off, char *file, size_t filelen)
{
	const char *plus = strchr(frame, '+');
	const char *mod = strchr(frame, '[');
	size_t n;

	n = plus ? (size_t)(plus - frame) : strcspn(frame, " ");
	snprintf(fn, fnlen, "%.*s", (int)n, frame);
	*off = plus ? strtoull(plus + 1, NULL, 16) : 0;
	if (mod) {
		n = strcspn(mod + 1, " ]");
		snprintf(file, filelen, "%.*s.ko", (int)n, mod + 1);
	} else {
		snprintf(file, filelen, "vmlinux");
	}
}

/* --- the pprof form ------------------------------------------------------ */

/* The tables a profile.proto needs, built as the buckets are walked. */
struct pb {
	char **strings;
	size_t nstrings;
	Perftools__Profiles__Function **funcs;
	size_t nfuncs;
	Perftools__Profiles__Location **locs;
	char **loc_frames;		/* the frame each location stands for */
	size_t nlocs;
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		ms_err("out of memory");
		exit(EXIT_ERROR);
	}
	return p;
}

static void *xgrow(void *p, size_t n, size_t size)
{
	p = realloc(p, (n + 1) * size);
	if (!p) {
		ms_err("out of memory");
		exit(EXIT_ERROR);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		ms_err("out of memory");
		exit(EXIT_ERROR);
	}
	return d;
}

static int64_t pb_string(struct pb *t, const char *s)
{
	size_t i;

	for (i = 0; i < t->nstrings; i++)
		if (!strcmp(t->strings[i], s))
			return i;
	t->strings = xgrow(t->strings, t->nstrings, sizeof(*t->strings));
	t->strings[t->nstrings] = xstrdup(s);
	return t->nstrings++;
}

static uint64_t pb_function(struct pb *t, const char *name, const char *file)
{
	int64_t n = pb_string(t, name), f = pb_string(t, file);
	Perftools__Profiles__Function *fn;
	size_t i;

	for (i = 0; i < t->nfuncs; i++)
		if (t->funcs[i]->name == n && t->funcs[i]->filename == f)
			return t->funcs[i]->id;
	fn = xcalloc(1, sizeof(*fn));
	perftools__profiles__function__init(fn);
	fn->id = t->nfuncs + 1;
	fn->name = n;
	fn->system_name = n;
	fn->filename = f;
	t->funcs = xgrow(t->funcs, t->nfuncs, sizeof(*t->funcs));
	t->funcs[t->nfuncs++] = fn;
	return fn->id;
}

/* The location of a frame string: one per distinct frame. */
static uint64_t pb_location(struct pb *t, const char *frame)
{
	Perftools__Profiles__Location *loc;
	Perftools__Profiles__Line *line;
	char fn[256], file[128];
	uint64_t off;
	size_t i;

	for (i = 0; i < t->nlocs; i++)
		if (!strcmp(t->loc_frames[i], frame))
			return t->locs[i]->id;
	split_frame(frame, fn, sizeof(fn), &off, file, sizeof(file));
	line = xcalloc(1, sizeof(*line));
	perftools__profiles__line__init(line);
	line->function_id = pb_function(t, fn, file);
	loc = xcalloc(1, sizeof(*loc));
	perftools__profiles__location__init(loc);
	loc->id = t->nlocs + 1;
	loc->n_line = 1;
	loc->line = xcalloc(1, sizeof(*loc->line));
	loc->line[0] = line;
	t->locs = xgrow(t->locs, t->nlocs, sizeof(*t->locs));
	t->loc_frames = xgrow(t->loc_frames, t->nlocs, sizeof(*t->loc_frames));
	t->locs[t->nlocs] = loc;
	t->loc_frames[t->nlocs++] = xstrdup(frame);
	return loc->id;
}

static Perftools__Profiles__ValueType *pb_type(struct pb *t, const char *type,
					       const char *unit)
{
	Perftools__Profiles__ValueType *v = xcalloc(1, sizeof(*v));

	perftools__profiles__value_type__init(v);
	v->type = pb_string(t, type);
	v->unit = pb_string(t, unit);
	return v;
}

static int write_pprof(const struct profile *p)
{
	Perftools__Profiles__Profile pr = PERFTOOLS__PROFILES__PROFILE__INIT;
	Perftools__Profiles__Mapping *map;
	static const char *const types[][2] = {
		{ "alloc_objects", "count" }, { "alloc_space", "bytes" },
		{ "inuse_objects", "count" }, { "inuse_space", "bytes" },
	};
	struct pb t = { 0 };
	struct timespec now;
	size_t i, j, len;
	uint8_t *buf;
	gzFile gz;
	int fd;

	if (isatty(STDOUT_FILENO)) {
		ms_err("profile: -f pprof is gzipped binary: give -o FILE.pb.gz or redirect stdout");
		return EXIT_ERROR;
	}
	pb_string(&t, "");			/* string_table[0] is "" */
	pr.n_sample_type = ARRAY_SIZE(types);
	pr.sample_type = xcalloc(ARRAY_SIZE(types), sizeof(*pr.sample_type));
	for (i = 0; i < ARRAY_SIZE(types); i++)
		pr.sample_type[i] = pb_type(&t, types[i][0], types[i][1]);
	pr.period_type = pb_type(&t, "space", "bytes");
	pr.period = p->rate;
	clock_gettime(CLOCK_REALTIME, &now);
	pr.time_nanos = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;

	pr.n_sample = p->n;
	pr.sample = xcalloc(p->n, sizeof(*pr.sample));
	for (i = 0; i < p->n; i++) {
		const struct bucket *b = &p->b[i];
		Perftools__Profiles__Sample *s = xcalloc(1, sizeof(*s));
		Perftools__Profiles__Label *l = xcalloc(1, sizeof(*l));

		perftools__profiles__sample__init(s);
		s->n_value = 4;
		s->value = xcalloc(4, sizeof(*s->value));
		scale(B(b, ALLOCS), B(b, ALLOC_BYTES), p->rate,
		      &s->value[0], &s->value[1]);
		scale(B(b, ALLOCS) - B(b, FREES),
		      B(b, ALLOC_BYTES) - B(b, FREE_BYTES), p->rate,
		      &s->value[2], &s->value[3]);
		s->n_location_id = b->nframes;
		s->location_id = xcalloc(b->nframes, sizeof(*s->location_id));
		for (j = 0; j < b->nframes; j++)
			s->location_id[j] = pb_location(&t, b->frames[j]);
		perftools__profiles__label__init(l);
		l->key = pb_string(&t, "bytes");
		l->num = B(b, SIZE);
		s->n_label = 1;
		s->label = xcalloc(1, sizeof(*s->label));
		s->label[0] = l;
		pr.sample[i] = s;
	}
	if (p->dropped) {
		char c[96];

		snprintf(c, sizeof(c), "memarena: %" PRIu64 " samples dropped (memory was short)",
			 p->dropped);
		pr.n_comment = 1;
		pr.comment = xcalloc(1, sizeof(*pr.comment));
		pr.comment[0] = pb_string(&t, c);
	}
	/*
	 * One mapping for all of the kernel, already symbolised, so that
	 * pprof neither looks for a binary nor tries to symbolise.
	 */
	map = xcalloc(1, sizeof(*map));
	perftools__profiles__mapping__init(map);
	map->id = 1;
	map->filename = pb_string(&t, "[kernel]");
	map->has_functions = 1;
	pr.n_mapping = 1;
	pr.mapping = &map;
	for (i = 0; i < t.nlocs; i++)
		t.locs[i]->mapping_id = map->id;
	pr.n_location = t.nlocs;
	pr.location = t.locs;
	pr.n_function = t.nfuncs;
	pr.function = t.funcs;
	pr.n_string_table = t.nstrings;
	pr.string_table = t.strings;

	len = perftools__profiles__profile__get_packed_size(&pr);
	buf = xcalloc(len, 1);
	perftools__profiles__profile__pack(&pr, buf);

	/* The process exits right after: the tables are not freed. */
	fflush(stdout);
	fd = dup(STDOUT_FILENO);
	gz = fd < 0 ? NULL : gzdopen(fd, "wb");
	if (!gz || gzwrite(gz, buf, len) != (int)len || gzclose(gz) != Z_OK) {
		ms_err("profile: writing the gzipped profile failed");
		free(buf);
		return EXIT_ERROR;
	}
	free(buf);
	return EXIT_OK;
}

/* --- Go's debug=1 text ----------------------------------------------------- */

static int by_inuse_bytes(const void *a, const void *b)
{
	const struct bucket *x = a, *y = b;
	uint64_t ix = B(x, ALLOC_BYTES) - B(x, FREE_BYTES);
	uint64_t iy = B(y, ALLOC_BYTES) - B(y, FREE_BYTES);

	return ix < iy ? 1 : ix > iy ? -1 : 0;
}

/*
 * Print @n lines of tab-separated cells as Go's debug=1 writer does,
 * through text/tabwriter.NewWriter(w, 1, 8, 1, '\t', 0): a cell ended by
 * a tab is padded with tabs to its column's width, which is the widest
 * such cell of the column's block (the run of consecutive lines that
 * have a tab-ended cell in that column) plus one, rounded up to 8.  The
 * last cell of a line is not aligned.  Lines without tabs end every
 * block, so each record's frames are one set of blocks.
 */
#define TAB_CELLS	4

static void print_tabbed(char **lines, size_t n)
{
	size_t i, j, k, w[TAB_CELLS], ncells, len;
	char *cell[TAB_CELLS + 1], *c;
	size_t *cols = xcalloc(n, sizeof(*cols));
	size_t *width = xcalloc(n * TAB_CELLS, sizeof(*width));

	for (i = 0; i < n; i++)
		for (c = lines[i]; (c = strchr(c, '\t')) && cols[i] < TAB_CELLS; c++)
			cols[i]++;
	/* Column k's blocks: runs of lines with more than k tab-ended cells. */
	for (k = 0; k < TAB_CELLS; k++) {
		for (i = 0; i < n; i = j) {
			if (cols[i] <= k) {
				j = i + 1;
				continue;
			}
			w[k] = 1;
			for (j = i; j < n && cols[j] > k; j++) {
				for (c = lines[j], ncells = 0; ncells < k; ncells++)
					c = strchr(c, '\t') + 1;
				len = strcspn(c, "\t") + 1;
				if (len > w[k])
					w[k] = len;
			}
			w[k] = (w[k] + 7) / 8 * 8;
			while (i < j)
				width[i++ * TAB_CELLS + k] = w[k];
		}
	}
	for (i = 0; i < n; i++) {
		cell[0] = lines[i];
		for (k = 0; k < cols[i]; k++) {
			c = strchr(cell[k], '\t');
			len = c - cell[k];
			printf("%.*s", (int)len, cell[k]);
			for (j = 0; j < (width[i * TAB_CELLS + k] - len + 7) / 8; j++)
				putchar('\t');
			cell[k + 1] = c + 1;
		}
		printf("%s\n", cell[cols[i]]);
	}
	free(cols);
	free(width);
}

static int write_text(struct ms_ctx *ctx, struct profile *p)
{
	uint64_t tot[4] = { 0 };
	struct ms_stats st;
	struct pb t = { 0 };
	char fn[256], file[128];
	uint64_t off, id;
	char **lines;
	size_t i, j;
	int rc;

	/* The MemStats block Go ends with: read now, before printing. */
	rc = ms_nl_stats(ctx, &st);
	if (rc)
		return rc;
	qsort(p->b, p->n, sizeof(*p->b), by_inuse_bytes);
	for (i = 0; i < p->n; i++) {
		tot[0] += B(&p->b[i], ALLOCS) - B(&p->b[i], FREES);
		tot[1] += B(&p->b[i], ALLOC_BYTES) - B(&p->b[i], FREE_BYTES);
		tot[2] += B(&p->b[i], ALLOCS);
		tot[3] += B(&p->b[i], ALLOC_BYTES);
	}
	printf("heap profile: %" PRIu64 ": %" PRIu64 " [%" PRIu64 ": %" PRIu64 "] @ heap/%" PRIu64 "\n",
	       tot[0], tot[1], tot[2], tot[3], 2 * (uint64_t)p->rate);
	for (i = 0; i < p->n; i++) {
		const struct bucket *b = &p->b[i];

		printf("%" PRIu64 ": %" PRIu64 " [%" PRIu64 ": %" PRIu64 "] @",
		       B(b, ALLOCS) - B(b, FREES), B(b, ALLOC_BYTES) - B(b, FREE_BYTES),
		       B(b, ALLOCS), B(b, ALLOC_BYTES));
		for (j = 0; j < b->nframes; j++)
			printf(" %#" PRIx64, pb_location(&t, b->frames[j]));
		putchar('\n');
		lines = xcalloc(b->nframes, sizeof(*lines));
		for (j = 0; j < b->nframes; j++) {
			id = pb_location(&t, b->frames[j]);
			split_frame(b->frames[j], fn, sizeof(fn), &off, file, sizeof(file));
			/* As Go prints a frame without a function. */
			if (!strcmp(b->frames[j], "?") ?
			    asprintf(&lines[j], "#\t%#" PRIx64, id) < 0 :
			    asprintf(&lines[j], "#\t%#" PRIx64 "\t%s+%#" PRIx64 "\t%s:0",
				     id, fn, off, file) < 0) {
				ms_err("out of memory");
				return EXIT_ERROR;
			}
		}
		print_tabbed(lines, b->nframes);
		for (j = 0; j < b->nframes; j++)
			free(lines[j]);
		free(lines);
		putchar('\n');
	}
	putchar('\n');
	ms_pprof(&st);
	return EXIT_OK;
}

/* --- JSON ------------------------------------------------------------------ */

static void write_json(const struct profile *p)
{
	int64_t est[4];
	size_t i, j;

	open_json_object(NULL);
	print_u64(PRINT_JSON, "rate", NULL, p->rate);
	print_u64(PRINT_JSON, "dropped", NULL, p->dropped);
	open_json_array("buckets");
	for (i = 0; i < p->n; i++) {
		const struct bucket *b = &p->b[i];

		scale(B(b, ALLOCS), B(b, ALLOC_BYTES), p->rate, &est[0], &est[1]);
		scale(B(b, ALLOCS) - B(b, FREES), B(b, ALLOC_BYTES) - B(b, FREE_BYTES),
		      p->rate, &est[2], &est[3]);
		open_json_object(NULL);
		print_u64(PRINT_JSON, "id", NULL, B(b, ID));
		print_u64(PRINT_JSON, "size", NULL, B(b, SIZE));
		print_u64(PRINT_JSON, "allocs", NULL, B(b, ALLOCS));
		print_u64(PRINT_JSON, "alloc_bytes", NULL, B(b, ALLOC_BYTES));
		print_u64(PRINT_JSON, "frees", NULL, B(b, FREES));
		print_u64(PRINT_JSON, "free_bytes", NULL, B(b, FREE_BYTES));
		print_u64(PRINT_JSON, "alloc_objects_estimate", NULL, est[0]);
		print_u64(PRINT_JSON, "alloc_space_estimate", NULL, est[1]);
		print_u64(PRINT_JSON, "inuse_objects_estimate", NULL, est[2]);
		print_u64(PRINT_JSON, "inuse_space_estimate", NULL, est[3]);
		open_json_array("frames");
		for (j = 0; j < b->nframes; j++)
			print_string(PRINT_JSON, NULL, NULL, b->frames[j]);
		close_json_array();
		close_json_object();
	}
	close_json_array();
	close_json_object();
}

static int cmd_profile(struct ms_ctx *ctx, int argc, char **argv)
{
	struct profile p = { 0 };
	int rc;

	if (argc)
		return ms_usage_err("'profile' takes no arguments (the rate: 'memstat profile-rate RATE')");
	rc = read_profile(ctx, &p);
	if (rc)
		goto out;
	if (!p.rate && !p.n)
		fprintf(stderr, "memstat: note: heap profiling is off (profile_rate 0): 'memstat profile-rate 512Ki' turns it on\n");
	if (ctx->format == FMT_PPROF)
		rc = write_pprof(&p);
	else if (ctx->format == FMT_JSON)
		write_json(&p);
	else
		rc = write_text(ctx, &p);
out:
	profile_free(&p);
	return rc;
}

MEMSTAT_COMMAND(profile, "profile", "", FMTS_TEXT_JSON | FMT(FMT_PPROF), 0,
		CMD_NETLINK | CMD_PPROF_DEFAULT, cmd_profile,
		"the heap profile: sampled allocations by kernel call stack; -f pprof\n"
		"      (the default with -o FILE.pb.gz) for 'go tool pprof', -f text\n"
		"      for Go's debug=1 form (needs CAP_SYS_ADMIN)");

static int put_rate(struct nl_msg *msg, void *arg)
{
	return nla_put_u32(msg, MEMARENA_A_CTL_PROFILE_RATE, *(uint32_t *)arg) ?
	       -EMSGSIZE : 0;
}

static int cmd_profile_rate(struct ms_ctx *ctx, int argc, char **argv)
{
	struct genl_error e;
	uint64_t rate;
	uint32_t r;
	int err;

	if (argc != 1)
		return ms_usage_err("'profile-rate' takes one RATE: bytes between samples, 512Ki (Go's default), 1 (every allocation), 0 or off");
	if (!strcasecmp(argv[0], "off"))
		rate = 0;
	else if (parse_size(argv[0], &rate) || rate > UINT32_MAX)
		return ms_usage_err("bad rate '%s': give bytes up to 4Gi-1, with k, M, G or Ki, Mi, Gi, or 0 or off",
				    argv[0]);
	r = rate;
	err = ms_nl_open(ctx);
	if (err)
		return err;
	err = genl_conn_call(&ctx->nl, MEMARENA_CMD_SET_PROFILE_RATE, 0,
			     put_rate, &r, NULL, NULL, &e);
	if (err)
		return ms_kernel_err("profile-rate", err, &e);
	open_json_object(NULL);
	print_u64(PRINT_JSON, "profile_rate", NULL, r);
	if (r)
		print_fp("heap profile: one sample per %" PRIu32 " bytes allocated, on average\n", r);
	else
		print_fp("heap profile: sampling off\n");
	close_json_object();
	return EXIT_OK;
}

MEMSTAT_COMMAND(profile_rate, "profile-rate", "RATE", FMTS_TEXT_JSON, 0,
		CMD_NETLINK, cmd_profile_rate,
		"set the heap profile's sampling rate, Go's MemProfileRate (512Ki;\n"
		"      1: every allocation; 0 or off) (needs CAP_NET_ADMIN)");
