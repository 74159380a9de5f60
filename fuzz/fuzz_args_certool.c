/*
 * fuzz_args_certool.c: certool's option parser (the one table of
 * certool/opts.c), argv split from the input on NUL bytes.  Only parsing
 * runs: no command is executed.
 */
/* linked with certool/opts.c (fuzz/Makefile.inc) */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../certool/certool.h"
#include "argv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[FUZZ_MAXARGS + 2], *buf = NULL;
	struct ctx c;
	int argc;

	if ((argc = split_argv("certool", data, size, &buf, argv)) < 0)
		return 0;
	memset(&c, 0, sizeof(c));
	if (parse_args(&c, argc, argv) == 0) {
		/* every value the parser kept points into argv */
		for (int i = 0; i < O_NOPTS; i++)
			if (c.val[i] != NULL)
				(void)strlen(c.val[i]);
	}
	free(buf);
	return 0;
}
