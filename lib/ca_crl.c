/* ca_crl.c: the VMCA's CRLs: generated from the index, stored as vmca.crl. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ca_priv.h"
#include "err.h"
#include "fileio.h"
#include "pki.h"
#include "util.h"
#include "testhook.h"
#include "x509gen.h"

static int
add_revoked(X509_CRL *crl, const MDB_val *key, const MDB_val *val)
{
	X509_REVOKED *rev = NULL;
	ASN1_INTEGER *sn = NULL;
	ASN1_TIME *t = NULL;
	ASN1_ENUMERATED *reason = NULL;
	BIGNUM *bn = NULL;
	const unsigned char *v = val->mv_data;
	int r = CK_E_NOMEM;

	if (val->mv_size != 12)
		return ck_errf(CK_E_DB, "damaged revocation record");
	if ((rev = X509_REVOKED_new()) == NULL ||
	    (bn = BN_bin2bn(key->mv_data, (int)key->mv_size, NULL)) == NULL ||
	    (sn = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    (t = ASN1_TIME_set(NULL, (time_t)ck_get_be(v, 8))) == NULL ||
	    (reason = ASN1_ENUMERATED_new()) == NULL ||
	    !ASN1_ENUMERATED_set(reason, (long)ck_get_be(v + 8, 4)) ||
	    !X509_REVOKED_set_serialNumber(rev, sn) ||
	    !X509_REVOKED_set_revocationDate(rev, t) ||
	    !X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, reason, 0, 0))
		goto out;
	if (!X509_CRL_add0_revoked(crl, rev))
		goto out;
	rev = NULL;
	r = 0;
out:
	ASN1_ENUMERATED_free(reason);
	ASN1_TIME_free(t);
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	X509_REVOKED_free(rev);
	return r;
}

/* Add every revoked serial of a certificate the current signing cert
 * issued, as indexed in txn. */
static int
add_entries(struct ck_ca *ca, MDB_txn *txn, X509_CRL *crl)
{
	X509 *cacert = ck_ca_cert(ca);
	MDB_cursor *cur = NULL;
	MDB_val key, val, cv;
	int rc, r = 0;

	if ((rc = mdb_cursor_open(txn, ca->revoked, &cur)) != 0)
		return ca_dberr(ca, "mdb_cursor_open", rc);
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		const unsigned char *p;
		X509 *x;
		int same;
		if (mdb_get(txn, ca->certs, &key, &cv) != 0)
			continue;
		p = cv.mv_data;
		if ((x = d2i_X509(NULL, &p, (long)cv.mv_size)) == NULL) {
			ERR_clear_error();
			continue;
		}
		same = X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(cacert)) == 0;
		X509_free(x);
		if (same && (r = add_revoked(crl, &key, &val)) != 0)
			break;
	}
	if (r == 0 && rc != MDB_NOTFOUND)
		r = ca_dberr(ca, "mdb_cursor_get", rc);
	mdb_cursor_close(cur);
	return r;
}

/* A signed v2 CRL numbered crlnum with the entries indexed in txn. */
static int
build(struct ck_ca *ca, MDB_txn *txn, uint64_t crlnum, X509_CRL **out)
{
	X509 *cacert = ck_ca_cert(ca);
	X509_CRL *crl = NULL;
	ASN1_INTEGER *num = NULL;
	ASN1_TIME *t = NULL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	time_t last = (time_t)(ck_now() - CK_CA_BACKDATE_SECS);
	int r = CK_E_NOMEM;

	*out = NULL;
	if ((crl = X509_CRL_new()) == NULL || !X509_CRL_set_version(crl, X509_CRL_VERSION_2) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(cacert)) ||
	    (t = ASN1_TIME_set(NULL, last)) == NULL || !X509_CRL_set1_lastUpdate(crl, t) ||
	    ASN1_TIME_adj(t, last, CK_CA_CRL_DAYS, 0) == NULL || !X509_CRL_set1_nextUpdate(crl, t))
		goto out;
	if ((r = add_entries(ca, txn, crl)) != 0)
		goto out;
	if (!X509_CRL_sort(crl) || (num = ASN1_INTEGER_new()) == NULL ||
	    !ASN1_INTEGER_set_uint64(num, crlnum) ||
	    !X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0)) {
		r = CK_E_NOMEM;
		goto out;
	}
	if ((r = ck_ext_push_aki(&exts, cacert)) != 0)
		goto out;
	if (!X509_CRL_add_ext(crl, sk_X509_EXTENSION_value(exts, 0), -1)) {
		r = ck_errssl(CK_E_CRYPTO, "X509_CRL_add_ext(AKI)");
		goto out;
	}
	if (X509_CRL_sign(crl, ca->key, ca_sig_md(ca->key)) <= 0) {
		r = ck_errssl(CK_E_CRYPTO, "X509_CRL_sign");
		goto out;
	}
	*out = crl;
	crl = NULL;
	r = 0;
