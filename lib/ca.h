/*
 * ca.h: the local certificate authority (VMCA) and its signing policy.
 *
 * The VMCA lives in one directory (ck_path(CK_PATH_VMCA) by default):
 *   root.cer          the signing certificate, or the chain signing cert,
 *                     intermediates..., root (PEM)
 *   privatekey.pem    its key, PKCS#8, mode 0600
 *   root.cer.N, privatekey.pem.N   backups kept by ck_ca_install (0 newest)
 *   install.new/, install.lock   an install in progress, its lock
 *   crl.lock          held while a CRL is numbered and published
 *   certs.mdb(-lock)  LMDB: named dbs "certs" (serial -> DER of every issued
 *                     certificate), "revoked" (serial -> date, reason) and
 *                     "props" (CRL number, server options)
 *   vmca.crl          the last CRL generated (PEM)
 * The VMCA signing key is RSA (2048..16384 bits), as VMware's; leaf keys may
 * be RSA or EC on the named curves P-256/P-384.
 *
 * Signing policy (certool(1) POLICY): lifetime default 730 days, at most
 * 3660; notBefore = now - 10 min but never before the CA's notBefore;
 * notAfter never past the notAfter of any certificate of root.cer (a
 * window left empty is refused); nothing is signed while the VMCA
 * certificate is not valid yet or expired; keys RSA 2048..16384 or EC on
 * the named curves P-256/P-384 only; AKI always; AIA caIssuers only if
 * a URL is given; wildcards and CA requests refused unless allowed;
 * of a request's extensions only SAN, basicConstraints, keyUsage within
 * the leaf profile and extendedKeyUsage serverAuth/clientAuth are copied
 * (SKI is always made from the key), anything else refused
 * (CK_E_POLICY naming it) unless CK_SIGN_ALLOW_EXTENSIONS;
 * more than one DNS SAN refused only when the "multiplesan" option is off
 * (it is on by default).  Every refusal sets a detail naming the rule.
 *
 * Every function returns 0 or a CK_E_* code and never prints.
 *
 * One file per responsibility (their shared, private part: ca_priv.h):
 * ca.c state and install, ca_issue.c the signing policy, ca_index.c the
 * index of issued certificates, ca_crl.c CRLs; the extensions (SKI, AKI,
 * AIA, ...) are built by x509gen.c.
 */
#ifndef CK_CA_H
#define CK_CA_H

#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cfg.h"

#define CK_CA_DEFAULT_DAYS 730		/* leaf lifetime when none is asked */
#define CK_CA_MAX_DAYS 3660		/* longest leaf lifetime (10 x 366) */
#define CK_CA_RENEW_MAX_DAYS 730	/* longest lifetime of a renewal */
#define CK_CA_BACKDATE_SECS 600		/* leaves start 10 minutes ago */
#define CK_CA_ROOT_DAYS 3650		/* self-made roots: 10 x 365 days */
#define CK_CA_CRL_DAYS 30
#define CK_CA_MAX_BACKUPS 32

struct ck_ca;

/* Signing options; a zeroed struct gives the defaults. */
enum {
	CK_SIGN_ALLOW_WILDCARD = 1 << 0, /* allow '*' in CN and DNS SANs */
	CK_SIGN_ALLOW_CA = 1 << 1,	/* allow CA:TRUE / keyCertSign / cRLSign */
	CK_SIGN_DATAENC = 1 << 2,	/* sign_config: add dataEncipherment to KU */
	CK_SIGN_NO_RECORD = 1 << 3,	/* do not add the cert to the index */
	CK_SIGN_ALLOW_EXTENSIONS = 1 << 4, /* copy any request extension */
};

struct ck_sign_opts {
	int days;		/* lifetime in days; 0 = CK_CA_DEFAULT_DAYS */
	unsigned int flags;	/* CK_SIGN_* */
	const char *aia_url;	/* AIA caIssuers URL; NULL = no AIA */
};

/* Status of a certificate as this VMCA sees it. */
enum ck_cert_status {
	CK_CERT_ACTIVE = 0,	/* issued here, not revoked, not expired */
	CK_CERT_REVOKED,	/* issued here and revoked */
	CK_CERT_EXPIRED,	/* notAfter is in the past (checked first) */
	CK_CERT_UNKNOWN,	/* not issued by this VMCA */
};

