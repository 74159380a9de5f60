/*
 * store.c: the VECS store on LMDB (see store.h for the layout and the
 * promises).  Records are packed little structures copied with memcpy, so
 * nothing depends on the alignment of the map.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <lmdb.h>

#include "err.h"
#include "fileio.h"
#include "paths.h"
#include "secmem.h"
#include "store.h"
#include "util.h"

#define DEFAULT_MAPSIZE ((size_t)1 << 30)

struct ck_store {
	MDB_env *env;
	MDB_dbi meta, stores, entries, order;
	MDB_txn *txn;		/* open group transaction, or NULL */
	int txn_write;
	int rdonly;
	void *map_addr;		/* data.mdb mapping, found on first need */
	size_t map_len;
	int map_unknown;
	size_t touched;		/* map pages a walk touched since they were dropped */
	uintptr_t last_page;	/* the page of the record it read last */
	int repaired;		/* paths whose loose modes open tightened */
};

/* A transaction for one call: the group one if open, else a fresh one. */
struct op {
	struct ck_store *st;
	MDB_txn *txn;
	int own;
};

static int
mdb_err(int rc, const char *call)
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
	return mdb_err(rc, "mdb_txn_commit");
}

static void walked(struct ck_store *st, const MDB_val *v);

static int
op_begin(struct ck_store *st, int write, struct op *op)
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
		return mdb_err(rc, "mdb_txn_begin");
	op->own = 1;
	return 0;
}

/* End an op: commit if r == 0 and we own it, else abort ours.  A failure
 * inside a group transaction poisons the group: the caller must abort. */
static int
op_end(struct op *op, int r)
{
	int rc;

	if (!op->own)
		return r;
	if (r != 0) {
		mdb_txn_abort(op->txn);
		return r;
	}
	if ((rc = mdb_txn_commit(op->txn)) != 0)
		return commit_err(op->st, rc);
	return 0;
}

/* --- encoding helpers ---------------------------------------------------- */

static void
casefold(char *dst, const char *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
}

int
ck_store_is_builtin(const char *name)
{
	return name != NULL && (ck_strcaseeq(name, CK_STORE_MACHINE_SSL) ||
	    ck_strcaseeq(name, CK_STORE_TRUSTED_ROOTS) ||
	    ck_strcaseeq(name, CK_STORE_TRUSTED_CRLS));
}

const char *
ck_entry_type_name(int type)
{
	switch (type) {
	case CK_ENTRY_PRIVATE_KEY: return "Private Key";
	case CK_ENTRY_SECRET_KEY: return "Secret Key";
	case CK_ENTRY_TRUSTED_CERT: return "Trusted Cert";
	case CK_ENTRY_CRL: return "Certification Revocation List";
	case CK_ENTRY_ENCRYPTED_KEY: return "Encrypted Private Key";
	default: return "Unknown";
	}
}

/*
 * Store record: be32 id, be32 owner, be32 nace, be32 namelen, name,
 * nace x (be32 uid, be32 mask).
 */
static int
store_decode(const MDB_val *v, struct ck_store_info *info)
{
	const unsigned char *p = v->mv_data;
	uint32_t nace, namelen;

	memset(info, 0, sizeof(*info));
	if (v->mv_size < 16)
		return ck_errf(CK_E_DB, "damaged store record (%zu bytes)", v->mv_size);
	info->id = (uint32_t)ck_get_be(p, 4);
	info->owner = (uint32_t)ck_get_be(p + 4, 4);
	nace = (uint32_t)ck_get_be(p + 8, 4);
	namelen = (uint32_t)ck_get_be(p + 12, 4);
	if (nace > CK_STORE_ACE_MAX || namelen >= sizeof(info->name) ||
	    v->mv_size != 16 + (size_t)namelen + 8 * (size_t)nace)
		return ck_errf(CK_E_DB, "damaged store record");
	memcpy(info->name, p + 16, namelen);
	info->name[namelen] = '\0';
	info->nace = nace;
	for (uint32_t i = 0; i < nace; i++) {
		info->ace[i].uid = (uint32_t)ck_get_be(p + 16 + namelen + 8 * i, 4);
		info->ace[i].mask = (uint32_t)ck_get_be(p + 16 + namelen + 8 * i + 4, 4);
	}
	return 0;
}

