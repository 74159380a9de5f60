/* x509gen.c: extensions and PKCS#10 requests for the VMCA profiles. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "err.h"
#include "fileio.h"
#include "pki.h"
#include "secmem.h"
#include "x509gen.h"

void
ck_exts_free(STACK_OF(X509_EXTENSION) *exts)
{
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}

/* Encode value as extension nid and append it. */
static int
push_ext(STACK_OF(X509_EXTENSION) **exts, int nid, int crit, void *value)
{
	X509_EXTENSION *e;

	if (*exts == NULL && (*exts = sk_X509_EXTENSION_new_null()) == NULL)
		return CK_E_NOMEM;
	if ((e = X509V3_EXT_i2d(nid, crit, value)) == NULL)
		return ck_errssl(CK_E_CRYPTO, "X509V3_EXT_i2d(%s)", OBJ_nid2sn(nid));
	if (!sk_X509_EXTENSION_push(*exts, e)) {
		X509_EXTENSION_free(e);
		return CK_E_NOMEM;
	}
	return 0;
}

int
ck_ext_push_ku(STACK_OF(X509_EXTENSION) **exts, int crit, unsigned int kubits)
{
	ASN1_BIT_STRING *ku;
	int r = 0;

	if ((ku = ASN1_BIT_STRING_new()) == NULL)
		return CK_E_NOMEM;
	for (int bit = 0; bit < 9 && r == 0; bit++) {
		/* KU_* flags number bits from the left of each octet: KU_DIGITAL_SIGNATURE
		 * is 0x80 = bit 0, ..., KU_DECIPHER_ONLY is 0x8000 = bit 8. */
		unsigned int flag = bit < 8 ? 0x80u >> bit : 0x8000u;
		if ((kubits & flag) && !ASN1_BIT_STRING_set_bit(ku, bit, 1))
			r = CK_E_NOMEM;
	}
	if (r == 0)
		r = push_ext(exts, NID_key_usage, crit, ku);
	ASN1_BIT_STRING_free(ku);
	return r;
}

int
ck_ext_push_san(STACK_OF(X509_EXTENSION) **exts, GENERAL_NAMES *gens)
{
	return push_ext(exts, NID_subject_alt_name, 0, gens);
}

int
ck_key_id(EVP_PKEY *pub, unsigned char *md, unsigned int *mdlen)
{
	X509_PUBKEY *xp = NULL;
	const unsigned char *bits;
	int nbits;
	int r = 0;

	if (!X509_PUBKEY_set(&xp, pub) ||
	    !X509_PUBKEY_get0_param(NULL, &bits, &nbits, NULL, xp))
		r = ck_errssl(CK_E_KEY, "X509_PUBKEY_set");
	else if (!EVP_Digest(bits, (size_t)nbits, md, mdlen, EVP_sha1(), NULL))
		r = ck_errssl(CK_E_CRYPTO, "EVP_Digest(SHA-1)");
	X509_PUBKEY_free(xp);
	return r;
}

/* Append a subjectKeyIdentifier holding md. */
static int
push_keyid(STACK_OF(X509_EXTENSION) **exts, const unsigned char *md, unsigned int n)
{
	ASN1_OCTET_STRING *os = NULL;
	int r;

	if ((os = ASN1_OCTET_STRING_new()) == NULL || !ASN1_OCTET_STRING_set(os, md, (int)n))
		r = CK_E_NOMEM;
	else
		r = push_ext(exts, NID_subject_key_identifier, 0, os);
	ASN1_OCTET_STRING_free(os);
	return r;
}

int
ck_ext_push_ski(STACK_OF(X509_EXTENSION) **exts, EVP_PKEY *pub)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int r;

	if ((r = ck_key_id(pub, md, &n)) != 0)
		return r;
	return push_keyid(exts, md, n);
}

/* The key bits are already encoded in x: hash them there (no re-encoding). */
int
ck_ext_push_ski_of(STACK_OF(X509_EXTENSION) **exts, const X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!X509_pubkey_digest(x, EVP_sha1(), md, &n))
		return ck_errssl(CK_E_CRYPTO, "X509_pubkey_digest");
	return push_keyid(exts, md, n);
}

