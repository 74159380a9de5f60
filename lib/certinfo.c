/* certinfo.c: Tls.Info JSON and the RFC 3339 time format (see certinfo.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "certinfo.h"
#include "err.h"
#include "pki.h"
#include "util.h"

void
ck_tm_rfc3339(const struct tm *tm, char *buf)
{
	if (strftime(buf, CK_RFC3339_LEN, "%Y-%m-%dT%H:%M:%SZ", tm) == 0)
		buf[0] = '\0';
}

void
ck_time_rfc3339(int64_t epoch, char *buf)
{
	time_t t = (time_t)epoch;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		buf[0] = '\0';
	else
		ck_tm_rfc3339(&tm, buf);
}

void
ck_asn1_time_rfc3339(const ASN1_TIME *t, char *buf)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		buf[0] = '\0';
	else
		ck_tm_rfc3339(&tm, buf);
}

/* A growing output buffer; ok turns 0 at the first failure. */
struct out {
	BIO *b;
	int ok;
};

static void
put(struct out *o, const char *s)
{
	if (o->ok && BIO_puts(o->b, s) < 0)
		o->ok = 0;
}

static void
put_str(struct out *o, const char *s, size_t n)
{
	char *q = ck_json_quote(s, n);

	if (q == NULL)
		o->ok = 0;
	else
		put(o, q);
	free(q);
}

static void
put_key(struct out *o, const char *key)
{
	put(o, ", \"");
	put(o, key);
	put(o, "\": ");
}

static void
put_name(struct out *o, const char *key, const X509_NAME *n)
{
	BIO *m = BIO_new(BIO_s_mem());
	char *p = NULL;
	long len;

	put_key(o, key);
	/* RFC 2253, UTF-8 kept as is (ck_json_quote escapes what is not).  A
	 * UTF8String that is not UTF-8 cannot be converted: then the bytes
	 * as stored, which ck_json_quote escapes */
	if (m != NULL && X509_NAME_print_ex(m, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0 &&
	    (BIO_reset(m) != 1 || X509_NAME_print_ex(m, n, 0, XN_FLAG_RFC2253 &
	    ~(ASN1_STRFLGS_ESC_MSB | ASN1_STRFLGS_UTF8_CONVERT)) < 0)) {
		BIO_free(m);
		m = NULL;
	}
	if (m == NULL) {
		o->ok = 0;
	} else {
		len = BIO_get_mem_data(m, &p);
		put_str(o, p != NULL ? p : "", len > 0 ? (size_t)len : 0);
	}
	BIO_free(m);
}

static void
put_hex(struct out *o, const unsigned char *d, size_t n)
{
	char h[3];

	put(o, "\"");
	for (size_t i = 0; i < n; i++) {
		snprintf(h, sizeof(h), "%02x", d[i]);
		put(o, h);
	}
	put(o, "\"");
}

static void
put_key_usage(struct out *o, X509 *x)
{
	static const struct { uint32_t bit; const char *name; } ku[] = {
		{ KU_DIGITAL_SIGNATURE, "digitalSignature" },
		{ KU_NON_REPUDIATION, "nonRepudiation" },
		{ KU_KEY_ENCIPHERMENT, "keyEncipherment" },
		{ KU_DATA_ENCIPHERMENT, "dataEncipherment" },
		{ KU_KEY_AGREEMENT, "keyAgreement" },
		{ KU_KEY_CERT_SIGN, "keyCertSign" },
		{ KU_CRL_SIGN, "cRLSign" },
		{ KU_ENCIPHER_ONLY, "encipherOnly" },
		{ KU_DECIPHER_ONLY, "decipherOnly" },
	};
	uint32_t bits = X509_get_key_usage(x);
	int n = 0;

	put_key(o, "key_usage");
	put(o, "[");
	/* UINT32_MAX: no keyUsage extension, so no usage listed */
	for (size_t i = 0; bits != UINT32_MAX && i < sizeof(ku) / sizeof(ku[0]); i++)
		if (bits & ku[i].bit) {
			put(o, n++ ? ", \"" : "\"");
			put(o, ku[i].name);
			put(o, "\"");
		}
	put(o, "]");
}

static void
put_eku(struct out *o, X509 *x)
{
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	char buf[128];

	put_key(o, "extended_key_usage");
	put(o, "[");
	for (int i = 0; eku != NULL && i < sk_ASN1_OBJECT_num(eku); i++) {
		const ASN1_OBJECT *obj = sk_ASN1_OBJECT_value(eku, i);
		int nid = OBJ_obj2nid(obj);
		const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
		if (sn == NULL && OBJ_obj2txt(buf, sizeof(buf), obj, 1) > 0)
			sn = buf;
		if (i > 0)
			put(o, ", ");
		put_str(o, sn != NULL ? sn : "", sn != NULL ? strlen(sn) : 0);
	}
	put(o, "]");
	EXTENDED_KEY_USAGE_free(eku);
	ERR_clear_error();
}

/* One GENERAL_NAME's value: DNS, email and URI as stored, IP in text. */
static void
put_gen(struct out *o, const GENERAL_NAME *g, int *n)
{
	const ASN1_STRING *s = NULL;
	char ip[64] = "";
	int t;
	const void *v = GENERAL_NAME_get0_value(g, &t);

	if (t == GEN_DNS || t == GEN_EMAIL || t == GEN_URI) {
		s = v;
	} else if (t == GEN_IPADD) {
		const ASN1_OCTET_STRING *a = v;
		const unsigned char *d = ASN1_STRING_get0_data(a);
		int len = ASN1_STRING_length(a);
		if (len == 4)
			snprintf(ip, sizeof(ip), "%u.%u.%u.%u", d[0], d[1], d[2], d[3]);
		else if (len == 16)
			for (int i = 0; i < 16; i += 2)
				snprintf(ip + strlen(ip), sizeof(ip) - strlen(ip), "%s%x",
				    i ? ":" : "", (unsigned)(d[i] << 8 | d[i + 1]));
		else
			return;
	} else {
		return;	/* other kinds (directory names ...) have no text here */
	}
	put(o, (*n)++ ? ", " : "");
	if (s != NULL)
		put_str(o, (const char *)ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
	else
		put_str(o, ip, strlen(ip));
}

static void
put_san(struct out *o, X509 *x)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int n = 0;

	put_key(o, "subject_alternative_name");
	put(o, "[");
	for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++)
		put_gen(o, sk_GENERAL_NAME_value(gens, i), &n);
	put(o, "]");
	GENERAL_NAMES_free(gens);
	ERR_clear_error();
}