static int
store_put(struct ck_store *st, MDB_txn *txn, const struct ck_store_info *info)
{
	size_t namelen = strlen(info->name);
	unsigned char buf[16 + sizeof(info->name) + 8 * CK_STORE_ACE_MAX];
	char kbuf[sizeof(info->name)];
	MDB_val k, v;
	int rc;

	ck_put_be(buf, info->id, 4);
	ck_put_be(buf + 4, info->owner, 4);
	ck_put_be(buf + 8, (uint32_t)info->nace, 4);
	ck_put_be(buf + 12, (uint32_t)namelen, 4);
	memcpy(buf + 16, info->name, namelen);
	for (size_t i = 0; i < info->nace; i++) {
		ck_put_be(buf + 16 + namelen + 8 * i, info->ace[i].uid, 4);
		ck_put_be(buf + 16 + namelen + 8 * i + 4, info->ace[i].mask, 4);
	}
	casefold(kbuf, info->name, namelen);
	k.mv_data = kbuf;
	k.mv_size = namelen;
	v.mv_data = buf;
	v.mv_size = 16 + namelen + 8 * info->nace;
	if ((rc = mdb_put(txn, st->stores, &k, &v, 0)) != 0)
		return mdb_err(rc, "mdb_put(stores)");
	return 0;
}

static int
store_get(struct ck_store *st, MDB_txn *txn, const char *name, struct ck_store_info *info)
{
	size_t n;
	char kbuf[sizeof(info->name)];
	MDB_val k, v;
	int rc;

	if (name == NULL || (n = strlen(name)) == 0)
		return ck_errf(CK_E_NOENT, "empty store name");
	if (n >= sizeof(kbuf))
		return ck_errf(CK_E_NOENT, "store does not exist (name too long)");
	casefold(kbuf, name, n);
	k.mv_data = kbuf;
	k.mv_size = n;
	rc = mdb_get(txn, st->stores, &k, &v);
	if (rc == MDB_NOTFOUND)
		return ck_errf(CK_E_NOENT, "store [%s] does not exist", name);
	if (rc != 0)
		return mdb_err(rc, "mdb_get(stores)");
	return store_decode(&v, info);
}

/* meta counters: "next_store_id" (be32), "next_seq" (be64). */
static int
meta_next(struct ck_store *st, MDB_txn *txn, const char *name, int wide, uint64_t *out)
{
	unsigned char buf[8];
	MDB_val k = { strlen(name), (void *)name }, v;
	uint64_t cur = 1;
	int rc;

	rc = mdb_get(txn, st->meta, &k, &v);
	if (rc == 0 && v.mv_size == (wide ? 8u : 4u))
		cur = wide ? ck_get_be(v.mv_data, 8) : (uint32_t)ck_get_be(v.mv_data, 4);
	else if (rc != 0 && rc != MDB_NOTFOUND)
		return mdb_err(rc, "mdb_get(meta)");
	*out = cur;
	if (wide)
		ck_put_be(buf, cur + 1, 8);
	else
		ck_put_be(buf, (uint32_t)(cur + 1), 4);
	v.mv_data = buf;
	v.mv_size = wide ? 8 : 4;
	if ((rc = mdb_put(txn, st->meta, &k, &v, 0)) != 0)
		return mdb_err(rc, "mdb_put(meta)");
	return 0;
}

/* Names with control characters (a newline, ESC) would forge lines and
 * escape sequences in the line-oriented listings scripts parse. */
