/* check_ca.c: the VMCA (lib/ca): validation, installation, policy, index, CRL. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "cfg.h"
#include "err.h"
#include "fileio.h"
#include "pki.h"
#include "suites.h"
#include "util.h"
#include "x509gen.h"

/* Keys are made once, before Check forks for each test. */
static EVP_PKEY *kca, *kleaf, *kint, *kec, *ksmall;
static char *dir;

static void
make_keys(void)
{
	ck_assert_ptr_nonnull(kca = test_key("ca", CK_KEY_RSA, 2048));
	ck_assert_ptr_nonnull(kleaf = test_key("leaf", CK_KEY_RSA, 2048));
	ck_assert_ptr_nonnull(kint = test_key("int", CK_KEY_RSA, 2048));
	ck_assert_ptr_nonnull(kec = test_key("ec", CK_KEY_EC, 256));
	ksmall = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);	/* below ck_key_generate's floor */
	ck_assert_ptr_nonnull(ksmall);
}

static void
free_keys(void)
{
	EVP_PKEY_free(kca);
	EVP_PKEY_free(kleaf);
	EVP_PKEY_free(kint);
	EVP_PKEY_free(kec);
	EVP_PKEY_free(ksmall);
}

static void
setup(void)
{
	dir = test_tmpdir();
	ck_assert_ptr_nonnull(dir);
	unsetenv("CERTKIT_FAKE_NOW");
}

static void
teardown(void)
{
	test_rm_rf(dir);
	free(dir);
}

static struct ck_cfg *
cfg_of(const char *name, const char *host)
{
	struct ck_cfg *c = NULL;

	ck_assert_int_eq(ck_cfg_new(&c), 0);
	if (name != NULL)
		ck_assert_int_eq(ck_cfg_set(c, CK_CFG_NAME, name), 0);
	if (host != NULL)
		ck_assert_int_eq(ck_cfg_set(c, CK_CFG_HOSTNAME, host), 0);
	ck_assert_int_eq(ck_cfg_set(c, CK_CFG_COUNTRY, "US"), 0);
	return c;
}

static X509 *
make_root(const char *cn, EVP_PKEY *k, long predate)
{
	struct ck_cfg *c = cfg_of(cn, NULL);
	X509 *x = NULL;

	ck_assert_int_eq(ck_ca_make_root(c, k, predate, &x), 0);
	ck_cfg_free(c);
	return x;
}

static STACK_OF(X509) *
chain_of(X509 *a, X509 *b)
{
	STACK_OF(X509) *sk = sk_X509_new_null();

	X509_up_ref(a);
	sk_X509_push(sk, a);
	if (b != NULL) {
		X509_up_ref(b);
		sk_X509_push(sk, b);
	}
	return sk;
}

/* A CA with a self-made root installed. */
static struct ck_ca *
open_ca(long predate)
{
	struct ck_ca *ca = NULL;
	X509 *root = make_root("CA", kca, predate);
	STACK_OF(X509) *sk = chain_of(root, NULL);

	ck_assert_int_eq(ck_ca_open(dir, &ca), 0);
	ck_assert_int_eq(ck_ca_has_root(ca), 0);
	ck_assert_int_eq(ck_ca_install(ca, sk, kca), 0);
	ck_assert_int_eq(ck_ca_has_root(ca), 1);
	sk_X509_pop_free(sk, X509_free);
	X509_free(root);
	return ca;
}

static long
secs_between(const ASN1_TIME *a, const ASN1_TIME *b)
{
	int d = 0, s = 0;

	ck_assert(ASN1_TIME_diff(&d, &s, a, b));
	return (long)d * 86400 + s;
}

START_TEST(t_serial)
{
	for (int i = 0; i < 200; i++) {
		ASN1_INTEGER *sn = NULL;
		BIGNUM *bn;
		unsigned char b[16];
		int der;

		ck_assert_int_eq(ck_ca_serial(&sn), 0);
		bn = ASN1_INTEGER_to_BN(sn, NULL);
		ck_assert_int_eq(BN_num_bytes(bn), 8);
		BN_bn2bin(bn, b);
		ck_assert_int_ge(b[0], 0xc0);	/* top two bits set */
		der = i2d_ASN1_INTEGER(sn, NULL);
		ck_assert_int_eq(der, 2 + 9);	/* tag, length, 00 + 8 bytes */
		BN_free(bn);
		ASN1_INTEGER_free(sn);
	}
}
END_TEST

START_TEST(t_root_profile)
{
	X509 *x = make_root("CA", kca, 4320);
	const ASN1_BIT_STRING *dummy;
	BASIC_CONSTRAINTS *bc;
	int crit = -1;
	(void)dummy;

	ck_assert_int_eq(X509_get_version(x), X509_VERSION_3);
	ck_assert_int_eq(X509_check_ca(x), 1);
	ck_assert_int_eq(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(x, 0))),
	    NID_subject_key_identifier);
	ck_assert_int_eq(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(x, 1))), NID_key_usage);
	ck_assert_int_eq(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(x, 2))),
	    NID_basic_constraints);
	bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
	ck_assert_int_eq(crit, 1);
	ck_assert_int_eq(ASN1_INTEGER_get(bc->pathlen), 0);
	BASIC_CONSTRAINTS_free(bc);
	ck_assert_int_eq(X509_get_key_usage(x), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
	ck_assert_int_lt(X509_get_ext_by_NID(x, NID_authority_key_identifier, -1), 0);
	ck_assert_int_eq(secs_between(X509_get0_notBefore(x), X509_get0_notAfter(x)),
	    3650L * 86400);
	X509_free(x);
}
END_TEST

START_TEST(t_root_needs_cn)
{
	struct ck_cfg *c = cfg_of(NULL, "h.example.com");
	X509 *x = NULL;

	ck_assert_int_eq(ck_ca_make_root(c, kca, 0, &x), CK_E_CSR_FIELD);
	ck_assert_ptr_null(x);
	ck_assert_int_eq(ck_ca_make_root(c, kca, -1, &x), CK_E_INVAL);
	ck_cfg_free(c);
}
END_TEST

