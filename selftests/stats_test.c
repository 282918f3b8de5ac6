// SPDX-License-Identifier: GPL-2.0
/*
 * memarena's statistics from userspace: /proc/memstats and the netlink
 * GET, GET_CLASSES and GET_CPUS replies say the same thing; every
 * snapshot satisfies the identities of the snapshot contract
 * (module/stats.c) even while every CPU allocates and frees (the load
 * comes from selftests/modules/memarena_load.ko); malformed requests are
 * refused with an extack message and change nothing.
 */

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "kselftest_harness.h"
#include "memarena_test.h"

#define NATTR		(MEMARENA_A_STATS_MAX + 1)
#define NCLASS_ATTR	(MEMARENA_A_CLASS_MAX + 1)
#define NCPU_ATTR	(MEMARENA_A_CPU_MAX + 1)
#define MAX_CLASSES	128
#define MAX_CPUS	1024
#define PROC_BUF	(256 * 1024)

/* BySize columns of /proc/memstats: column i is MEMARENA_A_CLASS_CLASS + i. */
#define NCOLS		(MEMARENA_A_CLASS_MAX - MEMARENA_A_CLASS_CLASS + 1)
static const char bysize_header[] =
	"class size span_bytes span_objects mallocs frees live_objects live_bytes cached_objects spans";

/* Go's names, as /proc/memstats prints them (Documentation/memstats.rst). */
static const char *const stat_names[NATTR] = {
	[MEMARENA_A_STATS_ALLOC] = "Alloc",
	[MEMARENA_A_STATS_TOTAL_ALLOC] = "TotalAlloc",
	[MEMARENA_A_STATS_SYS] = "Sys",
	[MEMARENA_A_STATS_LOOKUPS] = "Lookups",
	[MEMARENA_A_STATS_MALLOCS] = "Mallocs",
	[MEMARENA_A_STATS_FREES] = "Frees",
	[MEMARENA_A_STATS_HEAP_ALLOC] = "HeapAlloc",
	[MEMARENA_A_STATS_HEAP_SYS] = "HeapSys",
	[MEMARENA_A_STATS_HEAP_IDLE] = "HeapIdle",
	[MEMARENA_A_STATS_HEAP_INUSE] = "HeapInuse",
	[MEMARENA_A_STATS_HEAP_RELEASED] = "HeapReleased",
	[MEMARENA_A_STATS_HEAP_OBJECTS] = "HeapObjects",
	[MEMARENA_A_STATS_STACK_INUSE] = "StackInuse",
	[MEMARENA_A_STATS_STACK_SYS] = "StackSys",
	[MEMARENA_A_STATS_MSPAN_INUSE] = "MSpanInuse",
	[MEMARENA_A_STATS_MSPAN_SYS] = "MSpanSys",
	[MEMARENA_A_STATS_MCACHE_INUSE] = "MCacheInuse",
	[MEMARENA_A_STATS_MCACHE_SYS] = "MCacheSys",
	[MEMARENA_A_STATS_BUCK_HASH_SYS] = "BuckHashSys",
	[MEMARENA_A_STATS_GC_SYS] = "GCSys",
	[MEMARENA_A_STATS_OTHER_SYS] = "OtherSys",
	[MEMARENA_A_STATS_NEXT_GC] = "NextGC",
	[MEMARENA_A_STATS_LAST_GC] = "LastGC",
	[MEMARENA_A_STATS_PAUSE_TOTAL_NS] = "PauseTotalNs",
	[MEMARENA_A_STATS_NUM_GC] = "NumGC",
	[MEMARENA_A_STATS_NUM_FORCED_GC] = "NumForcedGC",
	[MEMARENA_A_STATS_GC_CPU_FRACTION] = "GCCPUFraction",
	[MEMARENA_A_STATS_ENABLE_GC] = "EnableGC",
	[MEMARENA_A_STATS_DEBUG_GC] = "DebugGC",
	[MEMARENA_A_STATS_BAD_FREES] = "BadFrees",
	[MEMARENA_A_STATS_CACHED_OBJECTS] = "CachedObjects",
	[MEMARENA_A_STATS_CACHED_BYTES] = "CachedBytes",
	[MEMARENA_A_STATS_ARENAS] = "Arenas",
	[MEMARENA_A_STATS_HEAP_ARENAS] = "HeapArenas",
	[MEMARENA_A_STATS_MCACHE_BOUND] = "MCacheBound",
};

/* Counters that only grow. */
static const int cumulative[] = {
	MEMARENA_A_STATS_TOTAL_ALLOC, MEMARENA_A_STATS_LOOKUPS,
	MEMARENA_A_STATS_MALLOCS, MEMARENA_A_STATS_FREES,
	MEMARENA_A_STATS_BAD_FREES, MEMARENA_A_STATS_NUM_GC,
	MEMARENA_A_STATS_NUM_FORCED_GC, MEMARENA_A_STATS_PAUSE_TOTAL_NS,
};

static const char *stat_name(int attr)
{
	return attr >= 0 && attr < NATTR && stat_names[attr] ?
	       stat_names[attr] : "(newer statistic)";
}

static bool is_scalar(int attr)
{
	return attr > MEMARENA_A_STATS_PAD && attr <= MEMARENA_A_STATS_MAX &&
	       attr != MEMARENA_A_STATS_PAUSE_NS &&
	       attr != MEMARENA_A_STATS_PAUSE_END;
}

/* The uapi comments: these are u32, the other scalars u64. */
static bool is_u32(int attr)
{
	return attr == MEMARENA_A_STATS_NUM_GC ||
	       attr == MEMARENA_A_STATS_NUM_FORCED_GC ||
	       attr == MEMARENA_A_STATS_ENABLE_GC ||
	       attr == MEMARENA_A_STATS_DEBUG_GC;
}

