/*
 * sync.c: `vecs entry import --bundle FILE --sync [--dry-run]
 * [--remove-vmca-roots]`: make a store (TRUSTED_ROOTS above all) hold
 * exactly the certificates of a bundle, in one write transaction: what
 * the bundle has and the store lacks is added (alias = SHA-1 thumbprint,
 * as a plain import does), Trusted Cert entries the bundle lacks are
 * removed.  Kept although the bundle lacks them: the local VMCA's roots
 * (root.cer and its rotated backups root.cer.N, so certificates it issued
 * keep verifying) unless --remove-vmca-roots, and entries that are not
 * Trusted Certs.  The CA directory is published after the commit.
 * --dry-run prints the same lines and changes nothing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ca.h"
#include "err.h"
#include "paths.h"
#include "pki.h"
#include "util.h"
#include "vecs.h"

#define TP_MAX (2 * EVP_MAX_MD_SIZE + 1)

/* One certificate, from the store or the bundle. */
struct item {
	char *alias;		/* store entries */
	char tp[TP_MAX];	/* SHA-1 thumbprint of the (first) certificate, or "" */
	char subject[256];
	int type;
	X509 *x;		/* bundle certificates */
};

struct items {
	struct item *v;
	size_t n, cap;
};

static struct item *
items_add(struct items *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct item *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

static void
items_free(struct items *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].alias);
	free(l->v);
}

static int
items_has(const struct items *l, const char *tp)
{
	for (size_t i = 0; i < l->n; i++)
		if (tp[0] != '\0' && strcmp(l->v[i].tp, tp) == 0)
			return 1;
	return 0;
}

static void
describe(X509 *x, struct item *it)
{
	if (ck_cert_digest_hex(x, EVP_sha1(), it->tp) != 0)
		it->tp[0] = '\0';
	if (X509_NAME_oneline(X509_get_subject_name(x), it->subject, sizeof(it->subject)) == NULL)
		snprintf(it->subject, sizeof(it->subject), "?");
}

