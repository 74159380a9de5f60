/* ca_index.c: the VMCA's index of issued certificates (LMDB): recording
 * (also on a thread of its own), revoking, status, enumeration, server
 * options. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include <lmdb.h>
#include <openssl/bn.h>
#include <openssl/err.h>

#include "ca_priv.h"
#include "err.h"
#include "fileio.h"
#include "util.h"
#include "x509gen.h"

#define DB_MAPSIZE (256UL * 1024 * 1024)

/* --- the index (LMDB) ---------------------------------------------------- */

int
ca_dberr(struct ck_ca *ca, const char *call, int rc)
{
	return ck_errf(CK_E_DB, "%s/" DB_FILE ": %s: %s", ca->dir, call, mdb_strerror(rc));
}

/*
 * Open the environment.  With create == 0 and no database file yet,
 * returns CK_E_NOENT so readers can treat the index as empty without
 * creating anything.
 */
int
ca_db_open(struct ck_ca *ca, int create)
{
	char *path = NULL;
	MDB_txn *txn = NULL;
	int rc, r;

	if (ca->env != NULL)
		return 0;
	if ((path = ca_join(ca, DB_FILE)) == NULL)
		return CK_E_NOMEM;
	if (!create && !ck_file_exists(path)) {
		free(path);
		return CK_E_NOENT;
	}
	if (create && (r = ck_mkdir_p(ca->dir, 0700)) != 0)
		goto out;
	if ((rc = mdb_env_create(&ca->env)) != 0) {
		r = ca_dberr(ca, "mdb_env_create", rc);
		goto out;
	}
	if ((rc = mdb_env_set_maxdbs(ca->env, 4)) != 0 ||
	    (rc = mdb_env_set_mapsize(ca->env, DB_MAPSIZE)) != 0) {
		r = ca_dberr(ca, "mdb_env_set_maxdbs", rc);
		goto env_close;
	}
	/*
	 * LMDB's default durability: a commit fdatasyncs the new pages, then
	 * writes the meta page through an O_DSYNC descriptor.  When
	 * mdb_txn_commit returns, the transaction survives a power loss (no
	 * MDB_NOMETASYNC: with it a crash could lose a record certool had
	 * already reported as made).
	 */
	if ((rc = mdb_env_open(ca->env, path, MDB_NOSUBDIR, 0600)) != 0) {
		r = ca_dberr(ca, "mdb_env_open", rc);
		goto env_close;
	}
	if ((rc = mdb_txn_begin(ca->env, NULL, 0, &txn)) != 0) {
		r = ca_dberr(ca, "mdb_txn_begin", rc);
		goto env_close;
	}
	if ((rc = mdb_dbi_open(txn, "certs", MDB_CREATE, &ca->certs)) != 0 ||
	    (rc = mdb_dbi_open(txn, "revoked", MDB_CREATE, &ca->revoked)) != 0 ||
	    (rc = mdb_dbi_open(txn, "props", MDB_CREATE, &ca->props)) != 0) {
		r = ca_dberr(ca, "mdb_dbi_open", rc);
		goto txn_abort;
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		txn = NULL;
		r = ca_dberr(ca, "mdb_txn_commit", rc);
		goto env_close;
	}
	free(path);
	return 0;
txn_abort:
	mdb_txn_abort(txn);
env_close:
	mdb_env_close(ca->env);
	ca->env = NULL;
out:
	free(path);
	return r;
}

/* Serial as the index key: its big-endian magnitude (<= 20 bytes). */
static int
serial_key(const ASN1_INTEGER *sn, unsigned char *buf, size_t *len)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(sn, NULL);
	int n;

	if (bn == NULL)
		return CK_E_NOMEM;
	n = BN_num_bytes(bn);
	if (n > 32 || n == 0) {
		/* this VMCA never issues such a serial (see lookup) */
		BN_free(bn);
		return ck_errf(CK_E_UNSUPPORTED, "serial number of unsupported size");
	}
	BN_bn2bin(bn, buf);
	*len = (size_t)n;
	BN_free(bn);
	return 0;
}

