/* fuzz_inifile.c: the INI front end (certool.cfg and registry modes). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "inifile.h"

static int
count(void *user, const char *section, const char *key, const char *value, int lineno)
{
	(void)section; (void)value; (void)lineno;
	/* refuse one key so the error path runs too */
	if (key[0] == 'X')
		return ck_errf(CK_E_CONFIG, "unknown key %s", key);
	(*(int *)user)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int n = 0;

	(void)ck_ini_parse_buf("fuzz.cfg", (const char *)data, size, CK_INI_HASH_ANYWHERE | CK_INI_NO_SECTIONS, count, &n);
	(void)ck_ini_parse_buf("fuzz.conf", (const char *)data, size, 0, count, &n);
	return 0;
}
