/* runner.c: runs every lib/ suite; `runner SUITE` runs one. Exit 0 iff all pass. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"

static const struct {
	const char *name;
	Suite *(*make)(void);
} suites[] = {
	{ "err", suite_err },
	{ "fileio", suite_fileio },
	{ "ini", suite_ini },
	{ "paths", suite_paths },
	{ "pki", suite_pki },
	{ "secmem", suite_secmem },
	{ "util", suite_util },
	{ "store", suite_store },
	{ "publish", suite_publish },
	{ "cfg", suite_cfg },
	{ "ca", suite_ca },
	{ "registry", suite_registry },
	{ "journal", suite_journal },
	{ "secrets", suite_secrets },
	{ "sts", suite_sts },
	{ "backup", suite_backup },
	{ "certinfo", suite_certinfo },
	/* add new module suites here, one line each */
};

int
main(int argc, char **argv)
{
	SRunner *sr = NULL;
	int failed;

	/*
	 * Check's default of 4 s a test is a timing assertion: on a loaded CI
	 * machine under ASan a trivial test timed out.  60 s unless the
	 * environment says otherwise (read when each TCase is created).
	 */
	setenv("CK_DEFAULT_TIMEOUT", "60", 0);
	/* the suites change stores and CAs: their audit records stay here */
	setenv("CERTKIT_AUDIT_LOG", "/dev/null", 0);
	setenv("CERTKIT_TEST_SYSLOG", "/nonexistent/certkit-unit-syslog", 0);
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (argc > 1 && strcmp(argv[1], suites[i].name) != 0)
			continue;
		if (sr == NULL)
			sr = srunner_create(suites[i].make());
		else
			srunner_add_suite(sr, suites[i].make());
	}
	if (sr == NULL) {
		fprintf(stderr, "runner: no suite named %s\n", argc > 1 ? argv[1] : "");
		return 2;
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