/*
 * One write transaction adding key -> der to certs.  A serial already
 * indexed with the same DER is left alone (0, *added = 0); with another
 * DER it is MDB_KEYEXIST and nothing is written.  Returns an LMDB code and
 * sets *call to the failing call; calls nothing but LMDB, so a recording
 * thread may run it (see ck_ca_record_begin).
 */
static int
put_cert(struct ck_ca *ca, const unsigned char *k, size_t klen, const unsigned char *der,
    size_t dlen, int *added, const char **call)
{
	MDB_txn *txn = NULL;
	MDB_val key, val;
	int rc;

	*added = 0;
	*call = "mdb_txn_begin";
	if ((rc = mdb_txn_begin(ca->env, NULL, 0, &txn)) != 0)
		return rc;
	key.mv_data = (void *)k;
	key.mv_size = klen;
	val.mv_data = (void *)der;
	val.mv_size = dlen;
	*call = "mdb_put(certs)";
	if ((rc = mdb_put(txn, ca->certs, &key, &val, MDB_NOOVERWRITE)) == MDB_KEYEXIST) {
		/* val now holds the indexed DER */
		if (val.mv_size == dlen && memcmp(val.mv_data, der, dlen) == 0)
			rc = 0;
		mdb_txn_abort(txn);
		return rc;
	}
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	*call = "mdb_txn_commit";
	if ((rc = mdb_txn_commit(txn)) == 0)
		*added = 1;
	return rc;
}

/* put_cert's result as a CK_E_* code with its message. */
static int
put_err(struct ck_ca *ca, int rc, const char *call)
{
	if (rc == 0)
		return 0;
	if (rc == MDB_KEYEXIST)
		return ck_errf(CK_E_EXIST, "%s/" DB_FILE ": serial already indexed for another "
		    "certificate", ca->dir);
	return ca_dberr(ca, call, rc);
}

/* A read-only transaction on the index; CK_E_NOENT, and nothing created,
 * when there is no index yet. */
int
ca_begin_read(struct ck_ca *ca, MDB_txn **txn)
{
	int rc, r;

	*txn = NULL;
	if ((r = ca_db_open(ca, 0)) != 0)
		return r;
	if ((rc = mdb_txn_begin(ca->env, NULL, MDB_RDONLY, txn)) != 0)
		return ca_dberr(ca, "mdb_txn_begin", rc);
	return 0;
}

/* --- server options ------------------------------------------------------ */

static int
option_key(const char *name, MDB_val *key)
{
	if (strcmp(name, "multiplesan") != 0)
		return ck_errf(CK_E_INVAL, "Unrecognizable server option: %s "
		    "(the only option is multiplesan)", name);
	key->mv_data = (void *)"opt.multiplesan";
	key->mv_size = strlen("opt.multiplesan");
	return 0;
}

int
ck_ca_get_option(struct ck_ca *ca, const char *name, int *on)
{
	MDB_txn *txn = NULL;
	MDB_val key, val;
	int rc, r;

	*on = 1;	/* multiplesan is on unless switched off */
	if ((r = option_key(name, &key)) != 0)
		return r;
	if ((r = ca_begin_read(ca, &txn)) != 0)
		return r == CK_E_NOENT ? 0 : r;
	rc = mdb_get(txn, ca->props, &key, &val);
	if (rc == 0 && val.mv_size == 1)
		*on = ((const char *)val.mv_data)[0] == '1';
	else if (rc != 0 && rc != MDB_NOTFOUND)
		r = ca_dberr(ca, "mdb_get(props)", rc);
	mdb_txn_abort(txn);
	return r;
}

