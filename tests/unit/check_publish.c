/* check_publish.c: the files published from the store (lib/publish.c). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "err.h"
#include "fileio.h"
#include "paths.h"
#include "pki.h"
#include "publish.h"
#include "store.h"
#include "suites.h"
#include "util.h"

static EVP_PKEY *ka;
static char *certa, *keya, *crla;
static size_t certa_len, keya_len, crla_len;
static unsigned long hasha;
static char *dir, *capath, *ssldir;
static struct ck_store *st;

static void
fixtures_once(void)
{
	X509_CRL *c;
	X509 *x;
	BIO *o;
	char *data;
	long len;

	if (ka != NULL)
		return;
	ck_assert_int_eq(ck_key_generate(CK_KEY_EC, 256, &ka), 0);
	ck_assert_int_eq(ck_key_to_pem(ka, NULL, &keya, &keya_len), 0);
	x = test_selfsigned(ka, "publish a", 1);
	ck_assert_int_eq(ck_cert_to_pem(x, &certa, &certa_len), 0);
	hasha = X509_NAME_hash_ex(X509_get_subject_name(x), NULL, NULL, NULL);
	c = X509_CRL_new();
	X509_CRL_set_version(c, 1);
	X509_CRL_set_issuer_name(c, X509_get_subject_name(x));
	X509_CRL_set1_lastUpdate(c, X509_get0_notBefore(x));
	X509_CRL_set1_nextUpdate(c, X509_get0_notAfter(x));
	ck_assert(X509_CRL_sign(c, ka, EVP_sha256()) > 0);
	o = BIO_new(BIO_s_mem());
	PEM_write_bio_X509_CRL(o, c);
	len = BIO_get_mem_data(o, &data);
	crla = malloc((size_t)len);
	memcpy(crla, data, (size_t)len);
	crla_len = (size_t)len;
	BIO_free(o);
	X509_CRL_free(c);
	X509_free(x);
}

static void
setup(void)
{
	fixtures_once();
	dir = test_tmpdir();
	capath = ck_asprintf("%s/trusted", dir);
	ssldir = ck_asprintf("%s/machine-ssl", dir);
	/* the publish lock lives in the store directory */
	setenv("CERTKIT_VECS_DIR", dir, 1);
	ck_paths_reset();
	ck_assert_int_eq(ck_store_open(dir, CK_STORE_NOSYNC, &st), 0);
}

static void
teardown(void)
{
	ck_store_close(st);
	st = NULL;
	unsetenv("CERTKIT_VECS_DIR");
	ck_paths_reset();
	test_rm_rf(dir);
	free(ssldir);
	free(capath);
	free(dir);
}

static void
add(const char *store, const char *cert, size_t clen, const char *key, size_t klen,
    const char *alias, const char *pw)
{
	struct ck_entry *e = NULL;

	ck_assert_int_eq(ck_entry_build(cert, clen, key, klen, alias, pw, 0, &e), 0);
	ck_assert_int_eq(ck_store_entry_add(st, store, e), 0);
	ck_entry_free(e);
}

/* 1 if dir/name holds exactly data, with mode */
static int
holds(const char *d, const char *name, const char *data, size_t len, mode_t mode)
{
	char *p = ck_asprintf("%s/%s", d, name), *buf = NULL;
	size_t n = 0;
	struct stat sb;
	int ok;

	ok = lstat(p, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 07777) == mode &&
	    ck_file_read(p, 1 << 20, &buf, &n, 0) == 0 && n == len && memcmp(buf, data, len) == 0;
	free(buf);
	free(p);
	return ok;
}

static int
exists(const char *d, const char *name)
{
	char *p = ck_asprintf("%s/%s", d, name);
	struct stat sb;
	int r = lstat(p, &sb) == 0;

	free(p);
	return r;
}

static int
manifest_lists(const char *name)
{
	char *p = ck_asprintf("%s/.certkit-published", capath), *buf = NULL, *line, *save = NULL;
	int found = 0;

	ck_assert_int_eq(ck_file_read(p, 1 << 20, &buf, NULL, 0), 0);
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		found |= strcmp(line, name) == 0;
	free(buf);
	free(p);
	return found;
}

START_TEST(t_roots_and_crls)
{
	struct ck_entry *e = NULL;
	char n0[24], n1[24], r0[24], *p;

	snprintf(n0, sizeof(n0), "%08lx.0", hasha);
	snprintf(n1, sizeof(n1), "%08lx.1", hasha);
	snprintf(r0, sizeof(r0), "%08lx.r0", hasha);
	/* a file of someone else's at <hash>.0: left alone, ours takes .1 */
	ck_assert_int_eq(ck_mkdir_p(capath, 0755), 0);
	p = ck_asprintf("%s/%s", capath, n0);
	ck_assert_int_eq(ck_file_write(p, "x", 1, 0644, CK_WRITE_NOSYNC), 0);
	free(p);
	add(CK_STORE_TRUSTED_ROOTS, certa, certa_len, NULL, 0, "a", NULL);
	ck_assert_int_eq(ck_entry_build_crl(crla, crla_len, NULL, &e), 0);
	ck_assert_int_eq(ck_store_entry_add(st, CK_STORE_TRUSTED_CRLS, e), 0);
	ck_entry_free(e);
	ck_assert_int_eq(ck_publish_store(st, capath, ssldir, CK_PUBLISH_ROOTS, NULL), 0);
	ck_assert(holds(capath, n0, "x", 1, 0644));
	ck_assert(holds(capath, n1, certa, certa_len, 0644));
	ck_assert(exists(capath, r0));
	ck_assert(manifest_lists(n1));
	ck_assert(manifest_lists(r0));
	ck_assert(!manifest_lists(n0));
	ck_assert(!exists(dir, "machine-ssl"));	/* the pair was not asked for */
	/* the root is gone from the store: its file goes, the other one stays */
	ck_assert_int_eq(ck_store_entry_delete(st, CK_STORE_TRUSTED_ROOTS, "a"), 0);
	ck_assert_int_eq(ck_publish_store(st, capath, NULL, CK_PUBLISH_ROOTS, NULL), 0);
	ck_assert(!exists(capath, n1));
	ck_assert(!manifest_lists(n1));
	ck_assert(holds(capath, n0, "x", 1, 0644));
	ck_assert(exists(capath, r0));
}
END_TEST

