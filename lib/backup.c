/*
 * backup.c: the history of an alias's previous entries (lib/backup.h):
 * generations moved by renaming entries within the caller's transaction.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "err.h"
#include "util.h"

int
ck_backup_alias(const char *alias, int gen, char **out)
{
	*out = NULL;
	/* "bkpN_": one byte more than "bkp_", which an entry add must fit in
	 * CK_ALIAS_MAX; N is one digit, so no two names of the scheme meet */
	if (gen > 0 && strlen(alias) + 5 > CK_ALIAS_MAX)
		return ck_errf(CK_E_TOOLONG, "alias %s is too long for a backup history", alias);
	*out = gen == 0 ? ck_asprintf(CK_BACKUP_PREFIX "%s", alias) :
	    ck_asprintf("bkp%d_%s", gen, alias);
	return *out == NULL ? ck_errf(CK_E_NOMEM, "out of memory") : 0;
}

/* Rename generation from to generation to (to < 0: delete it).  A
 * missing generation is CK_E_NOENT. */
static int
move_gen(struct ck_store *st, const char *bstore, const char *alias, int from, int to)
{
	char *fa = NULL, *ta = NULL, *keep;
	struct ck_entry *e = NULL;
	int r;

	if ((r = ck_backup_alias(alias, from, &fa)) != 0)
		return r;
	if ((r = ck_store_entry_get(st, bstore, fa, &e)) != 0)
		goto out;
	if ((r = ck_store_entry_delete(st, bstore, fa)) != 0 || to < 0)
		goto out;
	if ((r = ck_backup_alias(alias, to, &ta)) != 0) {
		/* no room for the suffix: the generation is dropped */
		if (r == CK_E_TOOLONG) {
			ck_err_clear();
			r = 0;
		}
		goto out;
	}
	keep = e->alias;
	e->alias = ta;
	r = ck_store_entry_add(st, bstore, e);
	e->alias = keep;
out:
	ck_entry_free(e);
	free(fa);
	free(ta);
	return r;
}

/* The number of generations present (0 .. up to the first missing one). */
static int
count_gens(struct ck_store *st, const char *bstore, const char *alias, int *n)
{
	struct ck_entry *e = NULL;
	char *a = NULL;
	int r = 0;

	for (*n = 0; *n <= CK_BACKUP_DEPTH_MAX; (*n)++) {
		if ((r = ck_backup_alias(alias, *n, &a)) != 0)
			break;
		r = ck_store_entry_get(st, bstore, a, &e);
		free(a);
		ck_entry_free(e);
		e = NULL;
		if (r != 0)
			break;
	}
	if (r != 0 && r != CK_E_NOENT && r != CK_E_TOOLONG)
		return r;
	ck_err_clear();
	return 0;
}

int
ck_backup_shift(struct ck_store *st, const char *bstore, const char *alias)
{
	int n, r;

	if ((r = count_gens(st, bstore, alias, &n)) != 0)
		return r;
	for (int g = n - 1; g >= 0; g--)
		if ((r = move_gen(st, bstore, alias, g, g + 1 > CK_BACKUP_DEPTH_MAX ? -1 : g + 1)) != 0)
			return r;
	return 0;
}

int
ck_backup_unshift(struct ck_store *st, const char *bstore, const char *alias)
{
	int n, r;

	if ((r = count_gens(st, bstore, alias, &n)) != 0 || n == 0)
		return r;
	if ((r = move_gen(st, bstore, alias, 0, -1)) != 0)
		return r;
	for (int g = 1; g < n; g++)
		if ((r = move_gen(st, bstore, alias, g, g - 1)) != 0)
			return r;
	return 0;
}

int
ck_backup_trim(struct ck_store *st, const char *bstore, const char *alias, int depth)
{
	int n, r;

	if ((r = count_gens(st, bstore, alias, &n)) != 0)
		return r;
	for (int g = n - 1; g >= depth; g--)
		if ((r = move_gen(st, bstore, alias, g, -1)) != 0)
			return r;
	return 0;
}
