/*
 * sts.h: the token service's signing certificate, as the vSphere API's
 * SigningCertificate models it: one ACTIVE chain with its private key,
 * which signs new tokens, and the list of chains that still VALIDATE
 * tokens (the active one first; a chain that was replaced stays in the
 * list until it is removed, so the tokens it signed keep validating).
 *
 * It lives in a VECS store of its own (lib/store.h), so it has the store's
 * one-transaction changes, its ACLs (created root-only, as VMware's
 * service stores are) and its 0600 files:
 *
 *   STS_SIGNING_CERT / __SIGNING_CERT       the active chain (leaf first,
 *                                           root last) and its key, a
 *                                           Private Key entry
 *   STS_SIGNING_CERT / TrustedCertChain-N   a validating chain (Trusted
 *                                           Cert entry), N growing: the
 *                                           newest is validating first
 *
 * The names follow vSphere: "__" marks an entry a tool manages
 * (__MACHINE_CERT), and VMware's directory keeps the validating chains as
 * TrustedCertChain-N.  A chain is never both active and validating: the
 * list printed (ck_sts_get) is the active chain followed by the others.
 *
 * Setting or refreshing it is a swap (lib/swap.h) of __SIGNING_CERT:
 * ck_sts_prepare (lib/sts_prepare.c) validates and builds the new entry,
 * ck_swap_run journals, stops and starts the services, and its swap phase
 * calls ck_sts_activate, which keeps the previous chain validating.
 *
 * Functions return 0 or a CK_E_* code and never print.
 */
#ifndef CK_STS_H
#define CK_STS_H

#include <stddef.h>

#include <openssl/x509.h>

#include "store.h"
#include "swap.h"

#define CK_STORE_STS		"STS_SIGNING_CERT"
#define CK_STS_ACTIVE_ALIAS	"__SIGNING_CERT"
#define CK_STS_CHAIN_PREFIX	"TrustedCertChain-"
/* refresh: the API issues it "in accordance with vCenter CA policy"
 * without naming a size, so the key size is the API's default for every
 * VMCA-issued key (TlsCsr, ReplaceSpec, VmcaRoot: 3072); the lifetime is
 * "the standard lifespan of the vCenter Server STS signing certificate",
 * 10 years (vSphere Automation SDK programming guide, "Refresh the
 * vCenter Server STS signing certificate"; vSphere 7.0 Authentication,
 * "the VMCA-issued STS signing certificate is valid for 10 years").
 * notAfter is still capped at the VMCA root's (lib/ca.h). */
#define CK_STS_KEY_BITS		3072
#define CK_STS_DAYS		3650
#define CK_STS_CN		"STS"

/* One chain: its alias in the store and its certificates, leaf first. */
struct ck_sts_chain {
	char *alias;
	STACK_OF(X509) *certs;
};

/* SigningCertificate.Info: chains[0] is the active chain when active is
 * set; the validating chains follow, newest first. */
struct ck_sts_info {
	int active;
	size_t n;
	struct ck_sts_chain *chains;
};

/* 1 if store/alias is the active signing entry (case-insensitive). */
int ck_sts_is_signing(const char *store, const char *alias);

/* Read the signing certificate (a read-only transaction).  A missing
 * store or entry is not an error: active 0 and/or n 0.  A damaged entry
 * is CK_E_FORMAT naming it. */
int ck_sts_get(struct ck_store *st, struct ck_sts_info **out);
void ck_sts_info_free(struct ck_sts_info *info);

/*
 * In one write transaction of st: make e (a Private Key entry) the active
 * entry; with backup, the previous one becomes the newest generation of
 * its backup history in BACKUP_STORE (bkp___SIGNING_CERT, lib/backup.h);
 * the previous chain joins the validating chains
 * unless one with the same leaf is there already; a validating chain
 * whose leaf is e's is dropped (it is active again).  The store is
 * created (owner: the caller) if missing.  e with no certificate (a
 * rollback to "there was none") removes the active entry, its chain
 * staying validating.  When the active entry already has e's leaf,
 * nothing changes, so a resumed swap may run it again.
 */
int ck_sts_activate(struct ck_store *st, const struct ck_entry *e, int backup);

/* Remove a validating chain.  CK_E_NOENT if there is none of that alias;
 * CK_E_INVAL for the active entry (set another one first). */
int ck_sts_remove_chain(struct ck_store *st, const char *alias);

/* set (cert_path + key_path) or refresh (refresh != 0). */
struct ck_sts_req {
	const char *cert_path;	/* the chain, leaf first (PEM) */
	const char *key_path;	/* unencrypted PKCS#8 PEM */
	int refresh;		/* a new certificate from the local VMCA */
};

/*
 * Obtain and validate the new signing entry, changing nothing, as
 * ck_swap_prepare does for the machine certificate; run the result with
 * ck_swap_run.  Checks, each reported to notify: the key is unencrypted
 * PKCS#8 (CK_E_PASSWORD if encrypted, CK_E_KEY if another format) and
 * matches the leaf (CK_E_KEY_MISMATCH); the leaf is valid now
 * (CK_E_EXPIRED) and its key usage allows digitalSignature (CK_E_POLICY);
 * the chain verifies to TRUSTED_ROOTS (CK_E_VERIFY); it is not the active
 * one already (CK_E_EXIST).  Missing files: CK_E_NOENT.  The entry holds
 * the whole verified chain, leaf to root, as the API returns it.
 */
int ck_sts_prepare(const struct ck_sts_req *req, ck_swap_notify notify, void *u,
    struct ck_swap **out);

#endif
