/*
 * lazycrypto.c: the OpenSSL functions vecs uses, each loading libcrypto on
 * its first call (see lazycrypto.h for why).
 *
 * Each function is defined with the exact prototype the OpenSSL headers
 * declare (the compiler rejects a mismatch) and forwards to the real one,
 * found with dlvsym under OPENSSL_VERSION_NODE and cached.  To let the
 * program call another OpenSSL function, add one line to the table.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/safestack.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lazycrypto.h"
#include "util.h"

#ifndef CK_LIBCRYPTO_SONAME
#define CK_LIBCRYPTO_SONAME "libcrypto.so.3"
#endif
/* every function below has been in libcrypto since 3.0.0 */
#define OPENSSL_VERSION_NODE "OPENSSL_3.0.0"

/*
 * The dependency the dynamic section no longer shows, declared for
 * packaging tools (dpkg-shlibdeps does not read it yet, so debian/control
 * must name libssl3 itself), needrestart and anything else reading ELF
 * notes: an ELF note in the freedesktop.org "ELF dlopen metadata" format
 * (owner "FDO", type 0x407c0c0a, a NUL-terminated JSON array), in its own
 * section .note.dlopen.  tests/e2e/hardening.sh checks it is there.
 */
#define CK_DLOPEN_NOTE_OWNER "FDO"
#define CK_DLOPEN_NOTE_TYPE UINT32_C(0x407c0c0a)
#define CK_DLOPEN_NOTE_JSON \
	"[{\"feature\":\"crypto\"," \
	"\"description\":\"certificates and keys (loaded on first use)\"," \
	"\"priority\":\"required\"," \
	"\"soname\":[\"" CK_LIBCRYPTO_SONAME "\"]}]"
/* clang's AddressSanitizer would pad the note with a redzone, and a reader
 * would then find no note of the right size: the note is not instrumented
 * (gcc leaves globals in a section of their own alone) */
#if defined(__clang__)
#define CK_NOTE_NO_ASAN __attribute__((no_sanitize("address")))
#else
#define CK_NOTE_NO_ASAN
#endif
CK_NOTE_NO_ASAN
__attribute__((used, section(".note.dlopen"))) _Alignas(4) static const struct {
	uint32_t n_namesz, n_descsz, n_type;
	char name[sizeof(CK_DLOPEN_NOTE_OWNER)];	/* 4 bytes: no padding */
	_Alignas(4) char desc[(sizeof(CK_DLOPEN_NOTE_JSON) + 3) & ~(size_t)3];
} ck_dlopen_note = {
	sizeof(CK_DLOPEN_NOTE_OWNER), sizeof(CK_DLOPEN_NOTE_JSON), CK_DLOPEN_NOTE_TYPE,
	CK_DLOPEN_NOTE_OWNER, CK_DLOPEN_NOTE_JSON,
};

/*
 * F(return type, name, (parameters), (arguments)): a function;
 * V(name, (parameters), (arguments)): a void one;
 * Z(name, (parameters), (arguments), pointer): a void free function, which
 * does nothing when pointer is NULL (as OpenSSL documents for every free
 * function), so cleanup code freeing nothing does not load libcrypto.
 */
