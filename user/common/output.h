/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One printing path for text and JSON, after iproute2's print_*() idea:
 * a command prints each value once, with
 *
 *	print_u64(PRINT_ANY, "mallocs", "%10s", value);
 *
 * and the call writes either the text (fmt applied to the value, or to
 * its humanised string for the print_size()/print_count() family) or a
 * "key": value member of the current JSON object.  PRINT_FP prints in
 * text mode only (labels, headings, padding), PRINT_JSON in JSON mode
 * only.  So the two formats cannot disagree on a value.
 *
 * JSON is written compact, one top-level value per line: closing the
 * outermost object or array ends the line and flushes, which is what
 * streaming commands (one object per sample or event) want.
 */
#ifndef _USER_COMMON_OUTPUT_H
#define _USER_COMMON_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "humanize.h"

enum output_mode {
	OUTPUT_TEXT,
	OUTPUT_JSON,
};

enum {
	PRINT_FP	= 1,	/* text only */
	PRINT_JSON	= 2,	/* JSON only */
	PRINT_ANY	= PRINT_FP | PRINT_JSON,
};

void output_init(enum output_mode mode, enum units units);
bool output_is_json(void);
enum units output_units(void);

void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);

/* Text: printf(fmt, value).  JSON: "key": value. */
void print_string(int type, const char *key, const char *fmt, const char *value);
void print_u64(int type, const char *key, const char *fmt, uint64_t value);
void print_float(int type, const char *key, const char *fmt, double value);
void print_bool(int type, const char *key, const char *fmt, bool value);
/* Text: printf(fmt, text).  JSON: "key": null. */
void print_null(int type, const char *key, const char *fmt, const char *text);

/*
 * Text: fmt (a "%s" format) applied to the humanised value, in the units
 * of output_init().  JSON: the exact integer.
 */
void print_size(int type, const char *key, const char *fmt, uint64_t bytes);
void print_count(int type, const char *key, const char *fmt, uint64_t n);
/* Nanoseconds: text as Go's time.Duration prints it (exact units: ns). */
void print_duration(int type, const char *key, const char *fmt, uint64_t ns);

/* Text-only conveniences. */
void print_nl(void);
void print_fp(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* _USER_COMMON_OUTPUT_H */
