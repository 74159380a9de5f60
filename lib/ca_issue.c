/* ca_issue.c: the VMCA's issuing policy: the rules of ca.h, then building
 * and signing leaves and renewals. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "ca_priv.h"
#include "err.h"
#include "pki.h"
#include "util.h"
#include "x509gen.h"

/* A request reduced to what the policy looks at. */
struct request {
	const X509_NAME *subject;
	EVP_PKEY *pub;
	const STACK_OF(X509_EXTENSION) *exts;
};

enum {
	ISSUE_NO_POLICY = 1 << 8,	/* renewals: the cert was allowed once */
};

/* --- building certificates ----------------------------------------------- */

int
ck_ca_serial(ASN1_INTEGER **out)
{
	unsigned char b[8];
	BIGNUM *bn = NULL;

	*out = NULL;
	if (RAND_bytes(b, sizeof(b)) != 1)
		return ck_errssl(CK_E_CRYPTO, "RAND_bytes");
	b[0] |= 0xc0;
	if ((bn = BN_bin2bn(b, sizeof(b), NULL)) == NULL)
		return CK_E_NOMEM;
	*out = BN_to_ASN1_INTEGER(bn, NULL);
	BN_free(bn);
	return *out == NULL ? CK_E_NOMEM : 0;
}

int
ca_set_serial(X509 *x)
{
	ASN1_INTEGER *sn = NULL;
	int r;

	if ((r = ck_ca_serial(&sn)) != 0)
		return r;
	if (!X509_set_serialNumber(x, sn))
		r = CK_E_NOMEM;
	ASN1_INTEGER_free(sn);
	return r;
}

static int
has_star(const unsigned char *s, int len)
{
	return memchr(s, '*', (size_t)len) != NULL;
}

/*
 * RSA 2048..16384, or EC on the named curves P-256 and P-384 only: not
 * other curves of the same size (secp256k1, brainpool), and not explicit
 * parameters, which RFC 5480 forbids in certificates.
 */
static int
key_allowed(EVP_PKEY *pub)
{
	char group[64] = "", enc[32] = "";
	int bits = ck_key_bits(pub);

	if (ck_key_is_rsa(pub)) {
		if (bits < 2048 || bits > 16384)
			return ck_errf(CK_E_KEYSIZE, "the request's RSA key has %d bits; "
			    "use 2048..16384", bits);
		return 0;
	}
	if (!ck_key_is_ec(pub))
		return ck_errf(CK_E_KEY, "the request's key is neither RSA nor EC");
	if (!EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_EC_ENCODING, enc,
	    sizeof(enc), NULL) || strcmp(enc, OSSL_PKEY_EC_ENCODING_GROUP) != 0 ||
	    !EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME, group,
	    sizeof(group), NULL)) {
		ERR_clear_error();
		return ck_errf(CK_E_KEY, "the request's EC key has explicit curve parameters; "
		    "only the named curves P-256 and P-384 are accepted");
	}
	if (OBJ_txt2nid(group) != NID_X9_62_prime256v1 && OBJ_txt2nid(group) != NID_secp384r1 &&
	    EC_curve_nist2nid(group) != NID_X9_62_prime256v1 &&
	    EC_curve_nist2nid(group) != NID_secp384r1)
		return ck_errf(CK_E_KEY, "the request's EC key is on curve %s; only P-256 and "
		    "P-384 are accepted", group);
	return 0;
}

/*
 * Proof of possession for --gencert, which has no CSR signature to check.
 * A file that holds someone else's public key (in a private-key structure
 * with made-up private parts) must fail.  RSA: the factors multiply to n
 * (knowing them is holding the key; a microsecond, where a test signature
 * costs as much as signing the certificate and EVP_PKEY_pairwise_check's
 * primality tests 100 times that); a key without factors signs and
 * verifies a test message.  EC: the private scalar gives the public point.
 */