int
ck_ca_set_option(struct ck_ca *ca, const char *name, int on)
{
	MDB_txn *txn = NULL;
	MDB_val key, val;
	int rc, r;

	if ((r = option_key(name, &key)) != 0)
		return r;
	if ((r = ca_db_open(ca, 1)) != 0)
		return r;
	if ((rc = mdb_txn_begin(ca->env, NULL, 0, &txn)) != 0)
		return ca_dberr(ca, "mdb_txn_begin", rc);
	val.mv_data = on ? "1" : "0";
	val.mv_size = 1;
	if ((rc = mdb_put(txn, ca->props, &key, &val, 0)) != 0) {
		mdb_txn_abort(txn);
		return ca_dberr(ca, "mdb_put(props)", rc);
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return ca_dberr(ca, "mdb_txn_commit", rc);
	return 0;
}

static int record_prepare(struct ck_ca *ca, X509 *x, struct ck_ca_pending **out);
static void *record_run(void *arg);

int
ck_ca_record(struct ck_ca *ca, X509 *x)
{
	struct ck_ca_pending *p;
	int r;

	if ((r = record_prepare(ca, x, &p)) != 0)
		return r;
	record_run(p);
	return ck_ca_record_end(p, 1);
}

/* --- recording while the caller delivers --------------------------------- */

struct ck_ca_pending {
	struct ck_ca *ca;
	unsigned char key[32];
	size_t klen;
	unsigned char *der;
	int dlen;
	int threaded;		/* th runs record_run */
	pthread_t th;
	int rc;			/* put_cert's LMDB result */
	const char *call;
	int added;		/* the transaction wrote the record */
};

/* Check x and open the index: everything that may fail with a message,
 * in the caller's thread. */
static int
record_prepare(struct ck_ca *ca, X509 *x, struct ck_ca_pending **out)
{
	struct ck_ca_pending *p;
	int r;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return CK_E_NOMEM;
	p->ca = ca;
	if ((p->dlen = i2d_X509(x, &p->der)) <= 0)
		r = ck_errssl(CK_E_CRYPTO, "i2d_X509");
	else if ((r = ca_issued_here_der(ca, x, p->der, p->dlen)) == 0 &&
	    (r = serial_key(X509_get0_serialNumber(x), p->key, &p->klen)) == 0)
		r = ca_db_open(ca, 1);
	if (r != 0) {
		OPENSSL_free(p->der);
		free(p);
		return r;
	}
	*out = p;
	return 0;
}

static void *
record_run(void *arg)
{
	struct ck_ca_pending *p = arg;

	p->rc = put_cert(p->ca, p->key, p->klen, p->der, (size_t)p->dlen, &p->added, &p->call);
	return NULL;
}

int
ck_ca_record_begin(struct ck_ca *ca, X509 *x, struct ck_ca_pending **out)
{
	int r;

	if ((r = record_prepare(ca, x, out)) != 0)
		return r;
	/* no thread to be had: record now, the caller only waits longer */
	if (pthread_create(&(*out)->th, NULL, record_run, *out) == 0)
		(*out)->threaded = 1;
	else
		record_run(*out);
	return 0;
}

/* Take back the record p added: delete the serial if it still holds p's
 * DER, in a transaction as durable as the one that added it. */
static int
unrecord(struct ck_ca_pending *p)
{
	struct ck_ca *ca = p->ca;
	MDB_txn *txn = NULL;
	MDB_val key, val;
	int rc;

	if ((rc = mdb_txn_begin(ca->env, NULL, 0, &txn)) != 0)
		return ca_dberr(ca, "mdb_txn_begin", rc);
	key.mv_data = p->key;
	key.mv_size = p->klen;
	rc = mdb_get(txn, ca->certs, &key, &val);
	if (rc == 0 && val.mv_size == (size_t)p->dlen &&
	    memcmp(val.mv_data, p->der, val.mv_size) == 0 &&
	    (rc = mdb_del(txn, ca->certs, &key, NULL)) == 0) {
		if ((rc = mdb_txn_commit(txn)) != 0)
			return ca_dberr(ca, "mdb_txn_commit", rc);
		return 0;
	}
	mdb_txn_abort(txn);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : ca_dberr(ca, "mdb_del(certs)", rc);
}

int
ck_ca_record_end(struct ck_ca_pending *p, int keep)
{
	int r;

	if (p == NULL)
		return 0;
	if (p->threaded)
		(void)pthread_join(p->th, NULL);
	/* abandoned: whatever failed, only a record that was made matters */
	if (!keep)
		r = p->added ? unrecord(p) : 0;
	else if ((r = put_err(p->ca, p->rc, p->call)) == 0 && p->added)
		ca_audit_der("vmca.cert.issue", p->der, p->dlen);
	OPENSSL_free(p->der);
	free(p);
	return r;
}

/* --- revocation and status ----------------------------------------------- */

/* Look x up: *found = 1 if its serial is indexed with the same DER;
 * *revoked = 1 if that serial is revoked. */
static int
lookup(struct ck_ca *ca, MDB_txn *txn, X509 *x, int *found, int *revoked)
{
	unsigned char k[32], *der = NULL;
	size_t klen;
	int dlen, rc, r;
	MDB_val key, val;

	*found = *revoked = 0;
	/* a serial this VMCA cannot have issued: x is simply not in the index */
	if ((r = serial_key(X509_get0_serialNumber(x), k, &klen)) == CK_E_UNSUPPORTED) {
		ck_err_clear();
		return 0;
	}
	if (r != 0)
		return r;
	key.mv_data = k;
	key.mv_size = klen;
	rc = mdb_get(txn, ca->certs, &key, &val);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return ca_dberr(ca, "mdb_get(certs)", rc);
	if ((dlen = i2d_X509(x, &der)) <= 0)
		return ck_errssl(CK_E_CRYPTO, "i2d_X509");
	*found = (size_t)dlen == val.mv_size && memcmp(der, val.mv_data, val.mv_size) == 0;
	OPENSSL_free(der);
	if (!*found)
		return 0;
	rc = mdb_get(txn, ca->revoked, &key, &val);
	if (rc == 0)
		*revoked = 1;
	else if (rc != MDB_NOTFOUND)
		return ca_dberr(ca, "mdb_get(revoked)", rc);
	return 0;
}

/* lookup in its own read-only transaction; no index yet holds nothing */
int
ca_lookup_ro(struct ck_ca *ca, X509 *x, int *found, int *revoked)
{
	MDB_txn *txn = NULL;
	int r;

	*found = *revoked = 0;
	if ((r = ca_begin_read(ca, &txn)) != 0)
		return r == CK_E_NOENT ? 0 : r;
	r = lookup(ca, txn, x, found, revoked);
	mdb_txn_abort(txn);
	return r;
}

int
ck_ca_revoke(struct ck_ca *ca, X509 *x, int reason)
{
	unsigned char k[32], v[12];
	size_t klen;
	int found, revoked, rc, r;
	MDB_txn *txn = NULL;
	MDB_val key, val;
	char a[256];

	if (reason < 0 || reason > 10 || reason == 7)
		return ck_errf(CK_E_INVAL, "CRL reason %d is not valid", reason);
	if ((r = ca_db_open(ca, 0)) == CK_E_NOENT)
		goto foreign;
	if (r != 0)
		return r;
	if ((rc = mdb_txn_begin(ca->env, NULL, 0, &txn)) != 0)
		return ca_dberr(ca, "mdb_txn_begin", rc);
	if ((r = lookup(ca, txn, x, &found, &revoked)) != 0)
		goto txn_abort;
	if (!found) {
		mdb_txn_abort(txn);
		goto foreign;
	}
	if (revoked) {
		r = ck_errf(CK_E_REVOKED, "%s is already revoked",
		    ca_name_str(X509_get_subject_name(x), a, sizeof(a)));
		goto txn_abort;
	}
	if ((r = serial_key(X509_get0_serialNumber(x), k, &klen)) != 0)
		goto txn_abort;
	ck_put_be(v, (uint64_t)ck_now(), 8);
	ck_put_be(v + 8, (uint64_t)reason, 4);
	key.mv_data = k;
	key.mv_size = klen;
	val.mv_data = v;
	val.mv_size = sizeof(v);
	if ((rc = mdb_put(txn, ca->revoked, &key, &val, MDB_NOOVERWRITE)) != 0) {
		r = ca_dberr(ca, "mdb_put(revoked)", rc);
		goto txn_abort;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return ca_dberr(ca, "mdb_txn_commit", rc);
	snprintf(a, sizeof(a), "reason=%d", reason);
	ca_audit_cert("vmca.cert.revoke", x, NULL, a);
	return 0;
txn_abort:
	mdb_txn_abort(txn);
	return r;
foreign:
	return ck_errf(CK_E_UNSUPPORTED, "%s was not issued by this VMCA (%s): only "
	    "certificates in its index can be revoked",
	    ca_name_str(X509_get_subject_name(x), a, sizeof(a)), ca->dir);
}

static int
expired(X509 *x, int64_t now)
{
	time_t t = (time_t)now;

	return X509_cmp_time(X509_get0_notAfter(x), &t) < 0;
}

int
ck_ca_status(struct ck_ca *ca, X509 *x, enum ck_cert_status *st)
{
	int found = 0, revoked = 0, r;

	if (expired(x, ck_now())) {
		*st = CK_CERT_EXPIRED;
		return 0;
	}
	*st = CK_CERT_UNKNOWN;
	r = ca_lookup_ro(ca, x, &found, &revoked);
	if (r == 0 && found)
		*st = revoked ? CK_CERT_REVOKED : CK_CERT_ACTIVE;
	return r;
}

int
ck_ca_enum(struct ck_ca *ca, enum ck_enum_filter filter,
    int (*cb)(void *u, X509 *x, enum ck_cert_status st), void *u)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val key, val, rv;
	int64_t now = ck_now();
	int rc, r = 0;

	if (filter < CK_ENUM_ACTIVE || filter > CK_ENUM_ALL)
		return ck_errf(CK_E_INVAL, "unknown filter");
	if ((r = ca_begin_read(ca, &txn)) != 0)
		return r == CK_E_NOENT ? 0 : r;
	if ((rc = mdb_cursor_open(txn, ca->certs, &cur)) != 0) {
		r = ca_dberr(ca, "mdb_cursor_open", rc);
		goto txn_abort;
	}
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		const unsigned char *p = val.mv_data;
		X509 *x = d2i_X509(NULL, &p, (long)val.mv_size);
		enum ck_cert_status st;
		int rrc;
		if (x == NULL) {
			r = ck_errssl(CK_E_DB, "%s/" DB_FILE ": damaged certificate record", ca->dir);
			goto cursor_close;
		}
		rrc = mdb_get(txn, ca->revoked, &key, &rv);
		if (rrc != 0 && rrc != MDB_NOTFOUND) {
			X509_free(x);
			r = ca_dberr(ca, "mdb_get(revoked)", rrc);
			goto cursor_close;
		}
		st = rrc == 0 ? CK_CERT_REVOKED : expired(x, now) ? CK_CERT_EXPIRED : CK_CERT_ACTIVE;
		if (filter == CK_ENUM_ALL || (filter == CK_ENUM_ACTIVE && st == CK_CERT_ACTIVE) ||
		    (filter == CK_ENUM_REVOKED && st == CK_CERT_REVOKED) ||
		    (filter == CK_ENUM_EXPIRED && expired(x, now)))
			r = cb(u, x, st);
		X509_free(x);
		if (r != 0)
			goto cursor_close;
	}
	if (rc != MDB_NOTFOUND)
		r = ca_dberr(ca, "mdb_cursor_get", rc);
cursor_close:
	mdb_cursor_close(cur);
txn_abort:
	mdb_txn_abort(txn);
	return r;
}