enum ck_enum_filter {
	CK_ENUM_ACTIVE = 1,
	CK_ENUM_REVOKED,
	CK_ENUM_EXPIRED,
	CK_ENUM_ALL,
};

/*
 * Open the VMCA in dir (NULL = ck_path(CK_PATH_VMCA)).  Works without a
 * root installed (for --selfca, --rootca, server options); functions that
 * need the root return CK_E_CA_MISSING.  The key is loaded when first
 * needed.
 */
int ck_ca_open(const char *dir, struct ck_ca **out);
void ck_ca_close(struct ck_ca *ca);
/* 1 if a root is installed. */
int ck_ca_has_root(struct ck_ca *ca);
/* The signing cert (first of root.cer) and the whole root.cer chain;
 * owned by ca.  NULL when there is no root. */
X509 *ck_ca_cert(struct ck_ca *ca);
STACK_OF(X509) *ck_ca_chain(struct ck_ca *ca);
const char *ck_ca_dir(struct ck_ca *ca);

/*
 * Validate a signing chain and key without writing anything:
 * chain order (cert i+1 issued cert i: names, AKI/SKI, keyCertSign) ->
 * CK_E_CHAIN_ORDER; last cert not self-issued -> CK_E_CHAIN_INCOMPLETE;
 * first cert not a CA -> CK_E_NOT_CA (detail says which check failed);
 * signatures along the chain are verified too (CK_E_CHAIN_ORDER /
 * CK_E_CHAIN_INCOMPLETE); an expired certificate -> CK_E_TIME;
 * key not RSA -> CK_E_KEY; key does not match -> CK_E_KEY_MISMATCH;
 * RSA < 2048 or > 16384 -> CK_E_KEYSIZE.  Empty chain -> CK_E_FORMAT.
 * key may be NULL to check the chain alone.
 */
int ck_ca_validate(STACK_OF(X509) *chain, EVP_PKEY *key);
/* Validate, then (holding <dir>/install.lock) install chain and key as
 * the VMCA's signing pair, crash-atomically as a pair, backups rotated as
 * pairs (the journal of ca_install.c); ca is reloaded.  Nothing is
 * written, and no backup rotated, when validation or staging fails;
 * ck_ca_open finishes an install a crash interrupted after its commit. */
int ck_ca_install(struct ck_ca *ca, STACK_OF(X509) *chain, EVP_PKEY *key);

/*
 * Build a self-signed CA certificate from cfg (profile of certool(1)
 * --genselfcacert: subject from cfg, SAN email/IP/DNS, SKI, KU critical
 * keyCertSign+cRLSign, BC critical CA:TRUE pathlen:0), valid from
 * now - predate_min minutes for CK_CA_ROOT_DAYS days.  The caller adjusts
 * cfg for the --selfca profile.  Empty CN -> CK_E_CSR_FIELD.
 */
int ck_ca_make_root(const struct ck_cfg *cfg, EVP_PKEY *key, long predate_min, X509 **out);

/*
 * Sign a CSR under the policy.  The CSR self-signature is checked.
 * *leaf gets the new cert; *chain (if chain != NULL) gets the certs to
 * send with it: root.cer minus its final self-signed root (empty when the
 * VMCA is a root).  The cert is added to the index unless
 * CK_SIGN_NO_RECORD; a caller that may still fail to deliver the cert
 * (write a file, swap a store entry) signs with CK_SIGN_NO_RECORD and calls
 * ck_ca_record once it has delivered it, so the index never lists a
 * certificate nobody received.
 */
int ck_ca_sign_req(struct ck_ca *ca, X509_REQ *req, const struct ck_sign_opts *o,
    X509 **leaf, STACK_OF(X509) **chain);
/*
 * The --gencert path: subject and SAN from cfg, KU digitalSignature,
 * nonRepudiation, keyEncipherment (+ dataEncipherment with
 * CK_SIGN_DATAENC), SKI, for the public half of key; then as
 * ck_ca_sign_req (no CSR is built or signed: the key is at hand).
 * key must be a private key that signs for its public half (proof of
 * possession, as a CSR's self-signature is for ck_ca_sign_req), else
 * CK_E_KEY.
 */