int
ck_ext_push_aki(STACK_OF(X509_EXTENSION) **exts, X509 *issuer)
{
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(issuer);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	AUTHORITY_KEYID *aki = NULL;
	int r;

	if (ski == NULL && !X509_pubkey_digest(issuer, EVP_sha1(), md, &n))
		return ck_errssl(CK_E_CRYPTO, "X509_pubkey_digest");
	if ((aki = AUTHORITY_KEYID_new()) == NULL || (aki->keyid = ASN1_OCTET_STRING_new()) == NULL ||
	    !ASN1_OCTET_STRING_set(aki->keyid, ski ? ASN1_STRING_get0_data(ski) : md,
	    ski ? ASN1_STRING_length(ski) : (int)n))
		r = CK_E_NOMEM;
	else
		r = push_ext(exts, NID_authority_key_identifier, 0, aki);
	AUTHORITY_KEYID_free(aki);
	return r;
}

int
ck_ext_push_aia(STACK_OF(X509_EXTENSION) **exts, const char *url)
{
	AUTHORITY_INFO_ACCESS *aia = NULL;
	ACCESS_DESCRIPTION *ad = NULL;
	ASN1_IA5STRING *s = NULL;
	int r = CK_E_NOMEM;

	if ((aia = AUTHORITY_INFO_ACCESS_new()) == NULL || (ad = ACCESS_DESCRIPTION_new()) == NULL ||
	    (s = ASN1_IA5STRING_new()) == NULL || !ASN1_STRING_set(s, url, (int)strlen(url)))
		goto out;
	ASN1_OBJECT_free(ad->method);
	ad->method = OBJ_nid2obj(NID_ad_ca_issuers);
	GENERAL_NAME_set0_value(ad->location, GEN_URI, s);
	s = NULL;
	if (!sk_ACCESS_DESCRIPTION_push(aia, ad))
		goto out;
	ad = NULL;
	r = push_ext(exts, NID_info_access, 0, aia);
out:
	ASN1_IA5STRING_free(s);
	ACCESS_DESCRIPTION_free(ad);
	AUTHORITY_INFO_ACCESS_free(aia);
	return r;
}

int
ck_ext_push_bc(STACK_OF(X509_EXTENSION) **exts, int ca, long pathlen)
{
	BASIC_CONSTRAINTS *bc;
	int r = 0;

	if ((bc = BASIC_CONSTRAINTS_new()) == NULL)
		return CK_E_NOMEM;
	bc->ca = ca ? 0xff : 0;
	if (pathlen >= 0) {
		if ((bc->pathlen = ASN1_INTEGER_new()) == NULL ||
		    !ASN1_INTEGER_set(bc->pathlen, pathlen))
			r = CK_E_NOMEM;
	}
	if (r == 0)
		r = push_ext(exts, NID_basic_constraints, 1, bc);
	BASIC_CONSTRAINTS_free(bc);
	return r;
}

/* Build and sign a request. */
static int
req_build(const X509_NAME *subj, EVP_PKEY *key, STACK_OF(X509_EXTENSION) *exts, X509_REQ **out)
{
	X509_REQ *req = NULL;
	int r;

	*out = NULL;
	if ((req = X509_REQ_new()) == NULL)
		return CK_E_NOMEM;
	if (!X509_REQ_set_version(req, X509_REQ_VERSION_1) ||
	    !X509_REQ_set_subject_name(req, subj) ||
	    !X509_REQ_set_pubkey(req, key)) {
		r = ck_errssl(CK_E_CRYPTO, "X509_REQ_set_subject_name");
		goto out;
	}
	if (exts != NULL && sk_X509_EXTENSION_num(exts) > 0 && !X509_REQ_add_extensions(req, exts)) {
		r = ck_errssl(CK_E_CRYPTO, "X509_REQ_add_extensions");
		goto out;
	}
	if (X509_REQ_sign(req, key, EVP_sha256()) <= 0) {
		r = ck_errssl(CK_E_KEY, "X509_REQ_sign");
		goto out;
	}
	*out = req;
	req = NULL;
	r = 0;
out:
	X509_REQ_free(req);
	return r;
}