static void
put_aia(struct out *o, X509 *x)
{
	AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
	int n = 0;

	put_key(o, "authority_information_access_uri");
	put(o, "[");
	for (int i = 0; aia != NULL && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
		const ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
		int t;
		(void)GENERAL_NAME_get0_value(ad->location, &t);
		if (t == GEN_URI)
			put_gen(o, ad->location, &n);
	}
	put(o, "]");
	AUTHORITY_INFO_ACCESS_free(aia);
	ERR_clear_error();
}

int
ck_certinfo_json(X509 *x, const char *pem, size_t pemlen, const char *extra, char **out)
{
	struct out o = { NULL, 1 };
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
	char tbuf[CK_RFC3339_LEN], num[32], tp[2 * EVP_MAX_MD_SIZE + 1], *own = NULL, *p;
	size_t ownlen = 0;
	long len;
	int r;

	*out = NULL;
	if (pem == NULL) {
		if ((r = ck_cert_to_pem(x, &own, &ownlen)) != 0)
			return r;
		pem = own;
		pemlen = ownlen;
	}
	if ((o.b = BIO_new(BIO_s_mem())) == NULL) {
		free(own);
		return ck_errf(CK_E_NOMEM, "out of memory");
	}
	put(&o, "{");
	if (extra != NULL)
		put(&o, extra);
	snprintf(num, sizeof(num), "%ld", X509_get_version(x) + 1);
	put(&o, "\"version\": ");
	put(&o, num);
	put_key(&o, "serial_number");
	put_hex(&o, ASN1_STRING_get0_data(sn), (size_t)ASN1_STRING_length(sn));
	put_key(&o, "signature_algorithm");
	{
		const char *alg = OBJ_nid2ln(X509_get_signature_nid(x));
		put_str(&o, alg ? alg : "", alg ? strlen(alg) : 0);
	}
	put_name(&o, "issuer_dn", X509_get_issuer_name(x));
	ck_asn1_time_rfc3339(X509_get0_notBefore(x), tbuf);
	put_key(&o, "valid_from");
	put_str(&o, tbuf, strlen(tbuf));
	ck_asn1_time_rfc3339(X509_get0_notAfter(x), tbuf);
	put_key(&o, "valid_to");
	put_str(&o, tbuf, strlen(tbuf));
	put_name(&o, "subject_dn", X509_get_subject_name(x));
	if (ck_cert_digest_hex(x, EVP_sha1(), tp) != 0)
		o.ok = 0;
	put_key(&o, "thumbprint");
	put_str(&o, tp, strlen(tp));
	if (ck_cert_digest_hex(x, EVP_sha256(), tp) != 0)
		o.ok = 0;
	put_key(&o, "thumbprint_sha256");
	put_str(&o, tp, strlen(tp));
	put_key(&o, "is_ca");
	put(&o, X509_check_ca(x) == 1 ? "true" : "false");
	snprintf(num, sizeof(num), "%ld", X509_check_ca(x) == 1 ? X509_get_pathlen(x) : -1L);
	put_key(&o, "path_length_constraint");
	put(&o, num);
	put_key_usage(&o, x);
	put_eku(&o, x);
	put_san(&o, x);
	put_aia(&o, x);
	put_key(&o, "cert");
	put_str(&o, pem, pemlen);
	put(&o, "}");
	len = BIO_get_mem_data(o.b, &p);
	if (o.ok && len >= 0 && (*out = malloc((size_t)len + 1)) != NULL) {
		memcpy(*out, p, (size_t)len);
		(*out)[len] = '\0';
	}
	BIO_free(o.b);
	free(own);
	return *out != NULL ? 0 : ck_errf(CK_E_NOMEM, "out of memory");
}
