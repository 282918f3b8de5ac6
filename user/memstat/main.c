// SPDX-License-Identifier: GPL-2.0
/*
 * memstat: options, dispatch, --help, errors and exit codes, -o FILE.
 *
 * The commands are not listed here: each file registers its own with
 * MEMSTAT_COMMAND() (memstat.h), and main() finds them in the
 * "memstat_cmds" section, both to run one and to print --help.
 *
 * Options may come before or after the command (GNU getopt permutes);
 * those only some commands take (-i, -n, -s) and the output formats are
 * checked against the command's entry, so a misplaced one is a usage
 * error rather than silently ignored.
 */

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memstat.h"

extern const struct ms_cmd *const __start_memstat_cmds[];
extern const struct ms_cmd *const __stop_memstat_cmds[];

#define for_each_cmd(pp)						\
	for ((pp) = __start_memstat_cmds; (pp) < __stop_memstat_cmds; (pp)++)

static const char *const format_names[__FMT_COUNT] = {
	[FMT_TEXT]		= "text",
	[FMT_JSON]		= "json",
	[FMT_CSV]		= "csv",
	[FMT_PROMETHEUS]	= "prometheus",
	[FMT_PPROF]		= "pprof",
};

/* --- errors ------------------------------------------------------------- */

void ms_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("memstat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A bad command line: the message, a pointer to --help, exit status 2. */
int ms_usage_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("memstat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'memstat --help' for more information.\n", stderr);
	return EXIT_USAGE;
}

/**
 * ms_not_loaded() - say that memarena is not there, and how to load it
 *
 * Return: EXIT_ERROR.
 */
int ms_not_loaded(void)
{
	if (access("/sys/module/memarena", F_OK) == 0)
		ms_err("memarena is loaded, but its netlink family \"%s\" is not visible from this network namespace; use --proc",
		       MEMARENA_FAMILY_NAME);
	else
		ms_err("memarena is not loaded; load it with 'modprobe memarena' (or 'insmod memarena.ko' in a build tree)");
	return EXIT_ERROR;
}

/**
 * ms_kernel_err_hint() - report a refused request, with the kernel's message
 * @what: what memstat was doing ("reading the size classes")
 * @err: negative errno
 * @e: the kernel's error and extack message, or NULL
 * @eperm_hint: what the request needs, said after an EPERM
 *
 * Return: EXIT_ERROR.
 */
int ms_kernel_err_hint(const char *what, int err, const struct genl_error *e,
		       const char *eperm_hint)
{
	const char *hint = "";
	char extack[300] = "";

	if (err == -ENOENT && (!e || !e->msg[0]))
		return ms_not_loaded();
	if (e && e->msg[0])
		snprintf(extack, sizeof(extack), " (kernel: %s)", e->msg);
	if (err == -EPERM)
		hint = eperm_hint;
	else if (err == -EOPNOTSUPP)
		hint = "; the loaded memarena does not implement it";
	ms_err("%s: %s%s%s", what, strerror(-err), extack, hint);
	return EXIT_ERROR;
}

/**
 * ms_kernel_err() - report a refused request, with the kernel's message
 * @what: what memstat was doing ("reading the statistics")
 * @err: negative errno
 * @e: the kernel's error and extack message, or NULL
 *
 * An EPERM is said to need CAP_NET_ADMIN, as the admin commands do.
 *
 * Return: EXIT_ERROR.
 */
int ms_kernel_err(const char *what, int err, const struct genl_error *e)
{
	return ms_kernel_err_hint(what, err, e,
				  "; it needs CAP_NET_ADMIN (run it as root)");
}

/**
 * ms_note_withheld() - say on stderr what the output leaves out, and why
 * @what: what is left out ("BySize (the size classes)")
 *
 * For commands that go on without the size classes or per-CPU figures
 * when the kernel withholds them (struct ms_table, @optional).
 */
void ms_note_withheld(const char *what)
{
	ms_err("note: %s left out: memarena shows them to CAP_SYS_ADMIN only (run memstat as root), or to everyone with its module parameter stats_public=1",
	       what);
}

/* --- help --------------------------------------------------------------- */

