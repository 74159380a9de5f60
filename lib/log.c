/* log.c: stderr diagnostics with the program name in front. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"

static const char *progname = "certkit";

void
ck_log_init(const char *argv0)
{
	const char *p;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	p = strrchr(argv0, '/');
	progname = p ? p + 1 : argv0;
}

const char *
ck_progname(void)
{
	return progname;
}

void
ck_warnx(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
ck_warnr(int r, const char *fmt, ...)
{
	va_list ap;
	const char *d = ck_err_detail();

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s", ck_strerror(r));
	if (d[0] != '\0')
		fprintf(stderr, ": %s", d);
	fputc('\n', stderr);
}
