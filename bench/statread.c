// SPDX-License-Identifier: GPL-2.0
/*
 * statread - take full memarena statistics snapshots at a fixed rate and
 * report how long each took to read: the reader's side of the cost of
 * the statistics interfaces, next to memarena_bench.ko's allocator side.
 *
 * usage: statread --source proc|netlink|slabinfo [--hz N] [--seconds S]
 *                 [--label TEXT] [--cpu N]
 *
 *   --source   proc      /proc/memstats: pread() from offset 0 until EOF
 *              netlink   one MEMARENA_CMD_GET request of the "memarena"
 *                        generic netlink family and its complete reply
 *              slabinfo  /proc/slabinfo, read as proc (a baseline)
 *   --hz       snapshots per second, 1 to 1000000 (default 1000)
 *   --seconds  length of the run, more than 0 (default 5)
 *   --label    free text echoed in the output, no blanks (default "-")
 *   --cpu      pin the reader to this CPU (sched_setaffinity)
 *
 * Snapshots are due at fixed deadlines, start + i / hz, slept to with
 * clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME).  A deadline that has
 * already passed when it comes up is not caught up with: it and every
 * later one already passed are skipped, and counted.  Each snapshot is
 * timed with CLOCK_MONOTONIC.  The function call ("CAL:") and TLB
 * shootdown ("TLB:") interrupts of /proc/interrupts, summed over all
 * CPUs, are read before and after the run: they count the IPIs of the
 * whole system during it, not only those the reads caused.
 *
 * Output: one line on stdout, key=value tokens, latencies in microseconds
 * (p50 and p99 are nearest-rank percentiles; -1 where nothing was
 * measured or /proc/interrupts lacks the line):
 *
 *   statread source=proc label=X hz=1000 seconds=5.00 samples=4998
 *   skipped=2 p50_us=210.51 p99_us=480.20 max_us=1203.00 mean_us=230.10
 *   cal_delta=12 tlb_delta=0
 *
 * (all on one line).  samples + skipped = hz * seconds, rounded.
 *
 * Exit status: 0 after a run; 1 when the source is unavailable (memarena
 * not loaded, no permission) or a snapshot fails; 2 on a usage error.
 * Messages go to stderr, one line each, prefixed "statread: ".
 *
 * Build: make -C bench (into build/bench/statread), or make bench.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/memarena.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#define NSEC_PER_SEC		1000000000ULL
#define NSEC_PER_USEC		1000.0

#define FILE_BUF_START		(64 * 1024)
#define FILE_BUF_MAX		(64 * 1024 * 1024)
#define NL_BUF_SIZE		(64 * 1024)

#define MAX_HZ			1000000UL
#define MAX_SECONDS		86400.0
#define MAX_SLOTS		10000000ULL

#define SLABINFO_PATH		"/proc/slabinfo"
#define INTERRUPTS_PATH		"/proc/interrupts"

enum source_kind {
	SOURCE_PROC,
	SOURCE_NETLINK,
	SOURCE_SLABINFO,
};

static const char * const source_names[] = {
	[SOURCE_PROC]		= "proc",
	[SOURCE_NETLINK]	= "netlink",
	[SOURCE_SLABINFO]	= "slabinfo",
};

/* The open source: a file read whole, or a netlink socket. */
struct source {
	enum source_kind kind;
	const char *path;	/* files */
	int fd;			/* file or socket */
	char *buf;
	size_t size;
	unsigned short family;	/* netlink: the family id */
	unsigned int seq;	/* netlink: of the last request */
};

struct options {
	enum source_kind kind;
	bool have_source;
	unsigned long hz;
	double seconds;
	const char *label;
	long cpu;		/* -1: not pinned */
};

struct genl_request {
	struct nlmsghdr nlh;
	struct genlmsghdr genl;
	char attrs[64];
};

