// SPDX-License-Identifier: GPL-2.0
/*
 * Numbers for people, and back.  See humanize.h.
 *
 * human_bytes() follows go-humanize's Bytes()/IBytes() rules, so that a
 * Go programmer reads the same strings here as in their own programs:
 * below 10 the exact count of bytes ("8 B"); otherwise the value in the
 * largest unit it reaches, rounded to one decimal, printed with that
 * decimal below 10 and without it above ("1.2 MB", "418 kB", "1000 kB"
 * for 999,960 bytes).  The unit is found with integer arithmetic rather
 * than go-humanize's floating-point logarithm, which agrees everywhere
 * except where that logarithm rounds the wrong way.
 */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "humanize.h"

const char *human_bytes(char *buf, size_t len, uint64_t bytes, enum units u)
{
	static const char *const si[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	static const char *const iec[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	const char *const *unit = u == UNITS_IEC ? iec : si;
	uint64_t base = u == UNITS_IEC ? 1024 : 1000;
	uint64_t scale = 1;
	unsigned int e = 0;
	double val;

	if (u == UNITS_EXACT) {
		snprintf(buf, len, "%" PRIu64, bytes);
		return buf;
	}
	if (bytes < 10) {
		snprintf(buf, len, "%" PRIu64 " B", bytes);
		return buf;
	}
	while (bytes / scale >= base) {
		scale *= base;
		e++;
	}
	val = floor((double)bytes / (double)scale * 10 + 0.5) / 10;
	snprintf(buf, len, val < 10 ? "%.1f %s" : "%.0f %s", val, unit[e]);
	return buf;
}

/* go-humanize Comma(): 1234567 -> "1,234,567"; exact: "1234567". */
const char *human_count(char *buf, size_t len, uint64_t n, enum units u)
{
	char digits[24];
	size_t nd, i, o = 0;

	nd = snprintf(digits, sizeof(digits), "%" PRIu64, n);
	if (u == UNITS_EXACT || len < nd + nd / 3 + 1) {
		snprintf(buf, len, "%s", digits);
		return buf;
	}
	for (i = 0; i < nd; i++) {
		if (i && (nd - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* "<int>[.<frac>]" of v / 10^digits, trailing zeros of the fraction cut. */
static size_t put_fixed(char *buf, size_t len, uint64_t v, unsigned int digits)
{
	uint64_t div = 1;
	unsigned int i;
	char frac[24];
	int n;

	for (i = 0; i < digits; i++)
		div *= 10;
	n = snprintf(frac, sizeof(frac), "%0*" PRIu64, (int)digits, v % div);
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	if (n)
		return snprintf(buf, len, "%" PRIu64 ".%s", v / div, frac);
	return snprintf(buf, len, "%" PRIu64, v / div);
}

/*
 * Go's time.Duration.String(): "0s", "850ns", "1.5µs", "12.345ms",
 * "1.5s", "2m3.5s", "1h0m0s".  Exact, no rounding.
 */
const char *human_duration(char *buf, size_t len, uint64_t ns)
{
	const uint64_t us = 1000, ms = 1000 * us, s = 1000 * ms;
	const uint64_t min = 60 * s, hour = 60 * min;
	size_t o = 0;

	if (ns == 0) {
		snprintf(buf, len, "0s");
	} else if (ns < us) {
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	} else if (ns < ms) {
		o = put_fixed(buf, len, ns, 3);
		snprintf(buf + o, len > o ? len - o : 0, "\u00b5s");
	} else if (ns < s) {
		o = put_fixed(buf, len, ns, 6);
		snprintf(buf + o, len > o ? len - o : 0, "ms");
	} else {
		if (ns >= hour)
			o += snprintf(buf, len, "%" PRIu64 "h", ns / hour);
		if (ns >= min && o < len)
			o += snprintf(buf + o, len - o, "%" PRIu64 "m",
				      ns % hour / min);
		if (o < len)
			o += put_fixed(buf + o, len - o, ns % min, 9);
		if (o < len)
			snprintf(buf + o, len - o, "s");
	}
	return buf;
}

/*
 * A float64 the way Go's fmt prints it with %v: the shortest decimal that
 * reads back as the same double, in exponent form ("2.5e-06", "1e+08")
 * when the decimal exponent is below -4 or at least 6, as
 * strconv.FormatFloat(v, 'g', -1, 64) decides.  Also a valid JSON number
 * for finite values.
 */
const char *human_float(char *buf, size_t len, double v)
{
	char e[40], digits[24], out[64];
	int prec, exp, nd = 0, i;
	size_t o = 0;
	const char *p;

	if (!isfinite(v)) {
		snprintf(buf, len, "%s", isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
		return buf;
	}
	if (v == 0) {
		snprintf(buf, len, "%s", signbit(v) ? "-0" : "0");
		return buf;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec - 1, v);
		if (strtod(e, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(e, sizeof(e), "%.16e", v);
	/* e is "[-]d[.ddd]e[+-]X": take its digits and its exponent. */
	p = e;
	if (*p == '-')
		out[o++] = *p++;
	for (; *p && *p != 'e'; p++)
		if (*p != '.')
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	exp = atoi(p + 1);

	if (exp < -4 || exp >= 6) {
		out[o++] = digits[0];
		if (nd > 1) {
			out[o++] = '.';
			for (i = 1; i < nd; i++)
				out[o++] = digits[i];
		}
		o += snprintf(out + o, sizeof(out) - o, "e%c%02d",
			      exp < 0 ? '-' : '+', abs(exp));
	} else if (exp < 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (i = 0; i < -exp - 1; i++)
			out[o++] = '0';
		for (i = 0; i < nd; i++)
			out[o++] = digits[i];
	} else {
		for (i = 0; i <= exp; i++)
			out[o++] = i < nd ? digits[i] : '0';
		if (nd > exp + 1) {
			out[o++] = '.';
			for (i = exp + 1; i < nd; i++)
				out[o++] = digits[i];
		}
	}
	out[o] = '\0';
	snprintf(buf, len, "%s", out);
	return buf;
}

/* Case-insensitive match of s against one of a NULL-terminated list. */
static bool word_in(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (!strcasecmp(s, *words))
			return true;
	return false;
}

/*
 * "4096", "512k", "1.5 MB", "2GiB", "100 mib": a byte count.  Like
 * go-humanize's ParseBytes(), "k"/"kB" are 1000 and "Ki"/"KiB" 1024, in
 * any case, with optional blanks before the unit.
 * Return: 0, or -EINVAL (not a size) or -ERANGE (above 2^64 - 1).
 */
int parse_size(const char *s, uint64_t *bytes)
{
	static const struct {
		const char *const names[3];
		uint64_t mult;
	} units[] = {
		{ { "", "b" }, 1 },
		{ { "k", "kb" }, 1000ULL },
		{ { "ki", "kib" }, 1ULL << 10 },
		{ { "m", "mb" }, 1000000ULL },
		{ { "mi", "mib" }, 1ULL << 20 },
		{ { "g", "gb" }, 1000000000ULL },
		{ { "gi", "gib" }, 1ULL << 30 },
		{ { "t", "tb" }, 1000000000000ULL },
		{ { "ti", "tib" }, 1ULL << 40 },
		{ { "p", "pb" }, 1000000000000000ULL },
		{ { "pi", "pib" }, 1ULL << 50 },
		{ { "e", "eb" }, 1000000000000000000ULL },
		{ { "ei", "eib" }, 1ULL << 60 },
	};
	const char *p = s, *unit;
	unsigned long long whole;
	long double frac = 0;
	bool has_frac = false;
	size_t i;
	char *end;

	if (!s || !(*p >= '0' && *p <= '9'))
		return -EINVAL;
	errno = 0;
	whole = strtoull(p, &end, 10);
	if (errno)
		return -ERANGE;
	if (*end == '.') {
		p = end;
		if (!(end[1] >= '0' && end[1] <= '9'))
			return -EINVAL;
		frac = strtold(p, &end);
		has_frac = true;
	}
	unit = end;
	while (*unit == ' ' || *unit == '\t')
		unit++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		long double v;

		if (!word_in(unit, units[i].names))
			continue;
		if (unit != end && !*unit)	/* "12 " */
			return -EINVAL;
		if (whole > UINT64_MAX / units[i].mult)
			return -ERANGE;
		if (!has_frac) {
			*bytes = whole * units[i].mult;
			return 0;
		}
		v = (long double)whole * units[i].mult +
		    frac * units[i].mult + 0.5L;
		if (v >= 18446744073709551616.0L)
			return -ERANGE;
		*bytes = (uint64_t)v;
		return 0;
	}
	return -EINVAL;
}

/*
 * "100ms", "1s", "1.5s", "2m", "250us" (or "250µs"), "1h", or a bare
 * number of seconds as watch(1) takes: an interval, more than 0.
 * Return: 0, -EINVAL, or -ERANGE (0, or above 2^64 - 1 ns).
 */
int parse_interval(const char *s, uint64_t *ns)
{
	static const struct {
		const char *const names[4];
		long double mult;
	} units[] = {
		{ { "ns" }, 1 },
		{ { "us", "\u00b5s", "\u03bcs" }, 1e3L },
		{ { "ms" }, 1e6L },
		{ { "", "s" }, 1e9L },
		{ { "m", "min" }, 60e9L },
		{ { "h" }, 3600e9L },
	};
	long double v, r;
	size_t i;
	char *end;

	if (!s || !((*s >= '0' && *s <= '9') || *s == '.'))
		return -EINVAL;
	errno = 0;
	v = strtold(s, &end);
	if (end == s || errno || !isfinite(v))
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!word_in(end, units[i].names))
			continue;
		r = v * units[i].mult + 0.5L;
		if (r < 1)
			return -ERANGE;
		if (r >= 18446744073709551616.0L)
			return -ERANGE;
		*ns = (uint64_t)r;
		return 0;
	}
	return -EINVAL;
}

/* A plain decimal count: digits only, no sign, no unit. */
int parse_count(const char *s, uint64_t *n)
{
	unsigned long long v;
	char *end;

	if (!s || !(*s >= '0' && *s <= '9'))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*n = v;
	return 0;
}
