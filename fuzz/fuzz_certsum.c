/* fuzz_certsum.c: what vecs reads without libcrypto -- the first PEM
 * block, a certificate's notAfter by a DER walk -- and the published
 * expiry summary a non-root monitor reads. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "certsum.h"
#include "err.h"
#include "expiry.h"
#include "memfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
count(const struct ck_expiry_item *it, void *arg)
{
	(void)it;
	(*(size_t *)arg)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *der = NULL;
	char path[64];
	size_t n, items = 0;
	int64_t t, written;
	int fd;

	(void)ck_der_not_after(data, size, &t);
	if (ck_pem_first_der((const char *)data, size, &der, &n) == 0)
		(void)ck_der_not_after(der, n, &t);
	free(der);
	if ((fd = memfile(data, size, path, sizeof(path))) >= 0) {
		(void)ck_expiry_read(path, &written, count, &items);
		close(fd);
	}
	ck_err_clear();
	return 0;
}