static int
sign_test(EVP_PKEY *key)
{
	static const unsigned char msg[] = "certkit proof of possession";
	unsigned char sig[2048];
	size_t slen = sizeof(sig);
	EVP_MD_CTX *mc = NULL;
	int ok;

	ok = EVP_PKEY_get_size(key) <= (int)sizeof(sig) && (mc = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestSignInit(mc, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestSign(mc, sig, &slen, msg, sizeof(msg)) == 1 &&
	    EVP_DigestVerifyInit(mc, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestVerify(mc, sig, slen, msg, sizeof(msg)) == 1;
	EVP_MD_CTX_free(mc);
	return ok;
}

static int
rsa_factors_ok(EVP_PKEY *key, int *have)
{
	BIGNUM *n = NULL, *p = NULL, *q = NULL, *pq = NULL;
	BN_CTX *bc = NULL;
	int ok = 0;

	*have = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR1, &p) &&
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR2, &q);
	if (*have && EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) &&
	    (bc = BN_CTX_new()) != NULL && (pq = BN_new()) != NULL &&
	    !BN_is_zero(p) && !BN_is_one(p) && !BN_is_zero(q) && !BN_is_one(q) &&
	    BN_mul(pq, p, q, bc) && BN_cmp(pq, n) == 0)
		ok = 1;
	BN_free(pq);
	BN_CTX_free(bc);
	BN_clear_free(p);
	BN_clear_free(q);
	BN_free(n);
	return ok;
}

static int
possessed(EVP_PKEY *key)
{
	EVP_PKEY_CTX *pc = NULL;
	int ok, have = 0;

	if (ck_key_is_rsa(key)) {
		ok = rsa_factors_ok(key, &have);
		if (!have)
			ok = sign_test(key);
	} else {
		ok = (pc = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) != NULL &&
		    EVP_PKEY_pairwise_check(pc) == 1;
		EVP_PKEY_CTX_free(pc);
	}
	ERR_clear_error();
	if (!ok)
		return ck_errf(CK_E_KEY, "the private key does not sign for its public key: "
		    "a certificate is issued only for a key pair at hand");
	return 0;
}

/* The signing policy of ca.h; returns 0 or the code of the rule that fired. */
static int
policy(struct ck_ca *ca, const struct request *rq, unsigned int flags)
{
	const X509_NAME *subj = rq->subject;
	int n, ndns = 0, crit, multisan, r;
	GENERAL_NAMES *gens = NULL;
	BASIC_CONSTRAINTS *bc = NULL;
	ASN1_BIT_STRING *ku = NULL;

	if ((r = key_allowed(rq->pub)) != 0)
		return r;
	if (flags & ISSUE_NO_POLICY)
		return 0;
	n = X509_NAME_entry_count(subj);
	for (int i = 0; i < n; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(subj, i);
		const ASN1_STRING *s = X509_NAME_ENTRY_get_data(e);
		if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) == NID_commonName &&
		    has_star(ASN1_STRING_get0_data(s), ASN1_STRING_length(s)) &&
		    !(flags & CK_SIGN_ALLOW_WILDCARD))
			return ck_errf(CK_E_SUBJECT, "rule 'no wildcard CN' refused CN '%.*s': "
			    "pass --allow-wildcard to permit it", ASN1_STRING_length(s),
			    (const char *)ASN1_STRING_get0_data(s));
	}
	/* A duplicated or undecodable extension would hide its content from
	 * the rules below (X509V3_get_d2i gives NULL with crit -2 or >= 0). */
	gens = X509V3_get_d2i(rq->exts, NID_subject_alt_name, &crit, NULL);
	if (gens == NULL && crit != -1)
		return ck_errf(CK_E_CSR_FIELD, "the request's subjectAltName extension is "
		    "%s", crit == -2 ? "repeated" : "malformed");
	for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		int type;
		const ASN1_IA5STRING *s = GENERAL_NAME_get0_value(g, &type);
		if (type != GEN_DNS)
			continue;
		ndns++;
		if (has_star(ASN1_STRING_get0_data(s), ASN1_STRING_length(s)) &&
		    !(flags & CK_SIGN_ALLOW_WILDCARD)) {
			r = ck_errf(CK_E_SAN, "rule 'no wildcard DNS name' refused '%.*s': "
			    "pass --allow-wildcard to permit it", ASN1_STRING_length(s),
			    (const char *)ASN1_STRING_get0_data(s));
			goto out;
		}
	}
	if (ndns > 1) {
		if ((r = ck_ca_get_option(ca, "multiplesan", &multisan)) != 0)
			goto out;
		if (!multisan) {
			r = ck_errf(CK_E_SAN, "rule 'one DNS name' refused %d DNS names: the "
			    "multiplesan server option is off (--enableserveroption "
			    "--option=multiplesan)", ndns);
			goto out;
		}
	}
	if (!(flags & CK_SIGN_ALLOW_CA)) {
		bc = X509V3_get_d2i(rq->exts, NID_basic_constraints, &crit, NULL);
		if (bc == NULL && crit != -1) {
			r = ck_errf(CK_E_CSR_FIELD, "the request's basicConstraints extension is "
			    "%s", crit == -2 ? "repeated" : "malformed");
			goto out;
		}
		ku = X509V3_get_d2i(rq->exts, NID_key_usage, &crit, NULL);
		if (ku == NULL && crit != -1) {
			r = ck_errf(CK_E_CSR_FIELD, "the request's keyUsage extension is %s",
			    crit == -2 ? "repeated" : "malformed");
			goto out;
		}
		if (bc != NULL && bc->ca) {
			r = ck_errf(CK_E_POLICY, "rule 'no subordinate CA' refused a request "
			    "with basicConstraints CA:TRUE: pass --allow-ca to permit it");
			goto out;
		}
		if (ku != NULL && (ASN1_BIT_STRING_get_bit(ku, 5) || ASN1_BIT_STRING_get_bit(ku, 6))) {
			r = ck_errf(CK_E_POLICY, "rule 'no subordinate CA' refused a request "
			    "with keyUsage keyCertSign or cRLSign: pass --allow-ca to permit it");
			goto out;
		}
	}
	r = 0;
