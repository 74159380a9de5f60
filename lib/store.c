/*
 * store.c: the VECS store's environment: opening it (map size, directory
 * and file modes), the schema and the built-in stores, and transactions
 * (the group ones and the one-call ones the other store_*.c files use).
 * See store.h for the layout and the promises, store_int.h for what the
 * store files share.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <lmdb.h>

#include "err.h"
#include "fileio.h"
#include "paths.h"
#include "secmem.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#define DEFAULT_MAPSIZE ((size_t)1 << 30)

int
store_mdb_err(int rc, const char *call)
{
	if (rc == MDB_MAP_FULL || rc == ENOSPC || rc == EDQUOT)
		return ck_errf(CK_E_NOSPC, "%s: %s: the store is full; free disk space "
		    "(or raise CERTKIT_VECS_MAPSIZE) and retry", call, mdb_strerror(rc));
	if (rc == EACCES || rc == EPERM)
		return ck_errf(CK_E_ACCESS, "%s: %s", call, mdb_strerror(rc));
	if (rc == ENOMEM)
		return CK_E_NOMEM;
	if (rc == MDB_NOTFOUND)
		return ck_errf(CK_E_NOENT, "%s: not found", call);
	return ck_errf(CK_E_DB, "%s: %s", call, mdb_strerror(rc));
}

/*
 * A failed commit.  LMDB reports a short write as EIO, which is what a full
 * file system gives (the write stops part way, then ENOSPC); so EIO with
 * little space left is reported as a full disk.  Nothing was committed.
 */
static int
commit_err(struct ck_store *st, int rc)
{
	const char *path = NULL;
	struct statvfs sv;

	if (rc == EIO && mdb_env_get_path(st->env, &path) == 0 && path != NULL &&
	    statvfs(path, &sv) == 0 && (uint64_t)sv.f_bavail * sv.f_frsize < 16u << 20)
		return ck_errf(CK_E_NOSPC, "mdb_txn_commit: %s: the store is full: %s has %llu KiB "
		    "free; free disk space and retry", mdb_strerror(rc), path,
		    (unsigned long long)sv.f_bavail * sv.f_frsize / 1024);
	return store_mdb_err(rc, "mdb_txn_commit");
}

int
store_op_begin(struct ck_store *st, int write, struct op *op)
{
	int rc;

	op->own = 0;
	op->st = st;
	if (st->txn != NULL) {
		if (write && !st->txn_write)
			return ck_errf(CK_E_STATE, "write inside a read-only transaction");
		op->txn = st->txn;
		return 0;
	}
	if (write && st->rdonly)
		return ck_errf(CK_E_ACCESS, "the store was opened read-only");
	rc = mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY, &op->txn);
	if (rc != 0)
		return store_mdb_err(rc, "mdb_txn_begin");
	op->own = 1;
	return 0;
}

/* End an op: commit if r == 0 and we own it, else abort ours.  A failure
 * inside a group transaction poisons the group: the caller must abort. */
int
store_op_end(struct op *op, int r)
{
	int rc;

	if (!op->own)
		return r;
	if (r != 0) {
		mdb_txn_abort(op->txn);
		store_audit_end(op->st, 0);
		return r;
	}
	rc = mdb_txn_commit(op->txn);
	store_audit_end(op->st, rc == 0);
	if (rc != 0)
		return commit_err(op->st, rc);
	return 0;
}

/* The built-in stores and the ACLs VECS gives them. */
static int
ensure_builtins(struct ck_store *st, MDB_txn *txn)
{
	static const struct ck_ace everyone_read = { CK_UID_EVERYONE, CK_ACCESS_READ };
	struct ck_store_info info;
	int r;

	if ((r = store_get(st, txn, CK_STORE_MACHINE_SSL, &info)) == CK_E_NOENT)
		r = store_create_txn(st, txn, CK_STORE_MACHINE_SSL, 0, NULL, 0);
	if (r == 0 && (r = store_get(st, txn, CK_STORE_TRUSTED_ROOTS, &info)) == CK_E_NOENT)
		r = store_create_txn(st, txn, CK_STORE_TRUSTED_ROOTS, 0, &everyone_read, 1);
	if (r == 0 && (r = store_get(st, txn, CK_STORE_TRUSTED_CRLS, &info)) == CK_E_NOENT)
		r = store_create_txn(st, txn, CK_STORE_TRUSTED_CRLS, 0, &everyone_read, 1);
	return r;
}

static int
open_dbis(struct ck_store *st, MDB_txn *txn, unsigned int fl)
{
	int rc;

	if ((rc = mdb_dbi_open(txn, "meta", fl, &st->meta)) != 0 ||
	    (rc = mdb_dbi_open(txn, "stores", fl, &st->stores)) != 0 ||
	    (rc = mdb_dbi_open(txn, "entries", fl, &st->entries)) != 0 ||
	    (rc = mdb_dbi_open(txn, "order", fl, &st->order)) != 0)
		return rc;
	return 0;
}

