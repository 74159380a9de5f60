/*
 * journal.c: the swap journal, a small key=value file next to the staged
 * entries it describes.  Written whole and atomically each time (a reader
 * sees the previous or the next version, never a mix), so a swap killed at
 * any point can be recognised and finished or undone.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "inifile.h"
#include "journal.h"
#include "paths.h"
#include "secmem.h"
#include "util.h"

#define JOURNAL_NAME "swap.journal"
#define JOURNAL_FORMAT "certkit-swap-1"
#define JOURNAL_MAX (64 * 1024)

#define RESERVE_NAME "reserve"

static const char *const staged_names[] = {
	"new.pem", "new.key", "old.pem", "old.key", "root.pem", RESERVE_NAME,
	"backups",	/* lib/swap.c: the backup history the swap found */
};

/* The journal directory, made if missing, and trusted (ck_dir_check). */
static int
jdir(void)
{
	int r;

	if ((r = ck_dir_check(ck_path(CK_PATH_JOURNAL), "journal directory")) != 0)
		return r;
	return ck_mkdir_p(ck_path(CK_PATH_JOURNAL), 0700);
}

/* Read a file of the journal directory: the directory trusted, the file
 * no symbolic link. */
static int
jread(const char *path, size_t max, char **buf, size_t *len, int secret)
{
	int r;

	if ((r = ck_dir_check(ck_path(CK_PATH_JOURNAL), "journal directory")) != 0 ||
	    (r = ck_not_symlink(path)) != 0)
		return r;
	return ck_file_read(path, max, buf, len, secret);
}

int
ck_journal_write(const struct ck_journal *j)
{
	char *text = NULL, *path = NULL;
	int r;

	if ((r = jdir()) != 0)
		return r;
	if (strchr(j->reason ? j->reason : "", '\n') != NULL)
		return ck_errf(CK_E_INVAL, "journal reason holds a newline");
	text = ck_asprintf("format=%s\nop=%s\nphase=%s\nstore=%s\nalias=%s\n"
	    "old_sha1=%s\nnew_sha1=%s\nold_sha256=%s\nnew_sha256=%s\nold_type=%d\nnew_type=%d\n"
	    "started=%lld\npid=%ld\nreason=%s\n",
	    JOURNAL_FORMAT, j->op, j->phase, j->store, j->alias, j->old_sha1, j->new_sha1,
	    j->old_sha256, j->new_sha256, j->old_type, j->new_type, (long long)j->started,
	    j->pid, j->reason ? j->reason : "");
	if (text != NULL && j->policy != NULL) {
		/* the restart policy: --resume and --rollback follow it */
		char *t = ck_asprintf("%spolicy=%s\n", text, j->policy);
		free(text);
		text = t;
	}
	path = ck_path_join(CK_PATH_JOURNAL, JOURNAL_NAME);
	if (text == NULL || path == NULL) {
		r = ck_errf(CK_E_NOMEM, "out of memory");
		goto out;
	}
	/* the swap lock is held: a temporary beside the journal is a killed
	 * run's (issue 11 item 14) */
	(void)ck_file_sweep(path);
	if ((r = ck_file_write(path, text, strlen(text), 0600, 0)) != 0)
		r = ck_errwrap(r, "write journal %s", path);
out:
	free(path);
	free(text);
	return r;
}

struct jparse {
	const char *name;
	struct ck_journal *j;
	int have_format;
};

