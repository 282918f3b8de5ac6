// SPDX-License-Identifier: GPL-2.0
/*
 * A Go program's runtime.MemStats, for 'memstat explain --go FILE'.  Two
 * inputs are read, told apart by their first character:
 *
 *	'{'	expvar's /debug/vars: a JSON object whose "memstats" member
 *		holds the MemStats fields by Go's names, BySize as an array
 *		of {"Size", "Mallocs", "Frees"}; other members ("cmdline",
 *		the program's own variables) are skipped
 *	else	/debug/pprof/heap?debug=1 (or allocs?debug=1): heap profile
 *		records, skipped, then the "# runtime.MemStats" block that
 *		pprof.c prints for memarena, read by the same table of lines
 *		(ms_pprof_lines); lines it does not know, such as "# MaxRSS",
 *		are skipped
 *
 * The values land in a struct ms_stats under the MEMARENA_A_STATS_* of the
 * same name: only Go's fields, never memarena's own (CachedBytes, ...),
 * which a Go program does not have.  BySize becomes one ms_row per size
 * class, its index, size, mallocs, frees and live objects: no span
 * counts, which Go does not publish.
 *
 * The fields explain needs must be there, and the identities every
 * MemStats satisfies must hold (HeapInuse + HeapIdle = HeapSys, Sys = the
 * sum of the *Sys fields): otherwise one line says what is wrong.  The
 * JSON parser is a small recursive descent over the whole input, with a
 * depth limit; it checks the syntax of what it skips too.
 */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memstat.h"

/* Inputs bigger than this are refused rather than read into memory. */
#define GO_INPUT_MAX	(256u << 20)
/* Nesting deeper than this in skipped JSON values is refused. */
#define JSON_DEPTH_MAX	64
/* Go has 68 size classes at most; room for a few more. */
#define BYSIZE_MAX	256

struct go_input {
	const char *name;	/* the file, or "standard input" */
	struct ms_stats *st;
	struct ms_table *bysize;
	const char *what;	/* "runtime.MemStats block", "memstats" */
};

/* Only Go's MemStats fields, by Go's exact name. */
static int go_field(const char *name, size_t len)
{
	int attr;

	for (attr = MEMARENA_A_STATS_ALLOC; attr <= MEMARENA_A_STATS_DEBUG_GC; attr++)
		if (ms_fields[attr].name && strlen(ms_fields[attr].name) == len &&
		    !memcmp(ms_fields[attr].name, name, len))
			return attr;
	return -1;
}

/* A u64 in decimal, nothing else: [s, end). */
static bool go_u64(const char *s, const char *end, uint64_t *v)
{
	uint64_t x = 0;

	if (s == end)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9' || x > (UINT64_MAX - (*s - '0')) / 10)
			return false;
		x = x * 10 + (*s - '0');
	}
	*v = x;
	return true;
}

/* GCCPUFraction, as Go prints a float64 ("0", "0.0012", "1.5e-05"): ppb. */
static bool go_fraction(const char *s, const char *end, uint64_t *ppb)
{
	char buf[64], *e;
	double d;

	if (end - s <= 0 || end - s >= (long)sizeof(buf))
		return false;
	memcpy(buf, s, end - s);
	buf[end - s] = '\0';
	if (!strchr("0123456789", buf[0]))
		return false;
	d = strtod(buf, &e);
	if (*e || !isfinite(d) || d < 0 || d > 1e9)
		return false;
	*ppb = llround(d * 1e9);
	return true;
}

static bool go_bool(const char *s, const char *end, uint64_t *v)
{
	if (end - s == 4 && !memcmp(s, "true", 4))
		*v = 1;
	else if (end - s == 5 && !memcmp(s, "false", 5))
		*v = 0;
	else
		return false;
	return true;
}

