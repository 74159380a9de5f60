/*
 * pki_p12.c: bounds on the work a PKCS#12 file can ask for.
 *
 * A PKCS#12 file names its own key-derivation iteration counts (for the
 * MAC and for each encrypted part), and OpenSSL runs whatever it asks: a
 * count of 2^31 stalls the importer for an hour.  ck_p12_check_iter reads
 * every count before any key is derived from the password, and refuses a
 * file whose counts add up to more than CK_P12_MAX_ITER (one budget, so
 * a thousand bags of a million each cannot stall it either).
 * ck_p12_load reads a file whole, after that check.
 */
#include "config.h"

#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "err.h"
#include "fileio.h"
#include "pki.h"
#include "secmem.h"

/* Take count n (of what) from the budget *left: refused past it. */
static int
check_count(long n, const char *what, long *left)
{
	/* ASN1_INTEGER_get gives -1 for a value that does not fit a long */
	if (n < 1 || n > *left)
		return ck_errf(CK_E_LIMIT, "the PKCS#12 %s asks for %s%ld key-derivation "
		    "iterations; at most %d in all are accepted", what,
		    n < 1 ? "an invalid count, " : "", n, CK_P12_MAX_ITER);
	*left -= n;
	return 0;
}

/* The iteration count of a PBE algorithm: PKCS#12/PBES1, or PBES2 with PBKDF2. */
static int
pbe_check(const X509_ALGOR *alg, const char *what, long *left)
{
	const ASN1_OBJECT *obj;
	const void *pval;
	int ptype, r;
	PBEPARAM *pbe = NULL;
	PBE2PARAM *pbe2 = NULL;
	PBKDF2PARAM *kdf = NULL;

	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	if (ptype != V_ASN1_SEQUENCE)
		return ck_errf(CK_E_FORMAT, "the PKCS#12 %s has no encryption parameters", what);
	if (OBJ_obj2nid(obj) != NID_pbes2) {
		if ((pbe = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM),
		    alg->parameter)) == NULL)
			return ck_errf(CK_E_FORMAT, "the PKCS#12 %s: bad PBE parameters", what);
		r = check_count(ASN1_INTEGER_get(pbe->iter), what, left);
		PBEPARAM_free(pbe);
		return r;
	}
	if ((pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM),
	    alg->parameter)) == NULL) {
		r = ck_errf(CK_E_FORMAT, "the PKCS#12 %s: bad PBES2 parameters", what);
		goto out;
	}
	X509_ALGOR_get0(&obj, &ptype, &pval, pbe2->keyfunc);
	if (OBJ_obj2nid(obj) != NID_id_pbkdf2) {
		r = ck_errf(CK_E_UNSUPPORTED, "the PKCS#12 %s uses a key derivation other "
		    "than PBKDF2", what);
		goto out;
	}
	if ((kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM),
	    pbe2->keyfunc->parameter)) == NULL) {
		r = ck_errf(CK_E_FORMAT, "the PKCS#12 %s: bad PBKDF2 parameters", what);
		goto out;
	}
	r = check_count(ASN1_INTEGER_get(kdf->iter), what, left);
out:
	PBKDF2PARAM_free(kdf);
	PBE2PARAM_free(pbe2);
	return r;
}

/* The shrouded keys among bags, and bags nested in bags (a few levels). */
static int
bags_check(const STACK_OF(PKCS12_SAFEBAG) *bags, int depth, long *left)
{
	const X509_ALGOR *alg;
	int r;

	if (depth > 4)
		return ck_errf(CK_E_LIMIT, "PKCS#12 bags nested more than 4 deep");
	for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); i++) {
		const PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, i);
		switch (PKCS12_SAFEBAG_get_nid(bag)) {
		case NID_pkcs8ShroudedKeyBag:
			X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &alg, NULL);
			if ((r = pbe_check(alg, "private key", left)) != 0)
				return r;
			break;
		case NID_safeContentsBag:
			if ((r = bags_check(PKCS12_SAFEBAG_get0_safes(bag), depth + 1, left)) != 0)
				return r;
			break;
		default:
			break;
		}
	}
	return 0;
}