out:
	GENERAL_NAMES_free(gens);
	BASIC_CONSTRAINTS_free(bc);
	ASN1_BIT_STRING_free(ku);
	return r;
}

/*
 * X509_set_pubkey() on a provider key runs the OpenSSL 3 encoder chain,
 * whose first use costs more than the signature.  For RSA we hand it a
 * key decoded from RSAPublicKey DER instead, which encodes directly.
 * Falls back to the plain call for anything else.
 */
static int
set_pubkey(X509 *x, EVP_PKEY *pub)
{
	BIGNUM *n = NULL, *e = NULL;
	ASN1_SEQUENCE_ANY *seq = NULL;
	ASN1_TYPE *tn = NULL, *te = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *k = NULL;
	int len, ok = 0;

	if (ck_key_is_rsa(pub) && EVP_PKEY_get_bn_param(pub, "n", &n) &&
	    EVP_PKEY_get_bn_param(pub, "e", &e) && (seq = sk_ASN1_TYPE_new_null()) != NULL &&
	    (tn = ASN1_TYPE_new()) != NULL && (te = ASN1_TYPE_new()) != NULL) {
		ASN1_INTEGER *in = BN_to_ASN1_INTEGER(n, NULL), *ie = BN_to_ASN1_INTEGER(e, NULL);
		if (in != NULL && ie != NULL) {
			ASN1_TYPE_set(tn, V_ASN1_INTEGER, in);
			ASN1_TYPE_set(te, V_ASN1_INTEGER, ie);
			in = ie = NULL;
			if (sk_ASN1_TYPE_push(seq, tn)) {
				tn = NULL;
				if (sk_ASN1_TYPE_push(seq, te)) {
					te = NULL;
					if ((len = i2d_ASN1_SEQUENCE_ANY(seq, &der)) > 0) {
						p = der;
						k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, len);
					}
				}
			}
		}
		ASN1_INTEGER_free(in);
		ASN1_INTEGER_free(ie);
	}
	if (k != NULL && EVP_PKEY_eq(k, pub) == 1)
		ok = X509_set_pubkey(x, k);
	ERR_clear_error();
	if (!ok)
		ok = X509_set_pubkey(x, pub);
	EVP_PKEY_free(k);
	OPENSSL_free(der);
	ASN1_TYPE_free(tn);
	ASN1_TYPE_free(te);
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	BN_free(n);
	BN_free(e);
	return ok;
}

