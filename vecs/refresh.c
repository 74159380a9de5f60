/*
 * refresh.c: `vecs force-refresh` and the publishing after every change
 * to a built-in store.
 *
 * With no directory service to sync from, a refresh re-publishes the
 * database: trusted roots and CRLs into the CA directory, the machine
 * certificate as machine-ssl.crt/.key.  The files and their rules are
 * lib/publish.c's, shared with svcctl --replace-cert; this file says what
 * happened.
 */
#include "config.h"

#include <stdio.h>

#include "ca_trust.h"
#include "err.h"
#include "expiry.h"
#include "publish.h"
#include "util.h"
#include "vecs.h"

/*
 * Publish under the shared lock (lib/publish.c) and say what was kept
 * back: an encrypted machine key is a warning, not a failure.
 */
int
vecs_publish(struct ck_store *st, const char *capath, const char *ssldir,
    int want_roots, int want_ssl)
{
	struct ck_publish_report rep;
	int r;

	r = ck_publish_store(st, capath, ssldir, (want_roots ? CK_PUBLISH_ROOTS : 0) |
	    (want_ssl ? CK_PUBLISH_SSL : 0), &rep);
	if (r == 0 && rep.key_kept)
		fprintf(stderr, "Warning: Entry [%s] in store [%s] holds an Encrypted Private Key, "
		    "which services cannot load: it is not published, and machine-ssl.crt/.key in "
		    "%s were left as they were \n", rep.alias, CK_STORE_MACHINE_SSL, rep.ssldir);
	return r;
}

int
vecs_autopublish(struct ck_store *st, const char *store)
{
	int roots = ck_strcaseeq(store, CK_STORE_TRUSTED_ROOTS) ||
	    ck_strcaseeq(store, CK_STORE_TRUSTED_CRLS);
	int ssl = ck_strcaseeq(store, CK_STORE_MACHINE_SSL);
	int r;

	if (!roots && !ssl)
		return 0;
	if ((r = vecs_publish(st, NULL, NULL, roots, ssl)) == 0)
		return 0;
	fprintf(stderr, "Error: The store was changed, but publishing its files failed "
	    "(%s: %s); they are stale until 'vecs force-refresh' succeeds \n", ck_strerror(r),
	    ck_err_detail());
	return vfail(W_PUBLISH_FAILED);
}

/*
 * As VMware's vmafd takes the VMCA's roots from the directory on a
 * refresh: the local VMCA's chain (root.cer) into TRUSTED_ROOTS when it is
 * missing there (lib/ca_trust.c), before the publish.  Only for a caller
 * who may write TRUSTED_ROOTS; for others the publish alone goes on.
 */
static int
trust_vmca(struct vctx *ctx)
{
	struct ck_store_info info;
	int r, added = 0;

	if (ck_store_info(ctx->st, CK_STORE_TRUSTED_ROOTS, &info) != 0 ||
	    ck_store_access(&info, (uint32_t)ctx->uid, CK_ACCESS_WRITE) != 0) {
		ck_err_clear();
		return 0;
	}
	if ((r = ck_ca_trust_dir(ctx->st, NULL, &added)) != 0) {
		fprintf(stderr, "Error: Failed to add the VMCA's root to [%s] \n",
		    CK_STORE_TRUSTED_ROOTS);
		return vfail_ck(vecs_code(r), r);
	}
	if (added > 0)
		printf("Added %d certificate%s of the VMCA to [%s]\n", added, added == 1 ? "" : "s",
		    CK_STORE_TRUSTED_ROOTS);
	return 0;
}

int
cmd_force_refresh(struct vctx *ctx)
{
	int r;

	if ((ctx->set[O_CAPATH] && *ctx->val[O_CAPATH] == '\0') ||
	    (ctx->set[O_MACHINE_SSL_DIR] && *ctx->val[O_MACHINE_SSL_DIR] == '\0'))
		return vsyntax(ctx->cmd, "Error: An empty directory name was given \n");
	if ((r = vecs_open(ctx)) != 0)
		return r;
	if ((r = trust_vmca(ctx)) != 0)
		return r;
	/* the expiry summary monitoring reads (lib/expiry.h), too */
	if ((r = vecs_publish(ctx->st, ctx->val[O_CAPATH], ctx->val[O_MACHINE_SSL_DIR], 1, 1)) != 0 ||
	    (r = ck_expiry_publish(ctx->st)) != 0) {
		fprintf(stderr, "Error: Failed to trigger root cert refresh \n");
		/* a directory that cannot be made or used is a path problem */
		return vfail_ck(r == CK_E_NOENT ? W_PATH_NOT_FOUND : vecs_code(r), r);
	}
	return 0;
}
