/*
 * store.h: the VECS certificate store on LMDB.
 *
 * One LMDB environment (a directory holding data.mdb and lock.mdb, 0600,
 * in a 0700 directory) holds every store.  Named databases:
 *   meta     "version" (schema), "next_store_id", "next_seq"
 *   stores   casefolded name -> {id, owner uid, ACEs, display name}
 *   entries  (be32 store id, casefolded alias) -> be64 seq: the alias
 *            index (a lookup is two B-tree searches, independent of order)
 *   order    (be32 store id, be64 seq) -> {type, flags, created, seq,
 *            alias, cert PEM, key PEM or secret bytes}: the records in
 *            insertion order, so a listing is one sequential scan.
 *
 * The code, one responsibility a file (store_int.h, private to them, holds
 * what they share):
 *   store.c        the environment: open (map size, directory and file
 *                  modes), schema, built-in stores, transactions
 *   store_acl.c    store records: create, look up, list, delete; ACLs
 *   store_rec.c    entry records: the encoding; get, add, replace, delete
 *   store_walk.c   counting and listing a store's entries, dropping the
 *                  map pages a long walk touched (/proc/self/maps)
 *   store_entry.c  building entries from PEM input (the one using libcrypto)
 *
 * Promises:
 * - Every mutating call is one LMDB write transaction (all or nothing),
 *   unless the caller groups several in ck_store_txn_begin/commit, in which
 *   case the group is one transaction.  Reads use read-only transactions.
 * - Store names and aliases compare ASCII case-insensitively; the case
 *   they were created with is kept for display.
 * - The built-in stores MACHINE_SSL_CERT, TRUSTED_ROOTS, TRUSTED_ROOT_CRLS
 *   exist whenever an environment is open read-write (recreated with their
 *   ACLs if missing) and can never be deleted (CK_E_ACCESS).
 * - A full map or disk (MDB_MAP_FULL, ENOSPC) is CK_E_NOSPC and leaves the
 *   store exactly as it was before the call.
 * - Functions return 0 or a CK_E_* code, with a detail via ck_errf; they
 *   never print.
 */
#ifndef CK_STORE_H
#define CK_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CK_STORE_MACHINE_SSL	"MACHINE_SSL_CERT"
#define CK_STORE_TRUSTED_ROOTS	"TRUSTED_ROOTS"
#define CK_STORE_TRUSTED_CRLS	"TRUSTED_ROOT_CRLS"
#define CK_STORE_BACKUP		"BACKUP_STORE"
#define CK_MACHINE_CERT_ALIAS	"__MACHINE_CERT"
#define CK_CSR_KEY_ALIAS	"__MACHINE_CSR"	/* in MACHINE_SSL_CERT: the key of the last
						   certool --gencsr, for a --cert swap */

#define CK_STORE_NAME_MAX	128	/* longest store name at create */
#define CK_STORE_MAX		1024	/* most stores in one environment */
#define CK_ALIAS_KEY_MAX	500	/* longest alias stored (LMDB's key limit of 511
					   bytes, less the store id, with room to spare) */
#define CK_BACKUP_PREFIX	"bkp_"	/* --replace keeps the old entry as bkp_<alias> */
#define CK_ALIAS_MAX		(CK_ALIAS_KEY_MAX - 4)	/* longest alias given: so that
					   bkp_<alias> always fits */
#define CK_STORE_SCHEMA		2	/* schema version written to meta */

/* Access masks, as VECS defines them; compared numerically (WRITE > READ). */
#define CK_ACCESS_READ		0x40000000u
#define CK_ACCESS_WRITE		0x80000000u
#define CK_UID_EVERYONE		((uint32_t)-1)

/* ck_store_open flags */
enum {
	CK_STORE_RDONLY = 1 << 0,	/* read-only env; CK_E_NOENT if no database */
	CK_STORE_NOSYNC = 1 << 1,	/* MDB_NOSYNC: tests and benches only */
};

struct ck_store;			/* an open LMDB environment */

enum ck_entry_type {
	CK_ENTRY_PRIVATE_KEY = 1,
	CK_ENTRY_SECRET_KEY = 2,
	CK_ENTRY_TRUSTED_CERT = 3,
	CK_ENTRY_CRL = 4,
	CK_ENTRY_ENCRYPTED_KEY = 5,
};

