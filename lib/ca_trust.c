/*
 * ca_trust.c: the VMCA's chain into TRUSTED_ROOTS and the CA directory
 * (see ca_trust.h for why and what).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ca_trust.h"
#include "err.h"
#include "paths.h"
#include "pki.h"
#include "publish.h"
#include "util.h"

struct held {
	const char *pem;	/* one certificate, canonical PEM */
	size_t len;
	int found;
};

/* Entries hold canonical PEM (lib/store_entry.c), so the same certificate
 * is the same PEM block, alone or within a stored chain. */
static int
holds(const struct ck_entry *e, void *arg)
{
	struct held *h = arg;

	if (e->cert_len >= h->len && e->cert_pem != NULL &&
	    memmem(e->cert_pem, e->cert_len, h->pem, h->len) != NULL) {
		h->found = 1;
		return 1;	/* stop the walk */
	}
	return 0;
}

int
ck_ca_trust_chain(struct ck_store *st, STACK_OF(X509) *chain, int *added)
{
	struct ck_entry *e = NULL;
	char *pem = NULL;
	size_t len;
	int r, n = 0;

	if (added != NULL)
		*added = 0;
	if ((r = ck_store_txn_begin(st, 1)) != 0)
		return r;
	for (int i = 0; i < sk_X509_num(chain); i++) {
		struct held h = { NULL, 0, 0 };

		free(pem);
		pem = NULL;
		ck_entry_free(e);
		e = NULL;
		if ((r = ck_cert_to_pem(sk_X509_value(chain, i), &pem, &len)) != 0)
			goto abort;
		h.pem = pem;
		h.len = len;
		r = ck_store_entry_iter(st, CK_STORE_TRUSTED_ROOTS, holds, &h);
		if (r != 0 && !h.found)
			goto abort;
		if (h.found)
			continue;
		if ((r = ck_entry_build(pem, len, NULL, 0, NULL, NULL, 0, &e)) != 0 ||
		    (r = ck_store_entry_add(st, CK_STORE_TRUSTED_ROOTS, e)) != 0)
			goto abort;
		n++;
	}
	if ((r = ck_store_txn_commit(st)) != 0)
		goto out;
	if (added != NULL)
		*added = n;
	goto out;
abort:
	ck_store_txn_abort(st);
	r = ck_errwrap(r, "adding the VMCA's certificates to %s", CK_STORE_TRUSTED_ROOTS);
out:
	ck_entry_free(e);
	free(pem);
	return r;
}

int
ck_ca_trust_dir(struct ck_store *st, const char *vmcadir, int *added)
{
	STACK_OF(X509) *chain = NULL;
	char *path;
	int r;

	if (added != NULL)
		*added = 0;
	path = vmcadir != NULL ? ck_asprintf("%s/root.cer", vmcadir) :
	    ck_path_join(CK_PATH_VMCA, "root.cer");
	if (path == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	r = ck_certs_load(path, &chain);
	if (r == CK_E_NOENT) {
		ck_err_clear();
		r = 0;
	} else if (r == 0) {
		r = ck_ca_trust_chain(st, chain, added);
	}
	ck_certs_free(chain);
	free(path);
	return r;
}

int
ck_ca_publish_roots(STACK_OF(X509) *chain, const char *capath, int *added)
{
	struct ck_store *st = NULL;
	int r;

	if ((r = ck_store_open(NULL, 0, &st)) != 0)
		goto out;
	r = chain != NULL ? ck_ca_trust_chain(st, chain, added) : ck_ca_trust_dir(st, NULL, added);
	if (r == 0 && (r = ck_publish_store(st, capath, NULL, CK_PUBLISH_ROOTS, NULL)) != 0)
		r = ck_errwrap(r, "publishing the trusted roots in %s",
		    capath != NULL ? capath : ck_path(CK_PATH_CAPATH));
out:
	ck_store_close(st);
	return r;
}
