/*
 * cmd_swap.c: --replace-cert, --resume, --rollback: the machine-
 * certificate swap of lib/swap.c with its progress printed per phase.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "err.h"
#include "log.h"
#include "paths.h"
#include "journal.h"
#include "store.h"
#include "swap.h"
#include "svcctl.h"

static void
notify(void *u, enum ck_swap_note kind, const char *msg)
{
	(void)u;
	switch (kind) {
	case CK_NOTE_PHASE:
		printf("==> %s\n", msg);
		break;
	case CK_NOTE_INFO:
		printf("    %s\n", msg);
		break;
	case CK_NOTE_WARN:
		printf("    %s\n", msg);
		break;
	case CK_NOTE_FAIL:
		fflush(stdout);
		fprintf(stderr, "svcctl: %s\n", msg);
		break;
	}
	fflush(stdout);
}

int
svcctl_report_pending(void)
{
	struct ck_journal *j = NULL;
	int r = ck_journal_read(&j);

	if (r == CK_E_NOENT)
		return 0;
	if (r != 0) {
		ck_warnr(r, "the swap journal in %s is unreadable", ck_path(CK_PATH_JOURNAL));
		return 1;
	}
	ck_warnx("a certificate swap of %s/%s (%s -> %s) was interrupted in phase %s%s%s; run "
	    "svcctl --resume to finish it or svcctl --rollback to restore the previous certificate",
	    j->store, j->alias, j->old_sha1, j->new_sha1, j->phase, j->reason ? " after: " : "",
	    j->reason ? j->reason : "");
	if (j->old_sha256 != NULL && j->new_sha256 != NULL)
		ck_warnx("(SHA-256 thumbprints: %s -> %s)", j->old_sha256, j->new_sha256);
	ck_journal_free(j);
	return 1;
}

/* Exit status for a failure of the validation/preparation step. */
static int
prepare_status(int r)
{
	switch (r) {
	case CK_E_NOENT:
		return SX_NOTFOUND;
	case CK_E_EXIST:
		return SX_EXISTS;
	case CK_E_INVAL:
	case CK_E_KEY_MISMATCH:
	case CK_E_EXPIRED:
	case CK_E_SAN:
	case CK_E_VERIFY:
	case CK_E_KEY:
	case CK_E_CERT:
	case CK_E_FORMAT:
	case CK_E_PASSWORD:
	case CK_E_UNSUPPORTED:
	case CK_E_CA_MISSING:
	case CK_E_CONFIG:
	case CK_E_POLICY:
	case CK_E_SUBJECT:
	case CK_E_CSR_FIELD:
	case CK_E_LIMIT:
		return SX_INVALID;
	default:
		return SX_FAIL;
	}
}

static int
run_status(int r, int rolled_back)
{
	if (r == 0)
		return SX_OK;
	if (r == CK_E_BUSY)
		return SX_LOCKED;
	if (r == CK_E_PENDING)
		return SX_PENDING;
	if (rolled_back)
		return SX_ROLLEDBACK;
	if (r == CK_E_STATE)
		return SX_BROKEN;
	return SX_FAIL;
}

/*
 * --if-expires-within DAYS: 1 if the current entry's certificate expires
 * within days from now (a renewal is due), 0 if not (and says when it
 * expires), or -1 with an error printed (exit status in *x).
 */
