/*
 * ca_trust.h: the VMCA's certificates as trusted roots.
 *
 * VMware's certool adds a new VMCA root to the directory and to VECS, so
 * everything the VMCA issues verifies on the node at once.  certkit has no
 * directory: the VMCA's chain (root.cer: signing certificate, any
 * intermediates, root) goes into the TRUSTED_ROOTS store, under the SHA-1
 * thumbprint alias vecs gives a certificate added without one, and the
 * store's CA directory is published again (lib/publish.c).  Roots are only
 * ever added here: a previous root stays trusted, so what it issued keeps
 * verifying; removing one is the admin's `vecs entry delete`.
 *
 * This file uses only what vecs already loads lazily (lib/pki.c parsing,
 * lib/store*.c), so vecs force-refresh can call it; it does not open the
 * VMCA (lib/ca.c), it reads root.cer.  Nothing here prints.
 */
#ifndef CK_CA_TRUST_H
#define CK_CA_TRUST_H

#include <openssl/x509.h>

#include "store.h"

/*
 * Add every certificate of chain that TRUSTED_ROOTS of st does not hold
 * yet (the same certificate under any alias counts as held) in one write
 * transaction; *added (may be NULL) gets how many were added.
 */
int ck_ca_trust_chain(struct ck_store *st, STACK_OF(X509) *chain, int *added);
/*
 * The same for the chain in <vmcadir>/root.cer (vmcadir NULL: the VMCA
 * directory, ck_path(CK_PATH_VMCA)).  No root.cer (no VMCA on this node):
 * 0, nothing added.
 */
int ck_ca_trust_dir(struct ck_store *st, const char *vmcadir, int *added);
/*
 * certool's publishing: open the store, ck_ca_trust_chain (chain NULL:
 * ck_ca_trust_dir), then publish the CA directory (capath NULL: the
 * default), whether or not anything was added, so the directory is right
 * afterwards either way.
 */
int ck_ca_publish_roots(STACK_OF(X509) *chain, const char *capath, int *added);

#endif