/* An intermediate signed by root, through the policy with --allow-ca. */
static X509 *
make_intermediate(struct ck_ca *ca, EVP_PKEY *k, int ca_bit)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_REQ *req = X509_REQ_new();
	X509_NAME *n = X509_NAME_new();
	struct ck_sign_opts o = { .flags = CK_SIGN_ALLOW_CA };
	X509 *x = NULL;

	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"Intermediate",
	    -1, -1, 0);
	X509_REQ_set_subject_name(req, n);
	X509_REQ_set_pubkey(req, k);
	ck_assert_int_eq(ck_ext_push_ku(&exts, 1, KU_KEY_CERT_SIGN | KU_CRL_SIGN), 0);
	ck_assert_int_eq(ck_ext_push_bc(&exts, ca_bit, -1), 0);
	X509_REQ_add_extensions(req, exts);
	ck_assert_int_gt(X509_REQ_sign(req, k, EVP_sha256()), 0);
	o.days = 3000;
	ck_assert_int_eq(ck_ca_sign_req(ca, req, &o, &x, NULL), 0);
	ck_exts_free(exts);
	X509_NAME_free(n);
	X509_REQ_free(req);
	return x;
}

START_TEST(t_validate)
{
	struct ck_ca *ca = open_ca(60);
	X509 *root = ck_ca_cert(ca), *inter = make_intermediate(ca, kint, 1);
	X509 *notca = make_intermediate(ca, kint, 0), *leaf = NULL;
	struct ck_cfg *c = cfg_of("leaf", "leaf.example.com");
	STACK_OF(X509) *sk;

	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, NULL, &leaf, NULL), 0);
	ck_assert_int_eq(ck_ca_validate(NULL, kca), CK_E_FORMAT);
	sk = chain_of(root, inter);	/* wrong order */
	ck_assert_int_eq(ck_ca_validate(sk, kint), CK_E_CHAIN_ORDER);
	sk_X509_pop_free(sk, X509_free);
	sk = chain_of(inter, NULL);	/* no root */
	ck_assert_int_eq(ck_ca_validate(sk, kint), CK_E_CHAIN_INCOMPLETE);
	sk_X509_pop_free(sk, X509_free);
	sk = chain_of(leaf, NULL);
	ck_assert_int_eq(ck_ca_validate(sk, kleaf), CK_E_CHAIN_INCOMPLETE);
	sk_X509_pop_free(sk, X509_free);
	sk = chain_of(leaf, root);	/* complete, but a leaf */
	ck_assert_int_eq(ck_ca_validate(sk, kleaf), CK_E_NOT_CA);
	ck_assert(strstr(ck_err_detail(), "no basicConstraints") != NULL);
	sk_X509_pop_free(sk, X509_free);
	sk = chain_of(notca, root);
	ck_assert_int_eq(ck_ca_validate(sk, kint), CK_E_NOT_CA);
	ck_assert(strstr(ck_err_detail(), "CA:FALSE") != NULL);
	sk_X509_pop_free(sk, X509_free);
	{
		/* an expired CA is refused */
		char buf[32];
		X509 *old;
		snprintf(buf, sizeof(buf), "%lld", (long long)(ck_now() - 4000LL * 86400));
		setenv("CERTKIT_FAKE_NOW", buf, 1);
		old = make_root("Old", kint, 0);
		unsetenv("CERTKIT_FAKE_NOW");
		sk = chain_of(old, NULL);
		ck_assert_int_eq(ck_ca_validate(sk, kint), CK_E_TIME);
		ck_assert(strstr(ck_err_detail(), "expired") != NULL);
		sk_X509_pop_free(sk, X509_free);
		X509_free(old);
	}
	sk = chain_of(inter, root);
	ck_assert_int_eq(ck_ca_validate(sk, kleaf), CK_E_KEY_MISMATCH);
	ck_assert_int_eq(ck_ca_validate(sk, kec), CK_E_KEY);
	ck_assert_int_eq(ck_ca_validate(sk, kint), 0);
	sk_X509_pop_free(sk, X509_free);
	X509_free(leaf);
	X509_free(notca);
	X509_free(inter);
	ck_cfg_free(c);
	ck_ca_close(ca);
}
END_TEST

START_TEST(t_small_root_key)
{
	X509 *x = make_root("small", ksmall, 0);
	STACK_OF(X509) *sk = chain_of(x, NULL);
	struct ck_ca *ca = NULL;
	char path[4200];

	ck_assert_int_eq(ck_ca_open(dir, &ca), 0);
	ck_assert_int_eq(ck_ca_install(ca, sk, ksmall), CK_E_KEYSIZE);
	snprintf(path, sizeof(path), "%s/root.cer", dir);
	ck_assert_int_eq(ck_file_exists(path), 0);	/* nothing written */
	sk_X509_pop_free(sk, X509_free);
	X509_free(x);
	ck_ca_close(ca);
}
END_TEST