/*
 * Keep the DER of x, just signed with this handle's key, so recording it
 * need not verify its signature again (see ca_issued_here).
 */
static int
remember_issued(struct ck_ca *ca, X509 *x)
{
	unsigned char *der = NULL;
	int len;

	if ((len = i2d_X509(x, &der)) <= 0)
		return ck_errssl(CK_E_CRYPTO, "i2d_X509");
	OPENSSL_free(ca->issued);
	ca->issued = der;
	ca->issued_len = len;
	return 0;
}

/*
 * The extensions of a request the VMCA copies (certool(1) SIGNING POLICY):
 * SAN; KU within the leaf profile (digitalSignature, nonRepudiation,
 * keyEncipherment, dataEncipherment); EKU serverAuth and clientAuth;
 * basicConstraints (CA:TRUE and the CA key usages already passed the
 * 'no subordinate CA' rule).  SKI, AKI and AIA are the VMCA's own and are
 * dropped.  Anything else is refused, naming it, unless
 * CK_SIGN_ALLOW_EXTENSIONS.  Renewals copy the old certificate's.
 */
static int
ext_allowed(X509_EXTENSION *e, unsigned int flags)
{
	int nid = OBJ_obj2nid(X509_EXTENSION_get_object(e)), r = 0;
	char name[128];
	ASN1_BIT_STRING *ku = NULL;
	EXTENDED_KEY_USAGE *eku = NULL;

	if ((flags & (ISSUE_NO_POLICY | CK_SIGN_ALLOW_EXTENSIONS)) ||
	    nid == NID_subject_alt_name || nid == NID_basic_constraints)
		return 0;
	OBJ_obj2txt(name, sizeof(name), X509_EXTENSION_get_object(e), 0);
	if (nid == NID_key_usage) {
		unsigned int extra = 0;
		if ((ku = X509V3_EXT_d2i(e)) == NULL)
			return ck_errf(CK_E_CSR_FIELD, "the request's keyUsage is malformed");
		for (int bit = 0; bit < 9; bit++)
			if (ASN1_BIT_STRING_get_bit(ku, bit) && bit != 0 && bit != 1 && bit != 2 &&
			    bit != 3 && !((flags & CK_SIGN_ALLOW_CA) && (bit == 5 || bit == 6)))
				extra++;
		ASN1_BIT_STRING_free(ku);
		if (extra)
			r = ck_errf(CK_E_POLICY, "rule 'leaf profile' refused keyUsage bits beyond "
			    "digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment: "
			    "pass --allow-extensions to copy them");
		return r;
	}
	if (nid == NID_ext_key_usage) {
		if ((eku = X509V3_EXT_d2i(e)) == NULL)
			return ck_errf(CK_E_CSR_FIELD, "the request's extendedKeyUsage is malformed");
		for (int i = 0; r == 0 && i < sk_ASN1_OBJECT_num(eku); i++) {
			ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
			int pn = OBJ_obj2nid(o);
			if (pn != NID_server_auth && pn != NID_client_auth) {
				OBJ_obj2txt(name, sizeof(name), o, 0);
				r = ck_errf(CK_E_POLICY, "rule 'leaf profile' refused extendedKeyUsage "
				    "%s (only serverAuth and clientAuth are copied): pass "
				    "--allow-extensions to copy it", name);
			}
		}
		EXTENDED_KEY_USAGE_free(eku);
		return r;
	}
	return ck_errf(CK_E_POLICY, "rule 'leaf profile' refused the request's %s extension "
	    "(copied: subjectAltName, keyUsage, extendedKeyUsage serverAuth/clientAuth, "
	    "basicConstraints): pass --allow-extensions to copy it", name);
}