static int
check_schema(struct ck_store *st, MDB_txn *txn, int write)
{
	MDB_val k = { 7, "version" }, v;
	unsigned char buf[4];
	int rc;

	rc = mdb_get(txn, st->meta, &k, &v);
	if (rc == 0) {
		uint32_t ver = v.mv_size == 4 ? (uint32_t)ck_get_be(v.mv_data, 4) : 0;
		if (ver != CK_STORE_SCHEMA)
			return ck_errf(CK_E_DB, "store schema version %u is not %d: "
			    "this vecs cannot read it", ver, CK_STORE_SCHEMA);
		return 0;
	}
	if (rc != MDB_NOTFOUND)
		return store_mdb_err(rc, "mdb_get(meta version)");
	if (!write)
		return MDB_NOTFOUND;
	ck_put_be(buf, CK_STORE_SCHEMA, 4);
	v.mv_data = buf;
	v.mv_size = 4;
	if ((rc = mdb_put(txn, st->meta, &k, &v, 0)) != 0)
		return store_mdb_err(rc, "mdb_put(meta version)");
	return 0;
}

/* Read-only probe: are the databases, schema and built-ins all there? */
static int
probe(struct ck_store *st)
{
	struct ck_store_info info;
	MDB_txn *txn = NULL;
	int rc, r;

	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn)) != 0)
		return store_mdb_err(rc, "mdb_txn_begin");
	if ((rc = open_dbis(st, txn, 0)) != 0) {
		mdb_txn_abort(txn);
		return rc == MDB_NOTFOUND ? 1 : store_mdb_err(rc, "mdb_dbi_open");
	}
	r = check_schema(st, txn, 0);
	if (r == MDB_NOTFOUND)
		r = 1;
	if (r == 0 && (store_get(st, txn, CK_STORE_MACHINE_SSL, &info) != 0 ||
	    store_get(st, txn, CK_STORE_TRUSTED_ROOTS, &info) != 0 ||
	    store_get(st, txn, CK_STORE_TRUSTED_CRLS, &info) != 0))
		r = 1;
	if (r < 0) {
		mdb_txn_abort(txn);
		return r;
	}
	/* commit keeps the dbi handles for later transactions */
	if ((rc = mdb_txn_commit(txn)) != 0)
		return store_mdb_err(rc, "mdb_txn_commit");
	return r;
}

static int
init_db(struct ck_store *st)
{
	MDB_txn *txn = NULL;
	int rc, r;

	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
		return store_mdb_err(rc, "mdb_txn_begin");
	if ((rc = open_dbis(st, txn, MDB_CREATE)) != 0) {
		r = store_mdb_err(rc, "mdb_dbi_open");
		goto txn_abort;
	}
	if ((r = check_schema(st, txn, 1)) != 0 || (r = ensure_builtins(st, txn)) != 0)
		goto txn_abort;
	if ((rc = mdb_txn_commit(txn)) != 0)
		return store_mdb_err(rc, "mdb_txn_commit");
	return 0;
txn_abort:
	mdb_txn_abort(txn);
	return r;
}

/*
 * Tighten dir (0700) and its data.mdb and lock.mdb (0600) if a restore, an
 * upgrade or a hand-made copy left group or other bits on them: the
 * database holds private keys.  Only what the caller owns is changed (root
 * may change anything); anything else loose is CK_E_ACCESS, and the
 * database is not opened.  *fixed counts the paths changed.
 */
static int
tighten_modes(const char *dir, int *fixed)
{
	static const char *const names[] = { "", "/data.mdb", "/lock.mdb" };
	char path[PATH_MAX];
	struct stat sb;
	uid_t euid = geteuid();

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		mode_t want = i == 0 ? 0700 : 0600;
		snprintf(path, sizeof(path), "%s%s", dir, names[i]);
		/* LMDB follows links and chmod would too: a database file must
		 * be a file (the directory was checked: nobody else can plant one) */
		if (i > 0 && lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
			return ck_errf(S_ISLNK(sb.st_mode) ? CK_E_SYMLINK : CK_E_INVAL, "%s is %s, not "
			    "a file; refusing to open the store", path, S_ISLNK(sb.st_mode) ?
			    "a symbolic link" : "something else");
		if (stat(path, &sb) != 0 || (sb.st_mode & 077) == 0)
			continue;
		if ((euid != 0 && sb.st_uid != euid) || chmod(path, want) != 0)
			return ck_errf(CK_E_ACCESS, "%s has mode %04o (open to group or others) and "
			    "cannot be tightened by uid %u; run chmod %o %s as its owner (uid %u) or root",
			    path, (unsigned int)(sb.st_mode & 07777), (unsigned int)euid,
			    (unsigned int)want, path, (unsigned int)sb.st_uid);
		(*fixed)++;
	}
	return 0;
}