START_TEST(t_install_rotates)
{
	struct ck_ca *ca = open_ca(0);
	X509 *second = make_root("Second", kint, 0), *first = X509_dup(ck_ca_cert(ca));
	STACK_OF(X509) *sk = chain_of(second, NULL), *old = NULL;
	char path[4200];
	struct stat st;

	ck_assert_int_eq(ck_ca_install(ca, sk, kint), 0);
	ck_assert_int_eq(X509_cmp(ck_ca_cert(ca), second), 0);
	snprintf(path, sizeof(path), "%s/root.cer.0", dir);
	ck_assert_int_eq(ck_certs_load(path, &old), 0);
	ck_assert_int_eq(X509_cmp(sk_X509_value(old, 0), first), 0);
	snprintf(path, sizeof(path), "%s/privatekey.pem", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/privatekey.pem.0", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	/* a third install shifts .0 to .1 */
	ck_assert_int_eq(ck_ca_install(ca, sk, kint), 0);
	snprintf(path, sizeof(path), "%s/root.cer.1", dir);
	ck_assert_int_eq(ck_file_exists(path), 1);
	ck_certs_free(old);
	sk_X509_pop_free(sk, X509_free);
	X509_free(second);
	X509_free(first);
	ck_ca_close(ca);
}
END_TEST

START_TEST(t_policy_validity)
{
	struct ck_ca *ca = open_ca(4320);
	struct ck_cfg *c = cfg_of("host1", "host1.example.com");
	struct ck_sign_opts o = { 0 };
	X509 *x = NULL;
	STACK_OF(X509) *chain = NULL;
	int64_t now = ck_now();
	long nb_age;
	const ASN1_OCTET_STRING *ski;
	const ASN1_OCTET_STRING *akid;

	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, &o, &x, &chain), 0);
	ck_assert_int_eq(sk_X509_num(chain), 0);	/* a root VMCA sends no chain */
	ck_assert_int_eq(secs_between(X509_get0_notBefore(x), X509_get0_notAfter(x)), 730L * 86400);
	nb_age = (long)(now - 0);
	{
		ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)now);
		nb_age = secs_between(X509_get0_notBefore(x), t);
		ASN1_TIME_free(t);
	}
	ck_assert(nb_age >= 600 && nb_age <= 660);
	ck_assert_int_eq(X509_check_issued(ck_ca_cert(ca), x), X509_V_OK);
	ski = X509_get0_subject_key_id(ck_ca_cert(ca));
	akid = X509_get0_authority_key_id(x);
	ck_assert_ptr_nonnull(akid);
	ck_assert_int_eq(ASN1_OCTET_STRING_cmp(ski, akid), 0);
	ck_assert_int_lt(X509_get_ext_by_NID(x, NID_info_access, -1), 0);
	ck_assert_int_lt(X509_get_ext_by_NID(x, NID_basic_constraints, -1), 0);
	ck_assert_int_eq(X509_get_key_usage(x),
	    KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION | KU_KEY_ENCIPHERMENT);
	X509_free(x);
	sk_X509_pop_free(chain, X509_free);

	/* longest lifetime: clamped to the CA's end; one day more is refused */
	o.days = CK_CA_MAX_DAYS;
	o.aia_url = "https://vc.example.com/afd/vecs/ca";
	o.flags = CK_SIGN_DATAENC;
	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, &o, &x, NULL), 0);
	ck_assert_int_eq(ASN1_TIME_compare(X509_get0_notAfter(x),
	    X509_get0_notAfter(ck_ca_cert(ca))), 0);
	ck_assert_int_ge(X509_get_ext_by_NID(x, NID_info_access, -1), 0);
	ck_assert(X509_get_key_usage(x) & KU_DATA_ENCIPHERMENT);
	X509_free(x);
	o.days = CK_CA_MAX_DAYS + 1;
	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, &o, &x, NULL), CK_E_TIME);
	o.days = -1;
	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, &o, &x, NULL), CK_E_TIME);
	ck_assert_ptr_null(x);

	/* an expired CA signs nothing */
	{
		char buf[32];
		snprintf(buf, sizeof(buf), "%lld", (long long)(now + 3651LL * 86400));
		setenv("CERTKIT_FAKE_NOW", buf, 1);
		o.days = 0;
		ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, &o, &x, NULL), CK_E_TIME);
		ck_assert(strstr(ck_err_detail(), "expired") != NULL);
		unsetenv("CERTKIT_FAKE_NOW");
	}
	ck_cfg_free(c);
	ck_ca_close(ca);
}
END_TEST

START_TEST(t_policy_start_clamp)
{
	struct ck_ca *ca = open_ca(0);	/* root starts now: no Start Time Error */
	struct ck_cfg *c = cfg_of("host1", NULL);
	X509 *x = NULL;

	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, NULL, &x, NULL), 0);
	ck_assert_int_ge(ASN1_TIME_compare(X509_get0_notBefore(x),
	    X509_get0_notBefore(ck_ca_cert(ca))), 0);
	X509_free(x);
	ck_cfg_free(c);
	ck_ca_close(ca);
}
END_TEST

