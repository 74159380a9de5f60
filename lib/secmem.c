/* secmem.c: allocations that are wiped before they are released. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/mman.h>
#include <sys/resource.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#include "err.h"
#include "secmem.h"

/* Header in front of each secure allocation, so ck_secfree knows the size. */
struct sechdr {
	size_t len;
	size_t pad;	/* keep the payload 16-byte aligned */
};

static size_t wiped_total;

void
ck_wipe(void *p, size_t n)
{
	if (p == NULL || n == 0)
		return;
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	volatile unsigned char *v = p;
	for (size_t i = 0; i < n; i++)
		v[i] = 0;
#endif
	wiped_total += n;
}

void *
ck_secalloc(size_t n)
{
	struct sechdr *h;

	if (n > (size_t)-1 - sizeof(*h))
		return NULL;
	if ((h = calloc(1, sizeof(*h) + n)) == NULL)
		return NULL;
	h->len = n;
	/* Best effort: keep secrets out of swap.  Failure is not fatal. */
	(void)mlock(h, sizeof(*h) + n);
	return h + 1;
}

void
ck_secfree(void *p)
{
	struct sechdr *h;

	if (p == NULL)
		return;
	h = (struct sechdr *)p - 1;
	ck_wipe(p, h->len);
	(void)munlock(h, sizeof(*h) + h->len);
	free(h);
}

void
ck_strfree_secret(char *s)
{
	if (s == NULL)
		return;
	ck_wipe(s, strlen(s));
	free(s);
}

void
ck_freezero(void *p, size_t n)
{
	if (p == NULL)
		return;
	ck_wipe(p, n);
	free(p);
}

size_t
ck_secmem_wiped(void)
{
	return wiped_total;
}

int
ck_nocore(void)
{
	struct rlimit rl;

#if defined(HAVE_SYS_PRCTL_H) && defined(PR_SET_DUMPABLE)
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return ck_errf(ck_errno(errno), "prctl PR_SET_DUMPABLE: %s", strerror(errno));
#endif
	if (getrlimit(RLIMIT_CORE, &rl) != 0)
		return ck_errf(ck_errno(errno), "getrlimit RLIMIT_CORE: %s", strerror(errno));
	rl.rlim_cur = 0;
	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		return ck_errf(ck_errno(errno), "setrlimit RLIMIT_CORE: %s", strerror(errno));
	return 0;
}