/* Store walk: every entry with its first certificate's thumbprint. */
static int
scan_entry(const struct ck_entry *e, void *arg)
{
	struct items *l = arg;
	struct item *it = items_add(l);
	BIO *b = NULL;
	X509 *x = NULL;

	if (it == NULL || (it->alias = strdup(e->alias)) == NULL)
		return CK_E_NOMEM;
	it->type = e->type;
	if (e->cert_len > 0 && e->type != CK_ENTRY_CRL &&
	    (b = BIO_new_mem_buf(e->cert_pem, (int)e->cert_len)) != NULL &&
	    (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		describe(x, it);
	X509_free(x);
	BIO_free(b);
	ERR_clear_error();
	return 0;
}

/* The thumbprints of the local VMCA's roots, current and rotated. */
static int
vmca_roots(struct items *l)
{
	char path[4096];
	STACK_OF(X509) *sk = NULL;

	for (int g = -1; g < CK_CA_MAX_BACKUPS; g++) {
		if (g < 0)
			snprintf(path, sizeof(path), "%s/root.cer", ck_path(CK_PATH_VMCA));
		else
			snprintf(path, sizeof(path), "%s/root.cer.%d", ck_path(CK_PATH_VMCA), g);
		if (ck_certs_load(path, &sk) != 0)
			continue;	/* absent or unreadable: nothing of it is kept */
		for (int i = 0; i < sk_X509_num(sk); i++) {
			struct item *it = items_add(l);
			if (it == NULL) {
				ck_certs_free(sk);
				return CK_E_NOMEM;
			}
			describe(sk_X509_value(sk, i), it);
		}
		ck_certs_free(sk);
		sk = NULL;
	}
	ck_err_clear();
	return 0;
}

/* Add the bundle certificate it to the store. */
static int
add_cert(struct vctx *ctx, const char *store, const struct item *it)
{
	struct ck_entry e;
	int r;

	memset(&e, 0, sizeof(e));
	e.type = CK_ENTRY_TRUSTED_CERT;
	e.alias = (char *)it->tp;
	if ((r = ck_cert_to_pem(it->x, &e.cert_pem, &e.cert_len)) != 0)
		return r;
	r = ck_store_entry_add(ctx->st, store, &e);
	free(e.cert_pem);
	return r;
}

/*
 * Decide and print, and (unless dry) change: removals first, so a
 * bundle certificate whose thumbprint is the alias of an entry being
 * removed still gets in.
 */
static int
apply(struct vctx *ctx, const char *store, const struct items *bundle, const struct items *have,
    const struct items *vmca, int dry, size_t counts[3])
{
	int keep_vmca = !ctx->set[O_REMOVE_VMCA_ROOTS], r;

	for (size_t i = 0; i < have->n; i++) {
		const struct item *it = &have->v[i];
		if (items_has(bundle, it->tp))
			continue;
		if (it->type != CK_ENTRY_TRUSTED_CERT) {
			printf("Keep:   [%s] %s (a %s entry, not a Trusted Cert) \n", it->alias,
			    it->subject, ck_entry_type_name(it->type));
			counts[2]++;
		} else if (keep_vmca && items_has(vmca, it->tp)) {
			printf("Keep:   [%s] %s (a root of the local VMCA; --remove-vmca-roots "
			    "removes it) \n", it->alias, it->subject);
			counts[2]++;
		} else {
			printf("Remove: [%s] %s \n", it->alias, it->subject);
			counts[1]++;
			if (!dry && (r = ck_store_entry_delete(ctx->st, store, it->alias)) != 0)
				return r;
		}
	}
	for (size_t i = 0; i < bundle->n; i++) {
		const struct item *it = &bundle->v[i];
		if (items_has(have, it->tp))
			continue;
		printf("Add:    [%s] %s \n", it->tp, it->subject);
		counts[0]++;
		if (!dry && (r = add_cert(ctx, store, it)) != 0)
			return r;
	}
	return 0;
}

int
vecs_import_sync(struct vctx *ctx)
{
	const char *store = ctx->val[O_STORE], *path = ctx->val[O_BUNDLE];
	int dry = ctx->set[O_DRY_RUN] != 0, r, intxn = 0;
	STACK_OF(X509) *certs = NULL;
	struct items bundle = { 0 }, have = { 0 }, vmca = { 0 };
	size_t counts[3] = { 0, 0, 0 };

	if ((r = vecs_read_bundle(path, &certs)) != 0)
		return r;
	for (int i = 0; i < sk_X509_num(certs); i++) {
		struct item tmp;
		memset(&tmp, 0, sizeof(tmp));
		describe(sk_X509_value(certs, i), &tmp);
		if (items_has(&bundle, tmp.tp))
			continue;	/* a certificate twice in the bundle */
		struct item *it = items_add(&bundle);
		if (it == NULL) {
			r = vfail_ck(W_NOT_ENOUGH_MEMORY, CK_E_NOMEM);
			goto out;
		}
		*it = tmp;
		it->x = sk_X509_value(certs, i);
	}
	if ((r = vmca_roots(&vmca)) != 0) {
		r = vfail_ck(vecs_code(r), r);
		goto out;
	}
	if ((r = vecs_open_store_for(ctx, store, dry ? CK_ACCESS_READ : CK_ACCESS_WRITE)) != 0)
		goto out;
	/* one transaction: what is decided is what the store held */
	if ((r = ck_store_txn_begin(ctx->st, !dry)) != 0) {
		r = vfail_ck(vecs_code(r), r);
		goto out;
	}
	intxn = 1;
	if ((r = ck_store_entry_iter(ctx->st, store, scan_entry, &have)) != 0 ||
	    (r = apply(ctx, store, &bundle, &have, &vmca, dry, counts)) != 0) {
		fprintf(stderr, "Error: Failed to sync store [%s] with the bundle [%s]; the store "
		    "is unchanged \n", store, path);
		r = vfail_ck(vecs_code(r), r);
		goto out;
	}
	if (dry) {
		printf("Dry run: store [%s] unchanged; --sync would add %zu, remove %zu and keep %zu "
		    "not in the bundle \n", store, counts[0], counts[1], counts[2]);
		r = 0;
		goto out;
	}
	intxn = 0;
	if ((r = ck_store_txn_commit(ctx->st)) != 0) {
		fprintf(stderr, "Error: Failed to sync store [%s] with the bundle [%s]; the store "
		    "is unchanged \n", store, path);
		r = vfail_ck(vecs_code(r), r);
		goto out;
	}
	printf("Synced store [%s] with the bundle [%s]: added %zu, removed %zu, kept %zu not in "
	    "the bundle \n", store, path, counts[0], counts[1], counts[2]);
	r = vecs_autopublish(ctx->st, store);
out:
	if (intxn)
		ck_store_txn_abort(ctx->st);
	items_free(&bundle);
	items_free(&have);
	items_free(&vmca);
	sk_X509_pop_free(certs, X509_free);
	return r;
}
