/*
 * swap_int.h: what the two halves of the swap share, private to them:
 * lib/swap_prepare.c (obtain and validate the new entry, describe the
 * plan) and lib/swap.c (journal and run the phases), and lib/sts*.c, which
 * swap the STS signing certificate with them.  Nothing else includes
 * this header.
 */
#ifndef CK_SWAP_INT_H
#define CK_SWAP_INT_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "store.h"
#include "supervisor.h"
#include "swap.h"

#define CK_SWAP_HEX_MAX (2 * EVP_MAX_MD_SIZE + 1)
/* Kept aside by the plan phase (ck_journal_reserve) for a rollback on a
 * disk that filled up meanwhile: journal rewrites and the pidfiles of the
 * restarted services. */
#define CK_SWAP_RESERVE (256 * 1024)

/* A prepared swap: the validated new entry and the one it replaces. */
struct ck_swap {
	char *store, *alias;
	struct ck_entry *old;
	struct ck_entry *new;
	char *root_pem;			/* --root-cert, or NULL */
	size_t root_len;
	int backup_depth;		/* generations of backups to keep; 0 = default */
	char old_sha1[CK_SWAP_HEX_MAX], new_sha1[CK_SWAP_HEX_MAX];
	char old_sha256[CK_SWAP_HEX_MAX], new_sha256[CK_SWAP_HEX_MAX];
	ck_swap_notify notify;
	void *u;
	int policy_set;			/* ck_swap_set_policy was called */
	enum ck_swap_policy policy;	/* else the registry's swap_policy */
};

/* What a source gives: the new leaf, its key, the chain to send with it,
 * and roots to add to TRUSTED_ROOTS (--root-cert; a self-signed leaf). */
struct source {
	X509 *leaf;
	EVP_PKEY *key;
	STACK_OF(X509) *chain, *roots;
};

/*
 * The sources of lib/swap_sources.c (the others are in swap_prepare.c):
 * --p12, --self-signed (a new self-signed end-entity certificate for fqdn,
 * which is also its own root), --from-backup (a generation of the
 * entry's backup history in BACKUP_STORE).
 */
int ck_swap_source_p12(const struct ck_swap *sw, const struct ck_swap_req *req,
    struct source *src);
int ck_swap_source_selfsigned(const struct ck_swap *sw, const struct ck_swap_req *req,
    const char *fqdn, struct source *src);
int ck_swap_source_backup(const struct ck_swap *sw, struct ck_store *st,
    const struct ck_swap_req *req, struct source *src);

/* printf to notify (which may be NULL). */
void ck_swap_note(ck_swap_notify fn, void *u, enum ck_swap_note k, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The first certificate of an entry. */
int ck_swap_leaf(const struct ck_entry *e, X509 **leaf);
/* SHA-1 and SHA-256 hex of an entry's leaf (CK_SWAP_HEX_MAX each). */
int ck_swap_digests(const struct ck_entry *e, char *sha1, char *sha256);
/* 1 for MACHINE_SSL_CERT/__MACHINE_CERT: the entry whose swap publishes
 * machine-ssl.crt/.key and whose tls_endpoints are verified. */
int ck_swap_is_machine_cert(const char *store, const char *alias);
/* "machine-ssl.crt/.key in DIR", "the trusted roots in DIR", or both,
 * for the plan and the phase announcements; 0 if nothing is published. */
int ck_swap_publish_phrase(int ssl, int roots, char *buf, size_t sz);
/* " a b c": the core services in start order, or " (none)"; how many. */
size_t ck_swap_core_names(const struct ck_registry *reg, char *buf, size_t sz);
/*
 * Before anything is written or stopped: each file system the swap writes
 * to has room for it (the journal, staged entries and CK_SWAP_RESERVE; the
 * store's copy-on-write pages; the published files) and 1 MiB to spare.
 * CK_E_NOSPC with a message saying nothing was changed.
 */
int ck_swap_check_space(const struct ck_swap *sw);

/* lib/sts_prepare.c shares these too (the STS signing certificate is
 * swapped by the same engine).  The old thumbprints of a swap that
 * installs the first entry of its alias (there was none): */
#define CK_SWAP_NONE "none"
/* Valid now (CK_E_EXPIRED), a warning to notify within 30 days. */
int ck_swap_check_validity(const struct ck_swap *sw, X509 *leaf);
/* leaf verifies through chain to TRUSTED_ROOTS or one of roots (NULL:
 * none), at ck_now(); *what names what it verified to, *full (full may
 * be NULL) gets the verified chain, leaf to root; CK_E_VERIFY ending in
 * hint (what the user can do). */
int ck_swap_verify_to(struct ck_store *st, X509 *leaf, STACK_OF(X509) *chain,
    STACK_OF(X509) *roots, const char *hint, const char **what, STACK_OF(X509) **full);
/* Open the VMCA, which must have a root (CK_E_CA_MISSING); *ca is set
 * (to close) even on failure. */
struct ck_ca;
int ck_swap_vmca(struct ck_ca **ca);
/* lib/swap_services.c: the supervisor's progress as swap notes (failures
 * and warnings); the vmware policy's service phases: stop (which 0) every
 * service, start (start 1) the core ones (which 1) or every automatic one
 * (which 2). */
struct ck_swap_svc_note { ck_swap_notify fn; void *u; };
void ck_swap_svc_progress(void *u, enum ck_sup_event ev, const struct ck_service *s,
    const char *detail);
int ck_swap_services(struct ck_registry *reg, int start, int which, ck_swap_notify fn, void *u);

/*
 * lib/swap_services.c, the minimal policy's service phase: the services
 * that use STORE/ALIAS (ck_registry_uses; with roots, also those that use
 * TRUSTED_ROOTS) are brought onto the published files: a running one that
 * can reload is reloaded; one that cannot, or is not running (and is
 * automatic), is restarted (stopped, then started, in dependency order)
 * together with its running restart_with_requires dependents.  Nothing
 * else is touched.  With rollback, a failed reload falls back to a
 * restart (the old certificate must be served again whatever the
 * reload does); without, it fails the phase.
 */
int ck_swap_refresh(struct ck_registry *reg, const char *store, const char *alias, int roots,
    int rollback, ck_swap_notify fn, void *u);
/* The plan of a minimal-policy swap (ck_swap_plan's second half). */
void ck_swap_plan_minimal(const struct ck_swap *sw, const struct ck_registry *reg);

/*
 * lib/swap_backup.c: the alias's backup history as a swap found it (the
 * SHA-1s of BACKUP_STORE's generations, newest first, one a line; NULL
 * for a journal from before the history was kept) and the depth to trim
 * it to.  stage records it in the journal directory (depth 0: the
 * default); load reads it back for --resume/--rollback; restore, in the
 * rollback, takes old_sha1 off the history again if the swap pushed it
 * (so a failed swap never costs a backup); trim, after a swap that
 * worked, drops what is past the depth (a failure only warns).
 */
struct ck_swap_hist {
	char *backups;
	int depth;
};
int ck_swap_hist_stage(const char *alias, int depth, struct ck_swap_hist *h);
void ck_swap_hist_load(struct ck_swap_hist *h);
int ck_swap_hist_restore(const struct ck_swap_hist *h, const char *alias, const char *old_sha1,
    ck_swap_notify fn, void *u);
void ck_swap_hist_trim(const struct ck_swap_hist *h, const char *alias, ck_swap_notify fn,
    void *u);

#endif
