#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "err.h"
#include "pki.h"
#include "secmem.h"
#include "suites.h"

static EVP_PKEY *rsa, *ec;

static void
keys_setup(void)
{
	if (rsa == NULL)
		ck_assert_ptr_nonnull(rsa = test_key("a", CK_KEY_RSA, 2048));
	if (ec == NULL)
		ck_assert_ptr_nonnull(ec = test_key("ec", CK_KEY_EC, 256));
}

/* A minimal self-signed cert for k, built here so the test needs no fixture. */
START_TEST(t_keygen_sizes)
{
	EVP_PKEY *k = NULL;
	keys_setup();
	ck_assert_int_eq(ck_key_bits(rsa), 2048);
	ck_assert(ck_key_is_rsa(rsa));
	ck_assert(ck_key_is_ec(ec));
	ck_assert_int_eq(ck_key_generate(CK_KEY_RSA, 1024, &k), CK_E_KEYSIZE);
	ck_assert_int_eq(ck_key_generate(CK_KEY_RSA, 16385, &k), CK_E_KEYSIZE);
	ck_assert_int_eq(ck_key_generate(CK_KEY_EC, 521, &k), CK_E_KEYSIZE);
	ck_assert_ptr_null(k);
	/* rsa may come from CK_TEST_KEYDIR; make one key here for sure */
	ck_assert_int_eq(ck_key_generate(CK_KEY_EC, 384, &k), 0);
	ck_assert_int_eq(ck_key_bits(k), 384);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(t_key_roundtrip)
{
	char *pem;
	size_t len;
	EVP_PKEY *k;
	keys_setup();
	ck_assert_int_eq(ck_key_to_pem(rsa, NULL, &pem, &len), 0);
	ck_assert(strncmp(pem, "-----BEGIN PRIVATE KEY-----", 27) == 0);
	ck_assert_int_eq(ck_key_parse(pem, len, NULL, &k), 0);
	ck_assert_int_eq(EVP_PKEY_eq(k, rsa), 1);
	EVP_PKEY_free(k);
	ck_secfree(pem);

	ck_assert_int_eq(ck_key_to_pem(ec, "pw", &pem, &len), 0);
	ck_assert(strncmp(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----", 37) == 0);
	ck_assert_int_eq(ck_key_parse(pem, len, NULL, &k), CK_E_PASSWORD);
	ck_assert_int_eq(ck_key_parse(pem, len, "wrong", &k), CK_E_PASSWORD);
	ck_assert_int_eq(ck_key_parse(pem, len, "pw", &k), 0);
	ck_assert_int_eq(EVP_PKEY_eq(k, ec), 1);
	EVP_PKEY_free(k);
	ck_secfree(pem);
	ck_assert_int_eq(ck_key_parse("garbage", 7, NULL, &k), CK_E_KEY);
}
END_TEST

START_TEST(t_pubkey)
{
	char *pem;
	keys_setup();
	ck_assert_int_eq(ck_pubkey_to_pem(rsa, 1, &pem, NULL), 0);
	ck_assert(strncmp(pem, "-----BEGIN RSA PUBLIC KEY-----", 30) == 0);
	free(pem);
	ck_assert_int_eq(ck_pubkey_to_pem(rsa, 0, &pem, NULL), 0);
	ck_assert(strncmp(pem, "-----BEGIN PUBLIC KEY-----", 26) == 0);
	free(pem);
	ck_assert_int_eq(ck_pubkey_to_pem(ec, 1, &pem, NULL), CK_E_UNSUPPORTED);
}
END_TEST

START_TEST(t_certs)
{
	X509 *a, *b;
	STACK_OF(X509) *sk = NULL;
	char *pa, *pb, *both, *txt, hex[2 * EVP_MAX_MD_SIZE + 1];
	size_t la, lb;
	keys_setup();
	a = test_selfsigned(rsa, "alpha", 1);
	b = test_selfsigned(ec, "beta", 1);
	ck_assert_int_eq(ck_cert_to_pem(a, &pa, &la), 0);
	ck_assert_int_eq(ck_cert_to_pem(b, &pb, &lb), 0);
	both = malloc(la + lb + 32);
	sprintf(both, "junk before\n%sbetween\n%sjunk after\n", pa, pb);
	ck_assert_int_eq(ck_certs_parse(both, strlen(both), &sk), 0);
	ck_assert_int_eq(sk_X509_num(sk), 2);
	ck_assert_int_eq(X509_cmp(sk_X509_value(sk, 1), b), 0);
	ck_certs_free(sk);
	ck_assert_int_eq(ck_certs_parse("nothing here", 12, &sk), CK_E_FORMAT);
	/* a damaged block is an error, not silently skipped */
	pa[40] = '!';
	ck_assert_int_eq(ck_certs_parse(pa, la, &sk), CK_E_FORMAT);

	ck_assert_int_eq(ck_cert_key_match(a, rsa), 0);
	ck_assert_int_eq(ck_cert_key_match(a, ec), CK_E_KEY_MISMATCH);
	ck_assert_int_eq(ck_cert_digest_hex(a, EVP_sha1(), hex), 0);
	ck_assert_uint_eq(strlen(hex), 40);
	ck_assert_int_eq(ck_cert_text(a, &txt), 0);
	ck_assert(strstr(txt, "Subject: CN=alpha") != NULL);
	ck_assert(!ck_cert_is_ca(b) || ck_cert_is_ca(b));
	free(txt);
	free(both);
	free(pa);
	free(pb);
	X509_free(a);
	X509_free(b);
}
END_TEST

START_TEST(t_key_write)
{
	char *dir = test_tmpdir(), path[4096];
	struct stat st;
	EVP_PKEY *k;
	keys_setup();
	snprintf(path, sizeof(path), "%s/k.pem", dir);
	ck_assert_int_eq(ck_key_write(path, ec, NULL), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(ck_key_load(path, NULL, &k), 0);
	EVP_PKEY_free(k);
	test_rm_rf(dir);
	free(dir);
}
END_TEST

static void
keys_teardown(void)
{
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	rsa = ec = NULL;
}

Suite *
suite_pki(void)
{
	Suite *s = suite_create("pki");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, keys_setup, keys_teardown);
	tcase_add_test(tc, t_keygen_sizes);
	tcase_add_test(tc, t_key_roundtrip);
	tcase_add_test(tc, t_pubkey);
	tcase_add_test(tc, t_certs);
	tcase_add_test(tc, t_key_write);
	suite_add_tcase(s, tc);
	return s;
}
