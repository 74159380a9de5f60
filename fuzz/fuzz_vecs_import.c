/*
 * fuzz_vecs_import.c: `vecs entry import` as shipped (vecs's own main and
 * import code, in-process, on a sandbox store): the first input byte picks
 * a PKCS#12 file (--p12, password "pw" from a file) or a PEM trust bundle
 * (--bundle); the rest is the file.  Imports that succeed really write the
 * store, so the store code sees whatever the importers let through.
 */
/* linked with vecs/main.c vecs/opts.c vecs/store_cmds.c vecs/entry_cmds.c vecs/bundle.c vecs/refresh.c (fuzz/Makefile.inc) */
#define _GNU_SOURCE
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "memfile.h"

int ck_fuzz_unused_main(int argc, char **argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char pwpath[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* under $TMPDIR: fuzz/run.sh points it at a tmpfs it removes after */
	const char *tmp = getenv("TMPDIR");
	static char root[4096];
	int fd;

	(void)argc; (void)argv;
	snprintf(root, sizeof(root), "%s/ckfuzzvecs.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(root) == NULL || setenv("CERTKIT_ROOT", root, 1) != 0 ||
	    (fd = memfile("pw\n", 3, pwpath, sizeof(pwpath))) < 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	char *argv[10];
	int fd;

	if (size == 0)
		return 0;
	if ((fd = memfile(data + 1, size - 1, path, sizeof(path))) < 0)
		return 0;
	argv[0] = "vecs";
	argv[1] = "entry";
	argv[2] = "import";
	argv[3] = "--store";
	argv[4] = "TRUSTED_ROOTS";
	argv[5] = (data[0] & 1) ? "--p12" : "--bundle";
	argv[6] = path;
	argv[7] = "--password-file";
	argv[8] = pwpath;
	argv[9] = NULL;
	(void)ck_fuzz_unused_main((data[0] & 1) ? 9 : 7, argv);
	close(fd);
	ERR_clear_error();
	return 0;
}
