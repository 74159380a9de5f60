/* check_store.c: the LMDB store module (lib/store.c, lib/store_entry.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "err.h"
#include "pki.h"
#include "secmem.h"
#include "store.h"
#include "suites.h"
#include "util.h"

static EVP_PKEY *k1, *k2, *kec;
static char *pem1, *pem2, *pemec, *key1, *key2, *keyec;
static size_t pem1_len, pem2_len, pemec_len, key1_len, key2_len, keyec_len;
static char *dir;
static struct ck_store *st;

static void
keys_once(void)
{
	X509 *x;

	if (k1 != NULL)
		return;
	ck_assert_ptr_nonnull(k1 = test_key("a", CK_KEY_RSA, 2048));
	ck_assert_ptr_nonnull(k2 = test_key("b", CK_KEY_RSA, 2048));
	ck_assert_ptr_nonnull(kec = test_key("ec", CK_KEY_EC, 256));
	x = test_selfsigned(k1, "one", 1);
	ck_assert_int_eq(ck_cert_to_pem(x, &pem1, &pem1_len), 0);
	X509_free(x);
	x = test_selfsigned(k2, "two", 2);
	ck_assert_int_eq(ck_cert_to_pem(x, &pem2, &pem2_len), 0);
	X509_free(x);
	x = test_selfsigned(kec, "ec", 3);
	ck_assert_int_eq(ck_cert_to_pem(x, &pemec, &pemec_len), 0);
	X509_free(x);
	ck_assert_int_eq(ck_key_to_pem(k1, NULL, &key1, &key1_len), 0);
	ck_assert_int_eq(ck_key_to_pem(k2, NULL, &key2, &key2_len), 0);
	ck_assert_int_eq(ck_key_to_pem(kec, NULL, &keyec, &keyec_len), 0);
}

static void
setup(void)
{
	keys_once();
	unsetenv("CERTKIT_VECS_MAPSIZE");
	dir = test_tmpdir();
	ck_assert_int_eq(ck_store_open(dir, CK_STORE_NOSYNC, &st), 0);
}

static void
teardown(void)
{
	ck_store_close(st);
	st = NULL;
	test_rm_rf(dir);
	free(dir);
}

/* an entry for alias with the given cert (Trusted Cert) */
static struct ck_entry *
trusted(const char *alias, const char *pem, size_t len)
{
	struct ck_entry *e = NULL;
	ck_assert_int_eq(ck_entry_build(pem, len, NULL, 0, alias, NULL, 0, &e), 0);
	return e;
}

START_TEST(t_open_builtins_modes)
{
	struct ck_store_info info;
	struct stat sb;
	char *p;

	ck_assert_int_eq(ck_store_info(st, "MACHINE_SSL_CERT", &info), 0);
	ck_assert_int_eq(info.id, 1);
	ck_assert_int_eq(info.owner, 0);
	ck_assert_int_eq(info.nace, 0);
	ck_assert_int_eq(ck_store_info(st, "trusted_roots", &info), 0);
	ck_assert_str_eq(info.name, "TRUSTED_ROOTS");
	ck_assert_int_eq(info.nace, 1);
	ck_assert_uint_eq(info.ace[0].uid, CK_UID_EVERYONE);
	ck_assert_uint_eq(info.ace[0].mask, CK_ACCESS_READ);
	ck_assert_int_eq(ck_store_info(st, "TRUSTED_ROOT_CRLS", &info), 0);
	ck_assert_int_eq(info.id, 3);
	p = ck_asprintf("%s/data.mdb", dir);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	free(p);
	/* a fresh sub-directory is created 0700 */
	ck_store_close(st);
	p = ck_asprintf("%s/sub/vecs", dir);
	ck_assert_int_eq(ck_store_open(p, CK_STORE_NOSYNC, &st), 0);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0700);
	free(p);
}
END_TEST

START_TEST(t_rdonly_missing)
{
	struct ck_store *ro = NULL;
	char *p = ck_asprintf("%s/none", dir);

	ck_assert_int_eq(ck_store_open(p, CK_STORE_RDONLY, &ro), CK_E_NOENT);
	ck_assert_ptr_null(ro);
	free(p);
	/* read-only on an existing store works and refuses writes */
	ck_assert_int_eq(ck_store_open(dir, CK_STORE_RDONLY, &ro), 0);
	ck_assert_int_eq(ck_store_create(ro, "X", 0), CK_E_ACCESS);
	ck_store_close(ro);
}
END_TEST

