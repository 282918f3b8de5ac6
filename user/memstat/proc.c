// SPDX-License-Identifier: GPL-2.0
/*
 * Reading /proc/memstats (--proc), the text interface of
 * Documentation/memstats.rst:
 *
 *	# memarena 1			header, with the format's version
 *	Alloc 0				"Name value", one per statistic
 *	...
 *	GCCPUFraction 0.000000000	the one decimal fraction
 *	...
 *	# BySize			a section
 *	class size span_bytes ...	its column names
 *	1 8 8192 1024 ...		one line per size class
 *
 * As the format's rules ask, statistics are found by name and columns by
 * the header line, and names, columns and sections this memstat does not
 * know are skipped: the format grows by appending.  The PauseNs and
 * PauseEnd rings are not in the file, and are reported missing.  A reader
 * without CAP_SYS_ADMIN finds "# BySize: withheld (...)" in place of the
 * table, unless memarena's stats_public is set: the classes are then
 * withheld, as over netlink (struct ms_table).
 *
 * The whole file is read at once (one read of the file is one snapshot in
 * the kernel), so the statistics and the classes of one ms_proc_read()
 * agree with each other.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memstat.h"

#define PROC_MAX_COLUMNS	32

/* In place of the BySize table, for a reader who may not see it. */
#define BYSIZE_WITHHELD		"# BySize: withheld"

struct proc_parser {
	const char *path;
	unsigned int line;
	struct ms_stats *st;
	struct ms_table *classes;
	enum { IN_STATS, IN_BYSIZE_HEADER, IN_BYSIZE, IN_OTHER } where;
	int column_attr[PROC_MAX_COLUMNS];	/* class attribute, or 0 */
	unsigned int ncolumns;
};

static int bad_line(struct proc_parser *p, const char *what)
{
	ms_err("%s:%u: %s", p->path, p->line, what);
	return EXIT_ERROR;
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!(*s >= '0' && *s <= '9'))
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end;
}

/* "0.000123000" -> 123000 parts per 10^9; at most nine decimals. */
static bool parse_ppb(const char *s, uint64_t *v)
{
	uint64_t whole = 0, frac = 0, scale = 100000000;
	const char *p = s;

	if (!(*p >= '0' && *p <= '9'))
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (*p - '0');
		if (whole > UINT64_MAX / 1000000000 - 1)
			return false;
	}
	if (*p == '.') {
		if (!(*++p >= '0' && *p <= '9'))
			return false;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (!scale)
				return false;
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p)
		return false;
	*v = whole * 1000000000 + frac;
	return true;
}