static void msg(const char *fmt, ...)
{
	va_list ap;

	fputs("statread: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("statread: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (usage: statread --source proc|netlink|slabinfo", stderr);
	fputs(" [--hz N] [--seconds S] [--label TEXT] [--cpu N])\n", stderr);
	exit(2);
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void sleep_until(unsigned long long deadline)
{
	struct timespec ts = {
		.tv_sec = deadline / NSEC_PER_SEC,
		.tv_nsec = deadline % NSEC_PER_SEC,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

/* --- options -------------------------------------------------------------- */

static bool parse_ulong(const char *s, unsigned long min, unsigned long max,
			unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* User and system time this process used, in microseconds. */
static unsigned long long cpu_us(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000ULL +
	       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static bool parse_seconds(const char *s, double *out)
{
	double v;
	char *end;

	if (!*s)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > MAX_SECONDS)
		return false;
	*out = v;
	return true;
}

static bool label_ok(const char *s)
{
	if (!*s || strlen(s) > 128)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s == 0x7f)
			return false;
	return true;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "source",	required_argument, NULL, 's' },
		{ "hz",		required_argument, NULL, 'z' },
		{ "seconds",	required_argument, NULL, 't' },
		{ "label",	required_argument, NULL, 'l' },
		{ "cpu",	required_argument, NULL, 'c' },
		{ NULL,		0,		   NULL, 0 },
	};
	unsigned long cpu;
	unsigned int i;
	int c;

	o->have_source = false;
	o->hz = 1000;
	o->seconds = 5;
	o->label = "-";
	o->cpu = -1;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			for (i = 0; i < ARRAY_SIZE(source_names); i++)
				if (!strcmp(optarg, source_names[i]))
					break;
			if (i == ARRAY_SIZE(source_names))
				usage_error("unknown source '%s'", optarg);
			o->kind = i;
			o->have_source = true;
			break;
		case 'z':
			if (!parse_ulong(optarg, 1, MAX_HZ, &o->hz))
				usage_error("bad --hz '%s': an integer from 1 to %lu",
					    optarg, MAX_HZ);
			break;
		case 't':
			if (!parse_seconds(optarg, &o->seconds))
				usage_error("bad --seconds '%s': a number above 0, at most %.0f",
					    optarg, MAX_SECONDS);
			break;
		case 'l':
			if (!label_ok(optarg))
				usage_error("bad --label: 1 to 128 characters, no blanks");
			o->label = optarg;
			break;
		case 'c':
			if (!parse_ulong(optarg, 0, CPU_SETSIZE - 1, &cpu))
				usage_error("bad --cpu '%s': a CPU number from 0 to %d",
					    optarg, CPU_SETSIZE - 1);
			o->cpu = (long)cpu;
			break;
		case ':':
			usage_error("option '%s' needs a value",
				    argv[optind - 1]);
			break;
		default:
			if (optopt)
				usage_error("unknown option '-%c'", optopt);
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->have_source)
		usage_error("--source is required");
}

/* --- /proc/interrupts ----------------------------------------------------- */

/*
 * The sum over all CPUs of the line of /proc/interrupts named @name
 * ("CAL:"), or -1 if the file or the line is missing.
 */
static long long interrupts_sum(const char *name)
{
	size_t cap = 0, len = strlen(name);
	long long sum = -1;
	char *line = NULL;
	FILE *f;

	f = fopen(INTERRUPTS_PATH, "re");
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		char *p = line, *end;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, name, len))
			continue;
		p += len;
		sum = 0;
		for (;;) {
			unsigned long long v;

			while (*p == ' ' || *p == '\t')
				p++;
			if (*p < '0' || *p > '9')
				break;
			v = strtoull(p, &end, 10);
			if (*end && *end != ' ' && *end != '\t' && *end != '\n')
				break;
			sum += (long long)v;
			p = end;
		}
		break;
	}
	free(line);
	fclose(f);
	return sum;
}

static long long delta(long long before, long long after)
{
	if (before < 0 || after < 0 || after < before)
		return -1;
	return after - before;
}

/* --- files ---------------------------------------------------------------- */

static int file_open(struct source *s)
{
	s->fd = open(s->path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0) {
		int err = errno;

		if (s->kind == SOURCE_PROC && err == ENOENT)
			msg("%s: %s (is memarena loaded?)", s->path,
			    strerror(err));
		else
			msg("%s: %s", s->path, strerror(err));
		return -1;
	}
	s->size = FILE_BUF_START;
	s->buf = malloc(s->size);
	if (!s->buf) {
		msg("out of memory");
		return -1;
	}
	return 0;
}

/* One full snapshot: pread() from offset 0 until EOF.  0 or -errno. */
static int file_read(struct source *s)
{
	size_t off = 0;
	ssize_t n;

	for (;;) {
		if (off == s->size) {
			char *buf;

			if (s->size >= FILE_BUF_MAX)
				return -EFBIG;
			buf = realloc(s->buf, s->size * 2);
			if (!buf)
				return -ENOMEM;
			s->buf = buf;
			s->size *= 2;
		}
		n = pread(s->fd, s->buf + off, s->size - off, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!n)
			return 0;
		off += n;
	}
}

/* --- netlink -------------------------------------------------------------- */

static int nl_send(int fd, struct genl_request *req)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n;

	do {
		n = sendto(fd, req, req->nlh.nlmsg_len, 0,
			   (struct sockaddr *)&kernel, sizeof(kernel));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)req->nlh.nlmsg_len ? 0 : -EIO;
}

/* Whether the attributes at @a, @len bytes, are well formed. */
static bool attrs_ok(const struct nlattr *a, int len)
{
	while (len >= NLA_HDRLEN) {
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return false;
		len -= NLA_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a +
					    NLA_ALIGN(a->nla_len));
	}
	return len <= 0;
}

