/*
 * log.h: diagnostics for the binaries (the library itself never prints).
 * Messages go to stderr prefixed with the program name.
 */
#ifndef CK_LOG_H
#define CK_LOG_H

void ck_log_init(const char *argv0);
const char *ck_progname(void);
void ck_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "prog: <fmt>: <ck_strerror(r)>[: detail]". */
void ck_warnr(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