static int
has_ctrl(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

/*
 * A new store name or alias (what = "store name" / "alias"): UTF-8 without
 * C0 or C1 controls or DEL, so no name can move a terminal's cursor or
 * hide itself in a listing.  Lookups only refuse C0 controls (has_ctrl),
 * so a name stored before this rule can still be read and deleted.
 */
static int
check_name(const char *what, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t l;

	for (size_t i = 0; i < n; i += l) {
		l = ck_utf8_len(u + i, n - i);
		if ((l == 1 && (u[i] < 0x20 || u[i] == 0x7f)) ||
		    (l == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0) ||
		    (l == 0 && u[i] >= 0x80 && u[i] <= 0x9f))
			return ck_errf(CK_E_INVAL, "%s contains a control character (byte %zu; "
			    "C0 and C1 controls and DEL are refused)", what, i + 1);
		if (l == 0)
			return ck_errf(CK_E_INVAL, "%s is not valid UTF-8 (byte %zu)", what, i + 1);
	}
	return 0;
}

/* An alias an entry may be added under: bkp_<alias> must fit too. */
static int
check_new_alias(const char *alias)
{
	size_t n;

	if (alias == NULL || (n = strlen(alias)) == 0)
		return ck_errf(CK_E_INVAL, "empty alias");
	if (n > CK_ALIAS_MAX)
		return ck_errf(CK_E_TOOLONG, "alias is %zu bytes, at most %d allowed (its backup "
		    "%s<alias> must fit in %d)", n, CK_ALIAS_MAX, CK_BACKUP_PREFIX, CK_ALIAS_KEY_MAX);
	return check_name("alias", alias, n);
}

static int
store_create_txn(struct ck_store *st, MDB_txn *txn, const char *name, uint32_t owner,
    const struct ck_ace *aces, size_t nace)
{
	struct ck_store_info info;
	MDB_stat ms;
	uint64_t id;
	size_t n;
	int r, rc;

	if (name == NULL || (n = strlen(name)) == 0)
		return ck_errf(CK_E_INVAL, "empty store name");
	if (n > CK_STORE_NAME_MAX)
		return ck_errf(CK_E_TOOLONG, "store name is %zu characters, at most %d allowed",
		    n, CK_STORE_NAME_MAX);
	if ((r = check_name("store name", name, n)) != 0)
		return r;
	r = store_get(st, txn, name, &info);
	if (r == 0)
		return ck_errf(CK_E_EXIST, "store [%s] already exists", info.name);
	if (r != CK_E_NOENT)
		return r;
	if ((rc = mdb_stat(txn, st->stores, &ms)) != 0)
		return mdb_err(rc, "mdb_stat(stores)");
	if (ms.ms_entries >= CK_STORE_MAX)
		return ck_errf(CK_E_LIMIT, "there are already %d stores, the maximum", CK_STORE_MAX);
	if ((r = meta_next(st, txn, "next_store_id", 0, &id)) != 0)
		return r;
	memset(&info, 0, sizeof(info));
	memcpy(info.name, name, n);
	info.id = (uint32_t)id;
	info.owner = owner;
	info.nace = nace;
	if (nace > 0)	/* the built-in stores pass aces == NULL */
		memcpy(info.ace, aces, nace * sizeof(*aces));
	return store_put(st, txn, &info);
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
		return mdb_err(rc, "mdb_get(meta version)");
	if (!write)
		return MDB_NOTFOUND;
	ck_put_be(buf, CK_STORE_SCHEMA, 4);
	v.mv_data = buf;
	v.mv_size = 4;
	if ((rc = mdb_put(txn, st->meta, &k, &v, 0)) != 0)
		return mdb_err(rc, "mdb_put(meta version)");
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
		return mdb_err(rc, "mdb_txn_begin");
	if ((rc = open_dbis(st, txn, 0)) != 0) {
		mdb_txn_abort(txn);
		return rc == MDB_NOTFOUND ? 1 : mdb_err(rc, "mdb_dbi_open");
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
		return mdb_err(rc, "mdb_txn_commit");
	return r;
}

static int
init_db(struct ck_store *st)
{
	MDB_txn *txn = NULL;
	int rc, r;

	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
		return mdb_err(rc, "mdb_txn_begin");
	if ((rc = open_dbis(st, txn, MDB_CREATE)) != 0) {
		r = mdb_err(rc, "mdb_dbi_open");
		goto txn_abort;
	}
	if ((r = check_schema(st, txn, 1)) != 0 || (r = ensure_builtins(st, txn)) != 0)
		goto txn_abort;
	if ((rc = mdb_txn_commit(txn)) != 0)
		return mdb_err(rc, "mdb_txn_commit");
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
		r = mdb_err(rc, "mdb_env_create");
		goto free_st;
	}
	if ((rc = mdb_env_set_maxdbs(st->env, 8)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env, mapsize)) != 0) {
		r = mdb_err(rc, "mdb_env_set_mapsize");
		goto env_close;
	}
	if ((rc = mdb_env_open(st->env, dir, envfl, 0600)) != 0) {
		r = mdb_err(rc, "mdb_env_open");
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
		return mdb_err(rc, "mdb_txn_begin");
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
	if ((rc = mdb_txn_commit(txn)) != 0)
		return commit_err(st, rc);
	return 0;
}

void
ck_store_txn_abort(struct ck_store *st)
{
	if (st->txn != NULL)
		mdb_txn_abort(st->txn);
	st->txn = NULL;
}

/* --- stores ---------------------------------------------------------------- */

int
ck_store_create(struct ck_store *st, const char *name, uint32_t owner)
{
	struct op op;
	int r;

	if ((r = op_begin(st, 1, &op)) != 0)
		return r;
	r = store_create_txn(st, op.txn, name, owner, NULL, 0);
	return op_end(&op, r);
}

/* Delete every key of db that begins with the 4-byte prefix. */
static int
del_prefix(MDB_txn *txn, MDB_dbi dbi, const unsigned char *prefix)
{
	MDB_cursor *c = NULL;
	MDB_val k = { 4, (void *)prefix }, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, dbi, &c)) != 0)
		return mdb_err(rc, "mdb_cursor_open");
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size >= 4 && memcmp(k.mv_data, prefix, 4) == 0) {
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_GET_CURRENT);
		if (rc == MDB_NOTFOUND || rc == EINVAL)
			break;
		if (rc == 0 && !(k.mv_size >= 4 && memcmp(k.mv_data, prefix, 4) == 0))
			break;
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND && rc != EINVAL)
		return mdb_err(rc, "mdb_cursor_del");
	return 0;
}