/* One scalar statistic, from its text; false if malformed. */
static bool go_scalar(struct ms_stats *st, int attr, const char *s, const char *end)
{
	bool ok;

	switch (ms_fields[attr].kind) {
	case K_PPB:
		ok = go_fraction(s, end, &st->v[attr]);
		break;
	case K_BOOL:
		ok = go_bool(s, end, &st->v[attr]);
		break;
	default:
		ok = go_u64(s, end, &st->v[attr]);
		break;
	}
	st->has[attr] = ok;
	return ok;
}

static uint64_t *go_ring(struct ms_stats *st, int attr)
{
	if (ms_fields[attr].kind == K_RING_NS)
		return st->pause_ns;
	if (ms_fields[attr].kind == K_RING_TIME)
		return st->pause_end;
	return NULL;
}

/* --- /debug/pprof/heap?debug=1 ------------------------------------------ */

/* "[1 2 3 ...]": exactly the ring's entries. */
static bool pprof_ring(const char *s, const char *end, uint64_t *ring)
{
	const char *w;
	unsigned int i = 0;

	if (end - s < 2 || *s != '[' || end[-1] != ']')
		return false;
	for (s++, end--; s < end; s = w + 1) {
		for (w = s; w < end && *w != ' '; w++)
			;
		if (i == MEMARENA_PAUSE_RING || !go_u64(s, w, &ring[i++]))
			return false;
	}
	return i == MEMARENA_PAUSE_RING;
}

/* "Name = value" (after "# "): the line of the table it names, if any. */
static int pprof_line(struct go_input *in, char *line, unsigned int lineno)
{
	const struct ms_pprof_line *l = NULL;
	char *eq = strstr(line, " = "), *val, *end, *slash;
	struct ms_stats *st = in->st;
	size_t i;
	bool ok;

	if (!eq || eq == line)
		goto bad;
	val = eq + 3;
	end = val + strlen(val);
	for (i = 0; i < ms_pprof_nlines; i++)
		if (strlen(ms_pprof_lines[i].name) == (size_t)(eq - line) &&
		    !memcmp(ms_pprof_lines[i].name, line, eq - line))
			l = &ms_pprof_lines[i];
	if (!l)
		return 0;	/* MaxRSS, or newer: not MemStats' */
	if (l->attr2) {
		slash = strstr(val, " / ");
		ok = slash && go_u64(val, slash, &st->v[l->attr]) &&
		     go_u64(slash + 3, end, &st->v[l->attr2]);
		st->has[l->attr] = st->has[l->attr2] = ok;
	} else if (go_ring(st, l->attr)) {
		ok = pprof_ring(val, end, go_ring(st, l->attr));
		st->has[l->attr] = ok;
	} else {
		ok = go_scalar(st, l->attr, val, end);
	}
	if (ok)
		return 0;
	ms_err("%s:%u: bad value for %s in the runtime.MemStats block", in->name,
	       lineno, l->name);
	return EXIT_ERROR;
bad:
	ms_err("%s:%u: expected \"# Name = value\" in the runtime.MemStats block",
	       in->name, lineno);
	return EXIT_ERROR;
}

static int read_pprof(struct go_input *in, FILE *f)
{
	unsigned int lineno = 0;
	bool in_block = false;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	int err = 0;

	in->what = "runtime.MemStats block";
	while (!err && (len = getline(&buf, &cap, f)) >= 0) {
		lineno++;
		if (len > 0 && buf[len - 1] == '\n')
			buf[--len] = '\0';
		if (len > 0 && buf[len - 1] == '\r')
			buf[--len] = '\0';
		if (!strcmp(buf, "# runtime.MemStats")) {
			if (in_block) {
				ms_err("%s:%u: a second runtime.MemStats block", in->name, lineno);
				err = EXIT_ERROR;
			}
			in_block = true;
		} else if (in_block && buf[0]) {
			if (strncmp(buf, "# ", 2)) {
				ms_err("%s:%u: expected \"# Name = value\" in the runtime.MemStats block",
				       in->name, lineno);
				err = EXIT_ERROR;
			} else {
				err = pprof_line(in, buf + 2, lineno);
			}
		}
	}
	free(buf);
	if (!err && ferror(f)) {
		ms_err("%s: %s", in->name, strerror(errno));
		err = EXIT_ERROR;
	}
	if (!err && !in_block) {
		ms_err("%s: neither a Go heap profile (/debug/pprof/heap?debug=1, with its \"# runtime.MemStats\" block) nor expvar JSON (/debug/vars)",
		       in->name);
		err = EXIT_ERROR;
	}
	return err;
}

