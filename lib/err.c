/* err.c: error codes, their texts, and the per-thread detail message. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "err.h"

struct errdesc {
	int code;
	const char *name;
	const char *text;
};

static const struct errdesc errtab[] = {
	{ CK_OK, "CK_OK", "Success" },
	{ CK_E_NOMEM, "CK_E_NOMEM", "Out of memory" },
	{ CK_E_INVAL, "CK_E_INVAL", "Invalid argument" },
	{ CK_E_NOENT, "CK_E_NOENT", "Not found" },
	{ CK_E_EXIST, "CK_E_EXIST", "Already exists" },
	{ CK_E_ACCESS, "CK_E_ACCESS", "Access denied" },
	{ CK_E_IO, "CK_E_IO", "Input/output error" },
	{ CK_E_NOSPC, "CK_E_NOSPC", "No space left on device" },
	{ CK_E_FORMAT, "CK_E_FORMAT", "Bad format" },
	{ CK_E_TOOLONG, "CK_E_TOOLONG", "Name or value too long" },
	{ CK_E_SYMLINK, "CK_E_SYMLINK", "Refusing to follow a symbolic link" },
	{ CK_E_ISDIR, "CK_E_ISDIR", "Is a directory" },
	{ CK_E_CONFIG, "CK_E_CONFIG", "Configuration error" },
	{ CK_E_UTF16, "CK_E_UTF16", "UTF-16 encoding is not supported, use UTF-8 or ASCII" },
	{ CK_E_CRYPTO, "CK_E_CRYPTO", "Cryptographic operation failed" },
	{ CK_E_KEY, "CK_E_KEY", "Key unreadable or of an unsupported kind" },
	{ CK_E_KEY_MISMATCH, "CK_E_KEY_MISMATCH", "Private key does not match certificate" },
	{ CK_E_PASSWORD, "CK_E_PASSWORD", "Password missing or wrong" },
	{ CK_E_KEYSIZE, "CK_E_KEYSIZE", "Key size out of range" },
	{ CK_E_DB, "CK_E_DB", "Database error" },
	{ CK_E_BUSY, "CK_E_BUSY", "Resource busy" },
	{ CK_E_UNSUPPORTED, "CK_E_UNSUPPORTED", "Not supported" },
	{ CK_E_LIMIT, "CK_E_LIMIT", "Implementation limit reached" },
	{ CK_E_NOUSER, "CK_E_NOUSER", "No such user" },
	{ CK_E_STATE, "CK_E_STATE", "Not valid in the current state" },
	{ CK_E_TIMEOUT, "CK_E_TIMEOUT", "Timed out" },
	{ CK_E_CA_MISSING, "CK_E_CA_MISSING", "The Root CA certificate is missing" },
	{ CK_E_NOT_CA, "CK_E_NOT_CA", "Not a CA certificate" },
	{ CK_E_CHAIN_INCOMPLETE, "CK_E_CHAIN_INCOMPLETE", "Certificate chain is not complete" },
	{ CK_E_CHAIN_ORDER, "CK_E_CHAIN_ORDER", "Certificate chain is in the wrong order" },
	{ CK_E_CSR_FIELD, "CK_E_CSR_FIELD", "Invalid CSR field" },
	{ CK_E_SUBJECT, "CK_E_SUBJECT", "Invalid subject name" },
	{ CK_E_SAN, "CK_E_SAN", "Invalid subject alternative name" },
	{ CK_E_TIME, "CK_E_TIME", "Invalid validity period" },
	{ CK_E_START_TIME, "CK_E_START_TIME", "Start time before the CA's start time" },
	{ CK_E_REVOKED, "CK_E_REVOKED", "Certificate already revoked" },
	{ CK_E_CERT, "CK_E_CERT", "Certificate unreadable" },
	{ CK_E_POLICY, "CK_E_POLICY", "Refused by the signing policy" },
	{ CK_E_VERIFY, "CK_E_VERIFY", "Certificate verification failed" },
	{ CK_E_EXPIRED, "CK_E_EXPIRED", "Certificate expired or not yet valid" },
	{ CK_E_SERVICE, "CK_E_SERVICE", "Service operation failed" },
	{ CK_E_CYCLE, "CK_E_CYCLE", "Dependency cycle" },
	{ CK_E_PENDING, "CK_E_PENDING", "An interrupted operation is pending" },
};

static _Thread_local char detail[1024];

static const struct errdesc *
lookup(int r)
{
	for (size_t i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++)
		if (errtab[i].code == r)
			return &errtab[i];
	return NULL;
}

const char *
ck_strerror(int r)
{
	const struct errdesc *d = lookup(r);
	return d ? d->text : "Unknown error";
}

const char *
ck_errname(int r)
{
	const struct errdesc *d = lookup(r);
	return d ? d->name : "CK_E_UNKNOWN";
}

int
ck_verrf(int r, const char *fmt, va_list ap)
{
	vsnprintf(detail, sizeof(detail), fmt, ap);
	return r;
}

int
ck_errf(int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ck_verrf(r, fmt, ap);
	va_end(ap);
	return r;
}

int
ck_errssl(int r, const char *fmt, ...)
{
	va_list ap;
	unsigned long e;
	size_t n;

	va_start(ap, fmt);
	ck_verrf(r, fmt, ap);
	va_end(ap);
	e = ERR_peek_last_error();
	n = strlen(detail);
	if (e != 0 && n + 3 < sizeof(detail)) {
		snprintf(detail + n, sizeof(detail) - n, ": %s",
		    ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "unknown OpenSSL error");
	}
	ERR_clear_error();
	return r;
}

/*
 * The detail lives in the buffer ck_verrf rewrites, so it is copied
 * before the prefixed message is formatted; without a detail the code's
 * description stands in for it.
 */
int
ck_errwrap(int r, const char *fmt, ...)
{
	char prefix[1024], old[sizeof(detail)];
	va_list ap;

	snprintf(old, sizeof(old), "%s", detail[0] ? detail : ck_strerror(r));
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	return ck_errf(r, "%s: %s", prefix, old);
}

int
ck_errno(int e)
{
	switch (e) {
	case 0: return CK_OK;
	case ENOMEM: return CK_E_NOMEM;
	case ENOENT: case ENOTDIR: return CK_E_NOENT;
	case EEXIST: return CK_E_EXIST;
	case EACCES: case EPERM: case EROFS: return CK_E_ACCESS;
	case ENOSPC: case EDQUOT: case EFBIG: return CK_E_NOSPC;
	case ELOOP: return CK_E_SYMLINK;
	case EISDIR: return CK_E_ISDIR;
	case ENAMETOOLONG: return CK_E_TOOLONG;
	case EINVAL: return CK_E_INVAL;
	case EBUSY: case EAGAIN: return CK_E_BUSY;
	case ETIMEDOUT: return CK_E_TIMEOUT;
	default: return CK_E_IO;
	}
}

const char *
ck_err_detail(void)
{
	return detail;
}

void
ck_err_clear(void)
{
	detail[0] = '\0';
}
