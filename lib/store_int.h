/*
 * store_int.h: what the store files share, private to them (store.c,
 * store_acl.c, store_rec.c, store_walk.c; nothing else includes it).
 * Same conventions as store.h: 0 or a CK_E_* code, never a print.
 */
#ifndef CK_STORE_INT_H
#define CK_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "audit.h"
#include "store.h"

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
	struct ck_audit_queue audit;	/* records of uncommitted changes */
};

/* A transaction for one call: the group one if open, else a fresh one. */
struct op {
	struct ck_store *st;
	MDB_txn *txn;
	int own;
};


/* store.c: an LMDB code as a CK_E_* code with a detail naming call */
int store_mdb_err(int rc, const char *call);
/* store.c: begin a one-call transaction (the group one if open); end it:
 * commit if r == 0 and it is ours, else abort ours; returns r or the
 * commit's error.  A failure inside a group poisons the group. */
int store_op_begin(struct ck_store *st, int write, struct op *op);
int store_op_end(struct op *op, int r);

/* store_acl.c: store records */
void store_casefold(char *dst, const char *src, size_t n);	/* ASCII only */
int store_get(struct ck_store *st, MDB_txn *txn, const char *name,
    struct ck_store_info *info);		/* CK_E_NOENT if missing */
/* store_op_begin, then store_get; on failure the op is ended */
int store_op_lookup(struct ck_store *st, int write, const char *name, struct op *op,
    struct ck_store_info *info);
int store_create_txn(struct ck_store *st, MDB_txn *txn, const char *name, uint32_t owner,
    const struct ck_ace *aces, size_t nace);
/* next value of the meta counter name (be32, or be64 if wide) */
int store_meta_next(struct ck_store *st, MDB_txn *txn, const char *name, int wide,
    uint64_t *out);
/* a new store name or alias: UTF-8 without C0/C1 controls or DEL */
int store_check_name(const char *what, const char *s, size_t n);

/* store_rec.c: decode an `order` record; e points into v (the map) */
int store_entry_decode(const MDB_val *v, struct ck_entry *e);

/* store_audit.c: queue an audit record of a change (old or new may be
 * NULL); store_audit_end records the queue if committed, else drops it */
void store_audit_entry(struct ck_store *st, const char *event, const char *store,
    const struct ck_entry *old, const struct ck_entry *new);
void store_audit_store(struct ck_store *st, const char *event, const struct ck_store_info *info);
void store_audit_end(struct ck_store *st, int committed);

#endif
