/*
 * util.h: small helpers shared by the library and the binaries: strings,
 * UTF-8 and JSON, big-endian numbers, clocks.
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
/* Milliseconds of CLOCK_MONOTONIC, for timeouts and intervals. */
long ck_now_ms(void);
/* Big-endian: the low n bytes (1..8) of v at p; the n bytes at p. */
void ck_put_be(unsigned char *p, uint64_t v, int n);
uint64_t ck_get_be(const unsigned char *p, int n);
/* Length (1..4) of the well-formed UTF-8 sequence at s[0..n), or 0 if it
 * is not one (stray continuation, overlong, surrogate, > U+10FFFF). */
size_t ck_utf8_len(const unsigned char *s, size_t n);
/* s[0..n) as a JSON string literal, quotes included, malloc'ed (NULL if
 * out of memory): '"', '\\', C0 and C1 controls and DEL escaped; valid
 * UTF-8 copied; each byte of invalid UTF-8 escaped as \u00XX, so the
 * output is always valid JSON and shows every byte. */
char *ck_json_quote(const char *s, size_t n);

#endif
