/* One Check suite per lib/ module; tests/unit/runner.c runs them all. */
#ifndef CK_TEST_SUITES_H
#define CK_TEST_SUITES_H

#include <check.h>
#include <openssl/x509.h>

#include "pki.h"

Suite *suite_err(void);
Suite *suite_fileio(void);
Suite *suite_ini(void);
Suite *suite_paths(void);
Suite *suite_pki(void);
Suite *suite_secmem(void);
Suite *suite_util(void);
Suite *suite_store(void);
Suite *suite_publish(void);
Suite *suite_cfg(void);
Suite *suite_ca(void);
Suite *suite_registry(void);
Suite *suite_journal(void);
Suite *suite_secrets(void);
Suite *suite_sts(void);
Suite *suite_backup(void);
Suite *suite_certinfo(void);

/* A fresh empty directory under $TMPDIR for one test; removed by rm_rf. */
char *test_tmpdir(void);
void test_rm_rf(const char *dir);
/* A self-signed v3 certificate for k, valid from now for one day. */
X509 *test_selfsigned(EVP_PKEY *k, const char *cn, long serial);
/* A key of TYPE and BITS named NAME: made once per $CK_TEST_KEYDIR (helpers.c). */
EVP_PKEY *test_key(const char *name, enum ck_keytype type, int bits);

#endif