START_TEST(t_policy_rules)
{
	struct ck_ca *ca = open_ca(60);
	struct ck_cfg *c = cfg_of("*.example.com", NULL);
	struct ck_sign_opts o = { 0 };
	X509 *x = NULL;
	struct ck_ca *none = NULL;

	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, &o, &x, NULL), CK_E_SUBJECT);
	ck_assert(strstr(ck_err_detail(), "wildcard CN") != NULL);
	o.flags = CK_SIGN_ALLOW_WILDCARD;
	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, &o, &x, NULL), 0);
	X509_free(x);
	x = NULL;
	ck_cfg_free(c);

	c = cfg_of("host", "*.example.com");
	o.flags = 0;
	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, &o, &x, NULL), CK_E_SAN);
	ck_assert(strstr(ck_err_detail(), "wildcard DNS") != NULL);
	ck_cfg_free(c);

	c = cfg_of("host", "a.example.com, b.example.com");
	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, &o, &x, NULL), 0);	/* on by default */
	X509_free(x);
	x = NULL;
	ck_assert_int_eq(ck_ca_set_option(ca, "multiplesan", 0), 0);
	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, &o, &x, NULL), CK_E_SAN);
	ck_assert(strstr(ck_err_detail(), "multiplesan") != NULL);
	ck_assert_int_eq(ck_ca_set_option(ca, "bogus", 1), CK_E_INVAL);
	ck_cfg_free(c);

	/* keys: EC P-256 is accepted (unlike VMware), RSA-1024 is not */
	c = cfg_of("host", NULL);
	ck_assert_int_eq(ck_ca_sign_config(ca, c, kec, &o, &x, NULL), 0);
	X509_free(x);
	x = NULL;
	ck_assert_int_eq(ck_ca_sign_config(ca, c, ksmall, &o, &x, NULL), CK_E_KEYSIZE);
	ck_cfg_free(c);

	/* empty request */
	ck_assert_int_eq(ck_cfg_new(&c), 0);
	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, &o, &x, NULL), CK_E_CSR_FIELD);
	ck_cfg_free(c);

	/* subordinate CA requests */
	{
		STACK_OF(X509_EXTENSION) *exts = NULL;
		X509_REQ *req = X509_REQ_new();
		X509_NAME *n = X509_NAME_new();
		X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"sub",
		    -1, -1, 0);
		X509_REQ_set_subject_name(req, n);
		X509_REQ_set_pubkey(req, kint);
		ck_ext_push_bc(&exts, 1, -1);
		X509_REQ_add_extensions(req, exts);
		X509_REQ_sign(req, kint, EVP_sha256());
		ck_assert_int_eq(ck_ca_sign_req(ca, req, &o, &x, NULL), CK_E_POLICY);
		ck_assert(strstr(ck_err_detail(), "subordinate CA") != NULL);
		/* two SAN extensions could hide a wildcard from the rules */
		{
			STACK_OF(X509_EXTENSION) *e2 = NULL;
			GENERAL_NAMES *g1 = GENERAL_NAMES_new(), *g2 = GENERAL_NAMES_new();
			X509_REQ *r2 = X509_REQ_new();
			GENERAL_NAME *n1 = GENERAL_NAME_new(), *n2 = GENERAL_NAME_new();
			ASN1_IA5STRING *s1 = ASN1_IA5STRING_new(), *s2 = ASN1_IA5STRING_new();
			ASN1_STRING_set(s1, "ok.example.com", -1);
			ASN1_STRING_set(s2, "*.example.com", -1);
			GENERAL_NAME_set0_value(n1, GEN_DNS, s1);
			GENERAL_NAME_set0_value(n2, GEN_DNS, s2);
			sk_GENERAL_NAME_push(g1, n1);
			sk_GENERAL_NAME_push(g2, n2);
			ck_ext_push_san(&e2, g1);
			ck_ext_push_san(&e2, g2);
			X509_REQ_set_subject_name(r2, n);
			X509_REQ_set_pubkey(r2, kleaf);
			X509_REQ_add_extensions(r2, e2);
			X509_REQ_sign(r2, kleaf, EVP_sha256());
			ck_assert_int_eq(ck_ca_sign_req(ca, r2, &o, &x, NULL), CK_E_CSR_FIELD);
			ck_assert(strstr(ck_err_detail(), "repeated") != NULL);
			ck_exts_free(e2);
			GENERAL_NAMES_free(g1);
			GENERAL_NAMES_free(g2);
			X509_REQ_free(r2);
		}
		/* a tampered request fails its self-signature check */
		X509_REQ_set_pubkey(req, kleaf);
		ck_assert_int_eq(ck_ca_sign_req(ca, req, &o, &x, NULL), CK_E_CSR_FIELD);
		ck_exts_free(exts);
		X509_NAME_free(n);
		X509_REQ_free(req);
	}

	/* no root */
	ck_assert_int_eq(ck_ca_open("/nonexistent-vmca-dir", &none), 0);
	c = cfg_of("host", NULL);
	ck_assert_int_eq(ck_ca_sign_config(none, c, kleaf, &o, &x, NULL), CK_E_CA_MISSING);
	ck_cfg_free(c);
	ck_ca_close(none);
	ck_ca_close(ca);
}
END_TEST

START_TEST(t_intermediate_chain)
{
	struct ck_ca *root = open_ca(60), *ica = NULL;
	X509 *inter = make_intermediate(root, kint, 1), *leaf = NULL;
	STACK_OF(X509) *sk = chain_of(inter, ck_ca_cert(root)), *chain = NULL;
	struct ck_cfg *c = cfg_of("leaf", "leaf.example.com");
	char sub[4200];

	snprintf(sub, sizeof(sub), "%s/sub", dir);
	ck_assert_int_eq(ck_ca_open(sub, &ica), 0);
	ck_assert_int_eq(ck_ca_install(ica, sk, kint), 0);
	ck_assert_int_eq(ck_ca_sign_config(ica, c, kleaf, NULL, &leaf, &chain), 0);
	ck_assert_int_eq(sk_X509_num(chain), 1);
	ck_assert_int_eq(X509_cmp(sk_X509_value(chain, 0), inter), 0);
	/* leaf ends with the intermediate's end at the latest */
	ck_assert_int_le(ASN1_TIME_compare(X509_get0_notAfter(leaf), X509_get0_notAfter(inter)), 0);
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(sk, X509_free);
	X509_free(leaf);
	X509_free(inter);
	ck_cfg_free(c);
	ck_ca_close(ica);
	ck_ca_close(root);
}
END_TEST

static int
count_cb(void *u, X509 *x, enum ck_cert_status st)
{
	(void)x;
	(void)st;
	(*(int *)u)++;
	return 0;
}

