/*
 * swap_backup.c: a swap's side of the backup history (lib/backup.h):
 * what BACKUP_STORE holds for the alias when the swap starts is staged in
 * the journal directory, so a rollback (or a --resume after a crash) can
 * put the history back as it found it, and a swap that worked trims it to
 * its depth.  The swap phase itself shifts the history in the same store
 * transaction as the replace (swap.c, put_entry).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "err.h"
#include "journal.h"
#include "store.h"
#include "swap.h"
#include "swap_int.h"
#include "util.h"

/*
 * The SHA-1 thumbprints of the swapped alias's backup generations in
 * BACKUP_STORE, newest first, one a line ("" for none; "?" for an entry
 * without a readable certificate), in *out (malloc'ed).
 */
static int
backup_list(struct ck_store *st, const char *alias, char **out)
{
	struct ck_entry *e = NULL;
	char sha1[CK_SWAP_HEX_MAX], sha256[CK_SWAP_HEX_MAX], *a = NULL, *s, *l;
	int r = 0;

	if ((l = strdup("")) == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	for (int g = 0; g <= CK_BACKUP_DEPTH_MAX; g++) {
		if ((r = ck_backup_alias(alias, g, &a)) != 0 ||
		    (r = ck_store_entry_get(st, CK_STORE_BACKUP, a, &e)) != 0)
			break;
		if (ck_swap_digests(e, sha1, sha256) != 0)
			strcpy(sha1, "?");
		s = ck_asprintf("%s%s\n", l, sha1);
		free(l);
		free(a);
		ck_entry_free(e);
		a = NULL;
		e = NULL;
		if ((l = s) == NULL)
			return ck_errf(CK_E_NOMEM, "out of memory");
	}
	free(a);
	if (r != 0 && r != CK_E_NOENT && r != CK_E_TOOLONG) {
		free(l);
		return r;
	}
	ck_err_clear();
	*out = l;
	return 0;
}

/*
 * The rollback's half of the history: if the forward swap pushed the old
 * certificate onto the history the journal recorded, take it off again,
 * so a failed swap leaves BACKUP_STORE as it found it.  Idempotent: a
 * history already as recorded is left alone, and so (with a warning) is
 * one that matches neither.
 */
int
ck_swap_hist_restore(const struct ck_swap_hist *h, const char *alias, const char *old_sha1,
    ck_swap_notify fn, void *u)
{
	struct ck_store *st = NULL;
	char *now = NULL, *pushed = NULL;
	int r;

	if (h->backups == NULL)
		return 0;	/* a journal from before the history was kept */
	if ((pushed = ck_asprintf("%s\n%s", old_sha1, h->backups)) == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	if ((r = ck_store_open(NULL, 0, &st)) != 0 || (r = ck_store_txn_begin(st, 1)) != 0)
		goto out;
	if ((r = backup_list(st, alias, &now)) == 0 && strcmp(now, pushed) == 0)
		r = ck_backup_unshift(st, CK_STORE_BACKUP, alias);
	else if (r == 0 && strcmp(now, h->backups) != 0)
		ck_swap_note(fn, u, CK_NOTE_WARN, "warning: the backups of %s in %s "
		    "changed during the swap; they were left as they are", alias, CK_STORE_BACKUP);
	if (r == 0)
		r = ck_store_txn_commit(st);
	else
		ck_store_txn_abort(st);
out:
	free(now);
	free(pushed);
	ck_store_close(st);
	return r;
}

/* After a swap that worked: the history back to its depth.  A failure
 * only warns: the swap is done, and the next one trims again. */
void
ck_swap_hist_trim(const struct ck_swap_hist *h, const char *alias, ck_swap_notify fn, void *u)
{
	struct ck_store *st = NULL;
	int r;

	if ((r = ck_store_open(NULL, 0, &st)) == 0)
		r = ck_backup_trim(st, CK_STORE_BACKUP, alias, h->depth);
	if (r != 0)
		ck_swap_note(fn, u, CK_NOTE_WARN, "warning: the backups of %s in %s could "
		    "not be trimmed to %d: %s", alias, CK_STORE_BACKUP, h->depth,
		    ck_err_detail()[0] ? ck_err_detail() : ck_strerror(r));
	ck_err_clear();
	ck_store_close(st);
}

/*
 * Record the backup history as the swap finds it, and the depth to trim
 * it to, in the journal directory ("backups": "depth N", then
 * backup_list's lines), for the rollback and for --resume.
 */
int
ck_swap_hist_stage(const char *alias, int depth, struct ck_swap_hist *h)
{
	struct ck_store *st = NULL;
	char *txt = NULL;
	int r;

	h->depth = depth > 0 ? depth : CK_BACKUP_DEPTH_DEFAULT;
	if ((r = ck_store_open(NULL, CK_STORE_RDONLY, &st)) == 0 &&
	    (r = backup_list(st, alias, &h->backups)) == 0) {
		if ((txt = ck_asprintf("depth %d\n%s", h->depth, h->backups)) == NULL)
			r = ck_errf(CK_E_NOMEM, "out of memory");
		else
			r = ck_journal_stage("backups", txt, strlen(txt), 0);
	}
	free(txt);
	ck_store_close(st);
	return r;
}

/* The staged "backups" into h; a journal without it keeps no history. */
void
ck_swap_hist_load(struct ck_swap_hist *h)
{
	char *txt = NULL, *nl;
	size_t len = 0;
	int depth;

	h->depth = CK_BACKUP_DEPTH_DEFAULT;
	if (ck_journal_staged("backups", &txt, &len, 0) != 0) {
		ck_err_clear();
		return;
	}
	if (sscanf(txt, "depth %d", &depth) == 1 && depth >= 1 && depth <= CK_BACKUP_DEPTH_MAX &&
	    (nl = strchr(txt, '\n')) != NULL) {
		h->depth = depth;
		h->backups = strdup(nl + 1);
	}
	free(txt);
}