int
ck_store_delete(struct ck_store *st, const char *name)
{
	struct ck_store_info info;
	unsigned char prefix[4];
	char kbuf[sizeof(info.name)];
	MDB_val k;
	struct op op;
	int r, rc;

	if ((r = op_begin(st, 1, &op)) != 0)
		return r;
	if ((r = store_get(st, op.txn, name, &info)) != 0)
		goto out;
	if (ck_store_is_builtin(info.name)) {
		r = ck_errf(CK_E_ACCESS, "store [%s] is a built-in store and cannot be deleted",
		    info.name);
		goto out;
	}
	ck_put_be(prefix, info.id, 4);
	if ((r = del_prefix(op.txn, st->entries, prefix)) != 0 ||
	    (r = del_prefix(op.txn, st->order, prefix)) != 0)
		goto out;
	casefold(kbuf, info.name, strlen(info.name));
	k.mv_data = kbuf;
	k.mv_size = strlen(info.name);
	if ((rc = mdb_del(op.txn, st->stores, &k, NULL)) != 0)
		r = mdb_err(rc, "mdb_del(stores)");
out:
	return op_end(&op, r);
}

int
ck_store_info(struct ck_store *st, const char *name, struct ck_store_info *out)
{
	struct op op;
	int r;

	if ((r = op_begin(st, 0, &op)) != 0)
		return r;
	r = store_get(st, op.txn, name, out);
	return op_end(&op, r);
}

