/* helpers.c: scratch directories for unit tests. */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suites.h"

char *
test_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	char *d = malloc(4096);

	if (d == NULL)
		return NULL;
	snprintf(d, 4096, "%s/ckunit.XXXXXX", t ? t : "/tmp");
	if (mkdtemp(d) == NULL) {
		free(d);
		return NULL;
	}
	return d;
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

void
test_rm_rf(const char *dir)
{
	if (dir != NULL)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
