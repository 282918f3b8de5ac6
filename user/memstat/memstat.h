/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memstat: read memarena's statistics (Go's runtime.MemStats) from the
 * kernel, over the "memarena" generic netlink family or, with --proc,
 * from /proc/memstats.
 *
 * Layout, one file per concern:
 *   main.c        options, dispatch, --help, exit codes, -o FILE
 *   fields.c      the statistics, size-class, CPU, arena, node and
 *                 cycle columns: names, units, descriptions, Prometheus
 *                 names
 *   source.c      where the numbers come from: netlink, or --proc
 *   netlink.c     reading over netlink (GET and the dumps)
 *   proc.c        reading /proc/memstats (--proc)
 *   value.c       printing one value of any kind, text or JSON
 *   show.c        memstat [show], memstat fields
 *   prometheus.c  --prometheus
 *   pprof.c       --format=pprof
 *   watch.c       memstat watch
 *   classes.c     memstat classes
 *   cpus.c        memstat cpus
 *   nodes.c       memstat nodes
 *   explain.c     memstat explain
 *   gostats.c     a Go program's MemStats, for explain --go: the
 *                 /debug/pprof/heap?debug=1 block or expvar's JSON
 *   monitor.c     memstat monitor (and the cycle printer gc shares)
 *   admin.c       memstat gc, memstat limit
 *   profile.c     memstat profile, memstat profile-rate
 *
 * Commands register themselves with MEMSTAT_COMMAND() in their own file,
 * the way iw's COMMAND() does: the macro puts a pointer to the command in
 * the "memstat_cmds" section, and main.c walks that section both to
 * dispatch and to print --help.
 *
 * Every command prints through ../common/output.h, so its text and its
 * JSON come from the same calls.  Commands return an exit status: 0, 1
 * (an error, already reported) or 2 (a usage error, already reported).
 */
#ifndef _USER_MEMSTAT_H
#define _USER_MEMSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/memarena.h>

#include "genl.h"
#include "humanize.h"
#include "output.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Exit statuses, as the man page documents them. */
enum {
	EXIT_OK		= 0,
	EXIT_ERROR	= 1,	/* module not loaded, kernel refused, I/O */
	EXIT_USAGE	= 2,	/* bad command line */
};

enum ms_format {
	FMT_TEXT,
	FMT_JSON,
	FMT_CSV,
	FMT_PROMETHEUS,
	FMT_PPROF,
	__FMT_COUNT
};

#define FMT(f)		(1u << (f))
#define FMTS_TEXT_JSON	(FMT(FMT_TEXT) | FMT(FMT_JSON))

/* Options only some commands take. */
enum {
	OPT_INTERVAL	= 1 << 0,	/* -i */
	OPT_COUNT	= 1 << 1,	/* -n */
	OPT_SORT	= 1 << 2,	/* -s */
	OPT_GO		= 1 << 3,	/* --go */
};

/* Command flags. */
enum {
	CMD_STREAM	= 1 << 0,	/* prints until stopped: no -o */
	CMD_NETLINK	= 1 << 1,	/* netlink only: no --proc */
	CMD_PPROF_DEFAULT = 1 << 2,	/* -o FILE.pb.gz without -f: pprof */
};

struct ms_ctx {
	enum ms_format format;
	enum units units;
	const char *proc;		/* --proc: the file; NULL: netlink */
	uint64_t interval_ns;		/* -i */
	uint64_t count;			/* -n, 0: not given */
	const char *sort;		/* -s */
	const char *go;			/* --go: a Go program's file, "-": stdin */
	struct genl_conn nl;
	bool nl_open;
};

struct ms_cmd {
	const char *name;
	const char *args;	/* synopsis of the arguments, for --help */
	const char *help;	/* what it does, for --help */
	int (*run)(struct ms_ctx *ctx, int argc, char **argv);
	unsigned int formats;	/* FMT() of the formats it can print */
	unsigned int options;	/* OPT_* it accepts */
	unsigned int flags;	/* CMD_* */
};