static int
copy_exts(X509 *x, const STACK_OF(X509_EXTENSION) *exts, unsigned int flags)
{
	int r;

	for (int i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
		X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);
		int nid = OBJ_obj2nid(X509_EXTENSION_get_object(e));
		/* ours: AKI and AIA always; SKI made from the key unless renewing */
		if (nid == NID_authority_key_identifier || nid == NID_info_access ||
		    (nid == NID_subject_key_identifier && !(flags & ISSUE_NO_POLICY)))
			continue;
		if ((r = ext_allowed(e, flags)) != 0)
			return r;
		if (!X509_add_ext(x, e, -1))
			return ck_errssl(CK_E_CRYPTO, "X509_add_ext");
	}
	return 0;
}

/*
 * notBefore now - CK_CA_BACKDATE_SECS, notAfter days later; never before
 * the signing cert starts, never after any cert of the chain above it
 * ends (an enterprise root above an intermediate VMCA included).  A
 * window that clamping leaves empty is refused, never issued.
 */
static int
set_validity(struct ck_ca *ca, X509 *x, int64_t now, int days)
{
	time_t nb = (time_t)(now - CK_CA_BACKDATE_SECS);
	const ASN1_TIME *cnb = X509_get0_notBefore(ck_ca_cert(ca));
	char a[64], b[64];

	if (!ASN1_TIME_adj(X509_getm_notBefore(x), nb, 0, 0) ||
	    !ASN1_TIME_adj(X509_getm_notAfter(x), nb, days, 0))
		return ck_errssl(CK_E_CRYPTO, "ASN1_TIME_adj");
	if (ASN1_TIME_compare(X509_get0_notBefore(x), cnb) < 0 && !X509_set1_notBefore(x, cnb))
		return CK_E_NOMEM;
	for (int i = 0; i < sk_X509_num(ca->chain); i++) {
		const ASN1_TIME *na = X509_get0_notAfter(sk_X509_value(ca->chain, i));
		if (ASN1_TIME_compare(X509_get0_notAfter(x), na) > 0 && !X509_set1_notAfter(x, na))
			return CK_E_NOMEM;
	}
	if (ASN1_TIME_compare(X509_get0_notBefore(x), X509_get0_notAfter(x)) >= 0) {
		ca_fmt_time(X509_get0_notBefore(x), a, sizeof(a));
		ca_fmt_time(X509_get0_notAfter(x), b, sizeof(b));
		return ck_errf(CK_E_TIME, "the certificate would start on %s and end on %s: "
		    "the VMCA's chain leaves no valid period; install a new root", a, b);
	}
	return 0;
}

/*
 * Issue a certificate for rq under the policy.  days 0 = default.
 * maxdays bounds the lifetime (3660 for signing, 730 for renewals).
 */
static int
issue(struct ck_ca *ca, const struct request *rq, int days, int maxdays, unsigned int flags,
    const char *aia, X509 **out)
{
	X509 *x = NULL, *cacert;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	int64_t now = ck_now();
	int r;

	*out = NULL;
	if ((r = ca_need_root(ca)) != 0)
		return r;
	cacert = ck_ca_cert(ca);
	if (days == 0)
		days = CK_CA_DEFAULT_DAYS;
	if (days < 1 || days > maxdays)
		return ck_errf(CK_E_TIME, "a lifetime of %d days is outside 1..%d", days, maxdays);
	if ((r = policy(ca, rq, flags)) != 0)
		return r;
	if ((r = ca_usable_now(ca, now)) != 0)
		return r;
	if ((x = X509_new()) == NULL)
		return CK_E_NOMEM;
	if (!X509_set_version(x, X509_VERSION_3) || (r = ca_set_serial(x)) != 0 ||
	    !X509_set_subject_name(x, rq->subject) ||
	    !X509_set_issuer_name(x, X509_get_subject_name(cacert)) ||
	    !set_pubkey(x, rq->pub)) {
		r = r ? r : ck_errssl(CK_E_CRYPTO, "X509_set_subject_name");
		goto out;
	}
	if ((r = set_validity(ca, x, now, days)) != 0)
		goto out;
	if ((r = copy_exts(x, rq->exts, flags)) != 0)
		goto out;
	if (X509_get_ext_by_NID(x, NID_subject_key_identifier, -1) < 0 &&
	    (r = ck_ext_push_ski_of(&exts, x)) != 0)
		goto out;
	if ((r = ck_ext_push_aki(&exts, cacert)) != 0 ||
	    (aia != NULL && aia[0] != '\0' && (r = ck_ext_push_aia(&exts, aia)) != 0) ||
	    (r = ca_add_exts(x, exts)) != 0)
		goto out;
	if (X509_sign(x, ca->key, ca_sig_md(ca->key)) <= 0) {
		r = ck_errssl(CK_E_CRYPTO, "X509_sign with the VMCA key");
		goto out;
	}
	if ((r = remember_issued(ca, x)) != 0 ||
	    (!(flags & CK_SIGN_NO_RECORD) && (r = ck_ca_record(ca, x)) != 0))
		goto out;
	*out = x;
	x = NULL;
	r = 0;
out:
	ck_exts_free(exts);
	X509_free(x);
	return r;
}

