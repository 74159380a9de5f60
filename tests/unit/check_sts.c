/* check_sts.c: lib/sts.c, the STS signing certificate in its VECS store:
 * what is active, what still validates, in which order, after each
 * activation; removal refusals. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "err.h"
#include "pki.h"
#include "secmem.h"
#include "store.h"
#include "sts.h"
#include "suites.h"

static char *dir;
static struct ck_store *st;
static X509 *cert[3];
static struct ck_entry *ent[3];	/* A, B, C as __SIGNING_CERT entries */

static void
setup(void)
{
	static const char *const cn[3] = { "STS A", "STS B", "STS C" };

	ck_assert_ptr_nonnull(dir = test_tmpdir());
	ck_assert_int_eq(ck_store_open(dir, CK_STORE_NOSYNC, &st), 0);
	for (int i = 0; i < 3; i++) {
		EVP_PKEY *k = NULL;
		char *cp = NULL, *kp = NULL;
		size_t cl = 0, kl = 0;

		ck_assert_int_eq(ck_key_generate(CK_KEY_EC, 256, &k), 0);
		ck_assert_ptr_nonnull(cert[i] = test_selfsigned(k, cn[i], i + 1));
		ck_assert_int_eq(ck_cert_to_pem(cert[i], &cp, &cl), 0);
		ck_assert_int_eq(ck_key_to_pem(k, NULL, &kp, &kl), 0);
		ck_assert_int_eq(ck_entry_build(cp, cl, kp, kl, CK_STS_ACTIVE_ALIAS, NULL, 0, &ent[i]), 0);
		free(cp);
		ck_secfree(kp);
		EVP_PKEY_free(k);
	}
}

static void
teardown(void)
{
	for (int i = 0; i < 3; i++) {
		X509_free(cert[i]);
		ck_entry_free(ent[i]);
	}
	ck_store_close(st);
	test_rm_rf(dir);
	free(dir);
}

/* The listing as "alias=X alias=Y ...", X the index (A=0..) of the leaf. */
static void
listing(char *buf, size_t sz, int *active)
{
	struct ck_sts_info *info = NULL;

	ck_assert_int_eq(ck_sts_get(st, &info), 0);
	*active = info->active;
	buf[0] = '\0';
	for (size_t i = 0; i < info->n; i++) {
		X509 *leaf = sk_X509_value(info->chains[i].certs, 0);
		int w = -1;
		for (int k = 0; k < 3; k++)
			if (X509_cmp(leaf, cert[k]) == 0)
				w = k;
		snprintf(buf + strlen(buf), sz - strlen(buf), "%s%s=%c", i ? " " : "",
		    info->chains[i].alias, w >= 0 ? 'A' + w : '?');
	}
	ck_sts_info_free(info);
}

#define LISTS(want_active, want) do { \
	char got_[1024]; int act_; \
	listing(got_, sizeof(got_), &act_); \
	ck_assert_int_eq(act_, (want_active)); \
	ck_assert_str_eq(got_, (want)); \
} while (0)

START_TEST(empty_store)
{
	LISTS(0, "");
}
END_TEST

START_TEST(activations_keep_chains_validating)
{
	struct ck_entry *bkp = NULL, none;

	ck_assert_int_eq(ck_sts_activate(st, ent[0], 1), 0);
	LISTS(1, "__SIGNING_CERT=A");
	/* again: nothing changes (a resumed swap) */
	ck_assert_int_eq(ck_sts_activate(st, ent[0], 1), 0);
	LISTS(1, "__SIGNING_CERT=A");
	ck_assert_int_eq(ck_sts_activate(st, ent[1], 1), 0);
	LISTS(1, "__SIGNING_CERT=B TrustedCertChain-1=A");
	ck_assert_int_eq(ck_store_entry_get(st, CK_STORE_BACKUP, "bkp___SIGNING_CERT", &bkp), 0);
	ck_assert_ptr_nonnull(bkp->key);	/* the backup keeps the key */
	ck_entry_free(bkp);
	ck_assert_int_eq(ck_sts_activate(st, ent[2], 1), 0);
	LISTS(1, "__SIGNING_CERT=C TrustedCertChain-2=B TrustedCertChain-1=A");
	/* A active again (a rollback): listed once, C stays validating */
	ck_assert_int_eq(ck_sts_activate(st, ent[0], 0), 0);
	LISTS(1, "__SIGNING_CERT=A TrustedCertChain-3=C TrustedCertChain-2=B");
	/* an entry without a certificate: there is no active one any more */
	memset(&none, 0, sizeof(none));
	none.alias = (char *)CK_STS_ACTIVE_ALIAS;
	ck_assert_int_eq(ck_sts_activate(st, &none, 0), 0);
	LISTS(0, "TrustedCertChain-4=A TrustedCertChain-3=C TrustedCertChain-2=B");
	ck_assert_int_eq(ck_sts_activate(st, &none, 0), 0);
	LISTS(0, "TrustedCertChain-4=A TrustedCertChain-3=C TrustedCertChain-2=B");
}
END_TEST

START_TEST(remove_chain)
{
	ck_assert_int_eq(ck_sts_activate(st, ent[0], 0), 0);
	ck_assert_int_eq(ck_sts_activate(st, ent[1], 0), 0);
	ck_assert_int_eq(ck_sts_remove_chain(st, "__signing_cert"), CK_E_INVAL);
	ck_assert_int_eq(ck_sts_remove_chain(st, "TrustedCertChain-9"), CK_E_NOENT);
	LISTS(1, "__SIGNING_CERT=B TrustedCertChain-1=A");
	ck_assert_int_eq(ck_sts_remove_chain(st, "trustedcertchain-1"), 0);
	LISTS(1, "__SIGNING_CERT=B");
}
END_TEST

START_TEST(names)
{
	ck_assert_int_eq(ck_sts_is_signing("sts_signing_cert", "__Signing_Cert"), 1);
	ck_assert_int_eq(ck_sts_is_signing(CK_STORE_MACHINE_SSL, CK_STS_ACTIVE_ALIAS), 0);
	ck_assert_int_eq(ck_sts_is_signing(CK_STORE_STS, "TrustedCertChain-1"), 0);
	ck_assert_int_eq(ck_sts_is_signing(NULL, NULL), 0);
}
END_TEST

Suite *
suite_sts(void)
{
	Suite *s = suite_create("sts");
	TCase *tc = tcase_create("sts");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, empty_store);
	tcase_add_test(tc, activations_keep_chains_validating);
	tcase_add_test(tc, remove_chain);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);
	return s;
}
