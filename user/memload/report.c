// SPDX-License-Identifier: GPL-2.0
/*
 * What memload measures: latency histograms (log-linear, 16 buckets per
 * power of two, so a percentile is within 1/16 of the true value), and
 * the MemStats snapshots of /proc/memstats it takes around a run.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memload.h"

uint64_t ml_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static unsigned int ml_bucket(uint64_t v)
{
	unsigned int e;

	if (v < 16)
		return v;
	e = 63 - __builtin_clzll(v);		/* 4 .. 63 */
	return (e - 3) * 16 + ((v >> (e - 4)) & 15);
}

/* The middle of a bucket's range. */
static uint64_t ml_bucket_value(unsigned int i)
{
	unsigned int e;
	uint64_t lo;

	if (i < 16)
		return i;
	e = i / 16 + 3;
	lo = (16ULL + i % 16) << (e - 4);
	return lo + (1ULL << (e - 4)) / 2;
}

void ml_hist_add(struct ml_hist *h, uint64_t ns)
{
	h->b[ml_bucket(ns)]++;
	h->n++;
	h->sum += ns;
	if (ns > h->max)
		h->max = ns;
}

void ml_hist_merge(struct ml_hist *dst, const struct ml_hist *src)
{
	unsigned int i;

	for (i = 0; i < ML_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->n += src->n;
	dst->sum += src->sum;
	if (src->max > dst->max)
		dst->max = src->max;
}

/* The value below which @pct percent of the samples are; 0 if none. */
uint64_t ml_hist_pct(const struct ml_hist *h, double pct)
{
	uint64_t rank, seen = 0;
	unsigned int i;

	if (!h->n)
		return 0;
	rank = (uint64_t)(pct / 100.0 * h->n);
	if (rank >= h->n)
		rank = h->n - 1;
	for (i = 0; i < ML_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen > rank) {
			uint64_t v = ml_bucket_value(i);

			return v > h->max ? h->max : v;
		}
	}
	return h->max;
}

/**
 * ml_memstats_read() - the scalar statistics of /proc/memstats
 * @ms: filled with every "Name value" line before "# BySize" (fractions,
 *	GCCPUFraction, are kept in parts per 10^9)
 *
 * Return: 0 or a negative errno.
 */
int ml_memstats_read(struct ml_memstats *ms)
{
	char line[256], name[64], val[64];
	FILE *f;
	int err;

	ms->n = 0;
	f = fopen(MEMARENA_PROC_PATH, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *dot;

		if (!strncmp(line, "# BySize", 8))
			break;
		if (line[0] == '#' || sscanf(line, "%63s %63s", name, val) != 2)
			continue;
		if (ms->n == ML_MAX_STATS)
			break;
		if (strlen(name) >= sizeof(ms->name[0]))
			continue;
		memcpy(ms->name[ms->n], name, strlen(name) + 1);
		dot = strchr(val, '.');
		if (dot) {
			/* "0.000123456": parts per 10^9 */
			char frac[10] = "000000000";

			memcpy(frac, dot + 1, strnlen(dot + 1, 9));
			ms->v[ms->n] = strtoull(val, NULL, 10) * 1000000000ULL +
				       strtoull(frac, NULL, 10);
		} else {
			ms->v[ms->n] = strtoull(val, NULL, 10);
		}
		ms->n++;
	}
	/* A read that failed (ENOMEM: the kernel's buffer) is not "no data". */
	err = ferror(f) ? -errno : 0;
	fclose(f);
	if (err)
		return err;
	return ms->n ? 0 : -ENODATA;
}

bool ml_memstats_get(const struct ml_memstats *ms, const char *name,
		     uint64_t *v)
{
	int i;

	for (i = 0; i < ms->n; i++) {
		if (!strcmp(ms->name[i], name)) {
			*v = ms->v[i];
			return true;
		}
	}
	*v = 0;
	return false;
}
