/* check_backup.c: the backup history (lib/backup.c): names, shift,
 * unshift and trim inside one transaction, long aliases, a missing store. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "backup.h"
#include "err.h"
#include "pki.h"
#include "store.h"
#include "suites.h"

static char *dir;
static struct ck_store *st;
static char *pem[4];
static size_t pem_len[4];

static void
setup(void)
{
	EVP_PKEY *k = NULL;

	if (pem[0] == NULL) {
		ck_assert_int_eq(ck_key_generate(CK_KEY_RSA, 2048, &k), 0);
		for (int i = 0; i < 4; i++) {
			char cn[8];
			X509 *x;
			snprintf(cn, sizeof(cn), "g%d", i);
			x = test_selfsigned(k, cn, i + 1);
			ck_assert_int_eq(ck_cert_to_pem(x, &pem[i], &pem_len[i]), 0);
			X509_free(x);
		}
		EVP_PKEY_free(k);
	}
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

/* Put certificate i in BACKUP_STORE as alias. */
static void
put(const char *alias, int i)
{
	struct ck_entry *e = NULL;

	ck_assert_int_eq(ck_entry_build(pem[i], pem_len[i], NULL, 0, alias, NULL, 0, &e), 0);
	ck_assert_int_eq(ck_store_entry_add(st, CK_STORE_BACKUP, e), 0);
	ck_entry_free(e);
}

/* Which certificate alias holds (0..3), or -1 if none. */
static int
holds(const char *alias)
{
	struct ck_entry *e = NULL;
	int which = -1;

	if (ck_store_entry_get(st, CK_STORE_BACKUP, alias, &e) != 0)
		return -1;
	for (int i = 0; i < 4; i++)
		if (e->cert_len == pem_len[i] && memcmp(e->cert_pem, pem[i], pem_len[i]) == 0)
			which = i;
	ck_entry_free(e);
	return which;
}

START_TEST(t_alias_names)
{
	char *a = NULL, longa[CK_ALIAS_MAX + 1];

	ck_assert_int_eq(ck_backup_alias("__MACHINE_CERT", 0, &a), 0);
	ck_assert_str_eq(a, "bkp___MACHINE_CERT");
	free(a);
	ck_assert_int_eq(ck_backup_alias("x", 2, &a), 0);
	ck_assert_str_eq(a, "bkp2_x");
	free(a);
	memset(longa, 'a', CK_ALIAS_MAX);
	longa[CK_ALIAS_MAX] = '\0';
	ck_assert_int_eq(ck_backup_alias(longa, 0, &a), 0);
	free(a);
	ck_assert_int_eq(ck_backup_alias(longa, 1, &a), CK_E_TOOLONG);
	ck_assert_ptr_null(a);
	/* the longest alias with a history: its bkpN_ name fits an add */
	longa[CK_ALIAS_MAX - 5] = '\0';
	ck_assert_int_eq(ck_backup_alias(longa, 9, &a), 0);
	ck_assert_uint_eq(strlen(a), CK_ALIAS_MAX);
	free(a);
	longa[CK_ALIAS_MAX - 5] = 'a';
	longa[CK_ALIAS_MAX - 4] = '\0';
	ck_assert_int_eq(ck_backup_alias(longa, 1, &a), CK_E_TOOLONG);
}
END_TEST

START_TEST(t_shift_unshift_trim)
{
	ck_assert_int_eq(ck_store_create(st, CK_STORE_BACKUP, 0), 0);
	put("bkp_a", 0);
	put("bkp1_a", 1);
	put("bkp_other", 2);
	ck_assert_int_eq(ck_store_txn_begin(st, 1), 0);
	ck_assert_int_eq(ck_backup_shift(st, CK_STORE_BACKUP, "a"), 0);
	ck_assert_int_eq(ck_store_txn_commit(st), 0);
	ck_assert_int_eq(holds("bkp_a"), -1);
	ck_assert_int_eq(holds("bkp1_a"), 0);
	ck_assert_int_eq(holds("bkp2_a"), 1);
	ck_assert_int_eq(holds("bkp_other"), 2);	/* another alias's history untouched */
	ck_assert_int_eq(ck_backup_unshift(st, CK_STORE_BACKUP, "a"), 0);
	/* generation 0 was missing: nothing to undo */
	ck_assert_int_eq(holds("bkp1_a"), 0);
	put("bkp_a", 3);
	ck_assert_int_eq(ck_backup_unshift(st, CK_STORE_BACKUP, "a"), 0);
	ck_assert_int_eq(holds("bkp_a"), 0);
	ck_assert_int_eq(holds("bkp1_a"), 1);
	ck_assert_int_eq(holds("bkp2_a"), -1);
	ck_assert_int_eq(ck_backup_trim(st, CK_STORE_BACKUP, "a", 1), 0);
	ck_assert_int_eq(holds("bkp_a"), 0);
	ck_assert_int_eq(holds("bkp1_a"), -1);
}
END_TEST

