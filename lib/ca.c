/* ca.c: the local CA (VMCA): state, signing policy, index, CRL (see ca.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <lmdb.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "err.h"
#include "fileio.h"
#include "paths.h"
#include "pki.h"
#include "secmem.h"
#include "util.h"
#include "x509gen.h"

#define ROOT_FILE "root.cer"
#define KEY_FILE "privatekey.pem"
#define CRL_FILE "vmca.crl"
#define DB_FILE "certs.mdb"
#define DB_MAPSIZE (256UL * 1024 * 1024)

struct ck_ca {
	char *dir;
	STACK_OF(X509) *chain;	/* root.cer; NULL when none */
	EVP_PKEY *key;		/* loaded on first use */
	MDB_env *env;
	MDB_dbi certs, revoked, props;
	unsigned char *issued;	/* DER of the cert this handle signed last */
	int issued_len;
};

/* A request reduced to what the policy looks at. */
struct request {
	const X509_NAME *subject;
	EVP_PKEY *pub;
	const STACK_OF(X509_EXTENSION) *exts;
};

enum {
	ISSUE_NO_POLICY = 1 << 8,	/* renewals: the cert was allowed once */
};

static char *
cajoin(const struct ck_ca *ca, const char *name)
{
	return ck_asprintf("%s/%s", ca->dir, name);
}

/* --- opening ------------------------------------------------------------- */

static int
load_root(struct ck_ca *ca)
{
	char *path = NULL;
	int r;

	sk_X509_pop_free(ca->chain, X509_free);
	ca->chain = NULL;
	EVP_PKEY_free(ca->key);
	ca->key = NULL;
	/* signed with the key of the root replaced now, if any */
	OPENSSL_free(ca->issued);
	ca->issued = NULL;
	ca->issued_len = 0;
	if ((path = cajoin(ca, ROOT_FILE)) == NULL)
		return CK_E_NOMEM;
	r = ck_certs_load(path, &ca->chain);
	if (r == CK_E_NOENT) {
		ck_err_clear();
		r = 0;
	} else if (r != 0) {
		char d[512];
		snprintf(d, sizeof(d), "%s", ck_err_detail());
		r = ck_errf(CK_E_CA_MISSING, "%s: %s", path, d);
	}
	free(path);
	return r;
}

int
ck_ca_open(const char *dir, struct ck_ca **out)
{
	struct ck_ca *ca = NULL;
	int r;

	*out = NULL;
	if (dir == NULL)
		dir = ck_path(CK_PATH_VMCA);
	if ((ca = calloc(1, sizeof(*ca))) == NULL)
		return CK_E_NOMEM;
	if ((ca->dir = strdup(dir)) == NULL) {
		free(ca);
		return CK_E_NOMEM;
	}
	if ((r = load_root(ca)) != 0) {
		ck_ca_close(ca);
		return r;
	}
	*out = ca;
	return 0;
}

void
ck_ca_close(struct ck_ca *ca)
{
	if (ca == NULL)
		return;
	if (ca->env != NULL)
		mdb_env_close(ca->env);
	EVP_PKEY_free(ca->key);
	sk_X509_pop_free(ca->chain, X509_free);
	OPENSSL_free(ca->issued);
	free(ca->dir);
	free(ca);
}

int
ck_ca_has_root(struct ck_ca *ca)
{
	return ca->chain != NULL && sk_X509_num(ca->chain) > 0;
}

X509 *
ck_ca_cert(struct ck_ca *ca)
{
	return ck_ca_has_root(ca) ? sk_X509_value(ca->chain, 0) : NULL;
}

STACK_OF(X509) *
ck_ca_chain(struct ck_ca *ca)
{
	return ck_ca_has_root(ca) ? ca->chain : NULL;
}

const char *
ck_ca_dir(struct ck_ca *ca)
{
	return ca->dir;
}

static int
need_root(struct ck_ca *ca)
{
	char *path = NULL;
	int r;

	if (!ck_ca_has_root(ca))
		return ck_errf(CK_E_CA_MISSING, "no VMCA root in %s: create one with --selfca "
		    "or install one with --rootca", ca->dir);
	if (ca->key != NULL)
		return 0;
	if ((path = cajoin(ca, KEY_FILE)) == NULL)
		return CK_E_NOMEM;
	if ((r = ck_key_load_fast(path, NULL, &ca->key)) != 0) {
		char d[512];
		snprintf(d, sizeof(d), "%s", ck_err_detail());
		r = ck_errf(CK_E_CA_MISSING, "VMCA key: %s", d);
	} else if (ck_cert_key_match(ck_ca_cert(ca), ca->key) != 0) {
		r = ck_errf(CK_E_CA_MISSING, "%s does not match %s/" ROOT_FILE, path, ca->dir);
		EVP_PKEY_free(ca->key);
		ca->key = NULL;
	}
	free(path);
	return r;
}

/* --- the index (LMDB) ---------------------------------------------------- */

static int
dberr(struct ck_ca *ca, const char *call, int rc)
{
	return ck_errf(CK_E_DB, "%s/" DB_FILE ": %s: %s", ca->dir, call, mdb_strerror(rc));
}

/*
 * Open the environment.  With create == 0 and no database file yet,
 * returns CK_E_NOENT so readers can treat the index as empty without
 * creating anything.
 */
