/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Numbers for people, and back: sizes the way Go programmers print them
 * with go-humanize (418 kB, 1.2 MB, or 1.2 MiB), counts with thousands
 * separators, durations the way Go's time.Duration prints itself, and the
 * parsers for sizes (512M, 1GiB) and intervals (100ms, 1s) that command
 * lines take.  No state; every formatter writes into the caller's buffer
 * and returns it.
 */
#ifndef _USER_COMMON_HUMANIZE_H
#define _USER_COMMON_HUMANIZE_H

#include <stddef.h>
#include <stdint.h>

/* How byte counts and counts are shown. */
enum units {
	UNITS_SI,	/* go-humanize Bytes(): powers of 1000, "kB" */
	UNITS_IEC,	/* go-humanize IBytes(): powers of 1024, "KiB" */
	UNITS_EXACT,	/* plain integers, no separators */
};

/* Big enough for any of the formatters below. */
#define HUMAN_BUFSZ	48

const char *human_bytes(char *buf, size_t len, uint64_t bytes, enum units u);
const char *human_count(char *buf, size_t len, uint64_t n, enum units u);
const char *human_duration(char *buf, size_t len, uint64_t ns);
const char *human_float(char *buf, size_t len, double v);

int parse_size(const char *s, uint64_t *bytes);
int parse_interval(const char *s, uint64_t *ns);
int parse_count(const char *s, uint64_t *n);

#endif /* _USER_COMMON_HUMANIZE_H */
