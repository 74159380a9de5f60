/* helpers.c: scratch directories and certificates for unit tests. */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pki.h"
#include "suites.h"

char *
test_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	char *d = malloc(4096);

	if (d == NULL)
		return NULL;
	snprintf(d, 4096, "%s/ckunit.XXXXXX", t ? t : "/tmp");
	if (mkdtemp(d) == NULL) {
		free(d);
		return NULL;
	}
	return d;
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

void
test_rm_rf(const char *dir)
{
	if (dir != NULL)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

X509 *
test_selfsigned(EVP_PKEY *k, const char *cn, long serial)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_set_version(x, 2);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	X509_sign(x, k, EVP_sha256());
	X509_NAME_free(n);
	return x;
}

/*
 * Keys are the slow part of the unit suites (an RSA-2048 key takes 20-60
 * CPU-seconds under valgrind memcheck), and no suite's subject is the
 * randomness of its keys.  With CK_TEST_KEYDIR set (the Makefile sets it
 * under the build tree; tests/run-all.sh to one directory for the whole
 * run, so the gcc stage makes them and the sanitizer and valgrind stages
 * reuse them), the key NAME is made once and loaded from NAME.pem after;
 * ck_key_write() writes it atomically, so a forked test that reads it sees
 * the whole key or none.  Without CK_TEST_KEYDIR every call makes a key.
 */
EVP_PKEY *
test_key(const char *name, enum ck_keytype type, int bits)
{
	const char *dir = getenv("CK_TEST_KEYDIR");
	char path[4096];
	EVP_PKEY *k = NULL;

	if (dir == NULL || *dir == '\0')
		return ck_key_generate(type, bits, &k) == 0 ? k : NULL;
	snprintf(path, sizeof(path), "%s/%s-%s%d.pem", dir, name,
	    type == CK_KEY_RSA ? "rsa" : "ec", bits);
	if (ck_key_load(path, NULL, &k) == 0)
		return k;
	if (ck_key_generate(type, bits, &k) != 0)
		return NULL;
	(void)mkdir(dir, 0700);
	(void)ck_key_write(path, k, NULL);	/* a cache: a failed write costs time only */
	return k;
}