START_TEST(t_renew)
{
	struct ck_ca *ca = open_ca(60), *other = NULL;
	struct ck_cfg *c = cfg_of("host1", "host1.example.com");
	struct ck_ca_pending *p = NULL;
	X509 *x = NULL, *y = NULL;
	char sub[4200];

	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, NULL, &x, NULL), 0);
	/* a public-only key is not (issue 11 item 11: proof of possession) */
	ck_assert_int_eq(ck_ca_sign_config(ca, c, X509_get0_pubkey(x), NULL, &y, NULL), CK_E_KEY);
	ck_assert_ptr_null(y);
	ck_assert_int_eq(ck_ca_renew(ca, x, kleaf, 0, 0, &y, NULL), 0);
	ck_assert_int_eq(X509_NAME_cmp(X509_get_subject_name(x), X509_get_subject_name(y)), 0);
	ck_assert_int_eq(EVP_PKEY_eq(X509_get0_pubkey(x), X509_get0_pubkey(y)), 1);
	ck_assert_int_ne(ASN1_INTEGER_cmp(X509_get0_serialNumber(x), X509_get0_serialNumber(y)), 0);
	ck_assert_int_eq(X509_get_ext_count(x), X509_get_ext_count(y));
	X509_free(y);
	ck_assert_int_eq(ck_ca_renew(ca, x, kleaf, 731, 0, &y, NULL), CK_E_TIME);
	ck_assert_int_eq(ck_ca_renew(ca, x, kint, 30, 0, &y, NULL), CK_E_KEY_MISMATCH);
	ck_assert_int_eq(ck_ca_renew(ca, x, NULL, 30, 0, &y, NULL), 0);
	ck_assert_int_eq(secs_between(X509_get0_notBefore(y), X509_get0_notAfter(y)), 30L * 86400);
	X509_free(y);
	/* a certificate from another CA */
	snprintf(sub, sizeof(sub), "%s/other", dir);
	{
		X509 *r2 = make_root("Other", kint, 60);
		STACK_OF(X509) *sk = chain_of(r2, NULL);
		ck_assert_int_eq(ck_ca_open(sub, &other), 0);
		ck_assert_int_eq(ck_ca_install(other, sk, kint), 0);
		sk_X509_pop_free(sk, X509_free);
		X509_free(r2);
	}
	ck_assert_int_eq(ck_ca_renew(other, x, NULL, 0, 0, &y, NULL), CK_E_UNSUPPORTED);
	ck_assert(strstr(ck_err_detail(), "Unsupported") != NULL);
	ck_assert_int_eq(ck_ca_record(other, x), CK_E_UNSUPPORTED);
	/* refused before any thread starts */
	ck_assert_int_eq(ck_ca_record_begin(other, x, &p), CK_E_UNSUPPORTED);
	ck_assert_ptr_null(p);
	ck_ca_close(other);
	X509_free(x);
	ck_cfg_free(c);
	ck_ca_close(ca);
}
END_TEST

/* CK_SIGN_NO_RECORD leaves the index alone until ck_ca_record. */
/* EC keys: the named curves P-256 and P-384 only (issue 11 item 10). */
static EVP_PKEY *
ec_key(const char *curve, const char *encoding)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	OSSL_PARAM p[3];
	EVP_PKEY *k = NULL;

	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)curve, 0);
	p[1] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING, (char *)encoding, 0);
	p[2] = OSSL_PARAM_construct_end();
	ck_assert_ptr_nonnull(pc);
	ck_assert_int_eq(EVP_PKEY_keygen_init(pc), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set_params(pc, p), 1);
	ck_assert_int_eq(EVP_PKEY_keygen(pc, &k), 1);
	EVP_PKEY_CTX_free(pc);
	return k;
}

START_TEST(t_key_curves)
{
	struct ck_ca *ca = open_ca(60);
	struct ck_cfg *c = cfg_of("host1", NULL);
	static const char *const bad[][2] = {
		{ "secp256k1", "named_curve" }, { "brainpoolP256r1", "named_curve" },
		{ "P-256", "explicit" }, { "secp521r1", "named_curve" },
	};
	X509 *x = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EVP_PKEY *k = ec_key(bad[i][0], bad[i][1]);
		ck_assert_msg(ck_ca_sign_config(ca, c, k, NULL, &x, NULL) == CK_E_KEY,
		    "%s %s was signed", bad[i][0], bad[i][1]);
		ck_assert_ptr_null(x);
		EVP_PKEY_free(k);
	}
	for (int i = 0; i < 2; i++) {
		EVP_PKEY *k = ec_key(i ? "P-384" : "P-256", "named_curve");
		ck_assert_int_eq(ck_ca_sign_config(ca, c, k, NULL, &x, NULL), 0);
		X509_free(x);
		x = NULL;
		EVP_PKEY_free(k);
	}
	ck_cfg_free(c);
	ck_ca_close(ca);
}
END_TEST

/* --gencert needs the private key: someone else's n and e with made-up
 * private parts are refused (issue 11 item 11). */
START_TEST(t_proof_of_possession)
{
	struct ck_ca *ca = open_ca(60);
	struct ck_cfg *c = cfg_of("host1", NULL);
	BIGNUM *n = NULL, *e = NULL, *d = BN_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *fake = NULL;
	X509 *x = NULL;

	ck_assert(EVP_PKEY_get_bn_param(kleaf, "n", &n) && EVP_PKEY_get_bn_param(kleaf, "e", &e));
	ck_assert(BN_set_word(d, 12345));
	ck_assert(OSSL_PARAM_BLD_push_BN(bld, "n", n) && OSSL_PARAM_BLD_push_BN(bld, "e", e) &&
	    OSSL_PARAM_BLD_push_BN(bld, "d", d));
	ck_assert_ptr_nonnull(params = OSSL_PARAM_BLD_to_param(bld));
	ck_assert_int_eq(EVP_PKEY_fromdata_init(pc), 1);
	ck_assert_int_eq(EVP_PKEY_fromdata(pc, &fake, EVP_PKEY_KEYPAIR, params), 1);
	ck_assert_int_eq(ck_ca_sign_config(ca, c, fake, NULL, &x, NULL), CK_E_KEY);
	ck_assert_ptr_null(x);
	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, NULL, &x, NULL), 0);
	X509_free(x);
	EVP_PKEY_free(fake);
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	BN_free(d);
	ck_cfg_free(c);
	ck_ca_close(ca);
}
END_TEST

/* Renewing the VMCA's own root issues a CA: only with --allow-ca (item 9). */
START_TEST(t_renew_ca_needs_allow)
{
	struct ck_ca *ca = open_ca(60);
	X509 *y = NULL;

	ck_assert_int_eq(ck_ca_renew(ca, ck_ca_cert(ca), NULL, 30, 0, &y, NULL), CK_E_POLICY);
	ck_assert_ptr_null(y);
	ck_assert_int_eq(ck_ca_renew(ca, ck_ca_cert(ca), NULL, 30, CK_SIGN_ALLOW_CA, &y, NULL), 0);
	X509_free(y);
	ck_ca_close(ca);
}
END_TEST

/* A CA certificate by hand: issuer signs subject cn's key k, valid from
 * nb for days days. */