/* --- expvar's /debug/vars ----------------------------------------------- */

struct json {
	const char *start, *p, *end;
	const char *err;	/* what was expected where p stopped */
};

static bool json_fail(struct json *j, const char *what)
{
	if (!j->err)
		j->err = what;
	return false;
}

static void json_ws(struct json *j)
{
	while (j->p < j->end && strchr(" \t\r\n", *j->p) && *j->p)
		j->p++;
}

static bool json_eat(struct json *j, char c)
{
	json_ws(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return true;
	}
	return false;
}

/* A string: [*s, *e) is its raw content, escapes left as they are. */
static bool json_string(struct json *j, const char **s, const char **e)
{
	const char *p;

	if (!json_eat(j, '"'))
		return json_fail(j, "a string");
	for (p = j->p; p < j->end && *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return json_fail(j, "a string without control characters");
		if (*p == '\\' && ++p == j->end)
			break;
	}
	if (p == j->end)
		return json_fail(j, "the end of a string");
	*s = j->p;
	*e = p;
	j->p = p + 1;
	return true;
}

/* A number's text, as JSON's grammar has it: [*s, *e). */
static bool json_number(struct json *j, const char **s, const char **e)
{
	const char *p;

	json_ws(j);
	p = j->p;
	if (p < j->end && *p == '-')
		p++;
	if (p == j->end || *p < '0' || *p > '9')
		return json_fail(j, "a value");
	if (*p == '0')
		p++;
	else
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	if (p < j->end && *p == '.') {
		if (++p == j->end || *p < '0' || *p > '9')
			return json_fail(j, "digits after a decimal point");
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < j->end && (*p == 'e' || *p == 'E')) {
		if (++p < j->end && (*p == '+' || *p == '-'))
			p++;
		if (p == j->end || *p < '0' || *p > '9')
			return json_fail(j, "digits in an exponent");
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	}
	*s = j->p;
	*e = p;
	j->p = p;
	return true;
}

static bool json_word(struct json *j, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
		return json_fail(j, "a value");
	j->p += n;
	return true;
}

/*
 * Iterate over an object's members: json_member() reads '{' or ',', the
 * key and ':', and says whether there is one; the caller then reads the
 * value.
 */
static bool json_member(struct json *j, bool *first, const char **k, const char **ke,
			bool *more)
{
	if (*first) {
		*first = false;
		if (!json_eat(j, '{'))
			return json_fail(j, "an object");
		if (json_eat(j, '}')) {
			*more = false;
			return true;
		}
	} else if (json_eat(j, '}')) {
		*more = false;
		return true;
	} else if (!json_eat(j, ',')) {
		return json_fail(j, "',' or '}'");
	}
	if (!json_string(j, k, ke) || !json_eat(j, ':'))
		return json_fail(j, "\"key\":");
	*more = true;
	return true;
}

/* The same for an array's elements. */
static bool json_element(struct json *j, bool *first, bool *more)
{
	if (*first) {
		*first = false;
		if (!json_eat(j, '['))
			return json_fail(j, "an array");
		*more = !json_eat(j, ']');
		return true;
	}
	if (json_eat(j, ']')) {
		*more = false;
		return true;
	}
	if (!json_eat(j, ','))
		return json_fail(j, "',' or ']'");
	*more = true;
	return true;
}