/*
 * Receive the answer to request @seq: the reply message of @type, left in
 * @s->buf at @*reply, or an NLMSG_ERROR.  Both requests made here are
 * "do" commands, answered with one message: a multipart answer is taken
 * as malformed.  0 or -errno (-EBADMSG: malformed, -ENODATA: a bare
 * acknowledgment, -EMSGSIZE: larger than the buffer).
 */
static int nl_recv(struct source *s, unsigned int seq, unsigned short type,
		   const struct nlmsghdr **reply)
{
	struct iovec iov = { .iov_base = s->buf, .iov_len = s->size };
	struct sockaddr_nl from;
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};

	for (;;) {
		const struct nlmsghdr *nlh;
		ssize_t n;
		int len;

		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		n = recvmsg(s->fd, &mh, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (mh.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		if (from.nl_pid)
			continue;	/* not from the kernel */
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)s->buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			const struct nlattr *attrs;

			if (nlh->nlmsg_seq != seq)
				continue;	/* stale */
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EBADMSG;
				return e->error ? e->error : -ENODATA;
			}
			if (nlh->nlmsg_type != type ||
			    (nlh->nlmsg_flags & NLM_F_MULTI) ||
			    nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
				return -EBADMSG;
			attrs = (const struct nlattr *)
				((const char *)NLMSG_DATA(nlh) + GENL_HDRLEN);
			if (!attrs_ok(attrs, (int)nlh->nlmsg_len -
					     NLMSG_LENGTH(GENL_HDRLEN)))
				return -EBADMSG;
			*reply = nlh;
			return 0;
		}
		if (len > 0)
			return -EBADMSG;
	}
}

static int nl_resolve_family(struct source *s)
{
	struct genl_request req = {
		.nlh = {
			.nlmsg_type = GENL_ID_CTRL,
			.nlmsg_flags = NLM_F_REQUEST,
			.nlmsg_seq = ++s->seq,
		},
		.genl = {
			.cmd = CTRL_CMD_GETFAMILY,
			.version = 1,
		},
	};
	const struct nlmsghdr *reply;
	const struct nlattr *a;
	struct nlattr *name;
	int err, len;

	name = (struct nlattr *)req.attrs;
	name->nla_type = CTRL_ATTR_FAMILY_NAME;
	name->nla_len = NLA_HDRLEN + sizeof(MEMARENA_GENL_NAME);
	memcpy((char *)name + NLA_HDRLEN, MEMARENA_GENL_NAME,
	       sizeof(MEMARENA_GENL_NAME));
	req.nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) +
			    NLA_ALIGN(name->nla_len);

	err = nl_send(s->fd, &req);
	if (!err)
		err = nl_recv(s, req.nlh.nlmsg_seq, GENL_ID_CTRL, &reply);
	if (err == -ENOENT) {
		msg("generic netlink family \"%s\" is not registered (is memarena loaded?)",
		    MEMARENA_GENL_NAME);
		return -1;
	}
	if (err) {
		msg("resolving the \"%s\" family: %s", MEMARENA_GENL_NAME,
		    strerror(-err));
		return -1;
	}
	len = (int)reply->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	a = (const struct nlattr *)((const char *)NLMSG_DATA(reply) +
				    GENL_HDRLEN);
	while (len >= NLA_HDRLEN) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID &&
		    a->nla_len >= NLA_HDRLEN + sizeof(unsigned short)) {
			memcpy(&s->family, (const char *)a + NLA_HDRLEN,
			       sizeof(s->family));
			return 0;
		}
		len -= NLA_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a +
					    NLA_ALIGN(a->nla_len));
	}
	msg("resolving the \"%s\" family: no id in the reply",
	    MEMARENA_GENL_NAME);
	return -1;
}

static int nl_open(struct source *s)
{
	struct timeval tv = { .tv_sec = 5 };

	s->size = NL_BUF_SIZE;
	s->buf = malloc(s->size);
	if (!s->buf) {
		msg("out of memory");
		return -1;
	}
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0) {
		msg("generic netlink socket: %s", strerror(errno));
		return -1;
	}
	/* Never hang on a reply that does not come. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		msg("SO_RCVTIMEO: %s", strerror(errno));
		return -1;
	}
	return nl_resolve_family(s);
}

/* One full snapshot: a MEMARENA_CMD_GET and its whole reply.  0 or -errno. */
static int nl_read(struct source *s)
{
	struct genl_request req = {
		.nlh = {
			.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN),
			.nlmsg_type = s->family,
			.nlmsg_flags = NLM_F_REQUEST,
			.nlmsg_seq = ++s->seq,
		},
		.genl = {
			.cmd = MEMARENA_CMD_GET,
			.version = MEMARENA_GENL_VERSION,
		},
	};
	const struct genlmsghdr *genl;
	const struct nlmsghdr *reply;
	int err;

	err = nl_send(s->fd, &req);
	if (!err)
		err = nl_recv(s, req.nlh.nlmsg_seq, s->family, &reply);
	if (err)
		return err;
	genl = NLMSG_DATA(reply);
	if (genl->cmd != MEMARENA_CMD_GET ||
	    reply->nlmsg_len == NLMSG_LENGTH(GENL_HDRLEN))
		return -EBADMSG;
	return 0;
}