static X509 *
hand_ca(X509 *issuer, EVP_PKEY *ikey, const char *cn, EVP_PKEY *k, time_t nb, long days)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	STACK_OF(X509_EXTENSION) *exts = NULL;

	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_set_pubkey(x, k);
	ASN1_TIME_adj(X509_getm_notBefore(x), nb, 0, 0);
	ASN1_TIME_adj(X509_getm_notAfter(x), nb, (int)days, 0);
	ck_assert_int_eq(ck_ext_push_ku(&exts, 1, KU_KEY_CERT_SIGN | KU_CRL_SIGN), 0);
	ck_assert_int_eq(ck_ext_push_bc(&exts, 1, -1), 0);
	for (int i = 0; i < sk_X509_EXTENSION_num(exts); i++)
		X509_add_ext(x, sk_X509_EXTENSION_value(exts, i), -1);
	ck_assert_int_gt(X509_sign(x, ikey, EVP_sha256()), 0);
	ck_exts_free(exts);
	X509_NAME_free(n);
	return x;
}

/* Item 12: a CA not valid yet is refused; a leaf ends with the enterprise
 * root above an intermediate VMCA at the latest. */
START_TEST(t_validity_chain)
{
	time_t now = time(NULL);
	X509 *future = hand_ca(NULL, kca, "Future", kca, now + 86400, 3650);
	X509 *root = hand_ca(NULL, kca, "Root", kca, now - 86400, 10);
	X509 *inter = hand_ca(root, kca, "Inter", kint, now - 3600, 3000);
	STACK_OF(X509) *sk = chain_of(future, NULL), *sk2 = chain_of(inter, root);
	struct ck_cfg *c = cfg_of("leaf", NULL);
	struct ck_ca *ca = NULL;
	X509 *leaf = NULL;

	ck_assert_int_eq(ck_ca_validate(sk, kca), CK_E_TIME);
	ck_assert_int_eq(ck_ca_open(dir, &ca), 0);
	ck_assert_int_eq(ck_ca_install(ca, sk2, kint), 0);
	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, NULL, &leaf, NULL), 0);
	ck_assert_int_le(ASN1_TIME_compare(X509_get0_notAfter(leaf), X509_get0_notAfter(root)), 0);
	ck_assert_int_lt(ASN1_TIME_compare(X509_get0_notBefore(leaf), X509_get0_notAfter(leaf)), 0);
	X509_free(leaf);
	ck_ca_close(ca);
	ck_cfg_free(c);
	sk_X509_pop_free(sk, X509_free);
	sk_X509_pop_free(sk2, X509_free);
	X509_free(future);
	X509_free(root);
	X509_free(inter);
}
END_TEST