int
ck_req_from_cfg(const struct ck_cfg *cfg, EVP_PKEY *key, int flags, X509_REQ **out)
{
	X509_NAME *subj = NULL;
	GENERAL_NAMES *san = NULL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	int r;

	*out = NULL;
	if ((r = ck_cfg_subject(cfg, &subj)) != 0 || (r = ck_cfg_san(cfg, &san)) != 0)
		goto out;
	if (X509_NAME_entry_count(subj) == 0 && san == NULL) {
		r = ck_errf(CK_E_CSR_FIELD, "the configuration gives no subject field and "
		    "no alternative name: set at least Name or Hostname");
		goto out;
	}
	if ((flags & CK_REQ_KU) && (r = ck_ext_push_ku(&exts, 0, CK_KU_LEAF |
	    ((flags & CK_REQ_DATAENC) ? KU_DATA_ENCIPHERMENT : 0))) != 0)
		goto out;
	if (san != NULL && (r = ck_ext_push_san(&exts, san)) != 0)
		goto out;
	if ((r = ck_ext_push_ski(&exts, key)) != 0)
		goto out;
	r = req_build(subj, key, exts, out);
out:
	ck_exts_free(exts);
	GENERAL_NAMES_free(san);
	X509_NAME_free(subj);
	return r;
}

int
ck_req_from_cert(X509 *x, EVP_PKEY *key, X509_REQ **out)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	static const int copy[] = { NID_subject_alt_name, NID_key_usage };
	int r = 0;

	*out = NULL;
	for (size_t i = 0; i < sizeof(copy) / sizeof(copy[0]); i++) {
		int pos = X509_get_ext_by_NID(x, copy[i], -1);
		X509_EXTENSION *e;
		if (pos < 0)
			continue;
		if (exts == NULL && (exts = sk_X509_EXTENSION_new_null()) == NULL)
			return CK_E_NOMEM;
		if ((e = X509_EXTENSION_dup(X509_get_ext(x, pos))) == NULL ||
		    !sk_X509_EXTENSION_push(exts, e)) {
			X509_EXTENSION_free(e);
			r = CK_E_NOMEM;
			goto out;
		}
	}
	if (X509_check_ca(x) == 1 && (r = ck_ext_push_bc(&exts, 1, -1)) != 0)
		goto out;
	r = req_build(X509_get_subject_name(x), key, exts, out);
out:
	ck_exts_free(exts);
	return r;
}

static int
bio_text(BIO *b, char **out, size_t *len)
{
	char *data;
	long n = BIO_get_mem_data(b, &data);

	if (n < 0)
		return CK_E_CRYPTO;
	if ((*out = malloc((size_t)n + 1)) == NULL)
		return CK_E_NOMEM;
	memcpy(*out, data, (size_t)n);
	(*out)[n] = '\0';
	if (len != NULL)
		*len = (size_t)n;
	return 0;
}

int
ck_req_to_pem(X509_REQ *req, char **pem, size_t *len)
{
	BIO *b;
	int r;

	*pem = NULL;
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return CK_E_NOMEM;
	r = PEM_write_bio_X509_REQ(b, req) ? bio_text(b, pem, len) :
	    ck_errssl(CK_E_CRYPTO, "PEM_write_bio_X509_REQ");
	BIO_free(b);
	return r;
}

int
ck_crl_to_pem(X509_CRL *crl, char **pem, size_t *len)
{
	BIO *b;
	int r;

	*pem = NULL;
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return CK_E_NOMEM;
	r = PEM_write_bio_X509_CRL(b, crl) ? bio_text(b, pem, len) :
	    ck_errssl(CK_E_CRYPTO, "PEM_write_bio_X509_CRL");
	BIO_free(b);
	return r;
}

int
ck_crl_text(X509_CRL *crl, char **out)
{
	BIO *b;
	int r;

	*out = NULL;
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return CK_E_NOMEM;
	r = X509_CRL_print(b, crl) ? bio_text(b, out, NULL) :
	    ck_errssl(CK_E_CRYPTO, "X509_CRL_print");
	BIO_free(b);
	return r;
}

/* Read a file and hand a memory BIO over it to fn. */
static int
load_pem(const char *path, const char *what, void *(*rd)(BIO *), void **out)
{
	char *buf = NULL;
	size_t len = 0;
	BIO *b = NULL;
	int r;

	*out = NULL;
	if ((r = ck_file_read(path, CK_PEM_MAX, &buf, &len, 0)) != 0)
		return r;
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		r = CK_E_NOMEM;
		goto out;
	}
	ERR_clear_error();
	if ((*out = rd(b)) == NULL) {
		r = ck_errssl(CK_E_FORMAT, "%s: no PEM or DER %s found", path, what);
		goto out;
	}
	r = 0;
out:
	BIO_free(b);
	free(buf);
	return r;
}

/* PEM, else DER from the start of the same bytes */
static void *
rd_req(BIO *b)
{
	X509_REQ *q = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);

	if (q == NULL && BIO_reset(b) == 1 && (q = d2i_X509_REQ_bio(b, NULL)) != NULL)
		ERR_clear_error();
	return q;
}