START_TEST(t_store_create_rules)
{
	char name[200];
	struct ck_store_info info;

	ck_assert_int_eq(ck_store_create(st, "Test", 1000), 0);
	ck_assert_int_eq(ck_store_create(st, "TEST", 0), CK_E_EXIST);
	ck_assert_int_eq(ck_store_create(st, "", 0), CK_E_INVAL);
	memset(name, 'a', 129);
	name[129] = '\0';
	ck_assert_int_eq(ck_store_create(st, name, 0), CK_E_TOOLONG);
	name[128] = '\0';
	ck_assert_int_eq(ck_store_create(st, name, 0), 0);
	ck_assert_int_eq(ck_store_info(st, "test", &info), 0);
	ck_assert_str_eq(info.name, "Test");
	ck_assert_uint_eq(info.owner, 1000);
	ck_assert_int_eq(ck_store_info(st, "nope", &info), CK_E_NOENT);
	ck_assert_int_eq(ck_store_delete(st, "trusted_roots"), CK_E_ACCESS);
	ck_assert_int_eq(ck_store_delete(st, "nope"), CK_E_NOENT);
}
END_TEST

static int
collect_names(const struct ck_store_info *info, void *arg)
{
	char *buf = arg;
	strcat(buf, info->name);
	strcat(buf, ",");
	return 0;
}

START_TEST(t_store_list_order_and_limit)
{
	char buf[64 * 1024] = "";
	char name[32];
	int i;

	ck_assert_int_eq(ck_store_create(st, "zeta", 0), 0);
	ck_assert_int_eq(ck_store_create(st, "alpha", 0), 0);
	ck_assert_int_eq(ck_store_list(st, collect_names, buf), 0);
	ck_assert_str_eq(buf, "MACHINE_SSL_CERT,TRUSTED_ROOTS,TRUSTED_ROOT_CRLS,zeta,alpha,");
	ck_assert_int_eq(ck_store_txn_begin(st, 1), 0);
	for (i = 5; i < CK_STORE_MAX; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		ck_assert_int_eq(ck_store_create(st, name, 0), 0);
	}
	ck_assert_int_eq(ck_store_create(st, "one-too-many", 0), CK_E_LIMIT);
	ck_assert_int_eq(ck_store_txn_commit(st), 0);
	/* deleting frees a slot */
	ck_assert_int_eq(ck_store_delete(st, "zeta"), 0);
	ck_assert_int_eq(ck_store_create(st, "one-more", 0), 0);
}
END_TEST

static int
collect_aliases(const struct ck_entry *e, void *arg)
{
	char *buf = arg;
	strcat(buf, e->alias);
	strcat(buf, ",");
	return 0;
}

static int
stop_at_two(const struct ck_entry *e, void *arg)
{
	int *n = arg;
	(void)e;
	return ++*n == 2 ? 42 : 0;
}

