/* util.c: string helpers. */
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
