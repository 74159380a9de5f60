/*
 * util.h: small string helpers shared by the binaries.
 */
#ifndef CK_UTIL_H
#define CK_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* ASCII case-insensitive compare / prefix test. */
int ck_strcaseeq(const char *a, const char *b);
/* Parse a decimal integer in [min,max]; 0 or CK_E_INVAL. */
int ck_parse_long(const char *s, long min, long max, long *out);
/* malloc'ed printf. NULL on failure. */
char *ck_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Split s on sep into a NULL-terminated malloc'ed vector of trimmed,
 * non-empty strings (one allocation; free the vector only). */
char **ck_split(const char *s, char sep, size_t *n);
/* Current time as seconds since the epoch (CERTKIT_FAKE_NOW in a test-hooks build). */
int64_t ck_now(void);

#endif