static int
set(char **dst, const char *v)
{
	free(*dst);
	if ((*dst = strdup(v)) == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	return 0;
}

static int
jhandler(void *user, const char *section, const char *key, const char *value, int lineno)
{
	struct jparse *p = user;
	struct ck_journal *j = p->j;
	long v;

	(void)section;
	if (strcmp(key, "format") == 0) {
		if (strcmp(value, JOURNAL_FORMAT) != 0)
			return ck_errf(CK_E_FORMAT, "%s:%d: unknown journal format '%s'", p->name, lineno, value);
		p->have_format = 1;
		return 0;
	}
	if (strcmp(key, "op") == 0)
		return set(&j->op, value);
	if (strcmp(key, "phase") == 0)
		return set(&j->phase, value);
	if (strcmp(key, "store") == 0)
		return set(&j->store, value);
	if (strcmp(key, "alias") == 0)
		return set(&j->alias, value);
	if (strcmp(key, "old_sha1") == 0)
		return set(&j->old_sha1, value);
	if (strcmp(key, "new_sha1") == 0)
		return set(&j->new_sha1, value);
	if (strcmp(key, "old_sha256") == 0)
		return set(&j->old_sha256, value);
	if (strcmp(key, "new_sha256") == 0)
		return set(&j->new_sha256, value);
	if (strcmp(key, "reason") == 0)
		return *value ? set(&j->reason, value) : 0;
	if (strcmp(key, "policy") == 0)
		return set(&j->policy, value);
	if (strcmp(key, "old_type") == 0 || strcmp(key, "new_type") == 0 || strcmp(key, "pid") == 0) {
		if (ck_parse_long(value, 0, 1L << 30, &v) != 0)
			return ck_errf(CK_E_FORMAT, "%s:%d: bad %s '%s'", p->name, lineno, key, value);
		if (key[0] == 'o')
			j->old_type = (int)v;
		else if (key[0] == 'n')
			j->new_type = (int)v;
		else
			j->pid = v;
		return 0;
	}
	if (strcmp(key, "started") == 0) {
		j->started = strtoll(value, NULL, 10);
		return 0;
	}
	return ck_errf(CK_E_FORMAT, "%s:%d: unknown journal key '%s'", p->name, lineno, key);
}

int
ck_journal_parse(const char *name, const char *buf, size_t len, struct ck_journal **out)
{
	struct jparse p = { name, NULL, 0 };
	int r;

	*out = NULL;
	if ((p.j = calloc(1, sizeof(*p.j))) == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	if ((r = ck_ini_parse_buf(name, buf, len, CK_INI_NO_SECTIONS, jhandler, &p)) != 0) {
		if (r == CK_E_CONFIG)
			r = CK_E_FORMAT;
		goto out;
	}
	if (!p.have_format || p.j->op == NULL || p.j->phase == NULL || p.j->store == NULL ||
	    p.j->alias == NULL || p.j->old_sha1 == NULL || p.j->new_sha1 == NULL ||
	    p.j->old_sha256 == NULL || p.j->new_sha256 == NULL) {
		r = ck_errf(CK_E_FORMAT, "%s: journal incomplete (format, op, phase, store, alias "
		    "and thumbprints are required)", name);
		goto out;
	}
	*out = p.j;
	p.j = NULL;
	r = 0;
out:
	ck_journal_free(p.j);
	return r;
}

int
ck_journal_read(struct ck_journal **out)
{
	char *path = ck_path_join(CK_PATH_JOURNAL, JOURNAL_NAME), *buf = NULL;
	size_t len;
	int r;

	*out = NULL;
	if (path == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	if ((r = jread(path, JOURNAL_MAX, &buf, &len, 0)) != 0) {
		if (r == CK_E_NOENT)
			ck_errf(r, "no swap journal at %s", path);
		goto out;
	}
	r = ck_journal_parse(path, buf, len, out);
out:
	free(buf);
	free(path);
	return r;
}

int
ck_journal_remove(void)
{
	char *p;
	int r = 0, r2;

	/* the journal goes first: staged files without it are only litter */
	if ((p = ck_path_join(CK_PATH_JOURNAL, JOURNAL_NAME)) == NULL)
		return CK_E_NOMEM;
	r = ck_file_remove(p);
	free(p);
	if (r != 0)
		return r;
	for (size_t i = 0; i < sizeof(staged_names) / sizeof(staged_names[0]); i++) {
		if ((p = ck_path_join(CK_PATH_JOURNAL, staged_names[i])) == NULL)
			return CK_E_NOMEM;
		if ((r2 = ck_file_remove(p)) != 0 && r == 0)
			r = r2;
		free(p);
	}
	return r;
}

void
ck_journal_free(struct ck_journal *j)
{
	if (j == NULL)
		return;
	free(j->op);
	free(j->phase);
	free(j->store);
	free(j->alias);
	free(j->old_sha1);
	free(j->new_sha1);
	free(j->old_sha256);
	free(j->new_sha256);
	free(j->reason);
	free(j->policy);
	free(j);
}

int
ck_journal_stage(const char *name, const void *data, size_t len, int secret)
{
	char *p;
	int r;

	if ((r = jdir()) != 0)
		return r;
	if ((p = ck_path_join(CK_PATH_JOURNAL, name)) == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	r = ck_file_write(p, data, len, secret ? 0600 : 0644, 0);
	if (r != 0)
		r = ck_errwrap(r, "stage %s", p);
	free(p);
	return r;
}

int
ck_journal_staged(const char *name, char **data, size_t *len, int secret)
{
	char *p;
	int r;

	if ((p = ck_path_join(CK_PATH_JOURNAL, name)) == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	r = jread(p, 16 * 1024 * 1024, data, len, secret);
	if (r != 0)
		r = ck_errf(r, "staged file %s: %s", p, ck_strerror(r));
	free(p);
	return r;
}

int
ck_journal_reserve(size_t size)
{
	char *zero = calloc(1, size ? size : 1);
	int r;

	if (zero == NULL)
		return ck_errf(CK_E_NOMEM, "out of memory");
	r = ck_journal_stage(RESERVE_NAME, zero, size, 0);
	free(zero);
	return r;
}

void
ck_journal_release(void)
{
	char *p = ck_path_join(CK_PATH_JOURNAL, RESERVE_NAME);

	if (p != NULL)
		(void)ck_file_remove(p);
	free(p);
}