START_TEST(t_record_later)
{
	struct ck_ca *ca = open_ca(60);
	struct ck_cfg *c = cfg_of("host1", NULL);
	struct ck_sign_opts o = { .flags = CK_SIGN_NO_RECORD };
	X509 *x = NULL, *y = NULL;
	STACK_OF(X509) *chain = NULL;
	enum ck_cert_status st;
	int n = 0;

	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, &o, &x, NULL), 0);
	ck_assert_int_eq(ck_ca_renew(ca, x, NULL, 0, CK_SIGN_NO_RECORD, &y, &chain), 0);
	ck_assert_int_eq(sk_X509_num(chain), 0);	/* a root VMCA sends no chain */
	ck_assert_int_eq(ck_ca_enum(ca, CK_ENUM_ALL, count_cb, &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(ck_ca_status(ca, x, &st), 0);
	ck_assert_int_eq(st, CK_CERT_UNKNOWN);
	ck_assert_int_eq(ck_ca_record(ca, x), 0);
	ck_assert_int_eq(ck_ca_record(ca, x), 0);	/* again: no change */
	ck_assert_int_eq(ck_ca_record(ca, y), 0);
	n = 0;
	ck_assert_int_eq(ck_ca_enum(ca, CK_ENUM_ALL, count_cb, &n), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(ck_ca_status(ca, x, &st), 0);
	ck_assert_int_eq(st, CK_CERT_ACTIVE);
	sk_X509_pop_free(chain, X509_free);
	X509_free(y);
	X509_free(x);
	ck_cfg_free(c);
	ck_ca_close(ca);
}
END_TEST

/*
 * ck_ca_record_begin/end: the record is kept, or taken back when the
 * delivery failed, but never one that was there before.
 */
START_TEST(t_record_begin_end)
{
	struct ck_ca *ca = open_ca(60);
	struct ck_cfg *c = cfg_of("host1", NULL);
	struct ck_sign_opts o = { .flags = CK_SIGN_NO_RECORD };
	struct ck_ca_pending *p = NULL;
	X509 *x = NULL, *y = NULL;
	enum ck_cert_status st;
	int n = 0;

	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, &o, &x, NULL), 0);
	ck_assert_int_eq(ck_ca_record_begin(ca, x, &p), 0);
	ck_assert_int_eq(ck_ca_record_end(p, 0), 0);
	ck_assert_int_eq(ck_ca_enum(ca, CK_ENUM_ALL, count_cb, &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(ck_ca_status(ca, x, &st), 0);
	ck_assert_int_eq(st, CK_CERT_UNKNOWN);

	ck_assert_int_eq(ck_ca_record_begin(ca, x, &p), 0);
	ck_assert_int_eq(ck_ca_record_end(p, 1), 0);
	ck_assert_int_eq(ck_ca_status(ca, x, &st), 0);
	ck_assert_int_eq(st, CK_CERT_ACTIVE);
	/* recorded before this delivery: a failed redelivery leaves it */
	ck_assert_int_eq(ck_ca_record_begin(ca, x, &p), 0);
	ck_assert_int_eq(ck_ca_record_end(p, 0), 0);
	ck_assert_int_eq(ck_ca_status(ca, x, &st), 0);
	ck_assert_int_eq(st, CK_CERT_ACTIVE);

	/* x is no longer the cert signed last: its signature is checked */
	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, &o, &y, NULL), 0);
	ck_assert_int_eq(ck_ca_record(ca, x), 0);
	ck_assert_int_eq(ck_ca_record_begin(ca, y, &p), 0);
	ck_assert_int_eq(ck_ca_record_end(p, 1), 0);
	n = 0;
	ck_assert_int_eq(ck_ca_enum(ca, CK_ENUM_ALL, count_cb, &n), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(ck_ca_record_end(NULL, 0), 0);

	/* x's serial on other content, signed by the CA: the index refuses it;
	 * an abandoned delivery has nothing to take back and no error */
	{
		X509 *z = X509_dup(x);
		ck_assert_ptr_nonnull(z);
		ck_assert_ptr_nonnull(X509_time_adj_ex(X509_getm_notAfter(z), 1, 0, NULL));
		ck_assert_int_gt(X509_sign(z, kca, EVP_sha256()), 0);
		ck_assert_int_eq(ck_ca_record_begin(ca, z, &p), 0);
		ck_assert_int_eq(ck_ca_record_end(p, 1), CK_E_EXIST);
		ck_assert_int_eq(ck_ca_record_begin(ca, z, &p), 0);
		ck_assert_int_eq(ck_ca_record_end(p, 0), 0);
		ck_assert_int_eq(ck_ca_status(ca, x, &st), 0);
		ck_assert_int_eq(st, CK_CERT_ACTIVE);
		X509_free(z);
	}
	X509_free(y);
	X509_free(x);
	ck_cfg_free(c);
	ck_ca_close(ca);
}
END_TEST

START_TEST(t_revoke_status_crl)
{
	struct ck_ca *ca = open_ca(60), *other = NULL;
	struct ck_cfg *c = cfg_of("host1", NULL);
	X509 *a = NULL, *b = NULL, *foreign = make_root("Foreign", kint, 0);
	X509_CRL *crl = NULL, *crl2 = NULL;
	enum ck_cert_status st;
	int n, crit;
	ASN1_INTEGER *num;
	char buf[32];

	/* an empty index */
	n = 0;
	ck_assert_int_eq(ck_ca_enum(ca, CK_ENUM_ALL, count_cb, &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(ck_ca_status(ca, foreign, &st), 0);
	ck_assert_int_eq(st, CK_CERT_UNKNOWN);
	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, NULL, &a, NULL), 0);
	ck_assert_int_eq(ck_ca_sign_config(ca, c, kleaf, NULL, &b, NULL), 0);
	ck_assert_int_eq(ck_ca_status(ca, a, &st), 0);
	ck_assert_int_eq(st, CK_CERT_ACTIVE);
	ck_assert_int_eq(ck_ca_revoke(ca, a, 0), 0);
	ck_assert_int_eq(ck_ca_revoke(ca, a, 0), CK_E_REVOKED);
	ck_assert_int_eq(ck_ca_revoke(ca, foreign, 0), CK_E_UNSUPPORTED);
	ck_assert_int_eq(ck_ca_revoke(ca, b, 7), CK_E_INVAL);
	ck_assert_int_eq(ck_ca_status(ca, a, &st), 0);
	ck_assert_int_eq(st, CK_CERT_REVOKED);
	ck_assert_int_eq(ck_ca_status(ca, foreign, &st), 0);
	ck_assert_int_eq(st, CK_CERT_UNKNOWN);
	n = 0;
	ck_assert_int_eq(ck_ca_enum(ca, CK_ENUM_ALL, count_cb, &n), 0);
	ck_assert_int_eq(n, 2);
	/* a revoked certificate is not renewed */
	{
		X509 *y = NULL;
		ck_assert_int_eq(ck_ca_renew(ca, a, NULL, 0, 0, &y, NULL), CK_E_REVOKED);
		ck_assert_ptr_null(y);
		ck_assert(strstr(ck_err_detail(), "revoked") != NULL);
	}
	/* serials this VMCA never issues: unknown, not an error */
	{
		X509 *z = X509_dup(foreign);
		ASN1_INTEGER *sn = ASN1_INTEGER_new();
		unsigned char big[40];
		BIGNUM *bn;
		ck_assert_int_eq(ASN1_INTEGER_set(sn, 0), 1);
		ck_assert_int_eq(X509_set_serialNumber(z, sn), 1);
		ck_assert_int_eq(ck_ca_status(ca, z, &st), 0);
		ck_assert_int_eq(st, CK_CERT_UNKNOWN);
		ck_assert_int_eq(ck_ca_revoke(ca, z, 0), CK_E_UNSUPPORTED);
		memset(big, 0x5a, sizeof(big));
		bn = BN_bin2bn(big, sizeof(big), NULL);
		ck_assert_ptr_nonnull(BN_to_ASN1_INTEGER(bn, sn));
		ck_assert_int_eq(X509_set_serialNumber(z, sn), 1);
		ck_assert_int_eq(ck_ca_status(ca, z, &st), 0);
		ck_assert_int_eq(st, CK_CERT_UNKNOWN);
		BN_free(bn);
		ASN1_INTEGER_free(sn);
		X509_free(z);
	}
	n = 0;
	ck_assert_int_eq(ck_ca_enum(ca, CK_ENUM_REVOKED, count_cb, &n), 0);
	ck_assert_int_eq(n, 1);
	n = 0;
	ck_assert_int_eq(ck_ca_enum(ca, CK_ENUM_ACTIVE, count_cb, &n), 0);
	ck_assert_int_eq(n, 1);
	n = 0;
	ck_assert_int_eq(ck_ca_enum(ca, CK_ENUM_EXPIRED, count_cb, &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(ck_ca_enum(ca, (enum ck_enum_filter)99, count_cb, &n), CK_E_INVAL);

	/* the CRL: v2, number 1 then 2, one entry, AKI, 30 days */
	ck_assert_int_eq(ck_ca_get_crl(ca, &crl), 0);	/* generated on demand */
	ck_assert_int_eq(X509_CRL_get_version(crl), X509_CRL_VERSION_2);
	num = X509_CRL_get_ext_d2i(crl, NID_crl_number, &crit, NULL);
	ck_assert_int_eq(ASN1_INTEGER_get(num), 1);
	ASN1_INTEGER_free(num);
	ck_assert_int_eq(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), 1);
	ck_assert_int_eq(ASN1_INTEGER_cmp(X509_REVOKED_get0_serialNumber(
	    sk_X509_REVOKED_value(X509_CRL_get_REVOKED(crl), 0)), X509_get0_serialNumber(a)), 0);
	ck_assert_int_eq(secs_between(X509_CRL_get0_lastUpdate(crl),
	    X509_CRL_get0_nextUpdate(crl)), 30L * 86400);
	ck_assert_int_ge(X509_CRL_get_ext_by_NID(crl, NID_authority_key_identifier, -1), 0);
	ck_assert_int_eq(X509_CRL_verify(crl, X509_get0_pubkey(ck_ca_cert(ca))), 1);
	ck_assert_int_eq(ck_ca_gen_crl(ca, &crl2), 0);
	num = X509_CRL_get_ext_d2i(crl2, NID_crl_number, &crit, NULL);
	ck_assert_int_eq(ASN1_INTEGER_get(num), 2);
	ASN1_INTEGER_free(num);
	X509_CRL_free(crl2);
	ck_assert_int_eq(ck_ca_get_crl(ca, &crl2), 0);	/* the stored one */
	num = X509_CRL_get_ext_d2i(crl2, NID_crl_number, &crit, NULL);
	ck_assert_int_eq(ASN1_INTEGER_get(num), 2);
	ASN1_INTEGER_free(num);

	/* status of an expired cert, and the expired filter */
	snprintf(buf, sizeof(buf), "%lld", (long long)(ck_now() + 800LL * 86400));
	setenv("CERTKIT_FAKE_NOW", buf, 1);
	ck_assert_int_eq(ck_ca_status(ca, b, &st), 0);
	ck_assert_int_eq(st, CK_CERT_EXPIRED);
	n = 0;
	ck_assert_int_eq(ck_ca_enum(ca, CK_ENUM_EXPIRED, count_cb, &n), 0);
	ck_assert_int_eq(n, 2);
	unsetenv("CERTKIT_FAKE_NOW");

	/* a CA opened on an empty directory creates nothing on reads */
	{
		char sub[4200];
		snprintf(sub, sizeof(sub), "%s/empty", dir);
		ck_assert_int_eq(ck_ca_open(sub, &other), 0);
		ck_assert_int_eq(ck_ca_status(other, a, &st), 0);
		ck_assert_int_eq(st, CK_CERT_UNKNOWN);
		n = 1;
		ck_assert_int_eq(ck_ca_get_option(other, "multiplesan", &n), 0);
		ck_assert_int_eq(n, 1);
		ck_assert_int_eq(ck_file_exists(sub), 0);
		ck_assert_int_eq(ck_ca_gen_crl(other, NULL), CK_E_CA_MISSING);
		ck_ca_close(other);
	}
	X509_CRL_free(crl2);
	X509_CRL_free(crl);
	X509_free(foreign);
	X509_free(b);
	X509_free(a);
	ck_cfg_free(c);
	ck_ca_close(ca);
}
END_TEST

START_TEST(t_key_load_fast)
{
	char path[4200];
	EVP_PKEY *k = NULL;

	snprintf(path, sizeof(path), "%s/k.pem", dir);
	ck_assert_int_eq(ck_key_write(path, kleaf, NULL), 0);
	ck_assert_int_eq(ck_key_load_fast(path, NULL, &k), 0);
	ck_assert_int_eq(EVP_PKEY_eq(k, kleaf), 1);
	EVP_PKEY_free(k);
	ck_assert_int_eq(ck_key_write(path, kec, NULL), 0);
	ck_assert_int_eq(ck_key_load_fast(path, NULL, &k), 0);
	ck_assert_int_eq(EVP_PKEY_eq(k, kec), 1);
	EVP_PKEY_free(k);
	ck_assert_int_eq(ck_key_write(path, kleaf, "secret"), 0);
	ck_assert_int_eq(ck_key_load_fast(path, NULL, &k), CK_E_PASSWORD);
	ck_assert_int_eq(ck_key_load_fast(path, "wrong", &k), CK_E_PASSWORD);
	ck_assert_int_eq(ck_key_load_fast(path, "secret", &k), 0);
	ck_assert_int_eq(EVP_PKEY_eq(k, kleaf), 1);
	EVP_PKEY_free(k);
	ck_assert_int_eq(ck_file_write(path, "junk\n", 5, 0600, 0), 0);
	ck_assert_int_eq(ck_key_load_fast(path, NULL, &k), CK_E_KEY);
}
END_TEST

Suite *
suite_ca(void)
{
	Suite *s = suite_create("ca");
	TCase *tc = tcase_create("ca");

	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, make_keys, free_keys);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_serial);
	tcase_add_test(tc, t_root_profile);
	tcase_add_test(tc, t_root_needs_cn);
	tcase_add_test(tc, t_validate);
	tcase_add_test(tc, t_small_root_key);
	tcase_add_test(tc, t_install_rotates);
	tcase_add_test(tc, t_policy_validity);
	tcase_add_test(tc, t_policy_start_clamp);
	tcase_add_test(tc, t_policy_rules);
	tcase_add_test(tc, t_intermediate_chain);
	tcase_add_test(tc, t_renew);
	tcase_add_test(tc, t_key_curves);
	tcase_add_test(tc, t_proof_of_possession);
	tcase_add_test(tc, t_renew_ca_needs_allow);
	tcase_add_test(tc, t_validity_chain);
	tcase_add_test(tc, t_record_later);
	tcase_add_test(tc, t_record_begin_end);
	tcase_add_test(tc, t_revoke_status_crl);
	tcase_add_test(tc, t_key_load_fast);
	suite_add_tcase(s, tc);
	return s;
}
