// SPDX-License-Identifier: GPL-2.0
/*
 * The one printing path for text and JSON.  See output.h.
 *
 * The JSON writer keeps a stack of open containers to know when a comma
 * is due and whether a member needs its key; it writes to stdout as it
 * goes.  Keys and strings are escaped per RFC 8259; numbers are exact
 * integers, or floats in their shortest form (human_float()).
 */

#include <stdarg.h>
#include <stdio.h>

#include "output.h"

#define JSON_MAX_DEPTH	16

static struct {
	enum output_mode mode;
	enum units units;
	int depth;
	struct {
		bool array;
		unsigned int members;
	} stack[JSON_MAX_DEPTH];
} out;

/**
 * output_init() - choose text or JSON, and the units of text
 * @mode: OUTPUT_TEXT or OUTPUT_JSON
 * @units: how print_size() and print_count() show values in text
 */
void output_init(enum output_mode mode, enum units units)
{
	out.mode = mode;
	out.units = units;
	out.depth = 0;
}

bool output_is_json(void)
{
	return out.mode == OUTPUT_JSON;
}

enum units output_units(void)
{
	return out.units;
}

static void json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	putchar('"');
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (*p < 0x20)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

/* Start a value: the comma before it, and its key inside an object. */
static void json_member(const char *key)
{
	if (out.depth > 0) {
		if (out.stack[out.depth - 1].members++)
			putchar(',');
		if (!out.stack[out.depth - 1].array) {
			json_string(key ? key : "");
			putchar(':');
		}
	}
}

static void json_open(const char *key, bool array)
{
	json_member(key);
	putchar(array ? '[' : '{');
	if (out.depth < JSON_MAX_DEPTH) {
		out.stack[out.depth].array = array;
		out.stack[out.depth].members = 0;
	}
	out.depth++;
}

static void json_close(bool array)
{
	putchar(array ? ']' : '}');
	if (out.depth > 0 && --out.depth == 0) {
		putchar('\n');
		fflush(stdout);
	}
}

void open_json_object(const char *key)
{
	if (output_is_json())
		json_open(key, false);
}

void close_json_object(void)
{
	if (output_is_json())
		json_close(false);
}

void open_json_array(const char *key)
{
	if (output_is_json())
		json_open(key, true);
}

void close_json_array(void)
{
	if (output_is_json())
		json_close(true);
}

/* Whether this call prints anything in the current mode. */
static bool printing(int type, bool *json)
{
	*json = output_is_json();
	return type & (*json ? PRINT_JSON : PRINT_FP);
}

void print_string(int type, const char *key, const char *fmt, const char *value)
{
	bool json;

	if (!printing(type, &json))
		return;
	if (json) {
		json_member(key);
		json_string(value);
	} else {
		printf(fmt, value);
	}
}

static void json_u64(const char *key, uint64_t value)
{
	json_member(key);
	printf("%llu", (unsigned long long)value);
}

void print_u64(int type, const char *key, const char *fmt, uint64_t value)
{
	bool json;

	if (!printing(type, &json))
		return;
	if (json)
		json_u64(key, value);
	else if (fmt)
		printf(fmt, (unsigned long long)value);
}

void print_float(int type, const char *key, const char *fmt, double value)
{
	char buf[HUMAN_BUFSZ];
	bool json;

	if (!printing(type, &json))
		return;
	if (json) {
		json_member(key);
		if (value != value || value - value != 0)	/* NaN, Inf */
			fputs("null", stdout);
		else
			fputs(human_float(buf, sizeof(buf), value), stdout);
	} else {
		printf(fmt, value);
	}
}

void print_bool(int type, const char *key, const char *fmt, bool value)
{
	bool json;

	if (!printing(type, &json))
		return;
	if (json) {
		json_member(key);
		fputs(value ? "true" : "false", stdout);
	} else {
		printf(fmt, value ? "true" : "false");
	}
}

void print_null(int type, const char *key, const char *fmt, const char *text)
{
	bool json;

	if (!printing(type, &json))
		return;
	if (json) {
		json_member(key);
		fputs("null", stdout);
	} else {
		printf(fmt, text);
	}
}

void print_size(int type, const char *key, const char *fmt, uint64_t bytes)
{
	char buf[HUMAN_BUFSZ];

	if (output_is_json()) {
		if (type & PRINT_JSON)
			json_u64(key, bytes);
	} else if (type & PRINT_FP)
		printf(fmt, human_bytes(buf, sizeof(buf), bytes, out.units));
}

void print_count(int type, const char *key, const char *fmt, uint64_t n)
{
	char buf[HUMAN_BUFSZ];

	if (output_is_json()) {
		if (type & PRINT_JSON)
			json_u64(key, n);
	} else if (type & PRINT_FP)
		printf(fmt, human_count(buf, sizeof(buf), n, out.units));
}

void print_duration(int type, const char *key, const char *fmt, uint64_t ns)
{
	char buf[HUMAN_BUFSZ];

	if (output_is_json()) {
		if (type & PRINT_JSON)
			json_u64(key, ns);
	} else if (!(type & PRINT_FP))
		return;
	else if (out.units == UNITS_EXACT)
		printf(fmt, human_count(buf, sizeof(buf), ns, UNITS_EXACT));
	else
		printf(fmt, human_duration(buf, sizeof(buf), ns));
}

void print_nl(void)
{
	if (!output_is_json())
		putchar('\n');
}

void print_fp(const char *fmt, ...)
{
	va_list ap;

	if (output_is_json())
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}