int
ck_p12_check_iter(PKCS12 *p12, const char *pw)
{
	const ASN1_INTEGER *macit = NULL;
	const ASN1_OCTET_STRING *mac = NULL;
	STACK_OF(PKCS7) *safes = NULL;
	STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
	long left = CK_P12_MAX_ITER;
	int r = 0;

	PKCS12_get0_mac(&mac, NULL, NULL, &macit, p12);
	/* a MAC without a count has 1 iteration (the DEFAULT) */
	if (mac != NULL && macit != NULL && (r = check_count(ASN1_INTEGER_get(macit), "MAC", &left)) != 0)
		return r;
	if ((safes = PKCS12_unpack_authsafes(p12)) == NULL)
		return ck_errf(CK_E_FORMAT, "not a PKCS#12 file: no readable contents");
	for (int i = 0; r == 0 && i < sk_PKCS7_num(safes); i++) {
		PKCS7 *p7 = sk_PKCS7_value(safes, i);
		switch (OBJ_obj2nid(p7->type)) {
		case NID_pkcs7_data:
			bags = PKCS12_unpack_p7data(p7);
			break;
		case NID_pkcs7_encrypted:
			/* the count first, then the (now bounded) decryption */
			if (p7->d.encrypted == NULL || p7->d.encrypted->enc_data == NULL) {
				r = ck_errf(CK_E_FORMAT, "PKCS#12: empty encrypted part");
				break;
			}
			if ((r = pbe_check(p7->d.encrypted->enc_data->algorithm,
			    "encrypted part", &left)) != 0)
				break;
			if ((bags = PKCS12_unpack_p7encdata(p7, pw, -1)) == NULL)
				r = ck_errf(CK_E_PASSWORD, "PKCS#12: cannot decrypt: wrong password");
			break;
		default:
			break;
		}
		if (r == 0 && bags != NULL)
			r = bags_check(bags, 0, &left);
		sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
		bags = NULL;
	}
	sk_PKCS7_pop_free(safes, PKCS7_free);
	return r;
}

int
ck_p12_load(const char *path, const char *pwspec, EVP_PKEY **key, X509 **leaf,
    STACK_OF(X509) **chain)
{
	char *buf = NULL, *pw = NULL;
	const unsigned char *p;
	size_t len = 0;
	PKCS12 *p12 = NULL;
	int r;

	*key = NULL;
	*leaf = NULL;
	*chain = NULL;
	if (pwspec != NULL && (r = ck_secret_read(pwspec, &pw)) != 0)
		goto out;
	if ((r = ck_file_read(path, CK_PEM_MAX, &buf, &len, 1)) != 0)
		goto out;
	p = (const unsigned char *)buf;
	if ((p12 = d2i_PKCS12(NULL, &p, (long)len)) == NULL) {
		r = ck_errssl(CK_E_FORMAT, "%s: d2i_PKCS12: not a PKCS#12 file", path);
		goto out;
	}
	/* every iteration count before any key derivation: a hostile count stalls */
	if ((r = ck_p12_check_iter(p12, pw ? pw : "")) != 0) {
		if (r == CK_E_PASSWORD)
			r = ck_errf(r, "%s: wrong password (from %s)", path, pwspec ? pwspec : "none given");
		goto out;
	}
	if (!PKCS12_parse(p12, pw ? pw : "", key, leaf, chain)) {
		r = ck_errssl(CK_E_PASSWORD, "%s: PKCS12_parse: wrong password (from %s), or a "
		    "damaged file", path, pwspec ? pwspec : "none given");
		goto out;
	}
	if (*key == NULL || *leaf == NULL) {
		r = ck_errf(CK_E_KEY, "%s holds no private key with its certificate", path);
		goto out;
	}
	if (*chain == NULL && (*chain = sk_X509_new_null()) == NULL) {
		r = ck_errf(CK_E_NOMEM, "out of memory");
		goto out;
	}
	r = 0;
out:
	if (r != 0) {
		EVP_PKEY_free(*key);
		X509_free(*leaf);
		sk_X509_pop_free(*chain, X509_free);
		*key = NULL;
		*leaf = NULL;
		*chain = NULL;
	}
	PKCS12_free(p12);
	ck_secfree(buf);
	ck_secfree(pw);
	return r;
}