static int
renewal_due(struct svcctl_opts *o, long days, int *x)
{
	const char *store = o->store ? o->store : CK_STORE_MACHINE_SSL;
	const char *alias = o->alias ? o->alias : CK_MACHINE_CERT_ALIAS;
	struct ck_store *st = NULL;
	struct ck_entry *e = NULL;
	X509 *c = NULL;
	BIO *b = NULL;
	struct tm tm;
	char when[64];
	time_t limit = time(NULL) + (time_t)days * 86400;
	int r, due = -1;

	*x = SX_FAIL;
	if ((r = ck_store_open(NULL, CK_STORE_RDONLY, &st)) != 0) {
		ck_warnr(r, "open the certificate store %s", ck_path(CK_PATH_VECS));
		goto out;
	}
	if ((r = ck_store_entry_get(st, store, alias, &e)) != 0) {
		ck_warnr(r, "--if-expires-within: no entry %s in store %s", alias, store);
		*x = SX_NOTFOUND;
		goto out;
	}
	if (e->cert_pem == NULL || (b = BIO_new_mem_buf(e->cert_pem, (int)e->cert_len)) == NULL ||
	    (c = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL ||
	    ASN1_TIME_to_tm(X509_get0_notAfter(c), &tm) != 1) {
		ck_warnx("--if-expires-within: the certificate of %s/%s is unreadable", store, alias);
		*x = SX_INVALID;
		goto out;
	}
	due = X509_cmp_time(X509_get0_notAfter(c), &limit) <= 0;
	if (!due) {
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		printf("not due: expires %s (more than %ld days from now)\n", when, days);
	}
	*x = SX_OK;
out:
	X509_free(c);
	BIO_free(b);
	ck_entry_free(e);
	ck_store_close(st);
	return due;
}

int
cmd_swap(struct svcctl_opts *o)
{
	struct ck_registry *reg = NULL;
	struct ck_swap *sw = NULL;
	struct ck_swap_req req;
	int r, x, rolled_back = 0;
	const char *what = o->action == A_RESUME ? "--resume" : o->action == A_ROLLBACK ?
	    "--rollback" : "--replace-cert";

	if ((x = svcctl_load_registry(o, &reg)) != 0)
		goto out;
	if (o->action == A_RESUME) {
		r = ck_swap_resume(reg, notify, NULL, &rolled_back);
	} else if (o->action == A_ROLLBACK) {
		r = ck_swap_rollback(reg, notify, NULL);
		if (r == CK_E_STATE)
			rolled_back = 0;
	} else {
		if (o->if_expires_within >= 0 && renewal_due(o, o->if_expires_within, &x) != 1)
			goto out;
		memset(&req, 0, sizeof(req));
		req.store = o->store;
		req.alias = o->alias;
		req.cert_path = o->cert;
		req.key_path = o->key;
		req.key_password = o->key_password;
		req.chain_path = o->chain;
		req.root_path = o->root_cert;
		req.vmca_config = o->vmca_config;
		req.renew = o->renew;
		req.days = (int)o->days;
		req.fqdn = o->fqdn;
		req.p12_path = o->p12;
		req.self_signed = o->self_signed;
		req.from_backup = o->from_backup >= 0;
		req.backup_gen = (int)(o->from_backup >= 0 ? o->from_backup : 0);
		req.backup_depth = (int)o->backup_depth;
		printf("==> validating\n");
		if ((r = ck_swap_prepare(&req, notify, NULL, &sw)) != 0) {
			ck_warnr(r, "--replace-cert: validation failed, nothing was changed");
			x = prepare_status(r);
			goto out;
		}
		if (o->restart_policy != NULL) {
			enum ck_swap_policy p = CK_POLICY_VMWARE;
			(void)ck_swap_policy_parse(o->restart_policy, &p);	/* checked by the parser */
			ck_swap_set_policy(sw, p);
		}
		ck_swap_plan(sw, reg);
		if (o->dry_run) {
			printf("dry run: nothing was changed\n");
			x = SX_OK;
			goto out;
		}
		r = ck_swap_run(sw, reg, &rolled_back);
	}
	x = run_status(r, rolled_back);
	if (r != 0) {
		ck_warnr(r, "%s failed", what);
		if (x == SX_ROLLEDBACK)
			ck_warnx("the previous certificate is in place and served again");
	}
out:
	ck_swap_free(sw);
	ck_registry_free(reg);
	return x;
}

/* For cmd_sts.c: the signing-certificate swaps print and exit as these. */
void
svcctl_swap_notify(void *u, enum ck_swap_note kind, const char *msg)
{
	notify(u, kind, msg);
}

int
svcctl_prepare_status(int r)
{
	return prepare_status(r);
}

int
svcctl_run_status(int r, int rolled_back)
{
	return run_status(r, rolled_back);
}
