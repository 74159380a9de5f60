/*
 * fuzz_args_svcctl.c: svcctl's option parser and its checks of option
 * combinations, argv split from the input on NUL bytes.  parse() is static,
 * so svcctl/svcctl.c is compiled into this target (its main renamed); the
 * chosen action is not executed.
 */
/* linked with svcctl/common.c svcctl/cmd_control.c svcctl/cmd_status.c svcctl/cmd_swap.c (fuzz/Makefile.inc) */
int svcctl_main(int argc, char **argv);
#define main svcctl_main
#include "../svcctl/svcctl.c"
#undef main

#include <stdint.h>

#include "argv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[FUZZ_MAXARGS + 2], *buf = NULL;
	struct svcctl_opts o;
	int argc;

	if ((argc = split_argv("svcctl", data, size, &buf, argv)) < 0)
		return 0;
	opts_init(&o);	/* as main does */
	if (parse(argc, argv, &o) == 0 && o.action != A_NONE)
		(void)check_combination(&o);
	free(o.names);
	free(buf);
	return 0;
}