#define CK_LAZYCRYPTO_TABLE(F, V, Z) \
	/* lib/certinfo.c: Tls.Info JSON (entry getcert --json) */ \
	F(const unsigned char *, ASN1_STRING_get0_data, (const ASN1_STRING *x), (x)) \
	F(int, ASN1_STRING_length, (const ASN1_STRING *x), (x)) \
	Z(AUTHORITY_INFO_ACCESS_free, (AUTHORITY_INFO_ACCESS *a), (a), a) \
	F(int, BIO_puts, (BIO *bp, const char *buf), (bp, buf)) \
	F(const EVP_MD *, EVP_sha256, (void), ()) \
	Z(EXTENDED_KEY_USAGE_free, (EXTENDED_KEY_USAGE *a), (a), a) \
	Z(GENERAL_NAMES_free, (GENERAL_NAMES *a), (a), a) \
	F(void *, GENERAL_NAME_get0_value, (const GENERAL_NAME *a, int *ptype), (a, ptype)) \
	F(const char *, OBJ_nid2ln, (int n), (n)) \
	F(const char *, OBJ_nid2sn, (int n), (n)) \
	F(int, OBJ_obj2txt, (char *buf, int buf_len, const ASN1_OBJECT *a, int no_name), \
	    (buf, buf_len, a, no_name)) \
	F(int, X509_NAME_print_ex, (BIO *out, const X509_NAME *nm, int indent, \
	    unsigned long flags), (out, nm, indent, flags)) \
	F(const ASN1_TIME *, X509_get0_notBefore, (const X509 *x), (x)) \
	F(const ASN1_INTEGER *, X509_get0_serialNumber, (const X509 *x), (x)) \
	F(void *, X509_get_ext_d2i, (const X509 *x, int nid, int *crit, int *idx), \
	    (x, nid, crit, idx)) \
	F(X509_NAME *, X509_get_issuer_name, (const X509 *a), (a)) \
	F(uint32_t, X509_get_key_usage, (X509 *x), (x)) \
	F(long, X509_get_pathlen, (X509 *x), (x)) \
	F(int, X509_get_signature_nid, (const X509 *x), (x)) \
	F(long, X509_get_version, (const X509 *x), (x)) \
	F(int, ASN1_TIME_diff, (int *pday, int *psec, const ASN1_TIME *from, \
	    const ASN1_TIME *to), (pday, psec, from, to)) \
	F(int, ASN1_TIME_to_tm, (const ASN1_TIME *s, struct tm *tm), (s, tm)) \
	F(long, ASN1_INTEGER_get, (const ASN1_INTEGER *a), (a)) \
	F(void *, ASN1_TYPE_unpack_sequence, (const ASN1_ITEM *it, const ASN1_TYPE *t), (it, t)) \
	F(long, BIO_ctrl, (BIO *bp, int cmd, long larg, void *parg), (bp, cmd, larg, parg)) \
	F(int, BIO_free, (BIO *a), (a)) \
	F(BIO *, BIO_new, (const BIO_METHOD *type), (type)) \
	F(BIO *, BIO_new_file, (const char *filename, const char *mode), (filename, mode)) \
	F(BIO *, BIO_new_fp, (FILE *stream, int close_flag), (stream, close_flag)) \
	F(BIO *, BIO_new_mem_buf, (const void *buf, int len), (buf, len)) \
	F(const BIO_METHOD *, BIO_s_mem, (void), ()) \
	F(const BIO_METHOD *, BIO_s_secmem, (void), ()) \
	Z(CRYPTO_free, (void *ptr, const char *file, int line), (ptr, file, line), ptr) \
	V(ERR_clear_error, (void), ()) \
	F(unsigned long, ERR_peek_last_error, (void), ()) \
	F(const char *, ERR_reason_error_string, (unsigned long e), (e)) \
	F(int, EVP_PKEY_eq, (const EVP_PKEY *a, const EVP_PKEY *b), (a, b)) \
	Z(EVP_PKEY_free, (EVP_PKEY *pkey), (pkey), pkey) \
	F(int, EVP_PKEY_get_bits, (const EVP_PKEY *pkey), (pkey)) \
	F(int, EVP_PKEY_is_a, (const EVP_PKEY *pkey, const char *name), (pkey, name)) \
	F(int, EVP_PKEY_print_private, (BIO *out, const EVP_PKEY *pkey, int indent, \
	    ASN1_PCTX *pctx), (out, pkey, indent, pctx)) \
	F(const EVP_CIPHER *, EVP_aes_256_cbc, (void), ()) \
	F(const EVP_MD *, EVP_sha1, (void), ()) \
	F(OPENSSL_STACK *, OPENSSL_sk_new_null, (void), ()) \
	F(int, OBJ_obj2nid, (const ASN1_OBJECT *o), (o)) \
	F(int, OPENSSL_sk_num, (const OPENSSL_STACK *st), (st)) \
	F(void *, OPENSSL_sk_pop, (OPENSSL_STACK *st), (st)) \
	Z(OPENSSL_sk_pop_free, (OPENSSL_STACK *st, void (*func)(void *)), (st, func), st) \
	F(int, OPENSSL_sk_push, (OPENSSL_STACK *st, const void *data), (st, data)) \
	F(void *, OPENSSL_sk_shift, (OPENSSL_STACK *st), (st)) \
	F(void *, OPENSSL_sk_value, (const OPENSSL_STACK *st, int i), (st, i)) \
	Z(OSSL_ENCODER_CTX_free, (OSSL_ENCODER_CTX *ctx), (ctx), ctx) \
	F(int, OSSL_ENCODER_CTX_get_num_encoders, (OSSL_ENCODER_CTX *ctx), (ctx)) \
	F(OSSL_ENCODER_CTX *, OSSL_ENCODER_CTX_new_for_pkey, (const EVP_PKEY *pkey, \
	    int selection, const char *output_type, const char *output_struct, \
	    const char *propquery), (pkey, selection, output_type, output_struct, propquery)) \
	F(int, OSSL_ENCODER_to_bio, (OSSL_ENCODER_CTX *ctx, BIO *out), (ctx, out)) \
	Z(PBE2PARAM_free, (PBE2PARAM *a), (a), a) \
	F(const ASN1_ITEM *, PBE2PARAM_it, (void), ()) \
	Z(PBEPARAM_free, (PBEPARAM *a), (a), a) \
	F(const ASN1_ITEM *, PBEPARAM_it, (void), ()) \
	Z(PBKDF2PARAM_free, (PBKDF2PARAM *a), (a), a) \
	F(const ASN1_ITEM *, PBKDF2PARAM_it, (void), ()) \
	F(EVP_PKEY *, PEM_read_bio_PrivateKey, (BIO *out, EVP_PKEY **x, pem_password_cb *cb, \
	    void *u), (out, x, cb, u)) \
	F(X509 *, PEM_read_bio_X509, (BIO *out, X509 **x, pem_password_cb *cb, void *u), \
	    (out, x, cb, u)) \
	F(X509_CRL *, PEM_read_bio_X509_CRL, (BIO *out, X509_CRL **x, pem_password_cb *cb, \
	    void *u), (out, x, cb, u)) \
	F(int, PEM_write_bio_PKCS8PrivateKey, (BIO *bp, const EVP_PKEY *x, \
	    const EVP_CIPHER *enc, const char *kstr, int klen, pem_password_cb *cb, void *u), \
	    (bp, x, enc, kstr, klen, cb, u)) \
	F(int, PEM_write_bio_PUBKEY, (BIO *out, const EVP_PKEY *x), (out, x)) \
	F(int, PEM_write_bio_X509, (BIO *out, const X509 *x), (out, x)) \
	F(int, PEM_write_bio_X509_CRL, (BIO *out, const X509_CRL *x), (out, x)) \
	Z(PKCS12_SAFEBAG_free, (PKCS12_SAFEBAG *a), (a), a) \
	F(const X509_SIG *, PKCS12_SAFEBAG_get0_pkcs8, (const PKCS12_SAFEBAG *bag), (bag)) \
	F(const STACK_OF(PKCS12_SAFEBAG) *, PKCS12_SAFEBAG_get0_safes, \
	    (const PKCS12_SAFEBAG *bag), (bag)) \
	F(int, PKCS12_SAFEBAG_get_nid, (const PKCS12_SAFEBAG *bag), (bag)) \
	F(PKCS12 *, PKCS12_create_ex, (const char *pass, const char *name, EVP_PKEY *pkey, \
	    X509 *cert, STACK_OF(X509) *ca, int nid_key, int nid_cert, int iter, \
	    int mac_iter, int keytype, OSSL_LIB_CTX *ctx, const char *propq), \
	    (pass, name, pkey, cert, ca, nid_key, nid_cert, iter, mac_iter, keytype, ctx, propq)) \
	Z(PKCS12_free, (PKCS12 *a), (a), a) \
	V(PKCS12_get0_mac, (const ASN1_OCTET_STRING **pmac, const X509_ALGOR **pmacalg, \
	    const ASN1_OCTET_STRING **psalt, const ASN1_INTEGER **piter, const PKCS12 *p12), \
	    (pmac, pmacalg, psalt, piter, p12)) \
	F(int, PKCS12_parse, (PKCS12 *p12, const char *pass, EVP_PKEY **pkey, X509 **cert, \
	    STACK_OF(X509) **ca), (p12, pass, pkey, cert, ca)) \
	F(STACK_OF(PKCS7) *, PKCS12_unpack_authsafes, (const PKCS12 *p12), (p12)) \
	F(STACK_OF(PKCS12_SAFEBAG) *, PKCS12_unpack_p7data, (PKCS7 *p7), (p7)) \
	F(STACK_OF(PKCS12_SAFEBAG) *, PKCS12_unpack_p7encdata, (PKCS7 *p7, const char *pass, \
	    int passlen), (p7, pass, passlen)) \
	F(int, PKCS12_verify_mac, (PKCS12 *p12, const char *pass, int passlen), \
	    (p12, pass, passlen)) \
	Z(PKCS7_free, (PKCS7 *a), (a), a) \
	V(X509_ALGOR_get0, (const ASN1_OBJECT **paobj, int *pptype, const void **ppval, \
	    const X509_ALGOR *algor), (paobj, pptype, ppval, algor)) \
	F(int, X509_CRL_digest, (const X509_CRL *data, const EVP_MD *type, unsigned char *md, \
	    unsigned int *len), (data, type, md, len)) \
	Z(X509_CRL_free, (X509_CRL *a), (a), a) \
	F(X509_NAME *, X509_CRL_get_issuer, (const X509_CRL *crl), (crl)) \
	F(int, X509_CRL_print, (BIO *bp, X509_CRL *x), (bp, x)) \
	F(unsigned long, X509_NAME_hash_ex, (const X509_NAME *x, OSSL_LIB_CTX *libctx, \
	    const char *propq, int *ok), (x, libctx, propq, ok)) \
	V(X509_SIG_get0, (const X509_SIG *sig, const X509_ALGOR **palg, \
	    const ASN1_OCTET_STRING **pdigest), (sig, palg, pdigest)) \
	F(int, X509_check_ca, (X509 *x), (x)) \
	F(int, X509_digest, (const X509 *data, const EVP_MD *type, unsigned char *md, \
	    unsigned int *len), (data, type, md, len)) \
	Z(X509_free, (X509 *a), (a), a) \
	F(const ASN1_TIME *, X509_get0_notAfter, (const X509 *x), (x)) \
	F(EVP_PKEY *, X509_get0_pubkey, (const X509 *x), (x)) \
	F(X509_NAME *, X509_get_subject_name, (const X509 *a), (a)) \
	F(char *, X509_NAME_oneline, (const X509_NAME *a, char *buf, int size), (a, buf, size)) \
	F(int, X509_print, (BIO *bp, X509 *x), (bp, x)) \
	F(PKCS12 *, d2i_PKCS12, (PKCS12 **a, const unsigned char **in, long len), (a, in, len)) \
	F(EVP_PKEY *, d2i_AutoPrivateKey, (EVP_PKEY **a, const unsigned char **pp, long length), \
	    (a, pp, length)) \
	F(EVP_PKEY *, d2i_PKCS8PrivateKey_bio, (BIO *bp, EVP_PKEY **x, pem_password_cb *cb, \
	    void *u), (bp, x, cb, u)) \
	F(X509 *, d2i_X509, (X509 **a, const unsigned char **in, long len), (a, in, len)) \
	F(int, i2d_PKCS12, (const PKCS12 *a, unsigned char **out), (a, out))