static bool json_skip(struct json *j, int depth)
{
	const char *s, *e;
	bool first = true, more;

	if (depth > JSON_DEPTH_MAX)
		return json_fail(j, "less nesting");
	json_ws(j);
	if (j->p == j->end)
		return json_fail(j, "a value");
	switch (*j->p) {
	case '{':
		while (json_member(j, &first, &s, &e, &more) && more)
			if (!json_skip(j, depth + 1))
				return false;
		return !j->err;
	case '[':
		while (json_element(j, &first, &more) && more)
			if (!json_skip(j, depth + 1))
				return false;
		return !j->err;
	case '"':
		return json_string(j, &s, &e);
	case 't':
		return json_word(j, "true");
	case 'f':
		return json_word(j, "false");
	case 'n':
		return json_word(j, "null");
	default:
		return json_number(j, &s, &e);
	}
}

static bool json_u64(struct json *j, uint64_t *v)
{
	const char *s, *e;

	if (!json_number(j, &s, &e))
		return false;
	if (!go_u64(s, e, v))
		return json_fail(j, "an unsigned integer");
	return true;
}

static bool json_key_is(const char *k, const char *ke, const char *name)
{
	return (size_t)(ke - k) == strlen(name) && !memcmp(k, name, ke - k);
}

/* A statistic's value: a number or a boolean, as its kind has it. */
static bool json_stat(struct json *j, struct ms_stats *st, int attr)
{
	const char *s, *e;
	uint64_t *ring = go_ring(st, attr);
	bool first = true, more;
	unsigned int n = 0;

	if (ring) {
		while (json_element(j, &first, &more) && more) {
			if (n == MEMARENA_PAUSE_RING)
				return json_fail(j, "256 entries");
			if (!json_u64(j, &ring[n++]))
				return false;
		}
		if (j->err)
			return false;
		if (n != MEMARENA_PAUSE_RING)
			return json_fail(j, "256 entries");
		st->has[attr] = true;
		return true;
	}
	json_ws(j);
	if (ms_fields[attr].kind == K_BOOL) {
		s = j->p;
		if (!json_skip(j, 0))
			return false;
		e = j->p;
	} else if (!json_number(j, &s, &e)) {
		return false;
	}
	if (!go_scalar(st, attr, s, e))
		return json_fail(j, ms_fields[attr].kind == K_BOOL ? "true or false" :
				 ms_fields[attr].kind == K_PPB ? "a fraction" :
				 "an unsigned integer");
	return true;
}

/* BySize: [{"Size": 8, "Mallocs": 31, "Frees": 0}, ...] */
static bool json_bysize(struct json *j, struct ms_table *t)
{
	bool first = true, more, mfirst, mmore;
	const char *k, *ke;
	struct ms_row *row;
	uint64_t *v;

	t->n = 0;
	while (json_element(j, &first, &more) && more) {
		if (t->n == BYSIZE_MAX)
			return json_fail(j, "fewer BySize entries");
		row = ms_table_add(t);
		if (!row)
			return json_fail(j, "memory (out of memory)");
		row->v[MEMARENA_A_CLASS_CLASS] = t->n - 1;
		row->has[MEMARENA_A_CLASS_CLASS] = true;
		mfirst = true;
		while (json_member(j, &mfirst, &k, &ke, &mmore) && mmore) {
			v = NULL;
			if (json_key_is(k, ke, "Size"))
				v = &row->v[MEMARENA_A_CLASS_SIZE];
			else if (json_key_is(k, ke, "Mallocs"))
				v = &row->v[MEMARENA_A_CLASS_MALLOCS];
			else if (json_key_is(k, ke, "Frees"))
				v = &row->v[MEMARENA_A_CLASS_FREES];
			if (v ? !json_u64(j, v) : !json_skip(j, 1))
				return false;
			if (v)
				row->has[v - row->v] = true;
		}
		if (j->err)
			return false;
		if (!row->has[MEMARENA_A_CLASS_SIZE] || !row->has[MEMARENA_A_CLASS_MALLOCS] ||
		    !row->has[MEMARENA_A_CLASS_FREES] ||
		    row->v[MEMARENA_A_CLASS_FREES] > row->v[MEMARENA_A_CLASS_MALLOCS])
			return json_fail(j, "a BySize entry with Size, and Mallocs >= Frees");
		row->v[MEMARENA_A_CLASS_LIVE_OBJECTS] =
			row->v[MEMARENA_A_CLASS_MALLOCS] - row->v[MEMARENA_A_CLASS_FREES];
		row->has[MEMARENA_A_CLASS_LIVE_OBJECTS] = true;
	}
	return !j->err;
}