/* Split s in place on blanks; returns the number of words. */
static unsigned int split(char *s, char **words, unsigned int max)
{
	unsigned int n = 0;
	char *save, *w;

	for (w = strtok_r(s, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return max + 1;
		words[n++] = w;
	}
	return n;
}

static int stat_line(struct proc_parser *p, char *line)
{
	char *words[3];
	uint64_t v;
	bool ok;
	int attr;

	if (split(line, words, 2) != 2)
		return bad_line(p, "expected \"Name value\"");
	attr = ms_field_lookup(words[0]);
	if (attr < 0 || strcmp(ms_fields[attr].name, words[0]) ||
	    ms_fields[attr].kind == K_RING_NS ||
	    ms_fields[attr].kind == K_RING_TIME)
		return 0;	/* a newer statistic: skip it */
	if (ms_fields[attr].kind == K_PPB)
		ok = parse_ppb(words[1], &v);
	else
		ok = parse_u64(words[1], &v);
	if (!ok)
		return bad_line(p, "bad value");
	p->st->v[attr] = v;
	p->st->has[attr] = true;
	return 0;
}

static int bysize_header(struct proc_parser *p, char *line)
{
	char *words[PROC_MAX_COLUMNS];
	unsigned int i, attr;
	bool has_class = false;

	p->ncolumns = split(line, words, PROC_MAX_COLUMNS);
	if (p->ncolumns > PROC_MAX_COLUMNS)
		return bad_line(p, "too many BySize columns");
	for (i = 0; i < p->ncolumns; i++) {
		p->column_attr[i] = 0;
		for (attr = 2; attr < ARRAY_SIZE(ms_class_cols); attr++)
			if (ms_class_cols[attr].name &&
			    !strcmp(words[i], ms_class_cols[attr].name))
				p->column_attr[i] = attr;
		if (p->column_attr[i] == MEMARENA_A_CLASS_CLASS)
			has_class = true;
	}
	if (!has_class)
		return bad_line(p, "BySize header has no \"class\" column");
	return 0;
}

static int bysize_line(struct proc_parser *p, char *line)
{
	char *words[PROC_MAX_COLUMNS + 1];
	struct ms_row *row;
	unsigned int i, n;
	uint64_t v;

	n = split(line, words, PROC_MAX_COLUMNS);
	if (n != p->ncolumns)
		return bad_line(p, "BySize line does not match its header");
	if (!p->classes)
		return 0;
	row = ms_table_add(p->classes);
	if (!row)
		return bad_line(p, "out of memory");
	for (i = 0; i < n; i++) {
		if (!parse_u64(words[i], &v))
			return bad_line(p, "bad BySize value");
		if (p->column_attr[i]) {
			row->v[p->column_attr[i]] = v;
			row->has[p->column_attr[i]] = true;
		}
	}
	return 0;
}

static int parse_line(struct proc_parser *p, char *line)
{
	if (line[0] == '#') {
		/* A section: "# BySize", or one this memstat does not know. */
		if (!strcmp(line, "# BySize"))
			p->where = IN_BYSIZE_HEADER;
		else
			p->where = IN_OTHER;
		if (!strncmp(line, BYSIZE_WITHHELD, strlen(BYSIZE_WITHHELD)) &&
		    p->classes) {
			if (!p->classes->optional) {
				ms_err("%s: the size classes are withheld; reading them needs "
				       MS_DETAIL_NEEDS, p->path);
				return EXIT_ERROR;
			}
			p->classes->withheld = true;
		}
		return 0;
	}
	if (!line[0])
		return 0;
	switch (p->where) {
	case IN_STATS:
		return stat_line(p, line);
	case IN_BYSIZE_HEADER:
		p->where = IN_BYSIZE;
		return bysize_header(p, line);
	case IN_BYSIZE:
		return bysize_line(p, line);
	case IN_OTHER:
		break;
	}
	return 0;
}

/**
 * ms_proc_read() - parse a /proc/memstats file
 * @path: the file (normally MEMARENA_PROC_PATH)
 * @st: filled with the statistics found, others marked missing
 * @classes: filled with the "# BySize" table, or NULL
 *
 * Return: 0, or an exit status after reporting the problem (the module
 * is not loaded when the default path does not exist).
 */
int ms_proc_read(const char *path, struct ms_stats *st, struct ms_table *classes)
{
	struct proc_parser p = { .path = path, .st = st, .classes = classes };
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;
	int err = 0;

	memset(st, 0, sizeof(*st));
	if (classes) {
		classes->n = 0;
		classes->withheld = false;
	}
	f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT && !strcmp(path, MEMARENA_PROC_PATH))
			return ms_not_loaded();
		ms_err("%s: %s", path, strerror(errno));
		return EXIT_ERROR;
	}
	/* One read() of the whole file: one snapshot. */
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	while (!err && (len = getline(&buf, &cap, f)) >= 0) {
		p.line++;
		if (len > 0 && buf[len - 1] == '\n')
			buf[--len] = '\0';
		if (p.line == 1) {
			if (strncmp(buf, "# memarena ", 11) ||
			    !(buf[11] >= '0' && buf[11] <= '9')) {
				ms_err("%s: not a memarena statistics file (no \"# memarena <version>\" header)",
				       path);
				err = EXIT_ERROR;
			}
			continue;
		}
		err = parse_line(&p, buf);
	}
	if (!err && ferror(f)) {
		ms_err("%s: %s", path, strerror(errno));
		err = EXIT_ERROR;
	}
	if (!err && p.line == 0) {
		ms_err("%s: empty", path);
		err = EXIT_ERROR;
	}
	free(buf);
	fclose(f);
	return err;
}