static int nr_scalars(void)
{
	int attr, n = 0;

	for (attr = 0; attr < NATTR; attr++)
		n += is_scalar(attr);
	return n;
}

/* Line k of the /proc scalars is the k-th scalar attribute. */
static int attr_of_line(int k)
{
	int attr;

	for (attr = MEMARENA_A_STATS_PAD + 1; attr < NATTR; attr++)
		if (is_scalar(attr) && k-- == 0)
			return attr;
	return -1;
}

/* --- snapshots --------------------------------------------------------- */

struct snap {
	bool proc;			/* from /proc/memstats, else GET */
	uint64_t v[NATTR];		/* scalars by attribute */
	bool have[NATTR];
	int nscalars;			/* /proc lines or GET attributes */
	int ring_len[2];		/* GET: PauseNs, PauseEnd entries */
	int nclasses;			/* /proc BySize rows or dump messages */
	uint64_t cls[MAX_CLASSES][NCOLS];	/* row i: class i + 1 */
	char err[256];
};

static void snap_reset(struct snap *s, bool proc)
{
	memset(s->have, 0, sizeof(s->have));
	memset(s->v, 0, sizeof(s->v));
	s->proc = proc;
	s->nscalars = 0;
	s->ring_len[0] = s->ring_len[1] = 0;
	s->nclasses = 0;
	s->err[0] = '\0';
}

/* Record the first error of a snapshot; returns -1. */
static int snap_err(struct snap *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int snap_err(struct snap *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->err[0]) {
		va_start(ap, fmt);
		vsnprintf(s->err, sizeof(s->err), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* "123" or, for GCCPUFraction, "0.000123456" (parts per 10^9). */
static int parse_value(const char *str, uint64_t *v)
{
	char *end;
	uint64_t frac = 0;
	int digits = 0;

	errno = 0;
	*v = strtoull(str, &end, 10);
	if (errno || end == str)
		return -1;
	if (*end == '.') {
		for (end++; *end >= '0' && *end <= '9'; end++, digits++)
			frac = frac * 10 + (*end - '0');
		if (digits != 9)
			return -1;
		*v = *v * 1000000000ULL + frac;
	}
	return *end ? -1 : 0;
}

static int proc_snapshot(struct snap *s, char *buf)
{
	char want[32], *line, *next, *name, *val, *tok;
	int fd, attr, k = 0, col;
	ssize_t n, total = 0;
	uint64_t row[NCOLS];
	bool bysize = false;

	snap_reset(s, true);
	fd = open(MEMARENA_PROC_PATH, O_RDONLY);
	if (fd < 0)
		return snap_err(s, "open %s: %s", MEMARENA_PROC_PATH,
				strerror(errno));
	/* seq_file: one snapshot per read() sequence from offset 0. */
	while (total < PROC_BUF - 1) {
		n = read(fd, buf + total, PROC_BUF - 1 - total);
		if (n < 0) {
			close(fd);
			return snap_err(s, "read: %s", strerror(errno));
		}
		if (!n)
			break;
		total += n;
	}
	close(fd);
	buf[total] = '\0';

	snprintf(want, sizeof(want), "# memarena %d", MEMARENA_FAMILY_VERSION);
	for (line = buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line == buf) {
			if (strcmp(line, want))
				return snap_err(s, "first line '%s'", line);
			continue;
		}
		if (!bysize) {
			if (!strcmp(line, "# BySize")) {
				bysize = true;
				if (!next || strncmp(next, bysize_header,
						     strlen(bysize_header)))
					return snap_err(s, "BySize header differs");
				next = strchr(next, '\n');
				if (next)
					next++;
				continue;
			}
			name = strtok_r(line, " ", &tok);
			val = strtok_r(NULL, " ", &tok);
			if (!name || !val || strtok_r(NULL, " ", &tok))
				return snap_err(s, "scalar line %d malformed", k);
			attr = attr_of_line(k);
			if (attr < 0)
				return snap_err(s, "more than %d scalars: '%s'",
						nr_scalars(), name);
			if (stat_names[attr] && strcmp(stat_names[attr], name))
				return snap_err(s, "line %d is %s, attribute %d is %s",
						k, name, attr, stat_names[attr]);
			if (parse_value(val, &s->v[attr]))
				return snap_err(s, "%s: bad value '%s'", name, val);
			s->have[attr] = true;
			k++;
			continue;
		}
		for (col = 0; col < NCOLS; col++) {
			val = strtok_r(col ? NULL : line, " ", &tok);
			if (!val || parse_value(val, &row[col]))
				return snap_err(s, "BySize row %d malformed",
						s->nclasses + 1);
		}
		if (strtok_r(NULL, " ", &tok))
			return snap_err(s, "BySize row %d too long", s->nclasses + 1);
		if (s->nclasses >= MAX_CLASSES || row[0] != (uint64_t)s->nclasses + 1)
			return snap_err(s, "BySize row %d is class %" PRIu64,
					s->nclasses + 1, row[0]);
		memcpy(s->cls[s->nclasses++], row, sizeof(row));
	}
	s->nscalars = k;
	if (!bysize)
		return snap_err(s, "no # BySize section");
	return 0;
}

/* --- netlink with libnl ---------------------------------------------------- */

struct nl {
	struct nl_sock *sk;
	struct nl_cb *cb;
	int id;
};

static struct nla_policy stats_policy[NATTR];
static struct nla_policy class_policy[NCLASS_ATTR];
static struct nla_policy cpu_policy[NCPU_ATTR];

static void build_policies(void)
{
	int a;

	for (a = MEMARENA_A_STATS_PAD + 1; a < NATTR; a++) {
		if (a == MEMARENA_A_STATS_PAUSE_NS || a == MEMARENA_A_STATS_PAUSE_END)
			stats_policy[a].type = NLA_NESTED;
		else
			stats_policy[a].type = is_u32(a) ? NLA_U32 : NLA_U64;
	}
	for (a = MEMARENA_A_CLASS_CLASS; a < NCLASS_ATTR; a++)
		class_policy[a].type = a < MEMARENA_A_CLASS_MALLOCS ? NLA_U32 :
								       NLA_U64;
	for (a = MEMARENA_A_CPU_CPU; a < NCPU_ATTR; a++)
		cpu_policy[a].type = a <= MEMARENA_A_CPU_ONLINE ? NLA_U32 :
								  NLA_U64;
}

static int ma_nl_open(struct nl *nl)
{
	build_policies();
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -NLE_NOMEM;
	if (genl_connect(nl->sk))
		return -NLE_FAILURE;
	nl_socket_disable_auto_ack(nl->sk);
	nl->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!nl->cb)
		return -NLE_NOMEM;
	nl->id = genl_ctrl_resolve(nl->sk, MEMARENA_FAMILY_NAME);
	return nl->id < 0 ? nl->id : 0;
}

static void ma_nl_close(struct nl *nl)
{
	if (nl->cb)
		nl_cb_put(nl->cb);
	if (nl->sk)
		nl_socket_free(nl->sk);
}

static uint64_t attr_value(const struct nlattr *a)
{
	return nla_len(a) == 4 ? nla_get_u32(a) : nla_get_u64(a);
}

static int get_valid(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[NATTR], *a;
	struct snap *s = arg;
	int attr, err, rem, i;

	err = genlmsg_parse(nlh, 0, tb, MEMARENA_A_STATS_MAX, stats_policy);
	if (err) {
		snap_err(s, "GET reply does not parse: %s", nl_geterror(err));
		return NL_STOP;
	}
	for (attr = 0; attr < NATTR; attr++) {
		if (!tb[attr])
			continue;
		if (!is_scalar(attr)) {
			if (attr != MEMARENA_A_STATS_PAUSE_NS &&
			    attr != MEMARENA_A_STATS_PAUSE_END)
				continue;
			i = attr == MEMARENA_A_STATS_PAUSE_END;
			nla_for_each_nested(a, tb[attr], rem)
				s->ring_len[i]++;
			continue;
		}
		if (nla_len(tb[attr]) != (is_u32(attr) ? 4 : 8)) {
			snap_err(s, "attribute %d has %d bytes", attr,
				 nla_len(tb[attr]));
			return NL_STOP;
		}
		s->v[attr] = attr_value(tb[attr]);
		s->have[attr] = true;
		s->nscalars++;
	}
	return NL_OK;
}

/* Send a request without attributes; run @fn on every reply message. */
static int nl_request(struct nl *nl, int cmd, bool dump,
		      int (*fn)(struct nl_msg *, void *), void *arg)
{
	struct nl_msg *msg = nlmsg_alloc();
	int err;

	if (!msg)
		return -NLE_NOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->id, 0,
			 dump ? NLM_F_DUMP : 0, cmd, MEMARENA_FAMILY_VERSION)) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	err = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		return err;
	nl_cb_set(nl->cb, NL_CB_VALID, NL_CB_CUSTOM, fn, arg);
	err = nl_recvmsgs(nl->sk, nl->cb);
	return err < 0 ? err : 0;
}