static bool json_memstats(struct json *j, struct go_input *in)
{
	bool first = true, more;
	const char *k, *ke;
	int attr;

	while (json_member(j, &first, &k, &ke, &more) && more) {
		attr = go_field(k, ke - k);
		if (json_key_is(k, ke, "BySize")) {
			if (!json_bysize(j, in->bysize))
				return false;
		} else if (attr >= 0) {
			if (!json_stat(j, in->st, attr))
				return false;
		} else if (!json_skip(j, 1)) {
			return false;
		}
	}
	return !j->err;
}

static int read_expvar(struct go_input *in, const char *buf, size_t len)
{
	struct json j = { .start = buf, .p = buf, .end = buf + len };
	bool first = true, more, found = false;
	const char *k, *ke;

	in->what = "\"memstats\" object";
	while (json_member(&j, &first, &k, &ke, &more) && more) {
		if (!json_key_is(k, ke, "memstats")) {
			if (!json_skip(&j, 1))
				break;
		} else if (found) {
			json_fail(&j, "one \"memstats\" member");
			break;
		} else {
			found = true;
			if (!json_memstats(&j, in))
				break;
		}
	}
	if (!j.err) {
		json_ws(&j);
		if (j.p != j.end)
			json_fail(&j, "the end after the object");
	}
	if (j.err) {
		ms_err("%s: not valid expvar JSON: expected %s at byte %zu",
		       in->name, j.err, (size_t)(j.p - j.start));
		return EXIT_ERROR;
	}
	if (!found) {
		ms_err("%s: JSON without a \"memstats\" member: not expvar's /debug/vars",
		       in->name);
		return EXIT_ERROR;
	}
	return 0;
}

/* The whole of @f, for the JSON parser. */
static int slurp(struct go_input *in, FILE *f, char **buf, size_t *len)
{
	size_t cap = 1 << 16, n = 0, r;
	char *b = malloc(cap), *nb;

	while (b) {
		if (n == cap) {
			if (cap >= GO_INPUT_MAX) {
				free(b);
				ms_err("%s: bigger than %u MiB", in->name, GO_INPUT_MAX >> 20);
				return EXIT_ERROR;
			}
			nb = realloc(b, cap * 2);
			if (!nb)
				break;
			b = nb;
			cap *= 2;
		}
		r = fread(b + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				ms_err("%s: %s", in->name, strerror(errno));
				free(b);
				return EXIT_ERROR;
			}
			*buf = b;
			*len = n;
			return 0;
		}
	}
	free(b);
	ms_err("out of memory");
	return EXIT_ERROR;
}

/* --- checks ------------------------------------------------------------- */