#define MEMSTAT_COMMAND(_id, _name, _args, _formats, _options, _flags,	\
			_run, _help)					\
	static const struct ms_cmd ms_cmd_##_id = {			\
		.name = _name, .args = _args, .help = _help,		\
		.run = _run, .formats = _formats,			\
		.options = _options, .flags = _flags,			\
	};								\
	static const struct ms_cmd *const ms_cmd_ptr_##_id		\
	__attribute__((used, section("memstat_cmds"))) = &ms_cmd_##_id

/* --- what the values are (fields.c) ------------------------------------ */

enum ms_kind {
	K_BYTES,	/* u64 bytes: humanised */
	K_COUNT,	/* u64 count: thousands separators */
	K_INT,		/* an identifier or constant: plain integer */
	K_DURATION,	/* u64 ns: Go duration */
	K_TIME,		/* u64 ns since the epoch, 0 = never */
	K_PPB,		/* parts per 10^9: a fraction */
	K_BOOL,		/* 0 or 1 */
	K_RING_NS,	/* PauseNs: ring of durations */
	K_RING_TIME,	/* PauseEnd: ring of times */
};

enum ms_section {
	SEC_GENERAL,
	SEC_HEAP,
	SEC_STACK,
	SEC_OFFHEAP,
	SEC_GC,
	SEC_OWN,
	__SEC_COUNT
};

/* Prometheus metric types. */
enum ms_prom_type {
	PROM_NONE,
	PROM_GAUGE,
	PROM_COUNTER,
};

/* One MEMARENA_A_STATS_* statistic. */
struct ms_field {
	const char *name;	/* Go's field name: /proc/memstats, JSON */
	enum ms_kind kind;
	enum ms_section section;
	const char *desc;	/* one line, for 'memstat fields' */
	const char *prom;	/* metric name, or NULL */
	enum ms_prom_type prom_type;
	const char *prom_help;
};

/* One attribute of a size class, CPU, arena, node or cycle message. */
struct ms_column {
	const char *name;	/* /proc/memstats column, JSON key */
	const char *heading;	/* text column heading */
	enum ms_kind kind;
	const char *prom;	/* metric name after memarena_class_ etc. */
	enum ms_prom_type prom_type;
	const char *prom_help;
};

extern const char *const ms_section_names[__SEC_COUNT];
extern const struct ms_field ms_fields[__MEMARENA_A_STATS_MAX];
extern const struct ms_column ms_class_cols[__MEMARENA_A_CLASS_MAX];
extern const struct ms_column ms_cpu_cols[__MEMARENA_A_CPU_MAX];
extern const struct ms_column ms_arena_cols[__MEMARENA_A_ARENA_MAX];
extern const struct ms_column ms_node_cols[__MEMARENA_A_NODE_MAX];
extern const struct ms_column ms_cycle_cols[__MEMARENA_A_CYCLE_MAX];

/* Every statistic, in the enum's (Go's) order. */
#define ms_for_each_field(attr)						\
	for ((attr) = MEMARENA_A_STATS_ALLOC;				\
	     (attr) < __MEMARENA_A_STATS_MAX; (attr)++)			\
		if (ms_fields[attr].name)

int ms_field_lookup(const char *name);
const char *ms_kind_unit(enum ms_kind kind);

/* --- what was read (netlink.c, proc.c) ---------------------------------- */

struct ms_stats {
	uint64_t v[__MEMARENA_A_STATS_MAX];
	bool has[__MEMARENA_A_STATS_MAX];
	uint64_t pause_ns[MEMARENA_PAUSE_RING];
	uint64_t pause_end[MEMARENA_PAUSE_RING];
};

/*
 * A size class, CPU, cycle, arena or node: attribute values by attribute type;
 * @name: an arena's name (its one string attribute), "" otherwise.
 */
#define MS_ROW_MAX	16
#define MS_NAME_MAX	64	/* above the kernel's MEMARENA_NAME_LEN */

struct ms_row {
	uint64_t v[MS_ROW_MAX];
	bool has[MS_ROW_MAX];
	char name[MS_NAME_MAX];
};

/*
 * The size classes and the per-CPU figures need CAP_SYS_ADMIN unless
 * memarena's stats_public is set (Documentation/memstats.rst, "Who may
 * read what"): the kernel refuses the dumps with EPERM and /proc/memstats
 * has a "# BySize: withheld" line in place of the table.  A command that
 * can do without them sets @optional before reading; it then gets
 * @withheld and no error, and says what it left out (ms_note_withheld()).
 * Otherwise the read fails with one line naming the privilege.
 */