static void *
rd_crl(BIO *b)
{
	X509_CRL *c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);

	if (c == NULL && BIO_reset(b) == 1 && (c = d2i_X509_CRL_bio(b, NULL)) != NULL)
		ERR_clear_error();
	return c;
}

int
ck_req_load(const char *path, X509_REQ **out)
{
	void *p;
	int r = load_pem(path, "certificate request", rd_req, &p);

	*out = p;
	return r;
}

int
ck_crl_load(const char *path, X509_CRL **out)
{
	void *p;
	int r = load_pem(path, "CRL", rd_crl, &p);

	*out = p;
	return r;
}

int
ck_key_load_fast(const char *path, const char *password, EVP_PKEY **out)
{
	static const struct {
		const char *pem, *structure, *type;
	} forms[] = {
		{ "PRIVATE KEY", "PrivateKeyInfo", NULL },
		{ "RSA PRIVATE KEY", "type-specific", "RSA" },
		{ "EC PRIVATE KEY", "type-specific", "EC" },
	};
	char *buf = NULL, *name = NULL, *hdr = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	long dlen = 0;
	size_t len, plen;
	BIO *b = NULL;
	OSSL_DECODER_CTX *dc = NULL;
	EVP_PKEY *k = NULL;
	int r, form = -1;

	*out = NULL;
	if ((r = ck_file_read(path, CK_PEM_MAX, &buf, &len, 1)) != 0)
		return r;
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		r = CK_E_NOMEM;
		goto out;
	}
	if (PEM_read_bio(b, &name, &hdr, &der, &dlen) == 1 && hdr[0] == '\0')
		for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
			if (strcmp(name, forms[i].pem) == 0)
				form = (int)i;
	ERR_clear_error();
	if (form < 0) {
		/* encrypted, or a form we do not special-case */
		r = ck_key_load(path, password, out);
		goto out;
	}
	/* OpenSSL's own decoder, narrowed to the one structure: it wipes the
	 * private numbers it frees (the DER is wiped below) */
	dc = OSSL_DECODER_CTX_new_for_pkey(&k, "DER", forms[form].structure,
	    forms[form].type, EVP_PKEY_KEYPAIR, NULL, NULL);
	p = der;
	plen = (size_t)dlen;
	if (dc == NULL || !OSSL_DECODER_from_data(dc, &p, &plen) || k == NULL) {
		ERR_clear_error();
		r = ck_key_load(path, password, out);
		goto out;
	}
	*out = k;
	k = NULL;
	r = 0;
out:
	EVP_PKEY_free(k);
	OSSL_DECODER_CTX_free(dc);
	if (der != NULL)
		OPENSSL_clear_free(der, (size_t)dlen);
	OPENSSL_free(name);
	OPENSSL_free(hdr);
	BIO_free(b);
	ck_secfree(buf);
	return r;
}

int
ck_cert_from_req_selfsigned(X509_REQ *req, EVP_PKEY *key, int days, X509 **out)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	ASN1_INTEGER *serial = NULL;
	X509 *x = NULL;
	int r;

	*out = NULL;
	if ((x = X509_new()) == NULL) {
		r = ck_errf(CK_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = ck_ca_serial(&serial)) != 0)
		goto out;
	if (!X509_set_version(x, X509_VERSION_3) || !X509_set_serialNumber(x, serial) ||
	    !X509_set_subject_name(x, X509_REQ_get_subject_name(req)) ||
	    !X509_set_issuer_name(x, X509_REQ_get_subject_name(req)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) ||
	    !X509_set_pubkey(x, key)) {
		r = ck_errssl(CK_E_CRYPTO, "X509_set_subject_name");
		goto out;
	}
	/* the request's extensions (SAN, SKI): the certificate names what
	 * the CSR asks for */
	if ((exts = X509_REQ_get_extensions(req)) != NULL)
		for (int i = 0; i < sk_X509_EXTENSION_num(exts); i++)
			if (!X509_add_ext(x, sk_X509_EXTENSION_value(exts, i), -1)) {
				r = ck_errssl(CK_E_CRYPTO, "X509_add_ext");
				goto out;
			}
	if (X509_sign(x, key, EVP_sha256()) <= 0) {
		r = ck_errssl(CK_E_KEY, "X509_sign");
		goto out;
	}
	*out = x;
	x = NULL;
	r = 0;
out:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	ASN1_INTEGER_free(serial);
	X509_free(x);
	return r;
}
