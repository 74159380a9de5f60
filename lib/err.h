/*
 * err.h: the one error enum of libcertkit.
 *
 * Every lib/ function returns 0 on success or a negative CK_E_* code.  The
 * library never prints: a function that has more to say than its code
 * (which line of which file, which rule fired) records it with ck_errf(),
 * and the caller prints ck_err_detail() next to ck_strerror().
 * Each binary maps these codes onto the numbers its users' scripts expect.
 */
#ifndef CK_ERR_H
#define CK_ERR_H

#include <stdarg.h>

enum ck_err {
	CK_OK = 0,
	CK_E_NOMEM = -1,	/* out of memory */
	CK_E_INVAL = -2,	/* invalid argument */
	CK_E_NOENT = -3,	/* file or object not found */
	CK_E_EXIST = -4,	/* already exists */
	CK_E_ACCESS = -5,	/* permission denied */
	CK_E_IO = -6,		/* read or write failed */
	CK_E_NOSPC = -7,	/* no space left on device */
	CK_E_FORMAT = -8,	/* bad format (not PEM, not a cert, ...) */
	CK_E_TOOLONG = -9,	/* name or value too long */
	CK_E_SYMLINK = -10,	/* refused to follow a symbolic link */
	CK_E_ISDIR = -11,	/* a directory where a file was expected */
	CK_E_CONFIG = -12,	/* configuration syntax error */
	CK_E_UTF16 = -13,	/* a UTF-16 file where UTF-8 was expected */
	CK_E_CRYPTO = -14,	/* OpenSSL failure */
	CK_E_KEY = -15,		/* key unreadable or of an unsupported kind */
	CK_E_KEY_MISMATCH = -16, /* private key does not match certificate */
	CK_E_PASSWORD = -17,	/* password missing or wrong */
	CK_E_KEYSIZE = -18,	/* key size out of range */
	CK_E_DB = -19,		/* database failure */
	CK_E_BUSY = -20,	/* resource busy / locked by someone else */
	CK_E_UNSUPPORTED = -21,	/* operation not supported */
	CK_E_LIMIT = -22,	/* implementation limit reached */
	CK_E_NOUSER = -23,	/* no such user */
	CK_E_STATE = -24,	/* operation not valid in the current state */
	CK_E_TIMEOUT = -25,	/* timed out */
	/* the local CA (VMCA) */
	CK_E_CA_MISSING = -40,	/* root CA certificate missing */
	CK_E_NOT_CA = -41,	/* certificate is not a CA certificate */
	CK_E_CHAIN_INCOMPLETE = -42, /* chain does not end in a root */
	CK_E_CHAIN_ORDER = -43,	/* chain in the wrong order */
	CK_E_CSR_FIELD = -44,	/* invalid CSR / subject field */
	CK_E_SUBJECT = -45,	/* invalid subject name (wildcard CN) */
	CK_E_SAN = -46,		/* invalid subject alternative name */
	CK_E_TIME = -47,	/* invalid validity period */
	CK_E_START_TIME = -48,	/* start before the CA's start */
	CK_E_REVOKED = -49,	/* certificate already revoked */
	CK_E_CERT = -50,	/* certificate unreadable */
	CK_E_POLICY = -51,	/* signing policy refused the request */
	CK_E_VERIFY = -52,	/* chain verification failed */
	CK_E_EXPIRED = -53,	/* certificate expired / not yet valid */
	/* services */
	CK_E_SERVICE = -60,	/* a service failed to start/stop */
	CK_E_CYCLE = -61,	/* dependency cycle */
	CK_E_PENDING = -62,	/* an interrupted operation is pending */
	CK_E_LAST = -63
};

/* Short description of code r ("No such file or directory"-style). */
const char *ck_strerror(int r);
/* Symbolic name of code r ("CK_E_NOENT"). */
const char *ck_errname(int r);

/*
 * Record a detail message for the current error and return r, so the idiom
 * is `return ck_errf(CK_E_CONFIG, "%s:%d: unknown key '%s'", f, n, k);`.
 * The detail is per-thread and replaced by each call.
 */
int ck_errf(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ck_verrf(int r, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Like ck_errf, and appends the first OpenSSL error of the queue, if any. */
int ck_errssl(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix the detail already recorded: ck_errwrap(r, "open %s", path)
 * records "open PATH: <previous detail>" (ck_errf cannot take
 * ck_err_detail() as an argument: same buffer). */
int ck_errwrap(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Map an errno value to a code. */
int ck_errno(int e);
/* The detail recorded by the last ck_errf(), or "" if none. */
const char *ck_err_detail(void);
void ck_err_clear(void);

#endif