/* entry flags */
enum {
	CK_ENTRY_F_AUTOREFRESH = 1 << 0,	/* came from a directory sync */
};

/*
 * One entry.  Returned by ck_store_entry_get (malloc'ed, key in secure
 * memory; free with ck_entry_free) and passed to the iteration callback
 * (pointing into the map: valid only during the callback, not
 * NUL-terminated unless the stored data is).  cert_pem and key are
 * NUL-terminated in entries from ck_store_entry_get and ck_entry_build.
 */
struct ck_entry {
	char *alias;		/* display case */
	int type;		/* enum ck_entry_type */
	unsigned int flags;	/* CK_ENTRY_F_* */
	char *cert_pem;		/* canonical PEM (chain kept) or CRL PEM; NULL if none */
	size_t cert_len;
	char *key;		/* PKCS#8 PEM, encrypted PKCS#8 PEM or raw secret */
	size_t key_len;
	int64_t created;	/* epoch seconds */
	uint64_t seq;		/* insertion sequence (ordering only) */
	int ncerts;		/* certificates in cert_pem (set by ck_entry_build) */
};

/* One access control entry: uid (CK_UID_EVERYONE for everyone), mask. */
struct ck_ace {
	uint32_t uid;
	uint32_t mask;
};

/* A store's description. */
struct ck_store_info {
	char name[CK_STORE_NAME_MAX * 4 + 1];	/* display case */
	uint32_t id;				/* creation order */
	uint32_t owner;				/* creating uid */
	size_t nace;
	struct ck_ace ace[64];
};
#define CK_STORE_ACE_MAX 64

/*
 * Open (creating if needed) the environment in dir; dir NULL means
 * ck_path(CK_PATH_VECS).  Creates dir 0700, the db files 0600 and the
 * three built-in stores; tightens an existing dir or db file that group or
 * others can access (see ck_store_repaired), or fails with CK_E_ACCESS.
 * Stale reader slots of killed processes are cleared.  The map size is
 * 1 GiB, or $CERTKIT_VECS_MAPSIZE bytes (tests).
 */
int ck_store_open(const char *dir, int flags, struct ck_store **out);
void ck_store_close(struct ck_store *st);
/*
 * How many of the directory, data.mdb and lock.mdb ck_store_open found open
 * to group or others and tightened (0700/0600); it fixes what the caller
 * owns (root: all) and fails with CK_E_ACCESS on what it cannot fix.
 */
int ck_store_repaired(const struct ck_store *st);

/*
 * Group the following calls on st into one transaction (write != 0: one
 * write transaction).  Without this, each call is its own transaction.
 * commit returns CK_E_NOSPC on a full map/disk (nothing is written);
 * abort discards everything since begin.
 */
int ck_store_txn_begin(struct ck_store *st, int write);
int ck_store_txn_commit(struct ck_store *st);
void ck_store_txn_abort(struct ck_store *st);

/* --- stores --------------------------------------------------------------- */

/* Create store name owned by uid.  CK_E_EXIST (case-insensitive duplicate),
 * CK_E_TOOLONG (> CK_STORE_NAME_MAX), CK_E_INVAL (empty), CK_E_LIMIT (more
 * than CK_STORE_MAX stores). */
int ck_store_create(struct ck_store *st, const char *name, uint32_t owner);
/* Delete a store and all its entries.  CK_E_NOENT, CK_E_ACCESS (built-in). */
int ck_store_delete(struct ck_store *st, const char *name);
/* Describe a store.  CK_E_NOENT if missing. */
int ck_store_info(struct ck_store *st, const char *name, struct ck_store_info *out);
/* 1 if name is one of the three built-in stores (case-insensitive). */
int ck_store_is_builtin(const char *name);
/*
 * Call fn for every store in creation order; a non-zero return from fn
 * stops the walk and is returned.
 */
int ck_store_list(struct ck_store *st,
    int (*fn)(const struct ck_store_info *, void *), void *arg);
/*
 * Set the ACE of uid on store: mode 0 replaces the mask with mask (grant),
 * 1 ORs mask in (grant read,write), 2 clears the bits of mask (revoke; an
 * ACE reaching 0 is removed).  Granting to the owner changes nothing.
 */
