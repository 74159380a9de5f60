/*
 * expiry.h: the store's published expiry summary.
 *
 * Monitoring runs as an unprivileged user, and the store (0700, keys
 * inside) is root's.  So after every committed change the store writes
 * <store dir>.expiry (0644, atomically, next to the store directory):
 * one line per certificate -- store, alias, entry type, notAfter and
 * SHA-1 thumbprint -- and nothing else: no certificate, no key.  `vecs
 * entry list --expiring` reads it when the caller may not open the store.
 * A summary that cannot be written leaves the change made (the store is
 * the truth); the next change or `vecs force-refresh` writes it again.
 *
 * Format: a first line "# certkit expiry summary 1 <written, epoch>",
 * then "store\talias\ttype\tnot_after\tsha1" lines (names hold no tabs:
 * the store refuses control characters).
 */
#ifndef CK_EXPIRY_H
#define CK_EXPIRY_H

#include <stdint.h>

#include "store.h"

struct ck_expiry_item {
	const char *store, *alias, *type;
	int64_t not_after;
	const char *sha1;
};

/* The summary's path for the store in dir (NULL: the default store),
 * malloc'ed. */
char *ck_expiry_path(const char *dir);
/* Call fn for every certificate entry of every store in st, from one
 * read-only snapshot (st must have no transaction open).  With reader
 * not NULL, a store *reader may not read is skipped: fn gets an item
 * with only .store set (alias NULL), so the caller can say so. */
#define CK_EXPIRY_ALL NULL
int ck_expiry_walk(struct ck_store *st, const uint32_t *reader,
    int (*fn)(const struct ck_expiry_item *, void *), void *arg);
/* Write the summary of st; 0 or CK_E_*. */
int ck_expiry_publish(struct ck_store *st);
/* Read a summary: fn per line; *written gets its time. CK_E_NOENT when
 * there is none, CK_E_FORMAT when it is not one. */
int ck_expiry_read(const char *path, int64_t *written,
    int (*fn)(const struct ck_expiry_item *, void *), void *arg);

#endif