static int
cmp_info(const void *a, const void *b)
{
	const struct ck_store_info *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

int
ck_store_list(struct ck_store *st, int (*fn)(const struct ck_store_info *, void *), void *arg)
{
	struct ck_store_info *all = NULL;
	size_t n = 0, cap = 0;
	MDB_cursor *c = NULL;
	MDB_val k, v;
	struct op op;
	int r, rc;

	if ((r = op_begin(st, 0, &op)) != 0)
		return r;
	if ((rc = mdb_cursor_open(op.txn, st->stores, &c)) != 0) {
		r = mdb_err(rc, "mdb_cursor_open");
		goto out;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (n == cap) {
			struct ck_store_info *p;
			cap = cap ? cap * 2 : 16;
			if ((p = realloc(all, cap * sizeof(*all))) == NULL) {
				r = CK_E_NOMEM;
				goto out;
			}
			all = p;
		}
		if ((r = store_decode(&v, &all[n])) != 0)
			goto out;
		n++;
	}
	if (rc != MDB_NOTFOUND) {
		r = mdb_err(rc, "mdb_cursor_get(stores)");
		goto out;
	}
	qsort(all, n, sizeof(*all), cmp_info);
	for (size_t i = 0; i < n && r == 0; i++)
		r = fn(&all[i], arg);
out:
	if (c != NULL)
		mdb_cursor_close(c);
	free(all);
	if (op.own)
		mdb_txn_abort(op.txn);
	return r;
}

int
ck_store_ace(struct ck_store *st, const char *name, uint32_t uid, uint32_t mask, int mode)
{
	struct ck_store_info info;
	struct op op;
	size_t i;
	int r;

	if ((r = op_begin(st, 1, &op)) != 0)
		return r;
	if ((r = store_get(st, op.txn, name, &info)) != 0)
		goto out;
	if (uid == info.owner)
		goto out;	/* the owner has full access already */
	for (i = 0; i < info.nace && info.ace[i].uid != uid; i++)
		;
	if (i == info.nace) {
		if (mode == CK_ACE_CLEAR)
			goto out;
		if (info.nace == CK_STORE_ACE_MAX) {
			r = ck_errf(CK_E_LIMIT, "store [%s] has %d access entries, the maximum",
			    info.name, CK_STORE_ACE_MAX);
			goto out;
		}
		info.ace[info.nace].uid = uid;
		info.ace[info.nace].mask = 0;
		info.nace++;
	}
	if (mode == CK_ACE_SET)
		info.ace[i].mask = mask;
	else if (mode == CK_ACE_ADD)
		info.ace[i].mask |= mask;
	else
		info.ace[i].mask &= ~mask;
	if (info.ace[i].mask == 0) {
		memmove(&info.ace[i], &info.ace[i + 1], (info.nace - i - 1) * sizeof(info.ace[0]));
		info.nace--;
	}
	r = store_put(st, op.txn, &info);
out:
	return op_end(&op, r);
}

int
ck_store_access(const struct ck_store_info *info, uint32_t uid, uint32_t want)
{
	uint32_t have = 0;

	if (uid == 0 || uid == info->owner)
		return 0;
	for (size_t i = 0; i < info->nace; i++)
		if (info->ace[i].uid == uid || info->ace[i].uid == CK_UID_EVERYONE)
			have |= info->ace[i].mask;
	/* VECS compares masks numerically, so WRITE also grants READ */
	if (have < want)
		return ck_errf(CK_E_ACCESS, "access to store [%s] denied", info->name);
	return 0;
}

/* --- entries -------------------------------------------------------------------- */

/*
 * Entry record: be32 type, be32 flags, be64 created, be64 seq, be32
 * alias_len, be32 cert_len, be32 key_len, be32 reserved; alias, cert, key.
 */
#define ENTRY_HDR 40

static int
entry_decode(const MDB_val *v, struct ck_entry *e)
{
	const unsigned char *p = v->mv_data;
	uint32_t al, cl, kl;

	memset(e, 0, sizeof(*e));
	if (v->mv_size < ENTRY_HDR)
		return ck_errf(CK_E_DB, "damaged entry record (%zu bytes)", v->mv_size);
	al = (uint32_t)ck_get_be(p + 24, 4);
	cl = (uint32_t)ck_get_be(p + 28, 4);
	kl = (uint32_t)ck_get_be(p + 32, 4);
	if ((uint64_t)ENTRY_HDR + al + cl + kl != v->mv_size)
		return ck_errf(CK_E_DB, "damaged entry record (lengths)");
	e->type = (int)(uint32_t)ck_get_be(p, 4);
	e->flags = (uint32_t)ck_get_be(p + 4, 4);
	e->created = (int64_t)ck_get_be(p + 8, 8);
	e->seq = ck_get_be(p + 16, 8);
	e->alias = (char *)p + ENTRY_HDR;
	e->cert_pem = cl ? (char *)p + ENTRY_HDR + al : NULL;
	e->cert_len = cl;
	e->key = kl ? (char *)p + ENTRY_HDR + al + cl : NULL;
	e->key_len = kl;
	/* alias is stored with its NUL so callbacks can print it */
	if (al == 0 || ((const char *)e->alias)[al - 1] != '\0')
		return ck_errf(CK_E_DB, "damaged entry record (alias)");
	return 0;
}

/* Key (be32 id, casefolded alias) into buf; length or error. */
static int
entry_key(uint32_t id, const char *alias, unsigned char *buf, MDB_val *k)
{
	size_t n;

	if (alias == NULL || (n = strlen(alias)) == 0)
		return ck_errf(CK_E_INVAL, "empty alias");
	if (n > CK_ALIAS_KEY_MAX)
		return ck_errf(CK_E_TOOLONG, "alias is %zu bytes, at most %d allowed", n, CK_ALIAS_MAX);
	if (has_ctrl(alias, n))
		return ck_errf(CK_E_INVAL, "alias contains a control character (such as a newline)");
	ck_put_be(buf, id, 4);
	casefold((char *)buf + 4, alias, n);
	k->mv_data = buf;
	k->mv_size = 4 + n;
	return 0;
}

/*
 * Put e at (id, seq): the record goes to `order` under (id, seq), so a
 * listing is one sequential scan; `entries` maps (id, casefolded alias) to
 * seq.  putfl MDB_NOOVERWRITE makes a duplicate alias CK_E_EXIST.
 */
static int
entry_put(struct ck_store *st, MDB_txn *txn, uint32_t id, const struct ck_entry *e,
    uint64_t seq, unsigned int putfl)
{
	unsigned char kbuf[4 + CK_ALIAS_KEY_MAX], obuf[12], sbuf[8];
	size_t al = strlen(e->alias) + 1;
	MDB_val k, v, ok, ov;
	unsigned char *p;
	int r, rc;

	if ((r = entry_key(id, e->alias, kbuf, &k)) != 0)
		return r;
	if (e->cert_len > UINT32_MAX / 2 || e->key_len > UINT32_MAX / 2)
		return ck_errf(CK_E_TOOLONG, "entry too large");
	ck_put_be(sbuf, seq, 8);
	v.mv_data = sbuf;
	v.mv_size = 8;
	rc = mdb_put(txn, st->entries, &k, &v, putfl);
	if (rc == MDB_KEYEXIST)
		return ck_errf(CK_E_EXIST, "alias [%s] already exists", e->alias);
	if (rc != 0)
		return mdb_err(rc, "mdb_put(entries)");
	ck_put_be(obuf, id, 4);
	ck_put_be(obuf + 4, seq, 8);
	ok.mv_data = obuf;
	ok.mv_size = 12;
	ov.mv_size = ENTRY_HDR + al + e->cert_len + e->key_len;
	ov.mv_data = NULL;
	if ((rc = mdb_put(txn, st->order, &ok, &ov, MDB_RESERVE)) != 0)
		return mdb_err(rc, "mdb_put(order)");
	p = ov.mv_data;
	ck_put_be(p, (uint32_t)e->type, 4);
	ck_put_be(p + 4, e->flags, 4);
	ck_put_be(p + 8, (uint64_t)(e->created ? e->created : ck_now()), 8);
	ck_put_be(p + 16, seq, 8);
	ck_put_be(p + 24, (uint32_t)al, 4);
	ck_put_be(p + 28, (uint32_t)e->cert_len, 4);
	ck_put_be(p + 32, (uint32_t)e->key_len, 4);
	ck_put_be(p + 36, 0, 4);
	memcpy(p + ENTRY_HDR, e->alias, al);
	if (e->cert_len)
		memcpy(p + ENTRY_HDR + al, e->cert_pem, e->cert_len);
	if (e->key_len)
		memcpy(p + ENTRY_HDR + al + e->cert_len, e->key, e->key_len);
	return 0;
}

/* Look up an entry (pointing into the map).  CK_E_NOENT if missing. */
static int
entry_find(struct ck_store *st, MDB_txn *txn, uint32_t id, const char *alias,
    struct ck_entry *e)
{
	unsigned char kbuf[4 + CK_ALIAS_KEY_MAX], obuf[12];
	MDB_val k, v, ok, ov;
	int r, rc;

	if ((r = entry_key(id, alias, kbuf, &k)) != 0)
		return r == CK_E_TOOLONG ? ck_errf(CK_E_NOENT, "no such alias") : r;
	rc = mdb_get(txn, st->entries, &k, &v);
	if (rc == MDB_NOTFOUND)
		return ck_errf(CK_E_NOENT, "alias [%s] does not exist", alias);
	if (rc != 0)
		return mdb_err(rc, "mdb_get(entries)");
	if (v.mv_size != 8)
		return ck_errf(CK_E_DB, "damaged entries record for alias [%s]", alias);
	ck_put_be(obuf, id, 4);
	memcpy(obuf + 4, v.mv_data, 8);
	ok.mv_data = obuf;
	ok.mv_size = 12;
	rc = mdb_get(txn, st->order, &ok, &ov);
	if (rc == MDB_NOTFOUND)
		return ck_errf(CK_E_DB, "damaged store: alias [%s] has no record", alias);
	if (rc != 0)
		return mdb_err(rc, "mdb_get(order)");
	return entry_decode(&ov, e);
}

static int
entry_del(struct ck_store *st, MDB_txn *txn, uint32_t id, const char *alias)
{
	unsigned char kbuf[4 + CK_ALIAS_KEY_MAX], obuf[12];
	struct ck_entry e;
	MDB_val k, ok;
	int r, rc;

	if ((r = entry_find(st, txn, id, alias, &e)) != 0)
		return r;
	ck_put_be(obuf, id, 4);
	ck_put_be(obuf + 4, e.seq, 8);
	ok.mv_data = obuf;
	ok.mv_size = 12;
	if ((rc = mdb_del(txn, st->order, &ok, NULL)) != 0)
		return mdb_err(rc, "mdb_del(order)");
	if ((r = entry_key(id, alias, kbuf, &k)) != 0)
		return r;
	if ((rc = mdb_del(txn, st->entries, &k, NULL)) != 0)
		return mdb_err(rc, "mdb_del(entries)");
	return 0;
}

void
ck_entry_free(struct ck_entry *e)
{
	if (e == NULL)
		return;
	free(e->alias);
	free(e->cert_pem);
	ck_secfree(e->key);
	free(e);
}

int
ck_store_entry_get(struct ck_store *st, const char *store, const char *alias,
    struct ck_entry **out)
{
	struct ck_store_info info;
	struct ck_entry e;
	struct op op;
	int r;

	*out = NULL;
	if ((r = op_begin(st, 0, &op)) != 0)
		return r;
	if ((r = store_get(st, op.txn, store, &info)) == 0 &&
	    (r = entry_find(st, op.txn, info.id, alias, &e)) == 0)
		r = ck_entry_dup(&e, out);
	if (op.own)
		mdb_txn_abort(op.txn);
	return r;
}

int
ck_store_entry_add(struct ck_store *st, const char *store, const struct ck_entry *e)
{
	struct ck_store_info info;
	struct op op;
	uint64_t seq;
	int r;

	if ((r = check_new_alias(e->alias)) != 0)
		return r;
	if ((r = op_begin(st, 1, &op)) != 0)
		return r;
	if ((r = store_get(st, op.txn, store, &info)) == 0 &&
	    (r = meta_next(st, op.txn, "next_seq", 1, &seq)) == 0)
		r = entry_put(st, op.txn, info.id, e, seq, MDB_NOOVERWRITE);
	return op_end(&op, r);
}

int
ck_store_entry_replace(struct ck_store *st, const char *store, const struct ck_entry *e,
    const char *backup_store)
{
	struct ck_store_info info, binfo;
	struct ck_entry cur, *copy = NULL;
	char *bkp_alias = NULL;
	struct op op;
	uint64_t seq;
	int r;

	if ((r = check_new_alias(e->alias)) != 0)
		return r;
	if ((r = op_begin(st, 1, &op)) != 0)
		return r;
	if ((r = store_get(st, op.txn, store, &info)) != 0)
		goto out;
	r = entry_find(st, op.txn, info.id, e->alias, &cur);
	if (r == CK_E_NOENT) {
		/* nothing to replace: a plain add */
		if ((r = meta_next(st, op.txn, "next_seq", 1, &seq)) == 0)
			r = entry_put(st, op.txn, info.id, e, seq, MDB_NOOVERWRITE);
		goto out;
	}
	if (r != 0)
		goto out;
	seq = cur.seq;
	if (backup_store != NULL) {
		/* copy out of the map first: the puts below may move pages */
		if ((r = ck_entry_dup(&cur, &copy)) != 0)
			goto out;
		if ((r = store_get(st, op.txn, backup_store, &binfo)) == CK_E_NOENT &&
		    (r = store_create_txn(st, op.txn, backup_store, 0, NULL, 0)) == 0)
			r = store_get(st, op.txn, backup_store, &binfo);
		if (r != 0)
			goto out;
		if ((bkp_alias = ck_asprintf(CK_BACKUP_PREFIX "%s", copy->alias)) == NULL) {
			r = CK_E_NOMEM;
			goto out;
		}
		if ((r = entry_del(st, op.txn, binfo.id, bkp_alias)) != 0 && r != CK_E_NOENT)
			goto out;
		free(copy->alias);
		copy->alias = bkp_alias;
		bkp_alias = NULL;
		copy->created = ck_now();
		if ((r = meta_next(st, op.txn, "next_seq", 1, &copy->seq)) != 0 ||
		    (r = entry_put(st, op.txn, binfo.id, copy, copy->seq, 0)) != 0)
			goto out;
	}
	/* drop the old record (its alias case may differ), keep its position */
	if ((r = entry_del(st, op.txn, info.id, e->alias)) != 0)
		goto out;
	r = entry_put(st, op.txn, info.id, e, seq, MDB_NOOVERWRITE);
out:
	free(bkp_alias);
	ck_entry_free(copy);
	return op_end(&op, r);
}

int
ck_store_entry_delete(struct ck_store *st, const char *store, const char *alias)
{
	struct ck_store_info info;
	struct op op;
	int r;

	if ((r = op_begin(st, 1, &op)) != 0)
		return r;
	if ((r = store_get(st, op.txn, store, &info)) == 0)
		r = entry_del(st, op.txn, info.id, alias);
	return op_end(&op, r);
}

int
ck_store_count(struct ck_store *st, const char *name, size_t *n)
{
	struct ck_store_info info;
	unsigned char prefix[4];
	MDB_cursor *c = NULL;
	MDB_val k, v;
	struct op op;
	int r, rc;

	*n = 0;
	if ((r = op_begin(st, 0, &op)) != 0)
		return r;
	if ((r = store_get(st, op.txn, name, &info)) != 0)
		goto out;
	ck_put_be(prefix, info.id, 4);
	/* the alias index is the compact one to walk */
	if ((rc = mdb_cursor_open(op.txn, st->entries, &c)) != 0) {
		r = mdb_err(rc, "mdb_cursor_open");
		goto out;
	}
	k.mv_data = prefix;
	k.mv_size = 4;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	    rc == 0 && k.mv_size > 4 && memcmp(k.mv_data, prefix, 4) == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		++*n;
		walked(st, &v);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		r = mdb_err(rc, "mdb_cursor_get(entries)");
	mdb_cursor_close(c);
out:
	if (op.own)
		mdb_txn_abort(op.txn);
	return r;
}

/*
 * Give back the map pages a long walk has touched.  The map is a read-only
 * shared mapping of data.mdb, so dropping our page table entries loses
 * nothing (the page cache keeps the data and a later access faults it back
 * in); it keeps a listing's resident size flat however large the store is
 * (bench/RESULTS.md: 5.3 MB instead of 12.2 MB for 100k entries, for 1.5x
 * the listing time).
 *
 * Why it is safe, and the only place that reads /proc/self/maps:
 * - LMDB does not export its map's address, so the kernel's list of our
 *   mappings is read once per open store; a line that does not parse, or
 *   names another file, is skipped, and no match (no /proc, a path longer
 *   than the buffer) only means no dropping;
 * - the range is the mapping of this store's data.mdb, found by its path
 *   (or canonical path); madvise is never applied to anything else, so a
 *   walk inside a write transaction, whose dirty pages are heap copies,
 *   is not touched;
 * - the map never moves while the store is open: its size is set once at
 *   open and a resize by another process (MDB_MAP_RESIZED) is an error,
 *   not a remap; the cached range dies with the store.
 */
static void
drop_map_pages(struct ck_store *st)
{
	const char *dir = NULL;
	char line[PATH_MAX + 128], want[PATH_MAX];
	FILE *f;

	if (st->map_len == 0 && !st->map_unknown) {
		/* LMDB does not tell where it mapped data.mdb: ask the kernel */
		st->map_unknown = 1;
		if (mdb_env_get_path(st->env, &dir) != 0 || dir == NULL ||
		    (size_t)snprintf(want, sizeof(want), "%s/data.mdb", dir) >= sizeof(want) ||
		    (f = fopen("/proc/self/maps", "r")) == NULL)
			return;
		while (fgets(line, sizeof(line), f) != NULL) {
			unsigned long lo, hi;
			char *path = strchr(line, '/');
			size_t n;
			if (path == NULL || sscanf(line, "%lx-%lx", &lo, &hi) != 2 || hi <= lo)
				continue;
			n = strlen(path);
			if (n > 0 && path[n - 1] == '\n')
				path[--n] = '\0';
			/* the map may be named by a canonical path: compare the end */
			if (strcmp(path, want) == 0 || (n >= 9 && strcmp(path + n - 9, "/data.mdb") == 0 &&
			    realpath(want, line) != NULL && strcmp(line, path) == 0)) {
				st->map_addr = (void *)lo;
				st->map_len = hi - lo;
				st->map_unknown = 0;
				break;
			}
		}
		fclose(f);
	}
	if (st->map_len != 0)
		(void)madvise(st->map_addr, st->map_len, MADV_DONTNEED);
}

/*
 * Account for a record a walk has read (v: its value, which sits in the
 * leaf page or, when large, in overflow pages) and drop the map's pages
 * every DROP_PAGES pages touched.  Pages, not records or bytes: the kernel
 * maps up to 16 neighbouring pages (64 KiB "fault-around") on each fault
 * in a file mapping, and a B-tree's leaves are scattered through the file,
 * so each leaf touched can add 64 KiB to the resident size; dropping every
 * 32 pages bounds the map's share at about 2 MiB.  (Every 4096 records,
 * as before, let ~9 MB pile up.)  Dropping costs time (the unmapping, the
 * TLB flush, faulting again what fault-around had mapped ahead): listing
 * 100k entries took 1.5x as long as dropping every 4096 records; every 16
 * pages 1.9x (1 MB less), every 64 1.2x (2 MB more).
 */
#define DROP_PAGES 32
#define MAP_PAGE ((uintptr_t)4096)

static void
walked(struct ck_store *st, const MDB_val *v)
{
	uintptr_t first = (uintptr_t)v->mv_data / MAP_PAGE;
	uintptr_t last = ((uintptr_t)v->mv_data + (v->mv_size ? v->mv_size - 1 : 0)) / MAP_PAGE;

	st->touched += last - first + (first != st->last_page);
	st->last_page = last;
	if (st->touched < DROP_PAGES)
		return;
	st->touched = 0;
	drop_map_pages(st);
}

int
ck_store_entry_iter(struct ck_store *st, const char *store,
    int (*fn)(const struct ck_entry *, void *), void *arg)
{
	struct ck_store_info info;
	unsigned char prefix[4];
	MDB_cursor *c = NULL;
	MDB_val k, v;
	struct ck_entry e;
	struct op op;
	int r, rc;

	if ((r = op_begin(st, 0, &op)) != 0)
		return r;
	if ((r = store_get(st, op.txn, store, &info)) != 0)
		goto out;
	ck_put_be(prefix, info.id, 4);
	if ((rc = mdb_cursor_open(op.txn, st->order, &c)) != 0) {
		r = mdb_err(rc, "mdb_cursor_open");
		goto out;
	}
	k.mv_data = prefix;
	k.mv_size = 4;
	/* records are stored in insertion order: one sequential scan */
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	    rc == 0 && k.mv_size == 12 && memcmp(k.mv_data, prefix, 4) == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if ((r = entry_decode(&v, &e)) != 0 || (r = fn(&e, arg)) != 0)
			break;
		walked(st, &v);
	}
	if (r == 0 && rc != 0 && rc != MDB_NOTFOUND)
		r = mdb_err(rc, "mdb_cursor_get(order)");
	mdb_cursor_close(c);
out:
	if (op.own)
		mdb_txn_abort(op.txn);
	return r;
}