static int cmd_cmp(const void *a, const void *b)
{
	const struct ms_cmd *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static void print_cmd_help(FILE *f, const struct ms_cmd *cmd)
{
	unsigned int fmt;
	const char *sep = "";

	fprintf(f, "  %s%s%s\n", cmd->name, cmd->args[0] ? " " : "", cmd->args);
	fprintf(f, "      %s\n", cmd->help);
	fprintf(f, "      formats: ");
	for (fmt = 0; fmt < __FMT_COUNT; fmt++) {
		if (cmd->formats & FMT(fmt)) {
			fprintf(f, "%s%s", sep, format_names[fmt]);
			sep = ", ";
		}
	}
	fputc('\n', f);
}

static void usage(FILE *f)
{
	const struct ms_cmd *const *pp;
	const struct ms_cmd *cmds[32];
	size_t n = 0, i;

	for_each_cmd(pp)
		if (n < ARRAY_SIZE(cmds))
			cmds[n++] = *pp;
	qsort(cmds, n, sizeof(cmds[0]), cmd_cmp);

	fprintf(f,
		"Usage: memstat [OPTIONS] [COMMAND [ARGS...]]\n"
		"\n"
		"Show memarena's statistics, Go's runtime.MemStats, read from the kernel over\n"
		"the \"memarena\" generic netlink family.  Without a command: every statistic.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < n; i++)
		print_cmd_help(f, cmds[i]);
	fprintf(f,
		"\n"
		"Options:\n"
		"  -j, --json             JSON: one object (one per line for watch, monitor)\n"
		"      --prometheus       Prometheus text format, client_golang's go_memstats_*\n"
		"                         names plus memarena_* (show, classes, cpus, arenas,\n"
		"                         nodes)\n"
		"      --csv              comma-separated values (watch)\n"
		"  -f, --format=FORMAT    text, json, csv, prometheus or pprof (Go's\n"
		"                         '# runtime.MemStats' block of /debug/pprof/heap?debug=1)\n"
		"  -b, --bytes            exact integers instead of 418 kB, 38,758, 1.5ms\n"
		"      --iec              powers of 1024 (KiB, MiB) instead of 1000 (kB, MB)\n"
		"  -o, --output=FILE      write to FILE atomically (a temporary file renamed\n"
		"                         over it), e.g. for node_exporter's textfile collector\n"
		"      --proc[=FILE]      read %s (or FILE) instead of netlink\n"
		"  -i, --interval=TIME    watch: time between samples: 100ms, 1s, 2m (default 1s)\n"
		"  -n, --count=N          watch, monitor: stop after N samples or events\n"
		"  -s, --sort=FIELD       classes: sort by FIELD (see memstat classes --help)\n"
		"      --go=FILE          explain: a Go program's numbers instead of memarena's,\n"
		"                         from its /debug/pprof/heap?debug=1 or expvar\n"
		"                         /debug/vars output (FILE '-': standard input)\n"
		"  -h, --help             this help; 'memstat COMMAND --help' for one command\n"
		"  -V, --version          print the version\n"
		"\n"
		"FIELD names are Go's MemStats names: 'memstat fields' lists them.\n"
		"Exit status: 0 success, 1 error (memarena not loaded, the kernel refused),\n"
		"2 usage error.  See memstat(8).\n",
		MEMARENA_PROC_PATH);
}

static int cmd_help(struct ms_ctx *ctx, int argc, char **argv)
{
	const struct ms_cmd *const *pp;

	if (argc == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	for_each_cmd(pp) {
		if (!strcmp((*pp)->name, argv[0])) {
			printf("Usage: memstat [OPTIONS] %s%s%s\n\n", (*pp)->name,
			       (*pp)->args[0] ? " " : "", (*pp)->args);
			print_cmd_help(stdout, *pp);
			return EXIT_OK;
		}
	}
	return ms_usage_err("unknown command '%s'", argv[0]);
}

MEMSTAT_COMMAND(help, "help", "[COMMAND]", FMT(FMT_TEXT), 0, 0, cmd_help,
		"this help, or one command's");

/* --- -o FILE ------------------------------------------------------------ */

/* Point stdout at a new temporary file beside @path. */
static int output_open(const char *path, char **tmp)
{
	mode_t mask;
	int fd;

	if (asprintf(tmp, "%s.XXXXXX", path) < 0) {
		*tmp = NULL;
		ms_err("out of memory");
		return EXIT_ERROR;
	}
	fd = mkstemp(*tmp);
	if (fd < 0) {
		ms_err("%s: %s", *tmp, strerror(errno));
		free(*tmp);
		*tmp = NULL;
		return EXIT_ERROR;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) || dup2(fd, STDOUT_FILENO) < 0) {
		ms_err("%s: %s", *tmp, strerror(errno));
		close(fd);
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
		return EXIT_ERROR;
	}
	close(fd);
	return 0;
}

/* Replace @path with what was written, or leave it alone on failure. */
static int output_commit(const char *path, char *tmp, int rc)
{
	if (rc == EXIT_OK) {
		if (fflush(stdout) || ferror(stdout) || fsync(STDOUT_FILENO)) {
			ms_err("%s: %s", tmp, strerror(errno));
			rc = EXIT_ERROR;
		} else if (rename(tmp, path)) {
			ms_err("%s: %s", path, strerror(errno));
			rc = EXIT_ERROR;
		}
	}
	if (rc != EXIT_OK)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* --- main --------------------------------------------------------------- */

enum {
	LOPT_IEC = 256,
	LOPT_PROMETHEUS,
	LOPT_CSV,
	LOPT_PROC,
	LOPT_GO,
};

static const struct option long_options[] = {
	{ "json",	no_argument,		NULL, 'j' },
	{ "prometheus",	no_argument,		NULL, LOPT_PROMETHEUS },
	{ "csv",	no_argument,		NULL, LOPT_CSV },
	{ "format",	required_argument,	NULL, 'f' },
	{ "bytes",	no_argument,		NULL, 'b' },
	{ "iec",	no_argument,		NULL, LOPT_IEC },
	{ "output",	required_argument,	NULL, 'o' },
	{ "proc",	optional_argument,	NULL, LOPT_PROC },
	{ "interval",	required_argument,	NULL, 'i' },
	{ "count",	required_argument,	NULL, 'n' },
	{ "sort",	required_argument,	NULL, 's' },
	{ "go",		required_argument,	NULL, LOPT_GO },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ NULL }
};

static int set_format(struct ms_ctx *ctx, bool *set, enum ms_format fmt)
{
	if (*set && ctx->format != fmt)
		return ms_usage_err("choose one output format (%s or %s)",
				    format_names[ctx->format], format_names[fmt]);
	*set = true;
	ctx->format = fmt;
	return 0;
}

static const struct ms_cmd *find_cmd(const char *name)
{
	const struct ms_cmd *const *pp;

	for_each_cmd(pp)
		if (!strcmp((*pp)->name, name))
			return *pp;
	return NULL;
}

/* Whether the options given fit the command. */
static int check_cmd(const struct ms_ctx *ctx, const struct ms_cmd *cmd,
		     unsigned int opts, const char *outfile)
{
	static const struct {
		unsigned int opt;
		const char *name;
	} opt_names[] = {
		{ OPT_INTERVAL, "-i/--interval" },
		{ OPT_COUNT, "-n/--count" },
		{ OPT_SORT, "-s/--sort" },
		{ OPT_GO, "--go" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(opt_names); i++)
		if ((opts & opt_names[i].opt) && !(cmd->options & opt_names[i].opt))
			return ms_usage_err("'%s' does not take %s", cmd->name,
					    opt_names[i].name);
	if (!(cmd->formats & FMT(ctx->format)))
		return ms_usage_err("'%s' cannot print %s (see 'memstat help %s')",
				    cmd->name, format_names[ctx->format], cmd->name);
	if (outfile && (cmd->flags & CMD_STREAM))
		return ms_usage_err("'%s' prints until stopped: -o is for one-shot commands",
				    cmd->name);
	if (ctx->proc && (cmd->flags & CMD_NETLINK))
		return ms_usage_err("'%s' needs netlink: drop --proc", cmd->name);
	if (ctx->proc && ctx->go)
		return ms_usage_err("--go and --proc exclude each other");
	return 0;
}

int main(int argc, char **argv)
{
	struct ms_ctx ctx = {
		.format = FMT_TEXT,
		.units = UNITS_SI,
		.interval_ns = 1000000000,
	};
	bool help = false, format_set = false, units_set = false;
	const char *outfile = NULL;
	const struct ms_cmd *cmd;
	unsigned int opts = 0;
	char *tmp = NULL;
	int c, rc;

	while ((c = getopt_long(argc, argv, "jf:bo:i:n:s:hV", long_options,
				NULL)) != -1) {
		rc = 0;
		switch (c) {
		case 'j':
			rc = set_format(&ctx, &format_set, FMT_JSON);
			break;
		case LOPT_PROMETHEUS:
			rc = set_format(&ctx, &format_set, FMT_PROMETHEUS);
			break;
		case LOPT_CSV:
			rc = set_format(&ctx, &format_set, FMT_CSV);
			break;
		case 'f':
			for (c = 0; c < __FMT_COUNT; c++)
				if (!strcmp(optarg, format_names[c]))
					break;
			if (c == __FMT_COUNT)
				return ms_usage_err("unknown format '%s' (text, json, csv, prometheus, pprof)",
						    optarg);
			rc = set_format(&ctx, &format_set, c);
			break;
		case 'b':
		case LOPT_IEC:
			if (units_set)
				return ms_usage_err("--bytes and --iec exclude each other");
			units_set = true;
			ctx.units = c == 'b' ? UNITS_EXACT : UNITS_IEC;
			break;
		case 'o':
			outfile = optarg;
			break;
		case LOPT_PROC:
			ctx.proc = optarg ? optarg : MEMARENA_PROC_PATH;
			break;
		case 'i':
			opts |= OPT_INTERVAL;
			if (parse_interval(optarg, &ctx.interval_ns))
				return ms_usage_err("bad interval '%s': give a positive time such as 100ms, 1s, 1.5s, 2m",
						    optarg);
			break;
		case 'n':
			opts |= OPT_COUNT;
			if (parse_count(optarg, &ctx.count) || ctx.count == 0)
				return ms_usage_err("bad count '%s': give a positive integer",
						    optarg);
			break;
		case 's':
			opts |= OPT_SORT;
			ctx.sort = optarg;
			break;
		case LOPT_GO:
			opts |= OPT_GO;
			ctx.go = optarg;
			break;
		case 'h':
			help = true;
			break;
		case 'V':
			printf("memstat for memarena, netlink family \"%s\" version %d\n",
			       MEMARENA_FAMILY_NAME, MEMARENA_FAMILY_VERSION);
			return EXIT_OK;
		default:
			fputs("Try 'memstat --help' for more information.\n", stderr);
			return EXIT_USAGE;
		}
		if (rc)
			return rc;
	}

	if (optind < argc) {
		cmd = find_cmd(argv[optind]);
		if (!cmd)
			return ms_usage_err("unknown command '%s'", argv[optind]);
		optind++;
		if (help)
			return cmd_help(&ctx, 1, (char *[]){ (char *)cmd->name });
	} else if (help) {
		usage(stdout);
		return EXIT_OK;
	} else {
		cmd = find_cmd("show");
	}
	if ((cmd->flags & CMD_PPROF_DEFAULT) && !format_set && outfile &&
	    strlen(outfile) > 6 && !strcmp(outfile + strlen(outfile) - 6, ".pb.gz"))
		ctx.format = FMT_PPROF;
	rc = check_cmd(&ctx, cmd, opts, outfile);
	if (rc)
		return rc;

	output_init(ctx.format == FMT_JSON ? OUTPUT_JSON : OUTPUT_TEXT, ctx.units);
	if (cmd->flags & CMD_STREAM)
		setvbuf(stdout, NULL, _IOLBF, 0);
	if (outfile) {
		rc = output_open(outfile, &tmp);
		if (rc)
			return rc;
	}

	rc = cmd->run(&ctx, argc - optind, argv + optind);

	if (outfile)
		rc = output_commit(outfile, tmp, rc);
	if (ctx.nl_open)
		genl_conn_close(&ctx.nl);
	if (fflush(stdout) || ferror(stdout)) {
		ms_err("write error: %s", strerror(errno));
		rc = EXIT_ERROR;
	}
	return rc;
}