static int nl_snapshot(struct nl *nl, struct snap *s)
{
	int err;

	snap_reset(s, false);
	err = nl_request(nl, MEMARENA_CMD_GET, false, get_valid, s);
	if (err)
		return snap_err(s, "GET: %s", nl_geterror(err));
	if (s->err[0])
		return -1;
	if (s->ring_len[0] != MEMARENA_PAUSE_RING ||
	    s->ring_len[1] != MEMARENA_PAUSE_RING)
		return snap_err(s, "rings of %d and %d entries", s->ring_len[0],
				s->ring_len[1]);
	return 0;
}

static int class_valid(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[NCLASS_ATTR];
	struct snap *s = arg;
	int a, err, i = s->nclasses;

	err = genlmsg_parse(nlh, 0, tb, MEMARENA_A_CLASS_MAX, class_policy);
	if (err) {
		snap_err(s, "GET_CLASSES message does not parse: %s",
			 nl_geterror(err));
		return NL_STOP;
	}
	if (i >= MAX_CLASSES) {
		snap_err(s, "more than %d classes", MAX_CLASSES);
		return NL_STOP;
	}
	for (a = MEMARENA_A_CLASS_CLASS; a < NCLASS_ATTR; a++) {
		if (!tb[a]) {
			snap_err(s, "class message %d lacks attribute %d", i, a);
			return NL_STOP;
		}
		s->cls[i][a - MEMARENA_A_CLASS_CLASS] = attr_value(tb[a]);
	}
	s->nclasses++;
	return NL_OK;
}

static int nl_classes(struct nl *nl, struct snap *s)
{
	int err;

	snap_reset(s, false);
	err = nl_request(nl, MEMARENA_CMD_GET_CLASSES, true, class_valid, s);
	if (err)
		return snap_err(s, "GET_CLASSES: %s", nl_geterror(err));
	return s->err[0] ? -1 : 0;
}

struct cpus {
	int n;
	uint64_t v[MAX_CPUS][NCPU_ATTR];
	char err[128];
};