enum { CK_ACE_SET = 0, CK_ACE_ADD = 1, CK_ACE_CLEAR = 2 };
int ck_store_ace(struct ck_store *st, const char *name, uint32_t uid,
    uint32_t mask, int mode);
/* 0 if uid may do want (CK_ACCESS_*) on info per VECS rules: root and owner
 * always; else OR of matching ACE masks >= want.  CK_E_ACCESS otherwise. */
int ck_store_access(const struct ck_store_info *info, uint32_t uid, uint32_t want);
/* Number of entries in a store.  CK_E_NOENT if the store is missing. */
int ck_store_count(struct ck_store *st, const char *name, size_t *n);

/* --- entries --------------------------------------------------------------- */

/* Copy of one entry.  CK_E_NOENT if store or alias is missing (the detail
 * says which). */
int ck_store_entry_get(struct ck_store *st, const char *store,
    const char *alias, struct ck_entry **out);
/* Add e (alias required).  CK_E_EXIST on a duplicate alias, CK_E_NOENT if
 * the store is missing.  e->created 0 means now. */
int ck_store_entry_add(struct ck_store *st, const char *store,
    const struct ck_entry *e);
/*
 * Replace (or add) e->alias in one write transaction: the current entry, if
 * any, is first copied to backup_store as "bkp_<alias>" (replacing an older
 * backup; backup_store is created, owner root, if missing), then the new
 * entry takes its place and its insertion position.  backup_store NULL: no
 * backup.  There is no moment where the alias is missing.
 */
int ck_store_entry_replace(struct ck_store *st, const char *store,
    const struct ck_entry *e, const char *backup_store);
/* Delete an entry.  CK_E_NOENT if store or alias is missing. */
int ck_store_entry_delete(struct ck_store *st, const char *store,
    const char *alias);
/*
 * Call fn for each entry of store in insertion order, streaming from the
 * map within one read transaction (or the open group transaction); the
 * entry passed points into the map and lives only during the call.  A
 * non-zero return of fn stops the walk and is returned.
 */
int ck_store_entry_iter(struct ck_store *st, const char *store,
    int (*fn)(const struct ck_entry *, void *), void *arg);
void ck_entry_free(struct ck_entry *e);

/* --- validated entries -------------------------------------------------- */

/* ck_entry_build flags */
enum {
	CK_BUILD_RSA_ONLY = 1 << 0,	/* refuse non-RSA keys (vecs-cli compat): CK_E_KEY */
	CK_BUILD_LEAF_ONLY = 1 << 1,	/* keep only the first certificate */
};

/* Deep copy (key material in secure memory, both buffers NUL-terminated);
 * an empty certificate or key stays NULL.  CK_E_NOMEM. */
int ck_entry_dup(const struct ck_entry *src, struct ck_entry **out);
/*
 * Build a validated entry from PEM buffers, as `entry create` does:
 * cert only -> Trusted Cert; cert + key -> Private Key (Encrypted Private
 * Key with password, AES-256 PBES2); key only -> Secret Key stored raw
 * (alias required: CK_E_INVAL).  Certificates are re-encoded as canonical
 * PEM, all kept (e->ncerts says how many); the key is re-encoded as PKCS#8
 * and must match the first certificate (CK_E_KEY_MISMATCH).  alias NULL or
 * "" means the lowercase SHA-1 thumbprint of the first certificate.
 * Errors: CK_E_FORMAT (cert unparsable), CK_E_KEY (key unparsable or not
 * RSA with CK_BUILD_RSA_ONLY), CK_E_PASSWORD (key is encrypted),
 * CK_E_KEY_MISMATCH, CK_E_INVAL (nothing given / secret without alias),
 * CK_E_TOOLONG (alias longer than CK_ALIAS_MAX).  Store names and aliases
 * must be UTF-8 without C0 or C1 control characters or DEL (CK_E_INVAL).
 */
int ck_entry_build(const char *cert, size_t cert_len, const char *key,
    size_t key_len, const char *alias, const char *password, int flags,
    struct ck_entry **out);
/* A CRL entry (type 4) from a PEM CRL; alias NULL = SHA-1 of its DER. */
int ck_entry_build_crl(const char *crl, size_t crl_len, const char *alias,
    struct ck_entry **out);
/* The label VECS prints for a type ("Private Key", ..., "Unknown"). */
const char *ck_entry_type_name(int type);

#endif
