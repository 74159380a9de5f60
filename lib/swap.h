/*
 * swap.h: the machine-certificate swap as one operation.
 *
 * ck_swap_prepare() (lib/swap_prepare.c) obtains the new certificate
 * (files, a PKCS#12 file, VMCA-issued from a certool.cfg, a VMCA renewal
 * of the current one, a new self-signed one, or one of the entry's
 * backups) and validates it without changing anything.  ck_swap_run()
 * (lib/swap.c) then journals and performs:
 *
 *   plan     stage new and old entries in the journal directory
 *   stop     stop every service
 *   core     start the core services
 *   swap     replace the entry (old one to BACKUP_STORE as bkp_<alias>,
 *            the older backups moved to bkp_<alias>.1 ..., lib/backup.h),
 *            in one LMDB write transaction; --root-cert added before
 *   publish  rewrite machine-ssl.crt/.key (MACHINE_SSL_CERT/__MACHINE_CERT)
 *   start    start every automatic service
 *   verify   every service ready, every tls_endpoint serves the new cert;
 *            then the backup history is trimmed to its depth
 *
 * That is the vmware restart policy.  The minimal one (lib/swap_services.c,
 * chosen by ck_swap_set_policy or the registry's swap_policy) runs plan,
 * swap, publish, then
 *
 *   reload   reload the running services that use the entry and can
 *            reload; restart (stop, then start, dependency order) those
 *            that cannot, with their restart_with_requires dependents;
 *            nothing else is touched
 *   verify   every tls_endpoint serves the new cert
 *
 * and rolls back the same way (rollback-swap, rollback-publish,
 * rollback-reload, rollback-verify).  The journal records the policy;
 * --resume and --rollback follow it.
 *
 * Before anything is written or stopped, the free space the journal, the
 * staging and the store need is checked (CK_E_NOSPC).  The journal
 * (lib/journal.h) is rewritten atomically and fsynced before each phase
 * starts.  On failure the previous entry is restored the same way
 * (rollback phases), services are restarted and the old certificate is
 * verified, and the backup history is put back as the swap found it (a
 * failed swap never costs a backup); the rollback is best effort: a phase whose journal cannot be
 * written, or that fails, does not stop the phases after it, so the
 * services are restarted with the old certificate whatever happened.  A run killed at any
 * point leaves the journal: ck_swap_resume() finishes the swap,
 * ck_swap_rollback() restores the old certificate.  The store always has
 * one of the two certificates, as the replace is atomic.
 *
 * A lock (ck_path(CK_PATH_RUN)/swap.lock, flock) keeps two swaps apart.
 * The current entry is read again under the lock: if another swap
 * replaced it after ck_swap_prepare() read it, the run is refused.
 * In a build with test hooks (lib/testhook.h):
 * CERTKIT_TEST_KILL_AT=PHASE makes the process SIGKILL
 * itself right after the journal for PHASE is written;
 * CERTKIT_TEST_PAUSE_AT=lock with CERTKIT_TEST_PAUSE_FILE=PATH makes
 * ck_swap_run() create PATH and wait for its removal before the lock.
 */
#ifndef CK_SWAP_H
#define CK_SWAP_H

#include <stdint.h>

#include "registry.h"

struct ck_swap_req {
	const char *store;		/* NULL = MACHINE_SSL_CERT */
	const char *alias;		/* NULL = __MACHINE_CERT */
	const char *cert_path;		/* --cert (leaf first, chain may follow) */
	const char *key_path;		/* --key */
	const char *key_password;	/* --key-password spec */
	const char *chain_path;		/* --chain */
	const char *root_path;		/* --root-cert */
	const char *vmca_config;	/* --vmca-config certool.cfg */
	int renew;			/* --renew */
	int days;			/* 0 = 730 */
	const char *fqdn;		/* NULL = CERTKIT_FQDN or hostname -f */
	const char *p12_path;		/* --p12 (password: key_password) */
	int self_signed;		/* --self-signed */
	int from_backup;		/* --from-backup given: generation backup_gen */
	int backup_gen;			/* 0 = bkp_<alias>, N = bkp_<alias>.N */
	int backup_depth;		/* --backup-depth, 0 = CK_BACKUP_DEPTH_DEFAULT */
};

enum ck_swap_note {
	CK_NOTE_INFO,		/* validation result, plan line */
	CK_NOTE_WARN,		/* e.g. expires within 30 days */
	CK_NOTE_PHASE,		/* a phase begins */
	CK_NOTE_FAIL,		/* a phase failed (detail follows) */
};

typedef void (*ck_swap_notify)(void *u, enum ck_swap_note kind, const char *msg);

struct ck_swap;

/*
 * Build and validate the new entry.  Nothing is changed.  Errors:
 * CK_E_KEY_MISMATCH, CK_E_EXPIRED, CK_E_INVAL (CA cert), CK_E_SAN (FQDN
 * missing), CK_E_VERIFY (chain), CK_E_NOENT (no current entry, no CSR
 * key, missing file), CK_E_EXIST (same thumbprint as the current one),
 * CK_E_UNSUPPORTED (renew of a cert the VMCA did not issue), and what the
 * loaders return.  Each validation result is also passed to notify.
 */
int ck_swap_prepare(const struct ck_swap_req *req, ck_swap_notify notify, void *u,
    struct ck_swap **out);
void ck_swap_free(struct ck_swap *sw);
/* Restart services the policy's way (svcctl(8) RESTART POLICY); without
 * this call the registry's swap_policy decides. */
void ck_swap_set_policy(struct ck_swap *sw, enum ck_swap_policy p);
enum ck_swap_policy ck_swap_get_policy(const struct ck_swap *sw, const struct ck_registry *reg);
/* Describe the phases ck_swap_run would go through (to notify). */
void ck_swap_plan(const struct ck_swap *sw, const struct ck_registry *reg);
/* Thumbprints (SHA-1, hex) of the current and the new certificate. */
const char *ck_swap_old_thumbprint(const struct ck_swap *sw);
const char *ck_swap_new_thumbprint(const struct ck_swap *sw);

/*
 * Do it (see above), with progress to notify.  Returns 0 on success;
 * CK_E_BUSY (lock held, or the current entry changed since it was
 * validated), CK_E_PENDING (a journal exists); CK_E_SERVICE or
 * CK_E_VERIFY etc. after a successful rollback (*rolled_back = 1); or
 * CK_E_STATE when the rollback failed too (journal kept).
 */
int ck_swap_run(struct ck_swap *sw, struct ck_registry *reg, int *rolled_back);
int ck_swap_resume(struct ck_registry *reg, ck_swap_notify notify, void *u, int *rolled_back);
int ck_swap_rollback(struct ck_registry *reg, ck_swap_notify notify, void *u);

#endif
