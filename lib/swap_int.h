/*
 * swap_int.h: what the two halves of the swap share, private to them:
 * lib/swap_prepare.c (obtain and validate the new entry, describe the
 * plan) and lib/swap.c (journal and run the phases).  Nothing else
 * includes this header.
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
	char old_sha1[CK_SWAP_HEX_MAX], new_sha1[CK_SWAP_HEX_MAX];
	char old_sha256[CK_SWAP_HEX_MAX], new_sha256[CK_SWAP_HEX_MAX];
	ck_swap_notify notify;
	void *u;
	int policy_set;			/* ck_swap_set_policy was called */
	enum ck_swap_policy policy;	/* else the registry's swap_policy */
};

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

#endif
