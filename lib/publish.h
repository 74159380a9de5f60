/*
 * publish.h: the store's contents as the files services read.
 *
 * TRUSTED_ROOTS certificates and TRUSTED_ROOT_CRLS CRLs go into a CA
 * directory as OpenSSL hash-named files (<hash>.N, <hash>.rN, 0644), with
 * a manifest (.certkit-published) so that only files certkit wrote are
 * ever replaced or removed; MACHINE_SSL_CERT's __MACHINE_CERT goes out as
 * machine-ssl.crt (0644) and machine-ssl.key (0600), the pair staged under
 * temporary names and renamed back to back, key first.
 *
 * Every publish holds an exclusive flock on <vecs dir>/publish.lock, so
 * vecs and svcctl never interleave their writes.  Nothing here prints.
 */
#ifndef CK_PUBLISH_H
#define CK_PUBLISH_H

#include "store.h"

#define CK_PUBLISH_ROOTS	0x1	/* the CA directory */
#define CK_PUBLISH_SSL		0x2	/* machine-ssl.crt/.key */

/*
 * What a publish left undone on purpose, for the caller to report.  An
 * encrypted machine key cannot be loaded by services: the pair is not
 * published, the files in ssldir are left as they were, and key_kept says
 * so; that is not an error.
 */
struct ck_publish_report {
	int key_kept;			/* 1: the key is encrypted, nothing written */
	char alias[CK_ALIAS_MAX + 1];	/* that entry's alias, display case */
	const char *ssldir;		/* the directory left as it was */
};

/*
 * Publish what (CK_PUBLISH_* bits) from one snapshot of st taken under the
 * lock, so the last writer always publishes the newest database.  NULL
 * directories mean ck_path(CK_PATH_CAPATH) and ck_path(CK_PATH_MACHINE_SSL).
 * With no machine certificate (or one without a key) the pair is removed.
 * rep may be NULL.  Returns 0 or CK_E_*, with a detail naming the path.
 */
int ck_publish_store(struct ck_store *st, const char *capath, const char *ssldir, int what,
    struct ck_publish_report *rep);

/*
 * Publish e as the machine-ssl pair in ssldir (NULL: the default), under
 * the same lock and with the same rules; e NULL removes the pair.
 */
int ck_publish_machine_ssl(const struct ck_entry *e, const char *ssldir,
    struct ck_publish_report *rep);

#endif
