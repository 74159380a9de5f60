/* secmem.c: allocations that are wiped before they are released. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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