START_TEST(t_shift_aborted)
{
	ck_assert_int_eq(ck_store_create(st, CK_STORE_BACKUP, 0), 0);
	put("bkp_a", 0);
	ck_assert_int_eq(ck_store_txn_begin(st, 1), 0);
	ck_assert_int_eq(ck_backup_shift(st, CK_STORE_BACKUP, "a"), 0);
	ck_store_txn_abort(st);
	ck_assert_int_eq(holds("bkp_a"), 0);
	ck_assert_int_eq(holds("bkp1_a"), -1);
}
END_TEST

START_TEST(t_full_history_drops_oldest)
{
	char a[32];

	ck_assert_int_eq(ck_store_create(st, CK_STORE_BACKUP, 0), 0);
	put("bkp_a", 0);
	for (int g = 1; g <= CK_BACKUP_DEPTH_MAX; g++) {
		snprintf(a, sizeof(a), "bkp%d_a", g);
		put(a, g % 4);
	}
	ck_assert_int_eq(ck_backup_shift(st, CK_STORE_BACKUP, "a"), 0);
	ck_assert_int_eq(holds("bkp_a"), -1);
	ck_assert_int_eq(holds("bkp1_a"), 0);
	snprintf(a, sizeof(a), "bkp%d_a", CK_BACKUP_DEPTH_MAX);
	ck_assert_int_eq(holds(a), (CK_BACKUP_DEPTH_MAX - 1) % 4);
}
END_TEST

START_TEST(t_missing_store)
{
	ck_assert_int_eq(ck_backup_shift(st, "NO_SUCH_STORE", "a"), 0);
	ck_assert_int_eq(ck_backup_unshift(st, "NO_SUCH_STORE", "a"), 0);
	ck_assert_int_eq(ck_backup_trim(st, "NO_SUCH_STORE", "a", 1), 0);
}
END_TEST

START_TEST(t_long_alias_keeps_one)
{
	char longa[CK_ALIAS_MAX + 1], *b0 = NULL;

	memset(longa, 'a', CK_ALIAS_MAX);
	longa[CK_ALIAS_MAX] = '\0';
	ck_assert_int_eq(ck_backup_alias(longa, 0, &b0), 0);
	/* only a replace makes a backup of such an alias (add refuses the name) */
	ck_assert_int_eq(ck_store_create(st, "S", 0), 0);
	for (int i = 0; i < 2; i++) {
		struct ck_entry *e = NULL;
		ck_assert_int_eq(ck_entry_build(pem[i], pem_len[i], NULL, 0, longa, NULL, 0, &e), 0);
		ck_assert_int_eq(ck_store_entry_replace(st, "S", e, CK_STORE_BACKUP), 0);
		ck_entry_free(e);
	}
	ck_assert_int_eq(holds(b0), 0);
	ck_assert_int_eq(ck_backup_shift(st, CK_STORE_BACKUP, longa), 0);
	ck_assert_int_eq(holds(b0), -1);	/* dropped: no room for "bkp1_" */
	free(b0);
}
END_TEST

Suite *
suite_backup(void)
{
	Suite *s = suite_create("backup");
	TCase *tc = tcase_create("history");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t_alias_names);
	tcase_add_test(tc, t_shift_unshift_trim);
	tcase_add_test(tc, t_shift_aborted);
	tcase_add_test(tc, t_full_history_drops_oldest);
	tcase_add_test(tc, t_missing_store);
	tcase_add_test(tc, t_long_alias_keeps_one);
	suite_add_tcase(s, tc);
	return s;
}