static int cpu_valid(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[NCPU_ATTR];
	struct cpus *c = arg;
	int a;

	if (genlmsg_parse(nlh, 0, tb, MEMARENA_A_CPU_MAX, cpu_policy) ||
	    c->n >= MAX_CPUS) {
		snprintf(c->err, sizeof(c->err), "GET_CPUS message %d", c->n);
		return NL_STOP;
	}
	for (a = MEMARENA_A_CPU_CPU; a < NCPU_ATTR; a++) {
		if (!tb[a]) {
			snprintf(c->err, sizeof(c->err),
				 "GET_CPUS message %d lacks attribute %d", c->n, a);
			return NL_STOP;
		}
		c->v[c->n][a] = attr_value(tb[a]);
	}
	c->n++;
	return NL_OK;
}

/* --- the contract ------------------------------------------------------ */

#define V(s, a)		((s)->v[MEMARENA_A_STATS_##a])

struct checker {
	unsigned long checks, violations;
	const char *what;
	unsigned long snapno;
};

static void violation(struct checker *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void violation(struct checker *c, const char *fmt, ...)
{
	va_list ap;

	if (++c->violations > 20)
		return;
	fprintf(stderr, "# VIOLATION in %s snapshot %lu: ", c->what,
		c->snapno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define CHECK(c, cond, fmt, ...)					\
	do {								\
		(c)->checks++;						\
		if (!(cond))						\
			violation(c, "%s: " fmt, #cond, ##__VA_ARGS__);	\
	} while (0)

/* The identities every snapshot satisfies (module/stats.c). */
static void check_identities(struct checker *c, const struct snap *s)
{
	uint64_t sum_m = 0, sum_f = 0, sys;
	int i, a;

	for (a = MEMARENA_A_STATS_PAD + 1; a < NATTR; a++)
		CHECK(c, !is_scalar(a) || s->have[a], "attribute %d missing", a);
	CHECK(c, V(s, ALLOC) == V(s, HEAP_ALLOC), "%" PRIu64 " %" PRIu64,
	      V(s, ALLOC), V(s, HEAP_ALLOC));
	CHECK(c, V(s, HEAP_IDLE) + V(s, HEAP_INUSE) == V(s, HEAP_SYS),
	      "HeapIdle %" PRIu64 " HeapInuse %" PRIu64 " HeapSys %" PRIu64,
	      V(s, HEAP_IDLE), V(s, HEAP_INUSE), V(s, HEAP_SYS));
	sys = V(s, HEAP_SYS) + V(s, STACK_SYS) + V(s, MSPAN_SYS) +
	      V(s, MCACHE_SYS) + V(s, BUCK_HASH_SYS) + V(s, GC_SYS) +
	      V(s, OTHER_SYS);
	CHECK(c, V(s, SYS) == sys, "Sys %" PRIu64 ", sum of the parts %" PRIu64,
	      V(s, SYS), sys);
	CHECK(c, V(s, HEAP_OBJECTS) == V(s, MALLOCS) - V(s, FREES),
	      "HeapObjects %" PRIu64 " Mallocs %" PRIu64 " Frees %" PRIu64,
	      V(s, HEAP_OBJECTS), V(s, MALLOCS), V(s, FREES));
	CHECK(c, V(s, FREES) <= V(s, MALLOCS), "Frees %" PRIu64 " Mallocs %" PRIu64,
	      V(s, FREES), V(s, MALLOCS));
	CHECK(c, V(s, HEAP_ALLOC) <= V(s, HEAP_INUSE),
	      "HeapAlloc %" PRIu64 " HeapInuse %" PRIu64,
	      V(s, HEAP_ALLOC), V(s, HEAP_INUSE));
	CHECK(c, V(s, HEAP_RELEASED) <= V(s, HEAP_IDLE),
	      "HeapReleased %" PRIu64 " HeapIdle %" PRIu64,
	      V(s, HEAP_RELEASED), V(s, HEAP_IDLE));
	CHECK(c, V(s, MSPAN_INUSE) <= V(s, MSPAN_SYS),
	      "MSpanInuse %" PRIu64 " MSpanSys %" PRIu64,
	      V(s, MSPAN_INUSE), V(s, MSPAN_SYS));
	CHECK(c, V(s, MCACHE_INUSE) <= V(s, MCACHE_SYS),
	      "MCacheInuse %" PRIu64 " MCacheSys %" PRIu64,
	      V(s, MCACHE_INUSE), V(s, MCACHE_SYS));
	CHECK(c, V(s, HEAP_ALLOC) <= V(s, TOTAL_ALLOC),
	      "HeapAlloc %" PRIu64 " TotalAlloc %" PRIu64,
	      V(s, HEAP_ALLOC), V(s, TOTAL_ALLOC));
	if (!s->proc)
		return;
	for (i = 0; i < s->nclasses; i++) {
		const uint64_t *r = s->cls[i];

		CHECK(c, r[5] <= r[4], "class %" PRIu64 ": frees %" PRIu64
		      " mallocs %" PRIu64, r[0], r[5], r[4]);
		CHECK(c, r[6] == r[4] - r[5] && r[7] == r[6] * r[1],
		      "class %" PRIu64 ": live %" PRIu64 " (%" PRIu64 " bytes)",
		      r[0], r[6], r[7]);
		sum_m += r[4];
		sum_f += r[5];
	}
	/* Large objects are the difference. */
	CHECK(c, sum_m <= V(s, MALLOCS), "BySize mallocs %" PRIu64
	      " Mallocs %" PRIu64, sum_m, V(s, MALLOCS));
	CHECK(c, sum_f <= V(s, FREES), "BySize frees %" PRIu64
	      " Frees %" PRIu64, sum_f, V(s, FREES));
	CHECK(c, V(s, FREES) - sum_f <= V(s, MALLOCS) - sum_m,
	      "large frees %" PRIu64 " large mallocs %" PRIu64,
	      V(s, FREES) - sum_f, V(s, MALLOCS) - sum_m);
}

/* No cumulative counter goes back. */
static void check_monotonic(struct checker *c, const struct snap *prev,
			    const struct snap *s)
{
	unsigned int i;
	int j, col;

	for (i = 0; i < ARRAY_SIZE(cumulative); i++) {
		int a = cumulative[i];

		CHECK(c, s->v[a] >= prev->v[a], "%s went from %" PRIu64
		      " to %" PRIu64, stat_name(a), prev->v[a], s->v[a]);
	}
	if (!s->nclasses || s->nclasses != prev->nclasses)
		return;
	for (j = 0; j < s->nclasses; j++)
		for (col = 4; col <= 5; col++)
			CHECK(c, s->cls[j][col] >= prev->cls[j][col],
			      "class %d %s went from %" PRIu64 " to %" PRIu64,
			      j + 1, col == 4 ? "mallocs" : "frees",
			      prev->cls[j][col], s->cls[j][col]);
}

/* A GET_CLASSES dump on its own: one snapshot for the whole dump. */
static void check_class_dump(struct checker *c, const struct snap *d)
{
	int i;

	CHECK(c, d->nclasses > 0, "empty GET_CLASSES dump");
	for (i = 0; i < d->nclasses; i++) {
		const uint64_t *r = d->cls[i];

		CHECK(c, r[0] == (uint64_t)i + 1, "message %d is class %" PRIu64,
		      i, r[0]);
		CHECK(c, r[5] <= r[4], "class %" PRIu64 ": frees %" PRIu64
		      " mallocs %" PRIu64, r[0], r[5], r[4]);
		CHECK(c, r[6] == r[4] - r[5] && r[7] == r[6] * r[1],
		      "class %" PRIu64 ": live %" PRIu64 " (%" PRIu64 " bytes)",
		      r[0], r[6], r[7]);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Number of CPUs in a /sys/devices/system/cpu list ("0-3,5"). */
static int cpu_list_count(const char *path, bool *set, int max)
{
	char buf[256], *p, *end;
	long a, b, n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	for (p = buf; *p && *p != '\n'; p = end) {
		a = strtol(p, &end, 10);
		b = a;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (; a <= b && a < max; a++, n++)
			set[a] = true;
		if (*end == ',')
			end++;
		else if (*end && *end != '\n')
			return -1;
	}
	return n;
}

/* --- the tests ----------------------------------------------------------- */

FIXTURE(stats) {
	struct nl nl;
	char *buf;
	struct snap *a, *b, *d;
	struct cpus *cpus;
};

FIXTURE_SETUP(stats)
{
	memset(&self->nl, 0, sizeof(self->nl));
	if (!memarena_loaded())
		SKIP(return, "memarena is not loaded");
	self->buf = malloc(PROC_BUF);
	self->a = calloc(1, sizeof(struct snap));
	self->b = calloc(1, sizeof(struct snap));
	self->d = calloc(1, sizeof(struct snap));
	self->cpus = calloc(1, sizeof(struct cpus));
	ASSERT_TRUE(self->buf && self->a && self->b && self->d && self->cpus);
	ASSERT_EQ(0, ma_nl_open(&self->nl)) {
		TH_LOG("memarena family: %s", nl_geterror(self->nl.id));
	}
}

/* The 6.1 harness runs the test after a SKIP() in the setup. */
#define NEED_SETUP()	do { if (!self->buf) return; } while (0)

FIXTURE_TEARDOWN(stats)
{
	ma_nl_close(&self->nl);
	free(self->buf);
	free(self->a);
	free(self->b);
	free(self->d);
	free(self->cpus);
}

/* A forced reclaim cycle (MEMARENA_CMD_GC); its reply is not looked at. */
static int gc_valid(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

TEST_F(stats, proc_and_netlink_agree)
{
	struct checker chk = { .what = "quiescent" };
	bool possible[MAX_CPUS] = {}, online[MAX_CPUS] = {}, seen[MAX_CPUS] = {};
	uint64_t sum_m = 0, sum_f = 0, sum_co = 0, sum_cb = 0;
	struct snap *p = self->a, *g = self->b, *d = self->d;
	struct snap *e = calloc(1, sizeof(*e));
	struct cpus *cpus = self->cpus;
	int attr, i, col, npossible;
	unsigned int attempt;

	NEED_SETUP();
	ASSERT_NE(NULL, e);
	/*
	 * Four requests, four moments: they agree only while nothing moves
	 * the counters, and with nothing allocating only a reclaim cycle
	 * does (HeapReleased, HeapIdle, HeapInuse, CachedObjects, NumGC,
	 * ...).  A forced cycle first leaves the background scavenger
	 * nothing to do; should a cycle be recorded between the first read
	 * and a last GET anyway (NumGC moved), all is read again.
	 */
	for (attempt = 1; ; attempt++) {
		ASSERT_EQ(0, nl_request(&self->nl, MEMARENA_CMD_GC, false,
					gc_valid, NULL));
		ASSERT_EQ(0, proc_snapshot(p, self->buf)) TH_LOG("%s", p->err);
		ASSERT_EQ(0, nl_snapshot(&self->nl, g)) TH_LOG("%s", g->err);
		ASSERT_EQ(0, nl_classes(&self->nl, d)) TH_LOG("%s", d->err);
		memset(cpus, 0, sizeof(*cpus));
		ASSERT_EQ(0, nl_request(&self->nl, MEMARENA_CMD_GET_CPUS, true,
					cpu_valid, cpus));
		ASSERT_EQ(0, nl_snapshot(&self->nl, e)) TH_LOG("%s", e->err);
		if (V(p, NUM_GC) == V(e, NUM_GC))
			break;
		ASSERT_GT(5U, attempt) TH_LOG("a reclaim cycle ran during every attempt");
		TH_LOG("attempt %u: a reclaim cycle ran in between, again", attempt);
	}
	free(e);

	/* Scalars: same set, same order (checked while parsing), same values. */
	ASSERT_EQ(nr_scalars(), p->nscalars);
	ASSERT_EQ(nr_scalars(), g->nscalars);
	for (attr = 0; attr < NATTR; attr++) {
		if (!is_scalar(attr))
			continue;
		EXPECT_TRUE(p->have[attr] && g->have[attr]);
		EXPECT_EQ(p->v[attr], g->v[attr]) {
			TH_LOG("%s: /proc %" PRIu64 ", netlink %" PRIu64,
			       stat_name(attr), p->v[attr], g->v[attr]);
		}
	}

	/* BySize is the GET_CLASSES dump. */
	ASSERT_LT(0, p->nclasses);
	ASSERT_EQ(p->nclasses, d->nclasses);
	for (i = 0; i < p->nclasses; i++)
		for (col = 0; col < NCOLS; col++) {
			/* EXPECT_*() is two statements: keep the braces. */
			EXPECT_EQ(p->cls[i][col], d->cls[i][col]) {
				TH_LOG("class %d column %d: /proc %" PRIu64
				       ", netlink %" PRIu64, i + 1, col,
				       p->cls[i][col], d->cls[i][col]);
			}
		}

	/* GET_CPUS: one message per possible CPU, adding up to the totals. */
	ASSERT_EQ(0, cpus->err[0]) TH_LOG("%s", cpus->err);
	npossible = cpu_list_count("/sys/devices/system/cpu/possible",
				   possible, MAX_CPUS);
	ASSERT_LT(0, npossible);
	ASSERT_LT(0, cpu_list_count("/sys/devices/system/cpu/online", online,
				    MAX_CPUS));
	EXPECT_EQ(npossible, cpus->n);
	for (i = 0; i < cpus->n; i++) {
		uint64_t cpu = cpus->v[i][MEMARENA_A_CPU_CPU];

		ASSERT_GT((uint64_t)MAX_CPUS, cpu);
		EXPECT_TRUE(possible[cpu] && !seen[cpu]) {
			TH_LOG("GET_CPUS: cpu %" PRIu64 " twice or impossible", cpu);
		}
		seen[cpu] = true;
		EXPECT_EQ((uint64_t)online[cpu], cpus->v[i][MEMARENA_A_CPU_ONLINE]);
		sum_m += cpus->v[i][MEMARENA_A_CPU_MALLOCS];
		sum_f += cpus->v[i][MEMARENA_A_CPU_FREES];
		sum_co += cpus->v[i][MEMARENA_A_CPU_CACHED_OBJECTS];
		sum_cb += cpus->v[i][MEMARENA_A_CPU_CACHED_BYTES];
	}
	EXPECT_EQ(V(g, MALLOCS), sum_m);
	EXPECT_EQ(V(g, FREES), sum_f);
	EXPECT_EQ(V(g, CACHED_OBJECTS), sum_co);
	EXPECT_EQ(V(g, CACHED_BYTES), sum_cb);

	check_identities(&chk, p);
	check_identities(&chk, g);
	check_class_dump(&chk, d);
	check_monotonic(&chk, p, g);
	EXPECT_EQ(0UL, chk.violations);
	TH_LOG("%d statistics, %d classes, %d CPUs; Mallocs %" PRIu64,
	       p->nscalars, p->nclasses, cpus->n, V(g, MALLOCS));
}

/*
 * Sample for 5 s, and until 2000 snapshots and the load moved the counters
 * (about 2500 snapshots in 5 s on 2 TCG vCPUs, 2000 in 8 to 10 s on 4 vCPUs
 * of 2 cores): a slow machine samples longer, it does not fail.
 * MAX_SECONDS is only for a load or a reader that makes no progress.
 */
#define MIN_SNAPSHOTS	2000
#define MIN_SECONDS	5.0
#define MAX_SECONDS	120.0
#define MIN_MALLOCS	10000		/* by the load while sampling */
#define MIN_LIVE	100		/* objects live at once, at least */
#define LOAD_NAME	"memarena_load"

static const char *load_ko_path(void)
{
	static char path[PATH_MAX];
	char dir[PATH_MAX];
	const char *env = getenv("MEMARENA_LOAD_KO");

	if (env && *env)
		return env;
	snprintf(dir, sizeof(dir), "%s", memarena_ko_path());
	snprintf(path, sizeof(path), "%s/../selftests/modules/%s.ko",
		 dirname(dir), LOAD_NAME);
	return path;
}

TEST_F_TIMEOUT(stats, invariants_under_load, 180)
{
	struct checker chk = { .what = "loaded" };
	struct snap *cur = self->a, *prev = self->b, *d = self->d, *tmp;
	struct snap *pproc = calloc(1, sizeof(*pproc));
	struct snap *pdump = calloc(1, sizeof(*pdump));
	unsigned long n = 0, nproc = 0, nget = 0, ndump = 0;
	uint64_t base_alloc, base_objects, start_mallocs;
	uint64_t max_objects = 0;
	const char *ko = load_ko_path();
	double t0, t;
	int err;

	NEED_SETUP();
	ASSERT_TRUE(pproc && pdump);
	if (access(ko, R_OK))
		SKIP(return, "%s: %s", ko, strerror(errno));
	ASSERT_EQ(0, nl_snapshot(&self->nl, prev)) TH_LOG("%s", prev->err);
	base_alloc = V(prev, HEAP_ALLOC);
	base_objects = V(prev, HEAP_OBJECTS);
	start_mallocs = V(prev, MALLOCS);

	/*
	 * The load takes every CPU; a reader at normal priority gets a third
	 * of one under TCG.  Sample more often (this child process only).
	 */
	if (setpriority(PRIO_PROCESS, 0, -10))
		TH_LOG("setpriority: %s, sampling at normal priority",
		       strerror(errno));

	err = load_module_file(ko);
	if (err == -EEXIST) {
		ASSERT_EQ(0, unload_module(LOAD_NAME));
		err = load_module_file(ko);
	}
	ASSERT_EQ(0, err) TH_LOG("load %s: %s", ko, strerror(-err));

	t0 = now();
	do {
		chk.snapno = n;
		if (n % 2) {
			chk.what = "netlink GET";
			err = nl_snapshot(&self->nl, cur);
			nget++;
		} else {
			chk.what = "/proc/memstats";
			err = proc_snapshot(cur, self->buf);
			nproc++;
		}
		if (err) {
			unload_module(LOAD_NAME);
			ASSERT_EQ(0, err) TH_LOG("snapshot %lu: %s", n, cur->err);
		}
		check_identities(&chk, cur);
		check_monotonic(&chk, prev, cur);
		if (cur->proc) {
			if (nproc > 1)
				check_monotonic(&chk, pproc, cur);
			memcpy(pproc, cur, sizeof(*cur));
		}
		if (V(cur, HEAP_OBJECTS) > max_objects)
			max_objects = V(cur, HEAP_OBJECTS);
		tmp = prev;
		prev = cur;
		cur = tmp;
		n++;

		if (n % 64 == 0) {
			chk.what = "GET_CLASSES dump";
			chk.snapno = ndump;
			err = nl_classes(&self->nl, d);
			if (err) {
				unload_module(LOAD_NAME);
				ASSERT_EQ(0, err) TH_LOG("%s", d->err);
			}
			check_class_dump(&chk, d);
			if (ndump)
				check_monotonic(&chk, pdump, d);
			memcpy(pdump, d, sizeof(*d));
			ndump++;
		}
		t = now() - t0;
	} while ((n < MIN_SNAPSHOTS || t < MIN_SECONDS ||
		  V(prev, MALLOCS) <= start_mallocs + MIN_MALLOCS ||
		  max_objects <= base_objects + MIN_LIVE) && t < MAX_SECONDS);

	err = unload_module(LOAD_NAME);
	EXPECT_EQ(0, err) TH_LOG("unload %s: %s", LOAD_NAME, strerror(-err));

	TH_LOG("%lu snapshots (%lu /proc, %lu GET) and %lu class dumps in %.2f s, %lu checks; Mallocs +%" PRIu64 ", up to %" PRIu64 " live objects",
	       n, nproc, nget, ndump, t, chk.checks,
	       V(prev, MALLOCS) - start_mallocs, max_objects);
	EXPECT_EQ(0UL, chk.violations);
	EXPECT_LE((unsigned long)MIN_SNAPSHOTS, n);
	/* The load moved the counters: tens of thousands of objects. */
	EXPECT_LT(start_mallocs + MIN_MALLOCS, V(prev, MALLOCS));
	EXPECT_LT(base_objects + MIN_LIVE, max_objects);

	/* memarena_load freed everything when it left. */
	ASSERT_EQ(0, nl_snapshot(&self->nl, cur)) TH_LOG("%s", cur->err);
	chk.what = "after the load";
	check_identities(&chk, cur);
	check_monotonic(&chk, prev, cur);
	EXPECT_EQ(0UL, chk.violations);
	EXPECT_EQ(base_objects, V(cur, HEAP_OBJECTS));
	EXPECT_EQ(base_alloc, V(cur, HEAP_ALLOC));
	free(pproc);
	free(pdump);
}

/* --- malformed requests, on a raw socket -------------------------------- */

/* Send @len bytes of @req; read until its NLMSG_ERROR. */
struct raw_req {
	struct nlmsghdr n;
	struct genlmsghdr g;
	unsigned char attrs[64];
};

/* A request of @cmd carrying one attribute header: type, nla_len, payload. */
static size_t raw_build(struct raw_req *q, int family, int cmd, bool dump,
			uint32_t seq, int type, int nla_len, int payload)
{
	struct nlattr *a = (struct nlattr *)q->attrs;

	memset(q, 0, sizeof(*q));
	q->n.nlmsg_type = family;
	q->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0);
	q->n.nlmsg_seq = seq;
	q->g.cmd = cmd;
	q->g.version = MEMARENA_FAMILY_VERSION;
	q->n.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	if (type >= 0) {
		a->nla_type = type;
		a->nla_len = nla_len;
		q->n.nlmsg_len += NLA_ALIGN(NLA_HDRLEN + payload);
	}
	return q->n.nlmsg_len;
}

TEST_F(stats, malformed_requests_refused)
{
	static const struct {
		const char *what;
		int cmd;
		bool dump;
		int type, nla_len, payload;
		bool bad_attr;		/* extack points at the attribute */
	} cases[] = {
		{ "GET with MEMARENA_A_STATS_PAD", MEMARENA_CMD_GET, false,
		  MEMARENA_A_STATS_PAD, 8, 4, true },
		{ "GET with MEMARENA_A_STATS_PAD, no payload", MEMARENA_CMD_GET,
		  false, MEMARENA_A_STATS_PAD, 4, 0, true },
		{ "GET with attribute 200", MEMARENA_CMD_GET, false, 200, 8, 4,
		  true },
		{ "GET with attribute 0", MEMARENA_CMD_GET, false, 0, 8, 4,
		  true },
		{ "GET with MEMARENA_A_STATS_ALLOC", MEMARENA_CMD_GET, false,
		  MEMARENA_A_STATS_ALLOC, 12, 8, true },
		{ "GET with a 5-byte PAD (wrongly sized)", MEMARENA_CMD_GET,
		  false, MEMARENA_A_STATS_PAD, 5, 1, true },
		{ "GET with an attribute longer than the message",
		  MEMARENA_CMD_GET, false, MEMARENA_A_STATS_PAD, 12, 4, false },
		{ "GET with an attribute shorter than its header",
		  MEMARENA_CMD_GET, false, MEMARENA_A_STATS_PAD, 2, 4, false },
		{ "GET_CLASSES with MEMARENA_A_STATS_PAD",
		  MEMARENA_CMD_GET_CLASSES, true, MEMARENA_A_STATS_PAD, 8, 4,
		  true },
		{ "GET_CPUS with attribute 200", MEMARENA_CMD_GET_CPUS, true,
		  200, 8, 4, true },
	};
	struct snap *before = self->a, *after = self->b;
	unsigned int i, attempt;
	struct raw_reply r;
	struct raw_req q;
	uint32_t seq = 1;
	size_t len;
	int fd, attr;

	NEED_SETUP();
	fd = raw_open();
	ASSERT_LE(0, fd) TH_LOG("raw netlink socket: %s", strerror(errno));

	/*
	 * Only a reclaim cycle moves the counters while nothing allocates.
	 * A forced cycle first leaves the background scavenger nothing to
	 * give back; should one run anyway between the two snapshots
	 * (NumGC moved), the comparison would not be about the requests,
	 * so the whole sequence runs again.
	 */
	for (attempt = 1; ; attempt++) {
		len = raw_build(&q, self->nl.id, MEMARENA_CMD_GC, false, seq, -1, 0, 0);
		ASSERT_EQ(0, raw_transact(fd, &q, len, seq, &r));
		ASSERT_EQ(0, r.error) TH_LOG("forced cycle: %s", strerror(-r.error));
		seq++;
		ASSERT_EQ(0, nl_snapshot(&self->nl, before)) TH_LOG("%s", before->err);

		/* The raw socket itself works: a plain GET gets its reply. */
		len = raw_build(&q, self->nl.id, MEMARENA_CMD_GET, false, seq, -1, 0, 0);
		ASSERT_EQ(0, raw_transact(fd, &q, len, seq, &r));
		EXPECT_EQ(0, r.error);
		EXPECT_EQ(1, r.replies);
		seq++;

		for (i = 0; i < ARRAY_SIZE(cases); i++, seq++) {
			len = raw_build(&q, self->nl.id, cases[i].cmd, cases[i].dump,
					seq, cases[i].type, cases[i].nla_len,
					cases[i].payload);
			ASSERT_EQ(0, raw_transact(fd, &q, len, seq, &r)) {
				TH_LOG("%s: no answer", cases[i].what);
			}
			TH_LOG("%s: %s, extack \"%s\", offset %ld", cases[i].what,
			       strerror(-r.error), r.msg, r.offs);
			EXPECT_GT(0, r.error) TH_LOG("%s: error %d", cases[i].what, r.error);
			EXPECT_NE(-EOPNOTSUPP, r.error);
			EXPECT_EQ(0, r.replies);
			EXPECT_NE(0, r.msg[0]) TH_LOG("%s: no extack message", cases[i].what);
			if (cases[i].bad_attr) {
				EXPECT_EQ((long)(NLMSG_HDRLEN + GENL_HDRLEN), r.offs);
			}
		}

		/*
		 * Too short for the genl header: 2 of its 4 bytes.  The genetlink
		 * core refuses it before any family sees it, and (in 6.1,
		 * genl_family_rcv_msg()) without an extack message: only the error
		 * is memarena's to promise here, the message is logged if present.
		 */
		len = raw_build(&q, self->nl.id, MEMARENA_CMD_GET, false, seq, -1, 0, 0);
		q.n.nlmsg_len = NLMSG_HDRLEN + 2;
		ASSERT_EQ(0, raw_transact(fd, &q, q.n.nlmsg_len, seq, &r));
		TH_LOG("truncated GET: %s, extack \"%s\"%s", strerror(-r.error), r.msg,
		       r.msg[0] ? "" : " (none from the genetlink core)");
		EXPECT_GT(0, r.error);
		EXPECT_NE(-EOPNOTSUPP, r.error);
		EXPECT_EQ(0, r.replies);
		seq++;

		/* Still served, and nothing moved. */
		len = raw_build(&q, self->nl.id, MEMARENA_CMD_GET, false, seq, -1, 0, 0);
		ASSERT_EQ(0, raw_transact(fd, &q, len, seq, &r));
		EXPECT_EQ(0, r.error);
		EXPECT_EQ(1, r.replies);
		seq++;
		ASSERT_EQ(0, nl_snapshot(&self->nl, after)) TH_LOG("%s", after->err);
		if (before->v[MEMARENA_A_STATS_NUM_GC] ==
		    after->v[MEMARENA_A_STATS_NUM_GC])
			break;
		ASSERT_GT(5U, attempt) TH_LOG("a reclaim cycle ran during every attempt");
		TH_LOG("attempt %u: a reclaim cycle ran in between, again", attempt);
	}
	close(fd);
	for (attr = 0; attr < NATTR; attr++) {
		if (!is_scalar(attr))
			continue;
		EXPECT_EQ(before->v[attr], after->v[attr]) {
			TH_LOG("%s: %" PRIu64 " before, %" PRIu64 " after",
			       stat_name(attr), before->v[attr],
			       after->v[attr]);
		}
	}
}

TEST_HARNESS_MAIN