START_TEST(t_entries_basic)
{
	struct ck_entry *e = NULL, *got = NULL;
	char buf[1024] = "";
	size_t n;
	int stops = 0;

	ck_assert_int_eq(ck_store_create(st, "S", 0), 0);
	e = trusted("Zed", pem1, pem1_len);
	ck_assert_int_eq(ck_store_entry_add(st, "s", e), 0);
	ck_assert_int_eq(ck_store_entry_add(st, "S", e), CK_E_EXIST);
	free(e->alias);
	e->alias = strdup("ZED");
	ck_assert_int_eq(ck_store_entry_add(st, "S", e), CK_E_EXIST);
	free(e->alias);
	e->alias = strdup("alpha");
	ck_assert_int_eq(ck_store_entry_add(st, "S", e), 0);
	free(e->alias);
	e->alias = strdup("mid");
	ck_assert_int_eq(ck_store_entry_add(st, "S", e), 0);
	ck_assert_int_eq(ck_store_entry_add(st, "NOPE", e), CK_E_NOENT);
	/* the same alias in another store is fine */
	ck_assert_int_eq(ck_store_entry_add(st, "TRUSTED_ROOTS", e), 0);
	ck_entry_free(e);

	ck_assert_int_eq(ck_store_count(st, "S", &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(ck_store_entry_iter(st, "S", collect_aliases, buf), 0);
	ck_assert_str_eq(buf, "Zed,alpha,mid,");	/* insertion order, display case */
	ck_assert_int_eq(ck_store_entry_iter(st, "S", stop_at_two, &stops), 42);

	ck_assert_int_eq(ck_store_entry_get(st, "s", "zED", &got), 0);
	ck_assert_str_eq(got->alias, "Zed");
	ck_assert_int_eq(got->type, CK_ENTRY_TRUSTED_CERT);
	ck_assert_uint_eq(got->cert_len, pem1_len);
	ck_assert_mem_eq(got->cert_pem, pem1, pem1_len);
	ck_assert_int_eq(got->cert_pem[pem1_len], '\0');
	ck_assert(got->created > 0);
	ck_entry_free(got);
	got = NULL;
	ck_assert_int_eq(ck_store_entry_get(st, "S", "nope", &got), CK_E_NOENT);
	ck_assert_int_eq(ck_store_entry_get(st, "NOPE", "Zed", &got), CK_E_NOENT);
	ck_assert_ptr_null(got);

	ck_assert_int_eq(ck_store_entry_delete(st, "S", "ALPHA"), 0);
	ck_assert_int_eq(ck_store_entry_delete(st, "S", "alpha"), CK_E_NOENT);
	buf[0] = '\0';
	ck_assert_int_eq(ck_store_entry_iter(st, "S", collect_aliases, buf), 0);
	ck_assert_str_eq(buf, "Zed,mid,");

	/* a store delete cascades; a new store of the same name is empty */
	ck_assert_int_eq(ck_store_delete(st, "S"), 0);
	ck_assert_int_eq(ck_store_count(st, "S", &n), CK_E_NOENT);
	ck_assert_int_eq(ck_store_create(st, "S", 0), 0);
	ck_assert_int_eq(ck_store_count(st, "S", &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(ck_store_count(st, "TRUSTED_ROOTS", &n), 0);
	ck_assert_uint_eq(n, 1);
}
END_TEST

START_TEST(t_replace_with_backup)
{
	struct ck_entry *a = NULL, *b = NULL, *got = NULL, *after;
	char buf[1024] = "";

	ck_assert_int_eq(ck_entry_build(pem1, pem1_len, key1, key1_len, "__MACHINE_CERT", NULL, 0, &a), 0);
	ck_assert_int_eq(ck_entry_build(pem2, pem2_len, key2, key2_len, "__machine_cert", NULL, 0, &b), 0);
	ck_assert_int_eq(ck_store_entry_add(st, "MACHINE_SSL_CERT", a), 0);
	after = trusted("after", pem1, pem1_len);
	ck_assert_int_eq(ck_store_entry_add(st, "MACHINE_SSL_CERT", after), 0);
	ck_entry_free(after);
	ck_assert_int_eq(ck_store_entry_replace(st, "MACHINE_SSL_CERT", b, "BACKUP_STORE"), 0);
	ck_assert_int_eq(ck_store_entry_get(st, "MACHINE_SSL_CERT", "__MACHINE_CERT", &got), 0);
	ck_assert_mem_eq(got->cert_pem, pem2, pem2_len);
	ck_assert_mem_eq(got->key, key2, key2_len);
	ck_entry_free(got);
	ck_assert_int_eq(ck_store_entry_get(st, "BACKUP_STORE", "bkp___MACHINE_CERT", &got), 0);
	ck_assert_mem_eq(got->cert_pem, pem1, pem1_len);
	ck_assert_int_eq(got->type, CK_ENTRY_PRIVATE_KEY);
	ck_entry_free(got);
	/* the replaced entry keeps its place */
	ck_assert_int_eq(ck_store_entry_iter(st, "MACHINE_SSL_CERT", collect_aliases, buf), 0);
	ck_assert_str_eq(buf, "__machine_cert,after,");
	/* replacing again replaces the older backup */
	ck_assert_int_eq(ck_store_entry_replace(st, "MACHINE_SSL_CERT", a, "BACKUP_STORE"), 0);
	ck_assert_int_eq(ck_store_entry_get(st, "BACKUP_STORE", "bkp___machine_cert", &got), 0);
	ck_assert_mem_eq(got->cert_pem, pem2, pem2_len);
	ck_entry_free(got);
	buf[0] = '\0';
	ck_assert_int_eq(ck_store_entry_iter(st, "BACKUP_STORE", collect_aliases, buf), 0);
	ck_assert_str_eq(buf, "bkp___machine_cert,");
	/* no backup store: plain replace; a missing alias is added */
	ck_assert_int_eq(ck_store_entry_replace(st, "MACHINE_SSL_CERT", b, NULL), 0);
	free(a->alias);
	a->alias = strdup("new");
	ck_assert_int_eq(ck_store_entry_replace(st, "MACHINE_SSL_CERT", a, "BACKUP_STORE"), 0);
	ck_assert_int_eq(ck_store_entry_get(st, "BACKUP_STORE", "bkp_new", &got), CK_E_NOENT);
	ck_assert_int_eq(ck_store_entry_replace(st, "NOPE", a, "BACKUP_STORE"), CK_E_NOENT);
	ck_entry_free(a);
	ck_entry_free(b);
}
END_TEST

START_TEST(t_group_txn_abort)
{
	struct ck_entry *e = trusted("x", pem1, pem1_len);
	size_t n;

	ck_assert_int_eq(ck_store_create(st, "S", 0), 0);
	ck_assert_int_eq(ck_store_txn_begin(st, 1), 0);
	ck_assert_int_eq(ck_store_txn_begin(st, 1), CK_E_STATE);
	ck_assert_int_eq(ck_store_entry_add(st, "S", e), 0);
	ck_assert_int_eq(ck_store_count(st, "S", &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_store_txn_abort(st);
	ck_assert_int_eq(ck_store_count(st, "S", &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(ck_store_txn_commit(st), CK_E_STATE);
	/* a read group refuses writes */
	ck_assert_int_eq(ck_store_txn_begin(st, 0), 0);
	ck_assert_int_eq(ck_store_entry_add(st, "S", e), CK_E_STATE);
	ck_store_txn_abort(st);
	ck_entry_free(e);
}
END_TEST

START_TEST(t_acl)
{
	struct ck_store_info info;

	ck_assert_int_eq(ck_store_create(st, "S", 500), 0);
	ck_assert_int_eq(ck_store_ace(st, "S", 33, CK_ACCESS_READ, CK_ACE_SET), 0);
	ck_assert_int_eq(ck_store_ace(st, "S", 33, CK_ACCESS_WRITE, CK_ACE_SET), 0);
	ck_assert_int_eq(ck_store_info(st, "S", &info), 0);
	ck_assert_int_eq(info.nace, 1);
	ck_assert_uint_eq(info.ace[0].mask, CK_ACCESS_WRITE);	/* grant replaces */
	ck_assert_int_eq(ck_store_ace(st, "S", 33, CK_ACCESS_READ, CK_ACE_ADD), 0);
	ck_assert_int_eq(ck_store_info(st, "S", &info), 0);
	ck_assert_uint_eq(info.ace[0].mask, CK_ACCESS_READ | CK_ACCESS_WRITE);
	/* write implies read (numeric compare); read does not imply write */
	ck_assert_int_eq(ck_store_access(&info, 33, CK_ACCESS_WRITE), 0);
	ck_assert_int_eq(ck_store_ace(st, "S", 33, CK_ACCESS_READ, CK_ACE_CLEAR), 0);
	ck_assert_int_eq(ck_store_info(st, "S", &info), 0);
	ck_assert_int_eq(ck_store_access(&info, 33, CK_ACCESS_READ), 0);
	ck_assert_int_eq(ck_store_ace(st, "S", 33, CK_ACCESS_WRITE, CK_ACE_CLEAR), 0);
	ck_assert_int_eq(ck_store_info(st, "S", &info), 0);
	ck_assert_int_eq(info.nace, 0);	/* an ACE reaching 0 goes away */
	ck_assert_int_eq(ck_store_access(&info, 33, CK_ACCESS_READ), CK_E_ACCESS);
	ck_assert_int_eq(ck_store_access(&info, 0, CK_ACCESS_WRITE), 0);
	ck_assert_int_eq(ck_store_access(&info, 500, CK_ACCESS_WRITE), 0);
	/* EVERYONE read */
	ck_assert_int_eq(ck_store_ace(st, "S", CK_UID_EVERYONE, CK_ACCESS_READ, CK_ACE_SET), 0);
	ck_assert_int_eq(ck_store_info(st, "S", &info), 0);
	ck_assert_int_eq(ck_store_access(&info, 77, CK_ACCESS_READ), 0);
	ck_assert_int_eq(ck_store_access(&info, 77, CK_ACCESS_WRITE), CK_E_ACCESS);
	/* granting to the owner changes nothing */
	ck_assert_int_eq(ck_store_ace(st, "S", 500, CK_ACCESS_READ, CK_ACE_SET), 0);
	ck_assert_int_eq(ck_store_info(st, "S", &info), 0);
	ck_assert_int_eq(info.nace, 1);
	ck_assert_int_eq(ck_store_ace(st, "NOPE", 1, CK_ACCESS_READ, CK_ACE_SET), CK_E_NOENT);
}
END_TEST

START_TEST(t_build)
{
	struct ck_entry *e = NULL;
	char *chain = ck_asprintf("junk before\n%sbetween\n%s", pem1, pem2);
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	X509 *x;
	BIO *b;

	/* thumbprint alias */
	ck_assert_int_eq(ck_entry_build(pem1, pem1_len, NULL, 0, NULL, NULL, 0, &e), 0);
	b = BIO_new_mem_buf(pem1, (int)pem1_len);
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	ck_cert_digest_hex(x, EVP_sha1(), hex);
	X509_free(x);
	BIO_free(b);
	ck_assert_str_eq(e->alias, hex);
	ck_assert_int_eq(e->type, CK_ENTRY_TRUSTED_CERT);
	ck_entry_free(e);
	/* private key, chain kept and canonicalised */
	ck_assert_int_eq(ck_entry_build(chain, strlen(chain), key1, key1_len, "a", NULL, 0, &e), 0);
	ck_assert_int_eq(e->type, CK_ENTRY_PRIVATE_KEY);
	ck_assert_int_eq(e->ncerts, 2);
	ck_assert_uint_eq(e->cert_len, pem1_len + pem2_len);
	ck_assert(strstr(e->cert_pem, "junk") == NULL);
	ck_entry_free(e);
	ck_assert_int_eq(ck_entry_build(chain, strlen(chain), key1, key1_len, "a", NULL,
	    CK_BUILD_LEAF_ONLY, &e), 0);
	ck_assert_int_eq(e->ncerts, 1);
	ck_entry_free(e);
	/* encrypted with a password: AES-256 PBES2 */
	ck_assert_int_eq(ck_entry_build(pem1, pem1_len, key1, key1_len, "a", "pw", 0, &e), 0);
	ck_assert_int_eq(e->type, CK_ENTRY_ENCRYPTED_KEY);
	ck_assert(strstr(e->key, "BEGIN ENCRYPTED PRIVATE KEY") != NULL);
	ck_entry_free(e);
	/* mismatch, EC, bad input */
	ck_assert_int_eq(ck_entry_build(pem1, pem1_len, key2, key2_len, "a", NULL, 0, &e),
	    CK_E_KEY_MISMATCH);
	ck_assert_int_eq(ck_entry_build(pemec, pemec_len, keyec, keyec_len, "a", NULL, 0, &e), 0);
	ck_entry_free(e);
	ck_assert_int_eq(ck_entry_build(pemec, pemec_len, keyec, keyec_len, "a", NULL,
	    CK_BUILD_RSA_ONLY, &e), CK_E_KEY);
	ck_assert_int_eq(ck_entry_build("garbage", 7, NULL, 0, NULL, NULL, 0, &e), CK_E_FORMAT);
	ck_assert_int_eq(ck_entry_build(pem1, pem1_len, "garbage", 7, "a", NULL, 0, &e), CK_E_KEY);
	ck_assert_int_eq(ck_entry_build(NULL, 0, NULL, 0, "a", NULL, 0, &e), CK_E_INVAL);
	ck_assert_int_eq(ck_entry_build(NULL, 0, "s3cret\n", 7, NULL, NULL, 0, &e), CK_E_INVAL);
	ck_assert_ptr_null(e);
	/* secret: stored raw */
	ck_assert_int_eq(ck_entry_build(NULL, 0, "s3cret\n", 7, "s", NULL, 0, &e), 0);
	ck_assert_int_eq(e->type, CK_ENTRY_SECRET_KEY);
	ck_assert_uint_eq(e->key_len, 7);
	ck_assert_mem_eq(e->key, "s3cret\n", 7);
	ck_entry_free(e);
	free(chain);
	ck_assert_str_eq(ck_entry_type_name(4), "Certification Revocation List");
	ck_assert_str_eq(ck_entry_type_name(9), "Unknown");
}
END_TEST

START_TEST(t_map_full_keeps_data)
{
	struct ck_entry *e = trusted("keep", pem1, pem1_len);
	struct ck_store *small = NULL;
	char *p = ck_asprintf("%s/small", dir), alias[32];
	size_t n, before;
	int r = 0, i;

	setenv("CERTKIT_VECS_MAPSIZE", "262144", 1);
	ck_assert_int_eq(ck_store_open(p, CK_STORE_NOSYNC, &small), 0);
	ck_assert_int_eq(ck_store_create(small, "S", 0), 0);
	ck_assert_int_eq(ck_store_entry_add(small, "S", e), 0);
	for (i = 0; i < 100000 && r == 0; i++) {
		snprintf(alias, sizeof(alias), "a%d", i);
		free(e->alias);
		e->alias = strdup(alias);
		r = ck_store_entry_add(small, "S", e);
	}
	ck_assert_int_eq(r, CK_E_NOSPC);
	ck_assert_int_eq(ck_store_count(small, "S", &before), 0);
	ck_assert_uint_eq(before, (size_t)i);	/* every add but the failed one */
	ck_store_close(small);
	ck_assert_int_eq(ck_store_open(p, CK_STORE_NOSYNC, &small), 0);
	ck_assert_int_eq(ck_store_count(small, "S", &n), 0);
	ck_assert_uint_eq(n, before);
	ck_store_close(small);
	unsetenv("CERTKIT_VECS_MAPSIZE");
	ck_entry_free(e);
	free(p);
}
END_TEST

START_TEST(t_crl_entry)
{
	struct ck_entry *e = NULL;
	X509_CRL *c = X509_CRL_new();
	X509 *x;
	BIO *b = BIO_new_mem_buf(pem1, (int)pem1_len), *o = BIO_new(BIO_s_mem());
	char *data;
	long len;

	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	X509_CRL_set_version(c, 1);
	X509_CRL_set_issuer_name(c, X509_get_subject_name(x));
	X509_CRL_set1_lastUpdate(c, X509_get0_notBefore(x));
	X509_CRL_set1_nextUpdate(c, X509_get0_notAfter(x));
	ck_assert(X509_CRL_sign(c, k1, EVP_sha256()) > 0);
	PEM_write_bio_X509_CRL(o, c);
	len = BIO_get_mem_data(o, &data);
	ck_assert_int_eq(ck_entry_build_crl(data, (size_t)len, NULL, &e), 0);
	ck_assert_int_eq(e->type, CK_ENTRY_CRL);
	ck_assert_uint_eq(strlen(e->alias), 40);
	ck_assert_int_eq(ck_store_entry_add(st, "TRUSTED_ROOT_CRLS", e), 0);
	ck_entry_free(e);
	ck_assert_int_eq(ck_entry_build_crl(pem1, pem1_len, NULL, &e), CK_E_FORMAT);
	X509_free(x);
	X509_CRL_free(c);
	BIO_free(b);
	BIO_free(o);
}
END_TEST

static int
count_seq(const struct ck_entry *e, void *arg)
{
	long *n = arg;
	char want[32];

	snprintf(want, sizeof(want), "e%ld", *n);
	ck_assert_str_eq(e->alias, want);
	ck_assert_uint_eq(e->cert_len, pem1_len);
	ck_assert_mem_eq(e->cert_pem, pem1, pem1_len);
	(*n)++;
	return 0;
}

/* Store BIG with n copies of pem1, as e0, e1, ..., in one transaction. */
static void
fill_big(int n)
{
	struct ck_entry *e = trusted("x", pem1, pem1_len);
	char alias[32];

	ck_assert_int_eq(ck_store_create(st, "BIG", 0), 0);
	ck_assert_int_eq(ck_store_txn_begin(st, 1), 0);
	for (int i = 0; i < n; i++) {
		snprintf(alias, sizeof(alias), "e%d", i);
		free(e->alias);
		e->alias = strdup(alias);
		ck_assert_int_eq(ck_store_entry_add(st, "BIG", e), 0);
	}
	ck_assert_int_eq(ck_store_txn_commit(st), 0);
	ck_entry_free(e);
}

/* A walk longer than the page-dropping interval sees every entry intact. */
START_TEST(t_long_walk)
{
	long n = 0;

	fill_big(10000);
	ck_assert_int_eq(ck_store_entry_iter(st, "BIG", count_seq, &n), 0);
	ck_assert_int_eq(n, 10000);
}
END_TEST

/* kB on the "key:" line of /proc/self/status, -1 if unknown */
static long
status_kb(const char *key)
{
	char line[256];
	long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, n) == 0 && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	if (f != NULL)
		fclose(f);
	return v;
}

/*
 * Walking a store keeps the resident size flat: the map pages a walk has
 * read are given back as it goes.  Over 30 MB of records, read through a fresh
 * map, may raise the peak by at most 6 MiB (it raises it by ~3.3 MiB;
 * without dropping pages it would be the whole 30 MB, with a drop every
 * 4096 records ~10 MB).  A bound, not a timing: the kernel's page cache
 * state can only make it smaller.  Needs Linux's clear_refs to reset the
 * peak; not under valgrind or AddressSanitizer, whose own memory (shadow
 * of the map as it is read) moves the peak.
 */
#if defined(__SANITIZE_ADDRESS__)
#define CK_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CK_TEST_ASAN 1
#endif
#endif
#ifndef CK_TEST_ASAN
#define CK_TEST_ASAN 0
#endif

START_TEST(t_long_walk_flat)
{
	const char *pre = getenv("LD_PRELOAD");
	long n = 0, base, peak;
	size_t count = 0;
	FILE *f;
	int reset;

	if (CK_TEST_ASAN || (pre != NULL && strstr(pre, "vgpreload") != NULL))
		return;
	fill_big(30000);
	/* a fresh map, as a listing process has */
	ck_store_close(st);
	ck_assert_int_eq(ck_store_open(dir, CK_STORE_NOSYNC, &st), 0);
	/* "5" resets the peak (VmHWM) to the current resident size */
	reset = (f = fopen("/proc/self/clear_refs", "w")) != NULL && fputs("5", f) >= 0;
	if (f != NULL && fclose(f) != 0)
		reset = 0;
	base = status_kb("VmRSS");
	ck_assert_int_eq(ck_store_count(st, "BIG", &count), 0);
	ck_assert_uint_eq(count, 30000);
	ck_assert_int_eq(ck_store_entry_iter(st, "BIG", count_seq, &n), 0);
	ck_assert_int_eq(n, 30000);
	peak = status_kb("VmHWM");
	if (!reset || base < 0 || peak < 0)
		return;		/* not Linux, or no clear_refs: nothing to compare */
	ck_assert_msg(peak - base < 6144, "a walk of 30000 entries raised the peak RSS by %ld kB "
	    "(from %ld kB)", peak - base, base);
}
END_TEST

Suite *
suite_store(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_unchecked_fixture(tc, keys_once, NULL);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t_open_builtins_modes);
	tcase_add_test(tc, t_rdonly_missing);
	tcase_add_test(tc, t_store_create_rules);
	tcase_add_test(tc, t_store_list_order_and_limit);
	tcase_add_test(tc, t_entries_basic);
	tcase_add_test(tc, t_replace_with_backup);
	tcase_add_test(tc, t_group_txn_abort);
	tcase_add_test(tc, t_acl);
	tcase_add_test(tc, t_build);
	tcase_add_test(tc, t_map_full_keeps_data);
	tcase_add_test(tc, t_crl_entry);
	tcase_add_test(tc, t_long_walk);
	tcase_add_test(tc, t_long_walk_flat);
	suite_add_tcase(s, tc);
	return s;
}