/* What explain needs; Sys and the *Sys fields in the order Sys sums them. */
static const int go_needed[] = {
	MEMARENA_A_STATS_SYS, MEMARENA_A_STATS_HEAP_SYS, MEMARENA_A_STATS_STACK_SYS,
	MEMARENA_A_STATS_MSPAN_SYS, MEMARENA_A_STATS_MCACHE_SYS,
	MEMARENA_A_STATS_BUCK_HASH_SYS, MEMARENA_A_STATS_GC_SYS,
	MEMARENA_A_STATS_OTHER_SYS,
	MEMARENA_A_STATS_HEAP_ALLOC, MEMARENA_A_STATS_HEAP_INUSE,
	MEMARENA_A_STATS_HEAP_IDLE, MEMARENA_A_STATS_HEAP_RELEASED,
	MEMARENA_A_STATS_TOTAL_ALLOC,
};
#define GO_SYS_PARTS	7	/* go_needed[1..7]: the *Sys fields */

static int go_check(const struct go_input *in)
{
	const struct ms_stats *st = in->st;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(go_needed); i++) {
		if (!st->has[go_needed[i]]) {
			ms_err("%s: %s is missing from the %s", in->name,
			       ms_fields[go_needed[i]].name, in->what);
			return EXIT_ERROR;
		}
	}
	if (__builtin_add_overflow(st->v[MEMARENA_A_STATS_HEAP_INUSE],
				   st->v[MEMARENA_A_STATS_HEAP_IDLE], &sum) ||
	    sum != st->v[MEMARENA_A_STATS_HEAP_SYS]) {
		ms_err("%s: HeapInuse (%" PRIu64 ") + HeapIdle (%" PRIu64 ") is not HeapSys (%" PRIu64 "): not one consistent MemStats",
		       in->name, st->v[MEMARENA_A_STATS_HEAP_INUSE],
		       st->v[MEMARENA_A_STATS_HEAP_IDLE], st->v[MEMARENA_A_STATS_HEAP_SYS]);
		return EXIT_ERROR;
	}
	sum = 0;
	for (i = 1; i <= GO_SYS_PARTS; i++) {
		if (__builtin_add_overflow(sum, st->v[go_needed[i]], &sum)) {
			sum = 0;
			break;
		}
	}
	if (sum != st->v[MEMARENA_A_STATS_SYS]) {
		ms_err("%s: HeapSys + StackSys + MSpanSys + MCacheSys + BuckHashSys + GCSys + OtherSys is not Sys (%" PRIu64 "): not one consistent MemStats",
		       in->name, st->v[MEMARENA_A_STATS_SYS]);
		return EXIT_ERROR;
	}
	return 0;
}

/**
 * ms_go_read() - a Go program's MemStats, from a file or standard input
 * @path: the file; "-" is standard input
 * @st: filled with the statistics found (Go's fields only)
 * @bysize: filled with one row per BySize entry; none from a heap profile
 *
 * Context: reads all of the input; a JSON input is held in memory.
 * Return: 0, or an exit status after one line that says what is wrong
 * with the input: unreadable, neither format, malformed, a field explain
 * needs missing, or the MemStats identities broken.
 */
int ms_go_read(const char *path, struct ms_stats *st, struct ms_table *bysize)
{
	struct go_input in = { .st = st, .bysize = bysize };
	bool is_stdin = !strcmp(path, "-");
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int c, err;

	memset(st, 0, sizeof(*st));
	bysize->n = 0;
	in.name = is_stdin ? "standard input" : path;
	f = is_stdin ? stdin : fopen(path, "r");
	if (!f) {
		ms_err("%s: %s", path, strerror(errno));
		return EXIT_ERROR;
	}
	do
		c = getc(f);
	while (c == ' ' || c == '\t' || c == '\r' || c == '\n');
	if (c == EOF) {
		if (ferror(f))
			ms_err("%s: %s", in.name, strerror(errno));
		else
			ms_err("%s: empty", in.name);
		err = EXIT_ERROR;
	} else {
		ungetc(c, f);
		if (c == '{') {
			err = slurp(&in, f, &buf, &len);
			if (!err)
				err = read_expvar(&in, buf, len);
			free(buf);
		} else {
			err = read_pprof(&in, f);
		}
	}
	if (!is_stdin)
		fclose(f);
	return err ? err : go_check(&in);
}