static int
sign_request(struct ck_ca *ca, const struct request *rq, const struct ck_sign_opts *o,
    X509 **leaf, STACK_OF(X509) **chain)
{
	static const struct ck_sign_opts defaults;
	X509 *x = NULL;
	int r;

	if (o == NULL)
		o = &defaults;
	*leaf = NULL;
	if (chain != NULL)
		*chain = NULL;
	if (X509_NAME_entry_count(rq->subject) == 0 &&
	    X509v3_get_ext_by_NID(rq->exts, NID_subject_alt_name, -1) < 0)
		return ck_errf(CK_E_CSR_FIELD, "the request has an empty subject and no "
		    "subject alternative name");
	if ((r = issue(ca, rq, o->days, CK_CA_MAX_DAYS, o->flags, o->aia_url, &x)) != 0)
		return r;
	if (chain != NULL && (r = ck_chain_to_send(ca->chain, chain)) != 0) {
		X509_free(x);
		return r;
	}
	*leaf = x;
	return 0;
}

int
ck_ca_sign_req(struct ck_ca *ca, X509_REQ *req, const struct ck_sign_opts *o,
    X509 **leaf, STACK_OF(X509) **chain)
{
	struct request rq;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	EVP_PKEY *pub;
	int r;

	*leaf = NULL;
	if (chain != NULL)
		*chain = NULL;
	if ((pub = X509_REQ_get0_pubkey(req)) == NULL) {
		ERR_clear_error();
		return ck_errf(CK_E_CSR_FIELD, "the request has no usable public key");
	}
	if (X509_REQ_verify(req, pub) != 1) {
		ERR_clear_error();
		return ck_errf(CK_E_CSR_FIELD, "the request's self-signature does not verify");
	}
	exts = X509_REQ_get_extensions(req);
	rq.subject = X509_REQ_get_subject_name(req);
	rq.pub = pub;
	rq.exts = exts;
	r = sign_request(ca, &rq, o, leaf, chain);
	ck_exts_free(exts);
	return r;
}

int
ck_ca_sign_config(struct ck_ca *ca, const struct ck_cfg *cfg, EVP_PKEY *key,
    const struct ck_sign_opts *o, X509 **leaf, STACK_OF(X509) **chain)
{
	struct request rq;
	X509_NAME *subj = NULL;
	GENERAL_NAMES *san = NULL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	unsigned int ku = CK_KU_LEAF;
	int r;

	*leaf = NULL;
	if (chain != NULL)
		*chain = NULL;
	if ((r = key_allowed(key)) != 0 || (r = possessed(key)) != 0)
		return r;
	if ((r = ck_cfg_subject(cfg, &subj)) != 0 || (r = ck_cfg_san(cfg, &san)) != 0)
		goto out;
	if (o != NULL && (o->flags & CK_SIGN_DATAENC))
		ku |= KU_DATA_ENCIPHERMENT;
	/* the SKI follows, added by issue() from the certificate's key */
	if ((r = ck_ext_push_ku(&exts, 0, ku)) != 0 ||
	    (san != NULL && (r = ck_ext_push_san(&exts, san)) != 0))
		goto out;
	rq.subject = subj;
	rq.pub = key;
	rq.exts = exts;
	r = sign_request(ca, &rq, o, leaf, chain);
out:
	ck_exts_free(exts);
	GENERAL_NAMES_free(san);
	X509_NAME_free(subj);
	return r;
}

