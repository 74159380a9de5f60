/*
 * audit.h: the audit trail of every change certkit makes.
 *
 * A record is one line: who (uid, user name, SUDO_USER when set), what
 * (an event name such as vecs.entry.replace) and key=value details (the
 * store, the alias, the old and new SHA-1 and SHA-256 thumbprints).  It
 * goes to syslog (ident certool, vecs or svcctl, so `journalctl -t vecs`
 * finds it) and is appended to ck_path(CK_PATH_AUDIT) (O_APPEND, 0640,
 * fsync), which lives under the state directory so a sandbox keeps its
 * own trail.  Callers never pass a key or a password: only names and
 * thumbprints.
 *
 * The library writes the records itself, at the point where a change is
 * made (store, CA, swap), so no command can make a change that leaves no
 * record; a record is not output, and nothing here prints.  Recording is
 * best effort: the change has been made, and a trail that cannot be
 * written (a non-root caller cannot open the root's file) must not undo
 * it, so the functions return nothing.
 *
 * The store defers its records to the commit of the transaction that
 * makes the change (a ck_audit_queue), so an aborted group transaction
 * leaves no record of changes that did not happen.
 */
#ifndef CK_AUDIT_H
#define CK_AUDIT_H

#include <stddef.h>

/* Hex thumbprint sizes, NUL included. */
#define CK_AUDIT_SHA1_HEX	41
#define CK_AUDIT_SHA256_HEX	65

/* The syslog ident (default: the program name). */
void ck_audit_init(const char *ident);

/* Record event with details (printf-style "key=value ..."); control
 * characters in the details are escaped, so a record is one line. */
void ck_audit(const char *event, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records held until the change they describe is committed. */
struct ck_audit_queue {
	char *buf;		/* records, each "event\tdetails\n" */
	size_t len, cap;
};
void ck_audit_defer(struct ck_audit_queue *q, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ck_audit_flush(struct ck_audit_queue *q);	/* record them, then forget */
void ck_audit_drop(struct ck_audit_queue *q);	/* forget them */

/*
 * Thumbprints of the first PEM block (a certificate, a CRL) in pem,
 * which need not be NUL-terminated, or "-" for both when there is none;
 * of DER bytes.
 * Computed without libcrypto: vecs deletes entries without loading it.
 */
void ck_audit_thumbs_pem(const char *pem, size_t len, char sha1[CK_AUDIT_SHA1_HEX],
    char sha256[CK_AUDIT_SHA256_HEX]);
void ck_audit_thumbs_der(const unsigned char *der, size_t len, char sha1[CK_AUDIT_SHA1_HEX],
    char sha256[CK_AUDIT_SHA256_HEX]);

#endif
