/*
 * fuzz_config.c: certool.cfg as `certool --config FILE` reads it: the INI
 * front end with certool's key rules (lib/cfg), then the subject and SAN
 * built from the values, which is where hostile values (long, odd
 * characters, bad IPs, bad e-mail addresses) end up.
 */
#define _GNU_SOURCE
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "cfg.h"
#include "err.h"
#include "memfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ck_cfg *c = NULL, *d = NULL;
	X509_NAME *nm = NULL;
	GENERAL_NAMES *san = NULL;
	char path[64];
	int fd;

	if ((fd = memfile(data, size, path, sizeof(path))) < 0)
		return 0;
	if (ck_cfg_load(path, &c) == 0) {
		(void)ck_cfg_subject(c, &nm);
		(void)ck_cfg_san(c, &san);
		if (ck_cfg_dup(c, &d) == 0)
			ck_cfg_free(d);
	}
	X509_NAME_free(nm);
	GENERAL_NAMES_free(san);
	ck_cfg_free(c);
	close(fd);
	ERR_clear_error();
	return 0;
}