/* 1 if x can sign certificates or CRLs: CA:TRUE, keyCertSign or cRLSign
 * (the renewal of one is the issue of a CA). */
static int
is_ca(X509 *x)
{
	uint32_t fl = X509_get_extension_flags(x);

	return (fl & EXFLAG_CA) || ((fl & EXFLAG_KUSAGE) &&
	    (X509_get_key_usage(x) & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)));
}

/* CK_E_REVOKED if x is in the index and revoked. */
static int
refuse_revoked(struct ck_ca *ca, X509 *x)
{
	int found, revoked, r;
	char a[256];

	if ((r = ca_lookup_ro(ca, x, &found, &revoked)) == 0 && revoked)
		r = ck_errf(CK_E_REVOKED, "%s is revoked: a revoked certificate cannot be "
		    "renewed; issue a new one (--gencert or --gencertfromcsr)",
		    ca_name_str(X509_get_subject_name(x), a, sizeof(a)));
	return r;
}

int
ck_ca_renew(struct ck_ca *ca, X509 *old, EVP_PKEY *key, int days, unsigned int flags,
    X509 **out, STACK_OF(X509) **chain)
{
	struct request rq;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	char a[256];
	int r;

	*out = NULL;
	if (chain != NULL)
		*chain = NULL;
	if ((r = ca_need_root(ca)) != 0 || (r = ca_issued_here(ca, old)) != 0 ||
	    (r = refuse_revoked(ca, old)) != 0)
		return r;
	if (key != NULL && (r = ck_cert_key_match(old, key)) != 0)
		return ck_errf(r, "the private key is not the key of the certificate to renew");
	if (!(flags & CK_SIGN_ALLOW_CA) && is_ca(old))
		return ck_errf(CK_E_POLICY, "rule 'no subordinate CA' refused to renew %s, a CA "
		    "certificate: pass --allow-ca to permit it",
		    ca_name_str(X509_get_subject_name(old), a, sizeof(a)));
	if (days < 0 || days > CK_CA_RENEW_MAX_DAYS)
		return ck_errf(CK_E_TIME, "a renewal lifetime of %d days is outside 1..%d",
		    days, CK_CA_RENEW_MAX_DAYS);
	/* All extensions but the AKI, which issue() adds for the current CA. */
	if ((exts = sk_X509_EXTENSION_new_null()) == NULL)
		return CK_E_NOMEM;
	for (int i = 0; i < X509_get_ext_count(old); i++) {
		X509_EXTENSION *e = X509_get_ext(old, i);
		if (OBJ_obj2nid(X509_EXTENSION_get_object(e)) == NID_authority_key_identifier)
			continue;
		if ((e = X509_EXTENSION_dup(e)) == NULL || !sk_X509_EXTENSION_push(exts, e)) {
			X509_EXTENSION_free(e);
			r = CK_E_NOMEM;
			goto out;
		}
	}
	rq.subject = X509_get_subject_name(old);
	rq.pub = X509_get0_pubkey(old);
	rq.exts = exts;
	r = issue(ca, &rq, days, CK_CA_RENEW_MAX_DAYS, ISSUE_NO_POLICY | (flags & CK_SIGN_NO_RECORD),
	    NULL, out);
	if (r == 0)
		ca_audit_cert("vmca.cert.renew", old, *out, NULL);
	if (r == 0 && chain != NULL && (r = ck_chain_to_send(ca->chain, chain)) != 0) {
		X509_free(*out);
		*out = NULL;
	}
out:
	ck_exts_free(exts);
	return r;
}