START_TEST(t_machine_ssl)
{
	struct ck_publish_report rep;
	struct ck_entry *e = NULL;

	add(CK_STORE_MACHINE_SSL, certa, certa_len, keya, keya_len, CK_MACHINE_CERT_ALIAS, NULL);
	ck_assert_int_eq(ck_publish_store(st, capath, ssldir, CK_PUBLISH_SSL, &rep), 0);
	ck_assert_int_eq(rep.key_kept, 0);
	ck_assert(holds(ssldir, "machine-ssl.crt", certa, certa_len, 0644));
	ck_assert(!exists(capath, ".certkit-published"));	/* roots not asked for */
	ck_assert_int_eq(ck_store_entry_get(st, CK_STORE_MACHINE_SSL, CK_MACHINE_CERT_ALIAS, &e), 0);
	ck_assert(holds(ssldir, "machine-ssl.key", e->key, e->key_len, 0600));
	ck_assert(!exists(ssldir, "machine-ssl.key.new"));
	/* the same entry again, through the entry-based call: nothing changes */
	ck_assert_int_eq(ck_publish_machine_ssl(e, ssldir, &rep), 0);
	ck_assert(holds(ssldir, "machine-ssl.crt", certa, certa_len, 0644));
	ck_entry_free(e);
	/* an encrypted key is reported and the pair kept, not an error */
	e = NULL;
	ck_assert_int_eq(ck_entry_build(certa, certa_len, keya, keya_len, "__Machine_Cert", "pw", 0,
	    &e), 0);
	ck_assert_int_eq(e->type, CK_ENTRY_ENCRYPTED_KEY);
	ck_assert_int_eq(ck_store_entry_replace(st, CK_STORE_MACHINE_SSL, e, NULL), 0);
	ck_assert_int_eq(ck_publish_store(st, NULL, ssldir, CK_PUBLISH_SSL, &rep), 0);
	ck_assert_int_eq(rep.key_kept, 1);
	ck_assert_str_eq(rep.alias, "__Machine_Cert");
	ck_assert_str_eq(rep.ssldir, ssldir);
	ck_assert(holds(ssldir, "machine-ssl.crt", certa, certa_len, 0644));
	ck_assert_int_eq(ck_publish_machine_ssl(e, ssldir, &rep), 0);
	ck_assert_int_eq(rep.key_kept, 1);
	ck_entry_free(e);
	/* no entry: nothing is left behind */
	ck_assert_int_eq(ck_publish_machine_ssl(NULL, ssldir, &rep), 0);
	ck_assert_int_eq(rep.key_kept, 0);
	ck_assert(!exists(ssldir, "machine-ssl.crt"));
	ck_assert(!exists(ssldir, "machine-ssl.key"));
}
END_TEST

START_TEST(t_machine_ssl_no_symlink)
{
	struct ck_entry *e = NULL;
	char *p;

	ck_assert_int_eq(ck_entry_build(certa, certa_len, keya, keya_len, CK_MACHINE_CERT_ALIAS,
	    NULL, 0, &e), 0);
	ck_assert_int_eq(ck_mkdir_p(ssldir, 0755), 0);
	p = ck_asprintf("%s/machine-ssl.crt", ssldir);
	ck_assert_int_eq(symlink("/nonexistent", p), 0);
	ck_assert_int_eq(ck_publish_machine_ssl(e, ssldir, NULL), CK_E_SYMLINK);
	ck_assert_ptr_nonnull(strstr(ck_err_detail(), "machine-ssl.crt"));
	/* the key was not renamed into place, and no temporary is left */
	ck_assert(!exists(ssldir, "machine-ssl.key"));
	ck_assert(!exists(ssldir, "machine-ssl.key.new"));
	free(p);
	ck_entry_free(e);
}
END_TEST

Suite *
suite_publish(void)
{
	Suite *s = suite_create("publish");
	TCase *tc = tcase_create("publish");

	tcase_add_unchecked_fixture(tc, fixtures_once, NULL);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t_roots_and_crls);
	tcase_add_test(tc, t_machine_ssl);
	tcase_add_test(tc, t_machine_ssl_no_symlink);
	suite_add_tcase(s, tc);
	return s;
}
