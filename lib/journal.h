/*
 * journal.h: the swap journal, a small key=value file
 * (ck_path(CK_PATH_JOURNAL)/swap.journal) next to the entries it stages.
 *
 * Written whole and atomically (temp + fsync + rename + directory fsync)
 * before each phase of a swap (lib/swap.h), so a swap killed at any point
 * leaves a journal naming the phase that was in progress and the staged
 * old and new entries a --resume or --rollback needs.
 */
#ifndef CK_JOURNAL_H
#define CK_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

struct ck_journal {
	char *op;		/* "replace" */
	char *phase;		/* plan stop core swap publish start verify,
				   rollback-stop rollback-swap ... */
	char *store, *alias;
	char *old_sha1, *new_sha1;
	char *old_sha256, *new_sha256;
	char *reason;		/* why a rollback began, or NULL */
	char *policy;		/* restart policy (vmware, minimal); NULL = vmware */
	int old_type, new_type;
	int64_t started;
	long pid;
};

/* Atomically (temp + fsync + rename + dir fsync) write the journal. */
int ck_journal_write(const struct ck_journal *j);
/* Read it; CK_E_NOENT if there is none, CK_E_FORMAT if damaged. */
int ck_journal_read(struct ck_journal **out);
/* Remove the journal first, then the staged files. */
int ck_journal_remove(void);
void ck_journal_free(struct ck_journal *j);
/* Keep / fetch a file next to the journal (new.pem, old.key, ...);
 * mode 0600 for keys.  Fetch gives secure memory when secret. */
int ck_journal_stage(const char *name, const void *data, size_t len, int secret);
int ck_journal_staged(const char *name, char **data, size_t *len, int secret);
/* Set size bytes of disk space aside next to the journal (a file of
 * zeros, removed with the staged files), and give it back: a rollback
 * on a disk that filled up during the swap releases it first, so the
 * journal and the services' pidfiles can still be written. */
int ck_journal_reserve(size_t size);
void ck_journal_release(void);
/* Parse a journal text (ck_journal_read's parser, exposed for the unit
 * tests and the fuzzer). */
int ck_journal_parse(const char *name, const char *buf, size_t len, struct ck_journal **out);

#endif
