/*
 * store_rec.c: the entry records: their encoding (the record in `order`,
 * the alias index in `entries`), and getting, adding, replacing (with
 * the backup copy) and deleting one entry.
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

/* --- entries -------------------------------------------------------------------- */

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
	return store_check_name("alias", alias, n);
}

/*
 * Entry record: be32 type, be32 flags, be64 created, be64 seq, be32
 * alias_len, be32 cert_len, be32 key_len, be32 reserved; alias, cert, key.
 */
#define ENTRY_HDR 40

int
store_entry_decode(const MDB_val *v, struct ck_entry *e)
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
	store_casefold((char *)buf + 4, alias, n);
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
		return store_mdb_err(rc, "mdb_put(entries)");
	ck_put_be(obuf, id, 4);
	ck_put_be(obuf + 4, seq, 8);
	ok.mv_data = obuf;
	ok.mv_size = 12;
	ov.mv_size = ENTRY_HDR + al + e->cert_len + e->key_len;
	ov.mv_data = NULL;
	if ((rc = mdb_put(txn, st->order, &ok, &ov, MDB_RESERVE)) != 0)
		return store_mdb_err(rc, "mdb_put(order)");
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

/* Add e at the end of store id's order; a duplicate alias is CK_E_EXIST. */
static int
entry_append(struct ck_store *st, MDB_txn *txn, uint32_t id, const struct ck_entry *e)
{
	uint64_t seq;
	int r;

	if ((r = store_meta_next(st, txn, "next_seq", 1, &seq)) != 0)
		return r;
	return entry_put(st, txn, id, e, seq, MDB_NOOVERWRITE);
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
		return store_mdb_err(rc, "mdb_get(entries)");
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
		return store_mdb_err(rc, "mdb_get(order)");
	return store_entry_decode(&ov, e);
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
		return store_mdb_err(rc, "mdb_del(order)");
	if ((r = entry_key(id, alias, kbuf, &k)) != 0)
		return r;
	if ((rc = mdb_del(txn, st->entries, &k, NULL)) != 0)
		return store_mdb_err(rc, "mdb_del(entries)");
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
	if ((r = store_op_begin(st, 0, &op)) != 0)
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
	int r;

	if ((r = check_new_alias(e->alias)) != 0)
		return r;
	if ((r = store_op_begin(st, 1, &op)) != 0)
		return r;
	if ((r = store_get(st, op.txn, store, &info)) == 0 &&
	    (r = entry_append(st, op.txn, info.id, e)) == 0)
		store_audit_entry(st, "store.entry.create", info.name, NULL, e);
	return store_op_end(&op, r);
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
	if ((r = store_op_lookup(st, 1, store, &op, &info)) != 0)
		return r;
	r = entry_find(st, op.txn, info.id, e->alias, &cur);
	if (r == CK_E_NOENT) {
		/* nothing to replace: a plain add */
		if ((r = entry_append(st, op.txn, info.id, e)) == 0)
			store_audit_entry(st, "store.entry.create", info.name, NULL, e);
		goto out;
	}
	if (r != 0)
		goto out;
	seq = cur.seq;
	/* before the puts below can move cur's pages */
	store_audit_entry(st, "store.entry.replace", info.name, &cur, e);
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
		if ((r = store_meta_next(st, op.txn, "next_seq", 1, &copy->seq)) != 0 ||
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
	return store_op_end(&op, r);
}

int
ck_store_entry_delete(struct ck_store *st, const char *store, const char *alias)
{
	struct ck_store_info info;
	struct ck_entry old;
	struct op op;
	int r;

	if ((r = store_op_begin(st, 1, &op)) != 0)
		return r;
	if ((r = store_get(st, op.txn, store, &info)) == 0 &&
	    (r = entry_find(st, op.txn, info.id, alias, &old)) == 0) {
		store_audit_entry(st, "store.entry.delete", info.name, &old, NULL);
		r = entry_del(st, op.txn, info.id, alias);
	}
	return store_op_end(&op, r);
}
