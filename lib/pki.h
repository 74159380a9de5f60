/*
 * pki.h: the OpenSSL 3 helpers every binary shares (EVP APIs only).
 *
 * Parsing never prompts: an encrypted key without a password is
 * CK_E_PASSWORD, not a terminal prompt.  Buffers that hold private key
 * material are ck_secalloc'ed and must be released with ck_secfree().
 */
#ifndef CK_PKI_H
#define CK_PKI_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/pkcs12.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define CK_PEM_MAX (16 * 1024 * 1024)	/* largest PEM input we read */

enum ck_keytype { CK_KEY_RSA = 1, CK_KEY_EC = 2 };

/* --- certificates ------------------------------------------------------- */

/* Every PEM certificate in buf (text around blocks ignored).  CK_E_FORMAT
 * when there is none, or when a block is damaged. */
int ck_certs_parse(const char *buf, size_t len, STACK_OF(X509) **out);
int ck_certs_load(const char *path, STACK_OF(X509) **out);
/* The first certificate of a PEM file. */
int ck_cert_load(const char *path, X509 **out);
/* Canonical PEM (64 columns, ending in \n) of one cert / a whole chain. */
int ck_cert_to_pem(X509 *x, char **pem, size_t *len);
int ck_certs_to_pem(STACK_OF(X509) *sk, char **pem, size_t *len);
/* Lowercase hex digest of the DER, no separators (SHA-1 gives the VECS
 * thumbprint).  hex must hold 2*EVP_MAX_MD_SIZE+1 bytes. */
int ck_cert_digest_hex(X509 *x, const EVP_MD *md, char *hex);
/* X509_print text, NUL-terminated, malloc'ed. */
int ck_cert_text(X509 *x, char **out);
/* 1 if X509_check_ca says CA, 0 if not. */
int ck_cert_is_ca(X509 *x);
/* Seconds from now until notAfter (negative if expired). */
int ck_cert_seconds_left(X509 *x, int64_t *secs);
/* What to send with a leaf issued by a CA whose chain (CA first, root
 * last) is given: the chain without its final self-signed root, new
 * references in a new stack (empty for a self-signed CA).  In
 * lib/pki_chain.c. */
int ck_chain_to_send(const STACK_OF(X509) *chain, STACK_OF(X509) **out);
void ck_certs_free(STACK_OF(X509) *sk);

/* --- keys ---------------------------------------------------------------- */

/* Parse a PEM private key (PKCS#1, SEC1 or PKCS#8, encrypted or not).
 * password may be NULL.  Errors: CK_E_PASSWORD (encrypted and no or wrong
 * password), CK_E_KEY (not a private key). */
int ck_key_parse(const char *buf, size_t len, const char *password, EVP_PKEY **out);
int ck_key_load(const char *path, const char *password, EVP_PKEY **out);
/* The same with the password read from a ck_secret_read() spec
 * (file:PATH, fd:N, env:NAME; NULL = none); the detail names path. */
int ck_key_load_pwspec(const char *path, const char *pwspec, EVP_PKEY **out);
/* New key: RSA of bits (2048..16384), or EC with bits 256 or 384. */
int ck_key_generate(enum ck_keytype type, int bits, EVP_PKEY **out);
/* Progress of RSA key generation (an 8192-bit key takes half a minute),
 * for a program to show: fn(u, CK_KEYGEN_BEGIN), fn(u, CK_KEYGEN_STEP)
 * as the prime search goes on, fn(u, CK_KEYGEN_END).  NULL: none.  The
 * library only calls fn; what is shown, and where, is the program's. */
enum { CK_KEYGEN_BEGIN, CK_KEYGEN_STEP, CK_KEYGEN_END };
void ck_key_progress(void (*fn)(void *u, int what), void *u);
/* PKCS#8 PEM; encrypted with AES-256-CBC (PBES2) when password != NULL.
 * *pem is ck_secalloc'ed. */
int ck_key_to_pem(EVP_PKEY *k, const char *password, char **pem, size_t *len);
/* Write the key as PKCS#8 to path, atomically, mode 0600, no symlinks. */
int ck_key_write(const char *path, EVP_PKEY *k, const char *password);
/* Public key PEM: SubjectPublicKeyInfo, or PKCS#1 (RSA only) if pkcs1. */
int ck_pubkey_to_pem(EVP_PKEY *k, int pkcs1, char **pem, size_t *len);
/* 0 if k is the private key of x's public key, else CK_E_KEY_MISMATCH. */
int ck_cert_key_match(X509 *x, EVP_PKEY *k);
/* "RSA 2048", "EC P-256"; bits / type queries. */
int ck_key_bits(EVP_PKEY *k);
int ck_key_is_rsa(EVP_PKEY *k);
int ck_key_is_ec(EVP_PKEY *k);

/* --- misc ---------------------------------------------------------------- */

/* Write a text/PEM buffer atomically with the given mode. */
int ck_pem_write(const char *path, const char *pem, size_t len, unsigned int mode);

/*
 * PKCS#12 key-derivation work: the iteration counts of the MAC and of every
 * encrypted part and shrouded key, added up, may not exceed this (about a
 * second of PBKDF2; exporters use 1 to 100000 per count: OpenSSL 2048,
 * Windows 2000 or 10000, Java 10000 to 100000).
 */
#define CK_P12_MAX_ITER 1000000
/* Check p12's counts before any key derivation: CK_E_LIMIT past the
 * budget, CK_E_PASSWORD if an encrypted part does not decrypt with pw. */
int ck_p12_check_iter(PKCS12 *p12, const char *pw);
/*
 * Read a PKCS#12 file whole (a private key, its certificate and any CA
 * certificates), the password from a ck_secret_read() spec (NULL: an empty
 * password), with the counts checked first.  *chain is never NULL on
 * success.  CK_E_NOENT (no file), CK_E_FORMAT (not PKCS#12), CK_E_LIMIT,
 * CK_E_PASSWORD (wrong password), CK_E_KEY (no key with its certificate).
 */
int ck_p12_load(const char *path, const char *pwspec, EVP_PKEY **key, X509 **leaf,
    STACK_OF(X509) **chain);

#endif