out:
	ck_exts_free(exts);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
	return r;
}

#define CRLNUM_KEY "crlnumber"

/* The CRL number last committed in txn (0 when none). */
static int
get_number(struct ck_ca *ca, MDB_txn *txn, uint64_t *n)
{
	MDB_val key = { strlen(CRLNUM_KEY), (void *)CRLNUM_KEY }, val;
	int rc;

	*n = 0;
	rc = mdb_get(txn, ca->props, &key, &val);
	if (rc == 0 && val.mv_size == 8)
		*n = ck_get_be(val.mv_data, 8);
	else if (rc != MDB_NOTFOUND && rc != 0)
		return ca_dberr(ca, "mdb_get(crlnumber)", rc);
	return 0;
}

static int
put_number(struct ck_ca *ca, MDB_txn *txn, uint64_t n)
{
	unsigned char nb[8];
	MDB_val key = { strlen(CRLNUM_KEY), (void *)CRLNUM_KEY }, val = { sizeof(nb), nb };
	int rc;

	ck_put_be(nb, n, 8);
	if ((rc = mdb_put(txn, ca->props, &key, &val, 0)) != 0)
		return ca_dberr(ca, "mdb_put(crlnumber)", rc);
	return 0;
}

/* The number of the CRL published in path; 0 when there is none (or it
 * cannot be read: it is replaced either way). */
static uint64_t
published_number(const char *path)
{
	X509_CRL *crl = NULL;
	ASN1_INTEGER *n = NULL;
	uint64_t v = 0;

	if (ck_file_exists(path) && ck_crl_load(path, &crl) == 0 &&
	    (n = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL)) != NULL &&
	    !ASN1_INTEGER_get_uint64(&v, n))
		v = 0;
	ck_err_clear();
	ERR_clear_error();
	ASN1_INTEGER_free(n);
	X509_CRL_free(crl);
	return v;
}

/*
 * One generator at a time (crl.lock, held from reading the number to
 * publishing the file): two runs could otherwise commit N and N+1 and
 * publish them in the wrong order.  The number is past both the committed
 * one and the published one, so a CRL is never replaced by one with a
 * lower number, even after the index was restored from an old copy.
 */
int
ck_ca_gen_crl(struct ck_ca *ca, X509_CRL **out)
{
	X509_CRL *crl = NULL;
	MDB_txn *txn = NULL;
	uint64_t crlnum, pub;
	char *pem = NULL, *path = NULL;
	size_t plen;
	int rc, r, lockfd = -1;

	if (out != NULL)
		*out = NULL;
	if ((r = ca_need_root(ca)) != 0 || (r = ca_db_open(ca, 1)) != 0)
		return r;
	if ((path = ca_join(ca, CRL_FILE)) == NULL)
		return CK_E_NOMEM;
	if ((r = ca_lock(ca, "crl.lock", &lockfd)) != 0)
		goto out;
	pub = published_number(path);
	if ((rc = mdb_txn_begin(ca->env, NULL, 0, &txn)) != 0) {
		r = ca_dberr(ca, "mdb_txn_begin", rc);
		goto out;
	}
	if ((r = get_number(ca, txn, &crlnum)) == 0 && crlnum < pub)
		crlnum = pub;
	if (r != 0 || (r = build(ca, txn, ++crlnum, &crl)) != 0 ||
	    (r = ck_crl_to_pem(crl, &pem, &plen)) != 0 ||
	    (r = put_number(ca, txn, crlnum)) != 0) {
		mdb_txn_abort(txn);
		goto out;
	}
	/* The number is committed first so that a published CRL never
	 * reuses one, even if writing the file then fails. */
	if ((rc = mdb_txn_commit(txn)) != 0) {
		r = ca_dberr(ca, "mdb_txn_commit", rc);
		goto out;
	}
	ck_test_pause("crl-committed");
	if ((r = ck_file_write(path, pem, plen, 0644, 0)) != 0)
		goto out;
	ca_audit_crl(crl, crlnum, pem, plen);
	if (out != NULL) {
		*out = crl;
		crl = NULL;
	}
out:
	ck_unlock_file(lockfd);
	free(path);
	free(pem);
	X509_CRL_free(crl);
	return r;
}

int
ck_ca_get_crl(struct ck_ca *ca, X509_CRL **out)
{
	char *path = NULL;
	int r;

	*out = NULL;
	if ((r = ca_need_root(ca)) != 0)
		return r;
	if ((path = ca_join(ca, CRL_FILE)) == NULL)
		return CK_E_NOMEM;
	if (!ck_file_exists(path))
		r = ck_ca_gen_crl(ca, out);
	else
		r = ck_crl_load(path, out);
	free(path);
	return r;
}
