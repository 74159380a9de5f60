/*
 * x509gen.h: building extensions and certificate requests the way the
 * VMCA profiles want them (certool(1) PROFILES).  No policy here: ca_issue.c
 * decides what may be signed.
 */
#ifndef CK_X509GEN_H
#define CK_X509GEN_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cfg.h"

/* Append an extension to *exts (created if NULL). */
int ck_ext_push_ku(STACK_OF(X509_EXTENSION) **exts, int crit, unsigned int kubits);
int ck_ext_push_san(STACK_OF(X509_EXTENSION) **exts, GENERAL_NAMES *gens);
int ck_ext_push_ski(STACK_OF(X509_EXTENSION) **exts, EVP_PKEY *pub);
/* The SKI of the key already set in x (same value as ck_ext_push_ski). */
int ck_ext_push_ski_of(STACK_OF(X509_EXTENSION) **exts, const X509 *x);
/* AKI keyid = issuer's SKI, or the SKI method-1 hash of its key. */
int ck_ext_push_aki(STACK_OF(X509_EXTENSION) **exts, X509 *issuer);
/* AIA with one caIssuers URI. */
int ck_ext_push_aia(STACK_OF(X509_EXTENSION) **exts, const char *url);
int ck_ext_push_bc(STACK_OF(X509_EXTENSION) **exts, int ca, long pathlen);
void ck_exts_free(STACK_OF(X509_EXTENSION) *exts);

/*
 * Load a PEM private key like ck_key_load(), but decode the common
 * unencrypted forms (PKCS#8 "PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY", SEC1
 * "EC PRIVATE KEY") with OpenSSL's decoder narrowed to that one structure:
 * the generic OpenSSL 3 decoder chain costs more than signing a
 * certificate.  Every secret goes through OpenSSL's own code, which wipes
 * what it frees; the PEM text and DER are wiped here.  Anything else
 * (encrypted keys) goes through ck_key_load().
 */
int ck_key_load_fast(const char *path, const char *password, EVP_PKEY **out);

/* SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 method 1). */
int ck_key_id(EVP_PKEY *pub, unsigned char *md, unsigned int *mdlen);

/* KU bits as X509v3 KU_* values */
#define CK_KU_LEAF (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION | KU_KEY_ENCIPHERMENT)

enum {
	CK_REQ_KU = 1 << 0,	/* add the --gencert KeyUsage */
	CK_REQ_DATAENC = 1 << 1, /* ... with dataEncipherment */
};

/* A signed (SHA-256) PKCS#10 request: subject from cfg, then extensions
 * [KU], SAN, SKI.  Errors as ck_cfg_subject / ck_cfg_san; an empty
 * subject and no SAN -> CK_E_CSR_FIELD. */
int ck_req_from_cfg(const struct ck_cfg *cfg, EVP_PKEY *key, int flags, X509_REQ **out);
/* A request with x's subject and key's public key, x's SAN and KU copied
 * (same criticality), critical CA:TRUE added if x is a CA; no SKI. */
int ck_req_from_cert(X509 *x, EVP_PKEY *key, X509_REQ **out);
/*
 * A self-signed certificate standing for a request until the CA's comes
 * back: req's subject and extensions (SAN, SKI), key's public half, valid
 * from now for days days, signed with key (SHA-256).  VECS keeps a key
 * with a certificate, and vSphere's __MACHINE_CSR entry is such a Private
 * Key entry, which scripts read with `entry getcert` (certool --keepkey).
 */
int ck_cert_from_req_selfsigned(X509_REQ *req, EVP_PKEY *key, int days, X509 **out);
/* Sign (SHA-256) and return PEM text (malloc'ed). */
int ck_req_to_pem(X509_REQ *req, char **pem, size_t *len);
int ck_crl_to_pem(X509_CRL *crl, char **pem, size_t *len);
/* X509_CRL_print / X509_REQ_print text, malloc'ed. */
int ck_crl_text(X509_CRL *crl, char **out);
/* Parse the first PEM request / CRL in a file. */
int ck_req_load(const char *path, X509_REQ **out);
int ck_crl_load(const char *path, X509_CRL **out);

#endif
