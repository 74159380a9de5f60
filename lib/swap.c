/*
 * swap.c: run a prepared swap (lib/swap_prepare.c): journal, stop, start
 * core, swap, publish, start, verify (or, with the minimal restart policy,
 * swap, publish, reload, verify: lib/swap_services.c); roll back on
 * failure; resume or roll back after a crash.
 *
 * The journal phases are written before the phase starts, so after a
 * crash the journal names the phase that was in progress.  Every phase is
 * idempotent (stopping stopped services, starting running ones, swapping
 * to the entry already in place, publishing the same files), which is why
 * --resume simply runs the forward phases again from "stop" and
 * --rollback runs the rollback phases from the beginning.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "audit.h"
#include "ca.h"
#include "err.h"
#include "fileio.h"
#include "paths.h"
#include "pki.h"
#include "journal.h"
#include "publish.h"
#include "secmem.h"
#include "store.h"
#include "sts.h"
#include "supervisor.h"
#include "swap.h"
#include "swap_int.h"
#include "testhook.h"
#include "tlsprobe.h"
#include "util.h"

#define VERIFY_TIMEOUT_MS 5000

/* What the phases work on, from a fresh swap or from a journal. */
struct run {
	struct ck_journal *j;
	struct ck_entry *old, *new;
	char *root_pem;
	size_t root_len;
	struct ck_registry *reg;
	ck_swap_notify notify;
	void *u;
	struct ck_swap_hist hist;	/* the backup history the swap found (swap_backup.c) */
	enum ck_swap_policy policy;	/* how services are restarted (the journal's) */
	int best_effort;	/* rolling back: a journal write failure is noted, not fatal */
	int journal_lost;	/* a rollback phase went on without its journal */
};

/* --- the phases ------------------------------------------------------------ */

static int
publishes(const struct ck_journal *j)
{
	return ck_swap_is_machine_cert(j->store, j->alias);
}

