/*
 * store_acl.c: the store records (be32 id, owner, ACEs, display name under
 * the casefolded name): creating, looking up, listing and deleting
 * stores, their access lists and the checks on new names.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "err.h"
#include "secmem.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

/* --- encoding helpers ---------------------------------------------------- */

void
store_casefold(char *dst, const char *src, size_t n)
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
	store_casefold(kbuf, info->name, namelen);
	k.mv_data = kbuf;
	k.mv_size = namelen;
	v.mv_data = buf;
	v.mv_size = 16 + namelen + 8 * info->nace;
	if ((rc = mdb_put(txn, st->stores, &k, &v, 0)) != 0)
		return store_mdb_err(rc, "mdb_put(stores)");
	return 0;
}

int
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
	store_casefold(kbuf, name, n);
	k.mv_data = kbuf;
	k.mv_size = n;
	rc = mdb_get(txn, st->stores, &k, &v);
	if (rc == MDB_NOTFOUND)
		return ck_errf(CK_E_NOENT, "store [%s] does not exist", name);
	if (rc != 0)
		return store_mdb_err(rc, "mdb_get(stores)");
	return store_decode(&v, info);
}

int
store_op_lookup(struct ck_store *st, int write, const char *name, struct op *op,
    struct ck_store_info *info)
{
	int r;

	if ((r = store_op_begin(st, write, op)) != 0)
		return r;
	if ((r = store_get(st, op->txn, name, info)) != 0)
		return store_op_end(op, r);
	return 0;
}

/* meta counters: "next_store_id" (be32), "next_seq" (be64). */
int
store_meta_next(struct ck_store *st, MDB_txn *txn, const char *name, int wide, uint64_t *out)
{
	unsigned char buf[8];
	MDB_val k = { strlen(name), (void *)name }, v;
	uint64_t cur = 1;
	int rc;

	rc = mdb_get(txn, st->meta, &k, &v);
	if (rc == 0 && v.mv_size == (wide ? 8u : 4u))
		cur = wide ? ck_get_be(v.mv_data, 8) : (uint32_t)ck_get_be(v.mv_data, 4);
	else if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb_err(rc, "mdb_get(meta)");
	*out = cur;
	if (wide)
		ck_put_be(buf, cur + 1, 8);
	else
		ck_put_be(buf, (uint32_t)(cur + 1), 4);
	v.mv_data = buf;
	v.mv_size = wide ? 8 : 4;
	if ((rc = mdb_put(txn, st->meta, &k, &v, 0)) != 0)
		return store_mdb_err(rc, "mdb_put(meta)");
	return 0;
}

/*
 * A new store name or alias (what = "store name" / "alias"): UTF-8 without
 * C0 or C1 controls or DEL, so no name can move a terminal's cursor or
 * hide itself in a listing.  Lookups only refuse C0 controls (has_ctrl in
 * store_rec.c), so a name stored before this rule can still be read and
 * deleted.
 */
int
store_check_name(const char *what, const char *s, size_t n)
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

int
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
	if ((r = store_check_name("store name", name, n)) != 0)
		return r;
	r = store_get(st, txn, name, &info);
	if (r == 0)
		return ck_errf(CK_E_EXIST, "store [%s] already exists", info.name);
	if (r != CK_E_NOENT)
		return r;
	if ((rc = mdb_stat(txn, st->stores, &ms)) != 0)
		return store_mdb_err(rc, "mdb_stat(stores)");
	if (ms.ms_entries >= CK_STORE_MAX)
		return ck_errf(CK_E_LIMIT, "there are already %d stores, the maximum", CK_STORE_MAX);
	if ((r = store_meta_next(st, txn, "next_store_id", 0, &id)) != 0)
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

/* --- stores ---------------------------------------------------------------- */

int
ck_store_create(struct ck_store *st, const char *name, uint32_t owner)
{
	struct ck_store_info info;
	struct op op;
	int r;

	if ((r = store_op_begin(st, 1, &op)) != 0)
		return r;
	r = store_create_txn(st, op.txn, name, owner, NULL, 0);
	if (r == 0 && store_get(st, op.txn, name, &info) == 0)
		store_audit_store(st, "store.create", &info);
	return store_op_end(&op, r);
}

/* Delete every key of db that begins with the 4-byte prefix. */
static int
del_prefix(MDB_txn *txn, MDB_dbi dbi, const unsigned char *prefix)
{
	MDB_cursor *c = NULL;
	MDB_val k = { 4, (void *)prefix }, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, dbi, &c)) != 0)
		return store_mdb_err(rc, "mdb_cursor_open");
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
		return store_mdb_err(rc, "mdb_cursor_del");
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

	if ((r = store_op_lookup(st, 1, name, &op, &info)) != 0)
		return r;
	if (ck_store_is_builtin(info.name)) {
		r = ck_errf(CK_E_ACCESS, "store [%s] is a built-in store and cannot be deleted",
		    info.name);
		goto out;
	}
	ck_put_be(prefix, info.id, 4);
	if ((r = del_prefix(op.txn, st->entries, prefix)) != 0 ||
	    (r = del_prefix(op.txn, st->order, prefix)) != 0)
		goto out;
	store_casefold(kbuf, info.name, strlen(info.name));
	k.mv_data = kbuf;
	k.mv_size = strlen(info.name);
	if ((rc = mdb_del(op.txn, st->stores, &k, NULL)) != 0)
		r = store_mdb_err(rc, "mdb_del(stores)");
	else
		store_audit_store(st, "store.delete", &info);
out:
	return store_op_end(&op, r);
}

int
ck_store_info(struct ck_store *st, const char *name, struct ck_store_info *out)
{
	struct op op;
	int r;

	if ((r = store_op_begin(st, 0, &op)) != 0)
		return r;
	r = store_get(st, op.txn, name, out);
	return store_op_end(&op, r);
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

	if ((r = store_op_begin(st, 0, &op)) != 0)
		return r;
	if ((rc = mdb_cursor_open(op.txn, st->stores, &c)) != 0) {
		r = store_mdb_err(rc, "mdb_cursor_open");
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
		r = store_mdb_err(rc, "mdb_cursor_get(stores)");
		goto out;
	}
	if (n > 0)	/* no stores: all is NULL, and qsort(NULL, 0, ...) is undefined */
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

	if ((r = store_op_lookup(st, 1, name, &op, &info)) != 0)
		return r;
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
	if ((r = store_put(st, op.txn, &info)) == 0)
		store_audit_store(st, "store.permission", &info);
out:
	return store_op_end(&op, r);
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