struct ms_table {
	struct ms_row *rows;
	size_t n;
	size_t cap;
	bool optional;		/* in: being withheld is not an error */
	bool withheld;		/* out: the kernel withheld the table */
};

/* What the size classes and per-CPU figures need, for the messages. */
#define MS_DETAIL_NEEDS							\
	"CAP_SYS_ADMIN (run memstat as root), or memarena's module parameter stats_public=1"

int ms_read(struct ms_ctx *ctx, struct ms_stats *st, struct ms_table *classes);
int ms_read_cpus(struct ms_ctx *ctx, struct ms_table *cpus);
int ms_read_arenas(struct ms_ctx *ctx, struct ms_table *arenas);
int ms_read_nodes(struct ms_ctx *ctx, struct ms_table *nodes);
struct ms_row *ms_table_add(struct ms_table *t);
void ms_table_free(struct ms_table *t);

/* netlink.c */
int ms_nl_open(struct ms_ctx *ctx);
int ms_nl_stats(struct ms_ctx *ctx, struct ms_stats *st);
int ms_nl_classes(struct ms_ctx *ctx, struct ms_table *t);
int ms_nl_cpus(struct ms_ctx *ctx, struct ms_table *t);
int ms_nl_arenas(struct ms_ctx *ctx, struct ms_table *t);
int ms_nl_nodes(struct ms_ctx *ctx, struct ms_table *t);
void ms_nl_row(struct nlattr **tb, int max, struct ms_row *row);
int ms_nl_parse_row(struct nlmsghdr *nlh, int max, struct ms_row *row);

/* proc.c */
int ms_proc_read(const char *path, struct ms_stats *st, struct ms_table *classes);

/* gostats.c */
int ms_go_read(const char *path, struct ms_stats *st, struct ms_table *bysize);

/* --- printing (value.c) ------------------------------------------------- */

void ms_print_value(const char *key, enum ms_kind kind, bool has, uint64_t v,
		    const char *fmt);
void ms_print_stat(const struct ms_stats *st, int attr, const char *fmt);
void ms_print_col(const struct ms_column *cols, const struct ms_row *row,
		  int attr, const char *fmt);

/* A table's column: an attribute, and its width (negative: to the left). */
struct ms_table_col {
	int attr;
	int width;
	bool name;		/* the row's @name string rather than a value */
};

void ms_print_headings(const struct ms_column *cols,
		       const struct ms_table_col *tc, size_t n);
void ms_print_row(const struct ms_column *cols, const struct ms_row *row,
		  const struct ms_table_col *tc, size_t n, size_t first);
int ms_value_width(void);
const char *ms_time_str(char *buf, size_t len, uint64_t ns, bool with_date);

/* Shared by show and prometheus: the pause ring, newest first. */
unsigned int ms_recent_pauses(const struct ms_stats *st, uint64_t *out,
			      unsigned int max);

/* prometheus.c, pprof.c, monitor.c */
void ms_prom_stats(const struct ms_stats *st);
void ms_prom_classes(const struct ms_table *classes);
void ms_prom_cpus(const struct ms_table *cpus);
void ms_prom_arenas(const struct ms_table *arenas);
void ms_prom_nodes(const struct ms_table *nodes);
void ms_pprof(const struct ms_stats *st);

/* A line of Go's "# runtime.MemStats" block: "# Name = attr [/ attr2]". */
struct ms_pprof_line {
	const char *name;
	int attr;
	int attr2;	/* the Sys of an "Inuse / Sys" pair, or 0 */
};

extern const struct ms_pprof_line ms_pprof_lines[];
extern const size_t ms_pprof_nlines;
void ms_print_cycle(const struct ms_row *cycle);

/* --- errors (main.c) ---------------------------------------------------- */

void ms_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ms_usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ms_kernel_err(const char *what, int err, const struct genl_error *e);
int ms_kernel_err_hint(const char *what, int err, const struct genl_error *e,
		       const char *eperm_hint);
void ms_note_withheld(const char *what);
int ms_not_loaded(void);

#endif /* _USER_MEMSTAT_H */
