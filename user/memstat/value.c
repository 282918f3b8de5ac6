// SPDX-License-Identifier: GPL-2.0
/*
 * Printing one value, whatever its kind, through the one printing path:
 * in text humanised (or exact with --bytes), in JSON as the number the
 * kernel sent (a float for the GCCPUFraction fraction, a boolean for
 * flags, an array for the pause rings, null when the kernel did not send
 * it).
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "memstat.h"

/* Width of a right-aligned value column in text. */
int ms_value_width(void)
{
	return output_units() == UNITS_EXACT ? 14 : 10;
}

/* Local time of @ns since the epoch, to the millisecond. */
const char *ms_time_str(char *buf, size_t len, uint64_t ns, bool with_date)
{
	time_t t = ns / 1000000000;
	struct tm tm;
	size_t n;

	localtime_r(&t, &tm);
	n = strftime(buf, len, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03u", (unsigned int)(ns / 1000000 % 1000));
	return buf;
}

static const char *fraction_str(char *buf, size_t len, uint64_t ppb)
{
	if (output_units() == UNITS_EXACT)
		snprintf(buf, len, "%" PRIu64 ".%09" PRIu64, ppb / 1000000000,
			 ppb % 1000000000);
	else if (ppb == 0)
		snprintf(buf, len, "0%%");
	else if (ppb < 100000)
		snprintf(buf, len, "<0.01%%");
	else
		snprintf(buf, len, "%.2f%%", ppb / 1e7);
	return buf;
}

/**
 * ms_print_value() - one scalar value, text or JSON
 * @key: its JSON key
 * @kind: how to show it
 * @has: whether the kernel sent it (JSON null and "-" otherwise)
 * @v: the value
 * @fmt: text format, taking the value as a string ("%10s")
 */
void ms_print_value(const char *key, enum ms_kind kind, bool has, uint64_t v,
		    const char *fmt)
{
	char buf[64];

	if (!has) {
		print_null(PRINT_ANY, key, fmt, "-");
		return;
	}
	switch (kind) {
	case K_BYTES:
		print_size(PRINT_ANY, key, fmt, v);
		break;
	case K_COUNT:
		print_count(PRINT_ANY, key, fmt, v);
		break;
	case K_DURATION:
		print_duration(PRINT_ANY, key, fmt, v);
		break;
	case K_TIME:
		print_u64(PRINT_JSON, key, NULL, v);
		if (output_units() == UNITS_EXACT)
			snprintf(buf, sizeof(buf), "%" PRIu64, v);
		else if (v == 0)
			snprintf(buf, sizeof(buf), "never");
		else
			ms_time_str(buf, sizeof(buf), v, true);
		print_string(PRINT_FP, NULL, fmt, buf);
		break;
	case K_PPB:
		print_float(PRINT_JSON, key, NULL, v / 1e9);
		print_string(PRINT_FP, NULL, fmt, fraction_str(buf, sizeof(buf), v));
		break;
	case K_BOOL:
		print_bool(PRINT_ANY, key, fmt, v != 0);
		break;
	case K_INT:
	default:
		print_u64(PRINT_JSON, key, NULL, v);
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
		print_string(PRINT_FP, NULL, fmt, buf);
		break;
	}
}

/**
 * ms_print_headings() - a table's heading line (text only)
 * @cols: the attribute set's columns
 * @tc: the table's columns, @n of them
 * @n: how many
 */
void ms_print_headings(const struct ms_column *cols,
		       const struct ms_table_col *tc, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		print_fp("%s%*s", i ? " " : "", tc[i].width, cols[tc[i].attr].heading);
	print_nl();
}

/**
 * ms_print_row() - the columns of one row, from @first on, then a newline
 * @cols: the attribute set's columns
 * @row: the row
 * @tc: the table's columns, @n of them
 * @n: how many
 * @first: the first column to print (a total line skips the keys)
 */
void ms_print_row(const struct ms_column *cols, const struct ms_row *row,
		  const struct ms_table_col *tc, size_t n, size_t first)
{
	char fmt[16];
	size_t i;

	for (i = first; i < n; i++) {
		if (i)
			print_fp(" ");
		snprintf(fmt, sizeof(fmt), "%%%ds", tc[i].width);
		if (tc[i].name)
			print_string(PRINT_ANY, cols[tc[i].attr].name, fmt, row->name);
		else
			ms_print_col(cols, row, tc[i].attr, fmt);
	}
	print_nl();
}

/**
 * ms_recent_pauses() - the newest entries of the PauseNs ring
 * @st: the statistics
 * @out: filled newest first
 * @max: room in @out
 *
 * Return: how many entries were filled: min(NumGC, 256, @max).
 */
unsigned int ms_recent_pauses(const struct ms_stats *st, uint64_t *out,
			      unsigned int max)
{
	uint64_t num = st->v[MEMARENA_A_STATS_NUM_GC];
	unsigned int i, n;

	n = num < MEMARENA_PAUSE_RING ? num : MEMARENA_PAUSE_RING;
	if (n > max)
		n = max;
	for (i = 0; i < n; i++)
		out[i] = st->pause_ns[(num - 1 - i) % MEMARENA_PAUSE_RING];
	return n;
}

/* A ring: the whole array in JSON, its newest entries in text. */
static void print_ring(const struct ms_stats *st, int attr, const char *fmt)
{
	const uint64_t *ring = ms_fields[attr].kind == K_RING_NS ?
			       st->pause_ns : st->pause_end;
	uint64_t num = st->v[MEMARENA_A_STATS_NUM_GC];
	char text[128] = "", buf[HUMAN_BUFSZ];
	unsigned int i, n, shown;
	size_t o = 0;
	uint64_t v;

	if (output_is_json()) {
		open_json_array(ms_fields[attr].name);
		for (i = 0; i < MEMARENA_PAUSE_RING; i++)
			print_u64(PRINT_JSON, NULL, NULL, ring[i]);
		close_json_array();
		return;
	}
	n = num < MEMARENA_PAUSE_RING ? num : MEMARENA_PAUSE_RING;
	shown = ms_fields[attr].kind == K_RING_NS ? 4 : 1;
	for (i = 0; i < n && i < shown; i++) {
		v = ring[(num - 1 - i) % MEMARENA_PAUSE_RING];
		if (output_units() == UNITS_EXACT)
			snprintf(buf, sizeof(buf), "%" PRIu64, v);
		else if (ms_fields[attr].kind == K_RING_NS)
			human_duration(buf, sizeof(buf), v);
		else
			ms_time_str(buf, sizeof(buf), v, true);
		o += snprintf(text + o, sizeof(text) - o, "%s%s", i ? " " : "", buf);
	}
	if (!n)
		snprintf(text, sizeof(text), "none");
	print_string(PRINT_FP, NULL, fmt, text);
	if (n > shown)
		print_fp(" (newest first, %u of %u)", shown, n);
	else if (n > 1)
		print_fp(" (newest first)");
}

/**
 * ms_print_stat() - one statistic, under its Go name
 * @st: the statistics
 * @attr: which (MEMARENA_A_STATS_*)
 * @fmt: text format, taking the value as a string
 */
void ms_print_stat(const struct ms_stats *st, int attr, const char *fmt)
{
	const struct ms_field *f = &ms_fields[attr];

	if (st->has[attr] && (f->kind == K_RING_NS || f->kind == K_RING_TIME))
		print_ring(st, attr, fmt);
	else
		ms_print_value(f->name, f->kind, st->has[attr], st->v[attr], fmt);
}

/* One attribute of a class, CPU or cycle row, under its column name. */
void ms_print_col(const struct ms_column *cols, const struct ms_row *row,
		  int attr, const char *fmt)
{
	ms_print_value(cols[attr].name, cols[attr].kind, row->has[attr],
		       row->v[attr], fmt);
}