static int
set_phase(struct run *rn, const char *phase, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An audit record (audit.h) of the swap: event, what and the outcome. */
static void
audit_swap(const struct run *rn, const char *event, const char *outcome)
{
	const struct ck_journal *j = rn->j;

	ck_audit(event, "phase=%s store=\"%s\" alias=\"%s\" old_sha1=%s old_sha256=%s "
	    "new_sha1=%s new_sha256=%s outcome=\"%s\"", j->phase ? j->phase : "-", j->store,
	    j->alias, j->old_sha1, j->old_sha256, j->new_sha1, j->new_sha256, outcome);
}

/* Journal the phase (durably), announce it, and honour the test hook. */
static int
set_phase(struct run *rn, const char *phase, const char *fmt, ...)
{
	char *p = strdup(phase), buf[1024];
	va_list ap;
	int r;

	if (p == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	free(rn->j->phase);
	rn->j->phase = p;
	if ((r = ck_journal_write(rn->j)) != 0) {
		if (!rn->best_effort)
			return r;
		/* a rollback that stops here leaves the services stopped: the
		 * phases are idempotent, so going on without the journal is
		 * safe, and a crash now leaves the journal of an earlier
		 * phase, which --resume or --rollback finish */
		if (!rn->journal_lost)
			ck_swap_note(rn->notify, rn->u, CK_NOTE_WARN, "warning: %s; rolling back "
			    "without the journal, the services are restarted with the old "
			    "certificate", ck_err_detail());
		rn->journal_lost = 1;
		ck_err_clear();
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ck_swap_note(rn->notify, rn->u, CK_NOTE_PHASE, "%s", buf);
	audit_swap(rn, "swap.phase", buf);
	ck_test_kill(phase);
	return 0;
}

/* which: 0 every service (stop), 1 core, 2 every automatic one */
static int
services(struct run *rn, int start, int which)
{
	return ck_swap_services(rn->reg, start, which, rn->notify, rn->u);
}

/* Put e in place unless the store already has it (by thumbprint); with
 * backup, the entry it replaces becomes the newest backup generation (one
 * transaction: shift the history, replace). */
static int
put_entry(struct run *rn, const struct ck_entry *e, const char *sha1, int backup)
{
	struct ck_store *st = NULL;
	struct ck_entry *cur = NULL;
	char csha1[CK_SWAP_HEX_MAX], csha256[CK_SWAP_HEX_MAX];
	int r;

	if ((r = ck_store_open(NULL, 0, &st)) != 0)
		goto out;
	if (rn->root_pem != NULL && e == rn->new) {
		struct ck_entry *root = NULL;
		if ((r = ck_entry_build(rn->root_pem, rn->root_len, NULL, 0, NULL, NULL, 0, &root)) != 0)
			goto out;
		r = ck_store_entry_add(st, CK_STORE_TRUSTED_ROOTS, root);
		if (r == 0)
			ck_swap_note(rn->notify, rn->u, CK_NOTE_INFO, "added the root %s to TRUSTED_ROOTS", root->alias);
		ck_entry_free(root);
		if (r != 0 && r != CK_E_EXIST)
			goto out;
	}
	if (ck_sts_is_signing(rn->j->store, rn->j->alias)) {
		/* the previous signing chain stays validating (lib/sts.h) */
		r = ck_sts_activate(st, e, backup);
		goto out;
	}
	r = ck_store_entry_get(st, rn->j->store, rn->j->alias, &cur);
	if (r == 0 && ck_swap_digests(cur, csha1, csha256) == 0 && strcmp(csha1, sha1) == 0) {
		ck_swap_note(rn->notify, rn->u, CK_NOTE_INFO, "the store already holds %s", sha1);
		r = 0;
		goto out;
	}
	if (r != 0 && r != CK_E_NOENT)
		goto out;
	if (!backup) {
		r = ck_store_entry_replace(st, rn->j->store, e, NULL);
		goto out;
	}
	if ((r = ck_store_txn_begin(st, 1)) != 0)
		goto out;
	if ((r = ck_backup_shift(st, CK_STORE_BACKUP, rn->j->alias)) == 0 &&
	    (r = ck_store_entry_replace(st, rn->j->store, e, CK_STORE_BACKUP)) == 0)
		r = ck_store_txn_commit(st);
	else
		ck_store_txn_abort(st);
out:
	ck_entry_free(cur);
	ck_store_close(st);
	return r;
}

/*
 * Add the new certificate to the VMCA index if the VMCA issued it (a
 * --vmca-config or --renew swap; a --cert from certool --gencert is
 * indexed already), now that it is in the store.  Recording twice is
 * harmless, so --resume may run this again.  A certificate from another
 * CA, or no VMCA at all, is left alone.  Never fails the swap: the new
 * entry is in place and valid, and undoing a working swap because the
 * VMCA's index cannot be written (a custom-CA --cert swap on a node whose
 * VMCA is damaged) would be worse; a warning says what is missing.
 */
static void
record_new(struct run *rn)
{
	struct ck_ca *ca = NULL;
	X509 *x = NULL;
	int r;

	if ((r = ck_swap_leaf(rn->new, &x)) == 0 && (r = ck_ca_open(NULL, &ca)) == 0 &&
	    ck_ca_has_root(ca) && (r = ck_ca_record(ca, x)) == CK_E_UNSUPPORTED)
		r = 0;	/* not issued by this VMCA */
	if (r != 0)
		ck_swap_note(rn->notify, rn->u, CK_NOTE_WARN, "warning: the new certificate is in place, "
		    "but could not be recorded in the VMCA index (%s%s%s): certool --status, "
		    "--enumcert and --revokecert will not know it", ck_strerror(r),
		    *ck_err_detail() ? ": " : "", ck_err_detail());
	ck_err_clear();
	ck_ca_close(ca);
	X509_free(x);
}

/*
 * The publish phases: machine-ssl.crt/.key from e, as vecs publishes them
 * (lib/publish.c: the same lock, staged and renamed key first, an
 * encrypted key never written); and, when this swap adds a --root-cert
 * root to TRUSTED_ROOTS, the CA directory, so services that read it trust
 * the new chain now rather than after the next vecs command.  The root
 * stays in the store on a rollback, so rollback-publish publishes it too.
 */
static int
publish(struct run *rn, const struct ck_entry *e)
{
	struct ck_publish_report rep;
	struct ck_store *st = NULL;
	int r;

	if (publishes(rn->j)) {
		if ((r = ck_publish_machine_ssl(e, NULL, &rep)) != 0)
			return ck_errwrap(r, "publish in %s", ck_path(CK_PATH_MACHINE_SSL));
		if (rep.key_kept)
			ck_swap_note(rn->notify, rn->u, CK_NOTE_WARN, "warning: %s/%s holds an encrypted private "
			    "key, which services cannot load: machine-ssl.crt/.key in %s were left as "
			    "they were", rn->j->store, rep.alias, rep.ssldir);
	}
	if (rn->root_pem == NULL)
		return 0;
	if ((r = ck_store_open(NULL, CK_STORE_RDONLY, &st)) == 0)
		r = ck_publish_store(st, NULL, NULL, CK_PUBLISH_ROOTS, NULL);
	ck_store_close(st);
	if (r != 0)
		return ck_errwrap(r, "publish the trusted roots in %s", ck_path(CK_PATH_CAPATH));
	return 0;
}

/* What the publish phases publish, for their announcement; 0 if nothing. */
static int
publish_what(const struct run *rn, char *buf, size_t sz)
{
	return ck_swap_publish_phrase(publishes(rn->j), rn->root_pem != NULL, buf, sz);
}

/*
 * Every automatic service's tls_endpoint must serve the certificate with
 * these digests.  SHA-256 decides; the lines name certificates by their
 * SHA-1 thumbprint, as every other line of the swap (and vecs) does.
 */
static int
verify_served(struct run *rn, const char *sha1, const char *sha256)
{
	struct ck_registry *reg = rn->reg;
	char got1[CK_SWAP_HEX_MAX], got256[CK_SWAP_HEX_MAX];
	int r = 0, n = 0;

	if (!publishes(rn->j)) {
		/* tls_endpoint names where the machine certificate is served */
		ck_swap_note(rn->notify, rn->u, CK_NOTE_INFO, "%s/%s is not the machine certificate: no "
		    "tls_endpoint to check", rn->j->store, rn->j->alias);
		return 0;
	}
	for (size_t i = 0; i < reg->n; i++) {
		const struct ck_service *s = &reg->svc[i];
		struct timespec ts = { 0, 20 * 1000000L };
		long deadline = ck_now_ms() + VERIFY_TIMEOUT_MS;
		X509 *x = NULL;

		if (s->tls_host == NULL || s->manual)
			continue;
		n++;
		/* a restarted server may still be binding its port, a reloaded
		 * one may still serve the certificate it had: both get until
		 * the deadline */
		for (;;) {
			r = ck_tls_peer_cert(s->tls_host, s->tls_port, 2000, &x);
			if (r == 0 && (r = ck_cert_digest_hex(x, EVP_sha1(), got1)) == 0)
				r = ck_cert_digest_hex(x, EVP_sha256(), got256);
			X509_free(x);
			x = NULL;
			if ((r == 0 && strcmp(got256, sha256) == 0) || r == CK_E_CRYPTO ||
			    r == CK_E_NOMEM || ck_now_ms() > deadline)
				break;
			nanosleep(&ts, NULL);
		}
		if (r != 0)
			return ck_errwrap(r, "service %s: no TLS answer on %s:%d", s->name, s->tls_host,
			    s->tls_port);
		if (strcmp(got256, sha256) != 0)
			return ck_errf(CK_E_VERIFY, "service %s serves the wrong certificate on %s:%d "
			    "(thumbprint %s, expected %s) for %.1f s", s->name, s->tls_host, s->tls_port,
			    got1, sha1, VERIFY_TIMEOUT_MS / 1000.0);
		ck_swap_note(rn->notify, rn->u, CK_NOTE_INFO, "ok: %s serves %s on %s:%d", s->name, got1,
		    s->tls_host, s->tls_port);
	}
	if (n == 0)
		ck_swap_note(rn->notify, rn->u, CK_NOTE_INFO, "no tls_endpoint in the registry to check");
	return 0;
}

/* Say a rollback phase failed; keep the first failure and its detail. */
static void
rb_fail(struct run *rn, int r, int *first, char *detail, size_t sz)
{
	if (r == 0)
		return;
	ck_swap_note(rn->notify, rn->u, CK_NOTE_FAIL, "rollback phase %s failed: %s", rn->j->phase,
	    ck_err_detail()[0] ? ck_err_detail() : ck_strerror(r));
	if (*first == 0) {
		*first = r;
		snprintf(detail, sz, "phase %s: %s", rn->j->phase,
		    ck_err_detail()[0] ? ck_err_detail() : ck_strerror(r));
	}
}

/*
 * Best effort: every phase runs even when one before it failed or could
 * not write the journal, so the services are started again with the old
 * certificate whatever else went wrong; verification only when all went
 * well.  The first failure is returned, with its detail.
 */
/* The minimal policy's service phase (lib/swap_services.c). */
static int
refresh(struct run *rn, int rolling_back)
{
	return ck_swap_refresh(rn->reg, rn->j->store, rn->j->alias, rn->root_pem != NULL,
	    rolling_back, rn->notify, rn->u);
}

static int
rollback_phases(struct run *rn)
{
	char what[1024], detail[1024] = "";
	int r, first = 0, minimal = rn->policy == CK_POLICY_MINIMAL;

	rn->best_effort = 1;
	ck_journal_release();
	if (!minimal) {
		(void)set_phase(rn, "rollback-stop", "rollback: stopping all services");
		rb_fail(rn, services(rn, 0, 0), &first, detail, sizeof(detail));
	}
	(void)set_phase(rn, "rollback-swap", "rollback: restoring %s/%s %s", rn->j->store,
	    rn->j->alias, rn->j->old_sha1);
	rb_fail(rn, put_entry(rn, rn->old, rn->j->old_sha1, 0), &first, detail, sizeof(detail));
	rb_fail(rn, ck_swap_hist_restore(&rn->hist, rn->j->alias, rn->j->old_sha1, rn->notify, rn->u),
	    &first, detail, sizeof(detail));
	if (publish_what(rn, what, sizeof(what))) {
		(void)set_phase(rn, "rollback-publish", "rollback: publishing %s", what);
		rb_fail(rn, publish(rn, rn->old), &first, detail, sizeof(detail));
	}
	if (minimal) {
		(void)set_phase(rn, "rollback-reload", "rollback: reloading or restarting the services "
		    "that use %s/%s", rn->j->store, rn->j->alias);
		rb_fail(rn, refresh(rn, 1), &first, detail, sizeof(detail));
	} else {
		(void)set_phase(rn, "rollback-start", "rollback: starting all services");
		rb_fail(rn, services(rn, 1, 2), &first, detail, sizeof(detail));
	}
	if (first != 0)
		return ck_errf(first, "%s", detail);
	(void)set_phase(rn, "rollback-verify", "rollback: verifying the old certificate is served");
	if ((r = verify_served(rn, rn->j->old_sha1, rn->j->old_sha256)) != 0)
		return r;
	if (rn->journal_lost)
		ck_swap_note(rn->notify, rn->u, CK_NOTE_WARN, "warning: the rollback ran without its "
		    "journal (it could not be written); it completed, and the journal is removed");
	return ck_journal_remove();
}

/*
 * Roll back after failure reason; returns CK_E_STATE (journal kept) if
 * the rollback fails too, else 0.
 */
static int
rollback(struct run *rn, const char *reason)
{
	char *why = strdup(reason ? reason : "");
	int r;

	free(rn->j->reason);
	rn->j->reason = why;
	if (why != NULL)
		for (char *p = why; *p; p++)
			if (*p == '\n')
				*p = ' ';
	if ((r = rollback_phases(rn)) != 0) {
		char *d = strdup(ck_err_detail());
		r = ck_errf(CK_E_STATE, "the rollback failed too: %s; the journal in %s is kept: fix "
		    "the cause and run svcctl --rollback (or --resume)", d ? d : ck_strerror(r),
		    ck_path(CK_PATH_JOURNAL));
		free(d);
		audit_swap(rn, "swap.rollback-failed", ck_err_detail());
		return r;
	}
	audit_swap(rn, "swap.rolled-back", rn->j->reason ? rn->j->reason : "");
	ck_swap_note(rn->notify, rn->u, CK_NOTE_INFO, "rollback complete: %s/%s is %s again and is served",
	    rn->j->store, rn->j->alias, rn->j->old_sha1);
	return 0;
}

/* The forward phases of the policy: vmware stops everything, starts the
 * core, swaps, starts everything; minimal swaps, then reloads or restarts
 * only what uses the entry (lib/swap_services.c). */
static int
forward_phases(struct run *rn)
{
	char core[512], what[1024];
	int r, minimal = rn->policy == CK_POLICY_MINIMAL;

	ck_swap_core_names(rn->reg, core, sizeof(core));
	if (!minimal && ((r = set_phase(rn, "stop", "stopping all services")) != 0 ||
	    (r = services(rn, 0, 0)) != 0))
		return r;
	if (!minimal && ((r = set_phase(rn, "core", "starting the core services:%s", core)) != 0 ||
	    (r = services(rn, 1, 1)) != 0))
		return r;
	if ((r = set_phase(rn, "swap", "replacing %s/%s (the old entry goes to %s as bkp_%s)",
	    rn->j->store, rn->j->alias, CK_STORE_BACKUP, rn->j->alias)) != 0 ||
	    (r = put_entry(rn, rn->new, rn->j->new_sha1, 1)) != 0)
		return r;
	record_new(rn);
	if (publish_what(rn, what, sizeof(what)) && ((r = set_phase(rn, "publish", "publishing %s",
	    what)) != 0 || (r = publish(rn, rn->new)) != 0))
		return r;
	if (minimal && ((r = set_phase(rn, "reload", "reloading or restarting the services that "
	    "use %s/%s", rn->j->store, rn->j->alias)) != 0 || (r = refresh(rn, 0)) != 0))
		return r;
	if (!minimal && ((r = set_phase(rn, "start", "starting all services")) != 0 ||
	    (r = services(rn, 1, 2)) != 0))
		return r;
	if ((r = set_phase(rn, "verify", "verifying the services serve the new certificate")) != 0 ||
	    (r = verify_served(rn, rn->j->new_sha1, rn->j->new_sha256)) != 0)
		return r;
	ck_swap_hist_trim(&rn->hist, rn->j->alias, rn->notify, rn->u);
	return ck_journal_remove();
}

/* Forward; on failure roll back.  The failure's code is returned. */
static int
forward(struct run *rn, int *rolled_back)
{
	int r, r2;
	char *why;

	*rolled_back = 0;
	if ((r = forward_phases(rn)) == 0) {
		audit_swap(rn, "swap.done", "the new certificate is served");
		ck_swap_note(rn->notify, rn->u, CK_NOTE_INFO, "done: %s/%s is now %s; the previous certificate "
		    "%s is in %s", rn->j->store, rn->j->alias, rn->j->new_sha1, rn->j->old_sha1, CK_STORE_BACKUP);
		ck_swap_note(rn->notify, rn->u, CK_NOTE_INFO, "done: SHA-256 thumbprint %s (previous %s)",
		    rn->j->new_sha256 ? rn->j->new_sha256 : "", rn->j->old_sha256 ? rn->j->old_sha256 : "");
		return 0;
	}
	why = ck_asprintf("phase %s failed: %s", rn->j->phase, ck_err_detail()[0] ?
	    ck_err_detail() : ck_strerror(r));
	ck_swap_note(rn->notify, rn->u, CK_NOTE_FAIL, "%s; rolling back", why ? why : ck_strerror(r));
	audit_swap(rn, "swap.failed", why ? why : ck_strerror(r));
	if ((r2 = rollback(rn, why)) != 0) {
		free(why);
		return r2;
	}
	*rolled_back = 1;
	r = ck_errf(r == CK_E_STATE ? CK_E_SERVICE : r, "%s; the previous certificate was restored",
	    why ? why : ck_strerror(r));
	free(why);
	return r;
}

/* One swap, resume or rollback at a time (CK_E_BUSY). */
static int
take_lock(int *fdp)
{
	char *p;
	int r;

	*fdp = -1;
	if ((r = ck_mkdir_p(ck_path(CK_PATH_RUN), 0755)) != 0)
		return r;
	if ((p = ck_path_join(CK_PATH_RUN, "swap.lock")) == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	if ((r = ck_lock_file(p, 1, fdp)) == CK_E_BUSY)
		r = ck_errf(CK_E_BUSY, "another certificate swap is running (it holds the lock %s); "
		    "wait for it to finish", p);
	free(p);
	return r;
}

/*
 * The entry ck_swap_prepare validated against must still be the current
 * one once the lock is held: prepare reads it without the lock, and a
 * swap that completed in between would make the journal's "old"
 * certificate stale, so a rollback would restore the wrong one.
 * CK_E_BUSY (the exit status of a lost race for the lock) if it changed.
 */
static int
entry_unchanged(const struct ck_swap *sw)
{
	struct ck_store *st = NULL;
	struct ck_entry *cur = NULL;
	char sha1[CK_SWAP_HEX_MAX] = "", sha256[CK_SWAP_HEX_MAX];
	int r;

	if ((r = ck_store_open(NULL, CK_STORE_RDONLY, &st)) != 0)
		return ck_errwrap(r, "open the certificate store %s", ck_path(CK_PATH_VECS));
	r = ck_store_entry_get(st, sw->store, sw->alias, &cur);
	if (r == 0)
		r = ck_swap_digests(cur, sha1, sha256);
	if (r != 0 && r != CK_E_NOENT)
		goto out;
	if (r == CK_E_NOENT && strcmp(sw->old_sha1, CK_SWAP_NONE) == 0) {
		r = 0;	/* the first entry of its alias, and still the first */
		goto out;
	}
	if (r == CK_E_NOENT || strcmp(sha1, sw->old_sha1) != 0) {
		r = ck_errf(CK_E_BUSY, "%s/%s changed while this swap was being prepared (it was %s, "
		    "it is now %s): another swap completed in between; nothing was changed; check the "
		    "current certificate and run the swap again if it is still wanted", sw->store,
		    sw->alias, sw->old_sha1, r == CK_E_NOENT ? "missing" : sha1);
		goto out;
	}
	r = 0;
out:
	ck_entry_free(cur);
	ck_store_close(st);
	return r;
}

int
ck_swap_run(struct ck_swap *sw, struct ck_registry *reg, int *rolled_back)
{
	struct ck_journal j;
	struct run rn;
	struct ck_journal *pending = NULL;
	int lock = -1, r;

	*rolled_back = 0;
	memset(&j, 0, sizeof(j));
	memset(&rn, 0, sizeof(rn));
	ck_test_pause("lock");
	if ((r = take_lock(&lock)) != 0)
		return r;
	if ((r = ck_journal_read(&pending)) != CK_E_NOENT) {
		if (r == 0)
			r = ck_errf(CK_E_PENDING, "an interrupted swap of %s/%s (phase %s) is pending; "
			    "run svcctl --resume or svcctl --rollback first", pending->store, pending->alias,
			    pending->phase);
		goto out;
	}
	if ((r = entry_unchanged(sw)) != 0 || (r = ck_swap_check_space(sw)) != 0)
		goto out;
	j.op = (char *)"replace";
	j.phase = strdup("plan");
	j.store = sw->store;
	j.alias = sw->alias;
	j.old_sha1 = sw->old_sha1;
	j.new_sha1 = sw->new_sha1;
	j.old_sha256 = sw->old_sha256;
	j.new_sha256 = sw->new_sha256;
	j.old_type = sw->old->type;
	j.new_type = sw->new->type;
	j.started = (int64_t)time(NULL);
	j.pid = (long)getpid();
	rn.policy = ck_swap_get_policy(sw, reg);
	j.policy = (char *)ck_swap_policy_name(rn.policy);
	if (j.phase == NULL) {
		r = ck_errf(CK_E_NOMEM, "out of memory");
		goto out;
	}
	/* stage both entries first: the journal must never point at nothing */
	if ((r = ck_journal_stage("new.pem", sw->new->cert_pem, sw->new->cert_len, 0)) != 0 ||
	    (r = ck_journal_stage("new.key", sw->new->key ? sw->new->key : "",
	    sw->new->key ? sw->new->key_len : 0, 1)) != 0 ||
	    (r = ck_journal_stage("old.pem", sw->old->cert_pem ? sw->old->cert_pem : "",
	    sw->old->cert_pem ? sw->old->cert_len : 0, 0)) != 0 ||
	    (r = ck_journal_stage("old.key", sw->old->key ? sw->old->key : "",
	    sw->old->key ? sw->old->key_len : 0, 1)) != 0)
		goto out;
	if (sw->root_pem != NULL && (r = ck_journal_stage("root.pem", sw->root_pem, sw->root_len, 0)) != 0)
		goto out;
	if ((r = ck_swap_hist_stage(sw->alias, sw->backup_depth, &rn.hist)) != 0)
		goto out;
	if ((r = ck_journal_reserve(CK_SWAP_RESERVE)) != 0)
		goto out;
	rn.j = &j;
	rn.old = sw->old;
	rn.new = sw->new;
	rn.root_pem = sw->root_pem;
	rn.root_len = sw->root_len;
	rn.reg = reg;
	rn.notify = sw->notify;
	rn.u = sw->u;
	free(j.phase);
	j.phase = NULL;
	if ((r = set_phase(&rn, "plan", "journal written in %s", ck_path(CK_PATH_JOURNAL))) != 0)
		goto out;
	r = forward(&rn, rolled_back);
out:
	free(j.phase);
	free(j.reason);
	free(rn.hist.backups);
	ck_journal_free(pending);
	ck_unlock_file(lock);
	return r;
}

/* Rebuild the run from the journal and the staged files. */
static int
load_run(struct run *rn, struct ck_registry *reg, ck_swap_notify notify, void *u)
{
	char *pem = NULL, *key = NULL;
	size_t pl = 0, kl = 0;
	int r;
	static const char *const which[2] = { "old", "new" };

	memset(rn, 0, sizeof(*rn));
	rn->reg = reg;
	rn->notify = notify;
	rn->u = u;
	if ((r = ck_journal_read(&rn->j)) != 0) {
		if (r == CK_E_NOENT)
			r = ck_errf(CK_E_PENDING, "there is no interrupted swap to resume or roll back "
			    "(no journal in %s)", ck_path(CK_PATH_JOURNAL));
		return r;
	}
	for (int w = 0; w < 2; w++) {
		char nm[16];
		struct ck_entry e;

		snprintf(nm, sizeof(nm), "%s.pem", which[w]);
		if ((r = ck_journal_staged(nm, &pem, &pl, 0)) != 0)
			return r;
		snprintf(nm, sizeof(nm), "%s.key", which[w]);
		if ((r = ck_journal_staged(nm, &key, &kl, 1)) != 0) {
			free(pem);
			return r;
		}
		memset(&e, 0, sizeof(e));
		e.alias = rn->j->alias;
		e.type = w ? rn->j->new_type : rn->j->old_type;
		e.cert_pem = pl ? pem : NULL;
		e.cert_len = pl;
		e.key = kl ? key : NULL;
		e.key_len = kl;
		r = ck_entry_dup(&e, w ? &rn->new : &rn->old);
		free(pem);
		ck_secfree(key);
		pem = key = NULL;
		if (r != 0)
			return ck_errf(CK_E_NOMEM, "out of memory");
	}
	if (ck_journal_staged("root.pem", &pem, &pl, 0) == 0) {
		rn->root_pem = pem;
		rn->root_len = pl;
	}
	ck_swap_hist_load(&rn->hist);
	/* a journal without a policy is from before there was a choice */
	if (rn->j->policy != NULL && ck_swap_policy_parse(rn->j->policy, &rn->policy) != 0)
		return ck_errf(CK_E_FORMAT, "the swap journal in %s names an unknown restart policy "
		    "'%s'", ck_path(CK_PATH_JOURNAL), rn->j->policy);
	ck_swap_note(notify, u, CK_NOTE_INFO, "pending swap of %s/%s from %s to %s, interrupted in phase %s%s%s",
	    rn->j->store, rn->j->alias, rn->j->old_sha1, rn->j->new_sha1, rn->j->phase,
	    rn->j->reason ? " after: " : "", rn->j->reason ? rn->j->reason : "");
	return 0;
}

static void
free_run(struct run *rn)
{
	ck_journal_free(rn->j);
	ck_entry_free(rn->old);
	ck_entry_free(rn->new);
	free(rn->root_pem);
	free(rn->hist.backups);
}

int
ck_swap_resume(struct ck_registry *reg, ck_swap_notify notify, void *u, int *rolled_back)
{
	struct run rn;
	int lock = -1, r;

	*rolled_back = 0;
	memset(&rn, 0, sizeof(rn));
	if ((r = take_lock(&lock)) != 0)
		return r;
	if ((r = load_run(&rn, reg, notify, u)) != 0)
		goto out;
	if (strncmp(rn.j->phase, "rollback", 8) == 0) {
		/* a rollback was under way: finishing it is the only safe way on */
		ck_swap_note(notify, u, CK_NOTE_INFO, "a rollback was in progress; completing the rollback");
		if ((r = rollback(&rn, rn.j->reason)) == 0) {
			*rolled_back = 1;
			r = ck_errf(CK_E_SERVICE, "the interrupted swap had failed (%s); the previous "
			    "certificate was restored", rn.j->reason ? rn.j->reason : "no reason recorded");
		}
		goto out;
	}
	r = forward(&rn, rolled_back);
out:
	free_run(&rn);
	ck_unlock_file(lock);
	return r;
}

int
ck_swap_rollback(struct ck_registry *reg, ck_swap_notify notify, void *u)
{
	struct run rn;
	int lock = -1, r;

	memset(&rn, 0, sizeof(rn));
	if ((r = take_lock(&lock)) != 0)
		return r;
	if ((r = load_run(&rn, reg, notify, u)) != 0)
		goto out;
	r = rollback(&rn, rn.j->reason ? rn.j->reason : "rollback requested");
out:
	free_run(&rn);
	ck_unlock_file(lock);
	return r;
}