static int
db_open(struct ck_ca *ca, int create)
{
	char *path = NULL;
	MDB_txn *txn = NULL;
	int rc, r;

	if (ca->env != NULL)
		return 0;
	if ((path = cajoin(ca, DB_FILE)) == NULL)
		return CK_E_NOMEM;
	if (!create && !ck_file_exists(path)) {
		free(path);
		return CK_E_NOENT;
	}
	if (create && (r = ck_mkdir_p(ca->dir, 0700)) != 0)
		goto out;
	if ((rc = mdb_env_create(&ca->env)) != 0) {
		r = dberr(ca, "mdb_env_create", rc);
		goto out;
	}
	if ((rc = mdb_env_set_maxdbs(ca->env, 4)) != 0 ||
	    (rc = mdb_env_set_mapsize(ca->env, DB_MAPSIZE)) != 0) {
		r = dberr(ca, "mdb_env_set_maxdbs", rc);
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
		r = dberr(ca, "mdb_env_open", rc);
		goto env_close;
	}
	if ((rc = mdb_txn_begin(ca->env, NULL, 0, &txn)) != 0) {
		r = dberr(ca, "mdb_txn_begin", rc);
		goto env_close;
	}
	if ((rc = mdb_dbi_open(txn, "certs", MDB_CREATE, &ca->certs)) != 0 ||
	    (rc = mdb_dbi_open(txn, "revoked", MDB_CREATE, &ca->revoked)) != 0 ||
	    (rc = mdb_dbi_open(txn, "props", MDB_CREATE, &ca->props)) != 0) {
		r = dberr(ca, "mdb_dbi_open", rc);
		goto txn_abort;
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		txn = NULL;
		r = dberr(ca, "mdb_txn_commit", rc);
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

static void
put_be(unsigned char *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static uint64_t
get_be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
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
	return dberr(ca, call, rc);
}

/* A read-only transaction on the index; CK_E_NOENT, and nothing created,
 * when there is no index yet. */
static int
begin_read(struct ck_ca *ca, MDB_txn **txn)
{
	int rc, r;

	*txn = NULL;
	if ((r = db_open(ca, 0)) != 0)
		return r;
	if ((rc = mdb_txn_begin(ca->env, NULL, MDB_RDONLY, txn)) != 0)
		return dberr(ca, "mdb_txn_begin", rc);
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
	if ((r = begin_read(ca, &txn)) != 0)
		return r == CK_E_NOENT ? 0 : r;
	rc = mdb_get(txn, ca->props, &key, &val);
	if (rc == 0 && val.mv_size == 1)
		*on = ((const char *)val.mv_data)[0] == '1';
	else if (rc != 0 && rc != MDB_NOTFOUND)
		r = dberr(ca, "mdb_get(props)", rc);
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
	if ((r = db_open(ca, 1)) != 0)
		return r;
	if ((rc = mdb_txn_begin(ca->env, NULL, 0, &txn)) != 0)
		return dberr(ca, "mdb_txn_begin", rc);
	val.mv_data = on ? "1" : "0";
	val.mv_size = 1;
	if ((rc = mdb_put(txn, ca->props, &key, &val, 0)) != 0) {
		mdb_txn_abort(txn);
		return dberr(ca, "mdb_put(props)", rc);
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return dberr(ca, "mdb_txn_commit", rc);
	return 0;
}

/* --- validation and installation ----------------------------------------- */

static const char *
not_ca_reason(X509 *x)
{
	uint32_t fl = X509_get_extension_flags(x);

	if (X509_get_version(x) != X509_VERSION_3)
		return "it is not an X.509 v3 certificate, so it cannot carry basicConstraints";
	if (!(fl & EXFLAG_BCONS))
		return "it has no basicConstraints extension (CA:TRUE is required)";
	if (!(fl & EXFLAG_CA))
		return "its basicConstraints says CA:FALSE";
	if ((fl & EXFLAG_KUSAGE) && !(X509_get_key_usage(x) & KU_KEY_CERT_SIGN))
		return "its keyUsage lacks keyCertSign (Certificate Sign)";
	return "X509_check_ca refused it";
}

static int fmt_time(const ASN1_TIME *t, char *buf, size_t len);

static char *
name_str(const X509_NAME *n, char *buf, size_t len)
{
	return X509_NAME_oneline(n, buf, (int)len);
}

int
ck_ca_validate(STACK_OF(X509) *chain, EVP_PKEY *key)
{
	int n = chain ? sk_X509_num(chain) : 0;
	char a[256], b[256];
	X509 *first, *last;
	int bits;

	if (n == 0)
		return ck_errf(CK_E_FORMAT, "no certificate in the chain");
	for (int i = 0; i + 1 < n; i++) {
		X509 *x = sk_X509_value(chain, i), *up = sk_X509_value(chain, i + 1);
		int v = X509_check_issued(up, x);
		if (v != X509_V_OK)
			return ck_errf(CK_E_CHAIN_ORDER, "certificate %d (%s) was not issued by "
			    "certificate %d (%s): %s; order the file signing cert first, then "
			    "each issuer, root last", i + 1, name_str(X509_get_subject_name(x), a,
			    sizeof(a)), i + 2, name_str(X509_get_subject_name(up), b, sizeof(b)),
			    X509_verify_cert_error_string(v));
		if (X509_verify(x, X509_get0_pubkey(up)) != 1) {
			ERR_clear_error();
			return ck_errf(CK_E_CHAIN_ORDER, "certificate %d (%s): its signature does "
			    "not verify with the key of certificate %d", i + 1,
			    name_str(X509_get_subject_name(x), a, sizeof(a)), i + 2);
		}
	}
	last = sk_X509_value(chain, n - 1);
	if (X509_NAME_cmp(X509_get_subject_name(last), X509_get_issuer_name(last)) != 0)
		return ck_errf(CK_E_CHAIN_INCOMPLETE, "the last certificate (%s) is not a "
		    "root: append its issuer (%s) and any intermediates to the file",
		    name_str(X509_get_subject_name(last), a, sizeof(a)),
		    name_str(X509_get_issuer_name(last), b, sizeof(b)));
	if (X509_verify(last, X509_get0_pubkey(last)) != 1) {
		ERR_clear_error();
		return ck_errf(CK_E_CHAIN_INCOMPLETE, "the root (%s) is not correctly "
		    "self-signed", name_str(X509_get_subject_name(last), a, sizeof(a)));
	}
	/* VMware accepts an expired chain and then signs certificates that
	 * can never verify; refuse it here. */
	for (int i = 0; i < n; i++) {
		X509 *x = sk_X509_value(chain, i);
		time_t now = (time_t)ck_now();
		if (X509_cmp_time(X509_get0_notAfter(x), &now) < 0) {
			fmt_time(X509_get0_notAfter(x), b, sizeof(b));
			return ck_errf(CK_E_TIME, "certificate %d (%s) expired on %s", i + 1,
			    name_str(X509_get_subject_name(x), a, sizeof(a)), b);
		}
	}
	first = sk_X509_value(chain, 0);
	if (X509_check_ca(first) != 1)
		return ck_errf(CK_E_NOT_CA, "Not a CA Cert: %s: %s",
		    name_str(X509_get_subject_name(first), a, sizeof(a)), not_ca_reason(first));
	if (key == NULL)
		return 0;
	if (!ck_key_is_rsa(key))
		return ck_errf(CK_E_KEY, "the VMCA signing key must be RSA");
	if (ck_cert_key_match(first, key) != 0)
		return ck_errf(CK_E_KEY_MISMATCH, "the private key is not the key of %s",
		    name_str(X509_get_subject_name(first), a, sizeof(a)));
	bits = ck_key_bits(key);
	if (bits < 2048 || bits > 16384)
		return ck_errf(CK_E_KEYSIZE, "the VMCA key has %d bits; use 2048..16384", bits);
	return 0;
}

/* Shift name.N -> name.N+1 and hard-link (or copy) name -> name.0. */
static int
rotate(struct ck_ca *ca, const char *name)
{
	char *cur = NULL, *from = NULL, *to = NULL, *buf = NULL;
	size_t len;
	int r = 0;

	if ((cur = cajoin(ca, name)) == NULL)
		return CK_E_NOMEM;
	if (!ck_file_exists(cur))
		goto out;
	for (int i = CK_CA_MAX_BACKUPS - 1; i >= 0; i--) {
		free(from);
		free(to);
		from = ck_asprintf("%s.%d", cur, i);
		to = ck_asprintf("%s.%d", cur, i + 1);
		if (from == NULL || to == NULL) {
			r = CK_E_NOMEM;
			goto out;
		}
		if (i + 1 >= CK_CA_MAX_BACKUPS) {
			(void)ck_file_remove(from);
			continue;
		}
		if (rename(from, to) != 0 && errno != ENOENT) {
			r = ck_errf(ck_errno(errno), "rename %s %s: %s", from, to, strerror(errno));
			goto out;
		}
	}
	free(to);
	if ((to = ck_asprintf("%s.0", cur)) == NULL) {
		r = CK_E_NOMEM;
		goto out;
	}
	if (link(cur, to) != 0) {
		/* another file system feature set: copy instead, keeping the mode */
		struct stat st;
		if (lstat(cur, &st) != 0 ||
		    (r = ck_file_read(cur, CK_PEM_MAX, &buf, &len, 1)) != 0 ||
		    (r = ck_file_write(to, buf, len, st.st_mode & 0777, 0)) != 0) {
			if (r == 0)
				r = ck_errf(ck_errno(errno), "backup %s: %s", cur, strerror(errno));
			goto out;
		}
	}
out:
	if (buf != NULL)
		ck_secfree(buf);
	free(from);
	free(to);
	free(cur);
	return r;
}

int
ck_ca_install(struct ck_ca *ca, STACK_OF(X509) *chain, EVP_PKEY *key)
{
	char *certpem = NULL, *keypem = NULL, *cpath = NULL, *kpath = NULL, *lpath = NULL;
	size_t clen, klen;
	int r, lockfd = -1;

	if ((r = ck_ca_validate(chain, key)) != 0)
		return r;
	if ((r = ck_certs_to_pem(chain, &certpem, &clen)) != 0 ||
	    (r = ck_key_to_pem(key, NULL, &keypem, &klen)) != 0)
		goto out;
	if ((cpath = cajoin(ca, ROOT_FILE)) == NULL || (kpath = cajoin(ca, KEY_FILE)) == NULL) {
		r = CK_E_NOMEM;
		goto out;
	}
	if ((r = ck_mkdir_p(ca->dir, 0700)) != 0)
		goto out;
	/* one installer at a time, so two rotations cannot interleave */
	if ((lpath = cajoin(ca, "install.lock")) == NULL) {
		r = CK_E_NOMEM;
		goto out;
	}
	if ((lockfd = open(lpath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0 ||
	    flock(lockfd, LOCK_EX) != 0) {
		r = ck_errf(ck_errno(errno), "%s: %s", lpath, strerror(errno));
		goto out;
	}
	if ((r = rotate(ca, KEY_FILE)) != 0 || (r = rotate(ca, ROOT_FILE)) != 0)
		goto out;
	if ((r = ck_file_write(kpath, keypem, klen, 0600, 0)) != 0)
		goto out;
	if ((r = ck_file_write(cpath, certpem, clen, 0644, 0)) != 0) {
		/* put the previous key back so the pair still matches */
		char *bak = ck_asprintf("%s.0", kpath);
		if (bak != NULL && ck_file_exists(bak))
			(void)rename(bak, kpath);
		free(bak);
		goto out;
	}
	r = load_root(ca);
out:
	if (lockfd >= 0)
		close(lockfd);	/* releases the lock */
	free(lpath);
	free(kpath);
	free(cpath);
	if (keypem != NULL)
		ck_secfree(keypem);
	free(certpem);
	return r;
}

/* --- building certificates ----------------------------------------------- */

int
ck_ca_serial(ASN1_INTEGER **out)
{
	unsigned char b[8];
	BIGNUM *bn = NULL;

	*out = NULL;
	if (RAND_bytes(b, sizeof(b)) != 1)
		return ck_errssl(CK_E_CRYPTO, "RAND_bytes");
	b[0] |= 0xc0;
	if ((bn = BN_bin2bn(b, sizeof(b), NULL)) == NULL)
		return CK_E_NOMEM;
	*out = BN_to_ASN1_INTEGER(bn, NULL);
	BN_free(bn);
	return *out == NULL ? CK_E_NOMEM : 0;
}

static int
set_serial(X509 *x)
{
	ASN1_INTEGER *sn = NULL;
	int r;

	if ((r = ck_ca_serial(&sn)) != 0)
		return r;
	if (!X509_set_serialNumber(x, sn))
		r = CK_E_NOMEM;
	ASN1_INTEGER_free(sn);
	return r;
}

static int
add_exts(X509 *x, const STACK_OF(X509_EXTENSION) *exts)
{
	for (int i = 0; i < sk_X509_EXTENSION_num(exts); i++)
		if (!X509_add_ext(x, sk_X509_EXTENSION_value(exts, i), -1))
			return ck_errssl(CK_E_CRYPTO, "X509_add_ext");
	return 0;
}

static const EVP_MD *
sig_md(EVP_PKEY *key)
{
	if (ck_key_is_ec(key) && ck_key_bits(key) >= 384)
		return EVP_sha384();
	return EVP_sha256();
}

int
ck_ca_make_root(const struct ck_cfg *cfg, EVP_PKEY *key, long predate_min, X509 **out)
{
	X509 *x = NULL;
	X509_NAME *subj = NULL;
	GENERAL_NAMES *san = NULL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	time_t nb;
	int r;

	*out = NULL;
	if (predate_min < 0)
		return ck_errf(CK_E_INVAL, "predate must not be negative");
	if ((r = ck_cfg_subject(cfg, &subj)) != 0 || (r = ck_cfg_san(cfg, &san)) != 0)
		goto out;
	if (X509_NAME_get_index_by_NID(subj, NID_commonName, -1) < 0) {
		r = ck_errf(CK_E_CSR_FIELD, "a CA certificate needs a Name (CN): set Name "
		    "in the configuration or pass --Name");
		goto out;
	}
	if ((x = X509_new()) == NULL) {
		r = CK_E_NOMEM;
		goto out;
	}
	nb = (time_t)(ck_now() - predate_min * 60);
	if (!X509_set_version(x, X509_VERSION_3) || (r = set_serial(x)) != 0 ||
	    !X509_set_subject_name(x, subj) || !X509_set_issuer_name(x, subj) ||
	    !ASN1_TIME_adj(X509_getm_notBefore(x), nb, 0, 0) ||
	    !ASN1_TIME_adj(X509_getm_notAfter(x), nb, CK_CA_ROOT_DAYS, 0) ||
	    !X509_set_pubkey(x, key)) {
		r = r ? r : ck_errssl(CK_E_CRYPTO, "X509_set_subject_name");
		goto out;
	}
	if ((r = ck_ext_push_ski(&exts, key)) != 0 ||
	    (san != NULL && (r = ck_ext_push_san(&exts, san)) != 0) ||
	    (r = ck_ext_push_ku(&exts, 1, KU_KEY_CERT_SIGN | KU_CRL_SIGN)) != 0 ||
	    (r = ck_ext_push_bc(&exts, 1, 0)) != 0 ||
	    (r = add_exts(x, exts)) != 0)
		goto out;
	if (X509_sign(x, key, sig_md(key)) <= 0) {
		r = ck_errssl(CK_E_KEY, "X509_sign");
		goto out;
	}
	*out = x;
	x = NULL;
	r = 0;
out:
	ck_exts_free(exts);
	X509_free(x);
	GENERAL_NAMES_free(san);
	X509_NAME_free(subj);
	return r;
}

static int
has_star(const unsigned char *s, int len)
{
	return memchr(s, '*', (size_t)len) != NULL;
}

/* The signing policy of ca.h; returns 0 or the code of the rule that fired. */
static int
policy(struct ck_ca *ca, const struct request *rq, unsigned int flags)
{
	const X509_NAME *subj = rq->subject;
	int n, ndns = 0, crit, multisan, r, bits;
	GENERAL_NAMES *gens = NULL;
	BASIC_CONSTRAINTS *bc = NULL;
	ASN1_BIT_STRING *ku = NULL;

	if (ck_key_is_rsa(rq->pub)) {
		bits = ck_key_bits(rq->pub);
		if (bits < 2048 || bits > 16384)
			return ck_errf(CK_E_KEYSIZE, "the request's RSA key has %d bits; "
			    "use 2048..16384", bits);
	} else if (ck_key_is_ec(rq->pub)) {
		bits = ck_key_bits(rq->pub);
		if (bits != 256 && bits != 384)
			return ck_errf(CK_E_KEY, "the request's EC key has %d bits; only "
			    "P-256 and P-384 are accepted", bits);
	} else {
		return ck_errf(CK_E_KEY, "the request's key is neither RSA nor EC");
	}
	if (flags & ISSUE_NO_POLICY)
		return 0;
	n = X509_NAME_entry_count(subj);
	for (int i = 0; i < n; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(subj, i);
		const ASN1_STRING *s = X509_NAME_ENTRY_get_data(e);
		if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) == NID_commonName &&
		    has_star(ASN1_STRING_get0_data(s), ASN1_STRING_length(s)) &&
		    !(flags & CK_SIGN_ALLOW_WILDCARD))
			return ck_errf(CK_E_SUBJECT, "rule 'no wildcard CN' refused CN '%.*s': "
			    "pass --allow-wildcard to permit it", ASN1_STRING_length(s),
			    (const char *)ASN1_STRING_get0_data(s));
	}
	/* A duplicated or undecodable extension would hide its content from
	 * the rules below (X509V3_get_d2i gives NULL with crit -2 or >= 0). */
	gens = X509V3_get_d2i(rq->exts, NID_subject_alt_name, &crit, NULL);
	if (gens == NULL && crit != -1)
		return ck_errf(CK_E_CSR_FIELD, "the request's subjectAltName extension is "
		    "%s", crit == -2 ? "repeated" : "malformed");
	for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		int type;
		const ASN1_IA5STRING *s = GENERAL_NAME_get0_value(g, &type);
		if (type != GEN_DNS)
			continue;
		ndns++;
		if (has_star(ASN1_STRING_get0_data(s), ASN1_STRING_length(s)) &&
		    !(flags & CK_SIGN_ALLOW_WILDCARD)) {
			r = ck_errf(CK_E_SAN, "rule 'no wildcard DNS name' refused '%.*s': "
			    "pass --allow-wildcard to permit it", ASN1_STRING_length(s),
			    (const char *)ASN1_STRING_get0_data(s));
			goto out;
		}
	}
	if (ndns > 1) {
		if ((r = ck_ca_get_option(ca, "multiplesan", &multisan)) != 0)
			goto out;
		if (!multisan) {
			r = ck_errf(CK_E_SAN, "rule 'one DNS name' refused %d DNS names: the "
			    "multiplesan server option is off (--enableserveroption "
			    "--option=multiplesan)", ndns);
			goto out;
		}
	}
	if (!(flags & CK_SIGN_ALLOW_CA)) {
		bc = X509V3_get_d2i(rq->exts, NID_basic_constraints, &crit, NULL);
		if (bc == NULL && crit != -1) {
			r = ck_errf(CK_E_CSR_FIELD, "the request's basicConstraints extension is "
			    "%s", crit == -2 ? "repeated" : "malformed");
			goto out;
		}
		ku = X509V3_get_d2i(rq->exts, NID_key_usage, &crit, NULL);
		if (ku == NULL && crit != -1) {
			r = ck_errf(CK_E_CSR_FIELD, "the request's keyUsage extension is %s",
			    crit == -2 ? "repeated" : "malformed");
			goto out;
		}
		if (bc != NULL && bc->ca) {
			r = ck_errf(CK_E_POLICY, "rule 'no subordinate CA' refused a request "
			    "with basicConstraints CA:TRUE: pass --allow-ca to permit it");
			goto out;
		}
		if (ku != NULL && (ASN1_BIT_STRING_get_bit(ku, 5) || ASN1_BIT_STRING_get_bit(ku, 6))) {
			r = ck_errf(CK_E_POLICY, "rule 'no subordinate CA' refused a request "
			    "with keyUsage keyCertSign or cRLSign: pass --allow-ca to permit it");
			goto out;
		}
	}
	r = 0;
out:
	GENERAL_NAMES_free(gens);
	BASIC_CONSTRAINTS_free(bc);
	ASN1_BIT_STRING_free(ku);
	return r;
}

/* The AKI of ca (keyid = the CA cert's SKI, or the hash of its key). */
static int
push_aki(STACK_OF(X509_EXTENSION) **exts, X509 *cacert)
{
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(cacert);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	AUTHORITY_KEYID *aki = NULL;
	X509_EXTENSION *e = NULL;
	int r;

	if (ski == NULL) {
		if ((r = ck_key_id(X509_get0_pubkey(cacert), md, &mdlen)) != 0)
			return r;
	}
	if ((aki = AUTHORITY_KEYID_new()) == NULL || (aki->keyid = ASN1_OCTET_STRING_new()) == NULL ||
	    !ASN1_OCTET_STRING_set(aki->keyid, ski ? ASN1_STRING_get0_data(ski) : md,
	    ski ? ASN1_STRING_length(ski) : (int)mdlen)) {
		r = CK_E_NOMEM;
		goto out;
	}
	if ((e = X509V3_EXT_i2d(NID_authority_key_identifier, 0, aki)) == NULL) {
		r = ck_errssl(CK_E_CRYPTO, "X509V3_EXT_i2d(AKI)");
		goto out;
	}
	if (*exts == NULL && (*exts = sk_X509_EXTENSION_new_null()) == NULL) {
		r = CK_E_NOMEM;
		goto out;
	}
	if (!sk_X509_EXTENSION_push(*exts, e)) {
		r = CK_E_NOMEM;
		goto out;
	}
	e = NULL;
	r = 0;
out:
	X509_EXTENSION_free(e);
	AUTHORITY_KEYID_free(aki);
	return r;
}

static int
push_aia(STACK_OF(X509_EXTENSION) **exts, const char *url)
{
	AUTHORITY_INFO_ACCESS *aia = NULL;
	ACCESS_DESCRIPTION *ad = NULL;
	ASN1_IA5STRING *s = NULL;
	X509_EXTENSION *e = NULL;
	int r = CK_E_NOMEM;

	if ((aia = AUTHORITY_INFO_ACCESS_new()) == NULL || (ad = ACCESS_DESCRIPTION_new()) == NULL ||
	    (s = ASN1_IA5STRING_new()) == NULL || !ASN1_STRING_set(s, url, (int)strlen(url)))
		goto out;
	ASN1_OBJECT_free(ad->method);
	ad->method = OBJ_nid2obj(NID_ad_ca_issuers);
	GENERAL_NAME_set0_value(ad->location, GEN_URI, s);
	s = NULL;
	if (!sk_ACCESS_DESCRIPTION_push(aia, ad))
		goto out;
	ad = NULL;
	if ((e = X509V3_EXT_i2d(NID_info_access, 0, aia)) == NULL) {
		r = ck_errssl(CK_E_CRYPTO, "X509V3_EXT_i2d(AIA)");
		goto out;
	}
	if (*exts == NULL && (*exts = sk_X509_EXTENSION_new_null()) == NULL)
		goto out;
	if (!sk_X509_EXTENSION_push(*exts, e))
		goto out;
	e = NULL;
	r = 0;
out:
	X509_EXTENSION_free(e);
	ASN1_IA5STRING_free(s);
	ACCESS_DESCRIPTION_free(ad);
	AUTHORITY_INFO_ACCESS_free(aia);
	return r;
}

/* SKI from the certificate's own key bits (no re-encoding of the key). */
static int
push_ski_of(STACK_OF(X509_EXTENSION) **exts, X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	ASN1_OCTET_STRING *os = NULL;
	X509_EXTENSION *e = NULL;
	int r = CK_E_NOMEM;

	if (!X509_pubkey_digest(x, EVP_sha1(), md, &n))
		return ck_errssl(CK_E_CRYPTO, "X509_pubkey_digest");
	if ((os = ASN1_OCTET_STRING_new()) == NULL || !ASN1_OCTET_STRING_set(os, md, (int)n) ||
	    (e = X509V3_EXT_i2d(NID_subject_key_identifier, 0, os)) == NULL)
		goto out;
	if (*exts == NULL && (*exts = sk_X509_EXTENSION_new_null()) == NULL)
		goto out;
	if (!sk_X509_EXTENSION_push(*exts, e))
		goto out;
	e = NULL;
	r = 0;
out:
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(os);
	return r;
}

/*
 * X509_set_pubkey() on a provider key runs the OpenSSL 3 encoder chain,
 * whose first use costs more than the signature.  For RSA we hand it a
 * key decoded from RSAPublicKey DER instead, which encodes directly.
 * Falls back to the plain call for anything else.
 */
static int
set_pubkey(X509 *x, EVP_PKEY *pub)
{
	BIGNUM *n = NULL, *e = NULL;
	ASN1_SEQUENCE_ANY *seq = NULL;
	ASN1_TYPE *tn = NULL, *te = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *k = NULL;
	int len, ok = 0;

	if (ck_key_is_rsa(pub) && EVP_PKEY_get_bn_param(pub, "n", &n) &&
	    EVP_PKEY_get_bn_param(pub, "e", &e) && (seq = sk_ASN1_TYPE_new_null()) != NULL &&
	    (tn = ASN1_TYPE_new()) != NULL && (te = ASN1_TYPE_new()) != NULL) {
		ASN1_INTEGER *in = BN_to_ASN1_INTEGER(n, NULL), *ie = BN_to_ASN1_INTEGER(e, NULL);
		if (in != NULL && ie != NULL) {
			ASN1_TYPE_set(tn, V_ASN1_INTEGER, in);
			ASN1_TYPE_set(te, V_ASN1_INTEGER, ie);
			in = ie = NULL;
			if (sk_ASN1_TYPE_push(seq, tn)) {
				tn = NULL;
				if (sk_ASN1_TYPE_push(seq, te)) {
					te = NULL;
					if ((len = i2d_ASN1_SEQUENCE_ANY(seq, &der)) > 0) {
						p = der;
						k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, len);
					}
				}
			}
		}
		ASN1_INTEGER_free(in);
		ASN1_INTEGER_free(ie);
	}
	if (k != NULL && EVP_PKEY_eq(k, pub) == 1)
		ok = X509_set_pubkey(x, k);
	ERR_clear_error();
	if (!ok)
		ok = X509_set_pubkey(x, pub);
	EVP_PKEY_free(k);
	OPENSSL_free(der);
	ASN1_TYPE_free(tn);
	ASN1_TYPE_free(te);
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	BN_free(n);
	BN_free(e);
	return ok;
}

/* root.cer minus its final self-signed root. */
static int
send_chain(struct ck_ca *ca, STACK_OF(X509) **out)
{
	STACK_OF(X509) *sk;
	int n = sk_X509_num(ca->chain);
	X509 *last = sk_X509_value(ca->chain, n - 1);

	if (X509_NAME_cmp(X509_get_subject_name(last), X509_get_issuer_name(last)) == 0)
		n--;
	if ((sk = sk_X509_new_null()) == NULL)
		return CK_E_NOMEM;
	for (int i = 0; i < n; i++) {
		X509 *x = sk_X509_value(ca->chain, i);
		if (!X509_up_ref(x) || !sk_X509_push(sk, x)) {
			sk_X509_pop_free(sk, X509_free);
			return CK_E_NOMEM;
		}
	}
	*out = sk;
	return 0;
}

static int
fmt_time(const ASN1_TIME *t, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *d;
	long n;

	buf[0] = '\0';
	if (b == NULL)
		return CK_E_NOMEM;
	ASN1_TIME_print(b, t);
	n = BIO_get_mem_data(b, &d);
	snprintf(buf, len, "%.*s", (int)n, d);
	BIO_free(b);
	return 0;
}

/*
 * Keep the DER of x, just signed with this handle's key, so recording it
 * need not verify its signature again (see issued_here).
 */
static int
remember_issued(struct ck_ca *ca, X509 *x)
{
	unsigned char *der = NULL;
	int len;

	if ((len = i2d_X509(x, &der)) <= 0)
		return ck_errssl(CK_E_CRYPTO, "i2d_X509");
	OPENSSL_free(ca->issued);
	ca->issued = der;
	ca->issued_len = len;
	return 0;
}

/*
 * Issue a certificate for rq under the policy.  days 0 = default.
 * maxdays bounds the lifetime (3660 for signing, 730 for renewals).
 */
static int
issue(struct ck_ca *ca, const struct request *rq, int days, int maxdays, unsigned int flags,
    const char *aia, X509 **out)
{
	X509 *x = NULL, *cacert;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	int64_t now = ck_now();
	time_t nb;
	int r, cmp;
	char when[64];

	*out = NULL;
	if ((r = need_root(ca)) != 0)
		return r;
	cacert = ck_ca_cert(ca);
	if (days == 0)
		days = CK_CA_DEFAULT_DAYS;
	if (days < 1 || days > maxdays)
		return ck_errf(CK_E_TIME, "a lifetime of %d days is outside 1..%d", days, maxdays);
	if ((r = policy(ca, rq, flags)) != 0)
		return r;
	if (X509_cmp_time(X509_get0_notAfter(cacert), (time_t[]){ (time_t)now }) <= 0) {
		fmt_time(X509_get0_notAfter(cacert), when, sizeof(when));
		return ck_errf(CK_E_TIME, "the VMCA certificate expired on %s: install a new "
		    "root (--selfca or --rootca) first", when);
	}
	if ((x = X509_new()) == NULL)
		return CK_E_NOMEM;
	nb = (time_t)(now - CK_CA_BACKDATE_SECS);
	if (!X509_set_version(x, X509_VERSION_3) || (r = set_serial(x)) != 0 ||
	    !X509_set_subject_name(x, rq->subject) ||
	    !X509_set_issuer_name(x, X509_get_subject_name(cacert)) ||
	    !set_pubkey(x, rq->pub) ||
	    !ASN1_TIME_adj(X509_getm_notBefore(x), nb, 0, 0) ||
	    !ASN1_TIME_adj(X509_getm_notAfter(x), nb, days, 0)) {
		r = r ? r : ck_errssl(CK_E_CRYPTO, "X509_set_subject_name");
		goto out;
	}
	/* Never start before the CA does (no "Start Time Error"), never end after it. */
	if (ASN1_TIME_compare(X509_get0_notBefore(x), X509_get0_notBefore(cacert)) < 0 &&
	    !X509_set1_notBefore(x, X509_get0_notBefore(cacert))) {
		r = CK_E_NOMEM;
		goto out;
	}
	cmp = ASN1_TIME_compare(X509_get0_notAfter(x), X509_get0_notAfter(cacert));
	if (cmp > 0 && !X509_set1_notAfter(x, X509_get0_notAfter(cacert))) {
		r = CK_E_NOMEM;
		goto out;
	}
	/* The request's extensions in their order, minus the ones we own. */
	for (int i = 0; i < sk_X509_EXTENSION_num(rq->exts); i++) {
		X509_EXTENSION *e = sk_X509_EXTENSION_value(rq->exts, i);
		int nid = OBJ_obj2nid(X509_EXTENSION_get_object(e));
		if (nid == NID_authority_key_identifier || nid == NID_info_access)
			continue;
		if (!X509_add_ext(x, e, -1)) {
			r = ck_errssl(CK_E_CRYPTO, "X509_add_ext");
			goto out;
		}
	}
	if (X509_get_ext_by_NID(x, NID_subject_key_identifier, -1) < 0 &&
	    (r = push_ski_of(&exts, x)) != 0)
		goto out;
	if ((r = push_aki(&exts, cacert)) != 0 ||
	    (aia != NULL && aia[0] != '\0' && (r = push_aia(&exts, aia)) != 0) ||
	    (r = add_exts(x, exts)) != 0)
		goto out;
	if (X509_sign(x, ca->key, sig_md(ca->key)) <= 0) {
		r = ck_errssl(CK_E_CRYPTO, "X509_sign with the VMCA key");
		goto out;
	}
	if ((r = remember_issued(ca, x)) != 0 ||
	    (!(flags & CK_SIGN_NO_RECORD) && (r = ck_ca_record(ca, x)) != 0))
		goto out;
	*out = x;
	x = NULL;
	r = 0;
out:
	ck_exts_free(exts);
	X509_free(x);
	return r;
}

static int
sign_request(struct ck_ca *ca, const struct request *rq, const struct ck_sign_opts *o,
    X509 **leaf, STACK_OF(X509) **chain)
{
	static const struct ck_sign_opts defaults;
	X509 *x = NULL;
	int r;

	if (o == NULL)
		o = &defaults;
	*leaf = NULL;
	if (chain != NULL)
		*chain = NULL;
	if (X509_NAME_entry_count(rq->subject) == 0 &&
	    X509v3_get_ext_by_NID(rq->exts, NID_subject_alt_name, -1) < 0)
		return ck_errf(CK_E_CSR_FIELD, "the request has an empty subject and no "
		    "subject alternative name");
	if ((r = issue(ca, rq, o->days, CK_CA_MAX_DAYS, o->flags, o->aia_url, &x)) != 0)
		return r;
	if (chain != NULL && (r = send_chain(ca, chain)) != 0) {
		X509_free(x);
		return r;
	}
	*leaf = x;
	return 0;
}

int
ck_ca_sign_req(struct ck_ca *ca, X509_REQ *req, const struct ck_sign_opts *o,
    X509 **leaf, STACK_OF(X509) **chain)
{
	struct request rq;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	EVP_PKEY *pub;
	int r;

	*leaf = NULL;
	if (chain != NULL)
		*chain = NULL;
	if ((pub = X509_REQ_get0_pubkey(req)) == NULL) {
		ERR_clear_error();
		return ck_errf(CK_E_CSR_FIELD, "the request has no usable public key");
	}
	if (X509_REQ_verify(req, pub) != 1) {
		ERR_clear_error();
		return ck_errf(CK_E_CSR_FIELD, "the request's self-signature does not verify");
	}
	exts = X509_REQ_get_extensions(req);
	rq.subject = X509_REQ_get_subject_name(req);
	rq.pub = pub;
	rq.exts = exts;
	r = sign_request(ca, &rq, o, leaf, chain);
	ck_exts_free(exts);
	return r;
}

int
ck_ca_sign_config(struct ck_ca *ca, const struct ck_cfg *cfg, EVP_PKEY *key,
    const struct ck_sign_opts *o, X509 **leaf, STACK_OF(X509) **chain)
{
	struct request rq;
	X509_NAME *subj = NULL;
	GENERAL_NAMES *san = NULL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	unsigned int ku = CK_KU_LEAF;
	int r;

	*leaf = NULL;
	if (chain != NULL)
		*chain = NULL;
	if ((r = ck_cfg_subject(cfg, &subj)) != 0 || (r = ck_cfg_san(cfg, &san)) != 0)
		goto out;
	if (o != NULL && (o->flags & CK_SIGN_DATAENC))
		ku |= KU_DATA_ENCIPHERMENT;
	/* the SKI follows, added by issue() from the certificate's key */
	if ((r = ck_ext_push_ku(&exts, 0, ku)) != 0 ||
	    (san != NULL && (r = ck_ext_push_san(&exts, san)) != 0))
		goto out;
	rq.subject = subj;
	rq.pub = key;
	rq.exts = exts;
	r = sign_request(ca, &rq, o, leaf, chain);
out:
	ck_exts_free(exts);
	GENERAL_NAMES_free(san);
	X509_NAME_free(subj);
	return r;
}

/*
 * 0 if x was signed by the VMCA's current signing cert.  der (x's DER, or
 * NULL) lets the cert this handle has just signed through without
 * verifying a signature made a moment ago with the same key.
 */
static int
issued_here_der(struct ck_ca *ca, X509 *x, const unsigned char *der, int dlen)
{
	X509 *cacert = ck_ca_cert(ca);
	char a[256];

	if (der != NULL && ca->issued != NULL && dlen == ca->issued_len &&
	    memcmp(der, ca->issued, (size_t)dlen) == 0)
		return 0;
	if (cacert == NULL || X509_check_issued(cacert, x) != X509_V_OK ||
	    X509_verify(x, X509_get0_pubkey(cacert)) != 1) {
		ERR_clear_error();
		return ck_errf(CK_E_UNSUPPORTED, "Unsupported: %s was not issued by this VMCA "
		    "(%s); renew it with the CA that issued it",
		    name_str(X509_get_subject_name(x), a, sizeof(a)), ca->dir);
	}
	return 0;
}

static int
issued_here(struct ck_ca *ca, X509 *x)
{
	return issued_here_der(ca, x, NULL, 0);
}

static int lookup_ro(struct ck_ca *ca, X509 *x, int *found, int *revoked);
static int record_prepare(struct ck_ca *ca, X509 *x, struct ck_ca_pending **out);
static void *record_run(void *arg);

/* CK_E_REVOKED if x is in the index and revoked. */
static int
refuse_revoked(struct ck_ca *ca, X509 *x)
{
	int found, revoked, r;
	char a[256];

	if ((r = lookup_ro(ca, x, &found, &revoked)) == 0 && revoked)
		r = ck_errf(CK_E_REVOKED, "%s is revoked: a revoked certificate cannot be "
		    "renewed; issue a new one (--gencert or --gencertfromcsr)",
		    name_str(X509_get_subject_name(x), a, sizeof(a)));
	return r;
}

int
ck_ca_renew(struct ck_ca *ca, X509 *old, EVP_PKEY *key, int days, unsigned int flags,
    X509 **out, STACK_OF(X509) **chain)
{
	struct request rq;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	int r;

	*out = NULL;
	if (chain != NULL)
		*chain = NULL;
	if ((r = need_root(ca)) != 0 || (r = issued_here(ca, old)) != 0 ||
	    (r = refuse_revoked(ca, old)) != 0)
		return r;
	if (key != NULL && (r = ck_cert_key_match(old, key)) != 0)
		return ck_errf(r, "the private key is not the key of the certificate to renew");
	if (days < 0 || days > CK_CA_RENEW_MAX_DAYS)
		return ck_errf(CK_E_TIME, "a renewal lifetime of %d days is outside 1..%d",
		    days, CK_CA_RENEW_MAX_DAYS);
	/* All extensions but the AKI, which issue() adds for the current CA. */
	if ((exts = sk_X509_EXTENSION_new_null()) == NULL)
		return CK_E_NOMEM;
	for (int i = 0; i < X509_get_ext_count(old); i++) {
		X509_EXTENSION *e = X509_get_ext(old, i);
		if (OBJ_obj2nid(X509_EXTENSION_get_object(e)) == NID_authority_key_identifier)
			continue;
		if ((e = X509_EXTENSION_dup(e)) == NULL || !sk_X509_EXTENSION_push(exts, e)) {
			X509_EXTENSION_free(e);
			r = CK_E_NOMEM;
			goto out;
		}
	}
	rq.subject = X509_get_subject_name(old);
	rq.pub = X509_get0_pubkey(old);
	rq.exts = exts;
	r = issue(ca, &rq, days, CK_CA_RENEW_MAX_DAYS, ISSUE_NO_POLICY | (flags & CK_SIGN_NO_RECORD),
	    NULL, out);
	if (r == 0 && chain != NULL && (r = send_chain(ca, chain)) != 0) {
		X509_free(*out);
		*out = NULL;
	}
out:
	ck_exts_free(exts);
	return r;
}

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
	else if ((r = issued_here_der(ca, x, p->der, p->dlen)) == 0 &&
	    (r = serial_key(X509_get0_serialNumber(x), p->key, &p->klen)) == 0)
		r = db_open(ca, 1);
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
		return dberr(ca, "mdb_txn_begin", rc);
	key.mv_data = p->key;
	key.mv_size = p->klen;
	rc = mdb_get(txn, ca->certs, &key, &val);
	if (rc == 0 && val.mv_size == (size_t)p->dlen &&
	    memcmp(val.mv_data, p->der, val.mv_size) == 0 &&
	    (rc = mdb_del(txn, ca->certs, &key, NULL)) == 0) {
		if ((rc = mdb_txn_commit(txn)) != 0)
			return dberr(ca, "mdb_txn_commit", rc);
		return 0;
	}
	mdb_txn_abort(txn);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : dberr(ca, "mdb_del(certs)", rc);
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
	else
		r = put_err(p->ca, p->rc, p->call);
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
		return dberr(ca, "mdb_get(certs)", rc);
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
		return dberr(ca, "mdb_get(revoked)", rc);
	return 0;
}

