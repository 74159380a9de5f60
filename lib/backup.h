/*
 * backup.h: the history of an alias's previous entries in a backup store.
 *
 * A replace keeps the entry it replaces as bkp_<alias> (as vecs-cli does);
 * the ones before it are kept beside it as bkp1_<alias> (the one before),
 * bkp2_<alias> and so on: generation 0 is the newest.  The generation is
 * one digit, so the names of two aliases never meet (bkp_<alias>.1 would
 * be generation 0 of the alias "<alias>.1").  A history holds at most
 * depth generations (CK_BACKUP_DEPTH_DEFAULT unless the caller says,
 * 1..CK_BACKUP_DEPTH_MAX).  An alias too long for the longer prefix
 * (more than CK_ALIAS_MAX - 5 bytes) keeps generation 0 only.
 *
 * Each function works inside the caller's group transaction
 * (ck_store_txn_begin), so a shift, the replace that follows it and a
 * trim are one change; they return 0 or a CK_E_* code and never print.
 */
#ifndef CK_BACKUP_H
#define CK_BACKUP_H

#include "store.h"

#define CK_BACKUP_DEPTH_DEFAULT 3
#define CK_BACKUP_DEPTH_MAX 9

/* The alias of generation gen of alias in *out (malloc'ed); CK_E_TOOLONG
 * when it does not fit, CK_E_NOMEM. */
int ck_backup_alias(const char *alias, int gen, char **out);
/*
 * Make room for a new generation 0: every generation moves one up
 * (0 -> 1, 1 -> 2 ...); what would move past CK_BACKUP_DEPTH_MAX is
 * dropped.  The caller then writes generation 0 (ck_store_entry_replace
 * with backup_store) and, once the change is final, trims.  A missing
 * backup store is not an error (nothing to shift).
 */
int ck_backup_shift(struct ck_store *st, const char *bstore, const char *alias);
/* The reverse of a shift: generation 0 is deleted, 1 -> 0, 2 -> 1 ... */
int ck_backup_unshift(struct ck_store *st, const char *bstore, const char *alias);
/* Delete the generations from depth up. */
int ck_backup_trim(struct ck_store *st, const char *bstore, const char *alias, int depth);

#endif