static void *libcrypto;

/* The address of libcrypto's name, loading the library first if needed;
 * never returns NULL (ck_lazycrypto_failed does not return). */
static void *
resolve(const char *name)
{
	void *p;

	if (libcrypto == NULL &&
	    (libcrypto = dlopen(CK_LIBCRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL)
		ck_lazycrypto_failed(CK_LIBCRYPTO_SONAME, NULL, dlerror());
	if ((p = dlvsym(libcrypto, name, OPENSSL_VERSION_NODE)) == NULL)
		ck_lazycrypto_failed(CK_LIBCRYPTO_SONAME, name, dlerror());
	return p;
}

/* fp = resolve(name) once; a function pointer is copied from the void *
 * dlvsym returns with memcpy, which ISO C allows (a cast does not). */
#define LOAD(name) \
	if (fp == NULL) { \
		void *p_ = resolve(#name); \
		memcpy(&fp, &p_, sizeof(fp)); \
	}
#define DEFINE_F(ret, name, params, args) \
	ret name params \
	{ \
		static ret (*fp) params; \
		LOAD(name) \
		return fp args; \
	}
#define DEFINE_V(name, params, args) \
	void name params \
	{ \
		static void (*fp) params; \
		LOAD(name) \
		fp args; \
	}

#define DEFINE_Z(name, params, args, ptr) \
	void name params \
	{ \
		static void (*fp) params; \
		if (ptr == NULL) \
			return; \
		LOAD(name) \
		fp args; \
	}

CK_LAZYCRYPTO_TABLE(DEFINE_F, DEFINE_V, DEFINE_Z)

/*
 * EVP_PKEY_Q_keygen is variadic: its one extra argument depends on the key
 * type, as OpenSSL documents it: a size_t number of bits for "RSA", a curve
 * name for "EC", nothing for the others (X25519, ED25519, ...).
 */
EVP_PKEY *
EVP_PKEY_Q_keygen(OSSL_LIB_CTX *libctx, const char *propq, const char *type, ...)
{
	static EVP_PKEY *(*fp)(OSSL_LIB_CTX *, const char *, const char *, ...);
	EVP_PKEY *k;
	va_list ap;

	LOAD(EVP_PKEY_Q_keygen)
	va_start(ap, type);
	if (ck_strcaseeq(type, "RSA"))
		k = fp(libctx, propq, type, va_arg(ap, size_t));
	else if (ck_strcaseeq(type, "EC"))
		k = fp(libctx, propq, type, va_arg(ap, const char *));
	else
		k = fp(libctx, propq, type);
	va_end(ap);
	return k;
}
