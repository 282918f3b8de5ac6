/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memload: puts load on memarena through /dev/memarena.  The pieces:
 * dev.c talks to the device (io_uring or ioctl), report.c keeps latency
 * histograms and reads /proc/memstats, main.c has the workloads.
 */
#ifndef _MEMLOAD_H
#define _MEMLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <liburing.h>
#include <linux/memarena.h>

/* --- dev.c: one connection to /dev/memarena --------------------------- */

/*
 * An open file of the device (an arena of its own) and, for the io_uring
 * engine, a ring of this thread's.  A command may name another file
 * (another thread's fd) than the connection's own.
 */
struct ml_dev {
	int fd;
	bool uring;
	struct io_uring ring;
};

int ml_dev_open(struct ml_dev *d, bool uring);
void ml_dev_close(struct ml_dev *d);
long ml_dev_cmd(struct ml_dev *d, int fd, unsigned int op,
		const struct memarena_dev_cmd *c);
const char *ml_dev_cmd_name(unsigned int op);

/* --- report.c: latency histograms ------------------------------------- */

/* Log-linear: 16 buckets per power of two, exact below 16 ns. */
#define ML_HIST_BUCKETS	(61 * 16)

struct ml_hist {
	uint64_t n;
	uint64_t sum;
	uint64_t max;
	uint64_t b[ML_HIST_BUCKETS];
};

void ml_hist_add(struct ml_hist *h, uint64_t ns);
void ml_hist_merge(struct ml_hist *dst, const struct ml_hist *src);
uint64_t ml_hist_pct(const struct ml_hist *h, double pct);

/* --- report.c: /proc/memstats ----------------------------------------- */

#define ML_MAX_STATS	64

struct ml_memstats {
	int n;
	char name[ML_MAX_STATS][32];
	uint64_t v[ML_MAX_STATS];
};

int ml_memstats_read(struct ml_memstats *ms);
bool ml_memstats_get(const struct ml_memstats *ms, const char *name,
		     uint64_t *v);

uint64_t ml_now_ns(void);

#endif /* _MEMLOAD_H */
