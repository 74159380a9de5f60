/*
 * ca_priv.h: what the VMCA's files share, private to lib/ca*.c.
 *
 *   ca.c        state and install: opening a VMCA directory, loading and
 *               validating its signing pair, installing a new one, making
 *               a self-signed root
 *   ca_install.c installing a new signing pair crash-atomically (a journal)
 *   ca_issue.c  issuing policy: the rules of ca.h, building and signing
 *               leaves, renewals
 *   ca_index.c  the issued-certificate index (LMDB): recording, revoking,
 *               status, enumeration, server options
 *   ca_crl.c    CRLs: generation from the index, the stored vmca.crl
 *
 * Nothing here prints; every int function returns 0 or a CK_E_* code with
 * its detail set, as in ca.h.
 */
#ifndef CK_CA_PRIV_H
#define CK_CA_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca.h"

#define ROOT_FILE "root.cer"
#define KEY_FILE "privatekey.pem"
#define CRL_FILE "vmca.crl"
#define DB_FILE "certs.mdb"

struct ck_ca {
	char *dir;
	STACK_OF(X509) *chain;	/* root.cer; NULL when none */
	EVP_PKEY *key;		/* loaded on first use */
	MDB_env *env;
	MDB_dbi certs, revoked, props;
	unsigned char *issued;	/* DER of the cert this handle signed last */
	int issued_len;
};

/* --- ca.c ---------------------------------------------------------------- */

/* "<dir>/<name>", malloc'ed; NULL when out of memory. */
char *ca_join(const struct ck_ca *ca, const char *name);
/* The root must be installed and its key loaded (first use loads it and
 * checks that it matches); CK_E_CA_MISSING otherwise. */
int ca_need_root(struct ck_ca *ca);
/* x's signature by the current signing cert; see ca_issued_here_der. */
int ca_issued_here(struct ck_ca *ca, X509 *x);
/* 0 if x was signed by the VMCA's current signing cert, else
 * CK_E_UNSUPPORTED.  der (x's DER, or NULL) lets the cert this handle has
 * just signed through without verifying a signature made a moment ago. */
int ca_issued_here_der(struct ck_ca *ca, X509 *x, const unsigned char *der, int dlen);
/* Text for messages; never fail (an empty or truncated string at worst). */
char *ca_name_str(const X509_NAME *n, char *buf, size_t len);
void ca_fmt_time(const ASN1_TIME *t, char *buf, size_t len);
/* The digest the VMCA signs with for key (SHA-384 for P-384, else SHA-256). */
const EVP_MD *ca_sig_md(EVP_PKEY *key);
/* The signing cert is valid at now (CK_E_TIME naming the date if not). */
int ca_usable_now(struct ck_ca *ca, int64_t now);
int ca_add_exts(X509 *x, const STACK_OF(X509_EXTENSION) *exts);

/* Load root.cer again (the key is loaded by ca_need_root). */
int ca_reload(struct ck_ca *ca);

/* ca_audit.c: record a change to the VMCA (audit.h): the certificate
 * that went (old) and came (new), either may be NULL; extra is appended
 * as more "key=value" details */
void ca_audit_cert(const char *event, X509 *old, X509 *new, const char *extra);
void ca_audit_der(const char *event, const unsigned char *der, int len);
void ca_audit_crl(X509_CRL *crl, uint64_t number, const char *pem, size_t len);

/* --- ca_install.c -------------------------------------------------------- */

/* Lock <dir>/name exclusively (flock, created 0600); *fd holds the lock. */
int ca_lock(struct ck_ca *ca, const char *name, int *fd);
/* Finish an install a crash interrupted, if any (see ca_install.c). */
int ca_install_recover(struct ck_ca *ca);

/* --- ca_issue.c ---------------------------------------------------------- */

/* A fresh ck_ca_serial() set as x's serial number. */
int ca_set_serial(X509 *x);

/* --- ca_index.c ---------------------------------------------------------- */

int ca_dberr(struct ck_ca *ca, const char *call, int rc);
/* Open the index (once per handle).  create == 0 and no index yet ->
 * CK_E_NOENT, nothing created. */
int ca_db_open(struct ck_ca *ca, int create);
/* A read-only transaction; CK_E_NOENT when there is no index yet. */
int ca_begin_read(struct ck_ca *ca, MDB_txn **txn);
/* *found = 1 if x's serial is indexed with x's DER; *revoked = 1 if that
 * serial is revoked.  In its own read-only transaction; no index, no x. */
int ca_lookup_ro(struct ck_ca *ca, X509 *x, int *found, int *revoked);

#endif