/* lookup in its own read-only transaction; no index yet holds nothing */
static int
lookup_ro(struct ck_ca *ca, X509 *x, int *found, int *revoked)
{
	MDB_txn *txn = NULL;
	int r;

	*found = *revoked = 0;
	if ((r = begin_read(ca, &txn)) != 0)
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
	if ((r = db_open(ca, 0)) == CK_E_NOENT)
		goto foreign;
	if (r != 0)
		return r;
	if ((rc = mdb_txn_begin(ca->env, NULL, 0, &txn)) != 0)
		return dberr(ca, "mdb_txn_begin", rc);
	if ((r = lookup(ca, txn, x, &found, &revoked)) != 0)
		goto txn_abort;
	if (!found) {
		mdb_txn_abort(txn);
		goto foreign;
	}
	if (revoked) {
		r = ck_errf(CK_E_REVOKED, "%s is already revoked",
		    name_str(X509_get_subject_name(x), a, sizeof(a)));
		goto txn_abort;
	}
	if ((r = serial_key(X509_get0_serialNumber(x), k, &klen)) != 0)
		goto txn_abort;
	put_be(v, (uint64_t)ck_now(), 8);
	put_be(v + 8, (uint64_t)reason, 4);
	key.mv_data = k;
	key.mv_size = klen;
	val.mv_data = v;
	val.mv_size = sizeof(v);
	if ((rc = mdb_put(txn, ca->revoked, &key, &val, MDB_NOOVERWRITE)) != 0) {
		r = dberr(ca, "mdb_put(revoked)", rc);
		goto txn_abort;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return dberr(ca, "mdb_txn_commit", rc);
	return 0;
txn_abort:
	mdb_txn_abort(txn);
	return r;
foreign:
	return ck_errf(CK_E_UNSUPPORTED, "%s was not issued by this VMCA (%s): only "
	    "certificates in its index can be revoked",
	    name_str(X509_get_subject_name(x), a, sizeof(a)), ca->dir);
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
	r = lookup_ro(ca, x, &found, &revoked);
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
	if ((r = begin_read(ca, &txn)) != 0)
		return r == CK_E_NOENT ? 0 : r;
	if ((rc = mdb_cursor_open(txn, ca->certs, &cur)) != 0) {
		r = dberr(ca, "mdb_cursor_open", rc);
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
			r = dberr(ca, "mdb_get(revoked)", rrc);
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
		r = dberr(ca, "mdb_cursor_get", rc);
cursor_close:
	mdb_cursor_close(cur);
txn_abort:
	mdb_txn_abort(txn);
	return r;
}

/* --- CRL ----------------------------------------------------------------- */

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
	    (t = ASN1_TIME_set(NULL, (time_t)get_be(v, 8))) == NULL ||
	    (reason = ASN1_ENUMERATED_new()) == NULL ||
	    !ASN1_ENUMERATED_set(reason, (long)get_be(v + 8, 4)) ||
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

int
ck_ca_gen_crl(struct ck_ca *ca, X509_CRL **out)
{
	X509_CRL *crl = NULL;
	X509 *cacert;
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val key, val, nkey;
	ASN1_INTEGER *num = NULL;
	ASN1_TIME *t = NULL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	unsigned char nb[8];
	uint64_t crlnum = 0;
	char *pem = NULL, *path = NULL;
	size_t plen;
	time_t last;
	int rc, r;

	if (out != NULL)
		*out = NULL;
	if ((r = need_root(ca)) != 0 || (r = db_open(ca, 1)) != 0)
		return r;
	cacert = ck_ca_cert(ca);
	if ((rc = mdb_txn_begin(ca->env, NULL, 0, &txn)) != 0)
		return dberr(ca, "mdb_txn_begin", rc);
	nkey.mv_data = (void *)"crlnumber";
	nkey.mv_size = strlen("crlnumber");
	rc = mdb_get(txn, ca->props, &nkey, &val);
	if (rc == 0 && val.mv_size == 8)
		crlnum = get_be(val.mv_data, 8);
	else if (rc != MDB_NOTFOUND && rc != 0) {
		r = dberr(ca, "mdb_get(crlnumber)", rc);
		goto txn_abort;
	}
	crlnum++;
	r = CK_E_NOMEM;
	last = (time_t)(ck_now() - CK_CA_BACKDATE_SECS);
	if ((crl = X509_CRL_new()) == NULL || !X509_CRL_set_version(crl, X509_CRL_VERSION_2) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(cacert)) ||
	    (t = ASN1_TIME_set(NULL, last)) == NULL || !X509_CRL_set1_lastUpdate(crl, t) ||
	    ASN1_TIME_adj(t, last, CK_CA_CRL_DAYS, 0) == NULL || !X509_CRL_set1_nextUpdate(crl, t))
		goto txn_abort;
	if ((rc = mdb_cursor_open(txn, ca->revoked, &cur)) != 0) {
		r = dberr(ca, "mdb_cursor_open", rc);
		goto txn_abort;
	}
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		MDB_val cv;
		const unsigned char *p;
		X509 *x;
		int same;
		/* only serials of certificates the current signing cert issued */
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
			goto cursor_close;
	}
	if (rc != MDB_NOTFOUND) {
		r = dberr(ca, "mdb_cursor_get", rc);
		goto cursor_close;
	}
	mdb_cursor_close(cur);
	cur = NULL;
	if (!X509_CRL_sort(crl) || (num = ASN1_INTEGER_new()) == NULL ||
	    !ASN1_INTEGER_set_uint64(num, crlnum) ||
	    !X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0)) {
		r = CK_E_NOMEM;
		goto txn_abort;
	}
	if ((r = push_aki(&exts, cacert)) != 0)
		goto txn_abort;
	if (!X509_CRL_add_ext(crl, sk_X509_EXTENSION_value(exts, 0), -1)) {
		r = ck_errssl(CK_E_CRYPTO, "X509_CRL_add_ext(AKI)");
		goto txn_abort;
	}
	if (X509_CRL_sign(crl, ca->key, sig_md(ca->key)) <= 0) {
		r = ck_errssl(CK_E_CRYPTO, "X509_CRL_sign");
		goto txn_abort;
	}
	if ((r = ck_crl_to_pem(crl, &pem, &plen)) != 0)
		goto txn_abort;
	if ((path = cajoin(ca, CRL_FILE)) == NULL) {
		r = CK_E_NOMEM;
		goto txn_abort;
	}
	put_be(nb, crlnum, 8);
	val.mv_data = nb;
	val.mv_size = 8;
	if ((rc = mdb_put(txn, ca->props, &nkey, &val, 0)) != 0) {
		r = dberr(ca, "mdb_put(crlnumber)", rc);
		goto txn_abort;
	}
	/* The number is committed first so that a published CRL never
	 * reuses one, even if writing the file then fails. */
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0) {
		r = dberr(ca, "mdb_txn_commit", rc);
		goto out;
	}
	if ((r = ck_file_write(path, pem, plen, 0644, 0)) != 0)
		goto out;
	if (out != NULL) {
		*out = crl;
		crl = NULL;
	}
	r = 0;
	goto out;
cursor_close:
	mdb_cursor_close(cur);
txn_abort:
	mdb_txn_abort(txn);
out:
	free(path);
	free(pem);
	ck_exts_free(exts);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
	return r;
}

int
ck_ca_get_crl(struct ck_ca *ca, X509_CRL **out)
{
	char *path = NULL;
	int r;

	*out = NULL;
	if ((r = need_root(ca)) != 0)
		return r;
	if ((path = cajoin(ca, CRL_FILE)) == NULL)
		return CK_E_NOMEM;
	if (!ck_file_exists(path))
		r = ck_ca_gen_crl(ca, out);
	else
		r = ck_crl_load(path, out);
	free(path);
	return r;
}