/* --- the run -------------------------------------------------------------- */

static int source_open(struct source *s)
{
	s->fd = -1;
	s->buf = NULL;
	s->seq = 0;
	switch (s->kind) {
	case SOURCE_PROC:
		s->path = MEMARENA_PROC_PATH;
		return file_open(s);
	case SOURCE_SLABINFO:
		s->path = SLABINFO_PATH;
		return file_open(s);
	case SOURCE_NETLINK:
		s->path = NULL;
		return nl_open(s);
	}
	return -1;
}

static int source_read(struct source *s)
{
	return s->kind == SOURCE_NETLINK ? nl_read(s) : file_read(s);
}

static const char *source_what(const struct source *s)
{
	return s->path ? s->path : "netlink MEMARENA_CMD_GET";
}

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

/* The nearest-rank @pct percentile of the @n sorted @v, in microseconds. */
static double percentile_us(const unsigned long long *v, size_t n,
			    unsigned int pct)
{
	size_t rank = (n * pct + 99) / 100;

	return v[rank ? rank - 1 : 0] / NSEC_PER_USEC;
}

int main(int argc, char **argv)
{
	unsigned long long slots, i, start, deadline, t0, t1, sum = 0;
	unsigned long long skipped = 0, *lat;
	long long cal0, tlb0, cal1, tlb1;
	struct source src;
	struct options o;
	size_t n = 0;
	int err;

	parse_options(argc, argv, &o);
	slots = llround(o.hz * o.seconds);
	if (slots < 1 || slots > MAX_SLOTS)
		usage_error("--hz times --seconds must be from 1 to %llu samples",
			    MAX_SLOTS);

	if (o.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			msg("cannot run on CPU %ld: %s", o.cpu,
			    strerror(errno));
			return 1;
		}
	}

	lat = calloc(slots, sizeof(*lat));
	if (!lat) {
		msg("out of memory for %llu samples", slots);
		return 1;
	}
	src.kind = o.kind;
	if (source_open(&src))
		return 1;
	/* One untimed snapshot: checks the source, sizes the buffer. */
	err = source_read(&src);
	if (err) {
		msg("%s: %s", source_what(&src), strerror(-err));
		return 1;
	}

	cal0 = interrupts_sum("CAL:");
	tlb0 = interrupts_sum("TLB:");
	start = now_ns() + NSEC_PER_SEC / o.hz;
	for (i = 0; i < slots; i++) {
		deadline = start + i * NSEC_PER_SEC / o.hz;
		t0 = now_ns();
		if (t0 > deadline) {
			/* Late: skip to the next deadline still ahead. */
			while (i < slots &&
			       start + i * NSEC_PER_SEC / o.hz < t0) {
				skipped++;
				i++;
			}
			if (i == slots)
				break;
			deadline = start + i * NSEC_PER_SEC / o.hz;
		}
		sleep_until(deadline);
		t0 = now_ns();
		err = source_read(&src);
		t1 = now_ns();
		if (err) {
			msg("%s: %s (after %zu samples)", source_what(&src),
			    strerror(-err), n);
			return 1;
		}
		lat[n++] = t1 - t0;
		sum += t1 - t0;
	}
	cal1 = interrupts_sum("CAL:");
	tlb1 = interrupts_sum("TLB:");

	printf("statread source=%s label=%s hz=%lu seconds=%.2f samples=%zu skipped=%llu",
	       source_names[o.kind], o.label, o.hz, o.seconds, n, skipped);
	if (n) {
		qsort(lat, n, sizeof(*lat), cmp_ull);
		printf(" p50_us=%.2f p99_us=%.2f max_us=%.2f mean_us=%.2f",
		       percentile_us(lat, n, 50), percentile_us(lat, n, 99),
		       lat[n - 1] / NSEC_PER_USEC,
		       (double)sum / n / NSEC_PER_USEC);
	} else {
		printf(" p50_us=-1 p99_us=-1 max_us=-1 mean_us=-1");
	}
	printf(" cal_delta=%lld tlb_delta=%lld cpu_us=%llu\n", delta(cal0, cal1),
	       delta(tlb0, tlb1), cpu_us());
	if (fflush(stdout) || ferror(stdout)) {
		msg("writing the result: %s", strerror(errno));
		return 1;
	}
	free(lat);
	free(src.buf);
	close(src.fd);
	return 0;
}
