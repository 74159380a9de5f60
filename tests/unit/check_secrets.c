/*
 * check_secrets.c: key material is wiped before it is freed on the paths
 * that load, convert, write and store private keys and passwords.  Uses the
 * ck_secmem_wiped() hook: each path must wipe at least as many bytes as the
 * secret it handled (the PEM or file it read or produced).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "err.h"
#include "fileio.h"
#include "pki.h"
#include "secmem.h"
#include "store.h"
#include "suites.h"

static EVP_PKEY *key;
static char *dir;

static void
setup(void)
{
	dir = test_tmpdir();
	if (key == NULL)
		ck_assert_int_eq(ck_key_generate(CK_KEY_EC, 256, &key), 0);
}

static void
teardown(void)
{
	test_rm_rf(dir);
	free(dir);
}

static char *
path(const char *name)
{
	static char buf[4096];
	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

static size_t
fsize(const char *p)
{
	struct stat sb;
	ck_assert_int_eq(stat(p, &sb), 0);
	return (size_t)sb.st_size;
}

START_TEST(t_key_to_pem)
{
	char *pem = NULL;
	size_t len = 0, before;

	ck_assert_int_eq(ck_key_to_pem(key, NULL, &pem, &len), 0);
	ck_assert_ptr_nonnull(strstr(pem, "PRIVATE KEY"));
	before = ck_secmem_wiped();
	ck_secfree(pem);
	ck_assert_uint_ge(ck_secmem_wiped() - before, len);
}
END_TEST

START_TEST(t_key_write_and_load)
{
	EVP_PKEY *back = NULL;
	size_t before, n;

	before = ck_secmem_wiped();
	ck_assert_int_eq(ck_key_write(path("k.pem"), key, NULL), 0);
	n = fsize(path("k.pem"));
	/* the PEM written was wiped */
	ck_assert_uint_ge(ck_secmem_wiped() - before, n);
	before = ck_secmem_wiped();
	ck_assert_int_eq(ck_key_load(path("k.pem"), NULL, &back), 0);
	/* the file's bytes read to load it were wiped */
	ck_assert_uint_ge(ck_secmem_wiped() - before, n);
	ck_assert_int_eq(EVP_PKEY_eq(key, back), 1);
	EVP_PKEY_free(back);
}
END_TEST

START_TEST(t_encrypted_key)
{
	EVP_PKEY *back = NULL;
	size_t before, n;

	before = ck_secmem_wiped();
	ck_assert_int_eq(ck_key_write(path("e.pem"), key, "s3cret-pw"), 0);
	n = fsize(path("e.pem"));
	ck_assert_uint_ge(ck_secmem_wiped() - before, n);
	/* a wrong password fails and still wipes what was read */
	before = ck_secmem_wiped();
	ck_assert_int_eq(ck_key_load(path("e.pem"), "wrong", &back), CK_E_PASSWORD);
	ck_assert_ptr_null(back);
	ck_assert_uint_ge(ck_secmem_wiped() - before, n);
	before = ck_secmem_wiped();
	ck_assert_int_eq(ck_key_load(path("e.pem"), "s3cret-pw", &back), 0);
	ck_assert_uint_ge(ck_secmem_wiped() - before, n);
	EVP_PKEY_free(back);
}
END_TEST

START_TEST(t_secret_read)
{
	char *pw = NULL, spec[4200];
	FILE *f;
	size_t before;

	ck_assert_ptr_nonnull(f = fopen(path("pw"), "w"));
	fputs("correct horse\nsecond line\n", f);
	fclose(f);
	snprintf(spec, sizeof(spec), "file:%s", path("pw"));
	before = ck_secmem_wiped();
	ck_assert_int_eq(ck_secret_read(spec, &pw), 0);
	ck_assert_str_eq(pw, "correct horse");
	/* the buffer read is the password's: what follows the first line is
	 * wiped at once, the whole of it on free */
	ck_assert_uint_ge(ck_secmem_wiped() - before, 12);
	before = ck_secmem_wiped();
	ck_secfree(pw);
	ck_assert_uint_ge(ck_secmem_wiped() - before, 26);
}
END_TEST

START_TEST(t_entry_key)
{
	struct ck_entry *e = NULL;
	X509 *x = NULL;
	char *kpem = NULL, *cpem = NULL;
	size_t klen = 0, clen = 0, before;
	EVP_PKEY *rsa = NULL;

	/* a throwaway self-signed certificate for the key */
	ck_assert_ptr_nonnull(x = X509_new());
	ck_assert_int_eq(X509_set_version(x, 2), 1);
	ck_assert_int_eq(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	    (const unsigned char *)"secrets", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, key);
	ck_assert_int_gt(X509_sign(x, key, EVP_sha256()), 0);
	ck_assert_int_eq(ck_cert_to_pem(x, &cpem, &clen), 0);
	ck_assert_int_eq(ck_key_to_pem(key, NULL, &kpem, &klen), 0);
	ck_assert_int_eq(ck_entry_build(cpem, clen, kpem, klen, "a", NULL, 0, &e), 0);
	ck_assert_uint_gt(e->key_len, 0);
	before = ck_secmem_wiped();
	klen = e->key_len;
	ck_entry_free(e);
	ck_assert_uint_ge(ck_secmem_wiped() - before, klen);
	ck_secfree(kpem);
	free(cpem);
	X509_free(x);
	EVP_PKEY_free(rsa);
}
END_TEST

Suite *
suite_secrets(void)
{
	Suite *s = suite_create("secrets");
	TCase *tc = tcase_create("wiped");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, t_key_to_pem);
	tcase_add_test(tc, t_key_write_and_load);
	tcase_add_test(tc, t_encrypted_key);
	tcase_add_test(tc, t_secret_read);
	tcase_add_test(tc, t_entry_key);
	suite_add_tcase(s, tc);
	return s;
}
