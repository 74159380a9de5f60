/*
 * sts.c: the STS signing certificate in its VECS store (lib/sts.h): read
 * it as SigningCertificate.Info, make an entry active while keeping the
 * previous chain validating, remove a validating chain.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "err.h"
#include "pki.h"
#include "store.h"
#include "backup.h"
#include "sts.h"
#include "swap_int.h"
#include "util.h"

int
ck_sts_is_signing(const char *store, const char *alias)
{
	return store != NULL && alias != NULL && ck_strcaseeq(store, CK_STORE_STS) &&
	    ck_strcaseeq(alias, CK_STS_ACTIVE_ALIAS);
}

/* N of "TrustedCertChain-N", or 0 if alias is not one. */
static long
chain_number(const char *alias)
{
	size_t pl = strlen(CK_STS_CHAIN_PREFIX);
	long n;

	if (strncasecmp(alias, CK_STS_CHAIN_PREFIX, pl) != 0 ||
	    ck_parse_long(alias + pl, 1, 1000000000L, &n) != 0) {
		ck_err_clear();
		return 0;
	}
	return n;
}

/* --- reading ---------------------------------------------------------------- */

struct walk {
	struct ck_sts_info *info;
	long *num;		/* chain_number of each validating chain */
	int err;
};

static int
add_chain(struct ck_sts_info *info, const struct ck_entry *e, size_t at)
{
	struct ck_sts_chain *c;
	int r;

	c = &info->chains[at];
	if ((c->alias = strdup(e->alias)) == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	if (e->cert_pem == NULL || e->cert_len == 0)
		return ck_errf(CK_E_FORMAT, "%s/%s holds no certificate", CK_STORE_STS, e->alias);
	if ((r = ck_certs_parse(e->cert_pem, e->cert_len, &c->certs)) != 0)
		return ck_errwrap(r, "%s/%s", CK_STORE_STS, e->alias);
	return 0;
}

static int
walk_entry(const struct ck_entry *e, void *arg)
{
	struct walk *w = arg;
	struct ck_sts_info *info = w->info;
	struct ck_sts_chain *grown;
	long *num;
	size_t at;

	if (ck_strcaseeq(e->alias, CK_STS_ACTIVE_ALIAS))
		return 0;	/* read on its own, to come first */
	if ((grown = realloc(info->chains, (info->n + 1) * sizeof(*grown))) == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	info->chains = grown;
	if ((num = realloc(w->num, (info->n + 1) * sizeof(*num))) == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	w->num = num;
	at = info->n++;
	memset(&info->chains[at], 0, sizeof(info->chains[at]));
	num[at] = chain_number(e->alias);
	return add_chain(info, e, at);
}

/* Validating chains newest first: by N, descending (insertion sort: a
 * handful of chains). */
static void
sort_validating(struct ck_sts_info *info, long *num, size_t from)
{
	for (size_t i = from + 1; i < info->n; i++)
		for (size_t k = i; k > from && num[k] > num[k - 1]; k--) {
			struct ck_sts_chain c = info->chains[k];
			long n = num[k];
			info->chains[k] = info->chains[k - 1];
			num[k] = num[k - 1];
			info->chains[k - 1] = c;
			num[k - 1] = n;
		}
}

int
ck_sts_get(struct ck_store *st, struct ck_sts_info **out)
{
	struct ck_sts_info *info = NULL;
	struct ck_entry *act = NULL;
	struct walk w;
	int r;

	*out = NULL;
	memset(&w, 0, sizeof(w));
	if ((info = calloc(1, sizeof(*info))) == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	w.info = info;
	if ((r = ck_store_txn_begin(st, 0)) != 0)
		goto out;
	r = ck_store_entry_get(st, CK_STORE_STS, CK_STS_ACTIVE_ALIAS, &act);
	if (r == 0) {
		if ((info->chains = calloc(1, sizeof(*info->chains))) == NULL ||
		    (w.num = calloc(1, sizeof(*w.num))) == NULL) {
			r = ck_errf(CK_E_NOMEM, "out of memory");
			goto txn_abort;
		}
		info->n = 1;
		info->active = 1;
		if ((r = add_chain(info, act, 0)) != 0)
			goto txn_abort;
	} else if (r != CK_E_NOENT)
		goto txn_abort;
	r = ck_store_entry_iter(st, CK_STORE_STS, walk_entry, &w);
	if (r == CK_E_NOENT)
		r = 0;	/* no store yet: nothing set */
	if (r != 0)
		goto txn_abort;
	sort_validating(info, w.num, info->active ? 1 : 0);
	*out = info;
	info = NULL;
txn_abort:
	ck_store_txn_abort(st);	/* read-only: nothing to commit */
out:
	ck_entry_free(act);
	free(w.num);
	ck_sts_info_free(info);
	return r;
}

void
ck_sts_info_free(struct ck_sts_info *info)
{
	if (info == NULL)
		return;
	for (size_t i = 0; i < info->n; i++) {
		free(info->chains[i].alias);
		ck_certs_free(info->chains[i].certs);
	}
	free(info->chains);
	free(info);
}

/* --- changing --------------------------------------------------------------- */

/* The validating chains: alias and leaf thumbprint of each, and the
 * highest N. */
struct vchain {
	char alias[CK_ALIAS_KEY_MAX + 1];
	char sha1[CK_SWAP_HEX_MAX];
};
struct vlist {
	struct vchain *v;
	size_t n;
	long max;
};

static int
collect_validating(const struct ck_entry *e, void *arg)
{
	struct vlist *vl = arg;
	struct vchain *grown;
	struct ck_entry copy;
	char sha256[CK_SWAP_HEX_MAX];
	long n;

	if (ck_strcaseeq(e->alias, CK_STS_ACTIVE_ALIAS))
		return 0;
	if ((grown = realloc(vl->v, (vl->n + 1) * sizeof(*grown))) == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	vl->v = grown;
	memset(&grown[vl->n], 0, sizeof(grown[vl->n]));
	snprintf(grown[vl->n].alias, sizeof(grown[vl->n].alias), "%s", e->alias);
	copy = *e;
	if (ck_swap_digests(&copy, grown[vl->n].sha1, sha256) != 0) {
		ck_err_clear();	/* a damaged chain matches no leaf */
		grown[vl->n].sha1[0] = '\0';
	}
	vl->n++;
	if ((n = chain_number(e->alias)) > vl->max)
		vl->max = n;
	return 0;
}

/* The store exists, created root-only (the caller's uid) if missing. */
static int
ensure_store(struct ck_store *st)
{
	struct ck_store_info info;
	int r;

	if ((r = ck_store_info(st, CK_STORE_STS, &info)) != CK_E_NOENT)
		return r;
	ck_err_clear();
	return ck_store_create(st, CK_STORE_STS, (uint32_t)geteuid());
}

/* Within the open transaction: cur's chain joins the validating list
 * unless a chain with its leaf is there. */
static int
keep_validating(struct ck_store *st, const struct ck_entry *cur, const char *cursha1,
    const struct vlist *vl)
{
	struct ck_entry *ve = NULL;
	char alias[64];
	int r;

	for (size_t i = 0; i < vl->n; i++)
		if (strcmp(vl->v[i].sha1, cursha1) == 0)
			return 0;
	snprintf(alias, sizeof(alias), "%s%ld", CK_STS_CHAIN_PREFIX, vl->max + 1);
	if ((r = ck_entry_build(cur->cert_pem, cur->cert_len, NULL, 0, alias, NULL, 0, &ve)) != 0)
		return ck_errwrap(r, "the previous chain %s/%s", CK_STORE_STS, cur->alias);
	r = ck_store_entry_add(st, CK_STORE_STS, ve);
	ck_entry_free(ve);
	return r;
}

int
ck_sts_activate(struct ck_store *st, const struct ck_entry *e, int backup)
{
	struct ck_entry *cur = NULL;
	struct vlist vl;
	char cur1[CK_SWAP_HEX_MAX] = "", new1[CK_SWAP_HEX_MAX] = "", s256[CK_SWAP_HEX_MAX];
	int r, have_new = e->cert_pem != NULL && e->cert_len > 0;

	memset(&vl, 0, sizeof(vl));
	if (have_new && (r = ck_swap_digests(e, new1, s256)) != 0)
		return r;
	if ((r = ck_store_txn_begin(st, 1)) != 0)
		return r;
	if ((r = ensure_store(st)) != 0)
		goto txn_abort;
	r = ck_store_entry_get(st, CK_STORE_STS, CK_STS_ACTIVE_ALIAS, &cur);
	if (r == CK_E_NOENT) {
		ck_err_clear();
		if (!have_new) {
			r = 0;	/* already none */
			goto txn_abort;
		}
	} else if (r != 0 || (r = ck_swap_digests(cur, cur1, s256)) != 0)
		goto txn_abort;
	if (have_new && cur != NULL && strcmp(cur1, new1) == 0) {
		r = 0;	/* in place already (a resumed swap) */
		goto txn_abort;
	}
	if ((r = ck_store_entry_iter(st, CK_STORE_STS, collect_validating, &vl)) != 0)
		goto txn_abort;
	if (cur != NULL && (r = keep_validating(st, cur, cur1, &vl)) != 0)
		goto txn_abort;
	for (size_t i = 0; have_new && i < vl.n; i++)
		if (strcmp(vl.v[i].sha1, new1) == 0 &&
		    (r = ck_store_entry_delete(st, CK_STORE_STS, vl.v[i].alias)) != 0)
			goto txn_abort;
	/* the entry replaced joins the backup history (lib/backup.h) */
	if (have_new && backup && (r = ck_backup_shift(st, CK_STORE_BACKUP, CK_STS_ACTIVE_ALIAS)) != 0)
		goto txn_abort;
	if (have_new)
		r = ck_store_entry_replace(st, CK_STORE_STS, e, backup ? CK_STORE_BACKUP : NULL);
	else
		r = ck_store_entry_delete(st, CK_STORE_STS, CK_STS_ACTIVE_ALIAS);
	if (r != 0)
		goto txn_abort;
	r = ck_store_txn_commit(st);
	goto out;
txn_abort:
	ck_store_txn_abort(st);
out:
	free(vl.v);
	ck_entry_free(cur);
	return r;
}

int
ck_sts_remove_chain(struct ck_store *st, const char *alias)
{
	int r;

	if (ck_strcaseeq(alias, CK_STS_ACTIVE_ALIAS))
		return ck_errf(CK_E_INVAL, "%s is the active signing certificate, which signs new "
		    "tokens; make another one active first (svcctl --set-signing-cert or "
		    "--refresh-signing-cert)", CK_STS_ACTIVE_ALIAS);
	r = ck_store_entry_delete(st, CK_STORE_STS, alias);
	if (r == CK_E_NOENT)
		return ck_errf(CK_E_NOENT, "no validating chain %s in store %s (svcctl "
		    "--get-signing-cert lists them)", alias, CK_STORE_STS);
	return r;
}