int ck_ca_sign_config(struct ck_ca *ca, const struct ck_cfg *cfg, EVP_PKEY *key,
    const struct ck_sign_opts *o, X509 **leaf, STACK_OF(X509) **chain);
/*
 * Reissue old (which this VMCA must have signed, else CK_E_UNSUPPORTED)
 * with the same subject, extensions and public key for days days
 * (0 = CK_CA_DEFAULT_DAYS, at most CK_CA_RENEW_MAX_DAYS).  If key is not
 * NULL it must match old (CK_E_KEY_MISMATCH).  A CA certificate (CA:TRUE,
 * keyCertSign or cRLSign) is renewed only with CK_SIGN_ALLOW_CA, else
 * CK_E_POLICY.  flags: CK_SIGN_NO_RECORD and CK_SIGN_ALLOW_CA count;
 * *out and *chain as for ck_ca_sign_req.
 */
int ck_ca_renew(struct ck_ca *ca, X509 *old, EVP_PKEY *key, int days, unsigned int flags,
    X509 **out, STACK_OF(X509) **chain);
/*
 * Add x, which this VMCA's current signing cert must have signed (else
 * CK_E_UNSUPPORTED, nothing written), to the index.  Already indexed ->
 * 0 and nothing written, so a retried delivery may record again.
 */
int ck_ca_record(struct ck_ca *ca, X509 *x);
/*
 * ck_ca_record on a thread of its own, so that the index's syncs run
 * while the caller writes the certificate out (see deliver() in
 * certool/cmd_cert.c).  ck_ca_record_begin checks x and opens the index
 * (errors as for ck_ca_record, nothing started); ck_ca_record_end waits
 * for the transaction and returns its result.  With keep == 0 (the
 * delivery failed) a record the transaction added is deleted again, so
 * the index does not list a certificate nobody received; the result is
 * then that of the deletion (0 when nothing was added).  ca must stay
 * open, and its index untouched by the caller, until ck_ca_record_end.
 */
struct ck_ca_pending;
int ck_ca_record_begin(struct ck_ca *ca, X509 *x, struct ck_ca_pending **out);
int ck_ca_record_end(struct ck_ca_pending *p, int keep);

/*
 * Revocation index.  A certificate is "issued here" when its serial is in
 * the index with exactly the same DER.  ck_ca_revoke: reason is an RFC 5280
 * CRLReason (0..10 but 7); CK_E_REVOKED if already revoked,
 * CK_E_UNSUPPORTED if not issued here.  ck_ca_status: EXPIRED is decided
 * first (notAfter < now), then UNKNOWN / REVOKED / ACTIVE.
 */
int ck_ca_revoke(struct ck_ca *ca, X509 *x, int reason);
int ck_ca_status(struct ck_ca *ca, X509 *x, enum ck_cert_status *st);
/* Call cb for each indexed certificate that passes filter, in serial
 * order.  cb returns 0 to go on, or a code that stops and is returned. */
int ck_ca_enum(struct ck_ca *ca, enum ck_enum_filter filter,
    int (*cb)(void *u, X509 *x, enum ck_cert_status st), void *u);

/* Generate a CRL (v2, CRL number persisted and incremented, AKI, lastUpdate
 * now - 10 min, nextUpdate + 30 d, entries sorted by serial) and store it
 * as vmca.crl.  One generator at a time (crl.lock); the number is past
 * both the persisted one and that of the vmca.crl it replaces, so a CRL is
 * never replaced by a lower-numbered one.  *out (if not NULL) gets it. */
int ck_ca_gen_crl(struct ck_ca *ca, X509_CRL **out);
/* The stored CRL, generated first if none exists. */
int ck_ca_get_crl(struct ck_ca *ca, X509_CRL **out);

/* Server options ("multiplesan"); unknown name -> CK_E_INVAL. */
int ck_ca_get_option(struct ck_ca *ca, const char *name, int *on);
int ck_ca_set_option(struct ck_ca *ca, const char *name, int on);

/* A fresh random serial: 64 bits with the top two set (DER length 9). */
int ck_ca_serial(ASN1_INTEGER **out);

#endif