int
ck_store_repaired(const struct ck_store *st)
{
	return st->repaired;
}

int
ck_store_open(const char *dir, int flags, struct ck_store **out)
{
	int fixed = 0;
	struct ck_store *st = NULL;
	const char *ms;
	size_t mapsize = DEFAULT_MAPSIZE;
	unsigned int envfl = MDB_NOTLS;
	char path[PATH_MAX];
	struct stat sb;
	int rc, r;

	*out = NULL;
	if (dir == NULL)
		dir = ck_path(CK_PATH_VECS);
	if ((ms = getenv("CERTKIT_VECS_MAPSIZE")) != NULL && *ms != '\0') {
		long v;
		if (ck_parse_long(ms, 16384, LONG_MAX, &v) != 0)
			return ck_errf(CK_E_INVAL, "CERTKIT_VECS_MAPSIZE=%s is not a size in bytes", ms);
		mapsize = (size_t)v;
	}
	/* before anything inside is touched */
	if ((r = ck_dir_check(dir, "certificate store directory")) != 0)
		return r;
	if (flags & CK_STORE_RDONLY) {
		snprintf(path, sizeof(path), "%s/data.mdb", dir);
		if (stat(path, &sb) != 0)
			return ck_errf(errno == EACCES ? CK_E_ACCESS : CK_E_NOENT,
			    "%s: %s", path, strerror(errno));
		envfl |= MDB_RDONLY;
	} else if ((r = ck_mkdir_p(dir, 0700)) != 0) {
		return r;
	}
	if ((r = tighten_modes(dir, &fixed)) != 0)
		return r;
	if (flags & CK_STORE_NOSYNC)
		envfl |= MDB_NOSYNC;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return CK_E_NOMEM;
	st->rdonly = (flags & CK_STORE_RDONLY) != 0;
	st->repaired = fixed;
	if ((rc = mdb_env_create(&st->env)) != 0) {
		r = store_mdb_err(rc, "mdb_env_create");
		goto free_st;
	}
	if ((rc = mdb_env_set_maxdbs(st->env, 8)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env, mapsize)) != 0) {
		r = store_mdb_err(rc, "mdb_env_set_mapsize");
		goto env_close;
	}
	if ((rc = mdb_env_open(st->env, dir, envfl, 0600)) != 0) {
		r = store_mdb_err(rc, "mdb_env_open");
		ck_errf(r, "mdb_env_open %s: %s", dir, mdb_strerror(rc));
		goto env_close;
	}
	/* readers killed while reading would pin old pages forever */
	(void)mdb_reader_check(st->env, NULL);
	if ((r = probe(st)) < 0)
		goto env_close;
	if (r == 1) {
		if (st->rdonly) {
			r = ck_errf(CK_E_NOENT, "%s: the store database is not initialised", dir);
			goto env_close;
		}
		if ((r = init_db(st)) != 0)
			goto env_close;
	}
	*out = st;
	return 0;
env_close:
	mdb_env_close(st->env);
free_st:
	free(st);
	return r;
}

void
ck_store_close(struct ck_store *st)
{
	if (st == NULL)
		return;
	if (st->txn != NULL)
		mdb_txn_abort(st->txn);
	ck_audit_drop(&st->audit);
	mdb_env_close(st->env);
	free(st);
}

int
ck_store_txn_begin(struct ck_store *st, int write)
{
	int rc;

	if (st->txn != NULL)
		return ck_errf(CK_E_STATE, "a transaction is already open");
	if (write && st->rdonly)
		return ck_errf(CK_E_ACCESS, "the store was opened read-only");
	if ((rc = mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY, &st->txn)) != 0) {
		st->txn = NULL;
		return store_mdb_err(rc, "mdb_txn_begin");
	}
	st->txn_write = write;
	return 0;
}

int
ck_store_txn_commit(struct ck_store *st)
{
	MDB_txn *txn = st->txn;
	int rc;

	if (txn == NULL)
		return ck_errf(CK_E_STATE, "no transaction is open");
	st->txn = NULL;
	rc = mdb_txn_commit(txn);
	store_audit_end(st, rc == 0);
	if (rc != 0)
		return commit_err(st, rc);
	return 0;
}

void
ck_store_txn_abort(struct ck_store *st)
{
	if (st->txn != NULL)
		mdb_txn_abort(st->txn);
	st->txn = NULL;
	store_audit_end(st, 0);
}
