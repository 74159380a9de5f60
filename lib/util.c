/* util.c: string, number-encoding and clock helpers. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "testhook.h"
#include "util.h"

int
ck_strcaseeq(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char ca = (unsigned char)*a, cb = (unsigned char)*b;
		if (ca >= 'A' && ca <= 'Z')
			ca += 32;
		if (cb >= 'A' && cb <= 'Z')
			cb += 32;
		if (ca != cb)
			return 0;
		if (ca == '\0')
			return 1;
	}
}

int
ck_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return ck_errf(CK_E_INVAL, "empty number");
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return ck_errf(CK_E_INVAL, "'%s' is not a number", s);
	if (v < min || v > max)
		return ck_errf(CK_E_INVAL, "%ld is outside %ld..%ld", v, min, max);
	*out = v;
	return 0;
}

char *
ck_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

char **
ck_split(const char *s, char sep, size_t *np)
{
	size_t len = strlen(s), n = 1, k = 0;
	char **v, *p, *start;

	for (const char *q = s; *q; q++)
		if (*q == sep)
			n++;
	v = malloc((n + 1) * sizeof(char *) + len + 1);
	if (v == NULL)
		return NULL;
	p = (char *)(v + n + 1);
	memcpy(p, s, len + 1);
	start = p;
	for (;;) {
		char *end = strchr(start, sep), *e;
		if (end != NULL)
			*end = '\0';
		while (*start == ' ' || *start == '\t')
			start++;
		e = start + strlen(start);
		while (e > start && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*start != '\0')
			v[k++] = start;
		if (end == NULL)
			break;
		start = end + 1;
	}
	v[k] = NULL;
	if (np != NULL)
		*np = k;
	return v;
}

int64_t
ck_now(void)
{
	const char *f = ck_test_getenv("CERTKIT_FAKE_NOW");

	if (f != NULL && *f != '\0')
		return strtoll(f, NULL, 10);
	return (int64_t)time(NULL);
}

void
ck_put_be(unsigned char *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

uint64_t
ck_get_be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

long
ck_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t
ck_utf8_len(const unsigned char *s, size_t n)
{
	uint32_t c;
	size_t len;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;	/* a continuation byte, C0/C1 (overlong) or F5..FF */
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;	/* overlong, beyond Unicode, or a surrogate */
	return len;
}

char *
ck_json_quote(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	char *out, *o;
	size_t i, l;

	/* at most 6 bytes ("\u00XX") for each input byte, two quotes, NUL */
	if (n > (SIZE_MAX - 3) / 6 || (out = malloc(n * 6 + 3)) == NULL)
		return NULL;
	o = out;
	*o++ = '"';
	for (i = 0; i < n; i += l) {
		l = ck_utf8_len(u + i, n - i);
		if (l == 1 && (u[i] == '"' || u[i] == '\\')) {
			*o++ = '\\';
			*o++ = (char)u[i];
		} else if (l == 1 && u[i] == '\n') {
			o += sprintf(o, "\\n");
		} else if (l == 1 && u[i] == '\r') {
			o += sprintf(o, "\\r");
		} else if (l == 1 && u[i] == '\t') {
			o += sprintf(o, "\\t");
		} else if (l == 1 && (u[i] < 0x20 || u[i] == 0x7f)) {
			o += sprintf(o, "\\u%04x", u[i]);
		} else if (l == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0) {
			o += sprintf(o, "\\u%04x", u[i + 1]);	/* a C1 control */
		} else if (l == 0) {
			/* not UTF-8: the byte as the code point of the same value,
			 * so the output stays valid JSON and the byte visible */
			o += sprintf(o, "\\u%04x", u[i]);
			l = 1;
		} else {
			memcpy(o, u + i, l);
			o += l;
		}
	}
	*o++ = '"';
	*o = '\0';
	return out;
}
